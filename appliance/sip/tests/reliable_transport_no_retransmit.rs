//! RFC 3261 §17: over a reliable transport (TCP) nothing is retransmitted and the
//! absorbing timers D, I, J, K are zero; Timers B/F/H still bound the wait.

mod tx_pair;
use sip::Method;
use sip::transaction::TxEvent;
use tdm::Instant;
use tx_pair::Pair;

#[test]
fn no_retransmissions_and_immediate_termination() {
    let mut p = Pair::new(true);
    let req = p.request(Method::Options);
    let cid = p.a.send_request(p.now, req, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(10));
    let (sid, r) = p.b_request(0);
    p.b.send_response(p.now, sid, r.response(200, "OK", None))
        .unwrap();
    p.run_until(Instant::from_millis(40_000));
    assert_eq!(p.a_sent_times("OPTIONS"), vec![0]);
    let term = |ev: &[(Instant, TxEvent)], id| {
        ev.iter()
            .find(|(_, e)| matches!(e, TxEvent::Terminated { id: x } if *x == id))
            .map(|(t, _)| t.as_millis())
    };
    assert_eq!(term(&p.events_a, cid), Some(20), "Timer K = 0");
    assert_eq!(term(&p.events_b, sid), Some(10), "Timer J = 0");
}

#[test]
fn invite_timer_b_without_timer_a() {
    let mut p = Pair::new(true);
    p.lose_ab = Box::new(|_| true);
    let inv = p.request(Method::Invite);
    p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(40_000));
    assert_eq!(p.a_sent_times("INVITE"), vec![0]);
    assert!(
        p.events_a
            .iter()
            .any(|(t, e)| matches!(e, TxEvent::Timeout { .. }) && t.as_millis() == 32_000)
    );
}
