//! Proofs and the tree: exhaustively for every tree up to 64 leaves, by property for trees up
//! to 2,000, against the RFC's own definitions (`reference.rs`); tampering; node reads; the
//! appender; the node stores.

use std::cell::RefCell;
use std::sync::OnceLock;

use diwan_ledger::{
    Appender, EMPTY_ROOT, Hash, LedgerError, MAX_TREE_SIZE, MemoryTree, NodeId, NodeMap,
    NodeReader, consistency_proof, consistency_proof_nodes, frontier_nodes, inclusion_proof,
    inclusion_proof_nodes, leaf_hash, root, verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

use crate::reference;

const BIG: usize = 2_000;

/// One tree of `BIG` leaves shared by the tests; every smaller tree is a prefix of it, and the
/// stored nodes of a prefix are the same nodes.
fn big() -> &'static (MemoryTree, Vec<Hash>) {
    static TREE: OnceLock<(MemoryTree, Vec<Hash>)> = OnceLock::new();
    TREE.get_or_init(|| {
        let leaves: Vec<Hash> = (0..BIG as u64)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect();
        let mut tree = MemoryTree::new();
        for leaf in &leaves {
            tree.push(*leaf).unwrap();
        }
        (tree, leaves)
    })
}

fn flipped(hash: &Hash, byte: usize) -> Hash {
    let mut out = *hash;
    out.0[byte % 32] ^= 0x01 << (byte % 8);
    out
}

/// Checks one inclusion proof: equal to the RFC's PATH, verifies, and every tampering fails.
fn check_inclusion(index: usize, size: usize, all_bytes: bool) {
    let (tree, leaves) = big();
    let (i, n) = (index as u64, size as u64);
    let proof = inclusion_proof(tree, i, n).unwrap();
    assert_eq!(
        proof,
        reference::path(index, &leaves[..size]),
        "PATH({index}, {size})"
    );
    let root_n = root(tree, n).unwrap();
    let leaf = leaves[index];
    verify_inclusion(&leaf, i, n, &proof, &root_n).unwrap();

    // Any flipped bit of the proof, the root or the leaf.
    for (k, _) in proof.iter().enumerate() {
        let bytes: Vec<usize> = if all_bytes {
            (0..32).collect()
        } else {
            vec![(index + k) % 32]
        };
        for byte in bytes {
            let mut bad = proof.clone();
            bad[k] = flipped(&bad[k], byte);
            assert!(verify_inclusion(&leaf, i, n, &bad, &root_n).is_err());
        }
    }
    assert!(verify_inclusion(&leaf, i, n, &proof, &flipped(&root_n, index)).is_err());
    assert!(verify_inclusion(&flipped(&leaf, size), i, n, &proof, &root_n).is_err());
    // Another leaf's hash, another index.
    if size > 1 {
        let other = (index + 1) % size;
        assert!(verify_inclusion(&leaves[other], i, n, &proof, &root_n).is_err());
        assert!(verify_inclusion(&leaf, other as u64, n, &proof, &root_n).is_err());
    }
    // Another size, with that size's true root. (With the *same* root some other sizes can
    // share the path's shape: the RFC verifier trusts size and root to come together from one
    // signed checkpoint.)
    for other in [n.wrapping_sub(1), n + 1] {
        if other > i && other as usize <= BIG {
            let other_root = root(tree, other).unwrap();
            assert!(verify_inclusion(&leaf, i, other, &proof, &other_root).is_err());
        }
    }
    // A hash more or less.
    let mut longer = proof.clone();
    longer.push(leaf);
    assert!(verify_inclusion(&leaf, i, n, &longer, &root_n).is_err());
    if !proof.is_empty() {
        let shorter = &proof[..proof.len() - 1];
        assert!(verify_inclusion(&leaf, i, n, shorter, &root_n).is_err());
    }
}

