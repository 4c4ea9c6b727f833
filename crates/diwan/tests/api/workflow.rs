//! The standard workflow through the API: who may do what in each state, the version check,
//! and the history each action leaves.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::*;

/// A node with citizen A, the civil status clerk and manager signed in.
struct Cast {
    app: TestApp,
    citizen: String,
    clerk: String,
    manager: String,
}

/// `None` when this binary's backend is not available.
async fn cast() -> Option<Cast> {
    let app = spawn_app().await?;
    let citizen = app.citizen_token(NID_A, PHONE_A).await;
    let clerk = app.officer_token(CIVIL_STATUS, "clerk").await;
    let manager = app.officer_token(CIVIL_STATUS, "manager").await;
    Some(Cast {
        app,
        citizen,
        clerk,
        manager,
    })
}

impl Cast {
    /// The actions each of citizen, clerk and manager sees on the application now.
    async fn actions_of_each(&self, id: &str) -> [Vec<String>; 3] {
        let path = format!("/applications/{id}");
        [
            actions(&self.app.get_ok(&path, &self.citizen).await),
            actions(&self.app.get_ok(&path, &self.clerk).await),
            actions(&self.app.get_ok(&path, &self.manager).await),
        ]
    }

    async fn events(&self, id: &str, token: &str) -> Vec<Value> {
        let events = self
            .app
            .get_ok(&format!("/applications/{id}/events"), token)
            .await;
        events.as_array().expect("events are a list").clone()
    }
}

const NONE: [&str; 0] = [];

#[tokio::test]
async fn the_standard_workflow_ends_approved() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap();

    assert_eq!(
        c.actions_of_each(id).await,
        [vec![], vec!["start_review".to_string()], vec![]]
    );

    c.app.clock.advance_secs(60);
    let in_review = c.app.act_ok(&c.clerk, id, "start_review", 1, None).await;
    assert_eq!(in_review["state"], "in_review");
    assert_eq!(in_review["version"], 2);
    assert_eq!(in_review["state_since"], T0 + 60_000);
    assert_eq!(
        actions(&in_review),
        ["recommend", "reject", "return_to_citizen"],
        "the answer carries the clerk's next actions"
    );
    let [citizen, clerk, manager] = c.actions_of_each(id).await;
    assert_eq!(citizen, NONE);
    assert_eq!(clerk, ["recommend", "reject", "return_to_citizen"]);
    assert_eq!(manager, ["reject"]);
    let reject = in_review["available_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "reject")
        .unwrap();
    assert_eq!(reject["comment_required"], true);
    assert!(reject["label_ar"].as_str().is_some_and(has_arabic_letters));

    c.app.clock.advance_secs(60);
    let pending = c.app.act_ok(&c.clerk, id, "recommend", 2, None).await;
    assert_eq!(pending["state"], "pending_approval");
    assert_eq!(pending["version"], 3);
    let [citizen, clerk, manager] = c.actions_of_each(id).await;
    assert_eq!(citizen, NONE);
    assert_eq!(clerk, ["reject"]);
    assert_eq!(manager, ["approve", "reject"]);

    c.app.clock.advance_secs(60);
    let approved = c.app.act_ok(&c.manager, id, "approve", 3, None).await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["version"], 4);
    assert_eq!(approved["terminal"], true);
    assert!(
        approved.get("due_at").is_none(),
        "a terminal state has no SLA"
    );
    assert_eq!(c.actions_of_each(id).await, [NONE; 3]);

    // The citizen sees the outcome and the history; officers see the same history.
    let seen = c
        .app
        .get_ok(&format!("/applications/{id}"), &c.citizen)
        .await;
    assert_eq!(seen["state"], "approved");
    assert_eq!(seen["reference"], application["reference"]);
    let events = c.events(id, &c.citizen).await;
    assert_eq!(events, c.events(id, &c.manager).await);
    assert_eq!(events.len(), 4, "{events:#?}");
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seq increases: {seqs:?}"
    );
    let versions: Vec<i64> = events
        .iter()
        .map(|e| e["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    let steps: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["to_state"].as_str().unwrap(),
                e["actor_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", "submitted", "citizen"),
            ("start_review", "in_review", "officer"),
            ("recommend", "pending_approval", "officer"),
            ("approve", "approved", "officer"),
        ]
    );
    assert!(
        events[0]["actor_role"].is_null() || events[0]["actor_role"] == "citizen",
        "{}",
        events[0]
    );
    let roles: Vec<&Value> = events[1..].iter().map(|e| &e["actor_role"]).collect();
    assert_eq!(roles, [&json!("clerk"), &json!("clerk"), &json!("manager")]);
    assert!(
        events[1..]
            .iter()
            .all(|e| e["actor_agency"] == CIVIL_STATUS)
    );
    assert_eq!(events[1]["from_state"], "submitted");
    let ats: Vec<i64> = events.iter().map(|e| e["at"].as_i64().unwrap()).collect();
    assert_eq!(ats, [T0, T0 + 60_000, T0 + 120_000, T0 + 180_000]);
    let clerk_id = c.app.get_ok("/me", &c.clerk).await["id"].clone();
    assert_eq!(events[1]["actor_id"], clerk_id);
}

