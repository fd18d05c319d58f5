//! ERLE against the real speexdsp 1.2.1 echo canceller (frame 160, tail 1024) on identical
//! signals: espeak-ng speech and white noise through G.168 Annex D hybrids behind pure delay,
//! through G.711. Ours (128 ms tail, 8-sample chunks, NLP off) must converge at least as
//! fast and reach at least the same ERLE.

mod common;
mod lec_sim;

use std::path::Path;

use lec_sim::*;
use media_dsp::g711::Law;

fn write_raw(path: &Path, s: &[i16]) {
    let bytes: Vec<u8> = s.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write raw");
}

fn speex(far: &[i16], near: &[i16]) -> Vec<i16> {
    let exe = common::build_peer("echo_speex", &["speexdsp"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (f, n, o) = (
        dir.path().join("far"),
        dir.path().join("near"),
        dir.path().join("out"),
    );
    write_raw(&f, far);
    write_raw(&n, near);
    let st = std::process::Command::new(exe)
        .arg(&f)
        .arg(&n)
        .arg(&o)
        .status()
        .expect("run peer");
    assert!(st.success(), "speexdsp peer failed");
    std::fs::read(&o)
        .expect("peer output")
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
fn erle_at_least_as_good_as_speexdsp() {
    let mut speech = espeak(SENTENCES, "en-us", -18.0);
    speech.extend(espeak(SENTENCES, "en-us+f3", -18.0));
    let noise = white(6.0, -20.0, 61);
    for (name, far, model, delay) in [
        ("speech", &speech, 8, 100.0),
        ("speech", &speech, 5, 30.0),
        ("noise", &noise, 2, 60.0),
        ("noise", &noise, 9, 100.0),
    ] {
        let sc = scenario(far, &echo_path(model, delay, 6.0), None, Some(Law::Ulaw));
        let ours = run(linear(128), &sc.far, &sc.near);
        let theirs = speex(&sc.far, &sc.near);
        let e = |out: &[i16], a: f32, b: f32| erle(&sc.echo, out, secs(a), secs(b).min(out.len()));
        let (o1, t1) = (e(&ours, 1.0, 3.0), e(&theirs, 1.0, 3.0));
        let (o2, t2) = (e(&ours, 3.0, 20.0), e(&theirs, 3.0, 20.0));
        eprintln!(
            "{name} D.{model}+{delay} ms: 1-3 s ours {o1:.1} speexdsp {t1:.1}; after 3 s ours {o2:.1} speexdsp {t2:.1}"
        );
        assert!(
            o1 >= t1,
            "{name} D.{model}: converging ERLE {o1:.1} dB < speexdsp {t1:.1}"
        );
        assert!(
            o2 >= t2,
            "{name} D.{model}: steady ERLE {o2:.1} dB < speexdsp {t2:.1}"
        );
    }
}
