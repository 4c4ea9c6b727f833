//! Opening connections with the settings durability depends on, and applying migrations.
//!
//! Migrations are embedded in the binary, numbered, and each applied in its own transaction
//! together with its `schema_migrations` row, so a crash mid-migration leaves the database at
//! the previous version, and a reopen applies only the ones it has not recorded.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::rows::Db;
use crate::{StoreError, StoreResult};

/// One schema step: its number (strictly increasing) and its SQL.
#[derive(Debug, Clone, Copy)]
pub(super) struct Migration {
    pub version: i64,
    pub sql: &'static str,
}

/// Every migration of this build, in order. Append only: a released file is never edited.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/sqlite/0002_ledger.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/sqlite/0003_otp_phone.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/sqlite/0004_queue_order.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/sqlite/0005_upload_quota.sql"),
    },
];

/// How long a connection waits for a lock before failing. Only another process (a backup
/// tool, an operator's shell) can hold the write lock, since this store has one writer.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the one write connection.
pub(super) fn open_writer(path: &Path, synchronous_full: bool) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .db()?;
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    // WAL lets readers run while the writer commits; the mode is stored in the file.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!(
            "SQLite refused WAL mode (got {mode})"
        )));
    }
    // FULL fsyncs the WAL at every commit: an acknowledged write survives power loss. OFF is
    // only for measuring the CPU limit in benchmarks.
    let synchronous = if synchronous_full { "FULL" } else { "OFF" };
    conn.pragma_update(None, "synchronous", synchronous).db()?;
    conn.pragma_update(None, "foreign_keys", "ON").db()?;
    // The writer reuses a handful of statements per job kind; keep them all prepared.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Opens a read-only connection; call after [`open_writer`] has set the file up.
pub(super) fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .db()?;
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// Applies, in order, every migration the database has not recorded; returns their versions.
pub(super) fn migrate(conn: &Connection, migrations: &[Migration]) -> StoreResult<Vec<i64>> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER NOT NULL PRIMARY KEY,
             applied_at INTEGER NOT NULL
         ) STRICT",
    )
    .db()?;
    let newest_known = migrations.iter().map(|m| m.version).max().unwrap_or(0);
    let newest_applied: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |row| {
            row.get(0)
        })
        .db()?;
    // A newer build has changed the schema in ways this one does not know: refuse rather
    // than write rows the newer code would misread.
    if let Some(applied) = newest_applied.filter(|applied| *applied > newest_known) {
        return Err(StoreError::Backend(format!(
            "database schema version {applied} is newer than this build ({newest_known})"
        )));
    }

    let mut applied = Vec::new();
    for migration in migrations {
        // The check sits inside the transaction: two processes opening the same new file
        // at once cannot both apply a migration.
        conn.execute_batch("BEGIN IMMEDIATE").db()?;
        let result = apply_one(conn, migration);
        match result {
            Ok(true) => {
                conn.execute_batch("COMMIT").db()?;
                applied.push(migration.version);
            }
            Ok(false) => conn.execute_batch("COMMIT").db()?,
            Err(error) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(error);
            }
        }
    }
    Ok(applied)
}

/// Inside a transaction: applies the migration unless recorded; true when it applied it.
fn apply_one(conn: &Connection, migration: &Migration) -> StoreResult<bool> {
    let known = conn
        .query_row(
            "SELECT 1 FROM schema_migrations WHERE version = ?1",
            [migration.version],
            |_| Ok(()),
        )
        .optional()
        .db()?
        .is_some();
    if known {
        return Ok(false);
    }
    conn.execute_batch(migration.sql)
        .map_err(|e| StoreError::Backend(format!("migration {} failed: {e}", migration.version)))?;
    // The database's clock, not ours: the store is handed times by its caller for records,
    // but this is bookkeeping about the file itself.
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at)
         VALUES (?1, CAST(unixepoch('subsec') * 1000 AS INTEGER))",
        [migration.version],
    )
    .db()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Migration = Migration {
        version: 1,
        sql: "CREATE TABLE a (x INTEGER);",
    };
    const SECOND: Migration = Migration {
        version: 2,
        sql: "CREATE TABLE b (y INTEGER);",
    };
    const BROKEN: Migration = Migration {
        version: 3,
        sql: "CREATE TABLE c (z INTEGER); THIS IS NOT SQL;",
    };

    fn recorded(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn has_table(conn: &Connection, name: &str) -> bool {
        conn.query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()
        .expect("query")
        .is_some()
    }

    #[test]
    fn applies_only_new_migrations() {
        let conn = Connection::open_in_memory().expect("open");
        assert_eq!(migrate(&conn, &[FIRST]).expect("first run"), vec![1]);
        // Re-running 1 would fail (the table exists), so success proves it was skipped.
        assert_eq!(
            migrate(&conn, &[FIRST, SECOND]).expect("second run"),
            vec![2]
        );
        assert_eq!(
            migrate(&conn, &[FIRST, SECOND]).expect("third run"),
            Vec::<i64>::new()
        );
        assert_eq!(recorded(&conn), vec![1, 2]);
        assert!(has_table(&conn, "a") && has_table(&conn, "b"));
    }

    #[test]
    fn a_failing_migration_leaves_nothing_behind() {
        let conn = Connection::open_in_memory().expect("open");
        let error = migrate(&conn, &[FIRST, BROKEN]).expect_err("must fail");
        assert!(error.to_string().contains("migration 3"), "{error}");
        assert_eq!(recorded(&conn), vec![1]);
        assert!(
            !has_table(&conn, "c"),
            "the half-applied migration was rolled back"
        );
        assert!(conn.is_autocommit());
    }

    #[test]
    fn refuses_a_database_from_a_newer_build() {
        let conn = Connection::open_in_memory().expect("open");
        migrate(&conn, &[FIRST, SECOND]).expect("newer build");
        let error = migrate(&conn, &[FIRST]).expect_err("older build must refuse");
        assert!(error.to_string().contains("newer"), "{error}");
    }

    #[test]
    fn the_real_migrations_apply_to_an_empty_database() {
        let conn = Connection::open_in_memory().expect("open");
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(migrate(&conn, MIGRATIONS).expect("migrate"), versions);
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "versions strictly increase"
        );
        for table in [
            "applications",
            "events",
            "users",
            "sessions",
            "otp_codes",
            "uploads",
        ] {
            assert!(has_table(&conn, table), "{table}");
        }
    }

    #[test]
    fn the_writer_connection_is_durable_by_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.db");
        let conn = open_writer(&path, true).expect("open");
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |row| row.get(0))
            .expect("pragma");
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |row| row.get(0))
            .expect("pragma");
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("pragma");
        assert_eq!((sync, fk, mode.as_str()), (2, 1, "wal"));

        let fast = open_writer(&dir.path().join("f.db"), false).expect("open");
        let sync: i64 = fast
            .pragma_query_value(None, "synchronous", |row| row.get(0))
            .expect("pragma");
        assert_eq!(sync, 0, "synchronous=OFF only when asked");
    }
}
