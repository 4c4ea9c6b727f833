//! Light stemming: strip the few affixes that change a word's form but not which service it
//! points to, so "للبطاقة", "بطاقتي" and "البطاقه" meet at one term.
//!
//! Light on purpose. Root extraction conflates unrelated words (a root stemmer sends مواطن
//! and وطني to one root), and a search over forty to a few thousand services loses more from
//! wrong merges than from missed ones: the fuzzy matcher (`fuzzy.rs`) closes the gaps a light
//! stemmer leaves. Both stemmers work on normalised words (see `normalise.rs`).

/// Definite-article prefixes, longest first, with the conjunctions and prepositions people
/// glue to them (و+ال, ب+ال, ك+ال, ف+ال, ل+ال → لل), and the shortest stem each may leave:
/// "والدي" is a father, not و+ال+دي.
const ARABIC_PREFIXES: &[(&str, usize)] = &[
    ("وبال", 3),
    ("وال", 3),
    ("بال", 3),
    ("كال", 3),
    ("فال", 3),
    ("ولل", 3),
    ("لل", 2),
    ("ال", 2),
];

/// Suffixes, tried in order; the first that leaves a long-enough stem is removed. The `ت`
/// forms are a ta marbuta before a pronoun (بطاقتي = بطاقة + ي), removed whole so that
/// "بطاقتي" and "بطاقه" both give "بطاق".
const ARABIC_SUFFIXES: &[(&str, usize)] = &[
    ("تهم", 3),
    ("تكم", 3),
    ("تنا", 3),
    ("تها", 3),
    ("تي", 3),
    ("ته", 3),
    ("تك", 3),
    ("تو", 3),
    ("ات", 3),
    // Plural and dual endings need a longer stem: "تموين" is not تمو + ين.
    ("ون", 4),
    ("ين", 4),
    ("ان", 4),
    ("يه", 3),
    ("ها", 3),
    ("هم", 3),
    ("نا", 3),
    ("كم", 3),
    ("ه", 3),
    ("ي", 3),
    ("ك", 3),
];

/// The light stem of a normalised Arabic word.
pub fn arabic(word: &str) -> String {
    let mut w = word;
    // A bare و, ب, ل or ف glued to a word is not stripped here: too many service words begin
    // with those letters (وفاة, ولادة, بطاقة, لجنة). The query side tries both readings
    // (see `clitic_free`).
    for (prefix, min_stem) in ARABIC_PREFIXES {
        if let Some(rest) = w.strip_prefix(prefix)
            && rest.chars().count() >= *min_stem
        {
            w = rest;
            break;
        }
    }
    for (suffix, min_stem) in ARABIC_SUFFIXES {
        if let Some(rest) = w.strip_suffix(suffix)
            && rest.chars().count() >= *min_stem
        {
            // A ta marbuta before a pronoun ("ملكيتها", "جنسيتي"): the word is `rest` + ه,
            // which is stemmed on, so it meets "ملكيه" and "جنسيه" at one stem.
            if suffix.starts_with('ت') && *suffix != "ات" {
                return strip_suffix(&format!("{rest}ه"));
            }
            w = rest;
            break;
        }
    }
    w.to_string()
}

/// The suffix rules alone, for a word whose prefix is already gone.
fn strip_suffix(word: &str) -> String {
    for (suffix, min_stem) in ARABIC_SUFFIXES {
        if let Some(rest) = word.strip_suffix(suffix)
            && rest.chars().count() >= *min_stem
        {
            return rest.to_string();
        }
    }
    word.to_string()
}

/// The word without a one-letter conjunction or preposition glued to its front ("وعايز",
/// "لابني", "بطاقتي" → "طاقتي"): a second reading, for the query to try when the first
/// finds nothing better. `None` for short words, where the letter is most likely the word's.
pub fn clitic_free(word: &str) -> Option<&str> {
    let mut chars = word.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    (matches!(first, 'و' | 'ب' | 'ل' | 'ف' | 'ك') && rest.chars().count() >= 3).then_some(rest)
}

