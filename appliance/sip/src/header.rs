//! Header fields: names (with RFC 3261 §7.3.3 compact forms), the ordered header list, and
//! typed values for the headers a UA/B2BUA needs.

use crate::error::ParseError;
use crate::uri::Uri;

macro_rules! header_kinds {
    ($($(#[$m:meta])* $v:ident = $name:literal $(, $compact:literal)?;)*) => {
        /// Headers this crate knows by name. The display form is the canonical name.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum HeaderKind {
            $($(#[$m])* $v,)*
        }
        impl HeaderKind {
            /// The canonical header name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$v => $name,)* }
            }
            /// The kind for a header name (case-insensitive, compact forms included).
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                $(
                    if name.eq_ignore_ascii_case($name) $(|| name.eq_ignore_ascii_case($compact))? {
                        return Some(Self::$v);
                    }
                )*
                None
            }
        }
    };
}

header_kinds! {
    /// Via (RFC 3261 §20.42), compact `v`.
    Via = "Via", "v";
    /// From (§20.20), compact `f`.
    From = "From", "f";
    /// To (§20.39), compact `t`.
    To = "To", "t";
    /// Call-ID (§20.8), compact `i`.
    CallId = "Call-ID", "i";
    /// CSeq (§20.16).
    CSeq = "CSeq";
    /// Max-Forwards (§20.22).
    MaxForwards = "Max-Forwards";
    /// Contact (§20.10), compact `m`.
    Contact = "Contact", "m";
    /// Route (§20.34).
    Route = "Route";
    /// Record-Route (§20.30).
    RecordRoute = "Record-Route";
    /// Content-Length (§20.14), compact `l`.
    ContentLength = "Content-Length", "l";
    /// Content-Type (§20.15), compact `c`.
    ContentType = "Content-Type", "c";
    /// Content-Encoding (§20.12), compact `e`.
    ContentEncoding = "Content-Encoding", "e";
    /// Expires (§20.19).
    Expires = "Expires";
    /// Min-Expires (§20.23).
    MinExpires = "Min-Expires";
    /// Authorization (§20.7).
    Authorization = "Authorization";
    /// Proxy-Authorization (§20.28).
    ProxyAuthorization = "Proxy-Authorization";
    /// WWW-Authenticate (§20.44).
    WwwAuthenticate = "WWW-Authenticate";
    /// Proxy-Authenticate (§20.27).
    ProxyAuthenticate = "Proxy-Authenticate";
    /// Allow (§20.5).
    Allow = "Allow";
    /// Accept (§20.1).
    Accept = "Accept";
    /// Supported (§20.37), compact `k`.
    Supported = "Supported", "k";
    /// Require (§20.32).
    Require = "Require";
    /// Proxy-Require (§20.29).
    ProxyRequire = "Proxy-Require";
    /// Unsupported (§20.40).
    Unsupported = "Unsupported";
    /// Subject (§20.36), compact `s`.
    Subject = "Subject", "s";
    /// Event (RFC 6665), compact `o`.
    Event = "Event", "o";
    /// RAck (RFC 3262 §7.2).
    RAck = "RAck";
    /// RSeq (RFC 3262 §7.1).
    RSeq = "RSeq";
    /// Session-Expires (RFC 4028 §4), compact `x`.
    SessionExpires = "Session-Expires", "x";
    /// Min-SE (RFC 4028 §5).
    MinSe = "Min-SE";
    /// Refer-To (RFC 3515 §2.1), compact `r`.
    ReferTo = "Refer-To", "r";
    /// Referred-By (RFC 3892), compact `b`.
    ReferredBy = "Referred-By", "b";
    /// Replaces (RFC 3891 §6.1).
    Replaces = "Replaces";
    /// Allow-Events (RFC 6665), compact `u`.
    AllowEvents = "Allow-Events", "u";
    /// User-Agent (§20.41).
    UserAgent = "User-Agent";
    /// Server (§20.35).
    Server = "Server";
    /// Date (§20.17).
    Date = "Date";
    /// Retry-After (§20.33).
    RetryAfter = "Retry-After";
}

impl core::fmt::Display for HeaderKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl HeaderKind {
    /// Headers that may appear once only (RFC 3261 §7.3.1: only list headers may repeat).
    #[must_use]
    pub const fn is_single(self) -> bool {
        matches!(
            self,
            Self::From
                | Self::To
                | Self::CallId
                | Self::CSeq
                | Self::MaxForwards
                | Self::ContentLength
                | Self::ContentType
                | Self::Expires
                | Self::MinExpires
                | Self::RSeq
                | Self::RAck
                | Self::SessionExpires
                | Self::MinSe
                | Self::ReferTo
                | Self::Replaces
        )
    }
}

/// One header field as received: canonical name for known headers (compact forms
/// expanded), the name as received otherwise, and the unfolded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header name.
    pub name: String,
    /// The value, line folding replaced by one space, outer whitespace trimmed.
    pub value: String,
}

