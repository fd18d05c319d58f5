//! A registrar (RFC 3261 §10.3): REGISTER → bindings of an address-of-record to contact
//! URIs with expiry. Sans-IO: `now` is passed in, expired bindings are purged by
//! [`Registrar::handle_timeout`]. Authentication is the caller's job (run
//! [`crate::auth::DigestServer`] first and pass the authenticated user as the AOR).

use crate::header::{Contact, HeaderKind, NameAddr};
use crate::message::{HeaderAccess, Request, Response};
use crate::uri::Uri;
use core::time::Duration;
use std::collections::HashMap;
use std::net::SocketAddr;
use tdm::Instant;

/// Registrar limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Shortest accepted expiry; shorter non-zero requests get 423 (§10.3 step 7).
    pub min_expires: u32,
    /// Longest granted expiry (longer requests are shortened).
    pub max_expires: u32,
    /// Expiry when the request names none (§10.2.1.1: the registrar picks).
    pub default_expires: u32,
    /// Bindings kept per AOR at most.
    pub max_bindings: usize,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        Self {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_bindings: 10,
        }
    }
}

/// One contact bound to an AOR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The contact as registered (URI and contact parameters, RFC 4475 §3.3.12/13).
    pub contact: NameAddr,
    /// When it lapses.
    pub expires_at: Instant,
    /// Call-ID of the REGISTER that made it (§10.3 step 7).
    pub call_id: String,
    /// CSeq of that REGISTER.
    pub cseq: u32,
    /// Where the REGISTER came from (for NAT: send requests there, RFC 5626 style).
    pub source: SocketAddr,
}

/// Bindings for every AOR.
#[derive(Debug)]
pub struct Registrar {
    cfg: RegistrarConfig,
    bindings: HashMap<String, Vec<Binding>>,
}

fn same_uri(a: &Uri, b: &Uri) -> bool {
    // §19.1.4 in short: scheme, user, host (case-insensitive), port; parameters ignored.
    a.scheme == b.scheme
        && a.user == b.user
        && a.host.eq_ignore_ascii_case(&b.host)
        && a.port == b.port
}

impl Registrar {
    /// An empty registrar.
    #[must_use]
    pub fn new(cfg: RegistrarConfig) -> Self {
        Self {
            cfg,
            bindings: HashMap::new(),
        }
    }

    /// Applies a REGISTER for `aor` (already authenticated) and returns the response.
    #[must_use]
    pub fn handle_register(
        &mut self,
        now: Instant,
        aor: &str,
        req: &Request,
        source: SocketAddr,
    ) -> Response {
        let bad = |reason: &str| req.response(400, reason, Some("reg"));
        let (Ok(call_id), Ok(cseq), Ok(contacts), Ok(expires_hdr)) =
            (req.call_id(), req.cseq(), req.contacts(), req.expires())
        else {
            return bad("Bad Request");
        };
        let call_id = call_id.to_owned();
        let cfg = self.cfg;
        self.purge(now, aor);
        let list = self.bindings.entry(aor.to_owned()).or_default();
        // §10.3 step 6: `*` only alone and with Expires: 0.
        if contacts.contains(&Contact::Wildcard) {
            if contacts.len() != 1 || expires_hdr != Some(0) {
                return bad("Bad Request (wildcard needs Expires: 0 and no other Contact)");
            }
            if list
                .iter()
                .any(|b| b.call_id == call_id && b.cseq >= cseq.seq)
            {
                return req.response(
                    500,
                    "Server Internal Error (out of order REGISTER)",
                    Some("reg"),
                );
            }
            list.clear();
            return self.ok(now, aor, req);
        }
        // Validate everything before changing anything (§10.3: all or nothing).
        let mut plan = Vec::new();
        for c in &contacts {
            let Contact::Addr(a) = c else { continue };
            let asked = a
                .params
                .get("expires")
                .flatten()
                .map(|v| v.parse::<u32>().unwrap_or(cfg.default_expires));
            let e = asked.or(expires_hdr).unwrap_or(cfg.default_expires);
            if e != 0 && e < cfg.min_expires {
                let mut r = req.response(423, "Interval Too Brief", Some("reg"));
                r.headers
                    .push_kind(HeaderKind::MinExpires, cfg.min_expires.to_string());
                return r;
            }
            if let Some(old) = list.iter().find(|b| same_uri(&b.contact.uri, &a.uri))
                && old.call_id == call_id
                && old.cseq >= cseq.seq
            {
                return req.response(
                    500,
                    "Server Internal Error (out of order REGISTER)",
                    Some("reg"),
                );
            }
            plan.push((a.clone(), e.min(cfg.max_expires)));
        }
        let new_count = plan
            .iter()
            .filter(|(a, e)| *e > 0 && !list.iter().any(|b| same_uri(&b.contact.uri, &a.uri)))
            .count();
        if list.len() + new_count > cfg.max_bindings {
            return req.response(403, "Forbidden (too many contacts)", Some("reg"));
        }
        for (mut a, e) in plan {
            list.retain(|b| !same_uri(&b.contact.uri, &a.uri));
            if e > 0 {
                a.params
                    .0
                    .retain(|p| !p.name.eq_ignore_ascii_case("expires"));
                list.push(Binding {
                    contact: a,
                    expires_at: now + Duration::from_secs(u64::from(e)),
                    call_id: call_id.clone(),
                    cseq: cseq.seq,
                    source,
                });
            }
        }
        self.ok(now, aor, req)
    }

    fn ok(&self, now: Instant, aor: &str, req: &Request) -> Response {
        let mut r = req.response(200, "OK", Some("reg"));
        for b in self.lookup(now, aor) {
            let left = b.expires_at.saturating_duration_since(now).as_secs();
            r.headers
                .push_kind(HeaderKind::Contact, format!("{};expires={left}", b.contact));
        }
        r
    }

    fn purge(&mut self, now: Instant, aor: &str) {
        if let Some(l) = self.bindings.get_mut(aor) {
            l.retain(|b| b.expires_at > now);
        }
    }

    /// Live bindings of an AOR.
    pub fn lookup(&self, now: Instant, aor: &str) -> impl Iterator<Item = &Binding> {
        self.bindings
            .get(aor)
            .into_iter()
            .flatten()
            .filter(move |b| b.expires_at > now)
    }

    /// The next expiry.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.bindings.values().flatten().map(|b| b.expires_at).min()
    }

    /// Drops expired bindings.
    pub fn handle_timeout(&mut self, now: Instant) {
        for l in self.bindings.values_mut() {
            l.retain(|b| b.expires_at > now);
        }
        self.bindings.retain(|_, l| !l.is_empty());
    }
}
