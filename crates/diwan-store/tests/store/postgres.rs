//! Runs the suite on PostgreSQL, one fresh database per test on the server named by
//! `DIWAN_TEST_DATABASE_URL`, and checks what only this backend has: several app nodes (two
//! stores, two pools) on one database, the event sequencer, and migrations under concurrency.
//!
//! With the variable unset every test here passes at once, after one loud SKIPPED line; set
//! but unreachable, they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diwan_store::postgres::testing::TestDatabase;
use diwan_store::postgres::{PostgresOptions, PostgresStore};
use diwan_store::{Created, Event, NewOtp, OtpCheck, Store, StoreError};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use tokio_postgres::NoTls;

use crate::fixtures::{T0, action, application, citizen, national_id, phone, with_key};
use crate::suite;

/// A fresh database, or `None` when PostgreSQL tests are skipped.
async fn fresh_database() -> Option<TestDatabase> {
    TestDatabase::create()
        .await
        .expect("create a test database")
}

/// Pools of 8, so that tests running side by side, two nodes each, stay well inside the
/// server's default 100 connections.
const TEST_OPTIONS: PostgresOptions = PostgresOptions { pool_size: 8 };

async fn connect(db: &TestDatabase) -> PostgresStore {
    PostgresStore::connect(db.url(), TEST_OPTIONS)
        .await
        .expect("connect")
}

/// A plain connection, for looking behind the store's back.
async fn raw(db: &TestDatabase) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(db.url(), NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

// --- the shared suite ---------------------------------------------------------------------

/// Runs one suite function on a fresh database; the database is dropped afterwards, also
/// when the function panics.
async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = connect(&db).await;
    test(Arc::new(store)).await;
}

suite_tests!();

// --- PostgreSQL only ----------------------------------------------------------------------

/// The suite's burst of creations, plus proof that the sequencer numbered them in batches
/// rather than one transaction per event.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_are_sequenced_in_batches() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = Arc::new(connect(&db).await);
    suite::concurrency::concurrent_creates_all_commit(Arc::clone(&store) as Arc<dyn Store>).await;
    let (batches, events) = store.sequencer_stats();
    assert_eq!(events, suite::concurrency::BURST as u64);
    assert!(
        batches < events,
        "expected batches, got {batches} for {events} events"
    );
}

