//! A call from the carrier on the E1 span reaches a SIP phone through the real daemon, and
//! audio and DTMF pass both ways, measured at each end with media-dsp.
//!
//! - Carrier: the test's E1 peer (our ISDN stack in the network role on the span's virtual
//!   line jack, `common/e1peer.rs`) calls DID 1001.
//! - Phone: sipp registers as 1001 with digest auth, then answers the daemon's INVITE
//!   (`phone_answer.xml`, whose SDP names an RTP socket this test owns).
//! - E1 → phone: the carrier sends 1 s of 1 kHz, then in-band DTMF `159#`; the phone's
//!   socket must receive the tone as PCMA (Goertzel) and the digits as RFC 4733 events.
//! - Phone → E1: the phone sends 1 s of 800 Hz, then RFC 4733 `2580`; the carrier must hear
//!   the tone on its B-channel and the digits as in-band DTMF (the Q.24 detector), each once.
//!
//! The two directions take turns. With both tones at once the phone heard the carrier's
//! 1 kHz mixed with its own 800 Hz at nearly equal level after a few hundred ms: the
//! B-channel's line echo canceller, with no echo on this digital line, adapts during double
//! talk and puts the far end's signal into the uplink. Left for the echo canceller's owner
//! (reported); this test measures the path, not double-talk handling.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::time::Duration;

use audio::{dtmf, dtmf_digits, phone_media, sine, tone_windows};
use common::sipp::{finish, rtp_port_of};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn carrier_call_to_a_sip_phone_carries_audio_and_dtmf_both_ways() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, sip) = e2e::start(dir, data);
    let mut carrier = E1Peer::on_span1(&mut d, PeerOptions::default());

    let (phone, rtp_sock) = e2e::answering_phone(&mut d, &sip, "phone_answer.xml", "1001");

    carrier.call("1001", "0215550100");
    carrier.wait("CONNECT", WAIT, |e| *e == PeerEvent::Connected);
    let l = d.wait_log(&["rtp session started"]);
    let daemon_rtp = rtp_port_of(&l);

    // The carrier: 1 s of 1 kHz, 200 ms of silence, DTMF 159#.
    let mut e1_out = sine(1000.0, 1000, 8000.0);
    e1_out.extend(vec![0; 1600]);
    e1_out.extend(dtmf("159#"));
    carrier.play(&e1_out);
    // The phone meanwhile: silent while the carrier talks (2.2 s), then 1 s of 800 Hz, then
    // RFC 4733 2580; 4.6 s in all. One direction at a time: see the module docs.
    let mut phone_out = vec![0; 2200 * 8];
    phone_out.extend(sine(800.0, 1000, 8000.0));
    let got = phone_media(
        &rtp_sock,
        ([127, 0, 0, 1], daemon_rtp).into(),
        &phone_out,
        "2580",
        Duration::from_millis(4600),
    );
    let heard = carrier.heard();
    carrier.hangup();
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
    finish(phone, "phone 1001", Duration::from_secs(20));

    if let Some(dir) = std::env::var_os("E2E_DUMP") {
        let raw = |v: &[i16]| v.iter().flat_map(|s| s.to_le_bytes()).collect::<Vec<u8>>();
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("phone_heard.raw"), raw(&got.audio)).unwrap();
        std::fs::write(dir.join("carrier_heard.raw"), raw(&heard)).unwrap();
    }
    // E1 → phone.
    let tone = tone_windows(&got.audio, 1000.0);
    assert!(
        tone >= 35,
        "the phone heard only {tone} x 20 ms of the carrier's 1 kHz ({} packets, {} samples)",
        got.packets,
        got.audio.len()
    );
    assert_eq!(
        got.digits, "159#",
        "RFC 4733 digits the phone received for the carrier's in-band DTMF"
    );
    // Phone → E1.
    let tone = tone_windows(&heard, 800.0);
    assert!(
        tone >= 35,
        "the carrier heard only {tone} x 20 ms of the phone's 800 Hz ({} samples)",
        heard.len()
    );
    assert_eq!(
        dtmf_digits(&heard),
        "2580",
        "in-band DTMF the carrier heard for the phone's RFC 4733 digits"
    );
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
