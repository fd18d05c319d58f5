//! Calls in from a trunk are matched by source address (and, with several trunks at one
//! address, by the registered user in the Request-URI): no challenge, origin Trunk.

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::ua::{CallOrigin, Invite, TrunkConfig, TrunkRef, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config, media};

#[test]
fn call_from_trunk_address_is_trusted_and_tagged() {
    // a is the PBX with two trunks at b's address; b plays the provider.
    let mut a = config(addr_a(), 0xa);
    for (name, user) in [("first", "pbx1"), ("second", "pbx2")] {
        let mut t = TrunkConfig::new(name, addr_b(), "127.0.0.2", user, "x");
        t.register = false;
        t.keepalive = None;
        a.trunks.push(t);
    }
    let b = config(addr_b(), 0xb);
    let mut p = Pair::with(a, b);
    let now = p.now;
    p.b.invite(
        now,
        Invite::direct(
            Uri::sip(Some("pbx2"), "127.0.0.1", Some(5070)),
            p.a_addr,
            "+4930123",
            media(40000),
        ),
    )
    .unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(p.count_a("SIP/2.0 407"), 0);
    let ev = p.take_a();
    let UaEvent::Incoming {
        origin,
        calling,
        called,
        ..
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(
        *origin,
        CallOrigin::Trunk {
            trunk: TrunkRef(1),
            name: "second".into()
        }
    );
    assert!(origin.is_authenticated());
    assert_eq!((calling.as_str(), called.as_str()), ("+4930123", "pbx2"));
}

#[test]
fn call_from_elsewhere_is_challenged() {
    let mut a = config(addr_a(), 0xa);
    let mut t = TrunkConfig::new(
        "carrier",
        "192.0.2.7:5060".parse().unwrap(),
        "carrier.example",
        "pbx1",
        "x",
    );
    t.register = false;
    t.keepalive = None;
    a.trunks.push(t);
    let b = config(addr_b(), 0xb);
    let mut p = Pair::with(a, b);
    let now = p.now;
    let cb =
        p.b.invite(
            now,
            Invite::direct(
                Uri::sip(Some("pbx1"), "127.0.0.1", Some(5070)),
                p.a_addr,
                "+4930123",
                media(40000),
            ),
        )
        .unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.events_a.is_empty());
    assert_eq!(
        p.take_b(),
        vec![UaEvent::Hangup {
            call: cb,
            reason: sip::ua::EndReason::Rejected(407)
        }]
    );
}
