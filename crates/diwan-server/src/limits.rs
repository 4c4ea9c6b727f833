//! Sliding-window counters in this node's memory, by key: the officer sign-in limiter counts
//! failures per username with one ([`crate::auth::LoginLimiter`]), and the per-client limits
//! on sign-in count requests per client address with two ([`ClientWindows`]).
//!
//! Per node: with N nodes behind a load balancer a client gets up to N times each budget.
//! That is acceptable for what these are, a safety net against one client cycling national
//! IDs, numbers or usernames; the real bounds on codes are the store-backed limits per
//! national ID and per mobile number (`Store::put_otp_within_limits`), which hold across
//! nodes.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use ipnet::IpNet;

use crate::state::ServerSettings;

/// What a full [`KeyedWindow`] does with a key it does not track yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Refuse it: filling the table with other keys never frees one from its count.
    Refuse,
    /// Let it through uncounted. For client addresses: an IPv6 holder has more of them
    /// than any table, and a table full of one attacker's addresses must not shut every
    /// other client out of sign-in. The store-backed limits still hold.
    Admit,
}

/// How often, at most, a full table is swept for expired keys: a sweep reads every key
/// under the lock, and a flood of new keys must not make each request pay for one.
const SWEEP_EVERY_MS: i64 = 1_000;

/// Timestamps of the requests each key made in a sliding window, at most `max` per key and
/// `capacity` keys, so memory stays below `capacity × max × 8` bytes (plus the keys).
/// Checking and counting happen under one lock, so parallel requests cannot all slip under
/// a limit.
pub struct KeyedWindow<K> {
    capacity: usize,
    when_full: WhenFull,
    inner: Mutex<Tracked<K>>,
}

struct Tracked<K> {
    keys: HashMap<K, VecDeque<i64>>,
    /// When the table was last swept for expired keys.
    swept_at: Option<i64>,
}

impl<K: Eq + Hash> KeyedWindow<K> {
    pub fn new(capacity: usize, when_full: WhenFull) -> KeyedWindow<K> {
        KeyedWindow {
            capacity,
            when_full,
            inner: Mutex::new(Tracked {
                keys: HashMap::new(),
                swept_at: None,
            }),
        }
    }

    /// Counts one request for `key` at `now_ms` if it made fewer than `max` in the
    /// `window_ms` before; false (and nothing counted) when it has used them all.
    pub fn try_take<Q>(&self, key: &Q, now_ms: i64, window_ms: i64, max: u32) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        // Nothing panics under this lock; a poisoned one still holds usable counts.
        let mut tracked = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if !tracked.keys.contains_key(key) && tracked.keys.len() >= self.capacity {
            tracked.sweep(now_ms, window_ms);
            if tracked.keys.len() >= self.capacity {
                return self.when_full == WhenFull::Admit;
            }
        }
        if !tracked.keys.contains_key(key) {
            tracked.keys.insert(key.to_owned(), VecDeque::new());
        }
        let Some(times) = tracked.keys.get_mut(key) else {
            return false;
        };
        // `retain`, not popping from the front: a clock set back must not keep old entries.
        times.retain(|t| now_ms - *t < window_ms);
        if times.len() >= max as usize {
            return false;
        }
        times.push_back(now_ms);
        true
    }

    /// Milliseconds until `key` may make a request again (0 if it may now): until its
    /// oldest counted request leaves the window.
    pub fn wait_ms<Q>(&self, key: &Q, now_ms: i64, window_ms: i64, max: u32) -> i64
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let tracked = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(times) = tracked.keys.get(key) else {
            return 0;
        };
        let mut live: Vec<i64> = times
            .iter()
            .copied()
            .filter(|t| now_ms - *t < window_ms)
            .collect();
        if live.len() < max as usize {
            return 0;
        }
        live.sort_unstable();
        // The request whose expiry brings the count below `max`.
        let frees = live.len() - max as usize;
        live.get(frees)
            .map_or(0, |oldest| (oldest + window_ms - now_ms).max(0))
    }

    /// Forgets everything counted for `key`.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut tracked = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        tracked.keys.remove(key);
    }

    /// Keys tracked now.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Eq + Hash> Tracked<K> {
    /// Drops the keys with nothing left in the window, at most once per [`SWEEP_EVERY_MS`]
    /// (or at once if the clock went back).
    fn sweep(&mut self, now_ms: i64, window_ms: i64) {
        if self
            .swept_at
            .is_some_and(|at| now_ms >= at && now_ms - at < SWEEP_EVERY_MS)
        {
            return;
        }
        self.swept_at = Some(now_ms);
        self.keys
            .retain(|_, times| times.iter().any(|t| now_ms - *t < window_ms));
    }
}

