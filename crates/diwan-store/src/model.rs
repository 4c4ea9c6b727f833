//! The records the store keeps. Times are Unix milliseconds (UTC) passed in by the caller;
//! ids are text (UUID v7 from the server) so both backends store them the same way.

use serde::Serialize;
use serde_json::Value;

/// A citizen's application for a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    pub id: String,
    /// Human reference, unique: `BC-2026-000123`.
    pub reference: String,
    pub service_id: String,
    pub service_version: u32,
    pub agency: String,
    /// The user id of the citizen who applied.
    pub applicant_id: String,
    pub state: String,
    /// Starts at 1 and grows by one with every event: the optimistic-concurrency token.
    pub version: i64,
    pub data: Value,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the application entered its current state (for SLAs).
    pub state_since: i64,
}

/// One entry of an application's history. `seq` is global across all applications, gap-free
/// as seen by readers, and is the order in which events happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub seq: i64,
    pub application_id: String,
    /// The application's version after this event.
    pub version: i64,
    /// `submitted` for the first event, otherwise the workflow action id.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_id: String,
    pub actor_kind: ActorKind,
    pub actor_role: Option<String>,
    pub actor_agency: Option<String>,
    pub comment: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    Citizen,
    Officer,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Citizen => "citizen",
            ActorKind::Officer => "officer",
        }
    }

    pub fn parse(s: &str) -> Option<ActorKind> {
        match s {
            "citizen" => Some(ActorKind::Citizen),
            "officer" => Some(ActorKind::Officer),
            _ => None,
        }
    }
}

/// Who caused an event, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventActor {
    pub id: String,
    pub kind: ActorKind,
    pub role: Option<String>,
    pub agency: Option<String>,
}

/// A client's retry token. The same `(owner, key)` always yields the same application; the
/// same key with a different request body is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub owner: String,
    pub key: String,
    /// Hash of the request body, to detect a key reused for a different request.
    pub request_hash: String,
}

/// Everything needed to record a new application in one transaction.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub id: String,
    /// The store numbers references per prefix and year: `{prefix}-{year}-{n:06}`.
    pub reference_prefix: String,
    pub year: i32,
    pub service_id: String,
    pub service_version: u32,
    pub agency: String,
    pub applicant_id: String,
    pub initial_state: String,
    pub data: Value,
    /// Upload ids the data refers to; each must exist and belong to the applicant.
    pub uploads: Vec<String>,
    pub idempotency: Option<IdempotencyKey>,
    pub at: i64,
    /// The ledger entry of the `submitted` event (canonical bytes, see diwan-ledger), written
    /// in the same transaction.
    pub ledger_entry: Vec<u8>,
}

/// The result of [`crate::Store::create_application`].
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub application: Application,
    /// True when an earlier request with the same idempotency key created it.
    pub replayed: bool,
}

/// A workflow transition decided by the domain, to apply only if nobody moved first.
#[derive(Debug, Clone)]
pub struct ActionCommit {
    pub application_id: String,
    pub expected_version: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub actor: EventActor,
    pub comment: Option<String>,
    /// Corrected form data (a citizen resubmitting); replaces the old data.
    pub new_data: Option<Value>,
    /// Upload ids `new_data` refers to; checked like on creation.
    pub uploads: Vec<String>,
    pub at: i64,
    /// The event's ledger entry, written in the same transaction.
    pub ledger_entry: Vec<u8>,
    /// A certificate this transition issues, written (with its own ledger entry, after the
    /// event's) in the same transaction.
    pub certificate: Option<NewCertificate>,
}

/// Kinds of ledger leaf, as the store files them (the entry's own `kind`).
pub const LEAF_APPLICATION_EVENT: &str = "application_event";
pub const LEAF_CERTIFICATE_ISSUED: &str = "certificate_issued";
pub const LEAF_CERTIFICATE_REVOKED: &str = "certificate_revoked";
pub const LEAF_DATA_ACCESS: &str = "data_access";

/// A certificate issued by an action.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    pub id: String,
    /// The signed payload (`DW1:...`), stored exactly as handed out.
    pub payload: String,
    pub key_id: String,
    pub expires_at: Option<i64>,
    pub ledger_entry: Vec<u8>,
}

/// A stored certificate and whether it still stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: String,
    pub application_id: String,
    pub payload: String,
    pub key_id: String,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// A reason code, never free text.
    pub revoke_reason: Option<String>,
}

