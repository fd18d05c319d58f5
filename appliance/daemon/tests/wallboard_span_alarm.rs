//! The wallboard's machine side fed by the running daemon (no `--demo`: the test's own E1
//! peer is the carrier): with the carrier's side connected, span1 shows on
//! `GET /api/v1/live` without alarms and with its counters, and the system resources are
//! filled; a SIP trunk that should register with a provider that never answers raises
//! `trunk.down`; killing the carrier's side of the line raises `span.los` (critical) on
//! span1, and the span row shows `LOS`. The same snapshot is what `/ws/wallboard` pushes:
//! a second test holds that socket open while the carrier calls queue 702 and hangs up, and
//! the pushed snapshots show the caller waiting, the channel in use, then both gone.
//! Every wait is bounded.

mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/e1peer.rs"]
mod e1peer;
#[path = "common/e2e.rs"]
mod e2e;
#[path = "common/panel_users.rs"]
mod panel_users;

use std::time::{Duration, Instant};

use cti_client::{Ws, http, login};
use e1peer::{E1Peer, PeerEvent, PeerOptions};
use panel_users::add_user;
use serde_json::Value;
use store::config::{Command as StoreCommand, CommandContext, Role, SipTrunkConfig, Transport};

const PASSWORD: &str = "supervisor-secret";

fn live(addr: &str, cookie: &str) -> Value {
    let (st, _, body) = http(addr, "GET", "/api/v1/live", &[("cookie", cookie)], "");
    assert_eq!(st, 200, "{body}");
    serde_json::from_str(&body).expect("live json")
}

/// Polls the live snapshot (up to 15 s) until `f` holds; returns it.
fn wait_live(addr: &str, cookie: &str, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let v = live(addr, cookie);
        if f(&v) {
            return v;
        }
        assert!(
            Instant::now() < until,
            "wallboard: {what} not seen; last: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn has_alarm(v: &Value, code: &str, subject: &str) -> bool {
    v["alarms"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["code"] == code && a["subject"] == subject && a["severity"] == "critical")
}

#[test]
fn span_and_trunk_alarms_reach_the_wallboard() {
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").expect("port");
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let (dir, data) = e2e::seeded(|st| {
        let ctx = CommandContext {
            actor: "test",
            ts: store::Timestamp(1),
        };
        st.execute(
            ctx,
            &StoreCommand::CreateSipTrunk(SipTrunkConfig {
                name: "provider".into(),
                host: "127.0.0.1".into(),
                port: dead_port,
                transport: Transport::Udp,
                username: Some("acct".into()),
                password: Some("secret".into()),
                register: true,
                outbound_proxy: None,
                max_channels: 4,
                enabled: true,
                caller_id: Default::default(),
            }),
        )
        .expect("trunk");
    });
    add_user(
        &data.join("appliance.db"),
        "sup",
        Role::Supervisor,
        PASSWORD,
        None,
    );
    let (mut d, _sip) = e2e::start(dir, data);
    let addr = d.http_addr();
    let mut peer = E1Peer::connect(&e2e::jack(&d), PeerOptions::default());
    peer.wait("link up", Duration::from_secs(15), |e| {
        *e == PeerEvent::LinkUp
    });
    let cookie = login(&addr, "sup", PASSWORD);

    let v = wait_live(&addr, &cookie, "span1 up without alarms", |v| {
        v["spans"][0]["name"] == "span1"
            && v["spans"][0]["alarms"]
                .as_array()
                .is_some_and(Vec::is_empty)
            && !has_alarm(v, "span.los", "span1")
            && !has_alarm(v, "span.dchannel_down", "span1")
    });
    let s = &v["spans"][0];
    assert!(s["crc_errors"].is_u64() && s["slips"].is_u64(), "{s}");
    assert_eq!(s["channels_in_use"], 0, "{s}");
    let r = &v["resources"];
    assert!(r["mem_total"].as_u64().unwrap_or(0) > 0, "{r}");
    assert!(r["mem_used"].as_u64().unwrap_or(0) > 0, "{r}");
    assert!(r["disk_total"].as_u64().unwrap_or(0) > 0, "{r}");
    let cpu = r["cpu"].as_f64().unwrap_or(-1.0);
    assert!((0.0..=1.0).contains(&cpu), "{r}");
    // The provider never answers the REGISTER: the trunk is down.
    wait_live(&addr, &cookie, "trunk.down provider", |v| {
        has_alarm(v, "trunk.down", "provider")
    });
    d.wait_log(&["alarm raised", "trunk.down", "provider"]);

    // Kill the carrier's side: the line closes, the span is in alarm.
    peer.stop();
    let v = wait_live(&addr, &cookie, "span.los on span1", |v| {
        has_alarm(v, "span.los", "span1")
    });
    let row = &v["spans"][0];
    assert!(
        row["alarms"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "LOS")),
        "{row}"
    );
    let since = v["alarms"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["code"] == "span.los"))
        .and_then(|a| a["since_us"].as_i64())
        .expect("since");
    assert!(since > 1_600_000_000_000_000, "wall-clock µs: {since}");
    d.wait_log(&["alarm raised", "span.los", "span1"]);

    // The carrier comes back: the alarm clears.
    let mut peer = E1Peer::connect(&e2e::jack(&d), PeerOptions::default());
    peer.wait("link up again", Duration::from_secs(15), |e| {
        *e == PeerEvent::LinkUp
    });
    wait_live(&addr, &cookie, "span.los cleared", |v| {
        !has_alarm(v, "span.los", "span1") && !has_alarm(v, "span.dchannel_down", "span1")
    });
    d.wait_log(&["alarm cleared", "span.los", "span1"]);
    peer.stop();
}

