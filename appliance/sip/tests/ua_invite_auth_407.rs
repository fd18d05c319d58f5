//! INVITEs from phone accounts are challenged with 407 (RFC 3261 §22.3) and reach the host
//! as authenticated; an INVITE naming an account without valid credentials never reaches
//! the host; unauthenticated callers are marked so (never to an outside line).

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::auth::Algorithm;
use sip::ua::{Account, CallOrigin, EndReason, Invite, TrunkConfig, TrunkRef, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config, media};

fn pair(password: &str, anonymous: bool) -> Pair {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("pbx", addr_b(), "127.0.0.2", "1001", password);
    t.keepalive = None;
    t.register = false;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.accounts = vec![Account::new("1001", "demo1001").with_algorithms(&[Algorithm::Md5])];
    b.allow_anonymous = anonymous;
    Pair::with(a, b)
}

#[test]
fn invite_challenged_with_407_then_authenticated() {
    let mut p = pair("demo1001", false);
    let now = p.now;
    let ca =
        p.a.invite(now, Invite::trunk(TrunkRef(0), "600", "1001", media(40000)))
            .unwrap();
    p.run_for(Duration::from_millis(200));
    let r407 = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("SIP/2.0 407"))
        .expect("407")
        .1
        .clone();
    assert!(r407.contains("Proxy-Authenticate: Digest") && r407.contains("algorithm=MD5"));
    assert!(!r407.contains("SHA-256"), "per-account algorithm list");
    let invites: Vec<&String> = p
        .sent_a
        .iter()
        .filter(|(_, m)| m.starts_with("INVITE "))
        .map(|(_, m)| m)
        .collect();
    assert_eq!(invites.len(), 2);
    assert!(
        invites[1].contains("Proxy-Authorization: Digest") && invites[1].contains("CSeq: 2 INVITE")
    );
    let ev = p.take_b();
    let UaEvent::Incoming {
        call,
        origin,
        called,
        ..
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(
        *origin,
        CallOrigin::Account {
            user: "1001".into()
        }
    );
    assert!(origin.is_authenticated());
    assert_eq!(called, "600");
    let now = p.now;
    p.b.answer(now, *call, media(42000)).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(
        p.take_a()
            .iter()
            .any(|e| matches!(e, UaEvent::Answered { call, .. } if *call == ca))
    );
    // The ACK and later requests use the INVITE's final CSeq (2).
    assert!(
        p.sent_a
            .iter()
            .any(|(_, m)| m.starts_with("ACK ") && m.contains("CSeq: 2 ACK"))
    );
}

#[test]
fn wrong_password_never_reaches_the_host() {
    let mut p = pair("bad", false);
    let now = p.now;
    let ca =
        p.a.invite(now, Invite::trunk(TrunkRef(0), "600", "1001", media(40000)))
            .unwrap();
    p.run_for(Duration::from_millis(300));
    assert!(
        p.events_b
            .iter()
            .all(|(_, e)| !matches!(e, UaEvent::Incoming { .. }))
    );
    assert!(
        p.events_b
            .iter()
            .any(|(_, e)| matches!(e, UaEvent::AuthFailed { .. }))
    );
    assert_eq!(
        p.take_a(),
        vec![UaEvent::Hangup {
            call: ca,
            reason: EndReason::Rejected(403)
        }]
    );
    assert!(p.b.calls().is_empty());
}

#[test]
fn account_name_without_credentials_is_challenged_even_with_anonymous_allowed() {
    let mut p = pair("demo1001", true);
    let now = p.now;
    // A direct INVITE (no credentials to offer) claiming to be 1001.
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
    p.run_for(Duration::from_millis(300));
    assert!(
        p.events_b
            .iter()
            .all(|(_, e)| !matches!(e, UaEvent::Incoming { .. }))
    );
    assert_eq!(
        p.take_a(),
        vec![UaEvent::Hangup {
            call: ca,
            reason: EndReason::Rejected(407)
        }]
    );
    // Another name is let in, but marked unauthenticated.
    let now = p.now;
    p.a.invite(
        now,
        Invite::direct(
            Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
            p.b_addr,
            "guest",
            media(40000),
        ),
    )
    .unwrap();
    p.run_for(Duration::from_millis(100));
    let ev = p.take_b();
    assert!(
        matches!(
            &ev[0],
            UaEvent::Incoming {
                origin: CallOrigin::Anonymous,
                ..
            }
        ),
        "{ev:?}"
    );
}
