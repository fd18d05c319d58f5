//! RFC 3261 §12–§15: a call a→b with 180, 200 and the ACK built by a's UA core, then BYE
//! from either side; dialogs carry tags, CSeq and the remote target.

mod ua_pair;

use core::time::Duration;
use sip::sdp::Codec;
use sip::ua::{CallOrigin, EndReason, Invite, UaEvent};
use sip::{Message, Uri};
use ua_pair::{Pair, established, media, offered};

#[test]
fn call_ringing_answer_ack_and_bye_from_caller() {
    let mut p = Pair::new();
    let now = p.now;
    let ca =
        p.a.invite(
            now,
            Invite::direct(
                Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
                p.b_addr,
                "1001",
                media(40000),
            ),
        )
        .unwrap();
    p.run_for(Duration::from_millis(50));
    let ev = p.take_b();
    let UaEvent::Incoming {
        call: cb,
        origin,
        called,
        calling,
        has_offer,
        replaces,
        ..
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!((called.as_str(), calling.as_str()), ("600", "1001"));
    assert_eq!(*origin, CallOrigin::Anonymous);
    assert!(!origin.is_authenticated());
    assert!(*has_offer && replaces.is_none());
    let cb = *cb;
    let now = p.now;
    p.b.ringing(now, cb, None).unwrap();
    p.run_for(Duration::from_millis(50));
    assert_eq!(p.take_a(), vec![UaEvent::Alerting { call: ca }]);
    let now = p.now;
    let agreed = p.b.answer(now, cb, media(42000)).unwrap().unwrap();
    assert_eq!((agreed.remote_port, agreed.codec), (40000, Codec::Pcma));
    p.run_for(Duration::from_millis(50));
    let ev = p.take_a();
    let [
        UaEvent::Answered {
            call,
            media: Some(m),
        },
    ] = ev.as_slice()
    else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (*call, m.remote_port, m.telephone_event_pt),
        (ca, 42000, Some(101))
    );
    // The ACK: CSeq of the INVITE, both tags, sent to b's Contact flow (§13.2.2.4).
    let ack = p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("ACK "))
        .expect("ACK sent")
        .1
        .clone();
    let Ok(Message::Request(ack)) = Message::parse(ack.as_bytes()) else {
        panic!()
    };
    use sip::HeaderAccess;
    assert_eq!(ack.cseq().unwrap().seq, 1);
    assert!(ack.hdr_to().unwrap().tag().is_some());
    assert_eq!(ack.uri.user.as_deref(), Some("600"));
    // No retransmission of the 200 once the ACK arrived.
    p.run_for(Duration::from_secs(40));
    let oks = p
        .sent_b
        .iter()
        .filter(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains("CSeq: 1 INVITE"));
    assert_eq!(oks.count(), 1);
    assert_eq!(p.a.media(ca).unwrap().remote_port, 42000);
    let now = p.now;
    p.a.hangup(now, ca).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(
        p.take_b(),
        vec![UaEvent::Hangup {
            call: cb,
            reason: EndReason::Bye
        }]
    );
    assert!(
        p.take_a().is_empty(),
        "no event for a hang-up the host asked for"
    );
    // BYE: one more than the last request (the PRACK had 2), §12.2.1.1.
    assert!(
        p.sent_a
            .iter()
            .any(|(_, m)| m.starts_with("BYE ") && m.contains("CSeq: 3 BYE"))
    );
    assert!(p.a.calls().is_empty() && p.b.calls().is_empty());
}

#[test]
fn bye_from_callee() {
    let mut p = Pair::new();
    let (ca, cb) = established(&mut p);
    p.take_a();
    let now = p.now;
    p.b.hangup(now, cb).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::Hangup {
            call: ca,
            reason: EndReason::Bye
        }]
    );
    // b's BYE: its own CSeq space starts at 1 (the UAS local sequence was empty, §12.1.1).
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("BYE sip:1001@127.0.0.1:5070 "))
    );
    assert!(p.a.calls().is_empty() && p.b.calls().is_empty());
}

#[test]
fn rejected_call_reports_status() {
    let mut p = Pair::new();
    let (ca, cb) = offered(&mut p, 40000);
    let now = p.now;
    p.b.reject(now, cb, 486).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::Hangup {
            call: ca,
            reason: EndReason::Rejected(486)
        }]
    );
    // The non-2xx ACK is the transaction's (§17.1.1.3).
    assert_eq!(p.count_a("ACK "), 1);
    assert!(p.a.calls().is_empty() && p.b.calls().is_empty());
}

#[test]
fn no_answer_times_out_with_408() {
    let mut p = Pair::new();
    p.lose_ab = Box::new(|_| true);
    let now = p.now;
    let ca =
        p.a.invite(
            now,
            Invite::direct(
                Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
                p.b_addr,
                "1001",
                media(40000),
            ),
        )
        .unwrap();
    p.run_for(Duration::from_secs(33));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::Hangup {
            call: ca,
            reason: EndReason::Rejected(408)
        }]
    );
    assert!(p.a.calls().is_empty());
}

#[test]
fn callee_hangup_before_the_ack_waits_for_it() {
    // RFC 3261 §15: the callee sends no BYE before the ACK of its 2xx.
    let mut p = Pair::new();
    p.lose_ab = Box::new(|m| m.starts_with("ACK "));
    let (ca, cb) = offered(&mut p, 40000);
    let now = p.now;
    p.b.answer(now, cb, media(42000)).unwrap();
    p.b.hangup(now, cb).unwrap();
    p.run_for(Duration::from_secs(2));
    assert_eq!(p.count_b("BYE "), 0, "no BYE while the ACK is missing");
    p.lose_ab = Box::new(|_| false);
    p.run_for(Duration::from_secs(3));
    assert!(p.count_b("BYE ") >= 1);
    assert!(p.events_a.iter().any(|(_, e)| *e
        == UaEvent::Hangup {
            call: ca,
            reason: EndReason::Bye
        }));
    assert!(p.a.calls().is_empty() && p.b.calls().is_empty());
    assert!(
        p.events_b
            .iter()
            .all(|(_, e)| !matches!(e, UaEvent::Hangup { .. }))
    );
}
