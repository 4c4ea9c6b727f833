//! Applying workflow actions: optimistic concurrency, events, data and SLA timestamps.

use std::sync::Arc;

use diwan_store::{ActorKind, Application, Event, Store, StoreError};
use serde_json::json;

use crate::fixtures::{T0, action, application, citizen, upload};

async fn submitted(store: &dyn Store, id: &str) -> Application {
    let alice = citizen(store, 1).await;
    store
        .create_application(application(id, &alice))
        .await
        .expect("create")
        .application
}

pub async fn an_action_moves_the_state_and_appends_an_event(store: Arc<dyn Store>) {
    let app = submitted(&*store, "app-1").await;
    let mut review = action(&app, "start_review", "under_review", T0 + 60_000);
    review.comment = Some("looking at it".to_owned());
    let moved = store.apply_action(review).await.expect("apply");

    assert_eq!(moved.state, "under_review");
    assert_eq!(moved.version, 2);
    assert_eq!(moved.updated_at, T0 + 60_000);
    assert_eq!(moved.state_since, T0 + 60_000);
    assert_eq!(moved.created_at, T0);
    assert_eq!(moved.data, app.data, "no new data keeps the old");
    assert_eq!(moved.reference, app.reference);
    assert_eq!(store.get_application("app-1").await.expect("get"), moved);

    let events = store.list_events("app-1").await.expect("events");
    assert_eq!(events.len(), 2);
    let event = &events[1];
    assert_eq!(event.seq, events[0].seq + 1);
    assert_eq!(event.version, 2);
    assert_eq!(event.action, "start_review");
    assert_eq!(event.from_state.as_deref(), Some("submitted"));
    assert_eq!(event.to_state, "under_review");
    assert_eq!(event.actor_id, "officer-1");
    assert_eq!(event.actor_kind, ActorKind::Officer);
    assert_eq!(event.actor_role.as_deref(), Some("clerk"));
    assert_eq!(event.actor_agency.as_deref(), Some("civil-registry"));
    assert_eq!(event.comment.as_deref(), Some("looking at it"));
    assert_eq!(event.at, T0 + 60_000);
}

pub async fn a_stale_version_or_state_conflicts(store: Arc<dyn Store>) {
    let app = submitted(&*store, "app-1").await;
    let first = action(&app, "start_review", "under_review", T0 + 1);
    // A second officer decided from the same read.
    let second = action(&app, "reject", "rejected", T0 + 2);
    store.apply_action(first).await.expect("first wins");
    match store.apply_action(second).await {
        Err(StoreError::VersionConflict { current, state }) => {
            assert_eq!((current, state.as_str()), (2, "under_review"));
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }

    // The right version with the wrong state is refused too.
    let mut confused = action(&app, "reject", "rejected", T0 + 3);
    confused.expected_version = 2;
    assert!(matches!(
        store.apply_action(confused).await,
        Err(StoreError::VersionConflict { current: 2, .. })
    ));

    let now = store.get_application("app-1").await.expect("get");
    assert_eq!((now.version, now.state.as_str()), (2, "under_review"));
    assert_eq!(store.list_events("app-1").await.expect("events").len(), 2);

    let mut ghost = app.clone();
    ghost.id = "no-such-app".to_owned();
    assert!(matches!(
        store.apply_action(action(&ghost, "x", "y", T0)).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn new_data_replaces_data_and_its_uploads_are_checked(store: Arc<dyn Store>) {
    let app = submitted(&*store, "app-1").await;
    let alice = store.get_user(&app.applicant_id).await.expect("alice");
    let bob = citizen(&*store, 2).await;
    upload(&*store, "alice-scan", &alice).await;
    upload(&*store, "bob-scan", &bob).await;
    let returned = store
        .apply_action(action(&app, "return", "returned", T0 + 10))
        .await
        .expect("return");

    let mut with_bobs = action(&returned, "resubmit", "submitted", T0 + 20);
    with_bobs.new_data = Some(json!({ "fixed": true }));
    with_bobs.uploads = vec!["bob-scan".to_owned()];
    assert!(matches!(
        store.apply_action(with_bobs).await,
        Err(StoreError::UploadNotFound(id)) if id == "bob-scan"
    ));
    let unchanged = store.get_application("app-1").await.expect("get");
    assert_eq!(unchanged, returned, "a refused action changes nothing");

    let mut resubmit = action(&returned, "resubmit", "submitted", T0 + 30);
    resubmit.new_data = Some(json!({ "fixed": true }));
    resubmit.uploads = vec!["alice-scan".to_owned()];
    let resubmitted = store.apply_action(resubmit).await.expect("resubmit");
    assert_eq!(resubmitted.data, json!({ "fixed": true }));
    assert_eq!(resubmitted.version, 3);
    assert_eq!(store.list_events("app-1").await.expect("events").len(), 3);
}

pub async fn state_since_moves_only_with_the_state(store: Arc<dyn Store>) {
    let app = submitted(&*store, "app-1").await;
    let reviewing = store
        .apply_action(action(&app, "start_review", "under_review", T0 + 100))
        .await
        .expect("review");
    let mut note = action(&reviewing, "comment", "under_review", T0 + 200);
    note.comment = Some("waiting for the hospital".to_owned());
    let noted = store.apply_action(note).await.expect("comment");
    assert_eq!(noted.version, 3);
    assert_eq!(noted.updated_at, T0 + 200);
    assert_eq!(
        noted.state_since,
        T0 + 100,
        "same state: the SLA clock keeps running"
    );
}

/// Events of all applications share one sequence: 1, 2, 3, ... in the order they happened,
/// with no hole left by refused writes.
pub async fn the_event_sequence_is_global_and_gap_free(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let mut apps = Vec::new();
    for id in ["a", "b", "c"] {
        apps.push(
            store
                .create_application(application(id, &alice))
                .await
                .expect("create")
                .application,
        );
    }
    // Interleave actions on different applications, with refused ones in between.
    let order = [0usize, 2, 0, 1, 2, 0];
    let mut expected: Vec<(String, i64)> = apps.iter().map(|a| (a.id.clone(), 1)).collect();
    for (step, &i) in order.iter().enumerate() {
        let stale = action(&apps[i], "noop", &apps[i].state, T0);
        let at = T0 + 1_000 * (step as i64 + 1);
        let next = store
            .apply_action(action(&apps[i], "step", &format!("s{step}"), at))
            .await
            .expect("apply");
        expected.push((next.id.clone(), next.version));
        apps[i] = next;
        assert!(matches!(
            store.apply_action(stale).await,
            Err(StoreError::VersionConflict { .. })
        ));
        let mut bad_upload = action(&apps[i], "noop", "x", at);
        bad_upload.uploads = vec!["missing".to_owned()];
        assert!(matches!(
            store.apply_action(bad_upload).await,
            Err(StoreError::UploadNotFound(_))
        ));
    }

    let mut all: Vec<Event> = Vec::new();
    for app in &apps {
        let events = store.list_events(&app.id).await.expect("events");
        let versions: Vec<i64> = events.iter().map(|e| e.version).collect();
        let expected_versions: Vec<i64> = (1..=app.version).collect();
        assert_eq!(versions, expected_versions, "{}", app.id);
        all.extend(events);
    }
    all.sort_by_key(|e| e.seq);
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    let expected_seqs: Vec<i64> = (1..=expected.len() as i64).collect();
    assert_eq!(seqs, expected_seqs, "gap-free from 1");
    let happened: Vec<(String, i64)> = all
        .iter()
        .map(|e| (e.application_id.clone(), e.version))
        .collect();
    assert_eq!(happened, expected, "seq order is the order of events");
}
