//! Turns a written form field into a checked [`Field`]: a known type, and only the
//! constraints that fit it, each of a sensible value.

use regex::Regex;
use toml::Spanned;

use super::model::{ChoiceOption, DateBound, Field, FieldType, Pattern};
use super::problem::Reporter;
use super::raw::RawField;

/// Files accepted when a `file` field does not say.
pub const DEFAULT_ACCEPT: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];
/// Largest upload when a `file` field does not say: 5 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 5 * 1024 * 1024;
/// Longest value of a text field that sets no limit, so no form stores a novel by accident.
pub const DEFAULT_TEXT_MAX: u32 = 500;
pub const DEFAULT_TEXTAREA_MAX: u32 = 5000;

pub fn compile_field(r: &mut Reporter<'_>, raw: &RawField) -> Option<Field> {
    let before = r.problems.len();
    let id = raw.id.get_ref().clone();
    r.check_id(&raw.id, "field");
    r.check_text(&raw.label, &format!("label of field `{id}`"));
    if let Some(help) = &raw.help {
        r.check_text(help, &format!("help of field `{id}`"));
    }
    let Some(field_type) = FieldType::parse(raw.field_type.get_ref()) else {
        r.at(
            raw.field_type.span(),
            "unknown_field_type",
            format!(
                "field `{id}` has unknown type `{}`; known types: {}",
                raw.field_type.get_ref(),
                FieldType::ALL
            ),
        );
        return None;
    };

    let not_for_type = |r: &mut Reporter<'_>, span: std::ops::Range<usize>, what: &str| {
        r.at(
            span,
            "constraint_not_for_type",
            format!(
                "`{what}` does not apply to field `{id}` of type {}",
                raw.field_type.get_ref()
            ),
        )
    };

    // Lengths and patterns: text-like fields only.
    let length = |r: &mut Reporter<'_>, v: &Option<Spanned<i64>>, what: &str| -> Option<u32> {
        let v = v.as_ref()?;
        if !field_type.is_textual() {
            not_for_type(r, v.span(), what);
            return None;
        }
        match u32::try_from(*v.get_ref()) {
            Ok(n) if n <= 100_000 => Some(n),
            _ => {
                r.at(
                    v.span(),
                    "invalid_length",
                    format!("`{what}` of field `{id}` must be between 0 and 100000"),
                );
                None
            }
        }
    };
    let min_length = length(r, &raw.min_length, "min_length");
    let mut max_length = length(r, &raw.max_length, "max_length");
    if let (Some(lo), Some(hi), Some(span)) = (
        min_length,
        max_length,
        raw.max_length.as_ref().map(|s| s.span()),
    ) && lo > hi
    {
        r.at(
            span,
            "min_above_max",
            format!("field `{id}`: min_length {lo} is above max_length {hi}"),
        );
    }
    if max_length.is_none() {
        max_length = match field_type {
            FieldType::Text | FieldType::Email => Some(DEFAULT_TEXT_MAX),
            FieldType::Textarea => Some(DEFAULT_TEXTAREA_MAX),
            _ => None,
        };
    }

    let pattern = match &raw.pattern {
        None => None,
        Some(p) if !field_type.is_textual() => {
            not_for_type(r, p.span(), "pattern");
            None
        }
        Some(p) => match Regex::new(&format!("^(?:{})$", p.get_ref())) {
            Ok(regex) => Some(Pattern {
                source: p.get_ref().clone(),
                regex,
            }),
            Err(e) => {
                r.at(
                    p.span(),
                    "invalid_pattern",
                    format!(
                        "pattern of field `{id}` is not a valid regular expression: {}",
                        // The regex error spans several lines; a problem is one line.
                        e.to_string()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
                None
            }
        },
    };
    if let Some(m) = &raw.pattern_message {
        if raw.pattern.is_none() {
            r.at(
                m.span(),
                "pattern_message_without_pattern",
                format!("field `{id}` has a pattern_message but no pattern"),
            );
        }
        r.check_text(m, &format!("pattern_message of field `{id}`"));
    }

    // min/max: numbers for number fields, dates for date fields.
    let (mut min, mut max, mut min_date, mut max_date) = (None, None, None, None);
    for (bound, what) in [(&raw.min, "min"), (&raw.max, "max")] {
        let Some(b) = bound else { continue };
        match field_type {
            FieldType::Number => match b.get_ref() {
                toml::Value::Integer(i) => set(what, &mut min, &mut max, *i as f64),
                toml::Value::Float(f) if f.is_finite() => set(what, &mut min, &mut max, *f),
                _ => r.at(
                    b.span(),
                    "invalid_bound",
                    format!("`{what}` of number field `{id}` must be a number"),
                ),
            },
            FieldType::Date => match parse_date_bound(b.get_ref()) {
                Some(d) => set(what, &mut min_date, &mut max_date, d),
                None => r.at(
                    b.span(),
                    "invalid_bound",
                    format!(
                        "`{what}` of date field `{id}` must be a date like 2000-01-31 or \"today\""
                    ),
                ),
            },
            _ => not_for_type(r, b.span(), what),
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        r.at(
            raw.id.span(),
            "min_above_max",
            format!("field `{id}`: min {lo} is above max {hi}"),
        );
    }
    if let (Some(DateBound::Fixed(lo)), Some(DateBound::Fixed(hi))) = (min_date, max_date)
        && lo > hi
    {
        r.at(
            raw.id.span(),
            "min_above_max",
            format!("field `{id}`: min date is after max date"),
        );
    }
    let integer = match &raw.integer {
        Some(i) if field_type != FieldType::Number => {
            not_for_type(r, i.span(), "integer");
            false
        }
        Some(i) => *i.get_ref(),
        None => false,
    };

    let mut options: Vec<ChoiceOption> = Vec::new();
    match (&raw.options, field_type) {
        (None, FieldType::Choice) => r.at(
            raw.id.span(),
            "choice_without_options",
            format!("choice field `{id}` has no options"),
        ),
        (Some(o), FieldType::Choice) if o.get_ref().is_empty() => r.at(
            o.span(),
            "choice_without_options",
            format!("choice field `{id}` has no options"),
        ),
        (Some(o), FieldType::Choice) => {
            for opt in o.get_ref() {
                let opt = opt.get_ref();
                r.check_text(
                    &opt.label,
                    &format!("label of option `{}` of field `{id}`", opt.value.get_ref()),
                );
                if options.iter().any(|x| &x.value == opt.value.get_ref()) {
                    r.at(
                        opt.value.span(),
                        "duplicate_option",
                        format!("field `{id}` lists option `{}` twice", opt.value.get_ref()),
                    );
                } else if opt.value.get_ref().trim().is_empty() {
                    r.at(
                        opt.value.span(),
                        "empty_option",
                        format!("field `{id}` has an option with an empty value"),
                    );
                } else {
                    options.push(ChoiceOption {
                        value: opt.value.get_ref().clone(),
                        label: opt.label.get_ref().clone(),
                    });
                }
            }
        }
        (Some(o), _) => not_for_type(r, o.span(), "options"),
        (None, _) => {}
    }

    let mut accept = Vec::new();
    let mut max_size = None;
    match (&raw.accept, field_type) {
        (Some(a), FieldType::File) => {
            for t in a.get_ref() {
                if !t.contains('/') || t.contains(char::is_whitespace) {
                    r.at(
                        a.span(),
                        "invalid_media_type",
                        format!("field `{id}`: `{t}` is not a media type like application/pdf"),
                    );
                }
            }
            accept = a.get_ref().clone();
        }
        (Some(a), _) => not_for_type(r, a.span(), "accept"),
        (None, FieldType::File) => accept = DEFAULT_ACCEPT.iter().map(|s| s.to_string()).collect(),
        (None, _) => {}
    }
    match (&raw.max_size_kb, field_type) {
        (Some(s), FieldType::File) => match u64::try_from(*s.get_ref()) {
            Ok(kb) if (1..=50 * 1024).contains(&kb) => max_size = Some(kb * 1024),
            _ => r.at(
                s.span(),
                "invalid_size",
                format!("max_size_kb of field `{id}` must be between 1 and 51200"),
            ),
        },
        (Some(s), _) => not_for_type(r, s.span(), "max_size_kb"),
        (None, FieldType::File) => max_size = Some(DEFAULT_MAX_SIZE),
        (None, _) => {}
    }

    if r.problems.len() > before {
        return None;
    }
    Some(Field {
        id,
        field_type,
        required: raw.required,
        label: raw.label.get_ref().clone(),
        help: raw.help.as_ref().map(|h| h.get_ref().clone()),
        min_length,
        max_length,
        pattern,
        pattern_message: raw.pattern_message.as_ref().map(|m| m.get_ref().clone()),
        min,
        max,
        integer,
        min_date,
        max_date,
        options,
        accept,
        max_size,
    })
}

fn set<T>(what: &str, min: &mut Option<T>, max: &mut Option<T>, v: T) {
    if what == "min" {
        *min = Some(v)
    } else {
        *max = Some(v)
    }
}

fn parse_date_bound(v: &toml::Value) -> Option<DateBound> {
    let text = match v {
        toml::Value::String(s) if s == "today" => return Some(DateBound::Today),
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        _ => return None,
    };
    parse_iso_date(&text).map(DateBound::Fixed)
}

/// Parses `YYYY-MM-DD` into a real calendar date.
pub fn parse_iso_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    time::Date::from_calendar_date(year, month, day).ok()
}
