//! The public verify page (`/verify`): for a person whose browser has no camera, paste the
//! text of a certificate's QR code and read the verdict in Arabic and English. No sign-in.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use diwan_credential::CertificateClaims;
use serde::Deserialize;

use crate::error::ApiError;
use crate::pages::html;
use crate::routes::certificates::{Reason, Verdict, date, verdict};
use crate::state::AppState;

/// A line of the claims table.
pub struct Row {
    pub label_ar: String,
    pub label_en: String,
    pub value: String,
}

pub struct Outcome {
    /// `valid`, `revoked` or `invalid`: the banner's colour.
    pub tone: &'static str,
    pub heading_ar: &'static str,
    pub heading_en: &'static str,
    pub reason: Option<Reason>,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    payload: String,
    result: Option<Outcome>,
}

fn render(page: VerifyPage) -> Response {
    match page.render() {
        Ok(body) => html(body),
        Err(e) => axum::response::IntoResponse::into_response(ApiError::internal(e)),
    }
}

pub async fn form() -> Response {
    render(VerifyPage {
        payload: String::new(),
        result: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    payload: String,
}

/// The longest text accepted from the form: a payload is at most 8,192 characters.
const MAX_PAYLOAD: usize = 10_000;

pub async fn submit(State(state): State<AppState>, Form(form): Form<VerifyForm>) -> Response {
    let payload: String = form.payload.trim().chars().take(MAX_PAYLOAD).collect();
    let verdict = match verdict(&state, &payload).await {
        Ok(v) => v,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    render(VerifyPage {
        result: Some(outcome(&state, &verdict)),
        payload,
    })
}

fn outcome(state: &AppState, verdict: &Verdict) -> Outcome {
    let (tone, heading_ar, heading_en) = match (verdict.valid(), verdict.revoked_at) {
        (true, _) => ("valid", "الشهادة صحيحة", "The certificate is valid"),
        (false, Some(_)) => ("revoked", "الشهادة ملغاة", "The certificate was revoked"),
        (false, None) => (
            "invalid",
            "الشهادة غير صحيحة",
            "The certificate is not valid",
        ),
    };
    Outcome {
        tone,
        heading_ar,
        heading_en,
        reason: verdict.reason,
        rows: verdict
            .claims
            .as_ref()
            .map(|claims| rows(state, claims, verdict))
            .unwrap_or_default(),
    }
}

fn row(label_ar: &str, label_en: &str, value: impl Into<String>) -> Row {
    Row {
        label_ar: label_ar.to_owned(),
        label_en: label_en.to_owned(),
        value: value.into(),
    }
}

/// What the certificate states, labelled from the catalogue where the service is known.
fn rows(state: &AppState, claims: &CertificateClaims, verdict: &Verdict) -> Vec<Row> {
    let service = state.catalog.service(&claims.service_id);
    let mut rows = Vec::new();
    if let Some(title) = &claims.title {
        rows.push(row(
            "الشهادة",
            "Certificate",
            format!("{} — {}", title.ar, title.en),
        ));
    } else if let Some(service) = service {
        rows.push(row(
            "الخدمة",
            "Service",
            format!("{} — {}", service.name.ar, service.name.en),
        ));
    }
    rows.push(row(
        "رقم الشهادة",
        "Certificate number",
        &claims.certificate_id,
    ));
    rows.push(row("صاحب الشهادة", "Holder", &claims.holder_name));
    rows.push(row("الجهة المصدرة", "Issuer", &claims.issuer));
    rows.push(row(
        "تاريخ الإصدار",
        "Issued on",
        date(&state.time_zone, claims.issued_at.saturating_mul(1000)),
    ));
    if let Some(expires_at) = claims.expires_at {
        rows.push(row(
            "تنتهي صلاحيتها في",
            "Expires on",
            date(&state.time_zone, expires_at.saturating_mul(1000)),
        ));
    }
    for (id, value) in &claims.fields {
        let (ar, en) = service
            .and_then(|s| s.field(id))
            .map(|f| (f.label.ar.clone(), f.label.en.clone()))
            .unwrap_or_else(|| (id.clone(), id.clone()));
        rows.push(row(&ar, &en, value.to_string()));
    }
    if let Some(revoked_at) = verdict.revoked_at {
        rows.push(row(
            "أُلغيت في",
            "Revoked on",
            date(&state.time_zone, revoked_at),
        ));
    }
    rows
}
