//! Helpers for the R2 MF tests: our generator and detector driven in 1 ms chunks, and the
//! spandsp 0.0.6 peer (`tests/peers/r2mf_spandsp.c`) as an independent generator/detector.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use media_dsp::r2mf::{Direction, GeneratorConfig, R2MfDetector, R2MfEvent, R2MfGenerator, Signal};

#[path = "../common/mod.rs"]
mod common;

pub fn peer() -> PathBuf {
    common::build_peer("r2mf_spandsp", &["spandsp"])
}

fn dir_arg(dir: Direction) -> &'static str {
    match dir {
        Direction::Forward => "fwd",
        Direction::Backward => "bwd",
    }
}

/// A sequence step: a signal (or silence) for some milliseconds.
pub type Step = (Option<Signal>, u32);

/// spandsp's `r2_mf_tx` output for `seq`.
pub fn spandsp_tx(dir: Direction, seq: &[Step]) -> Vec<i16> {
    let arg: Vec<String> = seq
        .iter()
        .map(|(s, ms)| format!("{}:{ms}", s.map_or('-', Signal::spandsp_char)))
        .collect();
    let out = Command::new(peer())
        .args(["tx", dir_arg(dir), &arg.join(",")])
        .output()
        .expect("run spandsp peer");
    assert!(out.status.success(), "spandsp tx failed");
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// What spandsp's `r2_mf_rx` reports for `samples`: (sample, signal or `None` for an end).
pub fn spandsp_rx(dir: Direction, samples: &[i16]) -> Vec<(u64, Option<Signal>)> {
    let mut child = Command::new(peer())
        .args(["rx", dir_arg(dir)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run spandsp peer");
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().expect("peer output");
    writer.join().expect("writer").expect("write to peer");
    assert!(out.status.success(), "spandsp rx failed");
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| {
            let (at, code) = l.split_once(' ').expect("line shape");
            let c = code.chars().next().expect("code");
            (
                at.parse().expect("sample"),
                if c == '-' {
                    None
                } else {
                    Some(Signal::from_spandsp_char(c).expect("spandsp code"))
                },
            )
        })
        .collect()
}

/// The signals spandsp recognised, in order.
pub fn spandsp_starts(dir: Direction, samples: &[i16]) -> Vec<Signal> {
    spandsp_rx(dir, samples)
        .into_iter()
        .filter_map(|(_, s)| s)
        .collect()
}

/// Our generator's output for `seq`, in 1 ms chunks.
pub fn ours_tx(dir: Direction, cfg: GeneratorConfig, seq: &[Step]) -> Vec<i16> {
    let mut g = R2MfGenerator::with_config(dir, cfg).expect("config");
    let mut out = Vec::new();
    for &(s, ms) in seq {
        g.set(s);
        for _ in 0..ms {
            let mut c = [0i16; 8];
            g.fill(&mut c);
            out.extend_from_slice(&c);
        }
    }
    out
}

/// Our detector's events for `samples`, fed in `block`-sample pieces.
pub fn ours_rx_blocks(dir: Direction, samples: &[i16], block: usize) -> Vec<R2MfEvent> {
    let mut det = R2MfDetector::new(dir);
    let mut ev = Vec::new();
    for c in samples.chunks(block) {
        det.process(c, |e| ev.push(e));
    }
    ev
}

/// Our detector's events for `samples`, fed in 1 ms chunks.
pub fn ours_rx(dir: Direction, samples: &[i16]) -> Vec<R2MfEvent> {
    ours_rx_blocks(dir, samples, 8)
}

/// The signals we recognised, in order.
pub fn ours_starts(dir: Direction, samples: &[i16]) -> Vec<Signal> {
    ours_rx(dir, samples)
        .into_iter()
        .filter_map(|e| match e {
            R2MfEvent::Start { signal, .. } => Some(signal),
            R2MfEvent::End { .. } => None,
        })
        .collect()
}

/// All 15 signals, each `on` ms then `off` ms of silence.
pub fn all_signals(on: u32, off: u32) -> Vec<Step> {
    Signal::ALL
        .iter()
        .flat_map(|&s| [(Some(s), on), (None, off)])
        .collect()
}

pub const BOTH: [Direction; 2] = [Direction::Forward, Direction::Backward];
