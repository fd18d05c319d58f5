//! RFC 3261 §12.2.2: a request with a To tag naming no dialog gets 481; in-dialog OPTIONS
//! (§11) gets 200 and leaves the call up; an old CSeq gets 500.

mod ua_pair;

use core::time::Duration;
use ua_pair::{Pair, established};

#[test]
fn bye_for_unknown_dialog_gets_481() {
    let mut p = Pair::new();
    let bye = "BYE sip:600@127.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnope1\r\nMax-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag=zz\r\nTo: <sip:600@127.0.0.2>;tag=yy\r\nCall-ID: nosuch@x\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n";
    let from = p.a_addr;
    p.inject_b(from, bye.as_bytes());
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("SIP/2.0 481") && m.contains("CSeq: 5 BYE"))
    );
    // Out-of-dialog BYE (no To tag) as well.
    let bye2 = bye.replace(";tag=yy", "").replace("nope1", "nope2");
    p.inject_b(from, bye2.as_bytes());
    assert_eq!(p.count_b("SIP/2.0 481"), 2);
}

#[test]
fn in_dialog_options_and_cseq_order() {
    let mut p = Pair::new();
    let (ca, cb) = established(&mut p);
    let now = p.now;
    p.a.options(now, ca).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(p.sent_b.iter().any(|(_, m)| m.starts_with("SIP/2.0 200")
        && m.contains("CSeq: 2 OPTIONS")
        && m.contains("Allow: ")));
    assert_eq!(p.a.calls(), vec![ca]);
    assert_eq!(p.b.calls(), vec![cb]);
    // Replay a's OPTIONS with a new branch but the same CSeq: out of order, 500 (§12.2.2).
    let opt = p
        .sent_a
        .iter()
        .rev()
        .find(|(_, m)| m.starts_with("OPTIONS "))
        .unwrap()
        .1
        .clone();
    let replay = opt.replacen("branch=z9hG4bK", "branch=z9hG4bKreplay", 1);
    let from = p.a_addr;
    p.inject_b(from, replay.as_bytes());
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("SIP/2.0 500") && m.contains("CSeq: 2 OPTIONS"))
    );
    assert_eq!(p.b.calls(), vec![cb]);
}
