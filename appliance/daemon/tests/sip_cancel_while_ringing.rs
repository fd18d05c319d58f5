//! CANCEL through the real daemon: 1002's sipp phone is registered and rings (180) when
//! 1001 calls it; 1001 cancels while it rings. 1001 gets 200 for the CANCEL and 487 for
//! the INVITE (and ACKs it); the daemon cancels its INVITE to 1002 (1002's phone gets the
//! CANCEL, answers 200 + 487 and gets the ACK). No answer is recorded: the CDR says no
//! answer, and there is no call_answer row. Skipped when sipp is missing; every wait is
//! bounded.

mod common;

use std::time::Duration;

use common::phones::{Phone, cdrs, demo_daemon, events, have_sipp, register, stop};
use common::sipp::{finish, free_port};
use store::cdr::Disposition;
use store::events::EventKind;

#[test]
fn caller_cancels_while_the_called_phone_rings() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let b_port = free_port();
    register(&mut d, &sip, "1002", b_port);
    let b = Phone::new(&sip, "phone_rings_cancelled.xml", "1002", "1002")
        .port(b_port)
        .rtp(free_port())
        .spawn();
    let a = Phone::new(&sip, "call_cancel.xml", "1001", "1002")
        .rtp(free_port())
        .spawn();
    finish(a, "1001 cancels", Duration::from_secs(20));
    finish(b, "1002 rings and is cancelled", Duration::from_secs(20));
    d.wait_log(&["call ended"]);
    stop(&mut d);

    let cdrs = cdrs(&d);
    assert_eq!(cdrs.len(), 1, "{cdrs:#?}");
    let c = &cdrs[0];
    assert_eq!((c.caller.as_str(), c.callee.as_str()), ("1001", "1002"));
    assert_eq!(c.answer, None, "{c:?}");
    assert_eq!(c.disposition, Disposition::NoAnswer, "{c:?}");
    let ev = events(&d);
    assert!(ev.iter().any(|e| e.kind == EventKind::CallStart), "{ev:#?}");
    assert!(ev.iter().any(|e| e.kind == EventKind::CallEnd), "{ev:#?}");
    assert!(
        !ev.iter().any(|e| e.kind == EventKind::CallAnswer),
        "a cancelled call has no answer row: {ev:#?}"
    );
}
