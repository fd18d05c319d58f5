//! Listen, whisper, barge through the real binary with three sipp phones. A caller (1001)
//! dials queue 701; agent 2001 (logged on and ready over its CTI WebSocket, phone a sipp
//! UAS) answers; the supervisor asks the wallboard's REST call to monitor 2001 from phone
//! 1003 (a sipp UAS), which rings and joins. The three RTP streams are the test's own
//! sockets, each sending a different tone (caller 440 Hz, agent 1020 Hz, supervisor
//! 1700 Hz, A-law); what each socket receives is decoded and measured (Goertzel amplitude
//! per tone) after each mode change:
//! - listen: the supervisor hears caller + agent; nobody hears the supervisor;
//! - whisper: the agent hears the supervisor, the caller does not;
//! - barge: everyone hears the other two.
//!
//! Skipped when sipp is missing; every wait is bounded.

mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/panel_users.rs"]
mod panel_users;

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Daemon;
use common::sipp::{SIPP, finish, free_port, phone as sipp, rtp, rtp_port_of};
use cti_client::{CtiClient, http, login};
use media_dsp::g711::{alaw_to_linear, linear_to_alaw};
use media_dsp::goertzel::{Goertzel, GoertzelCoeff};
use serde_json::{Value, json};
use store::config::Role;

const CALLER_HZ: f32 = 440.0;
const AGENT_HZ: f32 = 1020.0;
const SUP_HZ: f32 = 1700.0;
const AMP: f32 = 6000.0;

/// 20 ms packets received, decoded, with when they came.
type Heard = Arc<Mutex<Vec<(Instant, Vec<i16>)>>>;

/// A phone's media: sends its tone to the daemon (once the daemon's port is known) every
/// 20 ms and keeps what it receives, with when.
struct Media {
    port: u16,
    to: Arc<AtomicU16>,
    heard: Heard,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Media {
    fn new(hz: f32) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("rtp socket");
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let port = sock.local_addr().expect("addr").port();
        let to = Arc::new(AtomicU16::new(0));
        let heard: Heard = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let until = Instant::now() + Duration::from_secs(90);
        let rx = {
            let (sock, heard, stop) = (sock.try_clone().unwrap(), heard.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                    if let Ok((n, _)) = sock.recv_from(&mut buf)
                        && n > 12
                        && buf[1] & 0x7f == 8
                    {
                        let pcm = buf[12..n].iter().map(|&c| alaw_to_linear(c)).collect();
                        heard.lock().unwrap().push((Instant::now(), pcm));
                    }
                }
            })
        };
        let tx = {
            let (to, stop) = (to.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut seq, mut n) = (0u16, 0u32);
                let start = Instant::now();
                let mut k = 0u32;
                while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                    k += 1;
                    let next = start + Duration::from_millis(20 * u64::from(k));
                    std::thread::sleep(next.saturating_duration_since(Instant::now()));
                    let port = to.load(Ordering::Relaxed);
                    if port == 0 {
                        continue;
                    }
                    let payload: Vec<u8> = (0..160)
                        .map(|i| {
                            #[allow(clippy::cast_precision_loss)]
                            let t = (n + i) as f32 / 8000.0;
                            #[allow(clippy::cast_possible_truncation)]
                            let s = ((core::f32::consts::TAU * hz * t).sin() * AMP) as i16;
                            linear_to_alaw(s)
                        })
                        .collect();
                    let _ = sock.send_to(&rtp(8, seq == 0, seq, n, &payload), ("127.0.0.1", port));
                    seq = seq.wrapping_add(1);
                    n = n.wrapping_add(160);
                }
            })
        };
        Self {
            port,
            to,
            heard,
            stop,
            threads: vec![rx, tx],
        }
    }

    /// The amplitude of `hz` in what this phone heard during the last `ms` milliseconds:
    /// the mean over its 20 ms packets of a Hann-windowed Goertzel estimate (per packet, so
    /// a gap in the stream does not cancel the tone; windowed, so the other two tones do not
    /// leak into the bin).
    fn level(&self, hz: f32, ms: u64) -> f32 {
        let since = Instant::now()
            .checked_sub(Duration::from_millis(ms))
            .expect("instant");
        let heard = self.heard.lock().unwrap();
        let packets: Vec<&Vec<i16>> = heard
            .iter()
            .filter(|(t, p)| *t >= since && p.len() == 160)
            .map(|(_, p)| p)
            .collect();
        if packets.is_empty() {
            return 0.0;
        }
        let coeff = GoertzelCoeff::new(hz);
        let mut sum = 0.0;
        for p in &packets {
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let w: Vec<i16> = p
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let h = 0.5 - 0.5 * (core::f32::consts::TAU * i as f32 / 160.0).cos();
                    (f32::from(x) * h) as i16
                })
                .collect();
            let mut g = Goertzel::new(coeff);
            g.update(&w);
            // Hann's coherent gain is 1/2: amplitude = 4·sqrt(|X|²)/N.
            sum += 4.0 * g.finish().sqrt() / 160.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let n = packets.len() as f32;
        sum / n
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Waits for the daemon's `rtp session started` line of the phone whose RTP port is `port`;
/// returns the daemon's RTP port for it.
fn daemon_port(d: &mut Daemon, port: u16) -> u16 {
    let l = d.wait_log(&["rtp session started", &format!("127.0.0.1:{port}")]);
    rtp_port_of(&l)
}

