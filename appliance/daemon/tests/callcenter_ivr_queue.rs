//! The call center through the real binary (`--demo`): agent 2001's phone (a sipp UAS)
//! registers and is logged on Ready by the demo option; a caller (sipp UAC) dials 8000,
//! the IVR `main` looks the caller up in the store, plays its prompts (silence of their
//! length: no prompt files in the temporary data directory), the caller presses 1 as an
//! RFC 4733 event sent here on the RTP socket named in the caller's SDP, the call enters
//! queue 701 (sales), 2001's phone rings and answers, and the caller hangs up. The store's
//! event log must hold the IVR, queue and agent rows. Skipped when sipp is missing; every
//! wait is bounded.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::Daemon;
use common::sipp::{SIPP, finish, free_port, phone as sipp, rtp, rtp_port_of};
use nix::sys::signal::Signal;
use store::Store;
use store::events::{EventFilter, EventKind};

#[test]
fn a_caller_presses_1_at_8000_and_agent_2001_answers_from_queue_701() {
    if !std::path::Path::new(SIPP).exists() {
        eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
        return;
    }
    let mut d = Daemon::start(&[
        "--demo",
        "--demo-auto-ready",
        "--carrier-interval-ms",
        "0",
        "--drain-secs",
        "1",
    ]);
    d.wait_notify("READY=1");
    let sip = d.sip_addr();

    // sipp matches messages to its calls by Call-ID: the phone registers (one run), then
    // another run on the same port (the registered contact) takes the call.
    let agent_port = free_port();
    finish(
        sipp(&sip, "register.xml", "2001", "2001", 0, agent_port, &[]),
        "register 2001",
        Duration::from_secs(25),
    );
    d.wait_log(&["demo agent state set", "agent=\"2001\"", "Ready"]);
    let agent_rtp = UdpSocket::bind("127.0.0.1:0").expect("agent rtp");
    let agent = sipp(
        &sip,
        "agent_phone.xml",
        "2001",
        "2001",
        agent_rtp.local_addr().unwrap().port(),
        agent_port,
        &[],
    );

    let sock = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    let auth_uri = format!("8000@{sip}");
    let caller = sipp(
        &sip,
        "call_long.xml",
        "1001",
        "8000",
        port,
        free_port(),
        &["-auth_uri", &auth_uri],
    );
    let l = d.wait_log(&["rtp session started"]);
    let theirs = rtp_port_of(&l);
    d.wait_log(&["prompt", "main-menu"]);
    // Digit 1 (RFC 4733 §2.3): three updates, then the end bit three times, one timestamp;
    // PCMA before it so the daemon latches onto this socket.
    let mut seq = 0u16;
    for i in 0..5u32 {
        sock.send_to(
            &rtp(8, false, seq, i * 160, &[0xd5; 160]),
            ("127.0.0.1", theirs),
        )
        .unwrap();
        seq += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    let ts = 5 * 160;
    for (i, end) in [false, false, false, true, true, true]
        .into_iter()
        .enumerate()
    {
        let dur = u16::try_from((i + 1) * 160).unwrap();
        let mut ev = vec![1u8, if end { 0x80 | 10 } else { 10 }];
        ev.extend_from_slice(&dur.to_be_bytes());
        sock.send_to(&rtp(101, i == 0, seq, ts, &ev), ("127.0.0.1", theirs))
            .unwrap();
        seq += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    d.wait_log(&["call center", "queue_enter", "sales"]);
    d.wait_log(&["call center", "queue_connect", "2001"]);
    finish(caller, "caller", Duration::from_secs(25));
    finish(agent, "agent 2001", Duration::from_secs(25));
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));

    let st = Store::open(d.db()).expect("open");
    let ev = st.events(&EventFilter::default()).expect("events");
    let has = |kind: EventKind, queue: Option<&str>, agent: Option<&str>| {
        ev.iter().any(|e| {
            e.kind == kind
                && queue.is_none_or(|q| e.queue.as_deref() == Some(q))
                && agent.is_none_or(|a| e.agent.as_deref() == Some(a))
        })
    };
    assert!(has(EventKind::AgentLogin, None, Some("2001")), "{ev:#?}");
    assert!(has(EventKind::IvrEnter, None, None), "{ev:#?}");
    assert!(
        has(EventKind::QueueEnter, Some("sales"), None)
            || has(EventKind::QueueEnter, Some("701"), None),
        "{ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e.kind == EventKind::QueueConnect && e.agent.as_deref() == Some("2001")),
        "{ev:#?}"
    );
    // The queue rows carry the call id of the switch's call_start row.
    let qc = ev
        .iter()
        .find(|e| e.kind == EventKind::QueueConnect)
        .unwrap();
    let id = qc.call_id.as_deref().expect("call id");
    assert!(
        ev.iter()
            .any(|e| e.kind == EventKind::CallStart && e.call_id.as_deref() == Some(id)),
        "{ev:#?}"
    );
}
