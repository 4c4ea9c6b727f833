//! The global event sequence on PostgreSQL: gap-free as readers see it, without making every
//! writer queue on one counter row (which would serialise commits and cost PostgreSQL its
//! group commit).
//!
//! The model is Trillian's sequencer. A writer inserts its ledger leaves (one per event, and
//! others: reads of a citizen's data, certificates) with `idx` NULL and its events with `seq`
//! NULL; PostgreSQL fills in the leaf's `id` (an identity, drawn after the writer holds the
//! application's row lock) and `xid` (the writer's transaction id). Later, one sequencer at a
//! time (a transaction-scoped advisory lock, tried, never waited for) places pending leaves at
//! `MAX(idx) + 1, + 2, ...` in `id` order, numbers the events of the placed leaves
//! `MAX(seq) + 1, ...` in leaf order, adds the Merkle tree's nodes for the new leaves, and
//! commits. The rules below are stated for events; they hold for leaves, which carry them. Readers only ever see numbered events, so the sequence has no hole:
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

use super::ledger;
use super::rows::Db;
use crate::StoreResult;

/// The advisory lock key the sequencer runs under (advisory locks are per database).
const SEQUENCER_LOCK: i64 = 0x4449_5741_4E00_0002;

/// How long [`Sequencer::settle`] waits for final leaves to be placed.
const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The most leaves one sequencer transaction places; more wait for the next round.
const BATCH: i64 = 20_000;

/// Places every final pending leaf it may, in one transaction under the advisory lock.
/// Returns how many it placed: 0 when nothing is final.
const PLACE_LEAVES: &str = "
    WITH horizon AS (
        SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
    ),
    -- The oldest visible leaf that is not final yet: nothing at or after it is placed now.
    held AS (
        SELECT MIN(l.id) AS id FROM ledger_leaves l, horizon h
        WHERE l.idx IS NULL AND l.xid >= h.xmin
    ),
    ready AS (
        SELECT l.id, ROW_NUMBER() OVER (ORDER BY l.id) AS n
        FROM ledger_leaves l, horizon h, held
        WHERE l.idx IS NULL AND l.xid < h.xmin AND (held.id IS NULL OR l.id < held.id)
        ORDER BY l.id
        LIMIT $1
    ),
    top AS (
        SELECT COALESCE(MAX(idx), -1) AS idx FROM ledger_leaves
    )
    UPDATE ledger_leaves SET idx = top.idx + ready.n
    FROM ready, top
    WHERE ledger_leaves.id = ready.id";

/// Numbers final events that have no leaf: written before this database had a ledger (and
/// left unnumbered at the upgrade). Every event written since has its leaf.
const NUMBER_EVENTS_WITHOUT_LEAF: &str = "
    WITH horizon AS (
        SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
    ),
    ready AS (
        SELECT e.id, ROW_NUMBER() OVER (ORDER BY e.id) AS n
        FROM events e, horizon h
        WHERE e.seq IS NULL AND e.leaf_id IS NULL AND e.xid < h.xmin
        ORDER BY e.id
        LIMIT $1
    ),
    top AS (
        SELECT COALESCE(MAX(seq), 0) AS seq FROM events
    )
    UPDATE events SET seq = top.seq + ready.n
    FROM ready, top
    WHERE events.id = ready.id";

/// Numbers the events whose leaves are placed, in the order of those leaves: the event
/// sequence is the order of the event leaves in the log.
const NUMBER_EVENTS: &str = "
    WITH ranked AS (
        SELECT e.id, ROW_NUMBER() OVER (ORDER BY l.idx) AS n
        FROM events e JOIN ledger_leaves l ON l.id = e.leaf_id
        WHERE e.seq IS NULL AND l.idx IS NOT NULL
    ),
    top AS (
        SELECT COALESCE(MAX(seq), 0) AS seq FROM events
    )
    UPDATE events SET seq = top.seq + ranked.n
    FROM ranked, top
    WHERE events.id = ranked.id";

/// One node's sequencer: runs and counters, shared by every clone of its store.
#[derive(Debug, Default)]
pub(super) struct Sequencer {
    /// A background run is going on in this node.
    running: AtomicBool,
    /// A write committed since the background run began its last round.
    dirty: AtomicBool,
    /// When the last settle began (see [`Sequencer::settle`]).
    settling: tokio::sync::Mutex<Option<std::time::Instant>>,
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

    /// Runs rounds until one places less than a full batch; returns the leaves placed.
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

    /// Runs until every leaf committed before the call is placed (another node's sequencer
    /// may be the one placing them), or for at most [`SETTLE_WAIT`]: for a reader that wants
    /// the log to include every change committed before it asked. Leaves of transactions that
    /// began before the call but are still open are not waited for.
    pub(super) async fn settle(&self, pool: &Pool) -> StoreResult<()> {
        let asked = std::time::Instant::now();
        // One settle at a time per node: callers that arrive while one runs wait for it, and
        // if it began after they asked, it covered them too. So a crowd of anonymous
        // checkpoint requests costs one settle, not one connection each.
        let mut last_start = self.settling.lock().await;
        if last_start.is_some_and(|started| started >= asked) {
            return Ok(());
        }
        *last_start = Some(std::time::Instant::now());
        let deadline = std::time::Instant::now() + SETTLE_WAIT;
        let mut pause = std::time::Duration::from_millis(1);
        let client = pool.get().await.db()?;
        // Every transaction that committed before now has an id below this.
        let horizon: String = client
            .query_one("SELECT pg_snapshot_xmax(pg_current_snapshot())::TEXT", &[])
            .await
            .db()?
            .try_get(0)
            .db()?;
        drop(client);
        loop {
            self.run(pool).await?;
            let client = pool.get().await.db()?;
            let waiting: bool = client
                .query_one(
                    &client
                        .prepare_cached(
                            "SELECT EXISTS (SELECT 1 FROM ledger_leaves
                             WHERE idx IS NULL AND xid < $1::TEXT::XID8)",
                        )
                        .await
                        .db()?,
                    &[&horizon],
                )
                .await
                .db()?
                .try_get(0)
                .db()?;
            if !waiting || std::time::Instant::now() >= deadline {
                return Ok(());
            }
            drop(client);
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(std::time::Duration::from_millis(50));
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
        // lock holder committed, and MAX(idx) cannot go back.
        let placed = tx
            .execute(&tx.prepare_cached(PLACE_LEAVES).await.db()?, &[&BATCH])
            .await
            .db()?;
        let legacy = tx
            .execute(
                &tx.prepare_cached(NUMBER_EVENTS_WITHOUT_LEAF).await.db()?,
                &[&BATCH],
            )
            .await
            .db()?;
        let numbered = legacy
            + tx.execute(&tx.prepare_cached(NUMBER_EVENTS).await.db()?, &[])
                .await
                .db()?;
        ledger::integrate(&tx).await?;
        tx.commit().await.db()?;
        if numbered > 0 {
            self.batches.fetch_add(1, Ordering::Relaxed);
            self.events.fetch_add(numbered, Ordering::Relaxed);
        }
        Ok(placed)
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
