//! Many writers at once: what group commit must preserve. Every task starts at a barrier so
//! the writes really arrive together.

use std::collections::BTreeSet;
use std::sync::Arc;

use diwan_store::{Application, ApplicationFilter, Created, Store, StoreError, StoreResult};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::fixtures::{T0, action, application, citizen, with_key};

/// How many writes each burst sends.
pub const BURST: usize = 200;

/// Runs `make(n)` for n in 0..count, each in its own task, all released together.
async fn burst<T, F, Fut>(count: usize, make: F) -> Vec<(usize, StoreResult<T>)>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = StoreResult<T>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(count));
    let mut tasks = JoinSet::new();
    for n in 0..count {
        let barrier = Arc::clone(&barrier);
        let work = make(n);
        tasks.spawn(async move {
            barrier.wait().await;
            (n, work.await)
        });
    }
    let mut results = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        results.push(done.expect("task"));
    }
    results.sort_by_key(|(n, _)| *n);
    results
}

fn references(count: usize) -> BTreeSet<String> {
    (1..=count).map(|n| format!("BC-2026-{n:06}")).collect()
}

/// The `submitted` events' sequence numbers, sorted.
async fn first_event_seqs(store: &dyn Store, apps: &[Application]) -> Vec<i64> {
    let mut seqs = Vec::new();
    for app in apps {
        let events = store.list_events(&app.id).await.expect("events");
        assert_eq!(events.len(), 1, "{}", app.id);
        seqs.push(events[0].seq);
    }
    seqs.sort_unstable();
    seqs
}

