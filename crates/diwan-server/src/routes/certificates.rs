//! A certificate as its holder and the officers see it, its revocation, the public key set,
//! and verification for anyone (no sign-in).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use diwan_store::{Certificate, CertificateRevocation, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::certificates::{REVOKE_REASONS, revoking_roles};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::applications::{Purpose, load_visible};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDto {
    pub certificate_id: String,
    pub application_id: String,
    /// The signed payload (`DW1:...`): what the QR code holds, verifiable offline.
    pub payload: String,
    /// The signing key's id (base64url), as listed at `/.well-known/diwan/keys`.
    pub key_id: String,
    /// Milliseconds since the Unix epoch.
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub pdf_url: String,
    pub png_url: String,
}

fn dto(c: Certificate) -> CertificateDto {
    let base = format!("/api/v1/applications/{}", c.application_id);
    CertificateDto {
        revoked: c.revoked_at.is_some(),
        pdf_url: format!("{base}/certificate.pdf"),
        png_url: format!("{base}/certificate.png"),
        certificate_id: c.id,
        application_id: c.application_id,
        payload: c.payload,
        key_id: c.key_id,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        revoked_at: c.revoked_at,
        revoke_reason: c.revoke_reason,
    }
}

fn no_certificate(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            "no_certificate",
            "No certificate",
            "لم تصدر شهادة لهذا الطلب بعد",
            "No certificate has been issued for this application yet",
        ),
        other => other.into(),
    }
}

/// The application, if the caller may see it (an officer's look is recorded), and the
/// certificate issued for it.
async fn visible_certificate(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(diwan_store::Application, Certificate)> {
    let app = load_visible(state, caller, id, Purpose::Certificate).await?;
    let certificate = state
        .store
        .certificate_for_application(&app.id)
        .await
        .map_err(no_certificate)?;
    Ok((app, certificate))
}

/// The certificate issued for an application, with its payload.
#[utoipa::path(get, path = "/applications/{id}/certificate", tag = "certificates",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CertificateDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_certificate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CertificateDto>> {
    let (_, certificate) = visible_certificate(&state, &caller, &id).await?;
    Ok(Json(dto(certificate)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// One of: issued_in_error, data_incorrect, fraud, superseded, holder_request.
    pub reason: String,
}

/// Revokes the application's certificate; only an officer who may issue it.
#[utoipa::path(post, path = "/applications/{id}/certificate/revoke", tag = "certificates",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = RevokeRequest,
    responses((status = 200, body = CertificateDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> ApiResult<Json<CertificateDto>> {
    let app = load_visible(&state, &caller, &id, Purpose::Act).await?;
    let service = state
        .catalog
        .service(&app.service_id)
        .ok_or_else(ApiError::not_found)?;
    let allowed = revoking_roles(service);
    let role = caller
        .user
        .roles
        .iter()
        .find(|r| allowed.contains(r))
        .filter(|_| !caller.is_citizen())
        .ok_or_else(|| {
            ApiError::forbidden(
                "لا يلغي الشهادة إلا موظف مخوّل بإصدارها",
                "Only an officer who may issue this certificate can revoke it",
            )
        })?;
    if !REVOKE_REASONS.contains(&req.reason.as_str()) {
        return Err(ApiError::invalid_field(
            "reason",
            "unknown_reason",
            format!("سبب غير معروف؛ الأسباب: {}", REVOKE_REASONS.join("، ")),
            format!("Unknown reason; one of: {}", REVOKE_REASONS.join(", ")),
        ));
    }
    let certificate = state
        .store
        .certificate_for_application(&app.id)
        .await
        .map_err(no_certificate)?;
    let now = state.now_ms();
    let ledger_entry = state
        .trust
        .revoked_entry(
            &certificate.id,
            &app.id,
            &req.reason,
            &caller.logged(Some(role)),
            now,
        )
        .map_err(ApiError::internal)?;
    let revoked = state
        .store
        .revoke_certificate(CertificateRevocation {
            certificate_id: certificate.id,
            reason: req.reason,
            at: now,
            ledger_entry,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::new(
                StatusCode::CONFLICT,
                "already_revoked",
                "Already revoked",
                "أُلغيت هذه الشهادة من قبل",
                "This certificate was already revoked",
            ),
            other => other.into(),
        })?;
    Ok(Json(dto(revoked)))
}

/// The public keys certificates are signed with (old keys stay listed, so old certificates
/// keep verifying after a rotation).
#[utoipa::path(get, path = "/.well-known/diwan/keys", tag = "certificates",
    responses((status = 200, description = "{keys: [{kid, kty, crv, x, alg, valid_from, valid_until}]}")))]
pub async fn keys(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            // Keys change only at a rotation: let verifiers cache them for an hour.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        state.trust.keys().to_json(),
    )
        .into_response()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The certificate's payload (`DW1:...`), as read from its QR code.
    pub payload: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    /// Signature, key and dates check out.
    pub valid: bool,
    /// The issuer revoked it (only known online).
    pub revoked: bool,
    /// The claims, when the signature is valid.
    #[schema(value_type = Option<Object>)]
    pub claims: Option<serde_json::Value>,
    /// Why it is not valid: a stable code.
    pub reason: Option<String>,
    pub message_ar: Option<String>,
    pub message_en: Option<String>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

/// Verifies a certificate payload and looks up its revocation. No sign-in.
#[utoipa::path(post, path = "/verify", tag = "certificates", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResponse),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<Json<VerifyResponse>> {
    let verdict = verdict(&state, req.payload.trim()).await?;
    let claims = verdict
        .claims
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    Ok(Json(VerifyResponse {
        valid: verdict.valid(),
        revoked: verdict.revoked_at.is_some(),
        claims,
        reason: verdict.reason.map(|r| r.code.to_owned()),
        message_ar: verdict.reason.map(|r| r.message_ar.to_owned()),
        message_en: verdict.reason.map(|r| r.message_en.to_owned()),
        revoked_at: verdict.revoked_at,
        revoke_reason: verdict.revoke_reason,
    }))
}

/// Why a certificate is not valid: a stable code and what to tell a person.
#[derive(Debug, Clone, Copy)]
pub struct Reason {
    pub code: &'static str,
    pub message_ar: &'static str,
    pub message_en: &'static str,
}

/// What verifying a payload found, for the API and the public page alike.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The authentic claims (also for an expired certificate), if the signature holds.
    pub claims: Option<diwan_credential::CertificateClaims>,
    pub reason: Option<Reason>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

impl Verdict {
    pub fn valid(&self) -> bool {
        self.reason.is_none()
    }
}

const REVOKED: Reason = Reason {
    code: "revoked",
    message_ar: "ألغت الجهة المصدرة هذه الشهادة",
    message_en: "The issuer revoked this certificate",
};

/// Checks the signature, key and dates offline, then revocation in the store.
pub async fn verdict(state: &AppState, payload: &str) -> ApiResult<Verdict> {
    let now = state.now_ms() / 1000;
    let verified = match diwan_credential::verify(payload, state.trust.keys(), now) {
        Ok(verified) => verified,
        Err(e) => {
            return Ok(Verdict {
                // An expired certificate is authentic: its claims are still worth showing.
                claims: match &e {
                    diwan_credential::VerifyError::Expired { certificate, .. } => {
                        Some(certificate.claims.clone())
                    }
                    _ => None,
                },
                reason: Some(Reason {
                    code: e.code(),
                    message_ar: e.message_ar(),
                    message_en: e.message_en(),
                }),
                revoked_at: None,
                revoke_reason: None,
            });
        }
    };
    let stored = match state.store.get_certificate(verified.certificate_id()).await {
        Ok(c) => Some(c),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let revoked_at = stored.as_ref().and_then(|c| c.revoked_at);
    Ok(Verdict {
        claims: Some(verified.claims),
        reason: revoked_at.map(|_| REVOKED),
        revoked_at,
        revoke_reason: stored.and_then(|c| c.revoke_reason),
    })
}

/// `YYYY-MM-DD` of a time in milliseconds, in the country's time zone.
pub(crate) fn date(zone: &jiff::tz::TimeZone, ms: i64) -> String {
    crate::state::local(zone, ms)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day()))
        .unwrap_or_default()
}

