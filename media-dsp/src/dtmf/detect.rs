//! The streaming DTMF detector (see the module documentation of [`crate::dtmf`]).

use super::tables::{
    ALL_LANES, BINS, DIAL_KERNEL, FREQS, GAIN, GAIN_SPAN_HZ, HOP, HOP_ROTATION, KERNEL, LANES,
    TAIL, WEIGHT, WIN, WIN_SUM,
};
use super::{Digit, DtmfError};
use crate::level::rms_for_dbm0;

/// Windows of magnitude history kept for timing the edges of digits.
const HIST: usize = 32;
/// Largest `on_windows` / `off_windows` accepted (the history must reach around both).
const MAX_RUN: u32 = 20;
/// Hz of offset per radian of phase advance over one hop.
const HZ_PER_RAD: f32 = 8000.0 / (2.0 * core::f32::consts::PI * HOP as f32);
/// Converts `|X|²` of a bin to the mean power of a centred tone: `|X| = A·Σw/2`, power `A²/2`.
const POWER_PER_MAG2: f32 = 2.0 / (WIN_SUM * WIN_SUM);
/// `Σw²` of the window: the variance in one bin of white noise of unit power.
const WIN_SUM2: f32 = 30.0;
/// A window whose magnitude is at least this fraction of the digit's is fully inside the tone.
const FULL: f32 = 0.85;

/// Detector settings. Defaults meet ITU-T Q.24 and the usual test suites with margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorConfig {
    /// Weakest tone accepted, dBm0 per tone (default −36: the spec asks for −30).
    pub min_level_dbm0: f32,
    /// Largest normal twist (high tone weaker than low), dB (default 9.5: spec 8).
    pub normal_twist_db: f32,
    /// Largest reverse twist (high tone stronger than low), dB (default 5.5: spec 4).
    pub reverse_twist_db: f32,
    /// Largest frequency offset of each tone, as a fraction (default 0.025: the spec accepts
    /// 0.015 and rejects 0.035).
    pub freq_tolerance: f32,
    /// Smallest share of the signal power (less any dial tone) the two tones must carry
    /// (default 0.8).
    pub min_purity: f32,
    /// Largest change of either tone's magnitude from one window to the next while a digit
    /// builds up, dB (default 2.5).
    pub max_step_db: f32,
    /// Consecutive passing windows (5 ms apart) that make a digit (default 5: tones of 35 ms
    /// are always detected, of 25 ms never).
    pub on_windows: u32,
    /// Consecutive windows without the digit that end it (default 6: gaps under 10 ms, and
    /// up to about 20 ms, are bridged; pauses from 30 ms separate digits).
    pub off_windows: u32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            min_level_dbm0: -36.0,
            normal_twist_db: 9.5,
            reverse_twist_db: 5.5,
            freq_tolerance: 0.025,
            min_purity: 0.8,
            max_step_db: 2.5,
            on_windows: 5,
            off_windows: 6,
        }
    }
}

impl DetectorConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`DtmfError::Detector`] naming the setting out of range.
    pub fn validate(&self) -> Result<(), DtmfError> {
        let ok = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
        let checks = [
            (
                ok(self.min_level_dbm0, -70.0, 0.0),
                "min_level_dbm0 must be in -70..=0",
            ),
            (
                ok(self.normal_twist_db, 0.0, 20.0),
                "normal_twist_db must be in 0..=20",
            ),
            (
                ok(self.reverse_twist_db, 0.0, 20.0),
                "reverse_twist_db must be in 0..=20",
            ),
            (
                ok(self.freq_tolerance, 0.001, 0.05),
                "freq_tolerance must be in 0.001..=0.05",
            ),
            (ok(self.min_purity, 0.0, 1.0), "min_purity must be in 0..=1"),
            (
                ok(self.max_step_db, 0.1, 20.0),
                "max_step_db must be in 0.1..=20",
            ),
            (
                (2..=MAX_RUN).contains(&self.on_windows),
                "on_windows must be in 2..=20",
            ),
            (
                (1..=MAX_RUN).contains(&self.off_windows),
                "off_windows must be in 1..=20",
            ),
        ];
        match checks.iter().find(|(good, _)| !good) {
            Some(&(_, msg)) => Err(DtmfError::Detector(msg)),
            None => Ok(()),
        }
    }
}

