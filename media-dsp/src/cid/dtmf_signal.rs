//! DTMF CLIP on the line: digit strings as DTMF tones and back, with `media_dsp::dtmf`.

use super::{CidError, DtmfClip, MAX_DTMF_CLIP_LEN};
use crate::dtmf::{Digit, DtmfDetector, DtmfEvent, DtmfGenerator, GeneratorConfig};

/// Tone-on time per digit, ms (common Annex B practice; the DTMF detector needs 40 ms).
pub const DTMF_CLIP_ON_MS: u32 = 70;
/// Silence after each digit, ms.
pub const DTMF_CLIP_OFF_MS: u32 = 70;
/// Longest pause between two digits of one string before the receiver gives it up, ms.
pub const DTMF_CLIP_MAX_GAP_MS: u32 = 1000;

/// Sends a DTMF CLIP message as DTMF tones (70 ms on, 70 ms off).
#[derive(Debug, Clone)]
pub struct DtmfClipTx {
    generator: DtmfGenerator,
    digits: [u8; MAX_DTMF_CLIP_LEN],
    len: usize,
    next: usize,
}

impl DtmfClipTx {
    /// A transmitter for `clip`, each tone at `level_dbm0`.
    ///
    /// # Errors
    /// As [`DtmfClip::encode`], or [`CidError::InvalidLevel`] for a level the DTMF
    /// generator refuses.
    pub fn new(clip: &DtmfClip, level_dbm0: f32) -> Result<Self, CidError> {
        let mut digits = [0u8; MAX_DTMF_CLIP_LEN];
        let len = clip.encode(&mut digits)?;
        let generator = DtmfGenerator::new(GeneratorConfig {
            level_dbm0,
            twist_db: 0.0,
            on_ms: DTMF_CLIP_ON_MS,
            off_ms: DTMF_CLIP_OFF_MS,
        })
        .map_err(|_| CidError::InvalidLevel)?;
        Ok(Self {
            generator,
            digits,
            len,
            next: 0,
        })
    }

    /// The digit string being sent.
    #[must_use]
    pub fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    /// Total length of the signal in samples.
    #[must_use]
    pub fn total_samples(&self) -> usize {
        self.len * ((DTMF_CLIP_ON_MS + DTMF_CLIP_OFF_MS) * 8) as usize
    }

    /// Fills `out` with the next samples; returns how many were written (fewer than
    /// `out.len()` once the whole string has been sent, then 0).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut at = 0;
        while at < out.len() {
            if self.generator.is_idle() {
                let Some(&c) = self.digits[..self.len].get(self.next) else {
                    break;
                };
                self.next += 1;
                // Every byte came from `encode`, which writes only DTMF digits.
                let Some(d) = Digit::from_char(char::from(c)) else {
                    break;
                };
                self.generator.start(d);
            }
            at += self.generator.fill(&mut out[at..]);
        }
        at
    }
}

/// Receives DTMF CLIP messages from samples in blocks of any size.
///
/// Digits before a start code (`A`, `B` or `D`) are ignored; from a start code on, digits
/// are collected up to the end code (`C` or `#`), and the string is then decoded. A pause
/// of more than [`DTMF_CLIP_MAX_GAP_MS`] inside a string abandons it
/// ([`CidError::MalformedDtmf`]).
#[derive(Debug, Clone)]
pub struct DtmfClipRx {
    detector: DtmfDetector,
    buf: [u8; MAX_DTMF_CLIP_LEN],
    len: usize,
    last_end: u64,
}

impl Default for DtmfClipRx {
    fn default() -> Self {
        Self::new()
    }
}

impl DtmfClipRx {
    /// A receiver with the DTMF detector's default settings.
    #[must_use]
    pub fn new() -> Self {
        Self {
            detector: DtmfDetector::new(),
            buf: [0; MAX_DTMF_CLIP_LEN],
            len: 0,
            last_end: 0,
        }
    }

    /// Processes `samples`; calls `on_message` for each complete (or abandoned) string.
    pub fn process(
        &mut self,
        samples: &[i16],
        mut on_message: impl FnMut(Result<DtmfClip, CidError>),
    ) {
        let Self {
            detector,
            buf,
            len,
            last_end,
        } = self;
        detector.process(samples, |ev| {
            if let DtmfEvent::Digit(d) = ev
                && let Some(r) = collect(buf, len, last_end, d.digit, d.start, d.end)
            {
                on_message(r);
            }
        });
        let gap = u64::from(DTMF_CLIP_MAX_GAP_MS) * 8;
        if self.len > 0
            && self.detector.current().is_none()
            && self.detector.samples() > self.last_end + gap
        {
            self.len = 0;
            on_message(Err(CidError::MalformedDtmf));
        }
    }

    /// Ends the stream: a digit still sounding is taken, and a string without its end
    /// code is reported as [`CidError::MalformedDtmf`].
    pub fn finish(&mut self, mut on_message: impl FnMut(Result<DtmfClip, CidError>)) {
        let Self {
            detector,
            buf,
            len,
            last_end,
        } = self;
        detector.finish(|ev| {
            if let DtmfEvent::Digit(d) = ev
                && let Some(r) = collect(buf, len, last_end, d.digit, d.start, d.end)
            {
                on_message(r);
            }
        });
        if self.len > 0 {
            self.len = 0;
            on_message(Err(CidError::MalformedDtmf));
        }
    }
}

fn collect(
    buf: &mut [u8; MAX_DTMF_CLIP_LEN],
    len: &mut usize,
    last_end: &mut u64,
    digit: Digit,
    start: u64,
    end: u64,
) -> Option<Result<DtmfClip, CidError>> {
    let c = u8::try_from(digit.as_char()).unwrap_or(b'?');
    let gap = u64::from(DTMF_CLIP_MAX_GAP_MS) * 8;
    let mut abandoned = None;
    if *len > 0 && start > *last_end + gap {
        *len = 0;
        abandoned = Some(Err(CidError::MalformedDtmf));
    }
    *last_end = end;
    if *len == 0 && !matches!(c, b'A' | b'B' | b'D') {
        return abandoned;
    }
    if *len == buf.len() {
        *len = 0;
        return Some(Err(CidError::MalformedDtmf));
    }
    buf[*len] = c;
    *len += 1;
    if matches!(c, b'C' | b'#') {
        let r = DtmfClip::decode(&buf[..*len]);
        *len = 0;
        return Some(r);
    }
    abandoned
}
