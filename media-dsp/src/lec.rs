//! Line echo canceller (ITU-T G.168), 16–128 ms tail, for 2-wire/4-wire hybrid echo.
//!
//! **What it does.** Removes the echo of the far-end signal (what we sent towards the line)
//! from the near-end signal (what came back: hybrid echo plus near-end talk), sample by
//! sample, so it works on DAHDI-style 1 ms chunks of 8 samples with no added delay. It has a
//! non-linear processor (NLP) that suppresses the residual echo while only the far end talks,
//! comfort noise (CNG) at the measured background level, and a tone disabler for V-series
//! modems and fax (2100 Hz with phase reversals, G.165 §5 / G.168 §7).
//!
//! **How it works.**
//! 1. Both inputs go through the same DC/hum high-pass (a one-pole DC blocker, as OSLEC does
//!    on rx), so the echo path the filters see is unchanged but DC offset and hum cannot
//!    stall convergence.
//! 2. Two FIR filters of `tail_ms · 8` taps model the echo path (OSLEC's dual path). The
//!    *background* filter adapts on every sample where the far end is active and no double
//!    talk is flagged, with proportionate NLMS (IPNLMS, Benesty & Gay 2002): the step of
//!    each tap grows with its magnitude, so the few active taps of a sparse line echo path
//!    (a short hybrid response behind up to 100 ms of pure delay) converge several times
//!    faster than with plain NLMS. The step is 0.9 until the canceller has converged, 0.4
//!    after (less misadjustment noise). The *foreground* filter never adapts: it takes a copy
//!    of the background filter when that has cancelled better over a 32 ms window (once
//!    converged: by ≥ 15 dB, three windows in a row, which undetected quiet near-end talk
//!    cannot fake), and is copied back into the background filter when that falls far
//!    behind (after double talk).
//! 3. The output is the background filter's residual while it is trusted (it beat the
//!    foreground in the last window, with no double talk flagged; on coloured speech the
//!    constantly adapting filter cancels best), else the foreground's, which double talk
//!    cannot disturb.
//! 4. Double talk freezes adaptation. Two detectors: Geigel (near-end peak above a threshold
//!    times the far-end peak over the tail; the threshold follows the measured echo return
//!    loss, between 0.3 and 1.0), and, once the canceller has converged (ERLE ≥ 25 dB), a
//!    residual detector (output residual within 3 dB of the echo estimate). A residual
//!    "double talk" that lasts is taken for an echo path change, and re-convergence starts.
//! 5. The filter update, both filter outputs and the normaliser run in one pass over the
//!    taps (the update for sample n−1 is applied lazily while computing sample n), written as
//!    32-lane loops that the compiler vectorises; with the `std` feature an AVX2 version is
//!    chosen at run time (`multiversion`). The IPNLMS gains are refreshed in that same pass
//!    every 8 samples of the stream (its own clock, so chunking does not matter).
//! 6. The tone disabler ([`crate::ans`]) watches both inputs; while it (or the caller) says
//!    so, the near end passes unchanged and nothing adapts.
//! 7. The NLP replaces the output with comfort noise when the far end is active, no double
//!    talk is flagged and the residual is at least 9 dB below the echo estimate. The comfort
//!    noise level is a minimum-statistics estimate of the residual's background (minimum of
//!    the smoothed power over eight 250 ms sub-windows), which falls fast and rises only as
//!    old sub-windows expire, so it cannot latch a loud level.
//!
//! **Spec.** ITU-T G.168 (2004): §3.12 echo path capacity (tail 16–128 ms), Test 2B
//! convergence (≥ 20 dB ERLE within 1 s, NLP off), Test 3 double talk, Test 9 comfort
//! noise level; Annex D hybrid models D.2–D.9 (tests); G.165 §5 / G.168 §7 tone disabler.
//!
//! **Limits.** Cost grows with the tail: time-domain filters at 128 ms take about 200 ns
//! per sample on a 2-vCPU 2.6 GHz EPYC (AVX2; AVX-512 gains nothing), about two thirds of
//! speexdsp's frequency-domain throughput at 20 ms frames (see `dsp bench`), in exchange
//! for 1 ms blocks and faster convergence. The tap pass is bound by its multiplies (about
//! six per tap and sample), not by memory.
//! Convergence on speech depends on its colour: espeak-ng sentences reach 20 dB within about
//! 1.3 s, a synthetic source with very narrow formants can take over 2 s behind 100 ms of
//! delay. The comfort noise is white, not spectrally matched. Near-end talk more than
//! about 9 dB below the echo, while the far end talks and before the Geigel detector sees
//! it, can be clipped by the NLP. Echo paths longer than the tail are not cancelled (the
//! tail is rounded up to a multiple of 4 ms internally). The tone disabler follows
//! [`crate::ans::EchoCancellerDisabler`] on each side (it acts about 0.45 s into the tone,
//! at the first phase reversal after 400 ms); callers can also force it with
//! [`EchoCanceller::set_disabled`]. Floating-point results are identical for any chunking
//! on one machine, but may differ in the last bits between the AVX2 and portable code
//! paths.

