//! Bilingual text: every label a citizen or officer reads exists in Arabic and English.

use serde::{Deserialize, Serialize};

/// A piece of text in Arabic and English. Arabic is the first language of the first
/// deployment, but neither may be missing: `diwan check` rejects an empty side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ar: String,
    pub en: String,
}

impl Text {
    pub fn new(ar: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            ar: ar.into(),
            en: en.into(),
        }
    }

    /// The text in the given language; anything but Arabic gets English.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        }
    }
}

/// The two languages of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ar,
    En,
}
