//! From text to terms: the one pipeline that indexed text and queries both go through
//! (normalise, split, drop stop words, stem), plus the Arabizi keys of Latin query words.

use crate::{arabizi, lexicon, normalise, stem, stopwords};

/// Which steps of the pipeline run. Everything is on in Diwan; the switches exist so the
/// accuracy report can show what each step is worth (`diwan bench search --steps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    /// Fold letter variants, marks and digits (`normalise.rs`); off, text is only lower-cased.
    pub normalise: bool,
    /// Index each service's `keywords`.
    pub keywords: bool,
    /// Drop stop words and stem (`stopwords.rs`, `stem.rs`).
    pub stem: bool,
    /// Match Latin query words as Arabizi (`arabizi.rs`).
    pub arabizi: bool,
    /// Let a query word match index words a typo or an affix away (`fuzzy.rs`).
    pub fuzzy: bool,
}

impl Steps {
    pub const ALL: Steps = Steps {
        normalise: true,
        keywords: true,
        stem: true,
        arabizi: true,
        fuzzy: true,
    };
}

impl Default for Steps {
    fn default() -> Self {
        Steps::ALL
    }
}

/// A word of a query, ready to look up.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryWord {
    /// An Arabic-script word: its stem, the stem without a glued-on و/ب/ل/ف/ك if it may
    /// have one, and the stems of the formal words it may mean (`lexicon.rs`: "اجدد" →
    /// "تجديد").
    Arabic(String, Option<String>, Vec<String>),
    /// A Latin-script word: its English stem, and the consonant keys it has if it is Arabizi.
    Latin {
        english: String,
        arabizi: Vec<String>,
        /// Digits inside a word of the query ("3ayez") leave no doubt that it is Arabizi.
        surely_arabizi: bool,
    },
}

fn is_arabic_char(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}')
}

/// The words of a text in its search key, split where the script changes ("ط4521" is two).
fn words(text: &str, steps: Steps) -> Vec<String> {
    let key = if steps.normalise {
        normalise::normalise(text)
    } else {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = Vec::new();
    for raw in key.split_whitespace() {
        let mut current = String::new();
        let mut arabic = None;
        for c in raw.chars() {
            let is_ar = is_arabic_char(c);
            if arabic.is_some_and(|a| a != is_ar) && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            arabic = Some(is_ar);
            current.push(c);
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// Numbers say little about which service is meant (ages, years, plate numbers).
fn is_number(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
}

/// The terms of a text to index.
pub fn index_terms(text: &str, steps: Steps) -> Vec<String> {
    words(text, steps)
        .into_iter()
        .filter(|w| !is_number(w))
        .filter_map(|w| {
            let arabic = w.chars().any(is_arabic_char);
            if !steps.stem {
                return Some(w);
            }
            if arabic {
                (!stopwords::is_arabic_stop(&w)).then(|| stem::arabic(&w))
            } else {
                let w = w.trim_matches('\'');
                (!stopwords::is_english_stop(w) && !w.is_empty()).then(|| stem::english(w))
            }
        })
        .collect()
}

/// The words of a query, without stop words, each once.
pub fn query_words(text: &str, steps: Steps) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    let all = words(text, steps);
    // One word typed with Arabizi digits ("3ayez", even a filler dropped below) makes the
    // other Latin words of the query Arabizi too.
    let arabizi_context = all.iter().any(|w| arabizi::is_surely_arabizi(w));
    for w in all {
        if is_number(&w) {
            continue;
        }
        let word = if w.chars().any(is_arabic_char) {
            if !steps.stem {
                QueryWord::Arabic(w, None, Vec::new())
            } else {
                let bare = stem::clitic_free(&w);
                // "وعايز" is "and I want": still a filler.
                if stopwords::is_arabic_stop(&w) || bare.is_some_and(stopwords::is_arabic_stop) {
                    continue;
                }
                let mut meanings: Vec<String> = Vec::new();
                for m in lexicon::meanings(&w)
                    .into_iter()
                    .chain(bare.map(lexicon::meanings).unwrap_or_default())
                {
                    let m = stem::arabic(m);
                    if !meanings.contains(&m) {
                        meanings.push(m);
                    }
                }
                QueryWord::Arabic(stem::arabic(&w), bare.map(stem::arabic), meanings)
            }
        } else {
            let trimmed = trim_latin(&w);
            if trimmed.is_empty()
                || (steps.stem
                    && (stopwords::is_english_stop(trimmed) || stopwords::is_arabizi_stop(trimmed)))
            {
                continue;
            }
            QueryWord::Latin {
                english: if steps.stem {
                    stem::english(trimmed)
                } else {
                    trimmed.to_string()
                },
                arabizi: if steps.arabizi {
                    arabizi::latin_keys(trimmed)
                } else {
                    Vec::new()
                },
                surely_arabizi: arabizi_context,
            }
        };
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// Quotes around a Latin word are punctuation, except the `'` of Arabizi `3'` and `7'`.
fn trim_latin(w: &str) -> &str {
    let w = w.trim_start_matches('\'');
    if w.ends_with("3'") || w.ends_with("7'") || w.ends_with("5'") || w.ends_with("9'") {
        w
    } else {
        w.trim_end_matches('\'')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_lose_fillers_and_keep_what_matters() {
        let words = query_words("عايز اطلع شهادة ميلاد لابني لو سمحت", Steps::ALL);
        assert_eq!(
            words,
            [
                QueryWord::Arabic("اطلع".into(), None, vec!["استخراج".into()]),
                QueryWord::Arabic("شهاد".into(), None, Vec::new()),
                QueryWord::Arabic("ميلاد".into(), None, Vec::new()),
                QueryWord::Arabic("لابن".into(), Some("ابن".into()), Vec::new()),
            ]
        );
        let latin = query_words("3ayez el beta2a", Steps::ALL);
        assert_eq!(
            latin,
            [QueryWord::Latin {
                english: "beta2a".into(),
                arabizi: vec!["btq".into(), "bt".into()],
                surely_arabizi: true
            }]
        );
    }

    #[test]
    fn scripts_are_split_and_numbers_dropped() {
        assert_eq!(
            index_terms("لوحة ط٤٥٢١ رقم 2024", Steps::ALL),
            ["لوح", "ط", "رقم"]
        );
    }
}
