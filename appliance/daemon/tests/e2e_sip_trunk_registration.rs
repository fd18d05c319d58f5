//! SIP trunks through the real daemon, against sipp acting as the provider:
//! - a trunk with registration (user, password, the provider's domain as host, an outbound
//!   proxy address): the daemon REGISTERs to the outbound proxy (a sipp registrar,
//!   `tests/sipp/registrar_uas.xml`, on 127.0.0.3) with the domain in the Request-URI,
//!   answers the digest challenge, and registers again before the granted 4 s run out; the
//!   state shows in the control API's `/status` (what the console's `show sip` prints) and
//!   in /metrics;
//! - a trunk with transport=tcp: the daemon opens the TCP connection to the provider itself
//!   (sipp `-t t1`, `provider_uas.xml` on 127.0.0.2) and the provider answers the call.
//!
//! sipp runs with `-aa`: it answers the trunk's OPTIONS keep-alives (the first goes out when
//! the daemon starts, after the first REGISTER, so the registrar's one call is the
//! registration). Every wait is bounded.

mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::sipp::{SIPP, finish, free_port, scenario};
use common::{get, metric};
use nix::sys::signal::Signal;
use store::config::{SipTrunkConfig, Transport, TrunkGroupConfig, TrunkRef};

/// A sipp UAS as the provider: `xml` on `ip:port`, `calls` calls (an OPTIONS answered by
/// `-aa` counts as one), bounded.
fn provider(xml: &str, ip: &str, port: u16, calls: u32, extra: &[&str]) -> Child {
    Command::new(SIPP)
        .args(["-sf", &scenario(xml)])
        .args(["-i", ip, "-p", &port.to_string()])
        .args(extra)
        .args(["-aa", "-nostdin", "-m", &calls.to_string()])
        .args(["-timeout", "30", "-timeout_error"])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp provider")
}

fn ctx() -> store::CommandContext<'static> {
    store::CommandContext {
        actor: "test",
        ts: store::Timestamp::from_secs(1_700_000_001),
    }
}

/// Seeds the demo with `trunk` as the only member of trunk group `carrier` (dial rule `0.`).
fn seeded_with(trunk: SipTrunkConfig) -> (tempfile::TempDir, std::path::PathBuf) {
    e2e::seeded(|st| {
        let id = st
            .execute(ctx(), &store::Command::CreateSipTrunk(trunk))
            .expect("create SIP trunk")
            .id;
        let group = st
            .trunk_groups()
            .expect("groups")
            .into_iter()
            .find(|g| g.config.name == "carrier")
            .expect("demo trunk group");
        st.execute(
            ctx(),
            &store::Command::UpdateTrunkGroup {
                id: group.id,
                config: TrunkGroupConfig {
                    name: "carrier".into(),
                    members: vec![TrunkRef::SipTrunk(id)],
                },
            },
        )
        .expect("update trunk group");
    })
}

#[test]
fn the_trunk_registers_through_the_outbound_proxy_and_refreshes_before_expiry() {
    if !e2e::have_sipp() {
        return;
    }
    let port = free_port();
    let registrar = provider("registrar_uas.xml", "127.0.0.3", port, 1, &[]);
    let (dir, data) = seeded_with(SipTrunkConfig {
        name: "provider".into(),
        host: "provider.example.net".into(),
        port,
        transport: Transport::Udp,
        username: Some("trunkuser".into()),
        password: Some("trunkpass".into()),
        register: true,
        outbound_proxy: Some("127.0.0.3".into()),
        max_channels: 4,
        enabled: true,
        caller_id: Default::default(),
    });
    let (mut d, _sip) = e2e::start(dir, data);
    let http = d.http_addr();
    d.wait_log(&["SIP trunk configured", "trunk=provider", "127.0.0.3"]);
    // The registrar's scenario passes only with two verified registrations, the second
    // before the first's 4 s ran out.
    finish(registrar, "registrar", Duration::from_secs(25));
    let first = d.wait_log(&["sip trunk registered", "trunk=provider", "expires=4"]);
    assert!(!first.is_empty());
    let (code, body) = get(&http, "/status");
    assert_eq!(code, 200, "{body}");
    let st: serde_json::Value = serde_json::from_str(&body).expect("status JSON");
    let trunks = st["sip"]["trunks"].as_array().expect("sip.trunks");
    assert!(
        trunks
            .iter()
            .any(|t| t["name"] == "provider" && t["registered"] == true),
        "{trunks:?}"
    );
    let (_, m) = get(&http, "/metrics");
    assert_eq!(
        metric(&m, "appliance_sip_trunk_registered{trunk=\"provider\"}"),
        Some(1.0),
        "{m}"
    );
    let ok = metric(
        &m,
        "appliance_sip_trunk_registrations_total{trunk=\"provider\",result=\"ok\"}",
    )
    .unwrap_or(0.0);
    assert!(ok >= 2.0, "two registrations counted: {m}");
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}

#[test]
fn a_tcp_trunk_makes_the_daemon_open_the_connection_and_the_provider_answers() {
    if !e2e::have_sipp() {
        return;
    }
    let port = free_port();
    let provider_rtp = UdpSocket::bind("127.0.0.1:0").expect("provider rtp");
    let rtp_port = provider_rtp.local_addr().unwrap().port().to_string();
    let uas = provider(
        "provider_uas.xml",
        "127.0.0.2",
        port,
        // The OPTIONS keep-alive sent when the daemon starts is the first "call".
        2,
        &["-t", "t1", "-key", "rtp_port", &rtp_port],
    );
    let (dir, data) = seeded_with(SipTrunkConfig {
        name: "provider".into(),
        host: "127.0.0.2".into(),
        port,
        transport: Transport::Tcp,
        username: None,
        password: None,
        register: false,
        outbound_proxy: None,
        max_channels: 4,
        enabled: true,
        caller_id: Default::default(),
    });
    let (mut d, sip) = e2e::start(dir, data);
    d.wait_log(&["SIP trunk configured", "trunk=provider", "transport=tcp"]);
    let phone_rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let phone = e2e::sipp(
        &sip,
        "call_auth.xml",
        "1001",
        "0215550199",
        phone_rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    );
    d.wait_log(&["sip tcp connection opened", &format!("127.0.0.2:{port}")]);
    d.wait_log(&["INVITE sent"]);
    // The provider's answer (its SDP names the provider's RTP socket) over the connection
    // the daemon opened: the provider leg's media starts, and the phone's call is answered
    // and ended with BYE (the sipp phone's scenario passes only then).
    d.wait_log(&["rtp session started", &format!("127.0.0.1:{rtp_port}")]);
    finish(
        phone,
        "phone 1001 over the TCP trunk",
        Duration::from_secs(25),
    );
    // The provider's sipp also took the OPTIONS keep-alive as a call of its own that waits
    // for an INVITE until its timeout: it is not waited for.
    let mut uas = uas;
    let _ = uas.kill();
    let _ = uas.wait();
    d.wait_log(&["call ended", "cause=16"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
