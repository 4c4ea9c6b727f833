//! What `diwan check` reports about workflows, shared or inline: unknown, unreachable and
//! dead-end states, roles, and the shape of states and transitions.

use diwan_domain::service::load_catalog;
use expect_test::expect;

use crate::support::{STANDARD_WORKFLOW, base_files, check_catalog as check, render_problems};

#[test]
fn unknown_states() {
    check(
        &[(
            "workflows/lost.toml",
            r#"initial = "start"
roles = ["clerk"]
issue_certificate_in = "issued"

[[states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }

[[states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true

[[transitions]]
action = "finish"
label = { ar = "إنهاء", en = "Finish" }
from = ["submitted", "limbo"]
to = "finished"
roles = ["clerk"]
"#,
        )],
        expect![[r#"
            workflows/lost.toml:1: initial state `start` is not declared [unknown_state]
            workflows/lost.toml:17: action `finish` starts from unknown state `limbo` [unknown_state]
            workflows/lost.toml:18: action `finish` leads to unknown state `finished` [unknown_state]
            workflows/lost.toml:3: issue_certificate_in names unknown state `issued` [unknown_state]
        "#]],
    );
}

#[test]
fn unreachable_and_dead_end_states() {
    check(
        &[(
            "workflows/maze.toml",
            r#"initial = "submitted"
roles = ["clerk"]

[[states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }

[[states]]
id = "stuck"
label = { ar = "عالق", en = "Stuck" }

[[states]]
id = "orphan"
label = { ar = "يتيم", en = "Orphan" }

[[states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true

[[transitions]]
action = "park"
label = { ar = "تعليق", en = "Park" }
from = ["submitted"]
to = "stuck"
roles = ["clerk"]

[[transitions]]
action = "finish"
label = { ar = "إنهاء", en = "Finish" }
from = ["submitted", "orphan"]
to = "done"
roles = ["clerk"]
"#,
        )],
        expect![[r#"
            workflows/maze.toml:12: state `orphan` cannot be reached from `submitted` [unreachable_state]
            workflows/maze.toml:8: state `stuck` is not terminal but no action leaves it [dead_end_state]
        "#]],
    );
}

#[test]
fn roles_declared_but_unused_and_used_but_undeclared() {
    check(
        &[(
            "workflows/roles.toml",
            r#"initial = "submitted"
roles = ["clerk", "auditor"]

[[states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }

[[states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true

[[transitions]]
action = "finish"
label = { ar = "إنهاء", en = "Finish" }
from = ["submitted"]
to = "done"
roles = ["clerk", "supervisor"]
"#,
        )],
        expect![[r#"
            workflows/roles.toml:18: action `finish` names role `supervisor`, which the workflow does not declare [unknown_role]
            workflows/roles.toml:2: role `auditor` is declared but no action uses it [unused_role]
        "#]],
    );
}

#[test]
fn workflow_id_must_match_its_file_name() {
    check(
        &[(
            "workflows/fast.toml",
            r#"id = "quick"
initial = "submitted"
roles = ["clerk"]

[[states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }

[[states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true

[[transitions]]
action = "finish"
label = { ar = "إنهاء", en = "Finish" }
from = ["submitted"]
to = "done"
roles = ["clerk"]
"#,
        )],
        expect![[r#"
            workflows/fast.toml:1: workflow id `quick` differs from its file name `fast.toml` [id_file_mismatch]
        "#]],
    );
}

#[test]
fn workflow_shape_problems() {
    check(
        &[(
            "workflows/odd.toml",
            r#"initial = "submitted"
roles = ["clerk", "citizen", "clerk", "Clerk"]

[[states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }
outcome = "approved"

[[states]]
id = "submitted"
label = { ar = "مقدَّم مرة أخرى", en = "Submitted again" }

[[states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true
outcome = "finished"
sla_hours = 4

[[states]]
id = "waiting"
label = { ar = "انتظار", en = "Waiting" }
sla_hours = 0

[[transitions]]
action = "wait"
label = { ar = "انتظار", en = "Wait" }
from = ["submitted"]
to = "waiting"
roles = []

[[transitions]]
action = "wait"
label = { ar = "انتظار", en = "Wait" }
from = ["submitted", "done"]
to = "submitted"
roles = ["clerk"]

[[transitions]]
action = "Loop"
label = { ar = "تكرار", en = "Loop" }
from = []
to = "waiting"
roles = ["clerk"]
"#,
        )],
        expect![[r#"
            workflows/odd.toml:2: `citizen` is built in (the applicant) and must not be declared [reserved_role]
            workflows/odd.toml:2: role `clerk` is declared twice [duplicate_role]
            workflows/odd.toml:2: role id `Clerk` must be 1 to 64 lowercase letters, digits or `_`, starting with a letter [invalid_id]
            workflows/odd.toml:7: state `submitted` has an outcome but is not terminal [outcome_on_open_state]
            workflows/odd.toml:10: state `submitted` is declared twice [duplicate_state]
            workflows/odd.toml:17: outcome `finished` is not one of approved, rejected, withdrawn [unknown_outcome]
            workflows/odd.toml:18: terminal state `done` cannot have an SLA [sla_on_terminal_state]
            workflows/odd.toml:23: sla_hours must be between 1 and 8760 [invalid_sla]
            workflows/odd.toml:30: no role may take action `wait` [no_roles]
            workflows/odd.toml:33: action `wait` is declared twice from state `submitted` [duplicate_transition]
            workflows/odd.toml:35: action `wait` leaves terminal state `done` [transition_from_terminal]
            workflows/odd.toml:40: action id `Loop` must be 1 to 64 lowercase letters, digits or `_`, starting with a letter [invalid_id]
            workflows/odd.toml:2: role `Clerk` is declared but no action uses it [unused_role]
            workflows/odd.toml:13: state `done` cannot be reached from `submitted` [unreachable_state]
            workflows/odd.toml:1: no terminal state can be reached: applications would never finish [no_terminal_state]
            workflows/odd.toml:20: state `waiting` is not terminal but no action leaves it [dead_end_state]
        "#]],
    );
}

#[test]
fn an_inline_workflow_is_checked_like_a_shared_one() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
fee = { amount = 0, currency = "EGP" }

[workflow]
initial = "submitted"
roles = ["clerk"]

[[workflow.states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }

[[workflow.states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true

[[workflow.transitions]]
action = "finish"
label = { ar = "إنهاء", en = "Finish" }
from = ["submitted"]
to = "gone"
roles = ["clerk"]
"#,
        )],
        expect![[r#"
            services/lab.toml:26: action `finish` leads to unknown state `gone` [unknown_state]
            services/lab.toml:17: state `done` cannot be reached from `submitted` [unreachable_state]
            services/lab.toml:10: no terminal state can be reached: applications would never finish [no_terminal_state]
        "#]],
    );
}

/// A certificate is the proof of an approval: a workflow must not issue it in a state that
/// is not a terminal, approved one (here: on rejection, and in a state an application can
/// enter several times).
#[test]
fn a_certificate_is_issued_only_in_an_approved_terminal_state() {
    for issuing in ["rejected", "in_review"] {
        let wf = STANDARD_WORKFLOW.replace(
            r#"issue_certificate_in = "approved""#,
            &format!(r#"issue_certificate_in = "{issuing}""#),
        );
        assert_ne!(wf, STANDARD_WORKFLOW);
        let files: Vec<_> = base_files(&[])
            .into_iter()
            .map(|mut f| {
                if f.path == "workflows/standard.toml" {
                    f.text = wf.clone();
                }
                f
            })
            .collect();
        match load_catalog(&files) {
            Ok(_) => panic!("issue_certificate_in = {issuing:?} was accepted"),
            Err(problems) => assert!(
                problems
                    .iter()
                    .any(|p| p.file == "workflows/standard.toml" && p.line == 13),
                "issue_certificate_in = {issuing:?} reported elsewhere:\n{}",
                render_problems(&problems)
            ),
        }
    }
}
