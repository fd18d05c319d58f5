//! `dsp tone-detect` on WAV files: JSON lines per tone, answer tones with reversals, clear
//! errors for bad input.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use media_dsp::ans::AnsGenerator;
use media_dsp::tones::{Country, ToneGenerator, ToneKind};
use serde_json::Value;

fn write_wav(path: &Path, samples: &[i16], rate: u32, channels: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in samples {
        w.write_sample(s).expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

fn dsp(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsp"))
        .arg("tone-detect")
        .arg(file)
        .args(args)
        .output()
        .expect("run dsp")
}

fn lines(out: &Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// 500 ms of silence, `ms` of the tone, 6 s of silence.
fn tone_file(dir: &Path, country: Country, kind: ToneKind, ms: usize) -> PathBuf {
    let spec = country.profile().tone(kind).expect("tone");
    let mut tone = vec![0i16; ms * 8];
    ToneGenerator::new(spec).fill(&mut tone);
    let mut sig = vec![0i16; 4000];
    sig.extend(tone);
    sig.extend(std::iter::repeat_n(0, 48_000));
    let path = dir.join(format!("{country:?}-{kind:?}.wav"));
    write_wav(&path, &sig, 8000, 1);
    path
}

#[test]
fn busy_and_congestion_per_country() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (country, arg) in [
        (Country::China, "cn"),
        (Country::Etsi, "etsi"),
        (Country::NorthAmerica, "us"),
    ] {
        for (kind, name) in [
            (ToneKind::Busy, "busy"),
            (ToneKind::Congestion, "congestion"),
        ] {
            let path = tone_file(dir.path(), country, kind, 4000);
            let got = lines(&dsp(&["--country", arg], &path));
            assert_eq!(got.len(), 1, "{arg} {name}: {got:?}");
            let l = &got[0];
            assert_eq!(l["file"], path.display().to_string());
            assert_eq!(l["tone"], name, "{arg}: {l}");
            let start = l["start_ms"].as_u64().expect("start_ms");
            let end = l["end_ms"].as_u64().expect("end_ms");
            let detected = l["detected_ms"].as_u64().expect("detected_ms");
            assert!(start.abs_diff(500) <= 25, "{l}");
            assert!(end > 3500 && end <= 4525, "{l}");
            assert!(detected > start && detected <= start + 3000, "{l}");
            // Another plan does not see it.
            let other = if arg == "etsi" { "cn" } else { "etsi" };
            assert!(lines(&dsp(&["--country", other], &path)).is_empty());
        }
    }
}

#[test]
fn dial_ringback_and_sit() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (kind, name, ms) in [
        (ToneKind::Dial, "dial", 3000),
        (ToneKind::Ringback, "ringback", 14_000),
        (ToneKind::Sit, "sit", 928),
    ] {
        let path = tone_file(dir.path(), Country::NorthAmerica, kind, ms);
        let got = lines(&dsp(&["--country", "us"], &path));
        assert_eq!(got.len(), 1, "{name}: {got:?}");
        assert_eq!(got[0]["tone"], name);
    }
}

#[test]
fn answer_tone_reports_its_phase_reversals() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (reversals, want) in [(true, 6u64), (false, 0)] {
        let mut sig = vec![0i16; 800];
        let mut tone = vec![0i16; 24_000];
        AnsGenerator::new(2100.0, -12.0, reversals, true).fill(&mut tone);
        sig.extend(tone);
        sig.extend(std::iter::repeat_n(0, 800));
        let path = dir.path().join(format!("ans-{reversals}.wav"));
        write_wav(&path, &sig, 8000, 1);
        let got = lines(&dsp(&[], &path));
        assert_eq!(got.len(), 1, "{got:?}");
        let l = &got[0];
        assert_eq!(l["tone"], "ans");
        assert_eq!(l["phase_reversals"].as_u64(), Some(want), "{l}");
        let revs = l["reversal_ms"].as_array().expect("reversal_ms");
        assert_eq!(revs.len() as u64, want);
        for (k, r) in revs.iter().enumerate() {
            let r = r.as_u64().expect("ms");
            let expected = 100 + 450 * (k as u64 + 1);
            assert!(r.abs_diff(expected) <= 5, "{l}");
        }
        assert!(
            l["start_ms"].as_u64().expect("start").abs_diff(100) <= 10,
            "{l}"
        );
        assert!(
            l["end_ms"].as_u64().expect("end").abs_diff(3100) <= 10,
            "{l}"
        );
    }
}

#[test]
fn tone_still_on_at_the_end_of_the_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = Country::China.profile().tone(ToneKind::Dial).expect("dial");
    let mut sig = vec![0i16; 16_000];
    ToneGenerator::new(spec).fill(&mut sig);
    let path = dir.path().join("dial.wav");
    write_wav(&path, &sig, 8000, 1);
    let got = lines(&dsp(&["--country", "cn"], &path));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["tone"], "dial");
    assert!(
        got[0]["end_ms"].as_u64().expect("end") >= 1950,
        "{}",
        got[0]
    );
}

#[test]
fn silence_prints_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("silence.wav");
    write_wav(&path, &vec![0i16; 40_000], 8000, 1);
    assert!(lines(&dsp(&["--country", "etsi"], &path)).is_empty());
    let empty = dir.path().join("empty.wav");
    write_wav(&empty, &[], 8000, 1);
    assert!(lines(&dsp(&[], &empty)).is_empty());
}

#[test]
fn bad_input_fails_with_the_file_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wide = dir.path().join("wideband.wav");
    write_wav(&wide, &[0i16; 1600], 16_000, 1);
    let stereo = dir.path().join("stereo.wav");
    write_wav(&stereo, &[0i16; 1600], 8000, 2);
    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "not a wav").expect("write");
    let missing = dir.path().join("missing.wav");
    for path in [wide, stereo, text, missing] {
        let out = dsp(&["--country", "cn"], &path);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("dsp: ") && err.contains(&*path.display().to_string()),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = dsp(&["--country", "mars"], &dir.path().join("x.wav"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fax_calling_tone_bursts_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let amp = media_dsp::level::sine_peak(-15.0);
    let mut sig = vec![0i16; 800];
    for _ in 0..2 {
        for n in 0..4000 {
            let t = n as f32 / 8000.0;
            sig.push(media_dsp::level::saturate(
                amp * (2.0 * std::f32::consts::PI * 1100.0 * t).sin(),
            ));
        }
        sig.extend(std::iter::repeat_n(0, 24_000));
    }
    let path = dir.path().join("cng.wav");
    write_wav(&path, &sig, 8000, 1);
    let got = lines(&dsp(&["--country", "etsi"], &path));
    assert_eq!(got.len(), 2, "{got:?}");
    for (k, l) in got.iter().enumerate() {
        assert_eq!(l["tone"], "cng");
        let start = 100 + 3500 * k as u64;
        assert!(
            l["start_ms"].as_u64().expect("start").abs_diff(start) <= 10,
            "{l}"
        );
        assert!(
            l["end_ms"].as_u64().expect("end").abs_diff(start + 500) <= 10,
            "{l}"
        );
    }
}
