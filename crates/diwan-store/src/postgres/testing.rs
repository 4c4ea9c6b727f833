//! Fresh PostgreSQL databases for tests: this crate's suite and, later, the binary's API
//! tests. Not part of the store's interface.
//!
//! The server is named by `DIWAN_TEST_DATABASE_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`): its user must be allowed to create and drop
//! databases. Unset, PostgreSQL tests are skipped with a loud line on stderr; set but
//! unreachable, they fail, so CI cannot pass by accident.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_postgres::NoTls;

use super::rows::Db;
use crate::{StoreError, StoreResult};

/// The environment variable naming the test server.
pub const DATABASE_URL_VAR: &str = "DIWAN_TEST_DATABASE_URL";

/// Every test database's name starts with this; the rest is `<unix seconds>_<random hex>`,
/// both from the server.
const PREFIX: &str = "diwan_test_";

/// Test databases left behind (a killed test run) are dropped by the next run after this.
const STALE_AFTER: Duration = Duration::from_secs(3_600);

/// A database that exists for one test and is dropped when this value is, also when the
/// test fails (the drop runs on its own thread and connection, so it works during a panic).
#[derive(Debug)]
pub struct TestDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates an empty database on the test server; `Ok(None)` when no server is configured.
    /// Drops stale test databases first.
    pub async fn create() -> StoreResult<Option<TestDatabase>> {
        let Some(server_url) = std::env::var(DATABASE_URL_VAR)
            .ok()
            .filter(|url| !url.trim().is_empty())
        else {
            skipped();
            return Ok(None);
        };
        let client = admin(&server_url).await?;
        // The server's clock and randomness: test databases are named and aged by the one
        // clock every test run shares, and this crate reads no clock of its own.
        let row = client
            .query_one(
                "SELECT EXTRACT(EPOCH FROM clock_timestamp())::BIGINT,
                        replace(gen_random_uuid()::TEXT, '-', '')",
                &[],
            )
            .await
            .db()?;
        let now: i64 = row.try_get(0).db()?;
        let random: &str = row.try_get(1).db()?;
        let name = format!("{PREFIX}{now}_{random}");
        drop_stale(&client, now).await?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .db()?;
        let url = with_database(&server_url, &name);
        Ok(Some(TestDatabase {
            server_url,
            name,
            url,
        }))
    }

    /// The connection URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        // Our own thread and runtime: Drop cannot await, and may run while a test's runtime
        // is unwinding from a panic.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            runtime.block_on(async {
                let client = admin(&server_url).await?;
                drop_database(&client, &name).await
            })
        });
        let outcome = match dropper.join() {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(_) => "the dropping thread panicked".to_owned(),
        };
        let _ = writeln!(
            std::io::stderr(),
            "could not drop test database {}: {outcome}",
            self.name
        );
    }
}

/// Says once per process, past the test harness's output capture, that tests were skipped.
fn skipped() {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: PostgreSQL tests ({DATABASE_URL_VAR} not set) ***\n"
        );
    }
}

/// A connection to the server's maintenance database, driven on the current runtime.
async fn admin(server_url: &str) -> StoreResult<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(server_url, NoTls)
        .await
        .map_err(|e| StoreError::Backend(format!("test server ({DATABASE_URL_VAR}): {e}")))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

async fn drop_database(client: &tokio_postgres::Client, name: &str) -> StoreResult<()> {
    if !is_test_database(name) {
        return Err(StoreError::Backend(format!(
            "{name} is not a test database"
        )));
    }
    // FORCE ends the connections the test's pools still hold.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .db()
}

/// Drops test databases created more than [`STALE_AFTER`] ago.
async fn drop_stale(client: &tokio_postgres::Client, now: i64) -> StoreResult<()> {
    let rows = client
        .query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
            &[&PREFIX],
        )
        .await
        .db()?;
    for row in rows {
        let name: String = row.try_get(0).db()?;
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<i64>().ok());
        if let Some(created) = created
            && now.saturating_sub(created) > STALE_AFTER.as_secs() as i64
        {
            drop_database(client, &name).await?;
        }
    }
    Ok(())
}

/// Only names this module makes: safe to put in SQL unquoted.
fn is_test_database(name: &str) -> bool {
    name.strip_prefix(PREFIX).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '_')
    })
}

/// The server URL pointed at another database: `postgres://u@h:p/old?x` ->
/// `postgres://u@h:p/name?x`; key-value strings get a `dbname` (later keys win).
fn with_database(server_url: &str, name: &str) -> String {
    let Some(scheme_end) = server_url.find("://") else {
        return format!("{server_url} dbname={name}");
    };
    let (base, query) = match server_url.find('?') {
        Some(at) => server_url.split_at(at),
        None => (server_url, ""),
    };
    let authority_start = scheme_end + 3;
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |at| authority_start + at);
    format!("{}/{name}{query}", &base[..authority_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_urls_at_another_database() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/t",
            ),
            (
                "postgres://postgres@127.0.0.1:5432",
                "postgres://postgres@127.0.0.1:5432/t",
            ),
            (
                "postgresql://u:p@h/db?sslmode=disable",
                "postgresql://u:p@h/t?sslmode=disable",
            ),
            ("postgres://h?user=u", "postgres://h/t?user=u"),
            ("host=h user=u dbname=x", "host=h user=u dbname=x dbname=t"),
        ];
        for (server, expected) in cases {
            assert_eq!(with_database(server, "t"), expected, "{server}");
        }
    }

    #[test]
    fn only_drops_its_own_databases() {
        assert!(is_test_database("diwan_test_1767225600_00ff"));
        assert!(!is_test_database("diwan_test_"));
        assert!(!is_test_database("postgres"));
        assert!(!is_test_database("diwan_test_1; DROP TABLE x"));
    }
}
