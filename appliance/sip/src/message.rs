//! SIP messages (RFC 3261 §7): parse from a datagram or a framed stream message, checks of
//! RFC 3261/RFC 4475, emit.

use crate::error::ParseError;
use crate::header::{
    AuthHeader, CSeq, Contact, HeaderKind, Headers, MediaType, NameAddr, RAck, Replaces,
    SessionExpires, Via, is_token, parse_u32,
};
use crate::uri::Uri;

/// A request method (RFC 3261 §7.1, extensions RFC 3262/3311/3515/6665/3428/3903).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// INVITE
    Invite,
    /// ACK
    Ack,
    /// BYE
    Bye,
    /// CANCEL
    Cancel,
    /// REGISTER
    Register,
    /// OPTIONS
    Options,
    /// INFO
    Info,
    /// PRACK
    Prack,
    /// UPDATE
    Update,
    /// REFER
    Refer,
    /// SUBSCRIBE
    Subscribe,
    /// NOTIFY
    Notify,
    /// MESSAGE
    Message,
    /// PUBLISH
    Publish,
    /// Any other token (methods are case-sensitive, RFC 3261 §7.1; `RE%47IST%45R` is one).
    Other(String),
}

impl Method {
    /// Parses a method token (case-sensitive); `None` when not a token.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "INVITE" => Self::Invite,
            "ACK" => Self::Ack,
            "BYE" => Self::Bye,
            "CANCEL" => Self::Cancel,
            "REGISTER" => Self::Register,
            "OPTIONS" => Self::Options,
            "INFO" => Self::Info,
            "PRACK" => Self::Prack,
            "UPDATE" => Self::Update,
            "REFER" => Self::Refer,
            "SUBSCRIBE" => Self::Subscribe,
            "NOTIFY" => Self::Notify,
            "MESSAGE" => Self::Message,
            "PUBLISH" => Self::Publish,
            s if is_token(s) => Self::Other(s.to_owned()),
            _ => return None,
        })
    }

    /// The method name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Invite => "INVITE",
            Self::Ack => "ACK",
            Self::Bye => "BYE",
            Self::Cancel => "CANCEL",
            Self::Register => "REGISTER",
            Self::Options => "OPTIONS",
            Self::Info => "INFO",
            Self::Prack => "PRACK",
            Self::Update => "UPDATE",
            Self::Refer => "REFER",
            Self::Subscribe => "SUBSCRIBE",
            Self::Notify => "NOTIFY",
            Self::Message => "MESSAGE",
            Self::Publish => "PUBLISH",
            Self::Other(s) => s,
        }
    }
}

impl core::fmt::Display for Method {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Headers, in order (Content-Length is recomputed on emit).
    pub headers: Headers,
    /// Body (exactly Content-Length bytes when parsed).
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, 100..=699.
    pub status: u16,
    /// Reason phrase (UTF-8, may be empty: RFC 4475 §3.1.1.12/13).
    pub reason: String,
    /// Headers, in order.
    pub headers: Headers,
    /// Body.
    pub body: Vec<u8>,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

/// A parse failure with what is needed to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Why.
    pub error: ParseError,
    /// For a request whose Via, From, To, Call-ID and CSeq could be read: a ready response
    /// (RFC 3261 §8.2.6) carrying [`ParseError::status`]. `None` means drop silently
    /// (responses, or too little understood to answer).
    pub answer: Option<Response>,
}

/// Largest message accepted (RFC 3261 §18.1.1 mentions 65 535 for UDP).
pub const MAX_MESSAGE_SIZE: usize = 65_535;

struct Head<'a> {
    start: String,
    headers: Headers,
    body: &'a [u8],
}

