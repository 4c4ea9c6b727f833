//! Prometheus metrics on their own listener: request counts by route template and status, real
//! histograms, applications per service and state, overdue ones once the SLA has passed, and
//! nothing of it on the API's listener.
//!
//! These tests need the node's `AppState` to serve its metrics listener, which `spawn_app()`
//! keeps to itself, so they start their nodes with [`spawn_node`] below (same store, catalogue
//! and options, from the same helpers) and use the shared free helpers for the rest.

use std::path::PathBuf;
use std::sync::Arc;

use diwan_server::startup::{build_state_with_clock, serve, serve_metrics};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    Backend, NID_A, PHONE_A, POSTGRES_POOL_SIZE, TestClock, TestStore, assert_problem,
    birth_certificate_request, code_in, e164, node_options, open_store, pdf_bytes,
};

struct Node {
    /// `http://127.0.0.1:<port>` of the API.
    base: String,
    /// `http://127.0.0.1:<port>` of the metrics listener.
    metrics_base: String,
    client: reqwest::Client,
    clock: Arc<TestClock>,
    data_dir: PathBuf,
    _store: TestStore,
    _dir: TempDir,
}

/// A node like `spawn_app()`'s, plus its metrics listener on another port 0; `None` when this
/// binary's backend is not available.
async fn spawn_node() -> Option<Node> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data_dir = dir.path().to_path_buf();
    let store = open_store(&data_dir).await?;
    let clock = Arc::new(TestClock::at_t0());
    let state = build_state_with_clock(
        Arc::clone(&store.store),
        &node_options(&data_dir),
        clock.clone(),
    )
    .await
    .expect("build the node");
    let api = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let base = format!("http://{}", api.local_addr().expect("local address"));
    let metrics_base = format!("http://{}", metrics.local_addr().expect("local address"));
    tokio::spawn(serve_metrics(
        metrics,
        state.clone(),
        std::future::pending(),
    ));
    tokio::spawn(serve(api, state, std::future::pending()));
    Some(Node {
        base,
        metrics_base,
        client: reqwest::Client::new(),
        clock,
        data_dir,
        _store: store,
        _dir: dir,
    })
}

impl Node {
    fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self.client.post(self.api(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("POST is answered")
    }

    /// Signs citizen A in through the SMS outbox; returns the bearer token.
    async fn citizen_token(&self) -> String {
        let sent = self
            .post_json(
                "/auth/citizen/otp",
                None,
                &json!({ "national_id": NID_A, "phone": PHONE_A }),
            )
            .await;
        assert_eq!(sent.status(), StatusCode::ACCEPTED);
        let outbox = std::fs::read_to_string(self.data_dir.join("outbox").join("sms.jsonl"))
            .expect("the SMS outbox");
        let to = e164(PHONE_A);
        let message: Value = outbox
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("an outbox line is JSON"))
            .rfind(|m| m["to"] == to)
            .expect("a text message to citizen A");
        let code = code_in(message["text"].as_str().expect("text"));
        let verified = self
            .post_json(
                "/auth/citizen/verify",
                None,
                &json!({ "national_id": NID_A, "code": code }),
            )
            .await;
        assert_eq!(verified.status(), StatusCode::OK);
        let body: Value = verified.json().await.expect("token JSON");
        body["token"].as_str().expect("a token").to_owned()
    }

    async fn upload_pdf(&self, token: &str) -> String {
        let part = reqwest::multipart::Part::bytes(pdf_bytes()).file_name("id-card.pdf");
        let response = self
            .client
            .post(self.api("/uploads"))
            .bearer_auth(token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("upload is answered");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("upload JSON");
        body["id"].as_str().expect("an upload id").to_owned()
    }

    /// `GET /metrics` on the metrics listener; asserts the text format.
    async fn scrape(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.metrics_base))
            .send()
            .await
            .expect("scrape is answered");
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        response.text().await.expect("a body")
    }
}

/// The value of the sample whose name and labels are exactly `series`, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

