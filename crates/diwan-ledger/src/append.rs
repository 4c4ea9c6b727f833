//! Growing the tree: given the current frontier, turn new leaf hashes into the nodes the store
//! must insert (in the same transaction as the entries) and the new root.

use crate::tree::{MAX_TREE_SIZE, NodeId, NodeReader, frontier_nodes};
use crate::{EMPTY_ROOT, Hash, LedgerError, node_hash};

/// Appends leaves to a tree of known size, knowing only its frontier (the complete subtrees
/// covering `[0, size)`, see [`frontier_nodes`]). Pure: it returns what to store.
///
/// The sequencer's batch: read `frontier_nodes(size)`, build the appender with
/// [`Appender::new`], [`Appender::push`] each new leaf hash, insert every returned node, then
/// sign a checkpoint of [`Appender::size`] and [`Appender::root`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appender {
    size: u64,
    /// Hashes of the frontier nodes, largest subtree first.
    frontier: Vec<Hash>,
}

impl Default for Appender {
    fn default() -> Self {
        Appender::empty()
    }
}

impl Appender {
    /// An appender for the empty tree.
    pub fn empty() -> Self {
        Appender {
            size: 0,
            frontier: Vec::new(),
        }
    }

    /// An appender for a tree of `size` leaves whose frontier nodes (in the order of
    /// [`frontier_nodes`]) have these hashes.
    pub fn new(size: u64, frontier: Vec<Hash>) -> Result<Self, LedgerError> {
        let expected = frontier_nodes(size)?.len();
        if frontier.len() != expected {
            return Err(LedgerError::FrontierLength {
                size,
                expected,
                got: frontier.len(),
            });
        }
        Ok(Appender { size, frontier })
    }

    /// Reads the frontier of a tree of `size` leaves from a node store.
    pub fn from_reader<R: NodeReader + ?Sized>(reader: &R, size: u64) -> Result<Self, LedgerError> {
        let nodes = frontier_nodes(size)?;
        let frontier = if nodes.is_empty() {
            Vec::new()
        } else {
            reader.read_nodes(&nodes)?
        };
        Appender::new(size, frontier)
    }

    /// Leaves in the tree so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The current frontier's hashes, largest subtree first.
    pub fn frontier(&self) -> &[Hash] {
        &self.frontier
    }

    /// The root of the tree so far (RFC 6962 `MTH`).
    pub fn root(&self) -> Hash {
        let mut hashes = self.frontier.iter().rev();
        let Some(last) = hashes.next() else {
            return EMPTY_ROOT;
        };
        hashes.fold(*last, |right, left| node_hash(left, &right))
    }

    /// Appends one leaf hash and returns the nodes to store: the leaf's own node, then each
    /// subtree it completes, at consecutive [`NodeId::position`]s.
    pub fn push(&mut self, leaf_hash: Hash) -> Result<Vec<(NodeId, Hash)>, LedgerError> {
        if self.size >= MAX_TREE_SIZE {
            return Err(LedgerError::TreeTooLarge {
                size: self.size.saturating_add(1),
                max: MAX_TREE_SIZE,
            });
        }
        let mut index = self.size;
        let mut level = 0u8;
        let mut hash = leaf_hash;
        let mut nodes = Vec::with_capacity(1 + index.trailing_ones() as usize);
        nodes.push((NodeId::new(0, index)?, hash));
        // Each trailing one-bit of the leaf index closes a subtree with its left neighbour,
        // which is the frontier's last (smallest) entry.
        while index & 1 == 1 {
            let Some(left) = self.frontier.pop() else {
                return Err(LedgerError::Tree("frontier shorter than the size".into()));
            };
            hash = node_hash(&left, &hash);
            index >>= 1;
            level += 1;
            nodes.push((NodeId::new(level, index)?, hash));
        }
        self.frontier.push(hash);
        self.size += 1;
        Ok(nodes)
    }

    /// Appends leaf hashes in order and returns every node to store.
    pub fn extend(
        &mut self,
        leaf_hashes: impl IntoIterator<Item = Hash>,
    ) -> Result<Vec<(NodeId, Hash)>, LedgerError> {
        let mut nodes = Vec::new();
        for leaf in leaf_hashes {
            nodes.extend(self.push(leaf)?);
        }
        Ok(nodes)
    }
}
