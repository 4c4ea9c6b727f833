//! The API as a client sees it: a real node per test on `127.0.0.1:0`, its own SQLite file in
//! a temporary folder, real HTTP through reqwest. Each module covers one area of the API.
//!
//! `tests/api_postgres` runs these same modules on PostgreSQL; a module added here is added
//! there too (`every_module_runs_on_both_backends` checks).

// Helpers are shared test code, not `#[test]` functions, so clippy's allow-*-in-tests settings
// do not reach them; failing loudly is their whole job.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

/// The store of this binary's nodes.
const BACKEND: helpers::Backend = helpers::Backend::Sqlite;

mod applying;
mod catalogue;
mod client_limits;
mod documents;
mod enrolment;
mod errors;
mod helpers;
mod idempotency;
mod isolation;
mod metrics;
mod search;
mod sign_in;
mod trust;
mod workflow;

/// Every test module of this binary is also in `tests/api_postgres/main.rs`, so no area of the
/// API is tested on SQLite alone by forgetting to list it there.
#[test]
fn every_module_runs_on_both_backends() {
    let here = include_str!("main.rs");
    let there = include_str!("../api_postgres/main.rs");
    let modules: Vec<&str> = here
        .lines()
        .filter_map(|line| line.strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    assert!(modules.len() > 5, "{modules:?}");
    let missing: Vec<&str> = modules
        .iter()
        .copied()
        .filter(|module| {
            !there.contains(&format!("#[path = \"../api/{module}.rs\"]\nmod {module};"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not in api_postgres/main.rs: {missing:?}"
    );
}
