//! The node's keys for the tamper-evident log and for certificates, and the ledger entries it
//! writes. Every key is derived from the deployment secret (shared by every node of one
//! deployment), each under its own label, so one secret file configures a node and all nodes
//! agree on every key without another file to distribute.
//!
//! Must never: log a key, put personal data in clear in a ledger entry (people appear as keyed
//! hashes), or sign with a key the published key set does not list.

use diwan_credential::{CertificateClaims, KeySet, SigningKey};
use diwan_ledger::{
    ActorKind, ApplicationEvent, CertificateIssued, CertificateRevoked, DataAccess, Hash,
    LedgerEntry, NoteSigner, keyed_id_hash, sha256,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The default name of the log and of its checkpoint key (C2SP key names: no spaces, no `+`).
pub const DEFAULT_LEDGER_ORIGIN: &str = "diwan.local/ledger";

/// How a deployment names its log and certificates, and when it rotated certificate keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustOptions {
    /// The log's name (and its checkpoint key's): stable for the life of the log.
    pub ledger_origin: String,
    /// The certificates' issuer (`iss`).
    pub certificate_issuer: String,
    /// Instants (Unix seconds, increasing) at which a new certificate key took over. Key
    /// generation 0 signs before the first, generation n from the n-th on; every generation
    /// stays published with its window, so certificates signed before a rotation keep
    /// verifying.
    pub certificate_key_rotations: Vec<i64>,
}

impl Default for TrustOptions {
    fn default() -> TrustOptions {
        TrustOptions {
            ledger_origin: DEFAULT_LEDGER_ORIGIN.to_owned(),
            certificate_issuer: "Diwan".to_owned(),
            certificate_key_rotations: Vec::new(),
        }
    }
}

/// The node's signing keys and hashing keys.
pub struct Trust {
    id_key: [u8; 32],
    holder_key: [u8; 32],
    checkpoint: NoteSigner,
    /// Every certificate key generation with the first second it signs for, oldest first.
    certificate_keys: Vec<(i64, SigningKey)>,
    keys: KeySet,
    issuer: String,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("origin", &self.checkpoint.name())
            .field("certificate_keys", &self.certificate_keys.len())
            .finish_non_exhaustive()
    }
}

/// `HMAC-SHA-256(secret, label)`: a 32-byte key of its own for each use of the secret.
fn derive(secret: &[u8], label: &str) -> [u8; 32] {
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        // HMAC accepts any key length; this branch cannot be taken.
        return [0; 32];
    };
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Trust {
    /// The keys of a deployment with this secret.
    pub fn new(secret: &[u8], options: &TrustOptions) -> Result<Trust, String> {
        let origin = &options.ledger_origin;
        let checkpoint = NoteSigner::new(origin, &derive(secret, "diwan checkpoint key v1"))
            .map_err(|e| format!("ledger origin {origin:?}: {e}"))?;
        let rotations = &options.certificate_key_rotations;
        if rotations.windows(2).any(|w| w[0] >= w[1]) || rotations.first().is_some_and(|r| *r <= 0)
        {
            return Err("certificate key rotations must be increasing instants after 1970".into());
        }
        // Generation 0 keeps the label it always had; each rotation derives the next one.
        let mut certificate_keys = Vec::with_capacity(rotations.len() + 1);
        certificate_keys.push((
            0,
            SigningKey::from_bytes(&derive(secret, "diwan certificate key v1")),
        ));
        for (n, from) in rotations.iter().enumerate() {
            let label = format!("diwan certificate key v1 generation {}", n + 1);
            certificate_keys.push((*from, SigningKey::from_bytes(&derive(secret, &label))));
        }
        let mut published = Vec::with_capacity(certificate_keys.len());
        for (i, (from, key)) in certificate_keys.iter().enumerate() {
            let until = certificate_keys.get(i + 1).map(|(next, _)| *next);
            published.push(
                key.public_key(*from, until)
                    .map_err(|e| format!("certificate key: {e}"))?,
            );
        }
        let keys = KeySet::new(published).map_err(|e| format!("certificate keys: {e}"))?;
        Ok(Trust {
            id_key: derive(secret, "diwan ledger id key v1"),
            holder_key: derive(secret, "diwan holder id key v1"),
            checkpoint,
            certificate_keys,
            keys,
            issuer: options.certificate_issuer.clone(),
        })
    }

    pub fn checkpoint_signer(&self) -> &NoteSigner {
        &self.checkpoint
    }

    /// The key that signs certificates issued at `now` (Unix seconds): the newest generation
    /// whose window has begun.
    pub fn certificate_key(&self, now: i64) -> &SigningKey {
        let mut current = &self.certificate_keys[0].1;
        for (from, key) in &self.certificate_keys {
            if *from <= now {
                current = key;
            }
        }
        current
    }

    /// The published certificate keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key the holder hash of certificates is computed with.
    pub fn holder_key(&self) -> &[u8; 32] {
        &self.holder_key
    }

    /// How a person appears in the log, in the entries of one application. A citizen is a
    /// keyed hash of the application id and the national ID: the same person in the entries
    /// of two applications gives two unrelated values, so nobody who learns one application
    /// (say, from a certificate shown to them) can find the person's other applications in
    /// the public log. Officers and systems are a keyed hash of their account id, the same
    /// everywhere (reads name them in clear anyway: accountability is the point).
    pub fn person_hash(&self, kind: ActorKind, identifier: &str, application_id: &str) -> Hash {
        match kind {
            ActorKind::Citizen => Hash(keyed_id_hash(
                &self.id_key,
                &format!("{application_id}/{identifier}"),
            )),
            ActorKind::Officer | ActorKind::System => Hash(keyed_id_hash(&self.id_key, identifier)),
        }
    }
}

