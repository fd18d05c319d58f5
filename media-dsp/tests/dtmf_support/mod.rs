//! Signal building and detection helpers shared by the DTMF integration tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use media_dsp::dtmf::{DetectorConfig, Digit, DigitEvent, DtmfDetector, DtmfEvent, DualTone};
use media_dsp::level::rms_for_dbm0;
use media_dsp::noise::Noise;

pub const RATE: usize = 8000;

pub fn ms(n: f64) -> usize {
    (n * RATE as f64 / 1000.0).round() as usize
}

pub fn digit(c: char) -> Digit {
    Digit::from_char(c).expect("digit")
}

/// A signal under construction, with the truth of where each digit is.
#[derive(Debug, Default, Clone)]
pub struct Signal {
    pub samples: Vec<i16>,
    pub truth: Vec<DigitEvent>,
}

/// One dual tone burst: frequencies scaled by `(1 + dev_low)` and `(1 + dev_high)`, levels
/// per tone.
#[derive(Debug, Clone, Copy)]
pub struct Burst {
    pub digit: Digit,
    pub dev_low: f32,
    pub dev_high: f32,
    pub level_low: f32,
    pub level_high: f32,
    pub on_ms: f64,
}

impl Burst {
    pub fn new(c: char, level: f32, on_ms: f64) -> Self {
        Self {
            digit: digit(c),
            dev_low: 0.0,
            dev_high: 0.0,
            level_low: level,
            level_high: level,
            on_ms,
        }
    }

    pub fn tone(&self) -> DualTone {
        let (lo, hi) = self.digit.freqs();
        DualTone::new(
            lo * (1.0 + self.dev_low),
            self.level_low,
            hi * (1.0 + self.dev_high),
            self.level_high,
        )
    }
}

impl Signal {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn silence(&mut self, ms_: f64) -> &mut Self {
        let n = ms(ms_);
        self.samples.extend(std::iter::repeat_n(0, n));
        self
    }

    /// Appends a burst whose phases start from 0 at its first sample.
    pub fn burst(&mut self, b: Burst) -> &mut Self {
        let n = ms(b.on_ms);
        let start = self.samples.len();
        let mut buf = vec![0i16; n];
        b.tone().write(&mut buf, 0);
        self.samples.extend_from_slice(&buf);
        self.truth.push(DigitEvent {
            digit: b.digit,
            start: start as u64,
            end: (start + n) as u64,
        });
        self
    }

    /// Adds white Gaussian noise at `dbm0` over the whole signal.
    pub fn noise(&mut self, dbm0: f32, seed: u64) -> &mut Self {
        Noise::new(seed).add_white(&mut self.samples, rms_for_dbm0(dbm0));
        self
    }

    /// Adds a continuous dual tone (e.g. dial tone) at `dbm0` per tone.
    pub fn add_tones(&mut self, f1: f32, f2: f32, dbm0: f32) -> &mut Self {
        DualTone::new(f1, dbm0, f2, dbm0).add(&mut self.samples, 0);
        self
    }

    pub fn alaw_round_trip(&mut self) -> &mut Self {
        media_dsp::g711::Law::Alaw.round_trip(&mut self.samples);
        self
    }
}

/// All events from running the detector over `samples` in blocks of `block` samples.
pub fn events_with(samples: &[i16], block: usize, cfg: DetectorConfig) -> Vec<DtmfEvent> {
    let mut det = DtmfDetector::with_config(cfg).expect("config");
    let mut ev = Vec::new();
    for chunk in samples.chunks(block.max(1)) {
        det.process(chunk, |e| ev.push(e));
    }
    det.finish(|e| ev.push(e));
    ev
}

pub fn events(samples: &[i16], block: usize) -> Vec<DtmfEvent> {
    events_with(samples, block, DetectorConfig::default())
}

/// The complete digits the default detector reports, processing in 160-sample blocks.
pub fn detect(samples: &[i16]) -> Vec<DigitEvent> {
    digits_of(&events(samples, 160))
}

pub fn digits_of(ev: &[DtmfEvent]) -> Vec<DigitEvent> {
    ev.iter()
        .filter_map(|e| match e {
            DtmfEvent::Digit(d) => Some(*d),
            DtmfEvent::Onset { .. } => None,
        })
        .collect()
}

pub fn string_of(d: &[DigitEvent]) -> String {
    d.iter().map(|e| e.digit.as_char()).collect()
}

/// Compares detections with the truth: every true digit found once, matching in digit and
/// overlapping in time, and nothing else. Returns (found, missed, extra).
pub fn score(truth: &[DigitEvent], found: &[DigitEvent]) -> (usize, usize, usize) {
    let mut used = vec![false; found.len()];
    let mut hit = 0;
    for t in truth {
        if let Some(i) = found
            .iter()
            .enumerate()
            .position(|(i, f)| !used[i] && f.digit == t.digit && f.start < t.end && t.start < f.end)
        {
            used[i] = true;
            hit += 1;
        }
    }
    (hit, truth.len() - hit, used.iter().filter(|u| !**u).count())
}
