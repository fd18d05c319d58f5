//! The tone generator plays what the plans say: on/off lengths measured from the samples,
//! frequencies measured with Goertzel bins, levels measured in dBm0.

use media_dsp::goertzel::{Goertzel, GoertzelCoeff};
use media_dsp::level;
use media_dsp::tones::{Country, SIT, ToneGenerator, ToneKind, ToneSpec};

const COUNTRIES: [Country; 3] = [Country::China, Country::Etsi, Country::NorthAmerica];

/// One cadence cycle: (on?, ms) per segment.
type Cycle = &'static [(bool, usize)];

/// Runs of (on, length) in samples. A sample counts as on when it or a neighbour is
/// non-zero (a sine starts at a zero and crosses zero), so edges may move by one sample.
fn runs(sig: &[i16]) -> Vec<(bool, usize)> {
    let mut out: Vec<(bool, usize)> = Vec::new();
    for i in 0..sig.len() {
        let on = sig[i.saturating_sub(1)..sig.len().min(i + 2)]
            .iter()
            .any(|&s| s != 0);
        match out.last_mut() {
            Some((o, n)) if *o == on => *n += 1,
            _ => out.push((on, 1)),
        }
    }
    out
}

/// `got` has the on/off pattern of `want`, each length within 2 samples.
fn assert_runs(got: &[(bool, usize)], want: &[(bool, usize)], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.0, w.0, "{what}: {got:?}");
        assert!(g.1.abs_diff(w.1) <= 2, "{what}: {got:?}");
    }
}

fn play(spec: &'static ToneSpec, samples: usize) -> Vec<i16> {
    let mut v = vec![0i16; samples];
    ToneGenerator::new(spec).fill(&mut v);
    v
}

#[test]
fn cadences_match_the_plans_to_the_sample() {
    let expected: [(Country, ToneKind, Cycle); 12] = [
        (Country::China, ToneKind::Busy, &[(true, 350), (false, 350)]),
        (
            Country::China,
            ToneKind::Ringback,
            &[(true, 1000), (false, 4000)],
        ),
        (
            Country::China,
            ToneKind::Congestion,
            &[(true, 700), (false, 700)],
        ),
        (
            Country::China,
            ToneKind::CallWaiting,
            &[(true, 400), (false, 4000)],
        ),
        (Country::Etsi, ToneKind::Busy, &[(true, 500), (false, 500)]),
        (
            Country::Etsi,
            ToneKind::Ringback,
            &[(true, 1000), (false, 4000)],
        ),
        (
            Country::Etsi,
            ToneKind::Congestion,
            &[(true, 250), (false, 250)],
        ),
        (
            Country::Etsi,
            ToneKind::CallWaiting,
            &[(true, 200), (false, 200), (true, 200), (false, 5000)],
        ),
        (
            Country::NorthAmerica,
            ToneKind::Busy,
            &[(true, 500), (false, 500)],
        ),
        (
            Country::NorthAmerica,
            ToneKind::Ringback,
            &[(true, 2000), (false, 4000)],
        ),
        (
            Country::NorthAmerica,
            ToneKind::Congestion,
            &[(true, 250), (false, 250)],
        ),
        (
            Country::NorthAmerica,
            ToneKind::CallWaiting,
            &[(true, 300), (false, 9700)],
        ),
    ];
    for (country, kind, cycle) in expected {
        let spec = country.profile().tone(kind).expect("tone");
        let cycle_ms: usize = cycle.iter().map(|c| c.1).sum();
        // Three cycles.
        let sig = play(spec, cycle_ms * 8 * 3);
        let got = runs(&sig);
        let want: Vec<(bool, usize)> = cycle
            .iter()
            .map(|&(on, ms)| (on, ms * 8))
            .cycle()
            .take(cycle.len() * 3)
            .collect();
        assert_runs(&got, &want, &format!("{country:?} {kind:?}"));
    }
}

