//! Storage for Diwan: one [`Store`] interface and its backends (SQLite embedded today,
//! PostgreSQL next), each with its own migrations.
//!
//! Architecture invariants:
//! - Every write that the API acknowledges is durable when the call returns (SQLite WAL with
//!   `synchronous=FULL`). Throughput comes from group commit, never from weaker durability.
//! - An application, its first event and its idempotency key are written in one transaction;
//!   an action applies only if the application's version is the one the caller read.
//! - Events carry one global sequence, never rewritten.
//! - Every change is written with its ledger leaf, in the same transaction; the tree's nodes
//!   are integrated in leaf order (by the SQLite writer before each commit, by the PostgreSQL
//!   sequencer after), and the event sequence is the order of the event leaves.
//! - Nothing outside this crate sees a driver type or a SQL string.

mod display;
mod error;
mod ledger;
mod metrics;
mod model;
pub mod postgres;
pub mod sqlite;
mod upload_quota;

use async_trait::async_trait;

pub use error::{StoreError, StoreResult};
pub use metrics::{ApplicationCount, CommitStats, OverdueCutoff, PoolStats, StoreMetrics};
pub use model::*;

/// Everything Diwan keeps. Implementations must be safe to share between request handlers.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Records a new application with its `submitted` event and idempotency key in one
    /// transaction. A known `(owner, key)` returns the application it created before.
    async fn create_application(&self, new: NewApplication) -> StoreResult<Created>;

    /// Applies a decided transition if the application is still at `expected_version`
    /// (else [`StoreError::VersionConflict`]) and appends its event, in one transaction.
    async fn apply_action(&self, commit: ActionCommit) -> StoreResult<Application>;

    async fn get_application(&self, id: &str) -> StoreResult<Application>;

    /// Newest first.
    async fn list_applications(&self, filter: ApplicationFilter) -> StoreResult<Vec<Application>>;

    /// Oldest first.
    async fn list_events(&self, application_id: &str) -> StoreResult<Vec<Event>>;

    /// Finds the citizen with this national ID, creating them on first sign-in.
    async fn upsert_citizen(
        &self,
        id: &str,
        national_id: &str,
        phone: &str,
        at: i64,
    ) -> StoreResult<User>;

    async fn find_citizen(&self, national_id: &str) -> StoreResult<User>;

    /// [`StoreError::Conflict`] if the username is taken.
    async fn create_officer(&self, officer: NewOfficer) -> StoreResult<User>;

    async fn find_officer(&self, username: &str) -> StoreResult<User>;

    async fn get_user(&self, id: &str) -> StoreResult<User>;

    async fn create_session(&self, session: NewSession) -> StoreResult<()>;

    /// The user of a live session (not expired at `now`).
    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<User>;

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Stores a new code for this national ID, voiding any earlier one.
    async fn put_otp(&self, otp: NewOtp) -> StoreResult<()>;

    /// Stores a new code for this national ID (like [`Store::put_otp`]), but only if every
    /// limit still has room, checked and recorded atomically (also across nodes). `Some(limit)`, and nothing stored, names the first
    /// limit that is reached.
    async fn put_otp_within_limits(
        &self,
        otp: NewOtp,
        limits: &[OtpLimit],
    ) -> StoreResult<Option<OtpLimit>>;

    /// How many codes were sent to this national ID since `since` (for rate limits).
    async fn count_otps_since(&self, national_id: &str, since: i64) -> StoreResult<u32>;

    /// Checks a code: counts the attempt, uses the code up on success, voids it after
    /// `max_attempts` wrong tries.
    async fn check_otp(
        &self,
        national_id: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> StoreResult<OtpCheck>;

    async fn put_upload(&self, upload: NewUpload) -> StoreResult<UploadMeta>;

    async fn get_upload(&self, id: &str) -> StoreResult<UploadMeta>;

    /// An upload with its bytes, for showing a document to someone allowed to see it.
    async fn get_upload_content(&self, id: &str) -> StoreResult<(UploadMeta, Vec<u8>)>;

    /// Appends a leaf that records no change (a read of a citizen's data), durably.
    async fn append_leaf(&self, leaf: NewLeaf) -> StoreResult<()>;

    /// The certificate issued for an application ([`StoreError::NotFound`] if none).
    async fn certificate_for_application(&self, application_id: &str) -> StoreResult<Certificate>;

    async fn get_certificate(&self, id: &str) -> StoreResult<Certificate>;

    /// Revokes a certificate and appends its ledger entry, in one transaction.
    /// [`StoreError::Conflict`] if it was revoked before.
    async fn revoke_certificate(
        &self,
        revocation: CertificateRevocation,
    ) -> StoreResult<Certificate>;

    /// The integrated log: size and root.
    async fn ledger_head(&self) -> StoreResult<LedgerHead>;

    /// Integrated leaves `start..end` (end exclusive, clamped to the head), in order.
    async fn ledger_leaves(&self, start: u64, end: u64) -> StoreResult<Vec<StoredLeaf>>;

    /// The stored hashes of complete subtrees `(level, index)`, in the order asked;
    /// [`StoreError::NotFound`] if one is missing.
    async fn ledger_nodes(&self, nodes: &[(u8, u64)]) -> StoreResult<Vec<[u8; 32]>>;

    /// Every leaf about the applications of `applicant_id`, newest first, at most `limit`.
    async fn leaves_about_applicant(
        &self,
        applicant_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<StoredLeaf>>;

    /// True when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Figures for monitoring, read at scrape time: applications per `(service, state)` with
    /// how many are overdue against `overdue` (one cheap grouped query, bounded by services ×
    /// states), plus what the backend knows of its pool and commits. The default reports
    /// nothing, so a backend that does not implement it still compiles and serves.
    async fn metrics_snapshot(&self, overdue: &[OverdueCutoff]) -> StoreResult<StoreMetrics> {
        let _ = overdue;
        Ok(StoreMetrics::default())
    }
}