#[tokio::test]
async fn a_returned_application_is_corrected_and_resubmitted() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap();
    c.app.act_ok(&c.clerk, id, "start_review", 1, None).await;

    let problem = assert_problem(
        c.app
            .act(&c.clerk, id, "return_to_citizen", 2, Some("  "))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    assert_eq!(problem["field"], "comment");
    let returned = c
        .app
        .act_ok(
            &c.clerk,
            id,
            "return_to_citizen",
            2,
            Some("اسم الأم غير مكتمل"),
        )
        .await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(
        c.actions_of_each(id).await,
        [vec!["resubmit".to_string()], vec![], vec![]]
    );

    // Officers may not change the data.
    let mut corrected = application["data"].clone();
    corrected["mother_name"] = json!("فاطمة محمود إبراهيم");
    let body = json!({ "action": "resubmit", "expected_version": 3, "data": corrected });
    assert_problem(
        c.app
            .post_json(
                &format!("/applications/{id}/actions"),
                Some(&c.clerk),
                &body,
            )
            .await,
        StatusCode::FORBIDDEN,
        "action_forbidden",
    )
    .await;

    // Corrected data is validated like a new form.
    let mut invalid = corrected.clone();
    invalid["copies"] = json!(0);
    let response = c
        .app
        .post_json(
            &format!("/applications/{id}/actions"),
            Some(&c.citizen),
            &json!({ "action": "resubmit", "expected_version": 3, "data": invalid }),
        )
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_code(&problem, "copies"), "below_min");

    let response = c
        .app
        .post_json(
            &format!("/applications/{id}/actions"),
            Some(&c.citizen),
            &body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let resubmitted: Value = response.json().await.unwrap();
    assert_eq!(resubmitted["state"], "submitted");
    assert_eq!(resubmitted["version"], 4);
    assert_eq!(resubmitted["data"]["mother_name"], "فاطمة محمود إبراهيم");
    assert_eq!(
        resubmitted["reference"], application["reference"],
        "same application, same reference"
    );
    assert_eq!(
        c.actions_of_each(id).await,
        [vec![], vec!["start_review".to_string()], vec![]]
    );

    let events = c.events(id, &c.citizen).await;
    let trail: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["to_state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("submitted", "submitted"),
            ("start_review", "in_review"),
            ("return_to_citizen", "returned"),
            ("resubmit", "submitted")
        ]
    );
    assert_eq!(
        events[2]["comment"], "اسم الأم غير مكتمل",
        "the citizen sees why it was returned"
    );
    assert_eq!(events[3]["actor_kind"], "citizen");
    assert_eq!(events[3]["actor_role"], "citizen");
}

