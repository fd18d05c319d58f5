//! RFC 3261 §17.1.2.2: an unanswered non-INVITE over UDP is retransmitted by Timer E
//! (doubling, capped at T2; T2 once Proceeding) and abandoned by Timer F (64*T1).

mod tx_pair;
use sip::Method;
use sip::transaction::TxEvent;
use tdm::Instant;
use tx_pair::Pair;

#[test]
fn timer_e_caps_at_t2_and_timer_f_times_out() {
    let mut p = Pair::new(false);
    p.lose_ab = Box::new(|_| true);
    let req = p.request(Method::Options);
    let id = p.a.send_request(p.now, req, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(40_000));
    assert_eq!(
        p.a_sent_times("OPTIONS"),
        vec![
            0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
        ]
    );
    assert!(p.events_a.iter().any(
        |(t, e)| matches!(e, TxEvent::Timeout { id: x } if *x == id) && t.as_millis() == 32_000
    ));
    assert!(p.a.is_empty());
}

#[test]
fn in_proceeding_timer_e_is_t2() {
    let mut p = Pair::new(false);
    let req = p.request(Method::Options);
    p.a.send_request(p.now, req, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(15));
    let (sid, r) = p.b_request(0);
    p.b.send_response(p.now, sid, r.response(180, "Ringing", Some("b1")))
        .unwrap();
    // From now on b answers nothing new: a retransmits every T2 and b resends its 180.
    p.run_until(Instant::from_millis(20_000));
    let times = p.a_sent_times("OPTIONS");
    // First retransmit at 500 ms (Trying got the 180 at 25 ms, Timer E then runs at T2).
    assert_eq!(times[..3], [0, 500, 4500]);
    assert!(
        p.b_sent_status_times(180).len() >= 4,
        "each retransmission gets the provisional again"
    );
}
