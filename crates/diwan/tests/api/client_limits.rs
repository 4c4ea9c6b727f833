//! Per-client limits on sign-in: one client (an address, or an IPv6 /64) gets a budget of code
//! requests (new national IDs only), one of citizens' code checks and one of officers'
//! password attempts per window, whatever national IDs, numbers or usernames it names; a
//! right code or password gives its attempt back. `X-Forwarded-For` names the client only
//! when a trusted proxy sends it. Small budgets are set per node; every request of a test
//! comes from 127.0.0.1.

use reqwest::header::{COOKIE, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    NID_A, PHONE_A, TestApp, assert_problem, has_arabic_letters, portal_form, spawn_app_with,
};

const CODE: &str = "too_many_requests_from_client";

/// A valid national ID per `n`: born 1990-01-01 in Cairo, serial `n`.
fn nid(n: u32) -> String {
    format!("290010101{n:04}1")
}

/// A valid mobile number per `n`.
fn phone(n: u32) -> String {
    format!("0101000{n:04}")
}

/// A node whose clients may ask for codes for `codes` national IDs, make `attempts` code
/// checks and `officer` password attempts per window, behind the `trusted` proxies.
async fn spawn(codes: u32, attempts: u32, officer: u32, trusted: &[&str]) -> Option<TestApp> {
    let trusted: Vec<_> = trusted
        .iter()
        .map(|n| diwan_server::client_addr::parse_trusted_proxy(n).expect("a CIDR block"))
        .collect();
    spawn_app_with(|o| {
        o.client_limits.code_requests_per_window = codes;
        o.client_limits.sign_in_attempts_per_window = attempts;
        o.client_limits.officer_attempts_per_window = officer;
        o.client_limits.trusted_proxies = trusted;
    })
    .await
}

/// `POST /auth/citizen/otp` carrying `X-Forwarded-For: forwarded` when given.
async fn request_code(app: &TestApp, forwarded: Option<&str>, n: u32) -> Response {
    let mut request = app
        .client
        .post(app.api("/auth/citizen/otp"))
        .json(&json!({ "national_id": nid(n), "phone": phone(n) }));
    if let Some(forwarded) = forwarded {
        request = request.header("X-Forwarded-For", forwarded);
    }
    request.send().await.expect("answered")
}

fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get(RETRY_AFTER)
        .expect("Retry-After")
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds")
}

/// Asserts the per-client refusal; returns its `Retry-After` and body.
async fn assert_refused(response: Response) -> (u64, Value) {
    let wait = retry_after(&response);
    let body = assert_problem(response, StatusCode::TOO_MANY_REQUESTS, CODE).await;
    (wait, body)
}

