//! 2100 Hz answer-tone detection (V.25 ANS, V.8 ANSam): what is detected, what is rejected,
//! and where the phase reversals are reported.

use media_dsp::ans::{AnsDetector, AnsEvent, AnsGenerator, REVERSAL_INTERVAL};
use media_dsp::g711::Law;
use media_dsp::level;
use media_dsp::noise::Noise;
use proptest::prelude::*;

fn tone(freq: f32, dbm0: f32, reversals: bool, am: bool, samples: usize) -> Vec<i16> {
    let mut out = vec![0i16; samples];
    AnsGenerator::new(freq, dbm0, reversals, am).fill(&mut out);
    out
}

/// Silence, then the signal, then silence.
fn padded(signal: &[i16]) -> Vec<i16> {
    let mut v = vec![0i16; 1000];
    v.extend_from_slice(signal);
    v.extend(std::iter::repeat_n(0, 2000));
    v
}

/// Runs the detector in 8-sample chunks (the media thread's 1 ms), polling after each.
fn events_in_chunks(signal: &[i16], chunk: usize) -> Vec<AnsEvent> {
    let mut det = AnsDetector::new();
    let mut evs = Vec::new();
    for c in signal.chunks(chunk) {
        det.process(c);
        while let Some(e) = det.poll_event() {
            evs.push(e);
        }
    }
    assert_eq!(det.dropped_events(), 0);
    evs
}

fn events(signal: &[i16]) -> Vec<AnsEvent> {
    events_in_chunks(signal, 8)
}

fn reversal_positions(evs: &[AnsEvent]) -> Vec<u64> {
    evs.iter()
        .filter_map(|e| match e {
            AnsEvent::PhaseReversal { at_sample, .. } => Some(*at_sample),
            _ => None,
        })
        .collect()
}

