//! The output does not depend on how the stream is cut into blocks (the real-time case is
//! 8-sample chunks; files may come in any size), and there is no added delay.

mod lec_sim;

use lec_sim::*;
use media_dsp::lec::{EchoCanceller, EchoConfig};
use proptest::prelude::*;

fn signals() -> (Vec<i16>, Vec<i16>) {
    let far = white(1.0, -12.0, 21);
    let mut talk = vec![0i16; far.len()];
    let s = speech_like(0.4, -15.0, 22);
    talk[secs(0.5)..secs(0.5) + s.len()].copy_from_slice(&s);
    let sc = scenario(&far, &echo_path(8, 30.0, 6.0), Some(&talk), None);
    (sc.far, sc.near)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn any_chunking_gives_the_same_output(sizes in prop::collection::vec(1usize..50, 1..20)) {
        let (far, near) = signals();
        let reference = run(EchoConfig::default(), &far, &near);
        let mut ec = EchoCanceller::new(EchoConfig::default()).expect("config");
        let mut out = vec![0i16; near.len()];
        let (mut at, mut k) = (0, 0);
        while at < near.len() {
            let n = sizes[k % sizes.len()].min(near.len() - at);
            ec.process(&far[at..at + n], &near[at..at + n], &mut out[at..at + n]).expect("process");
            at += n;
            k += 1;
        }
        prop_assert_eq!(out, reference);
    }
}

#[test]
fn no_added_delay_near_talk_comes_out_in_the_same_sample() {
    // With a silent far end, the near end passes straight through (after the DC blocker):
    // an impulse comes out at its own sample index.
    let far = vec![0i16; 64];
    let mut near = vec![0i16; 64];
    near[10] = 10_000;
    let out = run(EchoConfig::default(), &far, &near);
    assert_eq!(out[..10], [0; 10]);
    assert_eq!(out[10], 10_000);
}
