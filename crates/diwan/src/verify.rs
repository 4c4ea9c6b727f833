//! `diwan verify PAYLOAD --keys FILE [--at UNIX_SECONDS]`: checks a certificate offline, with
//! nothing but the payload, the published key set and a time (docs/design/certificate.md).
//!
//! Exit codes: 0 the certificate is valid, 2 it is not (the crate's stable code and its Arabic
//! and English messages are printed), 1 the check could not run (unreadable key set or input).
//! Revocation is not knowable offline, and the output says so.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use diwan_credential::{KeySet, VerifiedCertificate, VerifyError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const EXIT_INVALID: u8 = 2;

/// `payload` is the `DW1:` text, or `-` to read it from standard input; `now` is Unix seconds.
pub fn run(payload: &str, keys_file: &Path, now: i64) -> anyhow::Result<ExitCode> {
    let keys_text = std::fs::read_to_string(keys_file)
        .with_context(|| format!("reading the key set {}", keys_file.display()))?;
    let keys = KeySet::from_json(&keys_text)
        .with_context(|| format!("the key set {} is not usable", keys_file.display()))?;
    let payload = if payload == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the payload from standard input")?;
        text
    } else {
        payload.to_owned()
    };
    // A payload pasted or piped often ends with a line break; the crate trims breaks and tabs
    // but never spaces (space is a base45 digit), so only surrounding line ends go here.
    let payload = payload.trim_matches(['\r', '\n']);

    match diwan_credential::verify(payload, &keys, now) {
        Ok(certificate) => {
            println!("valid certificate / شهادة صحيحة");
            print_claims(&certificate);
            println!(
                "signature valid; revocation can only be checked online at /verify \
                 (التوقيع صحيح؛ لا يمكن التحقق من الإلغاء إلا عبر الإنترنت في /verify)"
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!("invalid certificate / شهادة غير صحيحة: {}", error.code());
            println!("  {}", error.message_ar());
            println!("  {}", error.message_en());
            println!("  detail: {}", printable(&error.to_string()));
            // An expired certificate is authentic, only out of date: what it states is still
            // worth showing, clearly under the failure.
            if let VerifyError::Expired { certificate, .. } = &error {
                println!("the claims below are authentic but no longer valid:");
                print_claims(certificate);
            }
            Ok(ExitCode::from(EXIT_INVALID))
        }
    }
}

fn print_claims(certificate: &VerifiedCertificate) {
    let claims = &certificate.claims;
    if let Some(title) = &claims.title {
        line(
            "Title / العنوان",
            &format!("{} / {}", printable(&title.ar), printable(&title.en)),
        );
    }
    line("Holder / صاحب الشهادة", &printable(&claims.holder_name));
    line(
        "Holder ID hash / بصمة رقم الهوية",
        &claims.holder_id_hash.to_string(),
    );
    line(
        "Certificate ID / رقم الشهادة",
        &printable(&claims.certificate_id),
    );
    line(
        "Service / الخدمة",
        &format!(
            "{} (version {})",
            printable(&claims.service_id),
            claims.service_version
        ),
    );
    line("Issuer / جهة الإصدار", &printable(&claims.issuer));
    line("Issued at / تاريخ الإصدار", &when(claims.issued_at));
    line(
        "Expires at / تاريخ الانتهاء",
        &claims
            .expires_at
            .map_or_else(|| "never / لا تنتهي".to_owned(), when),
    );
    line("Signing key / مفتاح التوقيع", &certificate.kid.to_string());
    if !claims.fields.is_empty() {
        // Labels live in the service definition, which an offline verifier does not have:
        // field ids are shown as they are.
        println!("  Fields / البيانات:");
        for (id, value) in &claims.fields {
            println!("    {}: {}", printable(id), printable(&value.to_string()));
        }
    }
}

fn line(label: &str, value: &str) {
    println!("  {label}: {value}");
}

/// RFC 3339 with the Unix seconds beside it (the payload's own unit).
fn when(seconds: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
    {
        Some(text) => format!("{text} ({seconds})"),
        None => seconds.to_string(),
    }
}

/// Control characters and bidi controls shown escaped: text from a payload must not move the
/// terminal's cursor or reorder what the reader sees around it.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The marks and embeddings/overrides/isolates of the Unicode bidirectional algorithm.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_controls_and_bidi_but_keeps_arabic() {
        assert_eq!(printable("منى حسن"), "منى حسن");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn times_show_rfc3339_and_seconds() {
        assert_eq!(when(1_767_225_600), "2026-01-01T00:00:00Z (1767225600)");
        assert_eq!(when(i64::MAX), i64::MAX.to_string());
    }
}
