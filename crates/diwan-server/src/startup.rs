//! Assembling a running node from its parts: catalogue, country rules, secret, SMS outbox,
//! demo accounts; then serving until shut down. The binary picks the store and calls this.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use diwan_domain::country::CountryRules;
use diwan_store::{NewOfficer, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::auth::LoginLimiter;
use crate::crypto;
use crate::limits::{ClientLimitOptions, ClientWindows};
use crate::metrics::Metrics;
use crate::sms::FileOutbox;
use crate::state::{AppState, Clock, ServerSettings, SystemClock};
use crate::trust::{Trust, TrustOptions};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the catalogue has problems:\n{0}")]
    Catalog(String),
    #[error("country rules: {0}")]
    Country(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

/// What a node needs besides its store.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    pub data_dir: PathBuf,
    pub catalog_dir: PathBuf,
    pub country_file: PathBuf,
    /// Create demo officer accounts and write `<data>/demo-credentials.json`.
    pub demo: bool,
    /// Let unknown citizens register their mobile at first sign-in (always on in demo mode).
    pub self_enrolment: bool,
    /// The code-hashing key; generated into `<data>/secret.key` when `None`.
    pub secret: Option<Vec<u8>>,
    pub otp_ttl_secs: i64,
    pub session_ttl_secs: i64,
    pub max_upload_bytes: usize,
    /// The log's name, the certificates' issuer, certificate key rotations.
    pub trust: TrustOptions,
    /// Portal cookies without `Secure` on loopback addresses (demo and development only).
    pub plain_http_cookies_on_loopback: bool,
    /// Per-client sign-in budgets and the trusted proxies that name the client.
    pub client_limits: ClientLimitOptions,
}

/// One line of `demo-credentials.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCredential {
    pub username: String,
    pub password: String,
    pub agency: String,
    pub roles: Vec<String>,
}

pub async fn build_state(
    store: Arc<dyn Store>,
    options: &NodeOptions,
) -> Result<AppState, StartupError> {
    build_state_with_clock(store, options, Arc::new(SystemClock)).await
}

