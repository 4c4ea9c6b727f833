//! Certificates anyone can verify offline: the claims a certificate states, their CWT encoding,
//! the COSE_Sign1 Ed25519 signature with the key id in the protected header, the QR payload
//! (`DW1:` + base45(zlib(COSE))), key ids, the published key set with validity windows for key
//! rotation, and verification with one distinct, bilingual error per way a payload can fail.
//! The format is specified in `docs/design/certificate.md`.
//!
//! Architecture invariant: this crate does no IO. No clock (the caller passes "now" in), no
//! randomness (signing keys come in as bytes; Ed25519 signing is deterministic), no files, no
//! network, no environment. Revocation is not here: the server looks up
//! [`VerifiedCertificate::certificate_id`] in its store.

mod claims;
mod error;
mod keys;
mod payload;

pub use claims::{CertificateClaims, DIWAN_CLAIM, FieldValue, HolderIdHash, Title};
pub use error::{KeySetError, SignError, VerifiedCertificate, VerifyError};
pub use keys::{KeySet, Kid, PublicKey, SigningKey};
pub use payload::{
    CLOCK_SKEW_SECONDS, FORMAT_VERSION, MAX_COSE_BYTES, MAX_PAYLOAD_CHARS, PREFIX, sign, verify,
};
