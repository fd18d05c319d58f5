//! Call-progress tones: a cadenced generator with country profiles and a streaming detector
//! for dial, ringback, busy, congestion (reorder) and SIT.
//!
//! **What it does.** [`ToneGenerator`] plays any tone of a [`Profile`] (China, ETSI, North
//! America) with its cadence, at a chosen level, into caller-supplied buffers.
//! [`ToneDetector`] listens to a line (outbound call progress, analog disconnect supervision)
//! and reports [`ToneEvent::Detected`] as soon as a tone's frequencies *and* cadence are
//! confirmed, and [`ToneEvent::Ended`] when it stops.
//!
//! **How it works.** The detector cuts the signal into blocks of the profile's length (as
//! Asterisk `dsp.c` does: 183 samples for the North American pairs, 188 for 425 Hz; 178,
//! ten whole cycles, for 450 Hz) and runs one Goertzel bin per frequency of the profile plus
//! the three SIT frequencies. A block is classified by the share of its energy each tone's
//! bins hold (at least 60 %, each frequency of a pair at least 15 % and at least
//! [`MIN_LEVEL_DBM0`]); anything else is "off". Runs of equal blocks become segments, and a
//! cadence matcher compares the last segments with each tone's on/off times, within
//! [`TOLERANCE`] (at least [`TOLERANCE_FLOOR_MS`]): busy and congestion need on, off, on and
//! most of the second off (two cycles, so busy is reported about 1.4 s (China) or 1.9 s
//! (ETSI, North America) after it starts, well inside the 3 s analog disconnect supervision
//! wants); ringback needs on, off and most of the next on; dial needs a steady tone longer
//! than any cadenced on-time with the same frequencies; SIT needs its three rising
//! segments (913.8, 1370.6, 1776.7 Hz) of 200–450 ms each. While a tone lasts, every new
//! segment must keep the cadence, or the tone ends. Samples go through running
//! accumulators, so any block size (8-sample chunks or whole files) gives the same events.
//!
//! **Spec.** ITU-T E.180 and its supplement (the national tone plans); `specs/dsp.md` §4.
//! North America (Bellcore/ANSI T1.401, precise tone plan): dial 350+440 Hz, ringback
//! 440+480 Hz 2/4 s, busy 480+620 Hz 0.5/0.5 s, reorder 0.25/0.25 s, call waiting 440 Hz
//! 0.3 s. China: 450 Hz; busy 0.35/0.35 s, ringback 1/4 s, congestion 0.7/0.7 s, call
//! waiting 0.4/4 s (figures from the project's issue). ETSI (E.180, ETSI TR 101 041):
//! 425 Hz; ringback 1/4 s, busy 0.5/0.5 s, congestion 0.25/0.25 s; call waiting
//! 0.2/0.2/0.2/5 s as in Germany. SIT (ITU-T Q.35, E.180 §6): 913.8, 1370.6, 1776.7 Hz,
//! 274–380 ms each. The document numbers, the call-waiting patterns and the nominal levels
//! are \[mem\]; the rest is from the brief and `specs/dsp.md`.
//!
//! **Limits.** Call waiting is generated but not detected (it is heard over speech). Only
//! the profile's frequencies are accepted (within about ±15 Hz): a 450 Hz tone is not an
//! ETSI tone. SIT is the common low/mid/high variant; the alternative 985.2/1428.5 Hz
//! segments are not recognised. Time resolution is one block (about 23 ms). Events wait
//! in a queue of [`EVENT_QUEUE`] entries; poll after each `process` call or the oldest are
//! dropped (counted by [`ToneDetector::dropped_events`]).

use crate::ans::EventQueue;
use crate::goertzel::{Goertzel, GoertzelCoeff};
use crate::level;

/// Country tone plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Country {
    /// China (450 Hz).
    China,
    /// ETSI / most of continental Europe (425 Hz).
    Etsi,
    /// North America (precise tone plan, dual tones).
    NorthAmerica,
}

