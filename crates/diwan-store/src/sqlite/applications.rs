//! Applications and their events: creation with reference numbering and idempotency keys,
//! version-checked transitions, listing. Write functions run inside the writer's savepoint, so
//! an error anywhere undoes everything the job wrote (counter, rows, key).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};

use super::ledger;
use super::rows::{self, APPLICATION_COLUMNS, Db, EVENT_COLUMNS, get_application};
use super::uploads::check_owned;
use crate::{
    ActionCommit, ActorKind, Application, ApplicationFilter, Created, Event, IdempotencyKey,
    LEAF_APPLICATION_EVENT, ListOrder, NewApplication, NewLeaf, StoreError, StoreResult,
};

/// Page size when the caller asks for none, and the most one page may hold.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

pub(super) fn create(conn: &Connection, new: NewApplication) -> StoreResult<Created> {
    if let Some(key) = &new.idempotency
        && let Some(application) = replay(conn, key)?
    {
        return Ok(Created {
            application,
            replayed: true,
        });
    }
    check_owned(conn, &new.uploads, &new.applicant_id)?;

    let number = next_reference_number(conn, &new.reference_prefix, new.year)?;
    let application = Application {
        id: new.id,
        reference: format!("{}-{}-{number:06}", new.reference_prefix, new.year),
        service_id: new.service_id,
        service_version: new.service_version,
        agency: new.agency,
        applicant_id: new.applicant_id,
        state: new.initial_state,
        version: 1,
        data: new.data,
        created_at: new.at,
        updated_at: new.at,
        state_since: new.at,
    };
    let data = serde_json::to_string(&application.data)
        .map_err(|e| StoreError::Backend(format!("cannot encode application data: {e}")))?;
    // A missing applicant fails the foreign key and comes back as NotFound.
    conn.prepare_cached(
        "INSERT INTO applications (id, reference, service_id, service_version, agency,
             applicant_id, state, version, data, created_at, updated_at, state_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(params![
        application.id,
        application.reference,
        application.service_id,
        i64::from(application.service_version),
        application.agency,
        application.applicant_id,
        application.state,
        application.version,
        data,
        application.created_at,
        application.updated_at,
        application.state_since,
    ])
    .db()?;
    insert_event(
        conn,
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
    )?;
    ledger::append(
        conn,
        &NewLeaf {
            kind: LEAF_APPLICATION_EVENT,
            application_id: Some(application.id.clone()),
            entry: new.ledger_entry,
            at: new.at,
        },
    )?;
    if let Some(key) = &new.idempotency {
        conn.prepare_cached(
            "INSERT INTO idempotency_keys (owner, key, request_hash, application_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?
        .execute(params![
            key.owner,
            key.key,
            key.request_hash,
            application.id,
            new.at
        ])
        .db()?;
    }
    Ok(Created {
        application,
        replayed: false,
    })
}

/// The application an earlier request with this key created, if any.
fn replay(conn: &Connection, key: &IdempotencyKey) -> StoreResult<Option<Application>> {
    let earlier: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT request_hash, application_id FROM idempotency_keys
             WHERE owner = ?1 AND key = ?2",
        )
        .db()?
        .query_row(params![key.owner, key.key], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .db()?;
    match earlier {
        None => Ok(None),
        Some((hash, _)) if hash != key.request_hash => Err(StoreError::IdempotencyMismatch),
        Some((_, id)) => get_application(conn, &id).map(Some),
    }
}

/// Hands out the next number for this prefix and year, starting at 1. Inside the job's
/// savepoint, so a job that fails later gives its number back: references have no holes.
fn next_reference_number(conn: &Connection, prefix: &str, year: i32) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO reference_counters (prefix, year, next) VALUES (?1, ?2, 2)
         ON CONFLICT (prefix, year) DO UPDATE SET next = next + 1
         RETURNING next - 1",
    )
    .db()?
    .query_row(params![prefix, year], |row| row.get(0))
    .db()
}

/// Appends an event with the next global sequence number (its `seq` field is ignored).
/// Only the single writer appends, so `MAX + 1` cannot race, and a rolled-back savepoint
/// takes its number back with it: readers see 1, 2, 3, ... with no gaps.
fn insert_event(conn: &Connection, event: &Event) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO events (seq, application_id, version, action, from_state, to_state,
             actor_id, actor_kind, actor_role, actor_agency, comment, at)
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM events),
             ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .db()?
    .execute(params![
        event.application_id,
        event.version,
        event.action,
        event.from_state,
        event.to_state,
        event.actor_id,
        event.actor_kind.as_str(),
        event.actor_role,
        event.actor_agency,
        event.comment,
        event.at,
    ])
    .db()?;
    Ok(())
}

