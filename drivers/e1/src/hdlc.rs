//! HDLC framing for a 64 kbit/s timeslot (the TS16 D-channel of ISDN PRI).
//!
//! **What it does:** [`HdlcEncoder`] turns whole frames into the bit stream a D-channel carries:
//! opening/closing flags (`0x7E`), zero-bit insertion after five consecutive ones, the 16-bit
//! frame check sequence appended low byte first, idle flags when there is nothing to send, and
//! an abort sequence on request. [`HdlcDecoder`] does the reverse on a byte stream split
//! anywhere: it finds flags, removes stuffed zeros, checks the FCS and hands out frames or
//! typed errors ([`HdlcError`]); it never panics on any input.
//!
//! **How it works:** bit by bit with a small shift register (64 kbit/s is 64 000 bit steps per
//! second per D-channel, a few hundred microseconds of CPU). HDLC sends the least significant
//! bit of each octet first (ISO/IEC 13239 §4, Q.921 §2.8); on E1 the first bit of a timeslot
//! on the wire is the most significant bit of the timeslot byte (G.704 §2.3, bit 1 = MSB), so
//! the HDLC bit stream fills each timeslot byte from its MSB down.
//!
//! **Spec:** ISO/IEC 13239 (flags, transparency, abort = seven or more contiguous ones, frames
//! shorter than 32 bits between flags are invalid), Q.921 §2 (LAPD uses the same framing), the
//! FCS is CRC-16/X.25 (polynomial x^16 + x^12 + x^5 + 1, preset and complemented,
//! "CRC-16/IBM-SDLC" in the `crc` crate catalogue, check value 0x906E).
//!
//! **Limits:** no shared-zero flags, no 32-bit FCS, no shared flag on receive other than one
//! flag closing a frame and opening the next.
//!
//! The "frame + 2 FCS bytes" convention used by the D-channel socket and by libpri
//! (`q921.c` reads `len - 2`, writes `len + 2`) is served by [`append_fcs`] and [`check_fcs`].

use std::collections::VecDeque;

use crc::{CRC_16_IBM_SDLC, Crc};

/// The HDLC flag sequence `01111110` (ISO/IEC 13239 §4.1).
pub const FLAG: u8 = 0x7E;

/// FCS-16 calculator (CRC-16/X.25, ISO/IEC 13239 §4.2.2.1).
pub const FCS16: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_SDLC);

/// Computes the FCS-16 of `data`, as transmitted: the low byte goes first on the wire.
#[must_use]
pub fn fcs16(data: &[u8]) -> u16 {
    FCS16.checksum(data)
}

/// Appends the two FCS bytes (low byte first) to `frame`, giving "frame + 2 FCS bytes".
pub fn append_fcs(frame: &mut Vec<u8>) {
    let fcs = fcs16(frame);
    frame.extend_from_slice(&fcs.to_le_bytes());
}

/// Checks a "frame + 2 FCS bytes" buffer and returns the frame without its FCS.
///
/// # Errors
/// [`HdlcError::TooShort`] when `buf` has fewer than 2 bytes, [`HdlcError::BadFcs`] when the
/// FCS does not match.
pub fn check_fcs(buf: &[u8]) -> Result<&[u8], HdlcError> {
    if buf.len() < 2 {
        return Err(HdlcError::TooShort { len: buf.len() });
    }
    let (body, fcs) = buf.split_at(buf.len() - 2);
    let got = u16::from_le_bytes([fcs[0], fcs[1]]);
    if fcs16(body) == got {
        Ok(body)
    } else {
        Err(HdlcError::BadFcs)
    }
}

/// Why a received frame was discarded (or, for the encoder, refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HdlcError {
    /// The frame check sequence did not match (ISO/IEC 13239 §4.2.2).
    #[error("bad FCS")]
    BadFcs,
    /// Seven or more contiguous ones inside a frame: the sender aborted it (ISO/IEC 13239 §4.4).
    #[error("frame aborted by the sender")]
    Aborted,
    /// Fewer octets between flags than the configured minimum (ISO/IEC 13239: 32 bits).
    #[error("frame too short: {len} octets including FCS")]
    TooShort {
        /// Octets received between the flags, FCS included.
        len: usize,
    },
    /// More octets than the configured maximum; the rest of the frame is skipped.
    #[error("frame longer than {max} octets")]
    TooLong {
        /// The configured maximum, FCS included.
        max: usize,
    },
    /// The bits between the flags were not a whole number of octets.
    #[error("frame is not a whole number of octets")]
    NotOctetAligned,
    /// The encoder queue is full (see [`HdlcEncoder::with_limits`]).
    #[error("transmit queue full")]
    QueueFull,
}

