//! URIs (RFC 3261 §19.1, RFC 3966 `tel:`); `sip:`/`sips:` host and port are checked with
//! rsip's URI parser, kept private to this module.

use crate::header::{HeaderKind, Params, is_token_char, parse_host_port};

/// URI scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
    /// `tel:` (RFC 3966)
    Tel,
    /// Any other absolute-URI scheme (kept lower-case).
    Other(String),
}

/// Why a URI was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// No `scheme:` prefix.
    #[error("no scheme")]
    NoScheme,
    /// Whitespace, `<`, `>` or `"` inside the URI.
    #[error("forbidden character in URI")]
    BadChar,
    /// sip/sips URI whose host, port or parameters do not parse.
    #[error("malformed SIP URI")]
    BadSipUri,
}

/// An absolute URI; for `sip:`/`sips:` the parts are split out (user, host, port,
/// parameters, headers), escapes kept as received (RFC 3261 §19.1.4 compares unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// The scheme.
    pub scheme: Scheme,
    /// userinfo user part (before `:password`), escapes kept; may contain `;` (RFC 4475 §3.1.1.9).
    pub user: Option<String>,
    /// Password part of userinfo (discouraged, RFC 3261 §19.1.1).
    pub password: Option<String>,
    /// Host (IPv6 with brackets); for non-SIP schemes, everything after the colon.
    pub host: String,
    /// Port.
    pub port: Option<u16>,
    /// uri-parameters.
    pub params: Params,
    /// Raw `?headers` part without the `?`.
    pub headers: Option<String>,
}

impl Uri {
    /// Parses an absolute URI.
    pub fn parse(s: &str) -> Result<Self, UriError> {
        if s.is_empty()
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\"".contains(c))
        {
            return Err(UriError::BadChar);
        }
        let (scheme, rest) = s.split_once(':').ok_or(UriError::NoScheme)?;
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(UriError::NoScheme);
        }
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "sip" => Scheme::Sip,
            "sips" => Scheme::Sips,
            "tel" => Scheme::Tel,
            other => Scheme::Other(other.to_owned()),
        };
        if !matches!(scheme, Scheme::Sip | Scheme::Sips) {
            if rest.is_empty() {
                return Err(UriError::NoScheme);
            }
            return Ok(Self {
                scheme,
                user: None,
                password: None,
                host: rest.to_owned(),
                port: None,
                params: Params::default(),
                headers: None,
            });
        }
        // The last `@` ends the userinfo: `@` is never legal unescaped in parameters or
        // headers, while `?` and `,` are legal in the user part (RFC 4475 §3.1.1.2).
        let (userinfo, after) = match rest.rfind('@') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        let (hostpart, headers) = match after.split_once('?') {
            Some((b, h)) => (b, Some(h.to_owned())),
            None => (after, None),
        };
        let (user, password) = match userinfo {
            Some(u) => {
                let (user, pw) = match u.split_once(':') {
                    Some((a, b)) => (a, Some(b.to_owned())),
                    None => (u, None),
                };
                if user.is_empty()
                    || !user
                        .chars()
                        .all(|c| is_token_char(c) || "&=+$,;?/%()".contains(c))
                {
                    return Err(UriError::BadSipUri);
                }
                (Some(user.to_owned()), pw)
            }
            None => (None, None),
        };
        let pend = hostpart.find(';').unwrap_or(hostpart.len());
        let (host, port) = parse_host_port(&hostpart[..pend]).ok_or(UriError::BadSipUri)?;
        // rsip checks the host-port grammar too (IPv4/IPv6/domain); both must agree.
        let probe = format!("sip:{}", &hostpart[..pend]);
        let r = rsip::Uri::try_from(probe.as_str()).map_err(|_| UriError::BadSipUri)?;
        if r.port().map(|p| *p.value()) != port {
            return Err(UriError::BadSipUri);
        }
        let params = Params::parse(&hostpart[pend..], HeaderKind::Contact)
            .map_err(|_| UriError::BadSipUri)?;
        Ok(Self {
            scheme,
            user,
            password,
            host,
            port,
            params,
            headers,
        })
    }

    /// `sip:`/`sips:` URI.
    #[must_use]
    pub const fn is_sip(&self) -> bool {
        matches!(self.scheme, Scheme::Sip | Scheme::Sips)
    }

    /// A `sip:user@host[:port]` URI.
    #[must_use]
    pub fn sip(user: Option<&str>, host: &str, port: Option<u16>) -> Self {
        Self {
            scheme: Scheme::Sip,
            user: user.map(str::to_owned),
            password: None,
            host: host.to_owned(),
            port,
            params: Params::default(),
            headers: None,
        }
    }
}

impl core::fmt::Display for Uri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.scheme {
            Scheme::Sip => f.write_str("sip:")?,
            Scheme::Sips => f.write_str("sips:")?,
            Scheme::Tel => return write!(f, "tel:{}", self.host),
            Scheme::Other(s) => return write!(f, "{s}:{}", self.host),
        }
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)?;
        if let Some(h) = &self.headers {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}
