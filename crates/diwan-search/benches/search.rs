//! `cargo bench -p diwan-search`: search latency over the real 40-service catalogue and over
//! a synthetic catalogue of 5,000 services, p50 and p99 per query. Targets: p99 under 5 ms
//! and under 20 ms. A plain `main` (no bench framework): the figures needed are percentiles
//! of single queries, and the framework would cost more build time than this file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "bench code"
)]

use std::path::Path;
use std::time::Instant;

use diwan_domain::service::{SourceFile, SourceKind, load_catalog};
use diwan_search::eval::parse_cases;
use diwan_search::{SearchDoc, SearchIndex, docs};

fn catalogue_docs() -> Vec<SearchDoc> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/eg");
    let mut files = Vec::new();
    let mut paths = vec![root.join("agencies.toml"), root.join("elsewhere.toml")];
    for dir in ["workflows", "services"] {
        paths.extend(
            std::fs::read_dir(root.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path()),
        );
    }
    for p in paths {
        let rel = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(kind) = SourceKind::from_relative_path(&rel) {
            let text = std::fs::read_to_string(&p).unwrap();
            files.push(SourceFile {
                path: rel,
                kind,
                text,
            });
        }
    }
    docs(&load_catalog(&files).unwrap())
}

/// A deterministic generator (xorshift), so every run indexes the same synthetic catalogue.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, words: &'a [String]) -> &'a str {
        &words[(self.next() % words.len() as u64) as usize]
    }
}

/// `n` services made of the real catalogue's words, recombined: the same vocabulary and
/// text lengths as a real catalogue, many times over.
fn synthetic(real: &[SearchDoc], n: usize) -> Vec<SearchDoc> {
    let words_of = |f: &dyn Fn(&SearchDoc) -> Vec<String>| -> Vec<String> {
        real.iter()
            .flat_map(f)
            .flat_map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect()
    };
    let names = words_of(&|d| vec![d.name_ar.clone(), d.name_en.clone()]);
    let keywords = words_of(&|d| d.keywords.clone());
    let text = words_of(&|d| [d.description.clone(), d.related.clone()].concat());
    let mut rng = Rng(0x5eed_d1a4);
    let mut phrase = |words: &[String], len: usize| -> String {
        (0..len)
            .map(|_| rng.pick(words))
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..n)
        .map(|i| SearchDoc {
            id: format!("service_{i}"),
            name_ar: phrase(&names, 5),
            name_en: phrase(&names, 5),
            keywords: (0..12).map(|_| phrase(&keywords, 2)).collect(),
            description: vec![phrase(&text, 30), phrase(&text, 30)],
            related: vec![phrase(&text, 40)],
            elsewhere: false,
        })
        .collect()
}

fn measure(name: &str, index: &SearchIndex, queries: &[String], rounds: usize) {
    let mut times = Vec::with_capacity(queries.len() * rounds);
    for _ in 0..rounds {
        for q in queries {
            let t = Instant::now();
            std::hint::black_box(index.search(q, 5));
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name}: {} documents (services and entries done elsewhere), {} searches: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        index.len(),
        times.len(),
        at(0.5),
        at(0.99),
        times[times.len() - 1]
    );
}

fn main() {
    let queries: Vec<String> = parse_cases(include_str!("../tests/data/eg-queries-dev.tsv"))
        .unwrap()
        .into_iter()
        .map(|c| c.query)
        .collect();
    let real = catalogue_docs();
    measure("catalogue", &SearchIndex::new(&real), &queries, 50);
    let many = synthetic(&real, 5000);
    let started = Instant::now();
    let index = SearchIndex::new(&many);
    println!(
        "synthetic index built in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    measure("synthetic", &index, &queries, 5);
}
