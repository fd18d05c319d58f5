//! Deterministic noise sources: a small seeded PRNG with uniform and Gaussian outputs.
//!
//! Used for comfort-noise generation (echo canceller NLP), for dither, and by tests and
//! benchmarks that need reproducible white noise. Not cryptographic.

/// A seeded xoshiro128++ generator (Blackman & Vigna): 16 bytes of state, fast, good enough
/// statistics for audio noise.
#[derive(Debug, Clone)]
pub struct Noise {
    s: [u32; 4],
    spare: Option<f32>,
}

impl Noise {
    /// A generator seeded from `seed` (SplitMix64 expansion, so any seed, even 0, is fine).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x ^ (x >> 31)
        };
        let a = next();
        let b = next();
        Self {
            s: [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32],
            spare: None,
        }
    }

    /// The next 32 random bits.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(7).wrapping_add(s[0]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }

    /// Uniform in [-1, 1).
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (2.0 / 16_777_216.0) - 1.0
    }

    /// Standard normal (mean 0, variance 1), by the polar Box–Muller method.
    pub fn gaussian(&mut self) -> f32 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        loop {
            let u = self.uniform();
            let v = self.uniform();
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let m = libm::sqrtf(-2.0 * libm::logf(s) / s);
                self.spare = Some(v * m);
                return u * m;
            }
        }
    }

    /// Adds white Gaussian noise of RMS `rms` to `samples`, saturating.
    pub fn add_white(&mut self, samples: &mut [i16], rms: f32) {
        for s in samples {
            *s = crate::level::saturate(f32::from(*s) + self.gaussian() * rms);
        }
    }

    /// Fills `samples` with white Gaussian noise of RMS `rms`, saturating.
    pub fn fill_white(&mut self, samples: &mut [i16], rms: f32) {
        for s in samples {
            *s = crate::level::saturate(self.gaussian() * rms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_has_unit_variance_and_zero_mean() {
        let mut n = Noise::new(1);
        let count = 200_000;
        let (mut sum, mut sq) = (0.0f64, 0.0f64);
        for _ in 0..count {
            let g = f64::from(n.gaussian());
            sum += g;
            sq += g * g;
        }
        let mean = sum / f64::from(count);
        let var = sq / f64::from(count) - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = Noise::new(42);
        let mut b = Noise::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u32(), b.next_u32());
        }
        assert_ne!(Noise::new(1).next_u32(), Noise::new(2).next_u32());
    }
}
