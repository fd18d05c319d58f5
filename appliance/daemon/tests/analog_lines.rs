//! Analog line ports through the real daemon, with the real `analog-sim` on their virtual
//! line jacks and sipp as the SIP phones (skipped with a message when sipp is missing).
//! The demo configuration: FXS port 1 (`fxs1.sock`) is extension 1101, FXO port 2
//! (`fxo2.sock`) is the last member of trunk group `carrier` (after span1, whose line
//! jack nobody connects to here, so it is in alarm and skipped).
//!
//! - a phone on the FXS port goes off-hook, hears dial tone (analog-sim's tone detector),
//!   dials 1002 in DTMF; sipp as 1002 answers; 800 Hz from the SIP phone is heard on the
//!   analog line and 1 kHz from the analog phone arrives as RTP (Goertzel at each end);
//! - a SIP phone calls 1101: the analog phone rings with the China cadence, decodes the
//!   FSK caller ID (1001) between the first and second ring, answers;
//! - the exchange (analog-sim as CO) rings the FXO port with caller ID: the call follows
//!   the port's route (1002 here, a sipp phone) with that calling number, audio both ways;
//! - a phone on the FXS port dials 600 (echo test): the switch's dial plan completes the
//!   number at its last digit, no inter-digit timeout;
//! - a SIP phone dials 0215550100: dial rule `0.` → trunk group `carrier` → the FXO port
//!   seizes the line and the CO receives the digits in DTMF;
//! - the same with the port's answer supervision on (`answer_on_polarity`): the CO answers
//!   6 s after the digits with a polarity reversal, and only that answers the SIP caller
//!   (the CDR's answer comes at least 6 s after the call started).
//!
//! The two directions of audio take turns (as in e2e_carrier_to_sip_phone.rs: the line
//! echo canceller adapts during double talk). The tests of this file run one at a time
//! (each has a daemon, sipp and analog-sim running in real time).

#[path = "common/analog.rs"]
mod analog;
#[path = "common/audio.rs"]
mod audio;
mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::net::UdpSocket;
use std::sync::Mutex;
use std::time::Duration;

use audio::{phone_media, sine, tone_windows};
use common::sipp::{finish, free_port, rtp_port_of};
use nix::sys::signal::Signal;
use store::lines::LinePortConfig;

const WAIT: Duration = Duration::from_secs(20);
/// Who the test's configuration changes are by.
const TEST: store::CommandContext<'static> = store::CommandContext {
    actor: "test",
    ts: store::Timestamp::from_secs(1_700_000_001),
};

/// One scenario at a time: they run in real time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn stop(mut d: common::Daemon) {
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));
}

/// Waits until analog-sim `sim` is on the line jack of port `port` and the daemon saw it.
fn on_line(d: &mut common::Daemon, sim: &mut testkit::json::Proc, port: &str) {
    sim.wait_for(WAIT, |v| v["event"] == "connected");
    d.wait_log(&["far end connected to the analog line", port]);
}

/// SIP phone 1001 calls `to` (sipp `call_auth.xml`: it hangs up 4 s after the answer);
/// returns sipp and the caller's RTP socket.
fn call_from_1001(sip: &str, to: &str) -> (std::process::Child, UdpSocket) {
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("rtp");
    let port = rtp.local_addr().expect("rtp addr").port();
    let caller = e2e::sipp(sip, "call_auth.xml", "1001", to, port, free_port(), &[]);
    (caller, rtp)
}

