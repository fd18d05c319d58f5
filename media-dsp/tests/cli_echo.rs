//! `dsp echo-cancel`: cancels the echo of FAR in NEAR into OUT (sample-aligned with NEAR);
//! mismatched lengths, a bad tail and bad WAVs give a clear error, exit code 2 and no output.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

use media_dsp::noise::Noise;

fn write_wav(path: &Path, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in samples {
        w.write_sample(s).expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

fn read_wav(path: &Path) -> Vec<i16> {
    hound::WavReader::open(path)
        .expect("open output")
        .into_samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect()
}

fn dsp(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsp"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run dsp")
}

/// 3 s of far-end noise and its echo (20 ms delay, a short decaying response, about 8 dB ERL).
fn signals() -> (Vec<i16>, Vec<i16>) {
    let n = 24_000;
    let mut far = vec![0i16; n];
    Noise::new(5).fill_white(&mut far, 4000.0);
    let h = [0.3f32, -0.2, 0.1, 0.05, -0.03];
    let near = (0..n)
        .map(|i| {
            let acc: f32 = h
                .iter()
                .enumerate()
                .filter(|(k, _)| i >= 160 + k)
                .map(|(k, c)| c * f32::from(far[i - 160 - k]))
                .sum();
            acc.round() as i16
        })
        .collect();
    (far, near)
}

#[test]
fn cancels_the_echo_into_an_aligned_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (far, near) = signals();
    write_wav(&dir.path().join("far.wav"), &far);
    write_wav(&dir.path().join("near.wav"), &near);
    let out = dsp(
        &[
            "echo-cancel",
            "--tail-ms",
            "64",
            "--far",
            "far.wav",
            "--near",
            "near.wav",
            "--out",
            "out.wav",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clean = read_wav(&dir.path().join("out.wav"));
    assert_eq!(clean.len(), near.len());
    let p = |s: &[i16]| media_dsp::level::mean_power(s);
    let erle = 10.0 * (p(&near[16_000..]) / p(&clean[16_000..]).max(1e-3)).log10();
    assert!(erle > 30.0, "echo only {erle:.1} dB down (NLP on)");
}

fn assert_fails_cleanly(args: &[&str], dir: &Path, needle: &str) {
    let out = dsp(args, dir);
    assert_eq!(out.status.code(), Some(2), "exit code for {args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "stderr {err:?} does not mention {needle:?}"
    );
    assert!(
        !dir.join("out.wav").exists(),
        "an output file was left behind"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn mismatched_lengths_bad_tail_and_bad_wavs_fail_with_exit_2_and_no_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (far, near) = signals();
    write_wav(&dir.path().join("far.wav"), &far);
    write_wav(&dir.path().join("near.wav"), &near);
    write_wav(&dir.path().join("short.wav"), &near[..1000]);
    std::fs::write(dir.path().join("text.wav"), "not a wav file").expect("write");
    let base = |far: &'static str, near: &'static str, tail: &'static str| {
        vec![
            "echo-cancel",
            "--tail-ms",
            tail,
            "--far",
            far,
            "--near",
            near,
            "--out",
            "out.wav",
        ]
    };
    assert_fails_cleanly(&base("far.wav", "short.wav", "128"), dir.path(), "samples");
    assert_fails_cleanly(&base("far.wav", "near.wav", "200"), dir.path(), "200 ms");
    assert_fails_cleanly(&base("far.wav", "near.wav", "8"), dir.path(), "tail");
    assert_fails_cleanly(&base("text.wav", "near.wav", "128"), dir.path(), "text.wav");
    assert_fails_cleanly(
        &base("far.wav", "missing.wav", "128"),
        dir.path(),
        "missing.wav",
    );
}
