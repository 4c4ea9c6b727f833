//! Turning SQLite rows into store records and driver errors into [`StoreError`]: the one place
//! that knows both, so no rusqlite type escapes the backend.

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, ffi};
use serde_json::Value;

use crate::{ActorKind, Application, Event, StoreError, StoreResult, User, UserKind};

/// `.db()` turns a driver result into a store result.
pub(super) trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> StoreResult<T> {
        self.map_err(store_error)
    }
}

/// A missing row is a value (`NotFound`), and so is a missing referenced row (our foreign keys
/// only ever say "the user / application this points to must exist"); a taken unique value is
/// a `Conflict`; anything else is a backend failure whose text is only for logs.
pub(super) fn store_error(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(e, message)
            if e.code == ErrorCode::ConstraintViolation
                && (e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY) =>
        {
            StoreError::Conflict(message.clone().unwrap_or_else(|| error.to_string()))
        }
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            StoreError::NotFound
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

/// Wraps a decoding failure so it travels through rusqlite's row-mapping closures.
fn bad_column(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("unexpected {what}").into(),
    )
}

fn json_column(row: &Row<'_>, index: usize) -> rusqlite::Result<Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
    })
}

/// Column list matching [`application`]; kept next to it so the two cannot drift.
pub(super) const APPLICATION_COLUMNS: &str = "id, reference, service_id, service_version, agency, \
     applicant_id, state, version, data, created_at, updated_at, state_since";

pub(super) fn application(row: &Row<'_>) -> rusqlite::Result<Application> {
    let service_version: i64 = row.get(3)?;
    Ok(Application {
        id: row.get(0)?,
        reference: row.get(1)?,
        service_id: row.get(2)?,
        service_version: u32::try_from(service_version)
            .map_err(|_| bad_column(3, "service version"))?,
        agency: row.get(4)?,
        applicant_id: row.get(5)?,
        state: row.get(6)?,
        version: row.get(7)?,
        data: json_column(row, 8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        state_since: row.get(11)?,
    })
}

/// Column list matching [`event`].
pub(super) const EVENT_COLUMNS: &str = "seq, application_id, version, action, from_state, \
     to_state, actor_id, actor_kind, actor_role, actor_agency, comment, at";

pub(super) fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    let kind: String = row.get(7)?;
    Ok(Event {
        seq: row.get(0)?,
        application_id: row.get(1)?,
        version: row.get(2)?,
        action: row.get(3)?,
        from_state: row.get(4)?,
        to_state: row.get(5)?,
        actor_id: row.get(6)?,
        actor_kind: ActorKind::parse(&kind).ok_or_else(|| bad_column(7, "actor kind"))?,
        actor_role: row.get(8)?,
        actor_agency: row.get(9)?,
        comment: row.get(10)?,
        at: row.get(11)?,
    })
}

/// Column list matching [`user`].
pub(super) const USER_COLUMNS: &str = "id, kind, national_id, phone, username, display_name, \
     agency, roles, password_hash, created_at";

pub(super) fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    let kind: String = row.get(1)?;
    let kind = match kind.as_str() {
        "citizen" => UserKind::Citizen,
        "officer" => UserKind::Officer,
        _ => return Err(bad_column(1, "user kind")),
    };
    let roles = match json_column(row, 7)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(role) => Ok(role),
                _ => Err(bad_column(7, "role")),
            })
            .collect::<rusqlite::Result<Vec<String>>>()?,
        _ => return Err(bad_column(7, "roles")),
    };
    Ok(User {
        id: row.get(0)?,
        kind,
        national_id: row.get(2)?,
        phone: row.get(3)?,
        username: row.get(4)?,
        display_name: row.get(5)?,
        agency: row.get(6)?,
        roles,
        password_hash: row.get(8)?,
        created_at: row.get(9)?,
    })
}

/// Reads one application; used by readers and, inside a write, by the writer.
pub(super) fn get_application(conn: &Connection, id: &str) -> StoreResult<Application> {
    conn.prepare_cached(&format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = ?1"
    ))
    .db()?
    .query_row([id], application)
    .db()
}

/// Reads one user by a unique column (`id`, `national_id` or `username`) restricted to a kind
/// when given, so an officer can never be found as a citizen or the other way round.
pub(super) fn find_user(
    conn: &Connection,
    column: UserKey,
    value: &str,
    kind: Option<UserKind>,
) -> StoreResult<Option<User>> {
    let column = match column {
        UserKey::Id => "id",
        UserKey::NationalId => "national_id",
        UserKey::Username => "username",
    };
    let kind = kind.map(|k| match k {
        UserKind::Citizen => "citizen",
        UserKind::Officer => "officer",
    });
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1 AND (?2 IS NULL OR kind = ?2)"
    ))
    .db()?
    .query_row(rusqlite::params![value, kind], user)
    .optional()
    .db()
}

/// The unique columns a user can be looked up by.
#[derive(Debug, Clone, Copy)]
pub(super) enum UserKey {
    Id,
    NationalId,
    Username,
}