#[test]
fn a_phone_on_the_fxs_port_dials_a_sip_phone_and_audio_passes_both_ways() {
    if !e2e::have_sipp() {
        return;
    }
    let _g = serial();
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, sip) = e2e::start(dir, data.clone());
    d.wait_log(&["virtual analog line jack listening", "analog/1"]);

    let (sip_phone, rtp_sock) = e2e::answering_phone(&mut d, &sip, "phone_answer.xml", "1002");

    let rec = data.join("fxs-phone.raw");
    // Off-hook, dial tone, 1002; 3 s later (the SIP phone has answered and sent its 800 Hz
    // in the first second) 1.5 s of 1 kHz; then on-hook.
    let mut phone = analog::sim(
        "phone",
        &data,
        "fxs1.sock",
        &rec,
        &[
            "--script",
            "offhook; wait dialtone 8000; dial 1002; sleep 3500; tone 1000 1500; sleep 2500; onhook; sleep 2500",
            "--exit-after",
            "40000",
        ],
    );
    phone.wait_for(WAIT, |v| v["event"] == "tone" && v["tone"] == "dial");
    d.wait_log(&["the phone dialled", "number=1002"]);
    let l = d.wait_log(&["rtp session started"]);
    let daemon_rtp = rtp_port_of(&l);
    let got = phone_media(
        &rtp_sock,
        ([127, 0, 0, 1], daemon_rtp).into(),
        &sine(800.0, 1000, 8000.0),
        "",
        Duration::from_millis(5000),
    );
    let lines = phone.finish_ok(WAIT);
    assert!(
        testkit::json::events(&lines, "script_done").len() == 1,
        "{lines:#?}"
    );
    d.wait_log(&["the phone hung up"]);
    finish(sip_phone, "phone 1002", WAIT);

    let heard = analog::recorded(&rec);
    let on_line = tone_windows(&heard, 800.0);
    assert!(
        on_line >= 35,
        "the analog phone heard only {on_line} x 20 ms of the SIP phone's 800 Hz ({} samples)",
        heard.len()
    );
    let on_rtp = tone_windows(&got.audio, 1000.0);
    assert!(
        on_rtp >= 50,
        "the SIP phone heard only {on_rtp} x 20 ms of the analog phone's 1 kHz ({} packets)",
        got.packets
    );
    d.wait_log(&["call ended"]);
    stop(d);
}

/// A phone on the FXS port dials 600 (the echo test): the switch's dial plan says the
/// number is complete at its last digit, so the call goes through at once, not after the
/// 8 s inter-digit timeout (the phone hangs up 3 s after dialling: a number waiting for
/// the timeout would never be reported; it stays on-hook 2.5 s, longer than the 1.25 s
/// longest hook flash, so the port sees it hang up).
#[test]
fn a_phone_on_the_fxs_port_dialling_600_is_connected_without_the_inter_digit_timeout() {
    let _g = serial();
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, _sip) = e2e::start(dir, data.clone());
    d.wait_log(&["virtual analog line jack listening", "analog/1"]);
    let rec = data.join("fxs-echo.raw");
    let mut phone = analog::sim(
        "phone",
        &data,
        "fxs1.sock",
        &rec,
        &[
            "--script",
            "offhook; wait dialtone 8000; dial 600; sleep 3000; onhook; sleep 2500",
            "--exit-after",
            "30000",
        ],
    );
    phone.wait_for(WAIT, |v| v["event"] == "tone" && v["tone"] == "dial");
    // Waiting for the 8 s timeout, the phone would be on-hook again (3 s) and the digits
    // dropped: the number is reported, and the echo test answers, only if 600 completed.
    d.wait_log(&["the phone dialled", "number=600"]);
    d.wait_log(&["call answered"]);
    let lines = phone.finish_ok(WAIT);
    assert!(
        testkit::json::events(&lines, "script_done").len() == 1,
        "{lines:#?}"
    );
    d.wait_log(&["the phone hung up"]);
    stop(d);
}

