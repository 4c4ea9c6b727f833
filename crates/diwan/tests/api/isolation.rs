//! Least privilege: a citizen sees only their own applications, an officer only their
//! agency's, and anything else is `404` so its existence is not revealed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_citizen_cannot_see_or_touch_another_citizens_application() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let a = app.citizen_token(NID_A, PHONE_A).await;
    let b = app.citizen_token(NID_B, PHONE_B).await;
    let of_a = app.apply_birth_certificate(&a, "k").await;
    let id = of_a["id"].as_str().unwrap();

    let not_found = assert_problem(
        app.get(&format!("/applications/{id}"), Some(&b)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/applications/{id}/events"), Some(&b))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.act(&b, id, "resubmit", 1, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Exactly what a made-up id gets.
    let made_up = assert_problem(
        app.get(
            "/applications/0190a0b0-0000-7000-8000-000000000000",
            Some(&b),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(not_found, made_up);

    assert_eq!(
        ids(&app.get_ok("/applications", &b).await),
        Vec::<String>::new()
    );
    assert_eq!(ids(&app.get_ok("/applications", &a).await), [id]);
    let of_b = app.apply_birth_certificate(&b, "k").await;
    assert_eq!(
        ids(&app.get_ok("/applications", &b).await),
        [of_b["id"].as_str().unwrap()]
    );
    assert_eq!(ids(&app.get_ok("/applications", &a).await), [id]);
    assert_eq!(
        app.get_ok(&format!("/applications/{id}"), &a).await["version"],
        1,
        "B's attempt changed nothing"
    );
}

#[tokio::test]
async fn an_officer_of_another_agency_gets_404() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let application = app.apply_birth_certificate(&citizen, "k").await;
    let id = application["id"].as_str().unwrap();
    let passports_clerk = app.officer_token(PASSPORTS, "clerk").await;
    let passports_manager = app.officer_token(PASSPORTS, "manager").await;

    for token in [&passports_clerk, &passports_manager] {
        assert_problem(
            app.get(&format!("/applications/{id}"), Some(token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_problem(
            app.get(&format!("/applications/{id}/events"), Some(token))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_problem(
            app.act(token, id, "start_review", 1, None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_eq!(
            ids(&app.get_ok("/applications", token).await),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(&app.get_ok("/applications?all=true", token).await),
            Vec::<String>::new()
        );
    }
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    assert_eq!(
        app.get_ok(&format!("/applications/{id}"), &clerk).await["state"],
        "submitted"
    );
}

/// Applies one second after the previous application, so "newest first" is unambiguous.
async fn apply_later(app: &TestApp, token: &str, key: &str) -> String {
    app.clock.advance_secs(1);
    app.apply_birth_certificate(token, key).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_officers_queue_holds_what_their_role_can_act_on_in_their_agency() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let manager = app.officer_token(CIVIL_STATUS, "manager").await;

    let submitted = apply_later(&app, &citizen, "1").await;
    let pending = apply_later(&app, &citizen, "2").await;
    app.act_ok(&clerk, &pending, "start_review", 1, None).await;
    app.act_ok(&clerk, &pending, "recommend", 2, None).await;
    let returned = apply_later(&app, &citizen, "3").await;
    app.act_ok(&clerk, &returned, "start_review", 1, None).await;
    app.act_ok(
        &clerk,
        &returned,
        "return_to_citizen",
        2,
        Some("صورة البطاقة غير واضحة"),
    )
    .await;
    let approved = apply_later(&app, &citizen, "4").await;
    app.act_ok(&clerk, &approved, "start_review", 1, None).await;
    app.act_ok(&clerk, &approved, "recommend", 2, None).await;
    app.act_ok(&manager, &approved, "approve", 3, None).await;

    // An application of another agency (supply offices) in `submitted`.
    let ration = json!({
        "service_id": "ration_card_register_mobile",
        "data": {
            "ration_card_number": "12345678",
            "head_national_id": NID_A,
            "head_name": "محمد أحمد علي حسن",
            "mobile_number": PHONE_A,
        },
    });
    app.clock.advance_secs(1);
    let response = app.apply(&citizen, Some("5"), &ration).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let other_agency: Value = response.json().await.unwrap();
    assert_eq!(other_agency["agency"], "supply_offices");
    assert_eq!(other_agency["reference"], "RCM-2026-000001");

    let clerk_queue = app.get_ok("/applications", &clerk).await;
    let manager_queue = app.get_ok("/applications", &manager).await;
    let states = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["state"].as_str().unwrap().to_string())
            .collect()
    };
    // Newest first. A clerk reviews submitted files (and may still reject one awaiting approval).
    assert_eq!(ids(&clerk_queue), [pending.clone(), submitted.clone()]);
    assert_eq!(states(&clerk_queue), ["pending_approval", "submitted"]);
    // A manager approves.
    assert_eq!(ids(&manager_queue), [pending.as_str()]);
    for item in clerk_queue["items"].as_array().unwrap() {
        assert!(
            !actions(item).is_empty(),
            "everything in the queue is actionable: {item}"
        );
    }
    // Filtering by state narrows the queue.
    assert_eq!(
        ids(&app.get_ok("/applications?state=submitted", &clerk).await),
        [submitted.as_str()]
    );
    // `all=true` lists the agency's applications in every state, still only the agency's.
    let all = ids(&app.get_ok("/applications?all=true", &manager).await);
    assert_eq!(
        all,
        [
            approved.clone(),
            returned.clone(),
            pending.clone(),
            submitted.clone()
        ]
    );

    // The supply offices clerk sees only their own agency's application.
    let supply_clerk = app.officer_token("supply_offices", "clerk").await;
    assert_eq!(
        ids(&app.get_ok("/applications", &supply_clerk).await),
        [other_agency["id"].as_str().unwrap()]
    );

    // The citizen's own list holds all five, whatever the agency.
    assert_eq!(ids(&app.get_ok("/applications", &citizen).await).len(), 5);
}
