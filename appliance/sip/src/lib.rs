//! # sip: SIP signalling, sans-IO
//!
//! **What it is:** the SIP protocol logic of the appliance, with no sockets and no clock:
//! - [`message`]: SIP messages (RFC 3261 §7) behind our own types ([`Message`], [`Request`],
//!   [`Response`], [`Uri`], typed headers in [`header`]). rsip 0.4 checks URI host/port
//!   grammar inside [`uri`]; its types never leave this crate. The checks of RFC 3261 and the
//!   RFC 4475 torture messages are listed in docs/sip-conformance.md;
//! - [`framing`]: a sans-IO stream decoder for TCP (Content-Length framing, CRLF keep-alive,
//!   size limits).
//!
//! **What it is not:** no transport (the daemon owns UDP/TCP sockets), no DNS (RFC 3263),
//! no TLS, no RTP, no time source (time is a [`tdm::Instant`] passed in).

pub mod auth;
pub mod error;
pub mod framing;
pub mod header;
pub mod message;
pub mod registrar;
pub mod sdp;
pub mod transaction;
pub mod uas;
pub mod uri;

pub use error::{FramingError, ParseError};
pub use header::{HeaderKind, Headers};
pub use message::{HeaderAccess, Message, Method, Rejected, Request, Response};
pub use uri::Uri;
