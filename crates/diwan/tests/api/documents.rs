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
