//! What `diwan check` reports about agencies and services: broken packages and the exact
//! problems, with file and line, that they produce. Each case adds files to a valid base
//! catalogue (agencies, the standard and simple workflows, the birth certificate).

use diwan_domain::service::{FieldType, Outcome, load_catalog};
use expect_test::expect;

use crate::support::{
    base_files, birth_certificate, catalog, check_catalog as check, render_problems,
};

#[test]
fn the_base_catalogue_is_valid() {
    check(
        &[],
        expect![[r#"
        ok: 1 services
    "#]],
    );
}

#[test]
fn birth_certificate_is_read_as_written() {
    let service = birth_certificate();
    assert_eq!(service.agency, "moi_civil_status");
    assert_eq!(service.reference_prefix, "BC");
    assert_eq!(service.fee.amount_minor, 4500);
    assert_eq!(service.fee.amount, "45.00");
    assert_eq!(service.fee.currency, "EGP");
    let fields: Vec<(&str, FieldType, bool)> = service
        .fields
        .iter()
        .map(|f| (f.id.as_str(), f.field_type, f.required))
        .collect();
    expect![[r#"
        [
            (
                "holder_national_id",
                NationalId,
                true,
            ),
            (
                "holder_name",
                Text,
                true,
            ),
            (
                "mother_name",
                Text,
                true,
            ),
            (
                "relationship",
                Choice,
                true,
            ),
            (
                "copies",
                Number,
                true,
            ),
            (
                "delivery_by_post",
                Boolean,
                false,
            ),
            (
                "contact_phone",
                Phone,
                true,
            ),
            (
                "applicant_id_card",
                File,
                true,
            ),
        ]
    "#]]
    .assert_debug_eq(&fields);
    let wf = &service.workflow;
    assert_eq!(wf.id, "standard");
    assert_eq!(wf.initial, "submitted");
    assert_eq!(wf.roles, ["clerk", "manager"]);
    assert_eq!(wf.issue_certificate_in.as_deref(), Some("approved"));
    let terminal: Vec<(&str, Option<Outcome>)> = wf
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| (s.id.as_str(), s.outcome))
        .collect();
    assert_eq!(
        terminal,
        [
            ("approved", Some(Outcome::Approved)),
            ("rejected", Some(Outcome::Rejected))
        ]
    );
    let cert = service.certificate.as_ref().expect("certificate");
    assert_eq!(cert.holder_name, "holder_name");
    assert_eq!(cert.holder_id.as_deref(), Some("holder_national_id"));
    assert_eq!(cert.claims, ["holder_name", "mother_name"]);
}

#[test]
fn a_catalogue_without_agencies() {
    let files: Vec<_> = base_files(&[])
        .into_iter()
        .filter(|f| f.path != "agencies.toml")
        .collect();
    let problems = load_catalog(&files).unwrap_err();
    expect![[r#"
        agencies.toml:1: the catalogue has no agencies.toml [missing_agencies]
        services/birth_certificate.toml:6: agency `moi_civil_status` is not declared in agencies.toml [unknown_agency]
    "#]]
    .assert_eq(&render_problems(&problems));
}

#[test]
fn duplicate_field_id() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة", en = "Plate" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة مرة أخرى", en = "Plate again" }
"#,
        )],
        expect![[r#"
            services/lab.toml:16: field `plate` is declared twice [duplicate_field]
        "#]],
    );
}

#[test]
fn bilingual_text_problems() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "", en = "Service" }
description = { ar = "Description in English", en = "Description" }
processing_time = { ar = "يومان", en = "  " }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "123", en = "" }
"#,
        )],
        expect![[r#"
            services/lab.toml:5: service name has no Arabic text [missing_arabic]
            services/lab.toml:6: service description: the Arabic text `Description in English` contains no Arabic letters [arabic_text_not_arabic]
            services/lab.toml:7: processing_time has no English text [missing_english]
            services/lab.toml:14: label of field `plate`: the Arabic text `123` contains no Arabic letters [arabic_text_not_arabic]
            services/lab.toml:14: label of field `plate` has no English text [missing_english]
        "#]],
    );
}

#[test]
fn a_text_without_its_english_key_is_a_syntax_problem() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }
"#,
        )],
        expect![[r#"
            services/lab.toml:5: missing field `en` [syntax]
        "#]],
    );
}

