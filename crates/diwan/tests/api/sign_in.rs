//! Citizen sign-in with a one-time code, and officer sign-in with a password.

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn a_code_goes_to_the_outbox_and_buys_a_token() {
    let Some(app) = spawn_app().await else {
        return;
    };

    let response = app.request_code(NID_A, PHONE_A).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 300);

    let outbox = app.outbox();
    assert_eq!(outbox.len(), 1, "one text message: {outbox:?}");
    let message = outbox[0].as_object().unwrap();
    let mut keys: Vec<&str> = message.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["text", "to"]);
    assert_eq!(message["to"], "+201012345678");
    let code = code_in(message["text"].as_str().unwrap());

    let response = app.verify(NID_A, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 32, "a long random token: {token}");
    assert_eq!(body["user"]["kind"], "citizen");

    let me = app.get_ok("/me", token).await;
    assert_eq!(me["kind"], "citizen");
    assert_eq!(me["id"], body["user"]["id"]);
}

#[tokio::test]
async fn a_wrong_code_is_refused_with_the_attempts_left() {
    let Some(app) = spawn_app().await else {
        return;
    };
    app.request_code(NID_A, PHONE_A).await;
    let code = app.last_code_to(&e164(PHONE_A));
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let problem = assert_problem(
        app.verify(NID_A, wrong).await,
        StatusCode::UNAUTHORIZED,
        "invalid_code",
    )
    .await;
    assert_eq!(problem["attempts_left"], 4);
    assert_eq!(problem["field"], "code");
    let problem = assert_problem(
        app.verify(NID_A, wrong).await,
        StatusCode::UNAUTHORIZED,
        "invalid_code",
    )
    .await;
    assert_eq!(problem["attempts_left"], 3);

    // The right code still works after a few wrong tries.
    assert_eq!(app.verify(NID_A, &code).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_codes_void_the_code() {
    let Some(app) = spawn_app().await else {
        return;
    };
    app.request_code(NID_A, PHONE_A).await;
    let code = app.last_code_to(&e164(PHONE_A));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(
            app.verify(NID_A, wrong).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let response = app.verify(NID_A, &code).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the right code no longer works"
    );
}

#[tokio::test]
async fn a_code_works_once() {
    let Some(app) = spawn_app().await else {
        return;
    };
    app.request_code(NID_A, PHONE_A).await;
    let code = app.last_code_to(&e164(PHONE_A));
    assert_eq!(app.verify(NID_A, &code).await.status(), StatusCode::OK);
    assert_problem(
        app.verify(NID_A, &code).await,
        StatusCode::UNAUTHORIZED,
        "no_live_code",
    )
    .await;
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let Some(app) = spawn_app().await else {
        return;
    };
    app.request_code(NID_A, PHONE_A).await;
    let code = app.last_code_to(&e164(PHONE_A));
    app.clock.advance_secs(301);
    assert_problem(
        app.verify(NID_A, &code).await,
        StatusCode::UNAUTHORIZED,
        "no_live_code",
    )
    .await;
}

#[tokio::test]
async fn a_code_just_before_expiry_still_works() {
    let Some(app) = spawn_app().await else {
        return;
    };
    app.request_code(NID_A, PHONE_A).await;
    let code = app.last_code_to(&e164(PHONE_A));
    app.clock.advance_secs(299);
    assert_eq!(app.verify(NID_A, &code).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_new_code_voids_the_previous_one() {
    let Some(app) = spawn_app().await else {
        return;
    };
    app.request_code(NID_A, PHONE_A).await;
    let first = app.last_code_to(&e164(PHONE_A));
    app.request_code(NID_A, PHONE_A).await;
    let second = app.last_code_to(&e164(PHONE_A));
    if first != second {
        assert_eq!(
            app.verify(NID_A, &first).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.verify(NID_A, &second).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_fourth_code_in_the_window_is_refused_until_the_window_passes() {
    let Some(app) = spawn_app().await else {
        return;
    };
    for _ in 0..3 {
        assert_eq!(
            app.request_code(NID_A, PHONE_A).await.status(),
            StatusCode::ACCEPTED
        );
        app.clock.advance_secs(60);
    }
    let response = app.request_code(NID_A, PHONE_A).await;
    let retry_after: u64 = response
        .headers()
        .get(RETRY_AFTER)
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!(
        retry_after > 0 && retry_after <= 900,
        "Retry-After {retry_after}"
    );
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_codes").await;
    assert_eq!(app.outbox().len(), 3, "no fourth text message");

    // Another citizen is not affected.
    assert_eq!(
        app.request_code(NID_B, PHONE_B).await.status(),
        StatusCode::ACCEPTED
    );

    // Once the first code is older than the 15-minute window, a code may be sent again.
    app.clock.advance_secs(15 * 60);
    assert_eq!(
        app.request_code(NID_A, PHONE_A).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn an_invalid_national_id_and_phone_are_both_reported() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let problem = assert_problem(
        app.request_code("2900101123", "12345").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["national_id", "phone"]);
    assert_eq!(error_code(&problem, "national_id"), "national_id_format");
    assert!(app.outbox().is_empty(), "no text message for invalid input");

    // A landline is a valid number but not a mobile; a birth date in the future is refused.
    let problem = assert_problem(
        app.request_code("32606011234567", "0223456789").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["national_id", "phone"]);
    assert_eq!(
        error_code(&problem, "national_id"),
        "national_id_future_birth"
    );
    assert_eq!(error_code(&problem, "phone"), "phone_not_mobile");
}

#[tokio::test]
async fn eastern_arabic_digits_are_accepted_everywhere() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let response = app
        .request_code(&eastern_arabic(NID_A), &eastern_arabic(PHONE_A))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let code = app.last_code_to("+201012345678");

    let response = app
        .verify(&eastern_arabic(NID_A), &eastern_arabic(&code))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );

    // The same citizen as with ASCII digits.
    let body: Value = app.request_code(NID_A, PHONE_A).await.json().await.unwrap();
    assert!(body["message_en"].is_string());
    let code = app.last_code_to("+201012345678");
    let again: Value = app.verify(NID_A, &code).await.json().await.unwrap();
    let token = again["token"].as_str().unwrap();
    let me = app.get_ok("/me", token).await;
    assert_eq!(me["kind"], "citizen");
}

#[tokio::test]
async fn a_registered_citizen_gets_codes_only_on_their_number() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let citizen = app.get_ok("/me", &token).await;

    // Someone else asks for a code for A's national ID on another phone: same answer, no SMS.
    let response = app.request_code(NID_A, PHONE_B).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert!(
        app.outbox().iter().all(|m| m["to"] != e164(PHONE_B)),
        "nothing sent to the other phone"
    );

    // A signs in again on the registered number and is the same user.
    let again = app.citizen_token(NID_A, PHONE_A).await;
    assert_eq!(app.get_ok("/me", &again).await["id"], citizen["id"]);
}

#[tokio::test]
async fn officers_sign_in_with_their_password() {
    let Some(app) = spawn_demo_app().await else {
        return;
    };
    let credentials = app.demo_credentials();
    assert_eq!(
        credentials.len(),
        38,
        "a clerk and a manager for each of the 19 agencies"
    );

    let password = app.demo_password("moi_civil_status.clerk");
    let response = app.login("moi_civil_status.clerk", &password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["kind"], "officer");
    assert_eq!(body["user"]["agency"], CIVIL_STATUS);
    assert_eq!(body["user"]["roles"], serde_json::json!(["clerk"]));
    let token = body["token"].as_str().unwrap();
    assert_eq!(
        app.get_ok("/me", token).await["username"],
        "moi_civil_status.clerk"
    );
}

#[tokio::test]
async fn a_bad_password_and_an_unknown_user_get_the_same_answer() {
    let Some(app) = spawn_demo_app().await else {
        return;
    };
    let password = app.demo_password("moi_civil_status.manager");

    let wrong = assert_problem(
        app.login("moi_civil_status.manager", &format!("{password}x"))
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_problem(
        app.login("nobody.clerk", &password).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        wrong, unknown,
        "the answer does not reveal whether the user exists"
    );

    // Another officer's password does not open this account.
    let clerk_password = app.demo_password("moi_civil_status.clerk");
    assert_eq!(
        app.login("moi_civil_status.manager", &clerk_password)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logging_out_ends_the_session_and_sessions_expire() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let response = app
        .client
        .post(app.api("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/me", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    let token = app.officer_token(CIVIL_STATUS, "clerk").await;
    assert_eq!(app.get("/me", Some(&token)).await.status(), StatusCode::OK);
    app.clock.advance_secs(3601);
    assert_problem(
        app.get("/me", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

/// A valid national ID per `n`: born 1990-01-01 in Cairo, serial `n`.
fn nid(n: u32) -> String {
    format!("290010101{n:04}1")
}

#[tokio::test]
async fn a_national_id_gets_at_most_ten_codes_a_day() {
    let Some(app) = spawn_app().await else {
        return;
    };
    // Three per 15-minute window, windows apart, until the day's ten are used.
    let mut sent = 0;
    while sent < 10 {
        for _ in 0..3.min(10 - sent) {
            assert_eq!(
                app.request_code(NID_A, PHONE_A).await.status(),
                StatusCode::ACCEPTED,
                "code {}",
                sent + 1
            );
            sent += 1;
        }
        app.clock.advance_secs(16 * 60);
    }
    let refused = app.request_code(NID_A, PHONE_A).await;
    let retry_after: u64 = refused.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry_after > 900 && retry_after <= 24 * 3600,
        "{retry_after}"
    );
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_codes").await;
    // A stranger naming another number is answered the same way.
    assert_problem(
        app.request_code(NID_A, PHONE_B).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_codes",
    )
    .await;
    assert_eq!(app.outbox().len(), 10);
    app.clock.advance_secs(24 * 3600);
    assert_eq!(
        app.request_code(NID_A, PHONE_A).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn one_mobile_number_cannot_be_flooded_by_cycling_national_ids() {
    let Some(app) = spawn_app().await else {
        return;
    };
    // Self-enrolment (on in this node) lets each new ID register the same number.
    for n in 1..=10 {
        assert_eq!(
            app.request_code(&nid(n), PHONE_A).await.status(),
            StatusCode::ACCEPTED,
            "ID {n}"
        );
    }
    assert_problem(
        app.request_code(&nid(11), PHONE_A).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_codes",
    )
    .await;
    assert_eq!(app.outbox().len(), 10, "no eleventh text to that number");
    // Other numbers are not affected.
    assert_eq!(
        app.request_code(&nid(12), PHONE_B).await.status(),
        StatusCode::ACCEPTED
    );
}