/// Counters kept by [`HdlcDecoder`] (the DAHDI `DAHDI_EVENT_BADFCS`/`ABORT` equivalents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HdlcCounters {
    /// Frames delivered with a good FCS.
    pub frames: u64,
    /// Frames discarded for a bad FCS.
    pub bad_fcs: u64,
    /// Frames aborted by the sender.
    pub aborts: u64,
    /// Frames shorter than the minimum.
    pub too_short: u64,
    /// Frames longer than the maximum.
    pub too_long: u64,
    /// Frames with a bit count that was not a multiple of eight.
    pub not_octet_aligned: u64,
}

/// What the decoder produced: a good frame (without FCS) or the reason one was discarded.
pub type HdlcResult = Result<Vec<u8>, HdlcError>;

/// Default maximum frame length including FCS: Q.921 N201 = 260 information octets, plus
/// address (2), control (2) and FCS (2), rounded up.
pub const DEFAULT_MAX_LEN: usize = 268;
/// Default minimum frame length including FCS: 32 bits between flags (ISO/IEC 13239 §4.6).
pub const DEFAULT_MIN_LEN: usize = 4;

/// Sans-IO HDLC receiver: bytes of the timeslot in, frames out.
///
/// Call [`handle_input`](Self::handle_input) with every received byte (any split), then
/// [`poll`](Self::poll) until it returns `None`.
#[derive(Debug, Clone)]
pub struct HdlcDecoder {
    min_len: usize,
    max_len: usize,
    /// Consecutive ones seen (not yet appended as data).
    ones: u32,
    /// Between an opening flag and the next flag (false while hunting for a flag).
    in_frame: bool,
    /// Discarding the current frame (too long); wait for the next flag.
    skipping: bool,
    acc: u8,
    nbits: u32,
    buf: Vec<u8>,
    out: VecDeque<HdlcResult>,
    counters: HdlcCounters,
}