/// Client addresses tracked by each per-client window; past it, new addresses are admitted
/// uncounted ([`WhenFull::Admit`]). With the default budgets the two windows stay under
/// 100 MB, reached only if that many addresses each use their whole budgets.
pub const MAX_CLIENTS: usize = 100_000;

/// The per-client budgets of this node, by client key
/// ([`crate::client_addr::ClientAddr::limit_key`]: an IPv4 address or an IPv6 /64).
pub struct ClientWindows {
    /// `POST /auth/citizen/otp` and the portal's code page.
    pub code_requests: KeyedWindow<IpAddr>,
    /// Code checks and officer password attempts together.
    pub sign_in_attempts: KeyedWindow<IpAddr>,
}

impl Default for ClientWindows {
    fn default() -> Self {
        ClientWindows {
            code_requests: KeyedWindow::new(MAX_CLIENTS, WhenFull::Admit),
            sign_in_attempts: KeyedWindow::new(MAX_CLIENTS, WhenFull::Admit),
        }
    }
}

/// Which per-client budget a request is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientBudget {
    CodeRequests,
    SignInAttempts,
}

impl ClientWindows {
    /// Takes one request from the `budget` of the client `key` at `now_ms`, under the
    /// node's `client_*` settings; when it is spent, the seconds until it may try again.
    pub fn try_take(
        &self,
        budget: ClientBudget,
        key: IpAddr,
        now_ms: i64,
        settings: &ServerSettings,
    ) -> Result<(), u64> {
        let (window, max) = match budget {
            ClientBudget::CodeRequests => (
                &self.code_requests,
                settings.client_code_requests_per_window,
            ),
            ClientBudget::SignInAttempts => (
                &self.sign_in_attempts,
                settings.client_sign_in_attempts_per_window,
            ),
        };
        let window_ms = settings.client_window_secs.saturating_mul(1000);
        if window.try_take(&key, now_ms, window_ms, max) {
            return Ok(());
        }
        let wait_ms = window.wait_ms(&key, now_ms, window_ms, max);
        // Whole seconds, rounded up, and at least one: `Retry-After: 0` invites a tight loop.
        Err(u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1))
    }
}

/// The per-client limits as a node is configured with them (`NodeOptions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLimitOptions {
    /// Sign-in code requests per client per window.
    pub code_requests_per_window: u32,
    /// Code checks and officer password attempts per client per window.
    pub sign_in_attempts_per_window: u32,
    pub window_secs: i64,
    /// The reverse proxies and load balancers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for ClientLimitOptions {
    /// Generous for carrier-grade NAT, where a whole neighbourhood of mobile users can
    /// share one address: a client is a network more often than a person.
    fn default() -> Self {
        ClientLimitOptions {
            code_requests_per_window: 30,
            sign_in_attempts_per_window: 60,
            window_secs: 900,
            trusted_proxies: Vec::new(),
        }
    }
}

