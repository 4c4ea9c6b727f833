//! The ledger crate's tests: RFC 6962 / CT reference vectors, exhaustive and property tests of
//! proofs against an independent implementation of the RFC's definitions, the appender and the
//! node stores, signed checkpoints, and the canonical entry encoding.

// Test helpers panic on purpose: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod checkpoint;
mod entry;
mod proofs;
mod reference;
mod vectors;
