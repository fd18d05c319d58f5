//! A SIP phone calls out over the E1 span through the real daemon: phone 1001 (sipp, digest
//! auth) dials `0215550199`; the dial plan's rule `0.` sends it to trunk group `carrier`,
//! whose first member is span1. The carrier (the test's E1 peer in the network role) must
//! receive a SETUP with called number 0215550199 and calling number 1001; it answers, the
//! phone gets its 200, holds 4 s and hangs up. The D-channel capture the carrier wrote is
//! decoded by tshark (when installed) as an independent check of the SETUP's numbers and of
//! the calling number's presentation: the demo trunk group passes the caller's number
//! unchanged and nothing asks for restriction, so it must not be marked restricted.

mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use common::sipp::{finish, free_port};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;

const WAIT: Duration = Duration::from_secs(15);
const TSHARK: &str = "/usr/bin/tshark";

#[test]
fn a_phone_dialling_0_goes_out_on_span1_with_its_numbers() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|_| {});
    let pcap = dir.path().join("carrier.pcap");
    let (mut d, sip) = e2e::start(dir, data);
    let mut carrier = E1Peer::on_span1(
        &mut d,
        PeerOptions {
            answer: true,
            pcap: Some(pcap.clone()),
        },
    );

    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let phone = e2e::sipp(
        &sip,
        "call_auth.xml",
        "1001",
        "0215550199",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    );
    let ring = carrier.wait("SETUP", WAIT, |e| matches!(e, PeerEvent::Ring { .. }));
    let PeerEvent::Ring {
        called, calling, ..
    } = ring
    else {
        unreachable!()
    };
    assert_eq!(called, "0215550199");
    assert_eq!(calling.as_deref(), Some("1001"));
    d.wait_log(&[
        "SETUP sent",
        "span=span1",
        "called=0215550199",
        "calling=\"1001\"",
    ]);
    // The phone's 200 came from the carrier's CONNECT; it hangs up after 4 s.
    finish(phone, "phone 1001 calling out", Duration::from_secs(20));
    carrier.wait("DISCONNECT", WAIT, |e| {
        matches!(e, PeerEvent::Disconnected { cause: 16 })
    });
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
    d.wait_log(&["call ended", "cause=16"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
    carrier.stop();

    if !std::path::Path::new(TSHARK).exists() {
        eprintln!("SKIP (decode only): {TSHARK} not installed");
        return;
    }
    let out = Command::new(TSHARK)
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", "q931.message_type == 0x05", "-V"])
        .output()
        .expect("tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let setup = text
        .split("\nFrame ")
        .find(|f| f.contains("Message type: SETUP"))
        .unwrap_or_else(|| panic!("no SETUP in the capture:\n{text}"));
    assert!(
        setup.contains("Called party number: '0215550199'"),
        "SETUP as tshark decodes it:\n{setup}"
    );
    assert!(
        setup.contains("Calling party number: '1001'"),
        "SETUP as tshark decodes it:\n{setup}"
    );
    assert!(
        !setup.contains("Presentation restricted"),
        "the caller's number must be presented:\n{setup}"
    );
}
