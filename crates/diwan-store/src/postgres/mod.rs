//! The PostgreSQL backend: many stateless app nodes on one database, durable on every
//! acknowledged write (a PostgreSQL commit), with the same guarantees as the SQLite backend,
//! kept by transactions instead of a single writer.
//!
//! Shape: a `deadpool-postgres` pool of `tokio-postgres` connections, each with its own cache
//! of prepared statements (`prepare_cached`). Writers run concurrently and PostgreSQL's own
//! group commit shares fsyncs between them. What SQLite's single writer gave for free is kept
//! here by the database:
//! - idempotency: the unique `(owner, key)` index decides between concurrent requests with
//!   one key, on any node; the loser rolls back and replays the winner's application;
//! - references: a sequence per prefix and year, drawn inside the creating statement after
//!   its checks, so creations never queue on a lock held to the commit (see [`references`]
//!   for the rare hole this allows);
//! - versions: `UPDATE ... WHERE version = $expected`, one winner;
//! - the global event sequence: numbered after commit by a sequencer ([`sequencer`]), so
//!   writers never queue on one counter.
//!
//! Connections are plain TCP without TLS (`NoTls`): the database is expected on loopback or a
//! private link, or behind a TLS-terminating proxy. Add a TLS connector here before pointing
//! the store at a database across an untrusted network.
//!
//! Must never: acknowledge a write before its `COMMIT` returned, rely on one process's memory
//! for correctness (every node is equal), or let a driver type or SQL string out of this
//! module.

mod accounts;
mod applications;
mod ledger;
mod metrics;
mod references;
mod rows;
mod schema;
mod sequencer;
#[doc(hidden)]
pub mod testing;
mod uploads;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::{
    ActionCommit, Application, ApplicationFilter, Certificate, CertificateRevocation, Created,
    Event, LedgerHead, NewApplication, NewLeaf, NewOfficer, NewOtp, NewSession, NewUpload,
    OtpCheck, OtpLimit, OtpScope, OverdueCutoff, Store, StoreError, StoreMetrics, StoreResult,
    StoredLeaf, UploadMeta, User, UserKind,
};
use references::KnownSeries;
use rows::{Db, UserKey};
use sequencer::Sequencer;

/// How to connect a [`PostgresStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The most connections this node keeps open (default 16; at least 1).
    pub pool_size: usize,
}

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions { pool_size: 16 }
    }
}

