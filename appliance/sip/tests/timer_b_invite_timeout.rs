//! RFC 3261 §17.1.1.2: an unanswered INVITE over UDP is retransmitted by Timer A (T1,
//! doubling) and given up by Timer B (64*T1) with a timeout to the TU.

mod tx_pair;
use sip::Method;
use sip::transaction::{State, TxEvent};
use tdm::Instant;
use tx_pair::Pair;

#[test]
fn timer_a_doubles_and_timer_b_times_out() {
    let mut p = Pair::new(false);
    p.lose_ab = Box::new(|_| true);
    let inv = p.request(Method::Invite);
    let id = p.a.send_request(p.now, inv, p.b_addr).unwrap();
    assert_eq!(p.a.state(id), Some(State::Calling));
    p.run_until(Instant::from_millis(40_000));
    assert_eq!(
        p.a_sent_times("INVITE"),
        vec![0, 500, 1500, 3500, 7500, 15500, 31500]
    );
    let timeouts: Vec<u64> = p
        .events_a
        .iter()
        .filter(|(_, e)| matches!(e, TxEvent::Timeout { id: x } if *x == id))
        .map(|(t, _)| t.as_millis())
        .collect();
    assert_eq!(timeouts, vec![32_000]);
    assert_eq!(p.a.state(id), None);
    assert!(p.a.is_empty());
}

#[test]
fn a_provisional_stops_timer_a_and_b() {
    let mut p = Pair::new(false);
    let inv = p.request(Method::Invite);
    let id = p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(100_000));
    // b's automatic 100 Trying arrives at 20 ms: no retransmission, no timeout, still Proceeding.
    assert_eq!(p.a_sent_times("INVITE"), vec![0]);
    assert_eq!(p.a_responses(), vec![100]);
    assert_eq!(p.a.state(id), Some(State::Proceeding));
}

#[test]
fn t1_is_configurable() {
    let timers = sip::transaction::TimerConfig {
        t1: core::time::Duration::from_millis(100),
        ..Default::default()
    };
    let mut p = Pair::with_timers(timers, false);
    p.lose_ab = Box::new(|_| true);
    let inv = p.request(Method::Invite);
    p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(10_000));
    assert_eq!(
        p.a_sent_times("INVITE"),
        vec![0, 100, 300, 700, 1500, 3100, 6300]
    );
    assert!(
        p.events_a
            .iter()
            .any(|(t, e)| matches!(e, TxEvent::Timeout { .. }) && t.as_millis() == 6400)
    );
}
