//! The ledger and certificates on SQLite. Leaves are appended by the write jobs themselves
//! (inside their savepoint, so a failed job takes its leaf back with it) at `MAX + 1`; the tree
//! nodes for the batch's new leaves are added by [`integrate`], which the writer runs before
//! every COMMIT. So every committed state has its nodes and head up to date.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::rows::Db;
use crate::ledger::{self, empty_head, hash32, position};
use crate::{
    Certificate, CertificateRevocation, LEAF_CERTIFICATE_ISSUED, LEAF_CERTIFICATE_REVOKED,
    LedgerHead, NewCertificate, NewLeaf, StoreError, StoreResult, StoredLeaf,
};

/// The most leaves one read returns.
pub(super) const MAX_LEAVES_PER_READ: u64 = 1_000;

/// Appends a leaf at the next position.
pub(super) fn append(conn: &Connection, leaf: &NewLeaf) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO ledger_leaves (idx, kind, application_id, entry, at)
         VALUES ((SELECT COALESCE(MAX(idx), -1) + 1 FROM ledger_leaves), ?1, ?2, ?3, ?4)",
    )
    .db()?
    .execute(params![leaf.kind, leaf.application_id, leaf.entry, leaf.at])
    .db()?;
    Ok(())
}

/// The writer's before-COMMIT step: nodes and head for every leaf the batch appended.
pub(super) fn integrate(conn: &Connection) -> StoreResult<()> {
    let head = head(conn)?;
    let entries: Vec<Vec<u8>> = conn
        .prepare_cached("SELECT entry FROM ledger_leaves WHERE idx >= ?1 ORDER BY idx")
        .db()?
        .query_map([to_sql(head.size)?], |row| row.get(0))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    if entries.is_empty() {
        return Ok(());
    }
    let frontier = nodes(conn, &ledger::frontier(head.size)?)?;
    let done = ledger::integrate(head.size, frontier, &entries)?;
    let mut insert = conn
        .prepare_cached("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
        .db()?;
    for (level, index, hash) in &done.nodes {
        insert
            .execute(params![level, to_sql(*index)?, &hash[..]])
            .db()?;
    }
    conn.prepare_cached(
        "INSERT INTO ledger_head (id, size, root) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root",
    )
    .db()?
    .execute(params![to_sql(done.head.size)?, &done.head.root[..]])
    .db()?;
    Ok(())
}

fn to_sql(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("ledger index {value}")))
}

pub(super) fn head(conn: &Connection) -> StoreResult<LedgerHead> {
    let stored: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT size, root FROM ledger_head WHERE id = 1")
        .db()?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .db()?;
    match stored {
        None => Ok(empty_head()),
        Some((size, root)) => Ok(LedgerHead {
            size: position(size)?,
            root: hash32(&root)?,
        }),
    }
}

pub(super) fn nodes(conn: &Connection, wanted: &[(u8, u64)]) -> StoreResult<Vec<[u8; 32]>> {
    let mut select = conn
        .prepare_cached("SELECT hash FROM ledger_nodes WHERE level = ?1 AND idx = ?2")
        .db()?;
    wanted
        .iter()
        .map(|(level, index)| {
            let hash: Vec<u8> = select
                .query_row(params![level, to_sql(*index)?], |row| row.get(0))
                .db()?;
            hash32(&hash)
        })
        .collect()
}

const LEAF_COLUMNS: &str = "idx, kind, application_id, entry, at";

/// A leaf row as read: `(idx, kind, application_id, entry, at)`.
type LeafRow = (i64, String, Option<String>, Vec<u8>, i64);

fn leaf(row: &Row<'_>) -> rusqlite::Result<LeafRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn stored((index, kind, application_id, entry, at): LeafRow) -> StoreResult<StoredLeaf> {
    Ok(StoredLeaf {
        index: Some(position(index)?),
        kind,
        application_id,
        entry,
        at,
    })
}

