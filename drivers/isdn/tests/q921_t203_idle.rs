//! T203 idle supervision (Q.921 §5.9.8, §5.6.7): after 10 s without frames the link is
//! polled with RR P=1 and goes back to state 7 on the F=1 answer; traffic restarts T203.

mod q921_pair;

use std::time::Duration;

use isdn::q921::State;
use q921_pair::{Pair, Side};

#[test]
fn idle_link_is_polled_every_t203() {
    let mut p = Pair::new(1);
    p.establish(Side::Nt);
    let t0 = p.now;
    p.run_for(Duration::from_secs(35));
    let polls: Vec<_> = p
        .trace
        .iter()
        .filter(|t| t.2.contains("RR") && t.2.contains("P/F=1"))
        .map(|t| (t.0 - t0, t.1))
        .collect();
    // Both ends run T203 and poll; each poll is answered with RR F=1 and restarts T203 on
    // both sides, so polls come every ~10 s and never pile up.
    assert!(polls.len() >= 6 && polls.len() <= 8, "{polls:?}");
    assert_eq!(p.nt.state(), State::MultipleFrameEstablished);
    assert_eq!(p.te.state(), State::MultipleFrameEstablished);
    assert!(
        p.nt_events.len() == 1 && p.te_events.len() == 1,
        "no errors: {:?}",
        p.nt_events
    );
}

#[test]
fn traffic_restarts_t203() {
    let mut p = Pair::new(2);
    p.establish(Side::Nt);
    for _ in 0..8 {
        p.run_for(Duration::from_secs(5));
        let now = p.now;
        p.nt.send(now, b"keepalive").unwrap();
    }
    let polls = p
        .trace
        .iter()
        .filter(|t| t.2.contains("RR") && t.2.contains("P/F=1"))
        .count();
    assert_eq!(polls, 0, "T203 never expires while I frames flow every 5 s");
}

#[test]
fn dead_peer_is_detected_by_t203_then_n200() {
    let mut cfg = isdn::q921::Config::default();
    cfg.persistent = false;
    let mut p = Pair::with_config(3, cfg);
    p.establish(Side::Nt);
    p.impair_to_nt.cut = true;
    p.impair_to_te.cut = true;
    // T203 expiry sends the first enquiry with RC = 0; each T200 expiry in state 8 repeats
    // it until RC = N200 (SDL state 8): polls at 10, 11, 12 and 13 s, MDL-ERROR I at 14 s.
    p.run_for(Duration::from_millis(13_500));
    assert_eq!(p.nt.state(), State::TimerRecovery);
    p.run_for(Duration::from_millis(1_000));
    assert_eq!(p.nt.state(), State::AwaitingEstablishment);
    assert!(
        p.nt_events
            .contains(&isdn::q921::Event::MdlError(isdn::q921::MdlError::I))
    );
}
