//! Typed errors of the message layer, each mapped to the answer RFC 3261 expects.

use crate::header::HeaderKind;

/// Why a message was refused by the parser (RFC 3261 §7, §25; RFC 4475 §3.1.2).
///
/// A request that fails with one of these is answered with [`ParseError::status`] when
/// enough of it was understood to build a response ([`crate::Message::parse`] says when);
/// a response that fails is dropped (RFC 3261 §18.1.2 gives no way to answer a response).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No empty line (CRLF CRLF) ends the header section.
    #[error("no empty line ends the header section")]
    NoHeaderEnd,
    /// The start line and headers are not UTF-8 (RFC 3261 §7.3: header values are UTF-8).
    #[error("header section is not UTF-8")]
    NotUtf8,
    /// The start line is neither a Request-Line nor a Status-Line (RFC 3261 §7.1, §7.2):
    /// wrong number of single spaces, trailing space, empty element.
    #[error("malformed start line")]
    BadStartLine,
    /// The method is not a token (RFC 3261 §25.1).
    #[error("method is not a token")]
    BadMethod,
    /// The Request-URI is not an absolute URI (RFC 3261 §19.1; `<>` or LWS in it: RFC 4475 §3.1.2.7/8).
    #[error("malformed Request-URI")]
    BadRequestUri,
    /// The SIP-Version is not SIP/2.0 (RFC 3261 §8.2.2: answer 505).
    #[error("SIP version not supported")]
    VersionNotSupported,
    /// The status code is not three digits in 100..=699 (RFC 3261 §7.2, RFC 4475 §3.1.2.19).
    #[error("status code outside 100-699")]
    BadStatusCode,
    /// A header line has no name or no colon (RFC 3261 §7.3.1).
    #[error("malformed header line")]
    BadHeaderLine,
    /// A header value does not follow its grammar.
    #[error("malformed {0} header")]
    BadHeader(HeaderKind),
    /// A header allowed once appears more than once (RFC 4475 §3.3.8, §3.3.9).
    #[error("more than one {0} header")]
    DuplicateHeader(HeaderKind),
    /// A mandatory header is missing (RFC 3261 §8.1.1, RFC 4475 §3.3.1).
    #[error("missing {0} header")]
    MissingHeader(HeaderKind),
    /// Content-Length says more bytes than the datagram holds (RFC 3261 §18.3, RFC 4475 §3.1.2.2).
    #[error("Content-Length larger than the message")]
    ContentLengthExceedsMessage,
    /// The CSeq method is not the request method (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17).
    #[error("CSeq method differs from the request method")]
    CSeqMethodMismatch,
    /// The message is larger than the configured maximum.
    #[error("message larger than the limit")]
    TooLarge,
}

impl ParseError {
    /// The status code and reason phrase to answer a request that failed with this error.
    #[must_use]
    pub const fn status(self) -> (u16, &'static str) {
        match self {
            Self::VersionNotSupported => (505, "Version Not Supported"),
            Self::TooLarge => (513, "Message Too Large"),
            Self::BadHeader(_) => (400, "Bad Request (malformed header)"),
            Self::DuplicateHeader(_) => (400, "Bad Request (duplicate single-value header)"),
            Self::MissingHeader(_) => (400, "Bad Request (missing mandatory header)"),
            Self::ContentLengthExceedsMessage => (400, "Bad Request (Content-Length too large)"),
            Self::CSeqMethodMismatch => (400, "Bad Request (CSeq method mismatch)"),
            Self::BadRequestUri => (400, "Bad Request (malformed Request-URI)"),
            _ => (400, "Bad Request"),
        }
    }
}

/// Errors of the stream (TCP) framer.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// The header section grew past the limit before its empty line arrived.
    #[error("header section larger than the limit")]
    HeadersTooLarge,
    /// Content-Length is missing, malformed or repeated: a stream cannot be framed (RFC 3261 §18.3).
    #[error("no usable Content-Length on a stream transport")]
    BadContentLength,
    /// Content-Length is larger than the limit.
    #[error("body larger than the limit")]
    BodyTooLarge,
}
