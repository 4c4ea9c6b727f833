//! What every handler shares: the store, the checked catalogue, the country's rules, the
//! SMS channel, the clock and the settings. Built once at start-up by the binary.

use std::sync::Arc;

use diwan_domain::country::CountryRules;
use diwan_domain::service::Catalog;
use diwan_store::Store;

use crate::sms::SmsChannel;

/// The edge's clock. A trait so tests can move time (code expiry) without sleeping.
pub trait Clock: Send + Sync + 'static {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the server is the edge that reads the clock
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Limits and lifetimes of the API.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Keys the hashes of one-time codes, so a database copy does not reveal live codes.
    pub secret: Secret,
    pub otp_ttl_secs: i64,
    /// A citizen unknown to Diwan may register their mobile at first sign-in. For pilots and
    /// demos only: in production the number on record comes from the civil registry.
    pub self_enrolment: bool,
    pub otp_max_attempts: u32,
    /// At most this many codes per national ID per window.
    pub otp_sends_per_window: u32,
    pub otp_window_secs: i64,
    /// At most this many codes per national ID per day: with `otp_max_attempts` tries each,
    /// this bounds how many guesses anyone gets at one citizen's codes in a day.
    pub otp_sends_per_day: u32,
    /// Per mobile number (one may be registered for a whole family), per window and per day:
    /// a number cannot be flooded with texts by cycling national IDs.
    pub otp_phone_sends_per_window: u32,
    pub otp_phone_sends_per_day: u32,
    pub session_ttl_secs: i64,
    /// Officer sign-in: failed attempts per username per window before refusing.
    pub login_failures_per_window: u32,
    pub login_window_secs: i64,
    pub max_json_bytes: usize,
    pub max_upload_bytes: usize,
    /// How long a node may reuse a session it looked up (0: never). A session ended on
    /// another node stays usable here for at most this long.
    pub session_cache_ms: i64,
    /// Cookies without `Secure` for requests to a loopback address: a developer's machine or
    /// a test over plain HTTP. Off by default: behind a reverse proxy on the same machine
    /// every request looks like loopback, and a session must never travel without TLS.
    pub plain_http_cookies_on_loopback: bool,
    /// Texts this node may send per minute, all citizens together (a cap on SMS costs).
    pub sms_per_minute: u32,
    /// Per client (an IPv4 address or an IPv6 /64, see `client_addr`) and per node: sign-in
    /// code requests per `client_window_secs`, whatever the national IDs and numbers named,
    /// so one client cannot probe who is registered or spend many citizens' daily codes.
    pub client_code_requests_per_window: u32,
    /// Per client and per node: citizens' code checks per `client_window_secs`, so one
    /// client cannot guess across many citizens' codes. A right code gives its attempt back.
    pub client_sign_in_attempts_per_window: u32,
    /// Per client and per node: officers' password attempts per `client_window_secs`, a
    /// budget of their own so citizens on an office's shared address cannot lock officers
    /// out (nor officers citizens). A right password gives its attempt back.
    pub client_officer_attempts_per_window: u32,
    pub client_window_secs: i64,
    /// Reverse proxies and load balancers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl ServerSettings {
    pub fn with_secret(secret: Vec<u8>) -> Self {
        let client = crate::limits::ClientLimitOptions::default();
        ServerSettings {
            secret: Secret(secret),
            otp_ttl_secs: 300,
            self_enrolment: false,
            otp_max_attempts: 5,
            otp_sends_per_window: 3,
            otp_window_secs: 900,
            otp_sends_per_day: 10,
            otp_phone_sends_per_window: 10,
            otp_phone_sends_per_day: 30,
            session_ttl_secs: 12 * 3600,
            login_failures_per_window: 10,
            login_window_secs: 900,
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 10 * 1024 * 1024,
            session_cache_ms: 2_000,
            plain_http_cookies_on_loopback: false,
            sms_per_minute: 600,
            client_code_requests_per_window: client.code_requests_per_window,
            client_sign_in_attempts_per_window: client.sign_in_attempts_per_window,
            client_officer_attempts_per_window: client.officer_attempts_per_window,
            client_window_secs: client.window_secs,
            trusted_proxies: client.trusted_proxies,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<Catalog>,
    /// The catalogue's search index, built once at start-up.
    pub search: Arc<diwan_search::SearchIndex>,
    pub country: Arc<CountryRules>,
    /// The country's time zone, resolved once: what "today" and every shown time mean.
    pub time_zone: jiff::tz::TimeZone,
    pub sms: Arc<dyn SmsChannel>,
    /// What is left of this node's SMS budget (`sms_per_minute`).
    pub sms_budget: Arc<crate::sms::SmsBudget>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<ServerSettings>,
    pub login_limiter: Arc<crate::auth::LoginLimiter>,
    /// This node's per-client sign-in budgets (`client_*` settings).
    pub client_windows: Arc<crate::limits::ClientWindows>,
    /// Sessions confirmed by the store in the last moments (`session_cache_ms`).
    pub sessions: Arc<crate::auth::SessionCache>,
    /// Keys for the ledger and certificates, derived from the deployment secret.
    pub trust: Arc<crate::trust::Trust>,
    /// This node's request metrics (recording starts when the metrics listener is served).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Today's date where the citizens are, for validation rules such as "not in the
    /// future" (just after midnight in Cairo it is still yesterday in UTC).
    pub fn today(&self) -> time::Date {
        let local = local(&self.time_zone, self.now_ms());
        local
            .and_then(|t| {
                let month = time::Month::try_from(u8::try_from(t.month()).ok()?).ok()?;
                time::Date::from_calendar_date(
                    i32::from(t.year()),
                    month,
                    u8::try_from(t.day()).ok()?,
                )
                .ok()
            })
            .unwrap_or(time::Date::MIN)
    }
}

/// A moment (Unix milliseconds) as the wall-clock date and time in `zone`.
pub fn local(zone: &jiff::tz::TimeZone, ms: i64) -> Option<jiff::civil::DateTime> {
    let moment = jiff::Timestamp::from_millisecond(ms).ok()?;
    Some(zone.to_datetime(moment))
}
