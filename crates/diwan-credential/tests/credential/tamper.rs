//! A good certificate verifies; each way of spoiling one gives its own error.

use coset::cbor::value::Value;
use coset::cwt::{ClaimName, ClaimsSet, Timestamp};
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use diwan_credential::{
    CLOCK_SKEW_SECONDS, DIWAN_CLAIM, KeySet, Kid, MAX_COSE_BYTES, VerifyError, sign, verify,
};
use ed25519_dalek::Signer;
use expect_test::expect;

use super::{DAY, T0, key, key_set, typical_claims, unwrap_cose, wrap};

fn code(r: Result<diwan_credential::VerifiedCertificate, VerifyError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// The typical certificate by key 1, and a set publishing keys 1 and 2.
fn setup() -> (String, KeySet) {
    let payload = sign(&typical_claims(), &key(1)).unwrap();
    (
        payload,
        key_set(&[(&key(1), T0, None), (&key(2), T0, None)]),
    )
}

/// Signs `cwt` (any bytes) under `header` with key `n`, as a forger holding the key would.
fn sign_raw(n: u8, header: coset::Header, cwt: Vec<u8>) -> String {
    let secret = ed25519_dalek::SigningKey::from_bytes(&[n; 32]);
    let cose = CoseSign1Builder::new()
        .protected(header)
        .payload(cwt)
        .create_signature(b"", |tbs| secret.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .unwrap();
    wrap(&cose)
}

fn header(kid: Kid) -> coset::Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.as_bytes().to_vec())
        .build()
}

#[test]
fn round_trip() {
    let (payload, keys) = setup();
    assert!(payload.starts_with("DW1:"));
    let verified = verify(&payload, &keys, T0 + DAY).unwrap();
    assert_eq!(verified.claims, typical_claims());
    assert_eq!(verified.kid, key(1).kid());
    assert_eq!(verified.certificate_id(), "CRT-2026-000123");
}

#[test]
fn line_breaks_around_a_pasted_payload_are_ignored() {
    let (payload, keys) = setup();
    let pasted = format!("\n\t{payload}\r\n");
    assert_eq!(code(verify(&pasted, &keys, T0)), "ok");
}

#[test]
fn a_typical_certificate_fits_a_qr_code_comfortably() {
    let (payload, _) = setup();
    assert!(payload.len() < 600, "{} characters", payload.len());
    // Base45 and the prefix stay within the QR alphanumeric set.
    assert!(
        payload
            .bytes()
            .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
    );
}

#[test]
fn a_changed_base45_character() {
    let (payload, keys) = setup();
    let mid = payload.len() / 2;
    // Not in the alphabet at all.
    let mut bad = payload.clone();
    bad.replace_range(mid..mid + 1, "a");
    assert_eq!(code(verify(&bad, &keys, T0)), "not_base45");
    // In the alphabet: the bytes change, and the zlib checksum catches it.
    let mut bad = payload.clone();
    let new = if &payload[mid..mid + 1] == "0" {
        "1"
    } else {
        "0"
    };
    bad.replace_range(mid..mid + 1, new);
    assert_eq!(code(verify(&bad, &keys, T0)), "not_zlib");
    // A dropped character breaks base45's groups of three.
    let mut bad = payload.clone();
    bad.remove(mid);
    assert_eq!(code(verify(&bad, &keys, T0)), "not_base45");
}

#[test]
fn a_changed_byte_in_the_signed_claims() {
    let (payload, keys) = setup();
    let mut cose = unwrap_cose(&payload);
    let sign1 = CoseSign1::from_tagged_slice(&cose).unwrap();
    let cwt = sign1.payload.unwrap();
    let at = cose.windows(cwt.len()).position(|w| w == cwt).unwrap();
    // Every byte of the claims, one at a time.
    for i in at..at + cwt.len() {
        cose[i] ^= 0x01;
        assert_eq!(
            code(verify(&wrap(&cose), &keys, T0)),
            "bad_signature",
            "{i}"
        );
        cose[i] ^= 0x01;
    }
}

#[test]
fn a_changed_byte_in_the_signature() {
    let (payload, keys) = setup();
    let mut cose = unwrap_cose(&payload);
    let n = cose.len();
    // The signature is the last 64 bytes: R then S.
    for i in [n - 64, n - 40, n - 32, n - 1] {
        for flip in [0x01, 0x80] {
            cose[i] ^= flip;
            assert_eq!(code(verify(&wrap(&cose), &keys, T0)), "bad_signature");
            cose[i] ^= flip;
        }
    }
}

