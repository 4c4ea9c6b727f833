//! The payload: `DW1:` + base45(zlib(tagged COSE_Sign1)) — signing and verifying.

use coset::iana::{self, EnumI64 as _};
use coset::{
    CoseSign1, CoseSign1Builder, HeaderBuilder, RegisteredLabelWithPrivate,
    TaggedCborSerializable as _,
};
use ed25519_dalek::{Signature, Signer as _, Verifier as _, VerifyingKey};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use crate::claims::CertificateClaims;
use crate::error::{SignError, VerifiedCertificate, VerifyError};
use crate::keys::{KeySet, Kid, PublicKey, SigningKey};

/// The format this crate signs.
pub const FORMAT_VERSION: u32 = 1;
/// The prefix of every payload this crate signs.
pub const PREFIX: &str = "DW1:";
/// The longest payload text accepted (a QR code holds at most 4,296 alphanumeric characters).
pub const MAX_PAYLOAD_CHARS: usize = 8192;
/// The most bytes a payload may inflate to: the cap that defeats zip bombs.
pub const MAX_COSE_BYTES: usize = 64 * 1024;
/// How far in the future an issue time may be, for verifiers whose clocks run slow.
pub const CLOCK_SKEW_SECONDS: i64 = 300;

/// At most this many other keys are tried to tell a changed key id from a bad signature.
const MAX_KEYS_TRIED: usize = 16;

/// Signs `claims` with `key` and returns the payload text (`DW1:…`) for the QR code.
/// Deterministic: the same key and claims give the same payload.
pub fn sign(claims: &CertificateClaims, key: &SigningKey) -> Result<String, SignError> {
    claims.check().map_err(SignError::InvalidClaims)?;
    let cwt = claims.to_cwt(FORMAT_VERSION)?;
    let sign1 = CoseSign1Builder::new()
        .protected(protected_header(key.kid()))
        .payload(cwt)
        .create_signature(b"", |tbs| key.key.sign(tbs).to_bytes().to_vec())
        .build();
    let cose = sign1
        .to_tagged_vec()
        .map_err(|e| SignError::Encoding(e.to_string()))?;
    if cose.len() > MAX_COSE_BYTES {
        return Err(SignError::TooLarge);
    }
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&cose, 9);
    let payload = format!("{PREFIX}{}", base45::encode(compressed));
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(SignError::TooLarge);
    }
    Ok(payload)
}

/// Verifies a payload against the published keys at time `now` (Unix seconds).
///
/// Line breaks and tabs around the payload are ignored; spaces are not (space is a base45
/// digit). Revocation is not checked here: look up [`VerifiedCertificate::certificate_id`].
pub fn verify(payload: &str, keys: &KeySet, now: i64) -> Result<VerifiedCertificate, VerifyError> {
    let payload = payload.trim_matches(['\r', '\n', '\t']);
    let (version, body) = split_prefix(payload)?;
    if version != FORMAT_VERSION {
        return Err(VerifyError::UnsupportedVersion(version));
    }
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(VerifyError::TooLarge);
    }
    let compressed = base45::decode(body).map_err(|_| VerifyError::NotBase45)?;
    let cose = inflate(&compressed)?;

    let sign1 =
        CoseSign1::from_tagged_slice(&cose).map_err(|e| VerifyError::NotCose(e.to_string()))?;
    let kid = check_headers(&sign1)?;
    let cwt = sign1
        .payload
        .as_deref()
        .ok_or_else(|| VerifyError::NotCose("no payload".to_owned()))?;
    let key = keys.get(&kid).ok_or(VerifyError::UnknownKey(kid))?;
    let signature = <[u8; 64]>::try_from(sign1.signature.as_slice())
        .map(|bytes| Signature::from_bytes(&bytes))
        .map_err(|_| VerifyError::BadSignature)?;
    if !signature_holds(key.verifying_key(), &sign1.tbs_data(b""), &signature) {
        return Err(match signed_by_another(keys, key, cwt, &signature) {
            Some(signed_by) => VerifyError::KeyIdMismatch { kid, signed_by },
            None => VerifyError::BadSignature,
        });
    }

    let claims = CertificateClaims::from_cwt(cwt, version).map_err(VerifyError::MalformedClaims)?;
    if !key.signs_for(claims.issued_at) {
        return Err(VerifyError::KeyNotValidAt {
            kid,
            issued_at: claims.issued_at,
        });
    }
    if claims.issued_at > now.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(VerifyError::NotYetValid {
            issued_at: claims.issued_at,
        });
    }
    let certificate = VerifiedCertificate { kid, claims };
    match certificate.claims.expires_at {
        Some(expires_at) if now >= expires_at => Err(VerifyError::Expired {
            expires_at,
            certificate: Box::new(certificate),
        }),
        _ => Ok(certificate),
    }
}

/// RFC 8032 Ed25519 verification, cofactorless (as Go and OpenSSL do): S must be canonical
/// (`< L`) and the recomputed R must equal the signature's R byte for byte, so a non-canonical R
/// fails too. Small-order public keys — the case that lets anyone forge — are refused when a
/// [`PublicKey`] is made. Not `verify_strict`: its extra per-call decompression of R costs about
/// a tenth of a verification and only rules out odd signatures that the key's own holder crafts.
fn signature_holds(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    key.verify(message, signature).is_ok()
}

