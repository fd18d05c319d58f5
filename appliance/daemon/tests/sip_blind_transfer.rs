//! Blind transfer through the real daemon, three sipp phones: 1001 calls 1002 (registered);
//! 1002 answers, then sends REFER with Refer-To 1003 in that call's dialog (RFC 3515). The
//! daemon answers 202 and NOTIFYs the implicit subscription (sipfrag 100 Trying, then
//! SIP/2.0 200), releases 1002 with BYE, and calls 1003 (registered) for 1001; 1003 rings and
//! answers and 1001's audio reaches 1003. 1001 hangs up later, which ends 1003's leg too.
//! The store: one CDR for the call (answered, dialled 1002, ended on 1003's channel) and a
//! call_end row counting the three legs. Skipped when sipp is missing; bounded waits.

mod common;

use std::time::Duration;

use common::phones::{
    Phone, audio, cdrs, daemon_rtp_port, demo_daemon, events, have_sipp, register, rtp_socket, stop,
};
use common::sipp::{finish, free_port};
use store::cdr::Disposition;
use store::events::EventKind;

#[test]
fn phone_1002_transfers_1001_to_1003_blind() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let (b_port, c_port) = (free_port(), free_port());
    register(&mut d, &sip, "1002", b_port);
    register(&mut d, &sip, "1003", c_port);

    let (_b_sock, b_rtp) = rtp_socket();
    let b = Phone::new(&sip, "phone_answers_refers.xml", "1002", "1002")
        .port(b_port)
        .rtp(b_rtp)
        .key("target", "1003")
        .spawn();
    let (c_sock, c_rtp) = rtp_socket();
    let c = Phone::new(&sip, "agent_phone.xml", "1003", "1003")
        .port(c_port)
        .rtp(c_rtp)
        .spawn();
    let (a_sock, a_rtp) = rtp_socket();
    let a = Phone::new(&sip, "call_long.xml", "1001", "1002")
        .rtp(a_rtp)
        .spawn();
    let a_leg = daemon_rtp_port(&mut d, a_rtp);
    d.wait_log(&["transfer requested", "BlindTransfer", "to: \"1003\""]);
    d.wait_log(&["call transferred", "Blind"]);
    finish(b, "1002 answers and transfers", Duration::from_secs(20));
    let c_leg = daemon_rtp_port(&mut d, c_rtp);
    let (heard, total) = audio(&a_sock, a_leg, &c_sock, c_leg, [0x1a, 0x9a, 0x2b, 0xab], 50);
    assert!(heard >= 10, "1003 heard {heard} of {total} packets of 1001");
    finish(a, "1001 calls 1002", Duration::from_secs(25));
    finish(
        c,
        "1003 takes the transferred call",
        Duration::from_secs(20),
    );
    d.wait_log(&["call ended"]);
    stop(&mut d);

    let cdrs = cdrs(&d);
    assert_eq!(cdrs.len(), 1, "{cdrs:#?}");
    let r = &cdrs[0];
    assert_eq!((r.caller.as_str(), r.callee.as_str()), ("1001", "1002"));
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.dst_channel.as_deref(), Some("sip/1003"), "{r:?}");
    let ev = events(&d);
    let end = ev
        .iter()
        .find(|e| e.kind == EventKind::CallEnd && e.call_id.as_deref() == Some(&r.call_id))
        .unwrap_or_else(|| panic!("no call_end row: {ev:#?}"));
    assert_eq!(end.payload["legs"], 3, "{end:?}");
    // The transfer itself is in the event log, once, on the transferred call.
    let transfers: Vec<_> = ev
        .iter()
        .filter(|e| e.kind == EventKind::CallTransfer)
        .collect();
    assert_eq!(transfers.len(), 1, "{transfers:#?}");
    assert_eq!(transfers[0].call_id.as_deref(), Some(r.call_id.as_str()));
    assert_eq!(transfers[0].payload["kind"], "blind", "{transfers:?}");
}