/// A detected digit: `start` and `end` are sample indices from the start of the stream
/// (the tone occupies `start..end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DigitEvent {
    /// The digit.
    pub digit: Digit,
    /// First sample of the tone.
    pub start: u64,
    /// One past the last sample of the tone.
    pub end: u64,
}

/// What the detector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfEvent {
    /// A digit has been recognised and is still sounding (sent once per digit, as soon as it
    /// is certain: what an RFC 4733 sender needs to start its event).
    Onset {
        /// The digit.
        digit: Digit,
        /// First sample of the tone.
        start: u64,
    },
    /// A digit has ended: the complete event, sent exactly once per digit after its onset.
    Digit(DigitEvent),
}

/// Thresholds derived from a [`DetectorConfig`], in the units the analysis uses.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Minimum tone power (mean square).
    min_power: f32,
    normal_twist: f32,
    reverse_twist: f32,
    tolerance: f32,
    purity: f32,
    /// Largest relative change of a tone's magnitude between windows (before noise slack).
    step_frac: f32,
    /// The largest power ratio between windows that the step check with full slack allows.
    step_pow2: f32,
    /// `|X|²` a tone at the minimum level shows even at the edge of the tolerance.
    quick_level: f32,
    /// 1/g² at the edge of the tolerance: the most the off-centre correction can add.
    max_correction: f32,
    on: u32,
    off: u32,
}

impl Limits {
    fn new(c: &DetectorConfig) -> Self {
        let db = |d: f32| libm::powf(10.0, d / 10.0);
        let min_power = {
            let r = rms_for_dbm0(c.min_level_dbm0);
            r * r
        };
        // The highest tone has the largest offset in hertz, hence the least gain.
        let g_edge = gain(c.freq_tolerance * FREQS[7] as f32);
        Self {
            min_power,
            normal_twist: db(c.normal_twist_db),
            reverse_twist: db(c.reverse_twist_db),
            tolerance: c.freq_tolerance,
            purity: c.min_purity,
            step_frac: 1.0 - libm::powf(10.0, -c.max_step_db / 20.0),
            step_pow2: {
                let f = 2.0 * (1.0 - libm::powf(10.0, -c.max_step_db / 20.0));
                let r = 1.0 / (1.0 - f.min(0.999));
                r * r
            },
            quick_level: min_power / POWER_PER_MAG2 * g_edge * g_edge,
            max_correction: 1.0 / (g_edge * g_edge),
            on: c.on_windows,
            off: c.off_windows,
        }
    }
}

/// The window's gain for a tone `hz` away from a bin centre (linear interpolation in
/// [`GAIN`]; offsets beyond its span, where the gain is below −50 dB, read its last entry).
fn gain(hz: f32) -> f32 {
    let a = hz.abs().min(GAIN_SPAN_HZ as f32 - 1.0);
    let i = (a as usize).min(GAIN_SPAN_HZ - 1);
    let f = a - i as f32;
    let (g0, g1) = (GAIN[i], GAIN[i + 1]);
    g0 + (g1 - g0) * f
}

/// `atan2` to within 1e-5 rad, without the cost of the libm one (Abramowitz & Stegun
/// 4.4.49 on the octant, then selects rather than branches).
fn atan2(y: f32, x: f32) -> f32 {
    use core::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let (lo, hi) = (ax.min(ay), ax.max(ay));
    let a = if hi > 0.0 { lo / hi } else { 0.0 };
    let s = a * a;
    let r =
        ((((0.020_835_1 * s - 0.085_133) * s + 0.180_141) * s - 0.330_299_5) * s + 0.999_866) * a;
    let r = if ay > ax { FRAC_PI_2 - r } else { r };
    let r = if x < 0.0 { PI - r } else { r };
    if y < 0.0 { -r } else { r }
}

