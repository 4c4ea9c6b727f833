//! The index and its ranking: BM25F over a handful of weighted fields, with each query word
//! expanded to the index words it may mean (itself, its Arabizi reading, near spellings).
//!
//! Hand-written rather than a search engine crate: a catalogue holds tens to a few thousand
//! services, fits in memory many times over, and is rebuilt in milliseconds at start-up, so a
//! hash map of postings is all the machinery needed, and Arabic handling stays ours.

use std::collections::HashMap;

use crate::analyse::{QueryWord, Steps, index_terms, query_words};
use crate::arabizi;
use crate::fuzzy::FuzzyVocab;

/// What the index knows of one service. Everything but `id` and the names is text to search.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    pub id: String,
    pub name_ar: String,
    pub name_en: String,
    /// The words people use for the service: colloquial names, synonyms, abbreviations.
    pub keywords: Vec<String>,
    pub description: Vec<String>,
    /// Lower-weight text: required documents, the certificate's title, the agency's name.
    pub related: Vec<String>,
    /// Something people ask for that is done elsewhere, not a service of the catalogue: it
    /// competes in the ranking so that a question about it is not answered with the nearest
    /// service, and is never returned as a hit.
    pub elsewhere: bool,
}

/// An index term a query word was read as (see [`SearchIndex::explain`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub term: String,
    /// How sure the reading is: 1 for the word itself, less for Arabizi, typos, affixes.
    pub sim: f32,
    /// How rare the term is among services.
    pub idf: f32,
}

/// One ranked service.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    pub service_id: &'a str,
    pub name_ar: &'a str,
    pub name_en: &'a str,
    /// The BM25F score: comparable between services of one query, not between queries.
    pub score: f32,
}

/// The answer to a query: the best services, best first, and whether the first is a match
/// Diwan stands behind.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults<'a> {
    pub hits: Vec<Hit<'a>>,
    pub confident: bool,
    /// When the question is, with confidence, about something done elsewhere (it outranks
    /// every service): which. `confident` is then false.
    pub elsewhere: Option<Hit<'a>>,
}

/// Field weights: a word in a service's name or in the words people use for it says more than
/// one in its description, and far more than one in its list of documents.
const NAME: f32 = 3.0;
const KEYWORDS: f32 = 2.5;
const DESCRIPTION: f32 = 1.0;
const RELATED: f32 = 0.4;
/// How much a service that only lists a word among its papers counts towards how common the
/// word is: "شهادة ميلاد" is a paper for half the catalogue, and still the name of one service.
const RELATED_DF: f32 = 0.25;
/// BM25 saturation and length normalisation.
const K1: f32 = 1.2;
const B: f32 = 0.5;

/// How much a word's Arabizi reading counts next to an exact match: the consonant key merges
/// letters, so a key match is less certain.
const ARABIZI_SURE: f32 = 0.9;
const ARABIZI_MAYBE: f32 = 0.6;
/// What is left of an Arabizi reading whose vowels fit the Arabic word not at all (see
/// `arabizi::vowel_fit`): "milad" is more likely ميلاد than مولود, but vowels are loosely
/// written.
const VOWELS_UNFIT: f32 = 0.5;
/// What is left of a typo reading of a word the index holds as written: "توكيل" is a word,
/// not a slip for "توصيل".
const KNOWN_WORD_TYPO: f32 = 0.5;
/// A word read without a glued-on و/ب/ل/ف/ك.
const CLITIC: f32 = 0.85;
/// A word read as the formal word it means ("اجدد" as "تجديد", "العربية" as "السيارة").
const MEANING: f32 = 0.9;
/// When Diwan stands behind its first answer. Both must hold:
/// - the service explains enough of the query (see `coverage`): per word, the weight of its
///   best reading found in the service, discounted by where it is found (`strength`: a word
///   met only in the service's list of papers says little that the service is the one), over
///   the weight of the whole query, where a word that is no service's subject counts as a
///   rare word. Questions about the weather, a football match or a bill that share a word or
///   two with a service fall below it;
/// - the score is high enough in absolute terms, counted in "rare words": the weight of one
///   word found in a single service, so the bar keeps its meaning as a catalogue grows.
const CONFIDENT_COVERAGE: f32 = 0.32;
/// How far something done elsewhere must outscore the best service to be named instead.
const ELSEWHERE_LEAD: f32 = 1.1;
/// How much of the question, in rare words, the best service must explain on its own (as
/// its subject, in words the entry done elsewhere does not touch) to keep the answer.
const SERVICE_OWN_PART: f32 = 0.5;
/// A description makes a word the service's subject; a list of papers does not.
const SUBJECT: f32 = 0.6;
const CONFIDENT_RARE_WORDS: f32 = 1.6;

