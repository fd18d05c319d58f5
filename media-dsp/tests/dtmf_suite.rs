//! The DTMF receiver against the Q.24 requirements, built synthetically in the manner of the
//! Mitel/spandsp test suites: every digit; frequency tolerance on both tones and on each; twist;
//! duration; dynamic range; white noise; dial tone; interruptions; a G.711 A-law round trip;
//! and identical results for any block size.
//!
//! Unless a test says otherwise, bursts are 50 ms of tone and 50 ms of silence at −10 dBm0 per
//! tone, processed in 160-sample blocks, and a digit counts as found when the detector reports
//! that digit once, overlapping the burst, and nothing else.

mod common;
mod dtmf_support;

use dtmf_support::{
    Burst, Signal, detect, digit, digits_of, events, events_with, ms, score, string_of,
};
use media_dsp::dtmf::{DetectorConfig, Digit, DtmfDetector, DtmfEvent};
use proptest::prelude::*;

const ALL: &str = "123A456B789C*0#D";

/// Builds a signal of bursts for each character of `digits` via `burst`, with `gap_ms` of
/// silence after each and a short lead-in; an offset of `i mod 40` samples varies the
/// alignment of bursts with the detector's 5 ms hops.
fn sequence(digits: &str, gap_ms: f64, burst: impl Fn(char) -> Burst) -> Signal {
    let mut s = Signal::new();
    s.silence(20.0);
    for (i, c) in digits.chars().enumerate() {
        s.silence((i % 40) as f64 / 8.0);
        s.burst(burst(c)).silence(gap_ms);
    }
    s
}

fn assert_all_found(what: &str, s: &Signal) {
    let found = detect(&s.samples);
    let (hit, missed, extra) = score(&s.truth, &found);
    assert!(
        missed == 0 && extra == 0,
        "{what}: {hit} found, {missed} missed, {extra} extra; sent {} got {}",
        string_of(&s.truth),
        string_of(&found)
    );
}

fn assert_none_found(what: &str, s: &Signal) {
    let found = detect(&s.samples);
    assert!(
        found.is_empty(),
        "{what}: expected no digit, got {}",
        string_of(&found)
    );
}

#[test]
fn all_sixteen_digits_with_their_timing() {
    let s = sequence(&ALL.repeat(4), 50.0, |c| Burst::new(c, -10.0, 50.0));
    let found = detect(&s.samples);
    assert_eq!(string_of(&found), string_of(&s.truth));
    for (t, f) in s.truth.iter().zip(&found) {
        let (ds, de) = (f.start as i64 - t.start as i64, f.end as i64 - t.end as i64);
        assert!(
            ds.abs() <= 8 && de.abs() <= 8,
            "{}: sent {}..{}, found {}..{}",
            t.digit,
            t.start,
            t.end,
            f.start,
            f.end
        );
    }
}

#[test]
fn frequency_tolerance_both_tones_and_each_tone() {
    // (low deviation, high deviation) in percent.
    let accept = [
        (1.5, 1.5),
        (-1.5, -1.5),
        (1.5, -1.5),
        (-1.5, 1.5),
        (1.5, 0.0),
        (-1.5, 0.0),
        (0.0, 1.5),
        (0.0, -1.5),
        (1.0, -0.5),
    ];
    let reject = [
        (3.5, 3.5),
        (-3.5, -3.5),
        (3.5, -3.5),
        (-3.5, 3.5),
        (3.5, 0.0),
        (-3.5, 0.0),
        (0.0, 3.5),
        (0.0, -3.5),
        (3.5, 1.5),
        (-1.5, -3.5),
        (5.0, 0.0),
        (0.0, -5.0),
    ];
    let with = |lo: f32, hi: f32| {
        move |c: char| {
            let mut b = Burst::new(c, -10.0, 50.0);
            b.dev_low = lo / 100.0;
            b.dev_high = hi / 100.0;
            b
        }
    };
    for (lo, hi) in accept {
        assert_all_found(
            &format!("low {lo:+}%, high {hi:+}%"),
            &sequence(&ALL.repeat(2), 50.0, with(lo, hi)),
        );
    }
    for (lo, hi) in reject {
        assert_none_found(
            &format!("low {lo:+}%, high {hi:+}%"),
            &sequence(&ALL.repeat(2), 50.0, with(lo, hi)),
        );
    }
}

