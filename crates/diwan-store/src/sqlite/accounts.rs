//! Users, sessions and one-time sign-in codes.

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{Db, UserKey, find_user};
use crate::display::mask;
use crate::{
    NewOfficer, NewOtp, NewSession, OtpCheck, OtpScope, StoreError, StoreResult, User, UserKind,
};

/// Finds the citizen by national ID or creates them. An existing citizen keeps the phone on
/// record: the registry, not a sign-in, decides which number is theirs.
pub(super) fn upsert_citizen(
    conn: &Connection,
    id: &str,
    national_id: &str,
    phone: &str,
    at: i64,
) -> StoreResult<User> {
    if let Some(user) = find_user(conn, UserKey::NationalId, national_id, None)? {
        return match user.kind {
            UserKind::Citizen => Ok(user),
            UserKind::Officer => Err(StoreError::Conflict(
                "national ID belongs to an officer account".to_owned(),
            )),
        };
    }
    let user = User {
        id: id.to_owned(),
        kind: UserKind::Citizen,
        national_id: Some(national_id.to_owned()),
        phone: Some(phone.to_owned()),
        username: None,
        display_name: mask(national_id),
        agency: None,
        roles: Vec::new(),
        password_hash: None,
        created_at: at,
    };
    conn.prepare_cached(
        "INSERT INTO users (id, kind, national_id, phone, display_name, roles, created_at)
         VALUES (?1, 'citizen', ?2, ?3, ?4, '[]', ?5)",
    )
    .db()?
    .execute(params![user.id, national_id, phone, user.display_name, at])
    .db()?;
    Ok(user)
}

pub(super) fn create_officer(conn: &Connection, officer: NewOfficer) -> StoreResult<User> {
    if find_user(conn, UserKey::Username, &officer.username, None)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "username {} is taken",
            officer.username
        )));
    }
    let roles = serde_json::to_string(&officer.roles)
        .map_err(|e| StoreError::Backend(format!("cannot encode roles: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO users (id, kind, username, display_name, agency, roles, password_hash,
             created_at)
         VALUES (?1, 'officer', ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![
        officer.id,
        officer.username,
        officer.display_name,
        officer.agency,
        roles,
        officer.password_hash,
        officer.at,
    ])
    .db()?;
    Ok(User {
        id: officer.id,
        kind: UserKind::Officer,
        national_id: None,
        phone: None,
        username: Some(officer.username),
        display_name: officer.display_name,
        agency: Some(officer.agency),
        roles: officer.roles,
        password_hash: Some(officer.password_hash),
        created_at: officer.at,
    })
}

/// A user that must exist.
pub(super) fn user(
    conn: &Connection,
    key: UserKey,
    value: &str,
    kind: Option<UserKind>,
) -> StoreResult<User> {
    find_user(conn, key, value, kind)?.ok_or(StoreError::NotFound)
}

pub(super) fn create_session(conn: &Connection, session: NewSession) -> StoreResult<()> {
    // Sweep this user's dead sessions while we are here, so the table does not only grow.
    conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND expires_at <= ?2")
        .db()?
        .execute(params![session.user_id, session.created_at])
        .db()?;
    // A missing user fails the foreign key and comes back as NotFound.
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .db()?
    .execute(params![
        session.token_hash,
        session.user_id,
        session.created_at,
        session.expires_at
    ])
    .db()?;
    Ok(())
}

/// The session's user if the session is live at `now` (it dies at `expires_at`).
pub(super) fn session_user(conn: &Connection, token_hash: &str, now: i64) -> StoreResult<User> {
    let user_id: String = conn
        .prepare_cached("SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2")
        .db()?
        .query_row(params![token_hash, now], |row| row.get(0))
        .db()?;
    user(conn, UserKey::Id, &user_id, None)
}

/// Signing out twice is not an error.
pub(super) fn delete_session(conn: &Connection, token_hash: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")
        .db()?
        .execute([token_hash])
        .db()?;
    Ok(())
}

/// Replaces the live code (a fresh one with no attempts) and logs the send.
pub(super) fn put_otp(conn: &Connection, otp: NewOtp) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO otp_codes (national_id, phone, code_hash, created_at, expires_at,
             attempts, used)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)
         ON CONFLICT (national_id) DO UPDATE SET
             phone = excluded.phone, code_hash = excluded.code_hash,
             created_at = excluded.created_at, expires_at = excluded.expires_at,
             attempts = 0, used = 0",
    )
    .db()?
    .execute(params![
        otp.national_id,
        otp.phone,
        otp.code_hash,
        otp.created_at,
        otp.expires_at
    ])
    .db()?;
    conn.prepare_cached("INSERT INTO otp_sends (national_id, phone, at) VALUES (?1, ?2, ?3)")
        .db()?
        .execute(params![otp.national_id, otp.phone, otp.created_at])
        .db()?;
    Ok(())
}

/// Codes sent at or after `since` for this national ID, or to this phone number.
pub(super) fn count_sends(
    conn: &Connection,
    scope: OtpScope,
    key: &str,
    since: i64,
) -> StoreResult<u32> {
    let sql = match scope {
        OtpScope::NationalId => {
            "SELECT COUNT(*) FROM otp_sends WHERE national_id = ?1 AND at >= ?2"
        }
        OtpScope::Phone => "SELECT COUNT(*) FROM otp_sends WHERE phone = ?1 AND at >= ?2",
    };
    let count: i64 = conn
        .prepare_cached(sql)
        .db()?
        .query_row(params![key, since], |row| row.get(0))
        .db()?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Counts the attempt whatever its outcome. Wrong codes return `Ok(Wrong)`, not an error, on
/// purpose: an error would roll the job's savepoint back and undo the attempt count.
pub(super) fn check_otp(
    conn: &Connection,
    national_id: &str,
    code_hash: &str,
    now: i64,
    max_attempts: u32,
) -> StoreResult<OtpCheck> {
    let row: Option<(String, String, i64, i64, bool)> = conn
        .prepare_cached(
            "SELECT phone, code_hash, expires_at, attempts, used FROM otp_codes
             WHERE national_id = ?1",
        )
        .db()?
        .query_row([national_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .optional()
        .db()?;
    let Some((phone, stored_hash, expires_at, attempts, used)) = row else {
        return Ok(OtpCheck::NoLiveCode);
    };
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    if used || now >= expires_at || attempts >= max_attempts {
        return Ok(OtpCheck::NoLiveCode);
    }
    let right = same_bytes(stored_hash.as_bytes(), code_hash.as_bytes());
    // One statement for both outcomes: right and wrong codes cost the same work.
    conn.prepare_cached(
        "UPDATE otp_codes SET attempts = attempts + 1, used = ?2 WHERE national_id = ?1",
    )
    .db()?
    .execute(params![national_id, right])
    .db()?;
    Ok(if right {
        OtpCheck::Valid { phone }
    } else {
        OtpCheck::Wrong {
            attempts_left: max_attempts - attempts - 1,
        }
    })
}

/// Compares without stopping at the first difference, so the time taken does not tell how
/// much of a guess was right.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_strings() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
    }
}
