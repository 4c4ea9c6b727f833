//! `diwan verify` as a verifier runs it: the real binary, a payload signed here with the
//! credential crate, a key set file, no network. Valid → exit 0 and the claims; each way of
//! failing → exit 2 with its own code and both messages.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use diwan_credential::{
    CertificateClaims, FieldValue, HolderIdHash, KeySet, SigningKey, Title, sign,
};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn claims() -> CertificateClaims {
    CertificateClaims {
        issuer: "EG".to_owned(),
        issued_at: T0,
        expires_at: Some(T0 + 90 * DAY),
        certificate_id: "CRT-2026-000001".to_owned(),
        service_id: "birth_certificate".to_owned(),
        service_version: 3,
        holder_name: "منى حسن".to_owned(),
        holder_id_hash: HolderIdHash::compute(b"0123456789abcdef", "28501011234567").unwrap(),
        fields: BTreeMap::from([
            (
                "child_name".to_owned(),
                FieldValue::Text("ياسمين".to_owned()),
            ),
            ("birth_order".to_owned(), FieldValue::Integer(2)),
        ]),
        title: Some(Title {
            ar: "شهادة ميلاد".to_owned(),
            en: "Birth certificate".to_owned(),
        }),
    }
}

fn key_set_file(dir: &Path, name: &str, key: &SigningKey) -> std::path::PathBuf {
    let set = KeySet::new(vec![key.public_key(T0 - 365 * DAY, None).unwrap()]).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, set.to_json()).unwrap();
    path
}

fn diwan_verify(payload: &str, keys: &Path, at: i64) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_diwan"))
        .arg("verify")
        .arg(payload)
        .arg("--keys")
        .arg(keys)
        .args(["--at", &at.to_string()])
        .output()
        .expect("run diwan verify");
    // Shown with the test's output when it fails.
    eprintln!("--- verify\n{}", String::from_utf8_lossy(&output.stdout));
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn valid_certificates_and_each_failure_have_their_own_exit_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[7; 32]);
    let keys = key_set_file(dir.path(), "keys.json", &key);
    let payload = sign(&claims(), &key).unwrap();

    // Valid: exit 0, the claims in readable form, and the honest limit of an offline check.
    let output = diwan_verify(&payload, &keys, T0 + DAY);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    for expected in [
        "valid certificate",
        "منى حسن",
        "CRT-2026-000001",
        "birth_certificate (version 3)",
        "شهادة ميلاد / Birth certificate",
        "2026-01-01T00:00:00Z",
        "child_name: ياسمين",
        "birth_order: 2",
        &key.kid().to_string(),
        "revocation can only be checked online at /verify",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }

    // One payload character changed: the signature no longer holds.
    let mut flipped: Vec<char> = payload.chars().collect();
    let at = flipped.len() / 2;
    flipped[at] = if flipped[at] == 'A' { 'B' } else { 'A' };
    let flipped: String = flipped.into_iter().collect();
    let output = diwan_verify(&flipped, &keys, T0 + DAY);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    // A changed base45 digit may break the zlib checksum before the signature is reached;
    // either way it is refused as damaged or altered, never accepted.
    assert!(
        ["bad_signature", "not_zlib", "not_base45", "not_cose"]
            .iter()
            .any(|code| text.contains(code)),
        "{text}"
    );
    assert!(text.starts_with("invalid certificate"), "{text}");

    // A key set without the signing key: unknown_key, with both messages.
    let other = key_set_file(dir.path(), "other.json", &SigningKey::from_bytes(&[8; 32]));
    let output = diwan_verify(&payload, &other, T0 + DAY);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("unknown_key"), "{text}");
    assert!(
        text.contains("الشهادة موقّعة بمفتاح ليس من المفاتيح المنشورة."),
        "{text}"
    );
    assert!(text.contains("not among the published keys"), "{text}");

    // Past its expiry: expired, and the (authentic) claims are still shown.
    let output = diwan_verify(&payload, &keys, T0 + 91 * DAY);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("invalid certificate / شهادة غير صحيحة: expired"),
        "{text}"
    );
    assert!(text.contains("انتهت صلاحية هذه الشهادة."), "{text}");
    assert!(text.contains("This certificate has expired."), "{text}");
    assert!(text.contains("CRT-2026-000001"), "{text}");

    // Not a certificate at all.
    let output = diwan_verify("hello", &keys, T0 + DAY);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("bad_prefix"));
}

#[test]
fn changed_claims_under_the_original_signature_are_a_bad_signature() {
    // What a forger without the key can do: change a claim and keep the genuine signature.
    // The payload is re-encoded properly (zlib, base45), so the failure is the signature's.
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[7; 32]);
    let keys = key_set_file(dir.path(), "keys.json", &key);
    let payload = sign(&claims(), &key).unwrap();
    let tampered = sign(
        &CertificateClaims {
            holder_name: "منى حسين".to_owned(),
            ..claims()
        },
        &key,
    )
    .unwrap();
    let swapped = swap_signature(&tampered, &payload);
    let output = diwan_verify(&swapped, &keys, T0 + DAY);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("bad_signature"), "{text}");
    assert!(
        text.contains("the certificate has been altered or forged"),
        "{text}"
    );
}

#[test]
fn the_payload_can_come_from_stdin_and_a_bad_key_set_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[7; 32]);
    let keys = key_set_file(dir.path(), "keys.json", &key);
    let payload = sign(&claims(), &key).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_diwan"))
        .args(["verify", "-", "--keys"])
        .arg(&keys)
        .args(["--at", &(T0 + DAY).to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{payload}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"keys":[{"kid":"x"}]}"#).unwrap();
    let output = diwan_verify(&payload, &broken, T0 + DAY);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("broken.json"), "{stderr}");
}

/// The payload `claims_from` with the signature of `signature_from` (both `DW1:` payloads by
/// the same key, so their COSE structures differ only in payload and signature).
fn swap_signature(claims_from: &str, signature_from: &str) -> String {
    let cose = |payload: &str| {
        let compressed = base45::decode(payload.strip_prefix("DW1:").unwrap()).unwrap();
        miniz_oxide::inflate::decompress_to_vec_zlib(&compressed).unwrap()
    };
    let mut target = cose(claims_from);
    let source = cose(signature_from);
    // COSE_Sign1 ends with the 64-byte signature as its last bstr.
    let n = target.len();
    target[n - 64..].copy_from_slice(&source[source.len() - 64..]);
    format!(
        "DW1:{}",
        base45::encode(miniz_oxide::deflate::compress_to_vec_zlib(&target, 9))
    )
}
