//! The citizen's own pages: home (their applications), an application's status with its
//! timeline and the officers' comments, its documents and certificate, and "who viewed my
//! data". Every application is read through `load_visible` or the API handler that uses it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use diwan_domain::service::{FieldType, ServiceDefinition};
use diwan_domain::text::Lang;
use diwan_store::{ActorKind, Application, Event};
use serde::Deserialize;

use crate::auth::Caller;
use crate::extract::{ApiPath, ApiQuery};
use crate::pages::form::shown_value;
use crate::pages::render;
use crate::pages::session::{OrPage, Visitor};
use crate::pages::ui::Ui;
use crate::routes::applications::{ApplicationDto, ListQuery, Purpose, dto, list, load_visible};
use crate::state::AppState;

pub struct AppRow {
    pub id: String,
    pub reference: String,
    pub service: String,
    pub state: String,
    pub tone: &'static str,
    pub updated: String,
}

/// A colour for a state: done well, done badly, waiting on the citizen, or in progress.
pub fn tone(
    state: &AppState,
    app_service: &str,
    app_state: &str,
    needs_citizen: bool,
) -> &'static str {
    use diwan_domain::service::Outcome;
    let st = state
        .catalog
        .service(app_service)
        .and_then(|s| s.workflow.state(app_state));
    match st.and_then(|s| s.outcome) {
        Some(Outcome::Approved) => "ok",
        Some(_) => "bad",
        None if needs_citizen => "warn",
        None => "info",
    }
}