pub async fn concurrent_creates_all_commit(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let results = burst(BURST, |n| {
        let store = Arc::clone(&store);
        let new = application(&format!("app-{n:03}"), &alice);
        async move {
            let created = store.create_application(new).await?;
            // Acknowledged means committed: a reader on another connection sees it at once.
            let read = store.get_application(&created.application.id).await?;
            Ok((created, read))
        }
    })
    .await;

    let mut apps = Vec::new();
    for (n, result) in results {
        let (created, read) = result.unwrap_or_else(|e| panic!("create {n}: {e}"));
        assert!(!created.replayed);
        assert_eq!(created.application, read);
        apps.push(read);
    }
    let refs: BTreeSet<String> = apps.iter().map(|a| a.reference.clone()).collect();
    assert_eq!(
        refs,
        references(BURST),
        "every number handed out once, none skipped"
    );
    let seqs = first_event_seqs(&*store, &apps).await;
    assert_eq!(seqs, (1..=BURST as i64).collect::<Vec<_>>());
    let listed = store
        .list_applications(ApplicationFilter {
            limit: 200,
            ..ApplicationFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.len(), BURST);
}

/// Two writes of the burst fail: one before writing anything (an upload that does not exist),
/// one after it already took a reference number and wrote rows (an id that is taken). Each
/// fails alone, and neither leaves a trace in the numbering.
pub async fn failing_writes_fail_alone_in_a_burst(store: Arc<dyn Store>) {
    const BAD_UPLOAD: usize = 77;
    const TAKEN_ID: usize = 133;
    let alice = citizen(&*store, 1).await;
    let existing = store
        .create_application(application("existing", &alice))
        .await
        .expect("create")
        .application;
    let results = burst(BURST, |n| {
        let store = Arc::clone(&store);
        let mut new = application(&format!("app-{n:03}"), &alice);
        match n {
            BAD_UPLOAD => new.uploads = vec!["missing-upload".to_owned()],
            TAKEN_ID => new.id = "existing".to_owned(),
            _ => {}
        }
        async move { store.create_application(new).await }
    })
    .await;

    let mut apps = vec![existing.clone()];
    for (n, result) in results {
        match (n, result) {
            (BAD_UPLOAD, Err(StoreError::UploadNotFound(id))) => assert_eq!(id, "missing-upload"),
            (TAKEN_ID, Err(StoreError::Conflict(_))) => {}
            (BAD_UPLOAD | TAKEN_ID, other) => panic!("write {n} must fail alone, got {other:?}"),
            (_, Ok(created)) => apps.push(created.application),
            (n, Err(e)) => panic!("write {n} failed with the bad ones: {e}"),
        }
    }
    assert_eq!(apps.len(), 1 + BURST - 2);
    assert!(matches!(
        store.get_application(&format!("app-{BAD_UPLOAD:03}")).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.get_application("existing").await.expect("get"),
        existing,
        "the clashing write did not touch the existing application"
    );
    for app in &apps {
        assert_eq!(
            &store.get_application(&app.id).await.expect("committed"),
            app
        );
    }
    // The failed jobs gave back their reference and event sequence numbers.
    let refs: BTreeSet<String> = apps.iter().map(|a| a.reference.clone()).collect();
    assert_eq!(refs, references(apps.len()));
    let seqs = first_event_seqs(&*store, &apps).await;
    assert_eq!(seqs, (1..=apps.len() as i64).collect::<Vec<_>>());
}

pub async fn concurrent_retries_with_one_key_create_one_application(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let results = burst(20, |n| {
        let store = Arc::clone(&store);
        let new = with_key(application(&format!("try-{n}"), &alice), "k", "h");
        async move { store.create_application(new).await }
    })
    .await;
    let created: Vec<Created> = results
        .into_iter()
        .map(|(n, r)| r.unwrap_or_else(|e| panic!("retry {n}: {e}")))
        .collect();
    assert_eq!(created.iter().filter(|c| !c.replayed).count(), 1);
    let original = created
        .iter()
        .find(|c| !c.replayed)
        .map(|c| c.application.clone())
        .expect("one original");
    assert!(created.iter().all(|c| c.application == original));
    let all = store
        .list_applications(ApplicationFilter::default())
        .await
        .expect("list");
    assert_eq!(all, vec![original]);
}

pub async fn concurrent_actions_on_one_application_let_one_win(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let app = store
        .create_application(application("app-1", &alice))
        .await
        .expect("create")
        .application;
    let results = burst(20, |n| {
        let store = Arc::clone(&store);
        let commit = action(&app, "claim", &format!("claimed-by-{n}"), T0 + 1);
        async move { store.apply_action(commit).await }
    })
    .await;

    let mut winners = Vec::new();
    for (n, result) in results {
        match result {
            Ok(app) => winners.push((n, app)),
            Err(StoreError::VersionConflict { current: 2, .. }) => {}
            Err(e) => panic!("action {n}: unexpected {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one decision applies");
    let (winner, won) = &winners[0];
    assert_eq!(won.state, format!("claimed-by-{winner}"));
    assert_eq!(store.get_application("app-1").await.expect("get"), *won);
    assert_eq!(store.list_events("app-1").await.expect("events").len(), 2);
}

/// Uploads of one owner sent together, on separate connections, cannot all pass the quota:
/// exactly as many as it allows are stored, the rest are refused.
pub async fn concurrent_uploads_cannot_all_pass_the_quota(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let quota = diwan_store::UploadQuota {
        since: T0 - 1_000,
        max_files: 3,
        max_bytes: 1_000_000,
    };
    let results = burst(20, |n| {
        let store = Arc::clone(&store);
        let upload = diwan_store::NewUpload {
            id: format!("scan-{n:02}"),
            owner_id: alice.id.clone(),
            filename: format!("scan-{n:02}.pdf"),
            content_type: "application/pdf".to_owned(),
            sha256: format!("sha256-{n}"),
            bytes: vec![b'x'; 10],
            at: T0,
            quota: Some(quota),
        };
        async move { store.put_upload(upload).await }
    })
    .await;
    let stored = results.iter().filter(|(_, r)| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|(_, r)| matches!(r, Err(StoreError::UploadQuotaReached { .. })))
        .count();
    assert_eq!((stored, refused), (3, 17));
}