/// Splits the header section, unfolds continuation lines (RFC 3261 §7.3.1) and reads the
/// header lines; `rest` is everything after the empty line.
fn split_head(bytes: &[u8], datagram: bool) -> Result<Head<'_>, ParseError> {
    let mut b = bytes;
    // RFC 3261 §7.5: ignore CRLFs before the start line.
    while let Some(r) = b.strip_prefix(b"\r\n") {
        b = r;
    }
    let (end, body) = match b.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => (end, &b[end + 4..]),
        // Liberal for datagrams: a datagram that ends right after the last header's CRLF
        // (empty line missing) is taken as having no body.
        None if datagram && b.ends_with(b"\r\n") => (b.len() - 2, &b[b.len()..]),
        None => return Err(ParseError::NoHeaderEnd),
    };
    let head = core::str::from_utf8(&b[..end]).map_err(|_| ParseError::NotUtf8)?;
    let mut lines = Vec::<String>::new();
    for line in head.split("\r\n") {
        if line.contains(['\r', '\n']) {
            return Err(ParseError::BadHeaderLine);
        }
        if line.starts_with([' ', '\t']) {
            if lines.len() <= 1 {
                return Err(ParseError::BadStartLine);
            }
            let last = lines.last_mut().ok_or(ParseError::BadStartLine)?;
            last.push(' ');
            last.push_str(line.trim());
        } else {
            lines.push(line.to_owned());
        }
    }
    let mut it = lines.into_iter();
    let start = it.next().ok_or(ParseError::BadStartLine)?;
    let mut headers = Headers::new();
    for line in it {
        let (name, value) = line.split_once(':').ok_or(ParseError::BadHeaderLine)?;
        let name = name.trim_end_matches([' ', '\t']);
        if !is_token(name) {
            return Err(ParseError::BadHeaderLine);
        }
        headers.push(name, value.trim());
    }
    Ok(Head {
        start,
        headers,
        body,
    })
}

/// How the body length is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// A whole UDP datagram: bytes past Content-Length are ignored (RFC 3261 §18.3,
    /// RFC 4475 §3.1.1.8); no Content-Length means the rest of the datagram.
    Datagram,
}

fn content_length(h: &Headers) -> Result<Option<usize>, ParseError> {
    let Some(v) = h.single(HeaderKind::ContentLength)? else {
        return Ok(None);
    };
    let n = parse_u32(v).ok_or(ParseError::BadHeader(HeaderKind::ContentLength))?;
    Ok(Some(n as usize))
}

impl Message {
    /// Parses one message from a datagram (or a message the stream framer cut out).
    ///
    /// On failure the [`Rejected`] says whether and how to answer. A parsed request or
    /// response has passed [`Request::check`] / [`Response::check`].
    pub fn parse(bytes: &[u8]) -> Result<Self, Rejected> {
        Self::parse_framed(bytes, Framing::Datagram)
    }

    pub(crate) fn parse_framed(bytes: &[u8], framing: Framing) -> Result<Self, Rejected> {
        let drop = |error| Rejected {
            error,
            answer: None,
        };
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(drop(ParseError::TooLarge));
        }
        let head = split_head(bytes, framing == Framing::Datagram).map_err(drop)?;
        let is_response = head.start.starts_with("SIP/");
        let mut msg = if is_response {
            Self::Response(parse_status_line(&head.start, head.headers).map_err(drop)?)
        } else {
            match parse_request_line(&head.start, head.headers.clone()) {
                Ok(r) => Self::Request(r),
                Err(e) => {
                    return Err(Rejected {
                        error: e,
                        answer: answer_raw(&head.headers, e),
                    });
                }
            }
        };
        let result = (|| {
            let cl = content_length(msg.headers())?;
            let body = match cl {
                Some(n) if n > head.body.len() => {
                    return Err(ParseError::ContentLengthExceedsMessage);
                }
                Some(n) => &head.body[..n],
                None => head.body,
            };
            *msg.body_mut() = body.to_vec();
            match &msg {
                Self::Request(r) => r.check(),
                Self::Response(r) => r.check(),
            }
        })();
        match result {
            Ok(()) => Ok(msg),
            Err(e) => Err(Rejected {
                error: e,
                answer: if is_response {
                    None
                } else {
                    answer_raw(msg.headers(), e)
                },
            }),
        }
    }

    /// The headers.
    #[must_use]
    pub const fn headers(&self) -> &Headers {
        match self {
            Self::Request(r) => &r.headers,
            Self::Response(r) => &r.headers,
        }
    }

    /// The body.
    pub fn body_mut(&mut self) -> &mut Vec<u8> {
        match self {
            Self::Request(r) => &mut r.body,
            Self::Response(r) => &mut r.body,
        }
    }

    /// Serialises the message.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Request(r) => r.to_bytes(),
            Self::Response(r) => r.to_bytes(),
        }
    }
}

