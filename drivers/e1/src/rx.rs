//! The E1 receive framer: byte stream in, aligned frames, alarms, CAS bits and counters out.
//!
//! **What it does:** finds the frame boundary in the received byte stream (G.706 §4.1.2),
//! watches it (loss after three consecutive bad FAS words, G.706 §4.1.1), recognises a
//! whole-frame slip, finds the CRC-4 multiframe (G.706 §4.2), checks CRC-4 (G.704 §2.3.3.5,
//! G.706 §4.3), falls back to non-CRC-4 operation when the far end sends none (G.706 Annex B),
//! detects LOS, AIS and RAI (G.775, G.704 §2.3.2), follows the TS16 CAS multiframe and its ABCD
//! bits (G.704 §5.1.3.2, G.732 §5.2), decodes HDLC on TS16 for CCS, and keeps counters and
//! one-second error statistics (G.826).
//!
//! **How it works:** time is the frame period: every 32 received bytes are one 125 µs tick,
//! aligned or not, so timers and the one-second counters need no clock. The receiver searches
//! alignment at byte positions: the virtual line and framer hardware deliver byte-aligned
//! timeslots, so the bit position within a byte is never searched (a bit-shifted stream stays
//! in loss of frame alignment). The search is parallel over all 32 byte positions: the first
//! position showing FAS, then bit 2 = 1 one frame later, then FAS again one frame later wins.
//!
//! Alarms follow DAHDI's model: the receiver starts in LOF (red), as a card does. When the
//! last of LOS/LOF/AIS clears, [`Alarm::Recover`] is raised for
//! [`RxConfig::recovery_holdoff`] frames and then cleared; a fault returning during the
//! hold-off cancels it and the hold-off starts again after the next clearing.
//!
//! Values not confirmed from the ITU text itself in this pass (taken from framer data sheets
//! that quote it, or chosen here) are marked *(verify)* on the constants below.
//!
//! **Limits (known, deliberate):**
//! - G.706 §4.2 asks, when no CRC-4 multiframe is found within 8 ms, for a parallel
//!   re-search of frame alignment (the first one may be a spurious FAS). Not done: the
//!   primary alignment is kept; a false alignment is still caught by the FAS check and, once
//!   CRC-4 is aligned, by the 915-of-1000 rule. With [`Crc4Mode::On`] [`Alarm::Lmfa`] is
//!   raised instead.
//! - Slips are recognised when they flip the FAS parity (one frame dropped or repeated, or any
//!   odd number). An even slip keeps the FAS parity; CRC-4 then fails and the 915-of-1000
//!   rule re-aligns after one to two seconds; it is not counted as a slip.
//! - TS16 AIS (all ones in TS16 only) is not detected. [`Alarm::CasMultiframe`] is raised on
//!   loss of a CAS multiframe alignment that was held, not when none is ever found.
//! - Frame alignment is searched at byte positions only (see above).
//! - When alignment is gained the frame-period clock is re-phased to the frame boundary:
//!   that one period is shorter or longer by less than 32 bytes.

use std::collections::VecDeque;

use crate::crc4::Crc4;
use crate::frame::{
    A_BIT, Abcd, CRC4_MFAS, FAS, FAS_MASK, FRAME_LEN, FRAMES_PER_SECOND, NFAS_BIT2, SaBits,
};
use crate::hdlc::{HdlcDecoder, HdlcResult};
use crate::{Alarm, Alarms, Counters, Crc4Mode, Event, SecondReport, Signalling};

