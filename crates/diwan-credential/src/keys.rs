//! Key ids, the signing key, public keys with validity windows and the published key set
//! (`{keys: [{kid, kty: "OKP", crv: "Ed25519", x, alg: "EdDSA", valid_from, valid_until}]}`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::KeySetError;

/// A key id: the first 8 bytes of the RFC 7638 JWK thumbprint of an Ed25519 public key,
/// `SHA-256({"crv":"Ed25519","kty":"OKP","x":"<base64url x>"})`. Derived, never chosen, so it
/// cannot name the wrong key, and anyone can recompute it from the published key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid([u8; Kid::LEN]);

impl Kid {
    pub const LEN: usize = 8;

    /// The key id of an Ed25519 public key.
    pub fn of_public_key(x: &[u8; 32]) -> Kid {
        let jwk = format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            URL_SAFE_NO_PAD.encode(x)
        );
        let digest = Sha256::digest(jwk.as_bytes());
        let mut kid = [0u8; Kid::LEN];
        kid.copy_from_slice(&digest[..Kid::LEN]);
        Kid(kid)
    }

    pub fn from_bytes(bytes: [u8; Kid::LEN]) -> Kid {
        Kid(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; Kid::LEN] {
        &self.0
    }
}

/// Unpadded base64url, as in the key set.
impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({self})")
    }
}

impl Serialize for Kid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An Ed25519 signing key and its key id. The secret is never shown by `Debug` and is wiped
/// from memory when the key is dropped.
pub struct SigningKey {
    pub(crate) key: ed25519_dalek::SigningKey,
    kid: Kid,
}

impl SigningKey {
    /// The key for a 32-byte Ed25519 secret (RFC 8032 seed); the caller generates and stores it.
    pub fn from_bytes(secret: &[u8; 32]) -> SigningKey {
        let key = ed25519_dalek::SigningKey::from_bytes(secret);
        let kid = Kid::of_public_key(key.verifying_key().as_bytes());
        SigningKey { key, kid }
    }

    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The 32-byte public key (`x` in the key set).
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The entry to publish for this key: valid for certificates issued in
    /// `[valid_from, valid_until)` (Unix seconds; `None` for the current key).
    pub fn public_key(
        &self,
        valid_from: i64,
        valid_until: Option<i64>,
    ) -> Result<PublicKey, KeySetError> {
        PublicKey::new(&self.public_key_bytes(), valid_from, valid_until)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A published Ed25519 public key and the window of issue times it signs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kid: Kid,
    key: VerifyingKey,
    valid_from: i64,
    valid_until: Option<i64>,
}

impl PublicKey {
    /// Checks the key (a curve point, not of small order) and the window
    /// (`valid_until > valid_from`, both writable as RFC 3339).
    pub fn new(
        x: &[u8; 32],
        valid_from: i64,
        valid_until: Option<i64>,
    ) -> Result<PublicKey, KeySetError> {
        let kid = Kid::of_public_key(x);
        let key = VerifyingKey::from_bytes(x).map_err(|_| KeySetError::BadKey(kid.to_string()))?;
        if key.is_weak() {
            return Err(KeySetError::BadKey(kid.to_string()));
        }
        for t in std::iter::once(valid_from).chain(valid_until) {
            format_time(t).ok_or(KeySetError::BadTime(kid.to_string()))?;
        }
        if valid_until.is_some_and(|until| until <= valid_from) {
            return Err(KeySetError::BadWindow(kid.to_string()));
        }
        Ok(PublicKey {
            kid,
            key,
            valid_from,
            valid_until,
        })
    }

    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The 32-byte public key.
    pub fn x(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn valid_from(&self) -> i64 {
        self.valid_from
    }

    pub fn valid_until(&self) -> Option<i64> {
        self.valid_until
    }

    /// Whether a certificate issued at `issued_at` falls in this key's window.
    pub fn signs_for(&self, issued_at: i64) -> bool {
        self.valid_from <= issued_at && self.valid_until.is_none_or(|until| issued_at < until)
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }
}

/// The published public keys. Every kid is unique and matches its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    pub fn new(keys: Vec<PublicKey>) -> Result<KeySet, KeySetError> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.kid == key.kid) {
                return Err(KeySetError::DuplicateKid(key.kid.to_string()));
            }
        }
        Ok(KeySet { keys })
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    pub fn get(&self, kid: &Kid) -> Option<&PublicKey> {
        self.keys.iter().find(|k| &k.kid == kid)
    }

    /// Parses and checks the JSON key set.
    pub fn from_json(json: &str) -> Result<KeySet, KeySetError> {
        let raw: RawKeySet =
            serde_json::from_str(json).map_err(|e| KeySetError::Json(e.to_string()))?;
        KeySet::try_from(raw)
    }

    /// The JSON key set, as published.
    pub fn to_json(&self) -> String {
        // A key set holds only strings and nulls: serialising it cannot fail.
        serde_json::to_string_pretty(&RawKeySet::from(self)).unwrap_or_default()
    }
}

