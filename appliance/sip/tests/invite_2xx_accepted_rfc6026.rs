//! RFC 6026: after a 2xx the INVITE transactions go to Accepted. The server passes the TU's
//! 2xx retransmissions through and hands the ACK to the TU; the client passes retransmitted
//! 2xx up (so the TU can ACK each); Timers L and M (64*T1) end them.

mod tx_pair;
use sip::transaction::{State, TxEvent};
use sip::{Message, Method, Request};
use tdm::Instant;
use tx_pair::Pair;

#[test]
fn accepted_state_passes_2xx_and_ack() {
    let mut p = Pair::new(false);
    let inv = p.request(Method::Invite);
    let cid = p.a.send_request(p.now, inv.clone(), p.b_addr).unwrap();
    p.run_until(Instant::from_millis(15));
    let (sid, r) = p.b_request(0);
    let ok = r.response(200, "OK", Some("b-tag"));
    p.b.send_response(p.now, sid, ok.clone()).unwrap();
    assert_eq!(p.b.state(sid), Some(State::Accepted));
    p.run_until(Instant::from_millis(500));
    // The TU (dialog layer) retransmits its 2xx (§13.3.1.4): allowed in Accepted.
    p.b.send_response(p.now, sid, ok).unwrap();
    p.run_until(Instant::from_millis(600));
    assert_eq!(p.a_responses(), vec![100, 200, 200]);
    assert_eq!(p.a.state(cid), Some(State::Accepted));
    // A retransmitted INVITE in Accepted is absorbed (no new TU request, no response).
    let before = p.sent_b.len();
    p.a.send_stateless(&Message::Request(inv.clone()), p.b_addr);
    p.run_until(Instant::from_millis(700));
    assert_eq!(p.sent_b.len(), before);
    assert_eq!(
        p.events_b
            .iter()
            .filter(|(_, e)| matches!(e, TxEvent::Request { .. }))
            .count(),
        1
    );
    // The TU sends the ACK for the 2xx (a new branch in a real dialog; here the same one to
    // exercise the Accepted-state match): it reaches b's TU.
    let mut ack = Request::new(Method::Ack, inv.uri.clone());
    ack.headers = inv.headers;
    ack.headers.set(sip::HeaderKind::CSeq, "1 ACK");
    ack.headers
        .set(sip::HeaderKind::To, "<sip:bob@127.0.0.1>;tag=b-tag");
    p.a.send_stateless(&Message::Request(ack), p.b_addr);
    p.run_until(Instant::from_millis(800));
    assert!(
        p.events_b
            .iter()
            .any(|(_, e)| matches!(e, TxEvent::Ack { id: Some(x), .. } if *x == sid))
    );
    // A final response after the 2xx is refused.
    assert!(
        p.b.send_response(p.now, sid, r.response(486, "Busy", None))
            .is_err()
    );
    p.run_until(Instant::from_millis(40_000));
    let term = |ev: &[(Instant, TxEvent)], id| {
        ev.iter()
            .find(|(_, e)| matches!(e, TxEvent::Terminated { id: x } if *x == id))
            .map(|(t, _)| t.as_millis())
    };
    assert_eq!(term(&p.events_b, sid), Some(15 + 32_000), "Timer L");
    assert_eq!(term(&p.events_a, cid), Some(25 + 32_000), "Timer M");
}

#[test]
fn a_2xx_after_timer_m_is_a_stray_response() {
    let mut p = Pair::new(false);
    let inv = p.request(Method::Invite);
    p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(15));
    let (sid, r) = p.b_request(0);
    let ok = r.response(200, "OK", Some("b"));
    p.b.send_response(p.now, sid, ok.clone()).unwrap();
    p.run_until(Instant::from_millis(33_000));
    p.b.send_stateless(&Message::Response(ok), p.a_addr);
    p.run_until(Instant::from_millis(34_000));
    assert!(p.events_a.iter().any(
        |(_, e)| matches!(e, TxEvent::StrayResponse { response, .. } if response.status == 200)
    ));
}