/// Checks a 3 s ANS/PR (starting at sample 1000): tone on with reversals, every reversal
/// found within ±4 ms, tone off at the end.
fn assert_ans_pr(evs: &[AnsEvent], what: &str) {
    let ons: Vec<_> = evs
        .iter()
        .filter(|e| matches!(e, AnsEvent::ToneOn { .. }))
        .collect();
    assert_eq!(ons.len(), 1, "{what}: {evs:?}");
    let AnsEvent::ToneOn {
        with_phase_reversal,
        start_sample,
    } = *ons[0]
    else {
        unreachable!()
    };
    assert!(with_phase_reversal, "{what}: {evs:?}");
    assert!(
        start_sample.abs_diff(1000) <= 80,
        "{what}: start {start_sample}"
    );
    let revs = reversal_positions(evs);
    // 3 s of tone: reversals at 450, 900, ... 2700 ms.
    let expected: Vec<u64> = (1..=6).map(|k| 1000 + k * REVERSAL_INTERVAL).collect();
    assert_eq!(revs.len(), expected.len(), "{what}: {revs:?}");
    for (got, want) in revs.iter().zip(&expected) {
        assert!(
            got.abs_diff(*want) <= 32,
            "{what}: reversal {got} vs {want}"
        );
    }
    for e in evs {
        if let AnsEvent::PhaseReversal {
            since_previous: Some(d),
            ..
        } = e
        {
            assert!(d.abs_diff(REVERSAL_INTERVAL) <= 64, "{what}: spacing {d}");
        }
    }
    let off = evs
        .iter()
        .find_map(|e| match e {
            AnsEvent::ToneOff {
                end_sample,
                reversals,
            } => Some((*end_sample, *reversals)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{what}: no tone off {evs:?}"));
    assert!(off.0.abs_diff(1000 + 24_000) <= 80, "{what}: end {}", off.0);
    assert_eq!(off.1, 6, "{what}");
}

#[test]
fn ans_pr_is_detected_with_each_reversal() {
    let sig = padded(&tone(2100.0, -12.0, true, false, 24_000));
    assert_ans_pr(&events(&sig), "ANS/PR -12 dBm0");
}

#[test]
fn ansam_pr_is_detected() {
    let sig = padded(&tone(2100.0, -12.0, true, true, 24_000));
    assert_ans_pr(&events(&sig), "ANSam/PR");
}

#[test]
fn detected_across_levels_and_frequency_tolerance() {
    for dbm0 in [-3.0, -10.0, -20.0, -30.0] {
        for freq in [2085.0, 2092.0, 2100.0, 2108.0, 2115.0] {
            let sig = padded(&tone(freq, dbm0, true, false, 24_000));
            assert_ans_pr(&events(&sig), &format!("{freq} Hz at {dbm0} dBm0"));
        }
    }
}

#[test]
fn detected_through_g711_and_at_20_db_snr() {
    for law in [Law::Alaw, Law::Ulaw] {
        for (dbm0, am) in [(-12.0, false), (-30.0, true)] {
            let mut sig = padded(&tone(2100.0, dbm0, true, am, 24_000));
            law.round_trip(&mut sig);
            assert_ans_pr(&events(&sig), &format!("{law:?} {dbm0} dBm0"));
        }
    }
    for (seed, dbm0) in [(1, -12.0), (2, -25.0), (3, -30.0)] {
        let mut sig = padded(&tone(2100.0, dbm0, true, true, 24_000));
        // 20 dB below the tone's power (sine RMS = level), over the whole band.
        Noise::new(seed).add_white(&mut sig, level::rms_for_dbm0(dbm0 - 20.0));
        Law::Alaw.round_trip(&mut sig);
        assert_ans_pr(&events(&sig), &format!("20 dB SNR at {dbm0} dBm0"));
    }
}

/// Expects exactly one plain (no reversal) tone from `start` to `end`, ± one block.
fn assert_plain(evs: &[AnsEvent], start: u64, end: u64, what: &str) {
    match evs {
        [
            AnsEvent::ToneOn {
                with_phase_reversal: false,
                start_sample,
            },
            AnsEvent::ToneOff {
                end_sample,
                reversals: 0,
            },
        ] => {
            assert!(start_sample.abs_diff(start) <= 80, "{what}: {evs:?}");
            assert!(end_sample.abs_diff(end) <= 80, "{what}: {evs:?}");
        }
        _ => panic!("{what}: {evs:?}"),
    }
}

#[test]
fn plain_ans_has_no_reversals() {
    for am in [false, true] {
        let evs = events(&padded(&tone(2100.0, -12.0, false, am, 24_000)));
        assert_plain(&evs, 1000, 25_000, &format!("am {am}"));
    }
}

#[test]
fn plain_ans_is_reported_before_its_end() {
    let sig = padded(&tone(2100.0, -12.0, false, false, 24_000));
    let mut det = AnsDetector::new();
    // 1000 samples of silence + 700 ms of tone: ToneOn is already out.
    det.process(&sig[..1000 + 5600]);
    assert!(matches!(
        det.poll_event(),
        Some(AnsEvent::ToneOn {
            with_phase_reversal: false,
            ..
        })
    ));
}

#[test]
fn finish_reports_a_tone_still_present() {
    let sig = tone(2100.0, -12.0, true, false, 8000);
    let mut det = AnsDetector::new();
    det.process(&sig);
    det.finish();
    let evs: Vec<_> = std::iter::from_fn(|| det.poll_event()).collect();
    assert!(
        matches!(
            evs.last(),
            Some(AnsEvent::ToneOff {
                end_sample: 8000,
                reversals: 2
            })
        ),
        "{evs:?}"
    );
}

#[test]
fn short_plain_tone_is_reported_at_its_end() {
    let evs = events(&padded(&tone(2100.0, -12.0, false, false, 2400)));
    assert_plain(&evs, 1000, 3400, "300 ms");
}

#[test]
fn off_frequency_tones_are_rejected() {
    for off in [21.0, 25.0, 30.0, 40.0, 60.0, 100.0, 300.0] {
        for sign in [-1.0, 1.0] {
            for dbm0 in [-10.0, -30.0] {
                let freq = 2100.0 + sign * off;
                let evs = events(&padded(&tone(freq, dbm0, true, false, 24_000)));
                assert!(evs.is_empty(), "{freq} Hz at {dbm0} dBm0: {evs:?}");
            }
        }
    }
}

#[test]
fn too_quiet_tone_is_ignored() {
    let evs = events(&padded(&tone(2100.0, -45.0, true, false, 24_000)));
    assert!(evs.is_empty(), "{evs:?}");
}

#[test]
fn noise_and_silence_do_not_trigger() {
    let mut sig = vec![0i16; 16_000];
    let mut n = Noise::new(7);
    for dbm0 in [-40.0, -20.0, -10.0, 0.0] {
        let mut chunk = vec![0i16; 40_000];
        n.fill_white(&mut chunk, level::rms_for_dbm0(dbm0));
        sig.extend_from_slice(&chunk);
    }
    assert!(events(&sig).is_empty());
}

/// A sustained vowel whose 14th harmonic sits exactly on 2100 Hz (pitch 150 Hz), with a
/// formant boosting the harmonics around it, plus a pitch glide across 2100 Hz.
#[test]
fn harmonic_rich_vowels_do_not_trigger() {
    let mut sig = Vec::new();
    for (pitch, glide) in [(150.0f32, 0.0f32), (140.0, 20.0), (175.0, -10.0)] {
        for n in 0..24_000 {
            let t = n as f32 / 8000.0;
            let f0 = pitch + glide * t;
            let mut x = 0.0;
            for h in 1..=25 {
                let f = f0 * h as f32;
                // Formants near 700 and 2100 Hz.
                let g = 1.0 / (1.0 + ((f - 700.0) / 150.0).powi(2))
                    + 0.7 / (1.0 + ((f - 2100.0) / 120.0).powi(2));
                x += g
                    * (2.0
                        * std::f32::consts::PI
                        * (pitch * h as f32 * t + 0.5 * glide * h as f32 * t * t))
                        .sin();
            }
            sig.push(level::saturate(3000.0 * x));
        }
    }
    assert!(events(&sig).is_empty(), "{:?}", events(&sig));
}

/// Real synthetic speech (espeak-ng), resampled to 8 kHz with sox.
#[test]
fn speech_does_not_trigger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = dir.path().join("speech.wav");
    let pcm = dir.path().join("speech8k.wav");
    let text = "Thank you for calling. Please hold while we connect you to the next \
                available agent. Your call is important to us. Press one for sales, \
                two for support, or stay on the line. Eins zwei drei, bonjour, ni hao.";
    let ok = std::process::Command::new("espeak-ng")
        .args(["-s", "160", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng missing: run `make deps`");
    assert!(ok.success());
    let ok = std::process::Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16"])
        .arg(&pcm)
        .status()
        .expect("sox missing: run `make deps`");
    assert!(ok.success());
    let speech: Vec<i16> = hound::WavReader::open(&pcm)
        .expect("wav")
        .into_samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    assert!(speech.len() > 8000 * 5, "speech too short");
    // Loud and quiet, and through A-law.
    for gain in [0.5f32, 2.0] {
        let mut sig: Vec<i16> = speech
            .iter()
            .map(|&s| level::saturate(f32::from(s) * gain))
            .collect();
        Law::Alaw.round_trip(&mut sig);
        let evs = events(&sig);
        assert!(evs.is_empty(), "gain {gain}: {evs:?}");
    }
}

#[test]
fn detection_does_not_depend_on_chunking() {
    let mut sig = padded(&tone(2100.0, -20.0, true, true, 20_000));
    Noise::new(9).add_white(&mut sig, 100.0);
    let reference = events_in_chunks(&sig, 8);
    assert!(!reference.is_empty());
    for chunk in [1, 7, 80, 160, 333, sig.len()] {
        assert_eq!(events_in_chunks(&sig, chunk), reference, "chunk {chunk}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn chunking_never_changes_events(
        chunks in proptest::collection::vec(1usize..400, 1..60),
        offset in 0usize..800,
        rev in any::<bool>(),
    ) {
        let mut sig = vec![0i16; offset];
        sig.extend(tone(2100.0, -15.0, rev, false, 12_000));
        sig.extend(std::iter::repeat_n(0, 1000));
        let reference = events_in_chunks(&sig, sig.len());
        let mut det = AnsDetector::new();
        let mut evs = Vec::new();
        let mut rest = &sig[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = chunks[i % chunks.len()].min(rest.len());
            det.process(&rest[..n]);
            rest = &rest[n..];
            i += 1;
            while let Some(e) = det.poll_event() {
                evs.push(e);
            }
        }
        prop_assert_eq!(evs, reference);
    }

    #[test]
    fn never_panics_on_arbitrary_input(samples in proptest::collection::vec(any::<i16>(), 0..4000)) {
        let mut det = AnsDetector::new();
        det.process(&samples);
        det.process(&samples);
        while det.poll_event().is_some() {}
    }
}