pub(super) fn apply(conn: &Connection, commit: ActionCommit) -> StoreResult<Application> {
    let (version, state, applicant_id): (i64, String, String) = conn
        .prepare_cached("SELECT version, state, applicant_id FROM applications WHERE id = ?1")
        .db()?
        .query_row([&commit.application_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .db()?;
    // The state check is redundant while callers pass the state they read with the version;
    // it keeps a confused caller from applying a transition decided for another state.
    if version != commit.expected_version || state != commit.from_state {
        return Err(StoreError::VersionConflict {
            current: version,
            state,
        });
    }
    check_owned(conn, &commit.uploads, &applicant_id)?;
    let data = commit
        .new_data
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Backend(format!("cannot encode application data: {e}")))?;
    let next_version = version + 1;
    // state_since moves only when the state does: a comment that keeps the state must not
    // reset the SLA clock.
    conn.prepare_cached(
        "UPDATE applications
         SET state = ?2, version = ?3, updated_at = ?4,
             state_since = CASE WHEN state = ?2 THEN state_since ELSE ?4 END,
             data = COALESCE(?5, data)
         WHERE id = ?1",
    )
    .db()?
    .execute(params![
        commit.application_id,
        commit.to_state,
        next_version,
        commit.at,
        data
    ])
    .db()?;
    insert_event(
        conn,
        &Event {
            seq: 0,
            application_id: commit.application_id.clone(),
            version: next_version,
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
    )?;
    ledger::append(
        conn,
        &NewLeaf {
            kind: LEAF_APPLICATION_EVENT,
            application_id: Some(commit.application_id.clone()),
            entry: commit.ledger_entry,
            at: commit.at,
        },
    )?;
    if let Some(certificate) = &commit.certificate {
        ledger::issue(conn, &commit.application_id, certificate, commit.at)?;
    }
    get_application(conn, &commit.application_id)
}

/// Newest first: `(created_at, id)` descending, which is also the paging cursor's order.
pub(super) fn list(conn: &Connection, filter: ApplicationFilter) -> StoreResult<Vec<Application>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    if let Some(applicant) = filter.applicant_id {
        clauses.push(format!("applicant_id = {}", bind(&mut values, applicant)));
    }
    if let Some(agency) = filter.agency {
        clauses.push(format!("agency = {}", bind(&mut values, agency)));
    }
    for (column, set) in [("service_id", filter.service_ids), ("state", filter.states)] {
        let Some(set) = set else { continue };
        // An empty set filters everything out (and `IN ()` is not valid SQL everywhere).
        if set.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = set
            .into_iter()
            .map(|value| bind(&mut values, value))
            .collect();
        clauses.push(format!("{column} IN ({})", marks.join(", ")));
    }
    if let Some(before) = filter.before_id {
        match (filter.order, crate::parse_waiting_cursor(&before)) {
            (ListOrder::LongestWaiting, Some((since, id))) => {
                values.push(SqlValue::Integer(since));
                let since = format!("?{}", values.len());
                let id = bind(&mut values, id.to_owned());
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
                    bind(&mut values, before)
                ));
            }
        }
    }
    let limit = match filter.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    values.push(SqlValue::Integer(i64::from(limit)));
    let limit_mark = values.len();

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
         ORDER BY {order} LIMIT ?{limit_mark}"
    );
    conn.prepare_cached(&sql)
        .db()?
        .query_map(rusqlite::params_from_iter(values), rows::application)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()
}

/// Adds a text parameter and returns its placeholder.
fn bind(values: &mut Vec<SqlValue>, value: String) -> String {
    values.push(SqlValue::Text(value));
    format!("?{}", values.len())
}

/// Oldest first. Every application has its `submitted` event, so none means no application.
pub(super) fn events(conn: &Connection, application_id: &str) -> StoreResult<Vec<Event>> {
    let events = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE application_id = ?1 ORDER BY seq"
        ))
        .db()?
        .query_map([application_id], rows::event)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    if events.is_empty() {
        return Err(StoreError::NotFound);
    }
    Ok(events)
}
