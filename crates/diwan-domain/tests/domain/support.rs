//! Shared fixtures: the real catalogue files, an inline agencies file, the Egyptian country
//! rules and a fixed "today".

use std::sync::Arc;

use diwan_domain::country::CountryRules;
use diwan_domain::service::{
    Catalog, Problem, ServiceDefinition, SourceFile, SourceKind, load_catalog,
};
use expect_test::Expect;

pub const STANDARD_WORKFLOW: &str = include_str!("../../../../catalog/eg/workflows/standard.toml");
pub const BIRTH_CERTIFICATE: &str =
    include_str!("../../../../catalog/eg/services/birth_certificate.toml");
pub const EG_COUNTRY: &str = include_str!("../../../../countries/eg.toml");

/// The agency of the birth certificate and a second one, so "another agency" is real.
pub const AGENCIES: &str = r#"
[[agency]]
id = "moi_civil_status"
name = { ar = "قطاع الأحوال المدنية", en = "Civil Status Sector" }

[[agency]]
id = "traffic"
name = { ar = "الإدارة العامة للمرور", en = "General Traffic Department" }
"#;

/// The smallest useful workflow, issuing no certificate: test services use it so that they
/// need no `[certificate]`.
pub const SIMPLE_WORKFLOW: &str = r#"initial = "submitted"
roles = ["clerk"]

[[states]]
id = "submitted"
label = { ar = "مقدَّم", en = "Submitted" }

[[states]]
id = "done"
label = { ar = "منتهٍ", en = "Done" }
terminal = true
outcome = "approved"

[[transitions]]
action = "finish"
label = { ar = "إنهاء", en = "Finish" }
from = ["submitted"]
to = "done"
roles = ["clerk"]
"#;

/// The day every test treats as "today".
pub fn today() -> time::Date {
    time::macros::date!(2026 - 03 - 15)
}

pub fn egypt() -> CountryRules {
    CountryRules::from_toml(EG_COUNTRY).expect("countries/eg.toml must load")
}

/// A source file whose kind follows from its path inside the catalogue folder.
pub fn source(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.to_string(),
        kind: SourceKind::from_relative_path(path)
            .unwrap_or_else(|| panic!("{path} is not a catalogue path")),
        text: text.to_string(),
    }
}

/// The inline agencies, the standard and simple workflows and the birth certificate, plus
/// `extra` files.
pub fn base_files(extra: &[(&str, &str)]) -> Vec<SourceFile> {
    let mut files = vec![
        source("agencies.toml", AGENCIES),
        source("workflows/standard.toml", STANDARD_WORKFLOW),
        source("workflows/simple.toml", SIMPLE_WORKFLOW),
        source("services/birth_certificate.toml", BIRTH_CERTIFICATE),
    ];
    files.extend(extra.iter().map(|(p, t)| source(p, t)));
    files
}

pub fn catalog(extra: &[(&str, &str)]) -> Catalog {
    match load_catalog(&base_files(extra)) {
        Ok(c) => c,
        Err(problems) => panic!("catalogue must load, got:\n{}", render_problems(&problems)),
    }
}

/// Loads the base catalogue plus `extra` and compares the problems found (or `ok`) with
/// `expect`.
pub fn check_catalog(extra: &[(&str, &str)], expect: Expect) {
    let out = match load_catalog(&base_files(extra)) {
        Ok(c) => format!("ok: {} services\n", c.services.len()),
        Err(problems) => render_problems(&problems),
    };
    expect.assert_eq(&out);
}

pub fn render_problems(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{p}\n")).collect()
}

pub fn birth_certificate() -> Arc<ServiceDefinition> {
    catalog(&[])
        .service("birth_certificate")
        .cloned()
        .expect("birth_certificate is in the catalogue")
}

/// True if `s` holds at least one letter of the Arabic block.
pub fn has_arabic_letter(s: &str) -> bool {
    s.chars().any(|c| matches!(c, '\u{0621}'..='\u{064A}'))
}
