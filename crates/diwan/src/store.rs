//! Picks the store from the configuration: the embedded SQLite file in the data folder by
//! default, PostgreSQL when `database` is a `postgres://` URL. The only place in Diwan that
//! names a concrete backend.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use diwan_store::Store;
use diwan_store::postgres::{PostgresOptions, PostgresStore};
use diwan_store::sqlite::{SqliteOptions, SqliteStore};

/// Which backend a configuration names.
pub enum Backend<'a> {
    Sqlite,
    Postgres(&'a str),
}

pub fn backend(database: Option<&str>) -> anyhow::Result<Backend<'_>> {
    match database.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(Backend::Sqlite),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Backend::Postgres(url))
        }
        Some(other) => {
            let scheme = other.split(':').next().unwrap_or("");
            bail!(
                "unsupported database URL scheme `{scheme}`; use postgres://… or leave `database` unset for the embedded store"
            )
        }
    }
}

pub async fn open(
    database: Option<&str>,
    data_dir: &Path,
    pool_size: usize,
) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match backend(database)? {
        Backend::Sqlite => Arc::new(
            SqliteStore::open(
                &data_dir.join(crate::backup::DB_FILE),
                SqliteOptions::default(),
            )
            .await
            .context("cannot open the embedded database")?,
        ),
        Backend::Postgres(url) => Arc::new(
            PostgresStore::connect(url, PostgresOptions { pool_size })
                .await
                .context("cannot connect to PostgreSQL")?,
        ),
    })
}
