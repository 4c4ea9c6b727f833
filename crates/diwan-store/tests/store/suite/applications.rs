//! Creating applications: the first event, references, idempotency keys, upload ownership.

use std::sync::Arc;

use diwan_store::{ActorKind, ApplicationFilter, Store, StoreError};

use crate::fixtures::{T0, application, citizen, upload, with_key};

pub async fn create_then_get_with_first_event(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let new = application("app-1", &alice);
    let data = new.data.clone();
    let created = store.create_application(new).await.expect("create");

    assert!(!created.replayed);
    let app = &created.application;
    assert_eq!(app.id, "app-1");
    assert_eq!(app.reference, "BC-2026-000001");
    assert_eq!(app.service_id, "birth-certificate");
    assert_eq!(app.service_version, 3);
    assert_eq!(app.agency, "civil-registry");
    assert_eq!(app.applicant_id, alice.id);
    assert_eq!(app.state, "submitted");
    assert_eq!(app.version, 1);
    assert_eq!(app.data, data);
    assert_eq!(
        (app.created_at, app.updated_at, app.state_since),
        (T0, T0, T0)
    );

    assert_eq!(&store.get_application("app-1").await.expect("get"), app);

    let events = store.list_events("app-1").await.expect("events");
    assert_eq!(events.len(), 1);
    let first = &events[0];
    assert_eq!(first.seq, 1);
    assert_eq!(first.application_id, "app-1");
    assert_eq!(first.version, 1);
    assert_eq!(first.action, "submitted");
    assert_eq!(first.from_state, None);
    assert_eq!(first.to_state, "submitted");
    assert_eq!(first.actor_id, alice.id);
    assert_eq!(first.actor_kind, ActorKind::Citizen);
    assert_eq!(
        (first.actor_role.as_deref(), first.actor_agency.as_deref()),
        (None, None)
    );
    assert_eq!(first.comment, None);
    assert_eq!(first.at, T0);
}

