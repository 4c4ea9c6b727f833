//! Applications and their events: creation with reference numbering and idempotency keys,
//! version-checked transitions, listing, and reading a history once it is sequenced. Each
//! write is one transaction; an error anywhere rolls back everything it wrote (counter, rows,
//! key), so failed writes leave no holes in references.

use std::time::{Duration, Instant};

use deadpool_postgres::{Pool, Transaction};
use tokio_postgres::types::ToSql;

use super::rows::{self, APPLICATION_COLUMNS, Db, EVENT_COLUMNS, violates};
use super::sequencer::Sequencer;
use super::uploads::check_owned;
use crate::{
    ActionCommit, ActorKind, Application, ApplicationFilter, Created, Event, IdempotencyKey,
    NewApplication, StoreError, StoreResult,
};

/// Page size when the caller asks for none, and the most one page may hold.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

/// How long a reader waits for its application's committed events to be numbered before it
/// reports the sequence as stuck (only a transaction open that long anywhere in the cluster
/// can hold them back).
const SEQUENCE_WAIT: Duration = Duration::from_secs(10);

/// Why an insert did not happen: a concurrent request with the same idempotency key won the
/// race (a value, handled by replaying), or a real error.
enum Refused {
    KeyTaken,
    Error(StoreError),
}

impl From<StoreError> for Refused {
    fn from(error: StoreError) -> Refused {
        Refused::Error(error)
    }
}

pub(super) async fn create(pool: &Pool, new: NewApplication) -> StoreResult<Created> {
    let mut client = pool.get().await.db()?;
    if let Some(key) = &new.idempotency
        && let Some(application) = replay(&client, key).await?
    {
        return Ok(Created {
            application,
            replayed: true,
        });
    }
    let tx = client.transaction().await.db()?;
    match insert(&tx, &new).await {
        Ok(application) => {
            tx.commit().await.db()?;
            Ok(Created {
                application,
                replayed: false,
            })
        }
        Err(refused) => {
            // Dropping the transaction queues its ROLLBACK ahead of anything else this
            // connection sends, without a failed rollback hiding the error that caused it.
            drop(tx);
            match (refused, &new.idempotency) {
                // Another request with this key (another node, or a retry racing its
                // original) committed first: answer as a retry after it would have been.
                (Refused::KeyTaken, Some(key)) => match replay(&client, key).await? {
                    Some(application) => Ok(Created {
                        application,
                        replayed: true,
                    }),
                    None => Err(StoreError::Backend(
                        "idempotency key taken but not readable".to_owned(),
                    )),
                },
                (Refused::KeyTaken, None) => Err(StoreError::Backend(
                    "idempotency key clash without a key".to_owned(),
                )),
                (Refused::Error(error), _) => Err(error),
            }
        }
    }
}

