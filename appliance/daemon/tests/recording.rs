//! Call recording, voicemail and the post-call survey through the real `appliance` binary
//! (issues 5 and 6), with sipp phones for the signalling and the test's own RTP sockets for
//! the audio (tones measured with media-dsp's Goertzel filter):
//! - a queue call recorded by the recording policy: the stereo WAV holds the caller's tone
//!   on the left and the agent's on the right, the part paused over the control endpoint
//!   (card payment) is silent and its card tone is nowhere in the file, the store row points
//!   at the file, and the panel's recordings search lists it and serves its audio;
//! - a voicemail message: prompt, beep, the caller's tone until `#`, the message row and the
//!   mono WAV holding the tone;
//! - a voicemail message ended by the caller's silence (store setting 3 s): the tone is
//!   kept, the message ends by itself, the caller is cleared;
//! - the post-call survey: the agent hangs up, the caller is sent to the flow's survey node
//!   and presses 4 (RFC 4733); the score is in the event log and in the CSAT report.
//!
//! Skipped when sipp is missing; every wait is bounded.

#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/cti.rs"]
mod cti_client;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use audio::{phone_media, sine, tone_windows};
use common::Daemon;
use common::sipp::{SIPP, finish, free_port, phone as sipp, rtp, rtp_port_of};
use e2e::seeded;
use nix::sys::signal::Signal;
use serde_json::Value;
use store::Store;
use store::config::{Command as StoreCommand, CommandContext, Language, NewUser, Role};
use store::events::{EventFilter, EventKind};
use store::recordings::{Legs, RecordingPolicy};

const SUP_PASSWORD: &str = "supervisor-secret";

fn have_sipp() -> bool {
    let ok = std::path::Path::new(SIPP).exists();
    if !ok {
        eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
    }
    ok
}

fn ctx() -> CommandContext<'static> {
    CommandContext {
        actor: "test",
        ts: store::Timestamp(1),
    }
}

fn supervisor(st: &mut Store) {
    st.execute(
        ctx(),
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
}

fn start(dir: tempfile::TempDir, data: std::path::PathBuf) -> (Daemon, String) {
    let mut d = Daemon::start_in(
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
    (d, sip)
}

/// Registers 2001 and starts its phone (scenario `xml`) with its RTP on the returned socket.
fn agent(d: &mut Daemon, sip: &str, xml: &str) -> (std::process::Child, UdpSocket) {
    let agent_port = free_port();
    finish(
        sipp(sip, "register.xml", "2001", "2001", 0, agent_port, &[]),
        "register 2001",
        Duration::from_secs(25),
    );
    d.wait_log(&["demo agent state set", "agent=\"2001\"", "Ready"]);
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("agent rtp");
    let child = sipp(
        sip,
        xml,
        "2001",
        "2001",
        rtp.local_addr().unwrap().port(),
        agent_port,
        &[],
    );
    (child, rtp)
}

/// 1001 calls `service` with scenario `xml`, its RTP on the returned socket.
fn caller(sip: &str, xml: &str, service: &str) -> (std::process::Child, UdpSocket) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("caller rtp");
    let auth_uri = format!("{service}@{sip}");
    let child = sipp(
        sip,
        xml,
        "1001",
        service,
        sock.local_addr().unwrap().port(),
        free_port(),
        &["-auth_uri", &auth_uri],
    );
    (child, sock)
}

/// The daemon's RTP address for the leg whose phone has its RTP on `sock`.
fn daemon_rtp(d: &mut Daemon, sock: &UdpSocket) -> SocketAddr {
    let mine = sock.local_addr().unwrap().port();
    let l = d.wait_log(&["rtp session started", &format!("127.0.0.1:{mine})")]);
    SocketAddr::from(([127, 0, 0, 1], rtp_port_of(&l)))
}

fn post_recording(http: &str, body: &str) -> (u16, String) {
    let (st, _, body) = cti_client::http(
        http,
        "POST",
        "/recording",
        &[("content-type", "application/json")],
        body,
    );
    (st, body)
}

fn stop(d: &mut Daemon) {
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}

/// One RTP stream of a phone (one SSRC, continuing sequence numbers and timestamps):
/// digits as RFC 4733 events after 100 ms of PCMA silence (the daemon latches onto it).
#[derive(Default)]
struct Stream {
    seq: u16,
    ts: u32,
}

impl Stream {
    fn digit(&mut self, sock: &UdpSocket, to: SocketAddr, event: u8) {
        for _ in 0..5 {
            let _ = sock.send_to(&rtp(8, false, self.seq, self.ts, &[0xd5; 160]), to);
            self.seq = self.seq.wrapping_add(1);
            self.ts = self.ts.wrapping_add(160);
            std::thread::sleep(Duration::from_millis(20));
        }
        // RFC 4733 §2.3: updates, then the end bit three times, one timestamp.
        for (i, end) in [false, false, false, true, true, true]
            .into_iter()
            .enumerate()
        {
            let dur = u16::try_from((i + 1) * 160).unwrap_or(0);
            let mut ev = vec![event, if end { 0x80 | 10 } else { 10 }];
            ev.extend_from_slice(&dur.to_be_bytes());
            let _ = sock.send_to(&rtp(101, i == 0, self.seq, self.ts, &ev), to);
            self.seq = self.seq.wrapping_add(1);
            std::thread::sleep(Duration::from_millis(20));
        }
        self.ts = self.ts.wrapping_add(960);
    }
}

fn read_wav(path: &str) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).expect("a WAV file");
    let spec = r.spec();
    let s = r.samples::<i16>().map(|x| x.expect("sample")).collect();
    (spec, s)
}

