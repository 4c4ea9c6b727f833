//! Accuracy on the labelled Egyptian queries (`tests/data/eg-queries-dev.tsv`) over the real
//! catalogue: fails if search falls below the level it has reached, on the development part
//! or on the held-out part (every fourth query; see `eval::is_held_out`). `cargo test -p
//! diwan-search --test accuracy -- --nocapture` prints every miss.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed expectation is a failed test"
)]

use std::path::Path;

use diwan_domain::service::{Catalog, SourceFile, SourceKind, load_catalog};
use diwan_search::eval::{Case, Report, evaluate, is_held_out, parse_cases};
use diwan_search::index_catalog;

fn catalog() -> Catalog {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/eg");
    let mut files = Vec::new();
    for rel in ["agencies.toml", "workflows", "services"] {
        let path = root.join(rel);
        let paths: Vec<_> = if path.is_dir() {
            std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect()
        } else {
            vec![path]
        };
        for p in paths {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if let Some(kind) = SourceKind::from_relative_path(&rel) {
                files.push(SourceFile {
                    path: rel,
                    kind,
                    text: std::fs::read_to_string(&p).unwrap(),
                });
            }
        }
    }
    load_catalog(&files).unwrap_or_else(|problems| panic!("catalogue: {problems:?}"))
}

fn cases() -> Vec<Case> {
    parse_cases(include_str!("data/eg-queries-dev.tsv")).unwrap()
}

fn print(name: &str, r: &Report) {
    println!(
        "{name}: top-1 {:.1}% ({}/{}), top-3 {:.1}%, none rejected {:.1}% ({}/{}), right but unsure {}",
        100.0 * r.top1_share(),
        r.top1,
        r.with_service,
        100.0 * r.top3_share(),
        100.0 * r.none_share(),
        r.none_rejected,
        r.none_total,
        r.right_but_unsure,
    );
    for m in &r.misses {
        println!(
            "  miss: {} | expected {:?} got {:?} confident {}",
            m.query, m.expected, m.got, m.confident
        );
    }
}

/// The floors: the level reached when this test was last raised (top-1, top-3, `none`
/// questions rejected). Raise them when search improves; a change that lowers them needs a
/// reason. Targets: top-1 ≥ 90%, top-3 ≥ 97%, none rejected ≥ 85%.
const DEV_TOP1: f64 = 0.961; // 173/180
const DEV_TOP3: f64 = 0.994; // 179/180
const DEV_NONE: f64 = 0.866; // 13/15
// Held-out top-1 was 49/60 after the verb table and the calibrated `confident` rule (50/60
// before them; the rule was set on the development part only and not tuned back).
const HELD_TOP1: f64 = 0.9; // 54/60
// Lowered from 60/60: the broader service keywords (colloquial names, documents, offices)
// lifted held-out top-1 from 49/60 to 54/60 but pushed one held-out query out of the top
// three; the keywords were chosen on the development part only and not tuned back.
const HELD_TOP3: f64 = 0.983; // 59/60
const HELD_NONE: f64 = 0.6; // 3/5

#[test]
fn accuracy_does_not_fall() {
    let index = index_catalog(&catalog());
    let cases = cases();
    let dev: Vec<&Case> = cases
        .iter()
        .enumerate()
        .filter(|(i, _)| !is_held_out(*i))
        .map(|(_, c)| c)
        .collect();
    let held: Vec<&Case> = cases
        .iter()
        .enumerate()
        .filter(|(i, _)| is_held_out(*i))
        .map(|(_, c)| c)
        .collect();
    let d = evaluate(&index, dev.iter().copied());
    let h = evaluate(&index, held.iter().copied());
    print("development", &d);
    print("held out", &h);
    assert!(d.top1_share() >= DEV_TOP1, "development top-1 fell");
    assert!(d.top3_share() >= DEV_TOP3, "development top-3 fell");
    assert!(
        d.none_share() >= DEV_NONE,
        "development none-rejection fell"
    );
    assert!(h.top1_share() >= HELD_TOP1, "held-out top-1 fell");
    assert!(h.top3_share() >= HELD_TOP3, "held-out top-3 fell");
    assert!(h.none_share() >= HELD_NONE, "held-out none-rejection fell");
}
