//! # e1: the E1 framer and HDLC, sans-IO
//!
//! **What it is:** the logic between a 2048 kbit/s E1 byte stream and the telephony stack:
//! - [`rx::Receiver`]: finds and keeps frame alignment (G.706 §4.1), the CRC-4 multiframe
//!   (G.706 §4.2, with the Annex B fallback for a far end that sends no CRC-4), checks CRC-4
//!   and reads E-bits, detects LOS, LOF (red), AIS (blue), RAI (yellow) with a recovery
//!   hold-off, follows the TS16 CAS multiframe and ABCD bits, decodes HDLC on TS16, counts
//!   FAS/CRC-4/E-bit errors, slips, BPV (when hardware reports them) and errored and
//!   severely errored seconds;
//! - [`tx::Transmitter`]: builds frames: FAS/NFAS, the A bit, Sa bits, CRC-4 with E-bits,
//!   and TS16 as HDLC (CCS), CAS multiframe (ABCD per channel) or transparent;
//! - [`Framer`]: one span, both directions, wired together the way G.732 asks (RAI sent
//!   while we are in LOS/LOF/AIS, E-bits reporting our received CRC-4 errors, Y bit on CAS
//!   multiframe loss);
//! - [`hdlc`]: HDLC encoder/decoder (flags, zero-bit stuffing, FCS-16, abort, idle) and the
//!   "frame + 2 FCS bytes" helpers;
//! - [`frame`]: the wire view ([`frame::E1Frame`]) and representations of TS0 and CAS TS16.
//!
//! **What it is not:** no I/O, no threads, no clock. Time is the frame count: every 32 bytes
//! received is one 125 µs frame period, so 8000 frames are one second and every hold-off is
//! counted in frames. No HDB3 line coding (that is the line interface's job; BPV counts come
//! from there through [`rx::Receiver::add_bpv`]), no elastic store or clock recovery (the
//! `tdm` crate owns time), no Q.921/Q.931 (crate `isdn`), no R2 (crate `r2`).
//!
//! ## The driving loop
//! 1. Every 1 ms (or any period), hand the received bytes to [`Framer::handle_input`]:
//!    whole 32-byte frames or any split; the framer finds the frame boundary itself.
//! 2. Drain [`Framer::poll_event`] (alarms, sync, slips, CAS changes, one-second reports),
//!    [`Framer::poll_frame`] (aligned frames for the B-channels) and
//!    [`Framer::poll_hdlc`] (D-channel frames, CCS only).
//! 3. For each frame period to send, call [`Framer::build_frame`] with the B-channel bytes.
//!
//! ```
//! use e1::{Config, Framer, Event};
//! let mut a = Framer::new(Config::default());
//! let mut b = Framer::new(Config::default());
//! for i in 0..100 {
//!     if i == 10 {
//!         // The receiver needs a few frames to find alignment first.
//!         a.send_hdlc(&[0x02, 0x01, 0x7F]).unwrap();
//!     }
//!     let f = a.build_frame(&[0xD5; 32]);
//!     b.handle_input(&f);
//!     let g = b.build_frame(&[0xD5; 32]);
//!     a.handle_input(&g);
//! }
//! assert!(b.is_aligned());
//! assert_eq!(b.poll_hdlc(), Some(Ok(vec![0x02, 0x01, 0x7F])));
//! while let Some(ev) = b.poll_event() {
//!     if let Event::FrameSync(up) = ev { assert!(up); }
//! }
//! ```
//!
//! Bit order: G.704 numbers bits 1..8 in wire order; here bit 1 is the most significant bit
//! of the byte. Alignment is searched at byte positions only: the virtual line and framer
//! hardware deliver byte-aligned timeslots, so a stream shifted by a fraction of a byte is
//! never aligned (it stays in LOF).

use std::fmt;

pub mod crc4;
pub mod frame;
pub mod hdlc;
pub mod rx;
pub mod tx;

use frame::{Abcd, FRAME_LEN, SaBits};
use hdlc::{HdlcError, HdlcResult};
use rx::{Receiver, RxConfig};
use tx::Transmitter;

