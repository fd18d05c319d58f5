//! RFC 3261 §9: CANCEL while the callee rings: 200 to the CANCEL, 487 to the INVITE, the
//! callee's host told the caller gave up; the caller's host gets no event (it asked).

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::ua::{EndReason, Invite, UaEvent};
use ua_pair::{Pair, media, offered};

#[test]
fn cancel_during_ringing_gets_487() {
    let mut p = Pair::new();
    let (ca, cb) = offered(&mut p, 40000);
    let now = p.now;
    p.b.ringing(now, cb, None).unwrap();
    p.run_for(Duration::from_millis(50));
    let now = p.now;
    p.a.hangup(now, ca).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.events_b.iter().any(|(_, e)| *e
        == UaEvent::Hangup {
            call: cb,
            reason: EndReason::Cancelled
        }));
    assert_eq!(p.count_a("CANCEL "), 1);
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains("CSeq: 1 CANCEL"))
    );
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("SIP/2.0 487") && m.contains("CSeq: 1 INVITE"))
    );
    assert_eq!(p.take_a(), vec![UaEvent::Alerting { call: ca }]);
    assert!(p.a.calls().is_empty() && p.b.calls().is_empty());
    assert_eq!(
        p.b.answer(p.now, cb, media(1)),
        Err(sip::ua::UaError::NoSuchCall)
    );
}

#[test]
fn cancel_before_any_provisional_waits_for_one() {
    let mut p = Pair::new();
    // Hold back b's 100 Trying: the CANCEL may only go after a provisional (§9.1).
    p.lose_ba = Box::new(|m| m.starts_with("SIP/2.0 100"));
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
    p.a.cancel(now, ca).unwrap();
    p.run_for(Duration::from_millis(50));
    assert_eq!(p.count_a("CANCEL "), 0);
    let cb = p.incoming_b().unwrap();
    let now = p.now;
    p.b.ringing(now, cb, None).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(p.count_a("CANCEL "), 1);
    assert!(p.a.calls().is_empty() && p.b.calls().is_empty());
}
