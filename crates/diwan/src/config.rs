//! The one typed configuration: defaults, then a TOML file, then `DIWAN_*` environment
//! variables, then command-line flags. Unknown keys are refused so a typo is not ignored.

use std::path::{Path, PathBuf};

use anyhow::Context;
use diwan_server::client_addr::parse_trusted_proxy;
use diwan_server::limits::ClientLimitOptions;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: String,
    /// Address for Prometheus metrics (`GET /metrics`) on a separate listener; off when unset.
    /// Keep it private (loopback or an internal network).
    pub metrics_listen: Option<String>,
    /// `postgres://user@host/db` to use PostgreSQL; unset for the embedded SQLite file in `data_dir`.
    pub database: Option<String>,
    /// Connections each node keeps to PostgreSQL.
    pub database_pool_size: usize,
    /// Where the database, uploads and the SMS outbox live.
    pub data_dir: PathBuf,
    /// The catalogue folder (agencies.toml, workflows/, services/).
    pub catalog: PathBuf,
    /// The country rules file.
    pub country: PathBuf,
    /// Create demo officer accounts and write their passwords to <data>/demo-credentials.json.
    pub demo: bool,
    /// Let a citizen unknown to Diwan register their mobile number at first sign-in.
    /// Pilots only: in production the number on record comes from the civil registry.
    pub citizen_self_enrolment: bool,
    /// Key for hashing one-time codes. Prefer `secret_file`. Generated into the data folder if neither is set.
    pub secret: Option<String>,
    pub secret_file: Option<PathBuf>,
    pub otp_ttl_secs: i64,
    pub session_ttl_secs: i64,
    /// Largest upload in bytes.
    pub max_upload_bytes: usize,
    /// Log filter, e.g. `info` or `diwan=debug`.
    pub log: String,
    /// The name of the tamper-evident log and of its checkpoint key (C2SP key name: no
    /// spaces, no `+`). Choose it once: auditors pin it.
    pub ledger_origin: String,
    /// The issuer named in certificates.
    pub certificate_issuer: String,
    /// RFC 3339 instants at which a new certificate signing key took over, oldest first.
    pub certificate_key_rotations: Vec<String>,
    /// Sign-in code requests per client address (an IPv6 /64) per window, per node.
    pub client_code_requests_per_window: u32,
    /// Citizens' code checks per client address per window, per node.
    pub client_sign_in_attempts_per_window: u32,
    /// Officers' password attempts per client address per window, per node.
    pub client_officer_attempts_per_window: u32,
    pub client_window_secs: i64,
    /// Proxies whose `X-Forwarded-For` names the client: CIDR blocks or addresses.
    pub trusted_proxies: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("metrics_listen", &self.metrics_listen)
            .field("database", &self.database.as_ref().map(|d| redact_url(d)))
            .field("database_pool_size", &self.database_pool_size)
            .field("data_dir", &self.data_dir)
            .field("catalog", &self.catalog)
            .field("country", &self.country)
            .field("demo", &self.demo)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("secret_file", &self.secret_file)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        let client = ClientLimitOptions::default();
        Config {
            listen: "127.0.0.1:8080".into(),
            metrics_listen: None,
            database: None,
            database_pool_size: 16,
            data_dir: "diwan-data".into(),
            catalog: "catalog/eg".into(),
            country: "countries/eg.toml".into(),
            demo: false,
            citizen_self_enrolment: false,
            secret: None,
            secret_file: None,
            otp_ttl_secs: 300,
            session_ttl_secs: 12 * 3600,
            max_upload_bytes: 10 * 1024 * 1024,
            log: "info".into(),
            ledger_origin: diwan_server::trust::DEFAULT_LEDGER_ORIGIN.into(),
            certificate_issuer: "Diwan".into(),
            certificate_key_rotations: Vec::new(),
            client_code_requests_per_window: client.code_requests_per_window,
            client_sign_in_attempts_per_window: client.sign_in_attempts_per_window,
            client_officer_attempts_per_window: client.officer_attempts_per_window,
            client_window_secs: client.window_secs,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Config {
    /// The trust settings as the server takes them (rotation instants parsed).
    pub fn trust(&self) -> anyhow::Result<diwan_server::trust::TrustOptions> {
        let rotations = self
            .certificate_key_rotations
            .iter()
            .map(|text| {
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .map(|t| t.unix_timestamp())
                    .with_context(|| {
                        format!("certificate_key_rotations: {text:?} is not an RFC 3339 time")
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(diwan_server::trust::TrustOptions {
            ledger_origin: self.ledger_origin.clone(),
            certificate_issuer: self.certificate_issuer.clone(),
            certificate_key_rotations: rotations,
        })
    }

    /// The per-client sign-in limits as the server takes them (trusted proxies parsed).
    pub fn client_limits(&self) -> anyhow::Result<ClientLimitOptions> {
        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|text| parse_trusted_proxy(text).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let limits = ClientLimitOptions {
            code_requests_per_window: self.client_code_requests_per_window,
            sign_in_attempts_per_window: self.client_sign_in_attempts_per_window,
            officer_attempts_per_window: self.client_officer_attempts_per_window,
            window_secs: self.client_window_secs,
            trusted_proxies,
        };
        limits.check().map_err(anyhow::Error::msg)?;
        Ok(limits)
    }

    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            anyhow::ensure!(
                file.exists(),
                "config file {} does not exist",
                file.display()
            );
            figment = figment.merge(Toml::file(file));
        }
        figment
            // DIWAN_TEST_* variables belong to the test suites, not to a node.
            .merge(
                Env::prefixed("DIWAN_")
                    .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_")),
            )
            .extract()
            .context("invalid configuration")
    }
}

/// A database URL with its password hidden, for logs.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!(
                "{}{}:<redacted>{}",
                &url[..scheme_end + 3],
                user,
                &url[at..]
            )
        }
        _ => url.to_string(),
    }
}

