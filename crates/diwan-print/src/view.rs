//! What a printed certificate shows, as plain strings the server fills in.

/// A text in Arabic and English, as the catalogue and the agency list carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bilingual {
    pub ar: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(ar: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ar: ar.into(),
            en: en.into(),
        }
    }
}

/// One labelled value of the certificate, in the order the service lists its claims.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    pub label: Bilingual,
    /// As it should be printed: Arabic, Latin or digits, or a mix. A value starting with an
    /// Arabic letter reads right to left; numbers, dates and references inside it stay left to
    /// right, as the Unicode bidirectional algorithm orders them.
    pub value: String,
}

impl Field {
    pub fn new(label: Bilingual, value: impl Into<String>) -> Self {
        Self {
            label,
            value: value.into(),
        }
    }
}

/// Everything printed on a certificate. Nothing here is computed by this crate: dates come
/// formatted, labels come from the service definition, and the payload is the signed `DW1:`
/// text, so the paper shows exactly what the server decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateView {
    /// The issuing agency.
    pub agency: Bilingual,
    /// The service, which is the certificate's title ("Birth certificate").
    pub service: Bilingual,
    /// The certificate id, printed left to right.
    pub certificate_id: String,
    /// The issue date, formatted by the caller (e.g. `2026-11-28`), printed left to right.
    pub issued_on: String,
    /// The expiry date, formatted like `issued_on`; `None` when the certificate does not expire.
    pub expires_on: Option<String>,
    /// The holder's name as registered.
    pub holder_name: String,
    /// The certificate's values with their labels.
    pub fields: Vec<Field>,
    /// The signed payload (`DW1:` + base45), drawn as the QR code.
    pub payload: String,
    /// Where to check the certificate, e.g. `https://diwan.example.gov/verify`.
    pub verify_url: String,
}
