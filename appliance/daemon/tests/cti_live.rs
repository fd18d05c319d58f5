//! The live call center through the real binary, driven the way a site runs it: agent 2001
//! logs in to the panel (a user linked to the agent), opens the CTI WebSocket
//! (`/api/cti/v1/ws`) on the daemon's HTTP port, starts a monitor on its extension and logs
//! on and goes Ready over CTI (no demo auto-ready). Its phone is a sipp UAS registered as
//! 2001. A sipp caller (1001, a CRM customer) dials 8000: the IVR plays its prompts — real
//! speech made here with espeak-ng, captured as RTP toward the caller, decoded from G.711
//! and measured — the caller presses 1 (RFC 4733), the call enters queue 701 and is offered
//! to 2001, whose phone answers. The CTI client must see Delivered (caller, IVR data, CRM
//! customer), Established, ConnectionCleared and the wrap-up, sets a disposition and notes
//! (AssociateData) during wrap-up and goes Ready; the customer's interaction history in the
//! store must then hold the call with them. Skipped when sipp, espeak-ng or sox is
//! missing; every wait is bounded.

mod common;
#[path = "common/cti.rs"]
mod cti_client;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Daemon;
use common::sipp::{SIPP, finish, free_port, phone as sipp, rtp, rtp_port_of};
use cti_client::{CtiClient, login};
use nix::sys::signal::Signal;
use serde_json::json;
use store::Store;
use store::config::{Command as StoreCommand, CommandContext, Language, NewUser, Role};

const AGENT_PASSWORD: &str = "agent-2001-secret";
const SUP_PASSWORD: &str = "supervisor-secret";

