//! Mobile phone numbers: the parsed [`PhoneNumber`] (always E.164), its errors, and the
//! parser driven by the country file's numbering plan.
//!
//! Citizens give a mobile number so the platform can send them SMS codes and status
//! updates, so only mobiles are accepted. Numbers that are real but cannot receive SMS
//! (landlines, short codes) get their own error, so the citizen learns what is wrong.

use serde::Serialize;

use super::national_id::is_separator;
use crate::digits::to_ascii_digits;

/// A country's numbering plan, checked by the loader: every field is ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PhoneRules {
    pub(super) calling_code: String,
    pub(super) international_prefix: String,
    /// May be empty for countries without a trunk prefix.
    pub(super) trunk_prefix: String,
    pub(super) mobile_prefixes: Vec<String>,
    pub(super) subscriber_digits: usize,
    pub(super) non_mobile: Vec<NonMobile>,
    pub(super) short_code_digits: Vec<usize>,
    /// A made-up mobile number in national form, shown in error messages.
    pub(super) example: String,
}

/// A family of valid numbers that are not mobiles: national numbers (after the calling
/// code or trunk prefix) starting with one of `prefixes` and exactly `digits` long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NonMobile {
    pub(super) prefixes: Vec<String>,
    pub(super) digits: usize,
}

/// A mobile number in E.164 form (`+201012345678`). Only the parser builds one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber {
    e164: String,
}

impl PhoneNumber {
    /// `+`, the calling code and the national number, no spaces: the form to store, compare
    /// and send to SMS gateways.
    pub fn e164(&self) -> &str {
        &self.e164
    }
}

/// Why a mobile number was refused. Each variant carries an example number in the
/// country's national form so the message can show what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not a number of this country's plan at all (wrong length, unknown prefix, letters,
    /// a foreign calling code).
    #[error("not a valid mobile number (expected e.g. {example})")]
    Format { example: String },
    /// A valid landline, toll-free or short number, which cannot receive SMS.
    #[error("not a mobile number (expected e.g. {example})")]
    NotMobile { example: String },
}

impl PhoneError {
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Format { .. } => "phone_format",
            PhoneError::NotMobile { .. } => "phone_not_mobile",
        }
    }

    pub fn message_ar(&self) -> String {
        match self {
            PhoneError::Format { example } => {
                format!("رقم الهاتف المحمول غير صحيح. يُرجى كتابته بهذا الشكل: {example}")
            }
            PhoneError::NotMobile { example } => format!(
                "يبدو أن هذا رقم هاتف أرضي أو رقم مختصر. نحتاج إلى رقم هاتف محمول لنرسل إليك الرسائل، مثل: {example}"
            ),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            PhoneError::Format { example } => {
                format!("This is not a valid mobile number. Please write it like this: {example}.")
            }
            PhoneError::NotMobile { example } => format!(
                "This looks like a landline or short number. We need a mobile number to send you text messages, for example {example}."
            ),
        }
    }
}

impl PhoneRules {
    pub(super) fn parse_mobile(&self, input: &str) -> Result<PhoneNumber, PhoneError> {
        let cleaned: String = to_ascii_digits(input)
            .chars()
            .filter(|c| !is_separator(*c) && !matches!(c, '(' | ')'))
            .collect();

        // Find the national significant number: what is left after `+CC`, `00CC` or the
        // trunk prefix. A bare number without any of them is taken as national too.
        let (national, bare) = if let Some(rest) = cleaned.strip_prefix('+') {
            (
                rest.strip_prefix(self.calling_code.as_str())
                    .ok_or_else(|| self.format())?,
                false,
            )
        } else if let Some(rest) = self.strip_international(&cleaned) {
            (rest, false)
        } else if let Some(rest) = self.strip_trunk(&cleaned) {
            (rest, false)
        } else {
            (cleaned.as_str(), true)
        };
        if national.is_empty() || !national.chars().all(|c| c.is_ascii_digit()) {
            return Err(self.format());
        }

        if self.is_mobile(national) {
            return Ok(PhoneNumber {
                e164: format!("+{}{national}", self.calling_code),
            });
        }
        if bare && self.short_code_digits.contains(&national.len()) {
            return Err(self.not_mobile());
        }
        // A number starting like a mobile but of the wrong length is a typo in a mobile,
        // not a landline, so it gets the format message.
        let mobile_like = self
            .mobile_prefixes
            .iter()
            .any(|p| national.starts_with(p.as_str()));
        if !mobile_like && self.is_non_mobile(national) {
            return Err(self.not_mobile());
        }
        Err(self.format())
    }

    fn strip_international<'a>(&self, s: &'a str) -> Option<&'a str> {
        s.strip_prefix(self.international_prefix.as_str())?
            .strip_prefix(self.calling_code.as_str())
    }

    fn strip_trunk<'a>(&self, s: &'a str) -> Option<&'a str> {
        if self.trunk_prefix.is_empty() {
            return None;
        }
        s.strip_prefix(self.trunk_prefix.as_str())
    }

    fn is_mobile(&self, national: &str) -> bool {
        self.mobile_prefixes.iter().any(|p| {
            national.starts_with(p.as_str()) && national.len() == p.len() + self.subscriber_digits
        })
    }

    fn is_non_mobile(&self, national: &str) -> bool {
        self.non_mobile.iter().any(|family| {
            national.len() == family.digits
                && family
                    .prefixes
                    .iter()
                    .any(|p| national.starts_with(p.as_str()))
        })
    }

    fn format(&self) -> PhoneError {
        PhoneError::Format {
            example: self.example.clone(),
        }
    }

    fn not_mobile(&self) -> PhoneError {
        PhoneError::NotMobile {
            example: self.example.clone(),
        }
    }
}

