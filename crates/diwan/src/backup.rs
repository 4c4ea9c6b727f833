//! `diwan backup` and `diwan restore` for the embedded SQLite store.
//!
//! A backup is one consistent SQLite file made with `VACUUM INTO` while the server runs (WAL
//! lets it read a snapshot without stopping writers). It holds everything the store keeps,
//! uploads included. `secret.key` in the data folder only keys the hashes of live sign-in
//! codes; losing it invalidates codes in flight, nothing more.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use rusqlite::{Connection, OpenFlags};

pub const DB_FILE: &str = "diwan.db";
pub const LOCK_FILE: &str = "diwan.lock";

/// Held for the life of a server: a second server, or a restore, on the same folder fails.
pub fn lock_data_dir(data_dir: &Path) -> anyhow::Result<File> {
    let path = data_dir.join(LOCK_FILE);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    if file.try_lock().is_err() {
        bail!(
            "another diwan process is using the data folder {}; stop it first",
            data_dir.display()
        );
    }
    Ok(file)
}

/// What a database file holds, for the operator's eyes.
struct Summary {
    applications: i64,
    events: i64,
    uploads: i64,
}

fn summarize(conn: &Connection) -> anyhow::Result<Summary> {
    let count = |table: &str| -> anyhow::Result<i64> {
        Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(Summary {
        applications: count("applications")?,
        events: count("events")?,
        uploads: count("uploads")?,
    })
}

fn check_integrity(conn: &Connection, what: &Path) -> anyhow::Result<()> {
    let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    ensure!(
        result == "ok",
        "{} failed its integrity check: {result}",
        what.display()
    );
    Ok(())
}

pub fn backup(data_dir: &Path, out: &Path) -> anyhow::Result<()> {
    let db = data_dir.join(DB_FILE);
    ensure!(db.exists(), "no database at {}", db.display());
    ensure!(
        !out.exists(),
        "{} already exists; choose a new file name",
        out.display()
    );
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {}", db.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let target = out
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target])
        .context("VACUUM INTO failed")?;
    drop(conn);
    File::open(out)?.sync_all()?;
    let copy = Connection::open_with_flags(out, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check_integrity(&copy, out)?;
    let s = summarize(&copy)?;
    let size = std::fs::metadata(out)?.len();
    println!(
        "backup written: {} ({} applications, {} events, {} uploads, {} bytes)",
        out.display(),
        s.applications,
        s.events,
        s.uploads,
        size
    );
    Ok(())
}

/// Replaces the data folder's database with a backup. The current database is kept beside it
/// (`diwan.db.replaced-<unix time>`) so a restore can itself be undone.
pub fn restore(data_dir: &Path, backup: &Path, now_unix: u64) -> anyhow::Result<()> {
    let copy = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {}", backup.display()))?;
    check_integrity(&copy, backup)?;
    let s = summarize(&copy).context("this file is not a Diwan backup")?;
    drop(copy);

    std::fs::create_dir_all(data_dir)?;
    let _lock = lock_data_dir(data_dir)?;
    let db = data_dir.join(DB_FILE);
    if db.exists() {
        let kept = data_dir.join(format!("{DB_FILE}.replaced-{now_unix}"));
        // Fold the WAL into the old file first so the kept copy is complete on its own.
        let old = Connection::open(&db)?;
        old.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        drop(old);
        std::fs::rename(&db, &kept)?;
        println!("previous database kept as {}", kept.display());
    }
    for suffix in ["-wal", "-shm"] {
        let side: PathBuf = data_dir.join(format!("{DB_FILE}{suffix}"));
        if side.exists() {
            std::fs::remove_file(&side)?;
        }
    }
    let tmp = data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(backup, &tmp)?;
    File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &db)?;
    File::open(data_dir)?.sync_all()?;
    println!(
        "restored {} into {} ({} applications, {} events, {} uploads)",
        backup.display(),
        db.display(),
        s.applications,
        s.events,
        s.uploads
    );
    Ok(())
}