/// The call-progress tones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToneKind {
    /// Dial tone (continuous).
    Dial,
    /// Ringback (audible ringing).
    Ringback,
    /// Busy (subscriber busy).
    Busy,
    /// Congestion (North America: reorder, fast busy).
    Congestion,
    /// Call waiting.
    CallWaiting,
    /// Special information tone (three rising segments).
    Sit,
}

impl ToneKind {
    /// Lower-case name, as used in the JSON of the `dsp` tool.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Dial => "dial",
            Self::Ringback => "ringback",
            Self::Busy => "busy",
            Self::Congestion => "congestion",
            Self::CallWaiting => "call_waiting",
            Self::Sit => "sit",
        }
    }
}

/// One part of a cadence: up to two frequencies (0 for none; both 0 is silence) for `ms`
/// milliseconds (0: forever).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Frequencies in Hz; 0.0 marks an unused slot.
    pub freqs: [f32; 2],
    /// Duration in ms; 0 means the segment never ends.
    pub ms: u32,
}

/// A tone: its cadence, repeated, and its nominal level per frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneSpec {
    /// Which tone this is.
    pub kind: ToneKind,
    /// The cadence, played in a loop.
    pub segments: &'static [Segment],
    /// Nominal level of each frequency, in dBm0.
    pub level_dbm0: f32,
}

/// A country's tone plan and detector block length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// The country.
    pub country: Country,
    /// Goertzel block length of the detector, in samples.
    pub block: usize,
    /// Every tone of the plan.
    pub tones: &'static [ToneSpec],
}

impl Profile {
    /// The spec of `kind` in this plan, if it has one.
    #[must_use]
    pub fn tone(&self, kind: ToneKind) -> Option<&'static ToneSpec> {
        self.tones.iter().find(|t| t.kind == kind)
    }
}

impl Country {
    /// The tone plan of this country.
    #[must_use]
    pub fn profile(self) -> &'static Profile {
        match self {
            Self::China => &CHINA,
            Self::Etsi => &ETSI,
            Self::NorthAmerica => &NORTH_AMERICA,
        }
    }
}

const fn on(f: f32, ms: u32) -> Segment {
    Segment {
        freqs: [f, 0.0],
        ms,
    }
}
const fn on2(a: f32, b: f32, ms: u32) -> Segment {
    Segment { freqs: [a, b], ms }
}
const fn off(ms: u32) -> Segment {
    Segment {
        freqs: [0.0, 0.0],
        ms,
    }
}

/// SIT low, middle and high frequencies (Hz).
pub const SIT_FREQS: [f32; 3] = [913.8, 1370.6, 1776.7];

/// The special information tone (same in every plan): 274, 274 and 380 ms, then silence.
pub const SIT: ToneSpec = ToneSpec {
    kind: ToneKind::Sit,
    segments: &[
        on(SIT_FREQS[0], 274),
        on(SIT_FREQS[1], 274),
        on(SIT_FREQS[2], 380),
        off(0),
    ],
    level_dbm0: -24.0,
};

