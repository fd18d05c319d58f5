//! MFC/R2 multifrequency register signals: generation and detection (ITU-T Q.441, Q.454,
//! Q.455).
//!
//! **What it does.** R2 register signals are two-out-of-six tone pairs, from one set of six
//! frequencies in the forward direction (outgoing register to incoming register: 1380 Hz to
//! 1980 Hz, 120 Hz apart) and another in the backward direction (1140 Hz down to 540 Hz).
//! The 15 pairs are the signals 1 to 15 ([`Signal`]); what each means (a digit, "send next
//! digit", "subscriber free"...) depends on the signal group and is the business of the R2
//! protocol (crate `r2`), not of this module. Signals are *compelled*: a tone stays on until
//! the far end answers with its own, so the generator sends a continuous tone until told to
//! stop, and the detector reports when a signal starts and when it ends.
//!
//! [`R2MfGenerator`] sends one signal continuously at a chosen level (default −11.5 dBm0 per
//! frequency, the Q.454 nominal sending level; ±1 dB is allowed there).
//! [`R2MfDetector`] finds the signals of one direction in 8 kHz samples fed in blocks of any
//! size (a 1 ms DAHDI chunk, a 20 ms frame, a whole file: identical results).
//!
//! **How the detector works.** Six Goertzel filters over windows of 128 samples (16 ms),
//! a new window every 64 samples (two staggered filter banks, so windows overlap by half).
//! A 128-sample rectangular window has its response nulls every 62.5 Hz, so a tone on one
//! frequency of the set leaks almost nothing into its neighbours 120 Hz away, even when it
//! is off by the ±10 Hz Q.455 allows (the loss at 10 Hz off centre is under 0.5 dB). Per
//! window, the two strongest of the six bins must:
//! - each be above the minimum level (default −38.5 dBm0: the receiver must operate down to
//!   −35 dBm0; the margin below that is ours, and −42 dBm0 is rejected in the tests);
//! - differ by at most the maximum twist (default 10 dB: Q.455 accepts 5 dB between adjacent
//!   and 7 dB between non-adjacent frequencies, and must not recognise 20 dB);
//! - stand clear of the other four by the relative-peak margin (default 11 dB, as spandsp);
//! - carry most of the window's power (default 60 %), so speech and noise do not pass.
//!
//! A signal starts after 2 consecutive windows show it (24–32 ms of tone: Q.455 says
//! a signal shorter than 7 ms must not operate the receiver) and ends after 2 consecutive
//! windows do not (interruptions of 7 ms and less are bridged, Q.455). Operate plus
//! release time stays under the 80 ms of Q.455.
//!
//! The receiver figures are those spandsp's `bell_r2_mf.h` documents for Q.441/Q.455 and the
//! sending level is the one spandsp's `bell_r2_mf.c` notes (−11.5 dBm0 ±1 dB); the
//! Recommendations' texts were not at hand, so no clause numbers are cited.
//!
//! **Limits.** 8 kHz only; no DC removal (G.711 decoded audio has none). Tolerances are
//! those of the receiver at the zero relative level point; the line's loss is the caller's.

use crate::goertzel::{Goertzel, GoertzelCoeff};
use crate::level::{rms_for_dbm0, saturate, sine_peak};

/// Forward-direction frequencies, Hz, in Q.441 order (index 0 weighs 0, then 1, 2, 4, 7, 11).
pub const FORWARD_FREQS: [f32; 6] = [1380.0, 1500.0, 1620.0, 1740.0, 1860.0, 1980.0];
/// Backward-direction frequencies, Hz, in Q.441 order.
pub const BACKWARD_FREQS: [f32; 6] = [1140.0, 1020.0, 900.0, 780.0, 660.0, 540.0];

/// Samples in one analysis window (16 ms).
pub const WINDOW: usize = 128;
/// Samples between the starts of consecutive windows (8 ms).
pub const HOP: usize = WINDOW / 2;

