//! Ledger entries and their one canonical byte form (docs/design/ledger.md, "Entry encoding").

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Hash, LedgerError, canonical, leaf_hash};

/// Who acted or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Citizen,
    Officer,
    /// A scheduled job, or another agency's system calling the API.
    System,
}

/// A step of an application's workflow (submitted, claimed, approved, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationEvent {
    pub application_id: String,
    pub service_id: String,
    /// The catalogue version of the service definition.
    pub service_version: u32,
    /// The application's version after this event.
    pub version: u64,
    /// `submitted` for the first event, otherwise the workflow action id.
    pub action: String,
    /// The state before; `None` for the first event.
    pub from: Option<String>,
    pub to: String,
    pub actor_kind: ActorKind,
    pub actor_role: Option<String>,
    pub actor_agency: Option<String>,
    /// [`crate::keyed_id_hash`] of the actor's national ID (citizen) or account id.
    pub actor_id_hash: Hash,
    /// Milliseconds since the Unix epoch, UTC.
    pub at: i64,
}

/// A certificate was issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateIssued {
    pub certificate_id: String,
    pub application_id: String,
    pub service_id: String,
    pub service_version: u32,
    /// The signing key's id, as published (base64url).
    pub key_id: String,
    /// SHA-256 of the exact payload text (`DW1:…`), so a holder can show it was logged.
    pub payload_hash: Hash,
    /// [`crate::keyed_id_hash`] of the holder's national ID.
    pub holder_id_hash: Hash,
    /// Milliseconds since the Unix epoch; `None` when the service sets no validity.
    pub expires_at: Option<i64>,
    pub at: i64,
}

/// A certificate was revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRevoked {
    pub certificate_id: String,
    pub application_id: String,
    /// A reason code chosen from a list, never free text.
    pub reason: String,
    pub actor_kind: ActorKind,
    pub actor_role: Option<String>,
    pub actor_agency: Option<String>,
    pub actor_id_hash: Hash,
    pub at: i64,
}

/// Someone other than the citizen read the citizen's application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataAccess {
    pub application_id: String,
    pub reader_kind: ActorKind,
    pub reader_role: Option<String>,
    pub reader_agency: Option<String>,
    /// The reader's account id, in clear: a public servant acting in office, or a system.
    pub reader_id: String,
    /// Why: the action or screen, as a code.
    pub purpose: String,
    pub at: i64,
}

/// One leaf of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LedgerEntry {
    ApplicationEvent(ApplicationEvent),
    CertificateIssued(CertificateIssued),
    CertificateRevoked(CertificateRevoked),
    DataAccess(DataAccess),
}

/// The schema version every entry kind is written with today.
pub const ENTRY_VERSION: u64 = 1;

const KINDS: [&str; 4] = [
    "application_event",
    "certificate_issued",
    "certificate_revoked",
    "data_access",
];

fn malformed(error: impl std::fmt::Display) -> LedgerError {
    LedgerError::MalformedEntry(error.to_string())
}

impl LedgerEntry {
    /// The `kind` value on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerEntry::ApplicationEvent(_) => KINDS[0],
            LedgerEntry::CertificateIssued(_) => KINDS[1],
            LedgerEntry::CertificateRevoked(_) => KINDS[2],
            LedgerEntry::DataAccess(_) => KINDS[3],
        }
    }

    /// The canonical bytes: RFC 8785 JSON with `kind` and `v`. These bytes are the leaf.
    pub fn to_bytes(&self) -> Result<Vec<u8>, LedgerError> {
        let mut value = serde_json::to_value(self).map_err(malformed)?;
        let Value::Object(map) = &mut value else {
            return Err(malformed("an entry must encode as an object"));
        };
        map.insert("v".to_owned(), Value::from(ENTRY_VERSION));
        canonical::to_vec(&value)
    }

    /// Decodes leaf bytes, refusing anything but the canonical form of a known kind and
    /// version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        let mut value: Value = serde_json::from_slice(bytes).map_err(malformed)?;
        let Value::Object(map) = &mut value else {
            return Err(malformed("not a JSON object"));
        };
        let kind = match map.get("kind") {
            Some(Value::String(kind)) => kind.clone(),
            _ => return Err(malformed("missing or non-text `kind`")),
        };
        let v = match map.remove("v") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| malformed("`v` is not a non-negative integer"))?,
            None => return Err(malformed("missing `v`")),
        };
        if v != ENTRY_VERSION || !KINDS.contains(&kind.as_str()) {
            return Err(LedgerError::UnsupportedVersion { kind, v });
        }
        let entry: LedgerEntry = serde_json::from_value(value).map_err(malformed)?;
        if entry.to_bytes()? != bytes {
            return Err(LedgerError::NonCanonicalEntry);
        }
        Ok(entry)
    }

    /// The RFC 6962 leaf hash of the canonical bytes.
    pub fn leaf_hash(&self) -> Result<Hash, LedgerError> {
        Ok(leaf_hash(&self.to_bytes()?))
    }
}
