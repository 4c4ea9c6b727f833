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
