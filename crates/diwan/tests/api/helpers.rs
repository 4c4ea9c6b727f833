//! `spawn_app()`: a whole node on `127.0.0.1:0` with a fresh store and a clock the test moves
//! by hand, plus the few steps most tests share (sign in, upload, apply) and one assertion for
//! every problem+json answer.
//!
//! The store is the test binary's [`Backend`] (`crate::BACKEND`): a SQLite file in the node's
//! temporary folder, or a fresh PostgreSQL database on the server named by
//! `DIWAN_TEST_DATABASE_URL`, dropped with the node. Without that variable the PostgreSQL
//! binary's nodes are not started ([`spawn_app`] returns `None`), so its tests pass after one
//! loud SKIPPED line.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use diwan_server::Clock;
use diwan_server::startup::{DemoCredential, NodeOptions, build_state_with_clock, serve};
use diwan_store::Store;
use diwan_store::postgres::testing::{DATABASE_URL_VAR, TestDatabase};
use diwan_store::postgres::{PostgresOptions, PostgresStore};
use diwan_store::sqlite::{SqliteOptions, SqliteStore};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Semaphore, SemaphorePermit};

/// 2026-01-15T09:00:00Z in Unix milliseconds: every node starts at this time.
pub const T0: i64 = 1_768_467_600_000;

/// Citizen A: born 1990-01-01, and citizen B: born 2000-05-15 in Giza.
pub const NID_A: &str = "29001011234567";
pub const PHONE_A: &str = "01012345678";
pub const NID_B: &str = "30005152101234";
pub const PHONE_B: &str = "01198765432";

/// The agency owning `birth_certificate`, and one that does not.
pub const CIVIL_STATUS: &str = "moi_civil_status";
pub const PASSPORTS: &str = "moi_passports";

/// A clock that stands still until a test moves it.
pub struct TestClock(AtomicI64);

impl TestClock {
    /// A clock standing at [`T0`].
    pub fn at_t0() -> TestClock {
        TestClock(AtomicI64::new(T0))
    }

    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The store a test binary's nodes run on; its `main.rs` sets `crate::BACKEND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "each test binary constructs one of them")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Connections in each PostgreSQL node's pool. Tests run side by side (one per CPU) and the
/// server allows 100 connections in all.
pub const POSTGRES_POOL_SIZE: usize = 4;

/// The most PostgreSQL nodes alive at once in one test process, whatever the number of test
/// threads: with [`POSTGRES_POOL_SIZE`], at most 64 connections.
static POSTGRES_NODES: Semaphore = Semaphore::const_new(16);

/// A node's store and what must live as long as it: its PostgreSQL database (dropped, with
/// every connection to it, after the test) and its place among the PostgreSQL nodes.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    _database: Option<TestDatabase>,
    _slot: Option<SemaphorePermit<'static>>,
}

/// A fresh, empty store of this binary's backend (a SQLite file in `data_dir`); `None` when
/// the backend is PostgreSQL and no test server is configured.
pub async fn open_store(data_dir: &Path) -> Option<TestStore> {
    match crate::BACKEND {
        Backend::Sqlite => {
            let store = SqliteStore::open(&data_dir.join("diwan.db"), SqliteOptions::default())
                .await
                .expect("open the SQLite store");
            Some(TestStore {
                store: Arc::new(store),
                _database: None,
                _slot: None,
            })
        }
        Backend::Postgres => {
            if std::env::var(DATABASE_URL_VAR).is_ok_and(|url| !url.trim().is_empty()) {
                let slot = POSTGRES_NODES
                    .acquire()
                    .await
                    .expect("the semaphore is open");
                let database = TestDatabase::create()
                    .await
                    .expect("create a test database")
                    .expect("the test server is configured");
                let options = PostgresOptions {
                    pool_size: POSTGRES_POOL_SIZE,
                };
                let store = PostgresStore::connect(database.url(), options)
                    .await
                    .expect("connect to the test database");
                Some(TestStore {
                    store: Arc::new(store),
                    _database: Some(database),
                    _slot: Some(slot),
                })
            } else {
                postgres_skipped();
                None
            }
        }
    }
}