/// The header fields of a message, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers(pub(crate) Vec<Header>);

impl Headers {
    /// An empty list.
    #[must_use]
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a header (known names are stored in canonical form).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        let name =
            HeaderKind::from_name(name).map_or_else(|| name.to_owned(), |k| k.name().to_owned());
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Appends a known header.
    pub fn push_kind(&mut self, kind: HeaderKind, value: impl Into<String>) {
        self.0.push(Header {
            name: kind.name().to_owned(),
            value: value.into(),
        });
    }

    /// Removes every header of this kind.
    pub fn remove(&mut self, kind: HeaderKind) {
        self.0
            .retain(|h| HeaderKind::from_name(&h.name) != Some(kind));
    }

    /// Replaces every header of this kind by one with this value.
    pub fn set(&mut self, kind: HeaderKind, value: impl Into<String>) {
        self.remove(kind);
        self.push_kind(kind, value);
    }

    /// All headers in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    /// The values of every header of this kind, in order.
    pub fn values(&self, kind: HeaderKind) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |h| HeaderKind::from_name(&h.name) == Some(kind))
            .map(|h| h.value.as_str())
    }

    /// The values of every header with this (unknown) name, case-insensitive.
    pub fn values_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The value of a single-value header; an error when repeated.
    pub fn single(&self, kind: HeaderKind) -> Result<Option<&str>, ParseError> {
        let mut it = self.values(kind);
        let first = it.next();
        if it.next().is_some() {
            return Err(ParseError::DuplicateHeader(kind));
        }
        Ok(first)
    }

    /// Every comma-separated element of every header of this kind (RFC 3261 §7.3.1),
    /// commas inside quotes or `<>` kept.
    pub fn elements(&self, kind: HeaderKind) -> impl Iterator<Item = &str> {
        self.values(kind).flat_map(split_commas)
    }
}

/// Splits a header value at commas outside quoted strings and `<...>`.
pub(crate) fn split_commas(value: &str) -> impl Iterator<Item = &str> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut escape, mut start) = (false, false, false, 0);
    for (i, c) in value.char_indices() {
        if escape {
            escape = false;
            continue;
        }
        match c {
            '\\' if quoted => escape = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value[start..].trim());
    parts.into_iter().filter(|p| !p.is_empty())
}

/// RFC 3261 §25.1 `token` characters.
#[must_use]
pub(crate) fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

/// Whether `s` is a non-empty token.
#[must_use]
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
}

/// A generic parameter `name[=value]` (value without quotes; quoted values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Parameter name as received.
    pub name: String,
    /// Value, if any.
    pub value: Option<String>,
}

/// A list of `;name[=value]` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(pub Vec<Param>);

impl Params {
    /// The value of a parameter (case-insensitive name); `Some(None)` for a flag.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_deref())
    }

    /// Sets (or adds) a parameter.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        if let Some(p) = self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            p.value = value;
        } else {
            self.0.push(Param {
                name: name.to_owned(),
                value,
            });
        }
    }

    /// Parses `;a=b;c` (text starting at the first `;`, or empty). LWS around `;` and `=` allowed.
    pub(crate) fn parse(mut s: &str, kind: HeaderKind) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(kind);
        let mut out = Vec::new();
        s = s.trim();
        while !s.is_empty() {
            s = s.strip_prefix(';').ok_or(bad)?.trim_start();
            let end = s.find([';', '=']).unwrap_or(s.len());
            let name = s[..end].trim();
            if !is_token(name) {
                return Err(bad);
            }
            s = s[end..].trim_start();
            let value = if let Some(rest) = s.strip_prefix('=') {
                let rest = rest.trim_start();
                if let Some(q) = rest.strip_prefix('"') {
                    let (v, after) = take_quoted(q).ok_or(bad)?;
                    s = after.trim_start();
                    Some(v)
                } else {
                    let end = rest.find(';').unwrap_or(rest.len());
                    let v = rest[..end].trim();
                    if v.is_empty() || v.contains(char::is_whitespace) {
                        return Err(bad);
                    }
                    s = &rest[end..];
                    Some(v.to_owned())
                }
            } else {
                None
            };
            out.push(Param {
                name: name.to_owned(),
                value,
            });
        }
        Ok(Self(out))
    }
}