/// Who did something, as the log records it.
pub struct LoggedActor<'a> {
    pub kind: ActorKind,
    pub role: Option<&'a str>,
    pub agency: Option<&'a str>,
    /// The national ID of a citizen, the account id of anyone else (hashed before logging).
    pub identifier: &'a str,
    /// The account id (data-access entries name officers in clear).
    pub account_id: &'a str,
}

/// What an application event looks like in the log.
pub struct LoggedEvent<'a> {
    pub application_id: &'a str,
    pub service_id: &'a str,
    pub service_version: u32,
    pub version: i64,
    pub action: &'a str,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub at: i64,
}

/// Canonical bytes of an entry; our own entries always encode (no float, no huge integer), so
/// a failure is a bug reported as such.
fn bytes(entry: LedgerEntry) -> Result<Vec<u8>, String> {
    entry.to_bytes().map_err(|e| format!("ledger entry: {e}"))
}

impl Trust {
    pub fn event_entry(
        &self,
        event: &LoggedEvent<'_>,
        actor: &LoggedActor<'_>,
    ) -> Result<Vec<u8>, String> {
        bytes(LedgerEntry::ApplicationEvent(ApplicationEvent {
            application_id: event.application_id.to_owned(),
            service_id: event.service_id.to_owned(),
            service_version: event.service_version,
            version: u64::try_from(event.version).map_err(|_| "negative version".to_owned())?,
            action: event.action.to_owned(),
            from: event.from.map(str::to_owned),
            to: event.to.to_owned(),
            actor_kind: actor.kind,
            actor_role: actor.role.map(str::to_owned),
            actor_agency: actor.agency.map(str::to_owned),
            actor_id_hash: self.person_hash(actor.kind, actor.identifier, event.application_id),
            at: event.at,
        }))
    }

    pub fn access_entry(
        &self,
        application_id: &str,
        reader: &LoggedActor<'_>,
        purpose: &str,
        at: i64,
    ) -> Result<Vec<u8>, String> {
        bytes(LedgerEntry::DataAccess(DataAccess {
            application_id: application_id.to_owned(),
            reader_kind: reader.kind,
            reader_role: reader.role.map(str::to_owned),
            reader_agency: reader.agency.map(str::to_owned),
            reader_id: reader.account_id.to_owned(),
            purpose: purpose.to_owned(),
            at,
        }))
    }

    pub fn issued_entry(
        &self,
        application_id: &str,
        claims: &CertificateClaims,
        payload: &str,
        holder_identifier: &str,
        at: i64,
    ) -> Result<Vec<u8>, String> {
        bytes(LedgerEntry::CertificateIssued(CertificateIssued {
            certificate_id: claims.certificate_id.clone(),
            application_id: application_id.to_owned(),
            service_id: claims.service_id.clone(),
            service_version: claims.service_version,
            key_id: self.certificate_key(claims.issued_at).kid().to_string(),
            payload_hash: sha256(payload.as_bytes()),
            holder_id_hash: self.person_hash(ActorKind::Citizen, holder_identifier, application_id),
            expires_at: claims.expires_at.map(|s| s.saturating_mul(1000)),
            at,
        }))
    }