#[test]
fn frequency_tolerance_sweep_has_a_sharp_edge_between_the_limits() {
    // Sweep each tone in 0.25 % steps: everything within ±1.5 % is found, nothing beyond
    // ±3.5 %, and the edge in between is where the detector puts it (±2.5 %).
    for step in -16i32..=16 {
        let dev = step as f32 * 0.25;
        for which in 0..2 {
            let s = sequence(ALL, 50.0, |c| {
                let mut b = Burst::new(c, -10.0, 50.0);
                if which == 0 {
                    b.dev_low = dev / 100.0;
                } else {
                    b.dev_high = dev / 100.0;
                }
                b
            });
            let tone = ["low", "high"][which];
            if dev.abs() <= 2.0 {
                assert_all_found(&format!("{tone} tone {dev:+}%"), &s);
            } else if dev.abs() >= 3.0 {
                assert_none_found(&format!("{tone} tone {dev:+}%"), &s);
            }
        }
    }
}

#[test]
fn twist_up_to_8_db_normal_and_4_db_reverse_with_margin() {
    // Normal twist: high tone weaker. Reverse: high tone stronger.
    let at = |low: f32, high: f32, dev: f32| {
        move |c: char| {
            let mut b = Burst::new(c, low, 50.0);
            b.level_high = high;
            b.dev_low = dev;
            b.dev_high = -dev;
            b
        }
    };
    for tw in [0.0f32, 2.0, 4.0, 6.0, 8.0, 9.0] {
        for dev in [0.0, 0.015, -0.015] {
            assert_all_found(
                &format!("normal twist {tw} dB, offsets {dev}"),
                &sequence(ALL, 50.0, at(-6.0, -6.0 - tw, dev)),
            );
        }
    }
    for tw in [0.0f32, 2.0, 4.0, 5.0] {
        for dev in [0.0, 0.015, -0.015] {
            assert_all_found(
                &format!("reverse twist {tw} dB, offsets {dev}"),
                &sequence(ALL, 50.0, at(-8.0 - tw, -8.0, dev)),
            );
        }
    }
    // Beyond the configured limits (9.5 dB / 5.5 dB) with margin: rejected.
    assert_none_found(
        "normal twist 12 dB",
        &sequence(ALL, 50.0, at(-6.0, -18.0, 0.0)),
    );
    assert_none_found(
        "reverse twist 8 dB",
        &sequence(ALL, 50.0, at(-16.0, -8.0, 0.0)),
    );
}

#[test]
fn tones_of_40_ms_are_detected_and_of_20_ms_rejected() {
    // Every digit at 40 alignments against the detector's hops.
    let many = ALL.repeat(10);
    for (on, dev) in [(40.0, 0.0f32), (40.0, 0.015), (40.0, -0.015)] {
        let s = sequence(&many, 50.0, |c| {
            let mut b = Burst::new(c, -10.0, on);
            b.dev_low = dev;
            b.dev_high = dev;
            b
        });
        assert_all_found(&format!("{on} ms, offsets {dev}"), &s);
    }
    for on in [20.0, 22.0, 25.0] {
        let s = sequence(&many, 50.0, |c| Burst::new(c, -10.0, on));
        assert_none_found(&format!("{on} ms"), &s);
    }
}

#[test]
fn forty_ms_tones_with_forty_ms_pauses_are_all_separate_digits() {
    // Ten digits a second at the Q.24 minimums, including runs of the same digit.
    let digits = "1111555599990000####DDDD123A456B789C*0#D";
    let s = sequence(digits, 40.0, |c| Burst::new(c, -10.0, 40.0));
    assert_all_found("40 ms on / 40 ms off", &s);
}

