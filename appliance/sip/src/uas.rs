//! UAS request admission (RFC 3261 §8.2): the checks a user agent server runs on a new
//! request, in the RFC's order, before the request reaches call logic. Each refusal is a
//! ready response (501/416/420/415/406) carrying the header the RFC asks for.

use crate::header::HeaderKind;
use crate::message::{HeaderAccess, Method, Request, Response};
use crate::uri::Scheme;

/// What this UAS supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Methods we implement (Allow).
    pub methods: Vec<Method>,
    /// Option tags we support (Supported; e.g. `100rel`, `timer`, `replaces`).
    pub extensions: Vec<String>,
    /// Body types we accept (Accept), e.g. `application/sdp`.
    pub accept: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            methods: [
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
                Method::Register,
                Method::Info,
                Method::Refer,
                Method::Notify,
            ]
            .to_vec(),
            extensions: vec!["replaces".into()],
            accept: vec!["application/sdp".into()],
        }
    }
}

impl Capabilities {
    /// The Allow header value.
    #[must_use]
    pub fn allow(&self) -> String {
        self.methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs the §8.2 checks; `Err` holds the response to send (with `to_tag`).
pub fn admit(req: &Request, caps: &Capabilities, to_tag: &str) -> Result<(), Box<Response>> {
    let refuse = |status, reason: &str| Box::new(req.response(status, reason, Some(to_tag)));
    // §8.2.1: method inspection.
    if !caps.methods.contains(&req.method) {
        let mut r = refuse(501, "Not Implemented");
        r.headers.push_kind(HeaderKind::Allow, caps.allow());
        return Err(r);
    }
    // §8.2.2.1: a Request-URI scheme we do not understand (RFC 4475 §3.3.2, §3.3.3).
    if !matches!(req.uri.scheme, Scheme::Sip | Scheme::Sips | Scheme::Tel) {
        return Err(refuse(416, "Unsupported URI Scheme"));
    }
    // §8.2.2.3: Require (Proxy-Require is for proxies; a UA ignores it). Never for ACK/CANCEL.
    if !matches!(req.method, Method::Ack | Method::Cancel) {
        let required = req.tokens(HeaderKind::Require).unwrap_or_default();
        let unknown: Vec<&String> = required
            .iter()
            .filter(|t| !caps.extensions.iter().any(|e| e.eq_ignore_ascii_case(t)))
            .collect();
        if !unknown.is_empty() {
            let mut r = refuse(420, "Bad Extension");
            r.headers.push_kind(
                HeaderKind::Unsupported,
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            return Err(r);
        }
    }
    // §8.2.3: a body we cannot read (RFC 4475 §3.3.6).
    if !req.body.is_empty() {
        let ct = req.content_type().ok().flatten().map(|m| m.essence());
        let encoded = req
            .headers
            .values(HeaderKind::ContentEncoding)
            .any(|v| !v.trim().eq_ignore_ascii_case("identity"));
        if encoded || !ct.is_some_and(|c| caps.accept.iter().any(|a| a.eq_ignore_ascii_case(&c))) {
            let mut r = refuse(415, "Unsupported Media Type");
            r.headers
                .push_kind(HeaderKind::Accept, caps.accept.join(", "));
            return Err(r);
        }
    }
    // §21.4.7: the answer we would send (SDP) is not in the request's Accept (RFC 4475 §3.3.15).
    if req.method == Method::Invite && req.headers.values(HeaderKind::Accept).next().is_some() {
        let accepts: Vec<String> = req
            .headers
            .elements(HeaderKind::Accept)
            .map(|a| {
                a.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let ok = accepts
            .iter()
            .any(|a| a == "*/*" || a == "application/*" || a == "application/sdp");
        if !ok {
            return Err(refuse(406, "Not Acceptable"));
        }
    }
    Ok(())
}