impl Default for HdlcDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl HdlcDecoder {
    /// A decoder with the default limits ([`DEFAULT_MIN_LEN`], [`DEFAULT_MAX_LEN`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MIN_LEN, DEFAULT_MAX_LEN)
    }

    /// A decoder accepting frames of `min_len..=max_len` octets, FCS included.
    /// `min_len` is raised to 3 (one octet plus FCS) if smaller.
    #[must_use]
    pub fn with_limits(min_len: usize, max_len: usize) -> Self {
        let min_len = min_len.max(3);
        Self {
            min_len,
            max_len: max_len.max(min_len),
            ones: 0,
            in_frame: false,
            skipping: false,
            acc: 0,
            nbits: 0,
            buf: Vec::new(),
            out: VecDeque::new(),
            counters: HdlcCounters::default(),
        }
    }

    /// Feeds received timeslot bytes (MSB = first bit on the wire).
    pub fn handle_input(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.handle_byte(b);
        }
    }

    /// Feeds one received timeslot byte.
    pub fn handle_byte(&mut self, b: u8) {
        // Fast path: idle flags while hunting or between frames.
        // (While hunting nothing is appended, so a flag byte simply opens a frame; right after
        // a flag, another flag byte appends and then drops one zero bit: a no-op too.)
        if b == FLAG
            && self.ones == 0
            && (!self.in_frame || (self.buf.is_empty() && self.nbits == 0 && !self.skipping))
        {
            self.open_frame();
            return;
        }
        for i in (0..8).rev() {
            self.bit((b >> i) & 1);
        }
    }

    /// Next decoded frame (FCS removed) or error, in order of reception.
    #[must_use]
    pub fn poll(&mut self) -> Option<HdlcResult> {
        self.out.pop_front()
    }

    /// Counters since creation.
    #[must_use]
    pub fn counters(&self) -> HdlcCounters {
        self.counters
    }

    fn open_frame(&mut self) {
        self.in_frame = true;
        self.skipping = false;
        self.buf.clear();
        self.acc = 0;
        self.nbits = 0;
    }

    #[inline]
    fn bit(&mut self, bit: u8) {
        if bit == 1 {
            self.ones = self.ones.saturating_add(1);
            if self.ones == 7 && self.in_frame {
                // Abort (ISO/IEC 13239 §4.4). A frame is only reported if it had content.
                if !self.buf.is_empty() || self.nbits > 1 {
                    self.counters.aborts += 1;
                    self.out.push_back(Err(HdlcError::Aborted));
                }
                self.in_frame = false;
                self.skipping = false;
            }
            return;
        }
        match self.ones {
            5 => {
                // Stuffed zero: the five ones are data, the zero is dropped.
                for _ in 0..5 {
                    self.push_bit(1);
                }
            }
            6 => {
                if self.in_frame {
                    self.close_frame();
                }
                self.open_frame();
            }
            n if n >= 7 => {
                // End of an abort/idle-ones run: hunt for the next flag.
            }
            n => {
                for _ in 0..n {
                    self.push_bit(1);
                }
                self.push_bit(0);
            }
        }
        self.ones = 0;
    }

    #[inline]
    fn push_bit(&mut self, bit: u8) {
        if !self.in_frame || self.skipping {
            return;
        }
        self.acc |= bit << self.nbits;
        self.nbits += 1;
        if self.nbits == 8 {
            if self.buf.len() >= self.max_len {
                self.counters.too_long += 1;
                self.out
                    .push_back(Err(HdlcError::TooLong { max: self.max_len }));
                self.skipping = true;
                self.buf.clear();
            } else {
                self.buf.push(self.acc);
            }
            self.acc = 0;
            self.nbits = 0;
        }
    }

    fn close_frame(&mut self) {
        if self.skipping {
            return;
        }
        // The flag's leading zero was appended as a data bit; a good frame therefore ends
        // with exactly one bit in the accumulator.
        if self.buf.is_empty() && self.nbits <= 1 {
            return; // back-to-back flags
        }
        let result = if self.nbits != 1 {
            self.counters.not_octet_aligned += 1;
            Err(HdlcError::NotOctetAligned)
        } else if self.buf.len() < self.min_len {
            self.counters.too_short += 1;
            Err(HdlcError::TooShort {
                len: self.buf.len(),
            })
        } else {
            match check_fcs(&self.buf) {
                Ok(body) => {
                    self.counters.frames += 1;
                    Ok(body.to_vec())
                }
                Err(e) => {
                    self.counters.bad_fcs += 1;
                    Err(e)
                }
            }
        };
        self.out.push_back(result);
    }
}

/// What the encoder sends when it has no frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idle {
    /// Continuous flags (Q.921 §2.2 / §5: the D-channel idles with flags).
    #[default]
    Flags,
    /// Continuous ones ("mark idle", ISO/IEC 13239 §4.5).
    Ones,
}

/// Sans-IO HDLC transmitter: frames in, timeslot bytes out.
///
/// Queue frames with [`push_frame`](Self::push_frame) (the FCS is added here), then call
/// [`next_byte`](Self::next_byte) once per frame period for the timeslot byte (or
/// [`fill`](Self::fill) for a block).
#[derive(Debug, Clone)]
pub struct HdlcEncoder {
    queue: VecDeque<Vec<u8>>,
    max_queue: usize,
    max_len: usize,
    idle: Idle,
    /// The frame being sent (with FCS) and the next byte index.
    current: Option<(Vec<u8>, usize)>,
    /// Bits waiting to go out, first bit in bit 63.
    reg: u64,
    nreg: u32,
    ones: u32,
    /// The last thing pushed into `reg` was a flag (so a frame may start right away).
    after_flag: bool,
    abort_pending: bool,
}

