//! What every page template needs besides its own data: the reader's language (and the
//! direction, digits, dates and money that follow from it), the CSRF token for its forms,
//! who is signed in, and the link to the same page in the other language.
//!
//! Interface text is written in the templates as Arabic–English pairs (`ui.t("…", "…")`)
//! rather than in a message catalogue: both languages sit side by side where they are used,
//! the compiler checks every call, and there are no plural rules to apply (counts are shown
//! as numbers beside a noun that does not change).

use diwan_domain::text::{Lang, Text};

/// The signed-in person as the header shows them.
#[derive(Debug, Clone)]
pub struct Who {
    pub officer: bool,
    /// An officer's username; nothing for a citizen (their national ID is not shown around).
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    /// The token every form of this page carries (see `session::csrf_token`).
    pub csrf: String,
    pub who: Option<Who>,
    /// The page's path and query (without `lang`), to build the language switch.
    pub here: String,
    /// The country's time zone: times are shown as the reader's clock shows them.
    pub zone: jiff::tz::TimeZone,
}

impl Ui {
    pub fn ar(&self) -> bool {
        self.lang == Lang::Ar
    }

    /// The text in the reader's language.
    pub fn t<'a>(&self, ar: &'a str, en: &'a str) -> &'a str {
        if self.ar() { ar } else { en }
    }

    /// A catalogue text in the reader's language.
    pub fn tx<'a>(&self, text: &'a Text) -> &'a str {
        text.get(self.lang)
    }

    pub fn code(&self) -> &'static str {
        if self.ar() { "ar" } else { "en" }
    }

    pub fn dir(&self) -> &'static str {
        if self.ar() { "rtl" } else { "ltr" }
    }

    /// The same page in the other language (remembered from then on in a cookie).
    pub fn switch_href(&self) -> String {
        let joiner = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{joiner}lang={}", self.here, self.switch_lang())
    }

    /// The switch's label, written in the language it leads to.
    pub fn switch_label(&self) -> &'static str {
        if self.ar() {
            "English"
        } else {
            "العربية"
        }
    }

    pub fn switch_lang(&self) -> &'static str {
        if self.ar() { "en" } else { "ar" }
    }

    /// Digits as the reader writes them: Eastern Arabic in Arabic pages.
    pub fn num(&self, value: impl std::fmt::Display) -> String {
        localise_digits(self.lang, &value.to_string())
    }

    /// A moment as a day and time, e.g. "15 يناير 2026، 09:00" in Eastern digits.
    pub fn when(&self, ms: i64) -> String {
        when(self.lang, &self.zone, ms)
    }

    /// A day, e.g. "15 January 2026".
    pub fn day(&self, ms: i64) -> String {
        day(self.lang, &self.zone, ms)
    }
}

/// Western digits (and the decimal point) replaced by Eastern Arabic ones in Arabic.
pub fn localise_digits(lang: Lang, s: &str) -> String {
    match lang {
        Lang::En => s.to_owned(),
        Lang::Ar => s
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
                None => c,
            })
            .collect(),
    }
}

const MONTHS_AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn day(lang: Lang, zone: &jiff::tz::TimeZone, ms: i64) -> String {
    let Some(t) = crate::state::local(zone, ms) else {
        return String::new();
    };
    let month = usize::try_from(t.month()).unwrap_or(1).saturating_sub(1);
    let text = match lang {
        Lang::Ar => format!("{} {} {}", t.day(), MONTHS_AR[month % 12], t.year()),
        Lang::En => format!("{} {} {}", t.day(), MONTHS_EN[month % 12], t.year()),
    };
    localise_digits(lang, &text)
}

/// A day and a wall-clock time in the country's time zone (daylight saving included).
pub fn when(lang: Lang, zone: &jiff::tz::TimeZone, ms: i64) -> String {
    let Some(t) = crate::state::local(zone, ms) else {
        return String::new();
    };
    let clock = format!("{:02}:{:02}", t.hour(), t.minute());
    let text = match lang {
        Lang::Ar => format!("{}، {clock}", day(lang, zone, ms)),
        Lang::En => format!("{}, {clock}", day(lang, zone, ms)),
    };
    localise_digits(lang, &text)
}

/// An amount such as `45.00` with the currency's symbol, in the reader's digits (the Arabic
/// decimal separator is `٫`).
pub fn money(lang: Lang, amount: &str, symbol: &Text) -> String {
    match lang {
        Lang::Ar => format!(
            "{} {}",
            localise_digits(lang, &amount.replace('.', "٫")),
            symbol.ar
        ),
        Lang::En => format!("{} {}", amount, symbol.en),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_pages_use_eastern_digits_and_month_names() {
        // 2026-01-15T09:00:00Z: 11:00 in Cairo (UTC+2 in winter).
        let t0 = 1_768_467_600_000;
        let cairo = jiff::tz::db().get("Africa/Cairo").expect("Cairo");
        assert_eq!(day(Lang::Ar, &cairo, t0), "١٥ يناير ٢٠٢٦");
        assert_eq!(day(Lang::En, &cairo, t0), "15 January 2026");
        assert_eq!(when(Lang::En, &cairo, t0), "15 January 2026, 11:00");
        assert_eq!(when(Lang::Ar, &cairo, t0), "١٥ يناير ٢٠٢٦، ١١:٠٠");
        // 2026-07-15T09:00:00Z: 12:00, daylight saving time (UTC+3).
        assert_eq!(
            when(Lang::En, &cairo, 1_784_106_000_000),
            "15 July 2026, 12:00"
        );
        // 23:30 UTC on 14 January is already the 15th in Cairo.
        assert_eq!(day(Lang::En, &cairo, 1_768_433_400_000), "15 January 2026");
        assert_eq!(localise_digits(Lang::Ar, "BC 12"), "BC ١٢");
        let egp = Text::new("ج.م", "EGP");
        assert_eq!(money(Lang::Ar, "45.00", &egp), "٤٥٫٠٠ ج.م");
        assert_eq!(money(Lang::En, "45.00", &egp), "45.00 EGP");
    }
}
