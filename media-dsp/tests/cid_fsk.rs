//! FSK caller ID end to end: transmitter → line impairments → receiver.
//!
//! Requirements (docs: specs/dsp.md §5): decode at 20 dB SNR (white noise) with no errors
//! over many messages, down to −35 dBm0 (and −40 dBm0, the Bellcore loop-loss figure),
//! with ±1 % frequency error, through G.711, for Bell 202 and V.23, SDMF and MDMF with
//! all fields and absence reasons; a wrong checksum is rejected with a typed error.

use media_dsp::cid::{
    Absence, CallerId, CidError, CidRx, CidTx, DateTime, MAX_MESSAGE_LEN, Name, Number, Preamble,
};
use media_dsp::fsk::{FskModulator, FskStandard};
use media_dsp::g711::Law;
use media_dsp::level;
use media_dsp::noise::Noise;

const STANDARDS: [FskStandard; 2] = [FskStandard::Bell202, FskStandard::V23];

#[derive(Clone, Copy)]
struct Line {
    level_dbm0: f32,
    freq_error: f32,
    snr_db: Option<f32>,
    law: Option<Law>,
    seed: u64,
}

const CLEAN: Line = Line {
    level_dbm0: -13.0,
    freq_error: 0.0,
    snr_db: None,
    law: None,
    seed: 1,
};

fn full_mdmf() -> CallerId {
    let mut id = CallerId::mdmf();
    id.date_time = Some(DateTime::new(12, 24, 18, 5).expect("date"));
    id.number = Some(Number::number("01234567890123456789").expect("number"));
    id.name = Some(Name::name("Jean-Baptiste de la Fontaine-Montmorency, Ltd.").expect("name"));
    id
}

/// The message bytes of `id`, sent with silence before and after over `line`.
fn signal_bytes(standard: FskStandard, bytes: &[u8], line: Line) -> Vec<i16> {
    let modem = FskModulator::with_frequency_error(standard, line.level_dbm0, line.freq_error);
    let mut tx = CidTx::new(modem, Preamble::for_standard(standard), bytes).expect("tx");
    let mut s = vec![0i16; 800];
    let start = s.len();
    // A slow transmitter clock (negative error) makes the signal longer.
    s.resize(start + tx.total_samples() * 21 / 20 + 100, 0);
    let n = tx.fill(&mut s[start..]);
    assert!(tx.is_done());
    s.truncate(start + n);
    s.resize(s.len() + 1600, 0);
    if let Some(snr) = line.snr_db {
        Noise::new(line.seed).add_white(&mut s, level::rms_for_dbm0(line.level_dbm0 - snr));
    }
    if let Some(law) = line.law {
        law.round_trip(&mut s);
    }
    s
}

fn signal(standard: FskStandard, id: &CallerId, line: Line) -> Vec<i16> {
    let mut buf = [0u8; MAX_MESSAGE_LEN];
    let n = id.emit(&mut buf).expect("emit");
    signal_bytes(standard, &buf[..n], line)
}

fn receive(
    standard: FskStandard,
    samples: &[i16],
    chunk: usize,
) -> Vec<Result<CallerId, CidError>> {
    let mut rx = CidRx::new(standard);
    let mut out = Vec::new();
    for c in samples.chunks(chunk) {
        rx.process(c, |r| out.push(r));
    }
    out
}

fn assert_decodes(standard: FskStandard, id: &CallerId, line: Line) {
    let s = signal(standard, id, line);
    let got = receive(standard, &s, 8);
    assert_eq!(
        got,
        vec![Ok(*id)],
        "{standard:?} level {} dBm0",
        line.level_dbm0
    );
}

#[test]
fn mdmf_with_every_field_on_both_modems() {
    let mut id = full_mdmf();
    id.push_unknown(0x03, b"5551234").expect("dialled number");
    for std in STANDARDS {
        assert_decodes(std, &id, CLEAN);
    }
}

#[test]
fn sdmf_with_number_and_with_absence() {
    let mut id = CallerId::sdmf();
    id.date_time = Some(DateTime::new(1, 1, 0, 0).expect("date"));
    id.number = Some(Number::number("6175551212").expect("number"));
    for std in STANDARDS {
        assert_decodes(std, &id, CLEAN);
    }
    for reason in [Absence::Private, Absence::Unavailable] {
        let mut id = CallerId::sdmf();
        id.date_time = Some(DateTime::new(7, 31, 23, 59).expect("date"));
        id.number_absence = Some(reason);
        for std in STANDARDS {
            assert_decodes(std, &id, CLEAN);
        }
    }
}

#[test]
fn mdmf_absence_reasons() {
    for (n, m) in [
        (Absence::Private, Absence::Private),
        (Absence::Unavailable, Absence::Unavailable),
        (Absence::Private, Absence::Unavailable),
    ] {
        let mut id = CallerId::mdmf();
        id.date_time = Some(DateTime::new(2, 29, 9, 41).expect("date"));
        id.number_absence = Some(n);
        id.name_absence = Some(m);
        for std in STANDARDS {
            assert_decodes(std, &id, CLEAN);
        }
    }
}

#[test]
fn wrong_checksum_is_rejected() {
    let mut buf = [0u8; MAX_MESSAGE_LEN];
    let n = full_mdmf().emit(&mut buf).expect("emit");
    buf[n - 1] = buf[n - 1].wrapping_add(1);
    for std in STANDARDS {
        let s = signal_bytes(std, &buf[..n], CLEAN);
        let got = receive(std, &s, 8);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            matches!(got[0], Err(CidError::BadChecksum { found, computed }) if found == computed.wrapping_add(1)),
            "{got:?}"
        );
    }
}

