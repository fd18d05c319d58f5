//! The span abstraction (level 0): plain types and the [`Span`] trait, modelled on DAHDI's
//! span and channel operations (`dahdi-linux` `include/dahdi/user.h`).
//!
//! ## Why this shape
//! The trait is **synchronous and non-blocking**, the way a DAHDI channel file descriptor
//! is used by Asterisk: the daemon's reactor waits on the backend's file descriptor (every
//! backend implements `AsRawFd`/`AsFd`; the trait itself cannot name them, since this module
//! is `no_std`), then calls the methods below, which never block and return "nothing yet"
//! instead of waiting. That keeps tokio out of every crate below the daemon, keeps the media
//! thread free of an async runtime (it processes 1 ms chunks on its own clock), and lets
//! tests drive two spans back to back in a loop without sleeping.
//!
//! Data moves in **1 ms chunks**: 8 samples per timeslot ([`Chunk`]), the unit DAHDI cards
//! deliver (`DAHDI_CHUNKSIZE`). Signalling moves as whole D-channel frames (FCS checked and
//! stripped, as DAHDI's hardware HDLC) or as CAS ABCD nibbles.

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// Samples per timeslot per chunk: 8 samples at 8 kHz = 1 ms (DAHDI's `DAHDI_CHUNKSIZE`).
pub const CHUNK_SAMPLES: usize = 8;

/// One millisecond of one timeslot: 8 samples (G.711 bytes, or raw bits for data).
pub type Chunk = [u8; CHUNK_SAMPLES];

/// Timeslots on an E1 span (TS0..=TS31).
pub const E1_TIMESLOTS: usize = 32;

/// Span alarms as a set of flags; the bit values are DAHDI's `DAHDI_ALARM_*` so that they
/// read the same in logs, `dahdi_scan`-style reports and the REST API.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Alarms(u32);

impl Alarms {
    /// No alarm.
    pub const NONE: Self = Self(0);
    /// Red or blue cleared; waiting out the recovery hold-off (`DAHDI_ALARM_RECOVER`).
    pub const RECOVER: Self = Self(1);
    /// The span is in a loopback (`DAHDI_ALARM_LOOPBACK`).
    pub const LOOPBACK: Self = Self(2);
    /// Remote alarm indication from the far end (RAI, A bit) (`DAHDI_ALARM_YELLOW`).
    pub const YELLOW: Self = Self(4);
    /// Loss of signal or of frame alignment (`DAHDI_ALARM_RED`).
    pub const RED: Self = Self(8);
    /// Alarm indication signal: all ones received (`DAHDI_ALARM_BLUE`).
    pub const BLUE: Self = Self(16);
    /// The span is not open / not configured (`DAHDI_ALARM_NOTOPEN`).
    pub const NOTOPEN: Self = Self(32);
    /// Detail: loss of signal (`DAHDI_ALARM_LOS`).
    pub const LOS: Self = Self(256);
    /// Detail: loss of frame alignment (`DAHDI_ALARM_LFA`).
    pub const LFA: Self = Self(512);
    /// Detail: loss of CRC-4 multiframe alignment (`DAHDI_ALARM_LMFA`).
    pub const LMFA: Self = Self(1024);

