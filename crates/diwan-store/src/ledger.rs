//! Integrating placed leaves into the Merkle tree the store keeps (docs/design/ledger.md,
//! "Storage"): the arithmetic is diwan-ledger's, the reading and writing each backend's. Both
//! backends call [`integrate`] with the head they stored, its frontier's hashes and the new
//! leaves in order, and write back what it returns in the same transaction.

use diwan_ledger::{Appender, EMPTY_ROOT, Hash, frontier_nodes, leaf_hash};

use crate::{LedgerHead, StoreError, StoreResult};

/// The nodes to insert and the head to record after appending some leaves.
pub(crate) struct Integration {
    /// `(level, index, hash)`: each new leaf's hash and every subtree it completes.
    pub nodes: Vec<(u8, u64, [u8; 32])>,
    pub head: LedgerHead,
}

fn ledger_error(error: diwan_ledger::LedgerError) -> StoreError {
    StoreError::Backend(format!("ledger: {error}"))
}

/// The head of an empty log.
pub(crate) fn empty_head() -> LedgerHead {
    LedgerHead {
        size: 0,
        root: EMPTY_ROOT.0,
    }
}

/// The `(level, index)` of the complete subtrees covering a log of `size` leaves, largest
/// first: what [`integrate`] needs as `frontier`.
pub(crate) fn frontier(size: u64) -> StoreResult<Vec<(u8, u64)>> {
    Ok(frontier_nodes(size)
        .map_err(ledger_error)?
        .into_iter()
        .map(|node| (node.level(), node.index()))
        .collect())
}

/// Appends `entries` (leaf bytes, in log order) to the log of `size` leaves whose frontier
/// hashes are `frontier`.
pub(crate) fn integrate(
    size: u64,
    frontier: Vec<[u8; 32]>,
    entries: &[Vec<u8>],
) -> StoreResult<Integration> {
    let mut appender =
        Appender::new(size, frontier.into_iter().map(Hash).collect()).map_err(ledger_error)?;
    let nodes = appender
        .extend(entries.iter().map(|entry| leaf_hash(entry)))
        .map_err(ledger_error)?
        .into_iter()
        .map(|(node, hash)| (node.level(), node.index(), hash.0))
        .collect();
    Ok(Integration {
        nodes,
        head: LedgerHead {
            size: appender.size(),
            root: appender.root().0,
        },
    })
}

/// A stored index or size as the `u64` it is; a negative one means a corrupt database.
pub(crate) fn position(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Backend(format!("negative ledger index {value}")))
}

/// A stored hash as 32 bytes.
pub(crate) fn hash32(bytes: &[u8]) -> StoreResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Backend(format!("ledger hash of {} bytes", bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diwan_ledger::MemoryTree;

    #[test]
    fn integrating_in_pieces_gives_the_tree_of_all_leaves() {
        let entries: Vec<Vec<u8>> = (0..37u32).map(|n| n.to_be_bytes().to_vec()).collect();
        let mut stored = std::collections::HashMap::new();
        let mut head = empty_head();
        for piece in entries.chunks(5) {
            let wanted = frontier(head.size).expect("frontier");
            let hashes = wanted.iter().map(|key| stored[key]).collect();
            let done = integrate(head.size, hashes, piece).expect("integrate");
            for (level, index, hash) in done.nodes {
                stored.insert((level, index), hash);
            }
            head = done.head;
        }
        let mut tree = MemoryTree::new();
        for entry in &entries {
            tree.push(leaf_hash(entry)).expect("push");
        }
        assert_eq!(head.size, 37);
        assert_eq!(Hash(head.root), tree.root());
    }
}
