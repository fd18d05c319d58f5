//! The G.165/G.168 echo-canceller tone disabler: disabled by 2100 Hz with phase reversals,
//! not by plain 2100 Hz, re-enabled by ≥ 250 ms below −36 dBm0 and not by shorter gaps.

use media_dsp::ans::{AnsGenerator, DisablerMode, EchoCancellerDisabler};
use media_dsp::g711::Law;
use media_dsp::level;
use media_dsp::noise::Noise;

fn tone(freq: f32, dbm0: f32, reversals: bool, am: bool, samples: usize) -> Vec<i16> {
    let mut out = vec![0i16; samples];
    AnsGenerator::new(freq, dbm0, reversals, am).fill(&mut out);
    out
}

/// Runs `sig` through a disabler in 1 ms chunks; returns `disabled()` after each chunk.
fn trace(dis: &mut EchoCancellerDisabler, sig: &[i16]) -> Vec<bool> {
    sig.chunks(8)
        .map(|c| {
            dis.process(c);
            dis.disabled()
        })
        .collect()
}

/// First ms at which the trace is `state`.
fn first(tr: &[bool], state: bool) -> Option<usize> {
    tr.iter().position(|&d| d == state)
}

/// Modem-like data after the tone: band-limited noise at `dbm0`.
fn data(dbm0: f32, samples: usize, seed: u64) -> Vec<i16> {
    let mut v = vec![0i16; samples];
    Noise::new(seed).fill_white(&mut v, level::rms_for_dbm0(dbm0));
    v
}

#[test]
fn ans_pr_disables_about_when_the_first_reversal_arrives() {
    for (dbm0, am, law) in [
        (-12.0, false, None),
        (-12.0, true, Some(Law::Alaw)),
        (-30.0, false, Some(Law::Ulaw)),
        (-30.0, true, Some(Law::Alaw)),
    ] {
        let mut sig = vec![0i16; 800];
        sig.extend(tone(2100.0, dbm0, true, am, 16_000));
        if let Some(law) = law {
            law.round_trip(&mut sig);
        }
        let mut dis = EchoCancellerDisabler::new();
        let tr = trace(&mut dis, &sig);
        let at = first(&tr, true).unwrap_or_else(|| panic!("{dbm0} dBm0 am {am}: never disabled"));
        // Tone starts at 100 ms; first reversal at 550 ms.
        assert!(
            (545..=600).contains(&at),
            "{dbm0} dBm0 am {am}: disabled at {at} ms"
        );
        assert!(
            tr[at..].iter().all(|&d| d),
            "stays disabled while the tone lasts"
        );
    }
}

#[test]
fn ans_pr_at_20_db_snr_disables() {
    let mut sig = vec![0i16; 800];
    sig.extend(tone(2100.0, -25.0, true, true, 16_000));
    Noise::new(4).add_white(&mut sig, level::rms_for_dbm0(-45.0));
    Law::Alaw.round_trip(&mut sig);
    let mut dis = EchoCancellerDisabler::new();
    assert!(trace(&mut dis, &sig).last().copied().unwrap_or(false));
}

#[test]
fn plain_2100_does_not_disable_an_echo_canceller() {
    for am in [false, true] {
        let mut sig = vec![0i16; 800];
        sig.extend(tone(2100.0, -12.0, false, am, 32_000));
        let mut dis = EchoCancellerDisabler::new();
        assert!(trace(&mut dis, &sig).iter().all(|&d| !d), "am {am}");
    }
}

#[test]
fn plain_2100_disables_in_g164_mode_after_400_ms() {
    let mut sig = vec![0i16; 800];
    sig.extend(tone(2100.0, -12.0, false, false, 16_000));
    let mut dis = EchoCancellerDisabler::with_mode(DisablerMode::G164);
    let tr = trace(&mut dis, &sig);
    let at = first(&tr, true).expect("G.164 disables on plain 2100 Hz");
    assert!((495..=530).contains(&at), "disabled at {at} ms");
}