/// The frequency pairs of signals 1..=15, as indices into the frequency set (Q.441 Table 5).
const PAIRS: [(u8, u8); 15] = [
    (0, 1),
    (0, 2),
    (1, 2),
    (0, 3),
    (1, 3),
    (2, 3),
    (0, 4),
    (1, 4),
    (2, 4),
    (3, 4),
    (0, 5),
    (1, 5),
    (2, 5),
    (3, 5),
    (4, 5),
];

/// Which set of frequencies: forward (sent by the outgoing register) or backward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Outgoing to incoming register: 1380–1980 Hz (Group I and II signals).
    Forward,
    /// Incoming to outgoing register: 1140–540 Hz (Group A and B signals).
    Backward,
}

impl Direction {
    /// The six frequencies of this direction, Hz.
    #[must_use]
    pub fn freqs(self) -> &'static [f32; 6] {
        match self {
            Self::Forward => &FORWARD_FREQS,
            Self::Backward => &BACKWARD_FREQS,
        }
    }
}

/// One of the 15 R2 MF signals, 1..=15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signal(u8);

impl Signal {
    /// All 15 signals in order.
    pub const ALL: [Self; 15] = {
        let mut all = [Self(1); 15];
        let mut i = 0;
        while i < 15 {
            all[i] = Self(i as u8 + 1);
            i += 1;
        }
        all
    };

    /// Signal `n` (1..=15), `None` otherwise.
    #[must_use]
    pub const fn new(n: u8) -> Option<Self> {
        if n >= 1 && n <= 15 {
            Some(Self(n))
        } else {
            None
        }
    }

    /// The signal for a digit 1..=9 and 0 (signal 10), as address digits are sent.
    #[must_use]
    pub const fn from_digit(d: u8) -> Option<Self> {
        match d {
            0 => Some(Self(10)),
            1..=9 => Some(Self(d)),
            _ => None,
        }
    }

    /// The signal's number, 1..=15.
    #[must_use]
    pub const fn number(self) -> u8 {
        self.0
    }

    /// The digit this signal carries as an address digit (signal 10 is 0), `None` for 11..=15.
    #[must_use]
    pub const fn digit(self) -> Option<u8> {
        match self.0 {
            10 => Some(0),
            n @ 1..=9 => Some(n),
            _ => None,
        }
    }

    /// spandsp's character for the signal (`1`–`9`, `0` for 10, `B`–`F` for 11–15).
    #[must_use]
    pub fn spandsp_char(self) -> char {
        b"1234567890BCDEF"[usize::from(self.0 - 1)] as char
    }

    /// The signal for spandsp's character.
    #[must_use]
    pub fn from_spandsp_char(c: char) -> Option<Self> {
        b"1234567890BCDEF"
            .iter()
            .position(|&b| b as char == c.to_ascii_uppercase())
            .map(|i| Self(i as u8 + 1))
    }

    /// Indices of its two frequencies in the direction's set.
    #[must_use]
    pub fn pair(self) -> (usize, usize) {
        let (a, b) = PAIRS[usize::from(self.0 - 1)];
        (usize::from(a), usize::from(b))
    }

    /// Its two frequencies in `dir`, Hz.
    #[must_use]
    pub fn freqs(self, dir: Direction) -> (f32, f32) {
        let (a, b) = self.pair();
        (dir.freqs()[a], dir.freqs()[b])
    }

    fn from_pair(a: usize, b: usize) -> Option<Self> {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        PAIRS
            .iter()
            .position(|&(x, y)| usize::from(x) == a && usize::from(y) == b)
            .map(|i| Self(i as u8 + 1))
    }
}

impl core::fmt::Display for Signal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Errors from R2 MF settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum R2MfError {
    /// A generator setting out of range (the message names it).
    #[error("R2 MF generator: {0}")]
    Generator(&'static str),
    /// A detector setting out of range (the message names it).
    #[error("R2 MF detector: {0}")]
    Detector(&'static str),
}

/// Generator settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeneratorConfig {
    /// Level of the lower-indexed frequency of each pair, dBm0 (default −11.5, Q.454).
    pub level_dbm0: f32,
    /// Level of the second frequency relative to the first, dB (default 0; for tests of twist).
    pub twist_db: f32,
    /// Offset added to both frequencies, Hz (default 0; for tests of the tolerance).
    pub freq_offset_hz: f32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            level_dbm0: -11.5,
            twist_db: 0.0,
            freq_offset_hz: 0.0,
        }
    }
}

