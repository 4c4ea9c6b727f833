//! Uploaded files and the ownership check applications rely on: a citizen can only refer to
//! files they uploaded themselves.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;

use super::rows::Db;
use crate::{NewUpload, StoreError, StoreResult, UploadMeta};

pub(super) async fn put(pool: &Pool, upload: NewUpload) -> StoreResult<UploadMeta> {
    let size = u64::try_from(upload.bytes.len())
        .map_err(|_| StoreError::Backend("upload too large".to_owned()))?;
    let stored_size =
        i64::try_from(size).map_err(|_| StoreError::Backend("upload too large".to_owned()))?;
    let mut client = pool.get().await.db()?;
    let tx = client.transaction().await.db()?;
    if let Some(quota) = upload.quota {
        // Uploads of one owner queue here, on any node, so two cannot both pass the quota.
        tx.execute(
            &tx.prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 7263))")
                .await
                .db()?,
            &[&upload.owner_id],
        )
        .await
        .db()?;
        let row = tx
            .query_one(
                &tx.prepare_cached(
                    "SELECT count(*), coalesce(sum(size), 0)::BIGINT, min(created_at)
                     FROM uploads WHERE owner_id = $1 AND created_at >= $2",
                )
                .await
                .db()?,
                &[&upload.owner_id, &quota.since],
            )
            .await
            .db()?;
        let (files, bytes, oldest): (i64, i64, Option<i64>) = (
            row.try_get(0).db()?,
            row.try_get(1).db()?,
            row.try_get(2).db()?,
        );
        crate::upload_quota::check(&quota, files, bytes, oldest, size)?;
    }
    // A missing owner fails the foreign key and comes back as NotFound.
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO uploads (id, owner_id, filename, content_type, size, sha256,
                         bytes, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await
        .db()?,
        &[
            &upload.id,
            &upload.owner_id,
            &upload.filename,
            &upload.content_type,
            &stored_size,
            &upload.sha256,
            &upload.bytes,
            &upload.at,
        ],
    )
    .await
    .db()?;
    tx.commit().await.db()?;
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

const META_COLUMNS: &str = "id, owner_id, filename, content_type, size, sha256, created_at";

fn meta(row: &Row) -> StoreResult<UploadMeta> {
    let size: i64 = row.try_get(4).db()?;
    Ok(UploadMeta {
        id: row.try_get(0).db()?,
        owner_id: row.try_get(1).db()?,
        filename: row.try_get(2).db()?,
        content_type: row.try_get(3).db()?,
        size: u64::try_from(size)
            .map_err(|_| StoreError::Backend(format!("negative upload size {size}")))?,
        sha256: row.try_get(5).db()?,
        created_at: row.try_get(6).db()?,
    })
}

/// The upload's description; its bytes stay in the database.
pub(super) async fn get(pool: &Pool, id: &str) -> StoreResult<UploadMeta> {
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!("SELECT {META_COLUMNS} FROM uploads WHERE id = $1"))
                .await
                .db()?,
            &[&id],
        )
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    meta(&row)
}

/// The upload's description and bytes, read together.
pub(super) async fn get_content(pool: &Pool, id: &str) -> StoreResult<(UploadMeta, Vec<u8>)> {
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "SELECT {META_COLUMNS}, bytes FROM uploads WHERE id = $1"
                ))
                .await
                .db()?,
            &[&id],
        )
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    Ok((meta(&row)?, row.try_get(7).db()?))
}

/// Every id must name an upload owned by `owner`; the first that does not is reported.
/// Someone else's upload is reported exactly like a missing one, so ids of other people's
/// files cannot be probed. One query for all ids.
pub(super) async fn check_owned(
    client: &impl GenericClient,
    ids: &[String],
    owner: &str,
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let owners: HashMap<String, String> = client
        .query(
            &client
                .prepare_cached("SELECT id, owner_id FROM uploads WHERE id = ANY($1)")
                .await
                .db()?,
            &[&ids],
        )
        .await
        .db()?
        .iter()
        .map(|row| Ok((row.try_get(0).db()?, row.try_get(1).db()?)))
        .collect::<StoreResult<_>>()?;
    match ids
        .iter()
        .find(|id| owners.get(id.as_str()).map(String::as_str) != Some(owner))
    {
        Some(id) => Err(StoreError::UploadNotFound(id.clone())),
        None => Ok(()),
    }
}
