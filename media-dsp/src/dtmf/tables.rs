//! Compile-time tables of the DTMF detector: the windowed DFT kernels for every position in
//! a hop, the window's frequency response and its cumulative weight. Built by `const fn`s
//! from first principles (a Taylor-series sine in `f64`), so there is no hand-typed number
//! to get wrong and nothing is computed at run time.

/// Sampling rate.
pub(crate) const RATE: f64 = 8000.0;
/// Window length in samples (10 ms).
pub(crate) const WIN: usize = 80;
/// Hop between windows in samples (5 ms): windows overlap by half.
pub(crate) const HOP: usize = 40;
/// Bins analysed on every window: the 8 DTMF frequencies.
pub(crate) const BINS: usize = 8;
/// Lanes per window: real parts of the bins, then imaginary parts.
pub(crate) const LANES: usize = 2 * BINS;
/// Lanes per sample: the window that started this hop, then the one that started a hop ago.
pub(crate) const ALL_LANES: usize = 2 * LANES;

/// Centre frequencies of the DTMF bins, Hz.
pub(crate) const FREQS: [f64; BINS] = [697.0, 770.0, 852.0, 941.0, 1209.0, 1336.0, 1477.0, 1633.0];
/// Dial-tone bins, analysed only when a check needs them, Hz.
pub(crate) const DIAL_FREQS: [f64; 2] = [350.0, 440.0];

/// Sum of the window weights, `Σw = WIN/2` for the Hann window used here.
pub(crate) const WIN_SUM: f32 = 40.0;

/// Largest frequency offset covered by [`GAIN`], Hz.
pub(crate) const GAIN_SPAN_HZ: usize = 400;

const PI: f64 = core::f64::consts::PI;

/// Sine by range reduction to [−π, π] and a Taylor series (error below 1e-15).
const fn sin(x: f64) -> f64 {
    let two_pi = 2.0 * PI;
    let k = (x / two_pi) as i64;
    let mut r = x - k as f64 * two_pi;
    if r > PI {
        r -= two_pi;
    }
    if r < -PI {
        r += two_pi;
    }
    let r2 = r * r;
    let mut term = r;
    let mut sum = r;
    let mut i = 1;
    while i < 16 {
        term *= -r2 / ((2 * i) as f64 * (2 * i + 1) as f64);
        sum += term;
        i += 1;
    }
    sum
}

const fn cos(x: f64) -> f64 {
    sin(x + PI / 2.0)
}

/// Window weight at position `n`: `sin²(π(n+½)/WIN)`, a Hann window sampled symmetrically,
/// so that two windows a hop apart sum to exactly one (constant overlap-add).
const fn window(n: usize) -> f64 {
    let s = sin(PI * (n as f64 + 0.5) / WIN as f64);
    s * s
}

/// Per hop position `q`: lanes `0..LANES` hold `w[q]·e^{−jω_k(q−c)}` (real parts of the 8
/// bins, then imaginary parts) for the window that began at the start of this hop; lanes
/// `LANES..` hold the same at window position `q + HOP` for the window that began one hop
/// earlier. The phase reference `c` is the window centre, so a steady tone's spectrum is
/// `(A/2)·e^{jφ}·Σw·g(f − f_k)` with `g` real ([`GAIN`]).
pub(crate) static KERNEL: [[f32; ALL_LANES]; HOP] = build_kernel();

const fn build_kernel() -> [[f32; ALL_LANES]; HOP] {
    let mut t = [[0.0f32; ALL_LANES]; HOP];
    let centre = (WIN as f64 - 1.0) / 2.0;
    let mut q = 0;
    while q < HOP {
        let mut half = 0;
        while half < 2 {
            // half 0: window position q (window started this hop); half 1: q + HOP.
            let pos = q + half * HOP;
            let w = window(pos);
            let mut k = 0;
            while k < BINS {
                let ph = 2.0 * PI * FREQS[k] / RATE * (pos as f64 - centre);
                t[q][half * LANES + k] = (w * cos(ph)) as f32;
                t[q][half * LANES + BINS + k] = (-w * sin(ph)) as f32;
                k += 1;
            }
            half += 1;
        }
        q += 1;
    }
    t
}

/// The dial-tone bins' kernels, lane by lane over the window positions n: `w[n]·cos(ω(n−c))`
/// for 350 and 440 Hz, then `−w[n]·sin(ω(n−c))` for both (so each lane is a dot product
/// with the window's samples).
pub(crate) static DIAL_KERNEL: [[f32; WIN]; 4] = build_dial_kernel();

const fn build_dial_kernel() -> [[f32; WIN]; 4] {
    let mut t = [[0.0f32; WIN]; 4];
    let centre = (WIN as f64 - 1.0) / 2.0;
    let mut n = 0;
    while n < WIN {
        let w = window(n);
        let mut k = 0;
        while k < 2 {
            let ph = 2.0 * PI * DIAL_FREQS[k] / RATE * (n as f64 - centre);
            t[k][n] = (w * cos(ph)) as f32;
            t[2 + k][n] = (-w * sin(ph)) as f32;
            k += 1;
        }
        n += 1;
    }
    t
}

/// `GAIN[d]`: the window's normalised response `Σ w[n]·cos(2πd(n−c)/RATE) / Σw` to a tone
/// `d` Hz from a bin centre, for d = 0..=GAIN_SPAN_HZ (it is even in d).
pub(crate) static GAIN: [f32; GAIN_SPAN_HZ + 1] = build_gain();