impl GeneratorConfig {
    /// Checks the settings: levels −60..=−3 dBm0 per frequency, twist within ±20 dB, offset
    /// within ±100 Hz.
    ///
    /// # Errors
    /// [`R2MfError::Generator`] naming the setting.
    pub fn validate(&self) -> Result<(), R2MfError> {
        let ok = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
        if !ok(self.level_dbm0, -60.0, -3.0) {
            return Err(R2MfError::Generator("level must be -60 to -3 dBm0"));
        }
        if !ok(self.twist_db, -20.0, 20.0) || !ok(self.level_dbm0 + self.twist_db, -60.0, -3.0) {
            return Err(R2MfError::Generator(
                "twist must be within ±20 dB and leave the second tone at -60 to -3 dBm0",
            ));
        }
        if !ok(self.freq_offset_hz, -100.0, 100.0) {
            return Err(R2MfError::Generator(
                "frequency offset must be within ±100 Hz",
            ));
        }
        Ok(())
    }
}

/// A quadrature oscillator: one complex multiply per sample, renormalised every block so
/// its amplitude does not drift.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Osc {
    re: f32,
    im: f32,
    c: f32,
    s: f32,
    amp: f32,
}

impl Osc {
    fn new(freq: f32, amp: f32) -> Self {
        let w = 2.0 * core::f32::consts::PI * freq / 8000.0;
        Self {
            re: 1.0,
            im: 0.0,
            c: libm::cosf(w),
            s: libm::sinf(w),
            amp,
        }
    }

    #[inline]
    fn next(&mut self) -> f32 {
        let out = self.im;
        let re = self.re * self.c - self.im * self.s;
        let im = self.re * self.s + self.im * self.c;
        self.re = re;
        self.im = im;
        out * self.amp
    }

    fn renormalise(&mut self) {
        let m = self.re * self.re + self.im * self.im;
        // One Newton step of 1/sqrt around 1 is plenty: the drift per block is ~1e-6.
        let k = 1.5 - 0.5 * m;
        self.re *= k;
        self.im *= k;
    }
}

/// Sends one R2 MF signal continuously (compelled signalling) until stopped.
#[derive(Debug, Clone)]
pub struct R2MfGenerator {
    dir: Direction,
    cfg: GeneratorConfig,
    tone: Option<(Signal, Osc, Osc)>,
}

impl R2MfGenerator {
    /// A silent generator for `dir` with the default settings.
    #[must_use]
    pub fn new(dir: Direction) -> Self {
        Self {
            dir,
            cfg: GeneratorConfig::default(),
            tone: None,
        }
    }

    /// A silent generator for `dir` with `cfg`.
    ///
    /// # Errors
    /// As [`GeneratorConfig::validate`].
    pub fn with_config(dir: Direction, cfg: GeneratorConfig) -> Result<Self, R2MfError> {
        cfg.validate()?;
        Ok(Self {
            dir,
            cfg,
            tone: None,
        })
    }

    /// The direction it sends in.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.dir
    }

    /// Starts sending `signal` (from phase zero), or stops with `None`. Setting the signal
    /// already being sent changes nothing.
    pub fn set(&mut self, signal: Option<Signal>) {
        if self.tone.map(|t| t.0) == signal {
            return;
        }
        self.tone = signal.map(|s| {
            let (f1, f2) = s.freqs(self.dir);
            let off = self.cfg.freq_offset_hz;
            (
                s,
                Osc::new(f1 + off, sine_peak(self.cfg.level_dbm0)),
                Osc::new(f2 + off, sine_peak(self.cfg.level_dbm0 + self.cfg.twist_db)),
            )
        });
    }

    /// The signal being sent.
    #[must_use]
    pub fn current(&self) -> Option<Signal> {
        self.tone.map(|t| t.0)
    }

    /// Writes the next `out.len()` samples: the signal, or silence when none is set.
    pub fn fill(&mut self, out: &mut [i16]) {
        let Some((_, a, b)) = &mut self.tone else {
            out.fill(0);
            return;
        };
        for block in out.chunks_mut(64) {
            for o in block.iter_mut() {
                *o = saturate(a.next() + b.next());
            }
            a.renormalise();
            b.renormalise();
        }
    }
}

