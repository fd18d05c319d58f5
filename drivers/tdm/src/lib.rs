//! # tdm: the line abstraction of the appliance
//!
//! **What it is:**
//! - level 0 (always built, `no_std`, no I/O): [`Instant`], the protocol clock that sans-IO
//!   state machines (Q.921, Q.931, R2, analog lines, SIP) take as a parameter, so tests run
//!   in simulated time and only the daemon reads the real clock; and the [`span`] types:
//!   the [`Span`] trait modelled on DAHDI's span operations, 1 ms [`Chunk`]s, [`Alarms`],
//!   [`SpanCounters`], [`SpanEvent`], [`ClockSource`], [`Loopback`], [`SpanInfo`]; and the
//!   [`analog`] types: [`LineSignal`] (hook, ring, polarity, battery) and the [`AnalogPort`]
//!   trait, 1 ms [`AudioChunk`]s of linear samples;
//! - level 3, behind the `virt` feature (std, Unix sockets): `virt`, software E1 lines and
//!   D-channels and analog loops between two endpoints over `SOCK_SEQPACKET` sockets, with fault injection,
//!   so two stacks can be wired back to back on one machine (wire formats in
//!   `docs/virtual-lines.md`).
//!
//! **What it is not:** no framing logic (crate `e1`, which `virt` drives), no signalling
//! (crates `isdn`, `r2`, `analog`), no pacing (the daemon calls the backends every 1 ms),
//! no async runtime, and, in the level-0 part, no I/O and no reading of the clock.
//!
//! Level 3, behind the `alsa` feature (std, alsa-lib): `alsa`, a sound card (USB headset,
//! paging amplifier, music-on-hold input) opened by ALSA device name as a channel of the same
//! 1 ms chunks, with poll descriptors and xrun recovery (`docs/alsa.md`).
//!
//! Level 3, behind the `dahdi` feature (std, nix): `dahdi`, real cards through DAHDI's
//! `/dev/dahdi` devices and ioctls (`docs/dahdi.md`): E1 spans (`dahdi::DahdiSpan`) and analog
//! FXS/FXO ports (`dahdi::AnalogChannel`: hook, ring, polarity, on-hook transfer, events);
//! its `dahdi::sys` module is the one place of the project with `unsafe` (each block with a
//! `// SAFETY:` comment). Without that feature the whole crate forbids `unsafe`; with it,
//! `unsafe` is denied crate-wide (Cargo.toml lints), allowed in `dahdi::sys` only, and forbidden
//! again in the other `dahdi` modules.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![cfg_attr(not(feature = "dahdi"), forbid(unsafe_code))]

#[cfg(feature = "alsa")]
pub mod alsa;
pub mod analog;
#[cfg(feature = "dahdi")]
pub mod dahdi;
pub mod span;
mod time;
#[cfg(feature = "virt")]
pub mod virt;

pub use analog::{AnalogPort, AudioChunk, Hook, LineSignal, LineState, Polarity, PortKind};
pub use span::{
    Alarms, CHUNK_SAMPLES, Chunk, ClockSource, Coding, E1_TIMESLOTS, Framing, Loopback, Span,
    SpanCounters, SpanEvent, SpanInfo, SpanKind,
};
pub use time::Instant;
