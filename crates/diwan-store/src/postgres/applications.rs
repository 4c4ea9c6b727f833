//! Applications and their events: creation with reference numbering and idempotency keys,
//! version-checked transitions, listing, and reading a history once it is sequenced. Each
//! write is one SQL statement, so one round trip and one implicit transaction: an error
//! anywhere rolls back everything it wrote, and a refusal (stale version, someone else's
//! upload, a key used before) writes nothing and is explained by a second, read-only query.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::references::{KnownSeries, series_name};
use super::rows::{self, APPLICATION_COLUMNS, Db, EVENT_COLUMNS, violates};
use super::sequencer::Sequencer;
use super::uploads::check_owned;
use crate::{
    ActionCommit, Application, ApplicationFilter, Created, Event, IdempotencyKey,
    LEAF_APPLICATION_EVENT, LEAF_CERTIFICATE_ISSUED, ListOrder, NewApplication, StoreError,
    StoreResult,
};

/// Page size when the caller asks for none, and the most one page may hold.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

/// How long a reader waits for its application's committed events to be numbered before it
/// reports the sequence as stuck (only a transaction open that long anywhere in the cluster
/// can hold them back).
const SEQUENCE_WAIT: Duration = Duration::from_secs(10);

pub(super) async fn create(
    pool: &Pool,
    series: &KnownSeries,
    new: NewApplication,
) -> StoreResult<Created> {
    let name = series_name(&new.reference_prefix, new.year)?;
    let mut client = pool.get().await.db()?;
    if !series.contains(&name) {
        series
            .ensure(&mut client, &name, &new.reference_prefix, new.year)
            .await?;
    }
    let inserted = match insert(&client, &name, &new).await {
        // Someone dropped the sequence behind this node's back: make it again, once.
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => {
            series.forget(&name);
            series
                .ensure(&mut client, &name, &new.reference_prefix, new.year)
                .await?;
            insert(&client, &name, &new).await
        }
        other => other,
    };
    match inserted {
        Ok(Some(row)) => Ok(Created {
            application: rows::application(&row)?,
            replayed: false,
        }),
        // Another request with this key (another node, or a retry racing its original)
        // committed at the same instant: answer as a retry after it would have been.
        Err(e) if violates(&e, "idempotency_keys_pkey") => refused(&client, &new).await,
        Err(e) => Err(rows::store_error(e)),
        // The statement's own checks refused it: say which.
        Ok(None) => refused(&client, &new).await,
    }
}

