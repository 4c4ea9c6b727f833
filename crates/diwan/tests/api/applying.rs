//! Uploading documents and submitting an application.

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::*;

/// `BC-2026-000001`: prefix, year, six digits.
fn is_reference(reference: &str, prefix: &str) -> bool {
    let parts: Vec<&str> = reference.split('-').collect();
    parts.len() == 3
        && parts[0] == prefix
        && parts[1] == "2026"
        && parts[2].len() == 6
        && parts[2].bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn applying_with_an_upload_creates_a_submitted_application() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;

    let response = app
        .apply(&token, Some("first"), &birth_certificate_request(&upload))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response
        .headers()
        .get(LOCATION)
        .expect("Location header")
        .to_str()
        .unwrap()
        .to_string();
    assert!(response.headers().get("idempotent-replayed").is_none());
    let application: Value = response.json().await.unwrap();

    let id = application["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/applications/{id}"));
    assert_eq!(application["reference"], "BC-2026-000001");
    assert_eq!(application["state"], "submitted");
    assert_eq!(application["version"], 1);
    assert_eq!(application["service_id"], "birth_certificate");
    assert_eq!(application["agency"], CIVIL_STATUS);
    assert_eq!(application["terminal"], false);
    assert_eq!(application["created_at"], T0);
    assert_eq!(
        application["due_at"],
        T0 + 24 * 3_600_000,
        "the submitted state's 24-hour SLA"
    );
    assert!(
        application["state_label_ar"]
            .as_str()
            .is_some_and(has_arabic_letters)
    );
    assert_eq!(
        actions(&application),
        Vec::<String>::new(),
        "the citizen has nothing to do while submitted"
    );
    // Stored normalised: the phone in international form, the number as a number.
    assert_eq!(application["data"]["contact_phone"], "+201012345678");
    assert_eq!(application["data"]["copies"], 2);
    assert_eq!(application["data"]["applicant_id_card"], upload.as_str());

    // The Location is where the application lives.
    let fetched = app
        .client
        .get(format!("{}{location}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    let fetched: Value = fetched.json().await.unwrap();
    assert_eq!(fetched["reference"], "BC-2026-000001");

    // References count up per prefix and year.
    let second = app.apply_birth_certificate(&token, "second").await;
    assert_eq!(second["reference"], "BC-2026-000002");
    assert!(is_reference(second["reference"].as_str().unwrap(), "BC"));
    let list = app.get_ok("/applications", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn uploads_are_typed_by_their_bytes() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;

    // Text claiming to be a PDF is refused.
    let problem = assert_problem(
        app.upload(&token, "id-card.pdf", b"just some text, not a PDF".to_vec())
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "file_type_not_accepted",
    )
    .await;
    assert_eq!(problem["field"], "file");

    // A PNG with a misleading name is recognised as a PNG.
    let png = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[0u8; 32][..],
    ]
    .concat();
    let response = app.upload(&token, "scan.pdf", png).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["content_type"], "image/png");
    assert_eq!(body["size"], 40);
    assert_eq!(body["sha256"].as_str().map(str::len), Some(64));

    // An empty file and a missing `file` part are validation errors.
    let problem = assert_problem(
        app.upload(&token, "empty.pdf", Vec::new()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "file"), "empty_file");
    let form = reqwest::multipart::Form::new().text("note", "no file here");
    let response = app
        .client
        .post(app.api("/uploads"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "file"), "required");

    // JSON is not a multipart upload.
    let response = app
        .post_json("/uploads", Some(&token), &json!({ "file": "x" }))
        .await;
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn only_citizens_upload() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    assert_problem(
        app.upload(&clerk, "a.pdf", pdf_bytes()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.upload("not-a-token", "a.pdf", pdf_bytes()).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413() {
    let Some(app) = spawn_app_with(|o| o.max_upload_bytes = 64 * 1024).await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;

    let mut big = pdf_bytes();
    big.resize(100 * 1024, b' ');
    assert_problem(
        app.upload(&token, "big.pdf", big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    )
    .await;

    // Just under the limit is fine.
    let mut fits = pdf_bytes();
    fits.resize(60 * 1024, b' ');
    assert_eq!(
        app.upload(&token, "fits.pdf", fits).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn another_citizens_upload_cannot_be_attached() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let a = app.citizen_token(NID_A, PHONE_A).await;
    let b = app.citizen_token(NID_B, PHONE_B).await;
    let upload_of_a = app.upload_pdf(&a).await;

    let problem = assert_problem(
        app.apply(&b, Some("steal"), &birth_certificate_request(&upload_of_a))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["applicant_id_card"]);
    assert_eq!(
        error_code(&problem, "applicant_id_card"),
        "upload_not_found"
    );

    // Same answer as an upload id that never existed, so B learns nothing about A's files.
    let problem = assert_problem(
        app.apply(
            &b,
            None,
            &birth_certificate_request("0190a0b0-0000-7000-8000-000000000000"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_code(&problem, "applicant_id_card"),
        "upload_not_found"
    );

    assert_eq!(app.get_ok("/applications", &b).await["items"], json!([]));
}

#[tokio::test]
async fn every_invalid_field_of_a_form_is_reported_at_once() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;

    let mut data = birth_certificate_data(&upload);
    data["holder_national_id"] = json!("123");
    data["relationship"] = json!("cousin");
    data["copies"] = json!(11);
    data["contact_phone"] = json!("0223456789");
    data.as_object_mut().unwrap().remove("mother_name");
    data["favourite_colour"] = json!("blue");
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
            "contact_phone",
            "copies",
            "favourite_colour",
            "holder_national_id",
            "mother_name",
            "relationship"
        ]
    );
    assert_eq!(
        error_code(&problem, "holder_national_id"),
        "national_id_format"
    );
    assert_eq!(error_code(&problem, "relationship"), "not_an_option");
    assert_eq!(error_code(&problem, "copies"), "above_max");
    assert_eq!(error_code(&problem, "contact_phone"), "phone_not_mobile");
    assert_eq!(error_code(&problem, "mother_name"), "required");
    assert_eq!(error_code(&problem, "favourite_colour"), "unknown_field");
    assert!(
        problem.get("field").is_none(),
        "no single field when several fail"
    );

    let mut data = birth_certificate_data(&upload);
    data["copies"] = json!(1.5);
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
    assert_eq!(error_fields(&problem), ["copies"]);
    assert_eq!(problem["field"], "copies");
    assert_eq!(error_code(&problem, "copies"), "not_an_integer");

    // An unknown service names the service_id field.
    let problem = assert_problem(
        app.apply(
            &token,
            None,
            &json!({ "service_id": "moon_landing_permit", "data": {} }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "service_id"), "unknown_service");

    assert_eq!(
        app.get_ok("/applications", &token).await["items"],
        json!([]),
        "nothing was created"
    );
}

#[tokio::test]
async fn eastern_arabic_digits_are_accepted_in_forms() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let token = app.citizen_token(NID_A, PHONE_A).await;
    let upload = app.upload_pdf(&token).await;
    let mut data = birth_certificate_data(&upload);
    data["holder_national_id"] = json!(eastern_arabic(NID_A));
    data["contact_phone"] = json!(eastern_arabic(PHONE_A));
    let response = app
        .apply(
            &token,
            None,
            &json!({ "service_id": "birth_certificate", "data": data }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let application: Value = response.json().await.unwrap();
    assert_eq!(application["data"]["holder_national_id"], NID_A);
    assert_eq!(application["data"]["contact_phone"], "+201012345678");
}

#[tokio::test]
async fn officers_cannot_apply() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let response = app
        .apply(&clerk, None, &birth_certificate_request("x"))
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}