#[test]
fn dial_tone_is_continuous() {
    for country in COUNTRIES {
        let spec = country.profile().tone(ToneKind::Dial).expect("dial");
        let r = runs(&play(spec, 80_000));
        assert_runs(&r, &[(true, 80_000)], &format!("{country:?}"));
    }
}

/// Share of the energy of `sig` at `freq` (1.0 for a pure sine on `freq`).
fn share(sig: &[i16], freq: f32) -> f32 {
    let mut g = Goertzel::new(GoertzelCoeff::new(freq));
    g.update(sig);
    let e: f32 = sig.iter().map(|&s| f32::from(s) * f32::from(s)).sum();
    g.energy() * 2.0 / (sig.len() as f32 * e)
}

#[test]
fn frequencies_and_levels_match_the_plans() {
    let plans: [(Country, ToneKind, &[f32]); 8] = [
        (Country::China, ToneKind::Dial, &[450.0]),
        (Country::China, ToneKind::Busy, &[450.0]),
        (Country::Etsi, ToneKind::Dial, &[425.0]),
        (Country::Etsi, ToneKind::Congestion, &[425.0]),
        (Country::NorthAmerica, ToneKind::Dial, &[350.0, 440.0]),
        (Country::NorthAmerica, ToneKind::Ringback, &[440.0, 480.0]),
        (Country::NorthAmerica, ToneKind::Busy, &[480.0, 620.0]),
        (Country::NorthAmerica, ToneKind::CallWaiting, &[440.0]),
    ];
    for (country, kind, freqs) in plans {
        let spec = country.profile().tone(kind).expect("tone");
        // The first 200 ms are inside the first on-segment of every tone here.
        let sig = play(spec, 1600);
        let total: f32 = freqs.iter().map(|&f| share(&sig, f)).sum();
        assert!(total > 0.97, "{country:?} {kind:?}: share {total}");
        for &f in freqs {
            let s = share(&sig, f);
            assert!(
                s > 0.9 / freqs.len() as f32,
                "{country:?} {kind:?} {f} Hz: {s}"
            );
        }
        // Each frequency at the nominal level: total power is n times one sine.
        let want = spec.level_dbm0 + 10.0 * (freqs.len() as f32).log10();
        let got = level::dbm0(&sig);
        assert!(
            (got - want).abs() < 0.1,
            "{country:?} {kind:?}: {got} dBm0 vs {want}"
        );
    }
}

#[test]
fn with_level_sets_each_frequency_level() {
    let spec = Country::NorthAmerica
        .profile()
        .tone(ToneKind::Dial)
        .expect("dial");
    for dbm0 in [-10.0f32, -20.0, -30.0] {
        let mut sig = vec![0i16; 8000];
        ToneGenerator::with_level(spec, dbm0).fill(&mut sig);
        let got = level::dbm0(&sig);
        assert!((got - (dbm0 + 3.01)).abs() < 0.1, "{got}");
    }
}

#[test]
fn sit_rises_through_its_three_segments_then_stops() {
    let sig = play(&SIT, 16_000);
    let r = runs(&sig);
    assert_runs(&r, &[(true, 928 * 8), (false, 16_000 - 928 * 8)], "SIT");
    let segs = [(0, 274, 913.8), (274, 548, 1370.6), (548, 928, 1776.7)];
    for (a, b, f) in segs {
        let part = &sig[a * 8..b * 8];
        assert!(share(part, f) > 0.97, "{f} Hz segment: {}", share(part, f));
    }
}

#[test]
fn chunked_generation_equals_one_call() {
    for country in COUNTRIES {
        for spec in country.profile().tones {
            let whole = play(spec, 20_000);
            let mut g = ToneGenerator::new(spec);
            let mut parts = Vec::new();
            for n in [1usize, 7, 8, 160, 999].iter().cycle() {
                if parts.len() >= 20_000 {
                    break;
                }
                let mut c = vec![0i16; (*n).min(20_000 - parts.len())];
                g.fill(&mut c);
                parts.extend(c);
            }
            assert_eq!(parts, whole, "{country:?} {:?}", spec.kind);
        }
    }
}