/// Everything a new application writes, in one statement (one round trip, one implicit
/// transaction): the application, its `submitted` event and its idempotency key. It writes
/// nothing, and draws no reference number, when an upload is not the applicant's or the key
/// was used before; then it returns `None` and [`refused`] says why.
///
/// The events' foreign key is checked at the end of the statement, when the application's
/// row is there. A concurrent request with the same key fails on the key's primary key and
/// is replayed by the caller.
async fn insert(
    client: &deadpool_postgres::Client,
    series: &str,
    new: &NewApplication,
) -> Result<Option<Row>, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(&format!(
            "WITH app AS (
                 INSERT INTO applications (id, reference, service_id, service_version, agency,
                     applicant_id, state, version, data, created_at, updated_at, state_since)
                 SELECT $1, reference, $3, $4, $5, $6, $7, 1, $8, $9, $9, $9
                 FROM (
                     SELECT $10 || '-' || $11::INTEGER::TEXT || '-'
                         || lpad(n::TEXT, GREATEST(6, length(n::TEXT)), '0') AS reference
                     FROM (SELECT nextval($2::TEXT::REGCLASS) AS n) drawn
                 ) numbered
                 -- Evaluated before the number is drawn: a refused request leaves no hole.
                 WHERE NOT EXISTS (SELECT 1 FROM applications WHERE id = $1)
                   AND EXISTS (SELECT 1 FROM users WHERE id = $6)
                   AND (SELECT count(*) FROM uploads
                        WHERE id = ANY($12) AND owner_id = $6)
                       = (SELECT count(DISTINCT u) FROM unnest($12::TEXT[]) u)
                   AND NOT EXISTS (SELECT 1 FROM idempotency_keys
                                   WHERE owner = $13 AND key = $14)
                 RETURNING {APPLICATION_COLUMNS}
             ),
             leaf AS (
                 INSERT INTO ledger_leaves (kind, application_id, entry, at)
                 SELECT $16, id, $17, created_at FROM app
                 RETURNING id
             ),
             submitted AS (
                 INSERT INTO events (application_id, version, action, from_state, to_state,
                     actor_id, actor_kind, at, leaf_id)
                 SELECT app.id, 1, 'submitted', NULL, state, applicant_id, 'citizen',
                     created_at, leaf.id
                 FROM app, leaf
             ),
             keyed AS (
                 INSERT INTO idempotency_keys (owner, key, request_hash, application_id,
                     created_at)
                 SELECT $13, $14, $15, id, created_at FROM app WHERE $13::TEXT IS NOT NULL
             )
             SELECT {APPLICATION_COLUMNS} FROM app"
        ))
        .await?;
    let (owner, key, hash) = match &new.idempotency {
        Some(k) => (Some(&k.owner), Some(&k.key), Some(&k.request_hash)),
        None => (None, None, None),
    };
    let row = client
        .query_opt(
            &statement,
            &[
                &new.id,
                &series,
                &new.service_id,
                &i64::from(new.service_version),
                &new.agency,
                &new.applicant_id,
                &new.initial_state,
                &new.data,
                &new.at,
                &new.reference_prefix,
                &new.year,
                &new.uploads,
                &owner,
                &key,
                &hash,
                &LEAF_APPLICATION_EVENT,
                &new.ledger_entry,
            ],
        )
        .await?;
    Ok(row)
}

/// Why the create statement wrote nothing: the key was used before (replay it, or refuse a
/// different body), the id is taken, the applicant unknown, or an upload is missing or
/// someone else's. The same answers the constraints would give, had the row been tried.
async fn refused(client: &deadpool_postgres::Client, new: &NewApplication) -> StoreResult<Created> {
    if let Some(key) = &new.idempotency
        && let Some(application) = replay(client, key).await?
    {
        return Ok(Created {
            application,
            replayed: true,
        });
    }
    let found = client
        .query_one(
            &client
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM applications WHERE id = $1),
                            EXISTS (SELECT 1 FROM users WHERE id = $2)",
                )
                .await
                .db()?,
            &[&new.id, &new.applicant_id],
        )
        .await
        .db()?;
    let (id_taken, applicant_known): (bool, bool) =
        (found.try_get(0).db()?, found.try_get(1).db()?);
    if id_taken {
        return Err(StoreError::Conflict(
            "applications_pkey already holds this value".to_owned(),
        ));
    }
    if !applicant_known {
        return Err(StoreError::NotFound);
    }
    check_owned(client, &new.uploads, &new.applicant_id).await?;
    Err(StoreError::Backend(
        "the application was neither written nor refused for a reason".to_owned(),
    ))
}

/// The application an earlier request with this key created, if any.
async fn replay(
    client: &deadpool_postgres::Client,
    key: &IdempotencyKey,
) -> StoreResult<Option<Application>> {
    let earlier = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "SELECT k.request_hash, {columns}
                     FROM idempotency_keys k JOIN applications a ON a.id = k.application_id
                     WHERE k.owner = $1 AND k.key = $2",
                    columns = qualified(APPLICATION_COLUMNS, "a"),
                ))
                .await
                .db()?,
            &[&key.owner, &key.key],
        )
        .await
        .db()?;
    let Some(row) = earlier else { return Ok(None) };
    let hash: &str = row.try_get(0).db()?;
    if hash != key.request_hash {
        return Err(StoreError::IdempotencyMismatch);
    }
    rows::application_at(&row, 1).map(Some)
}

