//! Double talk (G.168 Test 3): near-end talk over far-end talk must not make the canceller
//! diverge; after 4 s of double talk the ERLE is back to ≥ 25 dB within 1 s. The near-end
//! talk itself passes (the NLP must not clip it).

mod lec_sim;

use lec_sim::*;
use media_dsp::g711::Law;
use media_dsp::lec::{EchoCanceller, EchoConfig};

/// Far end talks throughout; near end talks for 4 s from `start` s at `near_dbm0`.
fn double_talk(
    far: &[i16],
    start: f32,
    near_dbm0: f32,
    model: u32,
    delay: f32,
    law: Option<Law>,
) -> (Vec<f32>, Vec<i16>, Vec<i16>) {
    let mut talk = vec![0i16; far.len()];
    let s = speech_like(4.0, near_dbm0, 77);
    talk[secs(start)..secs(start) + s.len()].copy_from_slice(&s);
    let sc = scenario(far, &echo_path(model, delay, 6.0), Some(&talk), law);
    let out = run(linear(128), &sc.far, &sc.near);
    (sc.echo, out, talk)
}

#[test]
fn no_divergence_after_4s_of_double_talk_on_noise() {
    for (near_dbm0, model, delay, law) in [
        (-10.0, 2, 0.0, None),
        (-10.0, 8, 100.0, Some(Law::Ulaw)),
        (-5.0, 5, 50.0, None),
        (-16.0, 5, 50.0, Some(Law::Alaw)),
        (-22.0, 8, 20.0, None),
    ] {
        let far = white(9.0, -10.0, 5);
        let (echo, out, _) = double_talk(&far, 3.0, near_dbm0, model, delay, law);
        let before = erle(&echo, &out, secs(2.5), secs(3.0));
        let first = erle(&echo, &out, secs(7.0), secs(7.125));
        let at_1s = erle(&echo, &out, secs(7.75), secs(8.0));
        eprintln!(
            "near {near_dbm0} dBm0, D.{model}+{delay}: before {before:.1}, right after {first:.1}, at 1 s {at_1s:.1}"
        );
        assert!(
            before >= 25.0,
            "not converged before double talk: {before:.1} dB"
        );
        assert!(
            first >= 20.0,
            "diverged during double talk: {first:.1} dB right after it"
        );
        assert!(at_1s >= 25.0, "ERLE {at_1s:.1} dB 1 s after double talk");
    }
}

/// 10 s of far-end speech (espeak-ng, two voices) at -15 dBm0.
fn far_speech() -> Vec<i16> {
    let mut far = espeak(SENTENCES, "en-us", -15.0);
    far.extend(espeak(SENTENCES, "en-us+f3", -15.0));
    far.truncate(secs(10.0));
    assert_eq!(far.len(), secs(10.0));
    far
}

/// Far end: espeak-ng speech; near end: the synthetic speech-like source.
#[test]
fn no_divergence_after_4s_of_double_talk_on_speech() {
    // Speech converges more slowly than noise: the far end talks alone for 5 s first.
    for (near_dbm0, model, delay, law) in [
        (-12.0, 2, 0.0, None),
        (-18.0, 8, 100.0, None),
        (-12.0, 5, 50.0, Some(Law::Ulaw)),
    ] {
        let far = far_speech();
        let (echo, out, _) = double_talk(&far, 5.0, near_dbm0, model, delay, law);
        let before = erle_windows(&echo, &out, secs(4.0), secs(5.0), secs(0.125));
        let after = erle_windows(&echo, &out, secs(9.0), secs(10.0), secs(0.125));
        eprintln!(
            "speech, near {near_dbm0} dBm0, D.{model}+{delay}: before {before:?} after {after:?}"
        );
        assert!(!after.is_empty());
        let last = after.last().expect("a window").1;
        assert!(last >= 25.0, "ERLE {last:.1} dB 1 s after double talk");
        for (at, e) in before.into_iter().chain(after) {
            assert!(e >= 12.0, "diverged: {e:.1} dB at sample {at}");
        }
    }
}

#[test]
fn near_end_talk_passes_through_with_nlp_on() {
    let far = white(9.0, -10.0, 6);
    let mut talk = vec![0i16; far.len()];
    let s = speech_like(4.0, -10.0, 78);
    talk[secs(3.0)..secs(3.0) + s.len()].copy_from_slice(&s);
    let sc = scenario(&far, &echo_path(5, 30.0, 6.0), Some(&talk), None);
    let mut ec = EchoCanceller::new(EchoConfig::default()).expect("config");
    let out = run_with(&mut ec, &sc.far, &sc.near);
    let range = secs(3.0)..secs(7.0);
    let p_out = media_dsp::level::dbm0(&out[range.clone()]);
    let p_talk = media_dsp::level::dbm0(&talk[range]);
    eprintln!("near talk {p_talk:.1} dBm0, output during double talk {p_out:.1} dBm0");
    assert!(
        (p_out - p_talk).abs() < 1.5,
        "near talk {p_talk:.1} dBm0 came out at {p_out:.1}"
    );
}
