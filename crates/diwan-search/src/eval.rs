//! Measuring search on labelled queries: a TSV of `query<TAB>expected_service_id`, where the
//! id `none` marks a question Diwan has no service for and should say so.
//!
//! To keep tuning honest the set is split deterministically: every fourth query is held out
//! ([`is_held_out`]), so changes are made looking at the rest and checked on queries they were
//! not shaped by.

use crate::index::SearchIndex;

/// One labelled query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub query: String,
    /// `None`: no service fits, and the answer should not be confident.
    pub expected: Option<String>,
}

/// Reads the TSV; a first line starting with `query` is a header. Errors name the line.
pub fn parse_cases(tsv: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || (n == 0 && line.starts_with("query\t")) {
            continue;
        }
        let Some((query, expected)) = line.rsplit_once('\t') else {
            return Err(format!("line {}: expected `query<TAB>service_id`", n + 1));
        };
        let expected = expected.trim();
        cases.push(Case {
            query: query.trim().to_string(),
            expected: (expected != "none").then(|| expected.to_string()),
        });
    }
    Ok(cases)
}

/// Every fourth query (positions 3, 7, 11, …) is held out of development.
pub fn is_held_out(position: usize) -> bool {
    position % 4 == 3
}

/// A query answered wrongly, for the report.
#[derive(Debug, Clone)]
pub struct Miss {
    pub query: String,
    pub expected: Option<String>,
    /// The first hit, and whether it was given as confident.
    pub got: Option<String>,
    pub confident: bool,
    /// What the query was read as being done elsewhere, if anything.
    pub elsewhere: Option<String>,
}

/// A ranker's answer to one query.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The first three service ids, best first.
    pub ids: Vec<String>,
    /// Whether the first is a confident match.
    pub confident: bool,
    /// What the query was read as being done elsewhere, if anything.
    pub elsewhere: Option<String>,
}

/// Accuracy over a set of cases.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Queries with an expected service.
    pub with_service: usize,
    pub top1: usize,
    pub top3: usize,
    /// Service queries whose right first answer was nevertheless not confident.
    pub right_but_unsure: usize,
    /// Service queries answered "this is done elsewhere": the worst answer, since it sends a
    /// citizen away from a service Diwan has.
    pub sent_elsewhere: usize,
    pub none_total: usize,
    /// `none` queries answered "no confident match".
    pub none_rejected: usize,
    pub misses: Vec<Miss>,
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 { 1.0 } else { n as f64 / of as f64 }
}

impl Report {
    pub fn top1_share(&self) -> f64 {
        share(self.top1, self.with_service)
    }

    pub fn top3_share(&self) -> f64 {
        share(self.top3, self.with_service)
    }

    pub fn none_share(&self) -> f64 {
        share(self.none_rejected, self.none_total)
    }
}

/// Runs every case through the index.
pub fn evaluate<'a>(index: &SearchIndex, cases: impl IntoIterator<Item = &'a Case>) -> Report {
    evaluate_with(cases, |query| {
        let results = index.search(query, 3);
        Answer {
            ids: results
                .hits
                .iter()
                .map(|h| h.service_id.to_string())
                .collect(),
            confident: results.confident,
            elsewhere: results.elsewhere.map(|h| h.service_id.to_string()),
        }
    })
}

/// Runs every case through any ranker.
pub fn evaluate_with<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    mut search: impl FnMut(&str) -> Answer,
) -> Report {
    let mut r = Report::default();
    for case in cases {
        let Answer {
            ids: hits,
            confident,
            elsewhere,
        } = search(&case.query);
        let first = hits.first().cloned();
        match &case.expected {
            Some(expected) => {
                r.with_service += 1;
                if elsewhere.is_some() {
                    r.sent_elsewhere += 1;
                }
                let at = hits.iter().take(3).position(|h| h == expected);
                if at == Some(0) {
                    r.top1 += 1;
                    if !confident {
                        r.right_but_unsure += 1;
                    }
                }
                if at.is_some() {
                    r.top3 += 1;
                }
                if at != Some(0) || elsewhere.is_some() {
                    r.misses.push(Miss {
                        query: case.query.clone(),
                        expected: Some(expected.clone()),
                        got: first,
                        confident,
                        elsewhere: elsewhere.clone(),
                    });
                }
            }
            None => {
                r.none_total += 1;
                if confident {
                    r.misses.push(Miss {
                        query: case.query.clone(),
                        expected: None,
                        got: first,
                        confident: true,
                        elsewhere: None,
                    });
                } else {
                    r.none_rejected += 1;
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tsv_is_read_with_its_header_and_none() {
        let cases = parse_cases(
            "query\texpected_service_id\nفيش\tcriminal_record_certificate\nالجو\tnone\n",
        )
        .unwrap_or_default();
        assert_eq!(cases.len(), 2);
        assert_eq!(
            cases[0].expected.as_deref(),
            Some("criminal_record_certificate")
        );
        assert_eq!(cases[1].expected, None);
        assert!(parse_cases("no tab here").is_err());
    }
}