/// How long opening a connection may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool of at most `size` connections to `url`; connects lazily.
fn pool(url: &str, size: usize) -> StoreResult<Pool> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Backend(format!("bad PostgreSQL URL: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("diwan");
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            // A connection that broke is noticed by its next query; checking each one on
            // every checkout would cost a round trip per request.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size.max(1))
        .build()
        .map_err(|e| StoreError::Backend(format!("cannot build the pool: {e}")))
}

/// The [`Store`] on a PostgreSQL database. Cheap to share: clone the `Arc` it sits in.
pub struct PostgresStore {
    pool: Pool,
    sequencer: Arc<Sequencer>,
    series: KnownSeries,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (batches, events) = self.sequencer.stats();
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .field("sequenced_batches", &batches)
            .field("sequenced_events", &events)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`, or the
    /// key-value form), applies the migrations it has not seen (one node at a time), and
    /// refuses a database whose schema is newer than this build.
    pub async fn connect(url: &str, options: PostgresOptions) -> StoreResult<PostgresStore> {
        let pool = pool(url, options.pool_size)?;
        {
            let mut client = pool.get().await.db()?;
            let applied = schema::migrate(&mut client, schema::MIGRATIONS).await?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied PostgreSQL migrations");
            }
        }
        Ok(PostgresStore {
            pool,
            sequencer: Arc::new(Sequencer::default()),
            series: KnownSeries::default(),
        })
    }

    /// Numbers every event whose transaction is over, unless another node's sequencer is at
    /// it right now; returns how many this call numbered. Writes and reads run the sequencer
    /// themselves: this is for tests, and for a future ledger integrator that wants the
    /// sequence up to date before it reads.
    pub async fn sequence_pending(&self) -> StoreResult<u64> {
        self.sequencer.run(&self.pool).await
    }

    /// `(batches, events)` this node's sequencer numbered since connect: `events / batches`
    /// is the mean batch size.
    pub fn sequencer_stats(&self) -> (u64, u64) {
        self.sequencer.stats()
    }

    /// After a write with events committed.
    fn written<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if result.is_ok() {
            self.sequencer.nudge(&self.pool);
        }
        result
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_application(&self, new: NewApplication) -> StoreResult<Created> {
        let created = applications::create(&self.pool, &self.series, new).await;
        match created {
            // A replay wrote nothing.
            Ok(created) if created.replayed => Ok(created),
            other => self.written(other),
        }
    }

    async fn apply_action(&self, commit: ActionCommit) -> StoreResult<Application> {
        let applied = applications::apply(&self.pool, commit).await;
        self.written(applied)
    }

    async fn get_application(&self, id: &str) -> StoreResult<Application> {
        applications::get(&self.pool, id).await
    }

    async fn list_applications(&self, filter: ApplicationFilter) -> StoreResult<Vec<Application>> {
        applications::list(&self.pool, filter).await
    }

    async fn list_events(&self, application_id: &str) -> StoreResult<Vec<Event>> {
        applications::events(&self.pool, &self.sequencer, application_id).await
    }

    async fn upsert_citizen(
        &self,
        id: &str,
        national_id: &str,
        phone: &str,
        at: i64,
    ) -> StoreResult<User> {
        accounts::upsert_citizen(&self.pool, id, national_id, phone, at).await
    }

    async fn find_citizen(&self, national_id: &str) -> StoreResult<User> {
        accounts::user(
            &self.pool,
            UserKey::NationalId,
            national_id,
            Some(UserKind::Citizen),
        )
        .await
    }

    async fn create_officer(&self, officer: NewOfficer) -> StoreResult<User> {
        accounts::create_officer(&self.pool, officer).await
    }

    async fn find_officer(&self, username: &str) -> StoreResult<User> {
        accounts::user(
            &self.pool,
            UserKey::Username,
            username,
            Some(UserKind::Officer),
        )
        .await
    }

    async fn get_user(&self, id: &str) -> StoreResult<User> {
        accounts::user(&self.pool, UserKey::Id, id, None).await
    }

    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        accounts::create_session(&self.pool, session).await
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<User> {
        accounts::session_user(&self.pool, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        accounts::delete_session(&self.pool, token_hash).await
    }

    async fn put_otp(&self, otp: NewOtp) -> StoreResult<()> {
        accounts::put_otp(&self.pool, otp).await
    }

    async fn put_otp_within_limits(
        &self,
        otp: NewOtp,
        limits: &[OtpLimit],
    ) -> StoreResult<Option<OtpLimit>> {
        accounts::put_otp_within_limits(&self.pool, otp, limits).await
    }

    async fn count_otps_since(&self, national_id: &str, since: i64) -> StoreResult<u32> {
        let client = self.pool.get().await.db()?;
        accounts::count_sends(&client, OtpScope::NationalId, national_id, since).await
    }

    async fn check_otp(
        &self,
        national_id: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> StoreResult<OtpCheck> {
        accounts::check_otp(&self.pool, national_id, code_hash, now, max_attempts).await
    }

    async fn put_upload(&self, upload: NewUpload) -> StoreResult<UploadMeta> {
        uploads::put(&self.pool, upload).await
    }

    async fn get_upload(&self, id: &str) -> StoreResult<UploadMeta> {
        uploads::get(&self.pool, id).await
    }

    async fn get_upload_content(&self, id: &str) -> StoreResult<(UploadMeta, Vec<u8>)> {
        uploads::get_content(&self.pool, id).await
    }

    async fn append_leaf(&self, leaf: NewLeaf) -> StoreResult<()> {
        let appended = ledger::append(&self.pool, &leaf).await;
        self.written(appended)
    }

    async fn certificate_for_application(&self, application_id: &str) -> StoreResult<Certificate> {
        ledger::find_certificate(&self.pool, true, application_id).await
    }

    async fn get_certificate(&self, id: &str) -> StoreResult<Certificate> {
        ledger::find_certificate(&self.pool, false, id).await
    }

    async fn revoke_certificate(
        &self,
        revocation: CertificateRevocation,
    ) -> StoreResult<Certificate> {
        let revoked = ledger::revoke(&self.pool, &revocation).await;
        self.written(revoked)
    }

    async fn ledger_head(&self) -> StoreResult<LedgerHead> {
        // A checkpoint should cover every change committed before it was asked for.
        self.sequencer.settle(&self.pool).await?;
        let client = self.pool.get().await.db()?;
        ledger::head(&client).await
    }

    async fn ledger_leaves(&self, start: u64, end: u64) -> StoreResult<Vec<StoredLeaf>> {
        ledger::leaves(&self.pool, start, end).await
    }

    async fn ledger_nodes(&self, nodes: &[(u8, u64)]) -> StoreResult<Vec<[u8; 32]>> {
        let client = self.pool.get().await.db()?;
        ledger::nodes(&client, nodes).await
    }

    async fn leaves_about_applicant(
        &self,
        applicant_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<StoredLeaf>> {
        ledger::about_applicant(&self.pool, applicant_id, limit).await
    }

    async fn ping(&self) -> StoreResult<()> {
        let client = self.pool.get().await.db()?;
        client.simple_query("SELECT 1").await.db()?;
        Ok(())
    }

    async fn metrics_snapshot(&self, overdue: &[OverdueCutoff]) -> StoreResult<StoreMetrics> {
        let applications = metrics::application_counts(&self.pool, overdue).await?;
        Ok(StoreMetrics {
            applications: Some(applications),
            pool: Some(metrics::pool_stats(&self.pool)),
            commits: None,
        })
    }
}
