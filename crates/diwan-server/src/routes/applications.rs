//! Applications: a citizen applies, follows and resubmits; officers work their agency's queue.
//! Least privilege: a citizen sees only their own files and an officer only their agency's;
//! anything else is `404`, so the existence of another person's file is not revealed.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use diwan_domain::clean_text::clean_text;
use diwan_domain::form::{FieldError, FormContext, ValidForm, validate_form};
use diwan_domain::service::ServiceDefinition;
use diwan_domain::workflow::{ApplicationView, WorkflowError, available_actions, decide};
use diwan_store::{
    ActionCommit, ActorKind, Application, ApplicationFilter, Event, EventActor, IdempotencyKey,
    LEAF_DATA_ACCESS, ListOrder, NewApplication, NewLeaf, StoreError, UserKind,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::crypto::sha256_hex;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::trust::LoggedEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplicationRequest {
    pub service_id: String,
    /// Field id to value, as the service's `fields` describe.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// A workflow action id, e.g. `start_review`, `approve`, `resubmit`.
    pub action: String,
    /// Required by some actions (reject, return_to_citizen); shown to the citizen.
    #[serde(default)]
    pub comment: Option<String>,
    /// The `version` you read; the action applies only if nobody acted since.
    pub expected_version: i64,
    /// For `resubmit`: the corrected form data (replaces the old data).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvailableAction {
    pub action: String,
    pub label_ar: String,
    pub label_en: String,
    pub comment_required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: String,
    /// Human reference to quote on the phone or at a counter.
    pub reference: String,
    pub service_id: String,
    pub service_version: u32,
    pub service_name_ar: String,
    pub service_name_en: String,
    pub agency: String,
    pub state: String,
    pub state_label_ar: String,
    pub state_label_en: String,
    pub terminal: bool,
    /// Send back as `expected_version` when acting.
    pub version: i64,
    /// The form data. `null` in an officer's list: opening the application (a recorded
    /// read) shows it.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub state_since: i64,
    /// When the current state's SLA runs out (Unix ms), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<i64>,
    /// What the caller may do now.
    pub available_actions: Vec<AvailableAction>,
    pub status_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub seq: i64,
    pub version: i64,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_state: Option<String>,
    pub to_state: String,
    /// `citizen` or `officer`.
    pub actor_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_agency: Option<String>,
    /// Officers' ids are shown to the citizen: they have a right to know who handled the file.
    pub actor_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationDto>,
    /// Pass as `before` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Comma-separated states. Officers default to the states where their roles can act.
    pub state: Option<String>,
    pub service_id: Option<String>,
    /// Officers: `true` lists every application of the agency, whatever its state.
    pub all: Option<bool>,
    pub before: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    /// `newest` (the default: newest first) or `waiting` (a work queue: the application
    /// waiting longest in its state first). `before` pages in the same order.
    pub sort: Option<String>,
}

pub(crate) fn dto(state: &AppState, app: &Application, caller: &Caller) -> ApplicationDto {
    let service = state.catalog.service(&app.service_id);
    let st = service.and_then(|s| s.workflow.state(&app.state));
    let actions = service
        .map(|s| {
            available_actions(
                s,
                &ApplicationView {
                    state: &app.state,
                    applicant_id: &app.applicant_id,
                },
                &caller.actor(),
            )
            .into_iter()
            .map(|t| AvailableAction {
                action: t.action.clone(),
                label_ar: t.label.ar.clone(),
                label_en: t.label.en.clone(),
                comment_required: t.comment_required,
            })
            .collect()
        })
        .unwrap_or_default();
    ApplicationDto {
        id: app.id.clone(),
        reference: app.reference.clone(),
        service_id: app.service_id.clone(),
        service_version: app.service_version,
        service_name_ar: service.map(|s| s.name.ar.clone()).unwrap_or_default(),
        service_name_en: service.map(|s| s.name.en.clone()).unwrap_or_default(),
        agency: app.agency.clone(),
        state: app.state.clone(),
        state_label_ar: st
            .map(|s| s.label.ar.clone())
            .unwrap_or_else(|| app.state.clone()),
        state_label_en: st
            .map(|s| s.label.en.clone())
            .unwrap_or_else(|| app.state.clone()),
        terminal: st.is_some_and(|s| s.terminal),
        version: app.version,
        data: app.data.clone(),
        created_at: app.created_at,
        updated_at: app.updated_at,
        state_since: app.state_since,
        due_at: st
            .and_then(|s| s.sla_hours)
            .map(|h| app.state_since + i64::from(h) * 3_600_000),
        available_actions: actions,
        status_url: format!("/api/v1/applications/{}", app.id),
    }
}

/// Why a caller loads an application: the purpose code a read is logged under.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose<'a> {
    /// The application page.
    View,
    /// Its history.
    History,
    /// One of its documents (the field id).
    Document(&'a str),
    /// Its certificate.
    Certificate,
    /// Deciding an action: the action's own event records it, so no read is logged.
    Act,
}

impl Purpose<'_> {
    fn code(&self) -> Option<String> {
        match self {
            Purpose::View => Some("view_application".to_owned()),
            Purpose::History => Some("view_history".to_owned()),
            Purpose::Document(field) => Some(format!("view_document:{field}")),
            Purpose::Certificate => Some("view_certificate".to_owned()),
            Purpose::Act => None,
        }
    }
}

