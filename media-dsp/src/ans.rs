//! 2100 Hz answer tone (ANS/ANSam, V.25/V.8) detection with phase reversals, and the
//! echo-canceller tone disabler built on it (G.164/G.165/G.168); also the T.30 CNG
//! (1100 Hz fax calling tone) detector, [`CngDetector`], built the same way.
//!
//! **What it does.** [`AnsDetector`] finds the 2100 Hz answer tone that fax machines and
//! modems send when they answer, tells whether it carries the 180° phase reversals of
//! ANS/PR (V.25) and ANSam/PR (V.8), and reports each reversal. [`EchoCancellerDisabler`]
//! turns that into the yes/no an echo canceller needs: disable on 2100 Hz *with* phase
//! reversals (so data modems can run their own echo cancellers), re-enable when the line
//! has gone quiet.
//!
//! **How it works.** The signal is cut into 10 ms blocks (80 samples, exactly 21 cycles of
//! 2100 Hz, so every block starts at the same reference phase) and correlated with a
//! complex 2100 Hz phasor, giving one complex value `Z` per block. A block is a tone
//! candidate when the bin holds most of the block's energy (purity, which rejects speech,
//! noise and tones more than about 37 Hz away) and its level is at least
//! [`MIN_TONE_DBM0`]. While a candidate run lasts, a leaky sum of `Z[k]·conj(Z[k−1])`
//! tracks the phase rotation per block, i.e. the frequency offset; the tone is confirmed
//! after [`CONFIRM_MS`] only if the offset is within [`MAX_OFFSET_HZ`] (between the ±15 Hz
//! V.25 tolerance and the ±21 Hz that must be rejected). A phase reversal shows as
//! `Z[k]·conj(Z[k−2])`, with the tracked rotation removed, pointing backwards (more than
//! 120° off); the block in between tells where inside it the reversal fell. The 15 Hz
//! amplitude modulation of ANSam changes only `|Z|`, so ANS and ANSam are both detected.
//! Samples go through a running accumulator, so any block size (8-sample chunks or a whole
//! file) gives the same results.
//!
//! **Spec.** ITU-T V.25 §5 (ANS 2100 ± 15 Hz, phase reversals every 450 ± 25 ms); V.8
//! §7.2 (ANSam: 15 Hz AM, 0.8–1.2 envelope); G.165 §5 and G.168 §7 (tone disabler:
//! disabled only by 2100 Hz with phase reversals, about 400 ms of tone, released when the
//! signal stays below about −36 dBm0 for 250 ± 150 ms); G.164 §5 (echo-suppressor disabler:
//! any 2100 Hz, offered here as [`DisablerMode::G164`]); T.30 §5.4.3 (CNG: 1100 ± 38 Hz,
//! 0.5 s on, 3 s off). Figures from the brief and `specs/dsp.md`; the clause numbers are
//! \[mem\].
//!
//! **Limits.** Time resolution is one 10 ms block (reversal positions are interpolated to a
//! few samples). Tones below [`MIN_TONE_DBM0`] are ignored. Reversal spacing is reported
//! (see [`AnsEvent::PhaseReversal`]) but not enforced. Events wait in a queue of
//! [`EVENT_QUEUE`] entries; poll after each `process` call (at most two events arise per
//! 10 ms), or the oldest are dropped and counted in [`AnsDetector::dropped_events`].

use core::f32::consts::PI;

/// Samples per analysis block (10 ms; 21 whole cycles of 2100 Hz).
pub const BLOCK: usize = 80;
/// Lowest tone level detected, in dBm0.
pub const MIN_TONE_DBM0: f32 = -36.0;
/// Largest accepted offset from 2100 Hz, in Hz (V.25 allows ±15 Hz; ±21 Hz must be rejected).
pub const MAX_OFFSET_HZ: f32 = 18.0;
/// Tone must last this long (ms) before it counts as a tone.
pub const CONFIRM_MS: u32 = 100;
/// A tone without a reversal after this long (ms) is reported as plain ANS (V.25 reversals
/// come every 450 ± 25 ms).
pub const PLAIN_AFTER_MS: u32 = 550;
/// Events the detector queues between polls.
pub const EVENT_QUEUE: usize = 16;

const FREQ_HZ: f32 = 2100.0;
/// Bin energy / (block energy · N/2) needed for a candidate block.
const PURITY: f32 = 0.6;
/// Candidate blocks missing before the tone is declared gone.
const HANGOVER_BLOCKS: u32 = 5;
const CONFIRM_BLOCKS: u32 = CONFIRM_MS / 10;
const PLAIN_AFTER_BLOCKS: u32 = PLAIN_AFTER_MS / 10;
/// Leak of the rotation tracker per block.
const ROT_LEAK: f32 = 0.8;

