//! The search key of a text: one spelling for the many ways people write the same word.
//!
//! Citizens type on phones, in a hurry: hamzas are left out, `ة` is written `ه`, final `ى` and
//! `ي` are swapped, digits come in three scripts, and letters are stretched for emphasis
//! (`ازاااي`). Index and query go through the same function, so these differences vanish.
//! The original text is kept for display; this key is never shown.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The search key of `text`: compatibility-decomposed, without marks, lower case, with the
/// Arabic letter variants folded, ASCII digits, punctuation as spaces, single spaces.
///
/// Decomposition does much of the Arabic work: `أ إ آ ؤ ئ` decompose into a base letter and
/// a hamza or madda mark, and dropping every combining mark leaves `ا و ي`; it removes the
/// tashkeel the same way, and turns presentation forms and the lam-alef ligature `ﻻ` into
/// plain letters. The function is idempotent (a property test checks it).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Start as if after a space so leading separators are dropped.
    let mut last: char = ' ';
    let mut run = 0usize;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        for lower in c.to_lowercase() {
            let Some(folded) = fold(lower) else { continue };
            if folded == ' ' {
                if last != ' ' {
                    out.push(' ');
                    last = ' ';
                }
                run = 0;
                continue;
            }
            if folded == last {
                run += 1;
                // A letter typed three times or more is emphasis (`ازاااي`), not spelling;
                // doubled letters are kept (`لل`, Arabizi `ee`).
                if run == 2 {
                    out.pop();
                }
                if run >= 2 {
                    continue;
                }
            } else {
                run = 0;
            }
            out.push(folded);
            last = folded;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// One character of the key, `' '` for a separator, `None` to drop it.
fn fold(c: char) -> Option<char> {
    Some(match c {
        // Arabic-Indic and Extended Arabic-Indic (Persian, Urdu) digits.
        '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' => diwan_domain::digits::fold_digit(c),
        // Alef wasla has no decomposition; a bare alef is how people type it.
        'ٱ' => 'ا',
        'ى' => 'ي',
        'ة' => 'ه',
        // Persian and Urdu letters that Arabic keyboards on some phones produce.
        'ی' | 'ې' => 'ي',
        'ک' => 'ك',
        'ۀ' | 'ە' | 'ہ' => 'ه',
        // Egyptians write the hard g (ج in Cairo) with the Persian gaf or jeh at times.
        'گ' | 'چ' => 'ج',
        // Tatweel (kashida) only stretches a line; zero-width and bidi controls hide.
        'ـ'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => return None,
        // Apostrophes are letters in Arabizi (`3'` is غ, `7'` is خ); every quote becomes `'`.
        '\'' | '’' | '‘' | '`' | 'ʼ' | '´' => '\'',
        c if c.is_alphanumeric() => c,
        _ => ' ',
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};
    use proptest::prelude::*;

    /// One line per input: the input, then its key.
    fn check(inputs: &[&str], expected: Expect) {
        let table: String = inputs
            .iter()
            .map(|i| format!("{i} → {}\n", normalise(i)))
            .collect();
        expected.assert_eq(&table);
    }

    #[test]
    fn arabic_letter_variants() {
        check(
            &[
                "أحمد إبراهيم آمال ٱلحمد",
                "مسؤول مسئول جنائي",
                "شهادة الوفاة",
                "مستشفى على",
                "لا ﻻ ﻷ",
                "ﺑﻄﺎﻗﺔ",
                "کارت یکی",
            ],
            expect![[r#"
                أحمد إبراهيم آمال ٱلحمد → احمد ابراهيم امال الحمد
                مسؤول مسئول جنائي → مسوول مسيول جنايي
                شهادة الوفاة → شهاده الوفاه
                مستشفى على → مستشفي علي
                لا ﻻ ﻷ → لا لا لا
                ﺑﻄﺎﻗﺔ → بطاقه
                کارت یکی → كارت يكي
            "#]],
        );
    }

    #[test]
    fn tashkeel_tatweel_and_emphasis() {
        check(
            &[
                "شَهَادَةُ المِيلَادِ",
                "وُلِدَ حديثًا",
                "مـــــيلاد",
                "ازاااااي يا جماعة",
                "للمواطنين",
                "feeeeen el beta2a",
            ],
            expect![[r#"
                شَهَادَةُ المِيلَادِ → شهاده الميلاد
                وُلِدَ حديثًا → ولد حديثا
                مـــــيلاد → ميلاد
                ازاااااي يا جماعة → ازاي يا جماعه
                للمواطنين → للمواطنين
                feeeeen el beta2a → fen el beta2a
            "#]],
        );
    }

    #[test]
    fn digits_latin_and_punctuation() {
        check(
            &[
                "عندي ١٦ سنة و۲۰ يوم",
                "Driver's LICENSE, expired!",
                "ＦＵＬＬＷＩＤＴＨ ｎａｍｅ",
                "Café résumé",
                "هل يمكن؟ نعم، ممكن؛ شكرًا.",
                "sho3’l a3'ayar",
            ],
            expect![[r#"
                عندي ١٦ سنة و۲۰ يوم → عندي 16 سنه و20 يوم
                Driver's LICENSE, expired! → driver's license expired
                ＦＵＬＬＷＩＤＴＨ ｎａｍｅ → fullwidth name
                Café résumé → cafe resume
                هل يمكن؟ نعم، ممكن؛ شكرًا. → هل يمكن نعم ممكن شكرا
                sho3’l a3'ayar → sho3'l a3'ayar
            "#]],
        );
    }

    #[test]
    fn hidden_characters_and_edge_spaces_go() {
        assert_eq!(
            normalise("  \t spaces\u{200F}\u{200B}everywhere\n "),
            "spaceseverywhere"
        );
    }

    proptest! {
        #[test]
        fn normalising_twice_changes_nothing(s in "\\PC{0,40}") {
            let once = normalise(&s);
            prop_assert_eq!(normalise(&once), once.clone());
        }

        #[test]
        fn arabic_text_is_stable_after_one_pass(s in "[\u{0600}-\u{06FF}\u{FE70}-\u{FEFC} a-z0-9'.،]{0,40}") {
            let once = normalise(&s);
            prop_assert_eq!(normalise(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }
    }
}
