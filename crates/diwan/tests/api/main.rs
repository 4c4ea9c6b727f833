//! The API as a client sees it: a real node per test on `127.0.0.1:0`, its own SQLite file in
//! a temporary folder, real HTTP through reqwest. Each module covers one area of the API.

// Helpers are shared test code, not `#[test]` functions, so clippy's allow-*-in-tests settings
// do not reach them; failing loudly is their whole job.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod applying;
mod catalogue;
mod documents;
mod enrolment;
mod errors;
mod helpers;
mod idempotency;
mod isolation;
mod metrics;
mod sign_in;
mod workflow;
