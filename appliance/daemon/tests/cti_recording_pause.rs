//! Recording control over CTI through the real daemon (card payments): a queue call to agent
//! 2001 is recorded by the recording policy; the agent's desktop client (CTI WebSocket)
//! sees `Recording` (recording), sends `SuspendRecording` while the caller reads out the card
//! number (a 2 kHz tone here), sees `suspended`, sends `ResumeRecording` and sees
//! `recording` again. Agent 2002 is refused the same request over REST
//! (`POST /api/cti/v1/requests`: not its call). The stored stereo WAV is silent during the
//! pause and holds no 2 kHz at all, while both sides' tones are there.
//!
//! Skipped when sipp is missing; every wait is bounded.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/e2e.rs"]
mod e2e;
#[path = "common/panel_users.rs"]
mod panel_users;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use audio::{phone_media, sine, tone_windows};
use common::sipp::{finish, free_port, phone as sipp, rtp_port_of};
use cti_client::{CtiClient, http, login};
use nix::sys::signal::Signal;
use serde_json::{Value, json};
use store::Store;
use store::config::CommandContext;
use store::recordings::RecordingPolicy;

/// The daemon's RTP address for the leg whose phone has its RTP on `sock`.
fn daemon_rtp(d: &mut common::Daemon, sock: &UdpSocket) -> SocketAddr {
    let mine = sock.local_addr().unwrap().port();
    let l = d.wait_log(&["rtp session started", &format!("127.0.0.1:{mine})")]);
    SocketAddr::from(([127, 0, 0, 1], rtp_port_of(&l)))
}

