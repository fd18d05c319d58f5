//! DTMF generation: dual tones at exact frequencies, chosen levels and twist, on/off timing.

use super::{Digit, DtmfError};
use crate::level::{FULL_SCALE_SINE_DBM0, saturate, sine_peak};

/// Samples per millisecond at 8 kHz.
const PER_MS: u32 = 8;

/// Two sines summed, phase 0 at sample index 0 and computed from the absolute index (in
/// `f64`), so any stretch of the signal can be produced independently and exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualTone {
    f_low: f64,
    amp_low: f64,
    f_high: f64,
    amp_high: f64,
}

impl DualTone {
    /// A dual tone of `f_low` Hz at `level_low_dbm0` and `f_high` Hz at `level_high_dbm0`
    /// (each level is that tone's own, as a sine on the [`crate::level`] scale).
    #[must_use]
    pub fn new(f_low: f32, level_low_dbm0: f32, f_high: f32, level_high_dbm0: f32) -> Self {
        Self {
            f_low: f64::from(f_low),
            amp_low: f64::from(sine_peak(level_low_dbm0)),
            f_high: f64::from(f_high),
            amp_high: f64::from(sine_peak(level_high_dbm0)),
        }
    }

    /// The digit's nominal tones: low tone at `level_dbm0`, high tone at `level_dbm0 + twist_db`.
    #[must_use]
    pub fn digit(digit: Digit, level_dbm0: f32, twist_db: f32) -> Self {
        let (lo, hi) = digit.freqs();
        Self::new(lo, level_dbm0, hi, level_dbm0 + twist_db)
    }

    /// The largest absolute value the tone reaches (sum of the two peaks).
    #[must_use]
    pub fn peak(&self) -> f32 {
        (self.amp_low + self.amp_high) as f32
    }

    /// The value at absolute sample index `n`, unrounded.
    #[must_use]
    pub fn at(&self, n: u64) -> f32 {
        let t = n as f64 / 8000.0;
        let ph = |f: f64| 2.0 * core::f64::consts::PI * libm::fmod(f * t, 1.0);
        (self.amp_low * libm::sin(ph(self.f_low)) + self.amp_high * libm::sin(ph(self.f_high)))
            as f32
    }

    /// Writes samples `first..first + out.len()` of the tone into `out` (rounded, saturated).
    pub fn write(&self, out: &mut [i16], first: u64) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = saturate(self.at(first + i as u64));
        }
    }

    /// Adds samples `first..first + out.len()` of the tone onto `out` (saturating).
    pub fn add(&self, out: &mut [i16], first: u64) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = saturate(f32::from(*o) + self.at(first + i as u64));
        }
    }
}

/// Generator settings. The defaults are common network practice: −10 dBm0 per tone, no
/// twist, 100 ms of tone and 100 ms of silence per digit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeneratorConfig {
    /// Level of the low-group tone, dBm0.
    pub level_dbm0: f32,
    /// Level of the high-group tone relative to the low-group tone, dB: positive sends the
    /// high tone louder (what the network sees as reverse twist), negative sends it softer.
    pub twist_db: f32,
    /// Tone-on time per digit, ms (at least 1).
    pub on_ms: u32,
    /// Silence after each digit, ms.
    pub off_ms: u32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            level_dbm0: -10.0,
            twist_db: 0.0,
            on_ms: 100,
            off_ms: 100,
        }
    }
}

impl GeneratorConfig {
    /// Checks the settings: levels from −60 dBm0 up to what fits in 16 bits without
    /// clipping, twist within ±20 dB, on time 1 ms to 60 s, off time up to 60 s.
    ///
    /// # Errors
    /// [`DtmfError::Generator`] naming the setting.
    pub fn validate(&self) -> Result<(), DtmfError> {
        let ok = |v: f32, lo: f32, hi: f32| v.is_finite() && (lo..=hi).contains(&v);
        if !ok(self.level_dbm0, -60.0, FULL_SCALE_SINE_DBM0) {
            return Err(DtmfError::Generator(
                "level must be between -60 and +3 dBm0",
            ));
        }
        if !ok(self.twist_db, -20.0, 20.0) {
            return Err(DtmfError::Generator("twist must be within ±20 dB"));
        }
        if !ok(self.level_dbm0 + self.twist_db, -60.0, FULL_SCALE_SINE_DBM0) {
            return Err(DtmfError::Generator(
                "high-group level (level + twist) must be between -60 and +3 dBm0",
            ));
        }
        if sine_peak(self.level_dbm0) + sine_peak(self.level_dbm0 + self.twist_db) > 32_767.0 {
            return Err(DtmfError::Generator(
                "the two tones together would clip 16-bit samples: lower the level",
            ));
        }
        if !(1..=60_000).contains(&self.on_ms) {
            return Err(DtmfError::Generator("on time must be 1 to 60000 ms"));
        }
        if self.off_ms > 60_000 {
            return Err(DtmfError::Generator("off time must be at most 60000 ms"));
        }
        Ok(())
    }

    fn on_samples(&self) -> u32 {
        self.on_ms * PER_MS
    }

    fn off_samples(&self) -> u32 {
        self.off_ms * PER_MS
    }
}

