//! Entries: one canonical byte form, pinned by a snapshot; strict decoding; the keyed id hash.

use diwan_ledger::{
    ActorKind, ApplicationEvent, CertificateIssued, CertificateRevoked, DataAccess, Hash,
    LedgerEntry, LedgerError, MAX_SAFE_INTEGER, keyed_id_hash, leaf_hash, sha256,
};
use expect_test::expect;
use proptest::prelude::*;

const ID_KEY: &[u8] = b"test ledger id key, never a real one";

fn event() -> LedgerEntry {
    LedgerEntry::ApplicationEvent(ApplicationEvent {
        application_id: "0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f".into(),
        service_id: "birth_certificate".into(),
        service_version: 3,
        version: 4,
        action: "approve".into(),
        from: Some("review".into()),
        to: "approved".into(),
        actor_kind: ActorKind::Officer,
        actor_role: Some("manager".into()),
        actor_agency: Some("civil_registry".into()),
        actor_id_hash: Hash(keyed_id_hash(ID_KEY, "officer-7")),
        at: 1_767_225_600_000,
    })
}

fn all_kinds() -> Vec<LedgerEntry> {
    vec![
        event(),
        LedgerEntry::ApplicationEvent(ApplicationEvent {
            application_id: "a".into(),
            service_id: "s".into(),
            service_version: 1,
            version: 1,
            action: "submitted".into(),
            from: None,
            to: "submitted".into(),
            actor_kind: ActorKind::Citizen,
            actor_role: None,
            actor_agency: None,
            actor_id_hash: Hash(keyed_id_hash(ID_KEY, "29001011234567")),
            at: 0,
        }),
        LedgerEntry::CertificateIssued(CertificateIssued {
            certificate_id: "CSR-2026-000123".into(),
            application_id: "a".into(),
            service_id: "birth_certificate".into(),
            service_version: 3,
            key_id: "q83vEjRWeJA".into(),
            payload_hash: sha256(b"DW1:..."),
            holder_id_hash: Hash(keyed_id_hash(ID_KEY, "29001011234567")),
            expires_at: None,
            at: 1_767_225_600_000,
        }),
        LedgerEntry::CertificateRevoked(CertificateRevoked {
            certificate_id: "CSR-2026-000123".into(),
            application_id: "a".into(),
            reason: "issued_in_error".into(),
            actor_kind: ActorKind::Officer,
            actor_role: Some("manager".into()),
            actor_agency: Some("civil_registry".into()),
            actor_id_hash: Hash(keyed_id_hash(ID_KEY, "officer-7")),
            at: 1_767_225_600_001,
        }),
        LedgerEntry::DataAccess(DataAccess {
            application_id: "a".into(),
            reader_kind: ActorKind::System,
            reader_role: None,
            reader_agency: Some("tax_authority".into()),
            reader_id: "system:tax".into(),
            purpose: "birth_registered_check".into(),
            at: 1_767_225_600_002,
        }),
    ]
}

#[test]
fn snapshot_of_one_entry() {
    let bytes = event().to_bytes().unwrap();
    expect![[r#"{"action":"approve","actor_agency":"civil_registry","actor_id_hash":"344c89f793c728defa4d63cfbc8e43a937c1b6d88f722ab8803571c287bf83c8","actor_kind":"officer","actor_role":"manager","application_id":"0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f","at":1767225600000,"from":"review","kind":"application_event","service_id":"birth_certificate","service_version":3,"to":"approved","v":1,"version":4}"#]].assert_eq(std::str::from_utf8(&bytes).unwrap());
    expect!["7b22616374696f6e223a22617070726f7665222c226163746f725f6167656e6379223a22636976696c5f7265676973747279222c226163746f725f69645f68617368223a2233343463383966373933633732386465666134643633636662633865343361393337633162366438386637323261623838303335373163323837626638336338222c226163746f725f6b696e64223a226f666669636572222c226163746f725f726f6c65223a226d616e61676572222c226170706c69636174696f6e5f6964223a2230313932663063312d376132622d376333642d386534662d356136623763386439653066222c226174223a313736373232353630303030302c2266726f6d223a22726576696577222c226b696e64223a226170706c69636174696f6e5f6576656e74222c22736572766963655f6964223a2262697274685f6365727469666963617465222c22736572766963655f76657273696f6e223a332c22746f223a22617070726f766564222c2276223a312c2276657273696f6e223a347d"].assert_eq(&hex::encode(&bytes));
    expect!["d6fd61054e9428f789a52bbf96162e601efdd29794927e7c83df980f4c2874a3"]
        .assert_eq(&leaf_hash(&bytes).to_hex());
}

#[test]
fn every_kind_round_trips_byte_for_byte() {
    for entry in all_kinds() {
        let bytes = entry.to_bytes().unwrap();
        let decoded = LedgerEntry::from_bytes(&bytes).unwrap();
        assert_eq!(decoded, entry);
        assert_eq!(decoded.to_bytes().unwrap(), bytes);
        assert_eq!(entry.leaf_hash().unwrap(), leaf_hash(&bytes));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(&format!("\"kind\":\"{}\"", entry.kind())));
        assert!(text.ends_with(",\"v\":1}") || text.contains(",\"v\":1,"));
    }
}

#[test]
fn keys_are_sorted_and_there_is_no_whitespace() {
    for entry in all_kinds() {
        let bytes = entry.to_bytes().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(!text.contains([' ', '\n', '\t']), "{text}");
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap())
            .collect();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        let mut by_position: Vec<(usize, &String)> =
            positions.into_iter().zip(keys.iter().copied()).collect();
        by_position.sort();
        let in_text: Vec<&String> = by_position.into_iter().map(|(_, k)| k).collect();
        assert_eq!(in_text, sorted_keys);
    }
}