fn monitor(addr: &str, cookie: &str, mode: &str) {
    let (st, _, body) = http(addr, "GET", "/api/v1/me", &[("cookie", cookie)], "");
    assert_eq!(st, 200, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _, body) = http(
        addr,
        "POST",
        "/api/v1/supervisor/agents/2001/monitor",
        &[
            ("cookie", cookie),
            ("x-csrf-token", &token),
            ("content-type", "application/json"),
        ],
        &json!({"device": "1003", "mode": mode}).to_string(),
    );
    assert_eq!(st, 200, "monitor {mode}: {body}");
}

/// The three phones' levels of the three tones over the last 600 ms:
/// `[[caller hears C, A, S], [agent hears ...], [supervisor hears ...]]`.
fn levels(p: [&Media; 3]) -> [[f32; 3]; 3] {
    p.map(|m| [CALLER_HZ, AGENT_HZ, SUP_HZ].map(|hz| m.level(hz, 600)))
}

/// Checks who hears whom: `want[i][j]` = phone i hears phone j's tone.
fn check(mode: &str, got: [[f32; 3]; 3], want: [[bool; 3]; 3]) {
    let names = ["caller", "agent", "supervisor"];
    for i in 0..3 {
        for j in 0..3 {
            if i == j {
                continue;
            }
            let l = got[i][j];
            if want[i][j] {
                assert!(
                    l > AMP / 4.0,
                    "{mode}: the {} should hear the {} (level {l:.0}); all: {got:?}",
                    names[i],
                    names[j]
                );
            } else {
                assert!(
                    l < AMP / 20.0,
                    "{mode}: the {} should not hear the {} (level {l:.0}); all: {got:?}",
                    names[i],
                    names[j]
                );
            }
        }
    }
}

#[test]
fn listen_whisper_barge_heard_by_the_right_phones() {
    if !std::path::Path::new(SIPP).exists() {
        eprintln!("skipped: sipp (Debian sip-tester) is not installed");
        return;
    }
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    let sip = d.sip_addr();
    let (agent_user, agent_pw) = panel_users::add_agent_user(&d.db(), "2001");
    panel_users::add_user(&d.db(), "sup", Role::Supervisor, "supervisor-secret", None);

    let agent_cookie = login(&addr, &agent_user, &agent_pw);
    let mut cti = CtiClient::connect(&addr, &agent_cookie);
    let r = cti.request(json!({"service": "MonitorStart", "monitorObject": "2001"}));
    assert_eq!(r["result"]["result"], "MonitorStarted", "{r}");
    for state in ["loggedOn", "ready"] {
        let r = cti.request(json!({"service": "SetAgentState", "agent": "2001",
            "requestedAgentState": {"state": state}}));
        assert_eq!(r["result"]["result"], "Ack", "{r}");
    }
    cti.event("AgentReady");

    // The agent's and the supervisor's phones.
    let (caller, agent, sup) = (
        Media::new(CALLER_HZ),
        Media::new(AGENT_HZ),
        Media::new(SUP_HZ),
    );
    let mut phones = Vec::new();
    for (user, media) in [("2001", &agent), ("1003", &sup)] {
        let port = free_port();
        finish(
            sipp(&sip, "register.xml", user, user, 0, port, &[]),
            &format!("register {user}"),
            Duration::from_secs(25),
        );
        phones.push(sipp(
            &sip,
            "agent_phone.xml",
            user,
            user,
            media.port,
            port,
            &[],
        ));
    }

    // The caller dials the queue and holds the call for 25 s.
    let auth_uri = format!("701@{sip}");
    let call = sipp(
        &sip,
        "call_hold_d.xml",
        "1001",
        "701",
        caller.port,
        free_port(),
        &["-auth_uri", &auth_uri, "-d", "25000"],
    );
    caller
        .to
        .store(daemon_port(&mut d, caller.port), Ordering::Relaxed);
    agent
        .to
        .store(daemon_port(&mut d, agent.port), Ordering::Relaxed);
    cti.event("Established");
    std::thread::sleep(Duration::from_millis(1200));
    // Before the supervisor: caller and agent hear each other.
    let l = levels([&caller, &agent, &sup]);
    assert!(l[0][1] > AMP / 4.0 && l[1][0] > AMP / 4.0, "{l:?}");

    let sup_cookie = login(&addr, "sup", "supervisor-secret");
    monitor(&addr, &sup_cookie, "listen");
    sup.to
        .store(daemon_port(&mut d, sup.port), Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(1500));
    check(
        "listen",
        levels([&caller, &agent, &sup]),
        [
            [false, true, false],
            [true, false, false],
            [true, true, false],
        ],
    );

    monitor(&addr, &sup_cookie, "whisper");
    std::thread::sleep(Duration::from_millis(1200));
    check(
        "whisper",
        levels([&caller, &agent, &sup]),
        [
            [false, true, false],
            [true, false, true],
            [true, true, false],
        ],
    );

    monitor(&addr, &sup_cookie, "barge");
    std::thread::sleep(Duration::from_millis(1200));
    check(
        "barge",
        levels([&caller, &agent, &sup]),
        [
            [false, true, true],
            [true, false, true],
            [true, true, false],
        ],
    );

    // The caller hangs up at the end of its hold time: every phone is cleared.
    finish(call, "caller", Duration::from_secs(40));
    for (i, p) in phones.into_iter().enumerate() {
        finish(p, &format!("phone {i}"), Duration::from_secs(20));
    }
    for m in [caller, agent, sup] {
        m.stop();
    }
    // Audited: the three monitor actions.
    let st = store::Store::open(d.db()).expect("open");
    let modes: Vec<String> = st
        .events(&store::events::EventFilter::default())
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == store::events::EventKind::SupervisorAction)
        .map(|e| {
            e.payload["detail"]["mode"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(modes, ["listen", "whisper", "barge"]);
}
