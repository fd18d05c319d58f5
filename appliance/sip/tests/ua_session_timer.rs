//! RFC 4028 session timers: Session-Expires/Min-SE in the INVITE, the UAS picks the
//! refresher, the refresher refreshes at half the interval (UPDATE when the peer allows
//! it), the other side sends BYE when no refresh comes; 422 for too short an interval and
//! the retry with the peer's Min-SE.

mod ua_pair;

use core::time::Duration;
use sip::ua::{EndReason, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config, established};

fn pair(a_se: u32, b_min: u32) -> Pair {
    let mut a = config(addr_a(), 1);
    a.session_expires = Some(a_se);
    let mut b = config(addr_b(), 2);
    b.allow_anonymous = true;
    b.session_expires = Some(b_min);
    b.min_se = b_min;
    Pair::with(a, b)
}

#[test]
fn refresher_updates_at_half_interval_and_the_call_stays() {
    let mut p = pair(120, 90);
    let (ca, cb) = established(&mut p);
    let ok = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains("INVITE"))
        .unwrap()
        .1
        .clone();
    assert!(
        ok.contains("Session-Expires: 120;refresher=uac") && ok.contains("Require: timer"),
        "{ok}"
    );
    p.run_for(Duration::from_secs(300));
    let updates: Vec<u64> = p
        .sent_a
        .iter()
        .filter(|(_, m)| m.starts_with("UPDATE "))
        .map(|(t, _)| t.as_millis() / 1000)
        .collect();
    assert_eq!(updates.len(), 5, "every 60 s: {updates:?}");
    assert!(
        p.sent_b
            .iter()
            .filter(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains("UPDATE"))
            .all(|(_, m)| m.contains("Session-Expires: 120;refresher=uac"))
    );
    assert_eq!(p.a.calls(), vec![ca]);
    assert_eq!(p.b.calls(), vec![cb]);
}

#[test]
fn no_refresh_means_bye_from_the_other_side() {
    let mut p = pair(120, 90);
    let (_ca, cb) = established(&mut p);
    p.lose_ab = Box::new(|m| m.starts_with("UPDATE ") || m.starts_with("INVITE "));
    p.run_for(Duration::from_secs(100));
    // 120 - min(32, 40) = 88 s after the answer.
    let bye = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("BYE "))
        .expect("BYE")
        .0;
    assert!((87..=89).contains(&(bye.as_millis() / 1000)), "{bye:?}");
    assert!(p.events_b.iter().any(|(_, e)| *e
        == UaEvent::Hangup {
            call: cb,
            reason: EndReason::SessionExpired
        }));
    assert!(p.b.calls().is_empty());
}

#[test]
fn too_small_interval_gets_422_and_the_retry_succeeds() {
    let mut p = pair(90, 300);
    let (_ca, _cb) = established(&mut p);
    let r422 = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("SIP/2.0 422"))
        .expect("422")
        .1
        .clone();
    assert!(r422.contains("Min-SE: 300"));
    let invites: Vec<&String> = p
        .sent_a
        .iter()
        .filter(|(_, m)| m.starts_with("INVITE "))
        .map(|(_, m)| m)
        .collect();
    assert_eq!(invites.len(), 2);
    assert!(invites[1].contains("Session-Expires: 300") && invites[1].contains("CSeq: 2 INVITE"));
}