impl Serialize for KeySet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawKeySet::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for KeySet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        KeySet::try_from(RawKeySet::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The wire form. Unknown members are ignored, as RFC 7517 asks.
#[derive(Serialize, Deserialize)]
struct RawKeySet {
    keys: Vec<RawKey>,
}

#[derive(Serialize, Deserialize)]
struct RawKey {
    kid: String,
    kty: String,
    crv: String,
    x: String,
    alg: String,
    valid_from: String,
    #[serde(default)]
    valid_until: Option<String>,
}

impl From<&KeySet> for RawKeySet {
    fn from(set: &KeySet) -> RawKeySet {
        RawKeySet {
            keys: set
                .keys
                .iter()
                .map(|k| RawKey {
                    kid: k.kid.to_string(),
                    kty: "OKP".to_owned(),
                    crv: "Ed25519".to_owned(),
                    x: URL_SAFE_NO_PAD.encode(k.key.as_bytes()),
                    alg: "EdDSA".to_owned(),
                    // Checked writable when the key was made.
                    valid_from: format_time(k.valid_from).unwrap_or_default(),
                    valid_until: k.valid_until.and_then(format_time),
                })
                .collect(),
        }
    }
}

impl TryFrom<RawKeySet> for KeySet {
    type Error = KeySetError;

    fn try_from(raw: RawKeySet) -> Result<KeySet, KeySetError> {
        let keys = raw
            .keys
            .into_iter()
            .map(|k| {
                let who = || k.kid.clone();
                if k.kty != "OKP" || k.crv != "Ed25519" || k.alg != "EdDSA" {
                    return Err(KeySetError::Unsupported(who()));
                }
                let x: [u8; 32] = URL_SAFE_NO_PAD
                    .decode(k.x.as_bytes())
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| KeySetError::BadKey(who()))?;
                let valid_from =
                    parse_time(&k.valid_from).ok_or_else(|| KeySetError::BadTime(who()))?;
                let valid_until = match &k.valid_until {
                    None => None,
                    Some(t) => Some(parse_time(t).ok_or_else(|| KeySetError::BadTime(who()))?),
                };
                let key = PublicKey::new(&x, valid_from, valid_until)?;
                if key.kid.to_string() != k.kid {
                    return Err(KeySetError::KidMismatch(who()));
                }
                Ok(key)
            })
            .collect::<Result<Vec<_>, _>>()?;
        KeySet::new(keys)
    }
}

/// RFC 3339 in UTC, whole seconds; `None` outside years 0000–9999.
fn format_time(t: i64) -> Option<String> {
    let dt = OffsetDateTime::from_unix_timestamp(t).ok()?;
    if !(0..=9999).contains(&dt.year()) {
        return None;
    }
    dt.format(&Rfc3339).ok()
}

/// RFC 3339 with any offset, whole seconds only (no ambiguity at a window's edge).
fn parse_time(s: &str) -> Option<i64> {
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    (dt.nanosecond() == 0).then(|| dt.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_is_the_truncated_rfc7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of its Ed25519 example key.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let kid = Kid::of_public_key(&x.try_into().unwrap());
        let thumbprint = URL_SAFE_NO_PAD
            .decode("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
            .unwrap();
        assert_eq!(kid.as_bytes(), &thumbprint[..8]);
    }

    #[test]
    fn times_round_trip_and_refuse_fractions() {
        assert_eq!(
            format_time(1_767_225_600).as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        assert_eq!(parse_time("2026-01-01T02:00:00+02:00"), Some(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T00:00:00.5Z"), None);
        assert_eq!(format_time(i64::MAX), None);
    }

    #[test]
    fn signing_key_debug_hides_the_secret() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("7, 7"), "{shown}");
    }
}