/// Revoking a certificate, with the ledger entry that records it.
#[derive(Debug, Clone)]
pub struct CertificateRevocation {
    pub certificate_id: String,
    pub reason: String,
    pub at: i64,
    pub ledger_entry: Vec<u8>,
}

/// A leaf to append that records no change of its own (a read of a citizen's data).
#[derive(Debug, Clone)]
pub struct NewLeaf {
    /// One of the `LEAF_*` kinds.
    pub kind: &'static str,
    pub application_id: Option<String>,
    pub entry: Vec<u8>,
    pub at: i64,
}

/// A leaf of the log as stored. `index` is its position, `None` while a multi-node store has
/// not placed it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLeaf {
    pub index: Option<u64>,
    pub kind: String,
    pub application_id: Option<String>,
    pub entry: Vec<u8>,
    pub at: i64,
}

/// The log as far as it is integrated: its size and root hash (SHA-256 of the empty string for
/// an empty log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerHead {
    pub size: u64,
    pub root: [u8; 32],
}

/// Which applications to list. Unset parts do not filter.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub applicant_id: Option<String>,
    pub agency: Option<String>,
    pub service_ids: Option<Vec<String>>,
    pub states: Option<Vec<String>>,
    /// Paging: return the applications that come after this one in `order` (for
    /// `NewestFirst`, created strictly before it).
    pub before_id: Option<String>,
    pub limit: u32,
    pub order: ListOrder,
}

/// A paging cursor for [`ListOrder::LongestWaiting`]: `<state_since>~<id>` of the last item
/// seen. It carries the values rather than naming the application, because in a work queue
/// the last item is often acted on before the next page is asked for, and its `state_since`
/// moves.
pub fn waiting_cursor(application: &Application) -> String {
    format!("{}~{}", application.state_since, application.id)
}

/// The `(state_since, id)` of a cursor made by [`waiting_cursor`], if it is one.
pub fn parse_waiting_cursor(cursor: &str) -> Option<(i64, &str)> {
    let (since, id) = cursor.split_once('~')?;
    Some((since.parse().ok()?, id))
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListOrder {
    /// `(created_at, id)` descending: a citizen's applications, the newest first.
    #[default]
    NewestFirst,
    /// `(state_since, id)` ascending: a work queue, the application waiting longest in its
    /// state first (so paging never hides the most overdue).
    LongestWaiting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    Citizen,
    Officer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub kind: UserKind,
    /// Citizens: the normalised national ID.
    pub national_id: Option<String>,
    /// Citizens: the registered mobile number, E.164.
    pub phone: Option<String>,
    /// Officers: the sign-in name.
    pub username: Option<String>,
    pub display_name: String,
    /// Officers: the agency they act for.
    pub agency: Option<String>,
    /// Officers: their roles in that agency.
    pub roles: Vec<String>,
    /// Officers: Argon2id PHC string.
    pub password_hash: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewOfficer {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub agency: String,
    pub roles: Vec<String>,
    pub password_hash: String,
    pub at: i64,
}

/// A signed-in session. Only the SHA-256 of the bearer token is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A one-time sign-in code sent to a citizen. Only a keyed hash of the code is stored.
#[derive(Debug, Clone)]
pub struct NewOtp {
    pub national_id: String,
    pub phone: String,
    pub code_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a send limit counts: codes sent for one national ID, or to one mobile number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpScope {
    NationalId,
    Phone,
}

/// At most `max_sends` codes since `since` (ms) per national ID or per phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpLimit {
    pub scope: OtpScope,
    pub since: i64,
    pub max_sends: u32,
}

/// The outcome of checking a one-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtpCheck {
    /// Right code, in time: it is now used up. Carries the phone it was sent to.
    Valid { phone: String },
    /// Wrong code; `attempts_left` more tries before the code is void.
    Wrong { attempts_left: u32 },
    /// No live code: none sent, expired, used, or voided by too many wrong tries.
    NoLiveCode,
}

#[derive(Debug, Clone)]
pub struct NewUpload {
    pub id: String,
    pub owner_id: String,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub at: i64,
    /// How much the owner may have uploaded since a moment, this file included; checked and
    /// stored in one operation. `None`: no limit (restores, fixtures).
    pub quota: Option<UploadQuota>,
}

/// At most `max_files` files and `max_bytes` bytes uploaded by one owner since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    pub since: i64,
    pub max_files: u32,
    pub max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadMeta {
    pub id: String,
    pub owner_id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: i64,
}
