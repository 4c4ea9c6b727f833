//! The country file format (`countries/xx.toml`) and its checks. The raw structs mirror the
//! file one to one and reject unknown keys, so a misspelt key is an error, not a silently
//! ignored setting. Values are then checked and turned into [`CountryRules`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::error::{CountryError, line_of};
use super::national_id::{IdFormat, NationalIdRules};
use super::phone::{NonMobile, PhoneRules, example_number};
use super::{CountryRules, Currency, Region};
use crate::text::Text;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    code: Spanned<String>,
    name: Text,
    languages: Spanned<Vec<String>>,
    time_zone: Spanned<String>,
    currency: RawCurrency,
    national_id: RawNationalId,
    phone: RawPhone,
    regions: Spanned<Vec<RawRegion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCurrency {
    code: Spanned<String>,
    minor_units: Spanned<u32>,
    symbol: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNationalId {
    format: IdFormat,
    centuries: Spanned<BTreeMap<String, Spanned<i32>>>,
    born_abroad_code: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhone {
    calling_code: Spanned<String>,
    /// Defaults to `00`, the ITU-recommended international prefix most countries use.
    #[serde(default = "default_international_prefix")]
    international_prefix: Spanned<String>,
    trunk_prefix: Spanned<String>,
    mobile_prefixes: Spanned<Vec<String>>,
    subscriber_digits: Spanned<usize>,
    #[serde(default)]
    short_code_digits: Vec<usize>,
    #[serde(default)]
    non_mobile: Vec<RawNonMobile>,
}

fn default_international_prefix() -> Spanned<String> {
    Spanned::new(0..0, "00".to_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNonMobile {
    prefixes: Spanned<Vec<String>>,
    digits: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    code: Spanned<String>,
    name: Text,
}

pub(super) fn from_toml(src: &str) -> Result<CountryRules, CountryError> {
    let raw: RawCountry = toml::from_str(src).map_err(|e| CountryError::Toml {
        line: e.span().map(|s| line_of(src, s.start)),
        message: e.message().trim_end().to_owned(),
    })?;
    Checker { src }.country(raw)
}

/// Carries the source text so every check can report the line of the offending value.
struct Checker<'a> {
    src: &'a str,
}

impl Checker<'_> {
    fn fail(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        message: impl Into<String>,
    ) -> CountryError {
        CountryError::Invalid {
            line: span
                .filter(|s| !s.is_empty())
                .map(|s| line_of(self.src, s.start)),
            key: key.to_owned(),
            message: message.into(),
        }
    }

    fn country(&self, raw: RawCountry) -> Result<CountryRules, CountryError> {
        let code = &raw.code;
        if code.as_ref().len() != 2 || !code.as_ref().chars().all(|c| c.is_ascii_uppercase()) {
            return Err(self.fail(
                Some(code.span()),
                "code",
                "must be a two-letter ISO 3166 code such as \"EG\"",
            ));
        }
        self.text(&raw.name, "name")?;
        let languages = &raw.languages;
        if languages.as_ref().is_empty() || languages.as_ref().iter().any(|l| l.trim().is_empty()) {
            return Err(self.fail(
                Some(languages.span()),
                "languages",
                "must list at least one language code, none empty",
            ));
        }
        // The name is checked against the time-zone database by the server, which has one;
        // here only its shape ("Area/City", as IANA names are, or "UTC").
        let zone = raw.time_zone.get_ref();
        let plausible = zone == "UTC"
            || (zone.contains('/')
                && zone
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c)));
        if !plausible {
            return Err(self.fail(
                Some(raw.time_zone.span()),
                "time_zone",
                format!("`{zone}` is not an IANA time zone name such as \"Africa/Cairo\""),
            ));
        }
        let currency = self.currency(raw.currency)?;
        let regions = self.regions(raw.regions)?;
        let national_id = self.national_id(raw.national_id, &regions)?;
        let phone = self.phone(raw.phone)?;
        Ok(CountryRules {
            code: raw.code.into_inner(),
            name: raw.name,
            languages: raw.languages.into_inner(),
            time_zone: raw.time_zone.into_inner(),
            currency,
            national_id,
            phone,
            regions,
        })
    }

    fn text(&self, text: &Text, key: &str) -> Result<(), CountryError> {
        if text.ar.trim().is_empty() || text.en.trim().is_empty() {
            return Err(self.fail(
                None,
                key,
                "needs both an Arabic (`ar`) and an English (`en`) text",
            ));
        }
        Ok(())
    }

    fn currency(&self, raw: RawCurrency) -> Result<Currency, CountryError> {
        let code = &raw.code;
        if code.as_ref().len() != 3 || !code.as_ref().chars().all(|c| c.is_ascii_uppercase()) {
            return Err(self.fail(
                Some(code.span()),
                "currency.code",
                "must be a three-letter ISO 4217 code such as \"EGP\"",
            ));
        }
        // ISO 4217 has no currency with more than 4 minor digits; more is a typo.
        if *raw.minor_units.as_ref() > 4 {
            return Err(self.fail(
                Some(raw.minor_units.span()),
                "currency.minor_units",
                "must be between 0 and 4",
            ));
        }
        self.text(&raw.symbol, "currency.symbol")?;
        Ok(Currency {
            code: raw.code.into_inner(),
            minor_units: raw.minor_units.into_inner(),
            symbol: raw.symbol,
        })
    }

    fn regions(&self, raw: Spanned<Vec<RawRegion>>) -> Result<Vec<Region>, CountryError> {
        if raw.as_ref().is_empty() {
            return Err(self.fail(Some(raw.span()), "regions", "must list at least one region"));
        }
        let mut seen = BTreeSet::new();
        let mut regions = Vec::with_capacity(raw.as_ref().len());
        for (i, region) in raw.into_inner().into_iter().enumerate() {
            let key = format!("regions[{i}].code");
            let code = region.code.as_ref();
            // Region codes are read from ID digits, so anything but digits could never match.
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
                return Err(self.fail(
                    Some(region.code.span()),
                    &key,
                    "must be ASCII digits, written as a string such as \"01\"",
                ));
            }
            if !seen.insert(code.to_owned()) {
                return Err(self.fail(
                    Some(region.code.span()),
                    &key,
                    format!("region code \"{code}\" appears twice"),
                ));
            }
            self.text(&region.name, &format!("regions[{i}].name"))?;
            regions.push(Region {
                code: region.code.into_inner(),
                name: region.name,
            });
        }
        Ok(regions)
    }

    fn national_id(
        &self,
        raw: RawNationalId,
        regions: &[Region],
    ) -> Result<NationalIdRules, CountryError> {
        let key = "national_id.centuries";
        if raw.centuries.as_ref().is_empty() {
            return Err(self.fail(
                Some(raw.centuries.span()),
                key,
                "must map at least one first digit to a century",
            ));
        }
        let mut centuries = BTreeMap::new();
        for (digit, start) in raw.centuries.as_ref() {
            let span = Some(start.span());
            let d = match digit.as_bytes() {
                [b @ b'0'..=b'9'] => b - b'0',
                _ => {
                    return Err(self.fail(
                        span,
                        key,
                        format!("key \"{digit}\" must be a single digit such as \"2\""),
                    ));
                }
            };
            let year = *start.as_ref();
            if !(0..=9900).contains(&year) || year % 100 != 0 {
                return Err(self.fail(
                    span,
                    key,
                    format!(
                        "\"{digit}\" = {year}: must be the first year of a century, such as 1900"
                    ),
                ));
            }
            centuries.insert(d, year);
        }
        for region in regions {
            if region.code.len() != 2 && raw.format == IdFormat::Eg14 {
                return Err(self.fail(
                    None,
                    "regions",
                    format!(
                        "code \"{}\" must have 2 digits for format eg14",
                        region.code
                    ),
                ));
            }
        }
        let abroad = &raw.born_abroad_code;
        if !regions.iter().any(|r| &r.code == abroad.as_ref()) {
            return Err(self.fail(
                Some(abroad.span()),
                "national_id.born_abroad_code",
                format!("\"{}\" must also be listed in [[regions]]", abroad.as_ref()),
            ));
        }
        Ok(NationalIdRules {
            format: raw.format,
            centuries,
            born_abroad_code: raw.born_abroad_code.into_inner(),
        })
    }

    fn phone(&self, raw: RawPhone) -> Result<PhoneRules, CountryError> {
        self.digits(&raw.calling_code, "phone.calling_code", false)?;
        self.digits(
            &raw.international_prefix,
            "phone.international_prefix",
            false,
        )?;
        self.digits(&raw.trunk_prefix, "phone.trunk_prefix", true)?;
        let prefixes = &raw.mobile_prefixes;
        if prefixes.as_ref().is_empty() || prefixes.as_ref().iter().any(|p| !is_digits(p)) {
            return Err(self.fail(
                Some(prefixes.span()),
                "phone.mobile_prefixes",
                "must list digit strings such as \"10\"",
            ));
        }
        // E.164 caps a full number at 15 digits.
        let subscriber = *raw.subscriber_digits.as_ref();
        if subscriber == 0 || subscriber > 14 {
            return Err(self.fail(
                Some(raw.subscriber_digits.span()),
                "phone.subscriber_digits",
                "must be between 1 and 14",
            ));
        }
        let mut non_mobile = Vec::new();
        for (i, family) in raw.non_mobile.into_iter().enumerate() {
            if family.prefixes.as_ref().iter().any(|p| !is_digits(p))
                || !(1..=15).contains(&family.digits)
            {
                return Err(self.fail(
                    Some(family.prefixes.span()),
                    &format!("phone.non_mobile[{i}]"),
                    "prefixes must be digit strings and digits between 1 and 15",
                ));
            }
            non_mobile.push(NonMobile {
                prefixes: family.prefixes.into_inner(),
                digits: family.digits,
            });
        }
        let example = example_number(raw.trunk_prefix.as_ref(), &prefixes.as_ref()[0], subscriber);
        Ok(PhoneRules {
            calling_code: raw.calling_code.into_inner(),
            international_prefix: raw.international_prefix.into_inner(),
            trunk_prefix: raw.trunk_prefix.into_inner(),
            mobile_prefixes: raw.mobile_prefixes.into_inner(),
            subscriber_digits: subscriber,
            non_mobile,
            short_code_digits: raw.short_code_digits,
            example,
        })
    }

    fn digits(
        &self,
        value: &Spanned<String>,
        key: &str,
        may_be_empty: bool,
    ) -> Result<(), CountryError> {
        let v = value.as_ref();
        if (v.is_empty() && !may_be_empty) || !v.chars().all(|c| c.is_ascii_digit()) {
            return Err(self.fail(
                Some(value.span()),
                key,
                "must be a string of ASCII digits, such as \"20\"",
            ));
        }
        Ok(())
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::country::test_support::EG_TOML;

    /// The first line of the real file that is not a comment and contains `needle`.
    fn line_containing(needle: &str) -> usize {
        EG_TOML
            .lines()
            .position(|l| !l.trim_start().starts_with('#') && l.contains(needle))
            .map(|i| i + 1)
            .unwrap()
    }

    /// The real file with `from` replaced on that line only, so each test breaks exactly
    /// one value (comments mention some values too).
    fn eg_with(from: &str, to: &str) -> Result<CountryRules, CountryError> {
        let target = line_containing(from);
        let edited: Vec<String> = EG_TOML
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == target {
                    l.replacen(from, to, 1)
                } else {
                    l.to_owned()
                }
            })
            .collect();
        CountryRules::from_toml(&edited.join("\n"))
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let err = eg_with(
            "subscriber_digits = 8",
            "subscriber_digits = 8\nsubscriber_digit = 8",
        )
        .unwrap_err();
        assert!(matches!(err, CountryError::Toml { .. }), "{err}");
        assert_eq!(
            err.line(),
            Some(line_containing("subscriber_digits = 8") + 1)
        );
        assert!(err.to_string().contains("subscriber_digit"), "{err}");
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let err = CountryRules::from_toml("code = \"EG\"\nname = {").unwrap_err();
        assert_eq!(err.line(), Some(2));
        assert!(
            err.to_string().starts_with("country file, line 2: "),
            "{err}"
        );
    }

    #[test]
    fn a_time_zone_must_look_like_an_iana_name() {
        let err =
            eg_with("time_zone = \"Africa/Cairo\"", "time_zone = \"Cairo time\"").unwrap_err();
        assert_eq!(err.line(), Some(line_containing("time_zone = ")));
        assert!(err.to_string().contains("IANA"), "{err}");
        assert!(eg_with("time_zone = \"Africa/Cairo\"", "time_zone = \"UTC\"").is_ok());
    }

    #[test]
    fn unknown_id_format_is_rejected() {
        let err = eg_with("format = \"eg14\"", "format = \"eg15\"").unwrap_err();
        assert_eq!(err.line(), Some(line_containing("format = \"eg14\"")));
        assert!(err.to_string().contains("eg14"), "{err}");
    }

    #[test]
    fn duplicate_region_codes_are_rejected_with_their_line() {
        let err = eg_with("code = \"02\"", "code = \"01\"").unwrap_err();
        assert_eq!(err.line(), Some(line_containing("code = \"02\"")));
        assert!(err.to_string().contains("appears twice"), "{err}");
    }

    #[test]
    fn value_errors_name_key_and_line() {
        let err = eg_with("born_abroad_code = \"88\"", "born_abroad_code = \"89\"").unwrap_err();
        assert_eq!(err.line(), Some(line_containing("born_abroad_code")));
        assert!(
            err.to_string().contains("national_id.born_abroad_code"),
            "{err}"
        );

        let err = eg_with("\"3\" = 2000", "\"3\" = 2001").unwrap_err();
        assert_eq!(err.line(), Some(line_containing("\"3\" = 2000")));

        let err = eg_with("calling_code = \"20\"", "calling_code = \"+20\"").unwrap_err();
        assert!(err.to_string().contains("phone.calling_code"), "{err}");

        assert!(eg_with("minor_units = 2", "minor_units = 9").is_err());
        assert!(eg_with("code = \"EGP\"", "code = \"egp\"").is_err());
        assert!(eg_with("mobile_prefixes = [", "mobile_prefixes = [\"1x\", ").is_err());
        assert!(eg_with("code = \"01\"", "code = \"1\"").is_err());
        assert!(eg_with("en = \"Cairo\"", "en = \"\"").is_err());
    }

    #[test]
    fn missing_sections_are_rejected() {
        let err = CountryRules::from_toml("code = \"EG\"").unwrap_err();
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