/// `a, b` -> `t.a, t.b`.
fn qualified(columns: &str, table: &str) -> String {
    columns
        .split(',')
        .map(|column| format!("{table}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn apply(pool: &Pool, commit: ActionCommit) -> StoreResult<Application> {
    let client = pool.get().await.db()?;
    let certificate = commit.certificate.as_ref();
    // One statement (one round trip, one implicit transaction): the version-checked update
    // and its event. Optimistic concurrency: it applies only at the version (and state) the
    // caller decided from, and only if every upload it names is the applicant's. A concurrent
    // writer's update makes this one wait for the row, then re-check the version and match
    // nothing. state_since moves only when the state does: a comment that keeps the state
    // must not reset the SLA clock. The event's id is drawn after the row lock is held (the
    // sequencer relies on it): the event is inserted from the update's output.
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "WITH moved AS (
                         UPDATE applications
                         SET state = $4, version = version + 1, updated_at = $5,
                             state_since = CASE WHEN state = $4 THEN state_since ELSE $5 END,
                             data = COALESCE($6, data)
                         WHERE id = $1 AND version = $2 AND state = $3
                           AND (SELECT count(*) FROM uploads
                                WHERE id = ANY($12) AND owner_id = applications.applicant_id)
                               = (SELECT count(DISTINCT u) FROM unnest($12::TEXT[]) u)
                         RETURNING {APPLICATION_COLUMNS}
                     ),
                     -- The event's leaf, then the certificate's: one INSERT, rows in order,
                     -- so the certificate's leaf comes after the event's in the log.
                     leaves AS (
                         INSERT INTO ledger_leaves (kind, application_id, entry, at)
                         SELECT l.kind, moved.id, l.entry, $5
                         FROM moved, (VALUES (1, $14, $15::BYTEA), (2, $16, $17::BYTEA))
                             AS l(ord, kind, entry)
                         WHERE l.entry IS NOT NULL
                         ORDER BY l.ord
                         RETURNING id, kind
                     ),
                     recorded AS (
                         INSERT INTO events (application_id, version, action, from_state,
                             to_state, actor_id, actor_kind, actor_role, actor_agency, comment,
                             at, leaf_id)
                         SELECT moved.id, version, $7, $3, $4, $8, $9, $10, $11, $13, $5,
                             leaves.id
                         FROM moved, leaves WHERE leaves.kind = $14
                     ),
                     issued AS (
                         INSERT INTO certificates (id, application_id, payload, key_id,
                             issued_at, expires_at)
                         SELECT $18, moved.id, $19, $20, $5, $21 FROM moved
                         WHERE $18::TEXT IS NOT NULL
                     )
                     SELECT {APPLICATION_COLUMNS} FROM moved"
                ))
                .await
                .db()?,
            &[
                &commit.application_id,
                &commit.expected_version,
                &commit.from_state,
                &commit.to_state,
                &commit.at,
                &commit.new_data,
                &commit.action,
                &commit.actor.id,
                &commit.actor.kind.as_str(),
                &commit.actor.role,
                &commit.actor.agency,
                &commit.uploads,
                &commit.comment,
                &LEAF_APPLICATION_EVENT,
                &commit.ledger_entry,
                &LEAF_CERTIFICATE_ISSUED,
                &certificate.map(|c| &c.ledger_entry),
                &certificate.map(|c| &c.id),
                &certificate.map(|c| &c.payload),
                &certificate.map(|c| &c.key_id),
                &certificate.and_then(|c| c.expires_at),
            ],
        )
        .await
        .db()?;
    if let Some(row) = row {
        return rows::application(&row);
    }
    // Nothing matched: say what the application is now, if it exists.
    let current = client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT version, state, applicant_id FROM applications WHERE id = $1",
                )
                .await
                .db()?,
            &[&commit.application_id],
        )
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    let (version, state): (i64, String) = (current.try_get(0).db()?, current.try_get(1).db()?);
    if version != commit.expected_version || state != commit.from_state {
        return Err(StoreError::VersionConflict {
            current: version,
            state,
        });
    }
    let applicant: String = current.try_get(2).db()?;
    check_owned(&client, &commit.uploads, &applicant).await?;
    Err(StoreError::Backend(
        "the action was neither applied nor refused for a reason".to_owned(),
    ))
}