/// Detector settings. The defaults meet ITU-T Q.455 with margin (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorConfig {
    /// Weakest frequency accepted, dBm0 (default −38.5).
    pub min_level_dbm0: f32,
    /// Largest level difference between the two frequencies, dB (default 10).
    pub max_twist_db: f32,
    /// How far the other four bins must stay below the weaker of the two, dB (default 11).
    pub relative_peak_db: f32,
    /// Smallest share of the window's power the two frequencies must carry (default 0.6).
    pub min_purity: f32,
    /// Consecutive windows (8 ms apart) showing a signal that start it (default 2).
    pub on_windows: u8,
    /// Consecutive windows without it that end it (default 2).
    pub off_windows: u8,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            min_level_dbm0: -38.5,
            max_twist_db: 10.0,
            relative_peak_db: 11.0,
            min_purity: 0.6,
            on_windows: 2,
            off_windows: 2,
        }
    }
}

impl DetectorConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`R2MfError::Detector`] naming the setting out of range.
    pub fn validate(&self) -> Result<(), R2MfError> {
        let ok = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
        let checks = [
            (
                ok(self.min_level_dbm0, -60.0, 0.0),
                "min_level_dbm0 must be in -60..=0",
            ),
            (
                ok(self.max_twist_db, 0.0, 30.0),
                "max_twist_db must be in 0..=30",
            ),
            (
                ok(self.relative_peak_db, 0.0, 40.0),
                "relative_peak_db must be in 0..=40",
            ),
            (ok(self.min_purity, 0.0, 1.0), "min_purity must be in 0..=1"),
            (
                (1..=16).contains(&self.on_windows),
                "on_windows must be in 1..=16",
            ),
            (
                (1..=16).contains(&self.off_windows),
                "off_windows must be in 1..=16",
            ),
        ];
        match checks.iter().find(|(good, _)| !good) {
            Some(&(_, msg)) => Err(R2MfError::Detector(msg)),
            None => Ok(()),
        }
    }
}

/// What the detector reports. Sample indices count from the start of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum R2MfEvent {
    /// A signal is recognised; `at` is the end of the window that confirmed it.
    Start {
        /// The signal.
        signal: Signal,
        /// Sample index at which it was recognised.
        at: u64,
    },
    /// The signal recognised before has ended; `at` is where that was decided.
    End {
        /// The signal.
        signal: Signal,
        /// Sample index at which its end was recognised.
        at: u64,
    },
}

/// Thresholds in the units of the analysis (window power).
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Minimum Goertzel energy of one frequency.
    min_energy: f32,
    twist: f32,
    rel_peak: f32,
    purity: f32,
    on: u8,
    off: u8,
}

/// One bank of six Goertzel filters plus the window's energy.
#[derive(Debug, Clone, Copy)]
struct Bank {
    g: [Goertzel; 6],
    power: f32,
    n: usize,
}

/// Streaming R2 MF detector for one direction: feed samples with
/// [`process`](Self::process); read the current signal with [`current`](Self::current).
#[derive(Debug, Clone)]
pub struct R2MfDetector {
    dir: Direction,
    limits: Limits,
    banks: [Bank; 2],
    samples: u64,
    /// Signal seen in the last window and how many consecutive windows showed it.
    run: Option<(Signal, u8)>,
    /// The recognised signal and the windows in a row that no longer showed it.
    active: Option<(Signal, u8)>,
}

impl R2MfDetector {
    /// A detector for `dir` with the default settings.
    #[must_use]
    pub fn new(dir: Direction) -> Self {
        Self::build(dir, DetectorConfig::default())
    }

    /// A detector for `dir` with `cfg`.
    ///
    /// # Errors
    /// As [`DetectorConfig::validate`].
    pub fn with_config(dir: Direction, cfg: DetectorConfig) -> Result<Self, R2MfError> {
        cfg.validate()?;
        Ok(Self::build(dir, cfg))
    }

