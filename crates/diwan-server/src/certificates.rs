//! Certificates: issued in the same transaction as the action that reaches the service's
//! issuing state, shown to whoever may see the application, verified by anyone, and revoked
//! by an officer who could have issued it. The format is docs/design/certificate.md.

use std::collections::BTreeMap;

use diwan_credential::{CertificateClaims, FieldValue, HolderIdHash, Title};
use diwan_domain::service::{FieldType, ServiceDefinition};
use diwan_store::{Application, NewCertificate};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Reason codes an officer may give for revoking (free text never reaches the public log).
pub const REVOKE_REASONS: [&str; 5] = [
    "issued_in_error",
    "data_incorrect",
    "fraud",
    "superseded",
    "holder_request",
];

/// The certificate an action issues, if it moves the application into the service's issuing
/// state: claims from the application, signed; `None` for every other transition.
pub async fn issue_on(
    state: &AppState,
    service: &ServiceDefinition,
    app: &Application,
    to_state: &str,
    now_ms: i64,
) -> ApiResult<Option<NewCertificate>> {
    let (Some(spec), Some(issuing)) = (
        service.certificate.as_ref(),
        service.workflow.issue_certificate_in.as_deref(),
    ) else {
        return Ok(None);
    };
    if to_state != issuing {
        return Ok(None);
    }
    let applicant = state.store.get_user(&app.applicant_id).await?;
    let text = |field: &str| {
        app.data
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    // The holder is the person the package names. Their name is the value of the required
    // text field `holder_name`: never the account's display name, which for a citizen is the
    // masked national ID. An application submitted under an earlier version of the package
    // may not have that field: it must still be approvable (officers cannot edit a citizen's
    // data), so its certificate says the name was not stated, and the holder hash still
    // identifies the person to the issuer.
    let holder_name = match text(&spec.holder_name) {
        Some(name) => name.to_owned(),
        None => {
            tracing::warn!(
                application = %app.id,
                field = %spec.holder_name,
                "certificate issued without the holder's name (data from an earlier version)"
            );
            "غير مذكور / not stated".to_owned()
        }
    };
    // Their ID is the value of `holder_id`, a national-ID field, when the package names one
    // and it was filled in; otherwise the applicant's own national ID.
    let holder_identifier = spec
        .holder_id
        .as_deref()
        .and_then(text)
        .or(applicant.national_id.as_deref())
        .unwrap_or(&applicant.id)
        .to_owned();
    let mut fields = BTreeMap::new();
    for id in &spec.claims {
        // National IDs travel only as the holder hash and phone numbers not at all, whatever
        // the package lists (`diwan check` refuses both as claims).
        if service
            .field(id)
            .is_some_and(|f| matches!(f.field_type, FieldType::NationalId | FieldType::Phone))
        {
            continue;
        }
        if let Some(value) = app.data.get(id.as_str()).and_then(FieldValue::from_json) {
            fields.insert(id.clone(), value);
        }
    }
    let issued_at = now_ms / 1000;
    let claims = CertificateClaims {
        issuer: state.trust.issuer().to_owned(),
        issued_at,
        expires_at: spec
            .validity_days
            .map(|days| issued_at + i64::from(days) * 86_400),
        certificate_id: app.reference.clone(),
        service_id: service.id.clone(),
        service_version: service.version,
        holder_name,
        holder_id_hash: HolderIdHash::compute(state.trust.holder_key(), &holder_identifier)
            .map_err(ApiError::internal)?,
        fields,
        title: Some(Title {
            ar: spec.title.ar.clone(),
            en: spec.title.en.clone(),
        }),
    };
    let key = state.trust.certificate_key(issued_at);
    let payload = diwan_credential::sign(&claims, key).map_err(ApiError::internal)?;
    let ledger_entry = state
        .trust
        .issued_entry(&app.id, &claims, &payload, &holder_identifier, now_ms)
        .map_err(ApiError::internal)?;
    Ok(Some(NewCertificate {
        id: claims.certificate_id,
        payload,
        key_id: key.kid().to_string(),
        expires_at: claims.expires_at.map(|s| s.saturating_mul(1000)),
        ledger_entry,
    }))
}

/// The roles that may revoke a service's certificates: those that may take a transition into
/// its issuing state (whoever could issue it can take it back).
pub fn revoking_roles(service: &ServiceDefinition) -> Vec<String> {
    let Some(issuing) = service.workflow.issue_certificate_in.as_deref() else {
        return Vec::new();
    };
    let mut roles: Vec<String> = service
        .workflow
        .transitions
        .iter()
        .filter(|t| t.to == issuing)
        .flat_map(|t| t.roles.iter().cloned())
        .collect();
    roles.sort();
    roles.dedup();
    roles
}