#[tokio::test]
async fn a_rejection_needs_a_comment_and_ends_the_application() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap();
    c.app.act_ok(&c.clerk, id, "start_review", 1, None).await;

    let problem = assert_problem(
        c.app.act(&c.manager, id, "reject", 2, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    assert_eq!(problem["field"], "comment");
    assert_eq!(
        c.app
            .get_ok(&format!("/applications/{id}"), &c.citizen)
            .await["version"],
        2,
        "nothing changed"
    );

    let rejected = c
        .app
        .act_ok(
            &c.manager,
            id,
            "reject",
            2,
            Some("لا يوجد قيد ميلاد بهذا الرقم"),
        )
        .await;
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["terminal"], true);
    assert_eq!(c.actions_of_each(id).await, [NONE; 3]);

    // Nothing more can happen to it.
    for (token, action) in [
        (&c.clerk, "start_review"),
        (&c.manager, "approve"),
        (&c.clerk, "reject"),
    ] {
        assert_problem(
            c.app.act(token, id, action, 3, Some("again")).await,
            StatusCode::CONFLICT,
            "action_not_allowed_in_state",
        )
        .await;
    }
    let events = c.events(id, &c.citizen).await;
    assert_eq!(
        events.last().unwrap()["comment"],
        "لا يوجد قيد ميلاد بهذا الرقم"
    );
    assert_eq!(events.last().unwrap()["actor_role"], "manager");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap();
    c.app.act_ok(&c.clerk, id, "start_review", 1, None).await;

    let problem = assert_problem(
        c.app.act(&c.clerk, id, "recommend", 1, None).await,
        StatusCode::CONFLICT,
        "version_conflict",
    )
    .await;
    assert_eq!(problem["current_version"], 2);
    assert_eq!(problem["current_state"], "in_review");
    assert_problem(
        c.app.act(&c.clerk, id, "recommend", 7, None).await,
        StatusCode::CONFLICT,
        "version_conflict",
    )
    .await;

    // With the version just read, it goes through.
    assert_eq!(
        c.app.act_ok(&c.clerk, id, "recommend", 2, None).await["version"],
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_actions_on_one_version_exactly_one_wins() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap().to_string();
    c.app.act_ok(&c.clerk, &id, "start_review", 1, None).await;

    // The clerk recommends while the manager rejects, both having read version 2.
    let url = c.app.api(&format!("/applications/{id}/actions"));
    let mut set = JoinSet::new();
    for (token, body) in [
        (
            c.clerk.clone(),
            json!({ "action": "recommend", "expected_version": 2 }),
        ),
        (
            c.manager.clone(),
            json!({ "action": "reject", "expected_version": 2, "comment": "duplicate" }),
        ),
    ] {
        let client = c.app.client.clone();
        let url = url.clone();
        set.spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        });
    }
    let mut won = Vec::new();
    let mut lost = 0;
    while let Some(response) = set.join_next().await {
        let response = response.unwrap();
        if response.status() == StatusCode::OK {
            won.push(response.json::<Value>().await.unwrap());
        } else {
            assert_problem(response, StatusCode::CONFLICT, "version_conflict").await;
            lost += 1;
        }
    }
    assert_eq!((won.len(), lost), (1, 1), "exactly one wins");
    let now = c.app.get_ok(&format!("/applications/{id}"), &c.clerk).await;
    assert_eq!(now["version"], 3);
    assert_eq!(now["state"], won[0]["state"]);
    assert_eq!(
        c.events(&id, &c.clerk).await.len(),
        3,
        "one event for the winner only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_concurrent_identical_actions_exactly_one_wins() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap().to_string();
    let url = c.app.api(&format!("/applications/{id}/actions"));
    let mut set = JoinSet::new();
    for _ in 0..8 {
        let client = c.app.client.clone();
        let (url, token) = (url.clone(), c.clerk.clone());
        set.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "action": "start_review", "expected_version": 1 }))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (status, body["code"].clone())
        });
    }
    let mut outcomes = Vec::new();
    while let Some(outcome) = set.join_next().await {
        outcomes.push(outcome.unwrap());
    }
    assert_eq!(
        outcomes
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .count(),
        1,
        "{outcomes:?}"
    );
    for (status, code) in outcomes.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(
            (*status, code.as_str().unwrap()),
            (StatusCode::CONFLICT, "version_conflict"),
            "{outcomes:?}"
        );
    }
    assert_eq!(c.events(&id, &c.clerk).await.len(), 2);
}

