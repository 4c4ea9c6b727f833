//! Applying (`/services/{id}/apply`) and answering a return (`/applications/{id}/respond`):
//! the service's form, generated from its package, posted as `multipart/form-data` so files
//! travel without script. Submission and resubmission go through the same functions as the
//! API (`routes::applications::{submit, take_action}`), with the same ledger entries.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use diwan_domain::form::{FormContext, validate_form};
use diwan_domain::service::ServiceDefinition;
use diwan_domain::workflow::{ApplicationView, available_actions};
use diwan_store::IdempotencyKey;

use crate::auth::Caller;
use crate::crypto::random_bytes;
use crate::error::ApiError;
use crate::pages::errors::Errors;
use crate::pages::form::{self, FieldView, Posted, Values};
use crate::pages::session::{OrPage, Visitor};
use crate::pages::ui::Ui;
use crate::pages::{bad_form, render};
use crate::routes::applications::{
    ActionRequest, Purpose, load_visible, submit as submit_application, take_action,
};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    ui: Ui,
    errors: Errors,
    /// The service's name, the page's heading.
    service_name: String,
    action: String,
    fields: Vec<FieldView>,
    idempotency_key: String,
    /// When answering a return: the officer's comment and the version read.
    returned_comment: Option<String>,
    expected_version: Option<i64>,
}

fn service_or_404(
    state: &AppState,
    v: &Visitor,
    id: &str,
) -> Result<std::sync::Arc<ServiceDefinition>, Response> {
    state
        .catalog
        .service(id)
        .cloned()
        .ok_or_else(|| v.fail(ApiError::not_found()))
}

fn new_key() -> String {
    random_bytes::<16>().map(hex::encode).unwrap_or_default()
}

/// An idempotency key as the API accepts it (the same rule as its header).
fn usable_key(key: &str) -> Option<String> {
    let key = key.trim();
    (!key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| key.to_owned())
}

pub async fn form(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let service = service_or_404(&state, &v, &id)?;
    v.citizen()?;
    let mut values = Values::default();
    let page = ApplyPage {
        ui: v.ui(),
        errors: Errors::default(),
        service_name: service.name.get(v.lang).to_owned(),
        action: format!("/services/{}/apply", service.id),
        fields: form::fields(&service, v.lang, &mut values, &Errors::default()),
        idempotency_key: new_key(),
        returned_comment: None,
        expected_version: None,
    };
    Ok(render(&v, StatusCode::OK, page))
}

/// Every problem with the form at once: the files that could not be taken, then the
/// domain's own validation of the rest.
fn reading_errors(
    state: &AppState,
    service: &ServiceDefinition,
    v: &Visitor,
    posted: &Posted,
) -> Errors {
    let ctx = FormContext {
        country: &state.country,
        today: state.today(),
    };
    let validation = validate_form(service, &posted.data, &ctx)
        .err()
        .unwrap_or_default();
    form::merge(v.lang, &posted.errors, &validation)
}

