//! The RFC 6962 reference vectors of Certificate Transparency (`merkle_tree_test`, as kept by
//! transparency-dev/merkle): the eight test leaves, the root of every size 0..=8, and the
//! published inclusion and consistency proofs. Data only.

use diwan_ledger::{
    EMPTY_ROOT, Hash, MemoryTree, consistency_proof, inclusion_proof, leaf_hash, root,
    verify_consistency, verify_inclusion,
};

pub const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// The root of the tree of the first `i` leaves.
pub const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, audit path).
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (
        0,
        2,
        &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    ),
    (
        1,
        2,
        &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// (old size, new size, consistency proof).
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        2,
        8,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).unwrap()
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|x| h(x)).collect()
}

pub fn reference_tree() -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in LEAVES {
        tree.push(leaf_hash(&hex::decode(leaf).unwrap())).unwrap();
    }
    tree
}

#[test]
fn empty_root_is_sha256_of_nothing() {
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    assert_eq!(MemoryTree::new().root(), EMPTY_ROOT);
}

#[test]
fn roots_of_every_size() {
    let tree = reference_tree();
    for (size, want) in ROOTS.iter().enumerate() {
        assert_eq!(root(&tree, size as u64).unwrap(), h(want), "size {size}");
    }
    assert_eq!(tree.root(), h(ROOTS[8]));
}

#[test]
fn appending_gives_each_root_in_turn() {
    let mut tree = MemoryTree::new();
    for (i, leaf) in LEAVES.iter().enumerate() {
        tree.push(leaf_hash(&hex::decode(leaf).unwrap())).unwrap();
        assert_eq!(tree.root(), h(ROOTS[i + 1]), "after {} leaves", i + 1);
    }
}

#[test]
fn published_inclusion_proofs() {
    let tree = reference_tree();
    for &(index, size, want) in INCLUSION {
        let proof = inclusion_proof(&tree, index, size).unwrap();
        assert_eq!(proof, hashes(want), "inclusion of {index} in {size}");
        let leaf = leaf_hash(&hex::decode(LEAVES[index as usize]).unwrap());
        verify_inclusion(&leaf, index, size, &proof, &h(ROOTS[size as usize])).unwrap();
    }
}

#[test]
fn published_consistency_proofs() {
    let tree = reference_tree();
    for &(from, to, want) in CONSISTENCY {
        let proof = consistency_proof(&tree, from, to).unwrap();
        assert_eq!(proof, hashes(want), "consistency {from} -> {to}");
        verify_consistency(
            from,
            to,
            &h(ROOTS[from as usize]),
            &h(ROOTS[to as usize]),
            &proof,
        )
        .unwrap();
    }
}

#[test]
fn published_proofs_fail_against_a_wrong_root() {
    for &(index, size, want) in INCLUSION {
        let leaf = leaf_hash(&hex::decode(LEAVES[index as usize]).unwrap());
        let wrong = h(ROOTS[(size as usize + 1) % 9]);
        assert!(verify_inclusion(&leaf, index, size, &hashes(want), &wrong).is_err());
    }
    for &(from, to, want) in CONSISTENCY {
        let wrong = h(ROOTS[(to as usize + 1) % 9]);
        let old = h(ROOTS[from as usize]);
        assert!(verify_consistency(from, to, &old, &wrong, &hashes(want)).is_err());
    }
}
