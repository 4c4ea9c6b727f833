//! The workflow engine as a pure function: given an application's current state, an action
//! and who is acting, decide whether the action is allowed and where it leads. The server
//! carries the decision out in one store transaction; nothing here reads or writes anything.

use serde::Serialize;

use crate::service::{CITIZEN_ROLE, Outcome, ServiceDefinition, Transition};

/// Who is acting. Officers act for one agency, in one or more roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Citizen {
        user_id: String,
    },
    Officer {
        user_id: String,
        agency: String,
        roles: Vec<String>,
    },
}

impl Actor {
    pub fn user_id(&self) -> &str {
        match self {
            Actor::Citizen { user_id } | Actor::Officer { user_id, .. } => user_id,
        }
    }
}

/// What the engine needs to know about an application.
#[derive(Debug, Clone, Copy)]
pub struct ApplicationView<'a> {
    pub state: &'a str,
    pub applicant_id: &'a str,
}

/// An allowed action and its consequences, for the server to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub action: String,
    pub from: String,
    pub to: String,
    /// The role under which the actor took the action.
    pub role: String,
    pub terminal: bool,
    pub outcome: Option<Outcome>,
    /// The new state is the one where the service issues its certificate.
    pub issues_certificate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("this service has no action `{0}`")]
    UnknownAction(String),
    #[error("action `{action}` cannot be taken while the application is `{state}`")]
    NotAllowedInState { action: String, state: String },
    #[error("you may not take action `{0}` on this application")]
    Forbidden(String),
    #[error("action `{0}` needs a comment explaining it")]
    CommentRequired(String),
}

impl WorkflowError {
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::UnknownAction(_) => "unknown_action",
            WorkflowError::NotAllowedInState { .. } => "action_not_allowed_in_state",
            WorkflowError::Forbidden(_) => "action_forbidden",
            WorkflowError::CommentRequired(_) => "comment_required",
        }
    }

    pub fn message_ar(&self) -> String {
        match self {
            WorkflowError::UnknownAction(a) => format!("لا يوجد إجراء «{a}» في هذه الخدمة"),
            WorkflowError::NotAllowedInState { action, state } => {
                format!("لا يمكن تنفيذ الإجراء «{action}» والطلب في حالة «{state}»")
            }
            WorkflowError::Forbidden(a) => {
                format!("ليس لديك صلاحية تنفيذ الإجراء «{a}» على هذا الطلب")
            }
            WorkflowError::CommentRequired(a) => format!("الإجراء «{a}» يتطلب كتابة سبب"),
        }
    }
}

/// The role under which `actor` may take `t` on this application, if any.
fn role_for<'t>(
    t: &'t Transition,
    service: &ServiceDefinition,
    app: &ApplicationView<'_>,
    actor: &Actor,
) -> Option<&'t str> {
    t.roles.iter().map(String::as_str).find(|role| match actor {
        Actor::Citizen { user_id } => *role == CITIZEN_ROLE && user_id == app.applicant_id,
        Actor::Officer { agency, roles, .. } => {
            *role != CITIZEN_ROLE && *agency == service.agency && roles.iter().any(|r| r == role)
        }
    })
}

/// Decides whether `actor` may take `action` on the application.
pub fn decide(
    service: &ServiceDefinition,
    app: &ApplicationView<'_>,
    action: &str,
    actor: &Actor,
    comment: Option<&str>,
) -> Result<Decision, WorkflowError> {
    let wf = &service.workflow;
    let mut named = wf
        .transitions
        .iter()
        .filter(|t| t.action == action)
        .peekable();
    if named.peek().is_none() {
        return Err(WorkflowError::UnknownAction(action.to_string()));
    }
    let mut allowed_somewhere = false;
    for t in named {
        let role = role_for(t, service, app, actor);
        allowed_somewhere |= role.is_some();
        if !t.from.iter().any(|f| f == app.state) {
            continue;
        }
        let Some(role) = role else {
            return Err(WorkflowError::Forbidden(action.to_string()));
        };
        if t.comment_required
            && comment.is_none_or(|c| {
                crate::clean_text::clean_text(c, true).map_or(true, |c| c.is_empty())
            })
        {
            return Err(WorkflowError::CommentRequired(action.to_string()));
        }
        let target = wf.state(&t.to);
        return Ok(Decision {
            action: action.to_string(),
            from: app.state.to_string(),
            to: t.to.clone(),
            role: role.to_string(),
            terminal: target.is_some_and(|s| s.terminal),
            outcome: target.and_then(|s| s.outcome),
            issues_certificate: wf.issue_certificate_in.as_deref() == Some(t.to.as_str()),
        });
    }
    // Say "forbidden" rather than "wrong state" to someone who could never take the action,
    // so the state of a file is not revealed to a person with no business in it.
    if allowed_somewhere {
        Err(WorkflowError::NotAllowedInState {
            action: action.to_string(),
            state: app.state.to_string(),
        })
    } else {
        Err(WorkflowError::Forbidden(action.to_string()))
    }
}

/// The actions `actor` may take now, in the order the workflow lists them.
pub fn available_actions<'s>(
    service: &'s ServiceDefinition,
    app: &ApplicationView<'_>,
    actor: &Actor,
) -> Vec<&'s Transition> {
    service
        .workflow
        .transitions
        .iter()
        .filter(|t| {
            t.from.iter().any(|f| f == app.state) && role_for(t, service, app, actor).is_some()
        })
        .collect()
}
