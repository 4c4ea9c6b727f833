//! Signed checkpoints: known answers (ours and Go's `sumdb/note` example), round trips, and
//! every kind of tampering.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use diwan_ledger::{
    Checkpoint, Hash, LedgerError, NoteSigner, VerifierKey, key_id, open_note, verify_checkpoint,
};
use expect_test::expect;
use proptest::prelude::*;

use crate::vectors::ROOTS;

const ORIGIN: &str = "ledger.diwan.example";

/// Fixed seed bytes for the known-answer test (never a real key).
fn seed() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

fn signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, &seed()).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint::new(ORIGIN, 8, Hash::from_hex(ROOTS[8]).unwrap())
}

#[test]
fn known_answer_note_and_vkey() {
    let signer = signer();
    expect!["ledger.diwan.example+a1f2ddf9+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"]
        .assert_eq(&signer.verifier_key().to_string());
    let note = signer.sign_checkpoint(&checkpoint()).unwrap();
    expect![[r#"
        ledger.diwan.example
        8
        XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=

        — ledger.diwan.example ofLd+czQ8GojcaKlUPAx2Vaw6mo2dodp27tuycwsyNeSo5DKD1lvY40gr18uqohedaeQmXfa4IFIgBt8P7yGK1EoYwI=
    "#]]
    .assert_eq(&note);
    let key = VerifierKey::parse(&signer.verifier_key().to_string()).unwrap();
    assert_eq!(
        verify_checkpoint(note.as_bytes(), &key).unwrap(),
        checkpoint()
    );
}

/// The example of Go's `golang.org/x/mod/sumdb/note` (and of the C2SP signed-note spec's
/// implementations): our signer reproduces its note byte for byte.
#[test]
fn go_sumdb_note_example() {
    let skey = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"; // from PRIVATE+KEY+PeterNeumann+c74f20a3+…
    let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    let text = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n";
    let want = format!(
        "{text}\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    );

    let raw = BASE64.decode(skey).unwrap();
    assert_eq!(raw[0], 0x01, "Ed25519");
    let seed: [u8; 32] = raw[1..].try_into().unwrap();
    let signer = NoteSigner::new("PeterNeumann", &seed).unwrap();
    assert_eq!(signer.key_id(), 0xc74f20a3);
    assert_eq!(signer.verifier_key().to_string(), vkey);
    assert_eq!(signer.sign_note(text).unwrap(), want);

    let key = VerifierKey::parse(vkey).unwrap();
    assert_eq!(open_note(want.as_bytes(), &key).unwrap(), text);
    let altered = want.replace("cryptography", "cryptographY");
    assert!(matches!(
        open_note(altered.as_bytes(), &key),
        Err(LedgerError::BadSignature { .. })
    ));
}

#[test]
fn tampered_body_or_signature_is_refused() {
    let key = signer().verifier_key();
    let note = signer().sign_checkpoint(&checkpoint()).unwrap();

    // Another size, another root.
    let bigger = note.replacen("\n8\n", "\n9\n", 1);
    assert!(matches!(
        verify_checkpoint(bigger.as_bytes(), &key),
        Err(LedgerError::BadSignature { .. })
    ));
    let other_root = Hash::from_hex(ROOTS[7]).unwrap().to_base64();
    let rerooted = note.replacen(&checkpoint().root.to_base64(), &other_root, 1);
    assert!(matches!(
        verify_checkpoint(rerooted.as_bytes(), &key),
        Err(LedgerError::BadSignature { .. })
    ));

    // One changed character in the signature (still base64, still 68 bytes).
    let line_start = note.rfind('\u{2014}').unwrap();
    let sig_at = note.len() - 10;
    assert!(sig_at > line_start);
    let mut bytes = note.clone().into_bytes();
    bytes[sig_at] = if bytes[sig_at] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        verify_checkpoint(&bytes, &key),
        Err(LedgerError::BadSignature { .. })
    ));
}

#[test]
fn another_key_is_refused() {
    let note = signer().sign_checkpoint(&checkpoint()).unwrap();
    // Same name, other key: its key id differs, so the note carries no signature by it.
    let other = NoteSigner::new(ORIGIN, &[9; 32]).unwrap().verifier_key();
    assert!(matches!(
        verify_checkpoint(note.as_bytes(), &other),
        Err(LedgerError::NotSignedByKey { .. })
    ));
    // Other name: likewise.
    let renamed = NoteSigner::new("other.example", &seed())
        .unwrap()
        .verifier_key();
    assert!(matches!(
        verify_checkpoint(note.as_bytes(), &renamed),
        Err(LedgerError::NotSignedByKey { .. })
    ));
}

#[test]
fn a_signature_that_claims_our_key_id_must_verify() {
    // A forged line with our name and key id but another key's signature.
    let ours = signer();
    let forger = NoteSigner::new(ORIGIN, &[9; 32]).unwrap();
    let body = checkpoint().to_body().unwrap();
    let forged = forger.sign_note(&body).unwrap();
    let (_, sig_b64) = forged.trim_end().rsplit_once(' ').unwrap();
    let mut blob = BASE64.decode(sig_b64).unwrap();
    blob[..4].copy_from_slice(&ours.key_id().to_be_bytes());
    let note = format!("{body}\n\u{2014} {ORIGIN} {}\n", BASE64.encode(blob));
    assert!(matches!(
        verify_checkpoint(note.as_bytes(), &ours.verifier_key()),
        Err(LedgerError::BadSignature { .. })
    ));
}

#[test]
fn other_signatures_are_ignored() {
    // A witness cosignature (another name) before and after ours.
    let ours = signer().sign_checkpoint(&checkpoint()).unwrap();
    let witness = NoteSigner::new("witness.example", &[3; 32]).unwrap();
    let witness_line = witness
        .sign_note(&checkpoint().to_body().unwrap())
        .unwrap()
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    let (body, our_line) = ours.rsplit_once("\n\n").unwrap();
    let note = format!("{body}\n\n{witness_line}{our_line}{witness_line}");
    let got = verify_checkpoint(note.as_bytes(), &signer().verifier_key()).unwrap();
    assert_eq!(got, checkpoint());
}

#[test]
fn origin_must_be_the_key_name() {
    let signer = signer();
    let elsewhere = Checkpoint::new("elsewhere.example", 8, Hash::from_hex(ROOTS[8]).unwrap());
    assert!(matches!(
        signer.sign_checkpoint(&elsewhere),
        Err(LedgerError::OriginMismatch { .. })
    ));
    // Signed as a plain note, it still is not a checkpoint of this log.
    let note = signer.sign_note(&elsewhere.to_body().unwrap()).unwrap();
    assert!(matches!(
        verify_checkpoint(note.as_bytes(), &signer.verifier_key()),
        Err(LedgerError::OriginMismatch { .. })
    ));
}

#[test]
fn malformed_notes_are_refused() {
    let key = signer().verifier_key();
    let note = signer().sign_checkpoint(&checkpoint()).unwrap();
    let cases: Vec<(&str, String)> = vec![
        (
            "no trailing newline",
            note.trim_end_matches('\n').to_owned(),
        ),
        ("no blank line", note.replacen("\n\n", "\n", 1)),
        (
            "control character",
            note.replacen("ledger", "led\u{7}ger", 1),
        ),
        ("hyphen for em dash", note.replace('\u{2014}', "-")),
        ("empty", String::new()),
        (
            "too many signatures",
            format!(
                "{}{}",
                note,
                note.rsplit_once("\n\n").unwrap().1.repeat(100)
            ),
        ),
    ];
    for (what, bad) in cases {
        assert!(
            verify_checkpoint(bad.as_bytes(), &key).is_err(),
            "{what} was accepted"
        );
    }
    assert!(verify_checkpoint(&[0xff, 0xfe, b'\n', b'\n'], &key).is_err());
    assert!(verify_checkpoint(&vec![b'a'; 1_000_001], &key).is_err());
}

#[test]
fn checkpoint_bodies() {
    let body = checkpoint().to_body().unwrap();
    assert_eq!(
        body,
        format!(
            "{ORIGIN}\n8\n{}\n",
            Hash::from_hex(ROOTS[8]).unwrap().to_base64()
        )
    );
    assert_eq!(Checkpoint::parse_body(&body).unwrap(), checkpoint());

    let mut extended = checkpoint();
    extended.extensions = vec!["Timestamp: 1".into(), "x".into()];
    let text = extended.to_body().unwrap();
    assert!(text.ends_with("\nTimestamp: 1\nx\n"));
    assert_eq!(Checkpoint::parse_body(&text).unwrap(), extended);

    let root = checkpoint().root.to_base64();
    for bad in [
        format!("{ORIGIN}\n08\n{root}\n"),
        format!("{ORIGIN}\n-8\n{root}\n"),
        format!("{ORIGIN}\n8\n{root}"),
        format!("{ORIGIN}\n8\n{}\n", &root[..40]),
        format!("\n8\n{root}\n"),
        format!("{ORIGIN}\n8\n{root}\n\n"),
    ] {
        assert!(
            Checkpoint::parse_body(&bad).is_err(),
            "{bad:?} was accepted"
        );
    }
    let mut newline_origin = checkpoint();
    newline_origin.origin = "a\nb".into();
    assert!(newline_origin.to_body().is_err());
}

#[test]
fn verifier_keys() {
    let key = signer().verifier_key();
    let text = key.to_string();
    assert_eq!(VerifierKey::parse(&text).unwrap(), key);
    assert_eq!(
        text.parse::<VerifierKey>().unwrap().public_key(),
        key.public_key()
    );
    assert_eq!(key.key_id(), key_id(ORIGIN, &key.public_key()));

    let (name, rest) = text.split_once('+').unwrap();
    let (id, b64) = rest.split_once('+').unwrap();
    let raw = BASE64.decode(b64).unwrap();
    let with_alg = |alg: u8| {
        let mut bytes = raw.clone();
        bytes[0] = alg;
        BASE64.encode(bytes)
    };
    let wrong_id = format!("{:08x}", key.key_id() ^ 1);
    let cases = [
        ("wrong key id", format!("{name}+{wrong_id}+{b64}")),
        ("short id", format!("{name}+{}+{b64}", &id[1..])),
        ("id not hex", format!("{name}+zzzzzzzz+{b64}")),
        ("other algorithm", format!("{name}+{id}+{}", with_alg(0x02))),
        (
            "short key",
            format!("{name}+{id}+{}", BASE64.encode(&raw[..32])),
        ),
        ("not base64", format!("{name}+{id}+{}!", &b64[1..])),
        ("no name", format!("+{id}+{b64}")),
        ("space in name", format!("a b+{id}+{b64}")),
        ("missing parts", name.to_owned()),
    ];
    for (what, bad) in cases {
        assert!(
            VerifierKey::parse(&bad).is_err(),
            "{what}: {bad} was accepted"
        );
    }
    assert!(matches!(
        VerifierKey::parse(&format!("{name}+{id}+{}", with_alg(0x02))),
        Err(LedgerError::UnsupportedKeyAlgorithm(0x02))
    ));
    assert!(matches!(
        VerifierKey::parse(&format!("{name}+{wrong_id}+{b64}")),
        Err(LedgerError::KeyIdMismatch)
    ));
    // The identity point is a valid encoding of a small-order key: refused.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(VerifierKey::new(ORIGIN, &identity).is_err());
    assert!(NoteSigner::new("has+plus", &seed()).is_err());
    assert!(NoteSigner::new("", &seed()).is_err());
}

#[test]
fn the_seed_stays_out_of_debug_output() {
    let shown = format!("{:?}", signer());
    assert!(shown.contains("redacted"));
    assert!(!shown.contains(&hex::encode(seed())));
    assert!(!shown.contains("0, 1, 2, 3"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_then_verify_and_any_changed_byte_fails(
        seed in any::<[u8; 32]>(),
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        at in any::<usize>(),
        xor in 1u8..=255,
    ) {
        let signer = NoteSigner::new(ORIGIN, &seed).unwrap();
        let key = VerifierKey::parse(&signer.verifier_key().to_string()).unwrap();
        let checkpoint = Checkpoint::new(ORIGIN, size, Hash(root));
        let note = signer.sign_checkpoint(&checkpoint).unwrap();
        prop_assert_eq!(verify_checkpoint(note.as_bytes(), &key).unwrap(), checkpoint);

        let mut bytes = note.into_bytes();
        let at = at % bytes.len();
        bytes[at] ^= xor;
        prop_assert!(verify_checkpoint(&bytes, &key).is_err());
    }
}
