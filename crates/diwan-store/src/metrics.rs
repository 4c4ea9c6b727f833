//! Figures for monitoring, read when the metrics endpoint is scraped (never per request).
//!
//! Every part is optional: a backend reports what it can, and the default implementation of
//! [`crate::Store::metrics_snapshot`] reports nothing. Nothing here may carry personal data:
//! only service ids, state ids and counts.

/// An application in `state` of `service_id` since before `before` (Unix ms) is overdue.
/// The server derives one cutoff per state with a service-level target: `now - sla`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueCutoff {
    pub service_id: String,
    pub state: String,
    pub before: i64,
}

/// How many applications are in one state of one service, and how many of them are overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationCount {
    pub service_id: String,
    pub state: String,
    pub count: u64,
    /// Always 0 for a `(service, state)` without an [`OverdueCutoff`].
    pub overdue: u64,
}

/// The store's connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections the pool holds (or may hold, for a pool that grows on demand).
    pub size: u64,
    /// Connections not in use right now, when the backend can tell.
    pub idle: Option<u64>,
}

/// Group commit since the store was opened: `jobs / batches` is the mean batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitStats {
    pub batches: u64,
    pub jobs: u64,
}

/// What [`crate::Store::metrics_snapshot`] returns. `None` means "this backend does not report
/// it", which the exporter shows by leaving the series out rather than as a zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreMetrics {
    /// One entry per `(service_id, state)` holding at least one application.
    pub applications: Option<Vec<ApplicationCount>>,
    pub pool: Option<PoolStats>,
    pub commits: Option<CommitStats>,
}
