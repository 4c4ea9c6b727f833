//! The back office at `/office`: officers sign in with username and password (the API's
//! `officer_login`, with its limiters and Argon2id), work their agency's queue sorted by SLA
//! deadline, open an application (a read recorded in the ledger by `load_visible`), view its
//! documents and take the actions the workflow allows them now.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use diwan_store::Application;
use serde::Deserialize;

use crate::auth::Caller;
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::pages::errors::Errors;
use crate::pages::session::{OrPage, Visitor, safe_next};
use crate::pages::status::{Answer, TimelineItem, answers, inline, timeline};
use crate::pages::ui::Ui;
use crate::pages::{bad_form, render, render_refused};
use crate::routes::applications::{
    ActionRequest, ListQuery, Purpose, dto, list, load_visible, take_action,
};
use crate::routes::auth::{LoginRequest, officer_login};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "office_sign_in.html")]
struct SignInPage {
    ui: Ui,
    errors: Errors,
    username: String,
}

pub async fn sign_in_form(v: Visitor) -> Response {
    let page = SignInPage {
        ui: v.ui(),
        errors: Errors::default(),
        username: String::new(),
    };
    render(&v, StatusCode::OK, page)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    mut v: Visitor,
    client: ClientAddr,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, Response> {
    let Form(form) = form.map_err(|_| bad_form(&v))?;
    v.check_csrf(&form.csrf)?;
    let ttl = state.settings.session_ttl_secs;
    let request = LoginRequest {
        username: form.username.clone(),
        password: form.password,
    };
    match officer_login(State(state), client, ApiJson(request)).await {
        Ok(token) => {
            v.start_session(&token.token, ttl);
            Ok(v.redirect(&safe_next(None, "/office")))
        }
        Err(e) if e.status.is_client_error() => {
            let mut errors = Errors::from_api(v.lang, &e);
            for shown in &mut errors.list {
                shown.field = "username".to_owned();
            }
            Ok(render_refused(
                &v,
                &e,
                SignInPage {
                    ui: v.ui(),
                    errors,
                    username: form.username,
                },
            ))
        }
        Err(e) => Err(v.fail(e)),
    }
}

pub struct QueueRow {
    pub id: String,
    pub reference: String,
    pub service: String,
    pub state: String,
    pub received: String,
    pub due: Option<String>,
    pub overdue: bool,
}

pub struct StateChoice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office_queue.html")]
struct QueuePage {
    ui: Ui,
    agency: String,
    roles: String,
    states: Vec<StateChoice>,
    rows: Vec<QueueRow>,
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    state: Option<String>,
    done: Option<String>,
}

fn role_name(ui: &Ui, role: &str) -> String {
    match role {
        "clerk" => ui.t("موظف مراجعة", "Reviewing clerk").to_owned(),
        "manager" => ui.t("مدير", "Manager").to_owned(),
        other => other.to_owned(),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<QueueQuery>,
) -> Result<Response, Response> {
    let caller = v.officer()?;
    let ui = v.ui();
    let agency_id = caller.user.agency.clone().unwrap_or_default();
    // The states the agency's workflows know, for the filter.
    let mut known: Vec<(String, String)> = Vec::new();
    for s in state
        .catalog
        .services
        .values()
        .filter(|s| s.agency == agency_id)
    {
        for st in &s.workflow.states {
            if !known.iter().any(|(id, _)| id == &st.id) {
                known.push((st.id.clone(), ui.tx(&st.label).to_owned()));
            }
        }
    }
    let wanted = q
        .state
        .filter(|s| s == "all" || known.iter().any(|(id, _)| id == s));
    let query = ListQuery {
        state: wanted.clone().filter(|s| s != "all"),
        service_id: None,
        all: wanted.as_deref().map(|s| s == "all"),
        before: None,
        // The work queue: the 200 waiting longest, so a busy queue never hides its most
        // overdue. "All applications" is a history: the newest first.
        limit: Some(200),
        sort: (wanted.as_deref() != Some("all")).then(|| "waiting".to_owned()),
    };
    let items = list(State(state.clone()), caller.clone(), ApiQuery(query))
        .await
        .or_page(&v)?
        .0
        .items;
    let now = state.now_ms();
    let mut items: Vec<_> = items.into_iter().collect();
    // Soonest deadline first; applications without one (finished) last, newest first.
    items.sort_by_key(|d| (d.due_at.is_none(), d.due_at.unwrap_or(0), -d.created_at));
    let rows = items
        .iter()
        .map(|d| QueueRow {
            id: d.id.clone(),
            reference: d.reference.clone(),
            service: ui.t(&d.service_name_ar, &d.service_name_en).to_owned(),
            state: ui.t(&d.state_label_ar, &d.state_label_en).to_owned(),
            received: ui.when(d.created_at),
            due: d.due_at.map(|at| ui.when(at)),
            overdue: d.due_at.is_some_and(|at| at < now),
        })
        .collect();
    let mut states = vec![StateChoice {
        id: String::new(),
        label: ui
            .t("ما يمكنني العمل عليه", "What I can work on")
            .to_owned(),
        selected: wanted.is_none(),
    }];
    states.extend(known.into_iter().map(|(id, label)| StateChoice {
        selected: wanted.as_deref() == Some(id.as_str()),
        id,
        label,
    }));
    states.push(StateChoice {
        id: "all".to_owned(),
        label: ui.t("كل الطلبات", "All applications").to_owned(),
        selected: wanted.as_deref() == Some("all"),
    });
    let page = QueuePage {
        agency: state
            .catalog
            .agency(&agency_id)
            .map(|a| ui.tx(&a.name).to_owned())
            .unwrap_or(agency_id),
        roles: caller
            .user
            .roles
            .iter()
            .map(|r| role_name(&ui, r))
            .collect::<Vec<_>>()
            .join("، "),
        states,
        rows,
        done: q.done.filter(|d| d.len() <= 64),
        ui,
    };
    Ok(render(&v, StatusCode::OK, page))
}

pub struct ActionChoice {
    pub action: String,
    pub label: String,
    pub comment_required: bool,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "office_application.html")]
struct ApplicationPage {
    ui: Ui,
    errors: Errors,
    id: String,
    reference: String,
    service: String,
    state: String,
    received: String,
    due: Option<String>,
    overdue: bool,
    version: i64,
    answers: Vec<Answer>,
    timeline: Vec<TimelineItem>,
    actions: Vec<ActionChoice>,
    comment: String,
}

/// The page of an application already loaded through `load_visible`.
async fn application_page(
    state: &AppState,
    v: &Visitor,
    caller: &Caller,
    app: &Application,
    errors: Errors,
    chosen: Option<&str>,
    comment: String,
) -> Result<Response, Response> {
    let d = dto(state, app, caller);
    let Some(service) = state.catalog.service(&app.service_id) else {
        return Err(v.fail(ApiError::not_found()));
    };
    let events = state.store.list_events(&app.id).await.or_page(v)?;
    let ui = v.ui();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ApplicationPage {
        id: app.id.clone(),
        reference: app.reference.clone(),
        service: ui.tx(&service.name).to_owned(),
        state: ui.t(&d.state_label_ar, &d.state_label_en).to_owned(),
        received: ui.when(app.created_at),
        due: d.due_at.map(|at| ui.when(at)),
        overdue: d.due_at.is_some_and(|at| at < state.now_ms()),
        version: app.version,
        answers: answers(
            service,
            app,
            v.lang,
            &format!("/office/applications/{}/documents", app.id),
        ),
        timeline: timeline(service, &events, &ui, false),
        actions: d
            .available_actions
            .iter()
            .map(|a| ActionChoice {
                selected: chosen == Some(a.action.as_str()),
                action: a.action.clone(),
                label: ui.t(&a.label_ar, &a.label_en).to_owned(),
                comment_required: a.comment_required,
            })
            .collect(),
        comment,
        errors,
        ui,
    };
    Ok(render(v, status, page))
}

pub async fn application(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let caller = v.officer()?;
    // The read is recorded in the ledger before anything is shown.
    let app = load_visible(&state, caller, &id, Purpose::View)
        .await
        .or_page(&v)?;
    application_page(
        &state,
        &v,
        caller,
        &app,
        Errors::default(),
        None,
        String::new(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    expected_version: String,
}

pub async fn act(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    form: Result<Form<ActForm>, FormRejection>,
) -> Result<Response, Response> {
    let caller = v.officer()?;
    let Form(form) = form.map_err(|_| bad_form(&v))?;
    v.check_csrf(&form.csrf)?;
    let mut errors = Errors::default();
    if form.action.is_empty() {
        errors.push(
            v.lang,
            diwan_domain::form::FieldError::new(
                "action",
                "required",
                "اختر الإجراء",
                "Choose an action",
            ),
        );
    }
    let expected_version = form.expected_version.trim().parse::<i64>().ok();
    if expected_version.is_none() {
        errors.push(
            v.lang,
            diwan_domain::form::FieldError::new(
                "",
                "form_expired",
                "انتهت صلاحية الصفحة؛ هذه هي البيانات الحالية، اختر الإجراء مرة أخرى",
                "The page had expired; here is the current application, choose the action again",
            ),
        );
    }
    if errors.is_empty()
        && let Some(expected_version) = expected_version
    {
        let request = ActionRequest {
            action: form.action.clone(),
            comment: Some(form.comment.clone()),
            expected_version,
            data: None,
        };
        match take_action(&state, caller, &id, request).await {
            Ok(updated) => {
                return Ok(v.redirect(&format!("/office?done={}", updated.reference)));
            }
            Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
                errors = Errors::from_api(v.lang, &e);
                // A conflict names the API's `expected_version`: on this page it means the
                // application changed, which the summary says; the page shows it afresh.
                for shown in &mut errors.list {
                    if shown.field == "expected_version" {
                        shown.field.clear();
                    }
                }
            }
            Err(e) => return Err(v.fail(e)),
        }
    }
    let app = load_visible(&state, caller, &id, Purpose::View)
        .await
        .or_page(&v)?;
    application_page(
        &state,
        &v,
        caller,
        &app,
        errors,
        Some(&form.action),
        form.comment,
    )
    .await
}

pub async fn document(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, field)): Path<(String, String)>,
) -> Result<Response, Response> {
    let caller = v.officer()?.clone();
    // The API's handler reads through `load_visible`, recording the document's viewing.
    crate::routes::documents::get_document(State(state), caller, ApiPath((id, field)))
        .await
        .map(inline)
        .or_page(&v)
}
