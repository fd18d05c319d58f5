//! The live commands (`show spans`, `show span N`, `show channels`, `show calls`,
//! `show queues`, `show agents`, `show sip`) and the span maintenance commands
//! (`span loopback on|off N`, `span restart N`, `pri restart channel SPAN CH`) against the
//! real `appliance --demo` daemon and its control API; then the same commands with the
//! daemon stopped: a clear message, and the configuration from the store where there is one.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Console, Rig, WAIT, daemon_binary, free_addr, get};

/// The daemon in demo mode on the rig's data directory, with its carrier's options.
struct Demo(Child);

impl Demo {
    fn start(b: &Rig, addr: &str, carrier: &[&str]) -> Self {
        let child = Command::new(daemon_binary())
            .arg("--data-dir")
            .arg(&b.data)
            .args(["--demo", "--http", addr, "--sip", "127.0.0.1:0"])
            .args(carrier)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn appliance");
        Self(child)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (bounded) until `/status` satisfies `ok`.
fn wait_status(addr: &str, what: &str, ok: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Some(r) = get(addr, "/status")
            && let Some((_, body)) = r.split_once("\r\n\r\n")
        {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
                && ok(&v)
            {
                return;
            }
            body.clone_into(&mut last);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what}: not within {WAIT:?}; last /status: {last}");
}

fn span1_up(v: &serde_json::Value) -> bool {
    v["spans"][0]["dchannel_up"] == true
}

#[test]
fn live_commands_show_the_daemons_state() {
    let b = Rig::new();
    let addr = free_addr();
    let mut c = Console::start(&b, &addr, &[]);
    c.login_tech();
    // Calls to the echo test (600) that the carrier holds for a minute: two stay up.
    let _d = Demo::start(
        &b,
        &addr,
        &[
            "--carrier-interval-ms",
            "300",
            "--carrier-hold-ms",
            "60000",
            "--carrier-dids",
            "600",
            "--carrier-max-calls",
            "2",
        ],
    );
    wait_status(&addr, "two calls up on span1", |v| {
        v["calls"]
            .as_array()
            .is_some_and(|c| c.iter().filter(|c| c["state"] == "Active").count() >= 2)
    });

    let out = c.cmd("show spans");
    assert!(out.contains("LOOPBACK"), "{out}");
    let row = out
        .lines()
        .find(|l| l.contains("span1"))
        .unwrap_or_else(|| panic!("no span1 row in {out}"));
    assert!(row.contains(" none "), "loopback column: {row}");
    assert!(!row.contains("unknown"), "{row}");

    let out = c.cmd("show span 1");
    for want in [
        "line=connected",
        "dchannel_state=",
        "loopback=none",
        "counters bpv=0",
        "dchan_rx=",
        "channels busy=2 idle=28 restarting=0",
    ] {
        assert!(out.contains(want), "{want} missing in:\n{out}");
    }
    assert!(!out.contains("not exported"), "{out}");

    let out = c.cmd("show channels");
    let map = out
        .lines()
        .find(|l| l.contains("ts 1-31"))
        .unwrap_or_else(|| panic!("no channel map in {out}"));
    assert_eq!(map.matches('B').count(), 2, "{map}");
    assert_eq!(map.matches('D').count(), 1, "{map}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("channel ") && l.contains("busy") && l.contains("call "))
            .count(),
        2,
        "{out}"
    );

    let out = c.cmd("show calls");
    assert!(out.contains("CALLING") && out.contains("CALLED"), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" in ") && l.contains("600") && l.contains("Active"))
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(out.contains("switch: "), "{out}");

    let out = c.cmd("show queues");
    assert!(out.contains("WAITING") && out.contains("READY"), "{out}");
    let sales = out
        .lines()
        .find(|l| l.contains("sales"))
        .unwrap_or_else(|| panic!("no sales row in {out}"));
    assert!(sales.contains("0s"), "live longest wait: {sales}");
    assert!(!out.contains("not exported"), "{out}");

    let out = c.cmd("show agents");
    assert!(out.contains("STATE"), "{out}");
    assert!(
        out.lines().any(|l| l.contains("logged_out")),
        "demo agents are logged out until their phones register: {out}"
    );

    let out = c.cmd("show sip");
    assert!(out.contains("REGISTERED"), "{out}");
    assert!(out.contains("phones registered: 0 of "), "{out}");
    assert!(!out.contains("daemon not running"), "{out}");
}

#[test]
fn span_maintenance_through_the_control_api() {
    let b = Rig::new();
    let addr = free_addr();
    let mut c = Console::start(&b, &addr, &[]);
    c.login_tech();

    // Daemon down: the span is known (the database), the action is not done.
    {
        let d = Demo::start(&b, &addr, &["--carrier-interval-ms", "0"]);
        wait_status(&addr, "span1's data link up", span1_up);
        drop(d);
    }
    let out = c.cmd("span restart 1");
    assert!(
        out.contains("daemon not running") && out.contains("cannot restart span 1"),
        "{out}"
    );

    let _d = Demo::start(&b, &addr, &["--carrier-interval-ms", "0"]);
    wait_status(&addr, "span1's data link up", span1_up);

    let out = c.cmd("span loopback on 1");
    assert!(
        out.contains("done: switch loopback on on span 1 (loopback=local)"),
        "{out}"
    );
    let out = c.cmd("show span 1");
    assert!(out.contains("loopback=local"), "{out}");
    let out = c.cmd("show spans");
    assert!(
        out.lines()
            .any(|l| l.contains("span1") && l.contains(" local ")),
        "{out}"
    );
    let out = c.cmd("span loopback off 1");
    assert!(
        out.contains("done: switch loopback off on span 1 (loopback=none)"),
        "{out}"
    );
    let out = c.cmd("show span 1");
    assert!(out.contains("loopback=none"), "{out}");

    // The far end's stack answers each RESTART with RESTART ACKNOWLEDGE.
    wait_status(&addr, "span1's data link up again", span1_up);
    let out = c.cmd("pri restart channel 1 5");
    assert!(
        out.contains("done: restart channel 5 of span 1 (restarted=5)"),
        "{out}"
    );
    let out = c.cmd("span restart 1");
    assert!(
        out.contains("done: restart span 1 (restarted=interface)"),
        "{out}"
    );

    // Checked before anything is asked.
    let out = c.cmd("pri restart channel 1 16");
    assert!(out.contains("channel must be 1-15 or 17-31"), "{out}");
    let out = c.cmd("span loopback on 7");
    assert!(out.contains("no span 7"), "{out}");
}

#[test]
fn live_commands_fall_back_to_the_store_with_the_daemon_down() {
    let b = Rig::new();
    let addr = free_addr();
    let mut c = Console::start(&b, &addr, &[]);
    c.login_tech();
    // Seed the demo configuration, then stop the daemon.
    {
        let _d = Demo::start(&b, &addr, &["--carrier-interval-ms", "0"]);
        wait_status(&addr, "span1's data link up", span1_up);
    }
    let out = c.cmd("show queues");
    assert!(out.contains("daemon not running"), "{out}");
    assert!(out.contains("sales") && out.contains("701"), "{out}");
    let out = c.cmd("show agents");
    assert!(out.contains("daemon not running"), "{out}");
    assert!(out.lines().any(|l| l.contains("2001")), "{out}");
    let out = c.cmd("show sip");
    assert!(out.contains("daemon not running"), "{out}");
    assert!(out.contains("extensions configured:"), "{out}");
    let out = c.cmd("show span 1");
    assert!(
        out.contains("daemon not running") && out.contains("name=span1"),
        "{out}"
    );
    for cmd in ["show calls", "show channels"] {
        let out = c.cmd(cmd);
        assert!(out.contains("daemon not running"), "{cmd}: {out}");
    }
    for cmd in [
        "span loopback on 1",
        "span loopback off 1",
        "pri restart channel 1 5",
    ] {
        let out = c.cmd(cmd);
        assert!(
            out.contains("daemon not running") && out.contains("cannot"),
            "{cmd}: {out}"
        );
    }
}
