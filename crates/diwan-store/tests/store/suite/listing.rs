//! Listing applications: filters, newest-first order, paging and page sizes.

use std::sync::Arc;

use diwan_store::{Application, ApplicationFilter, ListOrder, Store};
use tokio::task::JoinSet;

use crate::fixtures::{T0, action, application, citizen};

/// Ids of a listing, in order.
fn ids(apps: &[Application]) -> Vec<&str> {
    apps.iter().map(|a| a.id.as_str()).collect()
}

async fn list(store: &dyn Store, filter: ApplicationFilter) -> Vec<Application> {
    store.list_applications(filter).await.expect("list")
}

pub async fn filters_combine_and_results_are_newest_first(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let bob = citizen(&*store, 2).await;
    // (id, applicant, agency, service, minutes after T0)
    let rows = [
        ("a1", &alice, "civil-registry", "birth-certificate", 1),
        ("a2", &alice, "traffic", "driving-licence", 2),
        ("b1", &bob, "civil-registry", "birth-certificate", 3),
        ("b2", &bob, "civil-registry", "death-certificate", 4),
        ("a3", &alice, "civil-registry", "death-certificate", 5),
    ];
    for (id, who, agency, service, minute) in rows {
        let mut new = application(id, who);
        new.agency = agency.to_owned();
        new.service_id = service.to_owned();
        new.at = T0 + minute * 60_000;
        store.create_application(new).await.expect("create");
    }
    // Move b1 and a3 on, so states differ.
    for id in ["b1", "a3"] {
        let app = store.get_application(id).await.expect("get");
        store
            .apply_action(action(&app, "start_review", "under_review", T0 + 600_000))
            .await
            .expect("apply");
    }

    let all = list(&*store, ApplicationFilter::default()).await;
    assert_eq!(ids(&all), ["a3", "b2", "b1", "a2", "a1"]);
    assert_eq!(all[0].state, "under_review", "rows are current");

    let by = |f: fn(&mut ApplicationFilter)| {
        let mut filter = ApplicationFilter::default();
        f(&mut filter);
        filter
    };
    let cases: Vec<(ApplicationFilter, Vec<&str>)> = vec![
        (
            by(|f| f.applicant_id = Some("citizen-1".to_owned())),
            vec!["a3", "a2", "a1"],
        ),
        (
            by(|f| f.agency = Some("civil-registry".to_owned())),
            vec!["a3", "b2", "b1", "a1"],
        ),
        (
            by(|f| f.service_ids = Some(vec!["death-certificate".to_owned()])),
            vec!["a3", "b2"],
        ),
        (
            by(|f| {
                f.service_ids = Some(vec![
                    "death-certificate".to_owned(),
                    "driving-licence".to_owned(),
                ])
            }),
            vec!["a3", "b2", "a2"],
        ),
        (
            by(|f| f.states = Some(vec!["under_review".to_owned()])),
            vec!["a3", "b1"],
        ),
        (
            by(|f| {
                f.agency = Some("civil-registry".to_owned());
                f.states = Some(vec!["submitted".to_owned()]);
                f.applicant_id = Some("citizen-2".to_owned());
            }),
            vec!["b2"],
        ),
        (by(|f| f.states = Some(Vec::new())), vec![]),
        (by(|f| f.service_ids = Some(Vec::new())), vec![]),
        (by(|f| f.agency = Some("no-such-agency".to_owned())), vec![]),
    ];
    for (filter, expected) in cases {
        let described = format!("{filter:?}");
        assert_eq!(ids(&list(&*store, filter).await), expected, "{described}");
    }
}

pub async fn paging_walks_every_application_once(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    // Pairs share a creation time, so the id must break ties for paging to be exact.
    for (n, minute) in [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 4), (7, 4)] {
        let mut new = application(&format!("app-{n}"), &alice);
        new.at = T0 + minute * 60_000;
        store.create_application(new).await.expect("create");
    }
    let everything = list(&*store, ApplicationFilter::default()).await;
    assert_eq!(
        ids(&everything),
        [
            "app-7", "app-6", "app-5", "app-4", "app-3", "app-2", "app-1"
        ]
    );

    let mut walked = Vec::new();
    let mut before = None;
    loop {
        let page = list(
            &*store,
            ApplicationFilter {
                before_id: before.clone(),
                limit: 3,
                ..ApplicationFilter::default()
            },
        )
        .await;
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        before = Some(last.id.clone());
        walked.extend(page);
    }
    assert_eq!(walked, everything);

    let unknown_cursor = list(
        &*store,
        ApplicationFilter {
            before_id: Some("no-such-app".to_owned()),
            ..ApplicationFilter::default()
        },
    )
    .await;
    assert!(unknown_cursor.is_empty());
}

pub async fn page_size_defaults_to_50_and_is_capped_at_200(store: Arc<dyn Store>) {
    let alice = citizen(&*store, 1).await;
    let mut tasks = JoinSet::new();
    for n in 0..205 {
        let store = Arc::clone(&store);
        let mut new = application(&format!("app-{n:03}"), &alice);
        new.at = T0 + n;
        tasks.spawn(async move { store.create_application(new).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("create");
    }
    for (limit, expected) in [(0, 50), (7, 7), (200, 200), (201, 200), (10_000, 200)] {
        let page = list(
            &*store,
            ApplicationFilter {
                limit,
                ..ApplicationFilter::default()
            },
        )
        .await;
        assert_eq!(page.len(), expected, "limit {limit}");
        assert_eq!(page[0].id, "app-204", "newest first");
    }
}

pub async fn a_queue_lists_the_longest_waiting_first_and_pages_in_that_order(
    store: Arc<dyn Store>,
) {
    let alice = citizen(&*store, 1).await;
    let mut apps = Vec::new();
    for id in ["a1", "a2", "a3"] {
        apps.push(
            store
                .create_application(application(id, &alice))
                .await
                .expect("create")
                .application,
        );
    }
    // a3 keeps waiting since T0; a2 moved at T0 + 10, a1 at T0 + 20.
    store
        .apply_action(action(&apps[1], "start_review", "under_review", T0 + 10))
        .await
        .expect("a2");
    store
        .apply_action(action(&apps[0], "start_review", "under_review", T0 + 20))
        .await
        .expect("a1");
    let page = |before: Option<&str>, limit| {
        let store = Arc::clone(&store);
        let before = before.map(str::to_owned);
        async move {
            store
                .list_applications(ApplicationFilter {
                    order: ListOrder::LongestWaiting,
                    before_id: before,
                    limit,
                    ..ApplicationFilter::default()
                })
                .await
                .expect("list")
                .into_iter()
                .map(|a| a.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(None, 10).await, ["a3", "a2", "a1"]);
    assert_eq!(page(None, 1).await, ["a3"]);
    assert_eq!(page(Some("a3"), 1).await, ["a2"]);
    assert_eq!(page(Some("a2"), 5).await, ["a1"]);
    assert!(page(Some("a1"), 5).await.is_empty());

    // A cursor that carries the values keeps its place when the last item seen is acted on
    // before the next page is asked for.
    let a3 = store.get_application("a3").await.expect("a3");
    let cursor = diwan_store::waiting_cursor(&a3);
    store
        .apply_action(action(&a3, "start_review", "under_review", T0 + 30))
        .await
        .expect("a3 moves on");
    assert_eq!(page(Some(&cursor), 5).await, ["a2", "a1", "a3"]);
}