impl core::fmt::Display for Params {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for p in &self.0 {
            match &p.value {
                Some(v) if v.chars().all(|c| is_token_char(c) || ":[]".contains(c)) => {
                    write!(f, ";{}={v}", p.name)?;
                }
                Some(v) => write!(f, ";{}=\"{}\"", p.name, escape_quoted(v))?,
                None => write!(f, ";{}", p.name)?,
            }
        }
        Ok(())
    }
}

/// Reads a quoted string body (after the opening quote); returns the unescaped text and the rest.
pub(crate) fn take_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, &s[i + 1..])),
            _ => out.push(c),
        }
    }
    None
}

pub(crate) fn escape_quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Via (RFC 3261 §20.42, RFC 3581 `rport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Transport, upper-cased (`UDP`, `TCP`, `TLS`, or unknown ones, RFC 4475 §3.1.1.10).
    pub transport: String,
    /// sent-by host (IPv6 with brackets).
    pub host: String,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, others).
    pub params: Params,
}

/// The RFC 3261 §8.1.1.7 magic cookie that marks a branch as unique.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

impl Via {
    /// Parses one via-parm. LWS is allowed around `/` (RFC 4475 §3.1.1.1).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(HeaderKind::Via);
        let mut rest = s.trim();
        let mut proto = Vec::new();
        for i in 0..3 {
            let end = if i < 2 {
                rest.find('/').ok_or(bad)?
            } else {
                rest.find(char::is_whitespace).ok_or(bad)?
            };
            let part = rest[..end].trim();
            if !is_token(part) {
                return Err(bad);
            }
            proto.push(part);
            rest = rest[end..].trim_start();
            if i < 2 {
                rest = rest[1..].trim_start();
            }
        }
        if !proto[0].eq_ignore_ascii_case("SIP") || proto[1] != "2.0" {
            return Err(bad);
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let (host, port) = parse_host_port(rest[..end].trim()).ok_or(bad)?;
        let params = Params::parse(&rest[end..], HeaderKind::Via)?;
        if let Some(Some(p)) = params.get("rport") {
            p.parse::<u16>().map_err(|_| bad)?;
        }
        Ok(Self {
            transport: proto[2].to_ascii_uppercase(),
            host,
            port,
            params,
        })
    }

    /// The branch parameter.
    #[must_use]
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch").flatten()
    }

    /// The `received` parameter (RFC 3261 §18.2.1).
    #[must_use]
    pub fn received(&self) -> Option<&str> {
        self.params.get("received").flatten()
    }

    /// The `rport` parameter: `Some(None)` when present without a value (RFC 3581 §3).
    #[must_use]
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }
}

impl core::fmt::Display for Via {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

/// Parses `host[:port]`, host being a name, IPv4 or `[IPv6]`.
pub(crate) fn parse_host_port(s: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let end = v6.find(']')?;
        v6[..end].parse::<std::net::Ipv6Addr>().ok()?;
        let after = &v6[end + 1..];
        (
            &s[..end + 2],
            if after.is_empty() {
                None
            } else {
                Some(after.strip_prefix(':')?)
            },
        )
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty()
        || !(host.starts_with('[')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return None;
    }
    let port = match port {
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((host.to_owned(), port))
}

/// name-addr or addr-spec with header parameters: From, To, Contact, Route, Record-Route,
/// Refer-To (RFC 3261 §20.10, §25.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted.
    pub display: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters (after the URI, outside `<>`).
    pub params: Params,
}

impl NameAddr {
    /// Parses one element. Strict per RFC 3261 §25.1 (see docs/sip-conformance.md):
    /// unquoted display names must be tokens (RFC 4475 §3.1.2.15), no LWS inside `<>`
    /// (§3.1.2.14), an addr-spec outside `<>` must not hold `?`, `;` in its URI or `,`
    /// (§3.1.2.13), quotes must balance (§3.1.2.6).
    pub fn parse(s: &str, kind: HeaderKind) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(kind);
        let s = s.trim();
        let (display, uri, rest) = if let Some(q) = s.strip_prefix('"') {
            let (d, after) = take_quoted(q).ok_or(bad)?;
            let after = after.trim_start();
            let inner = after.strip_prefix('<').ok_or(bad)?;
            let end = inner.find('>').ok_or(bad)?;
            (Some(d), &inner[..end], &inner[end + 1..])
        } else if let Some(lt) = s.find('<') {
            let d = s[..lt].trim();
            if d.contains('"') {
                return Err(bad);
            }
            if !d.is_empty() && !d.split_whitespace().all(is_token) {
                return Err(bad);
            }
            let inner = &s[lt + 1..];
            let end = inner.find('>').ok_or(bad)?;
            (
                if d.is_empty() {
                    None
                } else {
                    Some(d.to_owned())
                },
                &inner[..end],
                &inner[end + 1..],
            )
        } else {
            if s.contains('"') || s.contains('>') {
                return Err(bad);
            }
            let end = s.find(';').unwrap_or(s.len());
            let u = s[..end].trim();
            if u.contains('?') || u.contains(',') {
                return Err(bad);
            }
            (None, u, &s[end..])
        };
        if uri.contains(char::is_whitespace) {
            return Err(bad);
        }
        let uri = Uri::parse(uri).map_err(|_| bad)?;
        let params = Params::parse(rest, kind)?;
        Ok(Self {
            display,
            uri,
            params,
        })
    }

    /// The `tag` parameter (From/To, RFC 3261 §19.3).
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag").flatten()
    }

    /// The `expires` parameter (Contact, §20.10).
    #[must_use]
    pub fn expires(&self) -> Option<u32> {
        self.params
            .get("expires")
            .flatten()
            .and_then(|v| v.parse().ok())
    }
}

impl core::fmt::Display for NameAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "\"{}\" ", escape_quoted(d))?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// Contact value: `*` or a list of addresses (RFC 3261 §20.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *` (REGISTER removal of all bindings, §10.2.2).
    Wildcard,
    /// One contact address.
    Addr(NameAddr),
}

