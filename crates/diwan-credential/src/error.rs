//! Errors. Three enums rather than one, because three different people meet them: a verifier
//! (every [`VerifyError`] has a stable code and Arabic and English text for the verify page),
//! the issuer ([`SignError`]: a bug or bad configuration) and the operator publishing keys
//! ([`KeySetError`]).

use crate::claims::CertificateClaims;
use crate::keys::Kid;

/// Why a payload is not a valid certificate. `code()` is stable; the messages are for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a Diwan certificate: the payload does not start with DW<version>:")]
    BadPrefix,
    #[error("unsupported certificate format version {0}")]
    UnsupportedVersion(u32),
    #[error("the payload is too large")]
    TooLarge,
    #[error("the payload is not valid base45")]
    NotBase45,
    #[error("the payload is not a valid zlib stream")]
    NotZlib,
    #[error("not a Diwan COSE_Sign1 structure: {0}")]
    NotCose(String),
    #[error("unsupported signature algorithm")]
    UnsupportedAlgorithm,
    #[error("unknown key {0}")]
    UnknownKey(Kid),
    #[error("the header names key {kid} but the signature is by key {signed_by}")]
    KeyIdMismatch { kid: Kid, signed_by: Kid },
    #[error("bad signature")]
    BadSignature,
    #[error("malformed claims: {0}")]
    MalformedClaims(String),
    #[error("key {kid} was not valid at the issue time {issued_at}")]
    KeyNotValidAt { kid: Kid, issued_at: i64 },
    #[error("issued in the future ({issued_at})")]
    NotYetValid { issued_at: i64 },
    #[error("expired at {expires_at}")]
    Expired {
        expires_at: i64,
        /// The certificate is authentic, only out of date: its claims are still worth showing.
        certificate: Box<VerifiedCertificate>,
    },
}

