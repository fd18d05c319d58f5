//! T.30 CNG (1100 Hz fax calling tone) detection: bursts of 0.5 s are CNG, at any level
//! from -10 to -30 dBm0, through G.711, in noise, and also spandsp's CNG; other lengths,
//! frequencies, speech-like signals and noise are not.

mod common;

use media_dsp::ans::{CngDetector, CngEvent};
use media_dsp::g711::Law;
use media_dsp::level;
use media_dsp::noise::Noise;

/// `bursts` of `freq` (`on_ms` on, 3 s off) at `dbm0`, after 100 ms of silence.
fn cng(freq: f32, dbm0: f32, on_ms: usize, bursts: usize) -> Vec<i16> {
    let amp = level::sine_peak(dbm0);
    let mut sig = vec![0i16; 800];
    for _ in 0..bursts {
        for n in 0..on_ms * 8 {
            let t = n as f32 / 8000.0;
            sig.push(level::saturate(
                amp * (2.0 * std::f32::consts::PI * freq * t).sin(),
            ));
        }
        sig.extend(std::iter::repeat_n(0, 24_000));
    }
    sig
}

fn bursts(sig: &[i16], chunk: usize) -> Vec<(u64, u64)> {
    let mut det = CngDetector::new();
    let mut out = Vec::new();
    for c in sig.chunks(chunk) {
        det.process(c);
        while let Some(e) = det.poll_event() {
            let CngEvent::Burst {
                start_sample,
                end_sample,
            } = e
            else {
                panic!("{e:?}");
            };
            out.push((start_sample, end_sample));
        }
    }
    out
}

#[test]
fn cng_bursts_are_detected_where_they_are() {
    let got = bursts(&cng(1100.0, -15.0, 500, 3), 8);
    assert_eq!(got.len(), 3, "{got:?}");
    for (k, (s, e)) in got.iter().enumerate() {
        let start = 800 + k as u64 * (4000 + 24_000);
        assert!(s.abs_diff(start) <= 80, "{got:?}");
        assert!(e.abs_diff(start + 4000) <= 80, "{got:?}");
    }
    assert_eq!(bursts(&cng(1100.0, -15.0, 500, 3), 333), got);
}

#[test]
fn levels_g711_noise_and_t30_frequency_tolerance() {
    for (k, dbm0) in [-10.0f32, -20.0, -30.0].into_iter().enumerate() {
        for freq in [1062.0, 1080.0, 1100.0, 1120.0, 1138.0] {
            let mut sig = cng(freq, dbm0, 500, 2);
            Noise::new(k as u64).add_white(&mut sig, level::rms_for_dbm0(dbm0 - 20.0));
            [Law::Alaw, Law::Ulaw][k % 2].round_trip(&mut sig);
            assert_eq!(bursts(&sig, 8).len(), 2, "{freq} Hz at {dbm0} dBm0");
        }
    }
}

#[test]
fn wrong_length_or_frequency_is_not_cng() {
    for (freq, on_ms) in [
        (1100.0, 200),
        (1100.0, 300),
        (1100.0, 800),
        (1100.0, 2500),
        (1000.0, 500),
        (1200.0, 500),
        (2100.0, 500),
    ] {
        let got = bursts(&cng(freq, -15.0, on_ms, 2), 8);
        assert!(got.is_empty(), "{freq} Hz {on_ms} ms: {got:?}");
    }
}

#[test]
fn noise_and_buzz_are_not_cng() {
    let mut sig = vec![0i16; 8000];
    let mut n = vec![0i16; 80_000];
    Noise::new(3).fill_white(&mut n, level::rms_for_dbm0(-15.0));
    sig.extend(n);
    // 0.5 s bursts of a 100 Hz buzz rich in harmonics (one of them on 1100 Hz).
    for _ in 0..3 {
        for i in 0..4000 {
            let t = i as f32 / 8000.0;
            let x: f32 = (1..=30)
                .map(|h| (2.0 * std::f32::consts::PI * 100.0 * h as f32 * t).sin() / h as f32)
                .sum();
            sig.push(level::saturate(4000.0 * x));
        }
        sig.extend(std::iter::repeat_n(0, 8000));
    }
    assert!(bursts(&sig, 8).is_empty());
}

#[test]
fn spandsp_cng_is_detected() {
    let exe = common::build_peer("spandsp_ans", &["spandsp"]);
    let out = std::process::Command::new(&exe)
        .args(["tx", "1", "64000"])
        .output()
        .expect("run peer");
    assert!(out.status.success());
    let sig: Vec<i16> = out
        .stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    // 8 s of spandsp CNG: 0.5 s on, 3 s off, so at least two bursts.
    let got = bursts(&sig, 8);
    assert!(got.len() >= 2, "{got:?}");
    for (s, e) in got {
        assert!((e - s).abs_diff(4000) <= 160, "burst {s}..{e}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    #[test]
    fn never_panics_and_chunking_does_not_matter(
        samples in proptest::collection::vec(proptest::prelude::any::<i16>(), 0..3000),
        chunk in 1usize..500,
    ) {
        let mut sig = cng(1100.0, -20.0, 500, 1);
        sig.extend_from_slice(&samples);
        proptest::prop_assert_eq!(bursts(&sig, chunk), bursts(&sig, sig.len().max(1)));
    }
}