use crate::ans::EchoCancellerDisabler;
use crate::level::saturate;
use crate::noise::Noise;

/// Shortest supported tail (echo path capacity), in ms.
pub const MIN_TAIL_MS: u32 = 16;
/// Longest supported tail (echo path capacity), in ms.
pub const MAX_TAIL_MS: u32 = 128;
/// Taps of the longest tail at 8 kHz.
pub const MAX_TAPS: usize = MAX_TAIL_MS as usize * 8;

/// Length of the far-end history buffer: the tail plus room to write before the wrap copy.
const XBUF: usize = 3 * MAX_TAPS + 1;
/// Pole of the DC/hum blocker (cut-off about 13 Hz).
const HPF_POLE: f32 = 0.99;
/// Far end counts as active above this mean power over the tail (-45 dBm0).
const FAR_ACTIVE_POWER: f32 = 8_230.0;
/// Geigel threshold before the echo return loss is known: near-end peak above the far-end
/// peak means double talk.
const GEIGEL_START: f32 = 1.0;
/// Geigel threshold range once the ERL is measured: `GEIGEL_MARGIN` times the echo-to-far
/// amplitude ratio, within these bounds (0.5 is the classic value for a 6 dB ERL).
const GEIGEL_MIN: f32 = 0.3;
/// See [`GEIGEL_MIN`].
const GEIGEL_MAX: f32 = 1.0;
/// See [`GEIGEL_MIN`].
const GEIGEL_MARGIN: f32 = 2.5;
/// Double-talk hangover, in samples (30 ms).
const DT_HANGOVER: u32 = 240;
/// The residual double-talk detector works once the output filter has this ERLE (dB).
const RES_DT_ERLE: f32 = 25.0;
/// Net samples of residual double talk after which it is taken for an echo path change.
const RES_DT_ESCAPE: u32 = 12_000;
/// Once converged: consecutive better windows before the background is copied.
const COPY_RUNS_CONVERGED: u32 = 3;
/// Once converged: power ratio the background must cancel in each of those windows.
const COPY_CANCEL_CONVERGED: f32 = 32.0;
/// The residual double-talk detector ignores residuals below this power (-50 dBm0).
const RES_DT_FLOOR: f32 = 2_600.0;
/// Before convergence: power ratio the background must cancel in a window to be copied.
const COPY_CANCEL: f32 = 8.0;
/// IPNLMS step size once converged (less misadjustment noise: μ/(2−μ) of the noise floor).
const MU_CONVERGED: f32 = 0.4;
/// IPNLMS step size.
const MU: f32 = 0.9;
/// IPNLMS proportionality (-1 = NLMS, 1 = fully proportionate).
const ALPHA: f32 = 0.5;
/// Sampled points (every 4th sample) per foreground/background comparison window (32 ms).
const CMP_WINDOW: u32 = 64;
/// Samples per sub-window of the minimum-statistics background estimate (250 ms).
const NF_SUBWINDOW: u32 = 2000;
/// Sub-windows the background estimate remembers (2 s).
const NF_WINDOWS: usize = 8;
/// Bias correction of the minimum of a smoothed noise power (about +1 dB).
const NF_BIAS: f32 = 1.25;
/// Geigel peak blocks: samples per block.
const PEAK_BLOCK: usize = 32;
/// Geigel peak blocks: enough to span the longest tail plus the block being filled.
const PEAK_BLOCKS: usize = MAX_TAPS / PEAK_BLOCK;

/// Configuration of an [`EchoCanceller`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EchoConfig {
    /// Echo path capacity in ms, 16–128 (the tail the filter spans, including pure delay).
    pub tail_ms: u32,
    /// Enable the non-linear processor (residual echo suppression).
    pub nlp: bool,
    /// Fill NLP-suppressed samples with comfort noise at the background level (else silence).
    pub cng: bool,
    /// Watch both directions for 2100 Hz with phase reversals ([`crate::ans`]) and pass the
    /// near end through unchanged while it says so (G.165 §5 / G.168 §7).
    pub tone_disabler: bool,
}

impl Default for EchoConfig {
    /// 128 ms tail, NLP, comfort noise and the tone disabler on.
    fn default() -> Self {
        Self {
            tail_ms: MAX_TAIL_MS,
            nlp: true,
            cng: true,
            tone_disabler: true,
        }
    }
}

