//! Who may claim a national ID. In production the mobile number on record comes from the
//! civil registry: a stranger who knows an ID gets the same answer as anyone, but no code, and
//! cannot disturb the citizen's own sign-in.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn without_self_enrolment_an_unknown_id_gets_no_code() {
    let Some(app) = spawn_app_with(|o| o.self_enrolment = false).await else {
        return;
    };
    let response = app.request_code(NID_A, PHONE_A).await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "same answer as for a registered ID"
    );
    assert!(app.outbox().is_empty(), "no text message was sent");
    let refused = app.verify(NID_A, "123456").await;
    assert_problem(refused, StatusCode::UNAUTHORIZED, "no_live_code").await;

    // Once the registry has the number, the code goes to it.
    app.store
        .upsert_citizen("citizen-a", NID_A, &e164(PHONE_A), T0)
        .await
        .expect("register");
    let token = app.citizen_token(NID_A, PHONE_A).await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn a_stranger_with_the_wrong_number_cannot_void_the_citizens_code() {
    let Some(app) = spawn_app_with(|o| o.self_enrolment = false).await else {
        return;
    };
    app.store
        .upsert_citizen("citizen-a", NID_A, &e164(PHONE_A), T0)
        .await
        .expect("register");
    assert_eq!(
        app.request_code(NID_A, PHONE_A).await.status(),
        StatusCode::ACCEPTED
    );
    let code = app.last_code_to(&e164(PHONE_A));

    // The stranger asks for codes for the same ID on their own number, as often as allowed.
    for _ in 0..2 {
        assert_eq!(
            app.request_code(NID_A, PHONE_B).await.status(),
            StatusCode::ACCEPTED
        );
    }
    assert!(
        app.outbox()
            .iter()
            .all(|m| m["to"] == e164(PHONE_A).as_str()),
        "nothing went to the stranger"
    );

    // The citizen's code still works.
    let response = app.verify(NID_A, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn parallel_code_requests_cannot_pass_the_send_limit() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url) = (app.client.clone(), app.api("/auth/citizen/otp"));
        tasks.spawn(async move {
            let body = serde_json::json!({ "national_id": NID_A, "phone": PHONE_A });
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("request")
                .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("task"));
    }
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((accepted, limited), (3, 17), "{statuses:?}");
    assert_eq!(app.outbox().len(), 3, "exactly three text messages left");
}
