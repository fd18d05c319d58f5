//! RFC 3261 §17.1.1.3/§17.2.1: a non-2xx final response to an INVITE is acknowledged by the
//! client transaction itself; the server moves to Confirmed on the ACK (Timer I = T4), the
//! client absorbs retransmissions during Timer D (32 s) and re-sends its ACK.

mod tx_pair;
use sip::header::HeaderKind;
use sip::transaction::{State, TxEvent};
use sip::{HeaderAccess, Message, Method};
use tdm::Instant;
use tx_pair::{Pair, is_ack};

#[test]
fn busy_here_is_acked_by_the_transaction() {
    let mut p = Pair::new(false);
    let inv = p.request(Method::Invite);
    let cid = p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(15));
    let (sid, r) = p.b_request(0);
    p.b.send_response(p.now, sid, r.response(486, "Busy Here", Some("b-tag")))
        .unwrap();
    p.run_until(Instant::from_millis(100));
    assert_eq!(p.a_responses(), vec![100, 486]);
    let acks: Vec<_> = p.sent_a.iter().filter(|(_, b)| is_ack(b)).collect();
    assert_eq!(acks.len(), 1);
    let Message::Request(ack) = tx_pair::parse(&acks[0].1) else {
        panic!()
    };
    // §17.1.1.3: same branch as the INVITE, To with the response's tag, CSeq ACK.
    assert_eq!(ack.hdr_to().unwrap().tag(), Some("b-tag"));
    assert_eq!(ack.cseq().unwrap().to_string(), "1 ACK");
    assert_eq!(ack.headers.values(HeaderKind::Via).count(), 1);
    assert_eq!(p.a.state(cid), Some(State::Completed));
    assert_eq!(p.b.state(sid), Some(State::Confirmed));
    // The ACK is absorbed by b's transaction, not passed to its TU.
    assert!(
        !p.events_b
            .iter()
            .any(|(_, e)| matches!(e, TxEvent::Ack { .. }))
    );
    p.run_until(Instant::from_millis(40_000));
    let term = |ev: &[(Instant, TxEvent)], id| {
        ev.iter()
            .find(|(_, e)| matches!(e, TxEvent::Terminated { id: x } if *x == id))
            .map(|(t, _)| t.as_millis())
    };
    assert_eq!(
        term(&p.events_b, sid),
        Some(35 + 5000),
        "Timer I = T4 after the ACK"
    );
    assert_eq!(term(&p.events_a, cid), Some(25 + 32_000), "Timer D = 32 s");
}

#[test]
fn lost_ack_gets_the_final_response_again_and_a_new_ack() {
    let mut p = Pair::new(false);
    let mut dropped = false;
    p.lose_ab = Box::new(move |b| {
        if is_ack(b) && !dropped {
            dropped = true;
            return true;
        }
        false
    });
    let inv = p.request(Method::Invite);
    p.a.send_request(p.now, inv, p.b_addr).unwrap();
    p.run_until(Instant::from_millis(15));
    let (sid, r) = p.b_request(0);
    p.b.send_response(p.now, sid, r.response(603, "Decline", Some("t")))
        .unwrap();
    p.run_until(Instant::from_millis(2_000));
    // Timer G resent the 603 at 515 ms; the client's Completed state answered with a second ACK.
    assert_eq!(p.b_sent_status_times(603), vec![15, 515]);
    assert_eq!(p.sent_a.iter().filter(|(_, b)| is_ack(b)).count(), 2);
    assert_eq!(
        p.a_responses(),
        vec![100, 603],
        "the retransmission is not passed up"
    );
    assert_eq!(p.b.state(sid), Some(State::Confirmed));
}
