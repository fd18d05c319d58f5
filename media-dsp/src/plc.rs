//! Packet-loss concealment for lost G.711 frames (10 or 20 ms), after ITU-T G.711 Appendix I.
//!
//! **What it does.** When a frame of decoded G.711 audio is lost (an RTP packet that never
//! came, or came too late), [`Plc::lost_frame`] writes a synthetic replacement that
//! continues the speech instead of a gap of silence; [`Plc::good_frame`] records each
//! received frame and, after a loss, blends its start with the synthetic signal so the
//! return to real audio does not click.
//!
//! **How it works.** The last 390 samples (48.75 ms) of output are kept. At the start of an
//! erasure the pitch period P (40..=120 samples, 66–200 Hz) is found by normalised
//! cross-correlation of the last 20 ms with the signal P samples earlier. The gap is
//! filled by repeating the last P samples of history; the last P/4 samples of the repeated
//! stretch are cross-faded with the samples that lead into its first sample, so each wrap
//! joins two originally adjacent samples. The very first concealed samples carry a decaying offset
//! that makes them continue exactly from the last real sample (this replaces Appendix I's
//! 3.75 ms output delay, see Limits). After each further 10 ms of loss the repeated stretch
//! grows by one period (up to three), entered at the same phase with a P/4 overlap-add,
//! which avoids the buzz of a single repeated cycle. The signal is not attenuated during
//! the first 10 ms, then fades linearly by 20% per 10 ms, so it is silent after 60 ms.
//! The first good frame after a loss is overlap-added with the continuing synthetic signal
//! over P/4 samples plus 4 ms per extra 10 ms lost (capped at the frame length).
//!
//! **Spec.** ITU-T G.711 Appendix I (09/99), "A high quality low-complexity algorithm for
//! packet loss concealment with G.711": pitch range 40..=120, 390-sample history,
//! period-count growth per 10 ms, 20% per 10 ms attenuation after the first 10 ms, and the
//! growing end overlap (its `EOVERLAPINCR` of 32 samples). Not bit-exact with its reference
//! code, which is floating point with different rounding, and which delays all output by
//! 30 samples. (The constants are quoted from memory of the Appendix I reference code and
//! have not been checked against the Recommendation's text here.)
//!
//! **Limits.** No added delay: where Appendix I overlap-adds the last quarter period
//! *before* the loss (which needs a 3.75 ms output delay), this module corrects the
//! start of the synthetic signal instead, so the first concealed samples are continuous
//! but the quarter period before the loss is left as it was. Voices above 200 Hz are
//! repeated with a multiple of their period, which is fine; below 66 Hz (rare) the period
//! lies outside the search and the repetition is rougher. Unvoiced sounds and music are repeated too (a known property of the
//! algorithm); after 60 ms everything fades to silence and there is no comfort noise.
//! Frames of any length work; the 10 ms steps are counted in samples.

/// Shortest pitch period searched, in samples (200 Hz).
pub const PITCH_MIN: usize = 40;
/// Longest pitch period searched, in samples (66.7 Hz).
pub const PITCH_MAX: usize = 120;
/// History kept, in samples: three longest periods plus a quarter period.
pub const HISTORY_LEN: usize = 3 * PITCH_MAX + PITCH_MAX / 4;
/// Length of the correlation window for the pitch search (20 ms).
const CORR_LEN: usize = 160;
/// 10 ms at 8 kHz: the step for period growth and attenuation.
const STEP: usize = 80;
/// Attenuation per sample once it starts (20% per 10 ms).
const ATTEN_PER_SAMPLE: f32 = 0.2 / STEP as f32;
/// Extra end overlap per additional 10 ms of loss (Appendix I `EOVERLAPINCR`, 4 ms).
const END_OVERLAP_INCR: usize = 32;
/// At most this many periods are repeated.
const MAX_PERIODS: usize = 3;
/// Below this mean power per sample the pitch search does not bother (near silence).
const MIN_CORR_POWER: f32 = 250.0;