const fn build_gain() -> [f32; GAIN_SPAN_HZ + 1] {
    let mut g = [0.0f32; GAIN_SPAN_HZ + 1];
    let mut d = 0;
    while d <= GAIN_SPAN_HZ {
        let a = 2.0 * PI * d as f64 / RATE;
        // Symmetric window: Σ over n of w[n]cos(a(n−c)) = 2·Σ_{m<WIN/2} w[WIN/2+m]·cos(a(m+½)).
        // cos(a(m+½)) by the Chebyshev recurrence from cos(a/2) and cos(3a/2).
        let c1 = cos(a);
        let mut prev = cos(0.5 * a); // m = 0
        let mut cur = cos(1.5 * a); // m = 1
        let mut sum = window(WIN / 2) * prev + window(WIN / 2 + 1) * cur;
        let mut m = 2;
        while m < WIN / 2 {
            let next = 2.0 * c1 * cur - prev;
            prev = cur;
            cur = next;
            sum += window(WIN / 2 + m) * cur;
            m += 1;
        }
        g[d] = (2.0 * sum / WIN_SUM as f64) as f32;
        d += 1;
    }
    g
}

/// `TAIL[k]`: fraction of the window's weight in positions `k..WIN`, for k = 0..=WIN. A tone
/// that starts at window position k shows `TAIL[k]` of its full magnitude in that window.
pub(crate) static TAIL: [f32; WIN + 1] = build_tail();

const fn build_tail() -> [f32; WIN + 1] {
    let mut t = [0.0f32; WIN + 1];
    let mut acc = 0.0;
    let mut k = WIN;
    while k > 0 {
        k -= 1;
        acc += window(k);
        t[k] = (acc / WIN_SUM as f64) as f32;
    }
    t
}

/// Window weights of the first half, `w[q]` for q in 0..HOP. The second half's weight at
/// q + HOP is `1 − w[q]` (the window overlap-adds to one).
pub(crate) static WEIGHT: [f32; HOP] = build_weight();

const fn build_weight() -> [f32; HOP] {
    let mut t = [0.0f32; HOP];
    let mut q = 0;
    while q < HOP {
        t[q] = window(q) as f32;
        q += 1;
    }
    t
}

/// `e^{−jω_k·HOP}` per bin as (re, im): the phase a bin-centred tone advances in one hop.
pub(crate) static HOP_ROTATION: [(f32, f32); BINS] = build_rotation();

const fn build_rotation() -> [(f32, f32); BINS] {
    let mut r = [(0.0f32, 0.0f32); BINS];
    let mut k = 0;
    while k < BINS {
        let ph = 2.0 * PI * FREQS[k] / RATE * HOP as f64;
        r[k] = (cos(ph) as f32, -sin(ph) as f32);
        k += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_sine_matches_libm() {
        for i in -200..200 {
            let x = f64::from(i) * 0.173;
            assert!((sin(x) - libm::sin(x)).abs() < 1e-12, "sin({x})");
            assert!((cos(x) - libm::cos(x)).abs() < 1e-12, "cos({x})");
        }
    }

    #[test]
    fn window_overlap_adds_to_one_and_sums_to_half_length() {
        let mut total = 0.0;
        for n in 0..HOP {
            assert!((window(n) + window(n + HOP) - 1.0).abs() < 1e-12);
            total += window(n) + window(n + HOP);
        }
        assert!((total - f64::from(WIN_SUM)).abs() < 1e-9);
        assert!((TAIL[0] - 1.0).abs() < 1e-6 && TAIL[WIN] == 0.0);
        assert!((TAIL[HOP] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn gain_is_one_on_centre_and_follows_the_hann_shape() {
        assert!((GAIN[0] - 1.0).abs() < 1e-6);
        // Continuous Hann: sinc(x)/(1−x²) with x in bins of RATE/WIN = 100 Hz.
        for d in [10usize, 25, 50, 73, 120, 250] {
            let x = d as f64 / 100.0;
            let cont = libm::sin(PI * x) / (PI * x) / (1.0 - x * x);
            assert!((f64::from(GAIN[d]) - cont).abs() < 0.01, "d={d}");
        }
    }

    #[test]
    fn kernel_measures_a_centred_tone() {
        // A tone on bin 2 (852 Hz): |X| = A·Σw/2 in the window that starts at a hop boundary.
        let a = 1000.0f64;
        let mut re = [0.0f64; BINS];
        let mut im = [0.0f64; BINS];
        for n in 0..WIN {
            let x = a * libm::cos(2.0 * PI * 852.0 * n as f64 / RATE);
            let (q, half) = if n < HOP { (n, 0) } else { (n - HOP, 1) };
            let row = &KERNEL[q][half * LANES..];
            for k in 0..BINS {
                re[k] += x * f64::from(row[k]);
                im[k] += x * f64::from(row[BINS + k]);
            }
        }
        let mag = libm::sqrt(re[2] * re[2] + im[2] * im[2]);
        assert!(
            (mag / (a * f64::from(WIN_SUM) / 2.0) - 1.0).abs() < 1e-3,
            "{mag}"
        );
        let off = libm::sqrt(re[0] * re[0] + im[0] * im[0]);
        assert!(off < mag * 0.2, "697 bin sees {off} of {mag}");
    }
}
