//! Form validation: checks the data a citizen submits against a service's fields and returns
//! either the normalised values (digits folded, phones in E.164, dates in ISO form) or
//! **every** failing field at once, each with a stable code and a message in both languages.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::clean_text::clean_text;
use crate::country::CountryRules;
use crate::digits::{to_ascii_digits, to_ascii_number};
use crate::service::{Field, FieldType, ServiceDefinition, parse_iso_date};

/// What validation needs from outside: the country's rules and the day of submission.
pub struct FormContext<'a> {
    pub country: &'a CountryRules,
    pub today: time::Date,
}

/// One field that failed, in the shape the API returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message_ar: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(
        field: &str,
        code: &str,
        message_ar: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.to_string(),
            code: code.to_string(),
            message_ar: message_ar.into(),
            message_en: message_en.into(),
        }
    }
}

/// A file field's value: the id of an upload the caller must confirm belongs to the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadRef {
    pub field: String,
    pub upload_id: String,
}

/// Data that passed validation, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidForm {
    pub values: Map<String, Value>,
    pub uploads: Vec<UploadRef>,
}

/// Validates `data` (a JSON object of field id to value) against `service`'s fields.
pub fn validate_form(
    service: &ServiceDefinition,
    data: &Value,
    ctx: &FormContext<'_>,
) -> Result<ValidForm, Vec<FieldError>> {
    let Some(object) = data.as_object() else {
        return Err(vec![FieldError::new(
            "data",
            "not_an_object",
            "يجب أن تكون بيانات النموذج كائن JSON من أزواج الحقل والقيمة",
            "The form data must be a JSON object of field ids and values",
        )]);
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if service.field(key).is_none() {
            errors.push(FieldError::new(
                key,
                "unknown_field",
                format!("الحقل «{key}» ليس من حقول هذه الخدمة"),
                format!("`{key}` is not a field of this service"),
            ));
        }
    }
    let mut values = Map::new();
    let mut uploads = Vec::new();
    for field in &service.fields {
        let raw = object.get(&field.id).filter(|v| !v.is_null());
        match check_field(field, raw, ctx) {
            Ok(Some(v)) => {
                if field.field_type == FieldType::File
                    && let Value::String(id) = &v
                {
                    uploads.push(UploadRef {
                        field: field.id.clone(),
                        upload_id: id.clone(),
                    });
                }
                values.insert(field.id.clone(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(ValidForm { values, uploads })
    } else {
        Err(errors)
    }
}

/// `Ok(None)` for an optional field left empty.
fn check_field(
    field: &Field,
    raw: Option<&Value>,
    ctx: &FormContext<'_>,
) -> Result<Option<Value>, FieldError> {
    let label = &field.label;
    let err = |code: &str, ar: String, en: String| FieldError::new(&field.id, code, ar, en);
    let missing = || {
        Err(err(
            "required",
            format!("يرجى إدخال «{}»", label.ar),
            format!("Enter {}", label.en),
        ))
    };
    let wrong_type = |expected_ar: &str, expected_en: &str| {
        Err(err(
            "wrong_type",
            format!("قيمة «{}» يجب أن تكون {expected_ar}", label.ar),
            format!("{} must be {expected_en}", label.en),
        ))
    };

    let Some(raw) = raw else {
        // A web form does not send an unticked box: a missing required boolean is a
        // declaration not made, not a value not entered.
        if field.required && field.field_type == FieldType::Boolean {
            return Err(err(
                "must_accept",
                format!("يجب الموافقة على «{}» للمتابعة", label.ar),
                format!("You must confirm {} to continue", label.en),
            ));
        }
        return if field.required { missing() } else { Ok(None) };
    };

    match field.field_type {
        FieldType::Boolean => {
            let b = match raw {
                Value::Bool(b) => *b,
                Value::String(s) if s == "true" || s == "on" => true,
                Value::String(s) if s == "false" || s.is_empty() => false,
                _ => return wrong_type("نعم أو لا", "true or false"),
            };
            if field.required && !b {
                return Err(err(
                    "must_accept",
                    format!("يجب الموافقة على «{}» للمتابعة", label.ar),
                    format!("You must confirm {} to continue", label.en),
                ));
            }
            Ok(Some(Value::Bool(b)))
        }
        FieldType::Number => {
            let n = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) if s.trim().is_empty() => {
                    return if field.required { missing() } else { Ok(None) };
                }
                Value::String(s) => to_ascii_number(s.trim()).parse::<f64>().ok(),
                _ => None,
            };
            let Some(n) = n.filter(|n| n.is_finite()) else {
                return Err(err(
                    "not_a_number",
                    format!("«{}» يجب أن يكون رقمًا", label.ar),
                    format!("{} must be a number", label.en),
                ));
            };
            if field.integer && n.fract() != 0.0 {
                return Err(err(
                    "not_an_integer",
                    format!("«{}» يجب أن يكون عددًا صحيحًا", label.ar),
                    format!("{} must be a whole number", label.en),
                ));
            }
            if let Some(min) = field.min.filter(|m| n < *m) {
                return Err(err(
                    "below_min",
                    format!("«{}» يجب ألا يقل عن {}", label.ar, fmt_num(min)),
                    format!("{} must be {} or more", label.en, fmt_num(min)),
                ));
            }
            if let Some(max) = field.max.filter(|m| n > *m) {
                return Err(err(
                    "above_max",
                    format!("«{}» يجب ألا يزيد على {}", label.ar, fmt_num(max)),
                    format!("{} must be {} or less", label.en, fmt_num(max)),
                ));
            }
            // Integers beyond 2^53 lose precision in JSON clients; refuse rather than alter.
            const SAFE: f64 = 9_007_199_254_740_991.0;
            if n.abs() > SAFE {
                return Err(err(
                    "number_too_large",
                    format!("«{}» رقم أكبر من المسموح", label.ar),
                    format!("{} is too large a number", label.en),
                ));
            }
            let value = if field.integer {
                Value::from(n as i64)
            } else {
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            };
            Ok(Some(value))
        }
        _ => {
            let Value::String(s) = raw else {
                return wrong_type("نصًا", "text");
            };
            // Disguising characters are refused before anything else, so that invisible
            // text neither fills a required field nor counts towards a length.
            let cleaned = clean_text(s, field.field_type == FieldType::Textarea).map_err(|_| {
                FieldError::new(
                    &field.id,
                    "invalid_characters",
                    format!("«{}» يحتوي على رموز غير مسموح بها أو غير مرئية", label.ar),
                    format!(
                        "{} contains characters that are not allowed or not visible",
                        label.en
                    ),
                )
            })?;
            if cleaned.is_empty() {
                return if field.required { missing() } else { Ok(None) };
            }
            check_string(field, &cleaned, ctx).map(Some)
        }
    }
}

fn check_string(field: &Field, s: &str, ctx: &FormContext<'_>) -> Result<Value, FieldError> {
    let label = &field.label;
    let err = |code: &str, ar: String, en: String| FieldError::new(&field.id, code, ar, en);
    match field.field_type {
        FieldType::Text | FieldType::Textarea | FieldType::Email => {
            let value = if field.field_type == FieldType::Email {
                check_email(s).ok_or_else(|| {
                    err(
                        "invalid_email",
                        format!(
                            "«{}» ليس بريدًا إلكترونيًا صحيحًا، مثل name@example.com",
                            label.ar
                        ),
                        format!(
                            "{} must be an email address like name@example.com",
                            label.en
                        ),
                    )
                })?
            } else if field.pattern.is_some() {
                // A pattern usually describes a code made of digits: accept Eastern digits.
                to_ascii_digits(s)
            } else {
                s.to_string()
            };
            let len = value.chars().count();
            if let Some(min) = field.min_length.filter(|m| len < *m as usize) {
                return Err(err(
                    "too_short",
                    format!("«{}» يجب ألا يقل عن {}", label.ar, letters_ar(min)),
                    format!("{} must be at least {min} characters", label.en),
                ));
            }
            if let Some(max) = field.max_length.filter(|m| len > *m as usize) {
                return Err(err(
                    "too_long",
                    format!("«{}» يجب ألا يزيد على {}", label.ar, letters_ar(max)),
                    format!("{} must be {max} characters or fewer", label.en),
                ));
            }
            if let Some(p) = &field.pattern
                && !p.regex.is_match(&value)
            {
                let (ar, en) = match &field.pattern_message {
                    Some(m) => (m.ar.clone(), m.en.clone()),
                    None => (
                        format!("«{}» ليس بالصيغة المطلوبة", label.ar),
                        format!("{} is not in the expected format", label.en),
                    ),
                };
                return Err(err("pattern_mismatch", ar, en));
            }
            Ok(Value::String(value))
        }
        FieldType::Date => {
            let folded = to_ascii_digits(s);
            let Some(date) = parse_iso_date(&folded) else {
                return Err(err(
                    "invalid_date",
                    format!(
                        "«{}» يجب أن يكون تاريخًا صحيحًا بالصيغة سنة-شهر-يوم، مثل 2001-03-27",
                        label.ar
                    ),
                    format!(
                        "{} must be a real date written year-month-day, like 2001-03-27",
                        label.en
                    ),
                ));
            };
            if let Some(min) = field
                .min_date
                .map(|b| b.resolve(ctx.today))
                .filter(|m| date < *m)
            {
                return Err(err(
                    "date_too_early",
                    format!("«{}» يجب أن يكون في {} أو بعده", label.ar, iso(min)),
                    format!("{} must be on or after {}", label.en, iso(min)),
                ));
            }
            if let Some(max) = field
                .max_date
                .map(|b| b.resolve(ctx.today))
                .filter(|m| date > *m)
            {
                return Err(err(
                    "date_too_late",
                    format!("«{}» يجب أن يكون في {} أو قبله", label.ar, iso(max)),
                    format!("{} must be on or before {}", label.en, iso(max)),
                ));
            }
            Ok(Value::String(iso(date)))
        }
        FieldType::Choice => {
            if field.options.iter().any(|o| o.value == s) {
                Ok(Value::String(s.to_string()))
            } else {
                let list_ar: Vec<_> = field.options.iter().map(|o| o.label.ar.as_str()).collect();
                let list_en: Vec<_> = field.options.iter().map(|o| o.label.en.as_str()).collect();
                Err(err(
                    "not_an_option",
                    format!("اختر «{}» من: {}", label.ar, list_ar.join("، ")),
                    format!("Choose {} from: {}", label.en, list_en.join(", ")),
                ))
            }
        }
        FieldType::Phone => ctx
            .country
            .parse_mobile(s)
            .map(|p| Value::String(p.e164().to_string()))
            .map_err(|e| {
                err(
                    e.code(),
                    format!("«{}»: {}", label.ar, e.message_ar()),
                    format!("{}: {}", label.en, e.message_en()),
                )
            }),
        FieldType::NationalId => ctx
            .country
            .parse_national_id(s, ctx.today)
            .map(|id| Value::String(id.as_str().to_string()))
            .map_err(|e| {
                err(
                    e.code(),
                    format!("«{}»: {}", label.ar, e.message_ar()),
                    format!("{}: {}", label.en, e.message_en()),
                )
            }),
        FieldType::File => {
            if s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                Ok(Value::String(s.to_string()))
            } else {
                Err(err(
                    "invalid_upload",
                    format!(
                        "«{}»: يرجى رفع الملف أولًا واستخدام رقم التحميل الناتج",
                        label.ar
                    ),
                    format!(
                        "{}: upload the file first and send the upload id you get back",
                        label.en
                    ),
                ))
            }
        }
        FieldType::Boolean | FieldType::Number => Ok(Value::String(s.to_string())),
    }
}

fn check_email(s: &str) -> Option<String> {
    let (local, domain) = s.rsplit_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace())
        && !local.contains('@');
    ok.then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// "N letters" in Arabic: the counted noun is plural from 3 to 10, singular accusative above.
fn letters_ar(n: u32) -> String {
    match n {
        1 => "حرف واحد".to_string(),
        2 => "حرفين".to_string(),
        3..=10 => format!("{n} أحرف"),
        _ => format!("{n} حرفًا"),
    }
}
