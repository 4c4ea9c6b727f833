//! What a colloquial word means in the words services are named with.
//!
//! Services are named with verbal nouns ("تجديد", "استخراج", "تسجيل"); people ask with verbs,
//! in the first person and often in the future ("اجدد البطاقة", "هطلع شهادة", "عايز أسجل
//! ابني"), with the colloquial passive ("اتسرقت", "اتولد"), the negation that wraps a verb
//! ("مبلغش": did not report) and everyday words for formal ones ("العربية" for "السيارة",
//! "مراتي" for "زوجتي"). This module gives a query word the formal words it may mean; the
//! index tries them next to the word itself, a little less surely.
//!
//! Two tables, both written normalised (`normalise.rs`) and checked by a test:
//! - [`VERBS`]: the stem of a verb without its person prefix, and its verbal noun. A stem is
//!   recognised with the affixes of the Egyptian verb around it (see [`verb_cores`]);
//! - [`WORDS`]: whole words and the formal words they stand for.
//!
//! Only the query is read this way; indexed text is not rewritten, so a service's own words
//! always match themselves first.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Verb stems (imperfect, without the person prefix) and their verbal nouns.
const VERBS: &[(&str, &[&str])] = &[
    // Renewing, issuing, registering.
    ("جدد", &["تجديد"]),
    ("طلع", &["استخراج"]),
    ("ستخرج", &["استخراج"]),
    ("سجل", &["تسجيل", "قيد"]),
    ("تسجل", &["تسجيل", "قيد"]),
    ("قيد", &["قيد"]),
    ("تقيد", &["قيد"]),
    ("بلغ", &["تبليغ", "ابلاغ"]),
    ("قدم", &["تقديم"]),
    ("تقدم", &["تقديم"]),
    ("حجز", &["حجز"]),
    // Changing and moving.
    ("غير", &["تغيير"]),
    ("عدل", &["تعديل"]),
    ("حدث", &["تحديث"]),
    ("ضيف", &["اضافه"]),
    ("نقل", &["نقل"]),
    ("حول", &["تحويل"]),
    ("ركب", &["تركيب"]),
    // Paying and asking.
    ("دفع", &["دفع", "سداد"]),
    ("سدد", &["سداد"]),
    ("ستعلم", &["استعلام"]),
    ("تظلم", &["تظلم"]),
    ("شتكي", &["شكوي"]),
    ("ستلم", &["استلام"]),
    ("قسط", &["تقسيط"]),
    // Law and papers.
    ("وكل", &["توكيل"]),
    ("وثق", &["توثيق"]),
    ("رفع", &["رفع"]),
    ("ورث", &["ميراث", "ورثه"]),
    // Life events, mostly in the colloquial passive (ات + stem).
    ("تولد", &["ولاده", "ميلاد"]),
    ("تجوز", &["زواج"]),
    ("تطلق", &["طلاق"]),
    ("طلق", &["طلاق"]),
    ("توفي", &["وفاه"]),
    ("سافر", &["سفر"]),
    // Losing, theft and damage.
    ("فقد", &["فقد", "فاقد"]),
    ("ضيع", &["فقد", "فاقد"]),
    ("تسرق", &["سرقه"]),
    ("سرق", &["سرقه"]),
    ("تلف", &["تالف", "تلف"]),
    ("تكسر", &["تالف", "كسر"]),
    ("نتهي", &["انتهاء", "منتهي"]),
    ("خلص", &["انتهاء", "منتهي"]),
    // Buying and selling: mostly things Diwan has no service for, and worth knowing as such.
    ("بيع", &["بيع"]),
    ("شتري", &["شراء"]),
];

/// Everyday words and the formal words they stand for.
const WORDS: &[(&str, &[&str])] = &[
    // Family.
    ("ابويا", &["اب", "والد"]),
    ("ابوي", &["اب", "والد"]),
    ("ابوه", &["اب", "والد"]),
    ("امي", &["ام", "والده"]),
    ("جوزي", &["زوج"]),
    ("جوزها", &["زوج"]),
    ("مراتي", &["زوجه"]),
    ("مراته", &["زوجه"]),
    ("المدام", &["زوجه"]),
    ("العيال", &["اطفال", "ابناء", "اولاد"]),
    ("عيال", &["اطفال", "ابناء", "اولاد"]),
    ("عيالي", &["اطفال", "ابناء", "اولاد"]),
    ("الواد", &["ابن", "طفل"]),
    ("العيل", &["ابن", "طفل"]),
    // Things.
    ("عربيه", &["سياره"]),
    ("العربيه", &["سياره"]),
    ("عربيتي", &["سياره"]),
    ("الكهربا", &["كهرباء"]),
    ("كهربا", &["كهرباء"]),
    ("النور", &["كهرباء"]),
    ("الميه", &["مياه"]),
    ("ميه", &["مياه"]),
    ("الباسبور", &["جواز", "سفر"]),
    ("باسبور", &["جواز", "سفر"]),
    ("مرتب", &["راتب"]),
    ("الشغل", &["عمل"]),
    ("شغل", &["عمل"]),
    // States.
    ("ضاع", &["فقد", "فاقد"]),
    ("ضاعت", &["فقد", "فاقد"]),
    ("ضايعه", &["فقد", "فاقد"]),
    ("ضايع", &["فقد", "فاقد"]),
    ("باظت", &["تالف"]),
    ("بايظه", &["تالف"]),
    ("مات", &["وفاه"]),
    ("ماتت", &["وفاه"]),
    ("متوفي", &["وفاه"]),
    ("متوفيه", &["وفاه"]),
    ("المرحوم", &["وفاه"]),
    ("انتهت", &["انتهاء", "منتهي"]),
    ("منتهيه", &["انتهاء", "منتهي"]),
    ("خلصت", &["انتهاء", "منتهي"]),
    // "ولدت" is "I gave birth"; the stem alone would also read "ولدي" (my son) as a birth.
    ("ولدت", &["ولاده", "ميلاد"]),
];

