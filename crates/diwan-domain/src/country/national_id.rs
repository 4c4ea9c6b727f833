//! National ID numbers: the parsed [`NationalId`] type, its errors, and the `eg14` format
//! (Egypt's 14-digit number: century, YYMMDD, governorate, serial, check digit).
//!
//! The format's layout is code; its data (which first digit means which century, which
//! region codes exist, which one means "born abroad") comes from the country file.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::Region;
use crate::digits::to_ascii_digits;

/// The national ID layouts Diwan knows. A new country with a different layout adds a
/// variant here; a country with the same layout only writes a country file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(super) enum IdFormat {
    /// Egypt: `C YYMMDD RR SSSS K`, 14 digits. `C` century, `RR` region of birth, the
    /// last serial digit's parity is the gender, `K` a check digit that is never verified
    /// because its algorithm is not published (public validators disagree with each other).
    #[serde(rename = "eg14")]
    Eg14,
}

impl IdFormat {
    fn length(self) -> usize {
        match self {
            IdFormat::Eg14 => 14,
        }
    }
}

/// The national ID rules of one country, checked by the loader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NationalIdRules {
    pub(super) format: IdFormat,
    /// First digit → first year of the century (`2` → 1900).
    pub(super) centuries: BTreeMap<u8, i32>,
    /// The region code that means "born outside the country".
    pub(super) born_abroad_code: String,
}

/// Male or female, as encoded in the national ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

/// A national ID number that passed every structural check. There is no public
/// constructor and no `Deserialize`: the only way to get one is the parser, so holding a
/// `NationalId` proves the number is well formed ("parse, don't validate").
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId {
    digits: String,
    birth_date: Date,
    gender: Gender,
    region_code: String,
    born_abroad: bool,
}

impl NationalId {
    /// The number as ASCII digits only, the form to store and compare.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    pub fn gender(&self) -> Gender {
        self.gender
    }

    /// The region of birth's code; look it up with [`super::CountryRules::region`].
    pub fn region_code(&self) -> &str {
        &self.region_code
    }

    /// True when the region code is the country file's `born_abroad_code`.
    pub fn born_abroad(&self) -> bool {
        self.born_abroad
    }
}

/// Masked, because a national ID is personal data and `Debug` output ends up in logs.
impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.digits.len().saturating_sub(2);
        let tail = self.digits.get(shown..).unwrap_or_default();
        write!(f, "NationalId({}{tail})", "*".repeat(shown))
    }
}

/// Serialised as the plain digit string, the form APIs and the database use.
impl Serialize for NationalId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

/// Why a national ID number was refused. Codes are stable (clients and logs match on them);
/// messages are for the citizen who typed the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NationalIdError {
    /// Not the right number of digits (0 when the field was left empty).
    #[error("national ID must have {expected} digits, found {found}")]
    WrongLength { expected: usize, found: usize },
    /// Something other than a digit, space or dash.
    #[error("national ID must contain only digits")]
    NotDigits { expected: usize },
    /// The first digit is not a century the country file knows.
    #[error("national ID century digit {digit} is unknown")]
    Century { digit: char },
    /// The birth date part is not a real calendar date (month 13, 30 February, ...).
    #[error("national ID birth date is not a real date")]
    BirthDate,
    /// The birth date is after today.
    #[error("national ID birth date is in the future")]
    FutureBirth,
    /// The region code is not in the country file.
    #[error("national ID region code {code} is unknown")]
    Region { code: String },
}

