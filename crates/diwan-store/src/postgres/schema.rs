//! Applying migrations at connect.
//!
//! Migrations are embedded in the binary, numbered, and each applied in its own transaction
//! together with its `schema_migrations` row, so a crash mid-migration leaves the database at
//! the previous version. Every transaction here first takes a transaction-scoped advisory lock,
//! so app nodes starting together take turns: the first applies, the others find it recorded.

use deadpool_postgres::Client;

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
        sql: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../../migrations/postgres/0002_ledger.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../../migrations/postgres/0003_otp_phone.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../../migrations/postgres/0004_queue_order.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../../migrations/postgres/0005_upload_quota.sql"),
    },
];

/// The advisory lock key migrations serialise on (any constant unique to Diwan's locks;
/// advisory locks are per database).
const MIGRATION_LOCK: i64 = 0x4449_5741_4E00_0001;

/// Applies, in order, every migration the database has not recorded; returns their versions.
/// Refuses a database whose schema is newer than the newest migration this build knows.
pub(super) async fn migrate(
    client: &mut Client,
    migrations: &[Migration],
) -> StoreResult<Vec<i64>> {
    let newest_known = migrations.iter().map(|m| m.version).max().unwrap_or(0);
    {
        let tx = client.transaction().await.db()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .db()?;
        // Under the lock: two nodes cannot both create the table.
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT NOT NULL PRIMARY KEY,
                 applied_at BIGINT NOT NULL
             )",
        )
        .await
        .db()?;
        let newest_applied: Option<i64> = tx
            .query_one("SELECT MAX(version) FROM schema_migrations", &[])
            .await
            .db()?
            .try_get(0)
            .db()?;
        // A newer build has changed the schema in ways this one does not know: refuse rather
        // than write rows the newer code would misread.
        if let Some(applied) = newest_applied.filter(|applied| *applied > newest_known) {
            return Err(StoreError::Backend(format!(
                "database schema version {applied} is newer than this build ({newest_known})"
            )));
        }
        tx.commit().await.db()?;
    }

    let mut applied = Vec::new();
    for migration in migrations {
        let tx = client.transaction().await.db()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .db()?;
        let known = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[&migration.version],
            )
            .await
            .db()?
            .is_some();
        if known {
            tx.commit().await.db()?;
            continue;
        }
        // Dropping the transaction on error rolls it back, lock and half-made tables with it.
        tx.batch_execute(migration.sql).await.map_err(|e| {
            StoreError::Backend(format!(
                "migration {} failed: {}",
                migration.version,
                super::rows::store_error(e)
            ))
        })?;
        // The database's clock, not ours: this is bookkeeping about the database itself.
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at)
             VALUES ($1, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT)",
            &[&migration.version],
        )
        .await
        .db()?;
        tx.commit().await.db()?;
        applied.push(migration.version);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::testing::TestDatabase;

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

    #[test]
    fn versions_strictly_increase() {
        assert!(
            MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version),
            "versions strictly increase"
        );
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
    }

    async fn recorded(client: &Client) -> Vec<i64> {
        client
            .query(
                "SELECT version FROM schema_migrations ORDER BY version",
                &[],
            )
            .await
            .expect("query")
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    async fn has_table(client: &Client, name: &str) -> bool {
        client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
            .await
            .expect("query")
            .get(0)
    }

    /// Applies only what is new, rolls a failing migration back whole, refuses a newer
    /// database. (Skipped without a test server, like every PostgreSQL test.)
    #[tokio::test]
    async fn applies_only_new_migrations_and_nothing_half_done() {
        let Some(db) = TestDatabase::create().await.expect("test database") else {
            return;
        };
        let pool = crate::postgres::pool(db.url(), 1).expect("pool");
        let mut client = pool.get().await.expect("connection");

        assert_eq!(migrate(&mut client, &[FIRST]).await.expect("first"), [1]);
        // Re-running 1 would fail (the table exists), so success proves it was skipped.
        assert_eq!(
            migrate(&mut client, &[FIRST, SECOND])
                .await
                .expect("second"),
            [2]
        );
        assert_eq!(
            migrate(&mut client, &[FIRST, SECOND]).await.expect("third"),
            Vec::<i64>::new()
        );

        let error = migrate(&mut client, &[FIRST, SECOND, BROKEN])
            .await
            .expect_err("must fail");
        assert!(error.to_string().contains("migration 3"), "{error}");
        assert_eq!(recorded(&client).await, [1, 2]);
        assert!(has_table(&client, "a").await && has_table(&client, "b").await);
        assert!(
            !has_table(&client, "c").await,
            "the half-applied migration was rolled back"
        );

        let error = migrate(&mut client, &[FIRST])
            .await
            .expect_err("an older build must refuse");
        assert!(error.to_string().contains("newer"), "{error}");
    }

    #[tokio::test]
    async fn the_real_migrations_apply_to_an_empty_database() {
        let Some(db) = TestDatabase::create().await.expect("test database") else {
            return;
        };
        let pool = crate::postgres::pool(db.url(), 1).expect("pool");
        let mut client = pool.get().await.expect("connection");
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(
            migrate(&mut client, MIGRATIONS).await.expect("migrate"),
            versions
        );
        for table in [
            "applications",
            "events",
            "users",
            "sessions",
            "otp_codes",
            "otp_sends",
            "uploads",
            "reference_counters",
            "idempotency_keys",
        ] {
            assert!(has_table(&client, table).await, "{table}");
        }
    }
}