    fn build(dir: Direction, cfg: DetectorConfig) -> Self {
        let db = |d: f32| libm::powf(10.0, d / 10.0);
        // A sine of RMS r centred on a bin gives |X|² = (peak·N/2)² = r²·N²/2.
        let r = rms_for_dbm0(cfg.min_level_dbm0);
        let n = WINDOW as f32;
        let bank = |n0: usize| Bank {
            g: core::array::from_fn(|i| Goertzel::new(GoertzelCoeff::new(dir.freqs()[i]))),
            power: 0.0,
            n: n0,
        };
        Self {
            dir,
            limits: Limits {
                min_energy: r * r * n * n / 2.0,
                twist: db(cfg.max_twist_db),
                rel_peak: db(cfg.relative_peak_db),
                purity: cfg.min_purity,
                on: cfg.on_windows,
                off: cfg.off_windows,
            },
            // The second bank starts half a window late: it is "HOP samples into" a window
            // that began before the stream, whose first window is discarded.
            banks: [bank(0), bank(HOP)],
            samples: 0,
            run: None,
            active: None,
        }
    }

    /// The direction it listens to.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.dir
    }

    /// The signal currently recognised, if any.
    #[must_use]
    pub fn current(&self) -> Option<Signal> {
        self.active.map(|a| a.0)
    }

    /// Samples processed so far.
    #[must_use]
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Back to the initial state (as after [`new`](Self::new)), keeping the settings.
    pub fn reset(&mut self) {
        for (b, n0) in self.banks.iter_mut().zip([0, HOP]) {
            for g in &mut b.g {
                g.finish();
            }
            b.power = 0.0;
            b.n = n0;
        }
        self.samples = 0;
        self.run = None;
        self.active = None;
    }

    /// Processes `samples` and reports starts and ends of signals through `on_event`.
    pub fn process(&mut self, samples: &[i16], mut on_event: impl FnMut(R2MfEvent)) {
        let mut rest = samples;
        while !rest.is_empty() {
            // Run both banks up to the next window boundary of either.
            let to_edge = self
                .banks
                .iter()
                .map(|b| WINDOW - b.n)
                .min()
                .unwrap_or(WINDOW);
            let take = to_edge.min(rest.len());
            let (now, later) = rest.split_at(take);
            for b in &mut self.banks {
                let mut p = 0.0f32;
                for &s in now {
                    let x = f32::from(s);
                    p += x * x;
                    for g in &mut b.g {
                        g.push(x);
                    }
                }
                b.power += p;
                b.n += take;
            }
            self.samples += take as u64;
            rest = later;
            for i in 0..2 {
                if self.banks[i].n == WINDOW {
                    let (energies, power) = {
                        let b = &mut self.banks[i];
                        let e: [f32; 6] = core::array::from_fn(|k| b.g[k].finish());
                        let p = b.power;
                        b.power = 0.0;
                        b.n = 0;
                        (e, p)
                    };
                    // The very first window of the late bank began before the stream.
                    if self.samples >= WINDOW as u64 {
                        let hit = self.classify(&energies, power);
                        self.window(hit, &mut on_event);
                    }
                }
            }
        }
    }

    /// The signal a window shows, if it passes every check.
    fn classify(&self, e: &[f32; 6], power: f32) -> Option<Signal> {
        let l = &self.limits;
        let (mut best, mut second) = if e[0] >= e[1] { (0, 1) } else { (1, 0) };
        for i in 2..6 {
            if e[i] > e[best] {
                second = best;
                best = i;
            } else if e[i] > e[second] {
                second = i;
            }
        }
        let (eb, es) = (e[best], e[second]);
        if es < l.min_energy || eb > l.twist * es {
            return None;
        }
        for (i, &ei) in e.iter().enumerate() {
            if i != best && i != second && ei * l.rel_peak > es {
                return None;
            }
        }
        // Tone power from |X|² is 2|X|²/N²; the window's power is Σx²/N.
        let n = WINDOW as f32;
        let tones = 2.0 * (eb + es) / (n * n);
        if tones < l.purity * power / n {
            return None;
        }
        Signal::from_pair(best, second)
    }

    fn window(&mut self, hit: Option<Signal>, on_event: &mut impl FnMut(R2MfEvent)) {
        let at = self.samples;
        self.run = match (hit, self.run) {
            (Some(s), Some((r, n))) if s == r => Some((s, n.saturating_add(1))),
            (Some(s), _) => Some((s, 1)),
            (None, _) => None,
        };
        if let Some((sig, misses)) = self.active {
            let still = hit == Some(sig);
            let misses = if still { 0 } else { misses + 1 };
            // A different signal steadily present ends this one at once.
            let replaced = self
                .run
                .is_some_and(|(r, n)| r != sig && n >= self.limits.on);
            if misses >= self.limits.off || replaced {
                self.active = None;
                on_event(R2MfEvent::End { signal: sig, at });
            } else {
                self.active = Some((sig, misses));
            }
        }
        if self.active.is_none()
            && let Some((sig, n)) = self.run
            && n >= self.limits.on
        {
            self.active = Some((sig, 0));
            on_event(R2MfEvent::Start { signal: sig, at });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: Direction, sig: &[i16]) -> ([Option<Signal>; 4], usize) {
        let mut det = R2MfDetector::new(dir);
        let mut got = [None; 4];
        let mut n = 0;
        for c in sig.chunks(8) {
            det.process(c, |e| {
                if let R2MfEvent::Start { signal, .. } = e {
                    if n < 4 {
                        got[n] = Some(signal);
                    }
                    n += 1;
                }
            });
        }
        (got, n)
    }

    #[test]
    fn signal_numbering_follows_q441() {
        assert_eq!(
            Signal::new(1).unwrap().freqs(Direction::Forward),
            (1380.0, 1500.0)
        );
        assert_eq!(
            Signal::new(15).unwrap().freqs(Direction::Backward),
            (660.0, 540.0)
        );
        assert_eq!(Signal::new(10).unwrap().digit(), Some(0));
        assert_eq!(Signal::from_digit(0), Signal::new(10));
        assert_eq!(Signal::new(0), None);
        assert_eq!(Signal::new(16), None);
        for s in Signal::ALL {
            let (a, b) = s.pair();
            assert_eq!(Signal::from_pair(b, a), Some(s));
            assert_eq!(Signal::from_spandsp_char(s.spandsp_char()), Some(s));
        }
    }

    #[test]
    fn every_signal_round_trips_in_both_directions() {
        for dir in [Direction::Forward, Direction::Backward] {
            for s in Signal::ALL {
                let mut g = R2MfGenerator::new(dir);
                let mut buf = [0i16; 1600];
                g.set(Some(s));
                g.fill(&mut buf[..800]);
                g.set(None);
                g.fill(&mut buf[800..]);
                let (got, n) = run(dir, &buf);
                assert_eq!((got[0], n), (Some(s), 1), "{dir:?} {s}");
                let other = match dir {
                    Direction::Forward => Direction::Backward,
                    Direction::Backward => Direction::Forward,
                };
                assert_eq!(run(other, &buf).1, 0, "{dir:?} {s} seen by the other set");
            }
        }
    }

    #[test]
    fn generator_level_is_as_configured() {
        let mut g = R2MfGenerator::new(Direction::Forward);
        g.set(Signal::new(5));
        let mut buf = [0i16; 8000];
        g.fill(&mut buf);
        // Two tones at -11.5 dBm0 each: -8.5 dBm0 together.
        let l = crate::level::dbm0(&buf);
        assert!((l + 8.49).abs() < 0.1, "{l}");
    }

    #[test]
    fn config_validation() {
        assert!(DetectorConfig::default().validate().is_ok());
        let bad = DetectorConfig {
            on_windows: 0,
            ..DetectorConfig::default()
        };
        assert!(R2MfDetector::with_config(Direction::Forward, bad).is_err());
        let bad = GeneratorConfig {
            level_dbm0: f32::NAN,
            ..GeneratorConfig::default()
        };
        assert!(R2MfGenerator::with_config(Direction::Forward, bad).is_err());
    }
}