/// Says once per process, past the test harness's output capture, that the PostgreSQL half
/// did not run.
fn postgres_skipped() {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: PostgreSQL API tests ({DATABASE_URL_VAR} not set) ***\n"
        );
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The node's store, to create officers without demo mode's 38 Argon2id hashes.
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    pub clock: Arc<TestClock>,
    pub data_dir: PathBuf,
    /// Dropped after the fields above; the server task may outlive it (a PostgreSQL database
    /// is dropped with its connections).
    _store: TestStore,
    _dir: TempDir,
}

fn repo_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

/// A node with the Egyptian catalogue and the default limits, or `None` when this binary's
/// backend is not available (PostgreSQL without a test server): start each test with
/// `let Some(app) = spawn_app().await else { return };`. Officers are created on first
/// sign-in by [`TestApp::officer_token`]; tests of demo mode itself use [`spawn_demo_app`].
pub async fn spawn_app() -> Option<TestApp> {
    spawn_app_with(|_| {}).await
}

/// A node in demo mode: a clerk and a manager per agency, passwords in demo-credentials.json.
pub async fn spawn_demo_app() -> Option<TestApp> {
    spawn_app_with(|o| o.demo = true).await
}

/// The password of officers created by [`TestApp::officer_token`], and its Argon2id hash,
/// computed once per test binary.
pub const TEST_OFFICER_PASSWORD: &str = "test-officer-password";

fn test_officer_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| diwan_server::crypto::hash_password(TEST_OFFICER_PASSWORD).expect("hash"))
}

/// The options of every test node: the Egyptian catalogue and rules, self-enrolment, a fixed
/// secret, the default limits.
pub fn node_options(data_dir: &Path) -> NodeOptions {
    NodeOptions {
        data_dir: data_dir.to_path_buf(),
        catalog_dir: repo_root().join("catalog/eg"),
        country_file: repo_root().join("countries/eg.toml"),
        demo: false,
        self_enrolment: true,
        secret: Some(vec![7; 32]),
        otp_ttl_secs: 300,
        session_ttl_secs: 3600,
        max_upload_bytes: 10 * 1024 * 1024,
        trust: Default::default(),
        plain_http_cookies_on_loopback: true,
        client_limits: Default::default(),
    }
}

/// Like [`spawn_app`], with the options changed by `tweak` first.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut NodeOptions)) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data_dir = dir.path().to_path_buf();
    let test_store = open_store(&data_dir).await?;
    let store = Arc::clone(&test_store.store);
    let mut options = node_options(&data_dir);
    tweak(&mut options);
    let clock = Arc::new(TestClock::at_t0());
    let state = build_state_with_clock(Arc::clone(&store), &options, clock.clone())
        .await
        .expect("build the node");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener, state, std::future::pending()));
    Some(TestApp {
        base: format!("http://{addr}"),
        store,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        clock,
        data_dir,
        _store: test_store,
        _dir: dir,
    })
}

/// `+20…` for a local Egyptian mobile number such as `010…`.
pub fn e164(local: &str) -> String {
    format!("+20{}", local.trim_start_matches('0'))
}

/// ASCII digits written as Eastern Arabic digits (٠١٢٣٤٥٦٧٨٩).
pub fn eastern_arabic(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).expect("an Arabic-Indic digit"),
            None => c,
        })
        .collect()
}

pub fn has_arabic_letters(s: &str) -> bool {
    s.chars().any(|c| ('\u{0621}'..='\u{064A}').contains(&c))
}