/// The vector work of one complete hop of samples `x`:
/// - the DFT products `Σ_q x[q]·KERNEL[q][l]` for both windows the hop belongs to;
/// - `window` ← the spectrum of the window completing now (`half`, the previous hop's share,
///   plus this hop's), and `half` ← this hop's share of the window it begins;
/// - `m2` ← `|X|²` of the 8 DTMF bins of the completed window;
/// - returns the hop's energy `Σx²` and first-half-weighted energy `Σx²·w[q]`.
///
/// It runs only on whole hops, in a fixed order, so the result never depends on how the
/// caller split the stream; and it multiplies then adds (no fused multiply-add), so the AVX2
/// and portable versions give the same bits.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn hop_kernel(
    x: &[f32; HOP],
    half: &mut [f32; LANES],
    window: &mut [f32; LANES],
    m2: &mut [f32; 8],
) -> (f32, f32) {
    // Two accumulator sets (even and odd samples) halve the add latency chain.
    let mut even = [0.0f32; ALL_LANES];
    let mut odd = [0.0f32; ALL_LANES];
    for (pair, rows) in x.chunks_exact(2).zip(KERNEL.chunks_exact(2)) {
        let (x0, x1) = (pair[0], pair[1]);
        for (a, &t) in even.iter_mut().zip(&rows[0]) {
            *a += x0 * t;
        }
        for (a, &t) in odd.iter_mut().zip(&rows[1]) {
            *a += x1 * t;
        }
    }
    for l in 0..LANES {
        window[l] = half[l] + (even[LANES + l] + odd[LANES + l]);
        half[l] = even[l] + odd[l];
    }
    for k in 0..8 {
        m2[k] = window[k] * window[k] + window[BINS + k] * window[BINS + k];
    }
    let mut plain = [0.0f32; 8];
    let mut weighted = [0.0f32; 8];
    for c in 0..HOP / 8 {
        let xs: &[f32; 8] = x[8 * c..8 * c + 8].try_into().expect("8 samples");
        let ws: &[f32; 8] = WEIGHT[8 * c..8 * c + 8].try_into().expect("8 weights");
        for i in 0..8 {
            let e = xs[i] * xs[i];
            plain[i] += e;
            weighted[i] += e * ws[i];
        }
    }
    (fold8(plain), fold8(weighted))
}

fn fold8(v: [f32; 8]) -> f32 {
    ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
}

/// A run of consecutive windows that passed the full checks for one digit.
#[derive(Debug, Clone, Copy)]
struct Run {
    digit: Digit,
    count: u32,
    /// Sum of the measured offsets (Hz) of the low and high tone over the run.
    offset_sum: (f32, f32),
}

/// The digit being reported.
#[derive(Debug, Clone, Copy)]
struct Active {
    digit: Digit,
    start: u64,
    /// First window of the run that made the digit.
    first_window: u64,
    /// Last window that still showed the digit.
    last_good: u64,
    misses: u32,
    /// Window gains at the digit's measured offsets (low, high).
    gains: (f32, f32),
}

/// Streaming DTMF detector for one channel: fixed-size state (about 1.6 KiB), no allocation.
///
/// Feed it with [`process`](Self::process) in blocks of any size; call
/// [`finish`](Self::finish) at the end of a stream to close a digit still sounding.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    limits: Limits,
    config: DetectorConfig,
    /// Samples of the current hop so far.
    buf: [f32; HOP],
    /// Samples of the previous hop (the first half of the window completing next).
    prev_buf: [f32; HOP],
    /// Position within the current hop.
    q: usize,
    /// The previous hop's share of the window it began: (re, im) of the bins.
    half: [f32; LANES],
    /// The previous hop's share of that window's weighted energy.
    half_energy: f32,
    /// Index of the window that the current hop completes.
    window: u64,
    samples: u64,
    /// Spectrum of the previous window (re of the bins, then im).
    prev: [f32; LANES],
    /// `|X|²` of the 8 DTMF bins for the last `HIST` windows, by window index mod `HIST`.
    hist: [[f32; 8]; HIST],
    run: Option<Run>,
    active: Option<Active>,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        Self::new()
    }
}

/// The analysis of one window, as far as it got.
#[derive(Debug, Clone)]
struct Window<'a> {
    x: &'a [f32; LANES],
    m2: [f32; 8],
    /// Window-weighted mean power of the samples under the window.
    power: f32,
    /// The samples under the window: the previous hop's, then this hop's.
    samples: (&'a [f32; HOP], &'a [f32; HOP]),
    /// `power` less the dial tone's, worked out when first needed (NaN until then).
    rest: core::cell::Cell<f32>,
    row: usize,
    col: usize,
}

