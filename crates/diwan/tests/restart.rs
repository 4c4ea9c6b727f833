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

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};

use common::{NID_A, Node, PHONE_A, citizen_token, clerk_token, get};

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
