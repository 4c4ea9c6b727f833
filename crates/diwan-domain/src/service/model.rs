//! The checked, in-memory form of a catalogue: what the rest of Diwan reads. Built only by
//! [`super::load_catalog`], so every value here has passed `diwan check`.

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;
use serde::Serialize;

use crate::text::Text;

/// Every agency and service of one catalogue folder.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub agencies: BTreeMap<String, Agency>,
    pub services: BTreeMap<String, Arc<ServiceDefinition>>,
    /// What people ask for that this catalogue does not serve, and where it is done
    /// (`elsewhere.toml`): search answers "not here, go there" rather than a wrong service.
    pub elsewhere: BTreeMap<String, ElsewhereService>,
}

impl Catalog {
    pub fn service(&self, id: &str) -> Option<&Arc<ServiceDefinition>> {
        self.services.get(id)
    }

    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.get(id)
    }
}

/// A service people look for that is done elsewhere (another portal, an office), not here.
#[derive(Debug, Clone, Serialize)]
pub struct ElsewhereService {
    pub id: String,
    pub name: Text,
    /// Where to go for it, one sentence.
    pub done_at: Text,
    pub keywords: Keywords,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agency {
    pub id: String,
    pub name: Text,
}

/// One government service as a citizen applies for it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDefinition {
    pub id: String,
    pub version: u32,
    pub agency: String,
    pub category: String,
    /// Prefix of the human references of this service's applications (`BC` in `BC-2026-000123`).
    pub reference_prefix: String,
    pub name: Text,
    pub description: Text,
    /// Words people use for the service besides its name, for search.
    pub keywords: Keywords,
    pub processing_time: Option<Text>,
    pub fee: Fee,
    pub fields: Vec<Field>,
    pub documents: Vec<Document>,
    pub workflow: Arc<Workflow>,
    pub certificate: Option<Certificate>,
}

impl ServiceDefinition {
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// What people call a service when they do not know its official name: colloquial words
/// ("فيش" for the criminal record certificate), synonyms, abbreviations. Unlike [`Text`] the
/// two lists are independent, not translations of each other, and either may be empty.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Keywords {
    pub ar: Vec<String>,
    pub en: Vec<String>,
}

/// A fee in the currency's minor units (piastres for EGP), so no amount is ever a float.
#[derive(Debug, Clone, Serialize)]
pub struct Fee {
    pub amount_minor: i64,
    pub currency: String,
    /// The amount as written for people: `45.00`.
    pub amount: String,
    pub note: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    Number,
    Date,
    Choice,
    Boolean,
    Email,
    Phone,
    NationalId,
    File,
}

impl FieldType {
    pub fn parse(s: &str) -> Option<FieldType> {
        Some(match s {
            "text" => FieldType::Text,
            "textarea" => FieldType::Textarea,
            "number" => FieldType::Number,
            "date" => FieldType::Date,
            "choice" => FieldType::Choice,
            "boolean" => FieldType::Boolean,
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "national_id" => FieldType::NationalId,
            "file" => FieldType::File,
            _ => return None,
        })
    }

    pub const ALL: &'static str =
        "text, textarea, number, date, choice, boolean, email, phone, national_id, file";

    /// Types whose value is free text, where length limits and patterns apply.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            FieldType::Text | FieldType::Textarea | FieldType::Email
        )
    }
}

/// A bound on a date field: a fixed day, or "the day of submission".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DateBound {
    #[serde(serialize_with = "serialize_today")]
    Today,
    #[serde(with = "iso_date")]
    Fixed(time::Date),
}

fn serialize_today<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("today")
}

mod iso_date {
    pub fn serialize<S: serde::Serializer>(d: &time::Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        ))
    }
}

impl DateBound {
    pub fn resolve(self, today: time::Date) -> time::Date {
        match self {
            DateBound::Today => today,
            DateBound::Fixed(d) => d,
        }
    }
}

/// A compiled pattern; keeps its source for the API and for messages.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: Regex,
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceOption {
    pub value: String,
    pub label: Text,
}

/// One form field and its constraints. Which constraints apply depends on `field_type`;
/// `diwan check` rejects a constraint on a type it does not fit.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    pub label: Text,
    pub help: Option<Text>,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub pattern: Option<Pattern>,
    /// Message shown when `pattern` does not match (otherwise a generic one).
    pub pattern_message: Option<Text>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Numbers: only whole numbers.
    pub integer: bool,
    pub min_date: Option<DateBound>,
    pub max_date: Option<DateBound>,
    pub options: Vec<ChoiceOption>,
    /// Files: accepted media types.
    pub accept: Vec<String>,
    /// Files: largest accepted size in bytes.
    pub max_size: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: String,
    pub name: Text,
    pub required: bool,
    /// The `file` field through which the document is uploaded, if it is uploaded online.
    pub field: Option<String>,
}

/// The certificate issued when an application reaches the workflow's issuing state.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub title: Text,
    pub validity_days: Option<u32>,
    /// The required `text` field whose value is the holder's name, as printed.
    pub holder_name: String,
    /// The `national_id` field identifying the holder (as a keyed hash, never in clear); `None`
    /// when the holder is the applicant, whose own national ID is then used.
    pub holder_id: Option<String>,
    /// Form fields copied into the certificate's claims: never a file, phone or national-ID
    /// field.
    pub claims: Vec<String>,
}

/// A workflow: states, the transitions between them and who may take each.
#[derive(Debug, Clone, Serialize)]
pub struct Workflow {
    pub id: String,
    pub initial: String,
    pub roles: Vec<String>,
    pub issue_certificate_in: Option<String>,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

impl Workflow {
    pub fn state(&self, id: &str) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Rejected,
    Withdrawn,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "approved" => Outcome::Approved,
            "rejected" => Outcome::Rejected,
            "withdrawn" => Outcome::Withdrawn,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct State {
    pub id: String,
    pub label: Text,
    pub terminal: bool,
    pub outcome: Option<Outcome>,
    /// Service-level target: how long an application may wait in this state.
    pub sla_hours: Option<u32>,
}

/// The role name that means "the citizen who made this application".
pub const CITIZEN_ROLE: &str = "citizen";

#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub action: String,
    pub label: Text,
    pub from: Vec<String>,
    pub to: String,
    pub roles: Vec<String>,
    pub comment_required: bool,
}
