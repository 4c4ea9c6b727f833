//! The SQLite backend: one embedded database file, durable on every acknowledged write.
//!
//! Shape: one writer thread owns the only write connection and commits queued jobs in groups
//! (`writer.rs`); a few read-only connections serve reads concurrently thanks to WAL
//! (`readers.rs`). Every write in the [`Store`] interface goes through the writer, so there is
//! never lock contention between writers and the event sequence can be assigned without gaps.
//!
//! Must never: acknowledge a write before its `COMMIT` returned, or let a rusqlite type or SQL
//! string out of this module.

mod accounts;
mod applications;
mod ledger;
mod metrics;
mod readers;
mod rows;
mod schema;
mod uploads;
mod writer;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    ActionCommit, Application, ApplicationFilter, Certificate, CertificateRevocation, CommitStats,
    Created, Event, LedgerHead, NewApplication, NewLeaf, NewOfficer, NewOtp, NewSession, NewUpload,
    OtpCheck, OtpLimit, OtpScope, OverdueCutoff, PoolStats, Store, StoreError, StoreMetrics,
    StoreResult, StoredLeaf, UploadMeta, User, UserKind,
};
use readers::Readers;
use rows::{Db, UserKey};
use writer::Writer;

/// How to open a [`SqliteStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// `synchronous=FULL` (the default): every acknowledged write survives power loss.
    /// `false` sets `synchronous=OFF`, only for benchmarking the CPU limit.
    pub synchronous_full: bool,
    /// The most jobs one group commit takes (default 256; at least 1).
    pub max_batch: usize,
    /// Read-only connections (default 4; at least 1).
    pub readers: usize,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            synchronous_full: true,
            max_batch: 256,
            readers: 4,
        }
    }
}

/// The [`Store`] on an embedded SQLite file.
pub struct SqliteStore {
    writer: Writer,
    readers: Arc<Readers>,
    /// Read-only connections; with the writer's one, the pool size reported to monitoring.
    reader_count: usize,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (batches, jobs) = self.batch_stats();
        f.debug_struct("SqliteStore")
            .field("batches", &batches)
            .field("jobs", &jobs)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens or creates the database at `path`, applies the migrations it has not seen, and
    /// starts the writer thread.
    pub async fn open(path: &Path, options: SqliteOptions) -> StoreResult<SqliteStore> {
        let path = path.to_owned();
        let reader_count = options.readers.max(1);
        let synchronous_full = options.synchronous_full;
        // Opening and migrating do file IO: keep it off the async runtime's threads.
        let (write_conn, read_conns) = tokio::task::spawn_blocking(move || {
            let write_conn = schema::open_writer(&path, synchronous_full)?;
            let applied = schema::migrate(&write_conn, schema::MIGRATIONS)?;
            if !applied.is_empty() {
                tracing::info!(?applied, path = %path.display(), "applied SQLite migrations");
            }
            // Readers open after the writer so the file is already in WAL mode.
            let read_conns = (0..reader_count)
                .map(|_| schema::open_reader(&path))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok::<_, StoreError>((write_conn, read_conns))
        })
        .await
        .map_err(|e| StoreError::Backend(format!("open task failed: {e}")))??;
        Ok(SqliteStore {
            writer: Writer::start(write_conn, options.max_batch, ledger::integrate)?,
            readers: Arc::new(Readers::new(read_conns)),
            reader_count,
        })
    }

