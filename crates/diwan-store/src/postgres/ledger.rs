//! The ledger and certificates on PostgreSQL. Writers insert leaves without a position, in the
//! statement that makes their change; the sequencer ([`super::sequencer`]) places them, numbers
//! their events and adds the tree nodes ([`integrate`]) in one transaction under its lock.
//! Readers only ever see placed leaves, so the log they see is one tree with one order.

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;

use super::rows::Db;
use crate::ledger::{self, empty_head, hash32, position};
use crate::{
    Certificate, CertificateRevocation, LEAF_CERTIFICATE_REVOKED, LedgerHead, NewLeaf, StoreError,
    StoreResult, StoredLeaf,
};

/// The most leaves one read returns.
pub(super) const MAX_LEAVES_PER_READ: u64 = 1_000;

fn to_sql(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("ledger index {value}")))
}

/// Appends a leaf that records no change of its own; the sequencer places it.
pub(super) async fn append(pool: &Pool, leaf: &NewLeaf) -> StoreResult<()> {
    let client = pool.get().await.db()?;
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO ledger_leaves (kind, application_id, entry, at)
                     VALUES ($1, $2, $3, $4)",
                )
                .await
                .db()?,
            &[&leaf.kind, &leaf.application_id, &leaf.entry, &leaf.at],
        )
        .await
        .db()?;
    Ok(())
}

pub(super) async fn head(client: &impl GenericClient) -> StoreResult<LedgerHead> {
    let row = client
        .query_opt(
            &client
                .prepare_cached("SELECT size, root FROM ledger_head WHERE id = 1")
                .await
                .db()?,
            &[],
        )
        .await
        .db()?;
    match row {
        None => Ok(empty_head()),
        Some(row) => {
            let root: Vec<u8> = row.try_get(1).db()?;
            Ok(LedgerHead {
                size: position(row.try_get(0).db()?)?,
                root: hash32(&root)?,
            })
        }
    }
}

/// The hashes of `wanted`, in order, in one query.
pub(super) async fn nodes(
    client: &impl GenericClient,
    wanted: &[(u8, u64)],
) -> StoreResult<Vec<[u8; 32]>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let levels: Vec<i16> = wanted.iter().map(|(level, _)| i16::from(*level)).collect();
    let indexes: Vec<i64> = wanted
        .iter()
        .map(|(_, index)| to_sql(*index))
        .collect::<StoreResult<_>>()?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT w.n, n.hash
                     FROM unnest($1::SMALLINT[], $2::BIGINT[]) WITH ORDINALITY AS w(level, idx, n)
                     JOIN ledger_nodes n ON n.level = w.level AND n.idx = w.idx
                     ORDER BY w.n",
                )
                .await
                .db()?,
            &[&levels, &indexes],
        )
        .await
        .db()?;
    if rows.len() != wanted.len() {
        return Err(StoreError::NotFound);
    }
    rows.iter()
        .map(|row| {
            let hash: Vec<u8> = row.try_get(1).db()?;
            hash32(&hash)
        })
        .collect()
}

/// Inside the sequencer's transaction, after it placed leaves: nodes and head for every leaf
/// past the head. Returns how many leaves it added to the tree.
pub(super) async fn integrate(client: &impl GenericClient) -> StoreResult<u64> {
    let head = head(client).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT entry FROM ledger_leaves WHERE idx >= $1 ORDER BY idx LIMIT 100000",
                )
                .await
                .db()?,
            &[&to_sql(head.size)?],
        )
        .await
        .db()?;
    if rows.is_empty() {
        return Ok(0);
    }
    let entries: Vec<Vec<u8>> = rows
        .iter()
        .map(|row| row.try_get(0).db())
        .collect::<StoreResult<_>>()?;
    let frontier = nodes(client, &ledger::frontier(head.size)?).await?;
    let done = ledger::integrate(head.size, frontier, &entries)?;
    let mut levels: Vec<i16> = Vec::with_capacity(done.nodes.len());
    let mut indexes: Vec<i64> = Vec::with_capacity(done.nodes.len());
    let mut hashes: Vec<Vec<u8>> = Vec::with_capacity(done.nodes.len());
    for (level, index, hash) in &done.nodes {
        levels.push(i16::from(*level));
        indexes.push(to_sql(*index)?);
        hashes.push(hash.to_vec());
    }
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO ledger_nodes (level, idx, hash)
                     SELECT * FROM unnest($1::SMALLINT[], $2::BIGINT[], $3::BYTEA[])",
                )
                .await
                .db()?,
            &[&levels, &indexes, &hashes],
        )
        .await
        .db()?;
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO ledger_head (id, size, root) VALUES (1, $1, $2)
                     ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root",
                )
                .await
                .db()?,
            &[&to_sql(done.head.size)?, &done.head.root.to_vec()],
        )
        .await
        .db()?;
    Ok(done.head.size - head.size)
}

