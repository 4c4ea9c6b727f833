//! The one error type of the crate.

use std::error::Error as StdError;

/// Everything that can go wrong in the ledger crate.
///
/// Verification failures are values a caller shows to a person ("the proof does not match the
/// root"), so each has its own variant; none of them carries secret material.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    // --- tree arithmetic ---
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("cannot prove consistency from size {from} to the smaller size {to}")]
    SizesOutOfOrder { from: u64, to: u64 },
    #[error("tree size {size} is beyond the supported maximum {max}")]
    TreeTooLarge { size: u64, max: u64 },
    #[error("no node at level {level} index {index} in the supported tree")]
    NodeOutOfRange { level: u8, index: u64 },
    #[error("the node store has no hash for level {level} index {index}")]
    MissingNode { level: u8, index: u64 },
    #[error("the node store returned {got} hashes for {wanted} nodes")]
    ShortRead { wanted: usize, got: usize },
    #[error("the node store failed")]
    NodeStore(#[source] Box<dyn StdError + Send + Sync + 'static>),
    #[error("a tree of size {size} has {expected} frontier hashes, {got} were given")]
    FrontierLength {
        size: u64,
        expected: usize,
        got: usize,
    },
    #[error("a hash must be 32 bytes, got {0}")]
    HashLength(usize),
    #[error("malformed hash: {0}")]
    MalformedHash(&'static str),
    #[error("the proof does not match the root")]
    InvalidProof,
    #[error("tree arithmetic refused the input: {0}")]
    Tree(String),

    // --- entries ---
    #[error("malformed ledger entry: {0}")]
    MalformedEntry(String),
    #[error("ledger entry is not in canonical form")]
    NonCanonicalEntry,
    #[error("ledger entry kind {kind:?} version {v} is not supported")]
    UnsupportedVersion { kind: String, v: u64 },
    #[error("integer {0} is outside ±(2^53 - 1) and has no single canonical JSON form")]
    IntegerOutOfRange(String),

    // --- checkpoints, notes and keys ---
    #[error("key name {0:?} is empty or holds a space or '+'")]
    InvalidKeyName(String),
    #[error("malformed verifier key: {0}")]
    MalformedKey(&'static str),
    #[error("verifier key algorithm {0:#04x} is not Ed25519 (0x01)")]
    UnsupportedKeyAlgorithm(u8),
    #[error("verifier key id does not match its name and key")]
    KeyIdMismatch,
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    #[error("malformed checkpoint")]
    MalformedCheckpoint,
    #[error("the note has no signature by key {name}+{key_id:08x}")]
    NotSignedByKey { name: String, key_id: u32 },
    #[error("the signature by key {name}+{key_id:08x} does not verify")]
    BadSignature { name: String, key_id: u32 },
    #[error("checkpoint origin {origin:?} is not the key name {key_name:?}")]
    OriginMismatch { origin: String, key_name: String },
}

impl LedgerError {
    /// Wraps a node store's own error (a database error, say) so that it travels through the
    /// tree functions; the store can get it back with `source()` and `downcast_ref`.
    pub fn node_store(error: impl StdError + Send + Sync + 'static) -> Self {
        LedgerError::NodeStore(Box::new(error))
    }
}
