//! Every `dsp` command that reads WAV refuses anything but 8 kHz mono 16-bit PCM with a clear
//! error naming the file and the problem, exits 2, and leaves no partial output behind.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn dsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dsp"))
}

fn write_wav(path: &Path, channels: u16, rate: u32, bits: u16, float: bool, n: usize) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for i in 0..n * usize::from(channels) {
        let v = ((i % 50) as f32 / 50.0 - 0.5) * 0.5;
        match (float, bits) {
            (true, _) => w.write_sample(v).expect("write"),
            (false, 8) => w.write_sample((v * 127.0) as i8).expect("write"),
            (false, 16) => w.write_sample((v * 32767.0) as i16).expect("write"),
            (false, _) => w.write_sample((v * 8_388_607.0) as i32).expect("write"),
        }
    }
    w.finalize().expect("finalize");
}

/// Bad inputs, each with a phrase the error must contain.
fn bad_inputs(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let stereo = dir.join("stereo.wav");
    write_wav(&stereo, 2, 8000, 16, false, 800);
    let wide = dir.join("16k.wav");
    write_wav(&wide, 1, 16000, 16, false, 800);
    let narrow = dir.join("8bit.wav");
    write_wav(&narrow, 1, 8000, 8, false, 800);
    let deep = dir.join("24bit.wav");
    write_wav(&deep, 1, 8000, 24, false, 800);
    let float = dir.join("float.wav");
    write_wav(&float, 1, 8000, 32, true, 800);
    let good = dir.join("good.wav");
    write_wav(&good, 1, 8000, 16, false, 8000);
    let truncated = dir.join("truncated.wav");
    let bytes = std::fs::read(&good).expect("read");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let text = dir.join("notes.wav");
    std::fs::write(&text, "this is not a wav file\n").expect("write");
    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").expect("write");
    vec![
        (stereo, "channels"),
        (wide, "16000 Hz"),
        (narrow, "8 bits"),
        (deep, "24 bits"),
        (float, "floating point"),
        (truncated, "truncated"),
        (text, "not a readable WAV"),
        (empty, "not a readable WAV"),
        (dir.join("missing.wav"), "cannot open"),
    ]
}

#[test]
fn readers_reject_bad_wav_with_exit_2_and_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, phrase) in bad_inputs(dir.path()) {
        for args in [vec!["dtmf-detect"], vec!["cid-decode"], vec!["tone-detect"]] {
            let out = dsp().args(&args).arg(&path).output().expect("run dsp");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?} {}: {err}",
                path.display()
            );
            assert!(
                err.contains(&*path.to_string_lossy()),
                "error names the file: {err}"
            );
            assert!(
                err.contains(phrase),
                "{args:?} {}: want {phrase:?} in {err}",
                path.display()
            );
            assert_eq!(err.lines().count(), 1, "one-line error: {err}");
        }
    }
}

#[test]
fn writers_leave_no_partial_output_on_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.wav");
    write_wav(&good, 1, 8000, 16, false, 8000);
    for (bad, _) in bad_inputs(dir.path()) {
        let out_path = dir.path().join("out.wav");
        let out = dsp()
            .args(["echo-cancel", "--tail-ms", "64", "--far"])
            .arg(&good)
            .arg("--near")
            .arg(&bad)
            .arg("--out")
            .arg(&out_path)
            .output()
            .expect("run dsp");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out_path.exists(), "no output file after a failed run");
    }
    // No temporary files are left behind either.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // An output directory that does not exist is an error, not a panic.
    let out = dsp()
        .args(["dtmf-gen", "123"])
        .arg(dir.path().join("no/such/dir/x.wav"))
        .output()
        .expect("run dsp");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/dir/x.wav"));
}

#[test]
fn g711_round_trips_through_stdin_and_stdout() {
    use std::io::Write;
    let pcm: Vec<i16> = (0..4000)
        .map(|i| ((i * 37) % 20000 - 10000) as i16)
        .collect();
    let raw: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    for law in ["alaw", "ulaw"] {
        let mut enc = dsp()
            .args(["g711", "encode", "--law", law])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        enc.stdin
            .take()
            .expect("stdin")
            .write_all(&raw)
            .expect("write");
        let codes = enc.wait_with_output().expect("wait");
        assert!(codes.status.success());
        assert_eq!(codes.stdout.len(), pcm.len(), "one byte per sample");
        let mut dec = dsp()
            .args(["g711", "decode", "--law", law])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        dec.stdin
            .take()
            .expect("stdin")
            .write_all(&codes.stdout)
            .expect("write");
        let back = dec.wait_with_output().expect("wait");
        assert!(back.status.success());
        let mut expect = pcm.clone();
        let l = if law == "alaw" {
            media_dsp::g711::Law::Alaw
        } else {
            media_dsp::g711::Law::Ulaw
        };
        l.round_trip(&mut expect);
        let got: Vec<i16> = back
            .stdout
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(got, expect);
    }
    // An odd byte count is not s16le.
    let mut enc = dsp()
        .args(["g711", "encode", "--law", "alaw"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    enc.stdin
        .take()
        .expect("stdin")
        .write_all(&[1, 2, 3])
        .expect("write");
    let out = enc.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("odd number of bytes"));
}
