//! # sip: SIP signalling, sans-IO
//!
//! **What it is:** the SIP protocol logic of the appliance, with no sockets and no clock:
//! - [`message`]: SIP messages (RFC 3261 §7) behind our own types ([`Message`], [`Request`],
//!   [`Response`], [`Uri`], typed headers in [`header`]). rsip 0.4 checks URI host/port
//!   grammar inside [`uri`]; its types never leave this crate. The checks of RFC 3261 and the
//!   RFC 4475 torture messages are listed in docs/sip-conformance.md;
//! - [`framing`]: a sans-IO stream decoder for TCP (Content-Length framing, CRLF keep-alive,
//!   size limits);
//! - [`transaction`]: RFC 3261 §17 transactions (RFC 6026 fixes) and their manager with the
//!   project's sans-IO surface (`handle_input(now, from, bytes)`, `handle_timeout(now)`,
//!   `poll_transmit()`, `poll_event()`, `poll_timeout()`);
//! - [`uas`]: the RFC 3261 §8.2 admission checks of a user agent server;
//! - [`auth`]: digest authentication (RFC 7616/8760), server and client, and the failed-login
//!   guard;
//! - [`registrar`]: REGISTER bindings (RFC 3261 §10.3);
//! - [`sdp`]: SDP and RFC 3264 offer/answer for G.711 + telephone-event;
//! - [`dialog`]: RFC 3261 §12 dialogs (creation, in-dialog requests, CSeq, route set);
//! - [`ua`]: the user agent the daemon drives: calls in and out over dialogs, registrar and
//!   digest integration, hold/resume, REFER/Replaces, PRACK, session timers, trunks.
//!
//! Driving loop (the daemon owns the sockets and the clock):
//! 1. a datagram arrives: `manager.handle_input(now, from, &bytes)` (for TCP, cut messages
//!    with [`framing::StreamDecoder`] first);
//! 2. take `manager.poll_event()`: new requests go through [`uas::admit`], then to call
//!    logic, which answers with `manager.send_response(now, id, response)`;
//! 3. send every `manager.poll_transmit()`;
//! 4. wake at `manager.poll_timeout()` and call `manager.handle_timeout(now)`.
//!
//! ```no_run
//! use sip::transaction::{TimerConfig, TransactionManager, TxEvent};
//! let mut tm = TransactionManager::new(TimerConfig::default(), false, 42);
//! let from = "192.0.2.1:5060".parse().unwrap();
//! tm.handle_input(tdm::Instant::ZERO, from, b"OPTIONS sip:a@b SIP/2.0\r\n\r\n");
//! while let Some(ev) = tm.poll_event() {
//!     if let TxEvent::Request { id, request, .. } = ev {
//!         let _ = tm.send_response(tdm::Instant::ZERO, id, request.response(200, "OK", Some("t")));
//!     }
//! }
//! while let Some(t) = tm.poll_transmit() { /* socket.send_to(&t.bytes, t.to) */ let _ = t; }
//! ```
//!
//! **What it is not:** no transport (the daemon owns UDP/TCP sockets), no DNS (RFC 3263),
//! no TLS, no RTP, no time source (time is a [`tdm::Instant`] passed in), no randomness
//! (branch salt, nonce secret and cnonce come from the caller).

pub mod auth;
pub mod dialog;
pub mod error;
pub mod framing;
pub mod header;
pub mod message;
pub mod registrar;
pub mod retransmit;
pub mod sdp;
pub mod transaction;
pub mod ua;
pub mod uas;
pub mod uri;

pub use error::{FramingError, ParseError};
pub use header::{HeaderKind, Headers};
pub use message::{HeaderAccess, Message, Method, Rejected, Request, Response};
pub use uri::Uri;
