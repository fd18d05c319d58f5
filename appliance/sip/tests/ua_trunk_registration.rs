//! Trunk side, registration as a client (RFC 3261 §10.2): digest as client against a real
//! registrar (the other Ua), through an outbound proxy address distinct from the domain,
//! re-registration before expiry, and backoff after failures.

mod ua_pair;

use core::time::Duration;
use sip::auth::Algorithm;
use sip::ua::{Account, TrunkConfig, TrunkRef, UaEvent};
use ua_pair::{Pair, addr_a, addr_b, config};

fn pair(expires: u32) -> Pair {
    let mut a = config(addr_a(), 0xa);
    // The domain is a name; requests go to the proxy address (outbound proxy).
    let mut t = TrunkConfig::new("carrier", addr_b(), "sip.carrier.example", "pbx1", "s3cret");
    t.keepalive = None;
    t.expires = expires;
    a.trunks = vec![t];
    let mut b = config(addr_b(), 0xb);
    b.realm = "sip.carrier.example".into();
    b.accounts = vec![Account::new("pbx1", "s3cret").with_algorithms(&[Algorithm::Md5])];
    b.registrar.min_expires = 60;
    Pair::with(a, b)
}

#[test]
fn registers_through_the_proxy_and_refreshes_before_expiry() {
    let mut p = pair(120);
    p.run_for(Duration::from_secs(1));
    let reg = p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("REGISTER "))
        .unwrap()
        .1
        .clone();
    assert!(
        reg.starts_with("REGISTER sip:sip.carrier.example SIP/2.0"),
        "{reg}"
    );
    assert!(reg.contains("To: <sip:pbx1@sip.carrier.example>") && reg.contains("Expires: 120"));
    assert!(p.a.trunk_registered(TrunkRef(0)));
    assert_eq!(p.b.bindings(p.now, "pbx1").len(), 1);
    // Granted 120 s: refreshed 30 s early, every 90 s; the binding never lapses.
    p.run_for(Duration::from_secs(400));
    let ok: Vec<u64> = p
        .events_a
        .iter()
        .filter(|(_, e)| matches!(e, UaEvent::TrunkRegistered { expires: 120, .. }))
        .map(|(t, _)| t.as_millis() / 1000)
        .collect();
    assert_eq!(ok, vec![0, 90, 180, 270, 360]);
    assert_eq!(p.b.bindings(p.now, "pbx1").len(), 1);
    // The same Call-ID, CSeq rising (§10.2.4).
    let regs: Vec<&String> = p
        .sent_a
        .iter()
        .filter(|(_, m)| m.starts_with("REGISTER "))
        .map(|(_, m)| m)
        .collect();
    let cid = |m: &str| {
        m.lines()
            .find(|l| l.starts_with("Call-ID:"))
            .unwrap()
            .to_owned()
    };
    assert!(regs.iter().all(|m| cid(m) == cid(regs[0])));
    assert!(
        regs.last()
            .unwrap()
            .contains(&format!("CSeq: {} REGISTER", regs.len()))
    );
}

#[test]
fn interval_too_brief_is_raised_to_min_expires() {
    let mut p = pair(30);
    p.run_for(Duration::from_secs(1));
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("SIP/2.0 423") && m.contains("Min-Expires: 60"))
    );
    assert!(
        p.events_a
            .iter()
            .any(|(_, e)| matches!(e, UaEvent::TrunkRegistered { expires: 60, .. }))
    );
}

#[test]
fn failures_back_off_and_recover() {
    let mut p = pair(120);
    // The provider is unreachable for a while.
    p.lose_ab = Box::new(|_| true);
    p.run_for(Duration::from_secs(300));
    let fails: Vec<(u16, u64)> = p
        .events_a
        .iter()
        .filter_map(|(t, e)| match e {
            UaEvent::TrunkRegistrationFailed {
                status, retry_at, ..
            } => Some((*status, (retry_at.as_millis() - t.as_millis()) / 1000)),
            _ => None,
        })
        .collect();
    // Timer F (32 s) then retry after 30, 60, 120 s...
    assert_eq!(fails, vec![(408, 30), (408, 60), (408, 120)]);
    assert!(!p.a.trunk_registered(TrunkRef(0)));
    p.lose_ab = Box::new(|_| false);
    p.run_for(Duration::from_secs(200));
    assert!(p.a.trunk_registered(TrunkRef(0)));
}