/// The CSRF token of a logged-in session.
fn csrf(addr: &str, cookie: &str) -> String {
    let (st, _, body) = http(addr, "GET", "/api/v1/me", &[("cookie", cookie)], "");
    assert_eq!(st, 200, "{body}");
    serde_json::from_str::<Value>(&body).expect("me")["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned()
}

#[test]
fn an_agent_pauses_the_recording_over_cti_and_the_card_part_is_not_in_the_wav() {
    if !e2e::have_sipp() {
        return;
    }
    let (dir, data) = e2e::seeded(|st| {
        st.set_recording_policy(
            CommandContext {
                actor: "test",
                ts: store::Timestamp(1),
            },
            &RecordingPolicy {
                queues: vec!["sales".into()],
                retain_days: Some(30),
            },
        )
        .expect("policy");
    });
    let (u1, p1) = panel_users::add_agent_user(&data.join("appliance.db"), "2001");
    let (u2, p2) = panel_users::add_agent_user(&data.join("appliance.db"), "2002");
    let mut d = common::Daemon::start_in(
        dir,
        data,
        &[
            "--demo",
            "--demo-auto-ready",
            "--carrier-interval-ms",
            "0",
            "--drain-secs",
            "1",
        ],
    );
    d.wait_notify("READY=1");
    let sip = d.sip_addr();
    let http_addr = d.http_addr();

    // 2001's desktop monitors its extension; its phone registers (auto-ready) and answers.
    let cookie = login(&http_addr, &u1, &p1);
    let mut cti = CtiClient::connect(&http_addr, &cookie);
    let r = cti.request(json!({"service": "MonitorStart", "monitorObject": "2001"}));
    assert_eq!(r["result"]["result"], "MonitorStarted", "{r}");
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
    let caller_rtp = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    let auth_uri = format!("701@{sip}");
    let caller = sipp(
        &sip,
        "call_14s.xml",
        "1001",
        "701",
        caller_rtp.local_addr().unwrap().port(),
        free_port(),
        &["-auth_uri", &auth_uri],
    );
    d.wait_log(&["call center", "queue_connect", "2001"]);
    d.wait_log(&["recording started"]);
    let est = cti.event("Established");
    let call = est["report"]["event"]["establishedConnection"]["call"].clone();
    assert!(call.is_u64(), "{est}");
    let rec = cti.event("Recording");
    assert_eq!(
        rec["report"]["event"]["recordingState"], "recording",
        "{rec}"
    );
    assert_eq!(rec["report"]["event"]["call"], call, "{rec}");
    let to_caller = daemon_rtp(&mut d, &caller_rtp);
    let to_agent = daemon_rtp(&mut d, &agent_rtp);
    let mine = json!({"call": call, "device": "2001"});

    // The caller: 500 Hz, a gap, the card number (2 kHz) while paused, a gap, 500 Hz again.
    let mut said = sine(500.0, 1600, 8000.0);
    said.extend(vec![0; 800 * 8]);
    said.extend(sine(2000.0, 800, 8000.0));
    said.extend(vec![0; 800 * 8]);
    said.extend(sine(500.0, 1600, 8000.0));
    let total = Duration::from_millis(5600);
    let t0 = Instant::now();
    let talk = std::thread::spawn(move || phone_media(&caller_rtp, to_caller, &said, "", total));
    let listen = std::thread::spawn(move || {
        phone_media(&agent_rtp, to_agent, &sine(1200.0, 5500, 8000.0), "", total)
    });

    // Another agent may not pause it (REST, the same services as the WebSocket).
    let other = login(&http_addr, &u2, &p2);
    let token = csrf(&http_addr, &other);
    let (st, _, body) = http(
        &http_addr,
        "POST",
        "/api/cti/v1/requests",
        &[
            ("cookie", &other),
            ("x-csrf-token", &token),
            ("content-type", "application/json"),
        ],
        &json!({"v": 1, "invokeId": 1, "request":
            {"service": "SuspendRecording", "callToBeRecorded": mine}})
        .to_string(),
    );
    assert_eq!(st, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["error"], "privilegeViolation", "{v}");

    // Pause for the card number (2.4–3.2 s), resume after it.
    std::thread::sleep(Duration::from_millis(2000).saturating_sub(t0.elapsed()));
    let r = cti.request(json!({"service": "SuspendRecording", "callToBeRecorded": mine}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let rec = cti.event("Recording");
    assert_eq!(
        rec["report"]["event"]["recordingState"], "suspended",
        "{rec}"
    );
    let r = cti.request(json!({"service": "SuspendRecording", "callToBeRecorded": mine}));
    assert_eq!(r["error"], "invalidObjectState", "already suspended: {r}");
    std::thread::sleep(Duration::from_millis(3600).saturating_sub(t0.elapsed()));
    let r = cti.request(json!({"service": "ResumeRecording", "callToBeRecorded": mine}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let rec = cti.event("Recording");
    assert_eq!(
        rec["report"]["event"]["recordingState"], "recording",
        "{rec}"
    );
    let caller_heard = talk.join().expect("caller media");
    let agent_heard = listen.join().expect("agent media");
    assert!(
        tone_windows(&caller_heard.audio, 1200.0) > 50,
        "caller heard the agent"
    );
    assert!(
        tone_windows(&agent_heard.audio, 500.0) > 50,
        "agent heard the caller"
    );
    let r = cti.request(json!({"service": "StopRecording", "callToBeRecorded": mine}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let rec = cti.event("Recording");
    assert_eq!(rec["report"]["event"]["recordingState"], "stopped", "{rec}");
    d.wait_log(&["recording stored"]);

    let st = Store::open(d.db()).expect("open");
    let rows = st
        .search_recordings(store::Timestamp(0), store::Timestamp(i64::MAX), None, 10)
        .expect("recordings");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(row.paused.len(), 1, "one pause: {:?}", row.paused);
    let (p0, p1) = row.paused[0];
    assert!(
        (1200..1900).contains(&(p1 - p0)),
        "pause ~1.6 s: {:?}",
        row.paused
    );
    let mut reader = hound::WavReader::open(&row.path).expect("a WAV file");
    assert_eq!(reader.spec().channels, 2);
    let s: Vec<i16> = reader
        .samples::<i16>()
        .map(|x| x.expect("sample"))
        .collect();
    let left: Vec<i16> = s.iter().step_by(2).copied().collect();
    let right: Vec<i16> = s.iter().skip(1).step_by(2).copied().collect();
    let range =
        |ms0: i64, ms1: i64| usize::try_from(ms0 * 8).unwrap()..usize::try_from(ms1 * 8).unwrap();
    assert!(
        left[range(p0, p1)].iter().all(|&x| x == 0),
        "left silent while paused"
    );
    assert!(
        right[range(p0, p1)].iter().all(|&x| x == 0),
        "right silent while paused"
    );
    assert!(tone_windows(&left, 500.0) > 100, "the caller's 500 Hz");
    assert!(tone_windows(&right, 1200.0) > 150, "the agent's 1200 Hz");
    assert_eq!(
        tone_windows(&left, 2000.0),
        0,
        "the card digits were not recorded"
    );

    finish(caller, "caller", Duration::from_secs(25));
    finish(agent, "agent 2001", Duration::from_secs(25));
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}