/// What the answer-tone detector reports. Sample positions count from the first sample
/// ever passed to `process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnsEvent {
    /// A 2100 Hz answer tone is present. Reported at the first phase reversal
    /// (`with_phase_reversal: true`, ANS/PR or ANSam/PR) or, when none came, after
    /// [`PLAIN_AFTER_MS`] of tone or at its end, whichever is first (plain ANS/ANSam).
    ToneOn {
        /// Whether a phase reversal was seen by the time of the report.
        with_phase_reversal: bool,
        /// First sample of the tone (block resolution).
        start_sample: u64,
    },
    /// A 180° phase reversal inside a confirmed tone.
    PhaseReversal {
        /// Where the reversal fell (interpolated inside the block).
        at_sample: u64,
        /// Samples since the previous reversal of this tone, if any (V.25: 3600 ± 200).
        since_previous: Option<u64>,
    },
    /// The tone ended.
    ToneOff {
        /// One past the last sample of the tone (block resolution).
        end_sample: u64,
        /// Phase reversals seen during the tone.
        reversals: u32,
    },
}

/// A fixed-capacity FIFO that drops the oldest entry when full.
#[derive(Debug, Clone)]
pub(crate) struct EventQueue<T: Copy, const N: usize> {
    buf: [Option<T>; N],
    head: usize,
    len: usize,
    dropped: u64,
}

impl<T: Copy, const N: usize> EventQueue<T, N> {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [None; N],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, ev: T) {
        if self.len == N {
            self.head = (self.head + 1) % N;
            self.len -= 1;
            self.dropped += 1;
        }
        self.buf[(self.head + self.len) % N] = Some(ev);
        self.len += 1;
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let ev = self.buf[self.head].take();
        self.head = (self.head + 1) % N;
        self.len -= 1;
        ev
    }

    pub(crate) const fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Complex number, just enough for phasor arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Cx {
    re: f32,
    im: f32,
}

impl Cx {
    const ZERO: Self = Self { re: 0.0, im: 0.0 };
    /// `self · conj(o)`.
    fn mul_conj(self, o: Self) -> Self {
        Self {
            re: self.re * o.re + self.im * o.im,
            im: self.im * o.re - self.re * o.im,
        }
    }
    fn norm_sqr(self) -> f32 {
        self.re * self.re + self.im * self.im
    }
    fn abs(self) -> f32 {
        libm::sqrtf(self.norm_sqr())
    }
    fn arg(self) -> f32 {
        libm::atan2f(self.im, self.re)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    /// Candidate blocks seen, not yet confirmed.
    Pending,
    /// Confirmed 2100 Hz tone.
    Present,
}

/// The front end both detectors share: a complex correlation of each 80-sample block
/// against one reference frequency, and the block's energy.
#[derive(Debug, Clone)]
struct BlockCorrelator {
    cos: [f32; BLOCK],
    sin: [f32; BLOCK],
    idx: usize,
    acc: Cx,
    energy: f32,
}

impl BlockCorrelator {
    fn new(freq_hz: f32) -> Self {
        let w = 2.0 * PI * freq_hz / 8000.0;
        Self {
            cos: core::array::from_fn(|n| libm::cosf(w * n as f32)),
            sin: core::array::from_fn(|n| libm::sinf(w * n as f32)),
            idx: 0,
            acc: Cx::ZERO,
            energy: 0.0,
        }
    }