/// Loads an application the caller may see, or `404`. The one door to an application's
/// data: a read by anyone but the applicant is recorded in the ledger here, durably, before
/// the data is returned, so no handler can forget it and no read goes unrecorded.
pub(crate) async fn load_visible(
    state: &AppState,
    caller: &Caller,
    id: &str,
    purpose: Purpose<'_>,
) -> ApiResult<Application> {
    if id.len() > 64 {
        return Err(ApiError::not_found());
    }
    let app = state.store.get_application(id).await?;
    let visible = match caller.user.kind {
        UserKind::Citizen => app.applicant_id == caller.user.id,
        UserKind::Officer => caller.user.agency.as_deref() == Some(app.agency.as_str()),
    };
    if !visible {
        return Err(ApiError::not_found());
    }
    if app.applicant_id != caller.user.id
        && let Some(code) = purpose.code()
    {
        let roles = caller.user.roles.join(",");
        let now = state.now_ms();
        let entry = state
            .trust
            .access_entry(&app.id, &caller.logged(Some(&roles)), &code, now)
            .map_err(ApiError::internal)?;
        state
            .store
            .append_leaf(NewLeaf {
                kind: LEAF_DATA_ACCESS,
                application_id: Some(app.id.clone()),
                entry,
                at: now,
            })
            .await?;
    }
    Ok(app)
}

/// Validates form data and the uploads it names (they must be the applicant's, of an
/// accepted type and size).
async fn validate(
    state: &AppState,
    service: &ServiceDefinition,
    data: &serde_json::Value,
    applicant_id: &str,
) -> ApiResult<ValidForm> {
    let ctx = FormContext {
        country: &state.country,
        today: state.today(),
    };
    let form = validate_form(service, data, &ctx).map_err(ApiError::validation)?;
    let mut errors = Vec::new();
    for upload in &form.uploads {
        let Some(field) = service.field(&upload.field) else {
            continue;
        };
        let missing = || {
            FieldError::new(
                &field.id,
                "upload_not_found",
                format!("«{}»: لم نجد الملف المرفوع؛ ارفعه مرة أخرى", field.label.ar),
                format!(
                    "{}: we cannot find that upload; upload the file again",
                    field.label.en
                ),
            )
        };
        match state.store.get_upload(&upload.upload_id).await {
            Ok(meta) if meta.owner_id != applicant_id => errors.push(missing()),
            Ok(meta) if !field.accept.iter().any(|a| a == &meta.content_type) => {
                errors.push(FieldError::new(
                    &field.id,
                    "upload_type_not_accepted",
                    format!(
                        "«{}»: نوع الملف غير مقبول؛ المقبول: {}",
                        field.label.ar,
                        field.accept.join("، ")
                    ),
                    format!(
                        "{}: this type of file is not accepted; accepted: {}",
                        field.label.en,
                        field.accept.join(", ")
                    ),
                ))
            }
            Ok(meta) if field.max_size.is_some_and(|max| meta.size > max) => {
                errors.push(FieldError::new(
                    &field.id,
                    "upload_too_large",
                    format!("«{}»: الملف أكبر من الحجم المسموح", field.label.ar),
                    format!("{}: the file is larger than allowed", field.label.en),
                ))
            }
            Ok(_) => {}
            Err(StoreError::NotFound) => errors.push(missing()),
            Err(e) => return Err(e.into()),
        }
    }
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(ApiError::validation(errors))
    }
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .map(|k| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(Some).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Invalid Idempotency-Key",
            "ترويسة Idempotency-Key يجب أن تكون نصًا من 1 إلى 255 حرفًا مرئيًا",
            "The Idempotency-Key header must be 1 to 255 visible ASCII characters",
        )
        .with_field("Idempotency-Key")
    })
}

