//! Sliding-window counters in this node's memory, by key: the officer sign-in limiter counts
//! failures per username with one ([`crate::auth::LoginLimiter`]), and the per-client limits
//! on sign-in count requests per client address with others ([`ClientWindows`]).
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
use std::net::Ipv6Addr;
use std::sync::{Mutex, PoisonError};

use hmac::{Hmac, KeyInit, Mac};
use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::state::ServerSettings;

/// What a full [`KeyedWindow`] does with a key it does not track yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhenFull<K> {
    /// Refuse it: filling the table with other keys never frees one from its count.
    Refuse,
    /// Count it under this one key, shared by every newcomer while the table is full, with
    /// [`OVERFLOW_FACTOR`] times the budget. For client addresses: an IPv6 holder has more of
    /// them than any table, and a table full of one attacker's addresses must neither shut
    /// every other client out of sign-in nor switch the limits off for newcomers.
    Overflow(K),
}

/// How many times a key's budget the shared overflow key of a full table gets.
pub const OVERFLOW_FACTOR: u32 = 10;

/// Where [`KeyedWindow::take`] counted a request, or which count refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Under the key itself.
    Own,
    /// Under the shared overflow key of a full table ([`WhenFull::Overflow`]).
    Overflow,
}

/// How often, at most, a full table is swept for expired keys: a sweep reads every key
/// under the lock, and a flood of new keys must not make each request pay for one.
const SWEEP_EVERY_MS: i64 = 1_000;

/// Timestamps of the requests each key made in a sliding window, at most `max` per key and
/// `capacity` keys (plus the overflow key, if any), so memory stays below
/// `(capacity + OVERFLOW_FACTOR) × max × 8` bytes (plus the keys). Checking and counting
/// happen under one lock, so parallel requests cannot all slip under a limit.
pub struct KeyedWindow<K> {
    capacity: usize,
    when_full: WhenFull<K>,
    inner: Mutex<Tracked<K>>,
}

struct Tracked<K> {
    keys: HashMap<K, VecDeque<i64>>,
    /// When the table was last swept for expired keys.
    swept_at: Option<i64>,
}

impl<K: Eq + Hash + Clone> KeyedWindow<K> {
    pub fn new(capacity: usize, when_full: WhenFull<K>) -> KeyedWindow<K> {
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
        self.take(key, now_ms, window_ms, max).is_ok()
    }

    /// As [`KeyedWindow::try_take`], saying where the request was counted (`Ok`) or which
    /// count refused it (`Err`): a new key meeting a full table is counted under the
    /// overflow key, against `max × OVERFLOW_FACTOR` ([`WhenFull::Overflow`]), or refused.
    pub fn take<Q>(&self, key: &Q, now_ms: i64, window_ms: i64, max: u32) -> Result<Slot, Slot>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        // Nothing panics under this lock; a poisoned one still holds usable counts.
        let mut tracked = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if !tracked.keys.contains_key(key) && tracked.keys.len() >= self.capacity {
            tracked.sweep(now_ms, window_ms);
            if tracked.keys.len() >= self.capacity {
                let WhenFull::Overflow(overflow) = &self.when_full else {
                    return Err(Slot::Own);
                };
                // The overflow key may take one place past `capacity`.
                if !tracked.keys.contains_key::<K>(overflow) {
                    tracked.keys.insert(overflow.clone(), VecDeque::new());
                }
                let Some(times) = tracked.keys.get_mut::<K>(overflow) else {
                    return Err(Slot::Overflow);
                };
                let max = max.saturating_mul(OVERFLOW_FACTOR);
                return if count(times, now_ms, window_ms, max) {
                    Ok(Slot::Overflow)
                } else {
                    Err(Slot::Overflow)
                };
            }
        }
        if !tracked.keys.contains_key(key) {
            tracked.keys.insert(key.to_owned(), VecDeque::new());
        }
        let Some(times) = tracked.keys.get_mut(key) else {
            return Err(Slot::Own);
        };
        if count(times, now_ms, window_ms, max) {
            Ok(Slot::Own)
        } else {
            Err(Slot::Own)
        }
    }

    /// Takes back the most recent request counted for `key` (the one a request just took,
    /// when it turned out well), leaving the others counted: unlike
    /// [`KeyedWindow::forget`], a success gives back one request, never the whole budget.
    pub fn give_back<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut tracked = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(times) = tracked.keys.get_mut(key) else {
            return;
        };
        // The latest by time, not the last pushed: the clock may have been set back.
        let latest = times
            .iter()
            .enumerate()
            .max_by_key(|(_, t)| **t)
            .map(|(i, _)| i);
        if let Some(i) = latest {
            times.remove(i);
        }
        if times.is_empty() {
            tracked.keys.remove(key);
        }
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