/// The light stem of a lower-case English word: plurals, `-ing`, `-ed`, `-ation` and the
/// like, enough that "registration", "registered" and "register" meet.
pub fn english(word: &str) -> String {
    let mut w: String = word.strip_suffix("'s").unwrap_or(word).replace('\'', "");
    if w.len() <= 3 {
        return w;
    }
    // Irregular forms common in requests.
    let irregular = match w.as_str() {
        "children" => Some("child"),
        "wives" => Some("wife"),
        "lost" => Some("lose"),
        "stolen" | "stole" => Some("steal"),
        "born" => Some("birth"),
        "married" | "marriage" => Some("marri"),
        "died" | "dead" | "death" | "deceased" => Some("death"),
        "licence" | "licences" | "licenses" => Some("license"),
        _ => None,
    };
    if let Some(base) = irregular {
        return base.to_string();
    }
    const RULES: &[(&str, &str)] = &[
        ("ational", "ate"),
        ("ization", "ize"),
        ("ations", ""),
        ("ation", ""),
        ("ments", ""),
        ("ment", ""),
        ("ness", ""),
        ("ings", ""),
        ("ing", ""),
        ("ies", "y"),
        ("ied", "y"),
        ("sses", "ss"),
        ("ers", ""),
        ("er", ""),
        ("ed", ""),
        ("al", ""),
        ("es", ""),
        ("s", ""),
    ];
    // Two rounds: "registered" → "register" → "regist", as "registration" → "regist".
    for _ in 0..2 {
        for (suffix, replacement) in RULES {
            let Some(rest) = w.strip_suffix(suffix) else {
                continue;
            };
            // Keep a stem with a vowel and at least three letters ("bus", "sing" stay).
            if rest.len() < 3 || !rest.chars().any(|c| "aeiouy".contains(c)) {
                continue;
            }
            if *suffix == "s" && (rest.ends_with('s') || rest.ends_with('u') || rest.ends_with('i'))
            {
                break;
            }
            if *suffix == "al" && rest.len() < 4 {
                continue;
            }
            w = format!("{rest}{replacement}");
            break;
        }
    }
    // "registr" and "regist", "renew" and "renewe": a final `e` or a doubled consonant left
    // by the rules above is not part of the stem.
    if w.len() > 4 && w.ends_with('e') {
        w.pop();
    }
    let bytes = w.as_bytes();
    if let [.., a, b] = bytes
        && a == b
        && !matches!(a, b'l' | b's' | b'z')
        && w.len() > 4
    {
        w.pop();
    }
    if w.len() > 5 && w.ends_with("tr") {
        w.pop();
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use expect_test::{Expect, expect};

    fn check(stem: fn(&str) -> String, words: &str, expected: Expect) {
        let table: String = words
            .split_whitespace()
            .map(|w| format!("{w} → {}\n", stem(&normalise(w))))
            .collect();
        expected.assert_eq(&table);
    }

    #[test]
    fn arabic_light_stems() {
        check(
            arabic,
            "البطاقة بطاقتي للبطاقه وبالبطاقة بطاقات شهادة شهادتي الشهادات تموين التموين \
             مخالفات المخالفة مواطنين جنائي الجنائية وفاة وفاته بنتي ابني سجلي المدني عنوان \
             ورق ولادة والدي مولود ملكيتها الملكية جنسيتي",
            expect![[r#"
                البطاقة → بطاق
                بطاقتي → بطاق
                للبطاقه → بطاق
                وبالبطاقة → بطاق
                بطاقات → بطاق
                شهادة → شهاد
                شهادتي → شهاد
                الشهادات → شهاد
                تموين → تموين
                التموين → تموين
                مخالفات → مخالف
                المخالفة → مخالف
                مواطنين → مواطن
                جنائي → جناي
                الجنائية → جناي
                وفاة → وفا
                وفاته → وفا
                بنتي → بنت
                ابني → ابن
                سجلي → سجل
                المدني → مدن
                عنوان → عنوان
                ورق → ورق
                ولادة → ولاد
                والدي → والد
                مولود → مولود
                ملكيتها → ملك
                الملكية → ملك
                جنسيتي → جنس
            "#]],
        );
    }

    #[test]
    fn english_light_stems() {
        check(
            english,
            "registration registered register renew renewal renewing licenses driver's driving \
             drive cards passports certificates children married marriage copies expired bus",
            expect![[r#"
                registration → regist
                registered → regist
                register → regist
                renew → renew
                renewal → renew
                renewing → renew
                licenses → license
                driver's → driv
                driving → driv
                drive → driv
                cards → card
                passports → passport
                certificates → certificat
                children → child
                married → marri
                marriage → marri
                copies → copy
                expired → expir
                bus → bus
            "#]],
        );
    }
}