    const NAMES: [(Self, &'static str); 10] = [
        (Self::RED, "RED"),
        (Self::YELLOW, "YELLOW"),
        (Self::BLUE, "BLUE"),
        (Self::RECOVER, "RECOVER"),
        (Self::LOOPBACK, "LOOPBACK"),
        (Self::NOTOPEN, "NOTOPEN"),
        (Self::LOS, "LOS"),
        (Self::LFA, "LFA"),
        (Self::LMFA, "LMFA"),
        (Self::NONE, ""),
    ];

    /// From DAHDI's bit values (unknown bits are kept).
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// DAHDI's bit values.
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// True when every flag of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when no flag is set.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Sets or clears the flags of `other`.
    pub fn set(&mut self, other: Self, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }
}

impl BitOr for Alarms {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Alarms {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

/// `RED|LOS` style, `OK` when empty (as `dahdi_scan`'s `alarms=` line).
impl fmt::Display for Alarms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("OK");
        }
        let mut first = true;
        for (flag, name) in Self::NAMES {
            if !flag.is_empty() && self.contains(flag) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Alarms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alarms({self})")
    }
}

/// Span counters since start, as DAHDI's `struct dahdi_count` plus the D-channel's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanCounters {
    /// Bipolar violations (`bpvcount`); zero on virtual lines (no line code).
    pub bpv: u64,
    /// Received CRC-4 errored sub-multiframes (`crc4count`).
    pub crc4: u64,
    /// E-bits at 0 received: far-end block errors (`ebitcount`).
    pub ebit: u64,
    /// Bad frame alignment words received (`fascount`).
    pub fas: u64,
    /// Errored seconds (`errsec`).
    pub errsec: u64,
    /// Frame slips seen in the received stream (`timingslips`).
    pub slips: u64,
    /// Received 1 ms chunks dropped because nobody read them.
    pub rx_overruns: u64,
    /// D-channel frames received with a good FCS.
    pub dchan_rx: u64,
    /// D-channel frames sent.
    pub dchan_tx: u64,
    /// D-channel frames dropped for a bad FCS (`DAHDI_EVENT_BADFCS`).
    pub dchan_bad_fcs: u64,
    /// D-channel frames aborted or malformed (abort, too short/long, not octet aligned).
    pub dchan_aborts: u64,
}

/// What a span reports (DAHDI: `DAHDI_EVENT_*` read with `DAHDI_GETEVENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpanEvent {
    /// The alarm set changed to this value (DAHDI: `ALARM` / `NOALARM`).
    Alarms(Alarms),
    /// Frame alignment gained (`true`) or lost.
    FrameSync(bool),
    /// CRC-4 multiframe alignment gained (`true`) or lost.
    MultiframeSync(bool),
    /// A frame slip was seen in the received stream.
    Slip,
    /// A channel's received CAS ABCD bits changed (`DAHDI_EVENT_BITSCHANGED`).
    AbcdChanged {
        /// Channel 1..=30 on E1.
        channel: u8,
        /// The new bits, A in bit 3 .. D in bit 0.
        abcd: u8,
    },
    /// A D-channel frame was dropped for a bad FCS (`DAHDI_EVENT_BADFCS`).
    BadFcs,
    /// A D-channel frame was aborted or malformed (`DAHDI_EVENT_ABORT`).
    Abort,
}

/// Where the span takes its transmit clock from (DAHDI `system.conf` "timing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct ClockSource {
    /// 0: never a clock source (free-running / internal oscillator); 1, 2, 3..: priority of
    /// this span's line-recovered clock, 1 first.
    pub priority: u8,
}

impl ClockSource {
    /// Never a clock source.
    pub const INTERNAL: Self = Self { priority: 0 };
}

/// Loopback modes (DAHDI `DAHDI_MAINT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Loopback {
    /// Normal operation.
    #[default]
    None,
    /// What we transmit is received back by us (`DAHDI_MAINT_LOCALLOOP`).
    Local,
    /// What the line sends us is sent straight back to it, framing included
    /// (`DAHDI_MAINT_NETWORKLINELOOP`, "line" loopback).
    Network,
    /// The received payload is sent back with our own framing (`DAHDI_MAINT_NETWORKPAYLOADLOOP`).
    Payload,
}

/// Kind of span (`dahdi_scan` `type=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum SpanKind {
    /// 2048 kbit/s E1.
    #[default]
    E1,
    /// Analog FXS/FXO ports.
    Analog,
}

/// Framing (`dahdi_scan` `framing=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Framing {
    /// Common channel signalling on TS16 (ISDN PRI).
    #[default]
    Ccs,
    /// Channel associated signalling on TS16 (R2).
    Cas,
}

/// Line coding (`dahdi_scan` `coding=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Coding {
    /// HDB3.
    #[default]
    Hdb3,
    /// AMI.
    Ami,
    /// No line code: a virtual line carrying bytes.
    None,
}