/// Counts one request at `now_ms` in `times` if fewer than `max` are in the window.
fn count(times: &mut VecDeque<i64>, now_ms: i64, window_ms: i64, max: u32) -> bool {
    // `retain`, not popping from the front: a clock set back must not keep old entries.
    times.retain(|t| now_ms - *t < window_ms);
    if times.len() >= max as usize {
        return false;
    }
    times.push_back(now_ms);
    true
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

/// Client addresses tracked by each per-client window; past it, new addresses share one
/// overflow budget ([`WhenFull::Overflow`], [`OVERFLOW_CLIENT`]). With the default budgets
/// the windows stay under 150 MB, reached only if that many addresses each use their whole
/// budgets.
pub const MAX_CLIENTS: usize = 100_000;

/// The key every client not tracked by a full per-client window is counted under, with
/// [`OVERFLOW_FACTOR`] times the budget. No client has it: an IPv6 client's key has nothing
/// in its low 64 bits ([`crate::client_addr::ClientAddr::limit_key`]).
pub const OVERFLOW_CLIENT: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// A client and a keyed hash of a national ID it asked a code for (see
/// [`ClientWindows::try_take_code_request`]).
type ClientId = (IpAddr, [u8; 16]);

/// The per-client budgets of this node, by client key
/// ([`crate::client_addr::ClientAddr::limit_key`]: an IPv4 address or an IPv6 /64).
pub struct ClientWindows {
    /// `POST /auth/citizen/otp` and the portal's code page.
    pub code_requests: KeyedWindow<IpAddr>,
    /// The national IDs each client asked a code for in the window (keyed hashes, one
    /// request each): asking again for one of them does not take from `code_requests`.
    pub requested_ids: KeyedWindow<ClientId>,
    /// Citizens' code checks.
    pub sign_in_attempts: KeyedWindow<IpAddr>,
    /// Officers' password attempts.
    pub officer_attempts: KeyedWindow<IpAddr>,
}

impl Default for ClientWindows {
    fn default() -> Self {
        let per_client = || KeyedWindow::new(MAX_CLIENTS, WhenFull::Overflow(OVERFLOW_CLIENT));
        ClientWindows {
            code_requests: per_client(),
            // Full, it forgets nothing and records no more: a repeat then counts as new.
            requested_ids: KeyedWindow::new(MAX_CLIENTS, WhenFull::Refuse),
            sign_in_attempts: per_client(),
            officer_attempts: per_client(),
        }
    }
}

/// Which per-client budget a request is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientBudget {
    CodeRequests,
    /// Citizens' code checks (`client_sign_in_attempts_per_window`).
    SignInAttempts,
    /// Officers' password attempts (`client_officer_attempts_per_window`).
    OfficerAttempts,
}

/// A request taken from a client's budget, to give back if it turns out well
/// ([`ClientWindows::give_back`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Taken {
    budget: ClientBudget,
    /// The key it was counted under: the client's, or [`OVERFLOW_CLIENT`].
    key: IpAddr,
}

impl ClientWindows {
    fn window(
        &self,
        budget: ClientBudget,
        settings: &ServerSettings,
    ) -> (&KeyedWindow<IpAddr>, u32) {
        match budget {
            ClientBudget::CodeRequests => (
                &self.code_requests,
                settings.client_code_requests_per_window,
            ),
            ClientBudget::SignInAttempts => (
                &self.sign_in_attempts,
                settings.client_sign_in_attempts_per_window,
            ),
            ClientBudget::OfficerAttempts => (
                &self.officer_attempts,
                settings.client_officer_attempts_per_window,
            ),
        }
    }