/// The wallboard's state of `agent` (`GET /api/v1/live`, as a supervisor).
fn wallboard_state(http: &str, cookie: &str, agent: &str) -> String {
    let (st, _, body) = cti_client::http(http, "GET", "/api/v1/live", &[("cookie", cookie)], "");
    assert_eq!(st, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("live json");
    v["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["agent"] == agent))
        .and_then(|x| x["state"].as_str())
        .unwrap_or("")
        .to_owned()
}

/// Polls the wallboard (up to 5 s: it is recomputed every 0.5 s) until `agent` is `state`.
fn wait_wallboard(http: &str, cookie: &str, agent: &str, state: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let got = wallboard_state(http, cookie, agent);
        if got == state {
            return;
        }
        assert!(
            Instant::now() < until,
            "wallboard: {agent} is {got:?}, not {state:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Speaks `text` into an 8 kHz mono 16-bit WAV (as scripts/make-prompts.sh does).
fn speak(voice: &str, text: &str, out: &std::path::Path) {
    let raw = out.with_extension("raw.wav");
    let st = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng");
    assert!(st.success());
    let st = Command::new("sox")
        .arg("-q")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(out)
        .args(["gain", "-n", "-3"])
        .status()
        .expect("sox");
    assert!(st.success());
    let _ = std::fs::remove_file(raw);
}

/// RMS of a G.711 A-law payload, decoded.
fn rms_alaw(payload: &[u8]) -> f64 {
    if payload.is_empty() {
        return 0.0;
    }
    let sum: f64 = payload
        .iter()
        .map(|&b| f64::from(media_dsp::g711::alaw_to_linear(b)).powi(2))
        .sum();
    (sum / payload.len() as f64).sqrt()
}

#[test]
fn an_agent_on_the_cti_websocket_takes_an_ivr_caller_and_the_call_lands_in_the_crm() {
    for tool in [SIPP, "espeak-ng", "sox"] {
        if !have(tool) {
            eprintln!("SKIP: {tool} not installed");
            return;
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let zh = data.join("prompts").join("zh");
    std::fs::create_dir_all(&zh).expect("prompt dir");
    // The flow's language is zh: its first two prompts, spoken.
    speak("cmn", "欢迎致电服务中心。", &zh.join("welcome.wav"));
    speak(
        "cmn",
        "销售请按一，技术支持请按二。",
        &zh.join("main-menu.wav"),
    );

    let mut d = Daemon::start_in(
        dir,
        data,
        &["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"],
    );
    d.wait_notify("READY=1");
    let http = d.http_addr();
    let sip = d.sip_addr();
    d.wait_log(&["prompts loaded", "clips=2"]);

    // A user for agent 2001 and a CRM customer for the caller, as an admin would add them.
    let customer = {
        let mut st = Store::open(d.db()).expect("open");
        let ctx = CommandContext {
            actor: "test",
            ts: store::Timestamp(1),
        };
        let user = st
            .execute(
                ctx,
                &StoreCommand::CreateUser(NewUser {
                    username: "agent2001".into(),
                    display_name: "Agent 2001".into(),
                    role: Role::Agent,
                    password: AGENT_PASSWORD.into(),
                    must_change_password: false,
                    language: Language::En,
                }),
            )
            .expect("user")
            .id;
        st.execute(
            ctx,
            &StoreCommand::CreateUser(NewUser {
                username: "sup".into(),
                display_name: "Supervisor".into(),
                role: Role::Supervisor,
                password: SUP_PASSWORD.into(),
                must_change_password: false,
                language: Language::En,
            }),
        )
        .expect("supervisor");
        let agent = st
            .agents()
            .expect("agents")
            .into_iter()
            .find(|a| a.config.number == "2001")
            .expect("agent 2001");
        let mut config = agent.config.clone();
        config.user_id = Some(user);
        st.execute(
            ctx,
            &StoreCommand::UpdateAgent {
                id: agent.id,
                config,
            },
        )
        .expect("link agent");
        common::add_customer(&mut st, "Li Wei", "1001", true)
    };

    // The agent's desktop: log in, monitor the extension, log on, Ready.
    let cookie = login(&http, "agent2001", AGENT_PASSWORD);
    let mut cti = CtiClient::connect(&http, &cookie);
    let r = cti.request(json!({"service": "MonitorStart", "monitorObject": "2001"}));
    assert_eq!(r["result"]["result"], "MonitorStarted", "{r}");
    // Another agent's device is refused (per-agent authorisation).
    let r = cti.request(json!({"service": "MonitorStart", "monitorObject": "2002"}));
    assert_eq!(r["error"], "privilegeViolation", "{r}");
    let r = cti.request(json!({"service": "SetAgentState", "agent": "2001",
        "requestedAgentState": {"state": "loggedOn"}}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    cti.event("AgentLoggedOn");
    let r = cti.request(json!({"service": "SetAgentState", "agent": "2001",
        "requestedAgentState": {"state": "ready"}}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    cti.event("AgentReady");
    d.wait_log(&["call center", "agent_ready", "2001"]);
    let sup = login(&http, "sup", SUP_PASSWORD);
    wait_wallboard(&http, &sup, "2001", "ready");
    assert_eq!(wallboard_state(&http, &sup, "2002"), "logged_out");

    // The agent's phone.
    let agent_port = free_port();
    finish(
        sipp(&sip, "register.xml", "2001", "2001", 0, agent_port, &[]),
        "register 2001",
        Duration::from_secs(25),
    );
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

    // The caller; what the daemon sends to its RTP socket is captured from the start.
    let sock = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    let heard: Arc<Mutex<Vec<f64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let capture = {
        let sock = sock.try_clone().unwrap();
        let heard = Arc::clone(&heard);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let until = Instant::now() + Duration::from_secs(60);
            while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                if let Ok((n, _)) = sock.recv_from(&mut buf)
                    && n > 12
                    && buf[1] & 0x7f == 8
                {
                    heard.lock().unwrap().push(rms_alaw(&buf[12..n]));
                }
            }
        })
    };
    let auth_uri = format!("8000@{sip}");
    let caller = sipp(
        &sip,
        "call_hold_d.xml",
        "1001",
        "8000",
        port,
        free_port(),
        &["-auth_uri", &auth_uri, "-d", "12000"],
    );
    let l = d.wait_log(&["rtp session started"]);
    let theirs = rtp_port_of(&l);
    d.wait_log(&["prompt", "welcome", "ms="]);
    d.wait_log(&["prompt", "main-menu"]);
    std::thread::sleep(Duration::from_millis(500));
    // The welcome prompt was speech: 20 ms packets well above the A-law idle level (RMS 8).
    let loud = heard.lock().unwrap().iter().filter(|&&r| r > 300.0).count();
    let packets = heard.lock().unwrap().len();
    assert!(
        loud >= 10,
        "prompt audio toward the caller: {loud} loud packets of {packets}"
    );

    // Digit 1 (RFC 4733 §2.3); PCMA first so the daemon latches onto this socket.
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

    // The screen pop.
    let delivered = cti.event("Delivered");
    let rep = &delivered["report"];
    assert_eq!(rep["device"], "2001", "{delivered}");
    assert_eq!(rep["localConnectionInfo"], "alerting", "{delivered}");
    assert_eq!(rep["cause"], "distributed", "{delivered}");
    let ev = &rep["event"];
    assert_eq!(ev["callingDevice"], "1001", "{delivered}");
    assert_eq!(ev["calledDevice"], "8000", "{delivered}");
    assert_eq!(ev["screenPop"]["queue"], "701", "{delivered}");
    assert_eq!(
        ev["screenPop"]["customer"]["id"],
        json!(customer),
        "{delivered}"
    );
    assert_eq!(ev["screenPop"]["customer"]["name"], "Li Wei", "{delivered}");
    assert!(
        ev["screenPop"]["ivrData"].is_object(),
        "IVR data in the screen pop: {delivered}"
    );
    let call = ev["connection"]["call"].clone();
    let established = cti.event("Established");
    assert_eq!(
        established["report"]["localConnectionInfo"], "connected",
        "{established}"
    );
    assert_eq!(established["report"]["event"]["answeringDevice"], "2001");
    d.wait_log(&["call center", "queue_connect", "2001"]);
    wait_wallboard(&http, &sup, "2001", "talking");

    // The caller hangs up after its hold time; the agent's part ends, wrap-up starts.
    finish(caller, "caller", Duration::from_secs(30));
    finish(agent, "agent 2001", Duration::from_secs(30));
    stop.store(true, Ordering::Relaxed);
    let _ = capture.join();
    let cleared = cti.event("ConnectionCleared");
    assert_eq!(cleared["report"]["device"], "2001", "{cleared}");
    cti.event("AgentWorkingAfterCall");
    wait_wallboard(&http, &sup, "2001", "wrapup");
    let r = cti.request(json!({"service": "AssociateData", "call": call,
        "disposition": "sale", "notes": "wants the premium plan"}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    let r = cti.request(json!({"service": "SetAgentState", "agent": "2001",
        "requestedAgentState": {"state": "ready"}}));
    assert_eq!(r["result"]["result"], "Ack", "{r}");
    cti.event("AgentReady");
    let names = cti.event_names();
    let order = [
        "AgentLoggedOn",
        "AgentReady",
        "Delivered",
        "Established",
        "ConnectionCleared",
        "AgentWorkingAfterCall",
        "AgentReady",
    ];
    let mut it = names.iter();
    for want in order {
        assert!(
            it.any(|n| n == want),
            "event {want} out of order in {names:?}"
        );
    }
    d.wait_log(&["interaction recorded", "disposition=sale"]);

    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));

    // The customer's history: the call, with the agent, queue, disposition, notes, IVR data.
    let st = Store::open(d.db()).expect("open");
    let hist = st.interactions(customer, 10).expect("interactions");
    let row = hist
        .iter()
        .find(|i| i.agent.as_deref() == Some("2001"))
        .unwrap_or_else(|| panic!("no interaction of agent 2001: {hist:#?}"));
    assert_eq!(row.remote_number, "1001", "{row:#?}");
    assert_eq!(row.direction, "inbound", "{row:#?}");
    assert_eq!(row.queue.as_deref(), Some("701"), "{row:#?}");
    assert_eq!(row.disposition, "sale", "{row:#?}");
    assert_eq!(row.notes, "wants the premium plan", "{row:#?}");
    assert!(row.ended >= row.started, "{row:#?}");
    assert!(
        row.data["answeredUs"]
            .as_i64()
            .is_some_and(|a| a >= row.started.0),
        "{row:#?}"
    );
    assert!(row.data["ivr"].is_object(), "{row:#?}");
    // Its call id is the event log's.
    let ev = st
        .events(&store::events::EventFilter::default())
        .expect("events");
    assert!(
        ev.iter()
            .any(|e| e.call_id == row.call_id && e.kind == store::events::EventKind::CallStart),
        "{row:#?} {ev:#?}"
    );
}