fn refused(text: &str) -> LedgerError {
    match LedgerEntry::from_bytes(text.as_bytes()) {
        Ok(entry) => panic!("accepted {text}: {entry:?}"),
        Err(error) => error,
    }
}

#[test]
fn only_the_canonical_form_is_accepted() {
    let good = String::from_utf8(event().to_bytes().unwrap()).unwrap();
    // Same content, other bytes.
    for other in [
        good.replacen(",", ", ", 1),
        format!(" {good}"),
        format!("{good}\n"),
        good.replacen("\"version\":4", "\"version\":4.0", 1),
        good.replacen("\"approve\"", "\"appro\\u0076e\"", 1),
        good.replacen("{\"action\":\"approve\",", "{", 1).replacen(
            "}",
            ",\"action\":\"approve\"}",
            1,
        ),
        good.replacen("\"v\":1", "\"v\":1,\"v\":1", 1),
        {
            let hash = Hash(keyed_id_hash(ID_KEY, "officer-7")).to_hex();
            good.replacen(&hash, &hash.to_uppercase(), 1)
        },
        good.replacen("\"from\":\"review\",", "", 1),
    ] {
        assert_ne!(other, good);
        let error = refused(&other);
        assert!(
            matches!(
                error,
                LedgerError::NonCanonicalEntry | LedgerError::MalformedEntry(_)
            ),
            "{other}: {error:?}"
        );
    }
    // Optional fields are written as null, never left out.
    assert!(matches!(
        refused(&good.replacen("\"from\":\"review\",", "", 1)),
        LedgerError::NonCanonicalEntry
    ));
}

#[test]
fn unknown_content_is_refused() {
    let good = String::from_utf8(event().to_bytes().unwrap()).unwrap();
    assert!(matches!(
        refused(&good.replacen("\"v\":1", "\"v\":2", 1)),
        LedgerError::UnsupportedVersion { v: 2, .. }
    ));
    assert!(matches!(
        refused(&good.replacen("application_event", "application_party", 1)),
        LedgerError::UnsupportedVersion { .. }
    ));
    assert!(matches!(
        refused(&good.replacen("\"action\"", "\"comment\":\"hi\",\"action\"", 1)),
        LedgerError::MalformedEntry(_)
    ));
    assert!(matches!(
        refused(&good.replacen("\"officer\"", "\"king\"", 1)),
        LedgerError::MalformedEntry(_)
    ));
    for text in [
        "",
        "[]",
        "{}",
        "null",
        "{\"kind\":\"data_access\"}",
        "{\"v\":1}",
    ] {
        refused(text);
    }
}

#[test]
fn integers_beyond_2_pow_53_have_no_canonical_form() {
    let LedgerEntry::ApplicationEvent(mut e) = event() else {
        unreachable!()
    };
    e.version = MAX_SAFE_INTEGER;
    assert!(LedgerEntry::ApplicationEvent(e.clone()).to_bytes().is_ok());
    e.version = MAX_SAFE_INTEGER + 1;
    assert!(matches!(
        LedgerEntry::ApplicationEvent(e.clone()).to_bytes(),
        Err(LedgerError::IntegerOutOfRange(_))
    ));
    e.version = 1;
    e.at = -(MAX_SAFE_INTEGER as i64) - 1;
    assert!(LedgerEntry::ApplicationEvent(e).to_bytes().is_err());
}