/// Errors of the echo canceller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LecError {
    /// The configured tail is outside 16–128 ms.
    #[error("echo tail of {tail_ms} ms is outside {MIN_TAIL_MS}..={MAX_TAIL_MS} ms")]
    TailOutOfRange {
        /// The rejected tail, in ms.
        tail_ms: u32,
    },
    /// `far`, `near` and `out` of one `process` call differ in length.
    #[error("block lengths differ: far {far}, near {near}, out {out}")]
    LengthMismatch {
        /// Length of the far-end block.
        far: usize,
        /// Length of the near-end block.
        near: usize,
        /// Length of the output block.
        out: usize,
    },
}

/// One-pole DC blocker `y[n] = x[n] − x[n−1] + p·y[n−1]`.
#[derive(Debug, Clone, Copy, Default)]
struct DcBlocker {
    x1: f32,
    y1: f32,
}

impl DcBlocker {
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        let y = x - self.x1 + HPF_POLE * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }
}

/// Sums produced by one fused pass over the taps.
#[derive(Debug, Clone, Copy, Default)]
struct TapSums {
    /// Background filter output (after its update).
    yb: f32,
    /// Foreground filter output.
    yf: f32,
    /// Σ g_k·x_k² for the current far-end vector (IPNLMS normaliser).
    q: f32,
    /// Σ|h_k| before the update, when the pass refreshed the gains (else 0).
    l1: f32,
}

/// Lanes of the tap loops: four AVX vectors per sum, so that the additions of one sum do
/// not wait on each other (a single 8-lane accumulator is latency-bound, about 3× slower).
const LANES: usize = 32;

/// Sums the lanes in a fixed order (so results do not depend on the code path's chunking).
#[inline]
fn fold(v: [f32; LANES]) -> f32 {
    let mut s = [0.0f32; 8];
    for c in v.chunks_exact(8) {
        for j in 0..8 {
            s[j] += c[j];
        }
    }
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}

/// One fused pass: applies the pending IPNLMS update `h += step·g·x_prev` to the background
/// filter and computes both filter outputs on `x_cur` and the normaliser Σ g·x² for the next
/// update. `x_cur[k]` is x[n−k] and `x_prev[k]` is x[n−1−k]; both are `h_bg.len()` long, a
/// multiple of [`LANES`]. The normaliser squares `x_cur` rather than reading a stored
/// x² history: one load stream fewer per tap (the pass is load-bound). Plain lane-wise loops
/// that the compiler vectorises: AVX2 chosen at run time with the `std` feature, SSE2
/// otherwise.
///
/// With `gains = Some((c0, c1))` (every 8 samples) it first refreshes the IPNLMS gains
/// `g = c0 + c1·|h|` from the filter before the update, exactly as a separate pass would
/// (the same expressions, lane by lane), and returns Σ|h| for the caller's next `c1`.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
#[allow(clippy::too_many_arguments)]
fn fused_pass(
    h_bg: &mut [f32],
    h_fg: Option<&[f32]>,
    g: &mut [f32],
    x_cur: &[f32],
    x_prev: &[f32],
    step: f32,
    gains: Option<(f32, f32)>,
) -> TapSums {
    // Skipping the update when the step is 0 gives bit-identical results (h + 0·x = h).
    let (c0, c1) = gains.unwrap_or((0.0, 0.0));
    let (xc, xp) = (x_cur, x_prev);
    match (h_fg, step != 0.0, gains.is_some()) {
        (Some(hf), true, false) => {
            pass_body::<true, true, false>(h_bg, hf, g, xc, xp, step, c0, c1)
        }
        (Some(hf), false, false) => {
            pass_body::<true, false, false>(h_bg, hf, g, xc, xp, step, c0, c1)
        }
        (None, true, false) => pass_body::<false, true, false>(h_bg, &[], g, xc, xp, step, c0, c1),
        (None, false, false) => {
            pass_body::<false, false, false>(h_bg, &[], g, xc, xp, step, c0, c1)
        }
        (Some(hf), true, true) => pass_body::<true, true, true>(h_bg, hf, g, xc, xp, step, c0, c1),
        (Some(hf), false, true) => {
            pass_body::<true, false, true>(h_bg, hf, g, xc, xp, step, c0, c1)
        }
        (None, true, true) => pass_body::<false, true, true>(h_bg, &[], g, xc, xp, step, c0, c1),
        (None, false, true) => pass_body::<false, false, true>(h_bg, &[], g, xc, xp, step, c0, c1),
    }
}