/// Consecutive bad FAS words that mean loss of frame alignment (G.706 §4.1.1).
pub const LOF_BAD_FAS: u8 = 3;
/// Frames with swapped FAS/NFAS parity that mean a one-frame slip (chosen here: two FAS and
/// two NFAS frames, before the third bad FAS word would declare LOF).
pub const SLIP_SWAPPED_FRAMES: u8 = 4;
/// Window for two CRC-4 MF alignment signals, in frames: 8 ms (G.706 §4.2).
pub const CRC4_MF_WINDOW: u32 = 64;
/// Annex B: search time for CRC-4 multiframe before assuming a non-CRC-4 far end, in
/// frames: 400 ms (G.706 Annex B.2.3, as quoted by framer data sheets) *(verify)*.
pub const ANNEX_B_FRAMES: u32 = 3200;
/// CRC-4 blocks per false-alignment window: 1000 sub-multiframes = 1 s (G.706 §4.3.2).
pub const CRC4_WINDOW_BLOCKS: u32 = 1000;
/// Errored CRC-4 blocks of 1000 that mean false frame alignment: "more than 914"
/// (G.706 §4.3.2) *(verify)*.
pub const CRC4_FALSE_ALIGN_ERRORS: u32 = 915;
/// Consecutive zero bits that mean LOS: 255, the top of the 10..=255 range G.775 allows for
/// 2048 kbit/s *(verify)*.
pub const LOS_ZERO_BITS: u32 = 255;
/// Ones in a 256-bit window (12.5 % density) that clear LOS (G.775) *(verify)*.
pub const LOS_CLEAR_ONES: u32 = 32;
/// Bytes in the AIS window: a double frame of 512 bits (G.775 for 2048 kbit/s).
pub const AIS_WINDOW_BYTES: u32 = 64;
/// AIS is present when a double frame holds fewer than this many zeros, in two consecutive
/// double frames; it clears after two consecutive double frames with at least this many
/// (G.775) *(verify)*.
pub const AIS_ZEROS: u32 = 3;
/// Consecutive NFAS words with A = 1 (or 0) to raise (or clear) RAI (chosen here) *(verify)*.
pub const RAI_PERSIST: u8 = 2;
/// Consecutive erroneous CAS multiframe alignment words that mean its loss (G.732 §5.2).
pub const CAS_LOSS_BAD_MFAS: u8 = 2;
/// CAS multiframes an ABCD value must be seen in before it is reported (debounce, chosen here).
pub const CAS_DEBOUNCE_MF: u8 = 2;
/// Default recovery hold-off after red/blue clears, in frames: 2.5 s like DAHDI card drivers
/// *(verify)*.
pub const DEFAULT_RECOVERY_HOLDOFF: u32 = 20_000;
/// Errored CRC-4 blocks in a second that make it severely errored: 30 % of 1000 (G.826 §B).
pub const SES_CRC4_BLOCKS: u32 = 300;
/// FAS errors in a second that make it severely errored without CRC-4 *(verify, M.2100-style)*.
pub const SES_FAS_ERRORS: u32 = 28;
/// Aligned frames kept for [`Receiver::poll_frame`] before the oldest is dropped.
pub const DEFAULT_FRAME_QUEUE: usize = 1024;

/// Receiver configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxConfig {
    /// CRC-4 handling.
    pub crc4: Crc4Mode,
    /// What TS16 carries.
    pub signalling: Signalling,
    /// Frames a cleared red/blue alarm stays in [`Alarm::Recover`].
    pub recovery_holdoff: u32,
    /// Aligned frames kept for [`Receiver::poll_frame`]; 0 keeps none (statistics only).
    pub frame_queue: usize,
}

