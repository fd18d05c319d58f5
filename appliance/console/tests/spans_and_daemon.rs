//! `show spans` / `show span N` with the daemon down ("daemon not running", the configured
//! spans still listed) and with the real daemon binary running in demo mode.

mod common;

use common::{Console, Daemon, Rig, free_addr};

#[test]
fn show_spans_daemon_down_then_up() {
    let b = Rig::new();
    let addr = free_addr();
    let mut c = Console::start(&b, &addr, &[]);
    c.login_tech();

    let out = c.cmd("show spans");
    assert!(out.contains("daemon not running"), "{out}");
    assert!(out.contains("(no spans configured)"), "{out}");
    for cmd in ["show calls", "show channels"] {
        let out = c.cmd(cmd);
        assert!(out.contains("daemon not running"), "{cmd}: {out}");
    }
    let out = c.cmd("span restart 1");
    assert!(out.contains("no span 1"), "{out}");

    let daemon = Daemon::start(&b, &addr);
    let out = c.cmd("show spans");
    assert!(!out.contains("daemon not running"), "{out}");
    assert!(out.contains("D-CHAN"), "{out}");
    let row = out
        .lines()
        .find(|l| l.contains("span1"))
        .unwrap_or_else(|| panic!("no span1 row in {out}"));
    assert!(
        row.contains("E1 PRI (euroisdn, user side)") && row.contains("CCS/CRC4"),
        "{row}"
    );
    assert!(
        !row.contains("unknown"),
        "live alarms and D-channel state: {row}"
    );

    let out = c.cmd("show span 1");
    for want in [
        "[1]",
        "name=span1",
        "framing=CCS/CRC4",
        "device=virt:span1.sock",
        "alarms=",
        "dchannel=",
        "calls incoming=",
    ] {
        assert!(out.contains(want), "{want} missing in:\n{out}");
    }
    let out = c.cmd("show queues");
    assert!(out.contains("sales") && out.contains("701"), "{out}");
    let out = c.cmd("show system");
    assert!(out.contains("daemon      running"), "{out}");
    let out = c.cmd("span loopback on 1");
    assert!(out.contains("done: switch loopback on on span 1"), "{out}");

    drop(daemon);
    let out = c.cmd("show span 1");
    assert!(out.contains("daemon not running"), "{out}");
    assert!(
        out.contains("name=span1"),
        "configuration still shown: {out}"
    );
    let out = c.cmd("show sip");
    assert!(out.contains("daemon not running"), "{out}");
    let out = c.cmd("span loopback on 1");
    assert!(out.contains("daemon not running"), "{out}");
}