    /// Adds one sample; at the end of a block returns its correlation and energy.
    #[inline]
    fn push(&mut self, s: i16) -> Option<(Cx, f32)> {
        let x = f32::from(s);
        self.acc.re += x * self.cos[self.idx];
        self.acc.im -= x * self.sin[self.idx];
        self.energy += x * x;
        self.idx += 1;
        if self.idx < BLOCK {
            return None;
        }
        let out = (self.acc, self.energy);
        self.acc = Cx::ZERO;
        self.energy = 0.0;
        self.idx = 0;
        Some(out)
    }
}

/// What one finished 10 ms block showed, for the disabler.
#[derive(Debug, Clone, Copy)]
struct BlockReport {
    /// Mean power of the block (mean of squared samples).
    power: f32,
}

/// Streaming 2100 Hz answer-tone detector (ANS, ANS/PR, ANSam, ANSam/PR).
///
/// ```
/// use media_dsp::ans::{AnsDetector, AnsEvent};
/// let mut det = AnsDetector::new();
/// let chunk = [0i16; 8]; // 1 ms of line signal
/// det.process(&chunk);
/// while let Some(ev) = det.poll_event() {
///     if let AnsEvent::ToneOn { with_phase_reversal: true, .. } = ev { /* fax/modem */ }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AnsDetector {
    front: BlockCorrelator,
    /// Samples consumed before the current block.
    block_start: u64,
    // Tone tracking.
    state: State,
    run: u32,
    miss: u32,
    start: u64,
    last_good_end: u64,
    rot: Cx,
    z1: Cx,
    z2: Cx,
    mag_avg: f32,
    refractory: u32,
    reversals: u32,
    last_reversal: Option<u64>,
    announced: bool,
    events: EventQueue<AnsEvent, EVENT_QUEUE>,
}

impl Default for AnsDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl AnsDetector {
    /// A detector with the V.25 / G.165 settings of this module.
    #[must_use]
    pub fn new() -> Self {
        Self {
            front: BlockCorrelator::new(FREQ_HZ),
            block_start: 0,
            state: State::Idle,
            run: 0,
            miss: 0,
            start: 0,
            last_good_end: 0,
            rot: Cx::ZERO,
            z1: Cx::ZERO,
            z2: Cx::ZERO,
            mag_avg: 0.0,
            refractory: 0,
            reversals: 0,
            last_reversal: None,
            announced: false,
            events: EventQueue::new(),
        }
    }

    /// Feeds line samples (any length, including 0). Call [`poll_event`](Self::poll_event)
    /// afterwards.
    pub fn process(&mut self, samples: &[i16]) {
        self.process_blocks(samples, |_, _| {});
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<AnsEvent> {
        self.events.pop()
    }

    /// Ends the stream: a confirmed tone still present is reported (`ToneOn` if it was not
    /// yet, then `ToneOff` at its last block).
    pub fn finish(&mut self) {
        if self.state == State::Present {
            if !self.announced {
                self.announce(false);
            }
            self.events.push(AnsEvent::ToneOff {
                end_sample: self.last_good_end,
                reversals: self.reversals,
            });
        }
        self.state = State::Idle;
    }

    /// Whether a confirmed 2100 Hz tone is present now.
    #[must_use]
    pub fn tone_present(&self) -> bool {
        self.state == State::Present
    }

    /// Phase reversals seen in the current tone (0 when none is present).
    #[must_use]
    pub fn reversals(&self) -> u32 {
        if self.state == State::Present {
            self.reversals
        } else {
            0
        }
    }

    /// Duration of the current confirmed tone in samples (0 when none is present).
    #[must_use]
    pub fn tone_samples(&self) -> u64 {
        if self.state == State::Present {
            self.last_good_end - self.start
        } else {
            0
        }
    }

    /// Events lost because the queue was full.
    #[must_use]
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }

    /// Feeds samples and calls `on_block` after each finished 10 ms block.
    fn process_blocks(&mut self, samples: &[i16], mut on_block: impl FnMut(&Self, BlockReport)) {
        for &s in samples {
            if let Some((z, energy)) = self.front.push(s) {
                self.block(z, energy);
                self.block_start += BLOCK as u64;
                on_block(
                    self,
                    BlockReport {
                        power: energy / BLOCK as f32,
                    },
                );
            }
        }
    }

    /// Rotation per block, as a unit phasor (1 when unknown).
    fn rot_unit(&self) -> Cx {
        let m = self.rot.abs();
        if m > 0.0 {
            Cx {
                re: self.rot.re / m,
                im: self.rot.im / m,
            }
        } else {
            Cx { re: 1.0, im: 0.0 }
        }
    }

    fn offset_hz(&self) -> f32 {
        self.rot.arg() / (2.0 * PI * BLOCK as f32 / 8000.0)
    }

