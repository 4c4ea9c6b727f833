//! Retrying a submission with the same `Idempotency-Key` never makes a second application.

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::*;

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_returns_the_same_application() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;
    let request = birth_certificate_request(&upload);

    let first = app.apply(&token, Some("retry-me"), &request).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();

    app.clock.advance_secs(30);
    let again = app.apply(&token, Some("retry-me"), &request).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let location = again
        .headers()
        .get(LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["reference"], first["reference"]);
    assert_eq!(again["created_at"], T0, "the original, not a new one");
    assert_eq!(
        location,
        format!("/api/v1/applications/{}", first["id"].as_str().unwrap())
    );

    let list = app.get_ok("/applications", &token).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "exactly one application: {list}");
    assert_eq!(items[0]["id"], first["id"]);

    // A new key is a new application.
    let other = app.apply(&token, Some("another"), &request).await;
    assert_eq!(other.status(), StatusCode::CREATED);
    let other: Value = other.json().await.unwrap();
    assert_ne!(other["id"], first["id"]);
    assert_eq!(other["reference"], "BC-2026-000002");
}

#[tokio::test]
async fn a_key_reused_for_a_different_body_is_refused() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;
    let request = birth_certificate_request(&upload);
    assert_eq!(
        app.apply(&token, Some("k"), &request).await.status(),
        StatusCode::CREATED
    );

    let mut changed = request.clone();
    changed["data"]["copies"] = json!(3);
    let problem = assert_problem(
        app.apply(&token, Some("k"), &changed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(problem["field"], "Idempotency-Key");
    assert_eq!(
        app.get_ok("/applications", &token).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn keys_belong_to_their_citizen() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let a = app.citizen_token(NID_A, PHONE_A).await;
    let b = app.citizen_token(NID_B, PHONE_B).await;
    let of_a = app.apply_birth_certificate(&a, "same-key").await;
    let of_b = app.apply_birth_certificate(&b, "same-key").await;
    assert_ne!(
        of_a["id"], of_b["id"],
        "B's key does not replay A's application"
    );
}

#[tokio::test]
async fn an_invalid_key_is_refused() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;
    let long = "k".repeat(256);
    let problem = assert_problem(
        app.apply(&token, Some(&long), &birth_certificate_request(&upload))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_idempotency_key",
    )
    .await;
    assert_eq!(problem["field"], "Idempotency-Key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_retries_make_one_application() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;
    let request = birth_certificate_request(&upload);

    let mut set = JoinSet::new();
    for _ in 0..10 {
        let client = app.client.clone();
        let (url, token, request) = (app.api("/applications"), token.clone(), request.clone());
        set.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "burst")
                .json(&request)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let replayed = response.headers().get("idempotent-replayed").is_some();
            let body: Value = response.json().await.unwrap();
            (status, replayed, body)
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = set.join_next().await {
        answers.push(answer.unwrap());
    }
    for (status, _, body) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    let first_id = &answers[0].2["id"];
    assert!(
        answers.iter().all(|(_, _, body)| &body["id"] == first_id),
        "one id for all: {answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|(_, replayed, _)| !replayed).count(),
        1,
        "one original, nine replays"
    );

    let list = app.get_ok("/applications", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["items"][0]["reference"], "BC-2026-000001",
        "no reference number was used up"
    );
}
