//! A configuration with a DAHDI span and a DAHDI analog port on a machine without DAHDI
//! (no `/dev/dahdi`): the daemon logs a clear error naming each one, and everything else
//! runs: the virtual span and analog ports open (and `/status` lists the ports, the DAHDI one
//! as not opened), and a SIP phone registers and calls the test tone 601. Skipped with a message where `/dev/dahdi` exists (a box with a card: the
//! error would not be the one checked here) or sipp is missing.

mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::time::Duration;

use common::sipp::{finish, free_port};
use nix::sys::signal::Signal;
use store::config::{Framing, Signalling, SpanConfig, SpanRole, SwitchType};
use store::lines::LinePortConfig;
use store::{Command, CommandContext, Timestamp};

#[test]
fn dahdi_span_and_port_without_dahdi_are_named_in_an_error_and_sip_still_works() {
    if std::path::Path::new("/dev/dahdi").exists() {
        eprintln!("SKIP: /dev/dahdi exists on this machine (DAHDI is loaded)");
        return;
    }
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|s| {
        s.execute(
            CommandContext {
                actor: "test",
                ts: Timestamp::from_secs(1_700_000_001),
            },
            &Command::CreateSpan(SpanConfig {
                name: "card1".into(),
                signalling: Signalling::Pri,
                framing: Framing::Ccs,
                crc4: true,
                role: SpanRole::User,
                switchtype: SwitchType::EuroIsdn,
                device: "dahdi:1".into(),
                timing_priority: 1,
                caller_id: Default::default(),
            }),
        )
        .unwrap();
        s.add_line_port(
            CommandContext {
                actor: "test",
                ts: Timestamp::from_secs(1_700_000_002),
            },
            &LinePortConfig::fxs(9, "dahdi:4", "1109"),
        )
        .unwrap();
    });
    let (mut d, sip) = e2e::start(dir, data);
    let span = d.wait_log(&["span not opened", "span=card1", "DAHDI span 1"]);
    assert!(span.contains("ERROR"), "{span}");
    assert!(
        span.contains("/dev/dahdi"),
        "the error names the device: {span}"
    );
    let port = d.wait_log(&["line port not opened", "analog/9", "DAHDI channel 4"]);
    assert!(
        port.contains("ERROR") && port.contains("/dev/dahdi"),
        "{port}"
    );
    // The rest runs: the virtual span and ports, SIP.
    d.wait_log(&["virtual E1 line jack listening", "span=span1"]);
    d.wait_log(&["virtual analog line jack listening", "analog/1"]);
    // The control API lists the ports, the DAHDI one as not opened.
    let http = d.http_addr();
    let (code, body) = common::get(&http, "/status");
    assert_eq!(code, 200, "{body}");
    let st: serde_json::Value = serde_json::from_str(&body).expect("status json");
    let ports = st["ports"].as_array().expect("ports in /status");
    let port = |n: u64| {
        ports
            .iter()
            .find(|p| p["port"] == n)
            .unwrap_or_else(|| panic!("port {n} in {ports:?}"))
    };
    assert_eq!(port(9)["line"], "not opened");
    assert_eq!(port(9)["device"], "dahdi:4");
    assert_eq!(port(1)["extension"], "1101");
    assert_eq!(port(1)["line"], "waiting for the far end");
    assert_eq!(port(2)["kind"], "fxo");
    let phone_port = free_port();
    e2e::register(&mut d, &sip, "1001", phone_port);
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("rtp");
    let call = e2e::sipp(
        &sip,
        "call_auth.xml",
        "1001",
        "601",
        rtp.local_addr().unwrap().port(),
        free_port(),
        &[],
    );
    finish(call, "call 601", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));
}