/// Builds the answer for a request that failed a check, if the headers needed for a
/// response (Via, From, To, Call-ID, CSeq) can be read (RFC 3261 §8.2.6.2).
fn answer_raw(h: &Headers, e: ParseError) -> Option<Response> {
    // Copied as received, even when malformed: the transport answers to the source address
    // when the top Via cannot be used (RFC 3581 behaviour), and the peer matches its
    // transaction by whatever it sent. Without any Via there is nothing to match: drop.
    let mut out = Headers::new();
    let mut any_via = false;
    for v in h.values(HeaderKind::Via) {
        out.push_kind(HeaderKind::Via, v);
        any_via = true;
    }
    if !any_via {
        return None;
    }
    for k in [
        HeaderKind::From,
        HeaderKind::To,
        HeaderKind::CallId,
        HeaderKind::CSeq,
    ] {
        if let Some(v) = h.values(k).next() {
            out.push_kind(k, v);
        }
    }
    let (status, reason) = e.status();
    Some(Response {
        status,
        reason: reason.to_owned(),
        headers: out,
        body: Vec::new(),
    })
}

fn parse_request_line(line: &str, headers: Headers) -> Result<Request, ParseError> {
    // Exactly `Method SP Request-URI SP SIP-Version` (RFC 3261 §7.1; RFC 4475 §3.1.2.8-10).
    let parts: Vec<&str> = line.split(' ').collect();
    let [m, u, v] = parts.as_slice() else {
        return Err(ParseError::BadStartLine);
    };
    if m.is_empty() || u.is_empty() || v.is_empty() || line.contains('\t') {
        return Err(ParseError::BadStartLine);
    }
    let method = Method::parse(m).ok_or(ParseError::BadMethod)?;
    if !is_sip_version(v) {
        return Err(if v.len() > 4 && v[..4].eq_ignore_ascii_case("SIP/") {
            ParseError::VersionNotSupported
        } else {
            ParseError::BadStartLine
        });
    }
    let uri = Uri::parse(u).map_err(|_| ParseError::BadRequestUri)?;
    Ok(Request {
        method,
        uri,
        headers,
        body: Vec::new(),
    })
}

fn is_sip_version(v: &str) -> bool {
    v.len() == 7 && v[..4].eq_ignore_ascii_case("SIP/") && &v[4..] == "2.0"
}

fn parse_status_line(line: &str, headers: Headers) -> Result<Response, ParseError> {
    let mut it = line.splitn(3, ' ');
    let (v, code, reason) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next());
    if !is_sip_version(v) {
        return Err(ParseError::VersionNotSupported);
    }
    let reason = reason.ok_or(ParseError::BadStartLine)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::BadStatusCode);
    }
    let status: u16 = code.parse().map_err(|_| ParseError::BadStatusCode)?;
    if !(100..=699).contains(&status) {
        return Err(ParseError::BadStatusCode);
    }
    Ok(Response {
        status,
        reason: reason.to_owned(),
        headers,
        body: Vec::new(),
    })
}

/// Typed access to the headers every message has; shared by [`Request`] and [`Response`].
pub trait HeaderAccess {
    /// The headers.
    fn hdrs(&self) -> &Headers;

