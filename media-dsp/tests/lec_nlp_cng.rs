//! Non-linear processor and comfort noise (G.168 Test 9 style): with only the far end
//! talking, the residual echo is replaced by comfort noise at the near-end background level
//! (within a few dB), the CNG level never latches a loud level (near-end talk, an
//! unconverged start, a background that drops), and without CNG the NLP outputs silence.

mod lec_sim;

use lec_sim::*;
use media_dsp::lec::{EchoCanceller, EchoConfig};
use media_dsp::level::{dbm0, rms_for_dbm0};
use media_dsp::noise::Noise;

/// Near-end background noise at `dbm0` over `len` samples.
fn background(len: usize, dbm0: f32, seed: u64) -> Vec<i16> {
    let mut v = vec![0i16; len];
    Noise::new(seed).fill_white(&mut v, rms_for_dbm0(dbm0));
    v
}

fn run_counting_nlp(
    ec: &mut EchoCanceller,
    far: &[i16],
    near: &[i16],
    from: usize,
    to: usize,
) -> (Vec<i16>, f32) {
    let mut out = vec![0i16; near.len()];
    let (mut on, mut total) = (0u32, 0u32);
    for i in (0..near.len()).step_by(8) {
        ec.process(&far[i..i + 8], &near[i..i + 8], &mut out[i..i + 8])
            .expect("process");
        if (from..to).contains(&i) {
            on += u32::from(ec.nlp_active());
            total += 1;
        }
    }
    (out, on as f32 / total.max(1) as f32)
}

#[test]
fn comfort_noise_matches_the_background_while_the_far_end_talks() {
    for (bg_dbm0, far_dbm0, model) in [(-50.0, -10.0, 5), (-60.0, -15.0, 8), (-45.0, -5.0, 2)] {
        // Far end talks for 6 s, then is silent for 2 s.
        let mut far = white(8.0, far_dbm0, 31);
        far[secs(6.0)..].fill(0);
        let bg = background(far.len(), bg_dbm0, 32);
        let sc = scenario(&far, &echo_path(model, 20.0, 6.0), Some(&bg), None);
        let mut ec = EchoCanceller::new(EchoConfig::default()).expect("config");
        let (out, nlp_share) = run_counting_nlp(&mut ec, &sc.far, &sc.near, secs(3.0), secs(6.0));
        let during = dbm0(&out[secs(3.0)..secs(6.0)]);
        let silent_far = dbm0(&out[secs(6.5)..secs(8.0)]);
        eprintln!(
            "background {bg_dbm0} dBm0: output {during:.1} dBm0 with far talk (NLP {:.0}% on), {silent_far:.1} without",
            100.0 * nlp_share
        );
        assert!(
            nlp_share > 0.9,
            "NLP on only {:.0}% of the far-end talk",
            100.0 * nlp_share
        );
        assert!(
            (during - bg_dbm0).abs() <= 2.5,
            "comfort noise {during:.1} dBm0 vs background {bg_dbm0}"
        );
        assert!(
            (silent_far - bg_dbm0).abs() <= 1.0,
            "background alone came out at {silent_far:.1}"
        );
    }
}

#[test]
fn nlp_removes_the_residual_echo_and_without_cng_outputs_silence() {
    let far = white(4.0, -10.0, 33);
    let sc = scenario(&far, &echo_path(4, 10.0, 6.0), None, None);
    let cfg = EchoConfig {
        cng: false,
        ..EchoConfig::default()
    };
    let mut ec = EchoCanceller::new(cfg).expect("config");
    let (out, nlp_share) = run_counting_nlp(&mut ec, &sc.far, &sc.near, secs(2.0), secs(4.0));
    assert!(
        nlp_share > 0.95,
        "NLP on only {:.0}% of the time",
        100.0 * nlp_share
    );
    let zeros = out[secs(2.0)..].iter().filter(|&&s| s == 0).count();
    assert!(
        zeros as f32 > 0.95 * secs(2.0) as f32,
        "only {zeros} silent samples"
    );
}

#[test]
fn comfort_noise_does_not_latch_a_loud_level() {
    // Loud near-end talk over an unconverged canceller for the first 2.5 s, then far-end
    // talk alone over a -55 dBm0 background: the CNG must come back down to the background.
    let far = white(7.0, -10.0, 34);
    let mut near_add = background(far.len(), -55.0, 35);
    let talk = speech_like(2.5, -10.0, 36);
    for (n, t) in near_add.iter_mut().zip(&talk) {
        *n = n.saturating_add(*t);
    }
    let sc = scenario(&far, &echo_path(7, 50.0, 6.0), Some(&near_add), None);
    let mut ec = EchoCanceller::new(EchoConfig::default()).expect("config");
    let out = run_with(&mut ec, &sc.far, &sc.near);
    let late = dbm0(&out[secs(5.5)..secs(7.0)]);
    eprintln!("after loud talk: output {late:.1} dBm0 over a -55 dBm0 background");
    assert!(
        (late + 55.0).abs() <= 3.0,
        "output {late:.1} dBm0 over a -55 dBm0 background"
    );

    // A background that drops by 20 dB: the comfort noise follows within 3 s.
    let far = white(8.0, -10.0, 37);
    let mut bg = background(far.len(), -40.0, 38);
    for s in &mut bg[secs(3.0)..] {
        *s /= 10;
    }
    let sc = scenario(&far, &echo_path(3, 0.0, 6.0), Some(&bg), None);
    let mut ec = EchoCanceller::new(EchoConfig::default()).expect("config");
    let out = run_with(&mut ec, &sc.far, &sc.near);
    let after = dbm0(&out[secs(6.0)..secs(8.0)]);
    eprintln!("background dropped to -60 dBm0: output {after:.1} dBm0");
    assert!(
        (after + 60.0).abs() <= 3.0,
        "output {after:.1} dBm0 after the background fell to -60"
    );
}
