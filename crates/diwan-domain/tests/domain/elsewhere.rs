//! What `diwan check` reports about `elsewhere.toml`, the list of what people ask for that is
//! done elsewhere, and what a valid list loads as.

use expect_test::expect;

use crate::support::{catalog, check_catalog as check};

#[test]
fn elsewhere_entries_are_checked() {
    check(
        &[(
            "elsewhere.toml",
            r#"[[service]]
id = "birth_certificate"
name = { ar = "شهادة ميلاد", en = "Birth certificate" }
where = { ar = "السجل المدني", en = "The civil registry" }

[[service]]
id = "first_driving_licence"
name = { ar = "رخصة قيادة لأول مرة", en = "First driving licence" }
where = { ar = "وحدة المرور", en = "" }
keywords = { ar = ["رخصة سواقة جديدة", "driving test"], en = ["first licence"] }

[[service]]
id = "first_driving_licence"
name = { ar = "رخصة قيادة", en = "Driving licence" }
where = { ar = "وحدة المرور", en = "The traffic unit" }
"#,
        )],
        expect![[r#"
            elsewhere.toml:2: `birth_certificate` is a service of this catalogue; it cannot also be done elsewhere [elsewhere_is_a_service]
            elsewhere.toml:9: `where` of `first_driving_licence` has no English text [missing_english]
            elsewhere.toml:10: Arabic keyword `driving test` contains no Arabic letters [keyword_not_arabic]
            elsewhere.toml:13: `first_driving_licence` is listed twice in elsewhere.toml [duplicate_elsewhere]
        "#]],
    );
}

#[test]
fn elsewhere_entries_load_with_their_keywords() {
    let c = catalog(&[(
        "elsewhere.toml",
        r#"[[service]]
id = "first_driving_licence"
name = { ar = "رخصة قيادة لأول مرة", en = "First driving licence" }
where = { ar = "وحدة المرور", en = "The traffic unit" }
keywords = { ar = ["رخصة سواقة جديدة"], en = ["first licence"] }
"#,
    )]);
    let e = &c.elsewhere["first_driving_licence"];
    assert_eq!(e.done_at.en, "The traffic unit");
    assert_eq!(e.keywords.ar, ["رخصة سواقة جديدة"]);
    assert!(!c.services.contains_key("first_driving_licence"));
}
