//! Frame alignment (G.706 §4.1): found at any byte offset and any input split, payload intact;
//! lost after exactly three consecutive bad FAS words, not after two; a bit-shifted stream is
//! never aligned (byte-position search only); arbitrary bytes never panic.

mod common;

use common::Rng;
use e1::rx::{Receiver, RxConfig};
use e1::tx::Transmitter;
use e1::{Alarm, Config, Crc4Mode, Event, Framer, Signalling, TxConfig};
use proptest::prelude::*;

fn tx_stream(frames: usize, crc4: bool) -> Vec<[u8; 32]> {
    let mut tx = Transmitter::new(TxConfig {
        crc4,
        signalling: Signalling::Transparent,
        ..TxConfig::default()
    });
    (0..frames)
        .map(|i| {
            let mut p = [0u8; 32];
            for (t, b) in p.iter_mut().enumerate() {
                *b = (i * 31 + t * 7) as u8;
            }
            tx.build_frame(&p)
        })
        .collect()
}

fn rx(crc4: Crc4Mode) -> Receiver {
    Receiver::new(RxConfig {
        crc4,
        signalling: Signalling::Transparent,
        ..RxConfig::default()
    })
}

proptest! {
    #[test]
    fn aligns_at_any_offset_and_split(
        offset in 0usize..64,
        garbage_seed in any::<u64>(),
        splits in prop::collection::vec(1usize..100, 1..10),
    ) {
        let frames = tx_stream(40, true);
        let mut rng = Rng::new(garbage_seed);
        // Garbage without any FAS-looking byte so the lock point is deterministic.
        let mut stream: Vec<u8> = (0..offset).map(|_| (rng.next_u64() as u8) | 0x40).collect();
        for f in &frames {
            stream.extend_from_slice(f);
        }
        let mut r = rx(Crc4Mode::Auto);
        let mut rest = &stream[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = splits[i % splits.len()].min(rest.len());
            r.handle_input(&rest[..n]);
            rest = &rest[n..];
            i += 1;
        }
        prop_assert!(r.is_aligned());
        // Locks on the third frame (FAS, NFAS, FAS): frames 2.. are delivered intact.
        let got: Vec<[u8; 32]> = std::iter::from_fn(|| r.poll_frame()).collect();
        prop_assert_eq!(got.len(), frames.len() - 2);
        prop_assert_eq!(&got[..], &frames[2..]);
        prop_assert_eq!(r.counters().fas_errors, 0);
    }

    #[test]
    fn receiver_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4000), crc in 0u8..3) {
        let mode = [Crc4Mode::Off, Crc4Mode::On, Crc4Mode::Auto][usize::from(crc)];
        for sig in [Signalling::Ccs, Signalling::Cas] {
            let mut f = Framer::new(Config { crc4: mode, signalling: sig, ..Config::default() });
            f.handle_input(&bytes);
            while f.poll_event().is_some() {}
            while f.poll_hdlc().is_some() {}
            while f.poll_frame().is_some() {}
        }
    }
}

/// Feeds frames with the FAS of selected even frames corrupted; returns the events.
fn run_with_bad_fas(bad: &[usize]) -> (Receiver, Vec<Event>) {
    let mut frames = tx_stream(200, false);
    for &i in bad {
        assert_eq!(i % 2, 0, "FAS frames are the even ones");
        frames[i][0] ^= 0x02;
    }
    let mut r = rx(Crc4Mode::Off);
    let mut ev = vec![];
    for f in &frames {
        r.handle_input(f);
        ev.extend(std::iter::from_fn(|| r.poll_event()));
    }
    (r, ev)
}

#[test]
fn two_bad_fas_words_keep_alignment() {
    let (r, ev) = run_with_bad_fas(&[20, 22, 30, 32, 60]);
    assert!(r.is_aligned());
    assert_eq!(r.counters().fas_errors, 5);
    assert!(!ev.contains(&Event::FrameSync(false)));
}

#[test]
fn three_consecutive_bad_fas_words_lose_alignment_then_regain() {
    let (r, ev) = run_with_bad_fas(&[20, 22, 24]);
    assert_eq!(r.counters().fas_errors, 3);
    let lost = ev
        .iter()
        .position(|e| *e == Event::FrameSync(false))
        .expect("lost");
    assert_eq!(ev[lost + 1], Event::AlarmRaised(Alarm::Lof));
    // Re-aligned afterwards, LOF cleared.
    assert!(r.is_aligned());
    assert!(ev[lost..].contains(&Event::AlarmCleared(Alarm::Lof)));
    assert!(!r.alarms().lof);
}

#[test]
fn non_consecutive_bad_fas_do_not_add_up() {
    let (r, ev) = run_with_bad_fas(&[20, 22, 26, 28, 32, 34]);
    assert!(r.is_aligned());
    assert!(!ev.contains(&Event::FrameSync(false)));
}

#[test]
fn bit_shifted_stream_never_aligns() {
    // The search is by byte position only (documented): shift the whole stream by 3 bits.
    let frames = tx_stream(400, false);
    let bytes: Vec<u8> = frames.concat();
    let shifted: Vec<u8> = bytes
        .windows(2)
        .map(|w| (w[0] << 3) | (w[1] >> 5))
        .collect();
    let mut r = rx(Crc4Mode::Off);
    r.handle_input(&shifted);
    assert!(!r.is_aligned());
    assert!(r.alarms().lof);
}

#[test]
fn starts_red_and_clears_lof_on_alignment() {
    let mut r = rx(Crc4Mode::Off);
    assert_eq!(r.poll_event(), Some(Event::AlarmRaised(Alarm::Lof)));
    for f in tx_stream(3, false) {
        r.handle_input(&f);
    }
    assert_eq!(r.poll_event(), Some(Event::FrameSync(true)));
    assert_eq!(r.poll_event(), Some(Event::AlarmCleared(Alarm::Lof)));
}

#[test]
fn sa_bits_reach_the_far_end() {
    let mut p = common::Pair::new(Config::default(), Config::default());
    p.step(10);
    assert_eq!(p.b.rx().sa_bits(), e1::frame::SaBits::ALL_ONES);
    p.a.set_sa(e1::frame::SaBits(0b01010));
    p.step(10);
    assert_eq!(p.b.rx().sa_bits(), e1::frame::SaBits(0b01010));
    assert!(
        p.ev_b()
            .contains(&Event::SaChanged(e1::frame::SaBits(0b01010)))
    );
}