/// CSeq (RFC 3261 §20.16): sequence number (32 bits) and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number.
    pub seq: u32,
    /// Method.
    pub method: crate::Method,
}

impl CSeq {
    /// Parses `1*DIGIT LWS Method`; numbers beyond 2^32-1 are refused (RFC 4475 §3.1.2.4).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(HeaderKind::CSeq);
        let mut it = s.split_whitespace();
        let (n, m) = (it.next().ok_or(bad)?, it.next().ok_or(bad)?);
        if it.next().is_some() {
            return Err(bad);
        }
        Ok(Self {
            seq: parse_u32(n).ok_or(bad)?,
            method: crate::Method::parse(m).ok_or(bad)?,
        })
    }
}

impl core::fmt::Display for CSeq {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// Parses 1*DIGIT into a u32 (leading zeros allowed, RFC 4475 §3.1.1.1).
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = s.trim_start_matches('0');
    if t.len() > 10 {
        return None;
    }
    if t.is_empty() {
        Some(0)
    } else {
        t.parse().ok()
    }
}

/// A credentials or challenge header: `scheme` followed by `name=value` pairs
/// (RFC 3261 §20.7, §20.44, RFC 7616 §3.3/§3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthHeader {
    /// The scheme (`Digest`, or unknown ones, RFC 4475 §3.3.7).
    pub scheme: String,
    /// The parameters, values unquoted.
    pub params: Vec<(String, String)>,
}