/// Concealment state of one channel: history, pitch and position in the repeated stretch.
///
/// Feed every decoded frame in order; for a frame that did not arrive, ask for a
/// replacement instead:
///
/// ```
/// use media_dsp::plc::Plc;
///
/// let mut plc = Plc::new();
/// let mut frame = [0i16; 160]; // 20 ms of decoded G.711
/// for arrived in [true, true, false, true] {
///     if arrived {
///         // ... decode the packet into `frame` ...
///         plc.good_frame(&mut frame); // may smooth the start after a loss
///     } else {
///         plc.lost_frame(&mut frame); // writes the concealment
///     }
///     // ... play or forward `frame` ...
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Plc {
    /// Last `HISTORY_LEN` output samples, newest last.
    hist: [f32; HISTORY_LEN],
    /// Snapshot of `hist` when the current erasure began: the material repeated.
    snap: [f32; HISTORY_LEN],
    /// Pitch period of the current erasure.
    pitch: usize,
    /// Periods in the repeated stretch (1..=3).
    periods: usize,
    /// Position in the repeated stretch.
    pos: usize,
    /// Samples concealed in the current erasure; 0 when not in one.
    lost: usize,
    /// Offset making the first concealed samples continue from the last real one.
    start_offset: f32,
    /// Old stretch being faded out after growth: (periods, position, samples left).
    fade: Option<(usize, usize, usize)>,
}

impl Default for Plc {
    fn default() -> Self {
        Self::new()
    }
}

impl Plc {
    /// A channel with silent history.
    #[must_use]
    pub fn new() -> Self {
        Self {
            hist: [0.0; HISTORY_LEN],
            snap: [0.0; HISTORY_LEN],
            pitch: PITCH_MAX,
            periods: 1,
            pos: 0,
            lost: 0,
            start_offset: 0.0,
            fade: None,
        }
    }

    /// Whether the last frame was concealed (an erasure is in progress).
    #[must_use]
    pub fn in_erasure(&self) -> bool {
        self.lost > 0
    }

    /// The pitch period (samples) used for the current or last erasure.
    #[must_use]
    pub fn pitch(&self) -> usize {
        self.pitch
    }

    /// Records a received frame. If it ends an erasure, its first samples are overlap-added
    /// with the continuing synthetic signal (so `frame` may be modified).
    pub fn good_frame(&mut self, frame: &mut [i16]) {
        if self.lost > 0 {
            let extra_steps = (self.lost - 1) / STEP;
            let overlap = (self.pitch / 4 + END_OVERLAP_INCR * extra_steps).min(frame.len());
            for (j, s) in frame[..overlap].iter_mut().enumerate() {
                let synth = self.next_synthetic();
                let w = (j + 1) as f32 / (overlap + 1) as f32;
                *s = round_sat(synth * (1.0 - w) + f32::from(*s) * w);
            }
            self.lost = 0;
            self.fade = None;
        }
        self.push_history(frame);
    }

    /// Writes the concealment for one lost frame into `frame` (any length; 80 or 160
    /// samples for 10 or 20 ms G.711 packets).
    pub fn lost_frame(&mut self, frame: &mut [i16]) {
        if self.lost == 0 {
            self.start_erasure();
        }
        for s in frame.iter_mut() {
            *s = round_sat(self.next_synthetic());
        }
        self.push_history(frame);
    }

    /// Begins an erasure: snapshot, pitch search, start offset.
    fn start_erasure(&mut self) {
        self.snap = self.hist;
        self.pitch = find_pitch(&self.snap);
        self.periods = 1;
        self.pos = 0;
        self.fade = None;
        let h = HISTORY_LEN;
        // The repeated stretch starts at snap[h - P]; its real predecessor is snap[h - P - 1],
        // whereas the sample actually played before it is snap[h - 1].
        self.start_offset = self.snap[h - 1] - self.snap[h - self.pitch - 1];
    }