impl Default for HdlcEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl HdlcEncoder {
    /// An encoder idling with flags, a 64-frame queue and [`DEFAULT_MAX_LEN`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(64, DEFAULT_MAX_LEN)
    }

    /// An encoder holding at most `max_queue` frames of at most `max_len` octets (FCS included).
    #[must_use]
    pub fn with_limits(max_queue: usize, max_len: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            max_queue,
            max_len,
            idle: Idle::Flags,
            current: None,
            reg: 0,
            nreg: 0,
            ones: 0,
            after_flag: false,
            abort_pending: false,
        }
    }

    /// Chooses the idle pattern.
    pub fn set_idle(&mut self, idle: Idle) {
        self.idle = idle;
    }

    /// Queues a frame; its FCS is computed and appended here.
    ///
    /// # Errors
    /// [`HdlcError::TooLong`] if the frame plus FCS exceeds the maximum, [`HdlcError::TooShort`]
    /// for an empty frame, [`HdlcError::QueueFull`] if the queue is full.
    pub fn push_frame(&mut self, frame: &[u8]) -> Result<(), HdlcError> {
        if frame.is_empty() {
            return Err(HdlcError::TooShort { len: 0 });
        }
        if frame.len() + 2 > self.max_len {
            return Err(HdlcError::TooLong { max: self.max_len });
        }
        if self.queue.len() >= self.max_queue {
            return Err(HdlcError::QueueFull);
        }
        let mut v = Vec::with_capacity(frame.len() + 2);
        v.extend_from_slice(frame);
        append_fcs(&mut v);
        self.queue.push_back(v);
        Ok(())
    }

    /// Queues a buffer that already ends with its 2 FCS bytes, sent as is (the
    /// "frame + 2 FCS bytes" convention; a deliberately wrong FCS goes out wrong).
    ///
    /// # Errors
    /// As [`push_frame`](Self::push_frame).
    pub fn push_frame_with_fcs(&mut self, buf: &[u8]) -> Result<(), HdlcError> {
        if buf.len() < 3 {
            return Err(HdlcError::TooShort { len: buf.len() });
        }
        if buf.len() > self.max_len {
            return Err(HdlcError::TooLong { max: self.max_len });
        }
        if self.queue.len() >= self.max_queue {
            return Err(HdlcError::QueueFull);
        }
        self.queue.push_back(buf.to_vec());
        Ok(())
    }

    /// Aborts the frame being sent (if any): seven or more ones go out, then flags.
    pub fn abort(&mut self) {
        if self.current.is_some() {
            self.abort_pending = true;
        }
    }

    /// Frames waiting, not counting the one being sent.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// True when no frame is queued or being sent (the encoder is idling).
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.current.is_none()
    }

    /// The next timeslot byte (MSB = first bit on the wire).
    pub fn next_byte(&mut self) -> u8 {
        while self.nreg < 8 {
            self.refill();
        }
        let b = (self.reg >> 56) as u8;
        self.reg <<= 8;
        self.nreg -= 8;
        b
    }

    /// Fills `out` with the next timeslot bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            *b = self.next_byte();
        }
    }

    /// Pushes `n` raw bits (MSB of `bits` first) with no stuffing.
    #[inline]
    fn push_raw(&mut self, bits: u8, n: u32) {
        let v = (u64::from(bits) >> (8 - n)) << (64 - n - self.nreg);
        self.reg |= v;
        self.nreg += n;
    }

    fn push_flag(&mut self) {
        self.push_raw(FLAG, 8);
        self.ones = 0;
        self.after_flag = true;
    }

    fn push_data_byte(&mut self, byte: u8) {
        for i in 0..8 {
            let bit = (byte >> i) & 1;
            self.push_raw(bit << 7, 1);
            if bit == 1 {
                self.ones += 1;
                if self.ones == 5 {
                    self.push_raw(0, 1);
                    self.ones = 0;
                }
            } else {
                self.ones = 0;
            }
        }
        self.after_flag = false;
    }

    /// Adds at least one bit to the register.
    fn refill(&mut self) {
        if self.abort_pending {
            self.abort_pending = false;
            self.current = None;
            self.push_raw(0xFF, 8);
            self.push_flag();
            return;
        }
        if let Some((frame, idx)) = &mut self.current {
            if let Some(&b) = frame.get(*idx) {
                *idx += 1;
                self.push_data_byte(b);
            } else {
                self.current = None;
                self.push_flag(); // closing flag, may also open the next frame
            }
            return;
        }
        if let Some(next) = self.queue.pop_front() {
            if !self.after_flag {
                self.push_flag(); // opening flag
            }
            self.current = Some((next, 0));
            return;
        }
        match self.idle {
            Idle::Flags => self.push_flag(),
            Idle::Ones => {
                self.push_raw(0xFF, 8);
                self.after_flag = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcs_check_value() {
        assert_eq!(fcs16(b"123456789"), 0x906E);
    }

    #[test]
    fn fcs_helpers_round_trip_and_detect_corruption() {
        let mut v = b"\x00\x01\x7f".to_vec();
        append_fcs(&mut v);
        assert_eq!(check_fcs(&v), Ok(&b"\x00\x01\x7f"[..]));
        v[1] ^= 0x10;
        assert_eq!(check_fcs(&v), Err(HdlcError::BadFcs));
        assert_eq!(check_fcs(&[1]), Err(HdlcError::TooShort { len: 1 }));
    }

    #[test]
    fn idle_encoder_sends_flags() {
        let mut e = HdlcEncoder::new();
        let mut out = [0u8; 16];
        e.fill(&mut out);
        assert!(out.iter().all(|&b| b == FLAG));
    }

    #[test]
    fn stuffing_never_leaves_six_ones_in_frame_data() {
        let mut e = HdlcEncoder::new();
        e.push_frame(&[0xFF; 20]).unwrap();
        let mut out = vec![0u8; 40];
        e.fill(&mut out);
        // Count runs of ones: only flags (exactly six) may have six.
        let mut run = 0;
        let mut max = 0;
        for b in &out {
            for i in (0..8).rev() {
                if (b >> i) & 1 == 1 {
                    run += 1;
                    max = max.max(run);
                } else {
                    run = 0;
                }
            }
        }
        assert_eq!(max, 6);
        let mut d = HdlcDecoder::new();
        d.handle_input(&out);
        assert_eq!(d.poll(), Some(Ok(vec![0xFF; 20])));
        assert_eq!(d.poll(), None);
    }

    #[test]
    fn abort_is_reported() {
        let mut e = HdlcEncoder::new();
        e.push_frame(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        let mut out = vec![0u8; 6];
        e.fill(&mut out);
        e.abort();
        let mut rest = vec![0u8; 10];
        e.fill(&mut rest);
        let mut d = HdlcDecoder::new();
        d.handle_input(&out);
        d.handle_input(&rest);
        assert_eq!(d.poll(), Some(Err(HdlcError::Aborted)));
        assert_eq!(d.poll(), None);
        assert_eq!(d.counters().aborts, 1);
    }

    #[test]
    fn bad_fcs_short_and_long_frames_are_typed_errors() {
        let mut e = HdlcEncoder::with_limits(8, 1000);
        e.push_frame_with_fcs(&[1, 2, 3, 4, 5]).unwrap(); // wrong FCS
        e.push_frame_with_fcs(&[1, 2, 3]).unwrap(); // 3 octets < 4
        e.push_frame(&[9; 300]).unwrap(); // > 268
        e.push_frame(&[7; 10]).unwrap();
        let mut out = vec![0u8; 400];
        e.fill(&mut out);
        let mut d = HdlcDecoder::new();
        d.handle_input(&out);
        assert_eq!(d.poll(), Some(Err(HdlcError::BadFcs)));
        assert_eq!(d.poll(), Some(Err(HdlcError::TooShort { len: 3 })));
        assert_eq!(
            d.poll(),
            Some(Err(HdlcError::TooLong {
                max: DEFAULT_MAX_LEN
            }))
        );
        assert_eq!(d.poll(), Some(Ok(vec![7; 10])));
        assert_eq!(d.poll(), None);
        let c = d.counters();
        assert_eq!((c.frames, c.bad_fcs, c.too_short, c.too_long), (1, 1, 1, 1));
    }

    #[test]
    fn encoder_refuses_bad_input() {
        let mut e = HdlcEncoder::with_limits(1, 10);
        assert_eq!(e.push_frame(&[]), Err(HdlcError::TooShort { len: 0 }));
        assert_eq!(e.push_frame(&[0; 9]), Err(HdlcError::TooLong { max: 10 }));
        e.push_frame(&[0; 8]).unwrap();
        assert_eq!(e.push_frame(&[0; 8]), Err(HdlcError::QueueFull));
    }

    #[test]
    fn non_octet_frame_is_rejected() {
        // flag, 12 data bits (no six ones), flag: 0x7E, 0b1010_1010, 0b1010 + flag shifted.
        let bits: Vec<u8> = ["01111110", "10101010", "1010", "01111110", "01111110"]
            .concat()
            .bytes()
            .map(|c| c - b'0')
            .collect();
        let mut bytes = vec![];
        for chunk in bits.chunks(8) {
            let mut b = 0u8;
            for (i, &bit) in chunk.iter().enumerate() {
                b |= bit << (7 - i);
            }
            bytes.push(b);
        }
        let mut d = HdlcDecoder::new();
        d.handle_input(&bytes);
        assert_eq!(d.poll(), Some(Err(HdlcError::NotOctetAligned)));
    }
}
