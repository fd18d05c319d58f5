//! I frame transfer (Q.921 §5.6): in order, the k window of 7 outstanding frames, V(S)/V(R)
//! wrapping modulo 128, and no loss or duplication over a lossy, duplicating line.

mod q921_pair;

use std::time::Duration;

use isdn::q921::{Config, SendError};
use q921_pair::{Pair, Side};

fn msg(i: usize) -> Vec<u8> {
    format!("message {i}").into_bytes()
}

#[test]
fn at_most_k_frames_outstanding() {
    let mut p = Pair::new(1);
    p.establish(Side::Nt);
    p.impair_to_nt.cut = true; // no acknowledgements come back
    let now = p.now;
    for i in 0..10 {
        p.nt.send(now, &msg(i)).unwrap();
    }
    p.run_for(Duration::from_millis(50));
    let iframes = p.trace.iter().filter(|t| t.2.contains(" I N(S)")).count();
    assert_eq!(iframes, 7, "k = 7 for PRI");
    assert_eq!(p.data(Side::Te).len(), 7);
    p.impair_to_nt.cut = false;
    p.run_for(Duration::from_secs(3));
    assert_eq!(p.data(Side::Te), (0..10).map(msg).collect::<Vec<_>>());
    assert_eq!(p.nt.queued(), 0);
}

#[test]
fn both_directions_wrap_modulo_128_in_order() {
    let mut p = Pair::new(2);
    p.establish(Side::Te);
    for round in 0..50 {
        let now = p.now;
        for j in 0..6 {
            p.nt.send(now, &msg(round * 6 + j)).unwrap();
            p.te.send(now, &msg(10_000 + round * 6 + j)).unwrap();
        }
        p.run_for(Duration::from_millis(40));
    }
    p.run_for(Duration::from_secs(1));
    assert_eq!(p.data(Side::Te), (0..300).map(msg).collect::<Vec<_>>());
    assert_eq!(
        p.data(Side::Nt),
        (10_000..10_300).map(msg).collect::<Vec<_>>()
    );
    assert_eq!(p.nt.stats().retransmissions, 0);
}

#[test]
fn no_loss_no_duplication_over_a_lossy_duplicating_line() {
    for seed in 0..16 {
        let mut p = Pair::new(1000 + seed);
        p.establish(Side::Nt);
        p.impair_to_te.drop = 0.1;
        p.impair_to_nt.drop = 0.1;
        p.impair_to_te.duplicate = 0.1;
        p.impair_to_nt.duplicate = 0.1;
        let n = 200;
        let (mut sent_nt, mut sent_te) = (0, 0);
        // Feed gradually, as layer 3 would, respecting the queue bound.
        let deadline = p.now + Duration::from_secs(600);
        while (p.data(Side::Te).len() < n || p.data(Side::Nt).len() < n) && p.now < deadline {
            let now = p.now;
            while sent_nt < n && p.nt.send(now, &msg(sent_nt)).is_ok() {
                sent_nt += 1;
            }
            while sent_te < n && p.te.send(now, &msg(5000 + sent_te)).is_ok() {
                sent_te += 1;
            }
            p.run_for(Duration::from_millis(100));
            // A link that re-established discards its I queue (DL-ESTABLISH indication);
            // at this loss rate N200 must not run out.
            assert!(
                p.nt.is_established() || p.te.is_established(),
                "seed {seed}: link lost: {:?} {:?}",
                p.nt_events,
                p.te_events
            );
        }
        assert_eq!(
            p.data(Side::Te),
            (0..n).map(msg).collect::<Vec<_>>(),
            "seed {seed}"
        );
        assert_eq!(
            p.data(Side::Nt),
            (5000..5000 + n).map(msg).collect::<Vec<_>>(),
            "seed {seed}"
        );
    }
}

#[test]
fn send_is_bounded_and_typed() {
    let mut cfg = Config::default();
    cfg.max_queue = 8;
    let mut p = Pair::with_config(3, cfg);
    let now = p.now;
    assert_eq!(p.nt.send(now, b"x"), Err(SendError::NotEstablished));
    p.establish(Side::Nt);
    p.impair_to_nt.cut = true;
    let now = p.now;
    for i in 0..8 {
        p.nt.send(now, &msg(i)).unwrap();
    }
    assert_eq!(p.nt.send(now, b"x"), Err(SendError::QueueFull));
    assert_eq!(
        p.nt.send(now, &[0; 261]),
        Err(SendError::TooLong { len: 261 })
    );
}