const LEAF_COLUMNS: &str = "idx, kind, application_id, entry, at";

fn stored(row: &Row) -> StoreResult<StoredLeaf> {
    let index: Option<i64> = row.try_get(0).db()?;
    Ok(StoredLeaf {
        index: index.map(position).transpose()?,
        kind: row.try_get(1).db()?,
        application_id: row.try_get(2).db()?,
        entry: row.try_get(3).db()?,
        at: row.try_get(4).db()?,
    })
}

/// Leaves `start..end` of the integrated log (at most [`MAX_LEAVES_PER_READ`]).
pub(super) async fn leaves(pool: &Pool, start: u64, end: u64) -> StoreResult<Vec<StoredLeaf>> {
    let client = pool.get().await.db()?;
    let size = head(&client).await?.size;
    let end = end.min(size).min(start.saturating_add(MAX_LEAVES_PER_READ));
    if start >= end {
        return Ok(Vec::new());
    }
    client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT {LEAF_COLUMNS} FROM ledger_leaves
                     WHERE idx >= $1 AND idx < $2 ORDER BY idx"
                ))
                .await
                .db()?,
            &[&to_sql(start)?, &to_sql(end)?],
        )
        .await
        .db()?
        .iter()
        .map(stored)
        .collect()
}

/// Newest first, placed or not (a citizen sees a read at once, before the sequencer runs).
pub(super) async fn about_applicant(
    pool: &Pool,
    applicant_id: &str,
    limit: u32,
) -> StoreResult<Vec<StoredLeaf>> {
    let client = pool.get().await.db()?;
    client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT {LEAF_COLUMNS} FROM ledger_leaves
                     WHERE application_id IN
                         (SELECT id FROM applications WHERE applicant_id = $1)
                     ORDER BY id DESC LIMIT $2"
                ))
                .await
                .db()?,
            &[&applicant_id, &i64::from(limit)],
        )
        .await
        .db()?
        .iter()
        .map(stored)
        .collect()
}

const CERTIFICATE_COLUMNS: &str =
    "id, application_id, payload, key_id, issued_at, expires_at, revoked_at, revoke_reason";

fn certificate(row: &Row) -> StoreResult<Certificate> {
    Ok(Certificate {
        id: row.try_get(0).db()?,
        application_id: row.try_get(1).db()?,
        payload: row.try_get(2).db()?,
        key_id: row.try_get(3).db()?,
        issued_at: row.try_get(4).db()?,
        expires_at: row.try_get(5).db()?,
        revoked_at: row.try_get(6).db()?,
        revoke_reason: row.try_get(7).db()?,
    })
}

pub(super) async fn find_certificate(
    pool: &Pool,
    by_application: bool,
    value: &str,
) -> StoreResult<Certificate> {
    let column = if by_application {
        "application_id"
    } else {
        "id"
    };
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE {column} = $1"
                ))
                .await
                .db()?,
            &[&value],
        )
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    certificate(&row)
}

/// One statement: the revocation and its leaf, only if not revoked before.
pub(super) async fn revoke(
    pool: &Pool,
    revocation: &CertificateRevocation,
) -> StoreResult<Certificate> {
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "WITH revoked AS (
                         UPDATE certificates SET revoked_at = $2, revoke_reason = $3
                         WHERE id = $1 AND revoked_at IS NULL
                         RETURNING {CERTIFICATE_COLUMNS}
                     ),
                     recorded AS (
                         INSERT INTO ledger_leaves (kind, application_id, entry, at)
                         SELECT $4, application_id, $5, $2 FROM revoked
                     )
                     SELECT {CERTIFICATE_COLUMNS} FROM revoked"
                ))
                .await
                .db()?,
            &[
                &revocation.certificate_id,
                &revocation.at,
                &revocation.reason,
                &LEAF_CERTIFICATE_REVOKED,
                &revocation.ledger_entry,
            ],
        )
        .await
        .db()?;
    match row {
        Some(row) => certificate(&row),
        None => {
            drop(client);
            // Unknown (NotFound), or revoked before.
            find_certificate(pool, false, &revocation.certificate_id).await?;
            Err(StoreError::Conflict(
                "the certificate is already revoked".to_owned(),
            ))
        }
    }
}
