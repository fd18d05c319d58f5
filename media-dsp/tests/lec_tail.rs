//! Tail length (echo path capacity, G.168 §3.12): 16–128 ms configurable, echo within the
//! tail is cancelled, echo beyond it is not, and out-of-range tails are refused.

mod lec_sim;

use lec_sim::*;
use media_dsp::lec::{EchoCanceller, EchoConfig, LecError};

#[test]
fn every_tail_cancels_echo_that_fits_in_it() {
    for (tail, delay) in [
        (16, 0.0),
        (16, 6.0),
        (32, 20.0),
        (64, 50.0),
        (96, 80.0),
        (128, 100.0),
    ] {
        let far = white(2.0, -10.0, tail as u64);
        let sc = scenario(&far, &echo_path(2, delay, 6.0), None, None);
        let out = run(linear(tail), &sc.far, &sc.near);
        let e = erle(&sc.echo, &out, secs(1.0), secs(2.0));
        eprintln!("tail {tail} ms, delay {delay} ms: {e:.1} dB");
        assert!(e >= 25.0, "tail {tail} ms, delay {delay} ms: {e:.1} dB");
    }
}

#[test]
fn echo_beyond_the_tail_is_not_cancelled() {
    // D.2 is 8 ms long: behind 40 ms of delay it lies entirely outside a 32 ms tail.
    let far = white(2.0, -10.0, 3);
    let sc = scenario(&far, &echo_path(2, 40.0, 6.0), None, None);
    let out = run(linear(32), &sc.far, &sc.near);
    let e = erle(&sc.echo, &out, secs(1.0), secs(2.0));
    assert!(e.abs() < 3.0, "{e:.1} dB from echo outside the tail");
}

#[test]
fn tails_outside_16_to_128_ms_are_refused() {
    for t in [0, 8, 15, 129, 256] {
        let cfg = EchoConfig {
            tail_ms: t,
            ..EchoConfig::default()
        };
        assert_eq!(
            EchoCanceller::new(cfg).err(),
            Some(LecError::TailOutOfRange { tail_ms: t })
        );
    }
    assert_eq!(EchoConfig::default().tail_ms, 128);
}

#[test]
fn reset_forgets_the_echo_path() {
    let far = white(2.0, -10.0, 4);
    let sc = scenario(&far, &echo_path(5, 10.0, 6.0), None, None);
    let mut ec = EchoCanceller::new(linear(64)).expect("config");
    let out = run_with(&mut ec, &sc.far, &sc.near);
    assert!(erle(&sc.echo, &out, secs(1.5), secs(2.0)) > 25.0);
    ec.reset();
    let again = run_with(&mut ec, &sc.far[..800], &sc.near[..800]);
    assert_eq!(again, run(linear(64), &sc.far[..800], &sc.near[..800]));
}