/// The certificate laid out for printing: names from the catalogue, the holder and the listed
/// fields from the verified claims (so the page shows exactly what the QR code states).
async fn printable(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<diwan_print::CertificateView> {
    use diwan_print::{Bilingual, CertificateView, Field};
    let (app, certificate) = visible_certificate(state, caller, id).await?;
    let service = state
        .catalog
        .service(&app.service_id)
        .ok_or_else(ApiError::not_found)?;
    let agency = state.catalog.agency(&service.agency);
    let verified = diwan_credential::verify(
        &certificate.payload,
        state.trust.keys(),
        certificate.issued_at / 1000,
    )
    .map_err(|e| ApiError::internal(format!("stored certificate does not verify: {e}")))?;
    let fields = verified
        .claims
        .fields
        .iter()
        .map(|(id, value)| {
            let label = service
                .field(id)
                .map(|f| Bilingual::new(f.label.ar.clone(), f.label.en.clone()))
                .unwrap_or_else(|| Bilingual::new(id.clone(), id.clone()));
            Field::new(label, value.to_string())
        })
        .collect();
    Ok(CertificateView {
        agency: agency
            .map(|a| Bilingual::new(a.name.ar.clone(), a.name.en.clone()))
            .unwrap_or_else(|| Bilingual::new(service.agency.clone(), service.agency.clone())),
        service: match &service.certificate {
            Some(spec) => Bilingual::new(spec.title.ar.clone(), spec.title.en.clone()),
            None => Bilingual::new(service.name.ar.clone(), service.name.en.clone()),
        },
        certificate_id: certificate.id,
        issued_on: date(&state.time_zone, certificate.issued_at),
        expires_on: certificate.expires_at.map(|at| date(&state.time_zone, at)),
        holder_name: verified.claims.holder_name,
        fields,
        payload: certificate.payload,
        verify_url: "/verify".to_owned(),
    })
}

fn print_error(e: diwan_print::PrintError) -> ApiError {
    ApiError::internal(format!("printing the certificate: {e}"))
}

/// The certificate as a bilingual PDF with its QR code.
#[utoipa::path(get, path = "/applications/{id}/certificate.pdf", tag = "certificates",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "A4 PDF"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn certificate_pdf(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let view = printable(&state, &caller, &id).await?;
    let name = format!("{}.pdf", view.certificate_id);
    // Shaping and layout take tens of milliseconds of CPU: off the request threads.
    let pdf = tokio::task::spawn_blocking(move || diwan_print::certificate_pdf(&view))
        .await
        .map_err(ApiError::internal)?
        .map_err(print_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The certificate's QR code alone, as a PNG.
#[utoipa::path(get, path = "/applications/{id}/certificate.png", tag = "certificates",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "image/png", description = "QR code"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn certificate_png(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let (_, certificate) = visible_certificate(&state, &caller, &id).await?;
    let png = tokio::task::spawn_blocking(move || diwan_print::qr_png(&certificate.payload))
        .await
        .map_err(ApiError::internal)?
        .map_err(print_error)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
