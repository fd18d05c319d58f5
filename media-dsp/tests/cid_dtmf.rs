//! DTMF CLIP on the line (ETSI EN 300 659-1 Annex B): digit strings sent as DTMF tones
//! with `media_dsp::dtmf` and received back, here and against spandsp's CLIP-DTMF.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use media_dsp::cid::{
    CidError, DTMF_CLIP_MAX_GAP_MS, DTMF_CLIP_OFF_MS, DTMF_CLIP_ON_MS, DtmfClip, DtmfClipAbsence,
    DtmfClipFormat, DtmfClipRx, DtmfClipTx, Number,
};
use media_dsp::dtmf::{Digit, GeneratorConfig, generate, generated_len};
use media_dsp::g711::Law;
use media_dsp::level;
use media_dsp::noise::Noise;

fn peer() -> &'static Path {
    static PEER: OnceLock<PathBuf> = OnceLock::new();
    PEER.get_or_init(|| common::build_peer("cid_spandsp", &["spandsp"]))
}

fn clips() -> Vec<DtmfClip> {
    let number = |s: &str| Some(Number::number(s).expect("number"));
    let base = DtmfClip {
        format: DtmfClipFormat::CTerminated,
        number: None,
        redirect: None,
        absence: None,
    };
    vec![
        DtmfClip {
            number: number("0123456789"),
            ..base
        },
        DtmfClip {
            number: number("31201234567"),
            redirect: number("31207654321"),
            ..base
        },
        DtmfClip {
            absence: Some(DtmfClipAbsence::Private),
            ..base
        },
        DtmfClip {
            absence: Some(DtmfClipAbsence::Unavailable),
            ..base
        },
        DtmfClip {
            format: DtmfClipFormat::HashTerminated,
            number: number("0701234567"),
            ..base
        },
        DtmfClip {
            format: DtmfClipFormat::HashTerminated,
            absence: Some(DtmfClipAbsence::International),
            ..base
        },
    ]
}

fn send(clip: &DtmfClip, level_dbm0: f32) -> Vec<i16> {
    let mut tx = DtmfClipTx::new(clip, level_dbm0).expect("tx");
    let mut s = vec![0i16; 800 + tx.total_samples() + 800];
    let n = tx.fill(&mut s[800..]);
    assert_eq!(n, tx.total_samples());
    s
}

fn receive(s: &[i16], chunk: usize) -> Vec<Result<DtmfClip, CidError>> {
    let mut rx = DtmfClipRx::new();
    let mut got = Vec::new();
    for c in s.chunks(chunk) {
        rx.process(c, |r| got.push(r));
    }
    rx.finish(|r| got.push(r));
    got
}

#[test]
fn every_framing_round_trips_through_tones() {
    for clip in clips() {
        for chunk in [8, 160, 100_000] {
            assert_eq!(
                receive(&send(&clip, -10.0), chunk),
                vec![Ok(clip)],
                "{clip:?}"
            );
        }
    }
}

#[test]
fn through_g711_at_low_level_and_in_noise() {
    for (i, clip) in clips().into_iter().enumerate() {
        for law in [Law::Alaw, Law::Ulaw] {
            let mut s = send(&clip, -25.0);
            // 20 dB below one tone's level.
            Noise::new(i as u64).add_white(&mut s, level::rms_for_dbm0(-25.0 - 20.0));
            law.round_trip(&mut s);
            assert_eq!(receive(&s, 8), vec![Ok(clip)], "{clip:?} {law:?}");
        }
    }
}

#[test]
fn digits_outside_a_string_are_ignored() {
    let clip = clips().remove(0);
    let cfg = GeneratorConfig {
        level_dbm0: -10.0,
        twist_db: 0.0,
        on_ms: 70,
        off_ms: 200,
    };
    // A stray "5#" from a keypad before the string is not part of it.
    let stray: Vec<Digit> = "5#".chars().filter_map(Digit::from_char).collect();
    let mut s = vec![0i16; generated_len(stray.len(), &cfg)];
    generate(&stray, &cfg, &mut s).expect("generate");
    s.extend(send(&clip, -10.0));
    assert_eq!(receive(&s, 8), vec![Ok(clip)]);
}

#[test]
fn a_cut_or_interrupted_string_is_reported() {
    let clip = clips().remove(0);
    let per_digit = ((DTMF_CLIP_ON_MS + DTMF_CLIP_OFF_MS) * 8) as usize;
    // Cut just before the end code.
    let mut s = send(&clip, -10.0);
    s.truncate(s.len() - 800 - per_digit);
    assert_eq!(receive(&s, 8), vec![Err(CidError::MalformedDtmf)]);
    // A pause longer than the limit in the middle: the first half is abandoned, and the
    // second half has no start code.
    let s = send(&clip, -10.0);
    let mid = 800 + 5 * per_digit;
    let mut gapped = s[..mid].to_vec();
    gapped.extend(vec![0i16; (DTMF_CLIP_MAX_GAP_MS as usize + 200) * 8]);
    gapped.extend(&s[mid..]);
    for chunk in [8, gapped.len()] {
        assert_eq!(receive(&gapped, chunk), vec![Err(CidError::MalformedDtmf)]);
    }
}

#[test]
fn spandsp_clip_dtmf_decodes_here_and_ours_there() {
    let exe = peer();
    for clip in clips() {
        let mut digits = [0u8; 64];
        let n = clip.encode(&mut digits).expect("encode");
        let text = std::str::from_utf8(&digits[..n]).expect("ascii");
        let out = Command::new(exe)
            .args(["tx", "clip-dtmf", text])
            .output()
            .expect("peer");
        assert!(out.status.success());
        let s: Vec<i16> = out
            .stdout
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(receive(&s, 8), vec![Ok(clip)], "spandsp sent {text}");

        let ours = send(&clip, -10.0);
        let mut child = Command::new(exe)
            .args(["rx", "clip-dtmf"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("peer");
        let bytes: Vec<u8> = ours.iter().flat_map(|x| x.to_le_bytes()).collect();
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&bytes)
            .expect("write");
        let out = child.wait_with_output().expect("peer");
        let got = String::from_utf8(out.stdout).expect("utf8");
        assert_eq!(
            got.lines().collect::<Vec<_>>(),
            vec![text],
            "spandsp received"
        );
    }
}