#[tokio::test]
async fn one_address_cycling_national_ids_and_numbers_is_limited() {
    let Some(app) = spawn(3, 60, 60, &[]).await else {
        return;
    };
    for n in 1..=3 {
        assert_eq!(
            request_code(&app, None, n).await.status(),
            StatusCode::ACCEPTED,
            "ID {n}"
        );
    }
    let (wait, refused) = assert_refused(request_code(&app, None, 4).await).await;
    assert_eq!(
        wait, 900,
        "the first request leaves the window in 15 minutes"
    );
    assert_eq!(app.outbox().len(), 3, "no fourth text message");

    // The answer is the same for a registered citizen on their own number, and for an
    // invalid request: nothing about the store is consulted.
    let registered = app
        .post_json(
            "/auth/citizen/otp",
            None,
            &json!({ "national_id": NID_A, "phone": PHONE_A }),
        )
        .await;
    let (_, registered) = assert_refused(registered).await;
    assert_eq!(registered, refused);
    let invalid = app
        .post_json(
            "/auth/citizen/otp",
            None,
            &json!({ "national_id": "1", "phone": "2" }),
        )
        .await;
    assert_eq!(assert_refused(invalid).await.1, refused);

    // Retry-After counts down with the window, and the budget comes back with it.
    app.clock.advance_secs(300);
    assert_eq!(
        assert_refused(request_code(&app, None, 5).await).await.0,
        600
    );
    app.clock.advance_secs(600);
    assert_eq!(
        request_code(&app, None, 6).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_for_header_changes_nothing() {
    let Some(app) = spawn(2, 60, 60, &[]).await else {
        return;
    };
    for (n, spoofed) in [(1, "203.0.113.1"), (2, "203.0.113.2")] {
        assert_eq!(
            request_code(&app, Some(spoofed), n).await.status(),
            StatusCode::ACCEPTED
        );
    }
    assert_refused(request_code(&app, Some("203.0.113.3"), 3).await).await;
    assert_refused(request_code(&app, None, 4).await).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let Some(app) = spawn(2, 60, 60, &["127.0.0.1/32"]).await else {
        return;
    };
    let accepted = |r: Response| {
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    };
    accepted(request_code(&app, Some("203.0.113.1"), 1).await);
    accepted(request_code(&app, Some("203.0.113.1"), 2).await);
    assert_refused(request_code(&app, Some("203.0.113.1"), 3).await).await;
    // A client naming someone else to the left of itself is still itself.
    assert_refused(request_code(&app, Some("198.51.100.7, 203.0.113.1"), 4).await).await;

    // Another client behind the same proxy is not affected.
    accepted(request_code(&app, Some("203.0.113.2"), 5).await);
    accepted(request_code(&app, Some("198.51.100.7, 203.0.113.2"), 6).await);
    assert_refused(request_code(&app, Some("203.0.113.2"), 7).await).await;

    // An IPv6 client is counted by its /64: a new address in it is the same client.
    accepted(request_code(&app, Some("2001:db8:1:2::1"), 8).await);
    accepted(request_code(&app, Some("2001:db8:1:2::ffff"), 9).await);
    assert_refused(request_code(&app, Some("2001:db8:1:2:aaaa::3"), 10).await).await;
    accepted(request_code(&app, Some("2001:db8:1:3::1"), 11).await);

    // Without the header the client is the proxy itself, with a budget of its own.
    accepted(request_code(&app, None, 12).await);
}

#[tokio::test]
async fn officer_passwords_across_usernames_meet_the_client_limit() {
    let Some(app) = spawn(30, 60, 3, &[]).await else {
        return;
    };
    // A real account, signed in with the right password: the attempt is given back.
    for _ in 0..5 {
        let token = app.officer_token("moi_civil_status", "clerk").await;
        assert!(!token.is_empty());
    }
    for username in ["a.clerk", "b.clerk", "c.clerk"] {
        assert_problem(
            app.login(username, "guess").await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    // Each username has failed once (its own limit is 10), but the client has used its three.
    let (wait, _) = assert_refused(app.login("d.clerk", "guess").await).await;
    assert!(wait > 0 && wait <= 900, "{wait}");
    assert_refused(
        app.login(
            "moi_civil_status.clerk",
            crate::helpers::TEST_OFFICER_PASSWORD,
        )
        .await,
    )
    .await;
}

#[tokio::test]
async fn a_right_code_gives_its_attempt_back() {
    let Some(app) = spawn(30, 2, 60, &[]).await else {
        return;
    };
    // Three sign-ins with the right code from one address with a budget of two checks.
    for _ in 0..3 {
        assert!(!app.citizen_token(NID_A, PHONE_A).await.is_empty());
    }
    // Wrong checks still count: the budget of two is whole, and then spent.
    for _ in 0..2 {
        assert_problem(
            app.verify(&nid(1), "123456").await,
            StatusCode::UNAUTHORIZED,
            "no_live_code",
        )
        .await;
    }
    assert_refused(app.verify(&nid(2), "123456").await).await;
}

/// Two wrong code checks from this address, and the third refused: a budget of two spent.
async fn spend_two_code_checks(app: &TestApp) {
    for n in 1..=2 {
        assert_problem(
            app.verify(&nid(n), "123456").await,
            StatusCode::UNAUTHORIZED,
            "no_live_code",
        )
        .await;
    }
    assert_refused(app.verify(&nid(3), "123456").await).await;
}

/// Two wrong passwords from this address, and the third refused: a budget of two spent.
async fn spend_two_password_attempts(app: &TestApp) {
    for username in ["a.clerk", "b.clerk"] {
        assert_problem(
            app.login(username, "guess").await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    assert_refused(app.login("c.clerk", "guess").await).await;
}

#[tokio::test]
async fn citizens_spent_code_checks_do_not_block_officers() {
    let Some(app) = spawn(30, 2, 2, &[]).await else {
        return;
    };
    // Citizens on an office's shared address spend their code checks...
    spend_two_code_checks(&app).await;
    // ...and an officer at the same address still signs in.
    let token = app.officer_token("moi_civil_status", "clerk").await;
    assert!(!token.is_empty());
    spend_two_password_attempts(&app).await;
}

#[tokio::test]
async fn officers_spent_attempts_do_not_block_code_checks() {
    let Some(app) = spawn(30, 2, 2, &[]).await else {
        return;
    };
    spend_two_password_attempts(&app).await;
    spend_two_code_checks(&app).await;
}

#[tokio::test]
async fn asking_again_for_the_same_national_id_does_not_spend_the_budget() {
    let Some(app) = spawn(2, 60, 60, &[]).await else {
        return;
    };
    // One citizen asking many times (a slow text, an impatient thumb): the store's limit
    // per ID answers, never the client's.
    for i in 0..10 {
        // As typed: plain, padded, or in Eastern Arabic digits.
        let national_id = match i % 3 {
            0 => NID_A.to_string(),
            1 => format!(" {NID_A} "),
            _ => NID_A
                .chars()
                .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
                .collect(),
        };
        let response = app
            .post_json(
                "/auth/citizen/otp",
                None,
                &json!({ "national_id": national_id, "phone": PHONE_A }),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("JSON");
        assert_ne!(body["code"], CODE, "request {i}: {body}");
        if i < 3 {
            assert_eq!(status, StatusCode::ACCEPTED, "request {i}: {body}");
        } else {
            assert_eq!(body["code"], "too_many_codes", "request {i}: {body}");
        }
    }
    // A second ID takes the second place; a third is refused, and stays refused.
    assert_eq!(
        request_code(&app, None, 1).await.status(),
        StatusCode::ACCEPTED
    );
    for n in [2, 2, 3] {
        assert_refused(request_code(&app, None, n).await).await;
    }
    // The IDs already asked for still are not refused by the client's budget.
    assert_eq!(
        request_code(&app, None, 1).await.status(),
        StatusCode::ACCEPTED
    );
    let again = app.request_code(NID_A, PHONE_A).await;
    assert_problem(again, StatusCode::TOO_MANY_REQUESTS, "too_many_codes").await;
}

async fn post_form(app: &TestApp, path: &str, cookie: &str, body: String) -> Response {
    app.client
        .post(format!("{}{path}", app.base))
        .header(COOKIE, cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn the_portals_sign_in_pages_count_against_the_same_budgets() {
    let Some(app) = spawn(2, 1, 1, &[]).await else {
        return;
    };
    // One code through the API, one through the portal: the budget of two is spent.
    assert_eq!(
        request_code(&app, None, 1).await.status(),
        StatusCode::ACCEPTED
    );
    let (cookies, csrf) = portal_form(&app, "/sign-in", "").await;
    let cookie = cookies.join("; ");
    let body = |n: u32| {
        format!(
            "csrf={csrf}&next=%2F&national_id={}&phone={}",
            nid(n),
            phone(n)
        )
    };
    let sent = post_form(&app, "/sign-in", &cookie, body(2)).await;
    assert_eq!(sent.status(), StatusCode::OK, "the code page");
    let refused = post_form(&app, "/sign-in", &cookie, body(3)).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&refused), 900);
    let html = refused.text().await.expect("HTML");
    assert!(
        html.contains("وصلتنا طلبات دخول كثيرة من شبكتك"),
        "the message, in Arabic, on the sign-in page: {html}"
    );
    assert!(has_arabic_letters(&html));
    assert_refused(request_code(&app, None, 4).await).await;
    assert_eq!(app.outbox().len(), 2);

    // The back office's sign-in takes from the attempts, as the API's does.
    assert_problem(
        app.login("a.clerk", "guess").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let (cookies, csrf) = portal_form(&app, "/office/sign-in", "").await;
    let cookie = cookies.join("; ");
    let refused = post_form(
        &app,
        "/office/sign-in",
        &cookie,
        format!("csrf={csrf}&username=b.clerk&password=guess"),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) > 0);
    let html = refused.text().await.expect("HTML");
    assert!(html.contains("وصلتنا طلبات دخول كثيرة من شبكتك"), "{html}");
}
