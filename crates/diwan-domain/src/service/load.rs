//! Reads a catalogue folder's files (given as text: this crate does no IO) into a checked
//! [`Catalog`], or every problem found, each with its file and line.
//!
//! A catalogue folder holds `agencies.toml`, `workflows/<id>.toml` (workflows that services
//! share), `services/<id>.toml` (one service each) and, optionally, `elsewhere.toml` (what
//! people ask for that is done elsewhere, for search).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use toml::Spanned;

use super::check_field::compile_field;
use super::check_workflow::compile_workflow;
use super::model::{
    Agency, Catalog, Certificate, Document, ElsewhereService, Fee, FieldType, Keywords,
    ServiceDefinition, Workflow,
};
use super::problem::{Problem, Reporter};
use super::raw::{
    RawAgencies, RawCertificate, RawElsewhere, RawField, RawKeywords, RawService, RawWorkflow,
};

/// What a file in a catalogue folder holds, decided by where it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Agencies,
    Workflow,
    Service,
    Elsewhere,
}

impl SourceKind {
    /// Classifies a path relative to the catalogue folder (with `/` separators).
    pub fn from_relative_path(rel: &str) -> Option<SourceKind> {
        let rel = rel.trim_start_matches("./");
        if rel == "agencies.toml" {
            Some(SourceKind::Agencies)
        } else if rel.starts_with("workflows/") && rel.ends_with(".toml") {
            Some(SourceKind::Workflow)
        } else if rel.starts_with("services/") && rel.ends_with(".toml") {
            Some(SourceKind::Service)
        } else if rel == "elsewhere.toml" {
            Some(SourceKind::Elsewhere)
        } else {
            None
        }
    }
}

/// One file of a catalogue: the path to show in messages, its kind and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub kind: SourceKind,
    pub text: String,
}

impl SourceFile {
    /// The file name without folder and extension: a service's or workflow's expected id.
    fn stem(&self) -> &str {
        let name = self.path.rsplit(['/', '\\']).next().unwrap_or(&self.path);
        name.strip_suffix(".toml").unwrap_or(name)
    }
}

/// Checks a whole catalogue. Returns it only if no problem was found.
pub fn load_catalog(files: &[SourceFile]) -> Result<Catalog, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut catalog = Catalog::default();

    let agency_files: Vec<_> = files
        .iter()
        .filter(|f| f.kind == SourceKind::Agencies)
        .collect();
    if agency_files.is_empty() {
        problems.push(Problem {
            file: "agencies.toml".into(),
            line: 1,
            code: "missing_agencies",
            message: "the catalogue has no agencies.toml".into(),
        });
    }
    for file in agency_files {
        let mut r = Reporter::new(&file.path, &file.text, &mut problems);
        let Some(raw) = parse::<RawAgencies>(&mut r, &file.text) else {
            continue;
        };
        for a in raw.agency {
            let a = a.into_inner();
            if !r.check_id(&a.id, "agency") {
                continue;
            }
            r.check_text(&a.name, &format!("name of agency `{}`", a.id.get_ref()));
            let id = a.id.get_ref().clone();
            if catalog.agencies.contains_key(&id) {
                r.at(
                    a.id.span(),
                    "duplicate_agency",
                    format!("agency `{id}` is declared twice"),
                );
                continue;
            }
            catalog.agencies.insert(
                id.clone(),
                Agency {
                    id,
                    name: a.name.into_inner(),
                },
            );
        }
    }

    let mut workflows: BTreeMap<String, Option<Arc<Workflow>>> = BTreeMap::new();
    for file in files.iter().filter(|f| f.kind == SourceKind::Workflow) {
        let mut r = Reporter::new(&file.path, &file.text, &mut problems);
        let Some(raw) = parse::<RawWorkflow>(&mut r, &file.text) else {
            workflows.insert(file.stem().to_string(), None);
            continue;
        };
        let id = file.stem().to_string();
        if let Some(declared) = &raw.id
            && declared.get_ref() != &id
        {
            r.at(
                declared.span(),
                "id_file_mismatch",
                format!(
                    "workflow id `{}` differs from its file name `{id}.toml`",
                    declared.get_ref()
                ),
            );
        }
        let compiled = compile_workflow(&mut r, id.clone(), raw).map(Arc::new);
        workflows.insert(id, compiled);
    }

    let mut prefixes: BTreeMap<String, String> = BTreeMap::new();
    for file in files.iter().filter(|f| f.kind == SourceKind::Service) {
        let mut r = Reporter::new(&file.path, &file.text, &mut problems);
        let Some(service) = compile_service(&mut r, file, &catalog, &workflows) else {
            continue;
        };
        if let Some(other) = prefixes.insert(service.reference_prefix.clone(), service.id.clone()) {
            r.at(
                0..0,
                "duplicate_reference_prefix",
                format!(
                    "reference prefix `{}` is already used by service `{other}`",
                    service.reference_prefix
                ),
            );
            continue;
        }
        if catalog.services.contains_key(&service.id) {
            r.at(
                0..0,
                "duplicate_service",
                format!("service `{}` is defined twice", service.id),
            );
            continue;
        }
        catalog
            .services
            .insert(service.id.clone(), Arc::new(service));
    }

    for file in files.iter().filter(|f| f.kind == SourceKind::Elsewhere) {
        let mut r = Reporter::new(&file.path, &file.text, &mut problems);
        load_elsewhere(&mut r, &file.text, &mut catalog);
    }

    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// Reads `elsewhere.toml` into `catalog.elsewhere`. An entry may not reuse a service's id:
