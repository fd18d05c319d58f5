//! Signals in noise, and things that are not signals: white noise alone, DTMF digits, a
//! single frequency, three frequencies at once.

mod r2mf_support;

use media_dsp::dtmf::{Digit, DtmfGenerator, GeneratorConfig as DtmfConfig};
use media_dsp::level::rms_for_dbm0;
use media_dsp::noise::Noise;
use media_dsp::r2mf::{Direction, GeneratorConfig, Signal};
use r2mf_support::{BOTH, all_signals, ours_starts, ours_tx, spandsp_starts};

#[test]
fn signals_at_minus_20_dbm0_survive_noise_at_15_db_snr() {
    let cfg = GeneratorConfig {
        level_dbm0: -20.0,
        ..GeneratorConfig::default()
    };
    for (seed, dir) in BOTH.into_iter().enumerate() {
        let mut audio = ours_tx(dir, cfg, &all_signals(100, 60));
        // Two tones at -20 dBm0 each: -17 dBm0 of signal; noise 15 dB below.
        Noise::new(seed as u64).add_white(&mut audio, rms_for_dbm0(-32.0));
        assert_eq!(ours_starts(dir, &audio), Signal::ALL.to_vec(), "{dir:?}");
        assert_eq!(
            spandsp_starts(dir, &audio),
            Signal::ALL.to_vec(),
            "{dir:?} spandsp"
        );
    }
}

#[test]
fn noise_alone_is_never_a_signal() {
    for level in [-40.0f32, -25.0, -10.0] {
        let mut audio = vec![0i16; 8000 * 10];
        Noise::new(level as u64).add_white(&mut audio, rms_for_dbm0(level));
        for dir in BOTH {
            assert!(ours_starts(dir, &audio).is_empty(), "{dir:?} {level}");
        }
    }
}

#[test]
fn dtmf_digits_are_not_r2_signals() {
    let mut g = DtmfGenerator::new(DtmfConfig {
        level_dbm0: -7.0,
        on_ms: 100,
        off_ms: 50,
        ..DtmfConfig::default()
    })
    .unwrap();
    let mut audio = vec![0i16; 16 * 1200];
    for (i, d) in audio.chunks_mut(1200).enumerate() {
        g.start(Digit::ALL[i]);
        g.fill(d);
    }
    for dir in BOTH {
        assert!(ours_starts(dir, &audio).is_empty(), "{dir:?}");
    }
}

#[test]
fn one_or_three_frequencies_are_not_a_signal() {
    use media_dsp::dtmf::DualTone;
    for dir in BOTH {
        let f = dir.freqs();
        let mut single = vec![0i16; 8000];
        DualTone::new(f[2], -10.0, f[2], -70.0).add(&mut single, 0);
        assert!(ours_starts(dir, &single).is_empty(), "{dir:?} single");
        let mut triple = vec![0i16; 8000];
        DualTone::new(f[0], -12.0, f[3], -12.0).add(&mut triple, 0);
        DualTone::new(f[5], -12.0, f[5], -80.0).add(&mut triple, 0);
        assert!(ours_starts(dir, &triple).is_empty(), "{dir:?} triple");
        // The other direction's signals are not ours.
        let other = if dir == Direction::Forward {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let audio = ours_tx(other, GeneratorConfig::default(), &all_signals(100, 60));
        assert!(ours_starts(dir, &audio).is_empty(), "{dir:?} other set");
    }
}
