//! CRC-4 (G.704 §2.3.3, G.706 §4.2/§4.3): multiframe alignment found within a few ms of frame
//! alignment; a clean line counts no errors; seeded bit errors give CRC-4 errors at the
//! receiver and the same number of E-bits at the far end's receiver; one flipped payload bit
//! is exactly one errored block; a line of garbage CRC bits forces a re-search (915 of 1000).

mod common;

use common::{Pair, first};
use e1::crc4::Crc4;
use e1::rx::{Receiver, RxConfig};
use e1::tx::Transmitter;
use e1::{Config, Crc4Mode, Event, Signalling, TxConfig};

#[test]
fn multiframe_found_within_8ms_and_clean_line_has_no_errors() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.step(8000);
    let sync = first(&p.events_b, Event::FrameSync(true)).unwrap();
    let mf = first(&p.events_b, Event::Crc4Sync(true)).unwrap();
    // Two MF alignment signals 2 ms apart: at most 16 + 16 frames after frame alignment.
    assert!(mf - sync <= 40, "MF sync took {} frames", mf - sync);
    assert!(p.b.rx().is_crc4_aligned() && p.a.rx().is_crc4_aligned());
    let (ca, cb) = (p.a.counters(), p.b.counters());
    assert_eq!((ca.crc4_errors, ca.ebit_errors, ca.fas_errors), (0, 0, 0));
    assert_eq!((cb.crc4_errors, cb.ebit_errors, cb.fas_errors), (0, 0, 0));
    assert!(!p.ev_b().contains(&Event::Crc4Fallback));
}

#[test]
fn bit_errors_count_crc4_errors_here_and_ebits_there() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.step(100);
    p.ab.ber = 1e-4; // ~200 errored bits per second on A -> B
    p.step(16_000);
    p.ab.ber = 0.0;
    p.step(100); // let the last E-bits travel back
    let b = p.b.counters();
    let a = p.a.counters();
    assert!(p.ab.flipped > 100, "flipped {}", p.ab.flipped);
    assert!(b.crc4_errors > 50, "crc4 errors at B: {}", b.crc4_errors);
    // CRC-4 misses about 1 in 16 multi-bit error patterns; never reports more blocks than errors.
    assert!(b.crc4_errors <= p.ab.flipped);
    assert_eq!(
        a.ebit_errors, b.crc4_errors,
        "E-bits at A mirror CRC-4 errors at B"
    );
    // The other direction was clean.
    assert_eq!(a.crc4_errors, 0);
    // A's own E-bits cross the noisy A -> B line: a hit on one (2 bits per 2 ms) reads as 0.
    assert!(b.ebit_errors <= 3, "{}", b.ebit_errors);
    assert!(p.b.is_aligned());
}

#[test]
fn one_flipped_payload_bit_is_one_errored_block() {
    let mut tx = Transmitter::new(TxConfig {
        signalling: Signalling::Transparent,
        ..TxConfig::default()
    });
    let mut rx = Receiver::new(RxConfig {
        crc4: Crc4Mode::On,
        signalling: Signalling::Transparent,
        frame_queue: 0,
        ..RxConfig::default()
    });
    for i in 0..2000u32 {
        let mut f = tx.build_frame(&[0x55; 32]);
        if i == 1000 {
            f[7] ^= 0x10;
        }
        rx.handle_input(&f);
    }
    assert!(rx.is_crc4_aligned());
    assert_eq!(rx.counters().crc4_errors, 1);
    assert_eq!(rx.take_ebit_reports(), 1);
}

#[test]
fn transmitted_c_bits_are_the_crc_of_the_previous_submultiframe() {
    // Independent check of the transmitter against the CRC-4 definition.
    let mut tx = Transmitter::new(TxConfig {
        signalling: Signalling::Transparent,
        ..TxConfig::default()
    });
    let frames: Vec<[u8; 32]> = (0..48u32)
        .map(|i| {
            let mut p = [0u8; 32];
            for (t, b) in p.iter_mut().enumerate() {
                *b = (i as usize * 13 + t * 29) as u8;
            }
            tx.build_frame(&p)
        })
        .collect();
    for smf in 1..6 {
        let mut c = Crc4::new();
        for f in &frames[(smf - 1) * 8..smf * 8] {
            let mut f = *f;
            if f[0] & 0x7F == 0x1B {
                f[0] &= 0x7F;
            }
            c.update(&f);
        }
        let sent: u8 = (0..4).fold(0, |acc, k| (acc << 1) | (frames[smf * 8 + 2 * k][0] >> 7));
        assert_eq!(sent, c.value(), "SMF {smf}");
    }
    // MF alignment signal 001011 in frames 1,3,5,7,9,11; E-bits 1 in 13 and 15.
    let si: Vec<u8> = [1, 3, 5, 7, 9, 11, 13, 15]
        .iter()
        .map(|&i| frames[i][0] >> 7)
        .collect();
    assert_eq!(si, vec![0, 0, 1, 0, 1, 1, 1, 1]);
}

#[test]
fn garbage_crc_bits_force_realignment_after_915_errors() {
    // A far end that sends a valid MF alignment signal but wrong C-bits throughout.
    let mut tx = Transmitter::new(TxConfig {
        signalling: Signalling::Transparent,
        ..TxConfig::default()
    });
    let mut rx = Receiver::new(RxConfig {
        crc4: Crc4Mode::On,
        signalling: Signalling::Transparent,
        frame_queue: 0,
        ..RxConfig::default()
    });
    let mut events = vec![];
    for i in 0..20_000u32 {
        let mut f = tx.build_frame(&[0x0F; 32]);
        if i > 200 && f[0] & 0x7F == 0x1B {
            // Flip every C-bit: the FAS stays valid.
            f[0] ^= 0x80;
        }
        rx.handle_input(&f);
        events.extend(std::iter::from_fn(|| rx.poll_event()));
    }
    assert!(rx.counters().crc4_errors >= 915);
    assert!(events.contains(&Event::FrameSync(false)), "{events:?}");
}