/// a thing is either served here or done elsewhere.
fn load_elsewhere(r: &mut Reporter<'_>, text: &str, catalog: &mut Catalog) {
    let Some(raw) = parse::<RawElsewhere>(r, text) else {
        return;
    };
    for entry in raw.service {
        let e = entry.into_inner();
        if !r.check_id(&e.id, "elsewhere service") {
            continue;
        }
        let id = e.id.get_ref().clone();
        r.check_text(&e.name, &format!("name of `{id}`"));
        r.check_text(&e.done_at, &format!("`where` of `{id}`"));
        let keywords = e
            .keywords
            .as_ref()
            .map(|k| check_keywords(r, k.get_ref()))
            .unwrap_or_default();
        if catalog.services.contains_key(&id) {
            r.at(
                e.id.span(),
                "elsewhere_is_a_service",
                format!("`{id}` is a service of this catalogue; it cannot also be done elsewhere"),
            );
            continue;
        }
        if catalog.elsewhere.contains_key(&id) {
            r.at(
                e.id.span(),
                "duplicate_elsewhere",
                format!("`{id}` is listed twice in elsewhere.toml"),
            );
            continue;
        }
        catalog.elsewhere.insert(
            id.clone(),
            ElsewhereService {
                id,
                name: e.name.into_inner(),
                done_at: e.done_at.into_inner(),
                keywords,
            },
        );
    }
}

fn parse<T: DeserializeOwned>(r: &mut Reporter<'_>, text: &str) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            r.at(span, "syntax", e.message().trim().to_string());
            None
        }
    }
}

fn compile_service(
    r: &mut Reporter<'_>,
    file: &SourceFile,
    catalog: &Catalog,
    workflows: &BTreeMap<String, Option<Arc<Workflow>>>,
) -> Option<ServiceDefinition> {
    // The workflow is read as a plain value first: a string names a shared workflow, a table
    // is written inline and is then read again with its spans.
    let raw = parse::<RawService<toml::Value>>(r, &file.text)?;
    let workflow = match raw.workflow.get_ref() {
        toml::Value::String(name) => match workflows.get(name) {
            Some(found) => found.clone(),
            None => {
                r.at(
                    raw.workflow.span(),
                    "unknown_workflow",
                    format!("workflow `{name}` is neither inline nor in workflows/{name}.toml"),
                );
                None
            }
        },
        toml::Value::Table(_) => {
            let inline = parse::<InlineWorkflow>(r, &file.text)?;
            compile_workflow(r, raw.id.get_ref().clone(), inline.workflow.into_inner())
                .map(Arc::new)
        }
        _ => {
            r.at(
                raw.workflow.span(),
                "invalid_workflow",
                "`workflow` must name a shared workflow or be a [workflow] table",
            );
            None
        }
    };
    compile_service_body(r, file, catalog, raw, workflow)
}

#[derive(serde::Deserialize)]
struct InlineWorkflow {
    workflow: toml::Spanned<RawWorkflow>,
}

