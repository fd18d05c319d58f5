//! RFC 3264 §8.4 hold and resume by re-INVITE: a=sendonly puts the peer on hold (it answers
//! recvonly), a=sendrecv takes it off; a=inactive and c=0.0.0.0 count as hold too. Both
//! directions; the peer's host sees Held / Resumed once per change.

mod ua_pair;

use core::time::Duration;
use sip::sdp::Direction;
use sip::ua::UaEvent;
use ua_pair::{Pair, established};

fn last(sent: &[(tdm::Instant, String)], start: &str) -> String {
    sent.iter()
        .rev()
        .find(|(_, m)| m.starts_with(start))
        .expect(start)
        .1
        .clone()
}

#[test]
fn caller_holds_and_resumes() {
    let mut p = Pair::new();
    let (ca, cb) = established(&mut p);
    p.take_a();
    p.take_b();
    let now = p.now;
    p.a.hold(now, ca).unwrap();
    p.run_for(Duration::from_millis(100));
    let reinvite = last(&p.sent_a, "INVITE ");
    assert!(reinvite.contains("a=sendonly") && reinvite.contains("CSeq: 2 INVITE"));
    assert!(
        reinvite.contains("o=- ") && reinvite.contains(" 2 IN IP4"),
        "session version bumped"
    );
    let ok = last(&p.sent_b, "SIP/2.0 200");
    assert!(ok.contains("a=recvonly"), "{ok}");
    assert!(
        p.sent_a
            .iter()
            .any(|(_, m)| m.starts_with("ACK ") && m.contains("CSeq: 2 ACK"))
    );
    assert_eq!(p.take_b(), vec![UaEvent::Held { call: cb }]);
    assert_eq!(p.a.media(ca).unwrap().direction, Direction::SendOnly);
    let now = p.now;
    p.a.resume(now, ca).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(last(&p.sent_a, "INVITE ").contains("a=sendrecv"));
    assert!(last(&p.sent_b, "SIP/2.0 200").contains("a=sendrecv"));
    assert_eq!(p.take_b(), vec![UaEvent::Resumed { call: cb }]);
    assert_eq!(p.a.media(ca).unwrap().direction, Direction::SendRecv);
    // No 2xx retransmission for the re-INVITEs either: the ACKs arrived.
    p.run_for(Duration::from_secs(40));
    assert_eq!(
        p.sent_b
            .iter()
            .filter(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains(" INVITE\r\n"))
            .count(),
        3
    );
}

#[test]
fn callee_holds_and_resumes() {
    let mut p = Pair::new();
    let (ca, cb) = established(&mut p);
    p.take_a();
    let now = p.now;
    p.b.hold(now, cb).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(last(&p.sent_b, "INVITE sip:1001@").contains("a=sendonly"));
    assert_eq!(p.take_a(), vec![UaEvent::Held { call: ca }]);
    // Holding twice changes nothing for the peer's host.
    let now = p.now;
    p.b.hold(now, cb).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.take_a().is_empty());
    let now = p.now;
    p.b.resume(now, cb).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(p.take_a(), vec![UaEvent::Resumed { call: ca }]);
}

#[test]
fn inactive_and_rfc2543_hold_are_hold() {
    let mut p = Pair::new();
    let (_ca, cb) = established(&mut p);
    p.take_b();
    // Rewrite a's hold re-INVITEs on the wire: a=inactive, then c=0.0.0.0 with sendrecv.
    let now = p.now;
    p.a.hold(now, _ca).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(p.take_b(), vec![UaEvent::Held { call: cb }]);
    // Build an RFC 2543-style re-INVITE by hand from a's last one: sendrecv but c=0.0.0.0.
    let inv = last(&p.sent_a, "INVITE ")
        .replace("CSeq: 2 INVITE", "CSeq: 9 INVITE")
        .replacen("branch=z9hG4bK", "branch=z9hG4bKhand", 1);
    let Ok(sip::Message::Request(mut req)) = sip::Message::parse(inv.as_bytes()) else {
        panic!()
    };
    let body = String::from_utf8(req.body.clone()).unwrap();
    req.body = body
        .replace("a=sendonly", "a=sendrecv")
        .replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0")
        .into_bytes();
    let from = p.a_addr;
    p.inject_b(from, &req.to_bytes());
    assert!(p.take_b().is_empty(), "still on hold: no event");
    let ok = last(&p.sent_b, "SIP/2.0 200");
    assert!(
        ok.contains("CSeq: 9 INVITE") && ok.contains("a=recvonly"),
        "{ok}"
    );
}