/// Checks one consistency proof: equal to the RFC's PROOF, verifies, and tampering fails.
fn check_consistency(from: usize, to: usize, all_bytes: bool) {
    let (tree, leaves) = big();
    let (m, n) = (from as u64, to as u64);
    let proof = consistency_proof(tree, m, n).unwrap();
    if from > 0 {
        assert_eq!(
            proof,
            reference::proof(from, &leaves[..to]),
            "PROOF({from}, {to})"
        );
    } else {
        assert!(proof.is_empty());
    }
    let old = root(tree, m).unwrap();
    let new = root(tree, n).unwrap();
    verify_consistency(m, n, &old, &new, &proof).unwrap();

    for (k, _) in proof.iter().enumerate() {
        let bytes: Vec<usize> = if all_bytes {
            (0..32).collect()
        } else {
            vec![(from + to + k) % 32]
        };
        for byte in bytes {
            let mut bad = proof.clone();
            bad[k] = flipped(&bad[k], byte);
            assert!(verify_consistency(m, n, &old, &new, &bad).is_err());
        }
    }
    assert!(verify_consistency(m, n, &flipped(&old, to), &new, &proof).is_err());
    if from > 0 {
        // From the empty tree there is nothing to prove about the new root.
        assert!(verify_consistency(m, n, &old, &flipped(&new, from), &proof).is_err());
    }
    // Another old size, with that size's true root. (An empty proof is a true claim from the
    // empty tree, or from the new size itself: those are no "other" sizes.)
    for other in [m.wrapping_sub(1), m + 1] {
        let trivially_true = other == 0 || (other == n && proof.is_empty());
        if !trivially_true && other <= n && other != m && other as usize <= BIG {
            let other_old = root(tree, other).unwrap();
            assert!(
                verify_consistency(other, n, &other_old, &new, &proof).is_err(),
                "{other} vs {m} -> {n}"
            );
        }
    }
    let mut longer = proof.clone();
    longer.push(new);
    assert!(verify_consistency(m, n, &old, &new, &longer).is_err());
    if !proof.is_empty() {
        let shorter = &proof[..proof.len() - 1];
        assert!(verify_consistency(m, n, &old, &new, shorter).is_err());
    }
}

#[test]
fn every_root_up_to_64_matches_the_rfc() {
    let (tree, leaves) = big();
    for size in 0..=64 {
        assert_eq!(
            root(tree, size as u64).unwrap(),
            reference::mth(&leaves[..size])
        );
    }
}

#[test]
fn every_inclusion_proof_up_to_64_leaves() {
    for size in 1..=64 {
        for index in 0..size {
            check_inclusion(index, size, true);
        }
    }
}

#[test]
fn every_consistency_proof_up_to_64_leaves() {
    for to in 0..=64 {
        for from in 0..=to {
            check_consistency(from, to, true);
        }
    }
}

#[test]
fn every_index_and_every_old_size_of_some_larger_trees() {
    for size in [255, 256, 257, 1_000, 1_023, 1_024, 1_025, BIG] {
        for index in 0..size {
            check_inclusion(index, size, false);
        }
        for from in (0..=size).step_by(7).chain([size - 1, size]) {
            check_consistency(from, size, false);
        }
    }
}

fn index_and_size() -> impl Strategy<Value = (usize, usize)> {
    (1..=BIG).prop_flat_map(|size| (0..size, Just(size)))
}