pub async fn submit(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Response> {
    let service = service_or_404(&state, &v, &id)?;
    let caller = v.citizen()?;
    let multipart = multipart.map_err(|_| bad_form(&v))?;
    let posted = form::read(&state, caller, &service, multipart, |t| v.csrf_valid(t))
        .await
        .or_page(&v)?;
    let again = |errors: Errors, mut posted: Posted| {
        let key = usable_key(&posted.idempotency_key).unwrap_or_else(new_key);
        ApplyPage {
            ui: v.ui(),
            fields: form::fields(&service, v.lang, &mut posted.values, &errors),
            errors,
            service_name: service.name.get(v.lang).to_owned(),
            action: format!("/services/{}/apply", service.id),
            idempotency_key: key,
            returned_comment: None,
            expected_version: None,
        }
    };
    if !posted.errors.is_empty() {
        let errors = reading_errors(&state, &service, &v, &posted);
        return Ok(render(
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            again(errors, posted),
        ));
    }
    // The form's key makes a double post (a second click, a reload) return the first
    // application instead of making another.
    let idempotency = usable_key(&posted.idempotency_key).map(|key| IdempotencyKey {
        owner: caller.user.id.clone(),
        key,
        request_hash: posted.request_hash(),
    });
    match submit_application(&state, caller, &service.id, &posted.data, idempotency).await {
        Ok(created) => Ok(v.redirect(&format!(
            "/applications/{}?submitted=1",
            created.application.id
        ))),
        Err(e) if e.status.is_client_error() => {
            let errors = Errors::from_api(v.lang, &e);
            Ok(render(&v, e.status, again(errors, posted)))
        }
        Err(e) => Err(v.fail(e)),
    }
}

/// The citizen's action on a returned application (`resubmit`), if one is open now.
fn citizen_action(
    service: &ServiceDefinition,
    caller: &Caller,
    app: &diwan_store::Application,
) -> Option<String> {
    available_actions(
        service,
        &ApplicationView {
            state: &app.state,
            applicant_id: &app.applicant_id,
        },
        &caller.actor(),
    )
    .into_iter()
    .next()
    .map(|t| t.action.clone())
}

/// The officer's comment that returned the application: the last event's.
async fn return_comment(state: &AppState, app_id: &str) -> Option<String> {
    state
        .store
        .list_events(app_id)
        .await
        .ok()?
        .into_iter()
        .last()
        .and_then(|e| e.comment)
}

pub async fn respond_form(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let caller = v.citizen()?;
    let app = load_visible(&state, caller, &id, Purpose::View)
        .await
        .or_page(&v)?;
    let service = service_or_404(&state, &v, &app.service_id)?;
    if citizen_action(&service, caller, &app).is_none() {
        return Ok(v.redirect(&format!("/applications/{}", app.id)));
    }
    let mut values = Values::from_data(&state, caller, &app.data).await;
    let page = ApplyPage {
        ui: v.ui(),
        errors: Errors::default(),
        service_name: service.name.get(v.lang).to_owned(),
        action: format!("/applications/{}/respond", app.id),
        fields: form::fields(&service, v.lang, &mut values, &Errors::default()),
        idempotency_key: String::new(),
        returned_comment: return_comment(&state, &app.id).await,
        expected_version: Some(app.version),
    };
    Ok(render(&v, StatusCode::OK, page))
}

pub async fn respond(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Response> {
    let caller = v.citizen()?;
    let multipart = multipart.map_err(|_| bad_form(&v))?;
    // Only to find the service's form: the action itself loads the application again.
    let app = load_visible(&state, caller, &id, Purpose::Act)
        .await
        .or_page(&v)?;
    let service = service_or_404(&state, &v, &app.service_id)?;
    let Some(action) = citizen_action(&service, caller, &app) else {
        return Ok(v.redirect(&format!("/applications/{}", app.id)));
    };
    let posted = form::read(&state, caller, &service, multipart, |t| v.csrf_valid(t))
        .await
        .or_page(&v)?;
    let expected_version = posted
        .extra
        .get("expected_version")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(app.version);
    let comment = return_comment(&state, &app.id).await;
    let again = |errors: Errors, mut posted: Posted| ApplyPage {
        ui: v.ui(),
        fields: form::fields(&service, v.lang, &mut posted.values, &errors),
        errors,
        service_name: service.name.get(v.lang).to_owned(),
        action: format!("/applications/{}/respond", app.id),
        idempotency_key: String::new(),
        returned_comment: comment.clone(),
        expected_version: Some(expected_version),
    };
    if !posted.errors.is_empty() {
        let errors = reading_errors(&state, &service, &v, &posted);
        return Ok(render(
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            again(errors, posted),
        ));
    }
    let request = ActionRequest {
        action,
        comment: None,
        expected_version,
        data: Some(posted.data.clone()),
    };
    match take_action(&state, caller, &app.id, request).await {
        Ok(updated) => Ok(v.redirect(&format!("/applications/{}", updated.id))),
        Err(e) if e.status.is_client_error() => {
            let errors = Errors::from_api(v.lang, &e);
            Ok(render(&v, e.status, again(errors, posted)))
        }
        Err(e) => Err(v.fail(e)),
    }
}