/// The commented default file printed by `diwan config print-default`.
pub const DEFAULT_FILE: &str = r#"# Diwan configuration. Every key may also be set as an environment variable
# DIWAN_<KEY> (e.g. DIWAN_LISTEN=0.0.0.0:8080); the environment wins over this file.

# Address and port to listen on.
listen = "127.0.0.1:8080"

# Prometheus metrics (GET /metrics) on a separate address; off unless set.
# Keep it private (loopback or an internal network).
# metrics_listen = "127.0.0.1:9464"

# Where the database, uploads and the SMS outbox live.
data_dir = "diwan-data"

# PostgreSQL instead of the embedded SQLite file, for several nodes on one
# database. Every node then needs the same secret_file.
# database = "postgres://diwan@db.internal/diwan"
database_pool_size = 16

# The service catalogue folder and the country rules file.
catalog = "catalog/eg"
country = "countries/eg.toml"

# Demo mode: create a clerk and a manager for every agency and write their
# passwords to <data_dir>/demo-credentials.json. Never in production.
demo = false

# Let a citizen unknown to Diwan register their mobile number at the first
# sign-in (always on in demo mode). For pilots only: in production, citizens'
# numbers come from the civil registry (`diwan citizen add`), and a stranger
# who knows someone's national ID must not be able to claim it.
citizen_self_enrolment = false

# Key for hashing one-time sign-in codes. Prefer secret_file (a file readable
# only by Diwan). If neither is set, one is generated into <data_dir>/secret.key.
# secret_file = "/etc/diwan/secret"

# How long a one-time code and a session last, in seconds.
otp_ttl_secs = 300
session_ttl_secs = 43200

# Largest document upload, in bytes.
max_upload_bytes = 10485760

# Log filter (tracing-subscriber syntax).
log = "info"

# The tamper-evident log's name, which is also its checkpoint key's name.
# Auditors pin it with the key: choose it once, e.g. "ledger.diwan.gov.eg".
ledger_origin = "diwan.local/ledger"

# The issuer named in every certificate.
certificate_issuer = "Diwan"

# Certificate signing keys are derived from the secret, one generation per
# rotation. To rotate, append the instant the new key takes over (on every
# node, before that instant); old keys stay published for what they signed.
# certificate_key_rotations = ["2027-01-01T00:00:00Z"]
certificate_key_rotations = []

# Sign-in limits per client address (an IPv6 client by its /64), counted by
# each node in memory per window: code requests (asking again for the same
# national ID does not count), citizens' code checks, and officers' password
# attempts, each its own budget; a right code or password gives its attempt
# back. They stop one client from cycling national IDs or numbers to learn
# who is registered, spending many citizens' daily codes, or guessing codes
# or officer passwords across accounts. Many mobile users can share one
# address (carrier-grade NAT): keep them generous.
client_code_requests_per_window = 30
client_sign_in_attempts_per_window = 60
client_officer_attempts_per_window = 60
client_window_secs = 900