impl NationalIdError {
    pub fn code(&self) -> &'static str {
        match self {
            NationalIdError::WrongLength { .. } | NationalIdError::NotDigits { .. } => {
                "national_id_format"
            }
            NationalIdError::Century { .. } => "national_id_century",
            NationalIdError::BirthDate => "national_id_birth_date",
            NationalIdError::FutureBirth => "national_id_future_birth",
            NationalIdError::Region { .. } => "national_id_region",
        }
    }

    pub fn message_ar(&self) -> String {
        match self {
            NationalIdError::WrongLength { expected, found: 0 } => {
                format!("يُرجى إدخال الرقم القومي المكوّن من {expected} رقمًا كما هو مكتوب في بطاقتك.")
            }
            NationalIdError::WrongLength { expected, found } => format!(
                "يجب أن يتكوّن الرقم القومي من {expected} رقمًا، والرقم الذي أدخلته يتكوّن من {found}. يُرجى مراجعته من بطاقتك."
            ),
            NationalIdError::NotDigits { expected } => format!(
                "يجب أن يحتوي الرقم القومي على أرقام فقط. يُرجى كتابة الأرقام الـ{expected} كما هي في بطاقتك."
            ),
            NationalIdError::Century { .. } => {
                "الرقم الأول من الرقم القومي غير صحيح. يُرجى مراجعته من بطاقتك.".to_owned()
            }
            NationalIdError::BirthDate => {
                "تاريخ الميلاد في الرقم القومي (الأرقام من 2 إلى 7) ليس تاريخًا صحيحًا. يُرجى مراجعة الرقم.".to_owned()
            }
            NationalIdError::FutureBirth => {
                "تاريخ الميلاد في الرقم القومي يقع في المستقبل. يُرجى مراجعة الرقم.".to_owned()
            }
            NationalIdError::Region { .. } => {
                "كود المحافظة في الرقم القومي (الرقمان 8 و9) غير معروف. يُرجى مراجعة الرقم.".to_owned()
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            NationalIdError::WrongLength { expected, found: 0 } => {
                format!("Please enter your {expected}-digit national ID number as it is written on your ID card.")
            }
            NationalIdError::WrongLength { expected, found } => format!(
                "A national ID number has {expected} digits, but the number you entered has {found}. Please check it against your ID card."
            ),
            NationalIdError::NotDigits { expected } => format!(
                "A national ID number contains only digits. Please type the {expected} digits exactly as they appear on your ID card."
            ),
            NationalIdError::Century { .. } => {
                "The first digit of this national ID number is not valid. Please check it against your ID card.".to_owned()
            }
            NationalIdError::BirthDate => {
                "The birth date in this national ID number (digits 2 to 7) is not a real date. Please check the number.".to_owned()
            }
            NationalIdError::FutureBirth => {
                "The birth date in this national ID number is in the future. Please check the number.".to_owned()
            }
            NationalIdError::Region { .. } => {
                "The governorate code in this national ID number (digits 8 and 9) is not known. Please check the number.".to_owned()
            }
        }
    }
}

/// Characters people type or paste between digit groups; removed before checking.
/// Bidirectional marks are included because Arabic text fields insert them invisibly.
pub(super) fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

