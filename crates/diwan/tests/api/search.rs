//! Search: from a citizen's own words to a service, or an honest "no confident match".

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

async fn search(app: &TestApp, query: &str) -> Value {
    let url = format!("/search?q={}&limit=5", encode(query));
    let response = app.get(&url, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

/// Percent-encoding for a query string value (reqwest is used without its `url` helpers).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn colloquial_arabic_arabizi_and_english_find_the_service() {
    let Some(app) = spawn_app().await else {
        return;
    };
    for (query, expected) in [
        ("محتاج فيش جنائي للشغل", "criminal_record_certificate"),
        ("شهاده ميلاد كمبيوتر", "birth_certificate"),
        ("3ayez agaded el basbor", "passport_renewal"),
        ("lost my ration card", "ration_card_replacement"),
    ] {
        let body = search(&app, query).await;
        let results = body["results"].as_array().expect("results");
        assert!(!results.is_empty() && results.len() <= 5, "{body}");
        assert_eq!(results[0]["service_id"], expected, "{query}: {body}");
        assert_eq!(body["confident"], true, "{query}: {body}");
        assert!(
            results[0]["name_ar"]
                .as_str()
                .is_some_and(has_arabic_letters)
        );
        assert!(
            results[0]["name_en"]
                .as_str()
                .is_some_and(|n| !n.is_empty())
        );
        assert!(results[0]["score"].as_f64().is_some_and(|s| s > 0.0));
    }
}

#[tokio::test]
async fn a_question_about_something_else_is_not_a_confident_match() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let body = search(&app, "الجو هيبقى عامل ايه بكرة؟").await;
    assert_eq!(body["confident"], false, "{body}");
}

#[tokio::test]
async fn a_service_done_elsewhere_is_named_with_where_to_go() {
    let Some(app) = spawn_app().await else {
        return;
    };
    // Diwan renews driving licences but does not issue the first one.
    let body = search(&app, "ازاي اطلع رخصة سواقة لأول مرة").await;
    assert_eq!(body["confident"], false, "{body}");
    let elsewhere = &body["done_elsewhere"];
    assert_eq!(elsewhere["id"], "driving_licence_first_issue", "{body}");
    assert!(
        elsewhere["where_ar"]
            .as_str()
            .is_some_and(|w| w.contains("المرور")),
        "{body}"
    );
    assert!(
        elsewhere["where_en"]
            .as_str()
            .is_some_and(|w| w.contains("traffic")),
        "{body}"
    );
    // Entries done elsewhere are never results: every result is a service one can apply for.
    for r in body["results"].as_array().expect("results") {
        let id = r["service_id"].as_str().unwrap_or_default();
        let service = app.get(&format!("/services/{id}"), None).await;
        assert_eq!(service.status(), StatusCode::OK, "{id}");
    }
    // A paper Diwan issues, asked for a purpose served elsewhere, is still a question about
    // the paper: nothing is said to be elsewhere.
    let body = search(&app, "محتاج شهادة ميلاد عشان التطعيم").await;
    assert_eq!(
        body["results"][0]["service_id"], "birth_certificate",
        "{body}"
    );
    assert!(body["done_elsewhere"].is_null(), "{body}");
    // The renewal itself is served, and nothing is said to be elsewhere.
    let body = search(&app, "عايز اجدد رخصة السواقة").await;
    assert_eq!(body["results"][0]["service_id"], "driving_licence_renewal");
    assert_eq!(body["confident"], true, "{body}");
    assert!(body["done_elsewhere"].is_null(), "{body}");
}

#[tokio::test]
async fn an_empty_query_or_a_limit_out_of_range_is_a_field_error() {
    let Some(app) = spawn_app().await else {
        return;
    };
    for (path, field) in [
        ("/search?q=", "q"),
        ("/search?q=%20%20", "q"),
        ("/search", "q"),
        ("/search?q=passport&limit=0", "limit"),
        ("/search?q=passport&limit=21", "limit"),
    ] {
        let problem = assert_problem(
            app.get(path, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["field"], field, "{path}: {problem}");
    }
    assert_problem(
        app.get("/search?q=passport&limit=many", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
}