    pub fn revoked_entry(
        &self,
        certificate_id: &str,
        application_id: &str,
        reason: &str,
        actor: &LoggedActor<'_>,
        at: i64,
    ) -> Result<Vec<u8>, String> {
        bytes(LedgerEntry::CertificateRevoked(CertificateRevoked {
            certificate_id: certificate_id.to_owned(),
            application_id: application_id.to_owned(),
            reason: reason.to_owned(),
            actor_kind: actor.kind,
            actor_role: actor.role.map(str::to_owned),
            actor_agency: actor.agency.map(str::to_owned),
            actor_id_hash: self.person_hash(actor.kind, actor.identifier, application_id),
            at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(rotations: &[i64]) -> TrustOptions {
        TrustOptions {
            certificate_key_rotations: rotations.to_vec(),
            ..TrustOptions::default()
        }
    }

    #[test]
    fn keys_are_derived_apart_and_stable() {
        let a = Trust::new(&[7; 32], &options(&[])).expect("trust");
        let b = Trust::new(&[7; 32], &options(&[])).expect("trust");
        let c = Trust::new(&[8; 32], &options(&[])).expect("trust");
        let citizen =
            |t: &Trust, app: &str| t.person_hash(ActorKind::Citizen, "29001011234567", app);
        assert_eq!(citizen(&a, "app-1"), citizen(&b, "app-1"));
        assert_ne!(
            citizen(&a, "app-1"),
            citizen(&c, "app-1"),
            "keyed by the secret"
        );
        assert_ne!(
            citizen(&a, "app-1"),
            citizen(&a, "app-2"),
            "one citizen's applications are not linkable in the public log"
        );
        let officer = |app: &str| a.person_hash(ActorKind::Officer, "officer-7", app);
        assert_eq!(officer("app-1"), officer("app-2"));
        assert_ne!(a.id_key, a.holder_key, "one secret, separate keys");
        assert_eq!(a.certificate_key(0).kid(), b.certificate_key(0).kid());
        assert_ne!(a.certificate_key(0).kid(), c.certificate_key(0).kid());
        let bad_origin = TrustOptions {
            ledger_origin: "has space".to_owned(),
            ..TrustOptions::default()
        };
        assert!(Trust::new(&[7; 32], &bad_origin).is_err());
        assert!(Trust::new(&[7; 32], &options(&[200, 100])).is_err());
    }

    /// After a rotation the new key signs, the old one stays published for what it signed,
    /// and both still verify their own certificates.
    #[test]
    fn a_rotation_keeps_old_certificates_verifiable() {
        use diwan_credential::{CertificateClaims, HolderIdHash};
        const ROTATED: i64 = 1_800_000_000;
        let before = Trust::new(&[7; 32], &options(&[])).expect("trust");
        let after = Trust::new(&[7; 32], &options(&[ROTATED])).expect("trust");
        assert_eq!(
            before.certificate_key(ROTATED).kid(),
            after.certificate_key(ROTATED - 1).kid(),
            "generation 0 is the key used before rotations were configured"
        );
        assert_ne!(
            after.certificate_key(ROTATED).kid(),
            after.certificate_key(0).kid()
        );
        assert_eq!(after.keys().keys().len(), 2);
        let claims = |issued_at| CertificateClaims {
            issuer: "Diwan".into(),
            issued_at,
            expires_at: None,
            certificate_id: "BC-2026-000001".into(),
            service_id: "birth_certificate".into(),
            service_version: 1,
            holder_name: "Test".into(),
            holder_id_hash: HolderIdHash::from_bytes([1; 16]),
            fields: Default::default(),
            title: None,
        };
        let old =
            diwan_credential::sign(&claims(ROTATED - 10), before.certificate_key(ROTATED - 10))
                .expect("sign");
        let new =
            diwan_credential::sign(&claims(ROTATED + 10), after.certificate_key(ROTATED + 10))
                .expect("sign");
        for payload in [&old, &new] {
            diwan_credential::verify(payload, after.keys(), ROTATED + 20).expect("verifies");
        }
        // A certificate dated after the rotation but signed with the old key is refused.
        let backdated =
            diwan_credential::sign(&claims(ROTATED + 10), after.certificate_key(0)).expect("sign");
        assert!(diwan_credential::verify(&backdated, after.keys(), ROTATED + 20).is_err());
    }
}