#[test]
fn low_levels_down_to_minus_40_dbm0() {
    for level_dbm0 in [0.0, -13.0, -25.0, -35.0, -40.0] {
        for std in STANDARDS {
            assert_decodes(
                std,
                &full_mdmf(),
                Line {
                    level_dbm0,
                    ..CLEAN
                },
            );
        }
    }
}

#[test]
fn one_percent_frequency_and_clock_error() {
    for freq_error in [-0.01, 0.01] {
        for std in STANDARDS {
            assert_decodes(
                std,
                &full_mdmf(),
                Line {
                    freq_error,
                    ..CLEAN
                },
            );
        }
    }
}

#[test]
fn through_g711_both_laws() {
    for law in [Law::Alaw, Law::Ulaw] {
        for std in STANDARDS {
            for level_dbm0 in [-13.0, -35.0] {
                assert_decodes(
                    std,
                    &full_mdmf(),
                    Line {
                        level_dbm0,
                        law: Some(law),
                        ..CLEAN
                    },
                );
            }
        }
    }
}

/// 1,000 long messages per modem (about 1,000 × 1,050 ≈ 10⁶ bits each) at 20 dB SNR, every
/// one decoded: no bit error may get past the checksum or the framing.
#[test]
fn twenty_db_snr_many_messages_no_errors() {
    for std in STANDARDS {
        let mut failures = Vec::new();
        for seed in 0..1000u64 {
            let line = Line {
                snr_db: Some(20.0),
                seed,
                ..CLEAN
            };
            let s = signal(std, &full_mdmf(), line);
            let got = receive(std, &s, 8);
            if got != vec![Ok(full_mdmf())] {
                failures.push((seed, got));
            }
        }
        assert!(failures.is_empty(), "{std:?}: {failures:?}");
    }
}

/// Everything at once: −35 dBm0, 20 dB SNR, 1 % off, through A-law and µ-law.
#[test]
fn worst_case_combination() {
    for std in STANDARDS {
        for (seed, (law, freq_error)) in [
            (Law::Alaw, 0.01),
            (Law::Ulaw, -0.01),
            (Law::Alaw, -0.01),
            (Law::Ulaw, 0.01),
        ]
        .into_iter()
        .enumerate()
        {
            for k in 0..10 {
                assert_decodes(
                    std,
                    &full_mdmf(),
                    Line {
                        level_dbm0: -35.0,
                        freq_error,
                        snr_db: Some(20.0),
                        law: Some(law),
                        seed: seed as u64 * 100 + k,
                    },
                );
            }
        }
    }
}

#[test]
fn noise_alone_gives_no_message() {
    for std in STANDARDS {
        let mut s = vec![0i16; 80_000];
        Noise::new(7).add_white(&mut s, level::rms_for_dbm0(-20.0));
        let got = receive(std, &s, 160);
        assert!(got.iter().all(Result::is_err), "{got:?}");
    }
}

#[test]
fn carrier_loss_inside_a_message_is_reported() {
    for std in STANDARDS {
        let mut s = signal(std, &full_mdmf(), CLEAN);
        // Silence the line from the middle of the message on.
        let cut = 800 + (300 + 180 + 30 * 10) * 20 / 3;
        for x in &mut s[cut..] {
            *x = 0;
        }
        // The stop bit of the interrupted character fails first; the carrier detector
        // (8 ms smoothing) follows. Either way exactly one rejection, and no message.
        let got = receive(std, &s, 8);
        assert!(
            matches!(got[..], [Err(CidError::Framing | CidError::CarrierLost)]),
            "{got:?}"
        );
    }
}

#[test]
fn two_messages_back_to_back_in_one_block() {
    let mut sdmf = CallerId::sdmf();
    sdmf.date_time = Some(DateTime::new(5, 6, 7, 8).expect("date"));
    sdmf.number_absence = Some(Absence::Private);
    for std in STANDARDS {
        let mut s = signal(std, &full_mdmf(), CLEAN);
        s.extend(signal(std, &sdmf, CLEAN));
        assert_eq!(receive(std, &s, s.len()), vec![Ok(full_mdmf()), Ok(sdmf)]);
    }
}

/// The shortest preambles the standards allow (ETSI: 96 seizure bits, 55 ms = 66 bits of
/// mark), and a message sent with mark only (some exchanges omit the seizure).
#[test]
fn shortest_preambles() {
    let mut buf = [0u8; MAX_MESSAGE_LEN];
    let n = full_mdmf().emit(&mut buf).expect("emit");
    for preamble in [
        Preamble {
            seizure_bits: 96,
            mark_bits: 66,
            trailing_mark_bits: 1,
        },
        Preamble {
            seizure_bits: 0,
            mark_bits: 66,
            trailing_mark_bits: 0,
        },
    ] {
        for std in STANDARDS {
            let mut tx =
                CidTx::new(FskModulator::new(std, -13.0), preamble, &buf[..n]).expect("tx");
            let mut s = vec![0i16; 400 + tx.total_samples() + 800];
            tx.fill(&mut s[400..]);
            assert_eq!(receive(std, &s, 8), vec![Ok(full_mdmf())], "{preamble:?}");
        }
    }
}

/// Twice the required frequency tolerance, to show the margin.
#[test]
fn two_percent_frequency_error_still_decodes() {
    for freq_error in [-0.02, 0.02] {
        for std in STANDARDS {
            assert_decodes(
                std,
                &full_mdmf(),
                Line {
                    freq_error,
                    snr_db: Some(20.0),
                    ..CLEAN
                },
            );
        }
    }
}
