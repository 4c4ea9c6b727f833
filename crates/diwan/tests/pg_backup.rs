//! The PostgreSQL backup the operations guide documents, checked: `pg_dump` while a node
//! runs, `pg_restore` into a fresh database, a node on the restored database finds every
//! application. Skipped, loudly, without PostgreSQL or its client tools.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod common;

use std::process::Command;

use diwan_store::postgres::testing::TestDatabase;

use common::{Node, citizen_token, get, submit_applications};

const SECRET: &str = "a shared secret of at least thirty-two bytes for both nodes";

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn pg_dump_and_pg_restore_keep_every_application() {
    if !have("pg_dump") || !have("pg_restore") {
        eprintln!("*** SKIPPED: PostgreSQL backup test (pg_dump / pg_restore not installed) ***");
        return;
    }
    let Some(db) = TestDatabase::create().await.expect("test database") else {
        return;
    };
    let Some(restored) = TestDatabase::create().await.expect("second test database") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    std::fs::create_dir_all(&data).unwrap();
    let envs = [("DIWAN_SECRET", SECRET)];
    let node = Node::start_with(&data, &["--database", db.url()], &envs);
    let client = reqwest::Client::new();
    let citizen = citizen_token(&client, &node, &data).await;

    let mut ids = submit_applications(&client, &node, &citizen, "pg-backup", 3).await;

    // Online, as docs/operations.md says.
    let dump = dir.path().join("diwan.dump");
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(db.url())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    node.kill_9();

    let out = Command::new("pg_restore")
        .args(["--no-owner", "--dbname", restored.url()])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let data2 = dir.path().join("node2");
    std::fs::create_dir_all(&data2).unwrap();
    let node = Node::start_with(&data2, &["--database", restored.url()], &envs);
    let list = get(&client, format!("{}/applications", node.base), &citizen).await;
    let mut found: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    ids.sort();
    assert_eq!(
        found, ids,
        "every application, and the session, survived the restore"
    );
    let events = get(
        &client,
        format!("{}/applications/{}/events", node.base, ids[0]),
        &citizen,
    )
    .await;
    assert_eq!(events.as_array().unwrap().len(), 1);
    node.kill_9();
}
