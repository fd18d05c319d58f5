//! `dsp cid-gen` / `dsp cid-decode` as a technician runs them.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

fn dsp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsp"))
        .args(args)
        .output()
        .expect("run dsp")
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

#[test]
fn generate_then_decode_both_fsk_standards() {
    let dir = tempfile::tempdir().expect("tempdir");
    for std in ["v23", "bell202"] {
        let wav = dir.path().join(format!("{std}.wav"));
        let out = dsp(&[
            "cid-gen",
            "--standard",
            std,
            "--number",
            "0123456789",
            "--name",
            "ACME Call Center",
            path(&wav),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = dsp(&["cid-decode", path(&wav)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json_lines(&out);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["standard"], std);
        assert_eq!(v[0]["message_type"], "mdmf");
        assert_eq!(v[0]["number"], "0123456789");
        assert_eq!(v[0]["name"], "ACME Call Center");
        assert_eq!(v[0]["number_absence"], serde_json::Value::Null);
        assert_eq!(v[0]["checksum_ok"], true);
    }
}

#[test]
fn private_number_is_an_absence_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("p.wav");
    let out = dsp(&[
        "cid-gen",
        "--standard",
        "v23",
        "--number",
        "private",
        path(&wav),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_lines(&dsp(&["cid-decode", path(&wav)]));
    assert_eq!(v[0]["number_absence"], "private");
    assert_eq!(v[0]["number"], serde_json::Value::Null);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("x.wav");
    let long_name = "n".repeat(51);
    for args in [
        vec!["--standard", "bell202", "--number", "555-1234"],
        vec!["--standard", "v23", "--number", "123456789012345678901"],
        vec!["--standard", "v23", "--number", "123", "--name", &long_name],
        vec!["--standard", "dtmf", "--number", "12*3"],
        vec!["--standard", "dtmf", "--number", "123", "--name", "x"],
    ] {
        let mut a = vec!["cid-gen"];
        a.extend(args.iter().copied());
        a.push(path(&wav));
        let out = dsp(&a);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
        assert!(!wav.exists(), "{args:?} left an output file");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}

fn write_wav(p: &Path, s: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(p, spec).expect("create");
    for &x in s {
        w.write_sample(x).expect("write");
    }
    w.finalize().expect("finalize");
}

#[test]
fn silence_and_bad_checksum_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let silent = dir.path().join("silent.wav");
    write_wav(&silent, &[0; 8000]);
    let out = dsp(&["cid-decode", path(&silent)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no caller ID found"));
    assert!(out.stdout.is_empty());

    // A message with its checksum off by one, sent with the library's transmitter.
    use media_dsp::cid::{CallerId, CidTx, Number, Preamble};
    use media_dsp::fsk::{FskModulator, FskStandard};
    let mut id = CallerId::mdmf();
    id.number = Some(Number::number("5551234").expect("number"));
    let mut buf = [0u8; 64];
    let n = id.emit(&mut buf).expect("emit");
    buf[n - 1] ^= 0x10;
    let mut tx = CidTx::new(
        FskModulator::new(FskStandard::Bell202, -13.0),
        Preamble::BELLCORE,
        &buf[..n],
    )
    .expect("tx");
    let mut s = vec![0i16; tx.total_samples() + 2000];
    tx.fill(&mut s[800..]);
    let bad = dir.path().join("bad.wav");
    write_wav(&bad, &s);
    let out = dsp(&["cid-decode", path(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad checksum"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn dtmf_clip_generate_then_decode() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (number, want_number, want_absence) in [
        (
            "0123456789",
            serde_json::json!("0123456789"),
            serde_json::Value::Null,
        ),
        (
            "private",
            serde_json::Value::Null,
            serde_json::json!("private"),
        ),
        (
            "unavailable",
            serde_json::Value::Null,
            serde_json::json!("unavailable"),
        ),
    ] {
        let wav = dir.path().join(format!("{number}.wav"));
        let out = dsp(&[
            "cid-gen",
            "--standard",
            "dtmf",
            "--number",
            number,
            path(&wav),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = dsp(&["cid-decode", path(&wav)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json_lines(&out);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0]["standard"], "dtmf");
        assert_eq!(v[0]["message_type"], "c_terminated");
        assert_eq!(v[0]["number"], want_number);
        assert_eq!(v[0]["number_absence"], want_absence);
    }
}