fn compile_service_body(
    r: &mut Reporter<'_>,
    file: &SourceFile,
    catalog: &Catalog,
    raw: RawService<toml::Value>,
    workflow: Option<Arc<Workflow>>,
) -> Option<ServiceDefinition> {
    let before = r.problems.len();
    let id = raw.id.get_ref().clone();
    if r.check_id(&raw.id, "service") && id != file.stem() {
        r.at(
            raw.id.span(),
            "id_file_mismatch",
            format!(
                "service id `{id}` differs from its file name `{}.toml`",
                file.stem()
            ),
        );
    }
    let version = match u32::try_from(*raw.version.get_ref()) {
        Ok(v) if v >= 1 => v,
        _ => {
            r.at(
                raw.version.span(),
                "invalid_version",
                "version must be a whole number from 1",
            );
            0
        }
    };
    if !catalog.agencies.contains_key(raw.agency.get_ref()) {
        r.at(
            raw.agency.span(),
            "unknown_agency",
            format!(
                "agency `{}` is not declared in agencies.toml",
                raw.agency.get_ref()
            ),
        );
    }
    let prefix = raw.reference_prefix.get_ref();
    if !(2..=6).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        r.at(
            raw.reference_prefix.span(),
            "invalid_reference_prefix",
            format!("reference_prefix `{prefix}` must be 2 to 6 capital letters A-Z"),
        );
    }
    if let Some(c) = &raw.category {
        r.check_id(c, "category");
    }
    r.check_text(&raw.name, "service name");
    r.check_text(&raw.description, "service description");
    if let Some(p) = &raw.processing_time {
        r.check_text(p, "processing_time");
    }
    let keywords = raw
        .keywords
        .as_ref()
        .map(|k| check_keywords(r, k.get_ref()))
        .unwrap_or_default();

    let fee = raw.fee.get_ref();
    let amount_minor = match parse_amount(fee.amount.get_ref()) {
        Some(a) => a,
        None => {
            r.at(
                fee.amount.span(),
                "invalid_amount",
                "fee amount must be a non-negative whole number or a decimal string with at most two decimals, like \"8.85\"",
            );
            0
        }
    };
    let currency = fee.currency.get_ref();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        r.at(
            fee.currency.span(),
            "invalid_currency",
            format!("currency `{currency}` must be an ISO 4217 code like EGP"),
        );
    }
    if let Some(n) = &fee.note {
        r.check_text(n, "fee note");
    }

    let mut fields = Vec::new();
    let mut seen_fields = std::collections::BTreeSet::new();
    for raw_field in &raw.fields {
        let f = raw_field.get_ref();
        // Compare written ids, so a duplicate of a field with its own error is still found.
        if !seen_fields.insert(f.id.get_ref().as_str()) {
            r.at(
                f.id.span(),
                "duplicate_field",
                format!("field `{}` is declared twice", f.id.get_ref()),
            );
            continue;
        }
        if let Some(field) = compile_field(r, f) {
            fields.push(field);
        }
    }

    let mut documents: Vec<Document> = Vec::new();
    for raw_doc in &raw.documents {
        let d = raw_doc.get_ref();
        r.check_id(&d.id, "document");
        r.check_text(&d.name, &format!("name of document `{}`", d.id.get_ref()));
        if documents.iter().any(|x| &x.id == d.id.get_ref()) {
            r.at(
                d.id.span(),
                "duplicate_document",
                format!("document `{}` is listed twice", d.id.get_ref()),
            );
            continue;
        }
        if let Some(fid) = &d.field {
            match raw
                .fields
                .iter()
                .find(|f| f.get_ref().id.get_ref() == fid.get_ref())
            {
                None => r.at(
                    fid.span(),
                    "unknown_field",
                    format!(
                        "document `{}` names unknown field `{}`",
                        d.id.get_ref(),
                        fid.get_ref()
                    ),
                ),
                Some(f) if f.get_ref().field_type.get_ref() != "file" => r.at(
                    fid.span(),
                    "document_field_not_file",
                    format!(
                        "document `{}` is uploaded through `{}`, which is not a file field",
                        d.id.get_ref(),
                        fid.get_ref()
                    ),
                ),
                Some(_) => {}
            }
        }
        documents.push(Document {
            id: d.id.get_ref().clone(),
            name: d.name.get_ref().clone(),
            required: d.required,
            field: d.field.as_ref().map(|f| f.get_ref().clone()),
        });
    }

    let issuing = workflow
        .as_ref()
        .and_then(|w| w.issue_certificate_in.clone());
    let certificate = match &raw.certificate {
        None => {
            if issuing.is_some() {
                r.at(
                    raw.workflow.span(),
                    "issuing_state_without_certificate",
                    format!(
                        "the workflow issues a certificate but service `{id}` has no [certificate]"
                    ),
                );
            }
            None
        }
        Some(certificate) => {
            let c = certificate.get_ref();
            let (holder_name, holder_id) = check_holder(r, &raw.fields, certificate);
            r.check_text(&c.title, "certificate title");
            if workflow.is_some() && issuing.is_none() {
                r.at(
                    c.title.span(),
                    "certificate_without_issuing_state",
                    "there is a [certificate] but the workflow has no issue_certificate_in state",
                );
            }
            let validity_days = match &c.validity_days {
                Some(v) => match u32::try_from(*v.get_ref()) {
                    Ok(d) if d >= 1 => Some(d),
                    _ => {
                        r.at(
                            v.span(),
                            "invalid_validity",
                            "validity_days must be a whole number from 1",
                        );
                        None
                    }
                },
                None => None,
            };
            check_claims(r, &raw.fields, &c.claims);
            Some(Certificate {
                title: c.title.get_ref().clone(),
                validity_days,
                holder_name,
                holder_id,
                claims: c.claims.iter().map(|c| c.get_ref().clone()).collect(),
            })
        }
    };

    let workflow = workflow?;
    if r.problems.len() > before {
        return None;
    }
    Some(ServiceDefinition {
        id,
        version,
        agency: raw.agency.into_inner(),
        category: raw
            .category
            .map(|c| c.into_inner())
            .unwrap_or_else(|| "general".into()),
        reference_prefix: raw.reference_prefix.into_inner(),
        name: raw.name.into_inner(),
        description: raw.description.into_inner(),
        keywords,
        processing_time: raw.processing_time.map(|p| p.into_inner()),
        fee: Fee {
            amount_minor,
            currency: fee.currency.get_ref().clone(),
            amount: format!("{}.{:02}", amount_minor / 100, amount_minor % 100),
            note: fee.note.as_ref().map(|n| n.get_ref().clone()),
        },
        fields,
        documents,
        workflow,
        certificate,
    })
}

