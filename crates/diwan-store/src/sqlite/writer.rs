//! Group commit: one thread owns the write connection and commits queued jobs together.
//!
//! The writer takes the first job, drains whatever else is already queued (up to `max_batch`),
//! runs them all in one `BEGIN IMMEDIATE` transaction, each inside its own `SAVEPOINT`, and
//! commits once. With `synchronous=FULL` that one `COMMIT` is the one fsync the whole batch
//! pays for, which is where throughput comes from without weakening durability.
//!
//! Invariants:
//! - A job is answered only after its batch's `COMMIT` returned: an `Ok` means durable.
//! - A job that fails is rolled back to its savepoint and gets its own error; the rest of the
//!   batch still commits.
//! - If the batch as a whole cannot commit, every job that had succeeded gets an error: none of
//!   them is acknowledged for writes that were lost.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::{StoreError, StoreResult};

/// One unit of work for the writer: runs inside a savepoint, then learns whether its batch
/// committed.
trait Job: Send {
    /// Runs the job's statements; returns false when the job failed (its result holds why).
    fn run(&mut self, conn: &Connection) -> bool;

    /// Sends the result: the job's own, or `batch_failure` when its writes did not survive.
    fn answer(self: Box<Self>, batch_failure: Option<&str>);
}

/// A job's closure, the result it produced, and where the caller is waiting.
struct Task<T, F> {
    work: Option<F>,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Task<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = work(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, batch_failure: Option<&str>) {
        let result = match (self.result, batch_failure) {
            // A job that failed keeps its own error: it is the more useful one.
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(_)) | None, Some(why)) => Err(StoreError::Backend(why.to_owned())),
            (Some(Ok(value)), None) => Ok(value),
            // Only a job that panicked has no result in a committed batch.
            (None, None) => Err(StoreError::Backend("write job failed".to_owned())),
        };
        // The caller may have gone away (request cancelled); the write stands either way.
        let _ = self.reply.send(result);
    }
}

type BoxedJob = Box<dyn Job>;

/// Runs after a batch's jobs and before its COMMIT, in the same transaction (the ledger's
/// node integration); an error fails the whole batch.
pub(super) type BeforeCommit = fn(&Connection) -> StoreResult<()>;

/// Counters for benchmarks: mean batch size is `jobs / batches`.
#[derive(Debug, Default)]
struct Stats {
    batches: AtomicU64,
    jobs: AtomicU64,
}

/// The handle the store keeps: submits jobs, reads counters, and stops the thread on drop.
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<BoxedJob>>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<Stats>,
}

impl Writer {
    /// Starts the writer thread; it owns `conn` until the handle is dropped.
    pub(super) fn start(
        conn: Connection,
        max_batch: usize,
        before_commit: BeforeCommit,
    ) -> StoreResult<Writer> {
        let max_batch = max_batch.max(1);
        // A few batches' worth of queue: enough to fill the next batch while one commits;
        // beyond that, callers wait in `send` (back-pressure) rather than piling up memory.
        let (sender, receiver) = mpsc::channel(max_batch.saturating_mul(4));
        let stats = Arc::new(Stats::default());
        let thread_stats = Arc::clone(&stats);
        let thread = std::thread::Builder::new()
            .name("diwan-sqlite-writer".to_owned())
            .spawn(move || run(conn, receiver, max_batch, before_commit, &thread_stats))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer {
            jobs: Some(sender),
            thread: Some(thread),
            stats,
        })
    }

    /// Queues `work` for the next batch and waits until that batch has committed.
    pub(super) async fn submit<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: BoxedJob = Box::new(Task {
            work: Some(work),
            result: None,
            reply,
        });
        let jobs = self.jobs.as_ref().ok_or_else(stopped)?;
        jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// `(batches, jobs)` committed or attempted since open.
    pub(super) fn stats(&self) -> (u64, u64) {
        (
            self.stats.batches.load(Ordering::Relaxed),
            self.stats.jobs.load(Ordering::Relaxed),
        )
    }

    /// False once the writer thread has stopped (it only stops when the store is dropped, or
    /// if it died).
    pub(super) fn is_running(&self) -> bool {
        self.jobs.as_ref().is_some_and(|jobs| !jobs.is_closed())
    }
}

