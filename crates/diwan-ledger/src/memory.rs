//! Node stores in memory: a whole tree (tests, benchmarks, an auditor recomputing the log) and
//! a sparse map of fetched nodes (what an async store fills from one query).

use std::collections::BTreeMap;

use crate::tree::{NodeId, NodeReader};
use crate::{Appender, Hash, LedgerError};

/// A whole tree in memory, nodes kept by [`NodeId::position`] (about two hashes per leaf).
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    nodes: Vec<Hash>,
    appender: Appender,
}

impl MemoryTree {
    pub fn new() -> Self {
        MemoryTree::default()
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf_hash: Hash) -> Result<(), LedgerError> {
        for (node, hash) in self.appender.push(leaf_hash)? {
            // Positions are consecutive by construction (see `NodeId::position`).
            if node.position() != self.nodes.len() as u64 {
                return Err(LedgerError::Tree("node positions out of order".into()));
            }
            self.nodes.push(hash);
        }
        Ok(())
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.appender.size()
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        self.appender.root()
    }

    /// The stored hash of a node, if the tree has it.
    pub fn node(&self, node: NodeId) -> Option<Hash> {
        usize::try_from(node.position())
            .ok()
            .and_then(|position| self.nodes.get(position))
            .copied()
    }
}

impl NodeReader for MemoryTree {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError> {
        nodes
            .iter()
            .map(|&node| {
                self.node(node).ok_or(LedgerError::MissingNode {
                    level: node.level(),
                    index: node.index(),
                })
            })
            .collect()
    }
}

/// Some nodes and their hashes, e.g. those an async store fetched for one proof
/// (see [`crate::inclusion_proof_nodes`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeMap(BTreeMap<NodeId, Hash>);

impl NodeMap {
    pub fn new() -> Self {
        NodeMap::default()
    }

    pub fn insert(&mut self, node: NodeId, hash: Hash) {
        self.0.insert(node, hash);
    }

    pub fn get(&self, node: NodeId) -> Option<Hash> {
        self.0.get(&node).copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(NodeId, Hash)> for NodeMap {
    fn from_iter<I: IntoIterator<Item = (NodeId, Hash)>>(iter: I) -> Self {
        NodeMap(iter.into_iter().collect())
    }
}

impl Extend<(NodeId, Hash)> for NodeMap {
    fn extend<I: IntoIterator<Item = (NodeId, Hash)>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl NodeReader for NodeMap {
    fn read_nodes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, LedgerError> {
        nodes
            .iter()
            .map(|&node| {
                self.get(node).ok_or(LedgerError::MissingNode {
                    level: node.level(),
                    index: node.index(),
                })
            })
            .collect()
    }
}
