//! A SIP phone that withholds its identity (`Privacy: id`, RFC 3323; sipp
//! `call_auth_privacy.xml` as 1001) through the real daemon:
//! - calling out on span1, the carrier's SETUP carries its number flagged *presentation
//!   restricted* in octet 3a (Q.931 §4.5.10), decoded by tshark from the carrier's
//!   D-channel capture;
//! - calling out over a SIP trunk (a sipp provider on 127.0.0.2,
//!   `provider_uas_anonymous.xml`), the INVITE comes from
//!   `"Anonymous" <sip:anonymous@anonymous.invalid>` with `Privacy: id` and without the
//!   number.

mod common;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::sipp::{SIPP, finish, free_port, scenario};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use nix::sys::signal::Signal;
use store::config::{SipTrunkConfig, Transport, TrunkGroupConfig, TrunkRef};

const WAIT: Duration = Duration::from_secs(15);
const TSHARK: &str = "/usr/bin/tshark";

fn phone(sip: &str) -> std::process::Child {
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    e2e::sipp(
        sip,
        "call_auth_privacy.xml",
        "1001",
        "0215550199",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    )
}

#[test]
fn out_on_e1_the_number_is_flagged_restricted() {
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
    let p = phone(&sip);
    carrier.wait("SETUP", WAIT, |e| matches!(e, PeerEvent::Ring { .. }));
    d.wait_log(&["SETUP sent", "span=span1", "restricted=true"]);
    finish(
        p,
        "phone 1001 (withheld) out on E1",
        Duration::from_secs(20),
    );
    carrier.wait("RELEASE", WAIT, |e| matches!(e, PeerEvent::Released { .. }));
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
        .args(["-Y", "q931.message_type == 0x05", "-T", "fields"])
        .args(["-e", "q931.calling_party_number.digits"])
        .args(["-e", "q931.presentation_ind"])
        .output()
        .expect("tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let f: Vec<&str> = line.split('\t').collect();
    assert_eq!(
        f,
        ["1001", "0x01"],
        "SETUP calling number, presentation restricted"
    );
}

#[test]
fn out_on_a_sip_trunk_the_caller_is_anonymous() {
    if !e2e::have_sipp() {
        return;
    }
    let port = free_port();
    let provider_rtp = UdpSocket::bind("127.0.0.1:0").expect("provider rtp");
    let provider = Command::new(SIPP)
        .args(["-sf", &scenario("provider_uas_anonymous.xml")])
        .args(["-i", "127.0.0.2", "-p", &port.to_string()])
        .args([
            "-key",
            "rtp_port",
            &provider_rtp.local_addr().unwrap().port().to_string(),
        ])
        .args([
            "-aa",
            "-nostdin",
            "-m",
            "2",
            "-timeout",
            "30",
            "-timeout_error",
        ])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp provider");
    let (dir, data) = e2e::seeded(|st| {
        let ctx = store::CommandContext {
            actor: "test",
            ts: store::Timestamp::from_secs(1_700_000_001),
        };
        let id = st
            .execute(
                ctx,
                &store::Command::CreateSipTrunk(SipTrunkConfig {
                    name: "provider".into(),
                    host: "127.0.0.2".into(),
                    port,
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
            .expect("trunk")
            .id;
        let group = st
            .trunk_groups()
            .expect("groups")
            .into_iter()
            .find(|g| g.config.name == "carrier")
            .expect("group");
        st.execute(
            ctx,
            &store::Command::UpdateTrunkGroup {
                id: group.id,
                config: TrunkGroupConfig {
                    name: "carrier".into(),
                    members: vec![TrunkRef::SipTrunk(id)],
                },
            },
        )
        .expect("group update");
    });
    let (mut d, sip) = e2e::start(dir, data);
    let p = phone(&sip);
    d.wait_log(&["INVITE sent"]);
    // The provider's scenario checks the anonymous From, Privacy: id and no number; the
    // phone's passes only when the provider answered and the BYE went through.
    finish(
        p,
        "phone 1001 (withheld) over the SIP trunk",
        Duration::from_secs(25),
    );
    let mut provider = provider;
    let _ = provider.kill();
    let _ = provider.wait();
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