#[test]
fn a_sip_call_to_1101_rings_the_analog_phone_with_caller_id_and_it_answers() {
    if !e2e::have_sipp() {
        return;
    }
    let _g = serial();
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, sip) = e2e::start(dir, data.clone());
    d.wait_log(&["virtual analog line jack listening", "analog/1"]);
    let rec = data.join("fxs-phone.raw");
    let mut phone = analog::sim(
        "phone",
        &data,
        "fxs1.sock",
        &rec,
        &[
            "--script",
            "wait ring 1 15000; wait cid 6000; wait ring 2 8000; answer; sleep 6000",
            "--exit-after",
            "40000",
        ],
    );
    on_line(&mut d, &mut phone, "analog/1");
    let (caller, _rtp) = call_from_1001(&sip, "1101");
    d.wait_log(&["ringing the phone", "calling=\"1001\""]);
    let cid = phone.wait_for(Duration::from_secs(15), |v| v["event"] == "cid");
    assert_eq!(
        cid["number"], "1001",
        "caller ID decoded by the analog phone"
    );
    let lines = phone.finish_ok(WAIT);
    let rings = testkit::json::events(&lines, "ring");
    assert!(rings.len() >= 2, "{lines:#?}");
    // Measured by the phone on a real-time line: a millisecond tick either way is the line's
    // pacing, not the cadence (the other standards' rings are 0.4, 1.5 or 2 s).
    let on = rings[0]["on_ms"].as_i64().unwrap_or(0);
    assert!(
        (990..=1010).contains(&on),
        "China cadence: 1 s of ring, measured {on} ms"
    );
    d.wait_log(&["the phone answered", "analog/1"]);
    // The caller hangs up 4 s after the answer (call_auth.xml).
    finish(caller, "caller 1001", WAIT);
    d.wait_log(&["call ended"]);
    stop(d);
}

#[test]
fn the_exchange_rings_the_fxo_port_and_the_call_follows_its_route_with_audio() {
    if !e2e::have_sipp() {
        return;
    }
    let _g = serial();
    // The FXO port's route: extension 1002 (a sipp phone) instead of the demo's IVR.
    let (dir, data) = e2e::seeded(|s| {
        let fxo = s.line_ports().unwrap()[1].id;
        assert!(s.delete_line_port(TEST, fxo).unwrap());
        s.add_line_port(
            TEST,
            &LinePortConfig::fxo(2, "virt:fxo2.sock", "1002", Some("carrier")),
        )
        .unwrap();
    });
    let (mut d, sip) = e2e::start(dir, data.clone());
    d.wait_log(&["virtual analog line jack listening", "analog/2"]);
    let (sip_phone, rtp_sock) = e2e::answering_phone(&mut d, &sip, "phone_answer.xml", "1002");
    let rec = data.join("co.raw");
    // The CO rings with caller ID; once the port answers: 3.5 s later (the SIP phone's
    // 800 Hz came in the first second) 1.5 s of 1 kHz, then it clears.
    let mut co = analog::sim(
        "co",
        &data,
        "fxo2.sock",
        &rec,
        &[
            "--ring",
            "--cid",
            "13800138000",
            "--script",
            "wait answered 20000; sleep 3500; tone 1000 1500; sleep 2500; hangup; sleep 1500",
            "--exit-after",
            "45000",
        ],
    );
    d.wait_log(&["caller ID received", "number=\"13800138000\""]);
    d.wait_log(&[
        "call started",
        "endpoint=analog/2",
        "called=1002",
        "calling=\"13800138000\"",
    ]);
    let l = d.wait_log(&["rtp session started"]);
    let daemon_rtp = rtp_port_of(&l);
    co.wait_for(WAIT, |v| v["event"] == "answered");
    let got = phone_media(
        &rtp_sock,
        ([127, 0, 0, 1], daemon_rtp).into(),
        &sine(800.0, 1000, 8000.0),
        "",
        Duration::from_millis(5000),
    );
    let lines = co.finish_ok(WAIT);
    assert_eq!(testkit::json::events(&lines, "script_done").len(), 1);
    d.wait_log(&["the exchange cleared the line"]);
    finish(sip_phone, "phone 1002", WAIT);

    let heard = analog::recorded(&rec);
    let on_line = tone_windows(&heard, 800.0);
    assert!(
        on_line >= 35,
        "the exchange heard only {on_line} x 20 ms of the SIP phone's 800 Hz ({} samples)",
        heard.len()
    );
    let on_rtp = tone_windows(&got.audio, 1000.0);
    assert!(
        on_rtp >= 50,
        "the SIP phone heard only {on_rtp} x 20 ms of the exchange's 1 kHz ({} packets)",
        got.packets
    );
    d.wait_log(&["call ended"]);
    stop(d);
}

