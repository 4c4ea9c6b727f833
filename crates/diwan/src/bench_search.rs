//! `diwan bench search FILE`: how well search finds the right service for labelled queries
//! (`query<TAB>service_id`, or `none` where no service fits), and how fast.
//!
//! Prints top-1 and top-3 accuracy, the share of `none` questions answered "no confident
//! match", each for the whole file, its development part and its held-out part (every fourth
//! query), and per-query latency. `--steps` adds what each step of the pipeline is worth,
//! starting from a plain character-trigram match, the last step being the catalogue's list
//! of what is done elsewhere (`elsewhere.toml`); `--misses` lists every wrong answer, for
//! whoever writes a service's keywords.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use diwan_search::eval::{Answer, Case, Report, evaluate, evaluate_with, is_held_out, parse_cases};
use diwan_search::{SearchDoc, SearchIndex, Steps, baseline::TrigramBaseline, docs};

pub fn run(file: &Path, catalog_dir: &Path, steps: bool, misses: bool) -> anyhow::Result<()> {
    let catalog = match diwan_server::catalog_files::load(catalog_dir)
        .with_context(|| format!("reading {}", catalog_dir.display()))?
    {
        Ok(c) => c,
        Err(problems) => bail!(
            "the catalogue has problems (run `diwan check {}`): {} found",
            catalog_dir.display(),
            problems.len()
        ),
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let cases = parse_cases(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let dev: Vec<&Case> = split(&cases, false);
    let held: Vec<&Case> = split(&cases, true);
    let docs = docs(&catalog);
    // The catalogue's own services, without what is done elsewhere: the steps before the
    // last are measured on these.
    let offered: Vec<SearchDoc> = docs.iter().filter(|d| !d.elsewhere).cloned().collect();

    let started = Instant::now();
    let index = SearchIndex::new(&docs);
    let built = started.elapsed();
    println!(
        "{} services and {} done elsewhere indexed in {:.1} ms; {} queries ({} development, {} held out)",
        offered.len(),
        index.len() - offered.len(),
        built.as_secs_f64() * 1000.0,
        cases.len(),
        dev.len(),
        held.len()
    );
    println!(
        "{:<32} {:>7} {:>7} {:>9} {:>14}",
        "", "top-1", "top-3", "none rej.", "sent elsewhere"
    );
    let all = evaluate(&index, &cases);
    line("all", &all);
    line("development", &evaluate(&index, dev.iter().copied()));
    line("held out", &evaluate(&index, held.iter().copied()));

    if misses {
        println!("\nwrong answers ({}):", all.misses.len());
        for m in &all.misses {
            let sure = if m.confident { "sure" } else { "unsure" };
            let elsewhere = m
                .elsewhere
                .as_deref()
                .map(|e| format!(", read as done elsewhere: {e}"))
                .unwrap_or_default();
            println!(
                "  {}\n    expected {}, got {} ({sure}{elsewhere})",
                m.query,
                m.expected.as_deref().unwrap_or("none"),
                m.got.as_deref().unwrap_or("nothing"),
            );
        }
    }

    if steps {
        println!("\nwhat each step adds (development | held out):");
        let base = TrigramBaseline::new(&offered);
        let run_base = |q: &str| {
            let ids = base.search(q, 3).into_iter().map(str::to_string).collect();
            Answer {
                ids,
                confident: true,
                elsewhere: None,
            }
        };
        pair(
            "character trigrams (baseline)",
            &evaluate_with(dev.iter().copied(), run_base),
            &evaluate_with(held.iter().copied(), run_base),
        );
        let none = Steps {
            normalise: false,
            keywords: false,
            stem: false,
            arabizi: false,
            fuzzy: false,
        };
        let rows = [
            ("words, BM25F", none),
            (
                "+ normalisation",
                Steps {
                    normalise: true,
                    ..none
                },
            ),
            (
                "+ keywords",
                Steps {
                    normalise: true,
                    keywords: true,
                    ..none
                },
            ),
            (
                "+ stop words, stemming",
                Steps {
                    arabizi: false,
                    fuzzy: false,
                    ..Steps::ALL
                },
            ),
            (
                "+ Arabizi",
                Steps {
                    fuzzy: false,
                    ..Steps::ALL
                },
            ),
            ("+ fuzzy (typos, affixes)", Steps::ALL),
        ];
        for (name, s) in rows {
            let index = SearchIndex::with_steps(&offered, s);
            pair(
                name,
                &evaluate(&index, dev.iter().copied()),
                &evaluate(&index, held.iter().copied()),
            );
        }
        pair(
            "+ what is done elsewhere",
            &evaluate(&index, dev.iter().copied()),
            &evaluate(&index, held.iter().copied()),
        );
    }

    // Latency: every query, several rounds, one thread.
    let mut times: Vec<f64> = Vec::new();
    for _ in 0..20 {
        for c in &cases {
            let t = Instant::now();
            let found = index.search(&c.query, 5);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(found);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "\nlatency over {} searches: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

fn split(cases: &[Case], held_out: bool) -> Vec<&Case> {
    cases
        .iter()
        .enumerate()
        .filter(|(i, _)| is_held_out(*i) == held_out)
        .map(|(_, c)| c)
        .collect()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn line(name: &str, r: &Report) {
    println!(
        "{name:<32} {:>7} {:>7} {:>9} {:>14}",
        pct(r.top1_share()),
        pct(r.top3_share()),
        pct(r.none_share()),
        r.sent_elsewhere
    );
}

fn pair(name: &str, dev: &Report, held: &Report) {
    println!(
        "{name:<32} top-1 {:>6} | {:>6}   top-3 {:>6} | {:>6}   none rej. {:>6} | {:>6}",
        pct(dev.top1_share()),
        pct(held.top1_share()),
        pct(dev.top3_share()),
        pct(held.top3_share()),
        pct(dev.none_share()),
        pct(held.none_share())
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}