#[test]
fn dynamic_range_down_to_minus_30_dbm0_per_tone() {
    for level in [-3.0f32, -10.0, -20.0, -25.0, -30.0, -33.0] {
        assert_all_found(
            &format!("{level} dBm0 per tone"),
            &sequence(&ALL.repeat(2), 50.0, |c| Burst::new(c, level, 50.0)),
        );
    }
    // At the spec's edge combined with the other edges.
    let s = sequence(&ALL.repeat(2), 50.0, |c| {
        let mut b = Burst::new(c, -30.0, 40.0);
        b.dev_low = 0.015;
        b.dev_high = -0.015;
        b
    });
    assert_all_found("-30 dBm0, ±1.5 %, 40 ms", &s);
    // Far below the configured minimum (−36 dBm0): ignored.
    assert_none_found(
        "-45 dBm0",
        &sequence(ALL, 50.0, |c| Burst::new(c, -45.0, 50.0)),
    );
}

#[test]
fn fifteen_db_snr_in_white_noise_over_many_bursts() {
    // SNR = power of the two tones together over the power of white noise over the whole
    // 0–4 kHz band; 1000 bursts at each of two levels. Then harder: 40 ms bursts with
    // ±1.5 % offsets and 6 dB of twist in the same noise.
    for (level, seed) in [(-10.0f32, 1u64), (-22.0, 2)] {
        let digits: String = ALL.chars().cycle().take(1000).collect();
        let mut s = sequence(&digits, 50.0, |c| Burst::new(c, level, 50.0));
        s.noise(level + 3.01 - 15.0, seed);
        assert_all_found(&format!("15 dB SNR at {level} dBm0 per tone"), &s);
    }
    let digits: String = ALL.chars().cycle().take(500).collect();
    let mut s = sequence(&digits, 50.0, |c| {
        let mut b = Burst::new(c, -12.0, 40.0);
        b.level_high = -18.0;
        b.dev_low = 0.015;
        b.dev_high = -0.015;
        b
    });
    s.noise(-12.0 + 0.97 - 15.0, 3);
    assert_all_found("15 dB SNR, 40 ms, ±1.5 %, 6 dB twist", &s);
}

#[test]
fn noise_alone_gives_no_digit() {
    for (dbm0, seed) in [(-10.0f32, 4u64), (-25.0, 5), (-40.0, 6)] {
        let mut s = Signal::new();
        s.silence(60_000.0);
        s.noise(dbm0, seed);
        assert_none_found(&format!("white noise at {dbm0} dBm0"), &s);
    }
}

#[test]
fn detected_over_dial_tone() {
    // Precise dial tone (350 + 440 Hz, −13 dBm0 each) under DTMF from −10 down to −25 dBm0
    // per tone (12 dB below each dial tone component), and the 425 / 450 Hz dial tones of
    // Europe and China at −10 dBm0.
    for level in [-10.0f32, -16.0, -20.0, -25.0] {
        let mut s = sequence(&ALL.repeat(2), 50.0, |c| Burst::new(c, level, 50.0));
        s.add_tones(350.0, 440.0, -13.0);
        assert_all_found(&format!("DTMF {level} dBm0 over 350+440 Hz"), &s);
    }
    for f in [425.0f32, 450.0] {
        let mut s = sequence(&ALL.repeat(2), 50.0, |c| Burst::new(c, -20.0, 40.0));
        s.add_tones(f, f, -16.0); // two in-phase halves: one tone at −10 dBm0
        assert_all_found(&format!("DTMF -20 dBm0 over {f} Hz"), &s);
    }
    // Dial tone alone is not a digit.
    let mut s = Signal::new();
    s.silence(10_000.0);
    s.add_tones(350.0, 440.0, -13.0);
    assert_none_found("dial tone alone", &s);
}

