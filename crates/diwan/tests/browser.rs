//! The portal end to end in a real browser: headless Chromium driven through chromedriver.
//! A citizen signs in with the code from the SMS outbox, applies for a birth certificate
//! with an upload (meeting an Arabic validation error beside the right field first), a clerk
//! and a manager take it to approved in the back office, the citizen downloads the
//! certificate and switches to English.
//!
//! The driver is fantoccini (WebDriver over plain HTTP, no TLS features), not chromiumoxide:
//! measured cold on this kind of machine, fantoccini's tree built in about 4 minutes and
//! 400 MB, chromiumoxide's in about 6 minutes and 700 MB (its generated DevTools protocol
//! crate dominates), and most of fantoccini's dependencies (hyper, tokio, serde) are already
//! in the workspace. Both drive Debian's `chromium` and `chromium-driver` packages.
//!
//! Without a browser the test says SKIPPED loudly and passes, unless
//! `DIWAN_TEST_REQUIRE_BROWSER=1` (CI) makes it fail. With `DIWAN_SCREENSHOTS=<folder>` it
//! saves screenshots of the main pages there (`docs/screenshots/` in the README).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diwan_server::startup::{NodeOptions, build_state, serve};
use diwan_store::Store;
use diwan_store::sqlite::{SqliteOptions, SqliteStore};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const NID: &str = "29001011234567";
const PHONE: &str = "01012345678";
const AGENCY: &str = "moi_civil_status";
const OFFICER_PASSWORD: &str = "browser-test-password";
/// How long any one page may take to show what the test waits for.
const PATIENCE: Duration = Duration::from_secs(15);

