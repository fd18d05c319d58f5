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

#[test]
fn callee_refreshes_when_the_caller_lacks_timer_support() {
    let mut p = pair(120, 90);
    p.lose_ba = Box::new(|_| true); // the caller is a raw script here
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=sendrecv\r\n";
    let inv = format!(
        "INVITE sip:600@127.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKold1\r\nMax-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag=old\r\nTo: <sip:600@127.0.0.2>\r\nCall-ID: old@x\r\nCSeq: 1 INVITE\r\nContact: <sip:1001@127.0.0.1:5070>\r\nSession-Expires: 120\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    let from = p.a_addr;
    p.inject_b(from, inv.as_bytes());
    let cb = p.incoming_b().unwrap();
    let now = p.now;
    p.b.answer(now, cb, ua_pair::media(42000)).unwrap();
    p.flush_now();
    let ok = p
        .sent_b
        .iter()
        .rev()
        .find(|(_, m)| m.starts_with("SIP/2.0 200"))
        .unwrap()
        .1
        .clone();
    assert!(
        ok.contains("Session-Expires: 120;refresher=uas") && !ok.contains("Require: timer"),
        "{ok}"
    );
    let tag = ok
        .lines()
        .find(|l| l.starts_with("To:"))
        .unwrap()
        .split("tag=")
        .nth(1)
        .unwrap()
        .to_owned();
    let ack = format!(
        "ACK sip:600@127.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKold2\r\nMax-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag=old\r\nTo: <sip:600@127.0.0.2>;tag={tag}\r\nCall-ID: old@x\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    );
    p.inject_b(from, ack.as_bytes());
    p.run_for(Duration::from_secs(61));
    // No Allow: UPDATE in the INVITE, so the refresh is a re-INVITE, and b is its UAC.
    let re = p
        .sent_b
        .iter()
        .find(|(_, m)| m.starts_with("INVITE "))
        .expect("refresh")
        .clone();
    assert_eq!(re.0.as_millis() / 1000, 60);
    assert!(
        re.1.contains("Session-Expires: 120;refresher=uac"),
        "{}",
        re.1
    );
    // Nobody answers the refresh: the dialog is given up with BYE.
    p.run_for(Duration::from_secs(40));
    assert!(p.events_b.iter().any(|(_, e)| *e
        == UaEvent::Hangup {
            call: cb,
            reason: EndReason::DialogLost
        }));
    assert!(p.count_b("BYE ") >= 1);
    p.run_for(Duration::from_secs(40));
    assert!(p.b.calls().is_empty(), "the unanswered BYE ends on Timer F");
}
