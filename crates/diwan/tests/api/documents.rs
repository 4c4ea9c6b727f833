//! The documents of an application are shown to whoever may see the application — the
//! applicant and officers of its agency — and to nobody else.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn the_applicant_and_the_agency_see_the_document_and_nobody_else() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let a = app.citizen_token(NID_A, PHONE_A).await;
    let b = app.citizen_token(NID_B, PHONE_B).await;
    let application = app.apply_birth_certificate(&a, "doc").await;
    let id = application["id"].as_str().unwrap();
    let path = format!("/applications/{id}/documents/applicant_id_card");

    for token in [
        a.clone(),
        app.officer_token("moi_civil_status", "clerk").await,
    ] {
        let response = app.get(&path, Some(&token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.unwrap().to_vec(), pdf_bytes());
    }

    // Another citizen and another agency's officer: as if it did not exist.
    let other_agency = app.officer_token("supply_offices", "clerk").await;
    for token in [b, other_agency] {
        assert_problem(
            app.get(&path, Some(&token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    // A field that is not a file field, or not a field at all.
    for field in ["holder_name", "nope"] {
        let response = app
            .get(&format!("/applications/{id}/documents/{field}"), Some(&a))
            .await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn a_citizen_uploads_at_most_forty_files_a_day() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let a = app.citizen_token(NID_A, PHONE_A).await;
    let b = app.citizen_token(NID_B, PHONE_B).await;
    for _ in 0..40 {
        app.upload_pdf(&a).await;
    }
    let response = app.upload(&a, "one-more.pdf", pdf_bytes()).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // The quota frees when the first of the day's uploads is a day old.
    assert!((86_000..=86_400).contains(&retry_after), "{retry_after}");
    let problem = assert_problem(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        "upload_quota_reached",
    )
    .await;
    assert_eq!(problem["field"], "file");
    // The quota is each citizen's own.
    app.upload_pdf(&b).await;
}

#[tokio::test]
async fn over_the_quota_the_portal_keeps_the_form_and_says_why_beside_the_file() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    for _ in 0..40 {
        app.upload_pdf(&token).await;
    }
    // The same citizen signs in to the portal.
    let (mut cookies, csrf) = portal_form(&app, "/sign-in", "").await;
    let post = |path: &'static str, cookies: String, body: String| {
        app.client
            .post(format!("{}{path}", app.base))
            .header(reqwest::header::COOKIE, cookies)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let sent = post(
        "/sign-in",
        cookies.join("; "),
        format!("csrf={csrf}&next=%2F&national_id={NID_A}&phone={PHONE_A}"),
    )
    .await
    .unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    let code = app.last_code_to(&e164(PHONE_A));
    let signed_in = post(
        "/sign-in/code",
        cookies.join("; "),
        format!("csrf={csrf}&next=%2F&national_id={NID_A}&code={code}"),
    )
    .await
    .unwrap();
    assert!(
        signed_in.status().is_redirection(),
        "{}",
        signed_in.status()
    );
    cookies.extend(cookies_set(&signed_in));
    let cookies = cookies.join("; ");

    let (_, csrf) = portal_form(&app, "/services/birth_certificate/apply", &cookies).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("holder_name", "محمد أحمد علي حسن")
        .part(
            "applicant_id_card",
            reqwest::multipart::Part::bytes(pdf_bytes()).file_name("id-card.pdf"),
        );
    let answer = app
        .client
        .post(format!("{}/services/birth_certificate/apply", app.base))
        .header(reqwest::header::COOKIE, &cookies)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let html = answer.text().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("رفعت اليوم أكثر مما يُسمح به"), "{html}");
    assert!(html.contains("محمد أحمد علي حسن"), "what was typed is kept");
}
