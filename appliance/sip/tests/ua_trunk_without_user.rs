//! A trunk authenticated by address has no user: its requests must still carry valid URIs
//! (RFC 3261 §25.1: no empty user part). The OPTIONS keep-alive goes out `From: <sip:host>`
//! and the peer's answer parses (the trunk is reported up); a call through it puts the
//! caller's number in From (the provider's CLI) and the peer sees that calling number.

mod ua_pair;

use core::time::Duration;
use sip::ua::{Invite, TrunkConfig, TrunkRef, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config, media};

#[test]
fn trunk_without_user_sends_valid_from_and_the_callers_number() {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("ip-trunk", addr_b(), "127.0.0.2", "", "");
    t.register = false;
    t.keepalive = Some(Duration::from_secs(20));
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.allow_anonymous = true;
    let mut p = Pair::with(a, b);
    p.run_for(Duration::from_secs(1));
    assert_eq!(
        p.take_a(),
        vec![UaEvent::TrunkStatus {
            trunk: TrunkRef(0),
            up: true
        }],
        "the answer to our OPTIONS was read"
    );
    let now = p.now;
    p.a.invite(
        now,
        Invite::trunk(TrunkRef(0), "0301234567", "1001", media(4000)),
    )
    .expect("invite");
    p.run_for(Duration::from_millis(200));
    let ev = p.take_b();
    assert!(
        ev.iter()
            .any(|e| matches!(e, UaEvent::Incoming { called, calling, .. }
            if called == "0301234567" && calling == "1001")),
        "{ev:#?}"
    );
}

/// A caller without a number through a trunk without a user: neither side has a number to
/// put in From, so the INVITE goes out anonymous with Privacy: id (RFC 3323 §4.1.1.3), never
/// `From: <sip:domain>` that says nothing and asks for no privacy.
#[test]
fn empty_caller_through_trunk_without_user_goes_out_anonymous() {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new("ip-trunk", addr_b(), "127.0.0.2", "", "");
    t.register = false;
    t.keepalive = None;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.allow_anonymous = true;
    let mut p = Pair::with(a, b);
    let now = p.now;
    p.a.invite(
        now,
        Invite::trunk(TrunkRef(0), "0301234567", "", media(4000)),
    )
    .expect("invite");
    p.run_for(Duration::from_millis(200));
    let inv = &p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("INVITE "))
        .expect("INVITE sent")
        .1;
    let from = inv.lines().find(|l| l.starts_with("From:")).expect("From");
    assert!(from.contains("<sip:anonymous@anonymous.invalid>"), "{from}");
    assert!(inv.lines().any(|l| l == "Privacy: id"), "{inv}");
}
