//! The certificate's claims and their CWT (RFC 8392) encoding.
//!
//! Standard claims: `iss` (1), `exp` (4), `iat` (6), `cti` (7). Everything Diwan-specific lives
//! in one map under [`DIWAN_CLAIM`], a key from the private-use range, with small integer keys.
//! Encoding is RFC 8949 core deterministic; decoding is strict (unknown or duplicate keys, wrong
//! types and missing claims are refused). See `docs/design/certificate.md`.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coset::cbor::value::Value;
use coset::cwt::{ClaimName, ClaimsSet, Timestamp};
use coset::{CborSerializable, iana};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

use crate::error::SignError;

/// The CWT claim key of the Diwan claim map: the first key of the private-use range
/// (below -65536, RFC 8392 §9.1), so it never collides with a registered claim.
pub const DIWAN_CLAIM: i64 = -65537;

/// Keys inside the Diwan claim map.
mod key {
    pub const VERSION: i64 = 1;
    pub const SERVICE_ID: i64 = 2;
    pub const SERVICE_VERSION: i64 = 3;
    pub const HOLDER_NAME: i64 = 4;
    pub const HOLDER_ID_HASH: i64 = 5;
    pub const FIELDS: i64 = 6;
    pub const TITLE: i64 = 7;
}

/// What a certificate states. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateClaims {
    /// The issuing authority (`iss`).
    pub issuer: String,
    /// When the certificate was issued (`iat`).
    pub issued_at: i64,
    /// When it stops being valid (`exp`), if the service defines a validity.
    pub expires_at: Option<i64>,
    /// The certificate's id (`cti`); revocation is looked up by it.
    pub certificate_id: String,
    pub service_id: String,
    pub service_version: u32,
    /// The holder's name as registered.
    pub holder_name: String,
    /// A keyed hash of the holder's national ID; the ID itself is never in a certificate.
    pub holder_id_hash: HolderIdHash,
    /// The values the service lists for its certificate, by field id.
    pub fields: BTreeMap<String, FieldValue>,
    /// The certificate's title, when the issuer includes it.
    pub title: Option<Title>,
}