pub(super) async fn get(pool: &Pool, id: &str) -> StoreResult<Application> {
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1"
                ))
                .await
                .db()?,
            &[&id],
        )
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    rows::application(&row)
}

/// Newest first: `(created_at, id)` descending, which is also the paging cursor's order.
/// Sets are bound as arrays (`= ANY($n)`), so the statement text depends only on which
/// filters are set and the statement cache stays small.
pub(super) async fn list(pool: &Pool, filter: ApplicationFilter) -> StoreResult<Vec<Application>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let mut bind = |value: Box<dyn ToSql + Sync + Send>| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(applicant) = filter.applicant_id {
        clauses.push(format!("applicant_id = {}", bind(Box::new(applicant))));
    }
    if let Some(agency) = filter.agency {
        clauses.push(format!("agency = {}", bind(Box::new(agency))));
    }
    for (column, set) in [("service_id", filter.service_ids), ("state", filter.states)] {
        let Some(set) = set else { continue };
        // An empty set filters everything out.
        if set.is_empty() {
            return Ok(Vec::new());
        }
        clauses.push(format!("{column} = ANY({})", bind(Box::new(set))));
    }
    if let Some(before) = filter.before_id {
        match (filter.order, crate::parse_waiting_cursor(&before)) {
            (ListOrder::LongestWaiting, Some((since, id))) => {
                let since = bind(Box::new(since));
                let id = bind(Box::new(id.to_owned()));
                clauses.push(format!("(state_since, id) > ({since}, {id})"));
            }
            (order, _) => {
                // An unknown cursor makes the sub-select NULL, so the page is empty.
                let (columns, after) = match order {
                    ListOrder::NewestFirst => ("created_at, id", "<"),
                    ListOrder::LongestWaiting => ("state_since, id", ">"),
                };
                clauses.push(format!(
                    "({columns}) {after} (SELECT {columns} FROM applications WHERE id = {})",
                    bind(Box::new(before))
                ));
            }
        }
    }
    let limit = match filter.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    let limit_mark = bind(Box::new(i64::from(limit)));
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let order = match filter.order {
        ListOrder::NewestFirst => "created_at DESC, id DESC",
        ListOrder::LongestWaiting => "state_since ASC, id ASC",
    };
    let sql = format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications {filter_sql}
         ORDER BY {order} LIMIT {limit_mark}"
    );
    let params: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|value| &**value as &(dyn ToSql + Sync))
        .collect();
    let client = pool.get().await.db()?;
    client
        .query(&client.prepare_cached(&sql).await.db()?, &params)
        .await
        .db()?
        .iter()
        .map(rows::application)
        .collect()
}

/// Oldest first, every event numbered. Every application has its `submitted` event, so none
/// means no application. When some of its committed events are still waiting for a number,
/// runs the sequencer and looks again, until they all have one.
pub(super) async fn events(
    pool: &Pool,
    sequencer: &Sequencer,
    application_id: &str,
) -> StoreResult<Vec<Event>> {
    let deadline = Instant::now() + SEQUENCE_WAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(events) = numbered_events(pool, application_id).await? {
            return Ok(events);
        }
        // Our own connection is back in the pool before the sequencer takes one.
        if sequencer.run(pool).await? > 0 {
            continue;
        }
        // Another node is sequencing, or a transaction older than our events is still open.
        if Instant::now() >= deadline {
            return Err(StoreError::Backend(format!(
                "events of {application_id} not sequenced after {SEQUENCE_WAIT:?}: a long \
                 transaction is holding the sequence back"
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// The application's events if all are numbered; `None` if some still wait.
async fn numbered_events(pool: &Pool, application_id: &str) -> StoreResult<Option<Vec<Event>>> {
    let client = pool.get().await.db()?;
    let rows = client
        .query(
            &client
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE application_id = $1
                     ORDER BY seq NULLS LAST, id"
                ))
                .await
                .db()?,
            &[&application_id],
        )
        .await
        .db()?;
    if rows.is_empty() {
        return Err(StoreError::NotFound);
    }
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        match rows::event(row)? {
            Some(event) => events.push(event),
            None => return Ok(None),
        }
    }
    Ok(Some(events))
}
