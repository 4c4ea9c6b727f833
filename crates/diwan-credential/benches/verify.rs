//! Certificate verifications (and signatures) per second on one core.
//!
//! `cargo bench -p diwan-credential` measures; under `cargo test --benches` it runs a few
//! iterations only, as a smoke test. Target: at least 20,000 verifications/s on one core.

use std::collections::BTreeMap;
use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use diwan_credential::{
    CertificateClaims, FieldValue, HolderIdHash, KeySet, SigningKey, Title, sign, verify,
};

const T0: i64 = 1_767_225_600;

fn main() -> Result<(), Box<dyn Error>> {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { 5 } else { 1 };
    let per_round = if measuring { 20_000 } else { 20 };

    let old = SigningKey::from_bytes(&[1; 32]);
    let current = SigningKey::from_bytes(&[2; 32]);
    let keys = KeySet::new(vec![
        old.public_key(T0 - 365 * 86_400, Some(T0))?,
        current.public_key(T0, None)?,
    ])?;
    let claims = typical_claims()?;
    let payload = sign(&claims, &current)?;
    verify(&payload, &keys, T0)?;

    let mut best_verify = Duration::MAX;
    let mut best_sign = Duration::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            let ok = verify(black_box(&payload), black_box(&keys), black_box(T0)).is_ok();
            black_box(ok);
        }
        best_verify = best_verify.min(start.elapsed());

        let start = Instant::now();
        for _ in 0..per_round / 4 {
            black_box(sign(black_box(&claims), black_box(&current))?);
        }
        best_sign = best_sign.min(start.elapsed() * 4);
    }
    // Where the time goes: the Ed25519 check alone, and base45 + inflate alone.
    let secret = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
    let public = secret.verifying_key();
    let message = [7u8; 300];
    let signature = ed25519_dalek::Signer::sign(&secret, &message);
    let body = payload.trim_start_matches("DW1:");
    let mut best_ed = Duration::MAX;
    let mut best_unwrap = Duration::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            black_box(
                ed25519_dalek::Verifier::verify(
                    &public,
                    black_box(&message),
                    black_box(&signature),
                )
                .is_ok(),
            );
        }
        best_ed = best_ed.min(start.elapsed());
        let start = Instant::now();
        for _ in 0..per_round {
            let bytes = base45::decode(black_box(body))?;
            black_box(miniz_oxide::inflate::decompress_to_vec_zlib(&bytes).ok());
        }
        best_unwrap = best_unwrap.min(start.elapsed());
    }
    let each = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(per_round);
    println!(
        "  of which: Ed25519 verify alone {:.1} µs, base45 + inflate {:.1} µs",
        each(best_ed),
        each(best_unwrap)
    );
    let rate = |d: Duration| f64::from(per_round) / d.as_secs_f64();
    println!(
        "payload: {} characters; verify: {:.0}/s ({:.1} µs each); sign: {:.0}/s (best of {rounds} rounds of {per_round}, one thread)",
        payload.len(),
        rate(best_verify),
        best_verify.as_secs_f64() * 1e6 / f64::from(per_round),
        rate(best_sign),
    );
    Ok(())
}

fn typical_claims() -> Result<CertificateClaims, Box<dyn Error>> {
    let fields: BTreeMap<String, FieldValue> = [
        ("child_name", "ياسمين أحمد محمود"),
        ("birth_date", "2025-11-03"),
        ("birth_place", "القاهرة"),
        ("father_name", "أحمد محمود علي"),
        ("mother_name", "منى حسن إبراهيم"),
        ("sex", "female"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), FieldValue::Text(v.to_owned())))
    .collect();
    Ok(CertificateClaims {
        issuer: "EG".to_owned(),
        issued_at: T0,
        expires_at: Some(T0 + 90 * 86_400),
        certificate_id: "CRT-2026-000123".to_owned(),
        service_id: "birth_certificate".to_owned(),
        service_version: 3,
        holder_name: "أحمد محمود علي حسن".to_owned(),
        holder_id_hash: HolderIdHash::compute(&[9; 32], "28501011234567")?,
        fields,
        title: Some(Title {
            ar: "شهادة ميلاد".to_owned(),
            en: "Birth certificate".to_owned(),
        }),
    })
}
