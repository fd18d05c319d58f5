//! Packet-loss concealment quality and safety: voiced speech-like signals with a slowly
//! varying pitch, lost 10 ms and 20 ms frames, long bursts, and arbitrary loss patterns.

use media_dsp::plc::Plc;
use proptest::prelude::*;

/// A voiced, speech-like signal: 12 harmonics with a falling spectrum (about −6 dB per
/// octave plus a formant bump near 700 Hz) on a pitch gliding between `f_lo` and `f_hi`
/// Hz over 1.3 s, with a slow amplitude envelope.
fn voiced(len: usize, f_lo: f32, f_hi: f32) -> Vec<i16> {
    let mut phase = 0.0f32;
    (0..len)
        .map(|n| {
            let t = n as f32 / 8000.0;
            let f0 = f_lo
                + (f_hi - f_lo) * 0.5 * (1.0 - libm::cosf(2.0 * core::f32::consts::PI * t / 1.3));
            phase += 2.0 * core::f32::consts::PI * f0 / 8000.0;
            let mut x = 0.0;
            for k in 1..=12 {
                let f = k as f32 * f0;
                if f > 3600.0 {
                    break;
                }
                let formant =
                    1.0 + 2.0 * libm::expf(-((f - 700.0) / 250.0) * ((f - 700.0) / 250.0));
                x += formant / k as f32 * libm::sinf(k as f32 * phase);
            }
            let env = 0.75 + 0.25 * libm::sinf(2.0 * core::f32::consts::PI * 3.0 * t);
            media_dsp::level::saturate(3500.0 * env * x)
        })
        .collect()
}

/// Runs `x` through the concealment in frames of `frame` samples, losing the frames for
/// which `lost(i)` holds; returns the output.
fn conceal(x: &[i16], frame: usize, lost: impl Fn(usize) -> bool) -> Vec<i16> {
    let mut plc = Plc::new();
    let mut out = x.to_vec();
    for (i, f) in out.chunks_mut(frame).enumerate() {
        if lost(i) {
            plc.lost_frame(f);
        } else {
            plc.good_frame(f);
        }
    }
    out
}

/// Repeats the last received frame for each lost one (the naive baseline).
fn repeat_last(x: &[i16], frame: usize, lost: impl Fn(usize) -> bool) -> Vec<i16> {
    let mut out = x.to_vec();
    let mut last = vec![0i16; frame];
    for (i, f) in out.chunks_mut(frame).enumerate() {
        if lost(i) {
            f.copy_from_slice(&last[..f.len()]);
        } else {
            last[..f.len()].copy_from_slice(f);
        }
    }
    out
}

/// SNR in dB of `y` against `truth` over the lost frames only.
fn snr_lost(truth: &[i16], y: &[i16], frame: usize, lost: impl Fn(usize) -> bool) -> f64 {
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    for (i, (t, y)) in truth.chunks(frame).zip(y.chunks(frame)).enumerate() {
        if lost(i) {
            for (&a, &b) in t.iter().zip(y) {
                sig += f64::from(a) * f64::from(a);
                err += (f64::from(a) - f64::from(b)).powi(2);
            }
        }
    }
    10.0 * (sig / err.max(1.0)).log10()
}

fn max_step(x: &[i16]) -> i32 {
    x.windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap_or(0)
}

/// One frame lost in every `every`, from frame 6 on (so there is history).
fn periodic(every: usize) -> impl Fn(usize) -> bool {
    move |i| i >= 6 && i % every == 3
}

#[test]
fn concealment_beats_silence_and_repetition_on_voiced_speech() {
    for (f_lo, f_hi) in [(95.0, 130.0), (180.0, 240.0)] {
        let x = voiced(8000 * 6, f_lo, f_hi);
        for frame in [80, 160] {
            let lost = periodic(7);
            let ours = snr_lost(&x, &conceal(&x, frame, &lost), frame, &lost);
            let rep = snr_lost(&x, &repeat_last(&x, frame, &lost), frame, &lost);
            // Silence substitution scores 0 dB by definition.
            eprintln!(
                "pitch {f_lo}-{f_hi} Hz, {frame}-sample frames: ours {ours:.1} dB, repetition {rep:.1} dB"
            );
            let (min, margin) = if frame == 80 { (6.0, 6.0) } else { (3.0, 3.0) };
            assert!(ours > min, "{frame}: ours {ours:.1} dB vs silence 0 dB");
            assert!(
                ours > rep + margin,
                "{frame}: ours {ours:.1} dB vs repetition {rep:.1} dB"
            );
        }
    }
}

