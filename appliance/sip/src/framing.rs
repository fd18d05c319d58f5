//! Sans-IO framing of SIP over a byte stream (TCP/TLS, RFC 3261 §18.3): messages are cut
//! by Content-Length, CRLF keep-alives (RFC 5626 §3.5.1) are recognised, sizes are bounded.
//!
//! Feed bytes with [`StreamDecoder::push`], then take items with [`StreamDecoder::poll`]
//! until it returns `Ok(None)`. After an error the connection should be closed: the
//! stream position is lost.

use crate::error::FramingError;
use crate::header::{HeaderKind, parse_u32};

/// What the decoder found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// A double-CRLF keep-alive ping: answer with a single CRLF pong (RFC 5626 §3.5.1).
    Ping,
    /// A single CRLF pong.
    Pong,
    /// One complete message's bytes (parse with [`crate::Message::parse`]).
    Message(Vec<u8>),
}

/// Stream decoder with limits.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    buf: Vec<u8>,
    max_headers: usize,
    max_body: usize,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new(16 * 1024, 64 * 1024)
    }
}

impl StreamDecoder {
    /// A decoder that refuses header sections over `max_headers` and bodies over `max_body` bytes.
    #[must_use]
    pub const fn new(max_headers: usize, max_body: usize) -> Self {
        Self {
            buf: Vec::new(),
            max_headers,
            max_body,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered and not yet returned.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next item, `Ok(None)` when more bytes are needed.
    pub fn poll(&mut self) -> Result<Option<StreamItem>, FramingError> {
        if self.buf.starts_with(b"\r\n\r\n") {
            self.buf.drain(..4);
            return Ok(Some(StreamItem::Ping));
        }
        if self.buf.starts_with(b"\r\n") {
            if self.buf.len() < 4 && b"\r\n\r\n".starts_with(&self.buf) {
                // Could be the start of a ping split across segments: wait for more bytes.
                return Ok(None);
            }
            self.buf.drain(..2);
            return Ok(Some(StreamItem::Pong));
        }
        let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            if self.buf.len() > self.max_headers {
                return Err(FramingError::HeadersTooLarge);
            }
            return Ok(None);
        };
        if end > self.max_headers {
            return Err(FramingError::HeadersTooLarge);
        }
        let head =
            core::str::from_utf8(&self.buf[..end]).map_err(|_| FramingError::BadContentLength)?;
        let mut len = None;
        for line in head.split("\r\n").skip(1) {
            if line.starts_with([' ', '\t']) {
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if HeaderKind::from_name(name.trim()) == Some(HeaderKind::ContentLength) {
                if len.is_some() {
                    return Err(FramingError::BadContentLength);
                }
                len = Some(parse_u32(value.trim()).ok_or(FramingError::BadContentLength)? as usize);
            }
        }
        let len = len.ok_or(FramingError::BadContentLength)?;
        if len > self.max_body {
            return Err(FramingError::BodyTooLarge);
        }
        let total = end + 4 + len;
        if self.buf.len() < total {
            return Ok(None);
        }
        let msg: Vec<u8> = self.buf.drain(..total).collect();
        Ok(Some(StreamItem::Message(msg)))
    }
}