/// The type a raw field declares, if it is a known one (an unknown type is reported where
/// the field is compiled).
fn declared_type(field: &RawField) -> Option<FieldType> {
    FieldType::parse(field.field_type.get_ref())
}

fn find_field<'f>(fields: &'f [Spanned<RawField>], id: &str) -> Option<&'f RawField> {
    fields
        .iter()
        .map(|f| f.get_ref())
        .find(|f| f.id.get_ref() == id)
}

/// Who a certificate is about: `holder_name` must name a required `text` field (the name is
/// printed and signed, so it can never be missing at issuance), and `holder_id`, if given, a
/// `national_id` field. Returns the two ids as written; a problem is reported otherwise.
fn check_holder(
    r: &mut Reporter<'_>,
    fields: &[Spanned<RawField>],
    certificate: &Spanned<RawCertificate>,
) -> (String, Option<String>) {
    let c = certificate.get_ref();
    match &c.holder_name {
        None => r.at(
            certificate.span(),
            "certificate_holder_name_missing",
            "[certificate] must name the text field holding the holder's name: holder_name = \"<field id>\"",
        ),
        Some(name) => {
            let id = name.get_ref();
            match find_field(fields, id) {
                None => r.at(
                    name.span(),
                    "unknown_field",
                    format!("certificate holder_name `{id}` is not a field of this service"),
                ),
                Some(f) if declared_type(f).is_some_and(|t| t != FieldType::Text) => r.at(
                    name.span(),
                    "certificate_holder_name_not_text",
                    format!(
                        "certificate holder_name `{id}` is a {} field; it must be a text field",
                        f.field_type.get_ref()
                    ),
                ),
                Some(f) if !f.required => r.at(
                    name.span(),
                    "certificate_holder_name_optional",
                    format!(
                        "certificate holder_name `{id}` must be a required field: no certificate is issued without its holder's name"
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    if let Some(holder_id) = &c.holder_id {
        let id = holder_id.get_ref();
        match find_field(fields, id) {
            None => r.at(
                holder_id.span(),
                "unknown_field",
                format!("certificate holder_id `{id}` is not a field of this service"),
            ),
            Some(f) if declared_type(f).is_some_and(|t| t != FieldType::NationalId) => r.at(
                holder_id.span(),
                "certificate_holder_id_not_national_id",
                format!(
                    "certificate holder_id `{id}` is a {} field; it must be a national_id field",
                    f.field_type.get_ref()
                ),
            ),
            // An empty optional ID would leave the certificate naming one person and hashing
            // another (the applicant).
            Some(f) if !f.required => r.at(
                holder_id.span(),
                "certificate_holder_id_optional",
                format!(
                    "certificate holder_id `{id}` must be a required field, or leave holder_id out (the holder is then the applicant)"
                ),
            ),
            Some(_) => {}
        }
    }
    (
        c.holder_name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_default(),
        c.holder_id.as_ref().map(|h| h.get_ref().clone()),
    )
}

/// The fields a certificate carries in clear: fields of the service, never files (data, not
/// documents), national IDs (the holder travels only as a keyed hash) or phone numbers.
fn check_claims(r: &mut Reporter<'_>, fields: &[Spanned<RawField>], claims: &[Spanned<String>]) {
    for claim in claims {
        let id = claim.get_ref();
        let Some(f) = find_field(fields, id) else {
            r.at(
                claim.span(),
                "unknown_field",
                format!("certificate claim `{id}` is not a field of this service"),
            );
            continue;
        };
        match declared_type(f) {
            Some(FieldType::File) => r.at(
                claim.span(),
                "file_claim",
                format!("certificate claim `{id}` is a file field; certificates carry data, not files"),
            ),
            Some(FieldType::NationalId) => r.at(
                claim.span(),
                "certificate_claim_personal",
                format!(
                    "certificate claim `{id}` is a national_id field; a national ID is never shown on a certificate, the holder's travels only as a keyed hash (holder_id)"
                ),
            ),
            Some(FieldType::Phone) => r.at(
                claim.span(),
                "certificate_claim_personal",
                format!(
                    "certificate claim `{id}` is a phone field; phone numbers are never shown on a certificate"
                ),
            ),
            _ => {}
        }
    }
}

/// Longest keyword: a word or a short phrase, not a description.
const KEYWORD_MAX_CHARS: usize = 80;

/// Search keywords: each a non-empty short phrase in the script of its list, none twice.
fn check_keywords(r: &mut Reporter<'_>, raw: &RawKeywords) -> Keywords {
    let is_arabic = |c: char| matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}');
    let mut check = |list: &[toml::Spanned<String>], arabic: bool| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for k in list {
            let word = k.get_ref().trim();
            let problem = if word.is_empty() {
                Some(("empty_keyword", "a keyword is empty".to_string()))
            } else if word.chars().count() > KEYWORD_MAX_CHARS {
                Some((
                    "keyword_too_long",
                    format!(
                        "keyword `{word}` is longer than {KEYWORD_MAX_CHARS} characters; keywords are words or short phrases"
                    ),
                ))
            } else if arabic && !word.chars().any(is_arabic) {
                Some((
                    "keyword_not_arabic",
                    format!("Arabic keyword `{word}` contains no Arabic letters"),
                ))
            } else if !arabic && word.chars().any(is_arabic) {
                Some((
                    "keyword_not_english",
                    format!("English keyword `{word}` contains Arabic letters; put it in `ar`"),
                ))
            } else if out.iter().any(|o| o.to_lowercase() == word.to_lowercase()) {
                Some((
                    "duplicate_keyword",
                    format!("keyword `{word}` is listed twice"),
                ))
            } else {
                None
            };
            match problem {
                Some((code, message)) => r.at(k.span(), code, message),
                None => out.push(word.to_string()),
            }
        }
        out
    };
    Keywords {
        ar: check(&raw.ar, true),
        en: check(&raw.en, false),
    }
}

/// Money in minor units from a TOML integer (whole units) or a decimal string.
fn parse_amount(v: &toml::Value) -> Option<i64> {
    match v {
        toml::Value::Integer(i) if *i >= 0 => i.checked_mul(100),
        toml::Value::String(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            if whole.is_empty()
                || frac.len() > 2
                || !whole
                    .bytes()
                    .chain(frac.bytes())
                    .all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let whole: i64 = whole.parse().ok()?;
            let frac: i64 = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<2}").parse().ok()?
            };
            whole.checked_mul(100)?.checked_add(frac)
        }
        _ => None,
    }
}