#[test]
fn interruptions_under_10_ms_give_no_double_digit() {
    // A 100 ms tone broken by a gap at various places and lengths; the tone resumes with
    // its phase restarted (the worst case for the detector).
    for gap in [1.0, 3.0, 5.0, 7.5, 9.0, 9.9] {
        for offset in 0..8 {
            let mut s = Signal::new();
            s.silence(30.0 + offset as f64 * 0.6);
            let c = ALL.chars().nth(offset * 2).expect("digit");
            s.burst(Burst::new(c, -10.0, 45.0))
                .silence(gap)
                .burst(Burst::new(c, -10.0, 45.0))
                .silence(60.0);
            let found = detect(&s.samples);
            assert_eq!(
                string_of(&found),
                c.to_string(),
                "{gap} ms gap at offset {offset}: {found:?}"
            );
            // One digit spanning both parts.
            assert!(found[0].start <= s.truth[0].start + 16 && found[0].end + 16 >= s.truth[1].end);
        }
    }
}

#[test]
fn a_law_round_trip_changes_nothing() {
    let cases: Vec<(&str, Signal)> = vec![
        (
            "nominal",
            sequence(&ALL.repeat(2), 50.0, |c| Burst::new(c, -10.0, 50.0)),
        ),
        (
            "-30 dBm0",
            sequence(&ALL.repeat(2), 50.0, |c| Burst::new(c, -30.0, 50.0)),
        ),
        (
            "±1.5 %, 40 ms",
            sequence(&ALL.repeat(2), 50.0, |c| {
                let mut b = Burst::new(c, -10.0, 40.0);
                b.dev_low = -0.015;
                b.dev_high = 0.015;
                b
            }),
        ),
        (
            "twist 8 dB",
            sequence(&ALL.repeat(2), 50.0, |c| {
                let mut b = Burst::new(c, -10.0, 50.0);
                b.level_high = -18.0;
                b
            }),
        ),
    ];
    for (name, mut s) in cases {
        s.alaw_round_trip();
        assert_all_found(&format!("A-law, {name}"), &s);
    }
    let mut s = sequence(ALL, 50.0, |c| Burst::new(c, -10.0, 20.0));
    s.alaw_round_trip();
    assert_none_found("A-law, 20 ms", &s);
}

#[test]
fn onset_comes_first_and_current_reports_the_digit_in_progress() {
    let mut s = Signal::new();
    s.silence(30.0)
        .burst(Burst::new('7', -10.0, 200.0))
        .silence(100.0);
    let mut det = DtmfDetector::new();
    let mut log = Vec::new();
    let mut current_during = None;
    for (i, chunk) in s.samples.chunks(8).enumerate() {
        det.process(chunk, |e| log.push(e));
        if i * 8 == ms(150.0) {
            current_during = det.current();
        }
    }
    det.finish(|e| log.push(e));
    assert_eq!(log.len(), 2, "{log:?}");
    let DtmfEvent::Onset { digit: d, start } = log[0] else {
        panic!("first event {:?}", log[0]);
    };
    let DtmfEvent::Digit(ev) = log[1] else {
        panic!("second event {:?}", log[1]);
    };
    assert_eq!((d, start), (digit('7'), ev.start));
    assert_eq!(current_during, Some((digit('7'), ev.start)));
    assert_eq!(det.current(), None);
    assert_eq!(ev.digit, digit('7'));
    assert!((ev.start as i64 - ms(30.0) as i64).abs() <= 8);
    assert!((ev.end as i64 - ms(230.0) as i64).abs() <= 8);
}