/// The body of [`fused_pass`]: `FG` computes the foreground output, `UPD` applies the update,
/// `GAINS` refreshes the gains first. Inlined into each target-feature version of its caller.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pass_body<const FG: bool, const UPD: bool, const GAINS: bool>(
    h_bg: &mut [f32],
    h_fg: &[f32],
    g: &mut [f32],
    x_cur: &[f32],
    x_prev: &[f32],
    step: f32,
    c0: f32,
    c1: f32,
) -> TapSums {
    // x_prev is x_cur shifted by one sample; as its own slice the compiler loads it directly
    // instead of rebuilding it from x_cur's lanes with shuffles.
    let mut yb = [0.0f32; LANES];
    let mut yf = [0.0f32; LANES];
    let mut q = [0.0f32; LANES];
    let mut l1 = [0.0f32; LANES];
    let n = h_bg.len();
    let h_fg = if FG { &h_fg[..n] } else { &x_cur[..n] };
    for ((((hb, hf), gk), xc), xp) in h_bg
        .chunks_exact_mut(LANES)
        .zip(h_fg.chunks_exact(LANES))
        .zip(g.chunks_exact_mut(LANES))
        .zip(x_cur.chunks_exact(LANES))
        .zip(x_prev.chunks_exact(LANES))
    {
        for j in 0..LANES {
            if GAINS {
                let a = hb[j].abs();
                gk[j] = c0 + c1 * a;
                l1[j] += a;
            }
            let nh = if UPD {
                let nh = hb[j] + step * (gk[j] * xp[j]);
                hb[j] = nh;
                nh
            } else {
                hb[j]
            };
            yb[j] += nh * xc[j];
            if FG {
                yf[j] += hf[j] * xc[j];
            }
            q[j] += gk[j] * xc[j] * xc[j];
        }
    }
    TapSums {
        yb: fold(yb),
        yf: fold(yf),
        q: fold(q),
        l1: fold(l1),
    }
}

/// Dot product with the lane layout of [`fused_pass`] (the foreground output on samples
/// where the fused pass skipped it).
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn dot(h: &[f32], x: &[f32]) -> f32 {
    let mut y = [0.0f32; LANES];
    for (hk, xk) in h.chunks_exact(LANES).zip(x.chunks_exact(LANES)) {
        for j in 0..LANES {
            y[j] += hk[j] * xk[j];
        }
    }
    fold(y)
}

/// A G.168 line echo canceller for one channel. Fixed-size state (about 27 KiB: box it, or
/// keep the channels in one static array); no allocation.
#[derive(Debug, Clone)]
pub struct EchoCanceller {
    cfg: EchoConfig,
    taps: usize,
    h_bg: [f32; MAX_TAPS],
    h_fg: [f32; MAX_TAPS],
    /// Far-end history, newest at `pos`, older at higher indices.
    xbuf: [f32; XBUF],
    /// IPNLMS gains of the background filter taps.
    gains: [f32; MAX_TAPS],
    /// Samples processed, modulo 8 (the gain-update clock).
    phase: u8,
    pos: usize,
    /// Σ x² over the last `taps` far-end samples.
    pow_x: f64,
    hp_far: DcBlocker,
    hp_near: DcBlocker,
    /// Pending background update factor for the next fused pass.
    step: f32,
    c1: f32,
    // Geigel double-talk detector.
    peaks: [f32; PEAK_BLOCKS],
    peak_idx: usize,
    peak_fill: usize,
    peak_cur: f32,
    peak_max: f32,
    dt_hold: u32,
    res_dt: bool,
    res_dt_count: u32,
    converged: bool,
    geigel: f32,
    erl_d: f32,
    erl_x: f32,
    p_d: f32,
    // Foreground/background comparison.
    cmp_n: u32,
    cmp_far: u32,
    sum_d: f32,
    sum_eb: f32,
    sum_ef: f32,
    good_runs: u32,
    bad_runs: u32,
    // Levels.
    erle_d: f32,
    erle_e: f32,
    p_e: f32,
    p_out: f32,
    use_bg: bool,
    p_y: f32,
    // Background (comfort-noise) level, minimum statistics.
    nf_smooth: f32,
    nf_cur_min: f32,
    nf_n: u32,
    nf_mins: [f32; NF_WINDOWS],
    nf_idx: usize,
    noise: Noise,
    nlp_active: bool,
    /// Disabled by the caller ([`EchoCanceller::set_disabled`]).
    disabled: bool,
    /// Tone disablers on the far-end and near-end signals.
    dis_far: EchoCancellerDisabler,
    dis_near: EchoCancellerDisabler,
    tone_disabled: bool,
}

