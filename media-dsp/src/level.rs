//! Signal levels in dBm0 and conversions between dBm0, amplitude and power.
//!
//! **Convention.** As in G.711 practice (and spandsp), the largest sine a G.711 channel
//! carries is +3.14 dBm0, so a 0 dBm0 sine has a peak of `32767 · 10^(-3.14/20)` ≈ 22,826 and
//! an RMS of ≈ 16,140. Levels of other signals are RMS levels on the same scale.

/// Level of a full-scale sine (peak 32767), in dBm0 (G.711: +3.14 dBm0; not π).
#[allow(clippy::approx_constant)]
pub const FULL_SCALE_SINE_DBM0: f32 = 3.14;

/// RMS value of a 0 dBm0 signal on a 16-bit linear scale.
pub const DBM0_RMS: f32 = 16_140.4;

/// Peak amplitude of a sine at `dbm0`.
#[must_use]
pub fn sine_peak(dbm0: f32) -> f32 {
    32_767.0 * libm::powf(10.0, (dbm0 - FULL_SCALE_SINE_DBM0) / 20.0)
}

/// RMS amplitude of a signal at `dbm0`.
#[must_use]
pub fn rms_for_dbm0(dbm0: f32) -> f32 {
    DBM0_RMS * libm::powf(10.0, dbm0 / 20.0)
}

/// Level in dBm0 of a signal with mean power `power` (mean of squared 16-bit samples).
/// Returns `f32::NEG_INFINITY` for silence.
#[must_use]
pub fn power_to_dbm0(power: f32) -> f32 {
    if power <= 0.0 {
        return f32::NEG_INFINITY;
    }
    10.0 * libm::log10f(power / (DBM0_RMS * DBM0_RMS))
}

/// Mean power (mean of squares) of a block of samples; 0 for an empty block.
#[must_use]
pub fn mean_power(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64) as f32
}

/// Level in dBm0 of a block of samples.
#[must_use]
pub fn dbm0(samples: &[i16]) -> f32 {
    power_to_dbm0(mean_power(samples))
}

/// Converts decibels to a linear amplitude ratio.
#[must_use]
pub fn db_to_ratio(db: f32) -> f32 {
    libm::powf(10.0, db / 20.0)
}

/// Saturates a float sample into the 16-bit range.
#[inline]
#[must_use]
pub fn saturate(x: f32) -> i16 {
    // `as` from f32 saturates and maps NaN to 0 in Rust.
    libm::roundf(x) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_dbm0_sine_measures_zero_dbm0() {
        let peak = sine_peak(0.0);
        assert!((peak - 22_826.0).abs() < 2.0, "peak {peak}");
        let s: [i16; 8000] = core::array::from_fn(|n| {
            saturate(peak * libm::sinf(2.0 * core::f32::consts::PI * 1004.0 * n as f32 / 8000.0))
        });
        assert!(dbm0(&s).abs() < 0.05, "{}", dbm0(&s));
        assert!((rms_for_dbm0(-10.0) - DBM0_RMS / libm::sqrtf(10.0)).abs() < 1.0);
    }

    #[test]
    fn silence_is_minus_infinity() {
        assert_eq!(dbm0(&[0; 16]), f32::NEG_INFINITY);
        assert_eq!(dbm0(&[]), f32::NEG_INFINITY);
    }
}