    /// Sample `i` (0..periods·P) of the repeated stretch of `periods` periods, with the
    /// tail cross-faded into the samples just before the stretch's start.
    fn stretch(&self, periods: usize, i: usize) -> f32 {
        let len = periods * self.pitch;
        let ov = self.pitch / 4;
        let base = HISTORY_LEN - len;
        let x = self.snap[base + i];
        if i + ov < len {
            return x;
        }
        let w = (i + ov + 1 - len) as f32 / (ov + 1) as f32;
        x * (1.0 - w) + self.snap[base + i - len] * w
    }

    /// The next synthetic sample, with gain, advancing the erasure by one sample.
    fn next_synthetic(&mut self) -> f32 {
        let t = self.lost;
        // Grow the stretch by one period after each 10 ms, entering at the same phase.
        if t > 0 && t.is_multiple_of(STEP) && self.periods < MAX_PERIODS {
            self.fade = Some((self.periods, self.pos, self.pitch / 4));
            self.periods += 1;
            self.pos %= self.pitch;
        }
        let mut x = self.stretch(self.periods, self.pos);
        if let Some((periods, pos, left)) = self.fade {
            let ov = self.pitch / 4;
            let w = (ov - left + 1) as f32 / (ov + 1) as f32;
            x = x * w + self.stretch(periods, pos) * (1.0 - w);
            let next = if pos + 1 == periods * self.pitch {
                0
            } else {
                pos + 1
            };
            self.fade = (left > 1).then_some((periods, next, left - 1));
        }
        let ov = self.pitch / 4;
        if t < ov {
            x += self.start_offset * (1.0 - t as f32 / ov as f32);
        }
        self.pos += 1;
        if self.pos == self.periods * self.pitch {
            self.pos = 0;
        }
        self.lost += 1;
        let gain = if t < STEP {
            1.0
        } else {
            (1.0 - ATTEN_PER_SAMPLE * (t - STEP) as f32).max(0.0)
        };
        x * gain
    }

    fn push_history(&mut self, frame: &[i16]) {
        let n = frame.len();
        if n >= HISTORY_LEN {
            for (h, &s) in self.hist.iter_mut().zip(&frame[n - HISTORY_LEN..]) {
                *h = f32::from(s);
            }
        } else {
            self.hist.copy_within(n.., 0);
            for (h, &s) in self.hist[HISTORY_LEN - n..].iter_mut().zip(frame) {
                *h = f32::from(s);
            }
        }
    }
}

/// The period in `PITCH_MIN..=PITCH_MAX` maximising the normalised cross-correlation of the
/// last [`CORR_LEN`] samples with the samples one period earlier.
///
/// A coarse search over every lag correlates every second sample (Appendix I decimates by
/// two as well), then the best coarse lag is refined by ±1 at full rate: about half the
/// work of a full search.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1", "aarch64+neon"))]
fn find_pitch(h: &[f32; HISTORY_LEN]) -> usize {
    let end = HISTORY_LEN;
    let recent = &h[end - CORR_LEN..];
    let (power, _) = dot_and_energy(recent, recent);
    if power / (CORR_LEN as f32) < MIN_CORR_POWER {
        return PITCH_MAX;
    }
    // Coarse: every lag, on every second sample of the window. Accumulated lag-major over a
    // time-reversed copy of the history, so the inner loop runs over the 81 lags with
    // contiguous loads and no reduction, which vectorises well.
    const LAGS: usize = PITCH_MAX - PITCH_MIN + 1;
    let rev: [f32; HISTORY_LEN] = core::array::from_fn(|i| h[end - 1 - i]);
    let (mut c, mut e) = ([0.0f32; LAGS], [0.0f32; LAGS]);
    for j in (0..CORR_LEN).step_by(2) {
        let r = h[end - CORR_LEN + j];
        // h[end - CORR_LEN + j - p] is rev[CORR_LEN - 1 - j + p].
        let start = CORR_LEN - 1 - j + PITCH_MIN;
        for ((c, e), &x) in c
            .iter_mut()
            .zip(e.iter_mut())
            .zip(&rev[start..start + LAGS])
        {
            *c += r * x;
            *e += x * x;
        }
    }
    let mut best = None;
    for (l, (&c, &e)) in c.iter().zip(&e).enumerate() {
        best = better(best, PITCH_MIN + l, (c, e));
    }
    let coarse = best.map_or(PITCH_MAX, |(p, _)| p);
    // Fine: ±1 around the coarse lag at full rate.
    let mut best = None;
    for p in coarse.saturating_sub(1).max(PITCH_MIN)..=(coarse + 1).min(PITCH_MAX) {
        let past = &h[end - CORR_LEN - p..end - p];
        best = better(best, p, dot_and_energy(recent, past));
    }
    best.map_or(coarse, |(p, _)| p)
}