impl EchoCanceller {
    /// A canceller with an empty (zero) echo path model.
    ///
    /// # Errors
    /// [`LecError::TailOutOfRange`] if `cfg.tail_ms` is outside 16–128.
    pub fn new(cfg: EchoConfig) -> Result<Self, LecError> {
        if !(MIN_TAIL_MS..=MAX_TAIL_MS).contains(&cfg.tail_ms) {
            return Err(LecError::TailOutOfRange {
                tail_ms: cfg.tail_ms,
            });
        }
        // Rounded up to whole lane groups (at most 3 ms longer than asked).
        let taps = (cfg.tail_ms as usize * 8).div_ceil(LANES) * LANES;
        Ok(Self {
            cfg,
            taps,
            h_bg: [0.0; MAX_TAPS],
            h_fg: [0.0; MAX_TAPS],
            xbuf: [0.0; XBUF],
            gains: [1.0; MAX_TAPS],
            phase: 0,
            pos: XBUF - taps - 1,
            pow_x: 0.0,
            hp_far: DcBlocker::default(),
            hp_near: DcBlocker::default(),
            step: 0.0,
            c1: 0.0,
            peaks: [0.0; PEAK_BLOCKS],
            peak_idx: 0,
            peak_fill: 0,
            peak_cur: 0.0,
            peak_max: 0.0,
            dt_hold: 0,
            res_dt: false,
            res_dt_count: 0,
            converged: false,
            geigel: GEIGEL_START,
            erl_d: 0.0,
            erl_x: 0.0,
            p_d: 0.0,
            cmp_n: 0,
            cmp_far: 0,
            sum_d: 0.0,
            sum_eb: 0.0,
            sum_ef: 0.0,
            good_runs: 0,
            bad_runs: 0,
            erle_d: 0.0,
            erle_e: 0.0,
            p_e: 0.0,
            p_out: 0.0,
            use_bg: false,
            p_y: 0.0,
            nf_smooth: 0.0,
            nf_cur_min: f32::MAX,
            nf_n: 0,
            nf_mins: [f32::MAX; NF_WINDOWS],
            nf_idx: 0,
            noise: Noise::new(0x6c65_6321),
            nlp_active: false,
            disabled: false,
            dis_far: EchoCancellerDisabler::new(),
            dis_near: EchoCancellerDisabler::new(),
            tone_disabled: false,
        })
    }

    /// The configuration this canceller was built with.
    #[must_use]
    pub fn config(&self) -> EchoConfig {
        self.cfg
    }

    /// Forgets everything learned (echo path, levels, detector states), as at a new call.
    pub fn reset(&mut self) {
        *self = match Self::new(self.cfg) {
            Ok(s) => s,
            Err(_) => return,
        };
    }

    /// Processes one block: `far[i]` is the sample sent to the line at the time `near[i]`
    /// came back; `out[i]` is `near[i]` with the echo removed. Any block length works (8 is
    /// the real-time case); the result does not depend on how a stream is cut into blocks.
    ///
    /// # Errors
    /// [`LecError::LengthMismatch`] if the three slices differ in length (nothing is
    /// processed).
    pub fn process(&mut self, far: &[i16], near: &[i16], out: &mut [i16]) -> Result<(), LecError> {
        if far.len() != near.len() || near.len() != out.len() {
            return Err(LecError::LengthMismatch {
                far: far.len(),
                near: near.len(),
                out: out.len(),
            });
        }
        for ((&x, &d), o) in far.iter().zip(near).zip(out.iter_mut()) {
            *o = self.process_sample(x, d);
        }
        Ok(())
    }

    /// Echo return loss enhancement of the output filter, in dB, estimated over recent
    /// far-end-only speech (0 until measured).
    #[must_use]
    pub fn erle_db(&self) -> f32 {
        if self.erle_e <= 0.0 || self.erle_d <= 0.0 {
            return 0.0;
        }
        10.0 * libm::log10f(self.erle_d / self.erle_e)
    }

    /// (Geigel, residual) double-talk flags, for diagnostics.
    #[must_use]
    pub fn double_talk_detail(&self) -> (bool, bool) {
        (self.dt_hold > 0, self.res_dt)
    }

    /// True while double talk (near-end talk over far-end talk) is flagged.
    #[must_use]
    pub fn double_talk(&self) -> bool {
        self.dt_hold > 0 || self.res_dt
    }

    /// True while the NLP replaces the output with comfort noise or silence.
    #[must_use]
    pub fn nlp_active(&self) -> bool {
        self.nlp_active
    }

    /// True while cancellation is disabled, by the tone disabler (2100 Hz with phase
    /// reversals seen on either side, until the line has been quiet for 250 ms) or by
    /// [`set_disabled`](Self::set_disabled): the near end then passes unchanged.
    #[must_use]
    pub fn disabled(&self) -> bool {
        self.disabled || self.tone_disabled
    }

