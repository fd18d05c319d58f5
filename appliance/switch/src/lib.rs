//! # switch: technology-neutral call switching (L2)
//!
//! **What it is:** the part of the appliance that connects calls, as pure logic:
//! - [`engine`]: calls, legs and bridges as a sans-IO state machine ([`Switch`]): leg
//!   events in ([`LegEvent`]), commands to legs and to the media thread out ([`Command`]),
//!   event-log events and one CDR per call ([`Event`]), timers through
//!   `poll_timeout`/`handle_timeout`. Trunk-group failover, blind and attended transfer,
//!   hold with music on hold, three-way conference, recording control, supervisor
//!   monitoring of a call (listen, whisper, barge: [`Switch::monitor`]);
//! - [`dialplan`]: the number-pattern language, targets, DID mapping, trunk groups,
//!   caller-ID rules and the toll-fraud policy (`docs/dialplan.md`);
//! - [`media`]: the per-channel 1 ms media path for the real-time thread: A-law TDM ↔ line
//!   echo canceller ↔ DTMF detection ↔ G.711 ↔ 20 ms packet frames, bridges, the
//!   conference mixer, tone and test-tone sources, echo test; nothing allocated per chunk;
//! - [`cause`]: Q.850 cause values and which of them mean "try another route".
//!
//! **What it is not:** no signalling protocol (the daemon maps [`Command`]s and
//! [`LegEvent`]s to Q.931, SIP, analog and R2), no sockets, no threads, no clock (time is a
//! [`tdm::Instant`] passed in), no RTP packetisation or jitter buffer (crate `rtp`), no
//! files (recordings are written by the daemon), no queues or IVR flows (crates `acd`,
//! `ivr` sit on top and drive it with the same events).

#![forbid(unsafe_code)]

pub mod cause;
pub mod dialplan;
pub mod engine;
pub mod media;

pub use cause::Cause;
pub use engine::{Command, Event, LegEvent, Member, MonitorMode, Switch};
pub use tdm::Instant;
