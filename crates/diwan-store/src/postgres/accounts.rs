//! Users, sessions and one-time sign-in codes.

use deadpool_postgres::{GenericClient, Pool};

use super::rows::{self, Db, USER_COLUMNS, UserKey, user_kind};
use crate::display::mask;
use crate::{
    NewOfficer, NewOtp, NewSession, OtpCheck, OtpLimit, OtpScope, StoreError, StoreResult, User,
    UserKind,
};

/// Reads one user by a unique column restricted to a kind when given, so an officer can never
/// be found as a citizen or the other way round.
async fn find_user(
    client: &impl GenericClient,
    key: UserKey,
    value: &str,
    kind: Option<UserKind>,
) -> StoreResult<Option<User>> {
    let kind = kind.map(user_kind);
    client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users
                     WHERE {column} = $1 AND ($2::TEXT IS NULL OR kind = $2)",
                    column = key.column()
                ))
                .await
                .db()?,
            &[&value, &kind],
        )
        .await
        .db()?
        .as_ref()
        .map(rows::user)
        .transpose()
}

/// A user that must exist.
pub(super) async fn user(
    pool: &Pool,
    key: UserKey,
    value: &str,
    kind: Option<UserKind>,
) -> StoreResult<User> {
    let client = pool.get().await.db()?;
    find_user(&client, key, value, kind)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Finds the citizen by national ID or creates them. An existing citizen keeps the phone on
/// record: the registry, not a sign-in, decides which number is theirs. Two first sign-ins
/// at once (two nodes) both end up with the one row the first of them inserted.
pub(super) async fn upsert_citizen(
    pool: &Pool,
    id: &str,
    national_id: &str,
    phone: &str,
    at: i64,
) -> StoreResult<User> {
    let client = pool.get().await.db()?;
    let found = match find_user(&client, UserKey::NationalId, national_id, None).await? {
        Some(user) => Some(user),
        None => {
            let inserted = client
                .query_opt(
                    &client
                        .prepare_cached(&format!(
                            "INSERT INTO users (id, kind, national_id, phone, display_name,
                                 roles, created_at)
                             VALUES ($1, 'citizen', $2, $3, $4, '[]', $5)
                             ON CONFLICT (national_id) DO NOTHING
                             RETURNING {USER_COLUMNS}"
                        ))
                        .await
                        .db()?,
                    &[&id, &national_id, &phone, &mask(national_id), &at],
                )
                .await
                .db()?;
            match inserted {
                Some(row) => return rows::user(&row),
                // Someone else inserted it between our look and our insert.
                None => find_user(&client, UserKey::NationalId, national_id, None).await?,
            }
        }
    };
    match found {
        Some(user) if user.kind == UserKind::Citizen => Ok(user),
        Some(_) => Err(StoreError::Conflict(
            "national ID belongs to an officer account".to_owned(),
        )),
        None => Err(StoreError::Backend(
            "citizen neither inserted nor found".to_owned(),
        )),
    }
}

/// A taken username (or id) is a `Conflict`.
pub(super) async fn create_officer(pool: &Pool, officer: NewOfficer) -> StoreResult<User> {
    let roles = serde_json::to_value(&officer.roles)
        .map_err(|e| StoreError::Backend(format!("cannot encode roles: {e}")))?;
    let client = pool.get().await.db()?;
    let row = client
        .query_one(
            &client
                .prepare_cached(&format!(
                    "INSERT INTO users (id, kind, username, display_name, agency, roles,
                         password_hash, created_at)
                     VALUES ($1, 'officer', $2, $3, $4, $5, $6, $7)
                     RETURNING {USER_COLUMNS}"
                ))
                .await
                .db()?,
            &[
                &officer.id,
                &officer.username,
                &officer.display_name,
                &officer.agency,
                &roles,
                &officer.password_hash,
                &officer.at,
            ],
        )
        .await
        .db()?;
    rows::user(&row)
}

pub(super) async fn create_session(pool: &Pool, session: NewSession) -> StoreResult<()> {
    let mut client = pool.get().await.db()?;
    let tx = client.transaction().await.db()?;
    // Sweep this user's dead sessions while we are here, so the table does not only grow.
    tx.execute(
        &tx.prepare_cached("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
            .await
            .db()?,
        &[&session.user_id, &session.created_at],
    )
    .await
    .db()?;
    // A missing user fails the foreign key and comes back as NotFound.
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .await
        .db()?,
        &[
            &session.token_hash,
            &session.user_id,
            &session.created_at,
            &session.expires_at,
        ],
    )
    .await
    .db()?;
    tx.commit().await.db()
}

/// The session's user if the session is live at `now` (it dies at `expires_at`).
pub(super) async fn session_user(pool: &Pool, token_hash: &str, now: i64) -> StoreResult<User> {
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM sessions JOIN users ON users.id = sessions.user_id
                     WHERE sessions.token_hash = $1 AND sessions.expires_at > $2"
                ))
                .await
                .db()?,
            &[&token_hash, &now],
        )
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    rows::user(&row)
}

