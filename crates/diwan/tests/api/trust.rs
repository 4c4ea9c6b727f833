//! Trust through the API: a citizen sees who read their file, approval issues a certificate
//! anyone can verify (and an authorised officer can revoke), and the public log's checkpoint,
//! entries and proofs check out against its published key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diwan_ledger::{
    Hash, LedgerEntry, VerifierKey, leaf_hash, verify_checkpoint, verify_inclusion,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A birth certificate application taken to approved by the clerk and the manager.
async fn approved(app: &TestApp) -> (String, String, String, String) {
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let manager = app.officer_token(CIVIL_STATUS, "manager").await;
    let application = app.apply_birth_certificate(&citizen, "k1").await;
    let id = application["id"].as_str().expect("id").to_owned();
    app.act_ok(&clerk, &id, "start_review", 1, None).await;
    app.act_ok(&clerk, &id, "recommend", 2, None).await;
    app.act_ok(&manager, &id, "approve", 3, None).await;
    (id, citizen, clerk, manager)
}

#[tokio::test]
async fn a_citizen_sees_every_read_and_action_by_others() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let (id, citizen, clerk, _) = approved(&app).await;
    // The citizen's own reads are not listed; the clerk's are, with the screen.
    app.get_ok(&format!("/applications/{id}"), &citizen).await;
    app.get_ok(&format!("/applications/{id}"), &clerk).await;
    app.get_ok(&format!("/applications/{id}/events"), &clerk)
        .await;

    let log = app.get_ok("/me/access-log", &citizen).await;
    let entries = log["entries"].as_array().expect("entries");
    let summary: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_owned(),
                e["purpose"].as_str().unwrap_or_default().to_owned(),
                e["role"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let has = |kind: &str, purpose: &str| summary.iter().any(|(k, p, _)| k == kind && p == purpose);
    assert!(has("read", "view_application"), "{summary:?}");
    assert!(has("read", "view_history"), "{summary:?}");
    assert!(has("action", "start_review"), "{summary:?}");
    assert!(has("action", "approve"), "{summary:?}");
    assert!(
        !has("action", "submitted"),
        "the citizen's own step is not someone else's"
    );
    let read = entries
        .iter()
        .find(|e| e["kind"] == "read")
        .expect("a read");
    assert_eq!(read["actor_kind"], "officer");
    assert_eq!(read["agency"], CIVIL_STATUS);
    assert!(read["officer_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(read["application_id"], id.as_str());

    // An officer's list carries no form data, so listing is not an unrecorded read; the
    // citizen's own list does.
    let queue = app.get_ok("/applications?all=true", &clerk).await;
    assert!(
        queue["items"].as_array().is_some_and(
            |items| !items.is_empty() && items.iter().all(|item| item["data"].is_null())
        )
    );
    let mine = app.get_ok("/applications", &citizen).await;
    assert_eq!(mine["items"][0]["data"]["holder_name"], "محمد أحمد علي حسن");
    let again = app.get_ok("/me/access-log", &citizen).await;
    assert_eq!(
        again["entries"].as_array().map(Vec::len),
        Some(entries.len())
    );

    // Officers have no access log of their own; another citizen sees nothing of this file.
    assert_problem(
        app.get("/me/access-log", Some(&clerk)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let other = app.citizen_token(NID_B, PHONE_B).await;
    let theirs = app.get_ok("/me/access-log", &other).await;
    assert_eq!(theirs["entries"], json!([]));
}

#[tokio::test]
async fn approval_issues_a_certificate_that_verifies_until_revoked() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let (id, citizen, clerk, manager) = approved(&app).await;
    let certificate = app
        .get_ok(&format!("/applications/{id}/certificate"), &citizen)
        .await;
    let payload = certificate["payload"].as_str().expect("payload").to_owned();
    assert!(payload.starts_with("DW1:"), "{payload}");
    assert_eq!(certificate["revoked"], false);
    for (suffix, content_type, magic) in [
        ("pdf", "application/pdf", &b"%PDF-"[..]),
        ("png", "image/png", &b"\x89PNG"[..]),
    ] {
        let response = app
            .get(
                &format!("/applications/{id}/certificate.{suffix}"),
                Some(&citizen),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{suffix}");
        assert_eq!(response.headers()["content-type"], content_type);
        let bytes = response.bytes().await.expect("body");
        assert!(bytes.starts_with(magic), "{suffix}");
    }

    // Public keys, and the kid they name is the certificate's.
    let keys: Value = reqwest::get(format!("{}/.well-known/diwan/keys", app.base))
        .await
        .expect("keys")
        .json()
        .await
        .expect("json");
    assert_eq!(keys["keys"][0]["kid"], certificate["key_id"]);
    assert_eq!(keys["keys"][0]["crv"], "Ed25519");

    let verified = app.check_certificate(&payload).await;
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["revoked"], false);
    assert_eq!(verified["claims"]["service_id"], "birth_certificate");
    assert_eq!(verified["claims"]["holder_name"], "محمد أحمد علي حسن");
    let claims = verified["claims"].to_string();
    assert!(!claims.contains(NID_A), "no national ID in clear: {claims}");

    // A flipped character is refused with a reason, not a crash.
    let mut tampered = payload.clone().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let refused = app
        .check_certificate(&String::from_utf8(tampered).expect("ascii"))
        .await;
    assert_eq!(refused["valid"], false);
    assert!(refused["reason"].as_str().is_some_and(|r| !r.is_empty()));

    // The clerk cannot revoke (the manager issues), an unknown reason is refused.
    assert_problem(
        app.post_json(
            &format!("/applications/{id}/certificate/revoke"),
            Some(&clerk),
            &json!({ "reason": "fraud" }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/applications/{id}/certificate/revoke"),
            Some(&manager),
            &json!({ "reason": "because I said so" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let revoked = app
        .post_json(
            &format!("/applications/{id}/certificate/revoke"),
            Some(&manager),
            &json!({ "reason": "issued_in_error" }),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_problem(
        app.post_json(
            &format!("/applications/{id}/certificate/revoke"),
            Some(&manager),
            &json!({ "reason": "issued_in_error" }),
        )
        .await,
        StatusCode::CONFLICT,
        "already_revoked",
    )
    .await;
    let after = app.check_certificate(&payload).await;
    assert_eq!(after["valid"], false);
    assert_eq!(after["revoked"], true);
    assert_eq!(after["revoke_reason"], "issued_in_error");
}

#[tokio::test]
async fn the_log_verifies_against_its_key() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let (id, _, clerk, _) = approved(&app).await;
    app.get_ok(&format!("/applications/{id}"), &clerk).await;

    let text = |path: String| async move {
        let response = reqwest::get(path).await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("text")
    };
    let vkey = VerifierKey::parse(text(app.api("/ledger/vkey")).await.trim()).expect("vkey");
    let note = text(app.api("/ledger/checkpoint")).await;
    let checkpoint = verify_checkpoint(note.as_bytes(), &vkey).expect("signed checkpoint");
    // Submission, three actions, the certificate, and the clerk's read.
    assert!(checkpoint.size >= 6, "size {}", checkpoint.size);

    let entries = app
        .get_public(&format!("/ledger/entries?start=0&end={}", checkpoint.size))
        .await;
    let entries = entries["entries"].as_array().expect("entries");
    assert_eq!(entries.len() as u64, checkpoint.size);
    let mut tree = diwan_ledger::MemoryTree::new();
    let mut kinds = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry["index"], i);
        let bytes = STANDARD
            .decode(entry["data"].as_str().expect("data"))
            .expect("base64");
        let decoded = LedgerEntry::from_bytes(&bytes).expect("canonical entry");
        kinds.push(decoded.kind());
        assert!(
            !String::from_utf8_lossy(&bytes).contains(NID_A),
            "no national ID in the public log"
        );
        tree.push(leaf_hash(&bytes)).expect("push");
    }
    assert_eq!(
        tree.root(),
        checkpoint.root,
        "the entries make the signed root"
    );
    assert!(kinds.contains(&"certificate_issued"), "{kinds:?}");
    assert!(kinds.contains(&"data_access"), "{kinds:?}");

    for index in [0, checkpoint.size / 2, checkpoint.size - 1] {
        let proof = app
            .get_public(&format!(
                "/ledger/proof/inclusion?index={index}&size={}",
                checkpoint.size
            ))
            .await;
        let hashes: Vec<Hash> = proof["hashes"]
            .as_array()
            .expect("hashes")
            .iter()
            .map(|h| Hash::from_base64(h.as_str().expect("b64")).expect("hash"))
            .collect();
        let data = STANDARD
            .decode(entries[index as usize]["data"].as_str().expect("data"))
            .expect("base64");
        verify_inclusion(
            &leaf_hash(&data),
            index,
            checkpoint.size,
            &hashes,
            &checkpoint.root,
        )
        .expect("inclusion verifies");
    }
    let consistency = app
        .get_public(&format!(
            "/ledger/proof/consistency?from=3&to={}",
            checkpoint.size
        ))
        .await;
    assert_eq!(consistency["from"], 3);

    // Out-of-range requests are clear 422s.
    for path in [
        "/ledger/proof/inclusion?index=0&size=999999".to_owned(),
        format!(
            "/ledger/proof/inclusion?index={0}&size={0}",
            checkpoint.size
        ),
        "/ledger/proof/consistency?from=5&to=2".to_owned(),
        "/ledger/entries?start=5&end=2".to_owned(),
    ] {
        assert_problem(
            app.get(&path, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}

trait Public {
    /// A GET without sign-in that must succeed; the JSON body.
    async fn get_public(&self, path: &str) -> Value;

    /// What `POST /verify` (no sign-in) says of a payload.
    async fn check_certificate(&self, payload: &str) -> Value;
}

impl Public for TestApp {
    async fn get_public(&self, path: &str) -> Value {
        let response = self.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("a JSON body")
    }

    async fn check_certificate(&self, payload: &str) -> Value {
        let response = self
            .post_json("/verify", None, &json!({ "payload": payload }))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "POST /verify");
        response.json().await.expect("a JSON body")
    }
}

/// `application/x-www-form-urlencoded` value: every byte but letters and digits escaped.
fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_public_verify_page_works_without_script_in_both_languages() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let (id, citizen, _, _) = approved(&app).await;
    let payload = app
        .get_ok(&format!("/applications/{id}/certificate"), &citizen)
        .await["payload"]
        .as_str()
        .expect("payload")
        .to_owned();

    let page = app
        .client
        .get(format!("{}/verify", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("script-src"), "no script at all: {csp}");
    let body = page.text().await.expect("html");
    assert!(body.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(
        body.contains(r#"<label for="payload">"#),
        "a label tied to the field"
    );

    let post = |text: String| {
        app.client
            .post(format!("{}/verify", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("payload={}", form_value(&text)))
            .send()
    };
    let valid = post(payload.clone())
        .await
        .expect("post")
        .text()
        .await
        .expect("html");
    assert!(valid.contains("الشهادة صحيحة"), "Arabic verdict");
    assert!(
        valid.contains("The certificate is valid"),
        "English verdict"
    );
    assert!(valid.contains("محمد أحمد علي حسن"), "the holder");
    assert!(!valid.contains(NID_A), "no national ID on the page");

    let hostile = post("<script>alert(1)</script>".to_owned())
        .await
        .expect("post")
        .text()
        .await
        .expect("html");
    assert!(hostile.contains("الشهادة غير صحيحة"));
    assert!(hostile.contains("bad_prefix"), "the reason code is shown");
    assert!(!hostile.contains("<script>"), "the input is escaped");
    assert!(hostile.contains("alert(1)"), "and shown back as text");
}

/// A certificate about someone other than the applicant: a child applies for a parent's death
/// certificate. The holder printed and signed is the name typed in the form (never the
/// applicant's account name, a masked national ID), and no claim carries a national ID or a
/// phone number in clear.
#[tokio::test]
async fn a_death_certificate_names_the_deceased_and_no_ids_or_phones() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let manager = app.officer_token(CIVIL_STATUS, "manager").await;
    let upload = app.upload_pdf(&citizen).await;
    let deceased = "أحمد علي حسن محمود";
    let request = json!({
        "service_id": "death_certificate",
        "data": {
            "deceased_national_id": NID_B,
            "deceased_name": deceased,
            "deceased_mother_name": "زينب إبراهيم",
            "date_of_death": "2020-05-01",
            "death_governorate": "giza",
            "relationship": "child",
            "copies": 1,
            "contact_phone": PHONE_B,
            "applicant_id_card": upload,
        },
    });
    let response = app.apply(&citizen, Some("death-1"), &request).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let application: Value = response.json().await.expect("application JSON");
    let id = application["id"].as_str().expect("id").to_owned();
    app.act_ok(&clerk, &id, "start_review", 1, None).await;
    app.act_ok(&clerk, &id, "recommend", 2, None).await;
    app.act_ok(&manager, &id, "approve", 3, None).await;

    let payload = app
        .get_ok(&format!("/applications/{id}/certificate"), &citizen)
        .await["payload"]
        .as_str()
        .expect("payload")
        .to_owned();
    let verified = app.check_certificate(&payload).await;
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["claims"]["service_id"], "death_certificate");
    assert_eq!(verified["claims"]["holder_name"], deceased);
    let claims = verified["claims"].to_string();
    for (what, digits) in [
        ("the deceased's national ID", NID_B),
        ("the applicant's national ID", NID_A),
        ("the applicant's phone", &PHONE_A[1..]),
        ("the contact phone", &PHONE_B[1..]),
    ] {
        assert!(!claims.contains(digits), "{what} in clear: {claims}");
    }
    // The applicant's account name (their masked national ID) is nowhere either.
    assert!(!claims.contains("****"), "{claims}");
}

/// An application whose data predates its package's holder-name field (submitted under an
/// earlier version) must still be approvable: officers cannot edit a citizen's data. Its
/// certificate says the name was not stated rather than failing the approval.
#[tokio::test]
async fn an_application_from_before_the_holder_field_is_still_approved() {
    let Some(app) = spawn_app().await else {
        return;
    };
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let manager = app.officer_token(CIVIL_STATUS, "manager").await;
    let submitted = app.apply_birth_certificate(&citizen, "old").await;
    let id = submitted["id"].as_str().expect("id").to_owned();
    // The data as an earlier version of the package would have left it: no holder_name.
    let mut data = submitted["data"].clone();
    data.as_object_mut().expect("object").remove("holder_name");
    let stored = app.store.get_application(&id).await.expect("stored");
    let entry = diwan_ledger::LedgerEntry::ApplicationEvent(diwan_ledger::ApplicationEvent {
        application_id: id.clone(),
        service_id: stored.service_id.clone(),
        service_version: stored.service_version,
        version: 2,
        action: "migrated".into(),
        from: Some(stored.state.clone()),
        to: stored.state.clone(),
        actor_kind: diwan_ledger::ActorKind::System,
        actor_role: None,
        actor_agency: None,
        actor_id_hash: Hash([0; 32]),
        at: T0,
    })
    .to_bytes()
    .expect("entry");
    app.store
        .apply_action(diwan_store::ActionCommit {
            application_id: id.clone(),
            expected_version: 1,
            action: "migrated".into(),
            from_state: stored.state.clone(),
            to_state: stored.state.clone(),
            actor: diwan_store::EventActor {
                id: stored.applicant_id.clone(),
                kind: diwan_store::ActorKind::Citizen,
                role: None,
                agency: None,
            },
            comment: None,
            new_data: Some(data),
            uploads: Vec::new(),
            at: T0,
            ledger_entry: entry,
            certificate: None,
        })
        .await
        .expect("old data in place");

    app.act_ok(&clerk, &id, "start_review", 2, None).await;
    app.act_ok(&clerk, &id, "recommend", 3, None).await;
    app.act_ok(&manager, &id, "approve", 4, None).await;
    let payload = app
        .get_ok(&format!("/applications/{id}/certificate"), &citizen)
        .await["payload"]
        .as_str()
        .expect("payload")
        .to_owned();
    let verified = app.check_certificate(&payload).await;
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["claims"]["holder_name"], "غير مذكور / not stated");
}