fn two_sizes() -> impl Strategy<Value = (usize, usize)> {
    (0..=BIG).prop_flat_map(|to| (0..=to, Just(to)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sampled_inclusion_proofs((index, size) in index_and_size()) {
        check_inclusion(index, size, false);
    }

    #[test]
    fn sampled_consistency_proofs((from, to) in two_sizes()) {
        check_consistency(from, to, false);
    }

    #[test]
    fn any_flipped_bit_of_an_inclusion_proof_fails(
        (index, size) in index_and_size(), pick in any::<usize>(), bit in 0u8..8,
    ) {
        let (tree, leaves) = big();
        let (i, n) = (index as u64, size as u64);
        let mut proof = inclusion_proof(tree, i, n).unwrap();
        let root_n = root(tree, n).unwrap();
        prop_assume!(!proof.is_empty());
        let k = pick % proof.len();
        proof[k].0[(pick / 7) % 32] ^= 1 << bit;
        prop_assert!(verify_inclusion(&leaves[index], i, n, &proof, &root_n).is_err());
    }

    #[test]
    fn any_flipped_bit_of_a_consistency_proof_fails(
        (from, to) in two_sizes(), pick in any::<usize>(), bit in 0u8..8,
    ) {
        let tree = &big().0;
        let (m, n) = (from as u64, to as u64);
        let mut proof = consistency_proof(tree, m, n).unwrap();
        prop_assume!(!proof.is_empty());
        let k = pick % proof.len();
        proof[k].0[(pick / 7) % 32] ^= 1 << bit;
        let old = root(tree, m).unwrap();
        let new = root(tree, n).unwrap();
        prop_assert!(verify_consistency(m, n, &old, &new, &proof).is_err());
    }

    #[test]
    fn appender_from_any_frontier_continues_the_same_tree((from, to) in two_sizes()) {
        let (tree, leaves) = big();
        let mut appender = Appender::from_reader(tree, from as u64).unwrap();
        prop_assert_eq!(appender.root(), root(tree, from as u64).unwrap());
        let nodes = appender.extend(leaves[from..to].iter().copied()).unwrap();
        prop_assert_eq!(appender.size(), to as u64);
        prop_assert_eq!(appender.root(), reference::mth(&leaves[..to]));
        // The nodes to store are exactly the tree's, at consecutive positions.
        let first = NodeId::leaf(from as u64).unwrap().position();
        for (k, (node, hash)) in nodes.iter().enumerate() {
            prop_assert_eq!(node.position(), first + k as u64);
            prop_assert_eq!(NodeId::from_position(node.position()), Some(*node));
            prop_assert_eq!(tree.node(*node), Some(*hash));
        }
    }
}

/// Counts the calls and the nodes a proof reads.
struct Counting<'a> {
    inner: &'a MemoryTree,
    calls: RefCell<usize>,
    nodes: RefCell<usize>,
}

impl NodeReader for Counting<'_> {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError> {
        *self.calls.borrow_mut() += 1;
        *self.nodes.borrow_mut() += nodes.len();
        self.inner.read_nodes(nodes)
    }
}

fn ceil_log2(n: u64) -> usize {
    (64 - (n.max(1) - 1).leading_zeros()) as usize
}

#[test]
fn a_proof_is_one_read_of_at_most_two_nodes_per_level() {
    let tree = &big().0;
    let counting = || Counting {
        inner: tree,
        calls: RefCell::new(0),
        nodes: RefCell::new(0),
    };
    for n in 1..=BIG as u64 {
        let bound = 2 * ceil_log2(n);
        let c = counting();
        root(&c, n).unwrap();
        assert_eq!(*c.calls.borrow(), 1);
        assert!(*c.nodes.borrow() <= ceil_log2(n) + 1, "root of {n}");
        for i in [0, n / 3, n / 2, n - 1] {
            let c = counting();
            inclusion_proof(&c, i, n).unwrap();
            assert!(*c.calls.borrow() <= 1);
            assert!(*c.nodes.borrow() <= bound, "inclusion {i} of {n}");
        }
        for m in [1, n / 3, n / 2, n - 1] {
            if m == 0 {
                continue;
            }
            let c = counting();
            consistency_proof(&c, m, n).unwrap();
            assert!(*c.calls.borrow() <= 1);
            assert!(*c.nodes.borrow() <= bound, "consistency {m} -> {n}");
        }
    }
}