#[test]
fn onset_is_announced_within_40_ms_of_the_tone() {
    // RFC 4733 senders need the digit early: the onset event comes while the tone lasts,
    // no later than 40 ms after it began.
    let s = sequence(&ALL.repeat(3), 60.0, |c| Burst::new(c, -10.0, 120.0));
    let mut det = DtmfDetector::new();
    let mut onsets = Vec::new();
    for chunk in s.samples.chunks(8) {
        let now = det.samples() + chunk.len() as u64;
        det.process(chunk, |e| {
            if let DtmfEvent::Onset { digit, start } = e {
                onsets.push((digit, start, now));
            }
        });
    }
    assert_eq!(onsets.len(), s.truth.len());
    for ((d, start, at), t) in onsets.iter().zip(&s.truth) {
        assert_eq!(*d, t.digit);
        assert!((*start as i64 - t.start as i64).abs() <= 8);
        assert!(
            *at <= t.start + ms(40.0) as u64,
            "{d}: onset at {at}, tone from {}",
            t.start
        );
    }
}

#[test]
fn a_tone_running_to_the_end_of_the_stream_ends_there() {
    let mut s = Signal::new();
    s.silence(20.0).burst(Burst::new('#', -10.0, 100.0));
    let found = detect(&s.samples);
    assert_eq!(string_of(&found), "#");
    assert_eq!(found[0].end, s.samples.len() as u64);
    // A tone from the very first sample starts at 0.
    let mut s = Signal::new();
    s.burst(Burst::new('0', -10.0, 80.0)).silence(50.0);
    let found = detect(&s.samples);
    assert_eq!(string_of(&found), "0");
    assert!(found[0].start <= 4, "{found:?}");
}

#[test]
fn configured_limits_are_obeyed() {
    // A tighter detector: 6 dB normal twist, 1.8 % tolerance, −25 dBm0 minimum.
    let cfg = DetectorConfig {
        normal_twist_db: 6.0,
        freq_tolerance: 0.018,
        min_level_dbm0: -25.0,
        ..DetectorConfig::default()
    };
    let run = |s: &Signal| digits_of(&events_with(&s.samples, 160, cfg)).len();
    let n = ALL.len();
    let plain = sequence(ALL, 50.0, |c| Burst::new(c, -10.0, 50.0));
    assert_eq!(run(&plain), n);
    let twist8 = sequence(ALL, 50.0, |c| {
        let mut b = Burst::new(c, -10.0, 50.0);
        b.level_high = -18.0;
        b
    });
    assert_eq!(run(&twist8), 0);
    let off = sequence(ALL, 50.0, |c| {
        let mut b = Burst::new(c, -10.0, 50.0);
        b.dev_low = 0.022;
        b
    });
    assert_eq!(run(&off), 0);
    let quiet = sequence(ALL, 50.0, |c| Burst::new(c, -30.0, 50.0));
    assert_eq!(run(&quiet), 0);
}

