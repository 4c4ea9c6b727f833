//! The store's integration tests: one behaviour suite written against `Arc<dyn Store>`
//! ([`suite`]), run on every backend with a fresh database per test — SQLite always
//! ([`sqlite`]), PostgreSQL when `DIWAN_TEST_DATABASE_URL` names a server ([`postgres`];
//! unset, those tests pass after one loud SKIPPED line) — plus each backend's own checks.

// The suite's functions are test bodies shared between backends, not `#[test]` functions, so
// clippy's allow-*-in-tests settings do not reach them; failing loudly is their whole job.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

/// Declares, in the module that invokes it, one `#[tokio::test]` per suite function, named
/// after it, that hands the function to that module's `with_store` (which makes a fresh
/// database). This is the one list of suite functions, so each runs on every backend.
macro_rules! suite_tests {
    () => {
        suite_tests! {
            applications::create_then_get_with_first_event,
            applications::unknown_records_are_not_found,
            applications::a_duplicate_id_or_unknown_applicant_is_refused,
            applications::references_are_numbered_per_prefix_and_year,
            applications::an_idempotency_key_replays_or_refuses,
            applications::uploads_must_exist_and_belong_to_the_applicant,
            applications::uploads_round_trip,
            applications::an_upload_quota_bounds_recent_files_and_bytes,
            applications::ping_answers,
            actions::an_action_moves_the_state_and_appends_an_event,
            actions::a_stale_version_or_state_conflicts,
            actions::new_data_replaces_data_and_its_uploads_are_checked,
            actions::state_since_moves_only_with_the_state,
            actions::the_event_sequence_is_global_and_gap_free,
            listing::filters_combine_and_results_are_newest_first,
            listing::paging_walks_every_application_once,
            listing::page_size_defaults_to_50_and_is_capped_at_200,
            listing::a_queue_lists_the_longest_waiting_first_and_pages_in_that_order,
            accounts::a_citizen_is_created_once_then_found,
            accounts::officers_have_unique_usernames,
            accounts::a_session_lives_until_it_expires_or_is_deleted,
            accounts::a_code_is_single_use,
            accounts::wrong_codes_use_up_the_attempts,
            accounts::a_code_expires_and_a_new_one_voids_the_old,
            accounts::sends_are_counted_per_national_id,
            accounts::send_limits_count_per_national_id_and_per_phone,
            concurrency::failing_writes_fail_alone_in_a_burst,
            concurrency::concurrent_retries_with_one_key_create_one_application,
            concurrency::concurrent_actions_on_one_application_let_one_win,
            concurrency::concurrent_uploads_cannot_all_pass_the_quota,
            ledger::every_change_has_its_leaf_in_order,
            ledger::proofs_come_from_stored_nodes,
            ledger::a_certificate_is_revoked_once_with_its_leaf,
            ledger::a_citizen_sees_only_leaves_about_their_applications,
        }
    };
    ($($module:ident :: $name:ident),* $(,)?) => {
        /// The suite functions this runner runs, for the check that none is forgotten.
        #[allow(dead_code, reason = "read by one runner's check only")]
        pub const SUITE: &[&str] = &[$(concat!(stringify!($module), "::", stringify!($name))),*];

        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                with_store(crate::suite::$module::$name).await;
            }
        )*
    };
}

mod fixtures;
mod postgres;
mod sqlite;
mod suite;

/// Suite functions that the runners call from their own tests instead (each backend checks
/// something extra around them).
const RUN_BY_BACKEND_TESTS: &[&str] = &["concurrency::concurrent_creates_all_commit"];

/// Every `pub async fn` of the suite is in the runners' list: a new suite test cannot be
/// left out of a backend by forgetting to register it.
#[test]
fn every_suite_function_runs_on_every_backend() {
    let sources = [
        ("accounts", include_str!("suite/accounts.rs")),
        ("actions", include_str!("suite/actions.rs")),
        ("applications", include_str!("suite/applications.rs")),
        ("concurrency", include_str!("suite/concurrency.rs")),
        ("ledger", include_str!("suite/ledger.rs")),
        ("listing", include_str!("suite/listing.rs")),
    ];
    let mut missing = Vec::new();
    for (module, source) in sources {
        for line in source.lines() {
            let Some(rest) = line.strip_prefix("pub async fn ") else {
                continue;
            };
            let name = rest.split('(').next().unwrap_or(rest);
            let path = format!("{module}::{name}");
            if !sqlite::SUITE.contains(&path.as_str())
                && !RUN_BY_BACKEND_TESTS.contains(&path.as_str())
            {
                missing.push(path);
            }
        }
    }
    assert!(missing.is_empty(), "not in suite_tests!: {missing:?}");
    let modules = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/store/suite"))
        .expect("suite dir")
        .count();
    assert_eq!(
        modules,
        sources.len() + 1,
        "a new suite module is listed here"
    );
}
