//! DTMF by SIP INFO inside a call: application/dtmf-relay out, Digits events in (also the
//! plain application/dtmf form); an INFO outside any dialog gets 481.

mod ua_pair;

use core::time::Duration;
use sip::ua::UaEvent;
use ua_pair::{Pair, established};

#[test]
fn info_dtmf_both_forms() {
    let mut p = Pair::new();
    let (ca, cb) = established(&mut p);
    p.take_b();
    for d in ['5', '#'] {
        let now = p.now;
        p.a.send_dtmf_info(now, ca, d, 160).unwrap();
        p.run_for(Duration::from_millis(50));
    }
    assert_eq!(
        p.take_b(),
        vec![
            UaEvent::Digits {
                call: cb,
                digits: "5".into()
            },
            UaEvent::Digits {
                call: cb,
                digits: "#".into()
            }
        ]
    );
    let info = p
        .sent_a
        .iter()
        .find(|(_, m)| m.starts_with("INFO "))
        .unwrap()
        .1
        .clone();
    assert!(
        info.contains("Content-Type: application/dtmf-relay")
            && info.ends_with("Signal=5\r\nDuration=160\r\n")
    );
    // The application/dtmf form, built from a's last INFO.
    let plain = p
        .sent_a
        .iter()
        .rev()
        .find(|(_, m)| m.starts_with("INFO "))
        .unwrap()
        .1
        .clone();
    let plain = plain.replace("CSeq: 3 INFO", "CSeq: 7 INFO").replacen(
        "branch=z9hG4bK",
        "branch=z9hG4bKplain",
        1,
    );
    let Ok(sip::Message::Request(mut req)) = sip::Message::parse(plain.as_bytes()) else {
        panic!()
    };
    req.headers
        .set(sip::HeaderKind::ContentType, "application/dtmf");
    req.body = b"9".to_vec();
    let from = p.a_addr;
    p.inject_b(from, &req.to_bytes());
    assert_eq!(
        p.take_b(),
        vec![UaEvent::Digits {
            call: cb,
            digits: "9".into()
        }]
    );
    // Outside a dialog: 481.
    let stray = plain.replace("Call-ID: ", "Call-ID: other");
    p.inject_b(
        from,
        stray
            .replacen("branch=z9hG4bKplain", "branch=z9hG4bKstray", 1)
            .as_bytes(),
    );
    assert!(
        p.sent_b
            .iter()
            .any(|(_, m)| m.starts_with("SIP/2.0 481") && m.contains("INFO"))
    );
}
