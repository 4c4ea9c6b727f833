//! Every error a client can cause is a `4xx` `application/problem+json` with a stable code and
//! messages in Arabic and English; the checks of that shape live in `assert_problem`.

use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

impl TestApp {
    /// A raw request with this body and content type.
    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.api(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("answered")
    }
}

#[tokio::test]
async fn malformed_json_is_400() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let otp = json!({ "national_id": NID_A, "phone": PHONE_A }).to_string();
    let apply = birth_certificate_request("x").to_string();
    for (path, token, valid) in [
        ("/auth/citizen/otp", None, otp),
        ("/applications", Some(token.as_str()), apply),
    ] {
        let cut = valid[..valid.len() / 2].to_string();
        let trailing = format!("{valid} trailing");
        for body in [cut, "not json".to_string(), trailing, String::new()] {
            let response = app
                .send_raw(Method::POST, path, token, Some("application/json"), body)
                .await;
            assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        }
    }
    assert_eq!(app.outbox().len(), 1, "only the sign-in code was sent");
}

#[tokio::test]
async fn an_unknown_field_a_wrong_type_and_a_missing_field_are_named() {
    let Some(app) = spawn_app().await else {
        return;
    };

    let unknown = assert_problem(
        app.post_json(
            "/auth/citizen/otp",
            None,
            &json!({ "national_id": NID_A, "phone": PHONE_A, "nickname": "x" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(unknown["field"], "nickname");
    assert_eq!(unknown["reason"], "unknown_field");
    assert!(unknown["message_en"].as_str().unwrap().contains("nickname"));
    assert!(unknown["message_ar"].as_str().unwrap().contains("nickname"));

    let wrong_type = assert_problem(
        app.post_json(
            "/auth/citizen/otp",
            None,
            &json!({ "national_id": 29001011234567_u64, "phone": PHONE_A }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(wrong_type["field"], "national_id");
    assert_eq!(wrong_type["reason"], "invalid_type");

    let missing = assert_problem(
        app.post_json("/auth/citizen/otp", None, &json!({ "national_id": NID_A }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(missing["field"], "phone");
    assert_eq!(missing["reason"], "missing_field");

    // The same on an authenticated route with a nested shape.
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let application = app.apply_birth_certificate(&token, "k").await;
    let path = format!(
        "/applications/{}/actions",
        application["id"].as_str().unwrap()
    );
    let problem = assert_problem(
        app.post_json(
            &path,
            Some(&token),
            &json!({ "action": "resubmit", "expected_version": "one" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(problem["field"], "expected_version");
    let problem = assert_problem(
        app.post_json(&path, Some(&token), &json!({ "action": "resubmit" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(problem["field"], "expected_version");
    let problem = assert_problem(
        app.post_json(
            "/applications",
            Some(&token),
            &json!({ "service_id": "birth_certificate", "data": {}, "priority": "high" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(problem["field"], "priority");
    let problem = assert_problem(
        app.post_json(
            "/applications",
            Some(&token),
            &json!({ "service_id": ["birth_certificate"], "data": {} }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_eq!(problem["field"], "service_id");
}

#[tokio::test]
async fn a_form_with_many_bad_fields_lists_them_all() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let data = json!({
        "holder_national_id": "not an id",
        "holder_name": "abc",
        "mother_name": 7,
        "relationship": "neighbour",
        "copies": 0,
        "delivery_by_post": "maybe",
        "contact_phone": "12",
        "applicant_id_card": "../../etc/passwd",
    });
    let problem = assert_problem(
        app.apply(
            &token,
            None,
            &json!({ "service_id": "birth_certificate", "data": data }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "applicant_id_card",
            "contact_phone",
            "copies",
            "delivery_by_post",
            "holder_name",
            "holder_national_id",
            "mother_name",
            "relationship"
        ]
    );
    assert_eq!(error_code(&problem, "holder_name"), "too_short");
    assert_eq!(error_code(&problem, "mother_name"), "wrong_type");
    assert_eq!(error_code(&problem, "copies"), "below_min");
    assert_eq!(error_code(&problem, "applicant_id_card"), "invalid_upload");
    // Each message names its field in both languages.
    let copies = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "copies")
        .unwrap();
    assert!(
        copies["message_ar"].as_str().unwrap().contains("عدد النسخ"),
        "{copies}"
    );
    assert!(
        copies["message_en"]
            .as_str()
            .unwrap()
            .contains("Number of copies"),
        "{copies}"
    );
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let body = json!({ "national_id": NID_A, "phone": PHONE_A }).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let response = app
            .send_raw(
                Method::POST,
                "/auth/citizen/otp",
                None,
                content_type,
                body.clone(),
            )
            .await;
        assert_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    // `application/json; charset=utf-8` is JSON.
    let response = app
        .send_raw(
            Method::POST,
            "/auth/citizen/otp",
            None,
            Some("application/json; charset=utf-8"),
            body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let token = app.citizen_token(NID_B, PHONE_B).await;
    let upload = app.upload_pdf(&token).await;
    let body = birth_certificate_request(&upload).to_string();
    let response = app
        .send_raw(
            Method::POST,
            "/applications",
            Some(&token),
            Some("text/plain"),
            body,
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let huge = json!({ "national_id": "x".repeat(1024 * 1024), "phone": PHONE_A }).to_string();
    assert!(huge.len() > 1024 * 1024);
    let response = app
        .send_raw(
            Method::POST,
            "/auth/citizen/otp",
            None,
            Some("application/json"),
            huge.clone(),
        )
        .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;

    let huge = json!({ "service_id": "birth_certificate", "data": { "holder_name": "x".repeat(1024 * 1024) } }).to_string();
    let response = app
        .send_raw(
            Method::POST,
            "/applications",
            Some(&token),
            Some("application/json"),
            huge,
        )
        .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;

    let application = app.apply_birth_certificate(&token, "k").await;
    let huge =
        json!({ "action": "resubmit", "expected_version": 1, "comment": "x".repeat(1024 * 1024) })
            .to_string();
    let path = format!(
        "/applications/{}/actions",
        application["id"].as_str().unwrap()
    );
    let response = app
        .send_raw(
            Method::POST,
            &path,
            Some(&token),
            Some("application/json"),
            huge,
        )
        .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let Some(app) = spawn_app().await else {
        return;
    };
    for url in [
        app.api("/nothing-here"),
        app.api("/services/birth_certificate/extra"),
        format!("{}/nothing-here", app.base),
    ] {
        let response = app.client.get(&url).send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // A browser asking for a page gets a page, in Arabic, still a 404.
    let page = app
        .client
        .get(format!("{}/nothing-here", app.base))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = page.text().await.unwrap();
    assert!(body.contains("dir=\"rtl\"") && body.contains("الصفحة غير موجودة"));
    for (method, url) in [
        (Method::DELETE, app.api("/services")),
        (Method::PUT, app.api("/services/birth_certificate")),
        (Method::GET, app.api("/auth/citizen/otp")),
        (Method::PATCH, app.api("/applications/some-id")),
        (Method::POST, format!("{}/healthz", app.base)),
    ] {
        let response = app
            .client
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        assert_problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
    }
}

#[tokio::test]
async fn a_missing_or_bad_token_is_401_with_a_challenge() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let cases: [(&str, Option<&str>); 4] = [
        ("/applications", None),
        ("/applications", Some("Bearer garbage-token")),
        ("/me", Some("Basic dXNlcjpwYXNz")),
        ("/applications/some-id/events", Some("Bearer ")),
    ];
    for (path, authorization) in cases {
        let mut request = app.client.get(app.api(path));
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response
                .headers()
                .get(WWW_AUTHENTICATE)
                .map(|v| v.to_str().unwrap()),
            Some("Bearer"),
            "{path} {authorization:?}"
        );
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let response = app
        .post_json("/applications", Some("garbage"), &json!({}))
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let response = app
        .post_json("/applications/x/actions", None, &json!({}))
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn other_refusals_are_problems_too() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let application = app.apply_birth_certificate(&citizen, "k").await;
    let id = application["id"].as_str().unwrap();
    let path = format!("/applications/{id}/actions");

    // Only the applicant changes the data.
    let body =
        json!({ "action": "start_review", "expected_version": 1, "data": application["data"] });
    let problem = assert_problem(
        app.post_json(&path, Some(&clerk), &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "data"), "data_not_allowed");

    // A comment has a length limit.
    let problem = assert_problem(
        app.act(&clerk, id, "start_review", 1, Some(&"ح".repeat(2001)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "comment"), "too_long");

    // A bad query string.
    assert_problem(
        app.get("/applications?limit=many", Some(&clerk)).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/applications?colour=red", Some(&clerk)).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;

    // A wrong code of the wrong shape.
    let problem = assert_problem(
        app.verify(NID_A, "12ab").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "code"), "code_format");

    let unchanged: Value = app.get_ok(&format!("/applications/{id}"), &clerk).await;
    assert_eq!(unchanged["version"], 1);
}

/// Behind a reverse proxy on the same machine every request arrives on loopback: unless the
/// node is told it is a development one, portal cookies are `Secure` there too.
#[tokio::test]
async fn portal_cookies_are_secure_unless_the_node_is_for_development() {
    let Some(app) = spawn_app_with(|o| o.plain_http_cookies_on_loopback = false).await else {
        return;
    };
    let page = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(!cookies.is_empty());
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
}
