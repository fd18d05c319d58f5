//! Caller-ID presentation through the real daemon: the carrier (our ISDN stack in the
//! network role on span1's line jack) calls DID 1001 with its calling number 0215550100
//! flagged "presentation restricted" (Q.931 §4.5.10 octet 3a). The registered SIP phone
//! 1001 (sipp, `phone_answer_anonymous.xml`) must get the INVITE from
//! `"Anonymous" <sip:anonymous@anonymous.invalid>` with `Privacy: id` (RFC 3323) and the
//! number nowhere in it; it answers, and the carrier clears.

mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::time::Duration;

use common::sipp::finish;
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn a_restricted_carrier_caller_reaches_the_sip_phone_as_anonymous() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, sip) = e2e::start(dir, data);
    let mut carrier = E1Peer::on_span1(&mut d, PeerOptions::default());

    let (phone, _rtp) = e2e::answering_phone(&mut d, &sip, "phone_answer_anonymous.xml", "1001");
    carrier.call_restricted("1001", "0215550100");
    d.wait_log(&["incoming call", "span=span1", "restricted=true"]);
    // No CONNECT: the phone's sipp says why (its From/Privacy checks) before the panic.
    if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        carrier.wait("CONNECT", WAIT, |e| *e == PeerEvent::Connected);
    })) {
        finish(phone, "phone 1001 (anonymous call)", Duration::from_secs(1));
        std::panic::resume_unwind(e);
    }
    std::thread::sleep(Duration::from_millis(300));
    carrier.hangup();
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
    finish(
        phone,
        "phone 1001 (anonymous call)",
        Duration::from_secs(20),
    );
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
