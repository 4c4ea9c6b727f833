//! Reference numbers on PostgreSQL: one sequence per prefix and year (`reference_bc_2026`),
//! drawn inside the statement that creates the application.
//!
//! Why a sequence and not a counter row: a counter row stays locked until its transaction
//! commits, so every submission to one service waited for the previous one's fsync, one at
//! a time, and PostgreSQL's group commit could not share flushes between them (measured:
//! 419 submissions/s to one service at 64 clients). A sequence hands out numbers without a
//! lock held to the commit. The price is the usual one for sequences: a number drawn by a
//! statement that then fails is not reused. The create statement draws its number only after
//! every check that can refuse a request cheaply (uploads, an earlier use of the idempotency
//! key), so a hole needs a real race (two requests with one key at the same instant) or a
//! crash; SQLite's single writer keeps its references hole-free.
//!
//! Sequences are created on first use, under an advisory lock so that two nodes do not race,
//! and start after the last number in use: a `reference_counters` row (databases numbered
//! before sequences were used) or the highest reference of the series (a dropped sequence).

use std::collections::HashSet;
use std::sync::Mutex;

use deadpool_postgres::Client;

use super::rows::Db;
use crate::{StoreError, StoreResult};

/// The advisory lock under which sequences are created (advisory locks are per database).
const SERIES_LOCK: i64 = 0x4449_5741_4E00_0003;

/// The sequence that numbers `prefix`'s references in `year`, as an SQL identifier. Only
/// capital letters and digits make it into the name (the catalogue allows 2 to 6 capitals);
/// anything else is refused rather than escaped.
pub(super) fn series_name(prefix: &str, year: i32) -> StoreResult<String> {
    let plain = !prefix.is_empty()
        && prefix.len() <= 16
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !plain || !(1..=9999).contains(&year) {
        return Err(StoreError::Backend(format!(
            "reference prefix {prefix:?} or year {year} cannot name a sequence"
        )));
    }
    Ok(format!("reference_{}_{year}", prefix.to_ascii_lowercase()))
}

/// The sequences this node knows exist, so the common path costs no extra round trip.
#[derive(Debug, Default)]
pub(super) struct KnownSeries(Mutex<HashSet<String>>);

impl KnownSeries {
    pub(super) fn contains(&self, name: &str) -> bool {
        self.0.lock().is_ok_and(|known| known.contains(name))
    }

    pub(super) fn forget(&self, name: &str) {
        if let Ok(mut known) = self.0.lock() {
            known.remove(name);
        }
    }

    /// Makes sure the sequence exists (creating it if no node has), then remembers it.
    pub(super) async fn ensure(
        &self,
        client: &mut Client,
        name: &str,
        prefix: &str,
        year: i32,
    ) -> StoreResult<()> {
        let tx = client.transaction().await.db()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SERIES_LOCK])
            .await
            .db()?;
        let exists: bool = tx
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
            .await
            .db()?
            .try_get(0)
            .db()?;
        if !exists {
            // After the last number in use: the counter row of a database numbered before
            // sequences, and the references themselves (a sequence dropped by hand).
            let series = format!("{prefix}-{year}-");
            let start: i64 = tx
                .query_one(
                    "SELECT GREATEST(
                         (SELECT next FROM reference_counters WHERE prefix = $1 AND year = $2),
                         (SELECT MAX(substr(reference, length($3) + 1)::BIGINT) + 1
                          FROM applications
                          WHERE starts_with(reference, $3)
                            AND substr(reference, length($3) + 1) ~ '^[0-9]{1,18}$'),
                         1)",
                    &[&prefix, &year, &series],
                )
                .await
                .db()?
                .try_get(0)
                .db()?;
            // DDL takes no parameters; `name` is built from capitals and digits only, and
            // `start` is a number.
            tx.batch_execute(&format!(
                "CREATE SEQUENCE {name} AS BIGINT START WITH {start} MINVALUE 1"
            ))
            .await
            .db()?;
        }
        tx.commit().await.db()?;
        if let Ok(mut known) = self.0.lock() {
            known.insert(name.to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only_from_capitals_digits_and_a_plain_year() {
        assert_eq!(
            series_name("BC", 2026).ok().as_deref(),
            Some("reference_bc_2026")
        );
        assert_eq!(
            series_name("P7", 2026).ok().as_deref(),
            Some("reference_p7_2026")
        );
        for (prefix, year) in [
            ("", 2026),
            ("bc", 2026),
            ("B C", 2026),
            ("BC;DROP", 2026),
            ("BC\"", 2026),
            ("BC", 0),
            ("BC", -1),
            ("BC", 10_000),
        ] {
            assert!(series_name(prefix, year).is_err(), "{prefix:?} {year}");
        }
    }
}
