//! Who is calling: bearer tokens resolved to a citizen or an officer, and the limiter that
//! slows password guessing at one username. Authorisation of a given application is
//! `routes::applications::load_visible`.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use diwan_domain::workflow::Actor;
use diwan_store::{StoreError, User, UserKind};

use crate::crypto::token_hash;
use crate::error::ApiError;
use crate::limits::{KeyedWindow, WhenFull};
use crate::state::AppState;

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token_hash: String,
}

impl Caller {
    pub fn is_citizen(&self) -> bool {
        self.user.kind == UserKind::Citizen
    }

    pub fn actor(&self) -> Actor {
        match self.user.kind {
            UserKind::Citizen => Actor::Citizen {
                user_id: self.user.id.clone(),
            },
            UserKind::Officer => Actor::Officer {
                user_id: self.user.id.clone(),
                agency: self.user.agency.clone().unwrap_or_default(),
                roles: self.user.roles.clone(),
            },
        }
    }

    /// The caller as the ledger records them, acting in `role` (an officer's roles joined
    /// when no single one applies, as for a read).
    pub fn logged<'a>(&'a self, role: Option<&'a str>) -> crate::trust::LoggedActor<'a> {
        let citizen = self.is_citizen();
        crate::trust::LoggedActor {
            kind: if citizen {
                diwan_ledger::ActorKind::Citizen
            } else {
                diwan_ledger::ActorKind::Officer
            },
            role: if citizen { None } else { role },
            agency: self.user.agency.as_deref(),
            // A citizen is known to the log by a keyed hash of the national ID (the same
            // across accounts), anyone else by a keyed hash of the account id.
            identifier: match (citizen, self.user.national_id.as_deref()) {
                (true, Some(national_id)) => national_id,
                _ => &self.user.id,
            },
            account_id: &self.user.id,
        }
    }

    pub fn require_citizen(&self) -> Result<(), ApiError> {
        if self.is_citizen() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "هذه العملية متاحة للمواطنين فقط",
                "Only citizens can do this",
            ))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(ApiError::unauthenticated)?;
        let hash = token_hash(token);
        match session_user(state, &hash).await {
            Ok(user) => Ok(Caller {
                user,
                token_hash: hash,
            }),
            Err(StoreError::NotFound) => Err(ApiError::unauthenticated()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The user of a live session: from this node's short-lived cache when it was looked up
/// moments ago, else from the store. Saves a database round trip on most requests of a busy
/// client; the price is that a session ended on *another* node stays usable here for at most
/// `session_cache_ms` (ending it on this node takes effect at once: [`end_session`]).
pub async fn session_user(state: &AppState, hash: &str) -> Result<User, StoreError> {
    let now = state.now_ms();
    if let Some(user) = state.sessions.get(hash, now) {
        return Ok(user);
    }
    let user = state.store.session_user(hash, now).await?;
    state.sessions.put(hash, &user, now);
    Ok(user)
}

/// Ends a session everywhere (the store) and at once on this node (its cache).
pub async fn end_session(state: &AppState, hash: &str) -> Result<(), StoreError> {
    // Deleted first: a lookup racing with this one can then no longer put it back.
    state.store.delete_session(hash).await?;
    state.sessions.forget(hash);
    Ok(())
}

/// Sessions looked up in the last `ttl_ms`, by token hash.
pub struct SessionCache {
    ttl_ms: i64,
    entries: Mutex<HashMap<String, (User, i64)>>,
}

/// The most sessions a node remembers; past it the cache starts over (a busy node's working
/// set fits many times over, and a flood of made-up tokens cannot grow it: only sessions
/// the store confirmed are cached).
const SESSION_CACHE_MAX: usize = 100_000;

impl SessionCache {
    /// `ttl_ms` 0 turns the cache off.
    pub fn new(ttl_ms: i64) -> SessionCache {
        SessionCache {
            ttl_ms,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, hash: &str, now: i64) -> Option<User> {
        if self.ttl_ms <= 0 {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (user, cached_at) = entries.get(hash)?;
        (now - cached_at < self.ttl_ms && now >= *cached_at).then(|| user.clone())
    }

    fn put(&self, hash: &str, user: &User, now: i64) {
        if self.ttl_ms <= 0 {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= SESSION_CACHE_MAX {
                entries.clear();
            }
            entries.insert(hash.to_owned(), (user.clone(), now));
        }
    }

    fn forget(&self, hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(hash);
        }
    }
}

/// Counts failed officer sign-ins per username in a sliding window, in this node's memory.
/// Enough to stop online guessing at one node; the store-backed limiter for many nodes is
/// future work (documented in ARCHITECTURE.md). Guessing across usernames from one client is
/// the per-client limit's (`limits::ClientWindows`).
pub struct LoginLimiter {
    failures: KeyedWindow<String>,
    /// Argon2id costs ~19 MiB and tens of milliseconds; at most this many run at once, so a
    /// flood of sign-ins cannot exhaust memory. Callers beyond it get `503` and retry.
    pub hashing: tokio::sync::Semaphore,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        LoginLimiter {
            // Past this many usernames, expired entries are dropped and, if still full, new
            // usernames are refused rather than old counters forgotten (forgetting would
            // reset them).
            failures: KeyedWindow::new(MAX_TRACKED, WhenFull::Refuse),
            hashing: tokio::sync::Semaphore::new(cores * 2),
        }
    }
}

/// Most usernames remembered.
const MAX_TRACKED: usize = 100_000;

impl LoginLimiter {
    /// Reserves an attempt for `username` at `now`: counted as a failure until
    /// [`LoginLimiter::succeeded`] clears it. Checking and counting under one lock means
    /// parallel guesses cannot all slip past the limit. False when the limit is reached.
    pub fn try_begin(&self, username: &str, now: i64, window_ms: i64, max: u32) -> bool {
        self.failures.try_take(username, now, window_ms, max)
    }

    /// A correct password: forget the failures.
    pub fn succeeded(&self, username: &str) {
        self.failures.forget(username);
    }
}