#[test]
fn fetched_nodes_give_the_same_proofs() {
    // What an async store does: ask which nodes, fetch them in one query, prove from the map.
    let tree = &big().0;
    for (i, n) in [
        (0u64, 1u64),
        (5, 8),
        (999, 1_000),
        (1_234, 1_999),
        (0, 2_000),
    ] {
        let wanted = inclusion_proof_nodes(i, n).unwrap();
        let map: NodeMap = wanted
            .iter()
            .map(|&node| (node, tree.node(node).unwrap()))
            .collect();
        assert_eq!(map.len(), wanted.len());
        assert_eq!(
            inclusion_proof(&map, i, n).unwrap(),
            inclusion_proof(tree, i, n).unwrap()
        );
    }
    for (m, n) in [(1u64, 1u64), (6, 8), (1_000, 2_000), (1_337, 1_999)] {
        let map: NodeMap = consistency_proof_nodes(m, n)
            .unwrap()
            .into_iter()
            .map(|node| (node, tree.node(node).unwrap()))
            .collect();
        assert_eq!(
            consistency_proof(&map, m, n).unwrap(),
            consistency_proof(tree, m, n).unwrap()
        );
    }
    for n in [1u64, 7, 8, 1_999] {
        let map: NodeMap = frontier_nodes(n)
            .unwrap()
            .into_iter()
            .map(|node| (node, tree.node(node).unwrap()))
            .collect();
        assert_eq!(root(&map, n).unwrap(), root(tree, n).unwrap());
    }
}

#[test]
fn frontier_is_the_complete_subtrees_covering_the_prefix() {
    let described = |n| {
        frontier_nodes(n)
            .unwrap()
            .into_iter()
            .map(|node| (node.level(), node.index()))
            .collect::<Vec<_>>()
    };
    assert_eq!(described(0), vec![]);
    assert_eq!(described(1), vec![(0, 0)]);
    assert_eq!(described(6), vec![(2, 0), (1, 2)]);
    assert_eq!(described(7), vec![(2, 0), (1, 2), (0, 6)]);
    assert_eq!(described(8), vec![(3, 0)]);
    assert_eq!(frontier_nodes(MAX_TREE_SIZE).unwrap().len(), 1);
}

#[test]
fn appender_nodes_match_go_tlog_stored_hashes() {
    // tlog's own "hashes to store for record n" must equal what our appender returns.
    struct Reader<'a>(&'a MemoryTree);
    impl tlog_tiles::HashReader for Reader<'_> {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
            Ok(indexes
                .iter()
                .map(|&p| {
                    tlog_tiles::Hash(self.0.node(NodeId::from_position(p).unwrap()).unwrap().0)
                })
                .collect())
        }
    }
    let (tree, leaves) = big();
    let mut appender = Appender::empty();
    for (n, leaf) in leaves.iter().enumerate().take(300) {
        let ours: Vec<[u8; 32]> = appender
            .push(*leaf)
            .unwrap()
            .iter()
            .map(|(_, h)| h.0)
            .collect();
        let theirs: Vec<[u8; 32]> = tlog_tiles::stored_hashes_for_record_hash(
            n as u64,
            tlog_tiles::Hash(leaf.0),
            &Reader(tree),
        )
        .unwrap()
        .iter()
        .map(|h| h.0)
        .collect();
        assert_eq!(ours, theirs, "record {n}");
    }
}