/// China (YD/T 1118, GB 3380): 450 Hz.
pub static CHINA: Profile = Profile {
    country: Country::China,
    block: 178,
    tones: &[
        ToneSpec {
            kind: ToneKind::Dial,
            segments: &[on(450.0, 0)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::Ringback,
            segments: &[on(450.0, 1000), off(4000)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::Busy,
            segments: &[on(450.0, 350), off(350)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::Congestion,
            segments: &[on(450.0, 700), off(700)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::CallWaiting,
            segments: &[on(450.0, 400), off(4000)],
            level_dbm0: -15.0,
        },
        SIT,
    ],
};

/// ETSI (TR 101 041, E.180): 425 Hz.
pub static ETSI: Profile = Profile {
    country: Country::Etsi,
    block: 188,
    tones: &[
        ToneSpec {
            kind: ToneKind::Dial,
            segments: &[on(425.0, 0)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::Ringback,
            segments: &[on(425.0, 1000), off(4000)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::Busy,
            segments: &[on(425.0, 500), off(500)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::Congestion,
            segments: &[on(425.0, 250), off(250)],
            level_dbm0: -10.0,
        },
        ToneSpec {
            kind: ToneKind::CallWaiting,
            segments: &[on(425.0, 200), off(200), on(425.0, 200), off(5000)],
            level_dbm0: -15.0,
        },
        SIT,
    ],
};

/// North America (ANSI T1.401 precise tone plan): dual tones.
pub static NORTH_AMERICA: Profile = Profile {
    country: Country::NorthAmerica,
    block: 183,
    tones: &[
        ToneSpec {
            kind: ToneKind::Dial,
            segments: &[on2(350.0, 440.0, 0)],
            level_dbm0: -13.0,
        },
        ToneSpec {
            kind: ToneKind::Ringback,
            segments: &[on2(440.0, 480.0, 2000), off(4000)],
            level_dbm0: -19.0,
        },
        ToneSpec {
            kind: ToneKind::Busy,
            segments: &[on2(480.0, 620.0, 500), off(500)],
            level_dbm0: -24.0,
        },
        ToneSpec {
            kind: ToneKind::Congestion,
            segments: &[on2(480.0, 620.0, 250), off(250)],
            level_dbm0: -24.0,
        },
        ToneSpec {
            kind: ToneKind::CallWaiting,
            segments: &[on(440.0, 300), off(9700)],
            level_dbm0: -13.0,
        },
        SIT,
    ],
};

/// Streaming generator of one tone with its cadence.
///
/// ```
/// use media_dsp::tones::{Country, ToneGenerator, ToneKind};
/// let busy = Country::China.profile().tone(ToneKind::Busy).unwrap();
/// let mut g = ToneGenerator::new(busy);
/// let mut chunk = [0i16; 8];
/// g.fill(&mut chunk);
/// ```
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    spec: &'static ToneSpec,
    amp: f32,
    seg: usize,
    pos: u64,
    phase: [f64; 2],
}

impl ToneGenerator {
    /// A generator of `spec` at its nominal level.
    #[must_use]
    pub fn new(spec: &'static ToneSpec) -> Self {
        Self::with_level(spec, spec.level_dbm0)
    }

    /// A generator of `spec` with each frequency at `level_dbm0`.
    #[must_use]
    pub fn with_level(spec: &'static ToneSpec, level_dbm0: f32) -> Self {
        Self {
            spec,
            amp: level::sine_peak(level_dbm0),
            seg: 0,
            pos: 0,
            phase: [0.0; 2],
        }
    }

    /// Writes the next `out.len()` samples of the tone.
    pub fn fill(&mut self, out: &mut [i16]) {
        let segs = self.spec.segments;
        for o in out {
            let Some(seg) = segs.get(self.seg) else {
                *o = 0;
                continue;
            };
            let mut x = 0.0f32;
            for (f, ph) in seg.freqs.iter().zip(self.phase.iter_mut()) {
                if *f > 0.0 {
                    x += libm::sinf(2.0 * core::f32::consts::PI * *ph as f32);
                    *ph = (*ph + f64::from(*f) / 8000.0) % 1.0;
                }
            }
            *o = level::saturate(self.amp * x);
            self.pos += 1;
            if seg.ms > 0 && self.pos >= u64::from(seg.ms) * 8 {
                self.pos = 0;
                self.seg = (self.seg + 1) % segs.len();
            }
        }
    }
}

/// Lowest level (dBm0) of each frequency of a detected tone.
pub const MIN_LEVEL_DBM0: f32 = -42.0;
/// Relative cadence tolerance.
pub const TOLERANCE: f32 = 0.2;
/// Smallest cadence tolerance in ms (covers the block resolution).
pub const TOLERANCE_FLOOR_MS: u32 = 40;
/// Events the detector queues between polls.
pub const EVENT_QUEUE: usize = 16;

/// Shortest and longest detector block, in samples (5 ms to 100 ms).
pub const MIN_BLOCK: usize = 40;
/// See [`MIN_BLOCK`].
pub const MAX_BLOCK: usize = 800;

/// Why a [`Profile`] cannot drive a [`ToneDetector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// `block` is outside [`MIN_BLOCK`]..=[`MAX_BLOCK`].
    #[error("detector block length must be 40 to 800 samples")]
    BlockLength,
    /// A detectable tone has a frequency that is not inside (0, 4000) Hz.
    #[error("tone frequency must be above 0 and below 4000 Hz")]
    Frequency,
    /// The plan's detectable tones and SIT use more than 8 distinct frequencies.
    #[error("tone plan uses more than 8 distinct frequencies")]
    TooManyFrequencies,
    /// The plan has more than 6 detectable tones or 8 distinct frequency sets.
    #[error("tone plan has too many detectable tones")]
    TooManyTones,
}

/// Share of the block energy the tone's bins must hold.
const PURITY: f32 = 0.6;
/// Share each frequency of a pair must hold.
const PAIR_MIN: f32 = 0.15;
/// SIT segments: accepted duration range in ms.
const SIT_MIN_MS: u32 = 200;
const SIT_MAX_MS: u32 = 450;
/// A dial tone is confirmed after this long, or after the longest cadenced on-time of the
/// same frequencies plus [`DIAL_MARGIN_MS`], whichever is longer.
const DIAL_MIN_MS: u32 = 500;
const DIAL_MARGIN_MS: u32 = 200;

const MAX_BINS: usize = 8;
const MAX_SETS: usize = 8;
const MAX_CADENCES: usize = 6;
const HISTORY: usize = 8;

/// Block classification: an index into the detector's frequency sets, or off.
type Token = Option<u8>;

/// What the tone detector reports. Sample positions count from the first sample passed
/// to `process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToneEvent {
    /// A tone's frequencies and cadence were confirmed.
    Detected {
        /// Which tone.
        tone: ToneKind,
        /// Where its first matched on-segment started.
        start_sample: u64,
        /// When it was confirmed (the end of the block that confirmed it).
        at_sample: u64,
    },
    /// A detected tone stopped or broke its cadence.
    Ended {
        /// Which tone.
        tone: ToneKind,
        /// Where it started (as in `Detected`).
        start_sample: u64,
        /// One past the last on-sample that kept the cadence (block resolution); a final
        /// burst cut short is not part of the tone.
        end_sample: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// Steady tone confirmed after `min_samples`.
    Continuous { min_samples: u64 },
    /// On/off cadence; `segments` of the alternating pattern must match (the last one
    /// only reach its minimum).
    Cadence {
        on: (u64, u64),
        off: (u64, u64),
        segments: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cadence {
    kind: ToneKind,
    set: u8,
    pattern: Pattern,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Seg {
    tok: Token,
    start: u64,
    len: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Active {
    cad: Option<Cadence>,
    kind: ToneKind,
    start: u64,
    /// End of the last on-segment seen.
    last_on_end: u64,
}

/// Streaming call-progress tone detector for one country's plan.
///
/// ```
/// use media_dsp::tones::{Country, ToneDetector, ToneEvent};
/// let mut det = ToneDetector::new(Country::Etsi);
/// det.process(&[0i16; 8]);
/// while let Some(ev) = det.poll_event() {
///     if let ToneEvent::Detected { tone, .. } = ev { let _ = tone; }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct ToneDetector {
    block: usize,
    bins: [Goertzel; MAX_BINS],
    n_bins: usize,
    /// Frequency sets as bin indices (second = `u8::MAX` for single tones).
    sets: [[u8; 2]; MAX_SETS],
    n_sets: usize,
    /// SIT low, mid and high sets.
    sit_sets: [u8; 3],
    cadences: [Option<Cadence>; MAX_CADENCES],
    min_bin_energy: f32,
    // Block accumulation.
    idx: usize,
    energy: f32,
    block_start: u64,
    // Segmentation.
    history: [Seg; HISTORY],
    n_history: usize,
    current: Seg,
    active: Option<Active>,
    events: EventQueue<ToneEvent, EVENT_QUEUE>,
}

fn tol(ms: u32) -> (u64, u64) {
    let d = ms as f32;
    let t = (d * TOLERANCE).max(TOLERANCE_FLOOR_MS as f32);
    (((d - t) * 8.0) as u64, ((d + t) * 8.0) as u64)
}

impl ToneDetector {
    /// A detector for `country`'s dial, ringback, busy, congestion and SIT tones.
    #[must_use]
    pub fn new(country: Country) -> Self {
        // The built-in plans fit the fixed tables (unit test `builtin_profiles_are_valid`).
        Self::for_profile(country.profile()).expect("built-in tone plans are valid")
    }

    /// A detector for the detectable tones of `profile` (dial, ringback, busy, congestion;
    /// SIT always).
    ///
    /// # Errors
    /// [`ProfileError`] when the plan does not fit the detector's fixed-size tables or
    /// names an unusable block length or frequency.
    pub fn for_profile(profile: &Profile) -> Result<Self, ProfileError> {
        if !(MIN_BLOCK..=MAX_BLOCK).contains(&profile.block) {
            return Err(ProfileError::BlockLength);
        }
        let mut freqs = [0.0f32; MAX_BINS];
        let mut n_bins = 0;
        let mut bin_of = |f: f32, freqs: &mut [f32; MAX_BINS]| -> Result<u8, ProfileError> {
            if !(f > 0.0 && f < 4000.0) {
                return Err(ProfileError::Frequency);
            }
            if let Some(i) = freqs[..n_bins].iter().position(|&g| g == f) {
                return Ok(i as u8);
            }
            if n_bins == MAX_BINS {
                return Err(ProfileError::TooManyFrequencies);
            }
            freqs[n_bins] = f;
            n_bins += 1;
            Ok((n_bins - 1) as u8)
        };
        let mut sets = [[u8::MAX; 2]; MAX_SETS];
        let mut n_sets = 0;
        let mut set_of =
            |pair: [u8; 2], sets: &mut [[u8; 2]; MAX_SETS]| -> Result<u8, ProfileError> {
                if let Some(i) = sets[..n_sets].iter().position(|&s| s == pair) {
                    return Ok(i as u8);
                }
                if n_sets == MAX_SETS {
                    return Err(ProfileError::TooManyTones);
                }
                sets[n_sets] = pair;
                n_sets += 1;
                Ok((n_sets - 1) as u8)
            };
        let mut cadences = [None; MAX_CADENCES];
        let mut n_cad = 0;
        for spec in profile.tones {
            let segs = spec.segments;
            let pattern = match (spec.kind, segs) {
                (ToneKind::Dial, [s]) if s.ms == 0 => Pattern::Continuous { min_samples: 0 },
                (ToneKind::Busy | ToneKind::Congestion, [a, b]) => Pattern::Cadence {
                    on: tol(a.ms),
                    off: tol(b.ms),
                    segments: 4,
                },
                (ToneKind::Ringback, [a, b]) => Pattern::Cadence {
                    on: tol(a.ms),
                    off: tol(b.ms),
                    segments: 3,
                },
                _ => continue,
            };
            let f = segs[0].freqs;
            let a = bin_of(f[0], &mut freqs)?;
            let b = if f[1] > 0.0 {
                bin_of(f[1], &mut freqs)?
            } else {
                u8::MAX
            };
            let set = set_of([a, b], &mut sets)?;
            if n_cad == MAX_CADENCES {
                return Err(ProfileError::TooManyTones);
            }
            cadences[n_cad] = Some(Cadence {
                kind: spec.kind,
                set,
                pattern,
            });
            n_cad += 1;
        }
        let mut sit_sets = [0u8; 3];
        for (slot, &f) in sit_sets.iter_mut().zip(SIT_FREQS.iter()) {
            let b = bin_of(f, &mut freqs)?;
            *slot = set_of([b, u8::MAX], &mut sets)?;
        }
        // Dial must outlast any cadenced on-time of the same frequencies.
        for i in 0..n_cad {
            let Some(c) = cadences[i] else { continue };
            if let Pattern::Continuous { .. } = c.pattern {
                let mut min = u64::from(DIAL_MIN_MS) * 8;
                for o in cadences[..n_cad].iter().flatten() {
                    if let (true, Pattern::Cadence { on, .. }) = (o.set == c.set, o.pattern) {
                        min = min.max(on.1 + u64::from(DIAL_MARGIN_MS) * 8);
                    }
                }
                cadences[i] = Some(Cadence {
                    pattern: Pattern::Continuous { min_samples: min },
                    ..c
                });
            }
        }
        let block = profile.block;
        let amp = level::sine_peak(MIN_LEVEL_DBM0) * block as f32 / 2.0;
        Ok(Self {
            block,
            bins: core::array::from_fn(|i| Goertzel::new(GoertzelCoeff::new(freqs[i]))),
            n_bins,
            sets,
            n_sets,
            sit_sets,
            cadences,
            min_bin_energy: amp * amp,
            idx: 0,
            energy: 0.0,
            block_start: 0,
            history: [Seg::default(); HISTORY],
            n_history: 0,
            current: Seg {
                tok: None,
                start: 0,
                len: 0,
            },
            active: None,
            events: EventQueue::new(),
        })
    }

    /// Feeds line samples (any length, including 0). Call [`poll_event`](Self::poll_event)
    /// afterwards.
    pub fn process(&mut self, samples: &[i16]) {
        for &s in samples {
            let x = f32::from(s);
            for g in &mut self.bins[..self.n_bins] {
                g.push(x);
            }
            self.energy += x * x;
            self.idx += 1;
            if self.idx == self.block {
                self.end_block();
            }
        }
    }

    /// Ends the stream: a tone still detected is reported as ended at the last sample
    /// processed (or at its last on-segment for a cadenced tone now in an off phase).
    pub fn finish(&mut self) {
        if let Some(a) = self.active.take() {
            let on_set = a.cad.map_or(self.sit_sets[2], |c| c.set);
            let end = if self.current.tok == Some(on_set) {
                self.current.start + self.current.len
            } else {
                a.last_on_end
            };
            self.events.push(ToneEvent::Ended {
                tone: a.kind,
                start_sample: a.start,
                end_sample: end,
            });
        }
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ToneEvent> {
        self.events.pop()
    }

    /// The tone detected now, if any.
    #[must_use]
    pub fn current_tone(&self) -> Option<ToneKind> {
        self.active.map(|a| a.kind)
    }

    /// Events lost because the queue was full.
    #[must_use]
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }

    fn classify(&mut self) -> Token {
        let n = self.block as f32;
        let mut e = [0.0f32; MAX_BINS];
        for (g, e) in self.bins[..self.n_bins].iter_mut().zip(e.iter_mut()) {
            *e = g.finish();
        }
        let energy = self.energy;
        self.energy = 0.0;
        if energy <= 0.0 {
            return None;
        }
        // Share of the block energy in each bin (1.0 for a lone sine on the bin centre).
        let share = |i: u8| e[usize::from(i)] * 2.0 / (n * energy);
        let loud = |i: u8| e[usize::from(i)] >= self.min_bin_energy;
        let mut best: Token = None;
        let mut best_p = 0.0;
        for (k, set) in self.sets[..self.n_sets].iter().enumerate() {
            let [a, b] = *set;
            let p = if b == u8::MAX {
                if !loud(a) {
                    continue;
                }
                share(a)
            } else {
                if !loud(a) || !loud(b) || share(a) < PAIR_MIN || share(b) < PAIR_MIN {
                    continue;
                }
                share(a) + share(b)
            };
            if p >= PURITY && p > best_p {
                best_p = p;
                best = Some(k as u8);
            }
        }
        best
    }

    fn end_block(&mut self) {
        self.idx = 0;
        let tok = self.classify();
        let start = self.block_start;
        let len = self.block as u64;
        self.block_start += len;
        if tok == self.current.tok {
            self.current.len += len;
        } else {
            let closed = self.current;
            self.current = Seg { tok, start, len };
            if closed.len > 0 {
                self.push_history(closed);
                self.on_closed(closed);
            }
        }
        self.check_active();
        if self.active.is_none() {
            self.try_detect();
        }
    }

    fn push_history(&mut self, s: Seg) {
        if self.n_history == HISTORY {
            self.history.copy_within(1.., 0);
            self.n_history -= 1;
        }
        self.history[self.n_history] = s;
        self.n_history += 1;
    }

    fn end_active(&mut self, end: u64) {
        if let Some(a) = self.active.take() {
            self.events.push(ToneEvent::Ended {
                tone: a.kind,
                start_sample: a.start,
                end_sample: end,
            });
        }
    }

    /// A segment closed while a tone is active: does it keep the cadence?
    fn on_closed(&mut self, s: Seg) {
        let Some(a) = self.active else { return };
        let end = s.start + s.len;
        match a.cad {
            None => {
                // SIT: ends with its high segment.
                if s.tok == Some(self.sit_sets[2]) {
                    self.end_active(end);
                }
            }
            Some(c) => match c.pattern {
                Pattern::Continuous { .. } => {
                    if s.tok == Some(c.set) {
                        self.end_active(end);
                    }
                }
                Pattern::Cadence { on, off, .. } => {
                    let ok = if s.tok == Some(c.set) {
                        (on.0..=on.1).contains(&s.len)
                    } else {
                        (off.0..=off.1).contains(&s.len)
                    };
                    if let (true, Some(a)) = (s.tok == Some(c.set), self.active.as_mut()) {
                        a.last_on_end = end;
                    }
                    if !ok {
                        let last = self.active.map_or(end, |a| a.last_on_end);
                        self.end_active(if s.tok == Some(c.set) { s.start } else { last });
                    }
                }
            },
        }
    }

    /// The current (open) segment of an active tone must not overrun its cadence.
    fn check_active(&mut self) {
        let Some(a) = self.active else { return };
        let cur = self.current;
        let Some(c) = a.cad else {
            // SIT: anything after its high segment ends it (handled on close).
            return;
        };
        if let Pattern::Cadence { on, off, .. } = c.pattern {
            if cur.tok == Some(c.set) {
                if cur.len > on.1 {
                    self.end_active(cur.start);
                }
            } else if cur.len > off.1 {
                self.end_active(a.last_on_end);
            }
        }
    }

    fn try_detect(&mut self) {
        let now = self.block_start;
        let cur = self.current;
        for cad in self.cadences.iter().flatten() {
            match cad.pattern {
                Pattern::Continuous { min_samples } => {
                    if cur.tok == Some(cad.set) && cur.len >= min_samples {
                        self.detected(Some(*cad), cad.kind, cur.start, now, now);
                        return;
                    }
                }
                Pattern::Cadence { on, off, segments } => {
                    // Walk back: current, then history, alternating on/off.
                    if self.n_history + 1 < segments {
                        continue;
                    }
                    let mut ok = true;
                    let mut first_start = cur.start;
                    let mut last_on_end = 0;
                    for k in 0..segments {
                        let s = if k == 0 {
                            cur
                        } else {
                            self.history[self.n_history - k]
                        };
                        // Position in the pattern counted from its start.
                        let pos = segments - 1 - k;
                        let want_on = pos % 2 == 0;
                        let is_on = s.tok == Some(cad.set);
                        let range = if want_on { on } else { off };
                        // The open segment (k = 0) has reached its minimum and not
                        // overrun; closed ones are within range.
                        if is_on != want_on || !(range.0..=range.1).contains(&s.len) {
                            ok = false;
                            break;
                        }
                        if is_on && last_on_end == 0 {
                            last_on_end = s.start + s.len;
                        }
                        first_start = s.start;
                    }
                    if ok {
                        self.detected(Some(*cad), cad.kind, first_start, now, last_on_end);
                        return;
                    }
                }
            }
        }
        self.try_sit(now);
    }

    fn try_sit(&mut self, now: u64) {
        let cur = self.current;
        let [lo, mid, hi] = self.sit_sets;
        let min = u64::from(SIT_MIN_MS) * 8;
        let max = u64::from(SIT_MAX_MS) * 8;
        if cur.tok != Some(hi) || cur.len < min || cur.len > max {
            return;
        }
        // Earlier segments, skipping one-block gaps (a block straddling two SIT tones).
        let block = self.block as u64;
        let mut want = [mid, lo].into_iter();
        let mut next = want.next();
        let mut start = cur.start;
        for s in self.history[..self.n_history].iter().rev() {
            let Some(w) = next else { break };
            if s.tok.is_none() && s.len <= block {
                continue;
            }
            if s.tok != Some(w) || s.len < min || s.len > max {
                return;
            }
            start = s.start;
            next = want.next();
        }
        if next.is_none() {
            self.detected(None, ToneKind::Sit, start, now, now);
        }
    }

    fn detected(
        &mut self,
        cad: Option<Cadence>,
        kind: ToneKind,
        start: u64,
        now: u64,
        last_on_end: u64,
    ) {
        self.active = Some(Active {
            cad,
            kind,
            start,
            last_on_end,
        });
        self.events.push(ToneEvent::Detected {
            tone: kind,
            start_sample: start,
            at_sample: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_are_valid() {
        for p in [&CHINA, &ETSI, &NORTH_AMERICA] {
            assert!(ToneDetector::for_profile(p).is_ok(), "{:?}", p.country);
        }
    }

    #[test]
    fn bad_profiles_are_errors() {
        let mut p = ETSI;
        p.block = 0;
        assert_eq!(
            ToneDetector::for_profile(&p).err(),
            Some(ProfileError::BlockLength)
        );
        static ZERO: [ToneSpec; 1] = [ToneSpec {
            kind: ToneKind::Busy,
            segments: &[on(0.0, 500), off(500)],
            level_dbm0: -10.0,
        }];
        p = ETSI;
        p.tones = &ZERO;
        assert_eq!(
            ToneDetector::for_profile(&p).err(),
            Some(ProfileError::Frequency)
        );
        macro_rules! busy_at {
            ($f:expr) => {
                ToneSpec {
                    kind: ToneKind::Busy,
                    segments: &[on($f, 500), off(500)],
                    level_dbm0: -10.0,
                }
            };
        }
        static MANY: [ToneSpec; 6] = [
            busy_at!(300.0),
            busy_at!(310.0),
            busy_at!(320.0),
            busy_at!(330.0),
            busy_at!(340.0),
            busy_at!(350.0),
        ];
        p.tones = &MANY;
        assert_eq!(
            ToneDetector::for_profile(&p).err(),
            Some(ProfileError::TooManyFrequencies)
        );
    }

    #[test]
    fn profiles_fit_the_fixed_arrays() {
        for c in [Country::China, Country::Etsi, Country::NorthAmerica] {
            let d = ToneDetector::new(c);
            assert!(d.n_bins <= MAX_BINS);
            assert_eq!(d.cadences.iter().flatten().count(), 4, "{c:?}");
            assert_eq!(usize::from(d.sit_sets[0]) + 3, d.n_sets);
        }
    }

    #[test]
    fn dial_outlasts_ringback_on_time() {
        let d = ToneDetector::new(Country::China);
        let dial = d
            .cadences
            .iter()
            .flatten()
            .find(|c| c.kind == ToneKind::Dial)
            .expect("dial");
        assert_eq!(
            dial.pattern,
            Pattern::Continuous {
                min_samples: (1200 + 200) * 8
            }
        );
    }

    #[test]
    fn tolerance_has_a_floor() {
        assert_eq!(tol(1000), (800 * 8, 1200 * 8));
        assert_eq!(tol(100), (60 * 8, 140 * 8));
    }
}
