//! RFC 3261 §13.3.1.4: the UAS core resends its 2xx until the ACK; the UAC core answers each
//! retransmitted 2xx with the same ACK (§13.2.2.4). With no ACK at all, the UAS gives up
//! after 64*T1 and ends the call with BYE.

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::ua::{EndReason, Invite, UaEvent};
use ua_pair::{Pair, media};

fn call(p: &mut Pair) -> sip::ua::CallRef {
    let now = p.now;
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
    let cb = p.incoming_b().unwrap();
    let now = p.now;
    p.b.answer(now, cb, media(42000)).unwrap();
    cb
}

#[test]
fn lost_ack_is_repeated_on_the_retransmitted_2xx() {
    let mut p = Pair::new();
    let mut acks = 0;
    p.lose_ab = Box::new(move |m| {
        if m.starts_with("ACK ") {
            acks += 1;
            return acks <= 2;
        }
        false
    });
    let cb = call(&mut p);
    p.run_for(Duration::from_secs(10));
    assert_eq!(
        p.count_b("SIP/2.0 200"),
        3,
        "first send + two retransmissions"
    );
    assert_eq!(p.count_a("ACK "), 3);
    let acks: Vec<&String> = p
        .sent_a
        .iter()
        .filter(|(_, m)| m.starts_with("ACK "))
        .map(|(_, m)| m)
        .collect();
    assert!(
        acks.windows(2).all(|w| w[0] == w[1]),
        "the same ACK each time"
    );
    p.run_for(Duration::from_secs(40));
    assert_eq!(p.count_b("SIP/2.0 200"), 3);
    assert!(p.b.calls().contains(&cb));
}

#[test]
fn no_ack_at_all_ends_with_bye() {
    let mut p = Pair::new();
    p.lose_ab = Box::new(|m| m.starts_with("ACK "));
    let cb = call(&mut p);
    p.run_for(Duration::from_secs(40));
    // T1, 2T1, 4T1, T2 (4 s) ... until 64*T1 = 32 s.
    let times: Vec<u64> = p
        .sent_b
        .iter()
        .filter(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains("INVITE"))
        .map(|(t, _)| t.as_millis())
        .collect();
    assert_eq!(times.len(), 11, "{times:?}");
    assert!(p.events_b.iter().any(|(_, e)| *e
        == UaEvent::Hangup {
            call: cb,
            reason: EndReason::NoAck
        }));
    assert_eq!(p.count_b("BYE "), 1);
    assert!(p.b.calls().is_empty());
    assert!(p.a.calls().is_empty(), "a got the BYE");
}