    /// Disables (true) or re-enables (false) cancellation from outside, e.g. for a data call
    /// signalled in the call setup. While disabled the near-end signal passes unchanged and
    /// nothing adapts; the learned echo path is kept.
    pub fn set_disabled(&mut self, disabled: bool) {
        self.disabled = disabled;
    }

    /// The comfort-noise level the NLP would use now, as mean power (16-bit scale).
    #[must_use]
    pub fn background_power(&self) -> f32 {
        let mut m = self.nf_cur_min;
        for &v in &self.nf_mins {
            m = m.min(v);
        }
        if m == f32::MAX { 0.0 } else { m * NF_BIAS }
    }

    fn push_far(&mut self, x: f32) {
        let taps = self.taps;
        if self.pos == 0 {
            self.xbuf.copy_within(0..taps, XBUF - taps);
            self.pos = XBUF - taps;
            // Recompute the window power exactly once per wrap, so rounding cannot drift.
            let w = &self.xbuf[self.pos..self.pos + taps];
            self.pow_x = w.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        }
        self.pos -= 1;
        self.xbuf[self.pos] = x;
        let old = self.xbuf[self.pos + taps];
        self.pow_x += f64::from(x) * f64::from(x) - f64::from(old) * f64::from(old);
        if self.pow_x < 0.0 {
            self.pow_x = 0.0;
        }
        // Geigel far-end peak over the tail, kept per 32-sample block.
        self.peak_cur = self.peak_cur.max(x.abs());
        self.peak_fill += 1;
        if self.peak_fill == PEAK_BLOCK {
            let blocks = taps / PEAK_BLOCK;
            self.peaks[self.peak_idx] = self.peak_cur;
            self.peak_idx = (self.peak_idx + 1) % blocks;
            self.peak_cur = 0.0;
            self.peak_fill = 0;
            self.peak_max = self.peaks[..blocks].iter().fold(0.0f32, |a, &b| a.max(b));
        }
    }

    fn process_sample(&mut self, far: i16, near: i16) -> i16 {
        if self.cfg.tone_disabler {
            self.dis_far.process(core::slice::from_ref(&far));
            self.dis_near.process(core::slice::from_ref(&near));
            self.tone_disabled = self.dis_far.disabled() || self.dis_near.disabled();
        }
        let x = self.hp_far.run(f32::from(far));
        let d = self.hp_near.run(f32::from(near));
        self.push_far(x);
        let taps = self.taps;
        // Gains from the filter as it stands (before the pending update): every 8 samples,
        // in the same pass.
        let gains = (self.phase == 0).then_some(((1.0 - ALPHA) * 0.5, self.c1));
        // Foreground/background comparisons and the foreground's levels use every 4th sample;
        // the foreground output is needed on every sample only while it is the output.
        let sampled = self.phase & 3 == 0;
        self.phase = (self.phase + 1) & 7;
        let fg_known = sampled || !self.use_bg || self.double_talk();
        let sums = fused_pass(
            &mut self.h_bg[..taps],
            fg_known.then_some(&self.h_fg[..taps]),
            &mut self.gains[..taps],
            &self.xbuf[self.pos..self.pos + taps],
            &self.xbuf[self.pos + 1..=self.pos + taps],
            self.step,
            gains,
        );
        if gains.is_some() {
            self.c1 = (1.0 + ALPHA) * 0.5 * taps as f32 / (sums.l1 + 1e-3);
        }
        let eb = d - sums.yb;
        let mut yf = sums.yf;

        let far_power = (self.pow_x / taps as f64) as f32;
        let far_active = far_power > FAR_ACTIVE_POWER;
        let geigel_peak = self.peak_max.max(self.peak_cur);
        if far_active && d.abs() > self.geigel * geigel_peak {
            self.dt_hold = DT_HANGOVER;
        } else if self.dt_hold > 0 {
            self.dt_hold -= 1;
        }

        if self.disabled() {
            self.step = 0.0;
            self.nlp_active = false;
            return near;
        }

        if sampled {
            let ef = d - yf;
            self.p_e += (ef * ef - self.p_e) * (1.0 / 16.0);
            self.p_y += (yf * yf - self.p_y) * (1.0 / 16.0);
        }
        self.p_d += (d * d - self.p_d) * (1.0 / 64.0);
        if far_active && self.p_e * 16.0 < self.p_d && self.erle_d > 16.0 * self.erle_e {
            // The canceller works and the near end is (almost) all echo: learn the ERL for
            // the Geigel threshold.
            self.erl_d += (d * d - self.erl_d) * (1.0 / 512.0);
            self.erl_x += (far_power - self.erl_x) * (1.0 / 512.0);
            let ratio = libm::sqrtf(self.erl_d / self.erl_x.max(1.0));
            self.geigel = (GEIGEL_MARGIN * ratio).clamp(GEIGEL_MIN, GEIGEL_MAX);
        }
        // Residual double-talk detector: once the output filter is converged, a residual
        // within 3 dB of the echo estimate is near-end talk (or a changed echo path).
        if !self.converged && self.erle_db() >= RES_DT_ERLE {
            self.converged = true;
        }
        let res_floor = (4.0 * self.background_power()).max(RES_DT_FLOOR);
        let res_dt =
            far_active && self.converged && self.p_e * 2.0 > self.p_y && self.p_e > res_floor;
        if res_dt {
            self.res_dt_count += 1;
            if self.res_dt_count > RES_DT_ESCAPE {
                // Residual "double talk" that will not end is an echo path change: forget
                // the convergence so that the filters adapt again.
                self.erle_d = 0.0;
                self.erle_e = 0.0;
                self.res_dt_count = 0;
                self.converged = false;
            }
        } else if far_active {
            self.res_dt_count = self.res_dt_count.saturating_sub(1);
        }
        self.res_dt = res_dt;

        let adapt = far_active && self.dt_hold == 0 && !res_dt;
        self.step = if adapt {
            let mu = if self.converged { MU_CONVERGED } else { MU };
            mu * eb / (sums.q + 1_000.0 * taps as f32)
        } else {
            0.0
        };

        if sampled {
            self.compare_filters(d, eb, d - yf, far_active && !res_dt);
        }
        // The output: the background filter's residual while it is trusted (it tracks
        // coloured speech closest), else the foreground's, which double talk cannot touch.
        if self.double_talk() {
            self.use_bg = false;
        }
        let e = if self.use_bg {
            eb
        } else {
            if !fg_known {
                yf = dot(&self.h_fg[..taps], &self.xbuf[self.pos..self.pos + taps]);
            }
            d - yf
        };
        if adapt {
            self.erle_d += (d * d - self.erle_d) * (1.0 / 1024.0);
            self.erle_e += (e * e - self.erle_e) * (1.0 / 1024.0);
        }
        self.track_background(e);
        self.p_out += (e * e - self.p_out) * (1.0 / 64.0);

        self.nlp_active =
            self.cfg.nlp && far_active && !self.double_talk() && self.p_out * 8.0 < self.p_y;
        if self.nlp_active {
            if self.cfg.cng {
                saturate(self.noise.gaussian() * libm::sqrtf(self.background_power()))
            } else {
                0
            }
        } else {
            saturate(e)
        }
    }

