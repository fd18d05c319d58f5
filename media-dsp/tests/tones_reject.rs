//! What the call-progress detector must not report: speech, noise, silence, another
//! country's tones, and cadences that are no tone of the plan.

use media_dsp::g711::Law;
use media_dsp::level;
use media_dsp::noise::Noise;
use media_dsp::tones::{
    Country, Segment, ToneDetector, ToneEvent, ToneGenerator, ToneKind, ToneSpec,
};
use proptest::prelude::*;

const COUNTRIES: [Country; 3] = [Country::China, Country::Etsi, Country::NorthAmerica];

fn run(country: Country, sig: &[i16]) -> Vec<ToneEvent> {
    let mut det = ToneDetector::new(country);
    let mut evs = Vec::new();
    for c in sig.chunks(8) {
        det.process(c);
        while let Some(e) = det.poll_event() {
            evs.push(e);
        }
    }
    det.finish();
    while let Some(e) = det.poll_event() {
        evs.push(e);
    }
    evs
}

fn play(spec: &'static ToneSpec, ms: usize) -> Vec<i16> {
    let mut v = vec![0i16; ms * 8];
    ToneGenerator::new(spec).fill(&mut v);
    v
}

#[test]
fn silence_and_noise_are_nothing() {
    for country in COUNTRIES {
        let mut sig = vec![0i16; 40_000];
        for (seed, dbm0) in [(1, -50.0), (2, -30.0), (3, -15.0), (4, -5.0)] {
            let mut n = vec![0i16; 40_000];
            Noise::new(seed).fill_white(&mut n, level::rms_for_dbm0(dbm0));
            sig.extend_from_slice(&n);
            // Noise bursts with a busy-like cadence.
            for _ in 0..6 {
                let mut b = vec![0i16; 4000];
                Noise::new(seed + 10).fill_white(&mut b, level::rms_for_dbm0(dbm0));
                sig.extend_from_slice(&b);
                sig.extend(std::iter::repeat_n(0, 4000));
            }
        }
        let evs = run(country, &sig);
        assert!(evs.is_empty(), "{country:?}: {evs:?}");
    }
}

/// Low-pass noise (speech-band hum around the tone frequencies) with busy cadence.
#[test]
fn coloured_noise_bursts_are_not_busy() {
    for country in COUNTRIES {
        let mut sig = Vec::new();
        let mut noise = Noise::new(8);
        let mut y = 0.0f32;
        for k in 0..20 {
            for _ in 0..2800 {
                // One-pole low-pass at about 500 Hz.
                y += 0.33 * (noise.gaussian() * 8000.0 - y);
                sig.push(if k % 2 == 0 { level::saturate(y) } else { 0 });
            }
        }
        let evs = run(country, &sig);
        assert!(evs.is_empty(), "{country:?}: {evs:?}");
    }
}

/// A harmonic-rich vowel whose harmonics land on 425/450 Hz and on the NA pair
/// frequencies, switched with busy-like timing.
#[test]
fn vowels_are_not_tones() {
    for country in COUNTRIES {
        let mut sig = Vec::new();
        for (k, f0) in [212.5f32, 225.0, 120.0, 110.0, 160.0, 240.0]
            .iter()
            .cycle()
            .take(24)
            .enumerate()
        {
            for n in 0..2800 {
                let t = n as f32 / 8000.0;
                let mut x = 0.0;
                for h in 1..=20 {
                    let f = f0 * h as f32;
                    let g = 1.0 / (1.0 + ((f - 500.0) / 200.0).powi(2));
                    x += g * (2.0 * std::f32::consts::PI * f * t).sin();
                }
                sig.push(if k % 2 == 0 {
                    level::saturate(4000.0 * x)
                } else {
                    0
                });
            }
        }
        let evs = run(country, &sig);
        assert!(evs.is_empty(), "{country:?}: {evs:?}");
    }
}

#[test]
fn speech_is_not_a_tone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = dir.path().join("speech.wav");
    let pcm = dir.path().join("speech8k.wav");
    let text = "Hello, this is the front desk. I'm sorry, the line is busy at the moment. \
                Please try again later, or hold the line. Ni hao, qing shao deng. \
                Guten Tag, bitte warten Sie. Un momento por favor.";
    for (prog, args) in [
        (
            "espeak-ng",
            vec![
                "-s".into(),
                "150".into(),
                "-w".into(),
                raw.clone().into_os_string(),
                text.into(),
            ],
        ),
        (
            "sox",
            vec![
                raw.into_os_string(),
                "-r".into(),
                "8000".into(),
                "-c".into(),
                "1".into(),
                "-b".into(),
                "16".into(),
                pcm.clone().into_os_string(),
            ],
        ),
    ] {
        let ok = std::process::Command::new(prog)
            .args(&args)
            .status()
            .unwrap_or_else(|_| panic!("{prog} missing: run `make deps`"));
        assert!(ok.success(), "{prog} failed");
    }
    let speech: Vec<i16> = hound::WavReader::open(&pcm)
        .expect("wav")
        .into_samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    assert!(speech.len() > 8000 * 5, "speech too short");
    for country in COUNTRIES {
        for gain in [0.3f32, 1.0, 3.0] {
            let mut sig: Vec<i16> = speech
                .iter()
                .map(|&s| level::saturate(f32::from(s) * gain))
                .collect();
            Law::Alaw.round_trip(&mut sig);
            let evs = run(country, &sig);
            assert!(evs.is_empty(), "{country:?} gain {gain}: {evs:?}");
        }
    }
}

