//! Turning PostgreSQL rows into store records and driver errors into [`StoreError`]: the one
//! place that knows both, so no tokio-postgres or deadpool type escapes the backend.

use deadpool_postgres::PoolError;
use serde_json::Value;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use crate::{ActorKind, Application, Event, StoreError, StoreResult, User, UserKind};

/// `.db()` turns a driver result into a store result.
pub(super) trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(store_error)
    }
}

impl<T> Db<T> for Result<T, PoolError> {
    fn db(self) -> StoreResult<T> {
        self.map_err(|e| match e {
            PoolError::Backend(e) => store_error(e),
            other => StoreError::Backend(format!("no PostgreSQL connection: {other}")),
        })
    }
}

/// A missing referenced row is a value (`NotFound`: our foreign keys only ever say "the user /
/// application this points to must exist"); a taken unique value is a `Conflict` naming the
/// constraint (never the value, which may be a national ID); anything else, connection
/// failures included, is a backend failure whose text is only for logs.
pub(super) fn store_error(error: tokio_postgres::Error) -> StoreError {
    let Some(db) = error.as_db_error() else {
        return StoreError::Backend(format!("PostgreSQL: {error}"));
    };
    match *db.code() {
        SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound,
        SqlState::UNIQUE_VIOLATION => StoreError::Conflict(match db.constraint() {
            Some("users_username_key") => "the username is taken".to_owned(),
            Some("users_national_id_key") => "the national ID is taken".to_owned(),
            Some(constraint) => format!("{constraint} already holds this value"),
            None => "a unique value is taken".to_owned(),
        }),
        _ => StoreError::Backend(format!("PostgreSQL {}: {}", db.code().code(), db.message())),
    }
}

/// True when `error` is a unique violation of the named constraint.
pub(super) fn violates(error: &tokio_postgres::Error, constraint: &str) -> bool {
    error.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some(constraint)
    })
}

fn bad_column(index: usize, what: &str) -> StoreError {
    StoreError::Backend(format!("unexpected {what} in column {index}"))
}

/// Column list matching [`application`]; kept next to it so the two cannot drift.
pub(super) const APPLICATION_COLUMNS: &str = "id, reference, service_id, service_version, agency, \
     applicant_id, state, version, data, created_at, updated_at, state_since";

pub(super) fn application(row: &Row) -> StoreResult<Application> {
    application_at(row, 0)
}

/// An application whose columns start at `at` (after others a query put first).
pub(super) fn application_at(row: &Row, at: usize) -> StoreResult<Application> {
    let service_version: i64 = row.try_get(at + 3).db()?;
    Ok(Application {
        id: row.try_get(at).db()?,
        reference: row.try_get(at + 1).db()?,
        service_id: row.try_get(at + 2).db()?,
        service_version: u32::try_from(service_version)
            .map_err(|_| bad_column(at + 3, "service version"))?,
        agency: row.try_get(at + 4).db()?,
        applicant_id: row.try_get(at + 5).db()?,
        state: row.try_get(at + 6).db()?,
        version: row.try_get(at + 7).db()?,
        data: row.try_get(at + 8).db()?,
        created_at: row.try_get(at + 9).db()?,
        updated_at: row.try_get(at + 10).db()?,
        state_since: row.try_get(at + 11).db()?,
    })
}

/// Column list matching [`event`] (which also reads `seq`, NULL until sequenced).
pub(super) const EVENT_COLUMNS: &str = "seq, application_id, version, action, from_state, \
     to_state, actor_id, actor_kind, actor_role, actor_agency, comment, at";

/// An event as stored; `None` while the sequencer has not numbered it yet.
pub(super) fn event(row: &Row) -> StoreResult<Option<Event>> {
    let Some(seq) = row.try_get::<_, Option<i64>>(0).db()? else {
        return Ok(None);
    };
    let kind: &str = row.try_get(7).db()?;
    Ok(Some(Event {
        seq,
        application_id: row.try_get(1).db()?,
        version: row.try_get(2).db()?,
        action: row.try_get(3).db()?,
        from_state: row.try_get(4).db()?,
        to_state: row.try_get(5).db()?,
        actor_id: row.try_get(6).db()?,
        actor_kind: ActorKind::parse(kind).ok_or_else(|| bad_column(7, "actor kind"))?,
        actor_role: row.try_get(8).db()?,
        actor_agency: row.try_get(9).db()?,
        comment: row.try_get(10).db()?,
        at: row.try_get(11).db()?,
    }))
}

/// Column list matching [`user`], qualified so it also reads from a join.
pub(super) const USER_COLUMNS: &str = "users.id, users.kind, users.national_id, users.phone, \
     users.username, users.display_name, users.agency, users.roles, users.password_hash, \
     users.created_at";

pub(super) fn user(row: &Row) -> StoreResult<User> {
    let kind = match row.try_get::<_, &str>(1).db()? {
        "citizen" => UserKind::Citizen,
        "officer" => UserKind::Officer,
        _ => return Err(bad_column(1, "user kind")),
    };
    let roles = match row.try_get::<_, Value>(7).db()? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(role) => Ok(role),
                _ => Err(bad_column(7, "role")),
            })
            .collect::<StoreResult<Vec<String>>>()?,
        _ => return Err(bad_column(7, "roles")),
    };
    Ok(User {
        id: row.try_get(0).db()?,
        kind,
        national_id: row.try_get(2).db()?,
        phone: row.try_get(3).db()?,
        username: row.try_get(4).db()?,
        display_name: row.try_get(5).db()?,
        agency: row.try_get(6).db()?,
        roles,
        password_hash: row.try_get(8).db()?,
        created_at: row.try_get(9).db()?,
    })
}

pub(super) fn user_kind(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Citizen => "citizen",
        UserKind::Officer => "officer",
    }
}

/// The unique columns a user can be looked up by.
#[derive(Debug, Clone, Copy)]
pub(super) enum UserKey {
    Id,
    NationalId,
    Username,
}

impl UserKey {
    pub(super) fn column(self) -> &'static str {
        match self {
            UserKey::Id => "id",
            UserKey::NationalId => "national_id",
            UserKey::Username => "username",
        }
    }
}
