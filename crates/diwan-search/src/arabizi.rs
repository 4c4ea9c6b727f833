//! Arabizi (Franco-Arabic): Arabic typed in Latin letters and digits, "3ayez shehadet milad".
//!
//! Transliterating Arabizi back to Arabic spelling is guesswork — it writes short vowels
//! Arabic leaves out, and one Latin letter stands for several Arabic ones (`s` for س and ص,
//! `t` for ت and ط). So neither side is converted into the other: both are reduced to a
//! **consonant key** over a small alphabet where the letters Arabizi cannot tell apart are one
//! class, and vowels are dropped. "shehadet" and "شهادة" both become `Shd`; "beta2a" and
//! "بطاقة" both `btq`. The index keeps the key of every Arabic term beside the term.
//!
//! The classes follow Cairene speech, where ق is a glottal stop written `2`, ج is `g`, and
//! ث/ذ/ظ merge into ت or س, د or ز.

/// The consonant class of an Arabic letter; `None` for a vowel letter or anything else.
fn arabic_class(c: char) -> Option<char> {
    Some(match c {
        'ب' | 'پ' => 'b',
        'ت' | 'ط' | 'ث' => 't',
        'ج' => 'g',
        'ح' | 'ه' => 'h',
        'خ' => 'x',
        'د' | 'ض' => 'd',
        'ذ' | 'ز' | 'ظ' => 'z',
        'ر' => 'r',
        'س' | 'ص' => 's',
        'ش' => 'S',
        'ع' => '3',
        'غ' => 'G',
        'ف' | 'ڤ' => 'f',
        'ق' | 'ء' => 'q',
        'ك' => 'k',
        'ل' => 'l',
        'م' => 'm',
        'ن' => 'n',
        'و' => 'w',
        'ي' => 'y',
        _ => return None,
    })
}

/// The consonant key of a (normalised, stemmed) Arabic word. `و` and `ي` count only at the
/// start, where they are consonants; elsewhere, like `ا`, they are long vowels Arabizi writes
/// as vowels. A final `ه` is the ta marbuta people write as `a` or `et`, or leave out.
pub fn arabic_key(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut key = String::with_capacity(chars.len());
    for (i, c) in chars.iter().enumerate() {
        let Some(class) = arabic_class(*c) else {
            continue;
        };
        let last = i + 1 == chars.len();
        if (class == 'w' || class == 'y') && i > 0 {
            continue;
        }
        if class == 'h' && *c == 'ه' && last && i >= 2 {
            continue;
        }
        // Merged classes can meet (ثت): one consonant, as in the Arabizi key.
        if !key.ends_with(class) {
            key.push(class);
        }
    }
    key
}

/// Whether a Latin token is surely Arabizi: it mixes letters with the digits that stand for
/// Arabic letters (`3ayez`, `beta2a`, `7'`).
pub fn is_surely_arabizi(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_alphabetic())
        && token
            .chars()
            .any(|c| matches!(c, '2' | '3' | '5' | '6' | '7' | '8' | '9'))
}

/// Attached article and prepositions: "elbeta2a", "lel", "wel", "fel", "bel", "3al".
const PREFIXES: &[&str] = &["wel", "bel", "fel", "lel", "3al", "el", "il", "al"];
/// Attached possessive pronouns and the ta marbuta before them: "shahadty", "bta3ha".
const SUFFIXES: &[&str] = &[
    "hom", "kom", "tha", "tak", "tek", "ty", "ti", "to", "ha", "na",
];

/// The word inside a Latin token, without an attached article or preposition and without a
/// possessive ending.
fn strip_affixes(token: &str) -> &str {
    let mut word: &str = token;
    for p in PREFIXES {
        if let Some(rest) = word.strip_prefix(p)
            && rest.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 3
        {
            word = rest;
            break;
        }
    }
    for s in SUFFIXES {
        if let Some(rest) = word.strip_suffix(s)
            && rest.len() >= 4
        {
            word = rest;
            break;
        }
    }
    word
}

/// The consonant keys a Latin token may stand for, most likely first. Usually one; a `2`
/// that may be ق or a dropped hamza gives a second key without it.
pub fn latin_keys(token: &str) -> Vec<String> {
    let word = strip_affixes(token);
    let with_q = latin_key(word, true);
    let mut keys = vec![with_q.clone()];
    if word.contains('2') {
        let without = latin_key(word, false);
        if without != with_q && without.chars().count() >= 2 {
            keys.push(without);
        }
    }
    keys.retain(|k| k.chars().count() >= 2);
    keys
}