impl VerifyError {
    /// A stable `snake_case` code for APIs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::BadPrefix => "bad_prefix",
            VerifyError::UnsupportedVersion(_) => "unsupported_version",
            VerifyError::TooLarge => "too_large",
            VerifyError::NotBase45 => "not_base45",
            VerifyError::NotZlib => "not_zlib",
            VerifyError::NotCose(_) => "not_cose",
            VerifyError::UnsupportedAlgorithm => "unsupported_algorithm",
            VerifyError::UnknownKey(_) => "unknown_key",
            VerifyError::KeyIdMismatch { .. } => "key_id_mismatch",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::MalformedClaims(_) => "malformed_claims",
            VerifyError::KeyNotValidAt { .. } => "key_not_valid_at",
            VerifyError::NotYetValid { .. } => "not_yet_valid",
            VerifyError::Expired { .. } => "expired",
        }
    }

    /// The message for a person, in Arabic.
    pub fn message_ar(&self) -> &'static str {
        match self {
            VerifyError::BadPrefix => "هذا ليس رمز شهادة صادرة من ديوان.",
            VerifyError::UnsupportedVersion(_) => {
                "هذه الشهادة بإصدار لا يدعمه برنامج التحقق هذا. يُرجى تحديث برنامج التحقق."
            }
            VerifyError::TooLarge => "رمز الشهادة أطول من أن يكون رمز شهادة سليمًا.",
            VerifyError::NotBase45 => {
                "رمز الشهادة يحتوي على رموز غير صالحة؛ ربما نُسخ ناقصًا أو فيه خطأ."
            }
            VerifyError::NotZlib => "رمز الشهادة تالف: تعذّر فك ضغطه.",
            VerifyError::NotCose(_) => "رمز الشهادة تالف: بنيته الموقّعة غير صالحة.",
            VerifyError::UnsupportedAlgorithm => "الشهادة موقّعة بخوارزمية لا يستخدمها ديوان.",
            VerifyError::UnknownKey(_) => "الشهادة موقّعة بمفتاح ليس من المفاتيح المنشورة.",
            VerifyError::KeyIdMismatch { .. } => {
                "مُعرِّف مفتاح التوقيع في الشهادة غُيِّر: الشهادة معدَّلة."
            }
            VerifyError::BadSignature => "التوقيع غير مطابق: الشهادة معدَّلة أو مزوَّرة.",
            VerifyError::MalformedClaims(_) => "محتوى الشهادة ليس بالشكل المتوقع.",
            VerifyError::KeyNotValidAt { .. } => {
                "مفتاح التوقيع لم يكن معتمدًا في تاريخ إصدار الشهادة."
            }
            VerifyError::NotYetValid { .. } => {
                "تاريخ إصدار الشهادة في المستقبل؛ تحقّق من ضبط ساعة الجهاز."
            }
            VerifyError::Expired { .. } => "انتهت صلاحية هذه الشهادة.",
        }
    }

    /// The message for a person, in English.
    pub fn message_en(&self) -> &'static str {
        match self {
            VerifyError::BadPrefix => "This is not a Diwan certificate code.",
            VerifyError::UnsupportedVersion(_) => {
                "This certificate uses a format this verifier does not support. Please update the verifier."
            }
            VerifyError::TooLarge => "The certificate code is too long to be a genuine one.",
            VerifyError::NotBase45 => {
                "The certificate code contains invalid characters; it may be incomplete or mistyped."
            }
            VerifyError::NotZlib => "The certificate code is damaged: it cannot be decompressed.",
            VerifyError::NotCose(_) => {
                "The certificate code is damaged: its signed structure is invalid."
            }
            VerifyError::UnsupportedAlgorithm => {
                "The certificate is signed with an algorithm Diwan does not use."
            }
            VerifyError::UnknownKey(_) => {
                "The certificate is signed with a key that is not among the published keys."
            }
            VerifyError::KeyIdMismatch { .. } => {
                "The certificate's signing key identifier was changed: the certificate has been altered."
            }
            VerifyError::BadSignature => {
                "The signature does not match: the certificate has been altered or forged."
            }
            VerifyError::MalformedClaims(_) => {
                "The certificate's content is not in the expected form."
            }
            VerifyError::KeyNotValidAt { .. } => {
                "The signing key was not in use on the certificate's issue date."
            }
            VerifyError::NotYetValid { .. } => {
                "The certificate's issue date is in the future; check this device's clock."
            }
            VerifyError::Expired { .. } => "This certificate has expired.",
        }
    }
}

/// A certificate whose signature, key and dates all checked out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedCertificate {
    /// The key that signed it.
    pub kid: Kid,
    pub claims: CertificateClaims,
}

impl VerifiedCertificate {
    /// The id to look up revocation by.
    pub fn certificate_id(&self) -> &str {
        &self.claims.certificate_id
    }
}

/// Why a certificate could not be signed: a bug or bad configuration at the issuer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("invalid claims: {0}")]
    InvalidClaims(String),
    #[error("the certificate would be too large to verify")]
    TooLarge,
    #[error("encoding failed: {0}")]
    Encoding(String),
    #[error("the holder id secret is shorter than 16 bytes")]
    WeakHolderKey,
}

/// Why a key set (or one key) was refused. Each names the key by its kid as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    #[error("the key set is not valid JSON of the expected shape: {0}")]
    Json(String),
    #[error("key {0}: only kty OKP, crv Ed25519, alg EdDSA are supported")]
    Unsupported(String),
    #[error("key {0}: x is not a usable Ed25519 public key (32 bytes, base64url)")]
    BadKey(String),
    #[error("key {0}: kid does not match the key (first 8 bytes of its RFC 7638 thumbprint)")]
    KidMismatch(String),
    #[error("key {0}: valid_from or valid_until is not an RFC 3339 time in whole seconds")]
    BadTime(String),
    #[error("key {0}: valid_until is not after valid_from")]
    BadWindow(String),
    #[error("two keys share kid {0}")]
    DuplicateKid(String),
}
