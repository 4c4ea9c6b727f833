//! Uploaded files and the ownership check applications rely on: a citizen can only refer to
//! files they uploaded themselves.

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::Db;
use crate::{NewUpload, StoreError, StoreResult, UploadMeta};

pub(super) fn put(conn: &Connection, upload: NewUpload) -> StoreResult<UploadMeta> {
    let size = u64::try_from(upload.bytes.len())
        .map_err(|_| StoreError::Backend("upload too large".to_owned()))?;
    let stored_size =
        i64::try_from(size).map_err(|_| StoreError::Backend("upload too large".to_owned()))?;
    // The one writer runs this whole function in its transaction: nothing lands between the
    // count and the insert.
    if let Some(quota) = upload.quota {
        let (files, bytes, oldest): (i64, i64, Option<i64>) = conn
            .prepare_cached(
                "SELECT count(*), coalesce(sum(size), 0), min(created_at) FROM uploads
                 WHERE owner_id = ?1 AND created_at >= ?2",
            )
            .db()?
            .query_row(params![upload.owner_id, quota.since], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .db()?;
        crate::upload_quota::check(&quota, files, bytes, oldest, size)?;
    }
    // A missing owner fails the foreign key and comes back as NotFound.
    conn.prepare_cached(
        "INSERT INTO uploads (id, owner_id, filename, content_type, size, sha256, bytes,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .db()?
    .execute(params![
        upload.id,
        upload.owner_id,
        upload.filename,
        upload.content_type,
        stored_size,
        upload.sha256,
        upload.bytes,
        upload.at,
    ])
    .db()?;
    Ok(UploadMeta {
        id: upload.id,
        owner_id: upload.owner_id,
        filename: upload.filename,
        content_type: upload.content_type,
        size,
        sha256: upload.sha256,
        created_at: upload.at,
    })
}

/// The upload's description; its bytes stay in the database.
pub(super) fn get(conn: &Connection, id: &str) -> StoreResult<UploadMeta> {
    conn.prepare_cached(
        "SELECT id, owner_id, filename, content_type, size, sha256, created_at
         FROM uploads WHERE id = ?1",
    )
    .db()?
    .query_row([id], |row| {
        let size: i64 = row.get(4)?;
        Ok(UploadMeta {
            id: row.get(0)?,
            owner_id: row.get(1)?,
            filename: row.get(2)?,
            content_type: row.get(3)?,
            size: u64::try_from(size)
                .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(4, size))?,
            sha256: row.get(5)?,
            created_at: row.get(6)?,
        })
    })
    .db()
}

/// The upload's description and bytes.
pub(super) fn get_content(conn: &Connection, id: &str) -> StoreResult<(UploadMeta, Vec<u8>)> {
    let meta = get(conn, id)?;
    let bytes: Vec<u8> = conn
        .prepare_cached("SELECT bytes FROM uploads WHERE id = ?1")
        .db()?
        .query_row([id], |row| row.get(0))
        .db()?;
    Ok((meta, bytes))
}

/// Every id must name an upload owned by `owner`. Someone else's upload is reported exactly
/// like a missing one, so ids of other people's files cannot be probed.
pub(super) fn check_owned(conn: &Connection, ids: &[String], owner: &str) -> StoreResult<()> {
    let mut stmt = conn
        .prepare_cached("SELECT owner_id FROM uploads WHERE id = ?1")
        .db()?;
    for id in ids {
        let found: Option<String> = stmt.query_row([id], |row| row.get(0)).optional().db()?;
        if found.as_deref() != Some(owner) {
            return Err(StoreError::UploadNotFound(id.clone()));
        }
    }
    Ok(())
}