/// CRC-4 use (G.704 §2.3.3, G.706 §4.2 and Annex B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Crc4Mode {
    /// No CRC-4: Si bits sent as 1 and ignored on receive.
    Off,
    /// CRC-4 sent and required: no fallback; [`Alarm::Lmfa`] while the multiframe is missing.
    On,
    /// CRC-4 sent; if no CRC-4 multiframe is found within 400 ms of frame alignment the far end
    /// is taken as non-CRC-4 (G.706 Annex B): checking stops and our E-bits go out as 0.
    #[default]
    Auto,
}

/// What timeslot 16 carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Signalling {
    /// Common channel signalling: an HDLC D-channel (ISDN PRI, Q.921).
    #[default]
    Ccs,
    /// Channel associated signalling: the 16-frame CAS multiframe with ABCD bits (R2).
    Cas,
    /// TS16 is a plain 64 kbit/s channel, passed through.
    Transparent,
}

/// Transmitter configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxConfig {
    /// Send the CRC-4 multiframe.
    pub crc4: bool,
    /// What TS16 carries.
    pub signalling: Signalling,
    /// Sa4..Sa8 sent in NFAS frames.
    pub sa: SaBits,
}

impl Default for TxConfig {
    fn default() -> Self {
        Self {
            crc4: true,
            signalling: Signalling::Ccs,
            sa: SaBits::ALL_ONES,
        }
    }
}

/// One span's configuration (both directions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// CRC-4 handling.
    pub crc4: Crc4Mode,
    /// What TS16 carries.
    pub signalling: Signalling,
    /// Sa4..Sa8 to send.
    pub sa: SaBits,
    /// Recovery hold-off in frames (see [`rx::DEFAULT_RECOVERY_HOLDOFF`]).
    pub recovery_holdoff: u32,
    /// Aligned received frames kept for [`Framer::poll_frame`].
    pub frame_queue: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            crc4: Crc4Mode::Auto,
            signalling: Signalling::Ccs,
            sa: SaBits::ALL_ONES,
            recovery_holdoff: rx::DEFAULT_RECOVERY_HOLDOFF,
            frame_queue: rx::DEFAULT_FRAME_QUEUE,
        }
    }
}

/// One alarm condition (with the DAHDI name where one exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alarm {
    /// Loss of signal: 255 consecutive zeros (G.775) (DAHDI: RED, LOS).
    Los,
    /// Loss of frame alignment (G.706 §4.1.1) (DAHDI: RED, LFA).
    Lof,
    /// Alarm indication signal: all ones, < 3 zeros per 512 bits (G.775) (DAHDI: BLUE).
    Ais,
    /// Remote alarm indication: A bit = 1 from the far end (G.704 §2.3.2) (DAHDI: YELLOW).
    Rai,
    /// Red/blue cleared, waiting out the recovery hold-off (DAHDI: RECOVER).
    Recover,
    /// No CRC-4 multiframe alignment with [`Crc4Mode::On`] (G.706 §4.2) (DAHDI: LMFA).
    Lmfa,
    /// Loss of TS16 CAS multiframe alignment (G.732 §5.2).
    CasMultiframe,
    /// CAS multiframe remote alarm: Y = 1 from the far end (G.704 §5.1.3.2).
    CasRemote,
}

impl fmt::Display for Alarm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Los => "LOS",
            Self::Lof => "LOF",
            Self::Ais => "AIS",
            Self::Rai => "RAI",
            Self::Recover => "RECOVER",
            Self::Lmfa => "LMFA",
            Self::CasMultiframe => "CAS-MF",
            Self::CasRemote => "CAS-MF-RAI",
        })
    }
}

/// The set of current alarms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct Alarms {
    /// [`Alarm::Los`].
    pub los: bool,
    /// [`Alarm::Lof`].
    pub lof: bool,
    /// [`Alarm::Ais`].
    pub ais: bool,
    /// [`Alarm::Rai`].
    pub rai: bool,
    /// [`Alarm::Recover`].
    pub recover: bool,
    /// [`Alarm::Lmfa`].
    pub lmfa: bool,
    /// [`Alarm::CasMultiframe`].
    pub cas_multiframe: bool,
    /// [`Alarm::CasRemote`].
    pub cas_remote: bool,
}

