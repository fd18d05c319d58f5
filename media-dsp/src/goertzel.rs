//! Goertzel single-bin DFT energy detector, the building block of tone detection.
//!
//! **What it does.** Measures the energy of one frequency over a block of N samples at a
//! cost of one multiply-add per sample.
//!
//! **How it works.** Second-order resonator `v[n] = x[n] + 2cos(ω)·v[n-1] − v[n-2]`; after N
//! samples the squared magnitude is `v1² + v2² − 2cos(ω)·v1·v2`. Callers choose N to fit
//! the tones they must tell apart (spandsp's DTMF uses 102, Asterisk's call progress 183).

/// Precomputed coefficient for one frequency at 8 kHz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoertzelCoeff {
    /// `2·cos(2π·f/fs)`.
    pub k: f32,
}

impl GoertzelCoeff {
    /// Coefficient for `freq_hz` at an 8 kHz sampling rate.
    #[must_use]
    pub fn new(freq_hz: f32) -> Self {
        Self::with_rate(freq_hz, 8000.0)
    }

    /// Coefficient for `freq_hz` at `rate_hz`.
    #[must_use]
    pub fn with_rate(freq_hz: f32, rate_hz: f32) -> Self {
        Self {
            k: 2.0 * libm::cosf(2.0 * core::f32::consts::PI * freq_hz / rate_hz),
        }
    }
}

/// Running Goertzel state for one frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goertzel {
    coeff: GoertzelCoeff,
    v1: f32,
    v2: f32,
}

impl Goertzel {
    /// A fresh filter for `coeff`.
    #[must_use]
    pub fn new(coeff: GoertzelCoeff) -> Self {
        Self {
            coeff,
            v1: 0.0,
            v2: 0.0,
        }
    }

    /// Feeds one sample.
    #[inline]
    pub fn push(&mut self, x: f32) {
        let v = x + self.coeff.k * self.v1 - self.v2;
        self.v2 = self.v1;
        self.v1 = v;
    }

    /// Feeds a block of samples.
    #[inline]
    pub fn update(&mut self, samples: &[i16]) {
        for &s in samples {
            self.push(f32::from(s));
        }
    }

    /// Squared magnitude of the bin over the samples pushed since the last reset.
    /// A sine of amplitude A over N samples (on the bin centre) gives about `(A·N/2)²`.
    #[must_use]
    pub fn energy(&self) -> f32 {
        self.v1 * self.v1 + self.v2 * self.v2 - self.coeff.k * self.v1 * self.v2
    }

    /// Returns the energy and resets for the next block.
    pub fn finish(&mut self) -> f32 {
        let e = self.energy();
        self.v1 = 0.0;
        self.v2 = 0.0;
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_peaks_on_its_frequency() {
        let n = 205;
        let tone = |f: f32| -> [i16; 205] {
            core::array::from_fn(|i| {
                (10_000.0 * libm::sinf(2.0 * core::f32::consts::PI * f * i as f32 / 8000.0)) as i16
            })
        };
        let mut g = Goertzel::new(GoertzelCoeff::new(697.0));
        g.update(&tone(697.0));
        let on = g.finish();
        g.update(&tone(1209.0));
        let off = g.finish();
        let expected = (10_000.0 * n as f32 / 2.0) * (10_000.0 * n as f32 / 2.0);
        assert!(
            (on / expected - 1.0).abs() < 0.05,
            "on {on} expected {expected}"
        );
        assert!(off < on / 1000.0, "off {off}");
    }
}