    /// All Via values, top first.
    fn vias(&self) -> Result<Vec<Via>, ParseError> {
        self.hdrs()
            .elements(HeaderKind::Via)
            .map(Via::parse)
            .collect()
    }
    /// The top Via.
    fn top_via(&self) -> Result<Via, ParseError> {
        let v = self
            .hdrs()
            .elements(HeaderKind::Via)
            .next()
            .ok_or(ParseError::MissingHeader(HeaderKind::Via))?;
        Via::parse(v)
    }
    /// From.
    fn hdr_from(&self) -> Result<NameAddr, ParseError> {
        self.name_addr(HeaderKind::From)
    }
    /// To.
    fn hdr_to(&self) -> Result<NameAddr, ParseError> {
        self.name_addr(HeaderKind::To)
    }
    /// A single name-addr header (From, To, Refer-To, Referred-By).
    fn name_addr(&self, kind: HeaderKind) -> Result<NameAddr, ParseError> {
        let v = self
            .hdrs()
            .single(kind)?
            .ok_or(ParseError::MissingHeader(kind))?;
        NameAddr::parse(v, kind)
    }
    /// Call-ID (RFC 3261 §20.8: `word [@ word]`).
    fn call_id(&self) -> Result<&str, ParseError> {
        let v = self
            .hdrs()
            .single(HeaderKind::CallId)?
            .ok_or(ParseError::MissingHeader(HeaderKind::CallId))?;
        if v.is_empty() || v.contains(char::is_whitespace) || v.matches('@').count() > 1 {
            return Err(ParseError::BadHeader(HeaderKind::CallId));
        }
        Ok(v)
    }
    /// CSeq.
    fn cseq(&self) -> Result<CSeq, ParseError> {
        CSeq::parse(
            self.hdrs()
                .single(HeaderKind::CSeq)?
                .ok_or(ParseError::MissingHeader(HeaderKind::CSeq))?,
        )
    }
    /// Max-Forwards (0..=255, RFC 3261 §20.22).
    fn max_forwards(&self) -> Result<Option<u8>, ParseError> {
        self.hdrs()
            .single(HeaderKind::MaxForwards)?
            .map(|v| {
                parse_u32(v)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or(ParseError::BadHeader(HeaderKind::MaxForwards))
            })
            .transpose()
    }
    /// Expires (delta-seconds, 32 bits).
    fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.delta(HeaderKind::Expires)
    }
    /// A delta-seconds header (Expires, Min-Expires, RSeq, Min-SE).
    fn delta(&self, kind: HeaderKind) -> Result<Option<u32>, ParseError> {
        self.hdrs()
            .single(kind)?
            .map(|v| {
                let v = v.split(';').next().unwrap_or("").trim();
                parse_u32(v).ok_or(ParseError::BadHeader(kind))
            })
            .transpose()
    }
    /// All Contact values (`*` as [`Contact::Wildcard`]).
    fn contacts(&self) -> Result<Vec<Contact>, ParseError> {
        self.hdrs()
            .elements(HeaderKind::Contact)
            .map(|e| {
                if e == "*" {
                    Ok(Contact::Wildcard)
                } else {
                    NameAddr::parse(e, HeaderKind::Contact).map(Contact::Addr)
                }
            })
            .collect()
    }
    /// Route or Record-Route entries.
    fn routes(&self, kind: HeaderKind) -> Result<Vec<NameAddr>, ParseError> {
        self.hdrs()
            .elements(kind)
            .map(|e| NameAddr::parse(e, kind))
            .collect()
    }
    /// Content-Type.
    fn content_type(&self) -> Result<Option<MediaType>, ParseError> {
        self.hdrs()
            .single(HeaderKind::ContentType)?
            .map(|v| MediaType::parse(v, HeaderKind::ContentType))
            .transpose()
    }
    /// Token-list headers (Allow, Supported, Require, Proxy-Require, Unsupported).
    fn tokens(&self, kind: HeaderKind) -> Result<Vec<String>, ParseError> {
        self.hdrs()
            .elements(kind)
            .map(|t| {
                if is_token(t) {
                    Ok(t.to_owned())
                } else {
                    Err(ParseError::BadHeader(kind))
                }
            })
            .collect()
    }
    /// Authorization / Proxy-Authorization / WWW-Authenticate / Proxy-Authenticate values.
    fn auth(&self, kind: HeaderKind) -> Result<Vec<AuthHeader>, ParseError> {
        self.hdrs()
            .values(kind)
            .map(|v| AuthHeader::parse(v, kind))
            .collect()
    }
    /// RAck (RFC 3262).
    fn rack(&self) -> Result<Option<RAck>, ParseError> {
        self.hdrs()
            .single(HeaderKind::RAck)?
            .map(RAck::parse)
            .transpose()
    }
    /// Session-Expires (RFC 4028).
    fn session_expires(&self) -> Result<Option<SessionExpires>, ParseError> {
        self.hdrs()
            .single(HeaderKind::SessionExpires)?
            .map(SessionExpires::parse)
            .transpose()
    }
    /// Replaces (RFC 3891).
    fn replaces(&self) -> Result<Option<Replaces>, ParseError> {
        self.hdrs()
            .single(HeaderKind::Replaces)?
            .map(Replaces::parse)
            .transpose()
    }

    /// The checks common to requests and responses: mandatory headers present once and
    /// well-formed (RFC 3261 §8.1.1; RFC 4475 §3.1.2.4/5, §3.3.1, §3.3.8, §3.3.9).
    fn check_common(&self) -> Result<(), ParseError> {
        let h = self.hdrs();
        for k in [
            HeaderKind::From,
            HeaderKind::To,
            HeaderKind::CallId,
            HeaderKind::CSeq,
        ] {
            h.single(k)?.ok_or(ParseError::MissingHeader(k))?;
        }
        for k in [
            HeaderKind::ContentLength,
            HeaderKind::ContentType,
            HeaderKind::MaxForwards,
            HeaderKind::Expires,
        ] {
            h.single(k)?;
        }
        if self.vias()?.is_empty() {
            return Err(ParseError::MissingHeader(HeaderKind::Via));
        }
        self.hdr_from()?;
        self.hdr_to()?;
        self.call_id()?;
        self.cseq()?;
        self.max_forwards()?;
        self.expires()?;
        self.content_type()?;
        self.contacts()?;
        Ok(())
    }
}