impl TestApp {
    /// The URL of an API path such as `/services`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.api(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("GET is answered")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.api(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("POST is answered")
    }

    /// `GET` that must succeed, as JSON.
    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        let response = self.get(path, Some(token)).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("a JSON body")
    }

    pub async fn request_code(&self, national_id: &str, phone: &str) -> Response {
        self.post_json(
            "/auth/citizen/otp",
            None,
            &json!({ "national_id": national_id, "phone": phone }),
        )
        .await
    }

    pub async fn verify(&self, national_id: &str, code: &str) -> Response {
        self.post_json(
            "/auth/citizen/verify",
            None,
            &json!({ "national_id": national_id, "code": code }),
        )
        .await
    }

    /// Every line of the SMS outbox, oldest first.
    pub fn outbox(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.data_dir.join("outbox").join("sms.jsonl"))
            .unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("each outbox line is JSON"))
            .collect()
    }

    /// The code in the last text message sent to `to` (international form).
    pub fn last_code_to(&self, to: &str) -> String {
        let message = self
            .outbox()
            .into_iter()
            .rev()
            .find(|m| m["to"] == to)
            .unwrap_or_else(|| panic!("no text message to {to}"));
        code_in(message["text"].as_str().expect("text is a string"))
    }

    /// Signs a citizen in with a code read from the outbox; returns the bearer token.
    pub async fn citizen_token(&self, national_id: &str, phone: &str) -> String {
        let sent = self.request_code(national_id, phone).await;
        assert_eq!(
            sent.status(),
            StatusCode::ACCEPTED,
            "code request: {}",
            sent.text().await.unwrap_or_default()
        );
        let code = self.last_code_to(&e164(phone));
        let verified = self.verify(national_id, &code).await;
        assert_eq!(
            verified.status(),
            StatusCode::OK,
            "verify: {}",
            verified.text().await.unwrap_or_default()
        );
        let body: Value = verified.json().await.expect("token JSON");
        body["token"].as_str().expect("a token").to_string()
    }

    pub fn demo_credentials(&self) -> Vec<DemoCredential> {
        let bytes = std::fs::read(self.data_dir.join("demo-credentials.json"))
            .expect("demo-credentials.json");
        serde_json::from_slice(&bytes).expect("demo credentials parse")
    }

    pub fn demo_password(&self, username: &str) -> String {
        self.demo_credentials()
            .into_iter()
            .find(|c| c.username == username)
            .unwrap_or_else(|| panic!("no demo account {username}"))
            .password
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/auth/officer/login",
            None,
            &json!({ "username": username, "password": password }),
        )
        .await
    }

    /// Signs in the `clerk` or `manager` of `agency` (the demo account in demo mode,
    /// otherwise one created now with [`TEST_OFFICER_PASSWORD`]); returns the bearer token.
    pub async fn officer_token(&self, agency: &str, role: &str) -> String {
        let username = format!("{agency}.{role}");
        let password = if self.data_dir.join("demo-credentials.json").exists() {
            self.demo_password(&username)
        } else {
            if self.store.find_officer(&username).await.is_err() {
                self.store
                    .create_officer(diwan_store::NewOfficer {
                        id: format!("officer-{username}"),
                        username: username.clone(),
                        display_name: username.clone(),
                        agency: agency.to_string(),
                        roles: vec![role.to_string()],
                        password_hash: test_officer_hash().to_string(),
                        at: T0,
                    })
                    .await
                    .expect("create officer");
            }
            TEST_OFFICER_PASSWORD.to_string()
        };
        let response = self.login(&username, &password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let body: Value = response.json().await.expect("token JSON");
        body["token"].as_str().expect("a token").to_string()
    }

    /// Uploads `bytes` in the multipart field `file`.
    pub async fn upload(&self, token: &str, filename: &str, bytes: Vec<u8>) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.client
            .post(self.api("/uploads"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload is answered")
    }

    /// Uploads a small PDF; returns its upload id.
    pub async fn upload_pdf(&self, token: &str) -> String {
        let response = self.upload(token, "id-card.pdf", pdf_bytes()).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "upload: {}",
            response.text().await.unwrap_or_default()
        );
        let body: Value = response.json().await.expect("upload JSON");
        assert_eq!(body["content_type"], "application/pdf");
        body["id"].as_str().expect("an upload id").to_string()
    }

    /// `POST /applications` with an optional `Idempotency-Key`.
    pub async fn apply(
        &self,
        token: &str,
        idempotency_key: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut request = self
            .client
            .post(self.api("/applications"))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("apply is answered")
    }

    /// Uploads an ID card and applies for a birth certificate; asserts `201`, returns the
    /// application.
    pub async fn apply_birth_certificate(&self, token: &str, idempotency_key: &str) -> Value {
        let upload = self.upload_pdf(token).await;
        let response = self
            .apply(
                token,
                Some(idempotency_key),
                &birth_certificate_request(&upload),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "apply: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("application JSON")
    }

    /// `POST /applications/{id}/actions`.
    pub async fn act(
        &self,
        token: &str,
        id: &str,
        action: &str,
        expected_version: i64,
        comment: Option<&str>,
    ) -> Response {
        let mut body = json!({ "action": action, "expected_version": expected_version });
        if let Some(comment) = comment {
            body["comment"] = json!(comment);
        }
        self.post_json(&format!("/applications/{id}/actions"), Some(token), &body)
            .await
    }

    /// An action that must succeed; returns the updated application.
    pub async fn act_ok(
        &self,
        token: &str,
        id: &str,
        action: &str,
        expected_version: i64,
        comment: Option<&str>,
    ) -> Value {
        let response = self.act(token, id, action, expected_version, comment).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{action}: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("application JSON")
    }
}

/// A minimal valid PDF header and body.
pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// The six-digit code in a sign-in text message.
pub fn code_in(text: &str) -> String {
    let runs: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect();
    let code = runs
        .first()
        .unwrap_or_else(|| panic!("no code in {text:?}"));
    assert_eq!(code.len(), 6, "the code is six digits: {text:?}");
    assert!(
        runs.iter().all(|r| r == code),
        "one code, repeated in both languages: {text:?}"
    );
    code.to_string()
}

/// The form of a valid birth-certificate application.
pub fn birth_certificate_data(upload_id: &str) -> Value {
    json!({
        "holder_national_id": NID_A,
        "holder_name": "محمد أحمد علي حسن",
        "mother_name": "فاطمة محمود",
        "relationship": "self",
        "copies": 2,
        "delivery_by_post": false,
        "contact_phone": PHONE_A,
        "applicant_id_card": upload_id,
    })
}

pub fn birth_certificate_request(upload_id: &str) -> Value {
    json!({ "service_id": "birth_certificate", "data": birth_certificate_data(upload_id) })
}

/// Asserts a problem+json answer (RFC 9457 plus Diwan's fields) with this status and code;
/// returns its body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    let url = response.url().clone();
    let actual = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = response.text().await.expect("a body");
    let context = format!("{} {url}: {text}", actual.as_u16());
    assert_eq!(actual, status, "status, expected {code}; {context}");
    assert_eq!(
        content_type, "application/problem+json",
        "content type; {context}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("problem is JSON ({e}); {context}"));
    assert_eq!(body["code"], code, "code; {context}");
    assert_eq!(body["status"], status.as_u16(), "status field; {context}");
    assert_eq!(
        body["type"],
        format!("urn:diwan:problem:{code}"),
        "type; {context}"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title; {context}"
    );
    assert_eq!(
        body["detail"], body["message_en"],
        "detail (RFC 9457); {context}"
    );
    if code == "validation_failed" {
        assert!(
            body["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "errors listed; {context}"
        );
    }
    let ar = body["message_ar"].as_str().expect("message_ar");
    assert!(has_arabic_letters(ar), "message_ar is Arabic: {ar}");
    let en = body["message_en"].as_str().expect("message_en");
    assert!(
        en.chars().any(|c| c.is_ascii_alphabetic()),
        "message_en is English: {en}"
    );
    if let Some(errors) = body.get("errors") {
        for e in errors.as_array().expect("errors is a list") {
            assert!(
                e["field"].as_str().is_some_and(|f| !f.is_empty()),
                "field of {e}"
            );
            assert!(
                e["code"].as_str().is_some_and(|f| !f.is_empty()),
                "code of {e}"
            );
            assert!(
                e["message_ar"].as_str().is_some_and(has_arabic_letters),
                "message_ar of {e}"
            );
            assert!(
                e["message_en"]
                    .as_str()
                    .is_some_and(|m| m.chars().any(|c| c.is_ascii_alphabetic())),
                "message_en of {e}"
            );
        }
    }
    body
}

/// The `field`s of a validation problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The `code` of the error about `field` in a validation problem.
pub fn error_code<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["code"].as_str())
        .unwrap_or_else(|| panic!("no error for {field} in {problem}"))
}

/// The action ids of an application's `available_actions`.
pub fn actions(application: &Value) -> Vec<String> {
    application["available_actions"]
        .as_array()
        .expect("available_actions is a list")
        .iter()
        .map(|a| a["action"].as_str().expect("action id").to_string())
        .collect()
}

/// `name=value` of every cookie a response sets.
pub fn cookies_set(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect()
}

/// A portal page with a form, fetched with `cookies` (`""` for a new browser): the cookies
/// it sets and the form's CSRF token.
pub async fn portal_form(app: &TestApp, path: &str, cookies: &str) -> (Vec<String>, String) {
    let page = app
        .client
        .get(format!("{}{path}", app.base))
        .header(reqwest::header::COOKIE, cookies)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK, "{path}");
    let set = cookies_set(&page);
    let html = page.text().await.expect("HTML");
    let csrf = html
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the CSRF token")
        .to_owned();
    (set, csrf)
}