impl Alarms {
    /// Red: LOS or LOF without AIS (AIS implies LOF and is reported blue, as DAHDI does).
    #[must_use]
    pub fn red(&self) -> bool {
        (self.los || self.lof) && !self.ais
    }
    /// Blue: AIS.
    #[must_use]
    pub fn blue(&self) -> bool {
        self.ais
    }
    /// Yellow: RAI from the far end.
    #[must_use]
    pub fn yellow(&self) -> bool {
        self.rai
    }
    /// True when nothing is raised.
    #[must_use]
    pub fn is_clear(&self) -> bool {
        *self == Self::default()
    }
    /// Whether `a` is raised.
    #[must_use]
    pub fn get(&self, a: Alarm) -> bool {
        match a {
            Alarm::Los => self.los,
            Alarm::Lof => self.lof,
            Alarm::Ais => self.ais,
            Alarm::Rai => self.rai,
            Alarm::Recover => self.recover,
            Alarm::Lmfa => self.lmfa,
            Alarm::CasMultiframe => self.cas_multiframe,
            Alarm::CasRemote => self.cas_remote,
        }
    }
    /// Sets `a` to `on`; returns true if it changed.
    pub fn set(&mut self, a: Alarm, on: bool) -> bool {
        let slot = match a {
            Alarm::Los => &mut self.los,
            Alarm::Lof => &mut self.lof,
            Alarm::Ais => &mut self.ais,
            Alarm::Rai => &mut self.rai,
            Alarm::Recover => &mut self.recover,
            Alarm::Lmfa => &mut self.lmfa,
            Alarm::CasMultiframe => &mut self.cas_multiframe,
            Alarm::CasRemote => &mut self.cas_remote,
        };
        let changed = *slot != on;
        *slot = on;
        changed
    }
}

/// Counters since start, as DAHDI's `struct dahdi_count` plus slips and seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Bad frame alignment words received (`fascount`).
    pub fas_errors: u64,
    /// Received sub-multiframes with a CRC-4 mismatch (`crc4count`).
    pub crc4_errors: u64,
    /// E-bits at 0 received: far-end block errors (`ebitcount`).
    pub ebit_errors: u64,
    /// Whole-frame slips recognised in the received stream.
    pub slips: u64,
    /// Bipolar violations reported by the line interface (`bpvcount`).
    pub bpv: u64,
    /// Errored seconds (G.826) (`errsec`).
    pub errored_seconds: u64,
    /// Severely errored seconds (G.826).
    pub severely_errored_seconds: u64,
    /// Received frames dropped because nobody polled them.
    pub rx_overruns: u64,
}

/// One second of received-side performance (G.826 in-service monitoring).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct SecondReport {
    /// FAS errors in the second.
    pub fas_errors: u32,
    /// CRC-4 errored blocks in the second.
    pub crc4_errors: u32,
    /// E-bits at 0 received in the second.
    pub ebit_errors: u32,
    /// LOS, LOF or AIS was present during the second.
    pub defect: bool,
    /// The second is an errored second.
    pub errored: bool,
    /// The second is a severely errored second.
    pub severely_errored: bool,
}

/// What the receiver reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An alarm was raised.
    AlarmRaised(Alarm),
    /// An alarm cleared.
    AlarmCleared(Alarm),
    /// Frame alignment gained (`true`) or lost (`false`).
    FrameSync(bool),
    /// CRC-4 multiframe alignment gained or lost.
    Crc4Sync(bool),
    /// The far end sends no CRC-4 (G.706 Annex B): CRC-4 checking is off until the next loss
    /// of frame alignment.
    Crc4Fallback,
    /// CAS multiframe alignment gained or lost.
    CasSync(bool),
    /// A channel's ABCD bits changed (after debouncing over two CAS multiframes).
    CasChanged {
        /// Channel 1..=30.
        channel: u8,
        /// The new bits.
        abcd: Abcd,
    },
    /// Received Sa4..Sa8 changed (seen in two consecutive NFAS frames).
    SaChanged(SaBits),
    /// A whole-frame slip was recognised and the FAS parity re-aligned without LOF.
    Slip,
    /// One second (8000 frame periods) of received stream elapsed.
    Second(SecondReport),
}

/// Errors from span-level operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// HDLC transmit refused the frame.
    #[error("HDLC: {0}")]
    Hdlc(#[from] HdlcError),
    /// HDLC was used on a span whose TS16 is not CCS.
    #[error("TS16 is not configured for CCS")]
    NotCcs,
    /// A channel number outside 1..=30.
    #[error("no channel {0} on E1 (1..=30)")]
    BadChannel(u8),
}