    fn block(&mut self, z: Cx, energy: f32) {
        let n = BLOCK as f32;
        let bin = z.norm_sqr();
        // A sine of amplitude A gives |Z| = A·N/2 and energy A²·N/2.
        let purity = if energy > 0.0 {
            bin * 2.0 / (n * energy)
        } else {
            0.0
        };
        let amp = 2.0 * libm::sqrtf(bin) / n;
        let level = crate::level::power_to_dbm0(amp * amp / 2.0);
        let candidate = purity >= PURITY && level >= MIN_TONE_DBM0;
        let end = self.block_start + BLOCK as u64;

        match self.state {
            State::Idle => {
                if candidate {
                    self.state = State::Pending;
                    self.run = 1;
                    self.miss = 0;
                    self.start = self.block_start;
                    self.last_good_end = end;
                    self.rot = Cx::ZERO;
                    self.mag_avg = z.abs();
                    self.z2 = Cx::ZERO;
                    self.z1 = z;
                    self.refractory = 0;
                    self.reversals = 0;
                    self.last_reversal = None;
                    self.announced = false;
                }
            }
            State::Pending | State::Present => {
                if candidate {
                    self.miss = 0;
                    self.run += 1;
                    self.last_good_end = end;
                    if self.state == State::Present {
                        self.check_reversal(z);
                    }
                    if self.refractory == 0 {
                        let d = z.mul_conj(self.z1);
                        self.rot = Cx {
                            re: self.rot.re * ROT_LEAK + d.re,
                            im: self.rot.im * ROT_LEAK + d.im,
                        };
                    } else {
                        self.refractory -= 1;
                    }
                    self.mag_avg = 0.9 * self.mag_avg + 0.1 * z.abs();
                    if self.state == State::Pending
                        && self.run >= CONFIRM_BLOCKS
                        && libm::fabsf(self.offset_hz()) <= MAX_OFFSET_HZ
                    {
                        self.state = State::Present;
                    }
                    if self.state == State::Present
                        && !self.announced
                        && self.run >= PLAIN_AFTER_BLOCKS
                    {
                        self.announce(false);
                    }
                } else {
                    self.miss += 1;
                    if self.miss > HANGOVER_BLOCKS {
                        if self.state == State::Present {
                            if !self.announced {
                                self.announce(false);
                            }
                            self.events.push(AnsEvent::ToneOff {
                                end_sample: self.last_good_end,
                                reversals: self.reversals,
                            });
                        }
                        self.state = State::Idle;
                    }
                }
                self.z2 = self.z1;
                self.z1 = z;
            }
        }
    }

    fn announce(&mut self, with_phase_reversal: bool) {
        self.announced = true;
        self.events.push(AnsEvent::ToneOn {
            with_phase_reversal,
            start_sample: self.start,
        });
    }

    /// Looks for a reversal between block k−2 (`z2`) and block k (`z`).
    fn check_reversal(&mut self, z: Cx) {
        if self.refractory > 0 {
            return;
        }
        let (a, b) = (z.abs(), self.z2.abs());
        let floor = 0.5 * self.mag_avg;
        if a < floor || b < floor {
            return;
        }
        let r = self.rot_unit();
        let r2 = Cx {
            re: r.re * r.re - r.im * r.im,
            im: 2.0 * r.re * r.im,
        };
        // Expected z = z2·r²; compare.
        let d = z.mul_conj(self.z2).mul_conj(r2);
        if d.re >= -0.5 * a * b {
            return;
        }
        // Where in block k−1 did it fall? z1 ≈ (2f − 1)·z2·r for a fraction f before it.
        let expect1 = self.z2.mul_conj(Cx {
            re: r.re,
            im: -r.im,
        });
        let proj = self.z1.mul_conj(expect1).re / (b * b);
        let frac = ((1.0 + proj) / 2.0).clamp(0.0, 1.0);
        let at = self.block_start - BLOCK as u64 + libm::roundf(frac * BLOCK as f32) as u64;
        self.reversals += 1;
        let since_previous = self.last_reversal.map(|p| at.saturating_sub(p));
        self.last_reversal = Some(at);
        if !self.announced {
            self.announce(true);
        }
        self.events.push(AnsEvent::PhaseReversal {
            at_sample: at,
            since_previous,
        });
        // Neither this block's nor the next block's phase step describes the rotation.
        self.refractory = 2;
    }
}

/// Generator of answer tones (ANS, ANS/PR, ANSam, ANSam/PR), for tests, the demo and
/// answering calls: 2100 Hz (or `freq_hz`) at `level_dbm0`, optionally with a 180° phase
/// reversal every 450 ms (V.25) and the V.8 15 Hz amplitude modulation (envelope 0.8–1.2).
#[derive(Debug, Clone)]
pub struct AnsGenerator {
    step: f64,
    phase: f64,
    amp: f32,
    reversals: bool,
    am: bool,
    n: u64,
}

/// Samples between V.25 phase reversals (450 ms).
pub const REVERSAL_INTERVAL: u64 = 3600;