#[test]
fn keyed_id_hash_is_keyed_and_fixed() {
    let a = keyed_id_hash(ID_KEY, "29001011234567");
    assert_eq!(a, keyed_id_hash(ID_KEY, "29001011234567"));
    assert_ne!(a, keyed_id_hash(b"another key", "29001011234567"));
    assert_ne!(a, keyed_id_hash(ID_KEY, "29001011234568"));
    // Not a plain hash of the ID.
    assert_ne!(Hash(a), leaf_hash(b"29001011234567"));
    expect!["42ca2ac73f24b92f102ccd5d6e25dbd69d9649a77ca6171d5bee2a6dbc587155"]
        .assert_eq(&hex::encode(a));
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, including quotes, backslashes and control characters.
    proptest::collection::vec(any::<char>(), 0..24).prop_map(|c| c.into_iter().collect())
}

fn actor() -> impl Strategy<Value = ActorKind> {
    prop_oneof![
        Just(ActorKind::Citizen),
        Just(ActorKind::Officer),
        Just(ActorKind::System)
    ]
}

fn time() -> impl Strategy<Value = i64> {
    -(MAX_SAFE_INTEGER as i64)..=(MAX_SAFE_INTEGER as i64)
}

fn entry() -> impl Strategy<Value = LedgerEntry> {
    let event = (
        (text(), text(), any::<u32>(), 0..=MAX_SAFE_INTEGER),
        (text(), proptest::option::of(text()), text(), actor()),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<[u8; 32]>(),
            time(),
        ),
    )
        .prop_map(
            |(
                (application_id, service_id, service_version, version),
                (action, from, to, actor_kind),
                (actor_role, actor_agency, hash, at),
            )| {
                LedgerEntry::ApplicationEvent(ApplicationEvent {
                    application_id,
                    service_id,
                    service_version,
                    version,
                    action,
                    from,
                    to,
                    actor_kind,
                    actor_role,
                    actor_agency,
                    actor_id_hash: Hash(hash),
                    at,
                })
            },
        );
    let access = (
        text(),
        actor(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        text(),
        text(),
        time(),
    )
        .prop_map(
            |(application_id, reader_kind, reader_role, reader_agency, reader_id, purpose, at)| {
                LedgerEntry::DataAccess(DataAccess {
                    application_id,
                    reader_kind,
                    reader_role,
                    reader_agency,
                    reader_id,
                    purpose,
                    at,
                })
            },
        );
    let issued = (
        (text(), text(), text(), any::<u32>(), text()),
        (
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            proptest::option::of(time()),
            time(),
        ),
    )
        .prop_map(
            |(
                (certificate_id, application_id, service_id, service_version, key_id),
                (payload, holder, expires_at, at),
            )| {
                LedgerEntry::CertificateIssued(CertificateIssued {
                    certificate_id,
                    application_id,
                    service_id,
                    service_version,
                    key_id,
                    payload_hash: Hash(payload),
                    holder_id_hash: Hash(holder),
                    expires_at,
                    at,
                })
            },
        );
    let revoked = (
        (text(), text(), text(), actor()),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            any::<[u8; 32]>(),
            time(),
        ),
    )
        .prop_map(
            |((certificate_id, application_id, reason, actor_kind), (role, agency, hash, at))| {
                LedgerEntry::CertificateRevoked(CertificateRevoked {
                    certificate_id,
                    application_id,
                    reason,
                    actor_kind,
                    actor_role: role,
                    actor_agency: agency,
                    actor_id_hash: Hash(hash),
                    at,
                })
            },
        );
    prop_oneof![event, access, issued, revoked]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_entry_round_trips_byte_for_byte(entry in entry()) {
        let bytes = entry.to_bytes().unwrap();
        let decoded = LedgerEntry::from_bytes(&bytes).unwrap();
        prop_assert_eq!(decoded.to_bytes().unwrap(), bytes);
        prop_assert_eq!(decoded, entry);
    }

    #[test]
    fn reformatted_json_is_refused(entry in entry()) {
        // The same value, pretty-printed by serde: never our bytes, so refused.
        let bytes = entry.to_bytes().unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        prop_assert!(LedgerEntry::from_bytes(&pretty).is_err());
    }
}
