//! `dsp dtmf-gen` and `dsp dtmf-detect` as a technician uses them: round trips, JSON output,
//! and clear errors (exit code 2, no output file, nothing on stdout) on bad input.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

fn dsp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsp"))
        .args(args)
        .output()
        .expect("run dsp")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn write_wav(p: &Path, rate: u32, bits: u16, channels: u16, samples: &[i32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(p, spec).expect("create wav");
    for &s in samples {
        w.write_sample(s).expect("write");
    }
    w.finalize().expect("finalize");
}

#[test]
fn generate_then_detect_every_digit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("all.wav");
    let out = dsp(&[
        "dtmf-gen",
        "123A456B789C*0#Dabcd",
        path(&wav),
        "--level",
        "-20",
        "--on",
        "60",
        "--off",
        "40",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = hound::WavReader::open(&wav).expect("wav");
    assert_eq!(
        (
            r.spec().sample_rate,
            r.spec().channels,
            r.spec().bits_per_sample
        ),
        (8000, 1, 16)
    );
    assert_eq!(r.len(), 20 * 800);

    let out = dsp(&["dtmf-detect", path(&wav)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let digits: String = lines
        .iter()
        .map(|l| l["digit"].as_str().expect("digit").to_owned())
        .collect();
    assert_eq!(digits, "123A456B789C*0#DABCD");
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["file"], path(&wav));
        let (start, end) = (
            l["start_ms"].as_i64().unwrap(),
            l["end_ms"].as_i64().unwrap(),
        );
        let (want_start, want_end) = (i as i64 * 100, i as i64 * 100 + 60);
        assert!((start - want_start).abs() <= 1, "{l}");
        assert!((end - want_end).abs() <= 1, "{l}");
        assert_eq!(
            l.as_object().unwrap().len(),
            4,
            "exactly file, digit, start_ms, end_ms"
        );
    }
}

#[test]
fn default_settings_and_several_files_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.wav");
    let b = dir.path().join("b.wav");
    assert!(dsp(&["dtmf-gen", "5", path(&a)]).status.success());
    assert!(
        dsp(&["dtmf-gen", "#0", path(&b), "--level", "-30"])
            .status
            .success()
    );
    let out = dsp(&["dtmf-detect", path(&a), path(&b)]);
    assert!(out.status.success());
    let lines = json_lines(&out);
    let got: Vec<(String, String, i64, i64)> = lines
        .iter()
        .map(|l| {
            (
                l["file"].as_str().unwrap().to_owned(),
                l["digit"].as_str().unwrap().to_owned(),
                l["start_ms"].as_i64().unwrap(),
                l["end_ms"].as_i64().unwrap(),
            )
        })
        .collect();
    // Defaults: 100 ms on, 100 ms off.
    let want = [(&a, "5", 0, 100), (&b, "#", 0, 100), (&b, "0", 200, 300)];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str()), (path(w.0), w.1));
        assert!((g.2 - w.2).abs() <= 1 && (g.3 - w.3).abs() <= 1, "{g:?}");
    }
}

#[test]
fn silence_gives_no_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("quiet.wav");
    write_wav(&wav, 8000, 16, 1, &[0; 8000]);
    let out = dsp(&["dtmf-detect", path(&wav)]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_digit_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("bad.wav");
    for digits in ["12E4", "1 2", "", "٣"] {
        let out = dsp(&["dtmf-gen", digits, path(&wav)]);
        assert_eq!(out.status.code(), Some(2), "{digits:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("dsp: dtmf-gen"), "{err}");
        assert!(err.contains("digit"), "{err}");
        assert!(!wav.exists(), "{digits:?} left a file");
        assert!(out.stdout.is_empty());
    }
    // No stray temporary files either.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_settings_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("x.wav");
    for args in [
        ["--level", "5"],
        ["--level", "-80"],
        ["--level", "nan"],
        ["--on", "0"],
        ["--off", "-5"],
    ] {
        let mut all = vec!["dtmf-gen", "1", path(&wav)];
        all.extend(args);
        let out = dsp(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!wav.exists(), "{args:?} left a file");
    }
    // Into a directory that does not exist.
    let nowhere = dir.path().join("no/such/dir/x.wav");
    let out = dsp(&["dtmf-gen", "1", path(&nowhere)]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_wav_files_are_errors_with_the_reason_and_print_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.wav");
    assert!(dsp(&["dtmf-gen", "7", path(&good)]).status.success());

    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "not audio at all").unwrap();
    let rate = dir.path().join("rate.wav");
    write_wav(&rate, 16000, 16, 1, &[0; 100]);
    let stereo = dir.path().join("stereo.wav");
    write_wav(&stereo, 8000, 16, 2, &[0; 100]);
    let wide = dir.path().join("wide.wav");
    write_wav(&wide, 8000, 24, 1, &[0; 100]);
    let cut = dir.path().join("cut.wav");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let missing = dir.path().join("missing.wav");

    for (file, reason) in [
        (&text, "not a readable WAV"),
        (&rate, "16000 Hz"),
        (&stereo, "channels"),
        (&wide, "24 bits"),
        (&cut, "truncated"),
        (&missing, "cannot open"),
    ] {
        // The good file first: still nothing printed, since all inputs are checked first.
        let out = dsp(&["dtmf-detect", path(&good), path(file)]);
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(path(file)) && err.contains(reason),
            "{}: {err}",
            file.display()
        );
        assert!(out.stdout.is_empty(), "{}: partial output", file.display());
    }
}