impl Default for RxConfig {
    fn default() -> Self {
        Self {
            crc4: Crc4Mode::Auto,
            signalling: Signalling::Ccs,
            recovery_holdoff: DEFAULT_RECOVERY_HOLDOFF,
            frame_queue: DEFAULT_FRAME_QUEUE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mf {
    /// CRC-4 not used (configured off, or Annex B fallback).
    Off,
    /// Looking for the MF alignment signal; `deadline` is the Annex B timer (frame number).
    Searching { deadline: Option<u64> },
    /// Aligned; `pos` is the position of the next frame in the CRC-4 multiframe.
    Aligned { pos: u8 },
}

#[derive(Debug, Clone)]
struct Cas {
    aligned: bool,
    pos: u8,
    bad_mfas: u8,
    prev_ts16_nonzero: bool,
    reported: [Abcd; 31],
    pending: [Abcd; 31],
    pending_count: [u8; 31],
    remote_alarm: bool,
}

/// Sans-IO E1 receiver.
///
/// Feed received bytes with [`handle_input`](Self::handle_input) in any split; then drain
/// [`poll_event`](Self::poll_event), [`poll_frame`](Self::poll_frame) (aligned frames, TS0
/// first) and, for CCS, [`poll_hdlc`](Self::poll_hdlc).
#[derive(Debug, Clone)]
pub struct Receiver {
    cfg: RxConfig,
    /// Frame periods elapsed (bytes / 32).
    now: u64,
    byte_in_period: u32,
    // LOS
    zero_run: u32,
    los_hit_in_window: bool,
    ones_in_window: u32,
    // AIS
    ais_bytes: u32,
    ais_zeros: u32,
    ais_low: u8,
    ais_high: u8,
    // alignment
    aligned: bool,
    aligned_at: u64,
    ring: [u8; 128],
    ring_len: usize,
    frame: [u8; FRAME_LEN],
    fpos: usize,
    expect_fas: bool,
    bad_fas: u8,
    swapped: u8,
    // CRC-4
    mf: Mf,
    si_hist: u8,
    mf_matches: [u64; 4],
    crc_cur: Crc4,
    crc_prev: Option<u8>,
    smf_clean: bool,
    rx_c: u8,
    window_blocks: u32,
    window_errors: u32,
    ebits_to_send: u32,
    // NFAS
    rai_run: u8,
    sa_reported: SaBits,
    sa_pending: SaBits,
    // CAS
    cas: Cas,
    // alarms and statistics
    alarms: Alarms,
    recover_left: u32,
    counters: Counters,
    second: SecondReport,
    second_defect: bool,
    frames_in_second: u32,
    events: VecDeque<Event>,
    frames: VecDeque<[u8; FRAME_LEN]>,
    hdlc: HdlcDecoder,
}

impl Receiver {
    /// A receiver in loss of frame alignment (LOF raised, as a card starts in red).
    #[must_use]
    pub fn new(cfg: RxConfig) -> Self {
        let mut r = Self {
            cfg,
            now: 0,
            byte_in_period: 0,
            zero_run: 0,
            los_hit_in_window: false,
            ones_in_window: 0,
            ais_bytes: 0,
            ais_zeros: 0,
            ais_low: 0,
            ais_high: 0,
            aligned: false,
            aligned_at: 0,
            ring: [0; 128],
            ring_len: 0,
            frame: [0; FRAME_LEN],
            fpos: 0,
            expect_fas: true,
            bad_fas: 0,
            swapped: 0,
            mf: Mf::Off,
            si_hist: 0,
            mf_matches: [u64::MAX; 4],
            crc_cur: Crc4::new(),
            crc_prev: None,
            smf_clean: false,
            rx_c: 0,
            window_blocks: 0,
            window_errors: 0,
            ebits_to_send: 0,
            rai_run: 0,
            sa_reported: SaBits::ALL_ONES,
            sa_pending: SaBits::ALL_ONES,
            cas: Cas {
                aligned: false,
                pos: 0,
                bad_mfas: 0,
                prev_ts16_nonzero: false,
                reported: [Abcd::IDLE; 31],
                pending: [Abcd::IDLE; 31],
                pending_count: [0; 31],
                remote_alarm: false,
            },
            alarms: Alarms::default(),
            recover_left: 0,
            counters: Counters::default(),
            second: SecondReport::default(),
            second_defect: false,
            frames_in_second: 0,
            events: VecDeque::new(),
            frames: VecDeque::new(),
            hdlc: HdlcDecoder::new(),
        };
        r.raise(Alarm::Lof);
        r
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &RxConfig {
        &self.cfg
    }

    /// Feeds received line bytes (whole frames or any split; MSB = first bit on the wire).
    pub fn handle_input(&mut self, mut bytes: &[u8]) {
        while let Some((&b, rest)) = bytes.split_first() {
            // Fast path: a whole aligned frame that also fills one frame period and half of an
            // AIS window (the usual case once aligned, see `gain_alignment`).
            if self.aligned
                && self.fpos == 0
                && self.byte_in_period == 0
                && self.ais_bytes.is_multiple_of(FRAME_LEN as u32)
                && let Some((f, rest)) = bytes.split_first_chunk::<FRAME_LEN>()
                && !f.contains(&0)
            {
                self.line_monitor_frame(f);
                self.frame = *f;
                self.process_frame();
                self.tick();
                bytes = rest;
                continue;
            }
            self.handle_byte(b);
            bytes = rest;
        }
    }

    /// Next event, in order of occurrence. Call after every [`handle_input`](Self::handle_input).
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Next received frame while in frame alignment (32 bytes, TS0 first): the B-channel
    /// payload of TS1-15 and TS17-31, TS16 as received.
    #[must_use]
    pub fn poll_frame(&mut self) -> Option<[u8; FRAME_LEN]> {
        self.frames.pop_front()
    }

    /// Next HDLC frame or error decoded from TS16 (only with [`Signalling::Ccs`]).
    #[must_use]
    pub fn poll_hdlc(&mut self) -> Option<HdlcResult> {
        self.hdlc.poll()
    }

    /// The HDLC decoder on TS16 (for its counters).
    #[must_use]
    pub fn hdlc(&self) -> &HdlcDecoder {
        &self.hdlc
    }

    /// Current alarms.
    #[must_use]
    pub fn alarms(&self) -> Alarms {
        self.alarms
    }

    /// Counters since creation.
    #[must_use]
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Adds bipolar violations reported by line hardware (HDB3 code violations); the
    /// byte stream itself carries none.
    pub fn add_bpv(&mut self, n: u64) {
        self.counters.bpv += n;
    }

    /// True while in frame alignment.
    #[must_use]
    pub fn is_aligned(&self) -> bool {
        self.aligned
    }

    /// True while in CRC-4 multiframe alignment.
    #[must_use]
    pub fn is_crc4_aligned(&self) -> bool {
        matches!(self.mf, Mf::Aligned { .. })
    }

    /// True while in CAS multiframe alignment.
    #[must_use]
    pub fn is_cas_aligned(&self) -> bool {
        self.cas.aligned
    }

    /// Last reported ABCD bits of channel `ch` (1..=30).
    #[must_use]
    pub fn abcd(&self, ch: u8) -> Option<Abcd> {
        (1..=30)
            .contains(&ch)
            .then(|| self.cas.reported[usize::from(ch)])
    }

    /// Last reported Sa4..Sa8 bits.
    #[must_use]
    pub fn sa_bits(&self) -> SaBits {
        self.sa_reported
    }

    /// Frame periods elapsed (received bytes / 32): the receiver's clock.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Whether our transmitter should send RAI (A = 1): while LOS, LOF or AIS is present
    /// (the G.732 consequent actions table *(verify clause)*; DAHDI sends yellow while red).
    #[must_use]
    pub fn wants_rai(&self) -> bool {
        self.alarms.los || self.alarms.lof || self.alarms.ais
    }

    /// Whether our transmitter should send the CAS multiframe remote alarm (Y = 1, G.732 §5.2).
    #[must_use]
    pub fn wants_cas_remote_alarm(&self) -> bool {
        self.alarms.cas_multiframe
    }

    /// Whether the far end was found to send no CRC-4 (G.706 Annex B): our E-bits go out as 0.
    #[must_use]
    pub fn crc4_fallback(&self) -> bool {
        self.cfg.crc4 == Crc4Mode::Auto && self.mf == Mf::Off
    }

    /// Takes the number of errored sub-multiframes not yet reported to the far end in E-bits.
    pub fn take_ebit_reports(&mut self) -> u32 {
        std::mem::take(&mut self.ebits_to_send)
    }

    fn raise(&mut self, a: Alarm) {
        if self.alarms.set(a, true) {
            self.events.push_back(Event::AlarmRaised(a));
        }
    }

    fn clear(&mut self, a: Alarm) {
        if self.alarms.set(a, false) {
            self.events.push_back(Event::AlarmCleared(a));
        }
    }

    #[inline]
    fn handle_byte(&mut self, b: u8) {
        self.line_monitor(b);
        if self.aligned {
            self.frame[self.fpos] = b;
            self.fpos += 1;
            if self.fpos == FRAME_LEN {
                self.fpos = 0;
                self.process_frame();
            }
        } else {
            self.hunt(b);
        }
        self.byte_in_period += 1;
        if self.byte_in_period == FRAME_LEN as u32 {
            self.byte_in_period = 0;
            self.tick();
        }
    }

    /// [`line_monitor`](Self::line_monitor) for 32 bytes none of which is zero: no zero run
    /// can reach the LOS threshold inside them.
    #[inline]
    fn line_monitor_frame(&mut self, f: &[u8; FRAME_LEN]) {
        let (ones, zeros) = f.iter().fold((0, 0), |(o, z), b| {
            (o + b.count_ones(), z + b.count_zeros())
        });
        self.zero_run = self.zero_run.saturating_add(f[0].leading_zeros());
        if self.zero_run >= LOS_ZERO_BITS {
            self.los_hit_in_window = true;
        }
        self.zero_run = f[FRAME_LEN - 1].trailing_zeros();
        self.ones_in_window += ones;
        self.ais_zeros += zeros;
        self.ais_bytes += FRAME_LEN as u32;
        if self.ais_bytes == AIS_WINDOW_BYTES {
            self.end_ais_window();
        }
    }

    /// LOS and AIS work on the raw stream, aligned or not (G.775).
    #[inline]
    fn line_monitor(&mut self, b: u8) {
        if b == 0 {
            self.zero_run = self.zero_run.saturating_add(8);
        } else {
            self.zero_run = self.zero_run.saturating_add(b.leading_zeros());
            if self.zero_run >= LOS_ZERO_BITS {
                self.los_hit_in_window = true;
            }
            self.zero_run = b.trailing_zeros();
            self.ones_in_window += b.count_ones();
        }
        if self.zero_run >= LOS_ZERO_BITS {
            self.los_hit_in_window = true;
            if !self.alarms.los {
                self.raise(Alarm::Los);
                self.second_defect = true;
            }
        }
        self.ais_zeros += b.count_zeros();
        self.ais_bytes += 1;
        if self.ais_bytes == AIS_WINDOW_BYTES {
            self.end_ais_window();
        }
    }

    fn end_ais_window(&mut self) {
        if self.ais_zeros < AIS_ZEROS {
            self.ais_low = self.ais_low.saturating_add(1);
            self.ais_high = 0;
        } else {
            self.ais_high = self.ais_high.saturating_add(1);
            self.ais_low = 0;
        }
        if self.ais_low >= 2 && !self.alarms.ais {
            self.raise(Alarm::Ais);
            self.second_defect = true;
        } else if self.ais_high >= 2 && self.alarms.ais {
            self.clear(Alarm::Ais);
        }
        self.ais_bytes = 0;
        self.ais_zeros = 0;
    }

    /// Parallel search at every byte position (G.706 §4.1.2 a-c).
    #[inline]
    fn hunt(&mut self, b: u8) {
        let i = self.ring_len;
        self.ring[i & 127] = b;
        self.ring_len += 1;
        if i < 2 * FRAME_LEN {
            return;
        }
        let first = self.ring[(i - 2 * FRAME_LEN) & 127];
        let mid = self.ring[(i - FRAME_LEN) & 127];
        if b & FAS_MASK == FAS && first & FAS_MASK == FAS && mid & NFAS_BIT2 != 0 {
            self.gain_alignment(b);
        }
    }

    fn gain_alignment(&mut self, ts0: u8) {
        // Re-phase the frame-period clock to the frame boundary (this period ends after the
        // 31 bytes still to come, so it is shortened or lengthened by less than one frame),
        // which lets aligned frames take the fast path in `handle_input`. The AIS window is
        // re-phased the same way; the partial window is dropped, not judged.
        self.byte_in_period = 0;
        self.ais_bytes = 1;
        self.ais_zeros = ts0.count_zeros();
        self.aligned = true;
        self.aligned_at = self.now;
        self.frame[0] = ts0;
        self.fpos = 1;
        self.expect_fas = true;
        self.bad_fas = 0;
        self.swapped = 0;
        self.rai_run = 0;
        self.cas.aligned = false;
        self.cas.bad_mfas = 0;
        self.events.push_back(Event::FrameSync(true));
        self.clear(Alarm::Lof);
        self.start_mf_search(true);
    }

    fn start_mf_search(&mut self, new_alignment: bool) {
        let deadline = match (self.cfg.crc4, self.mf) {
            (Crc4Mode::Off, _) => {
                self.mf = Mf::Off;
                return;
            }
            // Annex B.2.3: the 400 ms timer starts when primary frame alignment is found and
            // is reset only by loss of frame alignment.
            (Crc4Mode::Auto, Mf::Searching { deadline }) if !new_alignment => deadline,
            (Crc4Mode::Auto, Mf::Off) if !new_alignment => return, // fallen back
            (Crc4Mode::Auto, _) => Some(self.now + u64::from(ANNEX_B_FRAMES)),
            (Crc4Mode::On, _) => None,
        };
        if let Mf::Aligned { .. } = self.mf {
            self.events.push_back(Event::Crc4Sync(false));
        }
        self.mf = Mf::Searching { deadline };
        self.si_hist = 0;
        self.mf_matches = [u64::MAX; 4];
        self.crc_prev = None;
        self.smf_clean = false;
    }

    fn lose_alignment(&mut self) {
        self.aligned = false;
        self.ring_len = 0;
        self.fpos = 0;
        self.events.push_back(Event::FrameSync(false));
        if let Mf::Aligned { .. } = self.mf {
            self.events.push_back(Event::Crc4Sync(false));
        }
        if self.mf != Mf::Off || self.cfg.crc4 != Crc4Mode::Off {
            // Annex B: a loss of frame alignment restarts the whole procedure.
            self.mf = Mf::Searching { deadline: None };
        }
        self.cas.aligned = false;
        if self.alarms.rai {
            self.clear(Alarm::Rai);
        }
        self.clear(Alarm::Lmfa);
        self.raise(Alarm::Lof);
        self.second_defect = true;
    }

    fn process_frame(&mut self) {
        let ts0 = self.frame[0];
        let is_fas = ts0 & FAS_MASK == FAS;
        let is_nfas = ts0 & NFAS_BIT2 != 0;
        if self.expect_fas && !is_fas {
            self.bad_fas += 1;
            self.counters.fas_errors += 1;
            self.second.fas_errors += 1;
        } else if self.expect_fas {
            self.bad_fas = 0;
        }
        let swapped = if self.expect_fas {
            !is_fas && is_nfas
        } else {
            is_fas
        };
        if swapped {
            self.swapped += 1;
            if self.swapped >= SLIP_SWAPPED_FRAMES {
                // A frame was dropped or repeated: the parity of FAS frames flipped.
                self.swapped = 0;
                self.bad_fas = 0;
                self.expect_fas = !self.expect_fas;
                self.counters.slips += 1;
                self.events.push_back(Event::Slip);
                if self.mf != Mf::Off {
                    self.start_mf_search(false);
                }
                self.cas.aligned = false;
                self.deliver();
                self.expect_fas = !self.expect_fas;
                return;
            }
        } else {
            self.swapped = 0;
        }
        if self.bad_fas >= LOF_BAD_FAS {
            self.lose_alignment();
            return;
        }
        self.deliver();
        if !self.expect_fas {
            self.nfas(ts0);
        }
        self.crc4(ts0);
        if self.cfg.signalling == Signalling::Cas {
            self.cas_frame(self.frame[16]);
        }
        self.expect_fas = !self.expect_fas;
    }

    fn deliver(&mut self) {
        if self.cfg.signalling == Signalling::Ccs {
            self.hdlc.handle_byte(self.frame[16]);
        }
        if self.cfg.frame_queue > 0 {
            if self.frames.len() >= self.cfg.frame_queue {
                self.frames.pop_front();
                self.counters.rx_overruns += 1;
            }
            self.frames.push_back(self.frame);
        }
    }

    fn nfas(&mut self, ts0: u8) {
        let a = ts0 & A_BIT != 0;
        if a != self.alarms.rai {
            self.rai_run += 1;
            if self.rai_run >= RAI_PERSIST {
                self.rai_run = 0;
                if a {
                    self.raise(Alarm::Rai);
                } else {
                    self.clear(Alarm::Rai);
                }
            }
        } else {
            self.rai_run = 0;
        }
        let sa = SaBits(ts0 & 0x1F);
        if sa != self.sa_reported {
            if sa == self.sa_pending {
                self.sa_reported = sa;
                self.events.push_back(Event::SaChanged(sa));
            }
            self.sa_pending = sa;
        } else {
            self.sa_pending = sa;
        }
    }

    fn crc4(&mut self, ts0: u8) {
        let si = ts0 >> 7;
        match self.mf {
            Mf::Off => {}
            Mf::Searching { .. } => {
                if self.expect_fas {
                    return;
                }
                self.si_hist = ((self.si_hist << 1) | si) & 0x3F;
                if self.si_hist == CRC4_MFAS {
                    // This NFAS frame is frame 11 of the CRC-4 multiframe. G.706 §4.2: two
                    // alignment signals within 8 ms, 2 ms (16 frames) or a multiple apart.
                    let now = self.now;
                    let confirmed = self.mf_matches.iter().any(|&m| {
                        m != u64::MAX
                            && now > m
                            && now - m <= u64::from(CRC4_MF_WINDOW)
                            && (now - m).is_multiple_of(16)
                    });
                    if confirmed {
                        self.mf = Mf::Aligned { pos: 12 };
                        self.crc_prev = None;
                        self.smf_clean = false;
                        self.window_blocks = 0;
                        self.window_errors = 0;
                        self.events.push_back(Event::Crc4Sync(true));
                        self.clear(Alarm::Lmfa);
                    } else {
                        self.mf_matches.rotate_right(1);
                        self.mf_matches[0] = now;
                    }
                }
            }
            Mf::Aligned { pos } => {
                let in_smf = pos % 8;
                if in_smf == 0 {
                    self.crc_cur = Crc4::new();
                    self.rx_c = 0;
                    self.smf_clean = true;
                }
                if pos.is_multiple_of(2) {
                    // C-bit: C1..C4 in frames 0,2,4,6 of the sub-multiframe; computed as 0.
                    self.rx_c |= si << (3 - in_smf / 2);
                    self.crc_cur.update_byte(ts0 & 0x7F);
                } else {
                    if (pos == 13 || pos == 15) && si == 0 {
                        self.counters.ebit_errors += 1;
                        self.second.ebit_errors += 1;
                    }
                    self.crc_cur.update_byte(ts0);
                }
                self.crc_cur.update(&self.frame[1..]);
                if in_smf == 7 {
                    self.end_smf();
                }
                self.mf = Mf::Aligned {
                    pos: (pos + 1) % 16,
                };
            }
        }
    }

    fn end_smf(&mut self) {
        if let (true, Some(expected)) = (self.smf_clean, self.crc_prev) {
            self.window_blocks += 1;
            if self.rx_c != expected {
                self.counters.crc4_errors += 1;
                self.second.crc4_errors += 1;
                self.window_errors += 1;
                self.ebits_to_send = self.ebits_to_send.saturating_add(1);
            }
            if self.window_blocks >= CRC4_WINDOW_BLOCKS {
                let false_alignment = self.window_errors >= CRC4_FALSE_ALIGN_ERRORS;
                self.window_blocks = 0;
                self.window_errors = 0;
                if false_alignment {
                    // G.706 §4.3.2: assume false frame alignment and search again.
                    self.lose_alignment();
                    return;
                }
            }
        }
        self.crc_prev = self.smf_clean.then_some(self.crc_cur.value());
    }

    fn cas_frame(&mut self, t: u8) {
        let c = &mut self.cas;
        if !c.aligned {
            // G.732 §5.2: alignment when an MFAS word is found and the TS16 before it is not
            // all zeros.
            if t & 0xF0 == 0 && c.prev_ts16_nonzero {
                c.aligned = true;
                c.pos = 1;
                c.bad_mfas = 0;
                c.remote_alarm = t & 0x04 != 0;
                self.events.push_back(Event::CasSync(true));
                self.clear(Alarm::CasMultiframe);
                if self.cas.remote_alarm {
                    self.raise(Alarm::CasRemote);
                } else {
                    self.clear(Alarm::CasRemote);
                }
            }
            self.cas.prev_ts16_nonzero = t != 0;
            return;
        }
        c.prev_ts16_nonzero = t != 0;
        let pos = c.pos;
        c.pos = (pos + 1) % 16;
        if pos == 0 {
            if t & 0xF0 != 0 {
                c.bad_mfas += 1;
                if c.bad_mfas >= CAS_LOSS_BAD_MFAS {
                    c.aligned = false;
                    self.events.push_back(Event::CasSync(false));
                    self.raise(Alarm::CasMultiframe);
                }
                return;
            }
            c.bad_mfas = 0;
            let y = t & 0x04 != 0;
            if y {
                self.raise(Alarm::CasRemote);
            } else {
                self.clear(Alarm::CasRemote);
            }
            return;
        }
        for (ch, v) in [(pos, t >> 4), (pos + 15, t & 0x0F)] {
            let i = usize::from(ch);
            let v = Abcd(v);
            let c = &mut self.cas;
            if v == c.reported[i] {
                c.pending_count[i] = 0;
                continue;
            }
            if v == c.pending[i] {
                c.pending_count[i] += 1;
            } else {
                c.pending[i] = v;
                c.pending_count[i] = 1;
            }
            if c.pending_count[i] >= CAS_DEBOUNCE_MF {
                c.reported[i] = v;
                c.pending_count[i] = 0;
                self.events.push_back(Event::CasChanged {
                    channel: ch,
                    abcd: v,
                });
            }
        }
    }

    /// One frame period (32 received bytes) elapsed.
    fn tick(&mut self) {
        self.now += 1;
        // LOS clears after a 256-bit window with 12.5 % ones and no long zero run.
        if self.alarms.los && !self.los_hit_in_window && self.ones_in_window >= LOS_CLEAR_ONES {
            self.clear(Alarm::Los);
        }
        self.los_hit_in_window = false;
        self.ones_in_window = 0;

        // Annex B.2.3: no CRC-4 multiframe within 400 ms of primary frame alignment.
        if let Mf::Searching { deadline: Some(d) } = self.mf
            && self.aligned
            && self.now >= d
        {
            self.mf = Mf::Off;
            self.events.push_back(Event::Crc4Fallback);
        }

        // Strict CRC-4: no multiframe alignment 8 ms after frame alignment (G.706 §4.2).
        if self.cfg.crc4 == Crc4Mode::On
            && self.aligned
            && matches!(self.mf, Mf::Searching { .. })
            && self.now - self.aligned_at > u64::from(CRC4_MF_WINDOW)
        {
            self.raise(Alarm::Lmfa);
        }

        // Recovery hold-off (DAHDI RECOVER): red/blue cleared, wait before calling it good.
        let defect = self.wants_rai();
        if defect {
            self.second_defect = true;
            if self.alarms.recover {
                self.clear(Alarm::Recover);
            }
            self.recover_left = self.cfg.recovery_holdoff;
        } else if self.recover_left > 0 {
            if !self.alarms.recover {
                self.raise(Alarm::Recover);
            }
            self.recover_left -= 1;
            if self.recover_left == 0 {
                self.clear(Alarm::Recover);
            }
        }

        self.frames_in_second += 1;
        if self.frames_in_second == FRAMES_PER_SECOND {
            self.frames_in_second = 0;
            self.end_second();
        }
    }

    /// G.826 (in-service, 2048 kbit/s with CRC-4: 1000 blocks/s): an errored second has an
    /// errored block or a defect; a severely errored second has >= 30 % errored blocks or a
    /// defect. Without CRC-4, FAS errors stand in for errored blocks *(verify)*.
    fn end_second(&mut self) {
        let mut s = std::mem::take(&mut self.second);
        let crc_active = matches!(self.mf, Mf::Aligned { .. });
        s.defect = self.second_defect;
        s.errored = s.defect || s.crc4_errors > 0 || (!crc_active && s.fas_errors > 0);
        s.severely_errored = s.defect
            || s.crc4_errors >= SES_CRC4_BLOCKS
            || (!crc_active && s.fas_errors >= SES_FAS_ERRORS);
        self.second_defect = false;
        if s.errored {
            self.counters.errored_seconds += 1;
        }
        if s.severely_errored {
            self.counters.severely_errored_seconds += 1;
        }
        self.events.push_back(Event::Second(s));
    }
}
