//! The standard workflow, exhaustively: every state, every action (and one it does not
//! have) and every kind of person, rendered as a table so any change shows as a diff.

use std::fmt::Write as _;

use diwan_domain::service::ServiceDefinition;
use diwan_domain::workflow::{
    Actor, ApplicationView, Decision, WorkflowError, available_actions, decide,
};
use expect_test::{Expect, expect};

use crate::support::{birth_certificate, has_arabic_letter};

const APPLICANT: &str = "citizen-applicant";
const AGENCY: &str = "moi_civil_status";

/// Every state of the standard workflow, in file order.
const STATES: [&str; 6] = [
    "submitted",
    "in_review",
    "pending_approval",
    "returned",
    "approved",
    "rejected",
];

/// Every action of the standard workflow, and one it does not have.
const ACTIONS: [&str; 7] = [
    "start_review",
    "recommend",
    "approve",
    "reject",
    "return_to_citizen",
    "resubmit",
    "withdraw",
];

fn officer(user_id: &str, agency: &str, roles: &[&str]) -> Actor {
    Actor::Officer {
        user_id: user_id.into(),
        agency: agency.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

/// The six kinds of person, named as they appear in the tables.
fn actors() -> Vec<(&'static str, Actor)> {
    vec![
        (
            "applicant",
            Actor::Citizen {
                user_id: APPLICANT.into(),
            },
        ),
        (
            "other_citizen",
            Actor::Citizen {
                user_id: "citizen-other".into(),
            },
        ),
        ("clerk", officer("officer-clerk", AGENCY, &["clerk"])),
        ("manager", officer("officer-manager", AGENCY, &["manager"])),
        // Holds every role, but at the wrong agency: agency must matter on its own.
        (
            "foreign_officer",
            officer("officer-traffic", "traffic", &["clerk", "manager"]),
        ),
        ("no_role_officer", officer("officer-idle", AGENCY, &[])),
    ]
}

fn app(state: &str) -> ApplicationView<'_> {
    ApplicationView {
        state,
        applicant_id: APPLICANT,
    }
}

fn render_decision(d: &Decision) -> String {
    let mut s = format!("ok -> {} as {}", d.to, d.role);
    if d.terminal {
        s.push_str(" [terminal");
        if let Some(o) = d.outcome {
            write!(s, " {o:?}").unwrap();
        }
        s.push(']');
    }
    if d.issues_certificate {
        s.push_str(" [issues certificate]");
    }
    s
}

fn render(result: &Result<Decision, WorkflowError>) -> String {
    match result {
        Ok(d) => render_decision(d),
        Err(e) => e.code().to_string(),
    }
}

/// One line per state × action × actor: the result with a comment, and, where it differs,
/// the result without one.
fn decision_table(service: &ServiceDefinition) -> String {
    let mut out = String::new();
    for state in STATES {
        for action in ACTIONS {
            for (name, actor) in actors() {
                let with = decide(service, &app(state), action, &actor, Some("سبب واضح"));
                let without = decide(service, &app(state), action, &actor, None);
                let mut line = format!("{state:<17} {action:<18} {name:<16} {}", render(&with));
                if without != with {
                    write!(line, " | without comment: {}", render(&without)).unwrap();
                }
                writeln!(out, "{}", line.trim_end()).unwrap();
            }
        }
    }
    out
}

#[test]
fn every_state_action_and_actor_of_the_standard_workflow() {
    let service = birth_certificate();
    expect![[r#"
        submitted         start_review       applicant        action_forbidden
        submitted         start_review       other_citizen    action_forbidden
        submitted         start_review       clerk            ok -> in_review as clerk
        submitted         start_review       manager          action_forbidden
        submitted         start_review       foreign_officer  action_forbidden
        submitted         start_review       no_role_officer  action_forbidden
        submitted         recommend          applicant        action_forbidden
        submitted         recommend          other_citizen    action_forbidden
        submitted         recommend          clerk            action_not_allowed_in_state
        submitted         recommend          manager          action_forbidden
        submitted         recommend          foreign_officer  action_forbidden
        submitted         recommend          no_role_officer  action_forbidden
        submitted         approve            applicant        action_forbidden
        submitted         approve            other_citizen    action_forbidden
        submitted         approve            clerk            action_forbidden
        submitted         approve            manager          action_not_allowed_in_state
        submitted         approve            foreign_officer  action_forbidden
        submitted         approve            no_role_officer  action_forbidden
        submitted         reject             applicant        action_forbidden
        submitted         reject             other_citizen    action_forbidden
        submitted         reject             clerk            action_not_allowed_in_state
        submitted         reject             manager          action_not_allowed_in_state
        submitted         reject             foreign_officer  action_forbidden
        submitted         reject             no_role_officer  action_forbidden
        submitted         return_to_citizen  applicant        action_forbidden
        submitted         return_to_citizen  other_citizen    action_forbidden
        submitted         return_to_citizen  clerk            action_not_allowed_in_state
        submitted         return_to_citizen  manager          action_forbidden
        submitted         return_to_citizen  foreign_officer  action_forbidden
        submitted         return_to_citizen  no_role_officer  action_forbidden
        submitted         resubmit           applicant        action_not_allowed_in_state
        submitted         resubmit           other_citizen    action_forbidden
        submitted         resubmit           clerk            action_forbidden
        submitted         resubmit           manager          action_forbidden
        submitted         resubmit           foreign_officer  action_forbidden
        submitted         resubmit           no_role_officer  action_forbidden
        submitted         withdraw           applicant        unknown_action
        submitted         withdraw           other_citizen    unknown_action
        submitted         withdraw           clerk            unknown_action
        submitted         withdraw           manager          unknown_action
        submitted         withdraw           foreign_officer  unknown_action
        submitted         withdraw           no_role_officer  unknown_action
        in_review         start_review       applicant        action_forbidden
        in_review         start_review       other_citizen    action_forbidden
        in_review         start_review       clerk            action_not_allowed_in_state
        in_review         start_review       manager          action_forbidden
        in_review         start_review       foreign_officer  action_forbidden
        in_review         start_review       no_role_officer  action_forbidden
        in_review         recommend          applicant        action_forbidden
        in_review         recommend          other_citizen    action_forbidden
        in_review         recommend          clerk            ok -> pending_approval as clerk
        in_review         recommend          manager          action_forbidden
        in_review         recommend          foreign_officer  action_forbidden
        in_review         recommend          no_role_officer  action_forbidden
        in_review         approve            applicant        action_forbidden
        in_review         approve            other_citizen    action_forbidden
        in_review         approve            clerk            action_forbidden
        in_review         approve            manager          action_not_allowed_in_state
        in_review         approve            foreign_officer  action_forbidden
        in_review         approve            no_role_officer  action_forbidden
        in_review         reject             applicant        action_forbidden
        in_review         reject             other_citizen    action_forbidden
        in_review         reject             clerk            ok -> rejected as clerk [terminal Rejected] | without comment: comment_required
        in_review         reject             manager          ok -> rejected as manager [terminal Rejected] | without comment: comment_required
        in_review         reject             foreign_officer  action_forbidden
        in_review         reject             no_role_officer  action_forbidden
        in_review         return_to_citizen  applicant        action_forbidden
        in_review         return_to_citizen  other_citizen    action_forbidden
        in_review         return_to_citizen  clerk            ok -> returned as clerk | without comment: comment_required
        in_review         return_to_citizen  manager          action_forbidden
        in_review         return_to_citizen  foreign_officer  action_forbidden
        in_review         return_to_citizen  no_role_officer  action_forbidden
        in_review         resubmit           applicant        action_not_allowed_in_state
        in_review         resubmit           other_citizen    action_forbidden
        in_review         resubmit           clerk            action_forbidden
        in_review         resubmit           manager          action_forbidden
        in_review         resubmit           foreign_officer  action_forbidden
        in_review         resubmit           no_role_officer  action_forbidden
        in_review         withdraw           applicant        unknown_action
        in_review         withdraw           other_citizen    unknown_action
        in_review         withdraw           clerk            unknown_action
        in_review         withdraw           manager          unknown_action
        in_review         withdraw           foreign_officer  unknown_action
        in_review         withdraw           no_role_officer  unknown_action
        pending_approval  start_review       applicant        action_forbidden
        pending_approval  start_review       other_citizen    action_forbidden
        pending_approval  start_review       clerk            action_not_allowed_in_state
        pending_approval  start_review       manager          action_forbidden
        pending_approval  start_review       foreign_officer  action_forbidden
        pending_approval  start_review       no_role_officer  action_forbidden
        pending_approval  recommend          applicant        action_forbidden
        pending_approval  recommend          other_citizen    action_forbidden
        pending_approval  recommend          clerk            action_not_allowed_in_state
        pending_approval  recommend          manager          action_forbidden
        pending_approval  recommend          foreign_officer  action_forbidden
        pending_approval  recommend          no_role_officer  action_forbidden
        pending_approval  approve            applicant        action_forbidden
        pending_approval  approve            other_citizen    action_forbidden
        pending_approval  approve            clerk            action_forbidden
        pending_approval  approve            manager          ok -> approved as manager [terminal Approved] [issues certificate]
        pending_approval  approve            foreign_officer  action_forbidden
        pending_approval  approve            no_role_officer  action_forbidden
        pending_approval  reject             applicant        action_forbidden
        pending_approval  reject             other_citizen    action_forbidden
        pending_approval  reject             clerk            ok -> rejected as clerk [terminal Rejected] | without comment: comment_required
        pending_approval  reject             manager          ok -> rejected as manager [terminal Rejected] | without comment: comment_required
        pending_approval  reject             foreign_officer  action_forbidden
        pending_approval  reject             no_role_officer  action_forbidden
        pending_approval  return_to_citizen  applicant        action_forbidden
        pending_approval  return_to_citizen  other_citizen    action_forbidden
        pending_approval  return_to_citizen  clerk            action_not_allowed_in_state
        pending_approval  return_to_citizen  manager          action_forbidden
        pending_approval  return_to_citizen  foreign_officer  action_forbidden
        pending_approval  return_to_citizen  no_role_officer  action_forbidden
        pending_approval  resubmit           applicant        action_not_allowed_in_state
        pending_approval  resubmit           other_citizen    action_forbidden
        pending_approval  resubmit           clerk            action_forbidden
        pending_approval  resubmit           manager          action_forbidden
        pending_approval  resubmit           foreign_officer  action_forbidden
        pending_approval  resubmit           no_role_officer  action_forbidden
        pending_approval  withdraw           applicant        unknown_action
        pending_approval  withdraw           other_citizen    unknown_action
        pending_approval  withdraw           clerk            unknown_action
        pending_approval  withdraw           manager          unknown_action
        pending_approval  withdraw           foreign_officer  unknown_action
        pending_approval  withdraw           no_role_officer  unknown_action
        returned          start_review       applicant        action_forbidden
        returned          start_review       other_citizen    action_forbidden
        returned          start_review       clerk            action_not_allowed_in_state
        returned          start_review       manager          action_forbidden
        returned          start_review       foreign_officer  action_forbidden
        returned          start_review       no_role_officer  action_forbidden
        returned          recommend          applicant        action_forbidden
        returned          recommend          other_citizen    action_forbidden
        returned          recommend          clerk            action_not_allowed_in_state
        returned          recommend          manager          action_forbidden
        returned          recommend          foreign_officer  action_forbidden
        returned          recommend          no_role_officer  action_forbidden
        returned          approve            applicant        action_forbidden
        returned          approve            other_citizen    action_forbidden
        returned          approve            clerk            action_forbidden
        returned          approve            manager          action_not_allowed_in_state
        returned          approve            foreign_officer  action_forbidden
        returned          approve            no_role_officer  action_forbidden
        returned          reject             applicant        action_forbidden
        returned          reject             other_citizen    action_forbidden
        returned          reject             clerk            action_not_allowed_in_state
        returned          reject             manager          action_not_allowed_in_state
        returned          reject             foreign_officer  action_forbidden
        returned          reject             no_role_officer  action_forbidden
        returned          return_to_citizen  applicant        action_forbidden
        returned          return_to_citizen  other_citizen    action_forbidden
        returned          return_to_citizen  clerk            action_not_allowed_in_state
        returned          return_to_citizen  manager          action_forbidden
        returned          return_to_citizen  foreign_officer  action_forbidden
        returned          return_to_citizen  no_role_officer  action_forbidden
        returned          resubmit           applicant        ok -> submitted as citizen
        returned          resubmit           other_citizen    action_forbidden
        returned          resubmit           clerk            action_forbidden
        returned          resubmit           manager          action_forbidden
        returned          resubmit           foreign_officer  action_forbidden
        returned          resubmit           no_role_officer  action_forbidden
        returned          withdraw           applicant        unknown_action
        returned          withdraw           other_citizen    unknown_action
        returned          withdraw           clerk            unknown_action
        returned          withdraw           manager          unknown_action
        returned          withdraw           foreign_officer  unknown_action
        returned          withdraw           no_role_officer  unknown_action
        approved          start_review       applicant        action_forbidden
        approved          start_review       other_citizen    action_forbidden
        approved          start_review       clerk            action_not_allowed_in_state
        approved          start_review       manager          action_forbidden
        approved          start_review       foreign_officer  action_forbidden
        approved          start_review       no_role_officer  action_forbidden
        approved          recommend          applicant        action_forbidden
        approved          recommend          other_citizen    action_forbidden
        approved          recommend          clerk            action_not_allowed_in_state
        approved          recommend          manager          action_forbidden
        approved          recommend          foreign_officer  action_forbidden
        approved          recommend          no_role_officer  action_forbidden
        approved          approve            applicant        action_forbidden
        approved          approve            other_citizen    action_forbidden
        approved          approve            clerk            action_forbidden
        approved          approve            manager          action_not_allowed_in_state
        approved          approve            foreign_officer  action_forbidden
        approved          approve            no_role_officer  action_forbidden
        approved          reject             applicant        action_forbidden
        approved          reject             other_citizen    action_forbidden
        approved          reject             clerk            action_not_allowed_in_state
        approved          reject             manager          action_not_allowed_in_state
        approved          reject             foreign_officer  action_forbidden
        approved          reject             no_role_officer  action_forbidden
        approved          return_to_citizen  applicant        action_forbidden
        approved          return_to_citizen  other_citizen    action_forbidden
        approved          return_to_citizen  clerk            action_not_allowed_in_state
        approved          return_to_citizen  manager          action_forbidden
        approved          return_to_citizen  foreign_officer  action_forbidden
        approved          return_to_citizen  no_role_officer  action_forbidden
        approved          resubmit           applicant        action_not_allowed_in_state
        approved          resubmit           other_citizen    action_forbidden
        approved          resubmit           clerk            action_forbidden
        approved          resubmit           manager          action_forbidden
        approved          resubmit           foreign_officer  action_forbidden
        approved          resubmit           no_role_officer  action_forbidden
        approved          withdraw           applicant        unknown_action
        approved          withdraw           other_citizen    unknown_action
        approved          withdraw           clerk            unknown_action
        approved          withdraw           manager          unknown_action
        approved          withdraw           foreign_officer  unknown_action
        approved          withdraw           no_role_officer  unknown_action
        rejected          start_review       applicant        action_forbidden
        rejected          start_review       other_citizen    action_forbidden
        rejected          start_review       clerk            action_not_allowed_in_state
        rejected          start_review       manager          action_forbidden
        rejected          start_review       foreign_officer  action_forbidden
        rejected          start_review       no_role_officer  action_forbidden
        rejected          recommend          applicant        action_forbidden
        rejected          recommend          other_citizen    action_forbidden
        rejected          recommend          clerk            action_not_allowed_in_state
        rejected          recommend          manager          action_forbidden
        rejected          recommend          foreign_officer  action_forbidden
        rejected          recommend          no_role_officer  action_forbidden
        rejected          approve            applicant        action_forbidden
        rejected          approve            other_citizen    action_forbidden
        rejected          approve            clerk            action_forbidden
        rejected          approve            manager          action_not_allowed_in_state
        rejected          approve            foreign_officer  action_forbidden
        rejected          approve            no_role_officer  action_forbidden
        rejected          reject             applicant        action_forbidden
        rejected          reject             other_citizen    action_forbidden
        rejected          reject             clerk            action_not_allowed_in_state
        rejected          reject             manager          action_not_allowed_in_state
        rejected          reject             foreign_officer  action_forbidden
        rejected          reject             no_role_officer  action_forbidden
        rejected          return_to_citizen  applicant        action_forbidden
        rejected          return_to_citizen  other_citizen    action_forbidden
        rejected          return_to_citizen  clerk            action_not_allowed_in_state
        rejected          return_to_citizen  manager          action_forbidden
        rejected          return_to_citizen  foreign_officer  action_forbidden
        rejected          return_to_citizen  no_role_officer  action_forbidden
        rejected          resubmit           applicant        action_not_allowed_in_state
        rejected          resubmit           other_citizen    action_forbidden
        rejected          resubmit           clerk            action_forbidden
        rejected          resubmit           manager          action_forbidden
        rejected          resubmit           foreign_officer  action_forbidden
        rejected          resubmit           no_role_officer  action_forbidden
        rejected          withdraw           applicant        unknown_action
        rejected          withdraw           other_citizen    unknown_action
        rejected          withdraw           clerk            unknown_action
        rejected          withdraw           manager          unknown_action
        rejected          withdraw           foreign_officer  unknown_action
        rejected          withdraw           no_role_officer  unknown_action
    "#]]
    .assert_eq(&decision_table(&service));
}

#[test]
fn every_state_and_actor_sees_exactly_their_actions() {
    let service = birth_certificate();
    let mut out = String::new();
    for state in STATES {
        for (name, actor) in actors() {
            let actions: Vec<&str> = available_actions(&service, &app(state), &actor)
                .iter()
                .map(|t| t.action.as_str())
                .collect();
            writeln!(out, "{state:<17} {name:<16} {}", actions.join(", ")).unwrap();
        }
    }
    let out: String = out.lines().map(|l| format!("{}\n", l.trim_end())).collect();
    expect![[r#"
        submitted         applicant
        submitted         other_citizen
        submitted         clerk            start_review
        submitted         manager
        submitted         foreign_officer
        submitted         no_role_officer
        in_review         applicant
        in_review         other_citizen
        in_review         clerk            recommend, reject, return_to_citizen
        in_review         manager          reject
        in_review         foreign_officer
        in_review         no_role_officer
        pending_approval  applicant
        pending_approval  other_citizen
        pending_approval  clerk            reject
        pending_approval  manager          approve, reject
        pending_approval  foreign_officer
        pending_approval  no_role_officer
        returned          applicant        resubmit
        returned          other_citizen
        returned          clerk
        returned          manager
        returned          foreign_officer
        returned          no_role_officer
        approved          applicant
        approved          other_citizen
        approved          clerk
        approved          manager
        approved          foreign_officer
        approved          no_role_officer
        rejected          applicant
        rejected          other_citizen
        rejected          clerk
        rejected          manager
        rejected          foreign_officer
        rejected          no_role_officer
    "#]]
    .assert_eq(&out);
}

/// What `available_actions` offers is exactly what `decide` allows (given a comment).
#[test]
fn available_actions_agree_with_decide() {
    let service = birth_certificate();
    for state in STATES {
        for (name, actor) in actors() {
            let offered: Vec<&str> = available_actions(&service, &app(state), &actor)
                .iter()
                .map(|t| t.action.as_str())
                .collect();
            let allowed: Vec<&str> = ACTIONS
                .into_iter()
                .filter(|a| decide(&service, &app(state), a, &actor, Some("سبب")).is_ok())
                .collect();
            assert_eq!(offered, allowed, "state {state}, actor {name}");
        }
    }
}

#[test]
fn exactly_nine_combinations_are_allowed() {
    let service = birth_certificate();
    let mut allowed = 0;
    for state in STATES {
        for action in ACTIONS {
            for (_, actor) in actors() {
                allowed +=
                    usize::from(decide(&service, &app(state), action, &actor, Some("سبب")).is_ok());
            }
        }
    }
    assert_eq!(allowed, 9);
}

#[test]
fn approve_issues_the_certificate() {
    let service = birth_certificate();
    let manager = officer("m", AGENCY, &["manager"]);
    let d = decide(
        &service,
        &app("pending_approval"),
        "approve",
        &manager,
        None,
    )
    .unwrap();
    assert_eq!(
        d,
        Decision {
            action: "approve".into(),
            from: "pending_approval".into(),
            to: "approved".into(),
            role: "manager".into(),
            terminal: true,
            outcome: Some(diwan_domain::service::Outcome::Approved),
            issues_certificate: true,
        }
    );
}

#[test]
fn a_blank_comment_is_no_comment() {
    let service = birth_certificate();
    let clerk = officer("c", AGENCY, &["clerk"]);
    for comment in ["", "   ", "\n\t "] {
        for action in ["reject", "return_to_citizen"] {
            assert_eq!(
                decide(&service, &app("in_review"), action, &clerk, Some(comment)),
                Err(WorkflowError::CommentRequired(action.into())),
                "{action} with comment {comment:?}"
            );
        }
    }
}

#[test]
fn an_officer_who_is_also_the_applicant_acts_only_as_officer() {
    // An officer applying for themself must not get the citizen's actions through their
    // officer account: the citizen role belongs to citizen accounts only.
    let service = birth_certificate();
    let officer_applicant = officer(APPLICANT, AGENCY, &["clerk", "manager"]);
    assert_eq!(
        decide(
            &service,
            &app("returned"),
            "resubmit",
            &officer_applicant,
            None
        ),
        Err(WorkflowError::Forbidden("resubmit".into()))
    );
}

#[test]
fn an_officer_holding_both_roles_acts_under_the_first_role_the_transition_lists() {
    let service = birth_certificate();
    let both = officer("b", AGENCY, &["manager", "clerk"]);
    let d = decide(&service, &app("in_review"), "reject", &both, Some("سبب")).unwrap();
    assert_eq!(d.role, "clerk");
    let d = decide(&service, &app("pending_approval"), "approve", &both, None).unwrap();
    assert_eq!(d.role, "manager");
}

#[test]
fn an_unknown_state_allows_nothing() {
    let service = birth_certificate();
    for (name, actor) in actors() {
        assert!(
            available_actions(&service, &app("archived"), &actor).is_empty(),
            "{name}"
        );
    }
}

fn check_error(e: WorkflowError, expect: Expect) {
    assert!(has_arabic_letter(&e.message_ar()), "{e:?}");
    expect.assert_eq(&format!("{}: {e} / {}", e.code(), e.message_ar()));
}

#[test]
fn errors_explain_themselves_in_both_languages() {
    check_error(
        WorkflowError::UnknownAction("withdraw".into()),
        expect![
            "unknown_action: this service has no action `withdraw` / لا يوجد إجراء «withdraw» في هذه الخدمة"
        ],
    );
    check_error(
        WorkflowError::NotAllowedInState {
            action: "approve".into(),
            state: "submitted".into(),
        },
        expect![
            "action_not_allowed_in_state: action `approve` cannot be taken while the application is `submitted` / لا يمكن تنفيذ الإجراء «approve» والطلب في حالة «submitted»"
        ],
    );
    check_error(
        WorkflowError::Forbidden("approve".into()),
        expect![
            "action_forbidden: you may not take action `approve` on this application / ليس لديك صلاحية تنفيذ الإجراء «approve» على هذا الطلب"
        ],
    );
    check_error(
        WorkflowError::CommentRequired("reject".into()),
        expect![
            "comment_required: action `reject` needs a comment explaining it / الإجراء «reject» يتطلب كتابة سبب"
        ],
    );
}