/// One E1 span: receiver and transmitter wired together.
#[derive(Debug, Clone)]
pub struct Framer {
    rx: Receiver,
    tx: Transmitter,
}

impl Framer {
    /// A span with `cfg` for both directions.
    #[must_use]
    pub fn new(cfg: Config) -> Self {
        let rx = Receiver::new(RxConfig {
            crc4: cfg.crc4,
            signalling: cfg.signalling,
            recovery_holdoff: cfg.recovery_holdoff,
            frame_queue: cfg.frame_queue,
        });
        let tx = Transmitter::new(TxConfig {
            crc4: cfg.crc4 != Crc4Mode::Off,
            signalling: cfg.signalling,
            sa: cfg.sa,
        });
        Self { rx, tx }
    }

    /// Feeds received line bytes (any split). See [`Receiver::handle_input`].
    pub fn handle_input(&mut self, bytes: &[u8]) {
        self.rx.handle_input(bytes);
    }

    /// Next receive event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.rx.poll_event()
    }

    /// Next aligned received frame.
    #[must_use]
    pub fn poll_frame(&mut self) -> Option<[u8; FRAME_LEN]> {
        self.rx.poll_frame()
    }

    /// Next D-channel frame (FCS checked and removed) or error.
    #[must_use]
    pub fn poll_hdlc(&mut self) -> Option<HdlcResult> {
        self.rx.poll_hdlc()
    }

    /// Builds the next frame to send; `payload` gives TS1-31 (TS0 ignored, TS16 used only
    /// when transparent). Carries our receive state to the far end: A bit while LOS/LOF/AIS,
    /// E-bits for received CRC-4 errors (all 0 after an Annex B fallback), Y bit on CAS loss.
    pub fn build_frame(&mut self, payload: &[u8; FRAME_LEN]) -> [u8; FRAME_LEN] {
        self.tx.set_rai(self.rx.wants_rai());
        let n = self.rx.take_ebit_reports();
        self.tx.report_crc4_errors(n);
        self.tx.set_ebits_zero(self.rx.crc4_fallback());
        self.tx
            .set_cas_remote_alarm(self.rx.wants_cas_remote_alarm());
        self.tx.build_frame(payload)
    }

    /// Queues a D-channel frame (FCS added).
    ///
    /// # Errors
    /// [`Error::NotCcs`] unless TS16 is CCS; [`Error::Hdlc`] when the encoder refuses it.
    pub fn send_hdlc(&mut self, frame: &[u8]) -> Result<(), Error> {
        if self.tx.config().signalling != Signalling::Ccs {
            return Err(Error::NotCcs);
        }
        Ok(self.tx.send_hdlc(frame)?)
    }

    /// Sets the ABCD bits sent on channel `ch` (1..=30).
    ///
    /// # Errors
    /// [`Error::BadChannel`] outside 1..=30.
    pub fn set_abcd(&mut self, ch: u8, abcd: Abcd) -> Result<(), Error> {
        if self.tx.set_abcd(ch, abcd) {
            Ok(())
        } else {
            Err(Error::BadChannel(ch))
        }
    }

    /// Sets the Sa4..Sa8 bits sent.
    pub fn set_sa(&mut self, sa: SaBits) {
        self.tx.set_sa(sa);
    }

    /// Current alarms.
    #[must_use]
    pub fn alarms(&self) -> Alarms {
        self.rx.alarms()
    }

    /// Counters.
    #[must_use]
    pub fn counters(&self) -> Counters {
        self.rx.counters()
    }

    /// True while in frame alignment.
    #[must_use]
    pub fn is_aligned(&self) -> bool {
        self.rx.is_aligned()
    }

    /// The receiver.
    #[must_use]
    pub fn rx(&self) -> &Receiver {
        &self.rx
    }

    /// The receiver, mutable (e.g. [`Receiver::add_bpv`]).
    pub fn rx_mut(&mut self) -> &mut Receiver {
        &mut self.rx
    }

    /// The transmitter.
    #[must_use]
    pub fn tx(&self) -> &Transmitter {
        &self.tx
    }

    /// The transmitter, mutable.
    pub fn tx_mut(&mut self) -> &mut Transmitter {
        &mut self.tx
    }
}