/// Each country's tones heard by another country's detector: only SIT, which every plan
/// shares, may be reported.
#[test]
fn other_countries_tones_are_not_reported() {
    for from in COUNTRIES {
        for to in COUNTRIES {
            if from == to {
                continue;
            }
            for spec in from.profile().tones {
                if spec.kind == ToneKind::Sit {
                    continue;
                }
                let mut sig = vec![0i16; 4000];
                sig.extend(play(spec, 12_000));
                let evs = run(to, &sig);
                assert!(
                    evs.is_empty(),
                    "{from:?} {:?} reported by the {to:?} detector: {evs:?}",
                    spec.kind
                );
            }
        }
    }
}

/// Call waiting is generated but not detected; it must not pass for busy or congestion
/// (ETSI's 0.2/0.2 s bursts are close to congestion's 0.25/0.25 s), at any block alignment.
#[test]
fn own_call_waiting_is_not_busy_or_congestion() {
    for country in COUNTRIES {
        let spec = country.profile().tone(ToneKind::CallWaiting).expect("cw");
        for lead in (0..200).step_by(20) {
            let mut sig = vec![0i16; 4000 + lead];
            sig.extend(play(spec, 22_000));
            let evs = run(country, &sig);
            assert!(evs.is_empty(), "{country:?} lead {lead}: {evs:?}");
        }
    }
}

fn cadenced(freq: [f32; 2], on_ms: u32, off_ms: u32) -> &'static ToneSpec {
    let segs: &'static [Segment] = Box::leak(Box::new([
        Segment {
            freqs: freq,
            ms: on_ms,
        },
        Segment {
            freqs: [0.0, 0.0],
            ms: off_ms,
        },
    ]));
    Box::leak(Box::new(ToneSpec {
        kind: ToneKind::Busy,
        segments: segs,
        level_dbm0: -15.0,
    }))
}

/// The right frequency with another plan's cadence: China's busy timing at 425 Hz is
/// neither ETSI busy (0.5) nor congestion (0.25); ETSI busy timing at 450 Hz is neither
/// China busy (0.35) nor congestion (0.7).
#[test]
fn foreign_cadences_on_the_right_frequency_are_not_reported() {
    for (country, freq, on, off) in [
        (Country::Etsi, [425.0, 0.0], 350, 350),
        (Country::Etsi, [425.0, 0.0], 700, 700),
        (Country::China, [450.0, 0.0], 500, 500),
        (Country::China, [450.0, 0.0], 250, 250),
        (Country::NorthAmerica, [480.0, 620.0], 350, 350),
        (Country::NorthAmerica, [480.0, 620.0], 1000, 1000),
        (Country::NorthAmerica, [440.0, 480.0], 1000, 4000),
    ] {
        let mut sig = vec![0i16; 4000];
        sig.extend(play(cadenced(freq, on, off), 10_000));
        let evs = run(country, &sig);
        assert!(evs.is_empty(), "{country:?} {freq:?} {on}/{off}: {evs:?}");
    }
}

/// A busy tone whose on-time drifts outside the ±20 % window is not busy.
#[test]
fn cadence_tolerance_is_about_20_percent() {
    for (on, detected) in [
        (500, true),
        (440, true),
        (560, true),
        (370, false),
        (640, false),
    ] {
        let mut sig = vec![0i16; 4000];
        sig.extend(play(cadenced([425.0, 0.0], on, 500), 5000));
        let evs = run(Country::Etsi, &sig);
        let busy = evs.iter().any(|e| {
            matches!(
                e,
                ToneEvent::Detected {
                    tone: ToneKind::Busy,
                    ..
                }
            )
        });
        assert_eq!(busy, detected, "on {on} ms: {evs:?}");
    }
}

#[test]
fn a_single_burst_is_not_busy() {
    for country in COUNTRIES {
        let spec = country.profile().tone(ToneKind::Busy).expect("busy");
        let on = spec.segments[0].ms as usize;
        let mut sig = vec![0i16; 4000];
        sig.extend(play(spec, on));
        sig.extend(std::iter::repeat_n(0, 16_000));
        let evs = run(country, &sig);
        assert!(evs.is_empty(), "{country:?}: {evs:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn never_panics_on_arbitrary_input(
        samples in proptest::collection::vec(any::<i16>(), 0..3000),
        country_ix in 0usize..3,
    ) {
        let mut det = ToneDetector::new(COUNTRIES[country_ix]);
        for _ in 0..3 {
            det.process(&samples);
        }
        det.finish();
        while det.poll_event().is_some() {}
    }
}
