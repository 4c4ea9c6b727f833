//! Form validation against the real birth certificate service and an inline "form lab"
//! service holding the field types the birth certificate lacks.

use std::fmt::Write as _;
use std::sync::Arc;

use diwan_domain::form::{FieldError, FormContext, validate_form};
use diwan_domain::service::ServiceDefinition;
use expect_test::{Expect, expect};
use serde_json::{Value, json};

use crate::support::{birth_certificate, catalog, egypt, has_arabic_letter, today};

/// One field of each type birth_certificate lacks, and constraints of every kind.
const FORM_LAB: &str = r#"id = "form_lab"
version = 1
agency = "traffic"
reference_prefix = "LAB"
name = { ar = "خدمة تجريبية", en = "Form lab" }
description = { ar = "خدمة لاختبار النماذج", en = "A service to test forms" }
workflow = "simple"
fee = { amount = 0, currency = "EGP" }

[[fields]]
id = "email"
type = "email"
required = true
label = { ar = "البريد الإلكتروني", en = "Email" }

[[fields]]
id = "birth_date"
type = "date"
required = true
label = { ar = "تاريخ الميلاد", en = "Date of birth" }
min = 1900-01-01
max = "today"

[[fields]]
id = "notes"
type = "textarea"
label = { ar = "ملاحظات", en = "Notes" }
max_length = 20

[[fields]]
id = "plate"
type = "text"
label = { ar = "رقم اللوحة", en = "Plate number" }
pattern = "[0-9]{3,4}"
pattern_message = { ar = "رقم اللوحة من ٣ أو ٤ أرقام", en = "A plate number has 3 or 4 digits" }

[[fields]]
id = "code"
type = "text"
label = { ar = "الكود", en = "Code" }
pattern = "[A-Z]{2}-[0-9]{2}"

[[fields]]
id = "nickname"
type = "text"
label = { ar = "اسم الشهرة", en = "Nickname" }
min_length = 3
max_length = 8

[[fields]]
id = "weight"
type = "number"
label = { ar = "الوزن", en = "Weight" }
min = 0.5
max = 99.5

[[fields]]
id = "count"
type = "number"
label = { ar = "العدد", en = "Count" }
integer = true

[[fields]]
id = "colour"
type = "choice"
label = { ar = "اللون", en = "Colour" }
options = [
  { value = "white", label = { ar = "أبيض", en = "White" } },
  { value = "black", label = { ar = "أسود", en = "Black" } },
]

[[fields]]
id = "consent"
type = "boolean"
required = true
label = { ar = "أقر بصحة البيانات", en = "that the data is correct" }
"#;

fn form_lab() -> Arc<ServiceDefinition> {
    catalog(&[("services/form_lab.toml", FORM_LAB)])
        .service("form_lab")
        .cloned()
        .expect("form_lab is in the catalogue")
}

fn validate(service: &ServiceDefinition, data: &Value) -> Result<Value, Vec<FieldError>> {
    let country = egypt();
    let ctx = FormContext {
        country: &country,
        today: today(),
    };
    let result = validate_form(service, data, &ctx);
    if let Err(errors) = &result {
        for e in errors {
            assert!(has_arabic_letter(&e.message_ar), "no Arabic in {e:?}");
            assert!(!e.message_en.trim().is_empty(), "no English in {e:?}");
            assert!(!e.code.is_empty(), "no code in {e:?}");
        }
    }
    result.map(|v| Value::Object(v.values))
}

fn birth_certificate_data() -> Value {
    json!({
        "holder_national_id": "29001011234567",
        "holder_name": "محمد أحمد علي حسن",
        "mother_name": "فاطمة محمود",
        "relationship": "self",
        "copies": 1,
        "contact_phone": "01012345678",
        "applicant_id_card": "upload-1",
    })
}

fn form_lab_data() -> Value {
    json!({
        "email": "mona@example.com",
        "birth_date": "1990-05-01",
        "consent": true,
    })
}

fn field_codes(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} {}\n", e.field, e.code))
        .collect()
}

