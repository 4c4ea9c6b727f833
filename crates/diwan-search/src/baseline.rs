//! The yardstick search is measured against: character trigrams of the lower-cased name and
//! description, weighted by rarity, no language knowledge at all. It stays in the crate so
//! the accuracy report can show, in the same run, what the real pipeline adds.

use std::collections::HashMap;

use crate::index::SearchDoc;

/// A character-trigram ranker over names and descriptions.
#[derive(Debug)]
pub struct TrigramBaseline {
    ids: Vec<String>,
    /// Per service: trigram → count, and the vector's norm.
    grams: Vec<(HashMap<String, f32>, f32)>,
    idf: HashMap<String, f32>,
}

fn trigrams(text: &str) -> HashMap<String, f32> {
    let mut out = HashMap::new();
    for word in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let chars: Vec<char> = format!(" {word} ").chars().collect();
        for w in chars.windows(3) {
            *out.entry(w.iter().collect()).or_insert(0.0) += 1.0;
        }
    }
    out
}

impl TrigramBaseline {
    pub fn new(docs: &[SearchDoc]) -> TrigramBaseline {
        let raw: Vec<HashMap<String, f32>> = docs
            .iter()
            .map(|d| {
                trigrams(&format!(
                    "{} {} {}",
                    d.name_ar,
                    d.name_en,
                    d.description.join(" ")
                ))
            })
            .collect();
        let mut df: HashMap<String, f32> = HashMap::new();
        for g in &raw {
            for k in g.keys() {
                *df.entry(k.clone()).or_default() += 1.0;
            }
        }
        let n = docs.len() as f32;
        let idf: HashMap<String, f32> = df
            .into_iter()
            .map(|(k, d)| (k, (1.0 + n / d).ln()))
            .collect();
        let grams = raw
            .into_iter()
            .map(|g| {
                let weighted: HashMap<String, f32> = g
                    .into_iter()
                    .map(|(k, c)| {
                        let w = c * idf.get(&k).copied().unwrap_or(0.0);
                        (k, w)
                    })
                    .collect();
                let norm = weighted.values().map(|w| w * w).sum::<f32>().sqrt();
                (weighted, norm.max(1e-6))
            })
            .collect();
        TrigramBaseline {
            ids: docs.iter().map(|d| d.id.clone()).collect(),
            grams,
            idf,
        }
    }

    /// The ids of the best `limit` services by cosine similarity.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&str> {
        let q = trigrams(query);
        let mut ranked: Vec<(usize, f32)> = self
            .grams
            .iter()
            .enumerate()
            .map(|(i, (g, norm))| {
                let dot: f32 = q
                    .iter()
                    .map(|(k, c)| {
                        c * self.idf.get(k).copied().unwrap_or(0.0)
                            * g.get(k).copied().unwrap_or(0.0)
                    })
                    .sum();
                (i, dot / norm)
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .filter_map(|(i, _)| self.ids.get(i).map(String::as_str))
            .collect()
    }
}
