//! Turns a written workflow into a checked [`Workflow`]: every state known and reachable,
//! no dead ends, every role declared and used, one transition per action and state.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::model::{CITIZEN_ROLE, Outcome, State, Transition, Workflow};
use super::problem::Reporter;
use super::raw::RawWorkflow;

pub fn compile_workflow(r: &mut Reporter<'_>, id: String, raw: RawWorkflow) -> Option<Workflow> {
    let before = r.problems.len();

    let mut roles = Vec::new();
    for role in &raw.roles {
        if !r.check_id(role, "role") {
            continue;
        }
        if role.get_ref() == CITIZEN_ROLE {
            r.at(
                role.span(),
                "reserved_role",
                "`citizen` is built in (the applicant) and must not be declared",
            );
        } else if roles.contains(role.get_ref()) {
            r.at(
                role.span(),
                "duplicate_role",
                format!("role `{}` is declared twice", role.get_ref()),
            );
        } else {
            roles.push(role.get_ref().clone());
        }
    }

    let mut states: Vec<State> = Vec::new();
    let mut state_lines = BTreeMap::new();
    for raw_state in &raw.states {
        let span = raw_state.span();
        let s = raw_state.get_ref();
        if !r.check_id(&s.id, "state") {
            continue;
        }
        let sid = s.id.get_ref().clone();
        r.check_text(&s.label, &format!("label of state `{sid}`"));
        if state_lines.contains_key(&sid) {
            r.at(
                s.id.span(),
                "duplicate_state",
                format!("state `{sid}` is declared twice"),
            );
            continue;
        }
        let outcome = match &s.outcome {
            None => None,
            Some(o) => match Outcome::parse(o.get_ref()) {
                Some(_) if !s.terminal => {
                    r.at(
                        o.span(),
                        "outcome_on_open_state",
                        format!("state `{sid}` has an outcome but is not terminal"),
                    );
                    None
                }
                Some(outcome) => Some(outcome),
                None => {
                    r.at(
                        o.span(),
                        "unknown_outcome",
                        format!(
                            "outcome `{}` is not one of approved, rejected, withdrawn",
                            o.get_ref()
                        ),
                    );
                    None
                }
            },
        };
        let sla_hours = match &s.sla_hours {
            Some(h) if *h.get_ref() <= 0 || *h.get_ref() > 24 * 365 => {
                r.at(
                    h.span(),
                    "invalid_sla",
                    "sla_hours must be between 1 and 8760",
                );
                None
            }
            Some(h) if s.terminal => {
                r.at(
                    h.span(),
                    "sla_on_terminal_state",
                    format!("terminal state `{sid}` cannot have an SLA"),
                );
                None
            }
            Some(h) => u32::try_from(*h.get_ref()).ok(),
            None => None,
        };
        state_lines.insert(sid.clone(), span);
        states.push(State {
            id: sid,
            label: s.label.get_ref().clone(),
            terminal: s.terminal,
            outcome,
            sla_hours,
        });
    }
    let terminal: BTreeSet<&str> = states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.id.as_str())
        .collect();
    let known = |id: &str| state_lines.contains_key(id);

    if states.is_empty() {
        r.at(
            raw.initial.span(),
            "no_states",
            "the workflow declares no states",
        );
    }
    let initial = raw.initial.get_ref().clone();
    if !known(&initial) {
        r.at(
            raw.initial.span(),
            "unknown_state",
            format!("initial state `{initial}` is not declared"),
        );
    } else if terminal.contains(initial.as_str()) {
        r.at(
            raw.initial.span(),
            "terminal_initial_state",
            format!("initial state `{initial}` is terminal"),
        );
    }

    let mut transitions = Vec::new();
    let mut used_roles = BTreeSet::new();
    let mut seen_pairs = BTreeSet::new();
    for raw_t in &raw.transitions {
        let t = raw_t.get_ref();
        if !r.check_id(&t.action, "action") {
            continue;
        }
        let action = t.action.get_ref().clone();
        r.check_text(&t.label, &format!("label of action `{action}`"));
        if t.from.get_ref().is_empty() {
            r.at(
                t.from.span(),
                "empty_from",
                format!("action `{action}` has no `from` state"),
            );
        }
        for from in t.from.get_ref() {
            if !known(from) {
                r.at(
                    t.from.span(),
                    "unknown_state",
                    format!("action `{action}` starts from unknown state `{from}`"),
                );
            } else if terminal.contains(from.as_str()) {
                r.at(
                    t.from.span(),
                    "transition_from_terminal",
                    format!("action `{action}` leaves terminal state `{from}`"),
                );
            }
            if !seen_pairs.insert((action.clone(), from.clone())) {
                r.at(
                    t.action.span(),
                    "duplicate_transition",
                    format!("action `{action}` is declared twice from state `{from}`"),
                );
            }
        }
        if !known(t.to.get_ref()) {
            r.at(
                t.to.span(),
                "unknown_state",
                format!(
                    "action `{action}` leads to unknown state `{}`",
                    t.to.get_ref()
                ),
            );
        }
        if t.roles.get_ref().is_empty() {
            r.at(
                t.roles.span(),
                "no_roles",
                format!("no role may take action `{action}`"),
            );
        }
        for role in t.roles.get_ref() {
            if role != CITIZEN_ROLE && !roles.contains(role) {
                r.at(
                    t.roles.span(),
                    "unknown_role",
                    format!(
                        "action `{action}` names role `{role}`, which the workflow does not declare"
                    ),
                );
            }
            used_roles.insert(role.clone());
        }
        transitions.push(Transition {
            action,
            label: t.label.get_ref().clone(),
            from: t.from.get_ref().clone(),
            to: t.to.get_ref().clone(),
            roles: t.roles.get_ref().clone(),
            comment_required: t.comment_required,
        });
    }

    for role in &raw.roles {
        if role.get_ref() != CITIZEN_ROLE && !used_roles.contains(role.get_ref()) {
            r.at(
                role.span(),
                "unused_role",
                format!(
                    "role `{}` is declared but no action uses it",
                    role.get_ref()
                ),
            );
        }
    }

    // Reachability from the initial state, and dead ends.
    if known(&initial) {
        let mut reached = BTreeSet::from([initial.clone()]);
        let mut queue = VecDeque::from([initial.clone()]);
        while let Some(s) = queue.pop_front() {
            for t in transitions.iter().filter(|t| t.from.contains(&s)) {
                if reached.insert(t.to.clone()) {
                    queue.push_back(t.to.clone());
                }
            }
        }
        for s in &states {
            if !reached.contains(&s.id)
                && let Some(span) = state_lines.get(&s.id)
            {
                r.at(
                    span.clone(),
                    "unreachable_state",
                    format!("state `{}` cannot be reached from `{initial}`", s.id),
                );
            }
        }
        if !states.iter().any(|s| s.terminal && reached.contains(&s.id)) {
            r.at(
                raw.initial.span(),
                "no_terminal_state",
                "no terminal state can be reached: applications would never finish",
            );
        }
    }
    for s in &states {
        if !s.terminal
            && !transitions.iter().any(|t| t.from.contains(&s.id))
            && let Some(span) = state_lines.get(&s.id)
        {
            r.at(
                span.clone(),
                "dead_end_state",
                format!("state `{}` is not terminal but no action leaves it", s.id),
            );
        }
    }

    let issue_certificate_in = match &raw.issue_certificate_in {
        Some(s) if !known(s.get_ref()) => {
            r.at(
                s.span(),
                "unknown_state",
                format!("issue_certificate_in names unknown state `{}`", s.get_ref()),
            );
            None
        }
        // A certificate attests an approval: issuing it on entering review, or on a
        // rejection, would hand out certificates for applications nobody approved.
        Some(s)
            if !states.iter().any(|st| {
                &st.id == s.get_ref() && st.terminal && st.outcome == Some(Outcome::Approved)
            }) =>
        {
            r.at(
                s.span(),
                "certificate_state_not_approved",
                format!(
                    "issue_certificate_in must name a terminal state with outcome `approved`; `{}` is not",
                    s.get_ref()
                ),
            );
            None
        }
        Some(s) => Some(s.get_ref().clone()),
        None => None,
    };

    if r.problems.len() > before {
        return None;
    }
    Some(Workflow {
        id,
        initial,
        roles,
        issue_certificate_in,
        states,
        transitions,
    })
}
