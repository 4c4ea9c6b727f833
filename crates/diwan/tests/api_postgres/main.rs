//! The API tests of `tests/api` (the same modules, compiled again) on PostgreSQL: every node
//! gets a fresh database on the server named by `DIWAN_TEST_DATABASE_URL`, dropped after the
//! test. Without that variable every test here passes at once, after one loud SKIPPED line;
//! set but unreachable, they fail, so CI cannot pass by accident.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

/// The store of this binary's nodes.
const BACKEND: helpers::Backend = helpers::Backend::Postgres;

#[path = "../api/applying.rs"]
mod applying;
#[path = "../api/catalogue.rs"]
mod catalogue;
#[path = "../api/client_limits.rs"]
mod client_limits;
#[path = "../api/documents.rs"]
mod documents;
#[path = "../api/enrolment.rs"]
mod enrolment;
#[path = "../api/errors.rs"]
mod errors;
#[path = "../api/helpers.rs"]
mod helpers;
#[path = "../api/idempotency.rs"]
mod idempotency;
#[path = "../api/isolation.rs"]
mod isolation;
#[path = "../api/metrics.rs"]
mod metrics;
#[path = "../api/search.rs"]
mod search;
#[path = "../api/sign_in.rs"]
mod sign_in;
#[path = "../api/trust.rs"]
mod trust;
#[path = "../api/workflow.rs"]
mod workflow;
