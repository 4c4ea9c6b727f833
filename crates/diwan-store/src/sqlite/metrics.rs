//! Figures for monitoring: applications per service and state (with overdue counts) in one
//! read, plus the writer's group-commit counters and the size of the reader pool.
//!
//! The read scans `applications` once and aggregates here, where looking up the state's
//! cutoff is a hash lookup: SQLite joins a per-row cutoff table by nested loop (rows ×
//! cutoffs, seconds at half a million rows) since it builds no index on inline values.
//! The result is bounded by services × states.

use std::collections::HashMap;

use rusqlite::{Connection, Row};

use super::rows::Db;
use crate::{ApplicationCount, OverdueCutoff, StoreError, StoreResult};

#[derive(Default)]
struct Group {
    count: u64,
    overdue: u64,
    /// The state's cutoff, if it has a service-level target.
    before: Option<i64>,
}

/// Counts applications per `(service_id, state)`, and how many of them entered that state
/// before the state's cutoff.
pub(super) fn application_counts(
    conn: &Connection,
    cutoffs: &[OverdueCutoff],
) -> StoreResult<Vec<ApplicationCount>> {
    let before: HashMap<(&str, &str), i64> = cutoffs
        .iter()
        .map(|c| ((c.service_id.as_str(), c.state.as_str()), c.before))
        .collect();
    let mut groups: HashMap<String, HashMap<String, Group>> = HashMap::new();
    let mut statement = conn
        .prepare("SELECT service_id, state, state_since FROM applications")
        .db()?;
    let mut rows = statement.query([]).db()?;
    while let Some(row) = rows.next().db()? {
        let (service, state) = (text(row, 0)?, text(row, 1)?);
        let state_since: i64 = row.get(2).db()?;
        if !groups.contains_key(service) {
            groups.insert(service.to_owned(), HashMap::new());
        }
        let Some(by_state) = groups.get_mut(service) else {
            continue;
        };
        if !by_state.contains_key(state) {
            let group = Group {
                before: before.get(&(service, state)).copied(),
                ..Group::default()
            };
            by_state.insert(state.to_owned(), group);
        }
        let Some(group) = by_state.get_mut(state) else {
            continue;
        };
        group.count += 1;
        if group.before.is_some_and(|before| state_since < before) {
            group.overdue += 1;
        }
    }
    Ok(groups
        .into_iter()
        .flat_map(|(service_id, by_state)| {
            by_state
                .into_iter()
                .map(move |(state, group)| ApplicationCount {
                    service_id: service_id.clone(),
                    state,
                    count: group.count,
                    overdue: group.overdue,
                })
        })
        .collect())
}

/// A text column borrowed from the row, without copying it.
fn text<'r>(row: &'r Row<'_>, index: usize) -> StoreResult<&'r str> {
    row.get_ref(index)
        .db()?
        .as_str()
        .map_err(|e| StoreError::Backend(format!("applications column {index}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> Connection {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "CREATE TABLE applications (service_id TEXT, state TEXT, state_since INTEGER);
             INSERT INTO applications VALUES
                 ('a', 'submitted', 10), ('a', 'submitted', 20), ('a', 'submitted', 30),
                 ('a', 'in_review', 10), ('b', 'submitted', 10), ('b', 'approved', 0);",
        )
        .expect("schema");
        conn
    }

    fn cutoff(service_id: &str, state: &str, before: i64) -> OverdueCutoff {
        OverdueCutoff {
            service_id: service_id.to_owned(),
            state: state.to_owned(),
            before,
        }
    }

    fn counts(cutoffs: &[OverdueCutoff]) -> Vec<(String, String, u64, u64)> {
        let mut counts: Vec<_> = application_counts(&connection(), cutoffs)
            .expect("counts")
            .into_iter()
            .map(|c| (c.service_id, c.state, c.count, c.overdue))
            .collect();
        counts.sort();
        counts
    }

    fn row(service_id: &str, state: &str, count: u64, overdue: u64) -> (String, String, u64, u64) {
        (service_id.to_owned(), state.to_owned(), count, overdue)
    }

    #[test]
    fn counts_per_service_and_state_without_cutoffs() {
        assert_eq!(
            counts(&[]),
            vec![
                row("a", "in_review", 1, 0),
                row("a", "submitted", 3, 0),
                row("b", "approved", 1, 0),
                row("b", "submitted", 1, 0),
            ]
        );
    }

    #[test]
    fn overdue_is_strictly_before_the_cutoff_of_that_state_only() {
        // a/submitted: 10 and 20 are before 30, 30 is not. b/submitted has no cutoff.
        assert_eq!(
            counts(&[cutoff("a", "submitted", 30), cutoff("a", "in_review", 5)]),
            vec![
                row("a", "in_review", 1, 0),
                row("a", "submitted", 3, 2),
                row("b", "approved", 1, 0),
                row("b", "submitted", 1, 0),
            ]
        );
    }
}