impl CertificateClaims {
    /// The rules both the signer and the verifier hold claims to.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("issuer", &self.issuer),
            ("certificate_id", &self.certificate_id),
            ("service_id", &self.service_id),
            ("holder_name", &self.holder_name),
        ] {
            if value.is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        if let Some(expires_at) = self.expires_at
            && expires_at <= self.issued_at
        {
            return Err("expires_at is not after issued_at".to_owned());
        }
        Ok(())
    }

    /// The CBOR bytes of the CWT claim set.
    pub(crate) fn to_cwt(&self, version: u32) -> Result<Vec<u8>, SignError> {
        let mut diwan = vec![
            (int(key::VERSION), int(i64::from(version))),
            (int(key::SERVICE_ID), Value::Text(self.service_id.clone())),
            (
                int(key::SERVICE_VERSION),
                int(i64::from(self.service_version)),
            ),
            (int(key::HOLDER_NAME), Value::Text(self.holder_name.clone())),
            (
                int(key::HOLDER_ID_HASH),
                Value::Bytes(self.holder_id_hash.0.to_vec()),
            ),
            (int(key::FIELDS), fields_to_cbor(&self.fields)),
        ];
        if let Some(title) = &self.title {
            diwan.push((
                int(key::TITLE),
                Value::Array(vec![
                    Value::Text(title.ar.clone()),
                    Value::Text(title.en.clone()),
                ]),
            ));
        }
        let set = ClaimsSet {
            issuer: Some(self.issuer.clone()),
            expiration_time: self.expires_at.map(Timestamp::WholeSeconds),
            issued_at: Some(Timestamp::WholeSeconds(self.issued_at)),
            cwt_id: Some(self.certificate_id.as_bytes().to_vec()),
            rest: vec![(ClaimName::PrivateUse(DIWAN_CLAIM), Value::Map(diwan))],
            ..ClaimsSet::default()
        };
        set.to_vec().map_err(|e| SignError::Encoding(e.to_string()))
    }

    /// Decodes a CWT claim set signed under format `version`; the error says what is wrong.
    pub(crate) fn from_cwt(bytes: &[u8], version: u32) -> Result<Self, String> {
        let set = ClaimsSet::from_slice(bytes).map_err(|e| format!("claim set: {e}"))?;
        if set.subject.is_some() || set.audience.is_some() || set.not_before.is_some() {
            return Err("unexpected standard claim (sub, aud or nbf)".to_owned());
        }
        let issuer = set.issuer.ok_or("missing iss")?;
        let issued_at = whole_seconds(set.issued_at.ok_or("missing iat")?, "iat")?;
        let expires_at = set
            .expiration_time
            .map(|t| whole_seconds(t, "exp"))
            .transpose()?;
        let certificate_id =
            String::from_utf8(set.cwt_id.ok_or("missing cti")?).map_err(|_| "cti is not UTF-8")?;
        let mut rest = set.rest.into_iter();
        let diwan = match (rest.next(), rest.next()) {
            (Some((ClaimName::PrivateUse(DIWAN_CLAIM), value)), None) => value,
            (None, _) => return Err("missing the Diwan claim".to_owned()),
            _ => return Err("unexpected claim".to_owned()),
        };
        let Value::Map(entries) = diwan else {
            return Err("the Diwan claim is not a map".to_owned());
        };

        let mut seen = Vec::new();
        let mut format_version = None;
        let mut service_id = None;
        let mut service_version = None;
        let mut holder_name = None;
        let mut holder_id_hash = None;
        let mut fields = None;
        let mut title = None;
        for (k, v) in entries {
            let k = as_i64(&k).ok_or("Diwan claim key is not an integer")?;
            if seen.contains(&k) {
                return Err(format!("duplicate Diwan claim key {k}"));
            }
            seen.push(k);
            match k {
                key::VERSION => format_version = Some(as_i64(&v).ok_or("version: not an integer")?),
                key::SERVICE_ID => service_id = Some(text(v, "service id")?),
                key::SERVICE_VERSION => {
                    let n = as_i64(&v).ok_or("service version: not an integer")?;
                    service_version =
                        Some(u32::try_from(n).map_err(|_| "service version: out of range")?);
                }
                key::HOLDER_NAME => holder_name = Some(text(v, "holder name")?),
                key::HOLDER_ID_HASH => {
                    let Value::Bytes(b) = v else {
                        return Err("holder id hash: not bytes".to_owned());
                    };
                    let b: [u8; HolderIdHash::LEN] =
                        b.try_into().map_err(|_| "holder id hash: wrong length")?;
                    holder_id_hash = Some(HolderIdHash(b));
                }
                key::FIELDS => fields = Some(fields_from_cbor(v)?),
                key::TITLE => {
                    let Value::Array(parts) = v else {
                        return Err("title: not an array".to_owned());
                    };
                    let [ar, en]: [Value; 2] =
                        parts.try_into().map_err(|_| "title: not two texts")?;
                    title = Some(Title {
                        ar: text(ar, "title")?,
                        en: text(en, "title")?,
                    });
                }
                other => return Err(format!("unknown Diwan claim key {other}")),
            }
        }
        if format_version != Some(i64::from(version)) {
            return Err("the signed format version does not match the prefix".to_owned());
        }
        let claims = CertificateClaims {
            issuer,
            issued_at,
            expires_at,
            certificate_id,
            service_id: service_id.ok_or("missing service id")?,
            service_version: service_version.ok_or("missing service version")?,
            holder_name: holder_name.ok_or("missing holder name")?,
            holder_id_hash: holder_id_hash.ok_or("missing holder id hash")?,
            fields: fields.ok_or("missing fields")?,
            title,
        };
        claims.check()?;
        Ok(claims)
    }
}

/// A value the service lists for its certificate. A non-integer number travels as its decimal
/// text (a certificate prints decimals exactly; floats would only add ambiguity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Bool(bool),
    Integer(i64),
    Text(String),
}

impl FieldValue {
    /// The value of a validated form field: strings, booleans and integers as they are, other
    /// numbers as their decimal text. `None` for null, arrays and objects.
    pub fn from_json(value: &serde_json::Value) -> Option<FieldValue> {
        match value {
            serde_json::Value::String(s) => Some(FieldValue::Text(s.clone())),
            serde_json::Value::Bool(b) => Some(FieldValue::Bool(*b)),
            serde_json::Value::Number(n) => Some(match n.as_i64() {
                Some(i) => FieldValue::Integer(i),
                None => FieldValue::Text(n.to_string()),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Integer(i) => write!(f, "{i}"),
            FieldValue::Text(s) => f.write_str(s),
        }
    }
}

/// A certificate title in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Title {
    pub ar: String,
    pub en: String,
}

/// The first 16 bytes of `HMAC-SHA-256(deployment secret, "diwan-holder-id-v1\0" || national ID)`.
/// Only the issuer, who holds the secret, can link a certificate to a national ID.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HolderIdHash([u8; HolderIdHash::LEN]);

impl HolderIdHash {
    pub const LEN: usize = 16;
    /// The shortest secret accepted: a short key would let anyone guess IDs again.
    pub const MIN_KEY_LEN: usize = 16;
    const DOMAIN: &'static [u8] = b"diwan-holder-id-v1\0";