#[tokio::test]
async fn actions_are_refused_by_state_and_by_role() {
    let Some(c) = cast().await else {
        return;
    };
    let application = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    let id = application["id"].as_str().unwrap();

    // A manager may approve, but not while the application is only submitted.
    let problem = assert_problem(
        c.app.act(&c.manager, id, "approve", 1, None).await,
        StatusCode::CONFLICT,
        "action_not_allowed_in_state",
    )
    .await;
    assert_eq!(problem["field"], "action");
    // A clerk may never approve.
    assert_problem(
        c.app.act(&c.clerk, id, "approve", 1, None).await,
        StatusCode::FORBIDDEN,
        "action_forbidden",
    )
    .await;
    // The citizen takes no officer action, in any state.
    for action in ["start_review", "approve", "recommend"] {
        assert_problem(
            c.app.act(&c.citizen, id, action, 1, None).await,
            StatusCode::FORBIDDEN,
            "action_forbidden",
        )
        .await;
    }
    assert_problem(
        c.app
            .act(&c.citizen, id, "reject", 1, Some("I changed my mind"))
            .await,
        StatusCode::FORBIDDEN,
        "action_forbidden",
    )
    .await;
    // No such action in this workflow.
    let problem = assert_problem(
        c.app.act(&c.clerk, id, "fast_track", 1, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_action",
    )
    .await;
    assert_eq!(problem["field"], "action");

    c.app.act_ok(&c.clerk, id, "start_review", 1, None).await;
    assert_problem(
        c.app.act(&c.clerk, id, "approve", 2, None).await,
        StatusCode::FORBIDDEN,
        "action_forbidden",
    )
    .await;
    assert_problem(
        c.app.act(&c.citizen, id, "recommend", 2, None).await,
        StatusCode::FORBIDDEN,
        "action_forbidden",
    )
    .await;
    assert_problem(
        c.app.act(&c.citizen, id, "resubmit", 2, None).await,
        StatusCode::CONFLICT,
        "action_not_allowed_in_state",
    )
    .await;
    c.app.act_ok(&c.clerk, id, "recommend", 2, None).await;
    assert_problem(
        c.app.act(&c.clerk, id, "approve", 3, None).await,
        StatusCode::FORBIDDEN,
        "action_forbidden",
    )
    .await;

    let events = c.events(id, &c.citizen).await;
    assert_eq!(
        events.len(),
        3,
        "refused actions leave no trace in the history"
    );
    assert_eq!(
        c.app
            .get_ok(&format!("/applications/{id}"), &c.citizen)
            .await["state"],
        "pending_approval"
    );
}

#[tokio::test]
async fn a_queue_sorted_by_waiting_puts_the_longest_waiting_first() {
    let Some(c) = cast().await else {
        return;
    };
    let first = c.app.apply_birth_certificate(&c.citizen, "k1").await;
    c.app.clock.advance_secs(60);
    let second = c.app.apply_birth_certificate(&c.citizen, "k2").await;
    c.app.clock.advance_secs(60);
    // The first moves on, so it has waited less in its new state than the second.
    let first_id = first["id"].as_str().unwrap();
    c.app
        .act_ok(&c.clerk, first_id, "start_review", 1, None)
        .await;
    let queue = c
        .app
        .get_ok("/applications?all=true&sort=waiting", &c.clerk)
        .await;
    let order: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [second["id"].as_str().unwrap(), first_id]);
    let newest = c.app.get_ok("/applications?all=true", &c.clerk).await;
    assert_eq!(
        newest["items"][0]["id"], second["id"],
        "default: newest first"
    );
    assert_problem(
        c.app
            .get("/applications?sort=sideways", Some(&c.clerk))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}
