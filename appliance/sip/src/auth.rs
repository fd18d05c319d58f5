//! HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760 SHA-256), both
//! sides, plus failed-authentication rate limiting and per-source bans. Pure logic: time
//! (`now`, seconds for nonces) and randomness (secret, cnonce) are passed in.
//!
//! Hashes come from RustCrypto `md-5`/`sha2` (current majors) and `hmac`; rsip's own
//! `DigestGenerator` is not used: it pins md-5/sha2 0.9 and has no nonce handling.

use crate::header::{AuthHeader, HeaderKind};
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use tdm::Instant;

/// Digest algorithm (RFC 7616 §3.2, RFC 8760 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// MD5 (RFC 2617; what most phones speak).
    Md5,
    /// SHA-256 (RFC 8760).
    Sha256,
}

impl Algorithm {
    /// The token used in `algorithm=`.
    #[must_use]
    pub const fn token(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }

    fn parse(s: Option<&str>) -> Option<Self> {
        match s {
            None => Some(Self::Md5),
            Some(a) if a.eq_ignore_ascii_case("MD5") => Some(Self::Md5),
            Some(a) if a.eq_ignore_ascii_case("SHA-256") => Some(Self::Sha256),
            _ => None,
        }
    }

    /// Lower-case hex digest of `data`.
    #[must_use]
    pub fn hex(self, data: &str) -> String {
        let bytes: Vec<u8> = match self {
            Self::Md5 => Md5::digest(data.as_bytes()).to_vec(),
            Self::Sha256 => Sha256::digest(data.as_bytes()).to_vec(),
        };
        hex(&bytes)
    }

    /// HA1 = H(user:realm:password) (RFC 7616 §3.4.2), what a store may keep instead of the password.
    #[must_use]
    pub fn ha1(self, user: &str, realm: &str, password: &str) -> String {
        self.hex(&format!("{user}:{realm}:{password}"))
    }
}

fn hex(b: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// The digest `response` value (RFC 7616 §3.4.1; qop=auth or none, RFC 2069 compatible).
#[must_use]
pub fn response(
    alg: Algorithm,
    ha1: &str,
    nonce: &str,
    qop: Option<(&str, &str)>,
    method: &str,
    uri: &str,
) -> String {
    let ha2 = alg.hex(&format!("{method}:{uri}"));
    match qop {
        Some((nc, cnonce)) => alg.hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")),
        None => alg.hex(&format!("{ha1}:{nonce}:{ha2}")),
    }
}

/// Why credentials were refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials for our realm (answer with a challenge).
    #[error("no credentials")]
    NoCredentials,
    /// A scheme other than Digest, or an algorithm we do not offer (RFC 4475 §3.3.7).
    #[error("unsupported scheme or algorithm")]
    Unsupported,
    /// A mandatory parameter is missing or malformed.
    #[error("malformed credentials")]
    Malformed,
    /// The nonce was not made by us (bad HMAC).
    #[error("nonce not ours")]
    BadNonce,
    /// The nonce is ours but expired: challenge again with `stale=true` (RFC 7616 §3.3).
    #[error("stale nonce")]
    Stale,
    /// The nonce count did not increase (replay, RFC 7616 §3.4).
    #[error("nonce count replayed")]
    Replay,
    /// Unknown user.
    #[error("unknown user")]
    UnknownUser,
    /// Wrong password.
    #[error("wrong response")]
    WrongResponse,
    /// The digest `uri` differs from the Request-URI (RFC 7616 §3.4.6).
    #[error("digest uri mismatch")]
    UriMismatch,
}

/// Server side: issues challenges and verifies credentials for one realm.
#[derive(Debug)]
pub struct DigestServer {
    realm: String,
    secret: Vec<u8>,
    nonce_lifetime: u64,
    algorithms: Vec<Algorithm>,
    /// Highest nc seen per nonce (bounded, oldest evicted).
    nc_seen: HashMap<String, u32>,
    nc_order: VecDeque<String>,
    /// Makes each challenge's nonce unique, even within one second (RFC 7616 §3.3: a client
    /// answering a fresh nonce starts again at nc=1).
    issued: std::sync::atomic::AtomicU64,
}

/// Largest number of nonces whose counts are remembered.
const NC_MEMORY: usize = 4096;

