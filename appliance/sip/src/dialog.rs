//! RFC 3261 §12 dialogs: the state a user agent keeps between the two ends of an INVITE
//! (or other dialog-creating) transaction, and how in-dialog requests are built from it.
//!
//! A [`Dialog`] is pure data plus the rules of §12.1 (creation, UAS and UAC side), §12.2.1.1
//! (building a request: Request-URI, Route, CSeq), §12.2.2 (CSeq order of received requests)
//! and target refresh. The [`crate::ua`] module owns dialogs and drives them.

use crate::error::ParseError;
use crate::header::{Contact, HeaderKind, NameAddr};
use crate::message::{HeaderAccess, Method, Request, Response};
use crate::uri::Uri;

/// The dialog identifier (§12: Call-ID, local tag, remote tag).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: String,
    /// Our tag (From tag for the UAC, To tag for the UAS).
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

/// Early (after a provisional with a tag) or confirmed (after a 2xx), §12.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a 1xx with a To tag.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
}

/// One dialog (§12.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Identifier.
    pub id: DialogId,
    /// Early or confirmed.
    pub state: DialogState,
    /// Our URI (From of the UAC's requests, To of the UAS's), without tag.
    pub local_uri: NameAddr,
    /// The peer's URI, without tag.
    pub remote_uri: NameAddr,
    /// Last CSeq number we used (§12.1.1: the UAS starts empty; we start at the INVITE's).
    pub local_seq: u32,
    /// Last CSeq number the peer used, `None` until it sends one (§12.1.2).
    pub remote_seq: Option<u32>,
    /// Where in-dialog requests go: the peer's Contact (§12.1.1, refreshed by target
    /// refresh requests, §12.2).
    pub remote_target: Uri,
    /// Route set from Record-Route (§12.1.1 in order for the UAS, §12.1.2 reversed for the UAC).
    pub route_set: Vec<NameAddr>,
}

fn without_tag(mut a: NameAddr) -> NameAddr {
    a.params.0.retain(|p| !p.name.eq_ignore_ascii_case("tag"));
    a
}

fn first_contact<M: HeaderAccess>(m: &M) -> Option<Uri> {
    m.contacts().ok()?.into_iter().find_map(|c| match c {
        Contact::Addr(a) => Some(a.uri),
        Contact::Wildcard => None,
    })
}

impl Dialog {
    /// The UAS side (§12.1.1): built from the dialog-creating request and the To tag we put
    /// in our response. `state` is Early for a 1xx, Confirmed for a 2xx.
    pub fn uas(req: &Request, local_tag: &str, state: DialogState) -> Result<Self, ParseError> {
        let from = req.hdr_from()?;
        let remote_tag = from.tag().unwrap_or("").to_owned();
        let route_set = req.routes(HeaderKind::RecordRoute)?;
        let remote_target =
            first_contact(req).ok_or(ParseError::MissingHeader(HeaderKind::Contact))?;
        Ok(Self {
            id: DialogId {
                call_id: req.call_id()?.to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag,
            },
            state,
            local_uri: without_tag(req.hdr_to()?),
            remote_uri: without_tag(from),
            local_seq: 0,
            remote_seq: Some(req.cseq()?.seq),
            remote_target,
            route_set,
        })
    }

    /// The UAC side (§12.1.2): built from our request and a response carrying a To tag.
    pub fn uac(req: &Request, resp: &Response) -> Result<Self, ParseError> {
        let to = resp.hdr_to()?;
        let remote_tag = to
            .tag()
            .ok_or(ParseError::BadHeader(HeaderKind::To))?
            .to_owned();
        let from = req.hdr_from()?;
        let mut route_set = resp.routes(HeaderKind::RecordRoute)?;
        route_set.reverse();
        let remote_target = first_contact(resp).unwrap_or_else(|| req.uri.clone());
        Ok(Self {
            id: DialogId {
                call_id: req.call_id()?.to_owned(),
                local_tag: from.tag().unwrap_or("").to_owned(),
                remote_tag,
            },
            state: if resp.status >= 200 {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_uri: without_tag(from),
            remote_uri: without_tag(to),
            local_seq: req.cseq()?.seq,
            remote_seq: None,
            remote_target,
            route_set,
        })
    }

    /// The next CSeq number for a new request (§12.2.1.1: one more than the last, never
    /// for ACK or CANCEL).
    pub const fn next_seq(&mut self) -> u32 {
        self.local_seq = self.local_seq.wrapping_add(1);
        self.local_seq
    }

    /// Checks and records the CSeq of a received in-dialog request (§12.2.2): a number
    /// lower than (or, for a new transaction, equal to) the last one is out of order
    /// (answer 500). ACK and CANCEL carry the INVITE's number and are not checked here.
    pub const fn accept_remote_seq(&mut self, seq: u32) -> bool {
        match self.remote_seq {
            Some(last) if seq <= last => false,
            _ => {
                self.remote_seq = Some(seq);
                true
            }
        }
    }

    /// Target refresh (§12.2: re-INVITE, UPDATE; §12.1.2 for the 2xx): take the new
    /// Contact as remote target when there is one.
    pub fn refresh_target<M: HeaderAccess>(&mut self, m: &M) {
        if let Some(u) = first_contact(m) {
            self.remote_target = u;
        }
    }

    /// Whether a request's tags name this dialog (From tag is the remote tag, To tag ours).
    #[must_use]
    pub fn matches_request(&self, call_id: &str, from_tag: &str, to_tag: &str) -> bool {
        self.id.call_id == call_id && self.id.remote_tag == from_tag && self.id.local_tag == to_tag
    }

    /// Builds an in-dialog request (§12.2.1.1) with CSeq `seq`: Request-URI and Route from
    /// the route set (loose routing when the first route has `lr`, strict routing
    /// otherwise), From/To with the tags, Call-ID, CSeq, Max-Forwards. The caller adds Via
    /// (with a fresh branch), Contact and a body.
    #[must_use]
    pub fn request(&self, method: Method, seq: u32) -> Request {
        let (uri, routes): (Uri, Vec<String>) = match self.route_set.first() {
            None => (self.remote_target.clone(), Vec::new()),
            Some(first) if first.uri.params.get("lr").is_some() => (
                self.remote_target.clone(),
                self.route_set.iter().map(ToString::to_string).collect(),
            ),
            Some(first) => {
                // Strict routing: the first route becomes the Request-URI, the remote
                // target goes last in Route.
                let mut u = first.uri.clone();
                u.headers = None;
                let mut r: Vec<String> = self.route_set[1..]
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                r.push(format!("<{}>", self.remote_target));
                (u, r)
            }
        };
        let mut req = Request::new(method.clone(), uri);
        for r in routes {
            req.headers.push_kind(HeaderKind::Route, r);
        }
        req.headers.push_kind(HeaderKind::MaxForwards, "70");
        req.headers.push_kind(
            HeaderKind::From,
            format!("{};tag={}", self.local_uri, self.id.local_tag),
        );
        let to = if self.id.remote_tag.is_empty() {
            self.remote_uri.to_string()
        } else {
            format!("{};tag={}", self.remote_uri, self.id.remote_tag)
        };
        req.headers.push_kind(HeaderKind::To, to);
        req.headers
            .push_kind(HeaderKind::CallId, self.id.call_id.clone());
        req.headers
            .push_kind(HeaderKind::CSeq, format!("{seq} {method}"));
        req
    }
}