#[test]
fn a_queue_call_recorded_by_policy_holds_both_sides_and_the_paused_card_part_is_silent() {
    if !have_sipp() {
        return;
    }
    let (dir, data) = seeded(|st| {
        st.set_recording_policy(
            ctx(),
            &RecordingPolicy {
                queues: vec!["sales".into()],
                retain_days: Some(30),
            },
        )
        .expect("policy");
        supervisor(st);
        common::add_customer(st, "Li Wei", "1001", false);
    });
    let (mut d, sip) = start(dir, data);
    let http = d.http_addr();
    let (agent, agent_rtp) = agent(&mut d, &sip, "agent_phone.xml");
    // 701 is queue `sales`: the caller waits there, 2001 is offered the call and answers.
    let (caller, caller_rtp) = caller(&sip, "call_14s.xml", "701");
    d.wait_log(&["call center", "queue_connect", "2001"]);
    d.wait_log(&["recording by policy", "sales"]);
    d.wait_log(&["recording started"]);
    let to_caller = daemon_rtp(&mut d, &caller_rtp);
    let to_agent = daemon_rtp(&mut d, &agent_rtp);

    // The caller: 500 Hz, a gap, the card number (2 kHz) while paused, a gap, 500 Hz again
    // (the gaps leave room for the HTTP request and the jitter buffer).
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
    // Pause for the card number (2.4–3.2 s), resume after it.
    std::thread::sleep(Duration::from_millis(2000).saturating_sub(t0.elapsed()));
    let (st, body) = post_recording(&http, r#"{"agent":"2001","action":"pause"}"#);
    assert_eq!(st, 200, "pause: {body}");
    std::thread::sleep(Duration::from_millis(3600).saturating_sub(t0.elapsed()));
    let (st, body) = post_recording(&http, r#"{"agent":"2001","action":"resume"}"#);
    assert_eq!(st, 200, "resume: {body}");
    let caller_heard = talk.join().expect("caller media");
    let agent_heard = listen.join().expect("agent media");
    // Each heard the other (the bridge), while the recording ran.
    assert!(
        tone_windows(&caller_heard.audio, 1200.0) > 50,
        "caller heard the agent"
    );
    assert!(
        tone_windows(&agent_heard.audio, 500.0) > 50,
        "agent heard the caller"
    );
    let (st, body) = post_recording(&http, r#"{"agent":"2001","action":"stop"}"#);
    assert_eq!(st, 200, "stop: {body}");
    d.wait_log(&["recording stored"]);
    // Nothing to pause any more; an unknown agent has no call.
    let (st, _) = post_recording(&http, r#"{"agent":"2001","action":"pause"}"#);
    assert_eq!(st, 409, "pause after stop");
    let (st, _) = post_recording(&http, r#"{"agent":"2999","action":"pause"}"#);
    assert_eq!(st, 404, "unknown agent");
    let (st, _) = post_recording(&http, r#"{"agent":"2001","action":"rewind"}"#);
    assert_eq!(st, 400, "bad action");

    // The store row.
    let st = Store::open(d.db()).expect("open");
    let rows = st
        .search_recordings(store::Timestamp(0), store::Timestamp(i64::MAX), None, 10)
        .expect("recordings");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let r = &rows[0];
    assert_eq!(r.legs, Legs::Both);
    assert_eq!(r.agent.as_deref(), Some("2001"));
    assert_eq!(r.queue.as_deref(), Some("sales"));
    let retain = r.retain_until.expect("retention from the policy").0 - r.started.0;
    assert_eq!(retain, 30 * 86_400_000_000, "30 days");
    assert!(
        r.path.starts_with(
            &d.data
                .canonicalize()
                .unwrap()
                .join("recordings")
                .to_string_lossy()
                .into_owned()
        ),
        "{}",
        r.path
    );
    assert!((4000..8000).contains(&r.duration_ms), "{r:?}");
    assert_eq!(r.paused.len(), 1, "one pause: {:?}", r.paused);
    let (p0, p1) = r.paused[0];
    assert!(
        (1200..1800).contains(&(p1 - p0)),
        "pause ~1.5 s: {:?}",
        r.paused
    );
    // The call's id is the event log's.
    let ev = st.events(&EventFilter::default()).expect("events");
    assert!(
        ev.iter().any(|e| e.kind == EventKind::QueueConnect
            && e.call_id.as_deref() == Some(r.call_id.as_str())),
        "{ev:#?}"
    );

    // The file: stereo, 8 kHz; caller left, agent right; silence while paused.
    let (spec, s) = read_wav(&r.path);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    assert_eq!(
        i64::try_from(s.len() / 16).unwrap(),
        r.duration_ms,
        "1 ms = 8 frames"
    );
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
    assert!(
        tone_windows(&left, 500.0) > 100,
        "the caller's 500 Hz on the left"
    );
    assert!(
        tone_windows(&right, 1200.0) > 150,
        "the agent's 1200 Hz on the right"
    );
    assert_eq!(
        tone_windows(&left, 2000.0),
        0,
        "the card digits were not recorded"
    );
    assert_eq!(
        tone_windows(&right, 500.0),
        0,
        "no caller audio on the agent's side"
    );
    assert_eq!(
        tone_windows(&left, 1200.0),
        0,
        "no agent audio on the caller's side"
    );

    // The panel: the search lists it and its audio URL serves the WAV.
    let cookie = cti_client::login(&http, "sup", SUP_PASSWORD);
    let (code, _, body) = cti_client::http(
        &http,
        "GET",
        "/api/v1/recordings?agent=2001&queue=sales",
        &[("cookie", &cookie)],
        "",
    );
    assert_eq!(code, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("json");
    let hit = list
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == r.id))
        .unwrap_or_else(|| panic!("recording {} listed: {body}", r.id));
    let url = hit["audio_url"].as_str().expect("audio_url").to_owned();
    let (code, headers, _) = cti_client::http(&http, "GET", &url, &[("cookie", &cookie)], "");
    assert_eq!(code, 200, "{url}");
    let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(h("content-type").as_deref(), Some("audio/wav"));
    let len = std::fs::metadata(&r.path).unwrap().len();
    assert_eq!(h("content-length"), Some(len.to_string()), "the whole file");

    finish(caller, "caller", Duration::from_secs(25));
    finish(agent, "agent 2001", Duration::from_secs(25));
    d.wait_log(&["interaction recorded", "agent=Some(\"2001\")"]);
    stop(&mut d);

    // The customer's history names the recording (its file in the recordings folder).
    let customer = st
        .customer_by_phone("1001")
        .expect("look-up")
        .expect("customer 1001");
    let hist = st.interactions(customer.id, 10).expect("interactions");
    let row = hist
        .iter()
        .find(|i| i.agent.as_deref() == Some("2001"))
        .unwrap_or_else(|| panic!("no interaction of agent 2001: {hist:#?}"));
    let file = std::path::Path::new(&r.path)
        .file_name()
        .and_then(|f| f.to_str())
        .expect("file name");
    assert_eq!(row.data["recordingId"], file, "{row:#?}");
    assert_eq!(row.call_id.as_deref(), Some(r.call_id.as_str()), "{row:#?}");
}

const VM_FLOW: &str = r#"{
  "version": 1,
  "name": "main",
  "start": "vm",
  "language": "en",
  "nodes": {
    "vm": {"type": "voicemail", "mailbox": "702"}
  }
}"#;

#[test]
fn a_caller_leaves_a_voicemail_tone_and_the_message_row_and_wav_hold_it() {
    if !have_sipp() {
        return;
    }
    let (dir, data) = seeded(|st| {
        let id = st
            .execute(
                ctx(),
                &StoreCommand::CreateIvrFlowVersion {
                    name: "main".into(),
                    flow: VM_FLOW.into(),
                },
            )
            .expect("flow")
            .id;
        st.execute(ctx(), &StoreCommand::ActivateIvrFlow { id })
            .expect("activate");
    });
    let (mut d, sip) = start(dir, data);
    let (caller, sock) = caller(&sip, "caller_until_bye.xml", "8000");
    let to = daemon_rtp(&mut d, &sock);
    d.wait_log(&["prompt", "voicemail"]);
    d.wait_log(&["recording started", "vm-"]);
    // 2 s of 700 Hz, then # ends the message.
    let _ = phone_media(
        &sock,
        to,
        &sine(700.0, 2000, 8000.0),
        "#",
        Duration::from_millis(2600),
    );
    d.wait_log(&["voicemail message recorded", "mailbox=702"]);
    d.wait_log(&["recording stored", "voicemail=true"]);
    finish(caller, "caller", Duration::from_secs(25));

    let st = Store::open(d.db()).expect("open");
    let m = st.voicemails("702", false).expect("voicemails");
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(m[0].caller, "1001");
    let r = st
        .recording(m[0].recording_id)
        .expect("row")
        .expect("recording");
    assert_eq!(r.legs, Legs::Caller);
    assert!((1800..3500).contains(&r.duration_ms), "{r:?}");
    let (spec, s) = read_wav(&r.path);
    assert_eq!((spec.channels, spec.sample_rate), (1, 8000));
    let loud = s.iter().filter(|x| x.unsigned_abs() > 1000).count();
    assert!(
        loud > 12_000,
        "1.5 s of the caller's tone: {loud} loud samples"
    );
    assert_eq!(
        tone_windows(&s, 1000.0),
        0,
        "the beep the caller heard is not in it"
    );
    assert!(
        tone_windows(&s, 700.0) > 50,
        "the caller's 700 Hz is in the message: {} windows, {loud} loud samples of {}, {r:?}",
        tone_windows(&s, 700.0),
        s.len()
    );
    let ev = st.events(&EventFilter::default()).expect("events");
    assert!(
        ev.iter()
            .any(|e| e.kind == EventKind::Voicemail && e.payload["ended_by"] == "key"),
        "{ev:#?}"
    );
    stop(&mut d);
}

/// Voicemail ends on silence: the caller sends 2 s of a 700 Hz tone, then only silence,
/// and stays on the line (no `#`, no hang-up). With the silence limit set to 3 s in the
/// store, the message ends by itself (`ended_by` `silence`) about 3 s after the tone, the
/// caller is cleared by the daemon, and the message holds the tone.
#[test]
fn a_silent_caller_s_voicemail_ends_by_itself_and_keeps_the_audio() {
    if !have_sipp() {
        return;
    }
    let (dir, data) = seeded(|st| {
        let id = st
            .execute(
                ctx(),
                &StoreCommand::CreateIvrFlowVersion {
                    name: "main".into(),
                    flow: VM_FLOW.into(),
                },
            )
            .expect("flow")
            .id;
        st.execute(ctx(), &StoreCommand::ActivateIvrFlow { id })
            .expect("activate");
        st.set_voicemail_silence_s(3).expect("silence setting");
    });
    let (mut d, sip) = start(dir, data);
    let (caller, sock) = caller(&sip, "caller_until_bye.xml", "8000");
    let to = daemon_rtp(&mut d, &sock);
    d.wait_log(&["prompt", "voicemail"]);
    d.wait_log(&["recording started", "vm-"]);
    // 2 s of 700 Hz, then 6 s of A-law silence (longer than the limit), no key.
    let mut audio = sine(700.0, 2000, 8000.0);
    audio.extend(std::iter::repeat_n(0i16, 6 * 8000));
    let _ = phone_media(&sock, to, &audio, "", Duration::from_millis(8000));
    d.wait_log(&["voicemail: caller silent"]);
    d.wait_log(&["voicemail message ended by silence"]);
    d.wait_log(&["voicemail message recorded", "mailbox=702"]);
    d.wait_log(&["recording stored", "voicemail=true"]);
    // The daemon cleared the caller (goodbye, BYE): the sipp caller ends cleanly.
    finish(caller, "caller", Duration::from_secs(25));

    let st = Store::open(d.db()).expect("open");
    let m = st.voicemails("702", false).expect("voicemails");
    assert_eq!(m.len(), 1, "{m:#?}");
    let r = st
        .recording(m[0].recording_id)
        .expect("row")
        .expect("recording");
    // The tone (2 s) and the 3 s of silence that ended it, not the whole 8 s sent.
    assert!((4000..6500).contains(&r.duration_ms), "{r:?}");
    let (_, s) = read_wav(&r.path);
    assert!(
        tone_windows(&s, 700.0) > 50,
        "the caller's 700 Hz is in the message: {} windows",
        tone_windows(&s, 700.0)
    );
    let ev = st.events(&EventFilter::default()).expect("events");
    assert!(
        ev.iter()
            .any(|e| e.kind == EventKind::Voicemail && e.payload["ended_by"] == "silence"),
        "{ev:#?}"
    );
    stop(&mut d);
}

#[test]
fn the_caller_answers_the_post_call_survey_and_the_score_is_reported() {
    if !have_sipp() {
        return;
    }
    let (dir, data) = seeded(|_| {});
    let (mut d, sip) = start(dir, data);
    let (agent, _agent_rtp) = agent(&mut d, &sip, "agent_hangs_up.xml");
    let (caller, sock) = caller(&sip, "caller_until_bye.xml", "8000");
    let to = daemon_rtp(&mut d, &sock);
    d.wait_log(&["prompt", "main-menu"]);
    let mut stream = Stream::default();
    stream.digit(&sock, to, 1);
    d.wait_log(&["call center", "queue_connect", "2001"]);
    // The agent hangs up after 3 s: the caller goes to the flow's survey node.
    d.wait_log(&["prompt", "survey"]);
    stream.digit(&sock, to, 4);
    d.wait_log(&["call center", "survey"]);
    finish(agent, "agent 2001", Duration::from_secs(25));
    finish(caller, "caller", Duration::from_secs(25));

    let st = Store::open(d.db()).expect("open");
    let ev = st
        .events(&EventFilter {
            kinds: &[EventKind::Survey],
            ..EventFilter::default()
        })
        .expect("events");
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert_eq!(ev[0].payload["score"], 4);
    assert_eq!(ev[0].queue.as_deref(), Some("sales"));
    assert_eq!(ev[0].agent.as_deref(), Some("2001"));
    let csat = st
        .csat_reports(&store::reports::ReportParams {
            from: store::Timestamp(0),
            to: store::Timestamp(i64::MAX),
            service_level_s: 20,
            short_abandon_s: 5,
        })
        .expect("csat");
    let row = csat
        .iter()
        .find(|c| c.queue == "sales" && c.agent == "2001")
        .unwrap_or_else(|| panic!("{csat:#?}"));
    assert_eq!((row.responses, row.score_sum, row.satisfied), (1, 4, 1));
    stop(&mut d);
}

#[test]
fn the_retention_sweep_deletes_expired_recordings_and_keeps_the_others() {
    let (dir, data) = seeded(|_| {});
    let rec_dir = data.join("recordings");
    std::fs::create_dir_all(&rec_dir).expect("recordings dir");
    let old = rec_dir.join("old.wav");
    let kept = rec_dir.join("kept.wav");
    for p in [&old, &kept] {
        std::fs::write(p, b"RIFF").expect("file");
    }
    {
        let mut st = Store::open(data.join("appliance.db")).expect("open");
        for (p, until) in [(&old, 1), (&kept, i64::MAX / 2)] {
            st.add_recording(&store::recordings::Recording {
                id: 0,
                call_id: "c1".into(),
                path: p.to_string_lossy().into_owned(),
                legs: Legs::Both,
                started: store::Timestamp(0),
                duration_ms: 1000,
                paused: vec![],
                retain_until: Some(store::Timestamp(until)),
                agent: None,
                queue: None,
            })
            .expect("row");
        }
    }
    let mut d = Daemon::start_in(dir, data, &["--drain-secs", "1"]);
    d.wait_notify("READY=1");
    d.wait_log(&["recording past its retention deleted", "old.wav"]);
    assert!(!old.exists(), "the expired file is gone");
    assert!(kept.exists(), "the other file stays");
    let st = Store::open(d.db()).expect("open");
    let rows = st.recordings_for_call("c1").expect("rows");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].path, kept.to_string_lossy());
    stop(&mut d);
}

#[test]
fn a_waiting_caller_presses_1_hangs_up_and_is_called_back_when_the_agent_is_free() {
    if !have_sipp() {
        return;
    }
    let (dir, data) = seeded(|_| {});
    let (mut d, sip) = start(dir, data);
    // No agent is ready: 1001 waits in queue 701 and presses the callback key.
    let (caller, sock) = caller(&sip, "caller_until_bye.xml", "701");
    let to = daemon_rtp(&mut d, &sock);
    d.wait_log(&["call center", "queue_enter", "sales"]);
    Stream::default().digit(&sock, to, 1);
    d.wait_log(&["call center", "queue_callback", "sales"]);
    // The confirmation, then the daemon clears the caller (it keeps the place in line).
    finish(caller, "caller", Duration::from_secs(25));

    // 1001's phone, registered, will take the callback.
    let phone_port = free_port();
    finish(
        sipp(&sip, "register.xml", "1001", "1001", 0, phone_port, &[]),
        "register 1001",
        Duration::from_secs(25),
    );
    let phone_rtp = UdpSocket::bind("127.0.0.1:0").expect("phone rtp");
    let phone = sipp(
        &sip,
        "agent_phone.xml",
        "1001",
        "1001",
        phone_rtp.local_addr().unwrap().port(),
        phone_port,
        &[],
    );
    // The agent becomes free: its phone rings first, then the customer is dialled.
    let (agent, _agent_rtp) = agent(&mut d, &sip, "agent_hangs_up.xml");
    d.wait_log(&["originating", "1001"]);
    d.wait_log(&["call center", "queue_connect", "2001"]);
    finish(agent, "agent 2001", Duration::from_secs(25));
    finish(phone, "1001 called back", Duration::from_secs(25));

    let st = Store::open(d.db()).expect("open");
    let ev = st.events(&EventFilter::default()).expect("events");
    let cb = ev
        .iter()
        .find(|e| e.kind == EventKind::QueueCallback)
        .unwrap_or_else(|| panic!("{ev:#?}"));
    assert_eq!(cb.queue.as_deref(), Some("sales"));
    assert!(
        ev.iter().any(|e| e.kind == EventKind::QueueConnect
            && e.agent.as_deref() == Some("2001")
            && e.call_id == cb.call_id),
        "the callback is connected as the same queue call: {ev:#?}"
    );
    stop(&mut d);
}

#[test]
fn a_waiting_caller_hears_the_position_announcement_and_none_over_the_answer() {
    if !have_sipp() {
        return;
    }
    let (dir, data) = seeded(|st| {
        st.set_queue_announcements(
            ctx(),
            "sales",
            &store::announce::QueueAnnouncements {
                first_after_s: 2,
                every_s: 3,
                position: true,
                wait_time: false,
                periodic_prompts: 0,
                callback_attempts: 3,
            },
        )
        .expect("announcements");
    });
    // The position prompt: 800 ms of 2300 Hz (the music on hold has no such tone).
    for lang in ["zh", "en"] {
        let dir = data.join("prompts").join(lang);
        std::fs::create_dir_all(&dir).expect("prompt dir");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(dir.join("queue-position.wav"), spec).expect("wav");
        for s in sine(2300.0, 800, 8000.0) {
            w.write_sample(s).expect("sample");
        }
        w.finalize().expect("wav");
    }
    let (mut d, sip) = start(dir, data);
    let (caller, sock) = caller(&sip, "caller_until_bye.xml", "701");
    let to = daemon_rtp(&mut d, &sock);
    d.wait_log(&["call center", "queue_enter", "sales"]);
    let t0 = Instant::now();
    let listen =
        std::thread::spawn(move || phone_media(&sock, to, &[], "", Duration::from_millis(7000)));
    d.wait_log(&["prompt", "queue-position"]);
    // The agent comes after the first announcement, before the second is due (5 s).
    std::thread::sleep(Duration::from_millis(3000).saturating_sub(t0.elapsed()));
    let (agent, _agent_rtp) = agent(&mut d, &sip, "agent_hangs_up.xml");
    d.wait_log(&["call center", "queue_connect", "2001"]);
    let connected = t0.elapsed();
    let heard = listen.join().expect("caller media").audio;
    finish(agent, "agent 2001", Duration::from_secs(25));
    finish(caller, "caller", Duration::from_secs(25));

    // When the 2300 Hz windows were heard (20 ms each, from the start of listening).
    let at: Vec<u128> = heard
        .chunks_exact(160)
        .enumerate()
        .filter(|(_, w)| tone_windows(w, 2300.0) == 1)
        .map(|(i, _)| i as u128 * 20)
        .collect();
    assert!(at.len() >= 25, "the announcement was heard: {at:?}");
    assert!(
        (1300..3000).contains(&at[0]),
        "about 2 s after joining: {at:?}"
    );
    let answer_ms = connected.as_millis();
    assert!(
        at.iter().all(|&t| t < answer_ms),
        "no announcement after the answer at {answer_ms} ms: {at:?}"
    );
    stop(&mut d);
}