impl AuthHeader {
    /// Parses a challenge or credentials value.
    pub fn parse(s: &str, kind: HeaderKind) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(kind);
        let s = s.trim();
        let end = s.find(char::is_whitespace).unwrap_or(s.len());
        let scheme = &s[..end];
        if !is_token(scheme) {
            return Err(bad);
        }
        let mut params = Vec::new();
        let mut rest = s[end..].trim_start();
        while !rest.is_empty() {
            let eq = rest.find('=').ok_or(bad)?;
            let name = rest[..eq].trim();
            if !is_token(name) {
                return Err(bad);
            }
            let v = rest[eq + 1..].trim_start();
            let (value, after) = if let Some(q) = v.strip_prefix('"') {
                take_quoted(q).ok_or(bad)?
            } else {
                let e = v.find(',').unwrap_or(v.len());
                (v[..e].trim().to_owned(), &v[e..])
            };
            params.push((name.to_ascii_lowercase(), value));
            rest = after.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r.trim_start();
            } else if !rest.is_empty() {
                return Err(bad);
            }
        }
        Ok(Self {
            scheme: scheme.to_owned(),
            params,
        })
    }

    /// A parameter value by (lower-case) name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// RAck (RFC 3262 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RAck {
    /// RSeq of the acknowledged provisional response.
    pub rseq: u32,
    /// CSeq number of the INVITE.
    pub cseq: u32,
    /// CSeq method.
    pub method: crate::Method,
}

impl RAck {
    /// Parses `response-num LWS CSeq-num LWS Method`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(HeaderKind::RAck);
        let v: Vec<&str> = s.split_whitespace().collect();
        let [r, c, m] = v.as_slice() else {
            return Err(bad);
        };
        Ok(Self {
            rseq: parse_u32(r).ok_or(bad)?,
            cseq: parse_u32(c).ok_or(bad)?,
            method: crate::Method::parse(m).ok_or(bad)?,
        })
    }
}

/// Session-Expires (RFC 4028 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpires {
    /// Interval in seconds.
    pub delta: u32,
    /// `refresher=uac` → `Some(true)`, `uas` → `Some(false)`.
    pub refresher_uac: Option<bool>,
}

impl SessionExpires {
    /// Parses `delta-seconds *(;se-params)`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(HeaderKind::SessionExpires);
        let end = s.find(';').unwrap_or(s.len());
        let delta = parse_u32(s[..end].trim()).ok_or(bad)?;
        let params = Params::parse(&s[end..], HeaderKind::SessionExpires)?;
        let refresher_uac = match params.get("refresher").flatten() {
            Some(r) if r.eq_ignore_ascii_case("uac") => Some(true),
            Some(r) if r.eq_ignore_ascii_case("uas") => Some(false),
            Some(_) => return Err(bad),
            None => None,
        };
        Ok(Self {
            delta,
            refresher_uac,
        })
    }
}

/// Replaces (RFC 3891 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaces {
    /// Call-ID of the dialog to replace.
    pub call_id: String,
    /// to-tag.
    pub to_tag: String,
    /// from-tag.
    pub from_tag: String,
    /// `early-only` flag.
    pub early_only: bool,
}

impl Replaces {
    /// Parses `callid *(;param)`; to-tag and from-tag are mandatory.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(HeaderKind::Replaces);
        let end = s.find(';').unwrap_or(s.len());
        let call_id = s[..end].trim();
        if call_id.is_empty() || call_id.contains(char::is_whitespace) {
            return Err(bad);
        }
        let p = Params::parse(&s[end..], HeaderKind::Replaces)?;
        Ok(Self {
            call_id: call_id.to_owned(),
            to_tag: p.get("to-tag").flatten().ok_or(bad)?.to_owned(),
            from_tag: p.get("from-tag").flatten().ok_or(bad)?.to_owned(),
            early_only: p.get("early-only").is_some(),
        })
    }
}

/// Content-Type / Accept media type (RFC 3261 §20.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// Type, lower-cased.
    pub kind: String,
    /// Subtype, lower-cased.
    pub subtype: String,
    /// Parameters.
    pub params: Params,
}

impl MediaType {
    /// Parses `type/subtype *(;param)`.
    pub fn parse(s: &str, kind: HeaderKind) -> Result<Self, ParseError> {
        let bad = ParseError::BadHeader(kind);
        let end = s.find(';').unwrap_or(s.len());
        let (t, st) = s[..end].split_once('/').ok_or(bad)?;
        let (t, st) = (t.trim(), st.trim());
        if !(is_token(t) || t == "*") || !(is_token(st) || st == "*") {
            return Err(bad);
        }
        Ok(Self {
            kind: t.to_ascii_lowercase(),
            subtype: st.to_ascii_lowercase(),
            params: Params::parse(&s[end..], kind)?,
        })
    }

    /// `type/subtype` without parameters.
    #[must_use]
    pub fn essence(&self) -> String {
        format!("{}/{}", self.kind, self.subtype)
    }
}