# The reverse proxies and load balancers in front of Diwan, as CIDR blocks or
# addresses. Only a request arriving from one of them has its X-Forwarded-For
# header read (from the right, past every trusted address) to find the client;
# without this, behind a proxy every citizen shares the proxy's address and
# its limits. Never list addresses that clients can reach Diwan from directly.
# trusted_proxies = ["10.0.0.0/8", "2001:db8:ffff::/48"]
trusted_proxies = []
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_file_matches_defaults() {
        let parsed: Config = Figment::from(Toml::string(DEFAULT_FILE))
            .extract()
            .expect("default file parses");
        let d = Config::default();
        assert_eq!(parsed.listen, d.listen);
        assert_eq!(parsed.data_dir, d.data_dir);
        assert_eq!(parsed.otp_ttl_secs, d.otp_ttl_secs);
        assert_eq!(parsed.max_upload_bytes, d.max_upload_bytes);
        assert_eq!(parsed.ledger_origin, d.ledger_origin);
        assert_eq!(parsed.certificate_issuer, d.certificate_issuer);
        assert_eq!(
            parsed.certificate_key_rotations,
            d.certificate_key_rotations
        );
        assert_eq!(
            parsed.client_code_requests_per_window,
            d.client_code_requests_per_window
        );
        assert_eq!(
            parsed.client_sign_in_attempts_per_window,
            d.client_sign_in_attempts_per_window
        );
        assert_eq!(
            parsed.client_officer_attempts_per_window,
            d.client_officer_attempts_per_window
        );
        assert_eq!(parsed.client_window_secs, d.client_window_secs);
        assert_eq!(parsed.trusted_proxies, d.trusted_proxies);
        assert_eq!(
            parsed.client_limits().expect("default limits"),
            ClientLimitOptions::default()
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure type, not ours
    fn trusted_proxies_are_read_and_a_bad_one_is_a_clear_error() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "diwan.toml",
                r#"
                trusted_proxies = ["10.0.0.0/8", "192.0.2.10", "2001:db8::/32"]
                client_code_requests_per_window = 5
                client_officer_attempts_per_window = 7
                "#,
            )?;
            let config = Config::load(Some(Path::new("diwan.toml"))).expect("loads");
            let limits = config.client_limits().expect("valid proxies");
            assert_eq!(limits.code_requests_per_window, 5);
            assert_eq!(limits.officer_attempts_per_window, 7);
            assert_eq!(limits.sign_in_attempts_per_window, 60);
            let read: Vec<String> = limits
                .trusted_proxies
                .iter()
                .map(|n| n.to_string())
                .collect();
            assert_eq!(read, ["10.0.0.0/8", "192.0.2.10/32", "2001:db8::/32"]);

            jail.set_env("DIWAN_TRUSTED_PROXIES", r#"["10.0.0.0/33"]"#);
            let config = Config::load(Some(Path::new("diwan.toml"))).expect("loads");
            let error = config.client_limits().expect_err("a prefix past 32");
            assert!(
                error.to_string().contains("trusted_proxies")
                    && error.to_string().contains("10.0.0.0/33"),
                "{error}"
            );

            jail.set_env("DIWAN_TRUSTED_PROXIES", "[]");
            jail.set_env("DIWAN_CLIENT_WINDOW_SECS", "0");
            let config = Config::load(Some(Path::new("diwan.toml"))).expect("loads");
            assert!(config.client_limits().is_err(), "a window of nothing");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure type, not ours
    fn the_test_suites_variable_is_not_configuration() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DIWAN_TEST_DATABASE_URL", "postgres://x@127.0.0.1/y");
            jail.set_env("DIWAN_TEST_REQUIRE_PDFTOTEXT", "1");
            jail.set_env("DIWAN_LISTEN", "127.0.0.1:9");
            let config = Config::load(None).expect("loads");
            assert_eq!(config.listen, "127.0.0.1:9");
            jail.set_env("DIWAN_LISTNE", "typo");
            assert!(
                Config::load(None).is_err(),
                "a misspelt variable is refused"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused() {
        let r: Result<Config, _> = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string("listne = \"0.0.0.0:1\""))
            .extract();
        assert!(r.is_err());
    }
}