#[test]
fn unknown_field_type() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "count"
type = "integer"
label = { ar = "العدد", en = "Count" }
"#,
        )],
        expect![[r#"
            services/lab.toml:12: field `count` has unknown type `integer`; known types: text, textarea, number, date, choice, boolean, email, phone, national_id, file [unknown_field_type]
        "#]],
    );
}

#[test]
fn constraints_on_the_wrong_type() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "count"
type = "number"
label = { ar = "العدد", en = "Count" }
min_length = 1
pattern = "[0-9]+"

[[fields]]
id = "name"
type = "text"
label = { ar = "الاسم", en = "Name" }
min = 1
integer = true
accept = ["image/png"]
options = [{ value = "a", label = { ar = "أ", en = "A" } }]

[[fields]]
id = "day"
type = "date"
label = { ar = "اليوم", en = "Day" }
max_size_kb = 10
max = 12
"#,
        )],
        expect![[r#"
            services/lab.toml:14: `min_length` does not apply to field `count` of type number [constraint_not_for_type]
            services/lab.toml:15: `pattern` does not apply to field `count` of type number [constraint_not_for_type]
            services/lab.toml:21: `min` does not apply to field `name` of type text [constraint_not_for_type]
            services/lab.toml:22: `integer` does not apply to field `name` of type text [constraint_not_for_type]
            services/lab.toml:24: `options` does not apply to field `name` of type text [constraint_not_for_type]
            services/lab.toml:23: `accept` does not apply to field `name` of type text [constraint_not_for_type]
            services/lab.toml:31: `max` of date field `day` must be a date like 2000-01-31 or "today" [invalid_bound]
            services/lab.toml:30: `max_size_kb` does not apply to field `day` of type date [constraint_not_for_type]
        "#]],
    );
}

#[test]
fn invalid_pattern_and_choice_without_options() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة", en = "Plate" }
pattern = "[0-9"

[[fields]]
id = "colour"
type = "choice"
label = { ar = "اللون", en = "Colour" }

[[fields]]
id = "size"
type = "choice"
label = { ar = "المقاس", en = "Size" }
options = []
"#,
        )],
        expect![[r#"
            services/lab.toml:14: pattern of field `plate` is not a valid regular expression: regex parse error: ^(?:[0-9)$ ^ error: unclosed character class [invalid_pattern]
            services/lab.toml:17: choice field `colour` has no options [choice_without_options]
            services/lab.toml:25: choice field `size` has no options [choice_without_options]
        "#]],
    );
}

#[test]
fn documents_linked_to_a_non_file_or_unknown_field() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "licence_number"
type = "text"
label = { ar = "رقم الرخصة", en = "Licence number" }

[[documents]]
id = "licence"
name = { ar = "الرخصة", en = "Licence" }
field = "licence_number"

[[documents]]
id = "photo"
name = { ar = "صورة", en = "Photo" }
field = "photo_upload"
"#,
        )],
        expect![[r#"
            services/lab.toml:18: document `licence` is uploaded through `licence_number`, which is not a file field [document_field_not_file]
            services/lab.toml:23: document `photo` names unknown field `photo_upload` [unknown_field]
        "#]],
    );
}

#[test]
fn certificate_claims_on_unknown_and_file_fields() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "standard"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "photo"
type = "file"
label = { ar = "صورة", en = "Photo" }

[certificate]
title = { ar = "شهادة", en = "Certificate" }
claims = ["photo", "holder_name"]
"#,
        )],
        expect![[r#"
            services/lab.toml:15: [certificate] must name the text field holding the holder's name: holder_name = "<field id>" [certificate_holder_name_missing]
            services/lab.toml:17: certificate claim `photo` is a file field; certificates carry data, not files [file_claim]
            services/lab.toml:17: certificate claim `holder_name` is not a field of this service [unknown_field]
        "#]],
    );
}

