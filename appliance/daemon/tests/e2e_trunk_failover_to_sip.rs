//! Trunk group failover through the real daemon: trunk group `carrier` is span1 (E1) first,
//! then SIP trunk `provider` (a sipp UAS on loopback acting as the provider, configured in
//! the store). With the span's far end connected, phone 1001's call to 0215550199 goes out
//! on span1 (the carrier's E1 peer sees the SETUP). Then the carrier's side is stopped: the
//! line closes, the span's data link is down (in alarm for routing), and the same call goes
//! out over the SIP trunk instead: span1 is skipped and the INVITE goes to the provider's
//! address, with the called and calling numbers.
//!
//! The provider is a sipp UAS (`tests/sipp/provider_uas.xml`) on 127.0.0.2: the user agent
//! takes every request from the trunk's IP address as from the trunk (whatever the port), so
//! a trunk on 127.0.0.1 would capture the phones' calls too. It checks the INVITE's
//! Request-URI (the called number) and From (the caller), answers with PCMA, and takes the
//! BYE; the phone's 1 kHz tone, sent as RTP from the test's socket, must reach the
//! provider's RTP socket (measured with Goertzel): the call is bridged, audio passes phone →
//! provider. Both calls end with cause 16.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::time::Duration;

use common::sipp::{SIPP, finish, free_port, rtp_port_of, scenario};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;
use store::config::{SipTrunkConfig, Transport, TrunkGroupConfig, TrunkRef};

const WAIT: Duration = Duration::from_secs(15);

/// The provider: sipp UAS `provider_uas.xml` on 127.0.0.2:`port`, answering with
/// `rtp_port` (a socket the test owns) in its SDP; one call, bounded.
fn provider_uas(port: u16, rtp_port: u16) -> std::process::Child {
    std::process::Command::new(SIPP)
        .args(["-sf", &scenario("provider_uas.xml")])
        .args(["-i", "127.0.0.2", "-p", &port.to_string()])
        .args(["-key", "rtp_port", &rtp_port.to_string()])
        .args(["-nostdin", "-m", "1", "-timeout", "40", "-timeout_error"])
        .current_dir(std::env::temp_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start sipp provider")
}

#[test]
fn the_call_goes_out_over_the_sip_trunk_when_the_span_is_down() {
    if !e2e::have_sipp() {
        return;
    }
    let provider_port = free_port();
    let (dir, data) = e2e::seeded(|st| {
        let ctx = store::CommandContext {
            actor: "test",
            ts: store::Timestamp::from_secs(1_700_000_001),
        };
        let trunk = st
            .execute(
                ctx,
                &store::Command::CreateSipTrunk(SipTrunkConfig {
                    name: "provider".into(),
                    host: "127.0.0.2".into(),
                    port: provider_port,
                    transport: Transport::Udp,
                    username: None,
                    password: None,
                    register: false,
                    outbound_proxy: None,
                    max_channels: 4,
                    enabled: true,
                    caller_id: Default::default(),
                }),
            )
            .expect("create SIP trunk")
            .id;
        let span = st.spans().expect("spans")[0].id;
        let group = st
            .trunk_groups()
            .expect("groups")
            .into_iter()
            .find(|g| g.config.name == "carrier")
            .expect("demo trunk group");
        st.execute(
            ctx,
            &store::Command::UpdateTrunkGroup {
                id: group.id,
                config: TrunkGroupConfig {
                    name: "carrier".into(),
                    members: vec![TrunkRef::Span(span), TrunkRef::SipTrunk(trunk)],
                },
            },
        )
        .expect("update trunk group");
    });
    let (mut d, sip) = e2e::start(dir, data);
    d.wait_log(&["SIP trunk configured", "trunk=provider"]);

    // 1. The span is up: E1 first.
    let mut carrier = E1Peer::on_span1(
        &mut d,
        PeerOptions {
            answer: true,
            pcap: None,
        },
    );
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let rtp_port = rtp.local_addr().unwrap().port();
    let phone = e2e::sipp(
        &sip,
        "call_auth.xml",
        "1001",
        "0215550199",
        rtp_port,
        free_port(),
        &[],
    );
    d.wait_log(&["SETUP sent", "span=span1", "called=0215550199"]);
    carrier.wait(
        "SETUP",
        WAIT,
        |e| matches!(e, PeerEvent::Ring { called, .. } if called == "0215550199"),
    );
    finish(phone, "phone 1001 over E1", Duration::from_secs(20));
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
    d.wait_log(&["call ended", "cause=16"]);

    // 2. The carrier's side goes away: the span is in alarm, the SIP trunk takes the call.
    carrier.stop();
    d.wait_log(&["line closed by the far end"]);
    // A new RTP socket for the phone: its port tells this call's log lines from the first's.
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let rtp_port = rtp.local_addr().unwrap().port();
    let provider_rtp = UdpSocket::bind("127.0.0.1:0").expect("provider rtp");
    let provider = provider_uas(provider_port, provider_rtp.local_addr().unwrap().port());
    let phone = e2e::sipp(
        &sip,
        "call_auth.xml",
        "1001",
        "0215550199",
        rtp_port,
        free_port(),
        &[],
    );
    d.wait_log(&["trunk skipped: span in alarm", "trunk=span1"]);
    d.wait_log(&[
        "originating",
        "trunk: \"provider\"",
        "called=0215550199",
        "calling=\"1001\"",
    ]);
    d.wait_log(&["INVITE sent"]);
    // The provider answers; the phone's audio (a 1 kHz tone) reaches the provider.
    let phone_leg = d.wait_log(&["rtp session started", &format!("127.0.0.1:{rtp_port}")]);
    let daemon_rtp = rtp_port_of(&phone_leg);
    d.wait_log(&[
        "rtp session started",
        &format!("127.0.0.1:{}", provider_rtp.local_addr().unwrap().port()),
    ]);
    let listener = std::thread::spawn(move || {
        provider_rtp
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut got = audio::Received::default();
        let mut buf = [0u8; 2048];
        let end = std::time::Instant::now() + Duration::from_millis(2500);
        while std::time::Instant::now() < end {
            if let Ok((n, _)) = provider_rtp.recv_from(&mut buf) {
                got.take(&buf[..n]);
            }
        }
        got
    });
    let to = format!("127.0.0.1:{daemon_rtp}").parse().unwrap();
    let _ = audio::phone_media(
        &rtp,
        to,
        &audio::sine(1000.0, 2000, 8000.0),
        "",
        Duration::from_millis(2200),
    );
    let heard = listener.join().expect("provider rtp");
    let windows = audio::tone_windows(&heard.audio, 1000.0);
    assert!(
        windows >= 50,
        "the provider heard only {windows} x 20 ms of the phone's 1 kHz ({} packets)",
        heard.packets
    );
    finish(
        phone,
        "phone 1001 over the SIP trunk",
        Duration::from_secs(20),
    );
    finish(provider, "provider UAS", Duration::from_secs(20));
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
    let cleared = d
        .log
        .iter()
        .filter(|l| l.contains("call ended") && l.contains("cause=16"))
        .count();
    assert_eq!(cleared, 2, "both calls end with normal clearing");
}
