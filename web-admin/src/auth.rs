//! Sessions, CSRF tokens and login lockout.
//!
//! Sessions live **in memory** in this slice: a restart logs everybody out. Each session has
//! an absolute expiry and an idle expiry, a random 256-bit id (the cookie) and its own
//! random CSRF token (synchronizer token). Lockout counts failures per user name and per
//! source address in a sliding window.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use store::Timestamp;
use store::config::{Language, Role};

/// Random 256-bit token, hex.
///
/// # Panics
/// When the OS random source fails (nothing safe can be done then).
#[must_use]
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("OS random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Constant-time comparison of two tokens.
#[must_use]
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A logged-in user's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// User id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Role at login (re-read from the store on every request).
    pub role: Role,
    /// UI language.
    pub language: Language,
    /// The user must change the password before anything else.
    pub must_change_password: bool,
    /// CSRF token.
    pub csrf: String,
    /// Hard expiry.
    pub expires: Timestamp,
    /// Last use.
    pub last_seen: Timestamp,
}

/// Limits of sessions and lockout.
#[derive(Debug, Clone, Copy)]
pub struct SecurityPolicy {
    /// Session lifetime, µs.
    pub session_ttl_us: i64,
    /// Idle timeout, µs.
    pub idle_ttl_us: i64,
    /// Failures allowed per user name within the window.
    pub max_failures_per_user: u32,
    /// Failures allowed per source address within the window.
    pub max_failures_per_addr: u32,
    /// The window and the lockout length, µs.
    pub lockout_us: i64,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self {
            session_ttl_us: 12 * 3600 * 1_000_000,
            idle_ttl_us: 30 * 60 * 1_000_000,
            max_failures_per_user: 5,
            max_failures_per_addr: 20,
            lockout_us: 15 * 60 * 1_000_000,
        }
    }
}

/// In-memory session table.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Sessions {
    /// Starts a session; returns its id.
    pub fn create(&self, mut s: Session, now: Timestamp, policy: &SecurityPolicy) -> String {
        let id = random_token();
        s.expires = Timestamp(now.0 + policy.session_ttl_us);
        s.last_seen = now;
        let mut map = lock(&self.map);
        map.retain(|_, v| v.expires > now && now.0 - v.last_seen.0 < policy.idle_ttl_us);
        map.insert(id.clone(), s);
        id
    }

    /// The live session with this id (touching it), or `None` (unknown or expired; expired
    /// ones are removed).
    pub fn get(&self, id: &str, now: Timestamp, policy: &SecurityPolicy) -> Option<Session> {
        let mut map = lock(&self.map);
        let s = map.get_mut(id)?;
        if s.expires <= now || now.0 - s.last_seen.0 >= policy.idle_ttl_us {
            map.remove(id);
            return None;
        }
        s.last_seen = now;
        Some(s.clone())
    }

    /// Changes a session.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Session)) {
        if let Some(s) = lock(&self.map).get_mut(id) {
            f(s);
        }
    }

    /// Ends a session.
    pub fn remove(&self, id: &str) {
        lock(&self.map).remove(id);
    }

    /// Ends every session of a user (deleted, or password changed elsewhere), except `keep`.
    pub fn remove_user(&self, user_id: i64, keep: Option<&str>) {
        lock(&self.map).retain(|k, v| v.user_id != user_id || Some(k.as_str()) == keep);
    }
}

#[derive(Debug, Default)]
struct Failures {
    /// Failure times inside the window.
    times: Vec<i64>,
    locked_until: i64,
}

/// Failed-login bookkeeping per user name and per source address.
#[derive(Debug, Default)]
pub struct Lockout {
    users: Mutex<HashMap<String, Failures>>,
    addrs: Mutex<HashMap<IpAddr, Failures>>,
}

impl Lockout {
    /// Whether a login for `user` from `addr` is refused now.
    pub fn is_locked(&self, user: &str, addr: IpAddr, now: Timestamp) -> bool {
        let u = lock(&self.users)
            .get(user)
            .is_some_and(|f| f.locked_until > now.0);
        let a = lock(&self.addrs)
            .get(&addr)
            .is_some_and(|f| f.locked_until > now.0);
        u || a
    }

    /// Records a failure; returns true when this one locked the user or the address.
    pub fn fail(&self, user: &str, addr: IpAddr, now: Timestamp, p: &SecurityPolicy) -> bool {
        fn bump(f: &mut Failures, now: i64, max: u32, window: i64) -> bool {
            f.times.retain(|t| now - t < window);
            f.times.push(now);
            if f.times.len() >= max as usize {
                f.locked_until = now + window;
                f.times.clear();
                return true;
            }
            false
        }
        let mut users = lock(&self.users);
        if users.len() > 10_000 {
            users.retain(|_, f| f.locked_until > now.0 || !f.times.is_empty());
        }
        let u = bump(
            users.entry(user.to_owned()).or_default(),
            now.0,
            p.max_failures_per_user,
            p.lockout_us,
        );
        drop(users);
        let a = bump(
            lock(&self.addrs).entry(addr).or_default(),
            now.0,
            p.max_failures_per_addr,
            p.lockout_us,
        );
        u || a
    }

    /// A successful login clears the user's failures (not the address's).
    pub fn succeed(&self, user: &str) {
        lock(&self.users).remove(user);
    }
}