#[test]
fn no_click_at_either_boundary() {
    let x = voiced(8000 * 3, 100.0, 140.0);
    let natural = max_step(&x);
    for frame in [80, 160] {
        for every in [5, 7, 11] {
            let lost = periodic(every);
            let y = conceal(&x, frame, &lost);
            for i in (0..x.len() / frame).filter(|&i| lost(i)) {
                // From the last good sample before the loss to the end of the merge after it.
                let span = &y[i * frame - 1..((i + 1) * frame + frame).min(y.len())];
                assert!(
                    max_step(span) <= natural * 3 / 2,
                    "frame {frame}, loss at {i}: step {} vs natural {natural}",
                    max_step(span)
                );
            }
        }
    }
}

fn power(x: &[i16]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len() as f64
}

#[test]
fn long_bursts_fade_to_silence_after_60_ms_and_merge_smoothly() {
    let x = voiced(8000 * 2, 110.0, 150.0);
    let natural = max_step(&x);
    for frame in [80, 160] {
        // 120 ms lost starting at 400 ms.
        let (first, count) = (3200 / frame, 960 / frame);
        let lost = |i: usize| i >= first && i < first + count;
        let y = conceal(&x, frame, lost);
        let start = first * frame;
        let blocks: Vec<f64> = (0..12)
            .map(|b| power(&y[start + 80 * b..start + 80 * (b + 1)]))
            .collect();
        let reference = power(&x[start - 160..start]);
        assert!(
            blocks[0] > 0.5 * reference,
            "{frame}: first 10 ms kept: {blocks:?}"
        );
        for b in 1..6 {
            assert!(blocks[b] < blocks[b - 1], "{frame}: fading {blocks:?}");
        }
        assert!(
            blocks[5] < 0.05 * reference,
            "{frame}: nearly silent by 60 ms: {blocks:?}"
        );
        assert!(
            y[start + 480..start + 960].iter().all(|&s| s == 0),
            "{frame}: silent after 60 ms"
        );
        let end = start + 960;
        assert!(
            max_step(&y[end - 1..end + frame]) <= natural,
            "{frame}: merge after silence"
        );
        // The good frames after the merge are untouched.
        assert_eq!(y[end + frame..], x[end + frame..]);
    }
}

#[test]
fn good_frames_without_loss_pass_unchanged() {
    let x = voiced(4000, 120.0, 130.0);
    assert_eq!(conceal(&x, 80, |_| false), x);
    assert_eq!(conceal(&x, 160, |_| false), x);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn never_panics_and_stays_bounded(
        x in proptest::collection::vec(any::<i16>(), 0..3000),
        frames in proptest::collection::vec((1usize..=200, any::<bool>()), 1..60),
    ) {
        let mut plc = Plc::new();
        let mut pos = 0;
        let mut max_seen: i32 = 0;
        let mut lost_run = 0;
        for (len, lost) in frames {
            let end = (pos + len).min(x.len());
            let mut f = x[pos..end].to_vec();
            if lost {
                plc.lost_frame(&mut f);
                for (k, &s) in f.iter().enumerate() {
                    prop_assert!(i32::from(s).abs() <= 3 * max_seen + 1);
                    if lost_run + k >= 480 {
                        prop_assert_eq!(s, 0);
                    }
                }
                lost_run += f.len();
            } else {
                max_seen = max_seen.max(f.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0));
                plc.good_frame(&mut f);
                for &s in &f {
                    prop_assert!(i32::from(s).abs() <= 3 * max_seen + 1);
                }
                lost_run = 0;
            }
            pos = end;
        }
    }
}
