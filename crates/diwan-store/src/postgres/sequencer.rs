//! The global event sequence on PostgreSQL: gap-free as readers see it, without making every
//! writer queue on one counter row (which would serialise commits and cost PostgreSQL its
//! group commit).
//!
//! The model is Trillian's sequencer. A writer inserts its events with `seq` NULL; PostgreSQL
//! fills in `id` (an identity, drawn after the writer holds the application's row lock) and
//! `xid` (the writer's transaction id). Later, one sequencer at a time (a transaction-scoped
//! advisory lock, tried, never waited for) numbers pending events `MAX(seq) + 1, + 2, ...` in
//! `id` order and commits. Readers only ever see numbered events, so the sequence has no hole:
//! a writer that rolls back never had a number, and a sequencer that rolls back takes its
//! numbers back with it.
//!
//! Which events may be numbered: only those whose transaction is certainly over, i.e. whose
//! `xid` is below the `xmin` of the sequencer's snapshot (every transaction older than that
//! has committed or aborted, so everything it wrote is visible or gone for good). That alone
//! is not enough for order, because a transaction can get its xid early and its event id late:
//! an action that waited on the row lock of the one before it may hold the smaller xid. So the
//! batch also stops below the smallest id of any *visible* event that is not yet final; then an
//! event is never numbered before one that committed ahead of it. Together:
//! - per application, `seq` grows with `version`;
//! - an event whose transaction committed before another's began gets the smaller `seq`
//!   (only transactions that overlapped may be numbered in either order).
//!
//! What it costs: a long-running transaction anywhere in the cluster (any database: xids are
//! cluster-wide) holds numbering back until it ends. Readers wait for their application's
//! events (see `applications::events`), so such a transaction shows up as slow reads, not
//! wrong ones.
//!
//! Who runs it: every node, opportunistically after each of its writes commits (in a
//! background task, at most one per node at a time, so a burst of writes shares a few runs),
//! and readers of an application's history whose events are not all numbered yet.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use deadpool_postgres::Pool;

use super::rows::Db;
use crate::StoreResult;

/// The advisory lock key the sequencer runs under (advisory locks are per database).
const SEQUENCER_LOCK: i64 = 0x4449_5741_4E00_0002;

/// The most events one sequencer transaction numbers; more wait for the next round.
const BATCH: i64 = 5_000;

/// Numbers every final pending event it may, in one transaction under the advisory lock.
/// Returns how many it numbered: 0 when another sequencer holds the lock or nothing is final.
const SEQUENCE: &str = "
    WITH horizon AS (
        SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
    ),
    -- The oldest visible event that is not final yet: nothing at or after it is numbered now.
    held AS (
        SELECT MIN(e.id) AS id FROM events e, horizon h
        WHERE e.seq IS NULL AND e.xid >= h.xmin
    ),
    ready AS (
        SELECT e.id, ROW_NUMBER() OVER (ORDER BY e.id) AS n
        FROM events e, horizon h, held
        WHERE e.seq IS NULL AND e.xid < h.xmin AND (held.id IS NULL OR e.id < held.id)
        ORDER BY e.id
        LIMIT $1
    ),
    top AS (
        SELECT COALESCE(MAX(seq), 0) AS seq FROM events
    )
    UPDATE events SET seq = top.seq + ready.n
    FROM ready, top
    WHERE events.id = ready.id";

/// One node's sequencer: runs and counters, shared by every clone of its store.
#[derive(Debug, Default)]
pub(super) struct Sequencer {
    /// A background run is going on in this node.
    running: AtomicBool,
    /// A write committed since the background run began its last round.
    dirty: AtomicBool,
    /// Rounds that numbered at least one event, and the events they numbered.
    batches: AtomicU64,
    events: AtomicU64,
}

impl Sequencer {
    /// `(batches, events)` numbered by this node: `events / batches` is the mean batch.
    pub(super) fn stats(&self) -> (u64, u64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.events.load(Ordering::Relaxed),
        )
    }

    /// Runs rounds until one numbers less than a full batch; returns the total numbered.
    pub(super) async fn run(&self, pool: &Pool) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let numbered = self.round(pool).await?;
            total += numbered;
            if numbered < BATCH as u64 {
                return Ok(total);
            }
        }
    }

    /// One transaction: try the lock; if ours, number what is final.
    async fn round(&self, pool: &Pool) -> StoreResult<u64> {
        let mut client = pool.get().await.db()?;
        let tx = client.transaction().await.db()?;
        let locked: bool = tx
            .query_one(
                &tx.prepare_cached("SELECT pg_try_advisory_xact_lock($1)")
                    .await
                    .db()?,
                &[&SEQUENCER_LOCK],
            )
            .await
            .db()?
            .try_get(0)
            .db()?;
        if !locked {
            tx.rollback().await.db()?;
            return Ok(0);
        }
        // A new statement, so a new snapshot (READ COMMITTED): it sees everything the previous
        // lock holder committed, and MAX(seq) cannot go back.
        let numbered = tx
            .execute(&tx.prepare_cached(SEQUENCE).await.db()?, &[&BATCH])
            .await
            .db()?;
        tx.commit().await.db()?;
        if numbered > 0 {
            self.batches.fetch_add(1, Ordering::Relaxed);
            self.events.fetch_add(numbered, Ordering::Relaxed);
        }
        Ok(numbered)
    }

    /// After a write committed: make sure a background run will see it, starting one unless
    /// this node already has one going. Never waits, never fails the write.
    pub(super) fn nudge(self: &Arc<Self>, pool: &Pool) {
        self.dirty.store(true, Ordering::Release);
        if self.running.swap(true, Ordering::AcqRel) {
            // The running task checks `dirty` before it stops.
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Not on a runtime (the store is always used on one): leave it to the readers.
            self.running.store(false, Ordering::Release);
            return;
        };
        let sequencer = Arc::clone(self);
        let pool = pool.clone();
        runtime.spawn(async move {
            loop {
                sequencer.dirty.store(false, Ordering::Release);
                if let Err(error) = sequencer.run(&pool).await {
                    // Readers run the sequencer themselves, so a failed background run delays
                    // nothing they ask for; it only shows up here.
                    tracing::warn!(%error, "background event sequencing failed");
                }
                if !sequencer.dirty.load(Ordering::Acquire) {
                    sequencer.running.store(false, Ordering::Release);
                    // A write that committed between the check and the store saw `running`
                    // still set and left it to us: take it back if nobody else did.
                    if !sequencer.dirty.load(Ordering::Acquire)
                        || sequencer.running.swap(true, Ordering::AcqRel)
                    {
                        return;
                    }
                }
            }
        });
    }
}
