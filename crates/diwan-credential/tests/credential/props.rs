//! Property tests: random claims (Arabic and Latin names, random fields) round-trip exactly,
//! and any single-byte change of the COSE structure is refused.

use std::collections::BTreeMap;

use diwan_credential::{CertificateClaims, FieldValue, HolderIdHash, KeySet, Title, sign, verify};
use proptest::prelude::*;

use super::{key, key_set, typical_claims, unwrap_cose, wrap};

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\u{0621}-\u{064A}]{1,10}( [\u{0621}-\u{064A}]{1,10}){0,3}",
        "[A-Za-z'-]{1,10}( [A-Za-z'-]{1,10}){0,3}",
    ]
}

fn field_value() -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        any::<bool>().prop_map(FieldValue::Bool),
        any::<i64>().prop_map(FieldValue::Integer),
        ".{0,24}".prop_map(FieldValue::Text),
        name().prop_map(FieldValue::Text),
    ]
}

prop_compose! {
    fn claims()(
        issuer in prop_oneof![Just("EG".to_owned()), "[a-z.]{1,20}"],
        issued_at in 0i64..4_000_000_000,
        validity in proptest::option::of(1i64..1_000_000_000),
        certificate_id in "[A-Z0-9-]{1,24}",
        service_id in "[a-z_]{1,30}",
        service_version in any::<u32>(),
        holder_name in name(),
        holder_id_hash in any::<[u8; 16]>(),
        fields in proptest::collection::btree_map(".{1,16}", field_value(), 0..10),
        title in proptest::option::of((name(), "[A-Za-z ]{1,30}")),
    ) -> CertificateClaims {
        CertificateClaims {
            issuer,
            issued_at,
            expires_at: validity.map(|v| issued_at + v),
            certificate_id,
            service_id,
            service_version,
            holder_name,
            holder_id_hash: HolderIdHash::from_bytes(holder_id_hash),
            fields: fields.into_iter().collect::<BTreeMap<_, _>>(),
            title: title.map(|(ar, en)| Title { ar, en }),
        }
    }
}

fn keys() -> KeySet {
    key_set(&[(&key(1), 0, None), (&key(2), 0, None)])
}

proptest! {
    #[test]
    fn round_trip_preserves_the_claims_exactly(claims in claims()) {
        let payload = sign(&claims, &key(1)).unwrap();
        let verified = verify(&payload, &keys(), claims.issued_at).unwrap();
        prop_assert_eq!(verified.claims, claims);
    }

    #[test]
    fn any_single_byte_change_of_the_cose_is_refused(
        claims in claims(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let payload = sign(&claims, &key(1)).unwrap();
        let mut cose = unwrap_cose(&payload);
        let i = at.index(cose.len());
        cose[i] ^= flip;
        prop_assert!(verify(&wrap(&cose), &keys(), claims.issued_at).is_err(), "byte {}", i);
    }
}

proptest! {
    /// Whatever a camera or a person hands over, the verifier answers with an error, never a panic.
    #[test]
    fn arbitrary_text_is_refused_without_panicking(text in "(DW1:)?[0-9A-Z $%*+./:-]{0,200}|.{0,100}") {
        prop_assert!(verify(&text, &keys(), 0).is_err());
    }

    #[test]
    fn arbitrary_bytes_behind_a_good_envelope_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(verify(&wrap(&bytes), &keys(), 0).is_err());
    }
}

/// Exhaustively, for one certificate: every byte position, three kinds of change.
#[test]
fn every_byte_of_a_typical_certificate_is_protected() {
    let claims = typical_claims();
    let keys = keys();
    let mut cose = unwrap_cose(&sign(&claims, &key(1)).unwrap());
    for i in 0..cose.len() {
        for flip in [0x01, 0x80, 0xff] {
            cose[i] ^= flip;
            assert!(
                verify(&wrap(&cose), &keys, claims.issued_at).is_err(),
                "byte {i} ^ {flip:#x}"
            );
            cose[i] ^= flip;
        }
    }
}
