//! `diwan audit verify` against a real `diwan serve --demo`: a log built by real applications
//! verifies, verifies again after more activity (consistent with the saved state), and stops
//! verifying — exit 2, naming what failed — when a stored entry or a stored tree node is
//! changed behind the server's back, when the log shrinks, or when its key changes.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use diwan_ledger::{LedgerEntry, NoteSigner};
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{Node, citizen_token, clerk_token, submit_applications};

/// Runs `diwan audit verify` against the node, with the state file.
fn audit(node: &Node, state: &Path) -> Output {
    // The node's base is the API root; the auditor takes the server's URL.
    let url = node.base.trim_end_matches("/api/v1");
    let output = Command::new(env!("CARGO_BIN_EXE_diwan"))
        .args(["audit", "verify", "--url", url, "--state"])
        .arg(state)
        .output()
        .expect("run diwan audit verify");
    // Shown with the test's output when it fails: the sequence of audits so far.
    eprintln!("--- audit\n{}", text(&output));
    output
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn act(client: &reqwest::Client, node: &Node, token: &str, id: &str, action: &str, v: i64) {
    let response = client
        .post(format!("{}/applications/{id}/actions", node.base))
        .bearer_auth(token)
        .json(&json!({ "action": action, "expected_version": v }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{action} on {id}");
}

fn state_size(state: &Path) -> u64 {
    let saved: Value = serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap();
    saved["size"].as_u64().unwrap()
}

fn db(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("diwan.db")).unwrap()
}

/// The same entry with its time moved by a millisecond: still canonical, still decodes, but
/// no longer the leaf the tree was built from.
fn altered(bytes: &[u8]) -> Vec<u8> {
    let entry = match LedgerEntry::from_bytes(bytes).unwrap() {
        LedgerEntry::ApplicationEvent(mut e) => {
            e.at += 1;
            LedgerEntry::ApplicationEvent(e)
        }
        LedgerEntry::CertificateIssued(mut e) => {
            e.at += 1;
            LedgerEntry::CertificateIssued(e)
        }
        LedgerEntry::CertificateRevoked(mut e) => {
            e.at += 1;
            LedgerEntry::CertificateRevoked(e)
        }
        LedgerEntry::DataAccess(mut e) => {
            e.at += 1;
            LedgerEntry::DataAccess(e)
        }
    };
    entry.to_bytes().unwrap()
}

#[tokio::test]
async fn the_audit_catches_changed_entries_changed_nodes_rollbacks_and_key_changes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let state = dir.path().join("audit-state.json");
    let client = reqwest::Client::new();

    // Some activity: applications submitted, reviews started.
    let node = Node::start(&data);
    let citizen = citizen_token(&client, &node, &data).await;
    let clerk = clerk_token(&client, &node, &data).await;
    let ids = submit_applications(&client, &node, &citizen, "audit", 3).await;
    for id in &ids {
        act(&client, &node, &clerk, id, "start_review", 1).await;
    }

    // First audit: the key is pinned, everything verifies.
    let output = audit(&node, &state);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(stdout.starts_with("ok: "), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("trusting the verifier key"),
        "{}",
        text(&output)
    );
    let first_size = state_size(&state);
    assert!(first_size >= 6, "{}", text(&output));

    // More activity; the second audit checks the new log extends the first.
    let more = submit_applications(&client, &node, &citizen, "audit-more", 2).await;
    for id in &more {
        act(&client, &node, &clerk, id, "start_review", 1).await;
    }
    act(&client, &node, &clerk, &ids[0], "recommend", 2).await;
    let output = audit(&node, &state);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!(
            "consistent with the size {first_size} seen before"
        )),
        "{}",
        text(&output)
    );
    let size = state_size(&state);
    assert!(size > first_size, "{}", text(&output));

    // A state file from a longer log than the one served: a rollback.
    let longer = dir.path().join("longer.json");
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    saved["size"] = json!(size + 10);
    std::fs::write(&longer, saved.to_string()).unwrap();
    let output = audit(&node, &longer);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("rollback"), "{}", text(&output));

    // A different key pinned: refused, and the state is left as it was.
    let other_key = dir.path().join("other-key.json");
    let mut saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let origin = saved["vkey"]
        .as_str()
        .unwrap()
        .split('+')
        .next()
        .unwrap()
        .to_owned();
    saved["vkey"] = json!(
        NoteSigner::new(&origin, &[9; 32])
            .unwrap()
            .verifier_key()
            .to_string()
    );
    std::fs::write(&other_key, saved.to_string()).unwrap();
    let before = std::fs::read(&other_key).unwrap();
    let output = audit(&node, &other_key);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("pinned"), "{}", text(&output));
    assert_eq!(std::fs::read(&other_key).unwrap(), before);
    node.kill_9();

    // One stored entry changed behind the server's back: its bytes no longer hash to the
    // signed root, and the audit names the entry.
    let original: Vec<u8> = db(&data)
        .query_row("SELECT entry FROM ledger_leaves WHERE idx = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    db(&data)
        .execute(
            "UPDATE ledger_leaves SET entry = ?1 WHERE idx = 3",
            [altered(&original)],
        )
        .unwrap();
    let node = Node::start(&data);
    let output = audit(&node, &state);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let report = text(&output);
    assert!(report.contains("not the signed root"), "{report}");
    assert!(report.contains("index 3"), "{report}");
    assert_eq!(
        state_size(&state),
        size,
        "a failed audit keeps the old state"
    );

    // A non-canonical form of the same entry: refused as such, by index.
    node.kill_9();
    let mut spaced = b" ".to_vec();
    spaced.extend_from_slice(&original);
    db(&data)
        .execute(
            "UPDATE ledger_leaves SET entry = ?1 WHERE idx = 3",
            [&spaced],
        )
        .unwrap();
    let node = Node::start(&data);
    let output = audit(&node, &state);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("entry 3 is not a valid ledger entry"),
        "{}",
        text(&output)
    );

    // The entry restored, one stored tree node changed instead: the entries still hash to the
    // signed root (the head row is intact), but the server's proofs, built from stored nodes,
    // no longer agree with it.
    node.kill_9();
    let conn = db(&data);
    conn.execute(
        "UPDATE ledger_leaves SET entry = ?1 WHERE idx = 3",
        [&original],
    )
    .unwrap();
    let node_hash: Vec<u8> = conn
        .query_row(
            "SELECT hash FROM ledger_nodes WHERE level = 1 AND idx = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE ledger_nodes SET hash = ?1 WHERE level = 1 AND idx = 0",
        [vec![0xAB_u8; 32]],
    )
    .unwrap();
    drop(conn);
    let node = Node::start(&data);
    let output = audit(&node, &state);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let report = text(&output);
    assert!(report.contains("proof"), "{report}");
    assert!(report.contains("does not verify"), "{report}");
    assert!(report.contains("stored node level 1 index 0"), "{report}");

    // Everything restored: the log verifies again, consistent with the state saved before.
    node.kill_9();
    db(&data)
        .execute(
            "UPDATE ledger_nodes SET hash = ?1 WHERE level = 1 AND idx = 0",
            [&node_hash],
        )
        .unwrap();
    let node = Node::start(&data);
    let output = audit(&node, &state);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("consistent with the size {size} seen before")),
        "{}",
        text(&output)
    );
    node.kill_9();
}