/// A certificate names its holder: `holder_name` a required text field, `holder_id` a
/// national-ID field. Phones and national IDs are never claims: the holder's ID travels only
/// as a keyed hash, other people's IDs and phone numbers not at all.
#[test]
fn certificate_holder_and_personal_claims() {
    let service = |id: &str, prefix: &str, certificate: &str| {
        format!(
            r#"id = "{id}"
version = 1
agency = "traffic"
reference_prefix = "{prefix}"
name = {{ ar = "خدمة", en = "Service" }}
description = {{ ar = "وصف", en = "Description" }}
workflow = "standard"
fee = {{ amount = 0, currency = "EGP" }}

[[fields]]
id = "owner_national_id"
type = "national_id"
required = true
label = {{ ar = "الرقم القومي", en = "National ID" }}

[[fields]]
id = "owner_name"
type = "text"
required = true
label = {{ ar = "الاسم", en = "Name" }}

[[fields]]
id = "nickname"
type = "text"
label = {{ ar = "اسم الشهرة", en = "Nickname" }}

[[fields]]
id = "guardian_national_id"
type = "national_id"
label = {{ ar = "الرقم القومي للولي", en = "Guardian's national ID" }}

[[fields]]
id = "mobile"
type = "phone"
required = true
label = {{ ar = "المحمول", en = "Mobile" }}

[certificate]
title = {{ ar = "شهادة", en = "Certificate" }}
{certificate}
"#
        )
    };
    let wrong_types = service(
        "lab",
        "LAB",
        "holder_name = \"owner_national_id\"\nholder_id = \"owner_name\"\nclaims = [\"owner_name\", \"owner_national_id\", \"mobile\"]",
    );
    let optional_and_unknown = service(
        "lab2",
        "LABB",
        "holder_name = \"nickname\"\nholder_id = \"passport\"",
    );
    let unknown_name = service("lab3", "LABC", "holder_name = \"full_name\"");
    let optional_id = service(
        "lab4",
        "LABD",
        "holder_name = \"owner_name\"\nholder_id = \"guardian_national_id\"",
    );
    check(
        &[
            ("services/lab.toml", &wrong_types),
            ("services/lab2.toml", &optional_and_unknown),
            ("services/lab3.toml", &unknown_name),
            ("services/lab4.toml", &optional_id),
        ],
        expect![[r#"
            services/lab.toml:40: certificate holder_name `owner_national_id` is a national_id field; it must be a text field [certificate_holder_name_not_text]
            services/lab.toml:41: certificate holder_id `owner_name` is a text field; it must be a national_id field [certificate_holder_id_not_national_id]
            services/lab.toml:42: certificate claim `owner_national_id` is a national_id field; a national ID is never shown on a certificate, the holder's travels only as a keyed hash (holder_id) [certificate_claim_personal]
            services/lab.toml:42: certificate claim `mobile` is a phone field; phone numbers are never shown on a certificate [certificate_claim_personal]
            services/lab2.toml:40: certificate holder_name `nickname` must be a required field: no certificate is issued without its holder's name [certificate_holder_name_optional]
            services/lab2.toml:41: certificate holder_id `passport` is not a field of this service [unknown_field]
            services/lab3.toml:40: certificate holder_name `full_name` is not a field of this service [unknown_field]
            services/lab4.toml:41: certificate holder_id `guardian_national_id` must be a required field, or leave holder_id out (the holder is then the applicant) [certificate_holder_id_optional]
        "#]],
    );

    let valid = service(
        "lab",
        "LAB",
        "holder_name = \"owner_name\"\nclaims = [\"nickname\"]",
    );
    let catalog = catalog(&[("services/lab.toml", &valid)]);
    let cert = catalog
        .service("lab")
        .and_then(|s| s.certificate.as_ref())
        .expect("certificate");
    assert_eq!(cert.holder_name, "owner_name");
    assert_eq!(
        cert.holder_id, None,
        "without holder_id the holder is the applicant"
    );
    assert_eq!(cert.claims, ["nickname"]);
}

#[test]
fn unknown_agency_and_id_file_mismatch() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "laboratory"
version = 1
agency = "ministry_of_magic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }
"#,
        )],
        expect![[r#"
            services/lab.toml:1: service id `laboratory` differs from its file name `lab.toml` [id_file_mismatch]
            services/lab.toml:3: agency `ministry_of_magic` is not declared in agencies.toml [unknown_agency]
        "#]],
    );
}

