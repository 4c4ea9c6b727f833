//! The service-definition files exactly as written, with the byte span of every item so a
//! problem can be reported at its line. Nothing here is checked yet; see `load.rs`.

use serde::Deserialize;
use toml::Spanned;

use crate::text::Text;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgencies {
    #[serde(default)]
    pub agency: Vec<Spanned<RawAgency>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgency {
    pub id: Spanned<String>,
    pub name: Spanned<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService<W> {
    pub id: Spanned<String>,
    pub version: Spanned<i64>,
    pub agency: Spanned<String>,
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    pub reference_prefix: Spanned<String>,
    pub name: Spanned<Text>,
    pub description: Spanned<Text>,
    /// Words people use for the service besides its name; used only by search.
    #[serde(default)]
    pub keywords: Option<Spanned<RawKeywords>>,
    #[serde(default)]
    pub processing_time: Option<Spanned<Text>>,
    pub fee: Spanned<RawFee>,
    #[serde(default)]
    pub fields: Vec<Spanned<RawField>>,
    #[serde(default)]
    pub documents: Vec<Spanned<RawDocument>>,
    /// A string names a shared workflow (`workflows/<id>.toml`); a table is written inline.
    pub workflow: Spanned<W>,
    #[serde(default)]
    pub certificate: Option<Spanned<RawCertificate>>,
}

/// `elsewhere.toml`: what people ask for that this catalogue does not serve.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawElsewhere {
    #[serde(default)]
    pub service: Vec<Spanned<RawElsewhereService>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawElsewhereService {
    pub id: Spanned<String>,
    pub name: Spanned<Text>,
    /// Where the citizen gets it instead.
    #[serde(rename = "where")]
    pub done_at: Spanned<Text>,
    #[serde(default)]
    pub keywords: Option<Spanned<RawKeywords>>,
}

/// `keywords = { ar = [...], en = [...] }`: either list may be left out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeywords {
    #[serde(default)]
    pub ar: Vec<Spanned<String>>,
    #[serde(default)]
    pub en: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFee {
    /// An integer or a decimal string ("8.85"): money is never a float.
    pub amount: Spanned<toml::Value>,
    pub currency: Spanned<String>,
    #[serde(default)]
    pub note: Option<Spanned<Text>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub field_type: Spanned<String>,
    #[serde(default)]
    pub required: bool,
    pub label: Spanned<Text>,
    #[serde(default)]
    pub help: Option<Spanned<Text>>,
    #[serde(default)]
    pub min_length: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_length: Option<Spanned<i64>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub pattern_message: Option<Spanned<Text>>,
    /// A number for `number` fields, a date (`2000-01-31` or `"today"`) for `date` fields.
    #[serde(default)]
    pub min: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub max: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub integer: Option<Spanned<bool>>,
    #[serde(default)]
    pub options: Option<Spanned<Vec<Spanned<RawOption>>>>,
    #[serde(default)]
    pub accept: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub max_size_kb: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub value: Spanned<String>,
    pub label: Spanned<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDocument {
    pub id: Spanned<String>,
    pub name: Spanned<Text>,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub field: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflow {
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    pub initial: Spanned<String>,
    #[serde(default)]
    pub roles: Vec<Spanned<String>>,
    #[serde(default)]
    pub issue_certificate_in: Option<Spanned<String>>,
    #[serde(default)]
    pub states: Vec<Spanned<RawState>>,
    #[serde(default)]
    pub transitions: Vec<Spanned<RawTransition>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    pub id: Spanned<String>,
    pub label: Spanned<Text>,
    #[serde(default)]
    pub terminal: bool,
    #[serde(default)]
    pub outcome: Option<Spanned<String>>,
    #[serde(default)]
    pub sla_hours: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransition {
    pub action: Spanned<String>,
    pub label: Spanned<Text>,
    pub from: Spanned<Vec<String>>,
    pub to: Spanned<String>,
    pub roles: Spanned<Vec<String>>,
    #[serde(default)]
    pub comment_required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertificate {
    pub title: Spanned<Text>,
    #[serde(default)]
    pub validity_days: Option<Spanned<i64>>,
    /// The `text` field holding the holder's name. Required; optional here so that its
    /// absence is reported by `diwan check` with a line, not as a syntax error.
    #[serde(default)]
    pub holder_name: Option<Spanned<String>>,
    /// The `national_id` field identifying the holder; absent when the holder is the applicant.
    #[serde(default)]
    pub holder_id: Option<Spanned<String>>,
    #[serde(default)]
    pub claims: Vec<Spanned<String>>,
}