    /// Takes one request from the `budget` of the client `key` at `now_ms`, under the
    /// node's `client_*` settings; when it is spent, the seconds until it may try again.
    pub fn try_take(
        &self,
        budget: ClientBudget,
        key: IpAddr,
        now_ms: i64,
        settings: &ServerSettings,
    ) -> Result<Taken, u64> {
        let (window, max) = self.window(budget, settings);
        let window_ms = settings.client_window_secs.saturating_mul(1000);
        let refused_by = match window.take(&key, now_ms, window_ms, max) {
            Ok(Slot::Own) => return Ok(Taken { budget, key }),
            Ok(Slot::Overflow) => {
                return Ok(Taken {
                    budget,
                    key: OVERFLOW_CLIENT,
                });
            }
            Err(slot) => slot,
        };
        let wait_ms = match refused_by {
            Slot::Own => window.wait_ms(&key, now_ms, window_ms, max),
            Slot::Overflow => window.wait_ms(
                &OVERFLOW_CLIENT,
                now_ms,
                window_ms,
                max.saturating_mul(OVERFLOW_FACTOR),
            ),
        };
        // Whole seconds, rounded up, and at least one: `Retry-After: 0` invites a tight loop.
        Err(u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1))
    }

    /// Gives back a request that turned out well (a right code or password), so a client's
    /// successes do not use up its budget; only the one request, never the whole count.
    pub fn give_back(&self, taken: Taken, settings: &ServerSettings) {
        self.window(taken.budget, settings).0.give_back(&taken.key);
    }

    /// A code request of the client `key` naming `national_id` (as typed; digits folded,
    /// spaces and dashes dropped): the first for that ID in the window takes from the
    /// client's code-request budget, and asking again for the same ID does not (the store
    /// limits codes per ID). The ID is kept only as a keyed hash.
    pub fn try_take_code_request(
        &self,
        key: IpAddr,
        national_id: &str,
        now_ms: i64,
        settings: &ServerSettings,
    ) -> Result<(), u64> {
        // The ID as the store will know it: Eastern digits folded, spaces and dashes gone.
        let folded: String = national_id
            .chars()
            .map(diwan_domain::digits::fold_digit)
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let pair = (key, id_digest(&settings.secret.0, &folded));
        let window_ms = settings.client_window_secs.saturating_mul(1000);
        if self.requested_ids.wait_ms(&pair, now_ms, window_ms, 1) > 0 {
            return Ok(());
        }
        let _taken = self.try_take(ClientBudget::CodeRequests, key, now_ms, settings)?;
        // Recorded only once the budget paid for it; two parallel first requests may both
        // pay, which errs on the safe side.
        self.requested_ids.try_take(&pair, now_ms, window_ms, 1);
        Ok(())
    }
}

/// A keyed hash of a national ID as a client gave it, so the table of requested IDs does
/// not hold IDs in clear.
fn id_digest(secret: &[u8], national_id: &str) -> [u8; 16] {
    const CONTEXT: &[u8] = b"diwan client code request\0";
    let full = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(CONTEXT);
            mac.update(national_id.as_bytes());
            mac.finalize().into_bytes()
        }
        // HMAC takes keys of any length; this branch cannot be reached.
        Err(_) => Sha256::new()
            .chain_update(secret)
            .chain_update(CONTEXT)
            .chain_update(national_id.as_bytes())
            .finalize(),
    };
    let mut digest = [0u8; 16];
    for (d, f) in digest.iter_mut().zip(full.iter()) {
        *d = *f;
    }
    digest
}

/// The per-client limits as a node is configured with them (`NodeOptions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLimitOptions {
    /// Sign-in code requests per client per window.
    pub code_requests_per_window: u32,
    /// Citizens' code checks per client per window.
    pub sign_in_attempts_per_window: u32,
    /// Officers' password attempts per client per window.
    pub officer_attempts_per_window: u32,
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
            officer_attempts_per_window: 60,
            window_secs: 900,
            trusted_proxies: Vec::new(),
        }
    }
}

