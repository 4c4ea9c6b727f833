//! "Who looked at my data": every read of, and action on, the signed-in citizen's
//! applications by someone else, from the ledger.

use axum::Json;
use axum::extract::State;
use diwan_ledger::{ActorKind, LedgerEntry};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// How far back the page goes: the newest entries first.
const MAX_ENTRIES: u32 = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessDto {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub application_id: String,
    /// `read` (data viewed), `action` (a workflow step) or `revocation`.
    pub kind: String,
    /// `officer` or `system`.
    pub actor_kind: String,
    pub agency: Option<String>,
    pub role: Option<String>,
    /// The officer's account id, for reads (actions name them by a keyed hash only).
    pub officer_id: Option<String>,
    /// Why: the screen or the action (`view_application`, `view_document:birth_notice`,
    /// `approve`, ...).
    pub purpose: String,
    /// Position in the public log (absent for a moment until it is placed).
    pub ledger_index: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogDto {
    pub entries: Vec<AccessDto>,
}

fn kind_name(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::Citizen => "citizen",
        ActorKind::Officer => "officer",
        ActorKind::System => "system",
    }
}

/// Reads and actions on my applications by anyone but me, newest first.
#[utoipa::path(get, path = "/me/access-log", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = AccessLogDto),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn access_log(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AccessLogDto>> {
    caller.require_citizen()?;
    let me = caller.logged(None);
    let leaves = state
        .store
        .leaves_about_applicant(&caller.user.id, MAX_ENTRIES)
        .await?;
    let mut entries = Vec::new();
    for leaf in leaves {
        let entry = LedgerEntry::from_bytes(&leaf.entry).map_err(ApiError::internal)?;
        let dto = match entry {
            LedgerEntry::DataAccess(e) => AccessDto {
                at: e.at,
                application_id: e.application_id,
                kind: "read".to_owned(),
                actor_kind: kind_name(e.reader_kind).to_owned(),
                agency: e.reader_agency,
                role: e.reader_role,
                officer_id: Some(e.reader_id),
                purpose: e.purpose,
                ledger_index: leaf.index,
            },
            LedgerEntry::ApplicationEvent(e)
                if e.actor_id_hash
                    != state
                        .trust
                        .person_hash(me.kind, me.identifier, &e.application_id) =>
            {
                AccessDto {
                    at: e.at,
                    application_id: e.application_id,
                    kind: "action".to_owned(),
                    actor_kind: kind_name(e.actor_kind).to_owned(),
                    agency: e.actor_agency,
                    role: e.actor_role,
                    officer_id: None,
                    purpose: e.action,
                    ledger_index: leaf.index,
                }
            }
            LedgerEntry::CertificateRevoked(e) => AccessDto {
                at: e.at,
                application_id: e.application_id,
                kind: "revocation".to_owned(),
                actor_kind: kind_name(e.actor_kind).to_owned(),
                agency: e.actor_agency,
                role: e.actor_role,
                officer_id: None,
                purpose: e.reason,
                ledger_index: leaf.index,
            },
            // The citizen's own steps and certificate issuance are not someone else's access.
            _ => continue,
        };
        entries.push(dto);
    }
    Ok(Json(AccessLogDto { entries }))
}