fn protected_header(kid: Kid) -> coset::Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.as_bytes().to_vec())
        .build()
}

/// `DW<version>:` with the version in canonical decimal (no sign, no leading zero).
fn split_prefix(payload: &str) -> Result<(u32, &str), VerifyError> {
    let rest = payload.strip_prefix("DW").ok_or(VerifyError::BadPrefix)?;
    let (digits, body) = rest.split_once(':').ok_or(VerifyError::BadPrefix)?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return Err(VerifyError::BadPrefix);
    }
    let version = digits.parse().map_err(|_| VerifyError::BadPrefix)?;
    Ok((version, body))
}

/// Inflates a zlib stream (checksum checked) of at most [`MAX_COSE_BYTES`], with nothing after it.
fn inflate(compressed: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut state = Box::<DecompressorOxide>::default();
    let mut out = vec![
        0u8;
        compressed
            .len()
            .saturating_mul(4)
            .clamp(1024, MAX_COSE_BYTES)
    ];
    let mut input = compressed;
    let mut written = 0;
    loop {
        let (status, consumed, produced) = decompress(&mut state, input, &mut out, written, flags);
        written += produced;
        input = input.get(consumed..).ok_or(VerifyError::NotZlib)?;
        match status {
            TINFLStatus::Done if input.is_empty() => {
                out.truncate(written);
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput if out.len() < MAX_COSE_BYTES => {
                out.resize(out.len().saturating_mul(2).min(MAX_COSE_BYTES), 0);
            }
            TINFLStatus::HasMoreOutput => return Err(VerifyError::TooLarge),
            _ => return Err(VerifyError::NotZlib),
        }
    }
}

/// Exactly `{alg: EdDSA, kid}` protected and nothing unprotected; returns the kid.
fn check_headers(sign1: &CoseSign1) -> Result<Kid, VerifyError> {
    let not_cose = |why: &str| VerifyError::NotCose(why.to_owned());
    if !sign1.unprotected.is_empty() {
        return Err(not_cose("unprotected header is not empty"));
    }
    let header = &sign1.protected.header;
    let only_alg_and_kid = coset::Header {
        alg: header.alg.clone(),
        key_id: header.key_id.clone(),
        ..coset::Header::default()
    };
    if *header != only_alg_and_kid {
        return Err(not_cose("protected header has more than alg and kid"));
    }
    match &header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(alg))
            if alg.to_i64() == iana::Algorithm::EdDSA.to_i64() => {}
        Some(_) => return Err(VerifyError::UnsupportedAlgorithm),
        None => return Err(not_cose("no alg")),
    }
    let kid = <[u8; Kid::LEN]>::try_from(header.key_id.as_slice())
        .map_err(|_| not_cose("kid is not 8 bytes"))?;
    Ok(Kid::from_bytes(kid))
}

/// When the signature fails under the named key, is it a valid signature by another published
/// key over the same claims? Then the key id was changed, and saying so is clearer.
fn signed_by_another(
    keys: &KeySet,
    named: &PublicKey,
    cwt: &[u8],
    signature: &Signature,
) -> Option<Kid> {
    keys.keys()
        .iter()
        .filter(|k| k.kid() != named.kid())
        .take(MAX_KEYS_TRIED)
        .find(|other| {
            let sign1 = CoseSign1 {
                protected: coset::ProtectedHeader {
                    original_data: None,
                    header: protected_header(other.kid()),
                },
                payload: Some(cwt.to_vec()),
                ..CoseSign1::default()
            };
            signature_holds(other.verifying_key(), &sign1.tbs_data(b""), signature)
        })
        .map(PublicKey::kid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(split_prefix("DW1:ABC"), Ok((1, "ABC")));
        assert_eq!(split_prefix("DW12:"), Ok((12, "")));
        for bad in [
            "", "DW", "DW1", "DW:X", "dw1:X", "DW01:X", "DW-1:X", "DW+1:X", "HC1:X",
        ] {
            assert_eq!(split_prefix(bad), Err(VerifyError::BadPrefix), "{bad}");
        }
        assert_eq!(
            split_prefix("DW99999999999999:X"),
            Err(VerifyError::BadPrefix)
        );
    }

    #[test]
    fn inflate_refuses_trailing_bytes() {
        let mut bytes = miniz_oxide::deflate::compress_to_vec_zlib(b"hello", 9);
        assert_eq!(inflate(&bytes).unwrap(), b"hello");
        bytes.push(0);
        assert_eq!(inflate(&bytes), Err(VerifyError::NotZlib));
    }

    #[test]
    fn inflate_refuses_a_truncated_stream() {
        let bytes = miniz_oxide::deflate::compress_to_vec_zlib(b"hello", 9);
        assert_eq!(
            inflate(&bytes[..bytes.len() - 1]),
            Err(VerifyError::NotZlib)
        );
    }
}
