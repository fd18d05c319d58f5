//! A DID rule from the store (v14) through the real daemon: the demo's rule `5551XXX`
//! strip 3 → the dialled extension. The carrier (the test's E1 peer in the network role on
//! span1's line jack) first calls `5559999`, a number no extension, queue or rule has: the
//! daemon clears it with cause #1 (unallocated number). Then it calls `5551002`: the
//! registered SIP phone 1002 (sipp, `phone_answer.xml`) rings and answers, the carrier gets
//! CONNECT and hangs up.

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
fn a_carrier_number_in_the_did_range_rings_its_extension_and_others_get_cause_1() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|st| {
        // The demo's DID rule, as the admin panel shows it.
        let d = st.did_rules().expect("did rules");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].config.pattern, "5551XXX");
    });
    let (mut d, sip) = e2e::start(dir, data);
    let mut carrier = E1Peer::on_span1(&mut d, PeerOptions::default());

    carrier.call("5559999", "0215550100");
    carrier.wait("a clearing with cause #1", WAIT, |e| {
        matches!(
            e,
            PeerEvent::Disconnected { cause: 1 } | PeerEvent::Released { cause: 1 }
        )
    });

    let (phone, _rtp) = e2e::answering_phone(&mut d, &sip, "phone_answer.xml", "1002");
    carrier.call("5551002", "0215550100");
    carrier.wait("CONNECT", WAIT, |e| *e == PeerEvent::Connected);
    d.wait_log(&["routed", "number=1002"]);
    carrier.hangup();
    carrier.wait(
        "RELEASE",
        WAIT,
        |e| matches!(e, PeerEvent::Released { cause } if *cause != 1),
    );
    finish(phone, "phone 1002", Duration::from_secs(20));
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
    carrier.stop();
}