/// Keeps the lag with the larger normalised correlation `c / sqrt(e)` (positive only; on
/// equal scores the earlier, i.e. shorter, lag).
#[inline(always)]
fn better(best: Option<(usize, f32)>, p: usize, (c, e): (f32, f32)) -> Option<(usize, f32)> {
    if c <= 0.0 || e <= 0.0 {
        return best;
    }
    let score = c / libm::sqrtf(e);
    match best {
        Some((_, s)) if s >= score => best,
        _ => Some((p, score)),
    }
}

/// `(Σ a·b, Σ b²)` with eight independent partial sums, so the loop vectorises. The
/// lengths are multiples of 8 (80 or 160).
#[inline(always)]
fn dot_and_energy(a: &[f32], b: &[f32]) -> (f32, f32) {
    let (mut c8, mut e8) = ([0.0f32; 8], [0.0f32; 8]);
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for l in 0..8 {
            c8[l] += x[l] * y[l];
            e8[l] += y[l] * y[l];
        }
    }
    (c8.iter().sum(), e8.iter().sum())
}

/// Rounds to the nearest integer (halves away from zero) and saturates to 16 bits: the same
/// as [`crate::level::saturate`] for finite values, without a libm call per sample.
#[inline(always)]
fn round_sat(x: f32) -> i16 {
    // `as` saturates (and maps NaN to 0).
    (if x >= 0.0 { x + 0.5 } else { x - 0.5 }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(period: f32, start: usize) -> [i16; 80] {
        core::array::from_fn(|k| {
            crate::level::saturate(
                8000.0 * libm::sinf(2.0 * core::f32::consts::PI * (start + k) as f32 / period),
            )
        })
    }

    #[test]
    fn finds_the_period_of_a_periodic_signal() {
        for period in [45.0, 64.0, 80.0, 100.0, 117.0] {
            let mut plc = Plc::new();
            for f in 0..6 {
                let mut x = sine(period, 80 * f);
                plc.good_frame(&mut x);
            }
            let mut lost = [0i16; 80];
            plc.lost_frame(&mut lost);
            // A pure sine repeats at every multiple of its period too.
            let p = plc.pitch() as f32;
            let k = libm::roundf(p / period);
            assert!(
                k >= 1.0 && (p - k * period).abs() <= 1.0,
                "period {period}: found {p}"
            );
        }
    }

    #[test]
    fn first_concealed_sample_continues_from_the_last_real_one() {
        // A swelling vowel: one period ago the waveform was much smaller, so plain
        // repetition would start with a jump; the start offset removes it.
        let x: [i16; 400] = core::array::from_fn(|n| {
            let amp = 50.0 * n as f32;
            crate::level::saturate(
                amp * libm::sinf(2.0 * core::f32::consts::PI * (n as f32 + 30.0) / 100.0),
            )
        });
        let max_step = x.windows(2).map(|w| (w[1] - w[0]).abs()).max().unwrap();
        let mut plc = Plc::new();
        let mut good = x;
        plc.good_frame(&mut good);
        let mut lost = [0i16; 80];
        plc.lost_frame(&mut lost);
        let jump = (lost[0] - x[399]).abs();
        assert!(jump <= max_step, "jump {jump} vs largest step {max_step}");
    }

    #[test]
    fn silence_in_silence_out() {
        let mut plc = Plc::new();
        let mut x = [0i16; 160];
        plc.lost_frame(&mut x);
        assert_eq!(x, [0; 160]);
        assert!(plc.in_erasure());
        plc.good_frame(&mut x);
        assert!(!plc.in_erasure());
    }
}