impl DigestServer {
    /// A server for `realm`; `secret` keys the nonce HMAC (random, from the daemon);
    /// nonces older than `nonce_lifetime_s` are stale.
    #[must_use]
    pub fn new(realm: &str, secret: &[u8], nonce_lifetime_s: u64) -> Self {
        Self {
            realm: realm.to_owned(),
            secret: secret.to_vec(),
            nonce_lifetime: nonce_lifetime_s,
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            nc_seen: HashMap::new(),
            nc_order: VecDeque::new(),
            issued: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Offers (and accepts) only these algorithms, in this order of preference. The default
    /// is SHA-256 then MD5 (RFC 8760). Older clients fail with that: sipp 3.6 reads only the
    /// first challenge, baresip 1.0 (libre) drops the whole 401 when one challenge names
    /// SHA-256; both need MD5 only (tests/sipp_interop.rs), so this is a per-realm setting.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// The realm.
    #[must_use]
    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn mac(&self, ts: u64, serial: u64) -> String {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        m.update(format!("{ts}:{serial}:{}", self.realm).as_bytes());
        hex(&m.finalize().into_bytes()[..16])
    }

    /// A fresh nonce: issue time (seconds), a serial number unique to this server, and an
    /// HMAC over both and the realm; verifiable without state. Every call gives a new one,
    /// so every challenge carries its own nonce and its nonce count starts at 1 (RFC 7616
    /// §3.3, §3.4.5): clients that answer each challenge with nc=1 (sipp) are not replays.
    #[must_use]
    pub fn nonce(&self, now_s: u64) -> String {
        let serial = self
            .issued
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{now_s:x}-{serial:x}.{}", self.mac(now_s, serial))
    }

    /// Challenge values for WWW-Authenticate (or Proxy-Authenticate), SHA-256 first, then
    /// MD5 (RFC 8760 §2.4: one header per algorithm, preferred first).
    #[must_use]
    pub fn challenges(&self, now_s: u64, stale: bool) -> Vec<String> {
        let nonce = self.nonce(now_s);
        self.algorithms
            .iter()
            .map(|a| {
                format!(
                    "Digest realm=\"{}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"{}",
                    self.realm,
                    a.token(),
                    if stale { ", stale=true" } else { "" }
                )
            })
            .collect()
    }

    /// Verifies credentials (one Authorization value) for `method` and `request_uri`.
    /// `ha1` looks up the user's HA1 for an algorithm (None: unknown user). On success,
    /// returns the authenticated user name.
    pub fn verify(
        &mut self,
        now_s: u64,
        credentials: &AuthHeader,
        method: &str,
        request_uri: &str,
        ha1: impl Fn(&str, Algorithm) -> Option<String>,
    ) -> Result<String, AuthError> {
        if !credentials.scheme.eq_ignore_ascii_case("Digest") {
            return Err(AuthError::Unsupported);
        }
        let get = |n| credentials.get(n).ok_or(AuthError::Malformed);
        if get("realm")? != self.realm {
            return Err(AuthError::NoCredentials);
        }
        let alg = Algorithm::parse(credentials.get("algorithm"))
            .filter(|a| self.algorithms.contains(a))
            .ok_or(AuthError::Unsupported)?;
        let (user, nonce, uri, resp) = (
            get("username")?,
            get("nonce")?,
            get("uri")?,
            get("response")?,
        );
        let (stamp, mac) = nonce.split_once('.').ok_or(AuthError::BadNonce)?;
        let (ts, serial) = stamp.split_once('-').ok_or(AuthError::BadNonce)?;
        let ts = u64::from_str_radix(ts, 16).map_err(|_| AuthError::BadNonce)?;
        let serial = u64::from_str_radix(serial, 16).map_err(|_| AuthError::BadNonce)?;
        if !constant_time_eq(mac.as_bytes(), self.mac(ts, serial).as_bytes()) {
            return Err(AuthError::BadNonce);
        }
        if uri != request_uri {
            return Err(AuthError::UriMismatch);
        }
        let qop = match credentials.get("qop") {
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                let nc = get("nc")?;
                let cnonce = get("cnonce")?;
                if nc.len() != 8 || u32::from_str_radix(nc, 16).is_err() {
                    return Err(AuthError::Malformed);
                }
                Some((nc, cnonce))
            }
            Some(_) => return Err(AuthError::Unsupported),
            None => None,
        };
        let ha1 = ha1(user, alg).ok_or(AuthError::UnknownUser)?;
        let expected = response(alg, &ha1, nonce, qop, method, uri);
        if !constant_time_eq(expected.as_bytes(), resp.to_ascii_lowercase().as_bytes()) {
            return Err(AuthError::WrongResponse);
        }
        // Right password on an old nonce: stale=true lets the phone retry without a prompt.
        if now_s.saturating_sub(ts) > self.nonce_lifetime || ts > now_s + 60 {
            return Err(AuthError::Stale);
        }
        if let Some((nc, _)) = qop {
            let n = u32::from_str_radix(nc, 16).map_err(|_| AuthError::Malformed)?;
            match self.nc_seen.get(nonce) {
                Some(&last) if n <= last => return Err(AuthError::Replay),
                Some(_) => {}
                None => {
                    self.nc_order.push_back(nonce.to_owned());
                    if self.nc_order.len() > NC_MEMORY
                        && let Some(old) = self.nc_order.pop_front()
                    {
                        self.nc_seen.remove(&old);
                    }
                }
            }
            self.nc_seen.insert(nonce.to_owned(), n);
        }
        Ok(user.to_owned())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Client side (trunk registration and calls): answers a 401/407 challenge.
#[derive(Debug, Clone)]
pub struct DigestClient {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
    nc: u32,
    nonce: String,
}

impl DigestClient {
    /// Credentials for one account.
    #[must_use]
    pub fn new(user: &str, password: &str) -> Self {
        Self {
            user: user.to_owned(),
            password: password.to_owned(),
            nc: 0,
            nonce: String::new(),
        }
    }

    /// Picks the best challenge among the values of WWW-Authenticate/Proxy-Authenticate
    /// (SHA-256 over MD5, RFC 8760 §2.4) and returns the Authorization value.
    /// `cnonce` is fresh randomness from the caller.
    pub fn answer(
        &mut self,
        challenges: &[AuthHeader],
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> Result<String, AuthError> {
        let best = challenges
            .iter()
            .filter(|c| c.scheme.eq_ignore_ascii_case("Digest"))
            .filter_map(|c| Algorithm::parse(c.get("algorithm")).map(|a| (a, c)))
            .max_by_key(|(a, _)| *a == Algorithm::Sha256)
            .ok_or(AuthError::Unsupported)?;
        let (alg, c) = best;
        let realm = c.get("realm").ok_or(AuthError::Malformed)?;
        let nonce = c.get("nonce").ok_or(AuthError::Malformed)?;
        let qop_auth = c
            .get("qop")
            .is_some_and(|q| q.split(',').any(|x| x.trim().eq_ignore_ascii_case("auth")));
        if nonce != self.nonce {
            self.nonce = nonce.to_owned();
            self.nc = 0;
        }
        let ha1 = alg.ha1(&self.user, realm, &self.password);
        let mut out = format!(
            "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm={}",
            self.user,
            alg.token()
        );
        if qop_auth {
            self.nc += 1;
            let nc = format!("{:08x}", self.nc);
            let r = response(alg, &ha1, nonce, Some((&nc, cnonce)), method, uri);
            out.push_str(&format!(
                ", response=\"{r}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\""
            ));
        } else {
            let r = response(alg, &ha1, nonce, None, method, uri);
            out.push_str(&format!(", response=\"{r}\""));
        }
        if let Some(o) = c.get("opaque") {
            out.push_str(&format!(", opaque=\"{o}\""));
        }
        Ok(out)
    }

    /// Parses the challenge headers of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate).
    pub fn challenges_of(resp: &crate::Response) -> Vec<AuthHeader> {
        let kind = if resp.status == 407 {
            HeaderKind::ProxyAuthenticate
        } else {
            HeaderKind::WwwAuthenticate
        };
        resp.headers
            .values(kind)
            .filter_map(|v| AuthHeader::parse(v, kind).ok())
            .collect()
    }
}

/// Failed-authentication limits per source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardConfig {
    /// Failures allowed inside `window` before a ban.
    pub max_failures: u32,
    /// Counting window.
    pub window: core::time::Duration,
    /// Ban length.
    pub ban: core::time::Duration,
    /// Sources remembered at most (oldest forgotten first).
    pub max_sources: usize,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: core::time::Duration::from_secs(60),
            ban: core::time::Duration::from_secs(600),
            max_sources: 10_000,
        }
    }
}

/// What to do with a request from a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Process it.
    Allow,
    /// Banned until the instant: drop silently (answering helps scanners).
    Banned(Instant),
}