/// A vowel as both scripts can show it: `a`, `i` (Arabizi `i`/`e`/`y`, Arabic ي) or `u`
/// (Arabizi `u`/`o`/`w`, Arabic و). `*` is a final ي, which is also read `a` (مستشفى).
fn latin_vowels(word: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::new();
    for c in word.chars() {
        let v = match c {
            'a' => 'a',
            'e' | 'i' | 'y' => 'i',
            'o' | 'u' | 'w' => 'u',
            _ => continue,
        };
        if out.last() != Some(&v) {
            out.push(v);
        }
    }
    out
}

/// The long vowels an Arabic word writes: ا, و and ي after its first letter (و and ي may
/// also be consonants, which Arabizi writes `w` and `y`, counted as the same vowels).
fn arabic_vowels(word: &str) -> Vec<char> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate().skip(1) {
        let last = i + 1 == chars.len();
        out.push(match c {
            'ا' | 'آ' | 'أ' | 'إ' => 'a',
            'ى' => '*',
            'ي' if last => '*',
            'ي' => 'i',
            'و' => 'u',
            _ => continue,
        });
    }
    out
}

/// How well a Latin token's vowels fit an Arabic word with the same consonant key, from 0 to
/// 1: the share of the Arabic word's long vowels that the token writes, in order. Arabizi
/// writes the short vowels Arabic leaves out, so a vowel the Arabic lacks costs nothing; but
/// "milad" says ميلاد, not مولود, though both are `mld`.
pub fn vowel_fit(token: &str, arabic: &str) -> f32 {
    let theirs = arabic_vowels(arabic);
    if theirs.is_empty() {
        return 1.0;
    }
    let ours = latin_vowels(strip_affixes(token));
    // Longest common subsequence, where a final ي matches `a` or `i`.
    let fits = |a: char, l: char| a == l || (a == '*' && (l == 'a' || l == 'i'));
    let mut row = vec![0usize; ours.len() + 1];
    for a in &theirs {
        let mut diagonal = 0;
        for (j, l) in ours.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if fits(*a, *l) {
                diagonal + 1
            } else {
                up.max(row[j])
            };
            diagonal = up;
        }
    }
    let common = row.last().copied().unwrap_or(0);
    common as f32 / theirs.len() as f32
}

