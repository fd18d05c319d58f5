//! The D-channel end to end: HDLC frames queued at A come out of B's TS16 decoder intact, in
//! order; with bit errors on the line, damaged frames are reported as typed errors (never as
//! wrong data) and the rest still arrive.

mod common;

use common::Pair;
use e1::hdlc::HdlcError;
use e1::{Config, Crc4Mode};

fn frames(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            (0..(3 + i * 7 % 250))
                .map(|j| (i * 31 + j * 7) as u8)
                .collect()
        })
        .collect()
}

#[test]
fn frames_cross_the_span_intact() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.step(50);
    let sent = frames(40);
    let mut got = vec![];
    for f in &sent {
        p.a.send_hdlc(f).unwrap();
    }
    p.step(8000);
    while let Some(r) = p.b.poll_hdlc() {
        got.push(r.unwrap());
    }
    assert_eq!(got, sent);
}

#[test]
fn bit_errors_give_typed_errors_never_wrong_frames() {
    let cfg = Config {
        crc4: Crc4Mode::Off,
        ..Config::default()
    };
    let mut p = Pair::new(cfg, cfg);
    p.step(50);
    p.ab.ber = 1e-4;
    let sent = frames(200);
    let (mut good, mut bad) = (0, 0);
    for chunk in sent.chunks(20) {
        for f in chunk {
            p.a.send_hdlc(f).unwrap();
        }
        p.step(3000);
        while let Some(r) = p.b.poll_hdlc() {
            match r {
                Ok(f) => {
                    assert!(sent.contains(&f));
                    good += 1;
                }
                Err(
                    HdlcError::BadFcs
                    | HdlcError::Aborted
                    | HdlcError::NotOctetAligned
                    | HdlcError::TooShort { .. }
                    | HdlcError::TooLong { .. },
                ) => bad += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
    }
    assert!(good > 150, "good {good} bad {bad}");
    assert!(bad > 0, "the BER must hit some frames");
}
