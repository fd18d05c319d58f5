//! Real cards (Digium, Sangoma, OpenVox, ...) through DAHDI: the `/dev/dahdi` devices and
//! their ioctls (`docs/dahdi.md`).
//!
//! - [`sys`]: the raw user ABI (`#[repr(C)]` structs, request numbers, one safe wrapper per
//!   ioctl), the only module of the project with `unsafe`;
//! - [`device`]: what the backend asks of the kernel, as traits ([`Device`],
//!   [`ChannelDevice`]), and [`SysDevice`], the real kernel behind a [`DeviceRoot`];
//! - [`span`]: `DAHDI_SPANSTAT` answers as [`crate::SpanInfo`] (like `dahdi_scan`), alarms,
//!   counters, event codes, loopback commands, and [`DahdiSpan`], the [`crate::Span`];
//! - [`chan`]: channel roles from their signalling, buffer policies, D-channel FCS bytes;
//! - [`analog`]: FXS/FXO ports: [`AnalogChannel`] (hook, ring, polarity, on-hook transfer,
//!   timers, [`AnalogEvent`]s, 1 ms chunks).
//!
//! ```no_run
//! use tdm::dahdi::{DahdiSpan, DeviceRoot, scan};
//! use tdm::Span;
//! let root = DeviceRoot::default();
//! for info in scan(&root)? {
//!     println!("span {} {:?} alarms={}", info.span, info.kind, info.alarms);
//! }
//! let mut span = DahdiSpan::open(&root, 1)?;
//! span.write_dchannel(&[0x00, 0x01, 0x7f])?; // Q.921 SABME, FCS added by the card
//! # Ok::<(), tdm::dahdi::DahdiError>(())
//! ```
// No `forbid(unsafe_code)` here: it would reach `sys`. This file stays under the crate's `deny`;
// every other child module forbids `unsafe` itself.

use std::io;
use std::path::PathBuf;

pub mod analog;
pub mod chan;
pub mod device;
pub mod span;
pub mod sys;

pub use analog::{
    AnalogChannel, AnalogEvent, AnalogParams, AnalogSignalling, AnalogTimers, HookCommand,
    Polarity, PortKind, StartKind,
};
pub use device::{ChannelDevice, Device, DeviceRoot, SysChannel, SysDevice};
pub use span::{DahdiSpan, SpanDescription, describe_spans, scan};

/// What can go wrong with a DAHDI span.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DahdiError {
    /// A device node could not be opened (DAHDI not loaded, wrong root, no permission).
    #[error("cannot open DAHDI device {}: {source}", path.display())]
    Open {
        /// The node.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An ioctl failed.
    #[error("{op} on {target} failed: {source}")]
    Ioctl {
        /// The request (`DAHDI_SPANSTAT`, ...).
        op: &'static str,
        /// What it was about (`span 1`, `channel 16`).
        target: String,
        /// The kernel's errno.
        source: io::Error,
    },
    /// No span of this number.
    #[error("no DAHDI span {0}")]
    NoSuchSpan(u32),
    /// The span's kind is not one this backend drives (T1, J1, BRI).
    #[error("DAHDI span {span} is of type {span_type:?}: only E1 and analog spans are driven")]
    UnsupportedSpan {
        /// Span number.
        span: u32,
        /// Its `spantype`.
        span_type: String,
    },
    /// The span has no D-channel configured (`hardhdlc` or `dchan` in system.conf).
    #[error("DAHDI span {0} has no D-channel")]
    NoDChannel(u32),
    /// Not a CAS channel of this span.
    #[error("channel {0} is not a CAS channel of this span")]
    NotCas(u8),
    /// The caller's buffer is too short.
    #[error("buffer too short: {got}, need {need}")]
    BufferTooShort {
        /// Needed (timeslots or bytes).
        need: usize,
        /// Given.
        got: usize,
    },
    /// A D-channel frame to send is empty or too long.
    #[error("D-channel frame of {len} bytes: must be 1..={max}")]
    FrameLength {
        /// Its length.
        len: usize,
        /// The largest allowed.
        max: usize,
    },
    /// The kernel's transmit buffers are full: try again next millisecond.
    #[error("DAHDI transmit buffers full")]
    QueueFull,
    /// The channel's signalling is not FXS or FXO (`fxoks`, `fxsks`, ... in system.conf).
    #[error("DAHDI channel {channo} is not an analog FXS/FXO channel (sigtype {sigtype:#x})")]
    NotAnalog {
        /// Channel number.
        channo: u32,
        /// Its `sigtype`.
        sigtype: i32,
    },
    /// A request that only one kind of analog port takes (ringing, polarity and on-hook
    /// transfer are for FXS ports).
    #[error("{op} is not for channel {channo}: it is an {port:?} port")]
    WrongPort {
        /// Channel number.
        channo: u32,
        /// The request.
        op: &'static str,
        /// What the channel is.
        port: PortKind,
    },
    /// The descriptor is bound to another channel than the one asked for (`DAHDI_CHANNO`).
    #[error("asked for DAHDI channel {asked}, the descriptor is bound to {bound}")]
    ChannelMismatch {
        /// The channel asked for.
        asked: u32,
        /// What `DAHDI_CHANNO` answered.
        bound: i32,
    },
    /// `read`/`write` on a channel failed.
    #[error("I/O on DAHDI channel {channo}: {source}")]
    Io {
        /// Channel number.
        channo: u32,
        /// Why.
        source: io::Error,
    },
}