fn latin_key(word: &str, two_is_q: bool) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut key = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let first = key.is_empty() && i == 0;
        let (class, used) = match (c, next) {
            ('s' | 'c', Some('h')) => (Some('S'), 2),
            ('k', Some('h')) => (Some('x'), 2),
            ('g', Some('h')) => (Some('G'), 2),
            ('t', Some('h')) => (Some('t'), 2),
            ('d', Some('h')) => (Some('z'), 2),
            ('3' | '8', Some('\'')) => (Some('G'), 2),
            ('7' | '5', Some('\'')) => (Some('x'), 2),
            ('9', Some('\'')) => (Some('d'), 2),
            ('6', Some('\'')) => (Some('z'), 2),
            ('\'', _) => (None, 1),
            ('a' | 'e' | 'i' | 'o' | 'u', _) => (None, 1),
            ('w', _) => (first.then_some('w'), 1),
            ('y', _) => (first.then_some('y'), 1),
            ('b' | 'p', _) => (Some('b'), 1),
            ('t' | '6', _) => (Some('t'), 1),
            ('g' | 'j', _) => (Some('g'), 1),
            ('7' | 'h', _) => (Some('h'), 1),
            ('5' | 'x', _) => (Some('x'), 1),
            ('d', _) => (Some('d'), 1),
            ('z', _) => (Some('z'), 1),
            ('r', _) => (Some('r'), 1),
            ('s', _) => (Some('s'), 1),
            ('3', _) => (Some('3'), 1),
            ('f' | 'v', _) => (Some('f'), 1),
            ('q' | '9', _) => (Some('q'), 1),
            ('2', _) => (two_is_q.then_some('q'), 1),
            ('k' | 'c', _) => (Some('k'), 1),
            ('l', _) => (Some('l'), 1),
            ('m', _) => (Some('m'), 1),
            ('n', _) => (Some('n'), 1),
            _ => (None, 1),
        };
        if let Some(class) = class {
            // A doubled letter ("tasree7", "se7a") is one consonant, as with a shadda.
            if !key.ends_with(class) {
                key.push(class);
            }
        }
        i += used;
    }
    // "shehadet", "wara2et", "rokhset": a vowel and a final `t` on a long word are the ta
    // marbuta of a construct; "beit" keeps its `t`.
    let ends_with_marbuta = chars.len() >= 2
        && chars.last() == Some(&'t')
        && matches!(chars.get(chars.len() - 2), Some('e' | 'i' | 'a'));
    if ends_with_marbuta && key.chars().count() >= 4 {
        key.pop();
    }
    // A final `h` after a vowel is a written ta marbuta ("shahadah", "sanah").
    if chars.len() >= 3 && chars.last() == Some(&'h') && key.ends_with('h') {
        let before = chars.get(chars.len() - 2);
        if matches!(before, Some('a' | 'e')) {
            key.pop();
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use crate::stem;
    use expect_test::{Expect, expect};

    fn check(pairs: &[(&str, &str)], expected: Expect) {
        let table: String = pairs
            .iter()
            .map(|(latin, arabic)| {
                let arabic_stem = stem::arabic(&normalise(arabic));
                format!(
                    "{latin} {:?} = {arabic} {}\n",
                    latin_keys(&normalise(latin)),
                    arabic_key(&arabic_stem)
                )
            })
            .collect();
        expected.assert_eq(&table);
    }

    #[test]
    fn arabizi_and_arabic_meet_at_one_key() {
        check(
            &[
                ("shehadet", "شهادة"),
                ("milad", "ميلاد"),
                ("beta2a", "البطاقة"),
                ("fish", "فيش"),
                ("gena2y", "جنائي"),
                ("sho3'l", "شغل"),
                ("segel", "السجل"),
                ("madany", "المدني"),
                ("tamween", "التموين"),
                ("karnet", "كارنيه"),
                ("rokhset", "رخصة"),
                ("3arabeya", "عربية"),
                ("wara2et", "ورقة"),
                ("tala2", "طلاق"),
                ("tasree7", "تصريح"),
                ("elmo7amy", "المحامي"),
                ("shahadty", "شهادتي"),
                ("2arya", "قرية"),
            ],
            expect![[r#"
                shehadet ["Shd"] = شهادة Shd
                milad ["mld"] = ميلاد mld
                beta2a ["btq", "bt"] = البطاقة btq
                fish ["fS"] = فيش fS
                gena2y ["gnq", "gn"] = جنائي gn
                sho3'l ["SGl"] = شغل SGl
                segel ["sgl"] = السجل sgl
                madany ["mdn"] = المدني mdn
                tamween ["tmn"] = التموين tmn
                karnet ["krn"] = كارنيه krn
                rokhset ["rxs"] = رخصة rxs
                3arabeya ["3rb"] = عربية 3rb
                wara2et ["wrq", "wrt"] = ورقة wrq
                tala2 ["tlq", "tl"] = طلاق tlq
                tasree7 ["tsrh"] = تصريح tsrh
                elmo7amy ["mhm"] = المحامي mhm
                shahadty ["Shd"] = شهادتي Shd
                2arya ["qr"] = قرية qr
            "#]],
        );
    }

    #[test]
    fn vowels_tell_apart_words_of_one_key() {
        let fit = |latin: &str, arabic: &str| {
            format!(
                "{latin} ~ {arabic} {:.2}\n",
                vowel_fit(&normalise(latin), &stem::arabic(&normalise(arabic)))
            )
        };
        let table: String = [
            ("milad", "ميلاد"),
            ("milad", "مولود"),
            ("milad", "مواليد"),
            ("mawaleed", "مواليد"),
            ("tamween", "التموين"),
            ("3ayez", "عايز"),
            ("beta2a", "البطاقة"),
            ("mostashfa", "مستشفى"),
            ("shehadet", "شهادة"),
            ("shehadet", "اشهاد"),
        ]
        .iter()
        .map(|(l, a)| fit(l, a))
        .collect();
        expect![[r#"
            milad ~ ميلاد 1.00
            milad ~ مولود 0.00
            milad ~ مواليد 0.33
            mawaleed ~ مواليد 1.00
            tamween ~ التموين 1.00
            3ayez ~ عايز 1.00
            beta2a ~ البطاقة 1.00
            mostashfa ~ مستشفى 1.00
            shehadet ~ شهادة 1.00
            shehadet ~ اشهاد 1.00
        "#]]
        .assert_eq(&table);
    }

    #[test]
    fn only_mixed_tokens_are_surely_arabizi() {
        assert!(is_surely_arabizi("3ayez") && is_surely_arabizi("7'ales"));
        assert!(!is_surely_arabizi("passport") && !is_surely_arabizi("2024"));
    }
}