impl AnsGenerator {
    /// A generator of a `freq_hz` tone at `level_dbm0` (the level of the unmodulated
    /// carrier), with or without phase reversals and ANSam amplitude modulation.
    #[must_use]
    pub fn new(freq_hz: f32, level_dbm0: f32, reversals: bool, am: bool) -> Self {
        Self {
            step: f64::from(freq_hz) / 8000.0,
            phase: 0.0,
            amp: crate::level::sine_peak(level_dbm0),
            reversals,
            am,
            n: 0,
        }
    }

    /// Writes the next `out.len()` samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        for o in out {
            let mut ph = self.phase;
            if self.reversals && (self.n / REVERSAL_INTERVAL) % 2 == 1 {
                ph += 0.5;
            }
            let mut a = self.amp;
            if self.am {
                a *= 1.0 + 0.2 * libm::sinf(2.0 * PI * 15.0 * (self.n % 8000) as f32 / 8000.0);
            }
            *o = crate::level::saturate(a * libm::sinf(2.0 * PI * (ph % 1.0) as f32));
            self.phase = (self.phase + self.step) % 1.0;
            self.n += 1;
        }
    }
}

/// T.30 CNG (fax calling tone) frequency, Hz.
pub const CNG_FREQ_HZ: f32 = 1100.0;
/// Accepted CNG burst length, ms (T.30: 0.5 s on; ±15 % plus one block either side).
pub const CNG_BURST_MS: (u32, u32) = (400, 650);

/// What the CNG detector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CngEvent {
    /// A 1100 Hz burst of CNG length ended: a fax machine is calling.
    Burst {
        /// First sample of the burst (block resolution).
        start_sample: u64,
        /// One past its last sample (block resolution).
        end_sample: u64,
    },
}

/// Streaming T.30 CNG detector (1100 Hz, 0.5 s on / 3 s off), for fax detection on
/// incoming calls.
///
/// Same front end as [`AnsDetector`] (80-sample blocks, 11 whole cycles of 1100 Hz; energy
/// share at least 50 %, which accepts the T.30 ±38 Hz and rejects beyond about ±45 Hz;
/// level at least [`MIN_TONE_DBM0`]). A burst is reported when it ends (two blocks
/// without tone) if it lasted [`CNG_BURST_MS`]; continuous 1100 Hz is not CNG.
///
/// ```
/// use media_dsp::ans::CngDetector;
/// let mut det = CngDetector::new();
/// det.process(&[0i16; 8]);
/// assert!(det.poll_event().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct CngDetector {
    front: BlockCorrelator,
    block_start: u64,
    run_start: Option<u64>,
    last_good_end: u64,
    miss: u32,
    events: EventQueue<CngEvent, EVENT_QUEUE>,
}

impl Default for CngDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl CngDetector {
    /// A CNG detector.
    #[must_use]
    pub fn new() -> Self {
        Self {
            front: BlockCorrelator::new(CNG_FREQ_HZ),
            block_start: 0,
            run_start: None,
            last_good_end: 0,
            miss: 0,
            events: EventQueue::new(),
        }
    }

    /// Feeds line samples (any length).
    pub fn process(&mut self, samples: &[i16]) {
        for &s in samples {
            if let Some((z, energy)) = self.front.push(s) {
                self.block(z, energy);
                self.block_start += BLOCK as u64;
            }
        }
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<CngEvent> {
        self.events.pop()
    }

    fn block(&mut self, z: Cx, energy: f32) {
        let n = BLOCK as f32;
        let bin = z.norm_sqr();
        let share = if energy > 0.0 {
            bin * 2.0 / (n * energy)
        } else {
            0.0
        };
        let amp = 2.0 * libm::sqrtf(bin) / n;
        let candidate =
            share >= 0.5 && crate::level::power_to_dbm0(amp * amp / 2.0) >= MIN_TONE_DBM0;
        if candidate {
            self.miss = 0;
            self.last_good_end = self.block_start + BLOCK as u64;
            if self.run_start.is_none() {
                self.run_start = Some(self.block_start);
            }
            return;
        }
        let Some(start) = self.run_start else { return };
        self.miss += 1;
        if self.miss >= 2 {
            let len_ms = (self.last_good_end - start) / 8;
            if (u64::from(CNG_BURST_MS.0)..=u64::from(CNG_BURST_MS.1)).contains(&len_ms) {
                self.events.push(CngEvent::Burst {
                    start_sample: start,
                    end_sample: self.last_good_end,
                });
            }
            self.run_start = None;
        }
    }
}

/// Which tones disable the echo canceller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DisablerMode {
    /// G.165 §5 / G.168 §7 (echo cancellers): only 2100 Hz with phase reversals.
    #[default]
    G165,
    /// G.164 §5 (echo suppressors): any 2100 Hz tone.
    G164,
}