/// A made-up mobile number for messages: trunk prefix, first mobile prefix, then
/// `1234567890...` cut to the subscriber length.
pub(super) fn example_number(
    trunk_prefix: &str,
    mobile_prefix: &str,
    subscriber_digits: usize,
) -> String {
    let subscriber: String = "1234567890"
        .chars()
        .cycle()
        .take(subscriber_digits)
        .collect();
    format!("{trunk_prefix}{mobile_prefix}{subscriber}")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::country::test_support::egypt;

    fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        egypt().parse_mobile(input)
    }

    fn code_of(input: &str) -> &'static str {
        match parse(input) {
            Ok(p) => panic!("{input} should be rejected, got {p:?}"),
            Err(e) => e.code(),
        }
    }

    #[test]
    fn every_accepted_form_normalises_to_the_same_e164() {
        for input in [
            "01012345678",
            "+201012345678",
            "00201012345678",
            "1012345678",
            "010 1234 5678",
            "010-1234-5678",
            "+20 10 1234 5678",
            "+20 (10) 1234-5678",
            "(010) 1234 5678",
            "0020 10 1234 5678",
            "٠١٠١٢٣٤٥٦٧٨",
            "۰۱۰۱۲۳۴۵۶۷۸",
            "+٢٠ ١٠ ١٢٣٤ ٥٦٧٨",
            "\u{200E}+20\u{00A0}101\u{2013}234\u{2013}5678",
        ] {
            assert_eq!(
                parse(input).map(|p| p.e164().to_owned()),
                Ok("+201012345678".to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn all_four_mobile_prefixes_are_accepted() {
        for (input, e164) in [
            ("01012345678", "+201012345678"),
            ("01112345678", "+201112345678"),
            ("01212345678", "+201212345678"),
            ("01512345678", "+201512345678"),
        ] {
            assert_eq!(parse(input).unwrap().e164(), e164);
        }
    }

    #[test]
    fn unknown_mobile_prefixes_are_rejected() {
        for input in [
            "01312345678",
            "01412345678",
            "01612345678",
            "01712345678",
            "01912345678",
            "+201612345678",
        ] {
            assert_eq!(code_of(input), "phone_format", "{input}");
        }
    }

    #[test]
    fn wrong_lengths_are_format_errors() {
        for input in [
            "0101234567",
            "010123456789",
            "+20101234567",
            "00201012345678 9",
            "0",
            "",
            "+",
            "+20",
        ] {
            assert_eq!(code_of(input), "phone_format", "{input:?}");
        }
    }

    #[test]
    fn letters_and_foreign_numbers_are_format_errors() {
        for input in [
            "010l2345678",
            "mobile",
            "+966501234567",
            "+1 202 555 0100",
            "0096650123456",
            "+20+1012345678",
        ] {
            assert_eq!(code_of(input), "phone_format", "{input}");
        }
    }

    #[test]
    fn landlines_toll_free_and_short_codes_are_not_mobiles() {
        for input in [
            "02 2345 6789",
            "+20 2 2345 6789",
            "0020223456789",
            "03 234 5678",
            "068 123 4567",
            "088 123 4567",
            "0800 123 4567",
            "15999",
            "19765",
            "122",
            "١٥٩٩٩",
        ] {
            assert_eq!(code_of(input), "phone_not_mobile", "{input}");
        }
        // Landline prefixes with the wrong length are not recognisable: plain format error.
        assert_eq!(code_of("02 2345 678"), "phone_format");
        assert_eq!(code_of("+20 15999"), "phone_format");
    }

    #[test]
    fn messages_show_a_national_example() {
        let e = parse("02 2345 6789").unwrap_err();
        assert_eq!(
            e,
            PhoneError::NotMobile {
                example: "01012345678".into()
            }
        );
        assert!(e.message_en().contains("01012345678"));
        assert!(e.message_ar().contains("01012345678"));
        let e = parse("013").unwrap_err();
        assert_eq!(e.code(), "phone_format");
        assert!(
            e.message_en()
                .starts_with("This is not a valid mobile number")
        );
        assert!(e.message_ar().starts_with("رقم الهاتف المحمول غير صحيح"));
    }

    #[test]
    fn example_number_fits_the_plan() {
        assert_eq!(example_number("0", "10", 8), "01012345678");
        assert_eq!(example_number("", "7", 12), "7123456789012");
    }

    #[test]
    fn serialises_as_the_e164_string() {
        assert_eq!(
            serde_json::to_string(&parse("01012345678").unwrap()).unwrap(),
            "\"+201012345678\""
        );
    }

    proptest! {
        #[test]
        fn every_valid_mobile_round_trips_in_all_forms(
            prefix in proptest::sample::select(vec!["10", "11", "12", "15"]),
            subscriber in "[0-9]{8}",
        ) {
            let e164 = format!("+20{prefix}{subscriber}");
            for input in [
                format!("0{prefix}{subscriber}"),
                format!("0020{prefix}{subscriber}"),
                format!("+20 {prefix} {} {}", &subscriber[..4], &subscriber[4..]),
                format!("0{prefix}-{subscriber}"),
            ] {
                let parsed = parse(&input).unwrap();
                prop_assert_eq!(parsed.e164(), e164.as_str());
            }
        }

        #[test]
        fn arbitrary_input_never_panics(input in "\\PC{0,20}") {
            let _ = parse(&input);
        }
    }
}