    /// `(batches, jobs)` the writer has run since open: `jobs / batches` is the mean group
    /// commit size.
    pub fn batch_stats(&self) -> (u64, u64) {
        self.writer.stats()
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_application(&self, new: NewApplication) -> StoreResult<Created> {
        self.writer
            .submit(move |conn| applications::create(conn, new))
            .await
    }

    async fn apply_action(&self, commit: ActionCommit) -> StoreResult<Application> {
        self.writer
            .submit(move |conn| applications::apply(conn, commit))
            .await
    }

    async fn get_application(&self, id: &str) -> StoreResult<Application> {
        let id = id.to_owned();
        self.readers
            .run(move |conn| rows::get_application(conn, &id))
            .await
    }

    async fn list_applications(&self, filter: ApplicationFilter) -> StoreResult<Vec<Application>> {
        self.readers
            .run(move |conn| applications::list(conn, filter))
            .await
    }

    async fn list_events(&self, application_id: &str) -> StoreResult<Vec<Event>> {
        let id = application_id.to_owned();
        self.readers
            .run(move |conn| applications::events(conn, &id))
            .await
    }

    async fn upsert_citizen(
        &self,
        id: &str,
        national_id: &str,
        phone: &str,
        at: i64,
    ) -> StoreResult<User> {
        let (id, national_id, phone) = (id.to_owned(), national_id.to_owned(), phone.to_owned());
        self.writer
            .submit(move |conn| accounts::upsert_citizen(conn, &id, &national_id, &phone, at))
            .await
    }

    async fn find_citizen(&self, national_id: &str) -> StoreResult<User> {
        let national_id = national_id.to_owned();
        self.readers
            .run(move |conn| {
                accounts::user(
                    conn,
                    UserKey::NationalId,
                    &national_id,
                    Some(UserKind::Citizen),
                )
            })
            .await
    }

    async fn create_officer(&self, officer: NewOfficer) -> StoreResult<User> {
        self.writer
            .submit(move |conn| accounts::create_officer(conn, officer))
            .await
    }

    async fn find_officer(&self, username: &str) -> StoreResult<User> {
        let username = username.to_owned();
        self.readers
            .run(move |conn| {
                accounts::user(conn, UserKey::Username, &username, Some(UserKind::Officer))
            })
            .await
    }

    async fn get_user(&self, id: &str) -> StoreResult<User> {
        let id = id.to_owned();
        self.readers
            .run(move |conn| accounts::user(conn, UserKey::Id, &id, None))
            .await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        self.writer
            .submit(move |conn| accounts::create_session(conn, session))
            .await
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<User> {
        let token_hash = token_hash.to_owned();
        self.readers
            .run(move |conn| accounts::session_user(conn, &token_hash, now))
            .await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.writer
            .submit(move |conn| accounts::delete_session(conn, &token_hash))
            .await
    }

    async fn put_otp(&self, otp: NewOtp) -> StoreResult<()> {
        self.writer
            .submit(move |conn| accounts::put_otp(conn, otp))
            .await
    }

    async fn put_otp_within_limits(
        &self,
        otp: NewOtp,
        limits: &[OtpLimit],
    ) -> StoreResult<Option<OtpLimit>> {
        let limits = limits.to_vec();
        // One writer job: the counts and the insert cannot interleave with another request's.
        self.writer
            .submit(move |conn| {
                for limit in limits {
                    let key = match limit.scope {
                        OtpScope::NationalId => &otp.national_id,
                        OtpScope::Phone => &otp.phone,
                    };
                    if accounts::count_sends(conn, limit.scope, key, limit.since)?
                        >= limit.max_sends
                    {
                        return Ok(Some(limit));
                    }
                }
                accounts::put_otp(conn, otp).map(|()| None)
            })
            .await
    }

    async fn count_otps_since(&self, national_id: &str, since: i64) -> StoreResult<u32> {
        let national_id = national_id.to_owned();
        self.readers
            .run(move |conn| accounts::count_sends(conn, OtpScope::NationalId, &national_id, since))
            .await
    }

    async fn check_otp(
        &self,
        national_id: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> StoreResult<OtpCheck> {
        let (national_id, code_hash) = (national_id.to_owned(), code_hash.to_owned());
        // A write: the attempt is counted even when the code is wrong.
        self.writer
            .submit(move |conn| {
                accounts::check_otp(conn, &national_id, &code_hash, now, max_attempts)
            })
            .await
    }

    async fn put_upload(&self, upload: NewUpload) -> StoreResult<UploadMeta> {
        self.writer
            .submit(move |conn| uploads::put(conn, upload))
            .await
    }

    async fn get_upload(&self, id: &str) -> StoreResult<UploadMeta> {
        let id = id.to_owned();
        self.readers.run(move |conn| uploads::get(conn, &id)).await
    }

    async fn get_upload_content(&self, id: &str) -> StoreResult<(UploadMeta, Vec<u8>)> {
        let id = id.to_owned();
        self.readers
            .run(move |conn| uploads::get_content(conn, &id))
            .await
    }

    async fn append_leaf(&self, leaf: NewLeaf) -> StoreResult<()> {
        self.writer
            .submit(move |conn| ledger::append(conn, &leaf))
            .await
    }

    async fn certificate_for_application(&self, application_id: &str) -> StoreResult<Certificate> {
        let id = application_id.to_owned();
        self.readers
            .run(move |conn| ledger::find_certificate(conn, true, &id))
            .await
    }

    async fn get_certificate(&self, id: &str) -> StoreResult<Certificate> {
        let id = id.to_owned();
        self.readers
            .run(move |conn| ledger::find_certificate(conn, false, &id))
            .await
    }

    async fn revoke_certificate(
        &self,
        revocation: CertificateRevocation,
    ) -> StoreResult<Certificate> {
        self.writer
            .submit(move |conn| ledger::revoke(conn, &revocation))
            .await
    }

    async fn ledger_head(&self) -> StoreResult<LedgerHead> {
        self.readers.run(ledger::head).await
    }

    async fn ledger_leaves(&self, start: u64, end: u64) -> StoreResult<Vec<StoredLeaf>> {
        self.readers
            .run(move |conn| ledger::leaves(conn, start, end))
            .await
    }

    async fn ledger_nodes(&self, nodes: &[(u8, u64)]) -> StoreResult<Vec<[u8; 32]>> {
        let nodes = nodes.to_vec();
        self.readers
            .run(move |conn| ledger::nodes(conn, &nodes))
            .await
    }

    async fn leaves_about_applicant(
        &self,
        applicant_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<StoredLeaf>> {
        let id = applicant_id.to_owned();
        self.readers
            .run(move |conn| ledger::about_applicant(conn, &id, limit))
            .await
    }

    async fn ping(&self) -> StoreResult<()> {
        if !self.writer.is_running() {
            return Err(StoreError::Backend(
                "the SQLite writer has stopped".to_owned(),
            ));
        }
        self.readers
            .run(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).db())
            .await
    }

    async fn metrics_snapshot(&self, overdue: &[OverdueCutoff]) -> StoreResult<StoreMetrics> {
        let cutoffs = overdue.to_vec();
        let applications = self
            .readers
            .run(move |conn| metrics::application_counts(conn, &cutoffs))
            .await?;
        let (batches, jobs) = self.batch_stats();
        Ok(StoreMetrics {
            applications: Some(applications),
            pool: Some(PoolStats {
                size: self.reader_count as u64 + 1,
                idle: None,
            }),
            commits: Some(CommitStats { batches, jobs }),
        })
    }
}