const APPLICATIONS: &str = "/api/v1/applications";

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status_and_timed_in_buckets() {
    let Some(node) = spawn_node().await else {
        return;
    };
    let token = node.citizen_token().await;
    let upload = node.upload_pdf(&token).await;

    let created = node
        .post_json(
            "/applications",
            Some(&token),
            &birth_certificate_request(&upload),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let application: Value = created.json().await.expect("application JSON");
    let id = application["id"].as_str().expect("an id").to_owned();
    for _ in 0..2 {
        let refused = node
            .post_json(
                "/applications",
                Some(&token),
                &json!({ "service_id": "birth_certificate", "data": {} }),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let got = node
        .client
        .get(node.api(&format!("/applications/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET is answered");
    assert_eq!(got.status(), StatusCode::OK);
    let missing = node
        .client
        .get(node.api(&format!("/no-such-thing/{NID_A}")))
        .send()
        .await
        .expect("GET is answered");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let text = node.scrape().await;
    let requests = |method: &str, route: &str, status: u16| {
        sample(
            &text,
            &format!(
                "diwan_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(requests("POST", APPLICATIONS, 201), Some(1.0), "{text}");
    assert_eq!(requests("POST", APPLICATIONS, 422), Some(2.0), "{text}");
    assert_eq!(
        requests("GET", "/api/v1/applications/{id}", 200),
        Some(1.0),
        "{text}"
    );
    assert_eq!(requests("GET", "unmatched", 404), Some(1.0), "{text}");

    // A real histogram: buckets up to +Inf, a count and a sum; no summary quantiles.
    assert!(
        text.contains("# TYPE diwan_http_request_duration_seconds histogram"),
        "{text}"
    );
    let bucket = |le: &str| {
        sample(
            &text,
            &format!(
                "diwan_http_request_duration_seconds_bucket{{method=\"POST\",route=\"{APPLICATIONS}\",le=\"{le}\"}}"
            ),
        )
    };
    assert_eq!(bucket("+Inf"), Some(3.0), "{text}");
    assert!(bucket("0.001").is_some(), "{text}");
    assert!(bucket("10").is_some(), "{text}");
    assert_eq!(
        sample(
            &text,
            &format!(
                "diwan_http_request_duration_seconds_count{{method=\"POST\",route=\"{APPLICATIONS}\"}}"
            ),
        ),
        Some(3.0),
        "{text}"
    );
    assert!(!text.contains("quantile="), "{text}");

    // No request value reaches a label: not the id in the path, the token or a national ID.
    assert!(!text.contains(&id), "{text}");
    assert!(!text.contains(&token), "{text}");
    assert!(!text.contains(NID_A), "{text}");
    assert!(!text.contains("no-such-thing"), "{text}");
    // The scrape itself is not counted: the metrics listener is not the API.
    assert!(!text.contains("route=\"/metrics\""), "{text}");
}

#[tokio::test]
async fn applications_per_state_and_overdue_once_the_sla_has_passed() {
    let Some(node) = spawn_node().await else {
        return;
    };
    let before = node.scrape().await;
    let submitted = "{service=\"birth_certificate\",state=\"submitted\"}";
    assert_eq!(
        sample(&before, &format!("diwan_applications{submitted}")),
        Some(0.0),
        "every state of every service is reported, zero included: {before}"
    );
    assert_eq!(sample(&before, "diwan_store_up"), Some(1.0), "{before}");

    let token = node.citizen_token().await;
    let upload = node.upload_pdf(&token).await;
    let created = node
        .post_json(
            "/applications",
            Some(&token),
            &birth_certificate_request(&upload),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    let text = node.scrape().await;
    assert_eq!(
        sample(&text, &format!("diwan_applications{submitted}")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("diwan_applications_overdue{submitted}")),
        Some(0.0),
        "{text}"
    );
    // Terminal states have no SLA, so no overdue series.
    assert!(
        !text.contains(
            "diwan_applications_overdue{service=\"birth_certificate\",state=\"approved\"}"
        ),
        "{text}"
    );

    // `submitted` has a 24-hour target: exactly 24 hours is not yet overdue, one second more is.
    node.clock.advance_secs(24 * 3600);
    let text = node.scrape().await;
    assert_eq!(
        sample(&text, &format!("diwan_applications_overdue{submitted}")),
        Some(0.0),
        "{text}"
    );
    node.clock.advance_secs(1);
    let text = node.scrape().await;
    assert_eq!(
        sample(&text, &format!("diwan_applications_overdue{submitted}")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("diwan_applications{submitted}")),
        Some(1.0),
        "{text}"
    );

    // The store's own figures. SQLite: its group commits (sign-in, upload and apply each
    // wrote) and its pool of one writer and four readers. PostgreSQL commits each write on its
    // own (the server groups the fsyncs), so it reports no commit batches; its pool is the
    // test's.
    let pool = sample(&text, "diwan_store_pool_connections");
    match crate::BACKEND {
        Backend::Sqlite => {
            let batches = sample(&text, "diwan_store_commit_batches_total").expect("batches");
            let jobs = sample(&text, "diwan_store_commit_jobs_total").expect("jobs");
            assert!(batches >= 1.0 && jobs >= batches, "{text}");
            assert!(
                text.contains("# TYPE diwan_store_commit_batches_total counter"),
                "{text}"
            );
            assert_eq!(pool, Some(5.0), "{text}");
        }
        Backend::Postgres => {
            assert!(!text.contains("diwan_store_commit_"), "{text}");
            assert_eq!(pool, Some(POSTGRES_POOL_SIZE as f64), "{text}");
            let idle = sample(&text, "diwan_store_pool_idle_connections").expect("idle");
            assert!(idle <= POSTGRES_POOL_SIZE as f64, "{text}");
        }
    }
}

#[tokio::test]
async fn the_api_listener_does_not_serve_metrics() {
    let Some(node) = spawn_node().await else {
        return;
    };
    let response = node
        .client
        .get(format!("{}/metrics", node.base))
        .send()
        .await
        .expect("GET is answered");
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = node
        .client
        .get(node.api("/metrics"))
        .send()
        .await
        .expect("GET is answered");
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;

    // And the metrics listener serves nothing but /metrics.
    let response = node
        .client
        .get(format!("{}/api/v1/services", node.metrics_base))
        .send()
        .await
        .expect("GET is answered");
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}