/// Minimum tone duration (ms) before the disabler acts.
pub const DISABLE_HOLD_MS: u32 = 400;
/// Below this level (dBm0) the line counts as quiet for re-enabling.
pub const RELEASE_DBM0: f32 = -36.0;
/// Quiet time (ms) that re-enables the canceller.
pub const RELEASE_MS: u32 = 250;

/// The G.165/G.168 tone disabler: feed it the line signal (the canceller's receive or send
/// input, the one that carries the answer tone) and ask [`disabled`](Self::disabled).
///
/// Disables once a 2100 Hz tone has lasted [`DISABLE_HOLD_MS`] and (in the default G.165
/// mode) at least one phase reversal was seen; stays disabled through whatever follows
/// (modem data) and re-enables after every 10 ms block of [`RELEASE_MS`] was below
/// [`RELEASE_DBM0`].
///
/// ```
/// use media_dsp::ans::EchoCancellerDisabler;
/// let mut dis = EchoCancellerDisabler::new();
/// dis.process(&[0i16; 8]);
/// assert!(!dis.disabled());
/// ```
#[derive(Debug, Clone)]
pub struct EchoCancellerDisabler {
    det: AnsDetector,
    mode: DisablerMode,
    disabled: bool,
    quiet_blocks: u32,
    /// Mean block power below which the line counts as quiet ([`RELEASE_DBM0`]).
    release_power: f32,
}

impl Default for EchoCancellerDisabler {
    fn default() -> Self {
        Self::new()
    }
}

impl EchoCancellerDisabler {
    /// A G.165/G.168 disabler (2100 Hz with phase reversals).
    #[must_use]
    pub fn new() -> Self {
        Self::with_mode(DisablerMode::G165)
    }

    /// A disabler following `mode`.
    #[must_use]
    pub fn with_mode(mode: DisablerMode) -> Self {
        Self {
            det: AnsDetector::new(),
            mode,
            disabled: false,
            quiet_blocks: 0,
            release_power: {
                let r = crate::level::DBM0_RMS * crate::level::db_to_ratio(RELEASE_DBM0);
                r * r
            },
        }
    }

    /// Feeds line samples (any length).
    pub fn process(&mut self, samples: &[i16]) {
        let release_power = self.release_power;
        let hold = u64::from(DISABLE_HOLD_MS) * 8;
        let release_blocks = RELEASE_MS / 10;
        let mode = self.mode;
        let (disabled, quiet) = (&mut self.disabled, &mut self.quiet_blocks);
        self.det.process_blocks(samples, |det, rep| {
            if *disabled {
                if rep.power < release_power {
                    *quiet += 1;
                    if *quiet >= release_blocks {
                        *disabled = false;
                        *quiet = 0;
                    }
                } else {
                    *quiet = 0;
                }
            } else if det.tone_present()
                && det.tone_samples() >= hold
                && (mode == DisablerMode::G164 || det.reversals() > 0)
            {
                *disabled = true;
                *quiet = 0;
            }
        });
    }

    /// Whether the echo canceller must be disabled now.
    #[must_use]
    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// The answer-tone events seen so far (the disabler does not consume them).
    #[must_use]
    pub fn poll_event(&mut self) -> Option<AnsEvent> {
        self.det.poll_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_drops_oldest() {
        let mut q: EventQueue<u32, 2> = EventQueue::new();
        q.push(1);
        q.push(2);
        q.push(3);
        assert_eq!(q.dropped(), 1);
        assert_eq!(q.pop(), Some(2));
        assert_eq!(q.pop(), Some(3));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn block_is_whole_cycles() {
        let d = AnsDetector::new();
        // cos at n = BLOCK would be cos(2π·21) = 1: the reference phase repeats per block.
        assert!((d.front.cos[0] - 1.0).abs() < 1e-6);
        let w = 2.0 * PI * FREQ_HZ / 8000.0;
        assert!((libm::cosf(w * BLOCK as f32) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn silence_gives_nothing() {
        let mut d = AnsDetector::new();
        d.process(&[0; 8000]);
        assert_eq!(d.poll_event(), None);
        assert!(!d.tone_present());
    }
}