fn row(state: &AppState, ui: &Ui, d: &ApplicationDto) -> AppRow {
    AppRow {
        id: d.id.clone(),
        reference: d.reference.clone(),
        service: ui.t(&d.service_name_ar, &d.service_name_en).to_owned(),
        state: ui.t(&d.state_label_ar, &d.state_label_en).to_owned(),
        tone: tone(
            state,
            &d.service_id,
            &d.state,
            !d.available_actions.is_empty(),
        ),
        updated: ui.day(d.updated_at),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ui: Ui,
    /// `None` before sign-in.
    applications: Option<Vec<AppRow>>,
}

/// A citizen's applications, newest first (the API's list, so the same rules apply).
async fn my_applications(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<ApplicationDto>, crate::error::ApiError> {
    let query = ListQuery {
        state: None,
        service_id: None,
        all: None,
        before: None,
        limit: Some(200),
        sort: None,
    };
    let list = list(State(state.clone()), caller.clone(), ApiQuery(query)).await?;
    Ok(list.0.items)
}

pub async fn home(State(state): State<AppState>, v: Visitor) -> Result<Response, Response> {
    if v.caller.as_ref().is_some_and(|c| !c.is_citizen()) {
        return Ok(v.redirect("/office"));
    }
    let ui = v.ui();
    let applications = match &v.caller {
        Some(caller) => Some(
            my_applications(&state, caller)
                .await
                .or_page(&v)?
                .iter()
                .map(|d| row(&state, &ui, d))
                .collect(),
        ),
        None => None,
    };
    Ok(render(&v, StatusCode::OK, HomePage { ui, applications }))
}

pub struct Answer {
    pub label: String,
    pub value: String,
    /// A link to the document, for file fields.
    pub href: Option<String>,
}

pub struct TimelineItem {
    pub when: String,
    pub what: String,
    pub who: String,
    pub comment: Option<String>,
}

/// An application's data as label and value, documents as links under `doc_base`.
pub fn answers(
    service: &ServiceDefinition,
    app: &Application,
    lang: Lang,
    doc_base: &str,
) -> Vec<Answer> {
    service
        .fields
        .iter()
        .filter_map(|f| {
            let value = app.data.get(&f.id)?;
            let (value, href) = if f.field_type == FieldType::File {
                (
                    if lang == Lang::Ar {
                        "عرض المستند"
                    } else {
                        "View the document"
                    }
                    .to_owned(),
                    Some(format!("{doc_base}/{}", f.id)),
                )
            } else {
                (shown_value(service, &f.id, value, lang), None)
            };
            Some(Answer {
                label: f.label.get(lang).to_owned(),
                value,
                href,
            })
        })
        .collect()
}

/// The history as people read it: what happened, when, by whom, with the comment.
pub fn timeline(
    service: &ServiceDefinition,
    events: &[Event],
    ui: &Ui,
    for_citizen: bool,
) -> Vec<TimelineItem> {
    events
        .iter()
        .map(|e| {
            let what = if e.action == "submitted" {
                ui.t("تم تقديم الطلب", "Application sent").to_owned()
            } else {
                service
                    .workflow
                    .transitions
                    .iter()
                    .find(|t| t.action == e.action)
                    .map(|t| ui.tx(&t.label).to_owned())
                    .unwrap_or_else(|| e.action.clone())
            };
            let state = service
                .workflow
                .state(&e.to_state)
                .map(|s| ui.tx(&s.label).to_owned())
                .unwrap_or_else(|| e.to_state.clone());
            let who = match (e.actor_kind, for_citizen) {
                (ActorKind::Citizen, true) => ui.t("أنت", "You").to_owned(),
                (ActorKind::Citizen, false) => ui.t("مقدم الطلب", "The applicant").to_owned(),
                (ActorKind::Officer, _) => {
                    let role = e.actor_role.clone().unwrap_or_default();
                    let role = match role.as_str() {
                        "clerk" => ui.t("موظف المراجعة", "Reviewing clerk").to_owned(),
                        "manager" => ui.t("المدير", "Manager").to_owned(),
                        other => other.to_owned(),
                    };
                    format!("{role} ({})", e.actor_id)
                }
            };
            TimelineItem {
                when: ui.when(e.at),
                what: format!("{what} — {state}"),
                who,
                comment: e.comment.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    ui: Ui,
    id: String,
    reference: String,
    service: String,
    state: String,
    tone: &'static str,
    just_submitted: bool,
    can_respond: bool,
    certificate: bool,
    comment: Option<String>,
    answers: Vec<Answer>,
    timeline: Vec<TimelineItem>,
}

#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    submitted: Option<String>,
}

pub async fn application(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<StatusQuery>,
) -> Result<Response, Response> {
    let caller = v.citizen()?;
    let app = load_visible(&state, caller, &id, Purpose::View)
        .await
        .or_page(&v)?;
    let d = dto(&state, &app, caller);
    let Some(service) = state.catalog.service(&app.service_id) else {
        return Err(v.fail(crate::error::ApiError::not_found()));
    };
    let events = state.store.list_events(&app.id).await.or_page(&v)?;
    let ui = v.ui();
    let can_respond = !d.available_actions.is_empty();
    let page = ApplicationPage {
        id: app.id.clone(),
        reference: app.reference.clone(),
        service: ui.tx(&service.name).to_owned(),
        state: ui.t(&d.state_label_ar, &d.state_label_en).to_owned(),
        tone: tone(&state, &app.service_id, &app.state, can_respond),
        just_submitted: q.submitted.is_some(),
        can_respond,
        certificate: service.certificate.is_some()
            && service.workflow.issue_certificate_in.as_deref() == Some(app.state.as_str()),
        comment: if can_respond {
            events.last().and_then(|e| e.comment.clone())
        } else {
            None
        },
        answers: answers(
            service,
            &app,
            v.lang,
            &format!("/applications/{}/documents", app.id),
        ),
        timeline: timeline(service, &events, &ui, true),
        ui,
    };
    Ok(render(&v, StatusCode::OK, page))
}

/// A document of the application, shown in the browser (its type was checked from its bytes
/// on upload: PDF, JPEG or PNG only).
pub fn inline(mut response: Response) -> Response {
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline"),
        );
    }
    response
}

pub async fn document(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, field)): Path<(String, String)>,
) -> Result<Response, Response> {
    let caller = v.citizen()?.clone();
    // The API's handler: it reads through `load_visible` and checks the field is a file.
    crate::routes::documents::get_document(State(state), caller, ApiPath((id, field)))
        .await
        .map(inline)
        .or_page(&v)
}