#[test]
fn a_key_id_changed_to_another_published_key() {
    let (payload, keys) = setup();
    let mut sign1 = CoseSign1::from_tagged_slice(&unwrap_cose(&payload)).unwrap();
    sign1.protected = coset::ProtectedHeader {
        original_data: None,
        header: header(key(2).kid()),
    };
    let forged = wrap(&sign1.to_tagged_vec().unwrap());
    assert_eq!(
        verify(&forged, &keys, T0).unwrap_err(),
        VerifyError::KeyIdMismatch {
            kid: key(2).kid(),
            signed_by: key(1).kid()
        }
    );
}

#[test]
fn a_key_id_changed_to_an_unknown_one() {
    let (payload, keys) = setup();
    let mut sign1 = CoseSign1::from_tagged_slice(&unwrap_cose(&payload)).unwrap();
    let unknown = Kid::from_bytes(*b"nokey!!!");
    sign1.protected = coset::ProtectedHeader {
        original_data: None,
        header: header(unknown),
    };
    let forged = wrap(&sign1.to_tagged_vec().unwrap());
    assert_eq!(
        verify(&forged, &keys, T0).unwrap_err(),
        VerifyError::UnknownKey(unknown)
    );
}

#[test]
fn signed_by_a_key_the_set_does_not_publish() {
    let (_, keys) = setup();
    let payload = sign(&typical_claims(), &key(3)).unwrap();
    assert_eq!(
        verify(&payload, &keys, T0).unwrap_err(),
        VerifyError::UnknownKey(key(3).kid())
    );
}

#[test]
fn expired() {
    let (payload, keys) = setup();
    let exp = T0 + 90 * DAY;
    assert_eq!(code(verify(&payload, &keys, exp - 1)), "ok");
    let err = verify(&payload, &keys, exp).unwrap_err();
    assert_eq!(err.code(), "expired");
    // The claims still come back: the certificate is authentic, only out of date.
    let VerifyError::Expired {
        expires_at,
        certificate,
    } = err
    else {
        unreachable!()
    };
    assert_eq!(expires_at, exp);
    assert_eq!(certificate.claims, typical_claims());
}

#[test]
fn no_expiry_never_expires() {
    let mut claims = typical_claims();
    claims.expires_at = None;
    let payload = sign(&claims, &key(1)).unwrap();
    let keys = key_set(&[(&key(1), T0, None)]);
    assert_eq!(code(verify(&payload, &keys, i64::MAX)), "ok");
}

#[test]
fn issued_in_the_future_beyond_the_clock_skew() {
    let (payload, keys) = setup();
    assert_eq!(code(verify(&payload, &keys, T0 - CLOCK_SKEW_SECONDS)), "ok");
    assert_eq!(
        verify(&payload, &keys, T0 - CLOCK_SKEW_SECONDS - 1).unwrap_err(),
        VerifyError::NotYetValid { issued_at: T0 }
    );
}

#[test]
fn signed_outside_the_key_window() {
    let k = key(1);
    let keys = key_set(&[(&k, T0, Some(T0 + DAY))]);
    let mut claims = typical_claims();
    for (issued_at, expected) in [
        (T0 - 1, "key_not_valid_at"),
        (T0, "ok"),
        (T0 + DAY - 1, "ok"),
        (T0 + DAY, "key_not_valid_at"),
    ] {
        claims.issued_at = issued_at;
        let payload = sign(&claims, &k).unwrap();
        assert_eq!(
            code(verify(&payload, &keys, T0 + 2 * DAY)),
            expected,
            "{issued_at}"
        );
    }
}

#[test]
fn wrong_prefix_or_version() {
    let (payload, keys) = setup();
    let body = payload.strip_prefix("DW1:").unwrap();
    assert_eq!(
        code(verify(&format!("HC1:{body}"), &keys, T0)),
        "bad_prefix"
    );
    assert_eq!(code(verify(body, &keys, T0)), "bad_prefix");
    assert_eq!(
        code(verify(&format!("dw1:{body}"), &keys, T0)),
        "bad_prefix"
    );
    assert_eq!(
        verify(&format!("DW2:{body}"), &keys, T0).unwrap_err(),
        VerifyError::UnsupportedVersion(2)
    );
}

#[test]
fn garbage() {
    let (_, keys) = setup();
    for (input, expected) in [
        ("", "bad_prefix"),
        ("hello world", "bad_prefix"),
        ("DW1:", "not_zlib"),
        ("DW1:!!!", "not_base45"),
        ("DW1:ABCDEF", "not_zlib"),
    ] {
        assert_eq!(code(verify(input, &keys, T0)), expected, "{input:?}");
    }
    assert_eq!(code(verify(&wrap(b"not cbor"), &keys, T0)), "not_cose");
    assert_eq!(code(verify(&wrap(&[0xa0]), &keys, T0)), "not_cose");
}

