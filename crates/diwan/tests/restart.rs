//! Durability as an operator sees it: the real `diwan serve` binary takes an application,
//! is killed with SIGKILL (no graceful shutdown, no flush), starts again on the same data
//! folder, and still has the application, its history, its idempotency key, the sessions and
//! the reference counter.

// Helpers are shared test code, not `#[test]` functions, so clippy's allow-*-in-tests settings
// do not reach them; failing loudly is their whole job.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

const NID_A: &str = "29001011234567";
const PHONE_A: &str = "01012345678";

fn repo_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .expect("repository root")
}

/// A running `diwan serve`; killed with SIGKILL when dropped, so a failing test leaves no
/// process behind.
struct Node {
    child: Child,
    base: String,
}

impl Node {
    /// Starts the binary in demo mode on port 0 and reads the port from its first line.
    fn start(data: &Path) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_diwan"));
        command
            .arg("serve")
            .arg("--demo")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(data)
            .arg("--catalog")
            .arg(repo_root().join("catalog/eg"))
            // The country file's default, `countries/eg.toml`, is relative to the repository.
            .current_dir(repo_root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(data.join("stderr.log")).expect("log file"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("DIWAN_")) {
            command.env_remove(key);
        }
        let mut child = command.spawn().expect("start diwan serve");
        let stdout = child.stdout.take().expect("stdout is piped");

        // Read lines on a thread (and keep draining them, so the node never writes to a
        // closed pipe); the first `diwan listening on` line carries the address.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("diwan listening on http://") {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let mut node = Node {
            child,
            base: String::new(),
        };
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => addr,
            Err(e) => {
                let log = std::fs::read_to_string(data.join("stderr.log")).unwrap_or_default();
                panic!("diwan serve did not report its address ({e}); stderr:\n{log}");
            }
        };
        assert!(
            addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
            "address {addr}"
        );
        node.base = format!("http://{addr}/api/v1");
        node
    }

    /// SIGKILL, then reap the process.
    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("reap");
        assert!(!status.success(), "killed, not exited: {status:?}");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs a citizen in through the outbox; returns the token.
async fn citizen_token(client: &reqwest::Client, node: &Node, data: &Path) -> String {
    let response = client
        .post(format!("{}/auth/citizen/otp", node.base))
        .json(&json!({ "national_id": NID_A, "phone": PHONE_A }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let outbox = std::fs::read_to_string(data.join("outbox/sms.jsonl")).expect("outbox");
    let last: Value = serde_json::from_str(outbox.lines().last().expect("a message")).unwrap();
    assert_eq!(last["to"], "+201012345678");
    let code: String = last["text"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .expect("a six-digit code")
        .to_string();
    let response = client
        .post(format!("{}/auth/citizen/verify", node.base))
        .json(&json!({ "national_id": NID_A, "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

async fn clerk_token(client: &reqwest::Client, node: &Node, data: &Path) -> String {
    let credentials: Vec<Value> =
        serde_json::from_slice(&std::fs::read(data.join("demo-credentials.json")).unwrap())
            .unwrap();
    let clerk = credentials
        .iter()
        .find(|c| c["username"] == "moi_civil_status.clerk")
        .expect("the civil status clerk");
    let response = client
        .post(format!("{}/auth/officer/login", node.base))
        .json(&json!({ "username": clerk["username"], "password": clerk["password"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

async fn get(client: &reqwest::Client, url: String, token: &str) -> Value {
    let response = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.json().await.unwrap()
}

async fn apply(
    client: &reqwest::Client,
    node: &Node,
    token: &str,
    request: &Value,
) -> reqwest::Response {
    client
        .post(format!("{}/applications", node.base))
        .bearer_auth(token)
        .header("Idempotency-Key", "restart-1")
        .json(request)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_acknowledged_application_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let client = reqwest::Client::new();

    // First life: sign in, upload, apply, and have the clerk start the review.
    let node = Node::start(data);
    let citizen = citizen_token(&client, &node, data).await;
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("id.pdf");
    let response = client
        .post(format!("{}/uploads", node.base))
        .bearer_auth(&citizen)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let upload: Value = response.json().await.unwrap();
    let request = json!({
        "service_id": "birth_certificate",
        "data": {
            "holder_national_id": NID_A,
            "holder_name": "محمد أحمد علي حسن",
            "mother_name": "فاطمة محمود",
            "relationship": "self",
            "copies": 1,
            "contact_phone": PHONE_A,
            "applicant_id_card": upload["id"],
        },
    });
    let response = apply(&client, &node, &citizen, &request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let reference = created["reference"].as_str().unwrap().to_string();
    assert!(
        reference.starts_with("BC-") && reference.ends_with("-000001"),
        "{reference}"
    );

    let clerk = clerk_token(&client, &node, data).await;
    let response = client
        .post(format!("{}/applications/{id}/actions", node.base))
        .bearer_auth(&clerk)
        .json(&json!({ "action": "start_review", "expected_version": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    node.kill_9();

    // Second life on the same folder.
    let node = Node::start(data);
    let application = get(
        &client,
        format!("{}/applications/{id}", node.base),
        &citizen,
    )
    .await;
    assert_eq!(
        application["reference"],
        reference.as_str(),
        "the session survived too"
    );
    assert_eq!(application["state"], "in_review");
    assert_eq!(application["version"], 2);
    assert_eq!(application["data"]["applicant_id_card"], upload["id"]);

    // Signing in again (a second code: within the limit of three) finds the same citizen.
    let again = citizen_token(&client, &node, data).await;
    let list = get(&client, format!("{}/applications", node.base), &again).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["reference"], reference.as_str());
    assert_eq!(items[0]["state"], "in_review");
    let events = get(
        &client,
        format!("{}/applications/{id}/events", node.base),
        &again,
    )
    .await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submitted", "start_review"]);

    // The demo passwords are kept, the idempotency key still replays, and numbering goes on.
    let clerk = clerk_token(&client, &node, data).await;
    let queue = get(&client, format!("{}/applications", node.base), &clerk).await;
    assert_eq!(queue["items"][0]["id"], id.as_str());
    let response = apply(&client, &node, &again, &request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let replayed: Value = response.json().await.unwrap();
    assert_eq!(replayed["id"], id.as_str());
    let response = client
        .post(format!("{}/applications", node.base))
        .bearer_auth(&again)
        .header("Idempotency-Key", "restart-2")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let second: Value = response.json().await.unwrap();
    assert_eq!(second["reference"], reference.replace("-000001", "-000002"));

    node.kill_9();
}