impl ClientLimitOptions {
    /// Refuses budgets that would shut everyone out or never reset.
    pub fn check(&self) -> Result<(), String> {
        if self.code_requests_per_window == 0
            || self.sign_in_attempts_per_window == 0
            || self.officer_attempts_per_window == 0
        {
            return Err(
                "client_code_requests_per_window, client_sign_in_attempts_per_window and \
                 client_officer_attempts_per_window must be at least 1"
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
    fn a_full_table_refuses_new_keys_and_frees_expired_ones() {
        let w: KeyedWindow<u32> = KeyedWindow::new(3, WhenFull::Refuse);
        for key in 0..3 {
            assert!(w.try_take(&key, T0, WINDOW, 1));
        }
        assert_eq!(w.take(&3, T0, WINDOW, 1), Err(Slot::Own));
        assert_eq!(w.len(), 3, "a refused key is not tracked");
        assert!(
            !w.try_take(&0, T0, WINDOW, 1),
            "known keys are still limited"
        );
        // Once the others have expired a sweep makes room.
        assert!(w.try_take(&3, T0 + WINDOW, WINDOW, 1));
        assert!(!w.try_take(&3, T0 + WINDOW, WINDOW, 1), "now it is counted");
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn a_full_table_counts_newcomers_under_one_overflow_key() {
        const OVERFLOW: u32 = u32::MAX;
        let w: KeyedWindow<u32> = KeyedWindow::new(3, WhenFull::Overflow(OVERFLOW));
        for key in 0..3 {
            assert_eq!(w.take(&key, T0, WINDOW, 2), Ok(Slot::Own));
        }
        // Every newcomer shares ten times one key's budget: filling the table with new
        // keys (an IPv6 holder's /64s) does not switch the limit off.
        for key in 3..3 + 2 * OVERFLOW_FACTOR {
            assert_eq!(w.take(&key, T0 + 1, WINDOW, 2), Ok(Slot::Overflow), "{key}");
        }
        assert_eq!(w.take(&1000, T0 + 2, WINDOW, 2), Err(Slot::Overflow));
        assert_eq!(w.len(), 4, "the three keys and the overflow key");
        assert_eq!(
            w.wait_ms(&OVERFLOW, T0 + 2, WINDOW, 2 * OVERFLOW_FACTOR),
            WINDOW - 1
        );
        // Tracked keys keep their own budgets.
        assert_eq!(w.take(&0, T0 + 2, WINDOW, 2), Ok(Slot::Own));
        assert_eq!(w.take(&0, T0 + 2, WINDOW, 2), Err(Slot::Own));
        // A success given back to the overflow key frees one place in it.
        w.give_back(&OVERFLOW);
        assert_eq!(w.take(&1001, T0 + 3, WINDOW, 2), Ok(Slot::Overflow));
        assert_eq!(w.take(&1002, T0 + 3, WINDOW, 2), Err(Slot::Overflow));
        // Once the others have expired a newcomer is counted as itself again.
        assert_eq!(w.take(&1003, T0 + WINDOW + 3, WINDOW, 2), Ok(Slot::Own));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn giving_back_returns_only_the_latest_request() {
        let w: KeyedWindow<String> = KeyedWindow::new(10, WhenFull::Refuse);
        assert!(w.try_take("a", T0, WINDOW, 3));
        assert!(w.try_take("a", T0 + 10_000, WINDOW, 3));
        assert!(w.try_take("a", T0 + 20_000, WINDOW, 3));
        assert!(!w.try_take("a", T0 + 30_000, WINDOW, 3));
        w.give_back("a");
        // One place back, not the whole budget.
        assert!(w.try_take("a", T0 + 30_000, WINDOW, 3));
        assert!(!w.try_take("a", T0 + 30_000, WINDOW, 3));
        // The latest went back, so the oldest still frees first.
        w.give_back("a");
        assert_eq!(w.wait_ms("a", T0 + 30_000, WINDOW, 2), 30_000);
        // Many successes in a row never go below nothing, and drop the key when empty.
        for _ in 0..5 {
            w.give_back("a");
        }
        assert!(w.is_empty());
        w.give_back("unknown");
        assert!(w.try_take("a", T0 + 30_000, WINDOW, 1));
    }

    #[test]
    fn giving_back_takes_the_latest_by_time_when_the_clock_went_back() {
        let w: KeyedWindow<String> = KeyedWindow::new(10, WhenFull::Refuse);
        assert!(w.try_take("a", T0 + 20_000, WINDOW, 2));
        assert!(w.try_take("a", T0, WINDOW, 2));
        w.give_back("a");
        // What is left is the request at T0, not the one at T0 + 20 s.
        assert_eq!(w.wait_ms("a", T0 + 1_000, WINDOW, 1), WINDOW - 1_000);
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
        let no_officers = ClientLimitOptions {
            officer_attempts_per_window: 0,
            ..ClientLimitOptions::default()
        };
        assert!(no_officers.check().is_err());
        let no_window = ClientLimitOptions {
            window_secs: 0,
            ..ClientLimitOptions::default()
        };
        assert!(no_window.check().is_err());
    }
}