/// Inside the transaction: everything a new application writes. The reference counter's row
/// stays locked until the transaction ends, so numbers are handed out without holes.
async fn insert(tx: &Transaction<'_>, new: &NewApplication) -> Result<Application, Refused> {
    check_owned(tx, &new.uploads, &new.applicant_id).await?;
    // The reference is numbered last (see below); until then the row carries its id, which
    // is unique too.
    let reference = new.id.clone();
    // A missing applicant fails the foreign key and comes back as NotFound; a taken id as
    // Conflict.
    let row = tx
        .query_one(
            &tx.prepare_cached(&format!(
                "INSERT INTO applications (id, reference, service_id, service_version, agency,
                     applicant_id, state, version, data, created_at, updated_at, state_since)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9, $9)
                 RETURNING {APPLICATION_COLUMNS}"
            ))
            .await
            .db()?,
            &[
                &new.id,
                &reference,
                &new.service_id,
                &i64::from(new.service_version),
                &new.agency,
                &new.applicant_id,
                &new.initial_state,
                &new.data,
                &new.at,
            ],
        )
        .await
        .db()?;
    let application = rows::application(&row)?;
    insert_event(
        tx,
        &Event {
            seq: 0,
            application_id: application.id.clone(),
            version: 1,
            action: "submitted".to_owned(),
            from_state: None,
            to_state: application.state.clone(),
            actor_id: application.applicant_id.clone(),
            actor_kind: ActorKind::Citizen,
            actor_role: None,
            actor_agency: None,
            comment: None,
            at: new.at,
        },
    )
    .await?;
    if let Some(key) = &new.idempotency {
        let statement = tx
            .prepare_cached(
                "INSERT INTO idempotency_keys (owner, key, request_hash, application_id,
                     created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .await
            .db()?;
        // Last, so the unique (owner, key) index is the arbiter between concurrent requests:
        // the loser waits for the winner's commit here, then fails and replays it.
        let inserted = tx
            .execute(
                &statement,
                &[
                    &key.owner,
                    &key.key,
                    &key.request_hash,
                    &application.id,
                    &new.at,
                ],
            )
            .await;
        match inserted {
            Ok(_) => {}
            Err(e) if violates(&e, "idempotency_keys_pkey") => return Err(Refused::KeyTaken),
            Err(e) => return Err(Refused::Error(rows::store_error(e))),
        }
    }
    // Numbering takes the (prefix, year) counter row's lock, held until COMMIT: taking it as
    // the last statement keeps that window to the commit itself, so submissions to one
    // service queue only for each other's fsync, not for each other's whole transaction.
    let number: i64 = tx
        .query_one(
            &tx.prepare_cached(
                "INSERT INTO reference_counters (prefix, year, next) VALUES ($1, $2, 2)
                 ON CONFLICT (prefix, year) DO UPDATE SET next = reference_counters.next + 1
                 RETURNING next - 1",
            )
            .await
            .db()?,
            &[&new.reference_prefix, &new.year],
        )
        .await
        .db()?
        .try_get(0)
        .db()?;
    let reference = format!("{}-{}-{number:06}", new.reference_prefix, new.year);
    tx.execute(
        &tx.prepare_cached("UPDATE applications SET reference = $1 WHERE id = $2")
            .await
            .db()?,
        &[&reference, &application.id],
    )
    .await
    .db()?;
    let mut application = application;
    application.reference = reference;
    Ok(application)
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

/// Appends an event, not yet numbered: the sequencer gives it its `seq` after the commit (the
/// `seq` field here is ignored).
async fn insert_event(tx: &Transaction<'_>, event: &Event) -> StoreResult<()> {
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO events (application_id, version, action, from_state, to_state,
                 actor_id, actor_kind, actor_role, actor_agency, comment, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .await
        .db()?,
        &[
            &event.application_id,
            &event.version,
            &event.action,
            &event.from_state,
            &event.to_state,
            &event.actor_id,
            &event.actor_kind.as_str(),
            &event.actor_role,
            &event.actor_agency,
            &event.comment,
            &event.at,
        ],
    )
    .await
    .db()?;
    Ok(())
}

pub(super) async fn apply(pool: &Pool, commit: ActionCommit) -> StoreResult<Application> {
    let mut client = pool.get().await.db()?;
    let tx = client.transaction().await.db()?;
    // Optimistic concurrency in one statement: it applies only at the version (and state) the
    // caller decided from. state_since moves only when the state does: a comment that keeps
    // the state must not reset the SLA clock.
    let updated = tx
        .query_opt(
            &tx.prepare_cached(&format!(
                "UPDATE applications
                 SET state = $4, version = version + 1, updated_at = $5,
                     state_since = CASE WHEN state = $4 THEN state_since ELSE $5 END,
                     data = COALESCE($6, data)
                 WHERE id = $1 AND version = $2 AND state = $3
                 RETURNING {APPLICATION_COLUMNS}"
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
            ],
        )
        .await
        .db()?;
    let Some(row) = updated else {
        drop(tx);
        // Nothing matched: say what the application is now, if it exists.
        let current = client
            .query_opt(
                &client
                    .prepare_cached("SELECT version, state FROM applications WHERE id = $1")
                    .await
                    .db()?,
                &[&commit.application_id],
            )
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        return Err(StoreError::VersionConflict {
            current: current.try_get(0).db()?,
            state: current.try_get(1).db()?,
        });
    };
    let application = rows::application(&row)?;
    // On error the transaction is dropped, which rolls the update back.
    check_owned(&tx, &commit.uploads, &application.applicant_id).await?;
    insert_event(
        &tx,
        &Event {
            seq: 0,
            application_id: application.id.clone(),
            version: application.version,
            action: commit.action,
            from_state: Some(commit.from_state),
            to_state: commit.to_state,
            actor_id: commit.actor.id,
            actor_kind: commit.actor.kind,
            actor_role: commit.actor.role,
            actor_agency: commit.actor.agency,
            comment: commit.comment,
            at: commit.at,
        },
    )
    .await?;
    tx.commit().await.db()?;
    Ok(application)
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
        // An unknown cursor makes the sub-select NULL, so the page is empty.
        clauses.push(format!(
            "(created_at, id) < (SELECT created_at, id FROM applications WHERE id = {})",
            bind(Box::new(before))
        ));
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
    let sql = format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications {filter_sql}
         ORDER BY created_at DESC, id DESC LIMIT {limit_mark}"
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
