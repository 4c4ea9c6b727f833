//! Builders for test records, with a fixed clock so every run writes the same data.

use diwan_store::{
    ActionCommit, ActorKind, Application, EventActor, IdempotencyKey, NewApplication, NewUpload,
    Store, UploadMeta, User,
};
use serde_json::json;

/// 2026-01-01T00:00:00Z in Unix milliseconds: the tests' "now".
pub const T0: i64 = 1_767_225_600_000;

pub const AGENCY: &str = "civil-registry";

/// The citizen numbered `n`: id `citizen-{n}`, a 10-digit national ID and a phone number.
pub async fn citizen(store: &dyn Store, n: u32) -> User {
    store
        .upsert_citizen(&format!("citizen-{n}"), &national_id(n), &phone(n), T0)
        .await
        .expect("create citizen")
}

pub fn national_id(n: u32) -> String {
    format!("29901{n:05}")
}

pub fn phone(n: u32) -> String {
    format!("+96650{n:07}")
}

/// A birth-certificate application by `applicant`, created at `T0`.
pub fn application(id: &str, applicant: &User) -> NewApplication {
    NewApplication {
        id: id.to_owned(),
        reference_prefix: "BC".to_owned(),
        year: 2026,
        service_id: "birth-certificate".to_owned(),
        service_version: 3,
        agency: AGENCY.to_owned(),
        applicant_id: applicant.id.clone(),
        initial_state: "submitted".to_owned(),
        data: json!({ "child": { "name": format!("child of {id}") }, "copies": 2 }),
        uploads: Vec::new(),
        idempotency: None,
        at: T0,
        ledger_entry: format!("submitted {id}").into_bytes(),
    }
}

pub fn with_key(mut new: NewApplication, key: &str, request_hash: &str) -> NewApplication {
    new.idempotency = Some(IdempotencyKey {
        owner: new.applicant_id.clone(),
        key: key.to_owned(),
        request_hash: request_hash.to_owned(),
    });
    new
}

pub async fn upload(store: &dyn Store, id: &str, owner: &User) -> UploadMeta {
    store
        .put_upload(NewUpload {
            id: id.to_owned(),
            owner_id: owner.id.clone(),
            filename: format!("{id}.pdf"),
            content_type: "application/pdf".to_owned(),
            sha256: format!("sha256-of-{id}"),
            bytes: id.as_bytes().to_vec(),
            at: T0,
            quota: None,
        })
        .await
        .expect("put upload")
}

pub fn officer_actor() -> EventActor {
    EventActor {
        id: "officer-1".to_owned(),
        kind: ActorKind::Officer,
        role: Some("clerk".to_owned()),
        agency: Some(AGENCY.to_owned()),
    }
}

/// An officer moving `application` from its current state to `to_state` at `at`.
pub fn action(application: &Application, name: &str, to_state: &str, at: i64) -> ActionCommit {
    ActionCommit {
        application_id: application.id.clone(),
        expected_version: application.version,
        action: name.to_owned(),
        from_state: application.state.clone(),
        to_state: to_state.to_owned(),
        actor: officer_actor(),
        comment: None,
        new_data: None,
        uploads: Vec::new(),
        at,
        ledger_entry: format!("{name} {} v{}", application.id, application.version + 1)
            .into_bytes(),
        certificate: None,
    }
}
