//! Conference mixer behaviour: who hears whom, saturation, supervisor modes, and a property
//! test against the naive O(N²) definition.

use media_dsp::goertzel::{Goertzel, GoertzelCoeff};
use media_dsp::mixer::{Leg, MixError, Mixer, Talk, UNITY_GAIN};
use proptest::prelude::*;

/// The definition: leg i hears Σ_{j≠i, j reaches i} x_j·g_j, saturated; deaf legs hear 0.
fn naive(legs: &[Leg], inputs: &[Vec<i16>]) -> Vec<Vec<i16>> {
    let len = inputs[0].len();
    (0..legs.len())
        .map(|i| {
            (0..len)
                .map(|k| {
                    if !legs[i].hears {
                        return 0;
                    }
                    let mut s: i64 = 0;
                    for (j, leg) in legs.iter().enumerate() {
                        let reaches = match leg.talk {
                            Talk::Everyone => j != i,
                            Talk::Only(t) => t == i,
                            Talk::Nobody => false,
                        };
                        if reaches {
                            s += i64::from((i32::from(inputs[j][k]) * leg.gain_q12) >> 12);
                        }
                    }
                    s.clamp(-32768, 32767) as i16
                })
                .collect()
        })
        .collect()
}

fn run<const MAX: usize>(m: &Mixer<MAX>, inputs: &[Vec<i16>]) -> Vec<Vec<i16>> {
    let ins: Vec<&[i16]> = inputs.iter().map(Vec::as_slice).collect();
    let mut outs = vec![vec![0i16; inputs[0].len()]; inputs.len()];
    let mut refs: Vec<&mut [i16]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
    m.mix(&ins, &mut refs).expect("mix");
    outs
}

fn tone(freq: f32, amp: f32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            media_dsp::level::saturate(
                amp * libm::sinf(2.0 * core::f32::consts::PI * freq * n as f32 / 8000.0),
            )
        })
        .collect()
}

fn energy(x: &[i16], freq: f32) -> f32 {
    let mut g = Goertzel::new(GoertzelCoeff::new(freq));
    g.update(x);
    g.energy()
}

#[test]
fn each_leg_hears_the_others_and_not_itself() {
    let freqs = [400.0, 700.0, 1100.0, 1600.0, 2300.0];
    let inputs: Vec<Vec<i16>> = freqs.iter().map(|&f| tone(f, 4000.0, 800)).collect();
    let outs = run(&Mixer::<8>::new(), &inputs);
    for (i, out) in outs.iter().enumerate() {
        let own = energy(out, freqs[i]);
        for (j, &f) in freqs.iter().enumerate() {
            if j != i {
                let other = energy(out, f);
                assert!(
                    other > 1e4 * own.max(1.0),
                    "leg {i}: own {own}, leg {j} {other}"
                );
            }
        }
    }
}

#[test]
fn two_parties_reduce_to_a_swap() {
    let a = tone(440.0, 30_000.0, 160);
    let b = tone(1000.0, 12_345.0, 160);
    let outs = run(&Mixer::<2>::new(), &[a.clone(), b.clone()]);
    assert_eq!(outs[0], b);
    assert_eq!(outs[1], a);
}

#[test]
fn sums_saturate_at_full_scale() {
    let inputs = vec![
        vec![32767i16; 16],
        vec![32767; 16],
        vec![32767; 16],
        vec![-32768; 16],
    ];
    let outs = run(&Mixer::<4>::new(), &inputs);
    // Legs 0..=2 hear two full-scale positives and one full-scale negative: 32766.
    assert_eq!(outs[0], vec![32766; 16]);
    // Leg 3 hears three full-scale positives: clipped, not wrapped.
    assert_eq!(outs[3], vec![32767; 16]);
    let neg = vec![vec![-32768i16; 8]; 3];
    assert_eq!(run(&Mixer::<3>::new(), &neg)[0], vec![-32768; 8]);
}