/// Submits an application. Send an `Idempotency-Key` header: retrying with the same key
/// returns the same application instead of creating a second one.
#[utoipa::path(post, path = "/applications", tag = "applications", security(("bearer" = [])),
    request_body = NewApplicationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key making retries safe")),
    responses((status = 201, body = ApplicationDto, description = "Created (or replayed: header Idempotent-Replayed: true)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    caller.require_citizen()?;
    let body = body.map_err(crate::extract::body_rejection)?;
    let key = idempotency_key(&headers)?;
    let ApiJson(req) = json_body::<NewApplicationRequest>(&headers, &body)?;
    let idempotency = key.map(|key| IdempotencyKey {
        owner: caller.user.id.clone(),
        key,
        request_hash: sha256_hex(&body),
    });
    let created = submit(&state, &caller, &req.service_id, &req.data, idempotency).await?;
    let body = dto(&state, &created.application, &caller);
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(v) =
        HeaderValue::from_str(&format!("/api/v1/applications/{}", created.application.id))
    {
        headers.insert(axum::http::header::LOCATION, v);
    }
    if created.replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Validates and records a citizen's application with its first event and ledger entry, in
/// one store transaction: the API's `POST /applications` and the portal's form both submit
/// through here.
pub(crate) async fn submit(
    state: &AppState,
    caller: &Caller,
    service_id: &str,
    data: &serde_json::Value,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<diwan_store::Created> {
    caller.require_citizen()?;
    let service = state.catalog.service(service_id).cloned().ok_or_else(|| {
        ApiError::invalid_field(
            "service_id",
            "unknown_service",
            format!("لا توجد خدمة بالمعرّف «{service_id}»"),
            format!("There is no service `{service_id}`"),
        )
    })?;
    let form = validate(state, &service, data, &caller.user.id).await?;
    let now = state.now_ms();
    // The year people live in: from 22:00 on 31 December in Cairo it is already next year.
    let year = state.today().year();
    let id = uuid::Uuid::now_v7().to_string();
    let ledger_entry = state
        .trust
        .event_entry(
            &LoggedEvent {
                application_id: &id,
                service_id: &service.id,
                service_version: service.version,
                version: 1,
                action: "submitted",
                from: None,
                to: &service.workflow.initial,
                at: now,
            },
            &caller.logged(None),
        )
        .map_err(ApiError::internal)?;
    let created = state
        .store
        .create_application(NewApplication {
            id,
            ledger_entry,
            reference_prefix: service.reference_prefix.clone(),
            year,
            service_id: service.id.clone(),
            service_version: service.version,
            agency: service.agency.clone(),
            applicant_id: caller.user.id.clone(),
            initial_state: service.workflow.initial.clone(),
            data: serde_json::Value::Object(form.values),
            uploads: form.uploads.iter().map(|u| u.upload_id.clone()).collect(),
            idempotency,
            at: now,
        })
        .await
        .map_err(|e| match e {
            StoreError::IdempotencyMismatch => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                "استُخدم مفتاح Idempotency-Key هذا لطلب مختلف؛ استخدم مفتاحًا جديدًا لكل طلب جديد",
                "This Idempotency-Key was used for a different request; use a new key for each new application",
            )
            .with_field("Idempotency-Key"),
            StoreError::UploadNotFound(id) => ApiError::invalid_field(
                form.uploads.iter().find(|u| u.upload_id == id).map(|u| u.field.as_str()).unwrap_or("data"),
                "upload_not_found",
                "لم نجد الملف المرفوع؛ ارفعه مرة أخرى",
                "We cannot find that upload; upload the file again",
            ),
            other => other.into(),
        })?;
    Ok(created)
}

/// The body is read as bytes so the idempotency hash covers exactly what the client sent.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<ApiJson<T>> {
    crate::extract::require_json(headers)?;
    crate::extract::parse_json(body).map(ApiJson)
}

/// One application, with what the caller may do next.
#[utoipa::path(get, path = "/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ApplicationDto>> {
    let app = load_visible(&state, &caller, &id, Purpose::View).await?;
    Ok(Json(dto(&state, &app, &caller)))
}