#[test]
fn bad_fee_amounts() {
    let service = |id: &str, amount: &str| {
        format!(
            r#"id = "{id}"
version = 1
agency = "traffic"
reference_prefix = "{}"
name = {{ ar = "خدمة", en = "Service" }}
description = {{ ar = "وصف", en = "Description" }}
workflow = "simple"
fee = {{ amount = {amount}, currency = "EGP" }}
"#,
            id.to_ascii_uppercase()
        )
    };
    let cases = [
        ("float", "45.5"),
        ("three", r#""45.555""#),
        ("minus", "-3"),
        ("neg", r#""-3.00""#),
        ("comma", r#""45,50""#),
        ("empty", r#""""#),
        ("dot", r#"".5""#),
    ];
    let texts: Vec<(String, String)> = cases
        .iter()
        .map(|(id, amount)| (format!("services/{id}.toml"), service(id, amount)))
        .collect();
    let extra: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    check(
        &extra,
        expect![[r#"
        services/float.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        services/three.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        services/minus.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        services/neg.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        services/comma.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        services/empty.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
        services/dot.toml:8: fee amount must be a non-negative whole number or a decimal string with at most two decimals, like "8.85" [invalid_amount]
    "#]],
    );
}

#[test]
fn good_fee_amounts_in_minor_units() {
    let mut out = String::new();
    for (id, amount) in [
        ("whole", "45"),
        ("zero", "0"),
        ("text", r#""45""#),
        ("cents", r#""8.85""#),
        ("tenths", r#""8.5""#),
    ] {
        let text = format!(
            r#"id = "{id}"
version = 1
agency = "traffic"
reference_prefix = "FEE"
name = {{ ar = "خدمة", en = "Service" }}
description = {{ ar = "وصف", en = "Description" }}
workflow = "simple"
fee = {{ amount = {amount}, currency = "EGP" }}
"#
        );
        let c = catalog(&[(&format!("services/{id}.toml"), &text)]);
        let fee = &c.service(id).expect("service").fee;
        out.push_str(&format!(
            "{amount} => {} ({})\n",
            fee.amount_minor, fee.amount
        ));
    }
    expect![[r#"
        45 => 4500 (45.00)
        0 => 0 (0.00)
        "45" => 4500 (45.00)
        "8.85" => 885 (8.85)
        "8.5" => 850 (8.50)
    "#]]
    .assert_eq(&out);
}

#[test]
fn duplicate_reference_prefix() {
    check(
        &[(
            "services/birth_copy.toml",
            r#"id = "birth_copy"
version = 1
agency = "moi_civil_status"
reference_prefix = "BC"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }
"#,
        )],
        expect![[r#"
            services/birth_copy.toml:1: reference prefix `BC` is already used by service `birth_certificate` [duplicate_reference_prefix]
        "#]],
    );
}

#[test]
fn toml_syntax_error() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service"
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }
"#,
        )],
        expect![[r#"
            services/lab.toml:6: missing comma between key-value pairs, expected `,` [syntax]
        "#]],
    );
}

#[test]
fn unknown_keys() {
    check(
        &[
            (
                "services/lab.toml",
                r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة", en = "Plate" }
maxlength = 10
"#,
            ),
            (
                "services/lab2.toml",
                r#"id = "lab2"
version = 1
agency = "traffic"
reference_prefix = "LABB"
colour = "blue"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }
"#,
            ),
        ],
        expect![[r#"
            services/lab.toml:14: unknown field `maxlength`, expected one of `id`, `type`, `required`, `label`, `help`, `min_length`, `max_length`, `pattern`, `pattern_message`, `min`, `max`, `integer`, `options`, `accept`, `max_size_kb` [syntax]
            services/lab2.toml:5: unknown field `colour`, expected one of `id`, `version`, `agency`, `category`, `reference_prefix`, `name`, `description`, `keywords`, `processing_time`, `fee`, `fields`, `documents`, `workflow`, `certificate` [syntax]
        "#]],
    );
}

#[test]
fn unknown_workflow_and_certificate_without_issuing_state() {
    check(
        &[
            (
                "services/lab.toml",
                r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "express"
fee = { amount = 0, currency = "EGP" }
"#,
            ),
            (
                "services/lab2.toml",
                r#"id = "lab2"
version = 1
agency = "traffic"
reference_prefix = "LABB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[certificate]
title = { ar = "شهادة", en = "Certificate" }
"#,
            ),
            (
                "services/lab3.toml",
                r#"id = "lab3"
version = 1
agency = "traffic"
reference_prefix = "LABC"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "standard"
fee = { amount = 0, currency = "EGP" }
"#,
            ),
        ],
        expect![[r#"
            services/lab.toml:7: workflow `express` is neither inline nor in workflows/express.toml [unknown_workflow]
            services/lab2.toml:10: [certificate] must name the text field holding the holder's name: holder_name = "<field id>" [certificate_holder_name_missing]
            services/lab2.toml:11: there is a [certificate] but the workflow has no issue_certificate_in state [certificate_without_issuing_state]
            services/lab3.toml:7: the workflow issues a certificate but service `lab3` has no [certificate] [issuing_state_without_certificate]
        "#]],
    );
}

#[test]
fn service_header_problems() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 0
agency = "traffic"
category = "Civil Status"
reference_prefix = "lab1"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = 7
fee = { amount = 0, currency = "egp" }
"#,
        )],
        expect![[r#"
            services/lab.toml:8: `workflow` must name a shared workflow or be a [workflow] table [invalid_workflow]
            services/lab.toml:2: version must be a whole number from 1 [invalid_version]
            services/lab.toml:5: reference_prefix `lab1` must be 2 to 6 capital letters A-Z [invalid_reference_prefix]
            services/lab.toml:4: category id `Civil Status` must be 1 to 64 lowercase letters, digits or `_`, starting with a letter [invalid_id]
            services/lab.toml:9: currency `egp` must be an ISO 4217 code like EGP [invalid_currency]
        "#]],
    );
}

#[test]
fn field_constraint_values() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "name"
type = "text"
label = { ar = "الاسم", en = "Name" }
min_length = 10
max_length = 5
pattern_message = { ar = "صيغة", en = "Format" }

[[fields]]
id = "count"
type = "number"
label = { ar = "العدد", en = "Count" }
min = 10
max = "five"

[[fields]]
id = "day"
type = "date"
label = { ar = "اليوم", en = "Day" }
min = 2020-01-01
max = 2019-12-31

[[fields]]
id = "colour"
type = "choice"
label = { ar = "اللون", en = "Colour" }
options = [
  { value = "red", label = { ar = "أحمر", en = "Red" } },
  { value = "red", label = { ar = "أحمر", en = "Red" } },
  { value = " ", label = { ar = "فارغ", en = "Blank" } },
]

[[fields]]
id = "scan"
type = "file"
label = { ar = "مسح", en = "Scan" }
accept = ["pdf"]
max_size_kb = 0

[[fields]]
id = "Bad-Id"
type = "text"
label = { ar = "خطأ", en = "Bad" }
max_length = -1
"#,
        )],
        expect![[r#"
            services/lab.toml:15: field `name`: min_length 10 is above max_length 5 [min_above_max]
            services/lab.toml:16: field `name` has a pattern_message but no pattern [pattern_message_without_pattern]
            services/lab.toml:23: `max` of number field `count` must be a number [invalid_bound]
            services/lab.toml:26: field `day`: min date is after max date [min_above_max]
            services/lab.toml:38: field `colour` lists option `red` twice [duplicate_option]
            services/lab.toml:39: field `colour` has an option with an empty value [empty_option]
            services/lab.toml:46: field `scan`: `pdf` is not a media type like application/pdf [invalid_media_type]
            services/lab.toml:47: max_size_kb of field `scan` must be between 1 and 51200 [invalid_size]
            services/lab.toml:50: field id `Bad-Id` must be 1 to 64 lowercase letters, digits or `_`, starting with a letter [invalid_id]
            services/lab.toml:53: `max_length` of field `Bad-Id` must be between 0 and 100000 [invalid_length]
        "#]],
    );
}

/// Every problem is one line, so `diwan check` prints `file:line: message [code]` lines
/// that editors and CI annotations can parse.
#[test]
fn every_problem_is_one_line() {
    let text = r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة", en = "Plate" }
pattern = "[0-9"
"#;
    let problems = load_catalog(&base_files(&[("services/lab.toml", text)])).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    for p in &problems {
        assert!(
            !p.to_string().contains('\n'),
            "problem spans several lines:\n{p}"
        );
    }
}

/// A field id used twice is reported even when the first field has problems of its own:
/// `diwan check` promises every problem in one run.
#[test]
fn a_duplicate_of_a_broken_field_is_still_a_duplicate() {
    check(
        &[(
            "services/lab.toml",
            r#"id = "lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة", en = "Service" }
description = { ar = "وصف", en = "Description" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "plate"
type = "txt"
label = { ar = "رقم اللوحة", en = "Plate" }

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة مرة أخرى", en = "Plate again" }
"#,
        )],
        expect![[r#"
            services/lab.toml:12: field `plate` has unknown type `txt`; known types: text, textarea, number, date, choice, boolean, email, phone, national_id, file [unknown_field_type]
            services/lab.toml:16: field `plate` is declared twice [duplicate_field]
        "#]],
    );
}
