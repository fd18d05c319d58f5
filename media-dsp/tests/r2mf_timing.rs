//! Timing rules of ITU-T Q.455 §5.2: a signal shorter than 7 ms does not operate the
//! receiver; interruptions of 7 ms or less do not release it; operate plus release time stays
//! under 80 ms.

mod r2mf_support;

use media_dsp::r2mf::{Direction, GeneratorConfig, R2MfEvent, Signal};
use r2mf_support::{BOTH, ours_rx, ours_starts, ours_tx};

fn loud() -> GeneratorConfig {
    GeneratorConfig {
        level_dbm0: -5.0,
        ..GeneratorConfig::default()
    }
}

#[test]
fn a_7_ms_burst_is_not_a_signal_but_40_ms_is() {
    for dir in BOTH {
        for s in Signal::ALL {
            let short = ours_tx(dir, loud(), &[(None, 20), (Some(s), 7), (None, 100)]);
            assert!(ours_starts(dir, &short).is_empty(), "{dir:?} {s}");
            let long = ours_tx(dir, loud(), &[(None, 20), (Some(s), 40), (None, 100)]);
            assert_eq!(ours_starts(dir, &long), vec![s], "{dir:?} {s}");
        }
    }
}

#[test]
fn interruptions_up_to_7_ms_are_bridged() {
    let s = Signal::new(7).unwrap();
    for dir in BOTH {
        for gap in 1..=7u32 {
            for lead in [50u32, 53, 57, 61] {
                // A continuous tone with `gap` ms cut out of it.
                let mut audio = ours_tx(
                    dir,
                    GeneratorConfig::default(),
                    &[(Some(s), lead + gap + 80), (None, 60)],
                );
                let cut = 8 * lead as usize;
                audio[cut..cut + 8 * gap as usize].fill(0);
                let ev = ours_rx(dir, &audio);
                assert_eq!(ev.len(), 2, "{dir:?} gap {gap} lead {lead}: {ev:?}");
            }
        }
        // A real pause separates two signals.
        let audio = ours_tx(
            dir,
            GeneratorConfig::default(),
            &[(Some(s), 60), (None, 40), (Some(s), 60), (None, 60)],
        );
        assert_eq!(ours_starts(dir, &audio), vec![s, s], "{dir:?}");
    }
}

#[test]
fn operate_plus_release_time_is_under_80_ms() {
    let s = Signal::new(12).unwrap();
    for lead in 0..16u32 {
        // Tone from `lead` ms + a fraction, for 200 ms.
        let audio = ours_tx(
            Direction::Forward,
            GeneratorConfig::default(),
            &[(None, 20 + lead), (Some(s), 200), (None, 100)],
        );
        let start = 8 * u64::from(20 + lead);
        let end = start + 1600;
        let ev = ours_rx(Direction::Forward, &audio);
        let [
            R2MfEvent::Start { at: on, .. },
            R2MfEvent::End { at: off, .. },
        ] = ev[..]
        else {
            panic!("lead {lead}: {ev:?}");
        };
        let operate = on - start;
        let release = off - end;
        assert!(
            operate + release < 8 * 80,
            "lead {lead}: operate {operate} + release {release} samples"
        );
    }
}