/// A citizen's own applications, or an officer's queue.
#[utoipa::path(get, path = "/applications", tag = "applications", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ApplicationList), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ApplicationList>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let order = match q.sort.as_deref() {
        None | Some("newest") => ListOrder::NewestFirst,
        Some("waiting") => ListOrder::LongestWaiting,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "sort",
                "unknown_sort",
                "الترتيب إما newest أو waiting",
                "sort is newest or waiting",
            ));
        }
    };
    let states = q.state.as_deref().map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
    });
    let mut filter = ApplicationFilter {
        states,
        service_ids: q.service_id.map(|s| vec![s]),
        before_id: q.before,
        limit,
        order,
        ..Default::default()
    };
    match caller.user.kind {
        UserKind::Citizen => filter.applicant_id = Some(caller.user.id.clone()),
        UserKind::Officer => {
            let agency = caller.user.agency.clone().unwrap_or_default();
            if filter.states.is_none() && q.all != Some(true) {
                // The queue: states where one of the officer's roles can act, in any of
                // the agency's services.
                let mut actionable = BTreeSet::new();
                for s in state
                    .catalog
                    .services
                    .values()
                    .filter(|s| s.agency == agency)
                {
                    for t in &s.workflow.transitions {
                        if t.roles.iter().any(|r| caller.user.roles.contains(r)) {
                            actionable.extend(t.from.iter().cloned());
                        }
                    }
                }
                filter.states = Some(actionable.into_iter().collect());
            }
            filter.agency = Some(agency);
        }
    }
    let apps = state.store.list_applications(filter).await?;
    let next_before = (apps.len() as u32 == limit)
        .then(|| {
            apps.last().map(|a| match order {
                ListOrder::NewestFirst => a.id.clone(),
                // Carries the values: the last item may be acted on before the next page.
                ListOrder::LongestWaiting => diwan_store::waiting_cursor(a),
            })
        })
        .flatten();
    // An officer's queue carries no form data: reading a citizen's data means opening the
    // application, which is recorded in the ledger (a page of 50 would otherwise be 50
    // unrecorded reads).
    let items = apps
        .iter()
        .map(|a| {
            let mut item = dto(&state, a, &caller);
            if !caller.is_citizen() {
                item.data = serde_json::Value::Null;
            }
            item
        })
        .collect();
    Ok(Json(ApplicationList { items, next_before }))
}

