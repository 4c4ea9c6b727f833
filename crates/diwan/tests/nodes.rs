//! Many nodes, one PostgreSQL: two real `diwan serve` processes share a database. An
//! application submitted through one is acted on through the other; retries across nodes make
//! no duplicate; stale versions are refused across nodes; the event sequence stays one,
//! gap-free; the ledger is one tree with one order, whichever node serves it. Skipped,
//! loudly, where no PostgreSQL is configured.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod common;

use std::collections::BTreeSet;

use diwan_store::postgres::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{NID_A, Node, PHONE_A, citizen_token, clerk_token, get};

const SECRET: &str = "a shared secret of at least thirty-two bytes for both nodes";

fn request(upload: &Value) -> Value {
    json!({
        "service_id": "birth_certificate",
        "data": {
            "holder_national_id": NID_A, "holder_name": "محمد أحمد علي حسن",
            "mother_name": "فاطمة محمود", "relationship": "self", "copies": 1,
            "contact_phone": PHONE_A, "applicant_id_card": upload["id"],
        },
    })
}

async fn apply(
    client: &reqwest::Client,
    node: &Node,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(format!("{}/applications", node.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn act(
    client: &reqwest::Client,
    node: &Node,
    token: &str,
    id: &str,
    action: &str,
    version: i64,
) -> reqwest::Response {
    client
        .post(format!("{}/applications/{id}/actions", node.base))
        .bearer_auth(token)
        .json(&json!({ "action": action, "expected_version": version }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_keep_every_invariant() {
    let Some(db) = TestDatabase::create().await.expect("test database") else {
        return; // SKIPPED was printed by TestDatabase
    };
    let dir = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&data_a).unwrap();
    std::fs::create_dir_all(&data_b).unwrap();
    let args = ["--database", db.url()];
    let envs = [("DIWAN_SECRET", SECRET)];
    // One after the other: the first creates the demo officers, the second finds them.
    let a = Node::start_with(&data_a, &args, &envs);
    let b = Node::start_with(&data_b, &args, &envs);
    let client = reqwest::Client::new();

    // Signed in through A; the session works on B (sessions live in the shared database).
    let citizen = citizen_token(&client, &a, &data_a).await;
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("id.pdf");
    let upload: Value = client
        .post(format!("{}/uploads", b.base))
        .bearer_auth(&citizen)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = request(&upload);

    // Submitted through A, retried through B: one application.
    let first = apply(&client, &a, &citizen, "k-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let retry = apply(&client, &b, &citizen, "k-1", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);
    let id = first["id"].as_str().unwrap().to_string();

    // Acted on through B; the same stale version through A is refused.
    let clerk = clerk_token(&client, &b, &data_a).await;
    assert_eq!(
        act(&client, &b, &clerk, &id, "start_review", 1)
            .await
            .status(),
        StatusCode::OK
    );
    let stale = act(&client, &a, &clerk, &id, "recommend", 1).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let stale: Value = stale.json().await.unwrap();
    assert_eq!(stale["code"], "version_conflict");

    // Concurrent load through both nodes: 20 submissions, each retried on the other node,
    // and 10 racing `recommend`s on one application.
    let mut tasks = Vec::new();
    for n in 0..20 {
        for node in [&a, &b] {
            let (client, base, token, body) = (
                client.clone(),
                node.base.clone(),
                citizen.clone(),
                body.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/applications"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("load-{n}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                let v: Value = r.json().await.unwrap();
                (n, v["id"].as_str().unwrap().to_string(), 0u16)
            }));
        }
    }
    for n in 0..10 {
        let node = if n % 2 == 0 { &a } else { &b };
        let (client, base, token, id) =
            (client.clone(), node.base.clone(), clerk.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(format!("{base}/applications/{id}/actions"))
                .bearer_auth(&token)
                .json(&json!({ "action": "recommend", "expected_version": 2 }))
                .send()
                .await
                .unwrap();
            (100 + n, String::new(), r.status().as_u16())
        }));
    }
    let mut by_key: std::collections::BTreeMap<i32, BTreeSet<String>> = Default::default();
    let mut wins = 0;
    for t in tasks {
        let (n, app, status) = t.await.unwrap();
        if n >= 100 {
            assert!(
                status == 200 || status == 409,
                "recommend answered {status}"
            );
            wins += usize::from(status == 200);
        } else {
            by_key.entry(n).or_default().insert(app);
        }
    }
    assert_eq!(wins, 1, "exactly one recommend wins across both nodes");
    assert!(
        by_key.values().all(|ids| ids.len() == 1),
        "a retry on the other node made a duplicate"
    );

    // One citizen's applications, seen through either node: 21, and one gap-free sequence.
    let list = get(
        &client,
        format!("{}/applications?limit=200", b.base),
        &citizen,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 21);
    let mut seqs = Vec::new();
    let mut by_seq = std::collections::BTreeMap::new();
    for item in items {
        let app_id = item["id"].as_str().unwrap();
        let node = if seqs.len() % 2 == 0 { &a } else { &b };
        let events = get(
            &client,
            format!("{}/applications/{app_id}/events", node.base),
            &citizen,
        )
        .await;
        let events = events.as_array().unwrap();
        let versions: Vec<i64> = events
            .iter()
            .map(|e| e["version"].as_i64().unwrap())
            .collect();
        let sorted = {
            let mut v = versions.clone();
            v.sort();
            v
        };
        assert_eq!(versions, sorted, "events of {app_id} in version order");
        seqs.extend(events.iter().map(|e| e["seq"].as_i64().unwrap()));
        by_seq.extend(events.iter().map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                (app_id.to_owned(), e["version"].as_u64().unwrap()),
            )
        }));
    }
    seqs.sort();
    let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
    assert_eq!(
        seqs, expected,
        "one gap-free event sequence across both nodes"
    );

    // One log behind both nodes: the same key, a checkpoint from A that B's entries make,
    // B's later checkpoint consistent with it, and the event leaves in event-sequence order.
    let text = |url: String| {
        let client = client.clone();
        async move {
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "GET {url}");
            response.text().await.unwrap()
        }
    };
    let vkey = text(format!("{}/ledger/vkey", a.base)).await;
    assert_eq!(vkey, text(format!("{}/ledger/vkey", b.base)).await);
    let vkey = diwan_ledger::VerifierKey::parse(vkey.trim()).unwrap();
    let seen_on_a = diwan_ledger::verify_checkpoint(
        text(format!("{}/ledger/checkpoint", a.base))
            .await
            .as_bytes(),
        &vkey,
    )
    .unwrap();
    let mut leaves = Vec::new();
    while (leaves.len() as u64) < seen_on_a.size {
        let page: Value = serde_json::from_str(
            &text(format!(
                "{}/ledger/entries?start={}&end={}",
                b.base,
                leaves.len(),
                seen_on_a.size
            ))
            .await,
        )
        .unwrap();
        for entry in page["entries"].as_array().unwrap() {
            use base64::Engine;
            leaves.push(
                base64::engine::general_purpose::STANDARD
                    .decode(entry["data"].as_str().unwrap())
                    .unwrap(),
            );
        }
    }
    let mut tree = diwan_ledger::MemoryTree::new();
    let mut event_leaves = Vec::new();
    for leaf in &leaves {
        tree.push(diwan_ledger::leaf_hash(leaf)).unwrap();
        if let diwan_ledger::LedgerEntry::ApplicationEvent(e) =
            diwan_ledger::LedgerEntry::from_bytes(leaf).unwrap()
        {
            event_leaves.push((e.application_id, e.version));
        }
    }
    assert_eq!(
        tree.root(),
        seen_on_a.root,
        "B serves the entries A's checkpoint signs"
    );
    let in_seq_order: Vec<(String, u64)> = by_seq.into_values().collect();
    assert_eq!(
        event_leaves, in_seq_order,
        "the event leaves are in event-sequence order: one order for both"
    );
    let seen_on_b = diwan_ledger::verify_checkpoint(
        text(format!("{}/ledger/checkpoint", b.base))
            .await
            .as_bytes(),
        &vkey,
    )
    .unwrap();
    assert!(seen_on_b.size >= seen_on_a.size);
    let proof: Value = serde_json::from_str(
        &text(format!(
            "{}/ledger/proof/consistency?from={}&to={}",
            a.base, seen_on_a.size, seen_on_b.size
        ))
        .await,
    )
    .unwrap();
    let hashes: Vec<diwan_ledger::Hash> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| diwan_ledger::Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect();
    diwan_ledger::verify_consistency(
        seen_on_a.size,
        seen_on_b.size,
        &seen_on_a.root,
        &seen_on_b.root,
        &hashes,
    )
    .unwrap();
    a.kill_9();
    b.kill_9();
}
