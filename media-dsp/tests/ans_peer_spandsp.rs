//! The answer-tone detector and generator against spandsp 0.0.6 `modem_connect_tones`:
//! our detector on spandsp's ANS, ANS/PR, ANSam and ANSam/PR, and spandsp's detector on
//! ours. The two were written independently, so agreement checks both directions.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use media_dsp::ans::{AnsDetector, AnsEvent, AnsGenerator};

/// The peer, built once per test binary (two tests compiling it into the same path at
/// once would race).
fn peer() -> &'static std::path::Path {
    static EXE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    EXE.get_or_init(|| common::build_peer("spandsp_ans", &["spandsp"]))
}

/// spandsp's MODEM_CONNECT_TONES_* codes.
const ANS: i32 = 2;
const ANS_PR: i32 = 3;
const ANSAM: i32 = 4;
const ANSAM_PR: i32 = 5;

fn spandsp_tx(exe: &std::path::Path, kind: i32, samples: usize) -> Vec<i16> {
    let out = Command::new(exe)
        .args(["tx", &kind.to_string(), &samples.to_string()])
        .output()
        .expect("run peer");
    assert!(out.status.success());
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The tone codes spandsp's detector reports for `sig` (listening for `kind`).
fn spandsp_rx(exe: &std::path::Path, kind: i32, sig: &[i16]) -> Vec<(i32, u64)> {
    let mut child = Command::new(exe)
        .args(["rx", &kind.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run peer");
    let bytes: Vec<u8> = sig.iter().flat_map(|s| s.to_le_bytes()).collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&bytes)
        .expect("write");
    let out = child.wait_with_output().expect("peer output");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0] == "tone").then(|| (f[1].parse().expect("code"), f[2].parse().expect("pos")))
        })
        .collect()
}

fn ours(sig: &[i16]) -> Vec<AnsEvent> {
    let mut det = AnsDetector::new();
    let mut evs = Vec::new();
    for c in sig.chunks(8) {
        det.process(c);
        evs.extend(std::iter::from_fn(|| det.poll_event()));
    }
    det.finish();
    evs.extend(std::iter::from_fn(|| det.poll_event()));
    evs
}

#[test]
fn we_detect_spandsp_answer_tones() {
    let exe = peer();
    for kind in [ANS, ANS_PR, ANSAM, ANSAM_PR] {
        let mut sig = vec![0i16; 800];
        sig.extend(spandsp_tx(exe, kind, 32_000));
        let evs = ours(&sig);
        let pr = kind == ANS_PR || kind == ANSAM_PR;
        let on = evs.iter().find_map(|e| match e {
            AnsEvent::ToneOn {
                with_phase_reversal,
                ..
            } => Some(*with_phase_reversal),
            _ => None,
        });
        assert_eq!(on, Some(pr), "spandsp tone {kind}: {evs:?}");
        let spacings: Vec<u64> = evs
            .iter()
            .filter_map(|e| match e {
                AnsEvent::PhaseReversal {
                    since_previous: Some(d),
                    ..
                } => Some(*d),
                _ => None,
            })
            .collect();
        if pr {
            assert!(!spacings.is_empty(), "spandsp tone {kind}: {evs:?}");
            for d in spacings {
                // V.25: 450 ± 25 ms.
                assert!(d.abs_diff(3600) <= 200, "spandsp tone {kind}: spacing {d}");
            }
        } else {
            assert!(spacings.is_empty(), "spandsp tone {kind}: {evs:?}");
        }
    }
}

#[test]
fn spandsp_detects_our_answer_tones() {
    let exe = peer();
    for (reversals, am, kind) in [
        (false, false, ANS),
        (true, false, ANS_PR),
        (false, true, ANSAM),
        (true, true, ANSAM_PR),
    ] {
        let mut sig = vec![0i16; 800];
        let mut tone = vec![0i16; 32_000];
        AnsGenerator::new(2100.0, -12.0, reversals, am).fill(&mut tone);
        sig.extend(tone);
        let codes = spandsp_rx(exe, ANS_PR, &sig);
        assert_eq!(
            codes.first().map(|c| c.0),
            Some(kind),
            "ours (reversals {reversals}, am {am}): spandsp saw {codes:?}"
        );
    }
}