#[test]
fn out_of_range_requests_are_errors_not_panics() {
    let tree = &big().0;
    let n = BIG as u64;
    assert!(matches!(
        inclusion_proof(tree, n, n),
        Err(LedgerError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        inclusion_proof(tree, 0, 0),
        Err(LedgerError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        consistency_proof(tree, 5, 4),
        Err(LedgerError::SizesOutOfOrder { from: 5, to: 4 })
    ));
    // Beyond what the store holds: the missing node is named.
    assert!(matches!(
        inclusion_proof(tree, 0, n + 1),
        Err(LedgerError::MissingNode { .. })
    ));
    assert!(matches!(
        root(tree, 2 * n),
        Err(LedgerError::MissingNode { .. })
    ));
    // Beyond what the crate supports.
    assert!(matches!(
        root(tree, u64::MAX),
        Err(LedgerError::TreeTooLarge { .. })
    ));
    assert!(matches!(
        inclusion_proof(tree, 0, MAX_TREE_SIZE + 1),
        Err(LedgerError::TreeTooLarge { .. })
    ));
    assert!(inclusion_proof_nodes(u64::MAX - 1, u64::MAX).is_err());
    assert!(verify_inclusion(&EMPTY_ROOT, 3, 3, &[], &EMPTY_ROOT).is_err());
    assert!(verify_consistency(4, 3, &EMPTY_ROOT, &EMPTY_ROOT, &[]).is_err());
    // An absurdly long proof is refused before any hashing.
    let long = vec![EMPTY_ROOT; 10_000];
    assert!(matches!(
        verify_inclusion(&EMPTY_ROOT, 0, 2, &long, &EMPTY_ROOT),
        Err(LedgerError::InvalidProof)
    ));
    assert!(NodeId::new(63, 0).is_err());
    assert!(NodeId::new(0, MAX_TREE_SIZE).is_err());
    assert!(NodeId::from_position(u64::MAX).is_none());
}

#[test]
fn consistency_from_the_empty_tree() {
    let tree = &big().0;
    let new = root(tree, 10).unwrap();
    assert_eq!(consistency_proof(tree, 0, 10).unwrap(), vec![]);
    verify_consistency(0, 10, &EMPTY_ROOT, &new, &[]).unwrap();
    verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]).unwrap();
    // The old root must be the empty tree's, and the proof empty.
    assert!(verify_consistency(0, 10, &new, &new, &[]).is_err());
    assert!(verify_consistency(0, 10, &EMPTY_ROOT, &new, &[new]).is_err());
}

/// A reader that misbehaves, to show its errors come back intact.
struct Broken(bool);

#[derive(Debug)]
struct DiskOnFire;

impl std::error::Error for DiskOnFire {}

impl std::fmt::Display for DiskOnFire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("disk on fire")
    }
}

impl NodeReader for Broken {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError> {
        if self.0 {
            Err(LedgerError::node_store(DiskOnFire))
        } else {
            Ok(vec![EMPTY_ROOT; nodes.len().saturating_sub(1)])
        }
    }
}

#[test]
fn reader_failures_come_back_as_errors() {
    match inclusion_proof(&Broken(true), 3, 10) {
        Err(LedgerError::NodeStore(source)) => {
            assert!(source.downcast_ref::<DiskOnFire>().is_some());
        }
        other => panic!("expected the store's error, got {other:?}"),
    }
    assert!(matches!(
        consistency_proof(&Broken(false), 3, 10),
        Err(LedgerError::ShortRead { .. })
    ));
    assert!(matches!(
        root(&Broken(false), 10),
        Err(LedgerError::ShortRead { .. })
    ));
    assert!(matches!(
        Appender::from_reader(&Broken(false), 10),
        Err(LedgerError::FrontierLength { .. })
    ));
    assert!(matches!(
        Appender::new(3, vec![EMPTY_ROOT]),
        Err(LedgerError::FrontierLength {
            size: 3,
            expected: 2,
            got: 1
        })
    ));
}

#[test]
fn size_and_root_are_trusted_together() {
    // docs/design/ledger.md: a proof binds to the root. Leaf 0 has the same path shape in
    // trees of 3 and 4 leaves, so RFC 9162's verifier accepts the size-3 path as a size-4 path
    // against the size-3 root; a verifier must take size and root from one checkpoint.
    let (tree, leaves) = big();
    let proof = inclusion_proof(tree, 0, 3).unwrap();
    let root3 = root(tree, 3).unwrap();
    verify_inclusion(&leaves[0], 0, 4, &proof, &root3).unwrap();
    let root4 = root(tree, 4).unwrap();
    assert!(verify_inclusion(&leaves[0], 0, 4, &proof, &root4).is_err());
}
