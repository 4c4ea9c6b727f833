//! The credential crate through its public API: round trips, every kind of tampering, key
//! rotation, the key set format, a known-answer payload and property tests.

// Test helpers panic on purpose: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod key_set;
mod known_answer;
mod props;
mod rotation;
mod tamper;

use diwan_credential::{
    CertificateClaims, FieldValue, HolderIdHash, KeySet, PREFIX, SigningKey, Title,
};
use std::collections::BTreeMap;

/// 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600;
pub const DAY: i64 = 86_400;

/// A deterministic key: tests never draw randomness.
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

/// A key set of `(key, valid_from, valid_until)`.
pub fn key_set(keys: &[(&SigningKey, i64, Option<i64>)]) -> KeySet {
    KeySet::new(
        keys.iter()
            .map(|(k, from, until)| k.public_key(*from, *until).unwrap())
            .collect(),
    )
    .unwrap()
}

/// A typical birth certificate: six fields, Arabic names, a title, a 90-day validity.
pub fn typical_claims() -> CertificateClaims {
    let text = |s: &str| FieldValue::Text(s.to_owned());
    let fields: BTreeMap<String, FieldValue> = [
        ("child_name", text("ياسمين أحمد محمود")),
        ("birth_date", text("2025-11-03")),
        ("birth_place", text("القاهرة")),
        ("father_name", text("أحمد محمود علي")),
        ("mother_name", text("منى حسن إبراهيم")),
        ("sex", text("female")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    CertificateClaims {
        issuer: "EG".to_owned(),
        issued_at: T0,
        expires_at: Some(T0 + 90 * DAY),
        certificate_id: "CRT-2026-000123".to_owned(),
        service_id: "birth_certificate".to_owned(),
        service_version: 3,
        holder_name: "أحمد محمود علي حسن".to_owned(),
        holder_id_hash: HolderIdHash::compute(&[9; 32], "28501011234567").unwrap(),
        fields,
        title: Some(Title {
            ar: "شهادة ميلاد".to_owned(),
            en: "Birth certificate".to_owned(),
        }),
    }
}

/// The COSE bytes inside a payload, unwrapped without the crate's checks.
pub fn unwrap_cose(payload: &str) -> Vec<u8> {
    let compressed = base45::decode(payload.strip_prefix(PREFIX).unwrap()).unwrap();
    miniz_oxide::inflate::decompress_to_vec_zlib(&compressed).unwrap()
}

/// Wraps bytes the way a payload does (compress, base45, prefix).
pub fn wrap(bytes: &[u8]) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6);
    format!("{PREFIX}{}", base45::encode(compressed))
}
