//! RFC 3515 REFER: blind transfer (Refer-To), 202, NOTIFY with message/sipfrag (100 Trying,
//! then the final status the host gives); attended transfer with Replaces (RFC 3891) in the
//! Refer-To, and an INVITE with Replaces matched to the call it replaces.

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::ua::{Invite, UaEvent};
use ua_pair::{Pair, established, media};

#[test]
fn blind_transfer_with_notify_progress() {
    let mut p = Pair::new();
    let (ca, cb) = established(&mut p);
    p.take_a();
    p.take_b();
    let now = p.now;
    p.b.refer(now, cb, Uri::sip(Some("2002"), "127.0.0.2", None), None)
        .unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.sent_b.iter().any(|(_, m)| m.starts_with("REFER ")
        && m.contains("Refer-To: <sip:2002@127.0.0.2>")
        && m.contains("Referred-By: ")));
    assert!(p.sent_a.iter().any(|(_, m)| m.starts_with("SIP/2.0 202")));
    let ev = p.take_a();
    let [
        UaEvent::TransferRequested {
            call,
            target,
            replaces: None,
            replaces_call: None,
        },
    ] = ev.as_slice()
    else {
        panic!("{ev:?}")
    };
    assert_eq!((*call, target.user.as_deref()), (ca, Some("2002")));
    assert_eq!(
        p.take_b(),
        vec![UaEvent::TransferProgress {
            call: cb,
            status: 100
        }]
    );
    let notify = p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("NOTIFY "))
        .unwrap()
        .1
        .clone();
    assert!(notify.contains("Event: refer") && notify.contains("Subscription-State: active"));
    assert!(
        notify.contains("Content-Type: message/sipfrag;version=2.0")
            && notify.ends_with("SIP/2.0 100 Trying\r\n")
    );
    let now = p.now;
    p.a.transfer_status(now, ca, 200).unwrap();
    p.run_for(Duration::from_millis(100));
    assert_eq!(
        p.take_b(),
        vec![UaEvent::TransferProgress {
            call: cb,
            status: 200
        }]
    );
    let last = p
        .sent_a
        .iter()
        .rev()
        .find(|(_, m)| m.starts_with("NOTIFY "))
        .unwrap()
        .1
        .clone();
    assert!(
        last.contains("Subscription-State: terminated") && last.ends_with("SIP/2.0 200 OK\r\n")
    );
    // The subscription is over: no more status reports.
    assert!(p.a.transfer_status(p.now, ca, 200).is_err());
}

#[test]
fn attended_transfer_with_replaces() {
    let mut p = Pair::new();
    // Two calls a→b: b will transfer the first to the second's peer.
    let (a1, b1) = established(&mut p);
    p.events_b.clear();
    let (a2, b2) = established(&mut p);
    p.take_a();
    p.take_b();
    let now = p.now;
    p.b.refer(
        now,
        b1,
        Uri::sip(Some("1001"), "127.0.0.1", Some(5070)),
        Some(b2),
    )
    .unwrap();
    p.run_for(Duration::from_millis(100));
    let refer = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("REFER "))
        .unwrap()
        .1
        .clone();
    assert!(refer.contains("?Replaces="), "{refer}");
    let ev = p.take_a();
    let [
        UaEvent::TransferRequested {
            call,
            replaces: Some(rp),
            replaces_call,
            ..
        },
    ] = ev.as_slice()
    else {
        panic!("{ev:?}")
    };
    assert_eq!(*call, a1);
    assert_eq!(
        *replaces_call,
        Some(a2),
        "Replaces names a's side of the second call"
    );
    // a (the transferee here) calls the target with Replaces; b matches it to b2.
    let now = p.now;
    let mut inv = Invite::direct(
        Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
        p.b_addr,
        "1001",
        media(41000),
    );
    // The REFER's Replaces is written as a (the target of it) sees the dialog; b sees it
    // with the tags swapped: to-tag = b2's local tag.
    inv.replaces = Some(sip::header::Replaces {
        call_id: rp.call_id.clone(),
        to_tag: rp.from_tag.clone(),
        from_tag: rp.to_tag.clone(),
        early_only: false,
    });
    p.a.invite(now, inv).unwrap();
    p.run_for(Duration::from_millis(100));
    let ev = p.take_b();
    assert!(
        ev.iter()
            .any(|e| matches!(e, UaEvent::Incoming { replaces: Some(c), .. } if *c == b2)),
        "{ev:?}"
    );
}

#[test]
fn replaces_for_unknown_dialog_gets_481() {
    let mut p = Pair::new();
    let now = p.now;
    let mut inv = Invite::direct(
        Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
        p.b_addr,
        "1001",
        media(41000),
    );
    inv.replaces = Some(sip::header::Replaces {
        call_id: "none@x".into(),
        to_tag: "a".into(),
        from_tag: "b".into(),
        early_only: false,
    });
    let ca = p.a.invite(now, inv).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.events_b.is_empty());
    assert_eq!(
        p.take_a(),
        vec![UaEvent::Hangup {
            call: ca,
            reason: sip::ua::EndReason::Rejected(481)
        }]
    );
}
