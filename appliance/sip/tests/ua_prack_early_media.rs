//! RFC 3262: a reliable 183 with SDP (early media) carries RSeq and Require: 100rel, is
//! resent (T1 doubling) until the PRACK, and the next reliable provisional waits for it.

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::ua::Invite;
use sip::ua::UaEvent;
use ua_pair::{Pair, media, offered};

#[test]
fn reliable_183_with_sdp_resent_until_prack() {
    let mut p = Pair::new();
    let mut pracks = 0;
    p.lose_ab = Box::new(move |m| {
        if m.starts_with("PRACK ") {
            pracks += 1;
            return pracks == 1;
        }
        false
    });
    let (ca, cb) = offered(&mut p, 40000);
    let now = p.now;
    let early = p.b.ringing(now, cb, Some(media(42000))).unwrap().unwrap();
    assert_eq!(early.remote_port, 40000);
    // A 180 asked for right after waits for the PRACK of the 183 (one at a time).
    p.b.ringing(now, cb, None).unwrap();
    p.run_for(Duration::from_secs(3));
    let r183: Vec<String> = p
        .sent_b
        .iter()
        .filter(|(_, m)| m.starts_with("SIP/2.0 183"))
        .map(|(_, m)| m.clone())
        .collect();
    assert!(r183.len() >= 2, "resent until PRACK");
    assert!(
        r183[0].contains("RSeq: 1")
            && r183[0].contains("Require: 100rel")
            && r183[0].contains("m=audio 42000")
    );
    let r180: Vec<&String> = p
        .sent_b
        .iter()
        .filter(|(_, m)| m.starts_with("SIP/2.0 180"))
        .map(|(_, m)| m)
        .collect();
    assert_eq!(r180.len(), 1);
    assert!(r180[0].contains("RSeq: 2"));
    let prack = p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("PRACK "))
        .unwrap()
        .1
        .clone();
    assert!(prack.contains("RAck: 1 1 INVITE"), "{prack}");
    let ev = p.take_a();
    assert!(
        matches!(&ev[0], UaEvent::Progress { call, media } if *call == ca && media.remote_port == 42000),
        "{ev:?}"
    );
    assert_eq!(ev[1], UaEvent::Alerting { call: ca });
    assert_eq!(ev.len(), 2, "the resent 183 is not reported twice");
    let n183 = r183.len();
    p.run_for(Duration::from_secs(30));
    assert_eq!(p.count_b("SIP/2.0 183"), n183, "stopped after the PRACK");
    let now = p.now;
    p.b.answer(now, cb, media(42000)).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(
        p.take_a()
            .iter()
            .any(|e| matches!(e, UaEvent::Answered { .. }))
    );
}

#[test]
fn without_100rel_support_the_183_is_unreliable() {
    let mut a = ua_pair::config(ua_pair::addr_a(), 1);
    a.use_100rel = false;
    let mut b = ua_pair::config(ua_pair::addr_b(), 2);
    b.allow_anonymous = true;
    b.use_100rel = false;
    let mut p = Pair::with(a, b);
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
    p.b.ringing(now, cb, Some(media(42000))).unwrap();
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.count_b("SIP/2.0 183"), 1);
    assert!(!p.sent_b.iter().any(|(_, m)| m.contains("RSeq:")));
    assert_eq!(p.count_a("PRACK "), 0);
}
