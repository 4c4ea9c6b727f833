//! Country rules: everything that differs between the countries Diwan is deployed in
//! (national ID, mobile numbers, governorates, currency), loaded from a country file such as
//! `countries/eg.toml`.
//!
//! Nothing here is hard-wired to one country. The *shape* of a national ID is code (a format
//! named in the file, e.g. `"eg14"`), but its data (century digits, region codes and names)
//! and the phone numbering plan come from the file. This module owns the public types; the
//! file format lives in `load`, the parsers in `national_id` and `phone`.

mod error;
mod load;
mod national_id;
mod phone;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::text::Text;

pub use error::CountryError;
pub use national_id::{Gender, NationalId, NationalIdError};
pub use phone::{PhoneError, PhoneNumber};

use national_id::NationalIdRules;
use phone::PhoneRules;

/// The rules of one country, built only by [`CountryRules::from_toml`] so that every
/// instance has passed the file checks (unique region codes, a known ID format, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct CountryRules {
    /// ISO 3166-1 alpha-2 code, e.g. `"EG"`.
    pub code: String,
    pub name: Text,
    /// Language codes offered to citizens, first one is the default, e.g. `["ar", "en"]`.
    pub languages: Vec<String>,
    /// The IANA time zone people read times in, e.g. `"Africa/Cairo"` (times are stored in
    /// UTC and shown in this zone, daylight saving included).
    pub time_zone: String,
    pub currency: Currency,
    national_id: NationalIdRules,
    phone: PhoneRules,
    regions: Vec<Region>,
}

/// The currency fees are charged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    /// ISO 4217 code, e.g. `"EGP"`.
    pub code: String,
    /// Digits after the decimal point (piastres for EGP: 2). Amounts are stored as integers
    /// of the minor unit, so this number is what turns `885` into `8.85`.
    pub minor_units: u32,
    pub symbol: Text,
}

/// A first-level administrative region (a governorate in Egypt) as coded in national IDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub name: Text,
}

impl CountryRules {
    /// Reads and checks a country file. The caller reads the file; this crate does no IO.
    pub fn from_toml(src: &str) -> Result<CountryRules, CountryError> {
        load::from_toml(src)
    }

    /// Parses a national ID number as typed by a citizen (spaces, dashes and Eastern Arabic
    /// or Persian digits allowed). `today` bounds the birth date; the caller passes it in
    /// because this crate never reads the clock.
    pub fn parse_national_id(
        &self,
        input: &str,
        today: Date,
    ) -> Result<NationalId, NationalIdError> {
        self.national_id.parse(input, today, &self.regions)
    }

    /// Parses a mobile number in any form the country's numbering plan allows and returns it
    /// in E.164 form, the one form stored and sent to SMS gateways.
    pub fn parse_mobile(&self, input: &str) -> Result<PhoneNumber, PhoneError> {
        self.phone.parse_mobile(input)
    }

    /// The region with this code; Eastern Arabic digits and surrounding spaces are accepted
    /// because codes are often copied from Arabic forms.
    pub fn region(&self, code: &str) -> Option<&Region> {
        let code = crate::digits::to_ascii_digits(code.trim());
        self.regions.iter().find(|r| r.code == code)
    }

    /// All regions, in the order of the country file (which is the order shown in lists).
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
}

/// The real Egyptian country file, shared by the tests of every submodule so that they test
/// what ships, not a copy.
#[cfg(test)]
pub(crate) mod test_support {
    use super::CountryRules;

    pub(crate) const EG_TOML: &str = include_str!("../../../../countries/eg.toml");

    pub(crate) fn egypt() -> CountryRules {
        CountryRules::from_toml(EG_TOML).expect("countries/eg.toml must load")
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::egypt;

    #[test]
    fn egypt_file_has_country_facts() {
        let eg = egypt();
        assert_eq!(eg.code, "EG");
        assert_eq!(eg.languages, ["ar", "en"]);
        assert_eq!(eg.currency.code, "EGP");
        assert_eq!(eg.currency.minor_units, 2);
        assert_eq!(eg.currency.symbol.ar, "ج.م");
        assert_eq!(eg.currency.symbol.en, "EGP");
        assert!(!eg.name.ar.is_empty() && !eg.name.en.is_empty());
    }

    #[test]
    fn egypt_has_27_governorates_and_abroad() {
        let eg = egypt();
        assert_eq!(eg.regions().len(), 28);
        let codes: Vec<&str> = eg.regions().iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
                "22", "23", "24", "25", "26", "27", "28", "29", "31", "32", "33", "34", "35", "88"
            ]
        );
    }

    #[test]
    fn region_names_match_the_domain_table() {
        let eg = egypt();
        let name = |code: &str| {
            eg.region(code)
                .map(|r| (r.name.ar.as_str(), r.name.en.as_str()))
        };
        assert_eq!(name("01"), Some(("القاهرة", "Cairo")));
        assert_eq!(name("02"), Some(("الإسكندرية", "Alexandria")));
        assert_eq!(name("13"), Some(("الشرقية", "Sharqia (Ash Sharqia)")));
        assert_eq!(name("21"), Some(("الجيزة", "Giza")));
        assert_eq!(name("25"), Some(("أسيوط", "Asyut (Assiut)")));
        assert_eq!(name("29"), Some(("الأقصر", "Luxor")));
        assert_eq!(name("35"), Some(("جنوب سيناء", "South Sinai")));
        assert_eq!(name("88"), Some(("خارج الجمهورية", "Born outside Egypt")));
    }

    #[test]
    fn region_lookup_folds_digits_and_rejects_unused_codes() {
        let eg = egypt();
        assert_eq!(eg.region(" ٠١ ").map(|r| r.name.en.as_str()), Some("Cairo"));
        assert_eq!(eg.region("۲۱").map(|r| r.name.en.as_str()), Some("Giza"));
        for unused in ["00", "05", "10", "20", "30", "36", "87", "99", "1", ""] {
            assert!(eg.region(unused).is_none(), "{unused} must not be a region");
        }
    }
}
