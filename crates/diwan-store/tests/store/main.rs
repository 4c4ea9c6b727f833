//! The store's integration tests: one behaviour suite written against `Arc<dyn Store>`
//! ([`suite`]), run here on SQLite with a fresh database file per test ([`sqlite`]), plus the
//! SQLite-only checks (group commit counters, reopening a file). A PostgreSQL runner calls
//! the same suite functions.

// The suite's functions are test bodies shared between backends, not `#[test]` functions, so
// clippy's allow-*-in-tests settings do not reach them; failing loudly is their whole job.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod fixtures;
mod sqlite;
mod suite;
