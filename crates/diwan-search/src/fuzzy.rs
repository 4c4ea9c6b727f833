//! Typos and leftover affixes: a query word that is not in the index may still be one edit
//! away from a word that is ("شهاده" typed "شهده", "pasport"), or share a long prefix with it
//! ("registr" and "regist"). Candidates come from a character-bigram index of the vocabulary,
//! so a lookup reads a few short lists instead of comparing against every word.

use std::collections::HashMap;

/// Similarity credited to a word one edit away, and two edits away on long words.
const ONE_EDIT: f32 = 0.75;
const TWO_EDITS: f32 = 0.5;
/// Similarity of a word that is a prefix of the other (at least four letters).
const PREFIX: f32 = 0.7;

/// The vocabulary of an index, searchable by approximate spelling.
#[derive(Debug, Default)]
pub struct FuzzyVocab {
    /// Every bigram of `^word$` → the words holding it.
    bigrams: HashMap<(char, char), Vec<u32>>,
    words: Vec<Vec<char>>,
}

fn bigrams(word: &[char]) -> impl Iterator<Item = (char, char)> + '_ {
    let padded = std::iter::once('^')
        .chain(word.iter().copied())
        .chain(std::iter::once('$'));
    let next = padded.clone().skip(1);
    padded.zip(next)
}

impl FuzzyVocab {
    /// Adds a word; its id is its position (the caller's term id).
    pub fn push(&mut self, word: &str) {
        let id = self.words.len() as u32;
        let chars: Vec<char> = word.chars().collect();
        let mut seen: Vec<(char, char)> = Vec::new();
        for b in bigrams(&chars) {
            if !seen.contains(&b) {
                seen.push(b);
                self.bigrams.entry(b).or_default().push(id);
            }
        }
        self.words.push(chars);
    }

    /// Words close to `word` (not `word` itself) with their similarity in `(0, 1)`.
    pub fn similar(&self, word: &str) -> Vec<(u32, f32)> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 4 {
            return Vec::new();
        }
        let mut shared: HashMap<u32, u32> = HashMap::new();
        let mut distinct: Vec<(char, char)> = Vec::new();
        for b in bigrams(&chars) {
            if distinct.contains(&b) {
                continue;
            }
            distinct.push(b);
            for id in self.bigrams.get(&b).map(Vec::as_slice).unwrap_or_default() {
                *shared.entry(*id).or_default() += 1;
            }
        }
        // One edit changes at most two bigrams; a shared prefix of four letters keeps four.
        let needed = (distinct.len() as u32).saturating_sub(4).max(2);
        let mut out = Vec::new();
        for (id, count) in shared {
            if count < needed {
                continue;
            }
            let Some(other) = self.words.get(id as usize) else {
                continue;
            };
            if let Some(sim) = similarity(&chars, other) {
                out.push((id, sim));
            }
        }
        out
    }
}

/// How alike two different words are, if alike enough to count.
fn similarity(a: &[char], b: &[char]) -> Option<f32> {
    if a == b {
        return None;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= 4 && long.starts_with(short) && long.len() - short.len() <= 2 {
        return Some(PREFIX);
    }
    let longest = long.len();
    if longest - short.len() > 2 {
        return None;
    }
    let allowed = if short.len() >= 8 { 2 } else { 1 };
    match edit_distance(a, b, allowed) {
        Some(1) if short.len() >= 5 => Some(ONE_EDIT),
        Some(2) => Some(TWO_EDITS),
        _ => None,
    }
}

/// Optimal-string-alignment distance (a swap of neighbours is one edit), if at most `limit`.
fn edit_distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    let n = b.len();
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=n).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; n + 1];
        let mut row_min = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return None;
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous.get(n).copied().filter(|d| *d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[&str]) -> FuzzyVocab {
        let mut v = FuzzyVocab::default();
        for w in words {
            v.push(w);
        }
        v
    }

    #[test]
    fn typos_swaps_and_prefixes_are_found() {
        let v = vocab(&["passport", "شهاد", "registr", "مخالف", "بطاق"]);
        assert_eq!(v.similar("pasport"), [(0, ONE_EDIT)]);
        assert_eq!(v.similar("psasport"), [(0, ONE_EDIT)]);
        assert_eq!(v.similar("regist"), [(2, PREFIX)]);
        assert_eq!(v.similar("مخالفت"), [(3, PREFIX)]);
        assert!(
            v.similar("فاقد").is_empty(),
            "one edit on four letters is another word"
        );
        assert!(
            v.similar("شهاد").is_empty(),
            "a word is not similar to itself"
        );
        assert!(
            v.similar("بطل").is_empty(),
            "short words are only matched exactly"
        );
    }

    #[test]
    fn distance_is_bounded() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
                2,
            )
        };
        assert_eq!(d("kitten", "sitten"), Some(1));
        assert_eq!(d("abcd", "abdc"), Some(1));
        assert_eq!(d("kitten", "sitting"), None);
    }
}