/// Leaves `start..end` of the integrated log (at most [`MAX_LEAVES_PER_READ`]).
pub(super) fn leaves(conn: &Connection, start: u64, end: u64) -> StoreResult<Vec<StoredLeaf>> {
    let size = head(conn)?.size;
    let end = end.min(size).min(start.saturating_add(MAX_LEAVES_PER_READ));
    if start >= end {
        return Ok(Vec::new());
    }
    conn.prepare_cached(&format!(
        "SELECT {LEAF_COLUMNS} FROM ledger_leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"
    ))
    .db()?
    .query_map(params![to_sql(start)?, to_sql(end)?], leaf)
    .db()?
    .map(|row| stored(row.db()?))
    .collect()
}

pub(super) fn about_applicant(
    conn: &Connection,
    applicant_id: &str,
    limit: u32,
) -> StoreResult<Vec<StoredLeaf>> {
    conn.prepare_cached(&format!(
        "SELECT {LEAF_COLUMNS} FROM ledger_leaves
         WHERE application_id IN (SELECT id FROM applications WHERE applicant_id = ?1)
         ORDER BY idx DESC LIMIT ?2"
    ))
    .db()?
    .query_map(params![applicant_id, limit], leaf)
    .db()?
    .map(|row| stored(row.db()?))
    .collect()
}

/// Inside an action's job: the certificate it issues and its leaf (after the event's).
pub(super) fn issue(
    conn: &Connection,
    application_id: &str,
    certificate: &NewCertificate,
    at: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO certificates (id, application_id, payload, key_id, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db()?
    .execute(params![
        certificate.id,
        application_id,
        certificate.payload,
        certificate.key_id,
        at,
        certificate.expires_at
    ])
    .db()?;
    append(
        conn,
        &NewLeaf {
            kind: LEAF_CERTIFICATE_ISSUED,
            application_id: Some(application_id.to_owned()),
            entry: certificate.ledger_entry.clone(),
            at,
        },
    )
}

const CERTIFICATE_COLUMNS: &str =
    "id, application_id, payload, key_id, issued_at, expires_at, revoked_at, revoke_reason";

fn certificate(row: &Row<'_>) -> rusqlite::Result<Certificate> {
    Ok(Certificate {
        id: row.get(0)?,
        application_id: row.get(1)?,
        payload: row.get(2)?,
        key_id: row.get(3)?,
        issued_at: row.get(4)?,
        expires_at: row.get(5)?,
        revoked_at: row.get(6)?,
        revoke_reason: row.get(7)?,
    })
}

/// The certificate whose `column` (`id` or `application_id`) is `value`.
pub(super) fn find_certificate(
    conn: &Connection,
    by_application: bool,
    value: &str,
) -> StoreResult<Certificate> {
    let column = if by_application {
        "application_id"
    } else {
        "id"
    };
    conn.prepare_cached(&format!(
        "SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE {column} = ?1"
    ))
    .db()?
    .query_row([value], certificate)
    .db()
}

pub(super) fn revoke(
    conn: &Connection,
    revocation: &CertificateRevocation,
) -> StoreResult<Certificate> {
    let current = find_certificate(conn, false, &revocation.certificate_id)?;
    if current.revoked_at.is_some() {
        return Err(StoreError::Conflict(
            "the certificate is already revoked".to_owned(),
        ));
    }
    conn.prepare_cached(
        "UPDATE certificates SET revoked_at = ?2, revoke_reason = ?3 WHERE id = ?1",
    )
    .db()?
    .execute(params![
        revocation.certificate_id,
        revocation.at,
        revocation.reason
    ])
    .db()?;
    append(
        conn,
        &NewLeaf {
            kind: LEAF_CERTIFICATE_REVOKED,
            application_id: Some(current.application_id.clone()),
            entry: revocation.ledger_entry.clone(),
            at: revocation.at,
        },
    )?;
    find_certificate(conn, false, &revocation.certificate_id)
}