pub async fn build_state_with_clock(
    store: Arc<dyn Store>,
    options: &NodeOptions,
    clock: Arc<dyn Clock>,
) -> Result<AppState, StartupError> {
    std::fs::create_dir_all(&options.data_dir)?;
    // The folder holds personal data, documents and sign-in codes: its owner only.
    #[cfg(unix)]
    std::fs::set_permissions(
        &options.data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )?;
    if options.secret.as_ref().is_some_and(|s| s.len() < 32) {
        return Err(StartupError::Other(
            "the secret must be at least 32 bytes (use secret_file with random bytes)".into(),
        ));
    }
    if !(30..=3600).contains(&options.otp_ttl_secs) {
        return Err(StartupError::Other(
            "otp_ttl_secs must be between 30 and 3600".into(),
        ));
    }
    if !(60..=30 * 24 * 3600).contains(&options.session_ttl_secs) {
        return Err(StartupError::Other(
            "session_ttl_secs must be between 60 and 2592000 (30 days)".into(),
        ));
    }
    options.client_limits.check().map_err(StartupError::Other)?;
    let catalog = crate::catalog_files::load(&options.catalog_dir)?.map_err(|problems| {
        StartupError::Catalog(
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let country_text = std::fs::read_to_string(&options.country_file).map_err(|e| {
        StartupError::Country(format!(
            "cannot read {}: {e}",
            options.country_file.display()
        ))
    })?;
    let country =
        CountryRules::from_toml(&country_text).map_err(|e| StartupError::Country(e.to_string()))?;
    let time_zone = jiff::tz::db()
        .get(&country.time_zone)
        .map_err(|e| StartupError::Country(format!("time_zone {:?}: {e}", country.time_zone)))?;
    let secret = match &options.secret {
        Some(s) => s.clone(),
        None => load_or_create_secret(&options.data_dir.join("secret.key"))?,
    };
    let trust = Trust::new(&secret, &options.trust).map_err(StartupError::Other)?;
    let mut settings = ServerSettings::with_secret(secret);
    settings.otp_ttl_secs = options.otp_ttl_secs;
    settings.self_enrolment = options.self_enrolment || options.demo;
    settings.session_ttl_secs = options.session_ttl_secs;
    settings.max_upload_bytes = options.max_upload_bytes;
    settings.plain_http_cookies_on_loopback = options.plain_http_cookies_on_loopback;
    let client = &options.client_limits;
    settings.client_code_requests_per_window = client.code_requests_per_window;
    settings.client_sign_in_attempts_per_window = client.sign_in_attempts_per_window;
    settings.client_officer_attempts_per_window = client.officer_attempts_per_window;
    settings.client_window_secs = client.window_secs;
    settings.trusted_proxies = client.trusted_proxies.clone();
    let sms = FileOutbox::new(options.data_dir.join("outbox").join("sms.jsonl"))?;
    let state = AppState {
        store,
        search: Arc::new(diwan_search::index_catalog(&catalog)),
        catalog: Arc::new(catalog),
        country: Arc::new(country),
        time_zone,
        sms: Arc::new(sms),
        sms_budget: Arc::new(crate::sms::SmsBudget::new(settings.sms_per_minute)),
        clock,
        sessions: Arc::new(crate::auth::SessionCache::new(settings.session_cache_ms)),
        settings: Arc::new(settings),
        login_limiter: Arc::new(LoginLimiter::default()),
        client_windows: Arc::new(ClientWindows::default()),
        trust: Arc::new(trust),
        metrics: Arc::new(Metrics::new()),
    };
    if options.demo {
        create_demo_officers(&state, &options.data_dir).await?;
    }
    Ok(state)
}

fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, StartupError> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(bytes),
        Ok(_) => Err(StartupError::Other(format!(
            "{} holds fewer than 32 bytes",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = crypto::random_bytes::<32>().map_err(StartupError::Other)?;
            write_private(path, &secret)?;
            Ok(secret.to_vec())
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes a file readable only by its owner (on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, bytes)
}

/// A clerk and a manager for every agency, kept across restarts.
async fn create_demo_officers(state: &AppState, data_dir: &Path) -> Result<(), StartupError> {
    let path = data_dir.join("demo-credentials.json");
    let mut known: Vec<DemoCredential> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut changed = false;
    for agency in state.catalog.agencies.values() {
        for role in ["clerk", "manager"] {
            let username = format!("{}.{role}", agency.id);
            match state.store.find_officer(&username).await {
                // Already there: from an earlier start (its password is in the file) or made
                // by an operator (its password is not ours to print).
                Ok(_) => continue,
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
            let password = crypto::new_password().map_err(StartupError::Other)?;
            let hash = crypto::hash_password(&password).map_err(StartupError::Other)?;
            state
                .store
                .create_officer(NewOfficer {
                    id: uuid::Uuid::now_v7().to_string(),
                    username: username.clone(),
                    display_name: format!("{} ({role})", agency.name.en),
                    agency: agency.id.clone(),
                    roles: vec![role.to_string()],
                    password_hash: hash,
                    at: state.now_ms(),
                })
                .await?;
            known.retain(|c| c.username != username);
            known.push(DemoCredential {
                username,
                password,
                agency: agency.id.clone(),
                roles: vec![role.to_string()],
            });
            changed = true;
        }
    }
    if changed || !path.exists() {
        let json =
            serde_json::to_vec_pretty(&known).map_err(|e| StartupError::Other(e.to_string()))?;
        write_private(&path, &json)?;
    }
    Ok(())
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With each connection's peer address, which `client_addr::ClientAddr` reads.
    let app =
        crate::app::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves `GET /metrics` (Prometheus text format) on its own listener until `shutdown`
/// resolves. Keep that listener private (loopback or an internal network): it is not part of
/// the API, which never answers `/metrics`.
///
/// Request metrics are recorded from the moment this is called (not first polled), so the
/// requests of a node whose metrics listener is spawned just before are all counted.
pub fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> impl std::future::Future<Output = std::io::Result<()>> + Send + 'static {
    state.metrics.enable();
    let metrics = Arc::clone(&state.metrics);
    let app = crate::metrics::router(state);
    async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(shutdown);
        // Samples are folded into buckets at every scrape; this bounds memory when nobody
        // scrapes for a while.
        let upkeep = async move {
            let mut every = tokio::time::interval(crate::metrics::UPKEEP_EVERY);
            loop {
                every.tick().await;
                metrics.run_upkeep();
            }
        };
        tokio::select! {
            served = std::future::IntoFuture::into_future(server) => served,
            () = upkeep => Ok(()),
        }
    }
}