impl HeaderAccess for Request {
    fn hdrs(&self) -> &Headers {
        &self.headers
    }
}

impl HeaderAccess for Response {
    fn hdrs(&self) -> &Headers {
        &self.headers
    }
}

impl Request {
    /// A request with no headers.
    #[must_use]
    pub fn new(method: Method, uri: Uri) -> Self {
        Self {
            method,
            uri,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// Syntax checks this crate adds on top of parsing: the common ones plus CSeq method
    /// equal to the request method (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17/18).
    pub fn check(&self) -> Result<(), ParseError> {
        self.check_common()?;
        if self.cseq()?.method != self.method {
            return Err(ParseError::CSeqMethodMismatch);
        }
        Ok(())
    }

    /// A response to this request (RFC 3261 §8.2.6.2): Via, From, To, Call-ID and CSeq
    /// copied; `to_tag` added to To when it has none.
    #[must_use]
    pub fn response(&self, status: u16, reason: &str, to_tag: Option<&str>) -> Response {
        let mut h = Headers::new();
        for v in self.headers.values(HeaderKind::Via) {
            h.push_kind(HeaderKind::Via, v);
        }
        for k in [
            HeaderKind::From,
            HeaderKind::To,
            HeaderKind::CallId,
            HeaderKind::CSeq,
        ] {
            if let Some(v) = self.headers.values(k).next() {
                let mut v = v.to_owned();
                if k == HeaderKind::To
                    && let Some(tag) = to_tag
                    && self.hdr_to().is_ok_and(|t| t.tag().is_none())
                {
                    v.push_str(";tag=");
                    v.push_str(tag);
                }
                h.push_kind(k, v);
            }
        }
        Response {
            status,
            reason: reason.to_owned(),
            headers: h,
            body: Vec::new(),
        }
    }

    /// Serialises (Content-Length set from the body).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} SIP/2.0\r\n", self.method, self.uri).into_bytes();
        emit_tail(&mut out, &self.headers, &self.body);
        out
    }
}

impl Response {
    /// Checks a received response (drop on error, RFC 4475 §3.1.2.5).
    pub fn check(&self) -> Result<(), ParseError> {
        self.check_common()
    }

    /// Serialises (Content-Length set from the body).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("SIP/2.0 {} {}\r\n", self.status, self.reason).into_bytes();
        emit_tail(&mut out, &self.headers, &self.body);
        out
    }
}

fn emit_tail(out: &mut Vec<u8>, headers: &Headers, body: &[u8]) {
    for h in headers.iter() {
        if HeaderKind::from_name(&h.name) == Some(HeaderKind::ContentLength) {
            continue;
        }
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}
