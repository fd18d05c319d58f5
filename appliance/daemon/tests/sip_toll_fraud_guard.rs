//! Toll-fraud guards end to end: the daemon has a SIP trunk `provider` whose proxy is a
//! sipp UAS on 127.0.0.3 (sipp's built-in `uas`, answering the daemon's OPTIONS keep-alive
//! with `-aa`, every message it sees written to a file), in trunk group `outside`, reached
//! through two dial rules:
//! `9.` (strip 1, toll calls not allowed) and `8.` (strip 1, toll calls allowed).
//!
//! - Phone 1001 (digest auth) dials 8 004912345: an international number on a rule that
//!   allows it: the trunk gets INVITE sip:004912345@… and answers; the call is up.
//! - 1001 dials 9 004411111 (international) and 9 0900222222 (premium) on the rule that
//!   does not allow them: 403 Forbidden (Q.850 cause 21), `call denied by the dial plan`.
//! - A caller with no credentials dials 9 030333333 (a national number, a route to the
//!   trunk): challenged with 407, and the call never starts.
//!
//! The trunk's own message log must then hold the allowed INVITE and none of the others.
//! Skipped when sipp is missing; every wait is bounded.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::Daemon;
use common::phones::{Phone, have_sipp, stop};
use common::sipp::{SIPP, finish, free_port};
use store::config::{
    DialRuleConfig, DialTarget, SipTrunkConfig, Transport, TrunkGroupConfig, TrunkRef,
};
use store::{Command as Cmd, CommandContext, Store, Timestamp};

const TRUNK_IP: &str = "127.0.0.3";

/// A data directory with the demo defaults, the trunk on `TRUNK_IP:port` and its rules.
fn data_dir(port: u16) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let mut st = Store::open(data.join("appliance.db")).expect("store");
    st.seed_demo(Timestamp::from_secs(1)).expect("demo");
    let ctx = CommandContext {
        actor: "test",
        ts: Timestamp::from_secs(2),
    };
    let trunk = st
        .execute(
            ctx,
            &Cmd::CreateSipTrunk(SipTrunkConfig {
                name: "provider".into(),
                host: TRUNK_IP.into(),
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
        .expect("trunk");
    let group = st
        .execute(
            ctx,
            &Cmd::CreateTrunkGroup(TrunkGroupConfig {
                // Trunks and trunk groups share one name space in the switch.
                name: "outside".into(),
                members: vec![TrunkRef::SipTrunk(trunk.id)],
            }),
        )
        .expect("trunk group");
    for (pattern, allow_toll) in [("9.", false), ("8.", true)] {
        st.execute(
            ctx,
            &Cmd::CreateDialRule(DialRuleConfig {
                priority: 10,
                pattern: pattern.into(),
                strip: 1,
                prepend: String::new(),
                allow_toll,
                target: DialTarget::TrunkGroup(group.id),
            }),
        )
        .expect("dial rule");
    }
    (dir, data)
}

#[test]
fn only_authenticated_calls_reach_the_trunk_and_toll_numbers_need_a_rule_allowing_them() {
    if !have_sipp() {
        return;
    }
    let port = free_port();
    let (dir, data) = data_dir(port);
    let trunk_log = dir.path().join("trunk_messages.log");
    let mut trunk = Command::new(SIPP)
        .args(["-sn", "uas", "-aa", "-nostdin", "-bind_local"])
        .args(["-i", TRUNK_IP, "-p", &port.to_string()])
        .args(["-timeout", "28", "-trace_msg", "-message_file"])
        .arg(&trunk_log)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the trunk's sipp");
    let mut d = Daemon::start_in(
        dir,
        data,
        &["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"],
    );
    let sip = d.sip_addr();
    d.wait_notify("READY=1");
    d.wait_log(&["SIP trunk configured", "trunk=provider"]);

    // Allowed: international through the rule that allows toll calls.
    finish(
        Phone::new(&sip, "call_auth.xml", "1001", "8004912345")
            .rtp(free_port())
            .spawn(),
        "1001 dials 8 004912345",
        Duration::from_secs(20),
    );
    d.wait_log(&["originating", "called=004912345"]);
    d.wait_log(&["call ended", "cause=16"]);

    // Denied: international and premium through the rule that does not allow them.
    for (number, why) in [
        ("9004411111", "international number not allowed"),
        ("90900222222", "premium-rate number not allowed"),
    ] {
        finish(
            Phone::new(&sip, "call_forbidden.xml", "1001", number)
                .rtp(free_port())
                .spawn(),
            &format!("1001 dials {number}"),
            Duration::from_secs(20),
        );
        d.wait_log(&["call denied by the dial plan", why, "cause=21"]);
    }

    // No credentials: challenged, never routed.
    finish(
        Phone::new(&sip, "call_no_auth.xml", "scanner", "9030333333")
            .rtp(free_port())
            .spawn(),
        "an unauthenticated caller dials 9 030333333",
        Duration::from_secs(20),
    );
    // The trunk would have the INVITE within a few ms; give it a generous second.
    std::thread::sleep(Duration::from_secs(1));
    stop(&mut d);
    let _ = trunk.kill();
    let _ = trunk.wait();

    let seen = std::fs::read_to_string(&trunk_log).expect("the trunk's message log");
    assert!(
        seen.contains("INVITE sip:004912345@"),
        "the allowed call did not reach the trunk:\n{seen}"
    );
    for number in ["004411111", "0900222222", "030333333"] {
        assert!(
            !seen.contains(number),
            "{number} reached the trunk:\n{seen}"
        );
    }
    assert!(
        !d.log
            .iter()
            .any(|l| l.contains("sip incoming call") && l.contains("030333333")),
        "the unauthenticated call was taken:\n{}",
        d.log.join("\n")
    );
}