#[test]
fn birth_certificate_data_is_normalised() {
    let service = birth_certificate();
    let data = json!({
        "holder_national_id": "٢٩٠٠١٠١١٢٣٤٥٦٧",
        "holder_name": "  محمد أحمد علي حسن  ",
        "mother_name": "فاطمة محمود",
        "relationship": "parent",
        "copies": "٣",
        "delivery_by_post": "on",
        "contact_phone": "010 1234 5678",
        "applicant_id_card": "0193f2a4-7c1e-7000-8000-000000000001",
    });
    let country = egypt();
    let ctx = FormContext {
        country: &country,
        today: today(),
    };
    let valid = validate_form(&service, &data, &ctx).expect("valid data");
    expect![[r#"
        {
          "applicant_id_card": "0193f2a4-7c1e-7000-8000-000000000001",
          "contact_phone": "+201012345678",
          "copies": 3,
          "delivery_by_post": true,
          "holder_name": "محمد أحمد علي حسن",
          "holder_national_id": "29001011234567",
          "mother_name": "فاطمة محمود",
          "relationship": "parent"
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&valid.values).unwrap());
    expect![[r#"
        [
            UploadRef {
                field: "applicant_id_card",
                upload_id: "0193f2a4-7c1e-7000-8000-000000000001",
            },
        ]
    "#]]
    .assert_debug_eq(&valid.uploads);
}

#[test]
fn optional_fields_left_out_or_null_are_absent() {
    let service = birth_certificate();
    let mut data = birth_certificate_data();
    data["delivery_by_post"] = Value::Null;
    let values = validate(&service, &data).expect("valid");
    assert!(values.get("delivery_by_post").is_none(), "{values}");
}

#[test]
fn an_empty_form_lists_every_required_field() {
    let errors = validate(&birth_certificate(), &json!({})).unwrap_err();
    expect![[r#"
        holder_national_id required
        holder_name required
        mother_name required
        relationship required
        copies required
        contact_phone required
        applicant_id_card required
    "#]]
    .assert_eq(&field_codes(&errors));
    // Null and blank count as missing, too.
    let blank = json!({
        "holder_national_id": null,
        "holder_name": "   ",
        "mother_name": "",
        "relationship": null,
        "copies": " ",
        "contact_phone": "",
        "applicant_id_card": null,
    });
    assert_eq!(
        field_codes(&validate(&birth_certificate(), &blank).unwrap_err()),
        field_codes(&errors)
    );
}

#[test]
fn data_that_is_not_an_object_is_refused() {
    for data in [json!([]), json!("x"), json!(null), json!(3)] {
        let errors = validate(&birth_certificate(), &data).unwrap_err();
        assert_eq!(field_codes(&errors), "data not_an_object\n", "{data}");
    }
}

#[test]
fn every_failing_field_is_reported_at_once() {
    let data = json!({
        "holder_national_id": "2900101123456",
        "holder_name": "علي",
        "mother_name": 7,
        "relationship": "cousin",
        "copies": 11,
        "delivery_by_post": "yes",
        "contact_phone": "0223456789",
        "applicant_id_card": "../../etc/passwd",
        "favourite_colour": "blue",
        "admin": true,
    });
    let errors = validate(&birth_certificate(), &data).unwrap_err();
    expect![[r#"
        admin unknown_field
        favourite_colour unknown_field
        holder_national_id national_id_format
        holder_name too_short
        mother_name wrong_type
        relationship not_an_option
        copies above_max
        delivery_by_post wrong_type
        contact_phone phone_not_mobile
        applicant_id_card invalid_upload
    "#]]
    .assert_eq(&field_codes(&errors));
}

/// Validates `form_lab` data with `field` set to each value, and renders one line per value:
/// the normalised value, or every error as `code: English / Arabic`.
fn check_lab(field: &str, values: &[Value], expect: Expect) {
    let service = form_lab();
    let mut out = String::new();
    for v in values {
        let mut data = form_lab_data();
        data[field] = v.clone();
        let shown = match validate(&service, &data) {
            Ok(values) => format!("ok {}", values.get(field).unwrap_or(&Value::Null)),
            Err(errors) => {
                assert!(
                    errors.iter().all(|e| e.field == field),
                    "errors outside `{field}`: {errors:?}"
                );
                errors
                    .iter()
                    .map(|e| format!("{}: {} / {}", e.code, e.message_en, e.message_ar))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        };
        writeln!(out, "{} => {}", visible(&v.to_string()), visible(&shown)).unwrap();
    }
    expect.assert_eq(&out);
}

/// Spells out invisible formatting characters so a snapshot shows what a test sends.
fn visible(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{061C}' => {
                format!("<U+{:04X}>", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

#[test]
fn email() {
    check_lab(
        "email",
        &[
            json!("Mona.Ali@Example.COM"),
            json!("  mona@example.com "),
            json!("mona@example"),
            json!("@example.com"),
            json!("mona ali@example.com"),
            json!("mona@.example.com"),
            json!("mona@example.com."),
            json!("mona"),
            json!(42),
        ],
        expect![[r#"
            "Mona.Ali@Example.COM" => ok "Mona.Ali@example.com"
            "  mona@example.com " => ok "mona@example.com"
            "mona@example" => invalid_email: Email must be an email address like name@example.com / «البريد الإلكتروني» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com
            "@example.com" => invalid_email: Email must be an email address like name@example.com / «البريد الإلكتروني» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com
            "mona ali@example.com" => invalid_email: Email must be an email address like name@example.com / «البريد الإلكتروني» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com
            "mona@.example.com" => invalid_email: Email must be an email address like name@example.com / «البريد الإلكتروني» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com
            "mona@example.com." => invalid_email: Email must be an email address like name@example.com / «البريد الإلكتروني» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com
            "mona" => invalid_email: Email must be an email address like name@example.com / «البريد الإلكتروني» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com
            42 => wrong_type: Email must be text / قيمة «البريد الإلكتروني» يجب أن تكون نصًا
        "#]],
    );
}

#[test]
fn date_with_max_today() {
    check_lab(
        "birth_date",
        &[
            json!("2000-02-29"),
            json!("٢٠٠٠-٠٢-٢٩"),
            json!("2026-03-15"),
            json!("2026-03-16"),
            json!("1899-12-31"),
            json!("2001-02-29"),
            json!("2001-13-01"),
            json!("15/03/2001"),
            json!("2001-3-5"),
            json!(20010305),
        ],
        expect![[r#"
            "2000-02-29" => ok "2000-02-29"
            "٢٠٠٠-٠٢-٢٩" => ok "2000-02-29"
            "2026-03-15" => ok "2026-03-15"
            "2026-03-16" => date_too_late: Date of birth must be on or before 2026-03-15 / «تاريخ الميلاد» يجب أن يكون في 2026-03-15 أو قبله
            "1899-12-31" => date_too_early: Date of birth must be on or after 1900-01-01 / «تاريخ الميلاد» يجب أن يكون في 1900-01-01 أو بعده
            "2001-02-29" => invalid_date: Date of birth must be a real date written year-month-day, like 2001-03-27 / «تاريخ الميلاد» يجب أن يكون تاريخًا صحيحًا بالصيغة سنة-شهر-يوم، مثل 2001-03-27
            "2001-13-01" => invalid_date: Date of birth must be a real date written year-month-day, like 2001-03-27 / «تاريخ الميلاد» يجب أن يكون تاريخًا صحيحًا بالصيغة سنة-شهر-يوم، مثل 2001-03-27
            "15/03/2001" => invalid_date: Date of birth must be a real date written year-month-day, like 2001-03-27 / «تاريخ الميلاد» يجب أن يكون تاريخًا صحيحًا بالصيغة سنة-شهر-يوم، مثل 2001-03-27
            "2001-3-5" => invalid_date: Date of birth must be a real date written year-month-day, like 2001-03-27 / «تاريخ الميلاد» يجب أن يكون تاريخًا صحيحًا بالصيغة سنة-شهر-يوم، مثل 2001-03-27
            20010305 => wrong_type: Date of birth must be text / قيمة «تاريخ الميلاد» يجب أن تكون نصًا
        "#]],
    );
}

#[test]
fn textarea_keeps_line_breaks_and_limits_length() {
    check_lab(
        "notes",
        &[
            json!("سطر أول\nسطر ثان"),
            json!("tab\there"),
            json!("bell\u{7}"),
            json!("123456789012345678901"),
            json!("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠"),
            json!("أأأأأأأأأأأأأأأأأأأأ"),
            json!("أأأأأأأأأأأأأأأأأأأأأ"),
            json!(""),
        ],
        expect![[r#"
            "سطر أول\nسطر ثان" => ok "سطر أول\nسطر ثان"
            "tab\there" => ok "tab\there"
            "bell\u0007" => invalid_characters: Notes contains characters that are not allowed or not visible / «ملاحظات» يحتوي على رموز غير مسموح بها أو غير مرئية
            "123456789012345678901" => too_long: Notes must be 20 characters or fewer / «ملاحظات» يجب ألا يزيد على 20 حرفًا
            "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠" => ok "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠"
            "أأأأأأأأأأأأأأأأأأأأ" => ok "أأأأأأأأأأأأأأأأأأأأ"
            "أأأأأأأأأأأأأأأأأأأأأ" => too_long: Notes must be 20 characters or fewer / «ملاحظات» يجب ألا يزيد على 20 حرفًا
            "" => ok null
        "#]],
    );
}

#[test]
fn pattern_with_its_own_message() {
    check_lab(
        "plate",
        &[
            json!("123"),
            json!("١٢٣٤"),
            json!("12"),
            json!("12345"),
            json!("12a"),
        ],
        expect![[r#"
            "123" => ok "123"
            "١٢٣٤" => ok "1234"
            "12" => pattern_mismatch: A plate number has 3 or 4 digits / رقم اللوحة من ٣ أو ٤ أرقام
            "12345" => pattern_mismatch: A plate number has 3 or 4 digits / رقم اللوحة من ٣ أو ٤ أرقام
            "12a" => pattern_mismatch: A plate number has 3 or 4 digits / رقم اللوحة من ٣ أو ٤ أرقام
        "#]],
    );
}

#[test]
fn pattern_without_a_message() {
    check_lab(
        "code",
        &[
            json!("AB-12"),
            json!("ab-12"),
            json!("AB-12 extra"),
            json!("AB-١٢"),
        ],
        expect![[r#"
            "AB-12" => ok "AB-12"
            "ab-12" => pattern_mismatch: Code is not in the expected format / «الكود» ليس بالصيغة المطلوبة
            "AB-12 extra" => pattern_mismatch: Code is not in the expected format / «الكود» ليس بالصيغة المطلوبة
            "AB-١٢" => ok "AB-12"
        "#]],
    );
}

#[test]
fn text_length_and_control_characters() {
    check_lab(
        "nickname",
        &[
            json!("مني"),
            json!("  ab  "),
            json!("ab"),
            json!("abcdefghi"),
            json!("منى علي محمود"),
            json!("ab\ncd"),
            json!("ab\u{0}cd"),
            json!("a\u{1b}[31mb"),
            json!("\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}"),
            json!("ab\u{202E}cd"),
            json!("\u{200F}منى\u{200E}"),
            json!(12345),
            json!(["abc"]),
        ],
        expect![[r#"
            "مني" => ok "مني"
            "  ab  " => too_short: Nickname must be at least 3 characters / «اسم الشهرة» يجب ألا يقل عن 3 أحرف
            "ab" => too_short: Nickname must be at least 3 characters / «اسم الشهرة» يجب ألا يقل عن 3 أحرف
            "abcdefghi" => too_long: Nickname must be 8 characters or fewer / «اسم الشهرة» يجب ألا يزيد على 8 أحرف
            "منى علي محمود" => too_long: Nickname must be 8 characters or fewer / «اسم الشهرة» يجب ألا يزيد على 8 أحرف
            "ab\ncd" => invalid_characters: Nickname contains characters that are not allowed or not visible / «اسم الشهرة» يحتوي على رموز غير مسموح بها أو غير مرئية
            "ab\u0000cd" => invalid_characters: Nickname contains characters that are not allowed or not visible / «اسم الشهرة» يحتوي على رموز غير مسموح بها أو غير مرئية
            "a\u001b[31mb" => invalid_characters: Nickname contains characters that are not allowed or not visible / «اسم الشهرة» يحتوي على رموز غير مسموح بها أو غير مرئية
            "<U+200B><U+200B><U+200B><U+200B><U+200B>" => invalid_characters: Nickname contains characters that are not allowed or not visible / «اسم الشهرة» يحتوي على رموز غير مسموح بها أو غير مرئية
            "ab<U+202E>cd" => invalid_characters: Nickname contains characters that are not allowed or not visible / «اسم الشهرة» يحتوي على رموز غير مسموح بها أو غير مرئية
            "<U+200F>منى<U+200E>" => ok "منى"
            12345 => wrong_type: Nickname must be text / قيمة «اسم الشهرة» يجب أن تكون نصًا
            ["abc"] => wrong_type: Nickname must be text / قيمة «اسم الشهرة» يجب أن تكون نصًا
        "#]],
    );
}

#[test]
fn numbers() {
    check_lab(
        "weight",
        &[
            json!(2.5),
            json!("٢٫٥"),
            json!(" 7 "),
            json!(0.5),
            json!(99.5),
            json!(0.4),
            json!(100),
            json!("-1"),
            json!("seven"),
            json!("NaN"),
            json!("inf"),
            json!({"value": 3}),
            json!([3]),
            json!(true),
        ],
        expect![[r#"
            2.5 => ok 2.5
            "٢٫٥" => ok 2.5
            " 7 " => ok 7.0
            0.5 => ok 0.5
            99.5 => ok 99.5
            0.4 => below_min: Weight must be 0.5 or more / «الوزن» يجب ألا يقل عن 0.5
            100 => above_max: Weight must be 99.5 or less / «الوزن» يجب ألا يزيد على 99.5
            "-1" => below_min: Weight must be 0.5 or more / «الوزن» يجب ألا يقل عن 0.5
            "seven" => not_a_number: Weight must be a number / «الوزن» يجب أن يكون رقمًا
            "NaN" => not_a_number: Weight must be a number / «الوزن» يجب أن يكون رقمًا
            "inf" => not_a_number: Weight must be a number / «الوزن» يجب أن يكون رقمًا
            {"value":3} => not_a_number: Weight must be a number / «الوزن» يجب أن يكون رقمًا
            [3] => not_a_number: Weight must be a number / «الوزن» يجب أن يكون رقمًا
            true => not_a_number: Weight must be a number / «الوزن» يجب أن يكون رقمًا
        "#]],
    );
}

#[test]
fn integer_numbers() {
    let service = birth_certificate();
    let mut out = String::new();
    for v in [
        json!(3),
        json!("٣"),
        json!("3.0"),
        json!(2.5),
        json!("٢٫٥"),
        json!(0),
        json!(11),
        json!({}),
    ] {
        let mut data = birth_certificate_data();
        data["copies"] = v.clone();
        let shown = match validate(&service, &data) {
            Ok(values) => format!("ok {}", values["copies"]),
            Err(errors) => field_codes(&errors).trim_end().to_string(),
        };
        writeln!(out, "{v} => {shown}").unwrap();
    }
    expect![[r#"
        3 => ok 3
        "٣" => ok 3
        "3.0" => ok 3
        2.5 => copies not_an_integer
        "٢٫٥" => copies not_an_integer
        0 => copies below_min
        11 => copies above_max
        {} => copies not_a_number
    "#]]
    .assert_eq(&out);
}

#[test]
fn choices() {
    check_lab(
        "colour",
        &[
            json!("white"),
            json!(" black "),
            json!("White"),
            json!("red"),
            json!(1),
        ],
        expect![[r#"
            "white" => ok "white"
            " black " => ok "black"
            "White" => not_an_option: Choose Colour from: White, Black / اختر «اللون» من: أبيض، أسود
            "red" => not_an_option: Choose Colour from: White, Black / اختر «اللون» من: أبيض، أسود
            1 => wrong_type: Colour must be text / قيمة «اللون» يجب أن تكون نصًا
        "#]],
    );
}

#[test]
fn a_required_boolean_must_be_accepted() {
    check_lab(
        "consent",
        &[
            json!(true),
            json!("true"),
            json!("on"),
            json!(false),
            json!("false"),
            json!(""),
            json!(null),
            json!("yes"),
            json!(1),
        ],
        expect![[r#"
            true => ok true
            "true" => ok true
            "on" => ok true
            false => must_accept: You must confirm that the data is correct to continue / يجب الموافقة على «أقر بصحة البيانات» للمتابعة
            "false" => must_accept: You must confirm that the data is correct to continue / يجب الموافقة على «أقر بصحة البيانات» للمتابعة
            "" => must_accept: You must confirm that the data is correct to continue / يجب الموافقة على «أقر بصحة البيانات» للمتابعة
            null => must_accept: You must confirm that the data is correct to continue / يجب الموافقة على «أقر بصحة البيانات» للمتابعة
            "yes" => wrong_type: that the data is correct must be true or false / قيمة «أقر بصحة البيانات» يجب أن تكون نعم أو لا
            1 => wrong_type: that the data is correct must be true or false / قيمة «أقر بصحة البيانات» يجب أن تكون نعم أو لا
        "#]],
    );
}

#[test]
fn national_id_and_phone_errors_come_from_the_country_rules() {
    let service = birth_certificate();
    let mut out = String::new();
    for (field, v) in [
        ("holder_national_id", "2900101123456"),
        ("holder_national_id", "29001011234567x"),
        ("holder_national_id", "19001011234567"),
        ("holder_national_id", "29013011234567"),
        ("holder_national_id", "32701011234567"),
        ("holder_national_id", "29001019934567"),
        ("contact_phone", "0101234567"),
        ("contact_phone", "0223456789"),
        ("contact_phone", "+44 7700 900123"),
        ("contact_phone", "٠١٠١٢٣٤٥٦٧٨"),
        ("contact_phone", "+20 10 1234 5678"),
    ] {
        let mut data = birth_certificate_data();
        data[field] = json!(v);
        let shown = match validate(&service, &data) {
            Ok(values) => format!("ok {}", values[field]),
            Err(errors) => field_codes(&errors).trim_end().to_string(),
        };
        writeln!(out, "{v} => {shown}").unwrap();
    }
    expect![[r#"
        2900101123456 => holder_national_id national_id_format
        29001011234567x => holder_national_id national_id_format
        19001011234567 => holder_national_id national_id_century
        29013011234567 => holder_national_id national_id_birth_date
        32701011234567 => holder_national_id national_id_future_birth
        29001019934567 => holder_national_id national_id_region
        0101234567 => contact_phone phone_format
        0223456789 => contact_phone phone_not_mobile
        +44 7700 900123 => contact_phone phone_format
        ٠١٠١٢٣٤٥٦٧٨ => ok "+201012345678"
        +20 10 1234 5678 => ok "+201012345678"
    "#]]
    .assert_eq(&out);
}

#[test]
fn form_lab_data_with_every_optional_field_is_normalised() {
    let data = json!({
        "email": "Mona@EXAMPLE.com",
        "birth_date": "١٩٩٠-٠٥-٠١",
        "notes": "سطر\nآخر",
        "plate": "٧٧٧",
        "code": "EG-٠١",
        "nickname": "منى",
        "weight": "١٢٫٧٥",
        "colour": "black",
        "consent": "on",
    });
    let values = validate(&form_lab(), &data).expect("valid");
    expect![[r#"
        {
          "birth_date": "1990-05-01",
          "code": "EG-01",
          "colour": "black",
          "consent": true,
          "email": "Mona@example.com",
          "nickname": "منى",
          "notes": "سطر\nآخر",
          "plate": "777",
          "weight": 12.75
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&values).unwrap());
}

#[test]
fn every_form_lab_field_fails_at_once() {
    let data = json!({
        "email": "nope",
        "birth_date": "2030-01-01",
        "notes": 5,
        "plate": "x",
        "code": "x",
        "nickname": "x",
        "weight": 1000,
        "colour": "red",
        "consent": false,
        "extra": 1,
    });
    let errors = validate(&form_lab(), &data).unwrap_err();
    expect![[r#"
        extra unknown_field
        email invalid_email
        birth_date date_too_late
        notes wrong_type
        plate pattern_mismatch
        code pattern_mismatch
        nickname too_short
        weight above_max
        colour not_an_option
        consent must_accept
    "#]]
    .assert_eq(&field_codes(&errors));
}

/// A whole number is stored exactly as given, or refused: never silently changed.
#[test]
fn an_integer_too_large_to_store_is_refused_not_changed() {
    let service = form_lab();
    for given in ["1e30", "12345678901234567890", "-1e30"] {
        let mut data = form_lab_data();
        data["count"] = json!(given);
        match validate(&service, &data) {
            Err(errors) => assert_eq!(field_codes(&errors).lines().count(), 1, "{errors:?}"),
            Ok(values) => panic!("{given} was stored as {}", values["count"]),
        }
    }
    let mut data = form_lab_data();
    data["count"] = json!("٩٠٠٧١٩٩٢٥٤٧٤٠٩٩١");
    assert_eq!(
        validate(&service, &data).unwrap()["count"],
        json!(9_007_199_254_740_991_i64)
    );
}
