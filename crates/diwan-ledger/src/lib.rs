//! The tamper-evident ledger's formats and arithmetic: ledger entries and their one canonical
//! byte form (RFC 8785 JSON, versioned, no personal data in clear — [`keyed_id_hash`]), the
//! RFC 6962 Merkle tree (leaf and node hashing, roots, inclusion and consistency proofs and
//! their verification, RFC 9162 §2.1), the [`Appender`] that turns new leaves into the nodes a
//! store must keep so that every proof costs O(log n) reads, and signed checkpoints in the C2SP
//! `tlog-checkpoint` / `signed-note` formats with the `vkey` text form of the key.
//! The format is described in `docs/design/ledger.md`.
//!
//! **Architecture invariant:** this crate does no IO — no clock, no files, no network, no
//! environment, no randomness, no async. Nodes come in through [`NodeReader`] (or as fetched
//! hashes in a [`NodeMap`]); keys come in as bytes; what must be stored goes back as data.

mod append;
mod canonical;
mod checkpoint;
mod entry;
mod error;
mod hash;
mod memory;
mod tree;

pub use append::Appender;
pub use canonical::MAX_SAFE_INTEGER;
pub use checkpoint::{
    Checkpoint, MAX_NOTE_BYTES, NoteSigner, VerifierKey, is_valid_key_name, key_id, open_note,
    verify_checkpoint,
};
pub use entry::{
    ActorKind, ApplicationEvent, CertificateIssued, CertificateRevoked, DataAccess, ENTRY_VERSION,
    LedgerEntry,
};
pub use error::LedgerError;
pub use hash::{
    EMPTY_ROOT, HASH_SIZE, Hash, ID_HASH_LABEL, keyed_id_hash, leaf_hash, node_hash, sha256,
};
pub use memory::{MemoryTree, NodeMap};
pub use tree::{
    MAX_TREE_SIZE, NodeId, NodeReader, consistency_proof, consistency_proof_nodes, frontier_nodes,
    inclusion_proof, inclusion_proof_nodes, root, verify_consistency, verify_inclusion,
};