/// Two app nodes (two stores, two pools) on one database take many writes at once: creations
/// under three prefixes, actions on each new application through the other node, and a crowd
/// of officers racing on one hot application. Afterwards the sequence is exactly 1..N, every
/// application's events come in version order, and references have no holes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_one_gap_free_sequence() {
    const APPS: usize = 150;
    const RACERS: usize = 50;
    const PREFIXES: [&str; 3] = ["BC", "DL", "PP"];
    let Some(db) = fresh_database().await else {
        return;
    };
    let nodes: [Arc<dyn Store>; 2] = [Arc::new(connect(&db).await), Arc::new(connect(&db).await)];
    let node = |n: usize| Arc::clone(&nodes[n % 2]);
    let citizens = [
        citizen(&*nodes[0], 1).await,
        citizen(&*nodes[1], 2).await,
        citizen(&*nodes[0], 3).await,
    ];
    let hot = nodes[0]
        .create_application(application("hot", &citizens[0]))
        .await
        .expect("create hot")
        .application;

    let started = Instant::now();
    let barrier = Arc::new(Barrier::new(APPS + RACERS));
    let mut tasks = JoinSet::new();
    for n in 0..APPS {
        let (here, there) = (node(n), node(n + 1));
        let barrier = Arc::clone(&barrier);
        let mut new = application(&format!("app-{n:03}"), &citizens[n % 3]);
        new.reference_prefix = PREFIXES[n % 3].to_owned();
        tasks.spawn(async move {
            barrier.wait().await;
            let app = here.create_application(new).await?.application;
            let app = there
                .apply_action(action(&app, "start_review", "under_review", T0 + 1))
                .await?;
            here.apply_action(action(&app, "approve", "approved", T0 + 2))
                .await?;
            Ok::<_, StoreError>(0)
        });
    }
    for n in 0..RACERS {
        let store = node(n);
        let barrier = Arc::clone(&barrier);
        tasks.spawn(async move {
            barrier.wait().await;
            // Read, decide, apply; on a conflict read again: every racer gets one step in.
            for conflicts in 0..10_000 {
                let current = store.get_application("hot").await?;
                let step = action(&current, "note", &format!("noted-by-{n}"), T0 + 3);
                match store.apply_action(step).await {
                    Ok(_) => return Ok(conflicts),
                    Err(StoreError::VersionConflict { .. }) => continue,
                    Err(e) => return Err(e),
                }
            }
            panic!("racer {n} never got its turn");
        });
    }
    let mut conflicts = 0;
    while let Some(done) = tasks.join_next().await {
        conflicts += done.expect("task").expect("write");
    }
    let elapsed = started.elapsed();

    // Every application, read through alternating nodes.
    let mut ids: Vec<String> = (0..APPS).map(|n| format!("app-{n:03}")).collect();
    ids.push(hot.id.clone());
    let mut all: Vec<Event> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let events = node(i).list_events(id).await.expect("events");
        let versions: Vec<i64> = events.iter().map(|e| e.version).collect();
        let expected = if *id == hot.id { RACERS + 1 } else { 3 };
        assert_eq!(
            versions,
            (1..=expected as i64).collect::<Vec<_>>(),
            "{id}: events in version order"
        );
        assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "{id}");
        assert_eq!(
            node(i + 1).list_events(id).await.expect("events"),
            events,
            "both nodes see the same history"
        );
        all.extend(events);
    }
    let total = APPS * 3 + RACERS + 1;
    let mut seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=total as i64).collect::<Vec<_>>(),
        "1..N, no gap, no duplicate"
    );

    let mut references: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let app = node(i).get_application(id).await.expect("get");
        let prefix = app.reference[..2].to_owned();
        references.entry(prefix).or_default().insert(app.reference);
    }
    for (prefix, refs) in references {
        let count = refs.len();
        let expected: BTreeSet<String> = (1..=count)
            .map(|n| format!("{prefix}-2026-{n:06}"))
            .collect();
        assert_eq!(refs, expected, "{prefix} numbered without holes");
    }
    eprintln!(
        "two nodes: {total} events from {} writes in {elapsed:?} ({conflicts} version conflicts \
         retried)",
        APPS * 3 + RACERS
    );
}

/// Retries of one request sent to two nodes at once: one application, every answer the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retries_on_two_nodes_create_one_application() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let nodes: [Arc<dyn Store>; 2] = [Arc::new(connect(&db).await), Arc::new(connect(&db).await)];
    let alice = citizen(&*nodes[0], 1).await;
    let barrier = Arc::new(Barrier::new(20));
    let mut tasks = JoinSet::new();
    for n in 0..20 {
        let store = Arc::clone(&nodes[n % 2]);
        let barrier = Arc::clone(&barrier);
        // Different prefixes, so the retries do not take turns on one counter row and really
        // meet at the idempotency key.
        let mut new = with_key(application(&format!("try-{n}"), &alice), "k", "h");
        new.reference_prefix = format!("P{n}");
        tasks.spawn(async move {
            barrier.wait().await;
            store.create_application(new).await
        });
    }
    let mut created: Vec<Created> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        created.push(done.expect("task").expect("create"));
    }
    assert_eq!(created.iter().filter(|c| !c.replayed).count(), 1);
    let original = &created
        .iter()
        .find(|c| !c.replayed)
        .expect("one")
        .application;
    assert!(created.iter().all(|c| c.application == *original));
    assert_eq!(
        nodes[1]
            .list_events(&original.id)
            .await
            .expect("events")
            .len(),
        1
    );
}