#[test]
fn a_sip_phone_dials_out_on_the_fxo_line_and_the_exchange_gets_the_digits() {
    if !e2e::have_sipp() {
        return;
    }
    let _g = serial();
    let (dir, data) = e2e::seeded(|_| {});
    let (mut d, sip) = e2e::start(dir, data.clone());
    d.wait_log(&["virtual analog line jack listening", "analog/2"]);
    let rec = data.join("co.raw");
    let mut co = analog::sim(
        "co",
        &data,
        "fxo2.sock",
        &rec,
        &[
            "--script",
            "wait offhook 30000; wait onhook 30000",
            "--exit-after",
            "45000",
        ],
    );
    on_line(&mut d, &mut co, "analog/2");
    let (caller, _rtp) = call_from_1001(&sip, "0215550100");
    d.wait_log(&["seizing the line to dial", "called=0215550100"]);
    co.wait_for(WAIT, |v| v["event"] == "offhook");
    d.wait_log(&["dialling complete"]);
    // The caller hangs up 4 s after the answer; the port goes on-hook.
    finish(caller, "caller 1001", WAIT);
    let lines = co.finish_ok(WAIT);
    let digits: String = testkit::json::events(&lines, "digit")
        .iter()
        .map(|v| v["digit"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(digits, "0215550100", "DTMF digits the exchange received");
    assert!(
        testkit::json::events(&lines, "digit")
            .iter()
            .all(|v| v["pulse"] == false)
    );
    d.wait_log(&["trunk skipped", "span"]);
    stop(d);
}

#[test]
fn with_answer_supervision_the_fxo_call_is_answered_at_the_exchange_s_reversal() {
    if !e2e::have_sipp() {
        return;
    }
    let _g = serial();
    let (dir, data) = e2e::seeded(|s| {
        let fxo = s.line_ports().unwrap()[1].clone();
        let mut config = fxo.config;
        config.answer_on_polarity = true;
        s.execute(TEST, &store::Command::UpdateLinePort { id: fxo.id, config })
            .expect("answer supervision on");
    });
    let (mut d, sip) = e2e::start(dir, data.clone());
    d.wait_log(&["virtual analog line jack listening", "analog/2"]);
    let rec = data.join("co.raw");
    let mut co = analog::sim(
        "co",
        &data,
        "fxo2.sock",
        &rec,
        &[
            "--answer",
            "--answer-delay",
            "6000",
            "--script",
            "wait offhook 30000; wait onhook 30000",
            "--exit-after",
            "45000",
        ],
    );
    on_line(&mut d, &mut co, "analog/2");
    let (caller, _rtp) = call_from_1001(&sip, "0215550100");
    d.wait_log(&[
        "dialling complete: waiting for the exchange's answer",
        "analog/2",
    ]);
    d.wait_log(&["the far end answered (polarity reversal)", "analog/2"]);
    // The caller hangs up 4 s after the answer; the port goes on-hook.
    finish(caller, "caller 1001", Duration::from_secs(40));
    let lines = co.finish_ok(WAIT);
    let digits: String = testkit::json::events(&lines, "digit")
        .iter()
        .map(|v| v["digit"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(digits, "0215550100", "DTMF digits the exchange received");
    d.wait_log(&["call ended"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(8)).code(), Some(0));
    let st = store::Store::open(d.db()).expect("store");
    let cdrs = st
        .cdrs(store::Timestamp(0), store::Timestamp(i64::MAX), 10)
        .expect("cdrs");
    let c = cdrs
        .iter()
        .find(|c| c.callee.ends_with("215550100"))
        .unwrap_or_else(|| panic!("no CDR of the call: {cdrs:#?}"));
    let answer = c.answer.expect("answered");
    assert!(
        answer.0 - c.start.0 >= 6_000_000,
        "answered {} ms after the start: before the exchange's answer (6 s after the digits)",
        (answer.0 - c.start.0) / 1000
    );
}