#[test]
fn off_frequency_tone_does_not_disable() {
    for freq in [2079.0, 2121.0, 2130.0] {
        let mut sig = vec![0i16; 800];
        sig.extend(tone(freq, -12.0, true, false, 24_000));
        let mut dis = EchoCancellerDisabler::new();
        assert!(trace(&mut dis, &sig).iter().all(|&d| !d), "{freq} Hz");
    }
}

#[test]
fn noise_does_not_disable() {
    let sig = data(-10.0, 80_000, 11);
    let mut dis = EchoCancellerDisabler::new();
    assert!(trace(&mut dis, &sig).iter().all(|&d| !d));
}

/// ANS/PR, then modem data, then a gap of `gap_ms` of silence (or of quiet line noise at
/// −50 dBm0), then data again.
fn session(gap_ms: usize, quiet_noise: bool) -> (Vec<i16>, usize) {
    let mut sig = tone(2100.0, -12.0, true, false, 24_000);
    sig.extend(data(-15.0, 16_000, 1));
    let gap_start_ms = sig.len() / 8;
    let gap = if quiet_noise {
        data(-50.0, gap_ms * 8, 2)
    } else {
        vec![0; gap_ms * 8]
    };
    sig.extend(gap);
    sig.extend(data(-15.0, 8_000, 3));
    (sig, gap_start_ms)
}

#[test]
fn data_after_the_tone_keeps_it_disabled() {
    let (sig, gap_start) = session(0, false);
    let mut dis = EchoCancellerDisabler::new();
    let tr = trace(&mut dis, &sig);
    let at = first(&tr, true).expect("disabled");
    assert!(tr[at..gap_start].iter().all(|&d| d));
    assert!(dis.disabled());
}

#[test]
fn re_enables_after_250_ms_below_minus_36_dbm0() {
    for quiet_noise in [false, true] {
        let (sig, gap_start) = session(400, quiet_noise);
        let mut dis = EchoCancellerDisabler::new();
        let tr = trace(&mut dis, &sig);
        let at = first(&tr[gap_start..], false)
            .unwrap_or_else(|| panic!("never re-enabled (noise {quiet_noise})"));
        // 250 ms of quiet, ± one 10 ms block at each end.
        assert!((245..=270).contains(&at), "re-enabled {at} ms into the gap");
        // Data afterwards does not disable it again (no new ANS/PR).
        assert!(!dis.disabled());
    }
}

#[test]
fn short_gaps_do_not_re_enable() {
    for gap in [50, 100, 200] {
        let (sig, _) = session(gap, false);
        let mut dis = EchoCancellerDisabler::new();
        let tr = trace(&mut dis, &sig);
        let at = first(&tr, true).expect("disabled");
        assert!(tr[at..].iter().all(|&d| d), "{gap} ms gap re-enabled it");
    }
}

#[test]
fn a_second_ans_pr_disables_again() {
    let (mut sig, _) = session(400, false);
    sig.extend(tone(2100.0, -12.0, true, true, 8_000));
    let mut dis = EchoCancellerDisabler::new();
    let tr = trace(&mut dis, &sig);
    assert!(tr.contains(&false) && *tr.last().expect("non-empty"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// The disabler's decision at any block boundary does not depend on how the samples
    /// were chunked.
    #[test]
    fn decisions_do_not_depend_on_chunking(
        chunks in proptest::collection::vec(1usize..700, 1..30),
        gap_ms in 0usize..400,
    ) {
        let (sig, _) = session(gap_ms, false);
        let mut whole = EchoCancellerDisabler::new();
        let reference: Vec<bool> = sig
            .chunks(80)
            .map(|c| {
                whole.process(c);
                whole.disabled()
            })
            .collect();
        let mut dis = EchoCancellerDisabler::new();
        let mut at_blocks = Vec::new();
        let (mut fed, mut i) = (0usize, 0usize);
        while fed < sig.len() {
            let n = chunks[i % chunks.len()].min(sig.len() - fed);
            // Feed up to the next block boundary at most, so each block end is observed.
            let n = n.min(80 - fed % 80);
            dis.process(&sig[fed..fed + n]);
            fed += n;
            i += 1;
            if fed % 80 == 0 || fed == sig.len() {
                at_blocks.push(dis.disabled());
            }
        }
        proptest::prop_assert_eq!(at_blocks, reference);
    }
}