fn repo_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .expect("repository root")
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn browser_required() -> bool {
    std::env::var("DIWAN_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// No browser here: fail where one is required (CI), otherwise say so loudly and pass.
fn skip(why: &str) {
    assert!(
        !browser_required(),
        "DIWAN_TEST_REQUIRE_BROWSER=1 but the browser test cannot run: {why}"
    );
    eprintln!("\n*** SKIPPED: browser test ({why}); install chromium and chromium-driver ***\n");
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(program: &Path, log: &Path) -> Driver {
    let port = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("driver log"))
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    // Ready when it accepts connections.
    let deadline = Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    driver
}

/// A node on port 0 with the Egyptian catalogue, self-enrolment, and a clerk and a manager
/// of the civil status agency.
async fn start_node(data: &Path) -> String {
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&data.join("diwan.db"), SqliteOptions::default())
            .await
            .expect("open the store"),
    );
    let hash = diwan_server::crypto::hash_password(OFFICER_PASSWORD).expect("hash");
    for role in ["clerk", "manager"] {
        store
            .create_officer(diwan_store::NewOfficer {
                id: format!("officer-{role}"),
                username: format!("{AGENCY}.{role}"),
                display_name: role.to_owned(),
                agency: AGENCY.to_owned(),
                roles: vec![role.to_owned()],
                password_hash: hash.clone(),
                at: 0,
            })
            .await
            .expect("create officer");
    }
    let options = NodeOptions {
        data_dir: data.to_path_buf(),
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
    };
    let state = build_state(store, &options).await.expect("build the node");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

/// The element was found on a page that has since been replaced.
fn stale(error: &fantoccini::error::CmdError) -> bool {
    matches!(
        error,
        fantoccini::error::CmdError::Standard(e)
            if e.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}

/// The browser and the node it talks to.
struct Session {
    client: Client,
    base: String,
    data: PathBuf,
    shots: Option<PathBuf>,
}

impl Session {
    async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Waits for an element of the next page.
    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
    }

    /// Clicks `css`. The element found may belong to the page being left (a form just
    /// submitted has the same button as the page it leads to): if the page changes under
    /// the click, the element is found again on the new one.
    async fn click(&self, css: &str) {
        for _ in 0..50 {
            match self.wait(css).await.click().await {
                Ok(()) => return,
                Err(e) if stale(&e) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => panic!("click {css}: {e}"),
            }
        }
        panic!("click {css}: the page kept changing");
    }

    async fn type_in(&self, css: &str, text: &str) {
        for _ in 0..50 {
            let field = self.wait(css).await;
            match field.clear().await {
                Ok(()) => {}
                Err(e) if stale(&e) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                Err(e) => panic!("clear {css}: {e}"),
            }
            match field.send_keys(text).await {
                Ok(()) => return,
                Err(e) if stale(&e) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => panic!("type into {css}: {e}"),
            }
        }
        panic!("type into {css}: the page kept changing");
    }

    async fn text(&self, css: &str) -> String {
        for _ in 0..50 {
            match self.wait(css).await.text().await {
                Ok(text) => return text,
                Err(e) if stale(&e) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => panic!("text of {css}: {e}"),
            }
        }
        panic!("text of {css}: the page kept changing");
    }

    async fn html_attr(&self, name: &str) -> String {
        for _ in 0..50 {
            match self.wait("html").await.attr(name).await {
                Ok(value) => return value.unwrap_or_default(),
                Err(e) if stale(&e) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => panic!("attribute {name}: {e}"),
            }
        }
        panic!("attribute {name}: the page kept changing");
    }

    async fn shot(&self, name: &str) {
        if let Some(dir) = &self.shots {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
        }
    }

    /// The last sign-in code the demo SMS channel wrote.
    fn last_code(&self) -> String {
        let outbox = std::fs::read_to_string(self.data.join("outbox/sms.jsonl")).expect("outbox");
        let line = outbox.lines().last().expect("a message");
        let message: Value = serde_json::from_str(line).expect("JSON line");
        let text = message["text"].as_str().expect("text");
        let digits: Vec<char> = text.chars().collect();
        digits
            .windows(6)
            .find(|w| w.iter().all(|c| c.is_ascii_digit()))
            .map(|w| w.iter().collect())
            .expect("a six-digit code")
    }

    async fn citizen_signs_in(&self) {
        self.go("/sign-in").await;
        self.type_in("#national_id", NID).await;
        self.type_in("#phone", PHONE).await;
        self.click("#send-code").await;
        self.wait("#code").await;
        let code = self.last_code();
        self.type_in("#code", &code).await;
        self.click("#check-code").await;
    }

    async fn officer_signs_in(&self, role: &str) {
        self.go("/office/sign-in").await;
        self.type_in("#username", &format!("{AGENCY}.{role}")).await;
        self.type_in("#password", OFFICER_PASSWORD).await;
        self.click("#office-sign-in").await;
        self.wait("form.filter-row").await;
    }

    /// Signs out and waits for the page that follows (`then`).
    async fn sign_out(&self, then: &str) {
        self.click("form[action='/sign-out'] button").await;
        self.wait(then).await;
    }

    /// Opens the application from the queue and records `action`.
    async fn officer_acts(&self, reference: &str, action: &str, shot: Option<&str>) {
        self.go("/office").await;
        self.click("#queue a").await;
        assert_eq!(self.text("#reference").await, reference);
        if let Some(name) = shot {
            self.shot(name).await;
        }
        self.click(&format!("#action-{action}")).await;
        self.click("#act").await;
        let done = self.text("#done").await;
        assert!(done.contains(reference), "{done}");
    }
}

fn has_arabic_letters(s: &str) -> bool {
    s.chars().any(|c| ('\u{0621}'..='\u{064A}').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_applies_and_officers_approve_in_a_real_browser() {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        return skip("no chromium");
    };
    let Some(chromedriver) = find_program(&["chromedriver"]) else {
        return skip("no chromedriver");
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temporary folder");
    let data = dir.path().join("data");
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(&profile).expect("profile folder");
    std::fs::create_dir_all(&data).expect("data folder");
    let base = start_node(&data).await;
    let driver = start_driver(&chromedriver, &dir.path().join("chromedriver.log")).await;

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1100,900",
            ],
        }),
    );
    let client = match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
    {
        Ok(client) => client,
        Err(e) => return skip(&format!("chromium did not start: {e}")),
    };
    let shots = std::env::var_os("DIWAN_SCREENSHOTS").map(PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).expect("screenshot folder");
    }
    let s = Session {
        client,
        base,
        data,
        shots,
    };

    // Arabic by default, right to left.
    s.go("/").await;
    assert_eq!(s.html_attr("lang").await, "ar");
    assert_eq!(s.html_attr("dir").await, "rtl");
    s.shot("home-ar").await;

    // Sign in with the code from the outbox; the home page lists the (no) applications.
    s.citizen_signs_in().await;
    s.wait("a[href='/access-log']").await;

    // Find the service by searching in Arabic, read its page, start.
    s.go("/services").await;
    s.shot("catalogue-ar").await;
    // A first driving licence is not a Diwan service: the page says where it is done.
    s.type_in("#q", "عايز اطلع رخصة سواقة لأول مرة").await;
    s.click("form.search button").await;
    let elsewhere = s.text(".results .notice").await;
    assert!(
        elsewhere.contains("ليست على ديوان") && elsewhere.contains("وحدة المرور"),
        "{elsewhere}"
    );
    s.shot("search-elsewhere-ar").await;
    s.go("/services").await;
    s.type_in("#q", "شهادة ميلاد").await;
    s.click("form.search button").await;
    s.click("a[href='/services/birth_certificate']").await;
    s.wait("#start").await;
    s.shot("service-ar").await;
    s.click("#start").await;

    // The form with a national ID that is not one: the Arabic message sits beside that field.
    let pdf = dir.path().join("id-card.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% Diwan browser test\n").expect("write the PDF");
    s.type_in("#holder_national_id", "123").await;
    s.type_in("#holder_name", "محمد أحمد علي حسن").await;
    s.type_in("#mother_name", "فاطمة محمود").await;
    s.click("#relationship-self").await;
    s.type_in("#copies", "٢").await;
    s.type_in("#contact_phone", PHONE).await;
    s.wait("#applicant_id_card")
        .await
        .send_keys(&pdf.display().to_string())
        .await
        .expect("choose the file");
    s.click("#submit-application").await;
    let message = s.text(".has-error #holder_national_id-error").await;
    assert!(has_arabic_letters(&message), "{message}");
    assert!(
        s.client
            .find(Locator::Css(".has-error #holder_national_id"))
            .await
            .is_ok(),
        "the error is beside the national ID field"
    );
    // The same message is summarised at the top (without the hidden "Error:" prefix).
    let summary = s.text(".error-summary").await;
    let bare = message.trim_start_matches("خطأ:").trim();
    assert!(
        bare.contains("الرقم القومي") && summary.contains(bare),
        "{summary}"
    );
    // The file already sent is kept: the citizen does not choose it again.
    assert!(
        s.text("#applicant_id_card-kept")
            .await
            .contains("id-card.pdf")
    );
    s.shot("apply-error-ar").await;

    // Corrected (in Eastern Arabic digits), sent: the confirmation shows the reference.
    s.type_in("#holder_national_id", "٢٩٠٠١٠١٠١١٢٣٤٥").await;
    s.click("#submit-application").await;
    s.wait("#confirmation").await;
    let reference = s.text("#reference").await;
    assert!(reference.starts_with("BC-"), "{reference}");
    s.shot("confirmation-ar").await;
    s.sign_out("#sign-in").await;

    // The clerk reviews and recommends; the manager approves.
    s.officer_signs_in("clerk").await;
    s.shot("office-queue-ar").await;
    s.officer_acts(&reference, "start_review", Some("office-application-ar"))
        .await;
    s.officer_acts(&reference, "recommend", None).await;
    s.sign_out("#office-sign-in").await;
    s.officer_signs_in("manager").await;
    s.officer_acts(&reference, "approve", None).await;
    s.sign_out("#office-sign-in").await;

    // The citizen sees the approval and downloads the certificate with the cookie session.
    s.citizen_signs_in().await;
    s.click("a[href^='/applications/']").await;
    let href = s
        .wait("#certificate")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("a link");
    s.shot("status-ar").await;
    let session = s
        .client
        .get_all_cookies()
        .await
        .expect("cookies")
        .into_iter()
        .find(|c| c.name() == "diwan_session")
        .expect("the session cookie");
    let pdf = reqwest::Client::new()
        .get(format!("{}{href}", s.base))
        .header("cookie", format!("diwan_session={}", session.value()))
        .send()
        .await
        .expect("download");
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF-"));
    // Without the session the same address gives nothing.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}{href}", s.base))
        .send()
        .await
        .expect("answer");
    assert_ne!(anonymous.status(), 200);

    // The clerk's and the manager's reads are listed for the citizen.
    s.go("/access-log").await;
    assert!(s.text("table tbody").await.contains(&reference));
    s.shot("access-log-ar").await;

    // The English switch: left to right, and remembered on the next page.
    s.go(&href.replace("/certificate.pdf", "")).await;
    s.click("a.lang").await;
    s.wait("html[lang='en'][dir='ltr']").await;
    assert!(s.text("h1").await.contains("Application"));
    s.shot("status-en").await;
    s.go("/services/birth_certificate").await;
    assert_eq!(s.html_attr("lang").await, "en");
    assert!(s.text("#start").await.contains("Start now"));
    s.shot("service-en").await;

    // Phone width: the same pages in one column.
    s.client.set_window_size(360, 800).await.expect("resize");
    s.shot("service-en-phone").await;
    s.go("/?lang=ar").await;
    s.wait("html[lang='ar']").await;
    s.shot("home-ar-phone").await;
    s.go(&href.replace("/certificate.pdf", "")).await;
    s.wait("#certificate").await;
    s.shot("status-ar-phone").await;
    s.go("/services/birth_certificate/apply").await;
    s.wait("#holder_national_id").await;
    s.shot("apply-ar-phone").await;

    s.client.close().await.expect("close the browser");
    drop(driver);
    eprintln!("browser scenario took {:?}", started.elapsed());
}

/// Without a browser: the portal's pages carry the security headers, and a form posted
/// without this browser's CSRF token (as from another site) is refused and does nothing.
#[tokio::test]
async fn pages_refuse_forms_without_their_token() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let base = start_node(&data).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let page = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("cookie").to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .all(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")),
        "{cookies:?}"
    );
    let body = page.text().await.expect("body");
    assert!(body.contains(r#"<html lang="ar" dir="rtl">"#));

    // Another site's form: a right ID and number, no token. No code is sent.
    let forged = client
        .post(format!("{base}/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("national_id={NID}&phone={PHONE}&csrf=00"))
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), 403);
    assert!(!data.join("outbox/sms.jsonl").exists(), "no code was sent");

    // The officer pages send a visitor without a session to sign in.
    let office = client
        .get(format!("{base}/office"))
        .send()
        .await
        .expect("answer");
    assert_eq!(office.status(), 303);
    assert_eq!(office.headers()["location"], "/office/sign-in");
}
