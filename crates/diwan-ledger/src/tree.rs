//! The RFC 6962 Merkle tree over stored nodes: where nodes live, roots, inclusion and
//! consistency proofs (RFC 9162 §2.1.3, §2.1.4) and their verification.
//!
//! The arithmetic is `tlog_tiles` (a port of Go's `sumdb/tlog`); this module adapts it to our
//! node store, keeps its assertions unreachable (sizes bounded, reads checked) and adds the
//! "which nodes will you read?" functions an async store needs to fetch in one query.

use std::cell::RefCell;

use crate::{EMPTY_ROOT, Hash, LedgerError};

/// The largest tree the crate handles: 2^62 leaves. Bounding sizes keeps every node position
/// inside a `u64` (and inside a PostgreSQL `BIGINT`).
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// The longest proof any tree within [`MAX_TREE_SIZE`] can need; longer ones are refused before
/// any hashing.
const MAX_PROOF_LEN: usize = 2 * 64;

/// A complete subtree of the log: level 0 holds leaf hashes, and node `(level, index)` covers
/// leaves `[index · 2^level, (index + 1) · 2^level)`. Only complete subtrees are stored, and
/// once complete their hash never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    level: u8,
    index: u64,
}

impl NodeId {
    /// The node `(level, index)`, refused if it reaches past [`MAX_TREE_SIZE`] leaves.
    pub fn new(level: u8, index: u64) -> Result<Self, LedgerError> {
        if level > 62 || index >= (MAX_TREE_SIZE >> level) {
            return Err(LedgerError::NodeOutOfRange { level, index });
        }
        Ok(NodeId { level, index })
    }

    /// The leaf hash of leaf `index`.
    pub fn leaf(index: u64) -> Result<Self, LedgerError> {
        NodeId::new(0, index)
    }

    pub fn level(self) -> u8 {
        self.level
    }

    pub fn index(self) -> u64 {
        self.index
    }

    /// The first leaf this node covers.
    pub fn first_leaf(self) -> u64 {
        self.index << self.level
    }

    /// The number of leaves this node covers.
    pub fn width(self) -> u64 {
        1 << self.level
    }

    /// The node's dense storage position (Crosby–Wallach order, as Go's tlog): appending leaf
    /// `n` writes its leaf hash and the nodes it completes at consecutive positions starting at
    /// `NodeId::leaf(n).position()`. A good primary key for a nodes table.
    pub fn position(self) -> u64 {
        tlog_tiles::stored_hash_index(self.level, self.index)
    }

    /// The node at a storage position, if that position lies within [`MAX_TREE_SIZE`].
    pub fn from_position(position: u64) -> Option<Self> {
        // Every position of a supported node is below 2^63 + 63; checking first keeps
        // tlog's arithmetic clear of overflow.
        if position > (1 << 63) {
            return None;
        }
        let (level, index) = tlog_tiles::split_stored_hash_index(position);
        NodeId::new(level, index).ok()
    }
}

/// Where the tree's stored hashes come from: the store's nodes table, or memory.
///
/// Every function here makes **one** `read_nodes` call per root or proof, asking for at most
/// about `2 · log2(size)` nodes, so a database implementation answers with one query.
pub trait NodeReader {
    /// The hash of each node asked for, in the order asked. A node the store does not have is
    /// [`LedgerError::MissingNode`]; a store failure is [`LedgerError::node_store`].
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError>;
}

impl<R: NodeReader + ?Sized> NodeReader for &R {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError> {
        (**self).read_nodes(nodes)
    }
}

/// Lets tlog read through a [`NodeReader`], keeping our error (tlog's error type cannot carry
/// it) and checking the answer's length so tlog's own length assertions never fire.
struct Adapter<'a, R: ?Sized> {
    reader: &'a R,
    failure: RefCell<Option<LedgerError>>,
}

impl<'a, R: NodeReader + ?Sized> Adapter<'a, R> {
    fn new(reader: &'a R) -> Self {
        Adapter {
            reader,
            failure: RefCell::new(None),
        }
    }

    /// Our error if the reader failed, else tlog's (which only arises on inputs we check
    /// before calling it).
    fn error(&self, fallback: tlog_tiles::Error) -> LedgerError {
        match self.failure.borrow_mut().take() {
            Some(error) => error,
            None => LedgerError::Tree(fallback.to_string()),
        }
    }
}

impl<R: NodeReader + ?Sized> tlog_tiles::HashReader for Adapter<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        let mut nodes = Vec::with_capacity(indexes.len());
        for &position in indexes {
            match NodeId::from_position(position) {
                Some(node) => nodes.push(node),
                None => {
                    *self.failure.borrow_mut() = Some(LedgerError::NodeOutOfRange {
                        level: 0,
                        index: position,
                    });
                    return Err(tlog_tiles::Error::IndexesNotInTree);
                }
            }
        }
        let result = self.reader.read_nodes(&nodes).and_then(|hashes| {
            if hashes.len() == nodes.len() {
                Ok(hashes)
            } else {
                Err(LedgerError::ShortRead {
                    wanted: nodes.len(),
                    got: hashes.len(),
                })
            }
        });
        match result {
            Ok(hashes) => Ok(hashes.into_iter().map(Into::into).collect()),
            Err(error) => {
                *self.failure.borrow_mut() = Some(error);
                Err(tlog_tiles::Error::IndexesNotInTree)
            }
        }
    }
}

/// Records which nodes are asked for and answers with placeholders.
struct Recorder(RefCell<Vec<NodeId>>);