/// First sign-ins racing on two nodes find one citizen; a code checked on two nodes at once
/// is accepted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_racing_on_two_nodes() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let nodes: [Arc<dyn Store>; 2] = [Arc::new(connect(&db).await), Arc::new(connect(&db).await)];
    let mut tasks = JoinSet::new();
    for n in 0..10 {
        let store = Arc::clone(&nodes[n % 2]);
        tasks.spawn(async move {
            store
                .upsert_citizen(&format!("citizen-{n}"), &national_id(1), &phone(1), T0)
                .await
        });
    }
    let mut users = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        users.insert(done.expect("task").expect("upsert").id);
    }
    assert_eq!(users.len(), 1, "one citizen: {users:?}");

    nodes[0]
        .put_otp(NewOtp {
            national_id: national_id(1),
            phone: phone(1),
            code_hash: "h".to_owned(),
            created_at: T0,
            expires_at: T0 + 300_000,
        })
        .await
        .expect("put");
    let barrier = Arc::new(Barrier::new(10));
    let mut tasks = JoinSet::new();
    for n in 0..10 {
        let store = Arc::clone(&nodes[n % 2]);
        let barrier = Arc::clone(&barrier);
        tasks.spawn(async move {
            barrier.wait().await;
            store.check_otp(&national_id(1), "h", T0 + 1, 20).await
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        outcomes.push(done.expect("task").expect("check"));
    }
    let valid = outcomes
        .iter()
        .filter(|o| matches!(o, OtpCheck::Valid { .. }))
        .count();
    assert_eq!(valid, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, OtpCheck::Valid { .. } | OtpCheck::NoLiveCode))
    );
}

/// An event is numbered only once every transaction older than its own has ended: until
/// then readers of its application wait, and get it numbered as soon as it can be.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_open_transaction_holds_numbering_back_until_it_ends() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = Arc::new(connect(&db).await);
    let alice = citizen(&*store, 1).await;
    // A transaction that has an id, older than the write below.
    let blocker = raw(&db).await;
    blocker
        .batch_execute("BEGIN; SELECT pg_current_xact_id();")
        .await
        .expect("begin");
    store
        .create_application(application("app-1", &alice))
        .await
        .expect("create");
    assert_eq!(store.sequence_pending().await.expect("sequence"), 0);

    let reader = {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.list_events("app-1").await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!reader.is_finished(), "the reader waits for the number");
    blocker.batch_execute("COMMIT").await.expect("commit");
    let events = reader.await.expect("task").expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
}

/// The case the sequencer's `held` bound exists for. Transaction B gets its id first, X
/// second; then an action (A) commits, and only after that B appends the application's next
/// event and commits. B's id is older than every open transaction's, A's is not (X is still
/// open). Numbering B now would put it before A, which committed first: the sequencer must
/// wait for X, then number A, then B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_is_never_numbered_before_one_that_committed_ahead_of_it() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = connect(&db).await;
    let alice = citizen(&store, 1).await;
    let app = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    assert_eq!(store.list_events("app-1").await.expect("events")[0].seq, 1);

    let (b, x) = (raw(&db).await, raw(&db).await);
    b.batch_execute("BEGIN; SELECT pg_current_xact_id();")
        .await
        .expect("b");
    x.batch_execute("BEGIN; SELECT pg_current_xact_id();")
        .await
        .expect("x");
    store
        .apply_action(action(&app, "start_review", "under_review", T0 + 1))
        .await
        .expect("a");
    b.batch_execute(
        "WITH leaf AS (
             INSERT INTO ledger_leaves (kind, application_id, entry, at)
             VALUES ('application_event', 'app-1', 'late', 0) RETURNING id
         )
         INSERT INTO events (application_id, version, action, from_state, to_state, actor_id,
             actor_kind, at, leaf_id)
         SELECT 'app-1', 3, 'late', 'under_review', 'under_review', 'officer-1', 'officer', 0,
             leaf.id
         FROM leaf;
         COMMIT;",
    )
    .await
    .expect("b commits");

    assert_eq!(
        store.sequence_pending().await.expect("sequence"),
        0,
        "B waits behind A, A behind X"
    );
    x.batch_execute("ROLLBACK").await.expect("x ends");
    let events = store.list_events("app-1").await.expect("events");
    let order: Vec<(i64, i64)> = events.iter().map(|e| (e.seq, e.version)).collect();
    assert_eq!(order, [(1, 1), (2, 2), (3, 3)]);
}

