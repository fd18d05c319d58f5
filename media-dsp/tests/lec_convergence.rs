//! Convergence of the line echo canceller (G.168 Test 2B: NLP off) on the G.168 Annex D
//! hybrid models D.2–D.9, with white noise and a speech-like source, with pure delay in
//! front of the hybrid, at 6 dB ERL and more, and through G.711.
//!
//! Speech: English sentences from espeak-ng (male and female voices), generated at test
//! time. (The harsher synthetic source `lec_sim::speech_like`, with very narrow formants,
//! converges more slowly: see the crate report; it is used for near-end talk instead.)

mod lec_sim;

use lec_sim::*;
use media_dsp::g711::Law;

fn converge_noise(model: u32, delay_ms: f32, erl_db: f32, seed: u64) -> (f32, f32) {
    let far = white(1.5, -10.0, seed);
    let sc = scenario(&far, &echo_path(model, delay_ms, erl_db), None, None);
    let out = run(linear(128), &sc.far, &sc.near);
    (
        erle(&sc.echo, &out, secs(0.875), secs(1.0)),
        erle(&sc.echo, &out, secs(1.0), secs(1.5)),
    )
}

#[test]
fn noise_converges_to_20db_within_1s_on_every_annex_d_model_at_6db_erl() {
    for model in 2..=9 {
        let (at_1s, after) = converge_noise(model, 5.0, 6.0, u64::from(model));
        eprintln!("D.{model}: ERLE at 1 s {at_1s:.1} dB, 1-1.5 s {after:.1} dB");
        assert!(at_1s >= 20.0, "D.{model}: ERLE {at_1s:.1} dB at 1 s");
        assert!(after >= 20.0, "D.{model}: ERLE {after:.1} dB after 1 s");
    }
}

#[test]
fn noise_converges_within_1s_behind_pure_delays_up_to_100ms() {
    for (delay, erl) in [
        (0.0, 6.0),
        (30.0, 6.0),
        (64.0, 10.0),
        (100.0, 6.0),
        (100.0, 20.0),
    ] {
        for model in [2, 5, 8] {
            let (at_1s, after) = converge_noise(model, delay, erl, 100 + model as u64);
            eprintln!("D.{model} + {delay} ms, ERL {erl}: {at_1s:.1} / {after:.1} dB");
            assert!(
                at_1s >= 20.0,
                "D.{model} + {delay} ms, ERL {erl}: {at_1s:.1} dB at 1 s"
            );
            assert!(
                after >= 20.0,
                "D.{model} + {delay} ms: {after:.1} dB after 1 s"
            );
        }
    }
}

#[test]
fn steady_state_through_g711_is_at_least_30db_on_noise() {
    for (law, model, delay) in [
        (Law::Ulaw, 2, 0.0),
        (Law::Alaw, 5, 50.0),
        (Law::Ulaw, 8, 100.0),
        (Law::Alaw, 9, 100.0),
    ] {
        let far = white(5.0, -10.0, 7 + model as u64);
        let sc = scenario(&far, &echo_path(model, delay, 6.0), None, Some(law));
        let out = run(linear(128), &sc.far, &sc.near);
        let steady = erle(&sc.echo, &out, secs(3.0), secs(5.0));
        eprintln!("{law:?} D.{model} + {delay} ms: steady ERLE {steady:.1} dB");
        assert!(
            steady >= 30.0,
            "{law:?} D.{model} + {delay} ms: {steady:.1} dB"
        );
    }
}

#[test]
fn speech_converges_to_20db_within_2s() {
    for (voice, model, delay, erl, law) in [
        ("en-us", 2, 0.0, 6.0, None),
        ("en-us", 8, 100.0, 6.0, None),
        ("en-us+f3", 5, 50.0, 6.0, None),
        ("en-us+f3", 9, 100.0, 6.0, Some(Law::Ulaw)),
        ("en-us", 4, 30.0, 12.0, Some(Law::Alaw)),
        ("en-us+f3", 7, 64.0, 6.0, None),
    ] {
        let far = espeak(SENTENCES, voice, -18.0);
        let sc = scenario(&far, &echo_path(model, delay, erl), None, law);
        let out = run(linear(128), &sc.far, &sc.near);
        let wins = erle_windows(&sc.echo, &out, secs(2.0), far.len(), secs(0.25));
        let shown: Vec<i32> = wins.iter().map(|w| w.1 as i32).collect();
        eprintln!("speech {voice} D.{model} + {delay} ms, ERL {erl}, {law:?}: {shown:?}");
        assert!(wins.len() >= 10, "too few speech windows");
        for (at, e) in wins {
            assert!(
                e >= 20.0,
                "speech D.{model} + {delay} ms: {e:.1} dB at {:.2} s",
                at as f32 / 8000.0
            );
        }
    }
}