impl Drop for Writer {
    /// Closes the queue, lets the thread finish the jobs already queued, and waits for it so
    /// the database file is closed when the store is gone (a reopen right after sees a clean
    /// file, and a shutting-down server loses no queued write).
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the SQLite writer thread panicked");
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the SQLite writer has stopped".to_owned())
}

/// The writer thread's loop: ends when every sender is gone.
fn run(
    conn: Connection,
    mut receiver: mpsc::Receiver<BoxedJob>,
    max_batch: usize,
    before_commit: BeforeCommit,
    stats: &Stats,
) {
    let mut batch: Vec<BoxedJob> = Vec::with_capacity(max_batch);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        // Only what is already queued: waiting for more would add latency to every write.
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        commit_batch(&conn, &mut batch, before_commit);
    }
}

/// Runs one batch in one transaction and answers every job; leaves `batch` empty.
fn commit_batch(conn: &Connection, batch: &mut Vec<BoxedJob>, before_commit: BeforeCommit) {
    let outcome = run_batch(conn, batch, before_commit);
    let failure = match outcome {
        Ok(()) => None,
        Err(why) => {
            // COMMIT may fail and leave the transaction open; ROLLBACK then ends it. If
            // SQLite already rolled back, this ROLLBACK fails harmlessly.
            let _ = conn.execute_batch("ROLLBACK");
            tracing::error!(error = %why, jobs = batch.len(), "SQLite batch failed");
            Some(why)
        }
    };
    for job in batch.drain(..) {
        job.answer(failure.as_deref());
    }
}

/// `Err` means the batch's writes are lost: nothing was committed.
fn run_batch(
    conn: &Connection,
    batch: &mut [BoxedJob],
    before_commit: BeforeCommit,
) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| format!("BEGIN failed: {e}"))?;
    for job in batch.iter_mut() {
        run_in_savepoint(conn, job.as_mut())?;
    }
    before_commit(conn).map_err(|e| format!("before COMMIT: {e}"))?;
    conn.execute_batch("COMMIT")
        .map_err(|e| format!("COMMIT failed: {e}"))
}

