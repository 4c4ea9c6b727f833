//! What is done elsewhere competes in the ranking but is never a result, and adding to the
//! list never re-weighs the catalogue's own words.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

mod support;

use diwan_search::eval::parse_cases;
use diwan_search::{SearchDoc, SearchIndex, SearchResults, index_catalog};

fn service(id: &str, name_ar: &str, name_en: &str, keywords: &[&str]) -> SearchDoc {
    SearchDoc {
        id: id.into(),
        name_ar: name_ar.into(),
        name_en: name_en.into(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        description: vec![format!("{name_ar}. {name_en}.")],
        related: Vec::new(),
        elsewhere: false,
    }
}

fn elsewhere(id: &str, name_ar: &str, name_en: &str, keywords: &[&str]) -> SearchDoc {
    SearchDoc {
        elsewhere: true,
        description: Vec::new(),
        ..service(id, name_ar, name_en, keywords)
    }
}

fn catalogue() -> Vec<SearchDoc> {
    vec![
        service(
            "driving_licence_renewal",
            "تجديد رخصة القيادة",
            "Driving licence renewal",
            &["رخصة سواقة", "اجدد الرخصة"],
        ),
        service(
            "passport_renewal",
            "تجديد جواز السفر",
            "Passport renewal",
            &["باسبور"],
        ),
        service(
            "birth_certificate",
            "شهادة ميلاد",
            "Birth certificate",
            &["شهادة ميلاد كمبيوتر"],
        ),
    ]
}

fn with_elsewhere() -> Vec<SearchDoc> {
    let mut docs = catalogue();
    docs.push(elsewhere(
        "driving_licence_first_issue",
        "رخصة قيادة لأول مرة",
        "First driving licence",
        &["رخصة سواقة جديدة", "اختبار القيادة", "مدرسة تعليم القيادة"],
    ));
    docs.push(elsewhere(
        "electricity_bill",
        "دفع فاتورة الكهرباء",
        "Paying the electricity bill",
        &["فاتورة النور", "فاتورة الكهربا"],
    ));
    docs
}

#[test]
fn a_question_about_something_done_elsewhere_names_it_and_is_not_confident() {
    let index = SearchIndex::new(&with_elsewhere());
    let found = index.search("عايز اطلع رخصة سواقة جديدة ومدرسة تعليم القيادة", 5);
    assert_eq!(
        found.elsewhere.as_ref().map(|h| h.service_id),
        Some("driving_licence_first_issue")
    );
    assert!(!found.confident);
    assert!(
        found
            .hits
            .iter()
            .all(|h| !h.service_id.contains("first_issue"))
    );
    // The nearest service is still offered, as a suggestion.
    assert_eq!(
        found.hits.first().map(|h| h.service_id),
        Some("driving_licence_renewal")
    );
}

#[test]
fn a_question_about_a_service_is_answered_by_it() {
    let index = SearchIndex::new(&with_elsewhere());
    let found = index.search("عايز اجدد رخصة السواقة", 5);
    assert_eq!(
        found.hits.first().map(|h| h.service_id),
        Some("driving_licence_renewal")
    );
    assert!(found.confident);
    assert_eq!(found.elsewhere, None);
}

#[test]
fn the_list_never_changes_how_services_score_against_each_other() {
    let plain = SearchIndex::new(&catalogue());
    let more = SearchIndex::new(&with_elsewhere());
    for q in [
        "رخصة سواقة",
        "تجديد جواز السفر",
        "shehadet milad",
        "رخصة قيادة جديدة",
    ] {
        let a = plain.search(q, 5);
        let b = more.search(q, 5);
        assert!(!a.hits.is_empty(), "{q}");
        assert_eq!(scores(&a), scores(&b), "{q}");
    }
}

fn scores(r: &SearchResults<'_>) -> Vec<(String, u32)> {
    r.hits
        .iter()
        .map(|h| (h.service_id.to_string(), (h.score * 1000.0).round() as u32))
        .collect()
}

/// Over every labelled question and the real catalogue: the services, their order and their
/// scores are the same with and without `elsewhere.toml`, and the list can take confidence
/// away (an entry leading the best service) but never give it. This covers the paths a toy
/// catalogue does not reach: typo and Arabizi readings into words only the list uses.
#[test]
fn the_real_list_never_changes_how_services_score() {
    let plain = index_catalog(&support::catalog(false));
    let more = index_catalog(&support::catalog(true));
    let mut cases = parse_cases(include_str!("data/eg-queries-dev.tsv")).unwrap();
    cases.extend(parse_cases(include_str!("data/eg-queries-fresh.tsv")).unwrap());
    let mut doubted = 0;
    for case in &cases {
        let q = case.query.as_str();
        let a = plain.search(q, 5);
        let b = more.search(q, 5);
        assert_eq!(scores(&a), scores(&b), "{q}");
        assert!(!b.confident || a.confident, "the list made `{q}` confident");
        if a.confident && !b.confident {
            doubted += 1;
        }
    }
    // The list does take confidence away, or this test would prove nothing about it.
    assert!(doubted > 0);
}