/// App nodes starting together on an empty database: one applies the migrations, the others
/// wait for it and find them recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_migrate_once() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let mut starts = JoinSet::new();
    for _ in 0..4 {
        let url = db.url().to_owned();
        starts.spawn(async move { PostgresStore::connect(&url, TEST_OPTIONS).await });
    }
    while let Some(done) = starts.join_next().await {
        done.expect("task").expect("connect");
    }
    let recorded: Vec<i64> = raw(&db)
        .await
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .expect("query")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(recorded, [1, 2, 3, 4, 5]);
}

/// A database a newer build has migrated is refused rather than misread; data survives a
/// reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconnecting_keeps_data_and_a_newer_schema_is_refused() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = connect(&db).await;
    let alice = citizen(&store, 1).await;
    store
        .create_application(application("app-1", &alice))
        .await
        .expect("create");
    let events = store.list_events("app-1").await.expect("events");
    drop(store);

    let again = connect(&db).await;
    assert_eq!(again.list_events("app-1").await.expect("events"), events);
    let next = again
        .create_application(application("app-2", &alice))
        .await
        .expect("create");
    assert_eq!(next.application.reference, "BC-2026-000002");
    drop(again);

    raw(&db)
        .await
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
            &[],
        )
        .await
        .expect("pretend a newer build ran");
    match PostgresStore::connect(db.url(), TEST_OPTIONS).await {
        Err(StoreError::Backend(message)) => assert!(message.contains("newer"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A server that is not there is a backend error, not a hang or a panic. Needs no server.
#[tokio::test]
async fn an_unreachable_server_fails_cleanly() {
    let result = PostgresStore::connect(
        "postgres://diwan@127.0.0.1:1/diwan?connect_timeout=5",
        PostgresOptions::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    assert!(matches!(
        PostgresStore::connect("not a url at all", PostgresOptions::default()).await,
        Err(StoreError::Backend(_))
    ));
}

#[test]
fn default_options() {
    assert_eq!(
        PostgresOptions::default(),
        PostgresOptions { pool_size: 16 }
    );
}

/// References come from one sequence per prefix and year, created by whichever node needs it
/// first; a database numbered by counter rows continues where its counter stood, and a
/// sequence dropped behind a node's back is made again rather than failing submissions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_sequences_continue_old_counters_and_come_back() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = connect(&db).await;
    let alice = citizen(&store, 1).await;
    raw(&db)
        .await
        .execute(
            "INSERT INTO reference_counters (prefix, year, next) VALUES ('BC', 2026, 41)",
            &[],
        )
        .await
        .expect("old counter");
    let first = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create");
    assert_eq!(first.application.reference, "BC-2026-000041");

    raw(&db)
        .await
        .batch_execute("DROP SEQUENCE reference_bc_2026")
        .await
        .expect("drop");
    let again = store
        .create_application(application("app-2", &alice))
        .await
        .expect("create after the sequence vanished");
    assert!(
        again.application.reference.starts_with("BC-2026-"),
        "{}",
        again.application.reference
    );
    assert_ne!(again.application.reference, first.application.reference);
}

/// Events written before the database had a ledger (no leaf) and left unnumbered at the
/// upgrade are still numbered, ahead of those with leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_from_before_the_ledger_are_still_numbered() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let store = connect(&db).await;
    let alice = citizen(&store, 1).await;
    let app = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    store.list_events("app-1").await.expect("numbered");
    raw(&db)
        .await
        .batch_execute(
            "INSERT INTO events (application_id, version, action, from_state, to_state,
                 actor_id, actor_kind, at)
             VALUES ('app-1', 2, 'old', 'submitted', 'submitted', 'officer-1', 'officer', 0);
             UPDATE applications SET version = 2 WHERE id = 'app-1';",
        )
        .await
        .expect("an event without a leaf");
    let events = store.list_events(&app.id).await.expect("events");
    let order: Vec<(i64, i64)> = events.iter().map(|e| (e.seq, e.version)).collect();
    assert_eq!(order, [(1, 1), (2, 2)]);
}