pub async fn certificate(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let caller = v.citizen()?.clone();
    crate::routes::certificates::certificate_pdf(State(state), caller, ApiPath(id))
        .await
        .or_page(&v)
}

pub struct AccessRow {
    pub when: String,
    pub reference: String,
    pub app_id: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    ui: Ui,
    rows: Vec<AccessRow>,
}

fn purpose_text(ui: &Ui, service: Option<&ServiceDefinition>, kind: &str, purpose: &str) -> String {
    if let Some(field) = purpose.strip_prefix("view_document:") {
        let label = service
            .and_then(|s| s.field(field))
            .map(|f| ui.tx(&f.label).to_owned())
            .unwrap_or_else(|| field.to_owned());
        return format!(
            "{} «{label}»",
            ui.t("اطلع على المستند", "Viewed the document")
        );
    }
    match purpose {
        "view_application" => ui
            .t(
                "فتح طلبك واطلع على بياناته",
                "Opened your application and read its data",
            )
            .to_owned(),
        "view_history" => ui
            .t("اطلع على سجل الطلب", "Read the application's history")
            .to_owned(),
        "view_certificate" => ui
            .t("اطلع على الشهادة", "Viewed the certificate")
            .to_owned(),
        _ if kind == "action" => service
            .and_then(|s| s.workflow.transitions.iter().find(|t| t.action == purpose))
            .map(|t| format!("{}: {}", ui.t("إجراء", "Action"), ui.tx(&t.label)))
            .unwrap_or_else(|| purpose.to_owned()),
        _ if kind == "revocation" => format!(
            "{}: {purpose}",
            ui.t("ألغى الشهادة", "Revoked the certificate")
        ),
        _ => purpose.to_owned(),
    }
}

pub async fn access_log(State(state): State<AppState>, v: Visitor) -> Result<Response, Response> {
    let caller = v.citizen()?;
    let mine: HashMap<String, (String, String)> = my_applications(&state, caller)
        .await
        .or_page(&v)?
        .into_iter()
        .map(|d| (d.id, (d.reference, d.service_id)))
        .collect();
    let log = crate::routes::me::access_log(State(state.clone()), caller.clone())
        .await
        .or_page(&v)?;
    let ui = v.ui();
    let rows = log
        .0
        .entries
        .iter()
        .map(|e| {
            let (reference, service_id) = mine
                .get(&e.application_id)
                .cloned()
                .unwrap_or_else(|| (e.application_id.clone(), String::new()));
            let service = state.catalog.service(&service_id).map(|s| s.as_ref());
            let agency = e
                .agency
                .as_deref()
                .and_then(|a| state.catalog.agency(a))
                .map(|a| ui.tx(&a.name).to_owned())
                .unwrap_or_default();
            let role = match e.role.as_deref() {
                Some(r) if r.split(',').any(|x| x == "manager") => ui.t("مدير", "a manager"),
                Some(r) if r.split(',').any(|x| x == "clerk") => {
                    ui.t("موظف مراجعة", "a reviewing clerk")
                }
                _ => ui.t("موظف", "an officer"),
            };
            let who = match &e.officer_id {
                Some(id) => format!("{role} ({id}) — {agency}"),
                None => format!("{role} — {agency}"),
            };
            AccessRow {
                when: ui.when(e.at),
                app_id: e.application_id.clone(),
                reference,
                who,
                what: purpose_text(&ui, service, &e.kind, &e.purpose),
            }
        })
        .collect();
    Ok(render(&v, StatusCode::OK, AccessLogPage { ui, rows }))
}