/// Streaming DTMF sender: [`start`](Self::start) a digit, then [`fill`](Self::fill) output
/// blocks of any size until it returns less than asked (tone then silence, then idle).
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    cfg: GeneratorConfig,
    tone: Option<DualTone>,
    pos: u32,
}

impl DtmfGenerator {
    /// A generator with `cfg`.
    ///
    /// # Errors
    /// As [`GeneratorConfig::validate`].
    pub fn new(cfg: GeneratorConfig) -> Result<Self, DtmfError> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            tone: None,
            pos: 0,
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &GeneratorConfig {
        &self.cfg
    }

    /// Starts sending `digit` (abandoning any digit still in progress).
    pub fn start(&mut self, digit: Digit) {
        self.tone = Some(DualTone::digit(
            digit,
            self.cfg.level_dbm0,
            self.cfg.twist_db,
        ));
        self.pos = 0;
    }

    /// True when no digit is in progress (its tone and silence are both sent).
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.tone.is_none()
    }

    /// Writes the next samples of the digit in progress into `out` and returns how many it
    /// wrote: `out.len()` while the digit lasts, fewer when it finishes, 0 when idle.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let Some(tone) = self.tone else {
            return 0;
        };
        let (on, total) = (
            self.cfg.on_samples(),
            self.cfg.on_samples() + self.cfg.off_samples(),
        );
        let n = out.len().min((total - self.pos) as usize);
        for (i, o) in out[..n].iter_mut().enumerate() {
            let p = self.pos + i as u32;
            *o = if p < on {
                saturate(tone.at(u64::from(p)))
            } else {
                0
            };
        }
        self.pos += n as u32;
        if self.pos == total {
            self.tone = None;
        }
        n
    }
}

/// Samples [`generate`] writes for `count` digits.
#[must_use]
pub fn generated_len(count: usize, cfg: &GeneratorConfig) -> usize {
    count * (cfg.on_samples() + cfg.off_samples()) as usize
}

/// Writes `digits` (each: tone, then silence) into the start of `out` and returns the number
/// of samples written, [`generated_len`]`(digits.len(), cfg)`.
///
/// # Errors
/// As [`GeneratorConfig::validate`], or [`DtmfError::Generator`] if `out` is too short.
pub fn generate(
    digits: &[Digit],
    cfg: &GeneratorConfig,
    out: &mut [i16],
) -> Result<usize, DtmfError> {
    let mut g = DtmfGenerator::new(*cfg)?;
    let need = generated_len(digits.len(), cfg);
    if out.len() < need {
        return Err(DtmfError::Generator("output buffer too short"));
    }
    let mut at = 0;
    for &d in digits {
        g.start(d);
        at += g.fill(&mut out[at..need]);
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goertzel::{Goertzel, GoertzelCoeff};

    #[test]
    fn digit_tones_have_the_requested_levels() {
        let cfg = GeneratorConfig {
            level_dbm0: -7.0,
            twist_db: 2.0,
            on_ms: 250,
            off_ms: 50,
        };
        let d = Digit::from_char('9').unwrap();
        let mut out = vec![0i16; generated_len(1, &cfg)];
        assert_eq!(generate(&[d], &cfg, &mut out), Ok(2400));
        // 2000 samples of tone: both frequencies fall on whole Goertzel bins over 2000.
        let level = |f: f32| {
            let mut g = Goertzel::new(GoertzelCoeff::new(f));
            g.update(&out[..2000]);
            let amp = 2.0 * libm::sqrtf(g.finish()) / 2000.0;
            20.0 * libm::log10f(amp / sine_peak(0.0))
        };
        assert!((level(852.0) + 7.0).abs() < 0.05, "{}", level(852.0));
        assert!((level(1477.0) + 5.0).abs() < 0.05, "{}", level(1477.0));
        assert!(out[2000..].iter().all(|&s| s == 0));
    }

    #[test]
    fn streaming_fill_matches_one_shot() {
        let cfg = GeneratorConfig {
            on_ms: 41,
            off_ms: 13,
            ..GeneratorConfig::default()
        };
        let digits: Vec<Digit> = Digit::ALL.to_vec();
        let mut whole = vec![0i16; generated_len(16, &cfg)];
        generate(&digits, &cfg, &mut whole).unwrap();
        let mut g = DtmfGenerator::new(cfg).unwrap();
        let mut pieces = Vec::new();
        for &d in &digits {
            g.start(d);
            let mut buf = [0i16; 7];
            loop {
                let n = g.fill(&mut buf);
                pieces.extend_from_slice(&buf[..n]);
                if n < buf.len() {
                    break;
                }
            }
            assert!(g.is_idle());
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn bad_settings_are_refused() {
        let bad = |f: fn(&mut GeneratorConfig)| {
            let mut c = GeneratorConfig::default();
            f(&mut c);
            DtmfGenerator::new(c).is_err()
        };
        assert!(bad(|c| c.level_dbm0 = 5.0));
        assert!(bad(|c| c.level_dbm0 = f32::NAN));
        assert!(bad(|c| c.level_dbm0 = 0.0)); // two 0 dBm0 tones clip
        assert!(bad(|c| c.on_ms = 0));
        assert!(bad(|c| c.twist_db = 30.0));
        assert!(!bad(|c| c.level_dbm0 = -3.5));
    }
}