impl NodeReader for Recorder {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError> {
        self.0.borrow_mut().extend_from_slice(nodes);
        Ok(vec![Hash::default(); nodes.len()])
    }
}

fn check_size(size: u64) -> Result<(), LedgerError> {
    if size > MAX_TREE_SIZE {
        return Err(LedgerError::TreeTooLarge {
            size,
            max: MAX_TREE_SIZE,
        });
    }
    Ok(())
}

fn check_index(index: u64, size: u64) -> Result<(), LedgerError> {
    check_size(size)?;
    if index >= size {
        return Err(LedgerError::IndexOutOfRange { index, size });
    }
    Ok(())
}

fn check_sizes(from: u64, to: u64) -> Result<(), LedgerError> {
    check_size(to)?;
    if from > to {
        return Err(LedgerError::SizesOutOfOrder { from, to });
    }
    Ok(())
}

fn hashes(proof: Vec<tlog_tiles::Hash>) -> Vec<Hash> {
    proof.into_iter().map(Into::into).collect()
}

/// The root hash of the tree of the first `size` leaves.
pub fn root<R: NodeReader + ?Sized>(reader: &R, size: u64) -> Result<Hash, LedgerError> {
    check_size(size)?;
    if size == 0 {
        return Ok(EMPTY_ROOT);
    }
    let adapter = Adapter::new(reader);
    tlog_tiles::tree_hash(size, &adapter)
        .map(Into::into)
        .map_err(|e| adapter.error(e))
}

/// The inclusion proof (audit path, leaf upwards) of leaf `index` in the tree of size `size`.
pub fn inclusion_proof<R: NodeReader + ?Sized>(
    reader: &R,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LedgerError> {
    check_index(index, size)?;
    let adapter = Adapter::new(reader);
    tlog_tiles::prove_record(size, index, &adapter)
        .map(hashes)
        .map_err(|e| adapter.error(e))
}

/// The consistency proof that the tree of size `from` is a prefix of the tree of size `to`.
/// Empty when `from` is 0 or equal to `to`.
pub fn consistency_proof<R: NodeReader + ?Sized>(
    reader: &R,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, LedgerError> {
    check_sizes(from, to)?;
    if from == 0 || from == to {
        return Ok(Vec::new());
    }
    let adapter = Adapter::new(reader);
    tlog_tiles::prove_tree(to, from, &adapter)
        .map(hashes)
        .map_err(|e| adapter.error(e))
}

fn recorded(
    run: impl FnOnce(&Recorder) -> Result<(), LedgerError>,
) -> Result<Vec<NodeId>, LedgerError> {
    let recorder = Recorder(RefCell::new(Vec::new()));
    run(&recorder)?;
    Ok(recorder.0.into_inner())
}

/// The nodes [`root`] reads for `size`: the complete subtrees covering `[0, size)`, largest
/// (leftmost) first — the tree's *frontier*. At most `log2(size) + 1` of them.
pub fn frontier_nodes(size: u64) -> Result<Vec<NodeId>, LedgerError> {
    check_size(size)?;
    let mut nodes = Vec::with_capacity(size.count_ones() as usize);
    let mut start = 0u64;
    for level in (0..63u8).rev() {
        let width = 1u64 << level;
        if size & width != 0 {
            nodes.push(NodeId::new(level, start >> level)?);
            start += width;
        }
    }
    Ok(nodes)
}

/// The nodes [`inclusion_proof`] reads, in the order it reads them. An async store fetches
/// these in one query, puts them in a [`crate::NodeMap`] and calls [`inclusion_proof`] on it.
pub fn inclusion_proof_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, LedgerError> {
    recorded(|r| inclusion_proof(r, index, size).map(drop))
}

/// The nodes [`consistency_proof`] reads, in the order it reads them.
pub fn consistency_proof_nodes(from: u64, to: u64) -> Result<Vec<NodeId>, LedgerError> {
    recorded(|r| consistency_proof(r, from, to).map(drop))
}

fn to_tlog(proof: &[Hash]) -> Result<Vec<tlog_tiles::Hash>, LedgerError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(LedgerError::InvalidProof);
    }
    Ok(proof.iter().map(|h| (*h).into()).collect())
}

/// Checks that `proof` shows the leaf with hash `leaf_hash` at `index` in the tree of size
/// `size` whose root is `root` (RFC 9162 §2.1.3.2). A proof of the wrong length fails.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LedgerError> {
    check_index(index, size)?;
    let proof = to_tlog(proof)?;
    tlog_tiles::check_record(&proof, size, (*root).into(), index, (*leaf_hash).into())
        .map_err(|_| LedgerError::InvalidProof)
}

/// Checks that `proof` shows the tree of size `from` with root `old_root` to be a prefix of the
/// tree of size `to` with root `new_root` (RFC 9162 §2.1.4.2). From 0, the proof must be empty
/// and `old_root` the empty tree's; between equal sizes, empty with equal roots.
pub fn verify_consistency(
    from: u64,
    to: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), LedgerError> {
    check_sizes(from, to)?;
    if from == 0 {
        return if proof.is_empty() && *old_root == EMPTY_ROOT {
            Ok(())
        } else {
            Err(LedgerError::InvalidProof)
        };
    }
    let proof = to_tlog(proof)?;
    tlog_tiles::check_tree(&proof, to, (*new_root).into(), from, (*old_root).into())
        .map_err(|_| LedgerError::InvalidProof)
}