/// Rate limiting of failed authentication and per-source bans (toll-fraud scanners).
#[derive(Debug)]
pub struct AuthGuard {
    cfg: GuardConfig,
    sources: HashMap<IpAddr, (Vec<Instant>, Option<Instant>)>,
    order: VecDeque<IpAddr>,
}

impl AuthGuard {
    /// A guard with these limits.
    #[must_use]
    pub fn new(cfg: GuardConfig) -> Self {
        Self {
            cfg,
            sources: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether requests from `ip` may be processed at `now`.
    #[must_use]
    pub fn check(&self, now: Instant, ip: IpAddr) -> Verdict {
        match self.sources.get(&ip) {
            Some((_, Some(until))) if *until > now => Verdict::Banned(*until),
            _ => Verdict::Allow,
        }
    }

    /// Records a failed authentication (wrong password, unknown user); returns the verdict after it.
    pub fn failure(&mut self, now: Instant, ip: IpAddr) -> Verdict {
        if !self.sources.contains_key(&ip) {
            self.order.push_back(ip);
            if self.order.len() > self.cfg.max_sources
                && let Some(old) = self.order.pop_front()
            {
                self.sources.remove(&old);
            }
        }
        let (w, ban) = (self.cfg.window, self.cfg.ban);
        let e = self.sources.entry(ip).or_default();
        e.0.retain(|t| now.saturating_duration_since(*t) < w);
        e.0.push(now);
        if e.0.len() as u32 > self.cfg.max_failures {
            e.1 = Some(now + ban);
            e.0.clear();
        }
        self.check(now, ip)
    }

    /// Records a success: the failure count of `ip` is forgotten.
    pub fn success(&mut self, ip: IpAddr) {
        if let Some(e) = self.sources.get_mut(&ip) {
            e.0.clear();
        }
    }
}
