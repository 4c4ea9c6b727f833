//! Figures for monitoring on PostgreSQL: applications per service and state with their overdue
//! counts in one grouped query, and the pool's size and idle connections.
//!
//! The cutoffs travel as three parallel arrays and are joined as a table
//! (`unnest($1, $2, $3)`): PostgreSQL hash-joins that handful of rows against one scan of
//! `applications` and aggregates in the same pass, so the answer is bounded by services ×
//! states and the statement text never changes with the catalogue.
//!
//! No commit figures: each write is its own PostgreSQL transaction, and the server shares
//! fsyncs between them where Diwan cannot count it (`pg_stat_wal` has that). The event
//! sequencer's batches are not commits of writes, so they are not reported as such.

use std::collections::BTreeMap;

use deadpool_postgres::Pool;

use super::rows::Db;
use crate::{ApplicationCount, OverdueCutoff, PoolStats, StoreError, StoreResult};

/// Counts per `(service_id, state)`; `overdue` counts those that entered the state strictly
/// before its cutoff (0 where the state has none).
const COUNTS: &str = "
    SELECT a.service_id, a.state, COUNT(*),
           COUNT(*) FILTER (WHERE a.state_since < c.before)
    FROM applications a
    LEFT JOIN unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[]) AS c (service_id, state, before)
        ON c.service_id = a.service_id AND c.state = a.state
    GROUP BY a.service_id, a.state";

/// Counts applications per `(service_id, state)`, and how many of them entered that state
/// before the state's cutoff.
pub(super) async fn application_counts(
    pool: &Pool,
    cutoffs: &[OverdueCutoff],
) -> StoreResult<Vec<ApplicationCount>> {
    // One cutoff per state (the last one given wins, as on SQLite): a repeated pair would
    // join each application twice and count it twice.
    let unique: BTreeMap<(&str, &str), i64> = cutoffs
        .iter()
        .map(|c| ((c.service_id.as_str(), c.state.as_str()), c.before))
        .collect();
    let services: Vec<&str> = unique.keys().map(|(service, _)| *service).collect();
    let states: Vec<&str> = unique.keys().map(|(_, state)| *state).collect();
    let befores: Vec<i64> = unique.values().copied().collect();
    let client = pool.get().await.db()?;
    let rows = client
        .query(
            &client.prepare_cached(COUNTS).await.db()?,
            &[&services, &states, &befores],
        )
        .await
        .db()?;
    rows.iter()
        .map(|row| {
            Ok(ApplicationCount {
                service_id: row.try_get(0).db()?,
                state: row.try_get(1).db()?,
                count: count(row.try_get(2).db()?)?,
                overdue: count(row.try_get(3).db()?)?,
            })
        })
        .collect()
}

fn count(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Backend(format!("negative count {value}")))
}

/// The pool's ceiling (it connects on demand, up to that) and its idle connections.
pub(super) fn pool_stats(pool: &Pool) -> PoolStats {
    let status = pool.status();
    PoolStats {
        size: status.max_size as u64,
        idle: Some(status.available as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::testing::TestDatabase;

    fn cutoff(service_id: &str, state: &str, before: i64) -> OverdueCutoff {
        OverdueCutoff {
            service_id: service_id.to_owned(),
            state: state.to_owned(),
            before,
        }
    }

    fn row(service_id: &str, state: &str, count: u64, overdue: u64) -> (String, String, u64, u64) {
        (service_id.to_owned(), state.to_owned(), count, overdue)
    }

    /// The SQLite module's cases, on the real schema. (Skipped without a test server.)
    #[tokio::test]
    async fn counts_per_state_and_overdue_strictly_before_that_states_cutoff() {
        let Some(db) = TestDatabase::create().await.expect("test database") else {
            return;
        };
        let pool = crate::postgres::pool(db.url(), 1).expect("pool");
        {
            let mut client = pool.get().await.expect("connection");
            crate::postgres::schema::migrate(&mut client, crate::postgres::schema::MIGRATIONS)
                .await
                .expect("migrate");
            client
                .batch_execute(
                    "INSERT INTO users (id, kind, display_name, created_at)
                         VALUES ('u', 'citizen', 'u', 0);
                     INSERT INTO applications (id, reference, service_id, service_version,
                         agency, applicant_id, state, version, data, created_at, updated_at,
                         state_since)
                     SELECT 'app-' || n, 'R-' || n, s, 1, 'x', 'u', st, 1, '{}', 0, 0, since
                     FROM (VALUES (1, 'a', 'submitted', 10), (2, 'a', 'submitted', 20),
                                  (3, 'a', 'submitted', 30), (4, 'a', 'in_review', 10),
                                  (5, 'b', 'submitted', 10), (6, 'b', 'approved', 0))
                          AS v (n, s, st, since);",
                )
                .await
                .expect("rows");
        }
        let counts = |cutoffs: Vec<OverdueCutoff>| {
            let pool = pool.clone();
            async move {
                let mut counts: Vec<_> = application_counts(&pool, &cutoffs)
                    .await
                    .expect("counts")
                    .into_iter()
                    .map(|c| (c.service_id, c.state, c.count, c.overdue))
                    .collect();
                counts.sort();
                counts
            }
        };
        assert_eq!(
            counts(vec![]).await,
            vec![
                row("a", "in_review", 1, 0),
                row("a", "submitted", 3, 0),
                row("b", "approved", 1, 0),
                row("b", "submitted", 1, 0),
            ]
        );
        // a/submitted: 10 and 20 are before 30, 30 is not. b/submitted has no cutoff; a
        // cutoff for a state nobody is in adds no row; a repeated one counts once.
        assert_eq!(
            counts(vec![
                cutoff("a", "submitted", 30),
                cutoff("a", "in_review", 5),
                cutoff("a", "in_review", 5),
                cutoff("c", "submitted", 99),
            ])
            .await,
            vec![
                row("a", "in_review", 1, 0),
                row("a", "submitted", 3, 2),
                row("b", "approved", 1, 0),
                row("b", "submitted", 1, 0),
            ]
        );
        let stats = pool_stats(&pool);
        assert_eq!(stats.size, 1);
        assert_eq!(
            stats.idle,
            Some(1),
            "the one connection is back in the pool"
        );
    }
}