impl ClientLimitOptions {
    /// Refuses budgets that would shut everyone out or never reset.
    pub fn check(&self) -> Result<(), String> {
        if self.code_requests_per_window == 0 || self.sign_in_attempts_per_window == 0 {
            return Err(
                "client_code_requests_per_window and client_sign_in_attempts_per_window must be at least 1"
                    .into(),
            );
        }
        if !(1..=24 * 3600).contains(&self.window_secs) {
            return Err("client_window_secs must be between 1 and 86400 (a day)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_000_000;
    const WINDOW: i64 = 60_000;

    #[test]
    fn a_key_gets_max_requests_per_sliding_window() {
        let w: KeyedWindow<String> = KeyedWindow::new(10, WhenFull::Refuse);
        assert!(w.try_take("a", T0, WINDOW, 2));
        assert!(w.try_take("a", T0 + 10_000, WINDOW, 2));
        assert!(
            !w.try_take("a", T0 + 20_000, WINDOW, 2),
            "a third in the window"
        );
        assert_eq!(w.wait_ms("a", T0 + 20_000, WINDOW, 2), 40_000);
        assert!(
            w.try_take("b", T0 + 20_000, WINDOW, 2),
            "other keys unaffected"
        );
        assert!(
            !w.try_take("a", T0 + WINDOW - 1, WINDOW, 2),
            "the first is still in the window"
        );
        assert!(
            w.try_take("a", T0 + WINDOW, WINDOW, 2),
            "the first has left it"
        );
        assert!(!w.try_take("a", T0 + WINDOW, WINDOW, 2));
        assert_eq!(w.wait_ms("a", T0 + WINDOW, WINDOW, 2), 10_000);
    }

    #[test]
    fn a_refused_request_is_not_counted() {
        let w: KeyedWindow<String> = KeyedWindow::new(10, WhenFull::Refuse);
        assert!(w.try_take("a", T0, WINDOW, 1));
        for i in 1..100 {
            assert!(!w.try_take("a", T0 + i, WINDOW, 1));
        }
        assert!(w.try_take("a", T0 + WINDOW, WINDOW, 1));
    }

    #[test]
    fn forgetting_a_key_starts_it_over() {
        let w: KeyedWindow<String> = KeyedWindow::new(10, WhenFull::Refuse);
        assert!(w.try_take("a", T0, WINDOW, 1));
        assert!(!w.try_take("a", T0, WINDOW, 1));
        w.forget("a");
        assert_eq!(w.wait_ms("a", T0, WINDOW, 1), 0);
        assert!(w.try_take("a", T0, WINDOW, 1));
    }

    #[test]
    fn a_full_table_refuses_or_admits_new_keys_and_frees_expired_ones() {
        for when_full in [WhenFull::Refuse, WhenFull::Admit] {
            let w: KeyedWindow<u32> = KeyedWindow::new(3, when_full);
            for key in 0..3 {
                assert!(w.try_take(&key, T0, WINDOW, 1));
            }
            assert_eq!(
                w.try_take(&3, T0, WINDOW, 1),
                when_full == WhenFull::Admit,
                "{when_full:?}"
            );
            assert_eq!(w.len(), 3, "an admitted key is not tracked");
            assert!(
                !w.try_take(&0, T0, WINDOW, 1),
                "known keys are still limited"
            );
            // Once the others have expired a sweep makes room.
            assert!(w.try_take(&3, T0 + WINDOW, WINDOW, 1));
            assert!(!w.try_take(&3, T0 + WINDOW, WINDOW, 1), "now it is counted");
            assert_eq!(w.len(), 1);
        }
    }

    #[test]
    fn a_full_table_is_swept_at_most_once_a_second() {
        let w: KeyedWindow<u32> = KeyedWindow::new(2, WhenFull::Refuse);
        assert!(w.try_take(&0, T0, WINDOW, 1));
        assert!(w.try_take(&1, T0, WINDOW, 1));
        assert!(
            !w.try_take(&2, T0 + WINDOW - 500, WINDOW, 1),
            "both are live"
        );
        // Both have expired now, but the last sweep was moments ago.
        assert!(!w.try_take(&2, T0 + WINDOW, WINDOW, 1));
        assert!(w.try_take(&2, T0 + WINDOW + 500, WINDOW, 1));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn the_default_budgets_are_valid_and_zero_is_not() {
        assert_eq!(ClientLimitOptions::default().check(), Ok(()));
        let zero = ClientLimitOptions {
            code_requests_per_window: 0,
            ..ClientLimitOptions::default()
        };
        assert!(zero.check().is_err());
        let no_window = ClientLimitOptions {
            window_secs: 0,
            ..ClientLimitOptions::default()
        };
        assert!(no_window.check().is_err());
    }
}