/// What `dahdi_scan` reports for a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SpanInfo {
    /// Span number, 1-based (`[n]`).
    pub span: u32,
    /// Kind (`type=`).
    pub kind: SpanKind,
    /// Channels carried (`totchans=`): 31 usable timeslots on E1.
    pub total_channels: u16,
    /// Framing (`framing=`).
    pub framing: Framing,
    /// Line coding (`coding=`).
    pub coding: Coding,
    /// CRC-4 multiframe in use (`framing=` suffix `/CRC4`).
    pub crc4: bool,
    /// Line build-out index (`lbo=`); 0 on E1 and virtual lines.
    pub lbo: u8,
    /// Clock-source priority configured for this span (`timing`).
    pub clock: ClockSource,
    /// Span currently supplying the clock (`syncsrc=`), `None` when free running.
    pub sync_source: Option<u32>,
    /// Current alarms (`alarms=`).
    pub alarms: Alarms,
    /// Current loopback.
    pub loopback: Loopback,
}

/// A span: a set of timeslots moving 1 ms chunks, with a D-channel or CAS bits, alarms and
/// counters. Every method is non-blocking; see the [module docs](self) for why.
pub trait Span {
    /// The backend's error.
    type Error;

    /// What `dahdi_scan` would show.
    fn info(&self) -> SpanInfo;

    /// Reads the next received millisecond: `out[ts]` gets timeslot `ts`'s 8 samples
    /// (`out` indexed by timeslot, TS0 included on E1). Returns the number of timeslots
    /// filled, or 0 when less than 1 ms has been received (nothing is consumed then).
    ///
    /// # Errors
    /// Backend-specific (I/O, `out` too short).
    fn read_chunk(&mut self, out: &mut [Chunk]) -> Result<usize, Self::Error>;

    /// Queues one millisecond to send: `chunk[ts]` for timeslot `ts`. Timeslots the span
    /// owns (TS0; TS16 when it carries signalling) are ignored.
    ///
    /// # Errors
    /// Backend-specific (queue full, I/O, `chunk` too short).
    fn write_chunk(&mut self, chunk: &[Chunk]) -> Result<(), Self::Error>;

    /// Next received D-channel frame (address, control, information; FCS checked and
    /// removed) copied into `buf`: `Ok(Some(len))`, or `Ok(None)` when none is waiting.
    /// Frames with a bad FCS never come out: they are counted and reported.
    ///
    /// # Errors
    /// Backend-specific (I/O, `buf` too short, no D-channel).
    fn read_dchannel(&mut self, buf: &mut [u8]) -> Result<Option<usize>, Self::Error>;

    /// Queues one D-channel frame (without FCS; the span adds it).
    ///
    /// # Errors
    /// Backend-specific (no D-channel, frame too long, queue full, I/O).
    fn write_dchannel(&mut self, frame: &[u8]) -> Result<(), Self::Error>;

    /// Sets the CAS ABCD bits sent on `channel` (A in bit 3 .. D in bit 0).
    ///
    /// # Errors
    /// Backend-specific (no such channel, no CAS).
    fn set_abcd(&mut self, channel: u8, abcd: u8) -> Result<(), Self::Error>;

    /// The CAS ABCD bits last received on `channel`, `None` when unknown or not CAS.
    fn abcd(&self, channel: u8) -> Option<u8>;

    /// Current alarms.
    fn alarms(&self) -> Alarms;

    /// Counters since start.
    fn counters(&self) -> SpanCounters;

    /// Next event, `None` when none is waiting.
    fn poll_event(&mut self) -> Option<SpanEvent>;

    /// Enters or leaves a loopback.
    ///
    /// # Errors
    /// Backend-specific (mode not supported).
    fn set_loopback(&mut self, mode: Loopback) -> Result<(), Self::Error>;

    /// Sets this span's clock-source priority.
    fn set_clock_source(&mut self, clock: ClockSource);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_flags_use_dahdi_values_and_print_like_dahdi_scan() {
        assert_eq!(Alarms::RED.bits(), 8);
        assert_eq!(Alarms::LMFA.bits(), 1024);
        let mut a = Alarms::RED | Alarms::LOS;
        assert!(a.contains(Alarms::RED) && !a.contains(Alarms::BLUE));
        assert_eq!(format!("{a}"), "RED|LOS");
        a.set(Alarms::RED | Alarms::LOS, false);
        assert!(a.is_empty());
        assert_eq!(format!("{a}"), "OK");
    }
}
