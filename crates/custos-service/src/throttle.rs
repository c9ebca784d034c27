//! How fast anyone may try to sign in, so that guessing passwords or codes is slow, without
//! letting an attacker lock the owner of an account out.
//!
//! Three kinds of limits, per process (docs/SECURITY.md):
//!
//! - **per client address** (GCRA rate limits, `governor`): each sign-in path allows a client
//!   a few attempts a minute; past that it is answered 429 before anything is looked up, so the
//!   answer says nothing about the account;
//! - **globally**, across all clients, so that many addresses together are slow too;
//! - **per client and account** for staff passwords: five failures from one address lock that
//!   address out of that account for 15 minutes. The owner, from their own address, is not
//!   locked; an attacker spread over many addresses is held by the global limit. A locked
//!   attempt is answered exactly like a wrong password, after the same password check.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Who is asking, as far as throttling is concerned: the client's address (or `None` when the
/// caller is not on the network, e.g. the CLI and in-process tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client(pub Option<IpAddr>);

/// The sign-in paths, each limited on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    /// Staff passwords (`/console/login`).
    StaffPassword,
    /// Asking for a privacy-center code (`/privacy/start`).
    CodeRequest,
    /// Entering a privacy-center code (`/privacy/code`).
    CodeEntry,
    /// The consent snippet on a business's site (`/v1/embed/...`).
    Embed,
}

/// Attempts per minute: (per client, burst per client, all clients, burst for all).
fn quotas(path: Path) -> (u32, u32, u32, u32) {
    match path {
        Path::StaffPassword => (20, 10, 300, 100),
        Path::CodeRequest => (10, 5, 300, 100),
        Path::CodeEntry => (20, 10, 300, 100),
        Path::Embed => (60, 30, 6000, 1000),
    }
}

/// Failures from one address on one staff account before that address is locked out of it.
pub const LOCK_AFTER_FAILURES: u32 = 5;
/// How long such a lock lasts.
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);

struct Limits {
    per_client: DefaultKeyedRateLimiter<Client>,
    all: DefaultDirectRateLimiter,
}

fn per_minute(n: u32, burst: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(NonZeroU32::new(burst).unwrap_or(n))
}

impl Limits {
    fn new(path: Path) -> Self {
        let (client, client_burst, all, all_burst) = quotas(path);
        Self { per_client: RateLimiter::hashmap(per_minute(client, client_burst)), all: RateLimiter::direct(per_minute(all, all_burst)) }
    }
}

/// A staff account's failures from one address.
struct Failures {
    count: u32,
    since: Instant,
}

/// The throttles of one service.
pub(crate) struct Throttles {
    staff: Limits,
    code_request: Limits,
    code_entry: Limits,
    embed: Limits,
    failures: Mutex<HashMap<(Client, String), Failures>>,
    /// Staff password checks made.
    pub(crate) password_checks: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Throttles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttles").finish_non_exhaustive()
    }
}

impl Default for Throttles {
    fn default() -> Self {
        Self {
            staff: Limits::new(Path::StaffPassword),
            code_request: Limits::new(Path::CodeRequest),
            code_entry: Limits::new(Path::CodeEntry),
            embed: Limits::new(Path::Embed),
            failures: Mutex::default(),
            password_checks: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Throttles {
    /// `Ok` if `client` may make an attempt on `path` now, else how long to wait.
    pub(crate) fn admit(&self, path: Path, client: Client) -> Result<(), Duration> {
        let limits = match path {
            Path::StaffPassword => &self.staff,
            Path::CodeRequest => &self.code_request,
            Path::CodeEntry => &self.code_entry,
            Path::Embed => &self.embed,
        };
        if limits.per_client.len() > 10_000 {
            limits.per_client.retain_recent();
        }
        let clock = governor::clock::DefaultClock::default();
        if let Err(not_until) = limits.per_client.check_key(&client) {
            return Err(not_until.wait_time_from(governor::clock::Clock::now(&clock)));
        }
        if let Err(not_until) = limits.all.check() {
            return Err(not_until.wait_time_from(governor::clock::Clock::now(&clock)));
        }
        Ok(())
    }

    /// Whether `client` is locked out of the staff account `email`.
    pub(crate) fn locked(&self, client: Client, email: &str) -> bool {
        let Ok(map) = self.failures.lock() else { return false };
        map.get(&(client, email.to_owned())).is_some_and(|f| f.count >= LOCK_AFTER_FAILURES && f.since.elapsed() < LOCK_FOR)
    }

    /// Counts a failed password from `client` on `email`; returns whether it is now locked.
    pub(crate) fn failed(&self, client: Client, email: &str) -> bool {
        let Ok(mut map) = self.failures.lock() else { return false };
        if map.len() > 10_000 {
            map.retain(|_, f| f.since.elapsed() < LOCK_FOR);
        }
        let entry = map.entry((client, email.to_owned())).or_insert(Failures { count: 0, since: Instant::now() });
        if entry.since.elapsed() >= LOCK_FOR {
            *entry = Failures { count: 0, since: Instant::now() };
        }
        entry.count += 1;
        entry.count >= LOCK_AFTER_FAILURES
    }

    /// Forgets `client`'s failures on `email` (after a successful sign-in).
    pub(crate) fn succeeded(&self, client: Client, email: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&(client, email.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_limited_and_locks_only_itself_out() {
        let t = Throttles::default();
        let a = Client(Some("192.0.2.1".parse().expect("ip")));
        let b = Client(Some("192.0.2.2".parse().expect("ip")));
        let (_, burst, _, _) = quotas(Path::CodeRequest);
        for _ in 0..burst {
            assert!(t.admit(Path::CodeRequest, a).is_ok());
        }
        assert!(t.admit(Path::CodeRequest, a).is_err(), "past the burst");
        assert!(t.admit(Path::CodeRequest, b).is_ok(), "another client is not affected");
        assert!(t.admit(Path::CodeEntry, a).is_ok(), "another path is not affected");
        for i in 1..=LOCK_AFTER_FAILURES {
            assert_eq!(t.failed(a, "owner@example.com"), i == LOCK_AFTER_FAILURES);
        }
        assert!(t.locked(a, "owner@example.com"));
        assert!(!t.locked(b, "owner@example.com"), "the owner elsewhere is not locked out");
        assert!(!t.locked(a, "someone.else@example.com"));
        t.succeeded(a, "owner@example.com");
        assert!(!t.locked(a, "owner@example.com"));
    }
}