#[test]
fn a_zip_bomb_is_refused() {
    let (_, keys) = setup();
    let bomb = wrap(&vec![0u8; 1024 * 1024]);
    assert!(bomb.len() < 8192, "{}", bomb.len());
    assert_eq!(code(verify(&bomb, &keys, T0)), "too_large");
    // Exactly at the cap still inflates (and then is not COSE).
    assert_eq!(
        code(verify(&wrap(&vec![0u8; MAX_COSE_BYTES]), &keys, T0)),
        "not_cose"
    );
}

#[test]
fn an_overlong_payload_is_refused_before_decoding() {
    let (_, keys) = setup();
    let long = format!("DW1:{}", "0".repeat(9000));
    assert_eq!(code(verify(&long, &keys, T0)), "too_large");
}

#[test]
fn cose_without_its_tag_or_with_extra_headers() {
    let (payload, keys) = setup();
    let sign1 = CoseSign1::from_tagged_slice(&unwrap_cose(&payload)).unwrap();

    let untagged = sign1.clone().to_vec().unwrap();
    assert_eq!(code(verify(&wrap(&untagged), &keys, T0)), "not_cose");

    let mut unprotected = sign1.clone();
    unprotected.unprotected = HeaderBuilder::new()
        .key_id(key(1).kid().as_bytes().to_vec())
        .build();
    let err = verify(&wrap(&unprotected.to_tagged_vec().unwrap()), &keys, T0).unwrap_err();
    assert_eq!(err.code(), "not_cose");

    // Signed by the real key, but with a content type added to the protected header.
    let cwt = sign1.payload.clone().unwrap();
    let mut h = header(key(1).kid());
    h.content_type = Some(coset::ContentType::Assigned(iana::CoapContentFormat::Cwt));
    assert_eq!(
        code(verify(&sign_raw(1, h, cwt.clone()), &keys, T0)),
        "not_cose"
    );

    // Another algorithm.
    let h = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(key(1).kid().as_bytes().to_vec())
        .build();
    assert_eq!(
        code(verify(&sign_raw(1, h, cwt), &keys, T0)),
        "unsupported_algorithm"
    );
}

fn diwan_map(set: &mut ClaimsSet) -> &mut Vec<(Value, Value)> {
    match &mut set.rest[0].1 {
        Value::Map(m) => m,
        _ => unreachable!(),
    }
}

#[test]
fn signed_but_malformed_claims() {
    let (_, keys) = setup();
    let kid = key(1).kid();
    let good = ClaimsSet::from_slice(&{
        let payload = sign(&typical_claims(), &key(1)).unwrap();
        CoseSign1::from_tagged_slice(&unwrap_cose(&payload))
            .unwrap()
            .payload
            .unwrap()
    })
    .unwrap();
    let check = |set: ClaimsSet| {
        let payload = sign_raw(1, header(kid), set.to_vec().unwrap());
        match verify(&payload, &keys, T0) {
            Err(VerifyError::MalformedClaims(why)) => why,
            other => panic!("{other:?}"),
        }
    };

    let mut set = good.clone();
    diwan_map(&mut set)[0].1 = Value::Integer(2.into());
    expect!["the signed format version does not match the prefix"].assert_eq(&check(set));

    let mut set = good.clone();
    set.subject = Some("someone".to_owned());
    expect!["unexpected standard claim (sub, aud or nbf)"].assert_eq(&check(set));

    let mut set = good.clone();
    set.rest.push((ClaimName::PrivateUse(-70000), Value::Null));
    expect!["unexpected claim"].assert_eq(&check(set));

    let mut set = good.clone();
    set.rest.clear();
    expect!["missing the Diwan claim"].assert_eq(&check(set));

    let mut set = good.clone();
    set.issued_at = Some(Timestamp::FractionalSeconds(1.5));
    expect!["iat: not whole seconds"].assert_eq(&check(set));

    let mut set = good.clone();
    set.cwt_id = Some(vec![0xff]);
    expect!["cti is not UTF-8"].assert_eq(&check(set));

    let mut set = good.clone();
    let entry = diwan_map(&mut set)[1].clone();
    diwan_map(&mut set).push(entry);
    expect!["duplicate Diwan claim key 2"].assert_eq(&check(set));

    let mut set = good.clone();
    diwan_map(&mut set).push((Value::Integer(99.into()), Value::Null));
    expect!["unknown Diwan claim key 99"].assert_eq(&check(set));

    let mut set = good.clone();
    diwan_map(&mut set).retain(|(k, _)| k != &Value::Integer(4.into()));
    expect!["missing holder name"].assert_eq(&check(set));

    let mut set = good.clone();
    if let Value::Map(fields) = &mut diwan_map(&mut set)[5].1 {
        let first = fields[0].clone();
        fields.push(first);
    }
    expect!["duplicate field sex"].assert_eq(&check(set));

    let mut set = good.clone();
    if let Value::Map(fields) = &mut diwan_map(&mut set)[5].1 {
        fields[0].1 = Value::Float(1.5);
    }
    expect!["field sex: not text, integer or boolean"].assert_eq(&check(set));

    let mut set = good.clone();
    set.expiration_time = Some(Timestamp::WholeSeconds(T0));
    expect!["expires_at is not after issued_at"].assert_eq(&check(set));

    let mut set = good;
    set.rest = vec![(ClaimName::PrivateUse(DIWAN_CLAIM), Value::Array(vec![]))];
    expect!["the Diwan claim is not a map"].assert_eq(&check(set));
}

