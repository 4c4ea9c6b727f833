//! The public catalogue: which services exist and everything needed to apply for one.

use axum::Json;
use axum::extract::State;
use diwan_domain::service::{DateBound, Field, ServiceDefinition};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeDto {
    /// Decimal amount as written for people, e.g. `45.00`.
    pub amount: String,
    /// The amount in minor units (piastres for EGP).
    pub amount_minor: i64,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_ar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_en: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceSummary {
    pub id: String,
    pub version: u32,
    pub name_ar: String,
    pub name_en: String,
    pub description_ar: String,
    pub description_en: String,
    /// The agency's id.
    pub agency: String,
    pub agency_name_ar: String,
    pub agency_name_en: String,
    pub category: String,
    pub fee: FeeDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionDto {
    pub value: String,
    pub label_ar: String,
    pub label_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldDto {
    pub id: String,
    /// One of text, textarea, number, date, choice, boolean, email, phone, national_id, file.
    #[serde(rename = "type")]
    pub field_type: String,
    pub required: bool,
    pub label_ar: String,
    pub label_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_ar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionDto>>,
    /// Numbers: a number. Dates: `YYYY-MM-DD` or `today`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub min: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub max: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub integer: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept: Option<Vec<String>>,
    /// Files: largest size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    pub id: String,
    pub name_ar: String,
    pub name_en: String,
    pub required: bool,
    /// The file field through which it is uploaded, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateDto {
    pub id: String,
    pub label_ar: String,
    pub label_en: String,
    pub terminal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_hours: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionDto {
    pub action: String,
    pub label_ar: String,
    pub label_en: String,
    pub from: Vec<String>,
    pub to: String,
    pub roles: Vec<String>,
    pub comment_required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowDto {
    pub id: String,
    pub initial: String,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_certificate_in: Option<String>,
    pub states: Vec<StateDto>,
    pub transitions: Vec<TransitionDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDto {
    pub title_ar: String,
    pub title_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
    pub claims: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDetail {
    #[serde(flatten)]
    pub summary: ServiceSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_time_ar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_time_en: Option<String>,
    pub fields: Vec<FieldDto>,
    pub documents: Vec<DocumentDto>,
    pub workflow: WorkflowDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateDto>,
}

pub fn summary(state: &AppState, s: &ServiceDefinition) -> ServiceSummary {
    let agency = state.catalog.agency(&s.agency);
    ServiceSummary {
        id: s.id.clone(),
        version: s.version,
        name_ar: s.name.ar.clone(),
        name_en: s.name.en.clone(),
        description_ar: s.description.ar.clone(),
        description_en: s.description.en.clone(),
        agency: s.agency.clone(),
        agency_name_ar: agency.map(|a| a.name.ar.clone()).unwrap_or_default(),
        agency_name_en: agency.map(|a| a.name.en.clone()).unwrap_or_default(),
        category: s.category.clone(),
        fee: FeeDto {
            amount: s.fee.amount.clone(),
            amount_minor: s.fee.amount_minor,
            currency: s.fee.currency.clone(),
            note_ar: s.fee.note.as_ref().map(|n| n.ar.clone()),
            note_en: s.fee.note.as_ref().map(|n| n.en.clone()),
        },
    }
}

fn date_bound(b: DateBound) -> serde_json::Value {
    serde_json::to_value(b).unwrap_or(serde_json::Value::Null)
}

fn field(f: &Field) -> FieldDto {
    let num = |n: Option<f64>| {
        n.and_then(serde_json::Number::from_f64)
            .map(serde_json::Value::Number)
    };
    FieldDto {
        id: f.id.clone(),
        field_type: serde_json::to_value(f.field_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        required: f.required,
        label_ar: f.label.ar.clone(),
        label_en: f.label.en.clone(),
        help_ar: f.help.as_ref().map(|h| h.ar.clone()),
        help_en: f.help.as_ref().map(|h| h.en.clone()),
        options: (!f.options.is_empty()).then(|| {
            f.options
                .iter()
                .map(|o| OptionDto {
                    value: o.value.clone(),
                    label_ar: o.label.ar.clone(),
                    label_en: o.label.en.clone(),
                })
                .collect()
        }),
        min: num(f.min).or_else(|| f.min_date.map(date_bound)),
        max: num(f.max).or_else(|| f.max_date.map(date_bound)),
        integer: f.integer,
        min_length: f.min_length,
        max_length: f.max_length,
        pattern: f.pattern.as_ref().map(|p| p.source.clone()),
        accept: (!f.accept.is_empty()).then(|| f.accept.clone()),
        max_size: f.max_size,
    }
}

pub fn detail(state: &AppState, s: &ServiceDefinition) -> ServiceDetail {
    let wf = &s.workflow;
    ServiceDetail {
        summary: summary(state, s),
        processing_time_ar: s.processing_time.as_ref().map(|p| p.ar.clone()),
        processing_time_en: s.processing_time.as_ref().map(|p| p.en.clone()),
        fields: s.fields.iter().map(field).collect(),
        documents: s
            .documents
            .iter()
            .map(|d| DocumentDto {
                id: d.id.clone(),
                name_ar: d.name.ar.clone(),
                name_en: d.name.en.clone(),
                required: d.required,
                field: d.field.clone(),
            })
            .collect(),
        workflow: WorkflowDto {
            id: wf.id.clone(),
            initial: wf.initial.clone(),
            roles: wf.roles.clone(),
            issue_certificate_in: wf.issue_certificate_in.clone(),
            states: wf
                .states
                .iter()
                .map(|st| StateDto {
                    id: st.id.clone(),
                    label_ar: st.label.ar.clone(),
                    label_en: st.label.en.clone(),
                    terminal: st.terminal,
                    outcome: st
                        .outcome
                        .and_then(|o| serde_json::to_value(o).ok())
                        .and_then(|v| v.as_str().map(str::to_string)),
                    sla_hours: st.sla_hours,
                })
                .collect(),
            transitions: wf
                .transitions
                .iter()
                .map(|t| TransitionDto {
                    action: t.action.clone(),
                    label_ar: t.label.ar.clone(),
                    label_en: t.label.en.clone(),
                    from: t.from.clone(),
                    to: t.to.clone(),
                    roles: t.roles.clone(),
                    comment_required: t.comment_required,
                })
                .collect(),
        },
        certificate: s.certificate.as_ref().map(|c| CertificateDto {
            title_ar: c.title.ar.clone(),
            title_en: c.title.en.clone(),
            validity_days: c.validity_days,
            claims: c.claims.clone(),
        }),
    }
}

/// Every service of the catalogue.
#[utoipa::path(get, path = "/services", tag = "catalogue",
    responses((status = 200, body = Vec<ServiceSummary>)))]
pub async fn list_services(State(state): State<AppState>) -> Json<Vec<ServiceSummary>> {
    Json(
        state
            .catalog
            .services
            .values()
            .map(|s| summary(&state, s))
            .collect(),
    )
}

/// One service: its form, documents, fee, workflow and certificate.
#[utoipa::path(get, path = "/services/{id}", tag = "catalogue",
    params(("id" = String, Path, description = "Service id, e.g. birth_certificate")),
    responses((status = 200, body = ServiceDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_service(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ServiceDetail>> {
    let service = state.catalog.service(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(detail(&state, service)))
}
