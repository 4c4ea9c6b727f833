//! Who is calling: bearer tokens resolved to a citizen or an officer, and the limiter that
//! slows password guessing. Authorisation of a given application lives in `access.rs`.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use diwan_domain::workflow::Actor;
use diwan_store::{StoreError, User, UserKind};

use crate::crypto::token_hash;
use crate::error::ApiError;
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
        match state.store.session_user(&hash, state.now_ms()).await {
            Ok(user) => Ok(Caller {
                user,
                token_hash: hash,
            }),
            Err(StoreError::NotFound) => Err(ApiError::unauthenticated()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Counts failed officer sign-ins per username in a sliding window, in this node's memory.
/// Enough to stop online guessing at one node; the store-backed limiter for many nodes is
/// future work (documented in ARCHITECTURE.md).
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    /// True when `username` may try again at `now`.
    pub fn allowed(&self, username: &str, now: i64, window_ms: i64, max: u32) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            return false;
        };
        let list = map.entry(username.to_string()).or_default();
        list.retain(|t| now - *t < window_ms);
        (list.len() as u32) < max
    }

    pub fn record_failure(&self, username: &str, now: i64) {
        if let Ok(mut map) = self.failures.lock() {
            // Bound memory: forget the oldest usernames if an attacker sprays many names.
            if map.len() > 100_000 {
                map.clear();
            }
            map.entry(username.to_string()).or_default().push(now);
        }
    }

    pub fn clear(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(username);
        }
    }
}
