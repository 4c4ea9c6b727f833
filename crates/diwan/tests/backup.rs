//! Backups as an operator makes them: `diwan backup` while the server takes applications,
//! `diwan restore` into a fresh folder, and a server on the restored folder finds every
//! application.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod common;

use std::process::Command;

use reqwest::StatusCode;

use common::{Node, citizen_token, get, submit_applications};

fn diwan(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_diwan"))
        .args(args)
        .output()
        .expect("run diwan")
}

#[tokio::test]
async fn a_restored_backup_has_every_application() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let client = reqwest::Client::new();
    let node = Node::start(&data);
    let citizen = citizen_token(&client, &node, &data).await;

    let mut ids = submit_applications(&client, &node, &citizen, "backup", 3).await;

    // Online: the server is still running.
    let backup_file = dir.path().join("diwan-backup.db");
    let out = diwan(&[
        "backup".as_ref(),
        backup_file.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("3 applications"), "{said}");

    // A second backup to the same file is refused rather than overwriting it.
    let again = diwan(&[
        "backup".as_ref(),
        backup_file.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert!(!again.status.success());

    // Restoring into the running server's folder is refused: it holds the lock.
    let busy = diwan(&[
        "restore".as_ref(),
        backup_file.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert!(!busy.status.success());
    assert!(String::from_utf8_lossy(&busy.stderr).contains("another diwan process"));
    node.kill_9();

    // Restore into a new folder and serve it: every application, and the session, are there.
    let restored = dir.path().join("restored");
    let out = diwan(&[
        "restore".as_ref(),
        backup_file.as_os_str(),
        "--data".as_ref(),
        restored.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let node = Node::start(&restored);
    let list = get(&client, format!("{}/applications", node.base), &citizen).await;
    let mut found: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    ids.sort();
    assert_eq!(found, ids);
    let document = client
        .get(format!(
            "{}/applications/{}/documents/applicant_id_card",
            node.base, ids[0]
        ))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(
        document.status(),
        StatusCode::OK,
        "uploads are in the backup too"
    );
    node.kill_9();

    // Restoring over an existing database keeps the old one beside it.
    let out = diwan(&[
        "restore".as_ref(),
        backup_file.as_os_str(),
        "--data".as_ref(),
        restored.as_os_str(),
    ]);
    assert!(out.status.success());
    let kept = std::fs::read_dir(&restored)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("diwan.db.replaced-")
        });
    assert!(kept, "the replaced database is kept");

    // Garbage is not a backup.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = diwan(&[
        "restore".as_ref(),
        junk.as_os_str(),
        "--data".as_ref(),
        restored.as_os_str(),
    ]);
    assert!(!out.status.success());
}