/// The support queue's waiting count in a pushed snapshot.
fn waiting(v: &Value, queue: &str) -> Option<u64> {
    v["queues"]
        .as_array()?
        .iter()
        .find(|q| q["queue"] == queue)
        .and_then(|q| q["waiting"].as_u64())
}

#[test]
fn the_wallboard_socket_shows_a_carrier_call_come_and_go() {
    let (dir, data) = e2e::seeded(|_| {});
    add_user(
        &data.join("appliance.db"),
        "sup",
        Role::Supervisor,
        PASSWORD,
        None,
    );
    let (mut d, _sip) = e2e::start(dir, data);
    let addr = d.http_addr();
    let mut peer = E1Peer::connect(&e2e::jack(&d), PeerOptions::default());
    peer.wait("link up", Duration::from_secs(15), |e| {
        *e == PeerEvent::LinkUp
    });
    let cookie = login(&addr, "sup", PASSWORD);
    let mut wb = Ws::connect(&format!("ws://{addr}/ws/wallboard"), Some(&cookie));
    // The first push comes at once: idle.
    let (i, _) = wb.find_from(0, "an idle snapshot", |v| {
        v["channels_in_use"] == 0 && waiting(v, "support") == Some(0)
    });
    // No agent is logged in: the caller waits in the queue (702, the demo's support).
    peer.call("702", "0215550100");
    peer.wait("CONNECT", Duration::from_secs(15), |e| {
        *e == PeerEvent::Connected
    });
    let (i, v) = wb.find_from(i + 1, "the caller waiting on the wallboard", |v| {
        waiting(v, "support") == Some(1) && v["channels_in_use"].as_u64() >= Some(1)
    });
    assert_eq!(v["spans"][0]["channels_in_use"], 1, "{v}");
    peer.hangup();
    peer.wait("RELEASE", Duration::from_secs(15), |e| {
        matches!(e, PeerEvent::Released { .. })
    });
    wb.find_from(i + 1, "the call gone from the wallboard", |v| {
        v["channels_in_use"] == 0 && waiting(v, "support") == Some(0)
    });
    peer.stop();
}
