//! The call-progress detector on tones made by an independent generator: spandsp 0.0.6
//! `tone_gen`, with each country's frequencies, levels and cadences.

mod common;

use std::process::Command;

use media_dsp::tones::{Country, ToneDetector, ToneEvent, ToneKind};

/// spandsp `tone_gen` output: (f1, f2) Hz at `dbm0` each, on/off ms (0/0 = continuous).
fn spandsp_tone(
    exe: &std::path::Path,
    freqs: (i32, i32),
    dbm0: i32,
    on_off: (i32, i32),
    samples: usize,
) -> Vec<i16> {
    let (on, off) = if on_off == (0, 0) {
        (60_000, 0)
    } else {
        on_off
    };
    let args: Vec<String> = [
        freqs.0,
        dbm0,
        freqs.1,
        if freqs.1 > 0 { dbm0 } else { 0 },
        on,
        off,
        0,
        0,
        1,
    ]
    .iter()
    .map(ToString::to_string)
    .chain([samples.to_string()])
    .collect();
    let out = Command::new(exe).args(&args).output().expect("run peer");
    assert!(out.status.success());
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn detected(country: Country, sig: &[i16]) -> Vec<ToneKind> {
    let mut det = ToneDetector::new(country);
    let mut kinds = Vec::new();
    for c in sig.chunks(8) {
        det.process(c);
        while let Some(e) = det.poll_event() {
            if let ToneEvent::Detected { tone, .. } = e {
                kinds.push(tone);
            }
        }
    }
    kinds
}

/// Country, tone, (f1, f2) Hz, (on, off) ms, seconds to play.
type Case = (Country, ToneKind, (i32, i32), (i32, i32), usize);

#[test]
fn spandsp_generated_tones_are_detected() {
    let exe = common::build_peer("spandsp_tone", &["spandsp"]);
    let cases: [Case; 12] = [
        (Country::China, ToneKind::Dial, (450, 0), (0, 0), 3),
        (
            Country::China,
            ToneKind::Ringback,
            (450, 0),
            (1000, 4000),
            11,
        ),
        (Country::China, ToneKind::Busy, (450, 0), (350, 350), 3),
        (
            Country::China,
            ToneKind::Congestion,
            (450, 0),
            (700, 700),
            4,
        ),
        (Country::Etsi, ToneKind::Dial, (425, 0), (0, 0), 3),
        (
            Country::Etsi,
            ToneKind::Ringback,
            (425, 0),
            (1000, 4000),
            11,
        ),
        (Country::Etsi, ToneKind::Busy, (425, 0), (500, 500), 3),
        (Country::Etsi, ToneKind::Congestion, (425, 0), (250, 250), 3),
        (Country::NorthAmerica, ToneKind::Dial, (350, 440), (0, 0), 3),
        (
            Country::NorthAmerica,
            ToneKind::Ringback,
            (440, 480),
            (2000, 4000),
            13,
        ),
        (
            Country::NorthAmerica,
            ToneKind::Busy,
            (480, 620),
            (500, 500),
            3,
        ),
        (
            Country::NorthAmerica,
            ToneKind::Congestion,
            (480, 620),
            (250, 250),
            3,
        ),
    ];
    for (country, kind, freqs, on_off, seconds) in cases {
        for dbm0 in [-10, -30] {
            let sig = spandsp_tone(&exe, freqs, dbm0, on_off, seconds * 8000);
            assert_eq!(
                detected(country, &sig),
                [kind],
                "{country:?} {kind:?} at {dbm0} dBm0 from spandsp"
            );
        }
    }
}