/// Takes a workflow action. `409` if someone acted since `expected_version`.
#[utoipa::path(post, path = "/applications/{id}/actions", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ActionRequest,
    responses((status = 200, body = ApplicationDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<Json<ApplicationDto>> {
    let updated = take_action(&state, &caller, &id, req).await?;
    Ok(Json(dto(&state, &updated, &caller)))
}

/// Decides and records a workflow action with its ledger entry (and the certificate, on the
/// way into the issuing state): the API's `POST …/actions` and the portal's forms both act
/// through here.
pub(crate) async fn take_action(
    state: &AppState,
    caller: &Caller,
    id: &str,
    req: ActionRequest,
) -> ApiResult<Application> {
    let app = load_visible(state, caller, id, Purpose::Act).await?;
    let service = state
        .catalog
        .service(&app.service_id)
        .cloned()
        .ok_or_else(|| ApiError::internal("service of application missing from catalogue"))?;
    // The citizen reads the comment: no control or disguising characters in it.
    let comment = match req.comment.as_deref().map(|c| clean_text(c, true)) {
        None => None,
        Some(Ok(c)) if c.is_empty() => None,
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => {
            return Err(ApiError::invalid_field(
                "comment",
                "invalid_characters",
                "التعليق يحتوي على رموز غير مسموح بها أو غير مرئية",
                "The comment contains characters that are not allowed or not visible",
            ));
        }
    };
    let comment = comment.as_deref();
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::invalid_field(
            "comment",
            "too_long",
            "التعليق أطول من ٢٠٠٠ حرف",
            "The comment is longer than 2000 characters",
        ));
    }
    let view = ApplicationView {
        state: &app.state,
        applicant_id: &app.applicant_id,
    };
    let decision = decide(&service, &view, &req.action, &caller.actor(), comment);
    // A caller who may take this action at all but read an older version gets the conflict
    // (with the current version and state), not a verdict on a state they have not seen.
    let may_ever = !matches!(
        decision,
        Err(WorkflowError::Forbidden(_) | WorkflowError::UnknownAction(_))
    );
    if may_ever && req.expected_version != app.version {
        return Err(StoreError::VersionConflict {
            current: app.version,
            state: app.state.clone(),
        }
        .into());
    }
    let decision = decision.map_err(workflow_error)?;
    let (new_data, uploads) = match &req.data {
        Some(data) if caller.is_citizen() => {
            let form = validate(state, &service, data, &app.applicant_id).await?;
            (
                Some(serde_json::Value::Object(form.values)),
                form.uploads.into_iter().map(|u| u.upload_id).collect(),
            )
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "data",
                "data_not_allowed",
                "لا يعدّل بيانات الطلب إلا مقدّمه",
                "Only the applicant can change the application's data",
            ));
        }
        None => (None, Vec::new()),
    };
    let now = state.now_ms();
    let ledger_entry = state
        .trust
        .event_entry(
            &LoggedEvent {
                application_id: &app.id,
                service_id: &app.service_id,
                service_version: app.service_version,
                version: app.version + 1,
                action: &decision.action,
                from: Some(&decision.from),
                to: &decision.to,
                at: now,
            },
            &caller.logged(Some(&decision.role)),
        )
        .map_err(ApiError::internal)?;
    let certificate =
        crate::certificates::issue_on(state, &service, &app, &decision.to, now).await?;
    let updated = state
        .store
        .apply_action(ActionCommit {
            ledger_entry,
            certificate,
            application_id: app.id.clone(),
            expected_version: req.expected_version,
            action: decision.action,
            from_state: decision.from,
            to_state: decision.to,
            actor: EventActor {
                id: caller.user.id.clone(),
                kind: if caller.is_citizen() {
                    ActorKind::Citizen
                } else {
                    ActorKind::Officer
                },
                role: Some(decision.role),
                agency: caller.user.agency.clone(),
            },
            comment: comment.map(str::to_string),
            new_data,
            uploads,
            at: now,
        })
        .await
        .map_err(|e| match e {
            StoreError::UploadNotFound(_) => ApiError::invalid_field(
                "data",
                "upload_not_found",
                "لم نجد الملف المرفوع؛ ارفعه مرة أخرى",
                "We cannot find that upload; upload the file again",
            ),
            other => other.into(),
        })?;
    Ok(updated)
}

fn workflow_error(e: WorkflowError) -> ApiError {
    let (status, field) = match &e {
        WorkflowError::UnknownAction(_) => (StatusCode::UNPROCESSABLE_ENTITY, Some("action")),
        WorkflowError::NotAllowedInState { .. } => (StatusCode::CONFLICT, Some("action")),
        WorkflowError::Forbidden(_) => (StatusCode::FORBIDDEN, Some("action")),
        WorkflowError::CommentRequired(_) => (StatusCode::UNPROCESSABLE_ENTITY, Some("comment")),
    };
    let mut err = ApiError::new(
        status,
        e.code(),
        "Action refused",
        e.message_ar(),
        e.to_string(),
    );
    if let Some(f) = field {
        err = err.with_field(f);
    }
    err
}

fn event_dto(e: Event) -> EventDto {
    EventDto {
        seq: e.seq,
        version: e.version,
        action: e.action,
        from_state: e.from_state,
        to_state: e.to_state,
        actor_kind: e.actor_kind.as_str().to_string(),
        actor_role: e.actor_role,
        actor_agency: e.actor_agency,
        actor_id: e.actor_id,
        comment: e.comment,
        at: e.at,
    }
}

/// The application's history, oldest first.
#[utoipa::path(get, path = "/applications/{id}/events", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<EventDto>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<EventDto>>> {
    let app = load_visible(&state, &caller, &id, Purpose::History).await?;
    let events = state.store.list_events(&app.id).await?;
    Ok(Json(events.into_iter().map(event_dto).collect()))
}
