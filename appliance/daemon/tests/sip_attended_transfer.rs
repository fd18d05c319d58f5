//! Attended transfer through the real daemon: 1001 (sipp) calls 1002; 1002 puts 1001 on
//! hold (re-INVITE a=sendonly), calls 1003 (sipp, registered) as a consultation call, then
//! sends REFER in the first call with Refer-To 1003?Replaces=<the consultation dialog>
//! (RFC 3515, RFC 3891 §7). The daemon matches the Replaces to its own leg of the
//! consultation call, joins 1001 with 1003 (the switch's attended transfer), NOTIFYs 1002
//! sipfrag 200 and releases both of 1002's calls with BYE. 1001's audio then reaches 1003,
//! and 1001's BYE ends 1003's leg.
//!
//! Phone 1002 is the project's own user agent on a real socket (common/ua_phone.rs):
//! sipp keys each call by one Call-ID and cannot copy the daemon's tag of one dialog into a
//! REFER sent in another, which the Replaces needs. Skipped when sipp is missing.

mod common;

use std::time::Duration;

use common::phones::{
    Phone, audio, cdrs, daemon_rtp_port, demo_daemon, events, have_sipp, register, rtp_socket, stop,
};
use common::sipp::{finish, free_port};
use common::ua_phone::UaPhone;
use sip::Uri;
use sip::ua::{EndReason, Invite, UaEvent};
use store::events::EventKind;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn phone_1002_consults_1003_and_joins_1001_with_it() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let mut b = UaPhone::new(&sip, "1002");
    b.wait("registration", WAIT, |e| {
        matches!(e, UaEvent::TrunkRegistered { .. })
    });
    d.wait_log(&["sip registered", "aor=1002"]);
    let c_port = free_port();
    register(&mut d, &sip, "1003", c_port);
    let (c_sock, c_rtp) = rtp_socket();
    let c = Phone::new(&sip, "agent_phone.xml", "1003", "1003")
        .port(c_port)
        .rtp(c_rtp)
        .spawn();

    // 1001 calls 1002; 1002 answers.
    let (a_sock, a_rtp) = rtp_socket();
    let a = Phone::new(&sip, "call_long.xml", "1001", "1002")
        .rtp(a_rtp)
        .spawn();
    let first = b.incoming(WAIT);
    let now = b.now();
    b.ua.answer(now, first, UaPhone::media(free_port()))
        .expect("answer");
    // The phone's datagrams move only while it steps: step before reading the daemon's log.
    b.run_for(Duration::from_millis(500));
    let a_leg = daemon_rtp_port(&mut d, a_rtp);

    // Hold, then the consultation call to 1003.
    let now = b.now();
    b.ua.hold(now, first).expect("hold");
    b.run_for(Duration::from_millis(500));
    d.wait_log(&["call held"]);
    d.wait_log(&["playing", "MusicOnHold"]);
    let now = b.now();
    let trunk = b.trunk;
    let consult =
        b.ua.invite(
            now,
            Invite::trunk(trunk, "1003", "1002", UaPhone::media(free_port())),
        )
        .expect("invite 1003");
    b.wait(
        "1003's answer",
        WAIT,
        |e| matches!(e, UaEvent::Answered { call, .. } if *call == consult),
    );
    b.run_for(Duration::from_millis(300));

    // REFER with Replaces in the first call.
    let daemon: std::net::SocketAddr = sip.parse().unwrap();
    let target = Uri::sip(Some("1003"), &daemon.ip().to_string(), Some(daemon.port()));
    let now = b.now();
    b.ua.refer(now, first, target, Some(consult))
        .expect("refer");
    b.run_for(Duration::from_millis(300));
    d.wait_log(&["transfer requested", "AttendedTransfer"]);
    d.wait_log(&["call transferred", "Attended"]);
    b.wait(
        "NOTIFY sipfrag 200",
        WAIT,
        |e| matches!(e, UaEvent::TransferProgress { call, status: 200 } if *call == first),
    );
    for call in [first, consult] {
        b.wait(
            "the daemon's BYE",
            WAIT,
            |e| matches!(e, UaEvent::Hangup { call: c, reason: EndReason::Bye } if *c == call),
        );
    }

    // 1001 now talks to 1003.
    let c_leg = daemon_rtp_port(&mut d, c_rtp);
    let (heard, total) = audio(&a_sock, a_leg, &c_sock, c_leg, [0x1a, 0x9a, 0x2b, 0xab], 50);
    assert!(heard >= 10, "1003 heard {heard} of {total} packets of 1001");
    finish(a, "1001 calls 1002", Duration::from_secs(25));
    finish(c, "1003 takes the call", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    stop(&mut d);

    // Two calls: 1001's (three legs: 1001, 1002, then 1003) and 1002's consultation.
    let cdrs = cdrs(&d);
    assert_eq!(cdrs.len(), 2, "{cdrs:#?}");
    let first_cdr = cdrs
        .iter()
        .find(|r| r.caller == "1001")
        .unwrap_or_else(|| panic!("{cdrs:#?}"));
    assert_eq!(first_cdr.callee, "1002");
    assert!(
        cdrs.iter()
            .any(|r| r.caller == "1002" && r.callee == "1003" && r.answer.is_some()),
        "{cdrs:#?}"
    );
    let ev = events(&d);
    let end = ev
        .iter()
        .find(|e| e.kind == EventKind::CallEnd && e.call_id.as_deref() == Some(&first_cdr.call_id))
        .unwrap_or_else(|| panic!("{ev:#?}"));
    assert_eq!(end.payload["legs"], 3, "{end:?}");
    // The transfer itself is in the event log, once, on the transferred call.
    let transfers: Vec<_> = ev
        .iter()
        .filter(|e| e.kind == EventKind::CallTransfer)
        .collect();
    assert_eq!(transfers.len(), 1, "{transfers:#?}");
    assert_eq!(
        transfers[0].call_id.as_deref(),
        Some(first_cdr.call_id.as_str())
    );
    assert_eq!(transfers[0].payload["kind"], "attended", "{transfers:?}");
}