/// Runs one job so that its failure undoes only its own writes. `Err` means the whole
/// transaction is compromised (SQLite rolled it back, or a savepoint could not be handled).
fn run_in_savepoint(conn: &Connection, job: &mut dyn Job) -> Result<(), String> {
    conn.execute_batch("SAVEPOINT job")
        .map_err(|e| format!("SAVEPOINT failed: {e}"))?;
    // A bug that panics inside one job must not take down the only writer (and with it every
    // later write): the job counts as failed and its savepoint is rolled back like any other.
    let ok = panic::catch_unwind(AssertUnwindSafe(|| job.run(conn))).unwrap_or_else(|_| {
        tracing::error!("a SQLite write job panicked; rolled back");
        false
    });
    if ok {
        return conn
            .execute_batch("RELEASE job")
            .map_err(|e| format!("RELEASE failed: {e}"));
    }
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction by itself:
    // the earlier jobs' writes are gone, so the batch must not report them as committed.
    if conn.is_autocommit() {
        return Err("SQLite rolled the transaction back after a failed job".to_owned());
    }
    conn.execute_batch("ROLLBACK TO job; RELEASE job")
        .map_err(|e| format!("ROLLBACK TO failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &Connection) -> StoreResult<()> {
        Ok(())
    }

    fn connection() -> Connection {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE t (v INTEGER NOT NULL UNIQUE);
             CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (parent INTEGER REFERENCES parent (id)
                 DEFERRABLE INITIALLY DEFERRED);",
        )
        .expect("schema");
        conn
    }

    /// A queued job plus the receiver its answer arrives on.
    fn job<T, F>(work: F) -> (BoxedJob, oneshot::Receiver<StoreResult<T>>)
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: BoxedJob = Box::new(Task {
            work: Some(work),
            result: None,
            reply,
        });
        (job, answer)
    }

    fn insert(v: i64) -> impl FnOnce(&Connection) -> StoreResult<i64> + Send + 'static {
        move |conn| {
            conn.execute("INSERT INTO t (v) VALUES (?1)", [v])
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            Ok(v)
        }
    }

    fn values(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn.prepare("SELECT v FROM t ORDER BY v").expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn a_failing_job_is_rolled_back_alone() {
        let conn = connection();
        let (a, a_answer) = job(insert(1));
        // Writes a row, then fails: the row must not survive.
        let (b, b_answer) = job(|conn: &Connection| -> StoreResult<i64> {
            conn.execute("INSERT INTO t (v) VALUES (2)", [])
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            Err(StoreError::NotFound)
        });
        let (c, c_answer) = job(insert(3));
        let mut batch = vec![a, b, c];
        commit_batch(&conn, &mut batch, nothing);

        assert!(batch.is_empty());
        assert_eq!(a_answer.blocking_recv().expect("answer").expect("ok"), 1);
        assert!(matches!(
            b_answer.blocking_recv().expect("answer"),
            Err(StoreError::NotFound)
        ));
        assert_eq!(c_answer.blocking_recv().expect("answer").expect("ok"), 3);
        assert_eq!(values(&conn), vec![1, 3]);
        assert!(conn.is_autocommit(), "the batch transaction is closed");
    }

    #[test]
    fn a_panicking_job_fails_alone() {
        let conn = connection();
        let (a, a_answer) = job(|conn: &Connection| -> StoreResult<()> {
            conn.execute("INSERT INTO t (v) VALUES (1)", [])
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            panic!("a bug in a job");
        });
        let (b, b_answer) = job(insert(2));
        let mut batch = vec![a, b];
        commit_batch(&conn, &mut batch, nothing);
        assert!(matches!(
            a_answer.blocking_recv().expect("answer"),
            Err(StoreError::Backend(_))
        ));
        assert_eq!(b_answer.blocking_recv().expect("answer").expect("ok"), 2);
        assert_eq!(values(&conn), vec![2]);
    }

    #[test]
    fn a_later_job_sees_an_earlier_job_of_the_same_batch() {
        let conn = connection();
        let (a, _a_answer) = job(insert(1));
        // The same unique value again: must fail because job a's row is visible to it.
        let (b, b_answer) = job(insert(1));
        let mut batch = vec![a, b];
        commit_batch(&conn, &mut batch, nothing);
        assert!(b_answer.blocking_recv().expect("answer").is_err());
        assert_eq!(values(&conn), vec![1]);
    }

    #[test]
    fn a_failed_commit_fails_every_job() {
        let conn = connection();
        let (a, a_answer) = job(insert(1));
        // A deferred foreign key is only checked at COMMIT, which therefore fails.
        let (b, b_answer) = job(|conn: &Connection| -> StoreResult<()> {
            conn.execute("INSERT INTO child (parent) VALUES (42)", [])
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            Ok(())
        });
        let mut batch = vec![a, b];
        commit_batch(&conn, &mut batch, nothing);

        for answer in [
            a_answer.blocking_recv().expect("answer").map(|_| ()),
            b_answer.blocking_recv().expect("answer"),
        ] {
            match answer {
                Err(StoreError::Backend(why)) => assert!(why.contains("COMMIT"), "{why}"),
                other => panic!("expected a commit failure, got {other:?}"),
            }
        }
        assert!(values(&conn).is_empty(), "nothing from the batch survives");
        assert!(conn.is_autocommit(), "the failed transaction was ended");

        // The connection is usable for the next batch.
        let (c, c_answer) = job(insert(7));
        let mut batch = vec![c];
        commit_batch(&conn, &mut batch, nothing);
        assert_eq!(c_answer.blocking_recv().expect("answer").expect("ok"), 7);
    }

    #[test]
    fn the_thread_drains_queued_jobs_into_one_batch_and_counts_them() {
        let (sender, receiver) = mpsc::channel(16);
        let mut answers = Vec::new();
        for v in 1..=5 {
            let (j, answer) = job(insert(v));
            sender.try_send(j).map_err(|_| ()).expect("queue");
            answers.push(answer);
        }
        drop(sender);
        let stats = Stats::default();
        // Everything is queued before the loop starts, so it must take at most 2 per batch
        // (max_batch) and therefore exactly 3 batches.
        run(connection(), receiver, 2, nothing, &stats);
        for (v, answer) in (1..=5).zip(answers) {
            assert_eq!(answer.blocking_recv().expect("answer").expect("ok"), v);
        }
        assert_eq!(stats.batches.load(Ordering::Relaxed), 3);
        assert_eq!(stats.jobs.load(Ordering::Relaxed), 5);
    }
}
