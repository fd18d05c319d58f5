//! # rtp: the appliance's RTP side, sans-IO
//!
//! **What it is** (level 1: no sockets, no clock, no async runtime; time comes in as
//! [`tdm::Instant`]):
//! - [`wire`]: RTP (RFC 3550 §5.1), RTCP compound SR/RR/SDES/BYE (§6) and RFC 4733
//!   telephone-event codecs, each a checked view plus a representation with parse/emit;
//! - [`Session`]: one RTP/RTCP session of a G.711 call leg: SSRC, sequence numbers and
//!   timestamps, source validation (RFC 3550 A.1), loss and jitter statistics (A.3, A.8),
//!   RTCP SR/RR on the §6.2 randomised interval, symmetric RTP (RFC 4961) with a re-latch
//!   policy, remote SSRC changes, and the media side in 1 ms chunks of 8 samples;
//! - [`JitterBuffer`]: adaptive playout for G.711 with reorder, duplicate and late-packet
//!   handling, drift correction and concealment of lost audio (media-dsp's G.711 Appendix I
//!   PLC), in one preallocated ring (nothing allocated per packet);
//! - [`dtmf`]: RFC 4733 telephone-events both ways (sender with updates and 3× end
//!   redundancy; receiver with de-duplication, end detection and a timeout);
//! - [`PortAllocator`]: even RTP / odd RTCP port pairs from a configurable range.
//!
//! **What it is not:** no socket handling (the daemon owns the UDP sockets and calls
//! [`Session::handle_input`] with each datagram), no SRTP, no RTCP feedback (NACK, PLI), no
//! codecs other than G.711 (A-law and µ-law), no RFC 2198 redundancy, no SDP (crate `sip`
//! negotiates payload types and addresses and passes them in [`SessionConfig`]).
//!
//! ## Driving a session
//! 1. When a datagram arrives on the RTP or RTCP socket: [`Session::handle_input`].
//! 2. Every millisecond on the media thread: [`Session::pull_chunk`] (8 samples to play)
//!    and [`Session::push_chunk`] (8 samples captured).
//!    A leg in relay mode ([`Session::set_relay`]) skips both: after each
//!    `handle_input`, [`Session::take_relayed`] gives the audio packet to pass to the
//!    bridged leg's [`Session::relay_transmit`].
//! 3. When [`Session::poll_timeout`] is due: [`Session::handle_timeout`].
//! 4. After any of these: drain [`Session::poll_transmit`] (send each datagram to its
//!    address) and [`Session::poll_event`].

pub mod dtmf;
pub mod jitter;
pub mod ports;
pub mod session;
pub mod wire;

pub use jitter::{JitterBuffer, JitterConfig, JitterStats};
pub use ports::{PortAllocator, PortPair, PortRangeError};
pub use session::{Event, Relayed, Session, SessionConfig, Transmit, TransmitKind};
