//! Receiver tolerances of ITU-T Q.455 §5.2: frequency (±10 Hz accepted), level (−5 to
//! −35 dBm0 accepted, well below rejected), level difference between the two frequencies
//! (5 dB adjacent / 7 dB non-adjacent accepted, 20 dB rejected).

mod r2mf_support;

use media_dsp::r2mf::{GeneratorConfig, Signal};
use r2mf_support::{BOTH, all_signals, ours_starts, ours_tx};

fn detected(cfg: GeneratorConfig) -> Vec<(media_dsp::r2mf::Direction, Vec<Signal>)> {
    BOTH.iter()
        .map(|&dir| {
            (
                dir,
                ours_starts(dir, &ours_tx(dir, cfg, &all_signals(80, 60))),
            )
        })
        .collect()
}

#[test]
fn frequency_within_10_hz_is_accepted_and_between_two_tones_rejected() {
    for off in [-10.0f32, -5.0, 5.0, 10.0] {
        let cfg = GeneratorConfig {
            freq_offset_hz: off,
            ..GeneratorConfig::default()
        };
        for (dir, got) in detected(cfg) {
            assert_eq!(got, Signal::ALL.to_vec(), "{dir:?} offset {off}");
        }
    }
    // Halfway between two frequencies of the set: no valid signal.
    for off in [-60.0f32, 60.0] {
        let cfg = GeneratorConfig {
            freq_offset_hz: off,
            ..GeneratorConfig::default()
        };
        for (dir, got) in detected(cfg) {
            assert!(got.is_empty(), "{dir:?} offset {off}: {got:?}");
        }
    }
}

#[test]
fn levels_from_minus_5_to_minus_35_dbm0_are_accepted() {
    for level in [-5.0f32, -11.5, -20.0, -30.0, -35.0] {
        let cfg = GeneratorConfig {
            level_dbm0: level,
            ..GeneratorConfig::default()
        };
        for (dir, got) in detected(cfg) {
            assert_eq!(got, Signal::ALL.to_vec(), "{dir:?} level {level}");
        }
    }
}

#[test]
fn levels_below_minus_42_dbm0_are_rejected() {
    for level in [-42.0f32, -50.0] {
        let cfg = GeneratorConfig {
            level_dbm0: level,
            ..GeneratorConfig::default()
        };
        for (dir, got) in detected(cfg) {
            assert!(got.is_empty(), "{dir:?} level {level}: {got:?}");
        }
    }
}

#[test]
fn twist_of_7_db_is_accepted_and_20_db_rejected() {
    for twist in [-7.0f32, -5.0, 5.0, 7.0] {
        let cfg = GeneratorConfig {
            level_dbm0: -15.0,
            twist_db: twist,
            ..GeneratorConfig::default()
        };
        for (dir, got) in detected(cfg) {
            assert_eq!(got, Signal::ALL.to_vec(), "{dir:?} twist {twist}");
        }
    }
    for twist in [-20.0f32, 20.0] {
        let cfg = GeneratorConfig {
            level_dbm0: if twist > 0.0 { -25.0 } else { -5.0 },
            twist_db: twist,
            ..GeneratorConfig::default()
        };
        for (dir, got) in detected(cfg) {
            assert!(got.is_empty(), "{dir:?} twist {twist}: {got:?}");
        }
    }
}
