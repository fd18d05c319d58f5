//! R2 MF against an independent implementation, spandsp 0.0.6 (`r2_mf_tx` / `r2_mf_rx`):
//! our tones are recognised by spandsp and spandsp's by us, all 15 signals in both
//! directions, with the compelled pattern (a signal follows another without a pause) too.

mod r2mf_support;

use media_dsp::r2mf::{Direction, GeneratorConfig, R2MfEvent, Signal};
use r2mf_support::{
    BOTH, all_signals, ours_rx, ours_rx_blocks, ours_starts, ours_tx, spandsp_starts, spandsp_tx,
};

#[test]
fn our_tones_are_recognised_by_spandsp() {
    for dir in BOTH {
        let audio = ours_tx(dir, GeneratorConfig::default(), &all_signals(100, 60));
        assert_eq!(spandsp_starts(dir, &audio), Signal::ALL.to_vec(), "{dir:?}");
        let other = match dir {
            Direction::Forward => Direction::Backward,
            Direction::Backward => Direction::Forward,
        };
        assert!(spandsp_starts(other, &audio).is_empty(), "{dir:?}");
    }
}

#[test]
fn spandsp_tones_are_recognised_by_us() {
    for dir in BOTH {
        let audio = spandsp_tx(dir, &all_signals(100, 60));
        assert_eq!(ours_starts(dir, &audio), Signal::ALL.to_vec(), "{dir:?}");
        // Every start is followed by its end, once.
        let ev = ours_rx(dir, &audio);
        assert_eq!(ev.len(), 30, "{dir:?}: {ev:?}");
        for pair in ev.chunks(2) {
            match pair {
                [
                    R2MfEvent::Start { signal: a, at: s },
                    R2MfEvent::End { signal: b, at: e },
                ] => {
                    assert_eq!(a, b);
                    // 100 ms of tone: recognised for 70 to 110 ms.
                    let held = e - s;
                    assert!((560..=880).contains(&held), "{dir:?} {a}: held {held}");
                }
                other => panic!("{dir:?}: unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn block_size_does_not_change_what_is_detected() {
    let audio = spandsp_tx(Direction::Forward, &all_signals(80, 40));
    let reference = ours_rx_blocks(Direction::Forward, &audio, 8);
    for block in [1usize, 7, 64, 160, 1000, audio.len()] {
        assert_eq!(
            ours_rx_blocks(Direction::Forward, &audio, block),
            reference,
            "block {block}"
        );
    }
}

#[test]
fn signal_changes_without_a_pause_are_seen_by_both() {
    // Backward signals in a compelled exchange can replace each other directly.
    let seq: Vec<_> = [1u8, 5, 3, 15, 6]
        .iter()
        .map(|&n| (Signal::new(n), 120))
        .chain([(None, 50)])
        .collect();
    let want: Vec<Signal> = [1u8, 5, 3, 15, 6]
        .iter()
        .filter_map(|&n| Signal::new(n))
        .collect();
    for dir in BOTH {
        let ours = ours_tx(dir, GeneratorConfig::default(), &seq);
        let theirs = spandsp_tx(dir, &seq);
        assert_eq!(spandsp_starts(dir, &ours), want, "{dir:?} ours -> spandsp");
        assert_eq!(ours_starts(dir, &theirs), want, "{dir:?} spandsp -> ours");
    }
}

#[test]
fn off_frequency_tones_within_tolerance_pass_both_ways() {
    for off in [-10.0f32, 10.0] {
        let cfg = GeneratorConfig {
            freq_offset_hz: off,
            ..GeneratorConfig::default()
        };
        for dir in BOTH {
            let audio = ours_tx(dir, cfg, &all_signals(100, 60));
            assert_eq!(
                ours_starts(dir, &audio),
                Signal::ALL.to_vec(),
                "{dir:?} {off}"
            );
            assert_eq!(
                spandsp_starts(dir, &audio),
                Signal::ALL.to_vec(),
                "{dir:?} {off}"
            );
        }
    }
}