    /// Foreground/background decisions once per comparison window.
    fn compare_filters(&mut self, d: f32, eb: f32, ef: f32, far_active: bool) {
        self.sum_d += d * d;
        self.sum_eb += eb * eb;
        self.sum_ef += ef * ef;
        self.cmp_far += u32::from(far_active && self.dt_hold == 0);
        self.cmp_n += 1;
        if self.cmp_n < CMP_WINDOW {
            return;
        }
        let taps = self.taps;
        // Once converged, undetected quiet double talk is the danger: a background filter
        // adapting on it can look better than the foreground over a short window, so demand
        // more cancellation and several windows in a row.
        let (cancel, runs) = if self.converged {
            (COPY_CANCEL_CONVERGED, COPY_RUNS_CONVERGED)
        } else {
            (COPY_CANCEL, 1)
        };
        self.use_bg = self.cmp_far == CMP_WINDOW
            && self.sum_eb < self.sum_ef
            && self.sum_eb * cancel < self.sum_d;
        if self.cmp_far * 4 >= CMP_WINDOW * 3 {
            if self.sum_eb < 0.8 * self.sum_ef && self.sum_eb * cancel < self.sum_d {
                self.good_runs += 1;
                self.bad_runs = 0;
                if self.good_runs >= runs {
                    self.h_fg[..taps].copy_from_slice(&self.h_bg[..taps]);
                    self.good_runs = 0;
                }
            } else if self.sum_eb > 4.0 * self.sum_ef && self.sum_ef * 4.0 < self.sum_d {
                self.good_runs = 0;
                self.bad_runs += 1;
                if self.bad_runs >= 4 {
                    self.h_bg[..taps].copy_from_slice(&self.h_fg[..taps]);
                    self.bad_runs = 0;
                }
            } else {
                self.good_runs = 0;
                self.bad_runs = 0;
            }
        } else {
            self.good_runs = 0;
        }
        self.cmp_n = 0;
        self.cmp_far = 0;
        self.sum_d = 0.0;
        self.sum_eb = 0.0;
        self.sum_ef = 0.0;
    }

