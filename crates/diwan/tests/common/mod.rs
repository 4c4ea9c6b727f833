//! Shared by the tests that run the real `diwan` binary: start a node on port 0, sign in
//! through the demo outbox, read JSON.

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test; not every test uses every helper"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

pub const NID_A: &str = "29001011234567";
pub const PHONE_A: &str = "01012345678";

pub fn repo_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .expect("repository root")
}

/// A running `diwan serve`; killed with SIGKILL when dropped, so a failing test leaves no
/// process behind.
pub struct Node {
    pub child: Child,
    pub base: String,
}

impl Node {
    /// Starts the binary in demo mode on port 0 and reads the port from its first line.
    pub fn start(data: &Path) -> Node {
        Node::start_with(data, &[], &[])
    }

    /// Like [`Node::start`], with extra `serve` arguments and environment variables.
    pub fn start_with(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> Node {
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
        command.args(args);
        for (key, value) in envs {
            command.env(key, value);
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
    pub fn kill_9(mut self) {
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
pub async fn citizen_token(client: &reqwest::Client, node: &Node, data: &Path) -> String {
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

pub async fn clerk_token(client: &reqwest::Client, node: &Node, data: &Path) -> String {
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

pub async fn get(client: &reqwest::Client, url: String, token: &str) -> Value {
    let response = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.json().await.unwrap()
}

/// Uploads an ID card and submits a birth certificate application `count` times, with
/// Idempotency-Keys `<key_prefix>-<n>`; returns the application ids.
pub async fn submit_applications(
    client: &reqwest::Client,
    node: &Node,
    token: &str,
    key_prefix: &str,
    count: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("id.pdf");
        let upload: Value = client
            .post(format!("{}/uploads", node.base))
            .bearer_auth(token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = client
            .post(format!("{}/applications", node.base))
            .bearer_auth(token)
            .header("Idempotency-Key", format!("{key_prefix}-{n}"))
            .json(&json!({
                "service_id": "birth_certificate",
                "data": {
                    "holder_national_id": NID_A, "holder_name": "محمد أحمد علي حسن",
                    "mother_name": "فاطمة محمود", "relationship": "self", "copies": 1,
                    "contact_phone": PHONE_A, "applicant_id_card": upload["id"],
                },
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        ids.push(created["id"].as_str().unwrap().to_string());
    }
    ids
}