#[test]
fn the_signer_refuses_what_the_verifier_would() {
    let mut claims = typical_claims();
    claims.expires_at = Some(claims.issued_at);
    assert_eq!(
        sign(&claims, &key(1)).unwrap_err().to_string(),
        "invalid claims: expires_at is not after issued_at"
    );
    let mut claims = typical_claims();
    claims.holder_name.clear();
    assert_eq!(
        sign(&claims, &key(1)).unwrap_err().to_string(),
        "invalid claims: holder_name is empty"
    );
    let mut claims = typical_claims();
    claims.holder_name = "x".repeat(MAX_COSE_BYTES);
    assert_eq!(
        sign(&claims, &key(1)).unwrap_err(),
        diwan_credential::SignError::TooLarge
    );
}

#[test]
fn every_error_has_a_code_and_both_messages() {
    let (payload, _) = setup();
    let certificate = verify(&payload, &key_set(&[(&key(1), T0, None)]), T0).unwrap();
    let kid = key(1).kid();
    let errors = [
        VerifyError::BadPrefix,
        VerifyError::UnsupportedVersion(2),
        VerifyError::TooLarge,
        VerifyError::NotBase45,
        VerifyError::NotZlib,
        VerifyError::NotCose("why".into()),
        VerifyError::UnsupportedAlgorithm,
        VerifyError::UnknownKey(kid),
        VerifyError::KeyIdMismatch {
            kid,
            signed_by: kid,
        },
        VerifyError::BadSignature,
        VerifyError::MalformedClaims("why".into()),
        VerifyError::KeyNotValidAt { kid, issued_at: T0 },
        VerifyError::NotYetValid { issued_at: T0 },
        VerifyError::Expired {
            expires_at: T0,
            certificate: Box::new(certificate),
        },
    ];
    let table: String = errors
        .iter()
        .map(|e| format!("{}\n  {}\n  {}\n", e.code(), e.message_en(), e.message_ar()))
        .collect();
    expect![[r#"
        bad_prefix
          This is not a Diwan certificate code.
          هذا ليس رمز شهادة صادرة من ديوان.
        unsupported_version
          This certificate uses a format this verifier does not support. Please update the verifier.
          هذه الشهادة بإصدار لا يدعمه برنامج التحقق هذا. يُرجى تحديث برنامج التحقق.
        too_large
          The certificate code is too long to be a genuine one.
          رمز الشهادة أطول من أن يكون رمز شهادة سليمًا.
        not_base45
          The certificate code contains invalid characters; it may be incomplete or mistyped.
          رمز الشهادة يحتوي على رموز غير صالحة؛ ربما نُسخ ناقصًا أو فيه خطأ.
        not_zlib
          The certificate code is damaged: it cannot be decompressed.
          رمز الشهادة تالف: تعذّر فك ضغطه.
        not_cose
          The certificate code is damaged: its signed structure is invalid.
          رمز الشهادة تالف: بنيته الموقّعة غير صالحة.
        unsupported_algorithm
          The certificate is signed with an algorithm Diwan does not use.
          الشهادة موقّعة بخوارزمية لا يستخدمها ديوان.
        unknown_key
          The certificate is signed with a key that is not among the published keys.
          الشهادة موقّعة بمفتاح ليس من المفاتيح المنشورة.
        key_id_mismatch
          The certificate's signing key identifier was changed: the certificate has been altered.
          مُعرِّف مفتاح التوقيع في الشهادة غُيِّر: الشهادة معدَّلة.
        bad_signature
          The signature does not match: the certificate has been altered or forged.
          التوقيع غير مطابق: الشهادة معدَّلة أو مزوَّرة.
        malformed_claims
          The certificate's content is not in the expected form.
          محتوى الشهادة ليس بالشكل المتوقع.
        key_not_valid_at
          The signing key was not in use on the certificate's issue date.
          مفتاح التوقيع لم يكن معتمدًا في تاريخ إصدار الشهادة.
        not_yet_valid
          The certificate's issue date is in the future; check this device's clock.
          تاريخ إصدار الشهادة في المستقبل؛ تحقّق من ضبط ساعة الجهاز.
        expired
          This certificate has expired.
          انتهت صلاحية هذه الشهادة.
    "#]]
    .assert_eq(&table);
    let mut codes: Vec<_> = errors.iter().map(VerifyError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len(), "codes must be distinct");
}