    /// Minimum-statistics background level of the residual (for comfort noise).
    fn track_background(&mut self, e: f32) {
        self.nf_smooth += (e * e - self.nf_smooth) * (1.0 / 256.0);
        self.nf_n += 1;
        if self.nf_n > 512 {
            // Skip the smoother's start-up ramp in the first sub-window.
            self.nf_cur_min = self.nf_cur_min.min(self.nf_smooth);
        }
        if self.nf_n.is_multiple_of(NF_SUBWINDOW) {
            self.nf_mins[self.nf_idx] = self.nf_cur_min;
            self.nf_idx = (self.nf_idx + 1) % NF_WINDOWS;
            self.nf_cur_min = self.nf_smooth;
            self.nf_n = NF_SUBWINDOW;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_out_of_range_is_an_error() {
        for t in [0, 15, 129, 1000] {
            let cfg = EchoConfig {
                tail_ms: t,
                ..EchoConfig::default()
            };
            assert_eq!(
                EchoCanceller::new(cfg).err(),
                Some(LecError::TailOutOfRange { tail_ms: t })
            );
        }
        for t in [16, 64, 128] {
            let cfg = EchoConfig {
                tail_ms: t,
                ..EchoConfig::default()
            };
            assert!(EchoCanceller::new(cfg).is_ok());
        }
    }

    #[test]
    fn state_is_small_and_fixed() {
        let size = size_of::<EchoCanceller>();
        assert!(size < 48 * 1024, "{size} bytes");
    }

    #[test]
    fn mismatched_blocks_are_rejected() {
        let mut ec = EchoCanceller::new(EchoConfig::default()).unwrap();
        let mut out = [0i16; 8];
        assert!(matches!(
            ec.process(&[0; 8], &[0; 7], &mut out),
            Err(LecError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn fused_pass_matches_a_plain_loop() {
        let mut n = Noise::new(3);
        let taps = 64;
        let s: [f32; 65] = core::array::from_fn(|_| n.gaussian() * 1000.0);
        let mut hb: [f32; 64] = core::array::from_fn(|_| n.gaussian() * 0.1);
        let hf: [f32; 64] = core::array::from_fn(|_| n.gaussian() * 0.1);
        let mut g = [0.0f32; 64];
        let expect_l1: f32 = hb.iter().map(|h| h.abs()).sum();
        // The gains as the pass refreshes them from the filter before its update.
        let expect_g: [f32; 64] = core::array::from_fn(|k| 0.25 + 2.0 * hb[k].abs());
        let step = 1e-6;
        let mut expect_hb = hb;
        let (mut yb, mut yf, mut q) = (0.0f64, 0.0f64, 0.0f64);
        for k in 0..taps {
            q += f64::from(expect_g[k] * s[k] * s[k]);
            expect_hb[k] += step * expect_g[k] * s[k + 1];
            yb += f64::from(expect_hb[k] * s[k]);
            yf += f64::from(hf[k] * s[k]);
        }
        let sums = fused_pass(
            &mut hb,
            Some(&hf),
            &mut g,
            &s[..64],
            &s[1..],
            step,
            Some((0.25, 2.0)),
        );
        assert!((sums.l1 - expect_l1).abs() < 1e-3 * expect_l1);
        for k in 0..taps {
            assert!((g[k] - expect_g[k]).abs() < 1e-6);
            assert!((hb[k] - expect_hb[k]).abs() < 1e-5);
        }
        assert!((f64::from(sums.yb) - yb).abs() < 1e-2 * yb.abs().max(1.0));
        assert!((f64::from(sums.yf) - yf).abs() < 1e-2 * yf.abs().max(1.0));
        assert!((f64::from(sums.q) - q).abs() < 1e-3 * q);
    }

    #[test]
    fn cancels_a_single_tap_echo() {
        let mut ec = EchoCanceller::new(EchoConfig {
            tail_ms: 16,
            nlp: false,
            cng: false,
            tone_disabler: false,
        })
        .unwrap();
        let mut n = Noise::new(9);
        let mut far = [0i16; 16_000];
        n.fill_white(&mut far, 3000.0);
        let mut near = [0i16; 16_000];
        for i in 20..near.len() {
            near[i] = far[i - 20] / 2;
        }
        let mut out = [0i16; 16_000];
        ec.process(&far, &near, &mut out).unwrap();
        let tail = &out[12_000..];
        let p_out = crate::level::mean_power(tail);
        let p_echo = crate::level::mean_power(&near[12_000..]);
        assert!(p_out * 1000.0 < p_echo, "residual {p_out} echo {p_echo}");
        assert!(ec.erle_db() > 25.0, "erle {}", ec.erle_db());
    }
}