impl Window<'_> {
    /// Power not accounted for by dial tone (350 + 440 Hz). Dial-tone bins are not part of
    /// the per-sample DFT: they are computed here, from the window's samples, only for
    /// windows whose DTMF bins are strong enough for the answer to matter.
    fn rest(&self) -> f32 {
        let r = self.rest.get();
        if !r.is_nan() {
            return r;
        }
        let r = (self.power - dial_power(self.samples.0, self.samples.1)).max(0.0);
        self.rest.set(r);
        r
    }

    /// True if `tones` (mean power of the two tones) is at least `share` of the power not
    /// accounted for by dial tone. The whole power is tried first, since it can only make
    /// the test harder, and the dial tone worked out only if that fails.
    fn pure(&self, tones: f32, share: f32) -> bool {
        tones >= share * self.power || tones >= share * self.rest()
    }
}

impl DtmfDetector {
    /// A detector with the default settings.
    #[must_use]
    pub fn new() -> Self {
        Self::build(DetectorConfig::default())
    }

    /// A detector with `config`.
    ///
    /// # Errors
    /// As [`DetectorConfig::validate`].
    pub fn with_config(config: DetectorConfig) -> Result<Self, DtmfError> {
        config.validate()?;
        Ok(Self::build(config))
    }

    fn build(config: DetectorConfig) -> Self {
        Self {
            limits: Limits::new(&config),
            config,
            buf: [0.0; HOP],
            prev_buf: [0.0; HOP],
            q: 0,
            half: [0.0; LANES],
            half_energy: 0.0,
            window: 0,
            samples: 0,
            prev: [0.0; LANES],
            hist: [[0.0; 8]; HIST],
            run: None,
            active: None,
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// Forgets everything, as if newly made (sample times restart at 0).
    pub fn reset(&mut self) {
        *self = Self::build(self.config);
    }

    /// Samples processed since creation or [`reset`](Self::reset).
    #[must_use]
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The digit sounding now, if one has been recognised: the digit and its start sample.
    #[must_use]
    pub fn current(&self) -> Option<(Digit, u64)> {
        self.active.map(|a| (a.digit, a.start))
    }

    /// Processes a block of samples of any length, calling `on_event` for each event.
    pub fn process(&mut self, mut samples: &[i16], mut on_event: impl FnMut(DtmfEvent)) {
        while !samples.is_empty() {
            let take = (HOP - self.q).min(samples.len());
            let (now, rest) = samples.split_at(take);
            for (b, &s) in self.buf[self.q..].iter_mut().zip(now) {
                *b = f32::from(s);
            }
            self.q += take;
            self.samples += take as u64;
            if self.q == HOP {
                self.q = 0;
                self.end_of_hop(&mut on_event);
            }
            samples = rest;
        }
    }

    /// Ends the stream: reports the digit still sounding, if any, as ending where the tone
    /// ends (or at the last sample). The detector is then ready for a new stream, with
    /// sample times continuing.
    pub fn finish(&mut self, mut on_event: impl FnMut(DtmfEvent)) {
        if let Some(a) = self.active.take() {
            let end = self.end_of(&a, self.window.saturating_sub(1), true);
            on_event(DtmfEvent::Digit(DigitEvent {
                digit: a.digit,
                start: a.start,
                end,
            }));
        }
        self.run = None;
    }

    fn end_of_hop(&mut self, on_event: &mut impl FnMut(DtmfEvent)) {
        let mut x = [0.0f32; LANES];
        let mut m2 = [0.0f32; 8];
        let (energy, weighted) = hop_kernel(&self.buf, &mut self.half, &mut x, &mut m2);
        // Hann-weighted energy: first-half weights w, second-half weights 1 − w.
        let power = (self.half_energy + (energy - weighted)) / WIN_SUM;
        self.half_energy = weighted;
        self.analyse(&x, &m2, power, on_event);
        self.prev = x;
        self.prev_buf = self.buf;
        self.window += 1;
    }

    /// `|X|²` of DTMF bin `k` in window `w` (which must be within the history).
    fn mag2(&self, w: u64, k: usize) -> f32 {
        self.hist[(w % HIST as u64) as usize][k]
    }

    fn analyse(
        &mut self,
        x: &[f32; LANES],
        m2: &[f32; 8],
        power: f32,
        on_event: &mut impl FnMut(DtmfEvent),
    ) {
        let w = self.window;
        let m2 = *m2;
        self.hist[(w % HIST as u64) as usize] = m2;
        let row = argmax4(&m2[..4]);
        let col = argmax4(&m2[4..]);
        let win = Window {
            x,
            m2,
            power,
            samples: (&self.prev_buf, &self.buf),
            rest: core::cell::Cell::new(f32::NAN),
            row,
            col: col + 4,
        };

        // While the digit being reported keeps going, its bins are the strongest, so no
        // other digit can build up a run: the full checks are skipped.
        let continuing = self.active.is_some_and(|a| self.continues(&win, &a));
        // Most windows (silence, noise, speech) have no strong bin in one of the groups:
        // turned away here, before the full checks.
        let candidate =
            m2[row] >= self.limits.quick_level && m2[col + 4] >= self.limits.quick_level;
        let strict = if continuing || !candidate {
            None
        } else {
            self.strict(&win)
        };
        match (strict, &mut self.run) {
            (Some((d, off)), Some(r)) if r.digit == d => {
                r.count += 1;
                r.offset_sum.0 += off.0;
                r.offset_sum.1 += off.1;
            }
            (Some((d, off)), _) => {
                self.run = Some(Run {
                    digit: d,
                    count: 1,
                    offset_sum: off,
                });
            }
            (None, _) => self.run = None,
        }

        if let Some(mut a) = self.active {
            if continuing || strict.is_some_and(|(d, _)| d == a.digit) {
                a.last_good = w;
                a.misses = 0;
            } else {
                a.misses += 1;
            }
            self.active = Some(a);
            let replaced = self
                .run
                .is_some_and(|r| r.count >= self.limits.on && r.digit != a.digit);
            if a.misses >= self.limits.off || replaced {
                let end = self.end_of(&a, w, false);
                self.active = None;
                on_event(DtmfEvent::Digit(DigitEvent {
                    digit: a.digit,
                    start: a.start,
                    end,
                }));
            }
        }
        if self.active.is_none()
            && let Some(r) = self.run
            && r.count >= self.limits.on
        {
            let first = w + 1 - u64::from(r.count);
            let n = r.count as f32;
            let gains = (gain(r.offset_sum.0 / n), gain(r.offset_sum.1 / n));
            let start = self.start_of(r.digit, first, w);
            self.active = Some(Active {
                digit: r.digit,
                start,
                first_window: first,
                last_good: w,
                misses: 0,
                gains,
            });
            on_event(DtmfEvent::Onset {
                digit: r.digit,
                start,
            });
        }
    }

    /// The full checks. Returns the digit and the measured (low, high) offsets in Hz.
    #[inline(never)]
    fn strict(&self, win: &Window<'_>) -> Option<(Digit, (f32, f32))> {
        let l = &self.limits;
        let (r, c) = (win.row, win.col);
        let (m2r, m2c) = (win.m2[r], win.m2[c]);
        // Cheap rejections first: level; steadiness at twice its limit (the most the noise
        // slack below can allow), which turns away the windows at the edges of tones; and
        // purity with the largest possible correction.
        if m2r < l.quick_level || m2c < l.quick_level {
            return None;
        }
        let before = &self.hist[((self.window + HIST as u64 - 1) % HIST as u64) as usize];
        let (br, bc) = (before[r], before[c]);
        if m2r > l.step_pow2 * br
            || br > l.step_pow2 * m2r
            || m2c > l.step_pow2 * bc
            || bc > l.step_pow2 * m2c
        {
            return None;
        }
        if !win.pure((m2r + m2c) * POWER_PER_MAG2 * l.max_correction, l.purity) {
            return None;
        }
        // The rest is computed without branching, so its independent parts overlap, and
        // judged at the end.
        // Frequency from the phase advance since the previous window.
        let off_r = self.offset(win.x, r);
        let off_c = self.offset(win.x, c);
        let in_tolerance = off_r.abs() <= l.tolerance * FREQS[r] as f32
            && off_c.abs() <= l.tolerance * FREQS[c] as f32;
        // Tone powers corrected for the window's response at the measured offsets.
        let (inv_r, inv_c) = (1.0 / gain(off_r), 1.0 / gain(off_c));
        let pr = m2r * POWER_PER_MAG2 * inv_r * inv_r;
        let pc = m2c * POWER_PER_MAG2 * inv_c * inv_c;
        // What the tones leave unexplained, taken as white noise: its variance in one bin
        // (in |X|² units) gives the checks below slack, up to their own size, so that they
        // hold a weak tone in noise to what the noise allows and a clean one to the limits.
        // Dial tone is set apart from the noise only if the tones leave over 5 % unexplained.
        let unexplained = if pr + pc >= 0.95 * win.power {
            win.power
        } else {
            win.rest()
        };
        let loud_and_pure = pr >= l.min_power && pc >= l.min_power && win.pure(pr + pc, l.purity);
        let noise_bin = (unexplained - pr - pc).max(0.0) * WIN_SUM2;
        let sd = libm::sqrtf(noise_bin);
        let (ar, ac) = (libm::sqrtf(m2r), libm::sqrtf(m2c));
        // Steadiness against the previous window.
        let steady = |now: f32, before: f32| {
            let base = l.step_frac * now.max(before);
            (now - before).abs() <= base + (3.0 * sd).min(base)
        };
        let steady = steady(ar, libm::sqrtf(br)) & steady(ac, libm::sqrtf(bc));
        // Twist, on magnitudes moved two noise deviations in the tones' favour.
        let spread = (core::f32::consts::SQRT_2 * sd).min(0.25 * ar.min(ac));
        let (lo_r, hi_r) = ((ar - spread).max(0.0) * inv_r, (ar + spread) * inv_r);
        let (lo_c, hi_c) = ((ac - spread).max(0.0) * inv_c, (ac + spread) * inv_c);
        let twist_ok = lo_r * lo_r <= l.normal_twist * hi_c * hi_c
            && lo_c * lo_c <= l.reverse_twist * hi_r * hi_r;
        if !(in_tolerance & loud_and_pure & steady & twist_ok) {
            return None;
        }
        // One tone per group.
        let slack = |m2: f32| (12.0 * noise_bin).min(RESIDUAL * m2);
        if !single_tone(win.x, r, 0..4, off_r, inv_r, slack(m2r))
            || !single_tone(win.x, c, 4..8, off_c, inv_c, slack(m2c))
        {
            return None;
        }
        Some((Digit::from_row_col(r, c - 4)?, (off_r, off_c)))
    }

    /// The relaxed checks that keep a recognised digit going: same strongest bins, level,
    /// twist and purity with a little slack, no frequency or steadiness test.
    fn continues(&self, win: &Window<'_>, a: &Active) -> bool {
        let l = &self.limits;
        let (r, c) = (a.digit.row(), a.digit.col() + 4);
        if win.row != r || win.col != c {
            return false;
        }
        let pr = win.m2[r] * POWER_PER_MAG2 / (a.gains.0 * a.gains.0);
        let pc = win.m2[c] * POWER_PER_MAG2 / (a.gains.1 * a.gains.1);
        let slack = 1.6; // 2 dB
        pr * slack >= l.min_power
            && pc * slack >= l.min_power
            && pr <= l.normal_twist * slack * pc
            && pc <= l.reverse_twist * slack * pr
            && win.pure((pr + pc) * 1.25, l.purity)
    }

    /// Offset from the centre of bin `k`, in Hz, from the phase advance over one hop.
    fn offset(&self, x: &[f32; LANES], k: usize) -> f32 {
        let (re, im) = (x[k], x[BINS + k]);
        let (pre, pim) = (self.prev[k], self.prev[BINS + k]);
        // X · conj(P) · e^{−jω_k·HOP}
        let (zr, zi) = (re * pre + im * pim, im * pre - re * pim);
        let (cr, ci) = HOP_ROTATION[k];
        atan2(zi * cr + zr * ci, zr * cr - zi * ci) * HZ_PER_RAD
    }

    /// Magnitude of `digit` in window `w` relative to `reference` (per tone), combining the
    /// two tones: their mean, or the smaller where they disagree (another digit sharing one
    /// tone).
    fn ratio(&self, digit: Digit, w: u64, reference: (f32, f32)) -> f32 {
        let (r, c) = (digit.row(), digit.col() + 4);
        let a = libm::sqrtf(self.mag2(w, r)) / reference.0;
        let b = libm::sqrtf(self.mag2(w, c)) / reference.1;
        if (a - b).abs() > 0.25 {
            a.min(b)
        } else {
            0.5 * (a + b)
        }
    }

    fn reference(&self, digit: Digit, windows: impl Iterator<Item = u64>) -> (f32, f32) {
        let (r, c) = (digit.row(), digit.col() + 4);
        let (mut a, mut b, mut n) = (0.0f32, 0.0f32, 0.0f32);
        for w in windows {
            a += libm::sqrtf(self.mag2(w, r));
            b += libm::sqrtf(self.mag2(w, c));
            n += 1.0;
        }
        (a / n, b / n)
    }

    /// First sample of a digit whose run of passing windows is `first..=last`.
    fn start_of(&self, digit: Digit, first: u64, last: u64) -> u64 {
        let reference = self.reference(digit, first..=last);
        let oldest = (last + 1).saturating_sub(HIST as u64);
        // Walk back over windows still fully inside the tone.
        let mut w = first;
        while w > oldest && self.ratio(digit, w - 1, reference) >= FULL {
            w -= 1;
        }
        if w == oldest {
            return window_start(w).max(0) as u64;
        }
        // Window w−1 is partly covered: its tail holds the tone; w may be partly covered too.
        let cand = [w - 1, w]
            .into_iter()
            .map(|v| (v, self.ratio(digit, v, reference)))
            .filter(|&(_, r)| r > 0.03 && r < 0.97)
            .min_by(|a, b| (a.1 - 0.5).abs().total_cmp(&(b.1 - 0.5).abs()));
        let start = match cand {
            Some((v, r)) => window_start(v) + tail_position(r),
            None => window_start(w),
        };
        start.max(0) as u64
    }

    /// One past the last sample of the active digit `a`, from the windows after its last
    /// good one up to window `newest`. `at_end`: the stream has ended, so a tone still full
    /// in the last window ends with the stream.
    fn end_of(&self, a: &Active, newest: u64, at_end: bool) -> u64 {
        let lo = a.first_window.max(a.last_good.saturating_sub(3));
        let digit = a.digit;
        // Reference: the strongest of the last few good windows (robust to a partial one).
        let (r, c) = (digit.row(), digit.col() + 4);
        let strongest = (lo..=a.last_good)
            .max_by(|&u, &v| {
                (self.mag2(u, r) + self.mag2(u, c)).total_cmp(&(self.mag2(v, r) + self.mag2(v, c)))
            })
            .unwrap_or(a.last_good);
        let reference = self.reference(digit, strongest..=strongest);
        let mut w = strongest;
        while w < newest && self.ratio(digit, w + 1, reference) >= FULL {
            w += 1;
        }
        let end = if w == newest {
            // Still sounding in the newest window.
            if at_end {
                self.samples as i64
            } else {
                window_start(w) + WIN as i64
            }
        } else {
            // Window w+1 is partly covered: its head holds the tone; w may be partial too.
            let cand = [w, w + 1]
                .into_iter()
                .map(|v| (v, self.ratio(digit, v, reference)))
                .filter(|&(_, r)| r > 0.03 && r < 0.97)
                .min_by(|a, b| (a.1 - 0.5).abs().total_cmp(&(b.1 - 0.5).abs()));
            match cand {
                Some((v, r)) => window_start(v) + tail_position(1.0 - r),
                None => window_start(w + 1) + HOP as i64,
            }
        };
        (end.max(0) as u64).clamp(a.start + 1, self.samples.max(a.start + 1))
    }
}

/// Limit on the energy left in a group's other bins once the tone's own leakage is removed,
/// relative to the tone's bin (−10 dB).
const RESIDUAL: f32 = 0.1;

/// True if the bins `group` look like a single tone in bin `k` at `offset` Hz (where the
/// window's gain is `1/inv_gain`): what remains in the group's other bins after subtracting
/// the tone's predicted leakage is under [`RESIDUAL`] of the tone's bin plus `slack` (for
/// noise).
fn single_tone(
    x: &[f32; LANES],
    k: usize,
    group: core::ops::Range<usize>,
    offset: f32,
    inv_gain: f32,
    slack: f32,
) -> bool {
    let f = FREQS[k] as f32 + offset;
    let (re, im) = (x[k], x[BINS + k]);
    let mut residual = 0.0;
    for j in group {
        if j == k {
            continue;
        }
        let s = gain(f - FREQS[j] as f32) * inv_gain;
        let (dr, di) = (x[j] - s * re, x[BINS + j] - s * im);
        residual += dr * dr + di * di;
    }
    residual <= RESIDUAL * (re * re + im * im) + slack
}

/// Window-weighted mean power of dial tone (350 + 440 Hz) in the window whose samples are
/// `first` then `second`: the two dial-tone bins, then the tones' complex amplitudes `a`,
/// `b` solved from them given how each leaks into the other's bin, then their powers and
/// their cross term under the window (they beat at 90 Hz, less than one window length, so
/// the cross term does not average out).
fn dial_power(first: &[f32; HOP], second: &[f32; HOP]) -> f32 {
    let mut acc = [[0.0f32; 8]; 4];
    for (half, x) in [first, second].into_iter().enumerate() {
        for (c, xs) in x.chunks_exact(8).enumerate() {
            let at = half * HOP + 8 * c;
            for (a, lane) in acc.iter_mut().zip(&DIAL_KERNEL) {
                for ((a, &x), &t) in a.iter_mut().zip(xs).zip(&lane[at..at + 8]) {
                    *a += x * t;
                }
            }
        }
    }
    let [r1, r2, i1, i2] = acc.map(fold8);
    let g = GAIN[90];
    let s = 2.0 / (WIN_SUM * (1.0 - g * g));
    let (ar, ai) = (s * (r1 - g * r2), s * (i1 - g * i2));
    let (br, bi) = (s * (r2 - g * r1), s * (i2 - g * i1));
    0.5 * (ar * ar + ai * ai + br * br + bi * bi) + g * (ar * br + ai * bi)
}

fn argmax4(v: &[f32]) -> usize {
    let mut best = 0;
    for i in 1..v.len() {
        if v[i] > v[best] {
            best = i;
        }
    }
    best
}

/// First sample of window `w` (window `w` ends with hop `w`); the first window reaches back
/// a hop before the stream.
fn window_start(w: u64) -> i64 {
    (w * HOP as u64) as i64 - HOP as i64
}

/// Window position where a tone must start so that the window sees `ratio` of its full
/// magnitude (inverse of [`TAIL`]).
fn tail_position(ratio: f32) -> i64 {
    let r = ratio.clamp(0.0, 1.0);
    // TAIL falls from 1 to 0: find the last k with TAIL[k] >= r by bisection.
    let (mut lo, mut hi) = (0usize, WIN);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if TAIL[mid] >= r {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if TAIL[hi] >= r {
        return WIN as i64;
    }
    let frac = (TAIL[lo] - r) / (TAIL[lo] - TAIL[hi]).max(1e-9);
    libm::roundf(lo as f32 + frac.clamp(0.0, 1.0)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_atan2_is_accurate() {
        let mut worst = 0.0f32;
        for i in 0..3600 {
            let a = i as f32 * 0.1f32.to_radians() - core::f32::consts::PI + 1e-4;
            for r in [1e-3f32, 1.0, 1e6] {
                let (y, x) = (r * libm::sinf(a), r * libm::cosf(a));
                worst = worst.max((atan2(y, x) - libm::atan2f(y, x)).abs());
            }
        }
        assert!(worst < 2e-5, "worst error {worst}");
        assert_eq!(atan2(0.0, 0.0), 0.0);
    }

    #[test]
    fn tail_position_inverts_the_tail() {
        for k in [0usize, 5, 20, 40, 60, 75, 80] {
            assert_eq!(tail_position(TAIL[k]), k as i64, "k={k}");
        }
    }

    #[test]
    fn config_validation() {
        assert!(DetectorConfig::default().validate().is_ok());
        let bad = DetectorConfig {
            on_windows: 1,
            ..DetectorConfig::default()
        };
        assert!(DtmfDetector::with_config(bad).is_err());
        let bad = DetectorConfig {
            freq_tolerance: f32::NAN,
            ..DetectorConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}