    /// Hashes a national ID (its canonical ASCII digits) under the deployment's secret.
    pub fn compute(secret: &[u8], national_id: &str) -> Result<HolderIdHash, SignError> {
        if secret.len() < Self::MIN_KEY_LEN {
            return Err(SignError::WeakHolderKey);
        }
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignError::WeakHolderKey)?;
        mac.update(Self::DOMAIN);
        mac.update(national_id.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; Self::LEN];
        out.copy_from_slice(&full[..Self::LEN]);
        Ok(HolderIdHash(out))
    }

    pub fn from_bytes(bytes: [u8; HolderIdHash::LEN]) -> HolderIdHash {
        HolderIdHash(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; HolderIdHash::LEN] {
        &self.0
    }
}

/// Unpadded base64url, as in JSON.
impl fmt::Display for HolderIdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for HolderIdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HolderIdHash({self})")
    }
}

impl Serialize for HolderIdHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HolderIdHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)?;
        let bytes: [u8; HolderIdHash::LEN] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("holder id hash must be 16 bytes"))?;
        Ok(HolderIdHash(bytes))
    }
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => i64::try_from(*i).ok(),
        _ => None,
    }
}

fn text(v: Value, what: &str) -> Result<String, String> {
    match v {
        Value::Text(s) => Ok(s),
        _ => Err(format!("{what}: not text")),
    }
}

fn whole_seconds(t: Timestamp, what: &str) -> Result<i64, String> {
    match t {
        Timestamp::WholeSeconds(s) => Ok(s),
        Timestamp::FractionalSeconds(_) => Err(format!("{what}: not whole seconds")),
    }
}

/// Keys in RFC 8949 core deterministic order: by encoded bytes, so shorter texts come first.
fn fields_to_cbor(fields: &BTreeMap<String, FieldValue>) -> Value {
    let mut entries: Vec<(&String, &FieldValue)> = fields.iter().collect();
    entries.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    FieldValue::Bool(b) => Value::Bool(*b),
                    FieldValue::Integer(i) => int(*i),
                    FieldValue::Text(s) => Value::Text(s.clone()),
                };
                (Value::Text(k.clone()), v)
            })
            .collect(),
    )
}

fn fields_from_cbor(v: Value) -> Result<BTreeMap<String, FieldValue>, String> {
    let Value::Map(entries) = v else {
        return Err("fields: not a map".to_owned());
    };
    let mut fields = BTreeMap::new();
    for (k, v) in entries {
        let k = text(k, "field id")?;
        let v = match v {
            Value::Bool(b) => FieldValue::Bool(b),
            Value::Integer(_) => {
                FieldValue::Integer(as_i64(&v).ok_or_else(|| format!("field {k}: out of range"))?)
            }
            Value::Text(s) => FieldValue::Text(s),
            _ => return Err(format!("field {k}: not text, integer or boolean")),
        };
        if fields.insert(k.clone(), v).is_some() {
            return Err(format!("duplicate field {k}"));
        }
    }
    Ok(fields)
}

// The claim key must stay in the range coset treats as private use (its `private_claim`
// asserts this; we build the label directly, so check it here at compile time).
const _: () = assert!(DIWAN_CLAIM < iana::CWT_CLAIM_PRIVATE_USE_MAX);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_hash_needs_a_real_key_and_is_keyed() {
        assert_eq!(
            HolderIdHash::compute(b"short", "29001011234567"),
            Err(SignError::WeakHolderKey)
        );
        let a = HolderIdHash::compute(&[1; 32], "29001011234567").unwrap();
        let b = HolderIdHash::compute(&[2; 32], "29001011234567").unwrap();
        let c = HolderIdHash::compute(&[1; 32], "29001011234568").unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn field_values_from_json() {
        use serde_json::json;
        assert_eq!(
            FieldValue::from_json(&json!("x")),
            Some(FieldValue::Text("x".into()))
        );
        assert_eq!(
            FieldValue::from_json(&json!(12)),
            Some(FieldValue::Integer(12))
        );
        assert_eq!(
            FieldValue::from_json(&json!(2.5)),
            Some(FieldValue::Text("2.5".into()))
        );
        assert_eq!(
            FieldValue::from_json(&json!(true)),
            Some(FieldValue::Bool(true))
        );
        assert_eq!(FieldValue::from_json(&json!(null)), None);
        assert_eq!(FieldValue::from_json(&json!([1])), None);
    }

    #[test]
    fn fields_are_in_deterministic_cbor_order() {
        let fields: BTreeMap<String, FieldValue> = ["bb", "a", "ab", "c"]
            .into_iter()
            .map(|k| (k.to_owned(), FieldValue::Bool(true)))
            .collect();
        let Value::Map(entries) = fields_to_cbor(&fields) else {
            unreachable!()
        };
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.as_text().unwrap()).collect();
        assert_eq!(keys, ["a", "c", "ab", "bb"]);
    }
}