pub async fn unknown_records_are_not_found(store: Arc<dyn Store>) {
    assert!(matches!(
        store.get_application("nope").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.list_events("nope").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_upload("nope").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_user("nope").await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_duplicate_id_or_unknown_applicant_is_refused(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    store
        .create_application(application("app-1", &alice))
        .await
        .expect("create");
    assert!(matches!(
        store.create_application(application("app-1", &alice)).await,
        Err(StoreError::Conflict(_))
    ));

    let mut ghost = alice.clone();
    ghost.id = "no-such-user".to_owned();
    assert!(matches!(
        store.create_application(application("app-2", &ghost)).await,
        Err(StoreError::NotFound)
    ));

    // Neither failure used up a reference number.
    let next = store
        .create_application(application("app-3", &alice))
        .await
        .expect("create");
    assert_eq!(next.application.reference, "BC-2026-000002");
}

pub async fn references_are_numbered_per_prefix_and_year(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let cases = [
        ("a1", "BC", 2026, "BC-2026-000001"),
        ("a2", "BC", 2026, "BC-2026-000002"),
        ("a3", "BC", 2027, "BC-2027-000001"),
        ("a4", "DL", 2026, "DL-2026-000001"),
        ("a5", "BC", 2026, "BC-2026-000003"),
        ("a6", "BC", 2027, "BC-2027-000002"),
    ];
    for (id, prefix, year, expected) in cases {
        let mut new = application(id, &alice);
        new.reference_prefix = prefix.to_owned();
        new.year = year;
        let created = store.create_application(new).await.expect("create");
        assert_eq!(created.application.reference, expected, "{id}");
    }
}

pub async fn an_idempotency_key_replays_or_refuses(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let bob = citizen(&*store, 2).await;

    let first = store
        .create_application(with_key(application("app-1", &alice), "key-1", "hash-a"))
        .await
        .expect("create");
    assert!(!first.replayed);

    // A retry carries a fresh server-side id; the key maps it back to the first application.
    let retry = store
        .create_application(with_key(
            application("app-1-retry", &alice),
            "key-1",
            "hash-a",
        ))
        .await
        .expect("replay");
    assert!(retry.replayed);
    assert_eq!(retry.application, first.application);
    assert!(matches!(
        store.get_application("app-1-retry").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.list_events("app-1").await.expect("events").len(), 1);

    // The same key for a different request body is refused.
    assert!(matches!(
        store
            .create_application(with_key(application("app-2", &alice), "key-1", "hash-b"))
            .await,
        Err(StoreError::IdempotencyMismatch)
    ));

    // Keys belong to their owner: Bob's "key-1" is a different key.
    let bobs = store
        .create_application(with_key(application("app-3", &bob), "key-1", "hash-b"))
        .await
        .expect("bob's create");
    assert!(!bobs.replayed);
    // Neither the replay nor the refusal consumed a reference number.
    assert_eq!(bobs.application.reference, "BC-2026-000002");

    let all = store
        .list_applications(ApplicationFilter::default())
        .await
        .expect("list");
    assert_eq!(all.len(), 2);
}

pub async fn uploads_must_exist_and_belong_to_the_applicant(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let bob = citizen(&*store, 2).await;
    upload(&*store, "alice-scan", &alice).await;
    upload(&*store, "bob-scan", &bob).await;

    let mut own = application("app-1", &alice);
    own.uploads = vec!["alice-scan".to_owned()];
    store.create_application(own).await.expect("own upload");

    let mut others = application("app-2", &alice);
    others.uploads = vec!["alice-scan".to_owned(), "bob-scan".to_owned()];
    match store.create_application(others).await {
        Err(StoreError::UploadNotFound(id)) => assert_eq!(id, "bob-scan"),
        other => panic!("expected UploadNotFound(bob-scan), got {other:?}"),
    }

    let mut missing = application("app-3", &alice);
    missing.uploads = vec!["no-such-upload".to_owned()];
    match store.create_application(missing).await {
        Err(StoreError::UploadNotFound(id)) => assert_eq!(id, "no-such-upload"),
        other => panic!("expected UploadNotFound(no-such-upload), got {other:?}"),
    }

    // The refused requests left nothing behind.
    for id in ["app-2", "app-3"] {
        assert!(matches!(
            store.get_application(id).await,
            Err(StoreError::NotFound)
        ));
    }
    let next = store
        .create_application(application("app-4", &alice))
        .await
        .expect("create");
    assert_eq!(next.application.reference, "BC-2026-000002");
}

pub async fn uploads_round_trip(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let meta = upload(&*store, "scan", &alice).await;
    assert_eq!(meta.id, "scan");
    assert_eq!(meta.owner_id, alice.id);
    assert_eq!(meta.filename, "scan.pdf");
    assert_eq!(meta.content_type, "application/pdf");
    assert_eq!(meta.size, 4, "the size of the bytes stored");
    assert_eq!(meta.sha256, "sha256-of-scan");
    assert_eq!(meta.created_at, T0);
    assert_eq!(store.get_upload("scan").await.expect("get"), meta);
    let (with_bytes, bytes) = store.get_upload_content("scan").await.expect("content");
    assert_eq!(with_bytes, meta);
    assert_eq!(bytes.len(), 4);
    assert!(matches!(
        store.get_upload_content("nope").await,
        Err(StoreError::NotFound)
    ));

    let mut stranger = alice.clone();
    stranger.id = "no-such-user".to_owned();
    assert!(matches!(
        store
            .put_upload(diwan_store::NewUpload {
                id: "orphan".to_owned(),
                owner_id: stranger.id,
                filename: "x".to_owned(),
                content_type: "text/plain".to_owned(),
                sha256: "x".to_owned(),
                bytes: Vec::new(),
                at: T0,
                quota: None,
            })
            .await,
        Err(StoreError::NotFound)
    ));
}

/// An owner's recent uploads are counted, by files and by bytes, within the quota's window;
/// older uploads and other owners' do not count; a refusal says when the quota frees.
pub async fn an_upload_quota_bounds_recent_files_and_bytes(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let bob = citizen(&*store, 2).await;
    let put =
        |id: &str, owner: &diwan_store::User, at: i64, size: usize, quota| diwan_store::NewUpload {
            id: id.to_owned(),
            owner_id: owner.id.clone(),
            filename: format!("{id}.pdf"),
            content_type: "application/pdf".to_owned(),
            sha256: format!("sha256-of-{id}"),
            bytes: vec![b'x'; size],
            at,
            quota,
        };
    let quota = |now: i64| {
        Some(diwan_store::UploadQuota {
            since: now - 1_000,
            max_files: 2,
            max_bytes: 10,
        })
    };
    // Outside the window: not counted.
    store
        .put_upload(put("old", &alice, T0, 9, None))
        .await
        .expect("old");
    let now = T0 + 5_000;
    store
        .put_upload(put("a1", &alice, now - 500, 4, quota(now)))
        .await
        .expect("a1");
    // Bytes: 4 + 7 > 10.
    assert!(matches!(
        store.put_upload(put("big", &alice, now, 7, quota(now))).await,
        Err(StoreError::UploadQuotaReached { oldest_at }) if oldest_at == now - 500
    ));
    store
        .put_upload(put("a2", &alice, now, 6, quota(now)))
        .await
        .expect("a2");
    // Files: two already.
    assert!(matches!(
        store
            .put_upload(put("a3", &alice, now, 1, quota(now)))
            .await,
        Err(StoreError::UploadQuotaReached { .. })
    ));
    assert!(matches!(
        store.get_upload("a3").await,
        Err(StoreError::NotFound)
    ));
    // Another owner has a quota of their own.
    store
        .put_upload(put("b1", &bob, now, 10, quota(now)))
        .await
        .expect("b1");
    // Once the first upload leaves the window, one more fits.
    let later = now + 600;
    store
        .put_upload(put("a4", &alice, later, 1, quota(later)))
        .await
        .expect("a4");
}

pub async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}