impl NationalIdRules {
    pub(super) fn parse(
        &self,
        input: &str,
        today: Date,
        regions: &[Region],
    ) -> Result<NationalId, NationalIdError> {
        let expected = self.format.length();
        let digits: String = to_ascii_digits(input)
            .chars()
            .filter(|c| !is_separator(*c))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(NationalIdError::NotDigits { expected });
        }
        if digits.len() != expected {
            return Err(NationalIdError::WrongLength {
                expected,
                found: digits.len(),
            });
        }
        match self.format {
            IdFormat::Eg14 => self.parse_eg14(digits, today, regions),
        }
    }

    /// `digits` is exactly 14 ASCII digits here.
    fn parse_eg14(
        &self,
        digits: String,
        today: Date,
        regions: &[Region],
    ) -> Result<NationalId, NationalIdError> {
        let d: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        let pair = |i: usize| d[i] * 10 + d[i + 1];

        let century = self
            .centuries
            .get(&d[0])
            .copied()
            .ok_or(NationalIdError::Century {
                digit: char::from(b'0' + d[0]),
            })?;
        let year = century + i32::from(pair(1));
        let month = Month::try_from(pair(3)).map_err(|_| NationalIdError::BirthDate)?;
        let birth_date = Date::from_calendar_date(year, month, pair(5))
            .map_err(|_| NationalIdError::BirthDate)?;
        if birth_date > today {
            return Err(NationalIdError::FutureBirth);
        }

        let region_code = digits[7..9].to_owned();
        if !regions.iter().any(|r| r.code == region_code) {
            return Err(NationalIdError::Region { code: region_code });
        }

        // Digit 13 (the last serial digit) carries the gender; digit 14 is deliberately
        // not checked: no official algorithm exists and a wrong guess rejects real people.
        let gender = if d[12] % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        };
        let born_abroad = region_code == self.born_abroad_code;
        Ok(NationalId {
            digits,
            birth_date,
            gender,
            region_code,
            born_abroad,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;
    use crate::country::test_support::egypt;

    const TODAY: Date = date!(2026 - 03 - 15);

    fn parse(input: &str) -> Result<NationalId, NationalIdError> {
        egypt().parse_national_id(input, TODAY)
    }

    fn code_of(input: &str) -> &'static str {
        match parse(input) {
            Ok(id) => panic!("{input} should be rejected, got {id:?}"),
            Err(e) => e.code(),
        }
    }

    #[test]
    fn valid_id_yields_birth_date_gender_and_governorate() {
        let id = parse("29001010123465").unwrap();
        assert_eq!(id.as_str(), "29001010123465");
        assert_eq!(id.birth_date(), date!(1990 - 01 - 01));
        assert_eq!(id.region_code(), "01");
        assert_eq!(egypt().region(id.region_code()).unwrap().name.en, "Cairo");
        assert_eq!(id.gender(), Gender::Female, "digit 13 is 6, even");
        assert!(!id.born_abroad());

        let id = parse("30512312101253").unwrap();
        assert_eq!(id.birth_date(), date!(2005 - 12 - 31));
        assert_eq!(id.region_code(), "21");
        assert_eq!(id.gender(), Gender::Male, "digit 13 is 5, odd");
    }

    #[test]
    fn born_abroad_code_is_accepted_and_flagged() {
        let id = parse("28507158800111").unwrap();
        assert_eq!(id.region_code(), "88");
        assert!(id.born_abroad());
        assert_eq!(id.birth_date(), date!(1985 - 07 - 15));
        assert_eq!(id.gender(), Gender::Male);
    }

    #[test]
    fn spaces_dashes_and_eastern_digits_are_folded() {
        let expected = "29001010123465";
        for input in [
            "2 900101 01 2346 5",
            "2-900101-01-2346-5",
            "٢٩٠٠١٠١٠١٢٣٤٦٥",
            "۲۹۰۰۱۰۱۰۱۲۳۴۶۵",
            " ٢٩٠ ٠١٠١ – ٠١٢٣٤٦٥ ",
            "\u{200F}29001010123465",
        ] {
            assert_eq!(parse(input).unwrap().as_str(), expected, "{input}");
        }
    }

    #[test]
    fn wrong_length_and_non_digits_are_format_errors() {
        assert_eq!(
            parse("2900101012345"),
            Err(NationalIdError::WrongLength {
                expected: 14,
                found: 13
            })
        );
        assert_eq!(
            parse("290010101234567"),
            Err(NationalIdError::WrongLength {
                expected: 14,
                found: 15
            })
        );
        assert_eq!(
            parse("  "),
            Err(NationalIdError::WrongLength {
                expected: 14,
                found: 0
            })
        );
        assert_eq!(
            parse("2900101012345a"),
            Err(NationalIdError::NotDigits { expected: 14 })
        );
        assert_eq!(
            parse("29001O1012345"),
            Err(NationalIdError::NotDigits { expected: 14 })
        );
        assert_eq!(
            parse("+29001011234567"),
            Err(NationalIdError::NotDigits { expected: 14 })
        );
        for input in ["2900101012345", "2900101012345a", ""] {
            assert_eq!(code_of(input), "national_id_format");
        }
    }

    #[test]
    fn unknown_century_digits_are_rejected() {
        assert_eq!(
            parse("19001011234567"),
            Err(NationalIdError::Century { digit: '1' })
        );
        assert_eq!(
            parse("49001011234567"),
            Err(NationalIdError::Century { digit: '4' })
        );
        assert_eq!(code_of("09001011234567"), "national_id_century");
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert_eq!(
            parse("29013011234567"),
            Err(NationalIdError::BirthDate),
            "month 13"
        );
        assert_eq!(
            parse("29000011234567"),
            Err(NationalIdError::BirthDate),
            "month 0"
        );
        assert_eq!(
            parse("29001001234567"),
            Err(NationalIdError::BirthDate),
            "day 0"
        );
        assert_eq!(
            parse("29001321234567"),
            Err(NationalIdError::BirthDate),
            "31+1 January"
        );
        assert_eq!(
            parse("29002300112345"),
            Err(NationalIdError::BirthDate),
            "30 February"
        );
        assert_eq!(
            parse("29902290112345"),
            Err(NationalIdError::BirthDate),
            "29 Feb 1999"
        );
        assert_eq!(
            parse("20002290112345"),
            Err(NationalIdError::BirthDate),
            "29 Feb 1900, not leap"
        );
        assert_eq!(code_of("29013011234567"), "national_id_birth_date");
    }

    #[test]
    fn leap_days_in_leap_years_are_accepted() {
        assert_eq!(
            parse("29602290112345").unwrap().birth_date(),
            date!(1996 - 02 - 29)
        );
        assert_eq!(
            parse("30002290112345").unwrap().birth_date(),
            date!(2000 - 02 - 29)
        );
    }

    #[test]
    fn births_after_today_are_rejected() {
        assert_eq!(
            parse("32603150112345").unwrap().birth_date(),
            TODAY,
            "born today is fine"
        );
        assert_eq!(parse("32603160112345"), Err(NationalIdError::FutureBirth));
        assert_eq!(parse("33001010112345"), Err(NationalIdError::FutureBirth));
        assert_eq!(code_of("39912310112345"), "national_id_future_birth");
    }

    #[test]
    fn unknown_governorate_codes_are_rejected() {
        assert_eq!(
            parse("29001012012345"),
            Err(NationalIdError::Region { code: "20".into() })
        );
        assert_eq!(
            parse("29001019912345"),
            Err(NationalIdError::Region { code: "99".into() })
        );
        assert_eq!(
            parse("29001010012345"),
            Err(NationalIdError::Region { code: "00".into() })
        );
        assert_eq!(code_of("29001012012345"), "national_id_region");
    }

    #[test]
    fn the_check_digit_never_changes_validity() {
        for last in '0'..='9' {
            let valid = format!("2900101012345{last}");
            assert!(parse(&valid).is_ok(), "{valid}");
            let invalid = format!("2901301012345{last}");
            assert_eq!(
                parse(&invalid),
                Err(NationalIdError::BirthDate),
                "{invalid}"
            );
        }
    }

    #[test]
    fn every_error_has_a_code_and_both_messages() {
        let errors = [
            NationalIdError::WrongLength {
                expected: 14,
                found: 0,
            },
            NationalIdError::WrongLength {
                expected: 14,
                found: 13,
            },
            NationalIdError::NotDigits { expected: 14 },
            NationalIdError::Century { digit: '4' },
            NationalIdError::BirthDate,
            NationalIdError::FutureBirth,
            NationalIdError::Region { code: "20".into() },
        ];
        for e in errors {
            assert!(e.code().starts_with("national_id_"));
            assert!(
                e.message_ar()
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{e:?}"
            );
            assert!(e.message_en().ends_with('.'), "{e:?}");
        }
        let e = NationalIdError::WrongLength {
            expected: 14,
            found: 13,
        };
        assert!(e.message_en().contains("14") && e.message_en().contains("13"));
        assert!(e.message_ar().contains("14") && e.message_ar().contains("13"));
    }

    #[test]
    fn debug_output_masks_the_number_and_serde_gives_the_digits() {
        let id = parse("29001010123465").unwrap();
        assert_eq!(format!("{id:?}"), "NationalId(************65)");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"29001010123465\"");
        assert_eq!(
            serde_json::to_string(&Gender::Female).unwrap(),
            "\"female\""
        );
    }

    /// A valid ID as digits, with its expected birth date, region code and gender digit.
    fn valid_id() -> impl Strategy<Value = (String, Date, String, u8)> {
        let first = date!(1900 - 01 - 01).to_julian_day();
        let region_codes: Vec<String> = egypt().regions().iter().map(|r| r.code.clone()).collect();
        (
            first..=TODAY.to_julian_day(),
            proptest::sample::select(region_codes),
            0u32..1000,
            0u8..10,
            0u8..10,
        )
            .prop_map(|(julian, region, serial, gender_digit, check)| {
                let birth = Date::from_julian_day(julian).unwrap();
                let century = if birth.year() < 2000 { 2 } else { 3 };
                let digits = format!(
                    "{century}{:02}{:02}{:02}{region}{serial:03}{gender_digit}{check}",
                    birth.year() % 100,
                    u8::from(birth.month()),
                    birth.day()
                );
                (digits, birth, region, gender_digit)
            })
    }

    proptest! {
        #[test]
        fn generated_valid_ids_round_trip((digits, birth, region, gender_digit) in valid_id()) {
            let id = parse(&digits).unwrap();
            prop_assert_eq!(id.as_str(), digits.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.region_code(), region.as_str());
            let gender = if gender_digit % 2 == 1 { Gender::Male } else { Gender::Female };
            prop_assert_eq!(id.gender(), gender);
            // The same number typed in Eastern Arabic digits with spaces parses the same.
            let eastern: String = digits
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + 0x0660).unwrap())
                .collect();
            prop_assert_eq!(parse(&format!(" {eastern} ")).unwrap(), id);
        }

        #[test]
        fn a_wrong_century_digit_is_always_rejected(
            (digits, _, _, _) in valid_id(),
            bad in proptest::sample::select(vec!['0', '1', '4', '5', '6', '7', '8', '9']),
        ) {
            let wrong = format!("{bad}{}", &digits[1..]);
            prop_assert_eq!(parse(&wrong), Err(NationalIdError::Century { digit: bad }));
        }

        #[test]
        fn any_check_digit_is_accepted((digits, _, _, _) in valid_id(), check in 0u8..10) {
            let other = format!("{}{check}", &digits[..13]);
            prop_assert!(parse(&other).is_ok());
        }

        #[test]
        fn arbitrary_input_never_panics(input in "\\PC{0,30}") {
            let _ = parse(&input);
        }
    }
}
