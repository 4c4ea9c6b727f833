//! The public catalogue, the OpenAPI document and the health check.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_catalogue_lists_all_forty_services() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let response = app.get("/services", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let services: Vec<Value> = response.json().await.unwrap();
    assert_eq!(services.len(), 40);
    for s in &services {
        assert!(
            s["id"].as_str().is_some_and(|id| !id.is_empty()),
            "id of {s}"
        );
        assert!(
            s["name_ar"].as_str().is_some_and(has_arabic_letters),
            "Arabic name of {s}"
        );
        assert!(
            s["name_en"]
                .as_str()
                .is_some_and(|n| n.chars().any(|c| c.is_ascii_alphabetic())),
            "English name of {s}"
        );
        assert!(
            s["agency"].as_str().is_some_and(|a| !a.is_empty()),
            "agency of {s}"
        );
    }
    let mut ids: Vec<&str> = services.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40, "ids are unique");
    let birth = services
        .iter()
        .find(|s| s["id"] == "birth_certificate")
        .expect("birth_certificate listed");
    assert_eq!(birth["agency"], CIVIL_STATUS);
    assert_eq!(birth["fee"]["amount"], "45.00");
    assert_eq!(birth["fee"]["currency"], "EGP");
}

#[tokio::test]
async fn a_service_describes_its_form() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let response = app.get("/services/birth_certificate", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let service: Value = response.json().await.unwrap();
    assert_eq!(service["id"], "birth_certificate");
    assert!(service["name_ar"].as_str().is_some_and(has_arabic_letters));

    let fields = service["fields"].as_array().expect("fields");
    let ids: Vec<&str> = fields.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "holder_national_id",
            "holder_name",
            "mother_name",
            "relationship",
            "copies",
            "delivery_by_post",
            "contact_phone",
            "applicant_id_card"
        ]
    );
    for f in fields {
        assert!(f["type"].is_string(), "type of {f}");
        assert!(f["required"].is_boolean(), "required of {f}");
        assert!(
            f["label_ar"].as_str().is_some_and(has_arabic_letters),
            "label_ar of {f}"
        );
        assert!(
            f["label_en"].as_str().is_some_and(|l| !l.is_empty()),
            "label_en of {f}"
        );
    }
    let field = |id: &str| fields.iter().find(|f| f["id"] == id).unwrap();

    assert_eq!(field("holder_national_id")["type"], "national_id");
    assert_eq!(field("contact_phone")["type"], "phone");
    assert_eq!(field("delivery_by_post")["required"], false);

    let file = field("applicant_id_card");
    assert_eq!(file["type"], "file");
    assert_eq!(file["required"], true);
    assert_eq!(
        file["accept"],
        json!(["application/pdf", "image/jpeg", "image/png"])
    );
    assert_eq!(file["max_size"], 5120 * 1024);

    let relationship = field("relationship");
    assert_eq!(relationship["type"], "choice");
    let options = relationship["options"].as_array().unwrap();
    assert_eq!(options.len(), 4);
    assert_eq!(
        options[0],
        json!({ "value": "self", "label_ar": "نفسي", "label_en": "Myself" })
    );
    for o in options {
        let mut keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["label_ar", "label_en", "value"]);
    }

    let copies = field("copies");
    assert_eq!(copies["type"], "number");
    assert_eq!(copies["integer"], true);
    assert_eq!(copies["min"].as_f64(), Some(1.0));
    assert_eq!(copies["max"].as_f64(), Some(10.0));

    assert_eq!(service["workflow"]["initial"], "submitted");
    let actions: Vec<&str> = service["workflow"]["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "start_review",
            "recommend",
            "approve",
            "reject",
            "return_to_citizen",
            "resubmit"
        ]
    );
}

#[tokio::test]
async fn an_unknown_service_is_a_404_problem() {
    let Some(app) = spawn_app().await else {
        return;
    };
    assert_problem(
        app.get("/services/no_such_service", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// The paths every client relies on, relative to the `/api/v1` server.
const API_PATHS: [&str; 12] = [
    "/services",
    "/services/{id}",
    "/auth/citizen/otp",
    "/auth/citizen/verify",
    "/auth/officer/login",
    "/auth/logout",
    "/me",
    "/uploads",
    "/applications",
    "/applications/{id}",
    "/applications/{id}/actions",
    "/applications/{id}/events",
];

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1: {}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");

    let paths = doc["paths"].as_object().expect("paths");
    for path in API_PATHS {
        assert!(
            paths.contains_key(path),
            "{path} is described; paths: {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    // `/healthz` lives outside `/api/v1`: its path item names its own server.
    assert_eq!(paths["/healthz"]["servers"][0]["url"], "/");
    // Path keys must start with `/` (OpenAPI 3.1, Paths Object).
    for path in paths.keys() {
        assert!(path.starts_with('/'), "path key {path:?} starts with /");
    }
    let methods = |path: &str| -> Vec<String> {
        let mut m: Vec<String> = paths[path]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters" && *k != "servers")
            .cloned()
            .collect();
        m.sort();
        m
    };
    assert_eq!(methods("/applications"), ["get", "post"]);
    assert_eq!(methods("/applications/{id}/actions"), ["post"]);
    assert_eq!(methods("/services/{id}"), ["get"]);

    // And every described operation is served: without a token or a body each answers
    // something other than the router's 404 and 405 fallbacks.
    for (path, item) in paths {
        let url = match item.get("servers").and_then(|s| s[0]["url"].as_str()) {
            Some(server) => format!("{}{}{path}", app.base, server.trim_end_matches('/')),
            None => app.api(path),
        };
        let url = url.replace("{id}", "birth_certificate");
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters" && *k != "servers")
        {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = app
                .client
                .request(method.clone(), &url)
                .send()
                .await
                .unwrap()
                .status();
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {url} is routed: {status}"
            );
        }
    }
}

#[tokio::test]
async fn the_health_check_answers() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let response = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["services"], 40);
}
