//! Runs the suite on SQLite, one fresh database file in its own temp dir per test, and checks
//! what only SQLite has: group-commit counters, options, and reopening a file.

use std::path::PathBuf;
use std::sync::Arc;

use diwan_store::sqlite::{SqliteOptions, SqliteStore};
use diwan_store::{ApplicationFilter, NewSession, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use tempfile::TempDir;

use crate::fixtures::{T0, action, application, citizen};
use crate::suite;

/// A store on a new file; the directory lives as long as this value.
struct TestDb {
    dir: TempDir,
    store: Arc<SqliteStore>,
}

impl TestDb {
    async fn new() -> TestDb {
        TestDb::with_options(SqliteOptions::default()).await
    }

    async fn with_options(options: SqliteOptions) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("diwan.db"), options)
            .await
            .expect("open");
        TestDb {
            dir,
            store: Arc::new(store),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("diwan.db")
    }

    fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store) as Arc<dyn Store>
    }
}

/// The `schema_migrations` rows, read straight from the file.
fn migrations_recorded(path: &std::path::Path) -> Vec<(i64, i64)> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let mut stmt = conn
        .prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version")
        .expect("prepare");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

// --- the shared suite ---------------------------------------------------------------------

/// Runs one suite function on a fresh database file.
async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = TestDb::new().await;
    test(db.store()).await;
}

suite_tests!();

// --- SQLite only --------------------------------------------------------------------------

/// The burst from the suite, plus proof that it was committed in groups: while one batch pays
/// its fsync, the next requests queue up and share the following one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_are_group_committed() {
    let db = TestDb::new().await;
    let (batches_before, jobs_before) = db.store.batch_stats();
    suite::concurrency::concurrent_creates_all_commit(db.store()).await;
    let (batches, jobs) = db.store.batch_stats();
    let (batches, jobs) = (batches - batches_before, jobs - jobs_before);
    // The citizen plus the burst.
    assert_eq!(jobs, 1 + suite::concurrency::BURST as u64);
    assert!(
        batches < jobs,
        "expected group commits, got {batches} batches for {jobs} jobs"
    );
}

/// `max_batch: 1` turns group commit off: one batch per job. Also runs with
/// `synchronous=OFF`, the benchmarking mode, to show it is otherwise the same store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn max_batch_bounds_the_group_size() {
    let db = TestDb::with_options(SqliteOptions {
        synchronous_full: false,
        max_batch: 1,
        readers: 1,
    })
    .await;
    let store = db.store();
    let alice = citizen(&*store, 1).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..20 {
        let store = Arc::clone(&store);
        let new = application(&format!("app-{n}"), &alice);
        tasks.spawn(async move { store.create_application(new).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("create");
    }
    assert_eq!(db.store.batch_stats(), (21, 21));
    let all = store
        .list_applications(ApplicationFilter::default())
        .await
        .expect("list");
    assert_eq!(all.len(), 20);
}

#[test]
fn default_options_are_durable() {
    assert_eq!(
        SqliteOptions::default(),
        SqliteOptions {
            synchronous_full: true,
            max_batch: 256,
            readers: 4,
        }
    );
}

/// Everything acknowledged is in the file after the store is gone; reopening applies no
/// migration twice and carries on the numbering.
#[tokio::test]
async fn reopening_keeps_data_and_does_not_rerun_migrations() {
    let db = TestDb::new().await;
    let store = db.store();
    let alice = citizen(&*store, 1).await;
    let app = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    let moved = store
        .apply_action(action(&app, "start_review", "under_review", T0 + 5))
        .await
        .expect("apply");
    store
        .create_session(NewSession {
            token_hash: "tok".to_owned(),
            user_id: alice.id.clone(),
            created_at: T0,
            expires_at: T0 + 1_000,
        })
        .await
        .expect("session");
    let events = store.list_events("app-1").await.expect("events");

    let path = db.path();
    let migrations = migrations_recorded(&path);
    assert_eq!(
        migrations.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let journal: String = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open")
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(journal, "wal");

    // Drop every handle: this stops the writer thread and closes the file.
    drop(store);
    let TestDb { dir, store } = db;
    let store = Arc::into_inner(store).expect("last handle");
    drop(store);

    let reopened = SqliteStore::open(&path, SqliteOptions::default())
        .await
        .expect("reopen");
    assert_eq!(migrations_recorded(&path), migrations, "nothing re-applied");
    assert_eq!(reopened.get_application("app-1").await.expect("get"), moved);
    assert_eq!(reopened.list_events("app-1").await.expect("events"), events);
    assert_eq!(
        reopened.session_user("tok", T0).await.expect("session"),
        alice
    );

    let next = reopened
        .create_application(application("app-2", &alice))
        .await
        .expect("create after reopen");
    assert_eq!(next.application.reference, "BC-2026-000002");
    let next_events = reopened.list_events("app-2").await.expect("events");
    assert_eq!(next_events[0].seq, events.last().expect("events").seq + 1);
    drop(reopened);
    drop(dir);
}

/// A store that cannot open its file says so instead of panicking.
#[tokio::test]
async fn opening_an_unusable_path_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let result = SqliteStore::open(
        &dir.path().join("missing-dir").join("diwan.db"),
        SqliteOptions::default(),
    )
    .await;
    assert!(matches!(result, Err(StoreError::Backend(_))));
}