/// Signing out twice is not an error.
pub(super) async fn delete_session(pool: &Pool, token_hash: &str) -> StoreResult<()> {
    let client = pool.get().await.db()?;
    client
        .execute(
            &client
                .prepare_cached("DELETE FROM sessions WHERE token_hash = $1")
                .await
                .db()?,
            &[&token_hash],
        )
        .await
        .db()?;
    Ok(())
}

/// Replaces the live code (a fresh one with no attempts) and logs the send, in one
/// transaction.
pub(super) async fn put_otp(pool: &Pool, otp: NewOtp) -> StoreResult<()> {
    let mut client = pool.get().await.db()?;
    let tx = client.transaction().await.db()?;
    insert_otp(&tx, &otp).await?;
    tx.commit().await.db()
}

/// Counts and records under transaction-scoped advisory locks on the national ID and on the
/// phone number (taken in a fixed order, so two requests cannot wait on each other), so two
/// nodes' requests for one ID or one number queue for each other and cannot both pass a limit.
pub(super) async fn put_otp_within_limits(
    pool: &Pool,
    otp: NewOtp,
    limits: &[OtpLimit],
) -> StoreResult<Option<OtpLimit>> {
    let mut client = pool.get().await.db()?;
    let tx = client.transaction().await.db()?;
    tx.execute(
        &tx.prepare_cached(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY[
                 hashtextextended($1, 7261), hashtextextended($2, 7262)]) AS k ORDER BY k",
        )
        .await
        .db()?,
        &[&otp.national_id, &otp.phone],
    )
    .await
    .db()?;
    for limit in limits {
        let key = match limit.scope {
            OtpScope::NationalId => &otp.national_id,
            OtpScope::Phone => &otp.phone,
        };
        if count_sends(&tx, limit.scope, key, limit.since).await? >= limit.max_sends {
            return Ok(Some(*limit));
        }
    }
    insert_otp(&tx, &otp).await?;
    tx.commit().await.db()?;
    Ok(None)
}

async fn insert_otp(tx: &deadpool_postgres::Transaction<'_>, otp: &NewOtp) -> StoreResult<()> {
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO otp_codes (national_id, phone, code_hash, created_at, expires_at,
                 attempts, used)
             VALUES ($1, $2, $3, $4, $5, 0, FALSE)
             ON CONFLICT (national_id) DO UPDATE SET
                 phone = excluded.phone, code_hash = excluded.code_hash,
                 created_at = excluded.created_at, expires_at = excluded.expires_at,
                 attempts = 0, used = FALSE",
        )
        .await
        .db()?,
        &[
            &otp.national_id,
            &otp.phone,
            &otp.code_hash,
            &otp.created_at,
            &otp.expires_at,
        ],
    )
    .await
    .db()?;
    tx.execute(
        &tx.prepare_cached("INSERT INTO otp_sends (national_id, phone, at) VALUES ($1, $2, $3)")
            .await
            .db()?,
        &[&otp.national_id, &otp.phone, &otp.created_at],
    )
    .await
    .db()?;
    Ok(())
}

/// Codes sent at or after `since` for this national ID, or to this phone number.
pub(super) async fn count_sends(
    client: &impl GenericClient,
    scope: OtpScope,
    key: &str,
    since: i64,
) -> StoreResult<u32> {
    let sql = match scope {
        OtpScope::NationalId => {
            "SELECT COUNT(*) FROM otp_sends WHERE national_id = $1 AND at >= $2"
        }
        OtpScope::Phone => "SELECT COUNT(*) FROM otp_sends WHERE phone = $1 AND at >= $2",
    };
    let count: i64 = client
        .query_one(&client.prepare_cached(sql).await.db()?, &[&key, &since])
        .await
        .db()?
        .try_get(0)
        .db()?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Counts the attempt whatever its outcome, in one statement: the row is live (not used, not
/// expired, attempts left) or nothing happens; if live, the attempt is counted and the code
/// used up when it matches. Two checks at once queue on the row, and the second sees the
/// first's outcome, so a code is never accepted twice.
///
/// The comparison happens in the database, not in constant time as the SQLite backend does
/// it in Rust: what is compared is a keyed hash of the code, and learning how much of a keyed
/// hash a guess matched tells an attacker nothing about the next guess without the key.
pub(super) async fn check_otp(
    pool: &Pool,
    national_id: &str,
    code_hash: &str,
    now: i64,
    max_attempts: u32,
) -> StoreResult<OtpCheck> {
    let client = pool.get().await.db()?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "UPDATE otp_codes SET attempts = attempts + 1, used = (code_hash = $2)
                     WHERE national_id = $1 AND NOT used AND expires_at > $3 AND attempts < $4
                     RETURNING phone, used, attempts",
                )
                .await
                .db()?,
            &[&national_id, &code_hash, &now, &i64::from(max_attempts)],
        )
        .await
        .db()?;
    let Some(row) = row else {
        return Ok(OtpCheck::NoLiveCode);
    };
    if row.try_get::<_, bool>(1).db()? {
        return Ok(OtpCheck::Valid {
            phone: row.try_get(0).db()?,
        });
    }
    let attempts: i64 = row.try_get(2).db()?;
    Ok(OtpCheck::Wrong {
        attempts_left: u32::try_from(i64::from(max_attempts) - attempts).unwrap_or(0),
    })
}
