//! The carrier's audio echoed by a SIP phone comes back to the carrier, through the real
//! daemon: sipp registers as 1001 and answers the carrier's call to DID 1001 with
//! `-rtp_echo` (sipp sends every RTP packet it receives back to where it came from,
//! unchanged: same SSRC, sequence numbers and timestamps as the daemon's own stream). The
//! carrier (the test's E1 peer) sends 1 s of 1 kHz and must hear it back on its B-channel
//! (Goertzel). This once failed: the daemon's RTP session took its own SSRC coming back as
//! an RFC 3550 §8.2 collision, changed SSRC on every echoed packet and dropped the audio.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use audio::{sine, tone_windows};
use common::sipp::{finish, free_port};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;

const WAIT: Duration = Duration::from_secs(15);

/// An even UDP port with the next three free too (sipp's echo may use mp+2 for video).
fn media_port() -> u16 {
    for _ in 0..50 {
        let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let p = s.local_addr().expect("addr").port() & !1;
        drop(s);
        if p < 65_000 && (p..p + 4).all(|q| UdpSocket::bind(("127.0.0.1", q)).is_ok()) {
            return p;
        }
    }
    panic!("no free media port");
}

#[test]
fn the_carrier_hears_its_tone_echoed_by_sipp_rtp_echo() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, sip) = e2e::start(dir, data);
    let mut carrier = E1Peer::connect(&e2e::jack(&d), PeerOptions::default());
    carrier.wait("data link up", WAIT, |e| *e == PeerEvent::LinkUp);

    let phone_port = free_port();
    e2e::register(&mut d, &sip, "1001", phone_port);
    let mp = media_port();
    let mps = mp.to_string();
    let phone = e2e::sipp(
        &sip,
        "phone_answer.xml",
        "1001",
        "1001",
        mp,
        phone_port,
        &["-rtp_echo", "-mp", &mps, "-mi", "127.0.0.1"],
    );
    carrier.call("1001", "0215550100");
    carrier.wait("CONNECT", WAIT, |e| *e == PeerEvent::Connected);
    d.wait_log(&["rtp session started"]);
    carrier.play(&sine(1000.0, 1500, 8000.0));
    let until = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let heard = carrier.heard();
    carrier.hangup();
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
    finish(phone, "phone 1001 (rtp echo)", Duration::from_secs(20));
    let tone = tone_windows(&heard, 1000.0);
    assert!(
        tone >= 50,
        "the carrier heard only {tone} x 20 ms of its 1 kHz echoed ({} samples)",
        heard.len()
    );
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
