//! Tone disabler (G.165 §5 / G.168 §7, via `media_dsp::ans`): 2100 Hz with phase reversals
//! on either side turns cancellation off (the near end passes bit-exact), a plain 2100 Hz
//! tone does not, and the canceller comes back, with its echo path intact, after 250 ms of
//! quiet.

mod lec_sim;

use lec_sim::*;
use media_dsp::ans::AnsGenerator;
use media_dsp::lec::{EchoCanceller, EchoConfig};

/// 2 s of converged far-end noise echo, then `tone_s` of answer tone added on the near
/// (or far) side, then 0.5 s of line silence, then 1 s of far-end noise echo again.
struct Run {
    near: Vec<i16>,
    out: Vec<i16>,
    echo: Vec<f32>,
    disabled: Vec<bool>,
}

fn run_tone(reversals: bool, on_far: bool, cfg: EchoConfig) -> Run {
    let (t0, t1, t2) = (secs(2.0), secs(4.0), secs(4.5));
    let mut far = white(5.5, -12.0, 51);
    far[t1..t2].fill(0);
    let mut tone = vec![0i16; t1 - t0];
    AnsGenerator::new(2100.0, -12.0, reversals, false).fill(&mut tone);
    if on_far {
        far[t0..t1].copy_from_slice(&tone);
    } else {
        far[t0..t1].fill(0);
    }
    let mut talk = vec![0i16; far.len()];
    if !on_far {
        talk[t0..t1].copy_from_slice(&tone);
    }
    let sc = scenario(&far, &echo_path(5, 30.0, 6.0), Some(&talk), None);
    let mut ec = EchoCanceller::new(cfg).expect("config");
    let mut out = vec![0i16; far.len()];
    let mut disabled = vec![false; far.len() / 8];
    for (i, d) in disabled.iter_mut().enumerate() {
        let r = i * 8..i * 8 + 8;
        ec.process(&sc.far[r.clone()], &sc.near[r.clone()], &mut out[r])
            .expect("process");
        *d = ec.disabled();
    }
    Run {
        near: sc.near,
        out,
        echo: sc.echo,
        disabled,
    }
}

#[test]
fn phase_reversed_2100hz_from_the_line_disables_and_silence_re_enables() {
    let r = run_tone(true, false, linear(128));
    // Disabled within ~0.5 s of tone (400 ms hold plus the first reversal at 450 ms).
    let first = r.disabled.iter().position(|&d| d).expect("never disabled");
    let at = first as f32 * 8.0 / 8000.0;
    eprintln!("disabled at {at:.3} s");
    assert!((2.4..=2.6).contains(&at), "disabled at {at:.3} s");
    // While disabled the near end passes unchanged.
    for b in first + 1..secs(4.0) / 8 {
        assert!(r.disabled[b], "re-enabled during the tone at block {b}");
        assert_eq!(
            r.out[b * 8..b * 8 + 8],
            r.near[b * 8..b * 8 + 8],
            "output altered while disabled"
        );
    }
    // Re-enabled after 250 ms of quiet, with the echo path still known.
    let back = r.disabled[secs(4.0) / 8..]
        .iter()
        .position(|&d| !d)
        .expect("never re-enabled");
    let back_s = 4.0 + back as f32 * 8.0 / 8000.0;
    eprintln!("re-enabled at {back_s:.3} s");
    assert!(
        (4.2..=4.45).contains(&back_s),
        "re-enabled at {back_s:.3} s"
    );
    let e = erle(&r.echo, &r.out, secs(4.5), secs(4.75));
    assert!(e >= 25.0, "echo path lost while disabled: {e:.1} dB");
}

#[test]
fn answer_tone_on_the_far_side_disables_too() {
    let r = run_tone(true, true, linear(128));
    assert!(r.disabled[secs(3.0) / 8..secs(4.0) / 8].iter().all(|&d| d));
}

#[test]
fn plain_2100hz_without_reversals_does_not_disable() {
    let r = run_tone(false, false, linear(128));
    assert!(
        r.disabled.iter().all(|&d| !d),
        "disabled by a tone without phase reversals"
    );
}

#[test]
fn the_disabler_can_be_switched_off() {
    let cfg = EchoConfig {
        tone_disabler: false,
        ..linear(128)
    };
    let r = run_tone(true, false, cfg);
    assert!(r.disabled.iter().all(|&d| !d));
    let mut ec = EchoCanceller::new(linear(64)).expect("config");
    ec.set_disabled(true);
    let mut out = [0i16; 8];
    ec.process(&[1000; 8], &[123; 8], &mut out)
        .expect("process");
    assert!(ec.disabled());
    assert_eq!(out, [123; 8]);
}