/// spandsp's `dtmf_rx` (default settings) on the same cases, next to ours: printed for the
/// record, not asserted (it is the peer, not the spec). Ours must find everything.
#[test]
fn spandsp_on_the_same_cases() {
    let exe = common::build_peer("dtmf_spandsp_rx", &["spandsp"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = |lo: f32, hi: f32, on: f64| {
        move |c: char| {
            let mut b = Burst::new(c, -10.0, on);
            b.dev_low = lo;
            b.dev_high = hi;
            b
        }
    };
    let many = ALL.repeat(4);
    let mut cases: Vec<(String, Signal)> = vec![
        ("nominal".into(), sequence(&many, 50.0, dev(0.0, 0.0, 50.0))),
        (
            "both +1.5 %".into(),
            sequence(&many, 50.0, dev(0.015, 0.015, 50.0)),
        ),
        (
            "both -1.5 %".into(),
            sequence(&many, 50.0, dev(-0.015, -0.015, 50.0)),
        ),
        (
            "-1.5 % / +1.5 %".into(),
            sequence(&many, 50.0, dev(-0.015, 0.015, 50.0)),
        ),
        (
            "+1.5 % / -1.5 %".into(),
            sequence(&many, 50.0, dev(0.015, -0.015, 50.0)),
        ),
        ("40 ms".into(), sequence(&many, 50.0, dev(0.0, 0.0, 40.0))),
        (
            "40 ms, ±1.5 %".into(),
            sequence(&many, 50.0, dev(0.015, -0.015, 40.0)),
        ),
        (
            "twist 8 dB".into(),
            sequence(&many, 50.0, |c| {
                let mut b = Burst::new(c, -10.0, 50.0);
                b.level_high = -18.0;
                b
            }),
        ),
        (
            "reverse twist 4 dB".into(),
            sequence(&many, 50.0, |c| {
                let mut b = Burst::new(c, -14.0, 50.0);
                b.level_high = -10.0;
                b
            }),
        ),
        (
            "-30 dBm0".into(),
            sequence(&many, 50.0, |c| Burst::new(c, -30.0, 50.0)),
        ),
    ];
    let mut noisy = sequence(&many, 50.0, |c| Burst::new(c, -10.0, 50.0));
    noisy.noise(-10.0 + 3.01 - 15.0, 9);
    cases.push(("15 dB SNR".into(), noisy));
    let mut dial = sequence(&many, 50.0, |c| Burst::new(c, -20.0, 50.0));
    dial.add_tones(350.0, 440.0, -13.0);
    cases.push(("-20 dBm0 over dial tone".into(), dial));
    let paths: Vec<std::path::PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, s))| {
            let p = dir.path().join(format!("{i}.raw"));
            let bytes: Vec<u8> = s.samples.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::fs::write(&p, bytes).expect("write");
            p
        })
        .collect();
    let out = std::process::Command::new(&exe)
        .args(&paths)
        .output()
        .expect("run spandsp peer");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    println!("| case | sent | media-dsp | spandsp |");
    println!("|---|---:|---:|---:|");
    for (i, (name, s)) in cases.iter().enumerate() {
        let theirs = text
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 3 && f[0] == i.to_string() && f[1] == "total")
                    .then(|| f[2].parse::<usize>().expect("count"))
            })
            .expect("spandsp total");
        let found = detect(&s.samples);
        let (hit, missed, extra) = score(&s.truth, &found);
        println!("| {name} | {} | {hit} | {theirs} |", s.truth.len());
        assert_eq!((missed, extra), (0, 0), "{name}");
    }
}

fn any_signal() -> impl Strategy<Value = Vec<i16>> {
    // A few bursts of random digits, lengths, levels, offsets and gaps, in random noise.
    let burst = (
        0usize..16,
        15.0f64..120.0,
        -35.0f32..-3.0,
        -0.03f32..0.03,
        0.0f64..60.0,
    );
    (
        prop::collection::vec(burst, 1..6),
        -70.0f32..-20.0,
        any::<u64>(),
    )
        .prop_map(|(bursts, noise, seed)| {
            let mut s = Signal::new();
            s.silence(7.3);
            for (d, on, level, dev, gap) in bursts {
                let mut b = Burst::new(Digit::ALL[d].as_char(), level, on);
                b.dev_low = dev;
                b.dev_high = -dev / 2.0;
                s.burst(b).silence(gap);
            }
            s.noise(noise, seed);
            s.samples
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every way of cutting the stream into blocks gives exactly the same events, onsets
    /// included: single samples, DAHDI's 8, odd sizes, 20 ms frames, the whole signal.
    #[test]
    fn results_do_not_depend_on_block_size(
        signal in any_signal(),
        cuts in prop::collection::vec(1usize..400, 1..40),
    ) {
        let reference = events(&signal, signal.len().max(1));
        for block in [1usize, 8, 13, 40, 160] {
            prop_assert_eq!(&events(&signal, block), &reference, "block {}", block);
        }
        // Irregular blocks.
        let mut det = DtmfDetector::new();
        let mut got = Vec::new();
        let (mut at, mut i) = (0, 0);
        while at < signal.len() {
            let n = cuts[i % cuts.len()].min(signal.len() - at);
            det.process(&signal[at..at + n], |e| got.push(e));
            at += n;
            i += 1;
        }
        det.finish(|e| got.push(e));
        prop_assert_eq!(got, reference);
    }
}