/// Person and tense prefixes of the imperfect ("ا" I, "ي" he, "ت" you/she, "ن" we; "ه"/"ح"
/// future, "ب" habitual), with a conjunction before them; the longest are tried first.
const PREFIXES: &[&str] = &[
    "وها", "وهي", "وهت", "وهن", "وبا", "وبي", "وبت", "وبن", "ها", "هي", "هت", "هن", "حا", "حي",
    "حت", "حن", "با", "بي", "بت", "بن", "وا", "وي", "وت", "ون", "وه", "وب", "ا", "ي", "ت", "ن",
    // "هجدد" is ه + اجدد, the alef swallowed.
    "ه", "ح", "ب",
];

/// Object pronouns and past-tense endings, longest first.
const SUFFIXES: &[&str] = &[
    "هالي", "هولي", "تها", "تهم", "تلي", "ولي", "ها", "هم", "هو", "لي", "ني", "نا", "وا", "تي",
    "ته", "ت", "ه", "و", "ك", "ي",
];

fn verbs() -> &'static HashMap<&'static str, &'static [&'static str]> {
    static MAP: OnceLock<HashMap<&'static str, &'static [&'static str]>> = OnceLock::new();
    MAP.get_or_init(|| VERBS.iter().copied().collect())
}

fn words() -> &'static HashMap<&'static str, &'static [&'static str]> {
    static MAP: OnceLock<HashMap<&'static str, &'static [&'static str]>> = OnceLock::new();
    MAP.get_or_init(|| WORDS.iter().copied().collect())
}

/// The ways `word` splits into affixes and a stem that may be a verb's: every prefix and
/// suffix of the tables, or none. A bare stem of three letters is not one unless `affixed`
/// (سجل is a register, قيد a record): a verb needs an affix to be told from a noun.
fn verb_cores(word: &str, affixed: bool) -> Vec<&str> {
    let mut cores = Vec::new();
    let heads = std::iter::once(word).chain(PREFIXES.iter().filter_map(|p| word.strip_prefix(p)));
    for (h, head) in heads.enumerate() {
        let tails =
            std::iter::once(head).chain(SUFFIXES.iter().filter_map(|s| head.strip_suffix(s)));
        for (t, core) in tails.enumerate() {
            let bare = h == 0 && t == 0 && !affixed;
            let long_enough = core.chars().count() >= 3;
            if long_enough && (!bare || core.chars().count() >= 4) {
                cores.push(core);
            }
        }
    }
    cores
}

/// The colloquial negation "مـ…ـش" around a verb: "مبلغش" (did not report), "مجددتش".
fn negated(word: &str) -> Option<&str> {
    let core = word.strip_prefix('م')?.strip_suffix('ش')?;
    let core = core.strip_prefix('ا').unwrap_or(core);
    (core.chars().count() >= 3).then_some(core)
}

/// The formal words a normalised query word may mean, normalised, best first; empty when
/// the tables know nothing of it.
pub fn meanings(word: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut push = |list: &[&'static str]| {
        for m in list {
            if !out.contains(m) {
                out.push(m);
            }
        }
    };
    if let Some(list) = words().get(word) {
        push(list);
    }
    let forms = std::iter::once((word, false)).chain(negated(word).map(|w| (w, true)));
    for (form, affixed) in forms {
        for core in verb_cores(form, affixed) {
            if let Some(list) = verbs().get(core) {
                push(list);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;

    #[test]
    fn every_entry_is_written_normalised() {
        let tables = VERBS.iter().chain(WORDS);
        for (word, list) in tables {
            assert_eq!(&normalise(word), word, "`{word}` is not normalised");
            for m in *list {
                assert_eq!(&normalise(m), m, "`{m}` is not normalised");
            }
        }
        for affix in PREFIXES.iter().chain(SUFFIXES) {
            assert_eq!(&normalise(affix), affix);
        }
    }

    #[test]
    fn verbs_meet_their_verbal_nouns() {
        let check = |word: &str, expected: &[&str]| {
            assert_eq!(meanings(&normalise(word)), expected, "{word}");
        };
        check("أجدد", &["تجديد"]);
        check("اجددها", &["تجديد"]);
        check("هجدد", &["تجديد"]);
        check("جددت", &["تجديد"]);
        check("اطلع", &["استخراج"]);
        check("هطلعها", &["استخراج"]);
        check("أستخرج", &["استخراج"]);
        check("أسجل", &["تسجيل", "قيد"]);
        check("اتسرقت", &["سرقه"]);
        check("اتولد", &["ولاده", "ميلاد"]);
        check("مبلغش", &["تبليغ", "ابلاغ"]);
        check("يوكلني", &["توكيل"]);
        check("العربية", &["سياره"]);
    }

    #[test]
    fn nouns_are_not_read_as_verbs() {
        for word in [
            "سجل",
            "قيد",
            "شهادة",
            "بطاقة",
            "ميلاد",
            "معاش",
            "رخصة",
            "مرور",
        ] {
            assert!(meanings(&normalise(word)).is_empty(), "{word}");
        }
    }
}