#[test]
fn supervisor_listen_whisper_and_barge() {
    // Leg 0 customer, leg 1 agent, leg 2 supervisor.
    let inputs = vec![vec![1000i16; 8], vec![200; 8], vec![30; 8]];
    let mut m = Mixer::<3>::new();

    m.set_leg(2, Leg::LISTEN).unwrap();
    let o = run(&m, &inputs);
    assert_eq!((o[0][0], o[1][0], o[2][0]), (200, 1000, 1200), "listen");

    m.set_leg(2, Leg::whisper(1)).unwrap();
    let o = run(&m, &inputs);
    assert_eq!((o[0][0], o[1][0], o[2][0]), (200, 1030, 1200), "whisper");

    m.set_leg(2, Leg::PARTY).unwrap();
    let o = run(&m, &inputs);
    assert_eq!((o[0][0], o[1][0], o[2][0]), (230, 1030, 1200), "barge");

    m.set_leg(
        0,
        Leg {
            hears: false,
            ..Leg::PARTY
        },
    )
    .unwrap();
    m.set_leg(1, Leg::PARTY.with_gain_db(-6.0206)).unwrap();
    let o = run(&m, &inputs);
    assert_eq!(
        (o[0][0], o[1][0], o[2][0]),
        (0, 1030, 1100),
        "deaf and gain"
    );

    m.set_leg(2, Leg::ABSENT).unwrap();
    let o = run(&m, &inputs);
    assert_eq!((o[0][0], o[1][0], o[2][0]), (0, 1000, 0), "absent slot");
}

#[test]
fn any_block_size_gives_the_same_result() {
    let inputs: Vec<Vec<i16>> = (0..5)
        .map(|i| tone(300.0 + 170.0 * i as f32, 9000.0, 1000))
        .collect();
    let mut m = Mixer::<6>::new();
    m.set_leg(4, Leg::whisper(0)).unwrap();
    let whole = run(&m, &inputs);
    for block in [1, 8, 63, 64, 65, 160] {
        let mut pieces = vec![Vec::new(); 5];
        for start in (0..1000).step_by(block) {
            let end = (start + block).min(1000);
            let part: Vec<Vec<i16>> = inputs.iter().map(|x| x[start..end].to_vec()).collect();
            for (p, o) in pieces.iter_mut().zip(run(&m, &part)) {
                p.extend(o);
            }
        }
        assert_eq!(pieces, whole, "block {block}");
    }
}

#[test]
fn mismatched_slices_are_refused_and_nothing_is_written() {
    let m = Mixer::<2>::new();
    let (a, b) = ([1i16; 8], [2i16; 7]);
    let (mut oa, mut ob) = ([9i16; 8], [9i16; 8]);
    assert_eq!(
        m.mix(&[&a, &b], &mut [&mut oa, &mut ob]),
        Err(MixError::BlockLength {
            leg: 1,
            len: 7,
            expected: 8
        })
    );
    assert_eq!(oa, [9; 8]);
    assert!(matches!(
        m.mix(&[&a, &a, &a], &mut [&mut oa, &mut ob]),
        Err(MixError::LegCount { .. })
    ));
    let mut w = Mixer::<3>::new();
    w.set_leg(0, Leg::whisper(2)).unwrap();
    assert!(matches!(
        w.mix(&[&a, &a], &mut [&mut oa, &mut ob]),
        Err(MixError::NoSuchLeg { leg: 2, .. })
    ));
    assert!(
        w.set_leg(
            0,
            Leg {
                gain_q12: -1,
                ..Leg::PARTY
            }
        )
        .is_err()
    );
    assert_eq!(
        m.leg(0),
        Some(Leg {
            talk: Talk::Everyone,
            hears: true,
            gain_q12: UNITY_GAIN
        })
    );
}

fn arb_leg(n: usize) -> impl Strategy<Value = Leg> {
    (
        0..4usize,
        0..n,
        any::<bool>(),
        prop_oneof![Just(UNITY_GAIN), 0..=16384i32],
    )
        .prop_map(move |(t, to, hears, gain_q12)| Leg {
            talk: match t {
                0 | 1 => Talk::Everyone,
                2 => Talk::Nobody,
                _ => Talk::Only(to),
            },
            hears,
            gain_q12,
        })
}

fn arb_case() -> impl Strategy<Value = (Vec<Leg>, Vec<Vec<i16>>)> {
    (1..9usize, 0..200usize).prop_flat_map(|(n, len)| {
        (
            proptest::collection::vec(arb_leg(n), n),
            proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![any::<i16>(), Just(i16::MAX), Just(i16::MIN)],
                    len,
                ),
                n,
            ),
        )
    })
}

proptest! {
    #[test]
    fn matches_the_naive_definition((legs, inputs) in arb_case()) {
        let mut m = Mixer::<8>::new();
        let mut legs = legs;
        for (i, leg) in legs.iter_mut().enumerate() {
            if leg.talk == Talk::Only(i) {
                leg.talk = Talk::Nobody;
            }
            m.set_leg(i, *leg).unwrap();
        }
        prop_assert_eq!(run(&m, &inputs), naive(&legs, &inputs));
    }
}
