//! The demo's simulated agent through the real binary (`--demo --demo-agents 1`): agent
//! 2001's simulated phone registers over loopback with digest auth, its CTI client logs on
//! and goes Ready, a sipp caller dials queue 702 (support) straight, the simulated phone
//! rings, answers, and when the caller hangs up the agent's wrap-up ends by itself and the
//! call is written to the interaction history. Skipped when sipp is missing; every wait is
//! bounded.

mod common;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Daemon;
use common::sipp::{SIPP, finish, free_port, scenario};
use nix::sys::signal::Signal;

#[test]
fn a_simulated_agent_logs_on_over_cti_and_answers_a_queue_call() {
    if !std::path::Path::new(SIPP).exists() {
        eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
        return;
    }
    let mut d = Daemon::start(&[
        "--demo",
        "--demo-agents",
        "1",
        "--carrier-interval-ms",
        "0",
        "--drain-secs",
        "1",
    ]);
    d.wait_notify("READY=1");
    let sip = d.sip_addr();
    d.wait_log(&["simulated agent: phone registered", "2001"]);
    d.wait_log(&["simulated agent: CTI SetAgentState", "2001", "Ready"]);
    d.wait_log(&["call center", "agent_ready", "2001"]);

    let rtp = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    let caller = Command::new(SIPP)
        .arg(&sip)
        .args(["-sf", &scenario("call_hold_d.xml")])
        .args(["-s", "702", "-au", "1001", "-ap", "demo1001"])
        .args(["-auth_uri", &format!("702@{sip}"), "-d", "4000"])
        .args(["-key", "user", "1001"])
        .args([
            "-key",
            "rtp_port",
            &rtp.local_addr().unwrap().port().to_string(),
        ])
        .args(["-nostdin", "-m", "1", "-timeout", "30", "-timeout_error"])
        .args(["-i", "127.0.0.1", "-p", &free_port().to_string()])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp");
    d.wait_log(&["simulated agent: ringing", "2001"]);
    d.wait_log(&["simulated agent: answered", "2001"]);
    d.wait_log(&["call center", "queue_connect", "2001"]);
    finish(caller, "caller", Duration::from_secs(30));
    d.wait_log(&["simulated agent: call ended", "2001"]);
    // Wrap-up (10 s, the queue's wrapup_s) ends by itself; then the history entry is written.
    d.wait_log(&["interaction recorded", "agent=Some(\"2001\")"]);
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}