/// How telling a word found in `df` of `n` services is (BM25's IDF; always positive).
fn bm25_idf(n: f32, df: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// How much finding a word in a field says that the service is about it: its name or the
/// words people use for it say so; its description less; its list of papers hardly.
fn strength(field: f32) -> f32 {
    if field >= KEYWORDS {
        1.0
    } else if field >= DESCRIPTION {
        SUBJECT
    } else {
        0.2
    }
}

#[derive(Debug)]
struct Service {
    id: String,
    name_ar: String,
    name_en: String,
    elsewhere: bool,
}

/// A searchable catalogue. Build once, query from many threads (`Sync`, read-only).
#[derive(Debug)]
pub struct SearchIndex {
    services: Vec<Service>,
    term_ids: HashMap<String, u32>,
    /// Per term id: the term.
    terms: Vec<String>,
    /// Per term id: whether a catalogue service (not only something done elsewhere) has it.
    /// Only these decide whether a query word is known, how much it weighs, and whether it
    /// may be a typo: what is done elsewhere must not re-weigh the catalogue.
    in_catalogue: Vec<bool>,
    /// Per term: (service, BM25F pseudo-frequency), services ascending.
    postings: Vec<Vec<(u32, f32)>>,
    /// Beside each posting: how much the term says the service is about it, by the strongest
    /// field it is found in (see `strength`).
    strengths: Vec<Vec<f32>>,
    /// Per term: its strongest strength in any of the catalogue's services; below `SUBJECT`,
    /// no service is about it.
    subject: Vec<f32>,
    idf: Vec<f32>,
    /// Consonant key → the Arabic terms that have it.
    keys: HashMap<String, Vec<u32>>,
    fuzzy: FuzzyVocab,
    /// The weight of a word found in one service only: the most a word can weigh.
    rare_word: f32,
    steps: Steps,
}

impl SearchIndex {
    /// Indexes `docs` with every step of the pipeline.
    pub fn new(docs: &[SearchDoc]) -> SearchIndex {
        SearchIndex::with_steps(docs, Steps::ALL)
    }

    /// Indexes `docs` with only some steps, to measure what each is worth.
    pub fn with_steps(docs: &[SearchDoc], steps: Steps) -> SearchIndex {
        let mut term_ids: HashMap<String, u32> = HashMap::new();
        let mut terms: Vec<String> = Vec::new();
        // Per service, per field: the term ids of its text.
        let fields_of = |doc: &SearchDoc| -> [(f32, Vec<String>); 4] {
            let many = |texts: &[String]| -> Vec<String> {
                texts.iter().flat_map(|t| index_terms(t, steps)).collect()
            };
            let name = format!("{} {}", doc.name_ar, doc.name_en);
            [
                (NAME, index_terms(&name, steps)),
                (
                    KEYWORDS,
                    if steps.keywords {
                        many(&doc.keywords)
                    } else {
                        Vec::new()
                    },
                ),
                (DESCRIPTION, many(&doc.description)),
                (RELATED, many(&doc.related)),
            ]
        };
        let analysed: Vec<[(f32, Vec<String>); 4]> = docs.iter().map(fields_of).collect();
        // Average field lengths, per kind (the catalogue's own services; what is done
        // elsewhere), over the documents that have the field: adding to what is done
        // elsewhere must not re-weigh the services, and its short entries are measured
        // against each other, not made to look dense beside whole service packages.
        let average_of = |elsewhere: bool| {
            let mut average = [0f32; 4];
            let mut having = [0f32; 4];
            for (fields, _) in analysed
                .iter()
                .zip(docs)
                .filter(|(_, d)| d.elsewhere == elsewhere)
            {
                for ((slot, count), (_, words)) in average.iter_mut().zip(&mut having).zip(fields) {
                    if !words.is_empty() {
                        *slot += words.len() as f32;
                        *count += 1.0;
                    }
                }
            }
            for (slot, count) in average.iter_mut().zip(having) {
                *slot = (*slot / count.max(1.0)).max(1.0);
            }
            average
        };
        let averages = [average_of(false), average_of(true)];
        let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut strengths: Vec<Vec<f32>> = Vec::new();
        // Per term: in how many services it is part of what the service is (name, keywords,
        // description), counting a service that only lists it among its papers as a fraction.
        let mut df: Vec<f32> = Vec::new();
        for (doc, fields) in analysed.iter().enumerate() {
            let elsewhere = docs.get(doc).is_some_and(|d| d.elsewhere);
            let average = averages[usize::from(elsewhere)];
            let mut weights: HashMap<u32, (f32, f32)> = HashMap::new();
            for ((weight, words), avg) in fields.iter().zip(average) {
                let norm = 1.0 - B + B * words.len() as f32 / avg;
                for w in words {
                    let id = *term_ids.entry(w.clone()).or_insert_with(|| {
                        terms.push(w.clone());
                        postings.push(Vec::new());
                        strengths.push(Vec::new());
                        df.push(0.0);
                        (terms.len() - 1) as u32
                    });
                    let slot = weights.entry(id).or_default();
                    slot.0 += weight / norm;
                    slot.1 = slot.1.max(*weight);
                }
            }
            let mut weights: Vec<(u32, (f32, f32))> = weights.into_iter().collect();
            weights.sort_by_key(|(term, _)| *term);
            for (term, (tf, field)) in weights {
                if let Some(list) = postings.get_mut(term as usize) {
                    list.push((doc as u32, tf));
                }
                if let Some(list) = strengths.get_mut(term as usize) {
                    list.push(strength(field));
                }
                if let Some(slot) = df.get_mut(term as usize)
                    && !docs.get(doc).is_some_and(|d| d.elsewhere)
                {
                    *slot += if field > RELATED { 1.0 } else { RELATED_DF };
                }
            }
        }
        let n = (docs.iter().filter(|d| !d.elsewhere).count() as f32).max(1.0);
        let in_catalogue: Vec<bool> = postings
            .iter()
            .map(|post| {
                post.iter()
                    .any(|(doc, _)| !docs.get(*doc as usize).is_some_and(|d| d.elsewhere))
            })
            .collect();
        // A word only something done elsewhere uses weighs as a word of one service: the
        // most a word can weigh (`rare_word`).
        let idf = df.iter().map(|df| bm25_idf(n, df.max(1.0))).collect();
        let mut keys: HashMap<String, Vec<u32>> = HashMap::new();
        let mut fuzzy = FuzzyVocab::default();
        for (id, term) in terms.iter().enumerate() {
            fuzzy.push(term);
            if term.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
                let key = arabizi::arabic_key(term);
                if key.chars().count() >= 2 {
                    keys.entry(key).or_default().push(id as u32);
                }
            }
        }
        // Over the catalogue's own services only, like `idf`.
        let subject = strengths
            .iter()
            .zip(&postings)
            .map(|(list, post)| {
                list.iter()
                    .zip(post)
                    .filter(|(_, (doc, _))| !docs.get(*doc as usize).is_some_and(|d| d.elsewhere))
                    .map(|(s, _)| *s)
                    .fold(0.0, f32::max)
            })
            .collect();
        SearchIndex {
            services: docs
                .iter()
                .map(|d| Service {
                    id: d.id.clone(),
                    name_ar: d.name_ar.clone(),
                    name_en: d.name_en.clone(),
                    elsewhere: d.elsewhere,
                })
                .collect(),
            term_ids,
            terms,
            in_catalogue,
            postings,
            subject,
            strengths,
            idf,
            keys,
            fuzzy,
            rare_word: bm25_idf(n, 1.0),
            steps,
        }
    }

    /// How many documents are indexed: services and entries done elsewhere.
    pub fn len(&self) -> usize {
        self.services.len()
    }

    fn in_catalogue(&self, term: u32) -> bool {
        self.in_catalogue
            .get(term as usize)
            .copied()
            .unwrap_or(false)
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The index terms a query word may mean, each with how sure that reading is.
    fn expand(&self, word: &QueryWord) -> Vec<(u32, f32)> {
        let mut out: Vec<(u32, f32)> = Vec::new();
        let mut add = |term: u32, sim: f32| match out.iter_mut().find(|(t, _)| *t == term) {
            Some(slot) => slot.1 = slot.1.max(sim),
            None => out.push((term, sim)),
        };
        let spelled = match word {
            QueryWord::Arabic(w, _, _) => w,
            QueryWord::Latin { english, .. } => english,
        };
        // "لابني" may be ل + ابني: the second reading, a little less sure.
        if let QueryWord::Arabic(_, bare, meanings) = word {
            if let Some(term) = bare.as_ref().and_then(|b| self.term_ids.get(b.as_str())) {
                add(*term, CLITIC);
            }
            // "اجدد" is "تجديد" said as a verb.
            for m in meanings {
                if let Some(term) = self.term_ids.get(m.as_str()) {
                    add(*term, MEANING);
                }
            }
        }
        let exact = self.term_ids.get(spelled.as_str()).copied();
        let known = exact.is_some_and(|t| self.in_catalogue(t));
        if let QueryWord::Latin {
            arabizi,
            surely_arabizi,
            ..
        } = word
        {
            // An English word of the catalogue is English; otherwise it may be Arabizi.
            if !known || *surely_arabizi {
                let sure = *surely_arabizi;
                let sim = if sure { ARABIZI_SURE } else { ARABIZI_MAYBE };
                for (i, key) in arabizi.iter().enumerate() {
                    // Two consonants match too much to trust on a word that may be English.
                    if !sure && key.chars().count() < 3 {
                        continue;
                    }
                    // The second key guesses that a `2` was a dropped hamza: less likely.
                    let sim = if i == 0 { sim } else { sim * 0.8 };
                    for term in self.keys.get(key).map(Vec::as_slice).unwrap_or_default() {
                        let arabic = self.terms.get(*term as usize).map(String::as_str);
                        let fit = arabizi::vowel_fit(spelled, arabic.unwrap_or_default());
                        add(*term, sim * (VOWELS_UNFIT + (1.0 - VOWELS_UNFIT) * fit));
                    }
                }
            }
        }
        if let Some(term) = exact {
            add(term, 1.0);
        }
        if self.steps.fuzzy {
            // A word the catalogue knows as written is less likely a typo for another.
            let typo = if known { KNOWN_WORD_TYPO } else { 1.0 };
            for (term, sim) in self.fuzzy.similar(spelled) {
                add(term, sim * typo);
            }
        }
        out
    }

    /// The share of a query's information that service `doc` explains: per word, the weight
    /// of its best reading found in the service, over the weight of its best reading anywhere
    /// (or of an unknown word).
    fn coverage(&self, doc: u32, readings: &[(Vec<(u32, f32)>, f32)]) -> f32 {
        let mut explained = 0f32;
        let mut total = 0f32;
        for (word_readings, word_max) in readings {
            total += word_max;
            explained += self.explains(doc, word_readings, 0.0).min(*word_max);
        }
        if total > 0.0 { explained / total } else { 0.0 }
    }

    /// How much `doc` explains one query word: the weight of the word's best reading found
    /// in it, discounted by where it is found (`strength`), counting only places at least
    /// `min_strength` strong. 0 when the word is not found there.
    fn explains(&self, doc: u32, word_readings: &[(u32, f32)], min_strength: f32) -> f32 {
        let mut best = 0f32;
        for &(term, sim) in word_readings {
            let at = self
                .postings
                .get(term as usize)
                .and_then(|p| p.binary_search_by_key(&doc, |(d, _)| *d).ok());
            let strength = at
                .and_then(|i| self.strengths.get(term as usize)?.get(i).copied())
                .unwrap_or(0.0);
            if at.is_some() && strength >= min_strength {
                let idf = self.idf.get(term as usize).copied().unwrap_or(0.0);
                best = best.max(idf * sim * strength);
            }
        }
        best
    }

    /// How much of the query the service explains, as its subject, that the entry done
    /// elsewhere does not touch at all: "شهادة ميلاد عشان التطعيم" asks for a birth
    /// certificate, for a vaccination; the entry explains the purpose, the service the paper.
    fn explains_beyond(
        &self,
        service: u32,
        entry: u32,
        readings: &[(Vec<(u32, f32)>, f32)],
    ) -> f32 {
        readings
            .iter()
            .filter(|(word_readings, _)| self.explains(entry, word_readings, 0.0) == 0.0)
            .map(|(word_readings, word_max)| {
                self.explains(service, word_readings, SUBJECT)
                    .min(*word_max)
            })
            .sum()
    }

    /// How each word of `query` was read: the index terms it matched and how surely. For
    /// looking into a ranking, not for serving.
    pub fn explain(&self, query: &str) -> Vec<(QueryWord, Vec<Reading>)> {
        query_words(query, self.steps)
            .into_iter()
            .map(|w| {
                let readings = self
                    .expand(&w)
                    .into_iter()
                    .map(|(t, sim)| {
                        let name = self.terms.get(t as usize).cloned().unwrap_or_default();
                        let idf = self.idf.get(t as usize).copied().unwrap_or_default();
                        Reading {
                            term: name,
                            sim,
                            idf,
                        }
                    })
                    .collect();
                (w, readings)
            })
            .collect()
    }

    /// The best `limit` services for `query`, and whether the first is a confident match.
    pub fn search(&self, query: &str, limit: usize) -> SearchResults<'_> {
        let words = query_words(query, self.steps);
        let mut scores = vec![0f32; self.services.len()];
        let mut best_for_word = vec![0f32; self.services.len()];
        let mut touched: Vec<u32> = Vec::new();
        // Each word's readings and the weight of its best one, for `coverage`. A word that
        // is no service's subject — unknown to the index, or found only in lists of papers
        // ("bill", "receipt") — weighs a whole rare word: a question whose main word Diwan
        // does not know ("sell the car", "the ma'zoun") is mostly not about any service, even
        // when its other words are.
        let mut all_readings: Vec<(Vec<(u32, f32)>, f32)> = Vec::with_capacity(words.len());
        for word in &words {
            let readings = self.expand(word);
            let mut word_max = 0f32;
            let mut subject = false;
            for &(term, sim) in &readings {
                let idf = self.idf.get(term as usize).copied().unwrap_or(0.0);
                if self.in_catalogue(term) {
                    word_max = word_max.max(idf * sim);
                }
                subject |= self
                    .subject
                    .get(term as usize)
                    .is_some_and(|s| *s >= SUBJECT);
                for (doc, tf) in self
                    .postings
                    .get(term as usize)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let s = sim * idf * tf * (K1 + 1.0) / (tf + K1);
                    if let Some(slot) = best_for_word.get_mut(*doc as usize) {
                        if *slot == 0.0 {
                            touched.push(*doc);
                        }
                        *slot = slot.max(s);
                    }
                }
            }
            let weight = if subject {
                word_max
            } else {
                word_max.max(self.rare_word)
            };
            all_readings.push((readings, weight));
            // A word counts once per service, through its best reading.
            for doc in touched.drain(..) {
                if let (Some(total), Some(best)) = (
                    scores.get_mut(doc as usize),
                    best_for_word.get_mut(doc as usize),
                ) {
                    *total += *best;
                    *best = 0.0;
                }
            }
        }
        let mut ranked: Vec<(usize, f32)> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, s)| (i, *s))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let sure = |(doc, score): (usize, f32)| {
            score >= CONFIDENT_RARE_WORDS * self.rare_word
                && self.coverage(doc as u32, &all_readings) >= CONFIDENT_COVERAGE
        };
        let hit = |(i, score): (usize, f32)| {
            let s = self.services.get(i)?;
            Some(Hit {
                service_id: &s.id,
                name_ar: &s.name_ar,
                name_en: &s.name_en,
                score,
            })
        };
        let is_elsewhere = |i: usize| self.services.get(i).is_some_and(|s| s.elsewhere);
        // Something done elsewhere that ranks first with a clear lead over the best service
        // leaves that service unsure, and is named when it is itself a confident match —
        // unless the best service explains a part of the question of its own (a paper asked
        // for *for* something done elsewhere is a question about the paper): sending a
        // citizen away from a service Diwan has is the costlier mistake.
        let first = ranked.first().copied();
        let service = ranked.iter().copied().find(|(i, _)| !is_elsewhere(*i));
        let leading = first.filter(|top| {
            is_elsewhere(top.0) && service.is_none_or(|s| top.1 >= ELSEWHERE_LEAD * s.1)
        });
        let (elsewhere, confident) = match (leading, service) {
            (Some(top), Some(s))
                if self.explains_beyond(s.0 as u32, top.0 as u32, &all_readings)
                    >= SERVICE_OWN_PART * self.rare_word =>
            {
                (None, false)
            }
            (Some(top), _) => (sure(top).then(|| hit(top)).flatten(), false),
            (None, Some(s)) => (None, sure(s)),
            (None, None) => (None, false),
        };
        SearchResults {
            hits: ranked
                .into_iter()
                .filter(|(i, _)| !is_elsewhere(*i))
                .take(limit)
                .filter_map(hit)
                .collect(),
            confident,
            elsewhere,
        }
    }
}
