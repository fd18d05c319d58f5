//! The real binary over the real socket: a simulated phone calls a simulated CO (dial tone
//! heard, digits by pulses and DTMF), and the CO clears the call by busy tone only, by a
//! polarity reversal, or by a battery drop; the phone releases each time.
mod common;

use std::time::Duration;

use common::{co, events, first, sock, spawn};
use serde_json::Value;

fn call(hangup: &str, answer_delay: &str, script: &str) -> (Vec<Value>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let line = sock(dir.path(), "line");
    let co = co(
        &line,
        &[
            "--answer",
            "--answer-delay",
            answer_delay,
            "--hangup",
            hangup,
            "--hangup-after",
            "500",
            "--exit-after",
            "25000",
        ],
    );
    let phone = spawn(&["phone", "--line", &line, "--script", script]);
    let (status, lines) = phone.finish(Duration::from_secs(28));
    assert!(status.success(), "phone failed: {lines:#?}");
    let (_, co_lines) = co.finish(Duration::from_secs(28));
    (lines, co_lines)
}

#[test]
fn pulse_and_dtmf_then_busy_tone_only() {
    let (phone, co) = call(
        "busy",
        "6000",
        "offhook; wait dialtone 5000; pulse 12; dial 3#; wait ringback 9000; \
         wait disconnected 12000; sleep 1500",
    );
    let digits: Vec<(String, bool)> = events(&co, "digit")
        .iter()
        .map(|d| (d["digit"].as_str().unwrap().to_owned(), d["pulse"] == true))
        .collect();
    assert_eq!(
        digits,
        [
            ("1".into(), true),
            ("2".into(), true),
            ("3".into(), false),
            ("#".into(), false)
        ]
    );
    assert_eq!(first(&co, "dialed")["number"], "123");
    assert_eq!(first(&phone, "disconnected")["reason"], "busy");
    // Within 3 s of the clear, in line time (both processes count 1 ms ticks from when the
    // line came up, a few ms apart; the phone's jitter buffer adds 40 ms).
    let cleared = first(&co, "hangup")["t_ms"].as_u64().unwrap();
    let released = first(&phone, "disconnected")["t_ms"].as_u64().unwrap();
    assert!(
        released > cleared && released - cleared < 3000,
        "cleared at {cleared}, released at {released}"
    );
    // No reversal and no battery drop were sent: busy tone was the only signal.
    assert!(events(&phone, "polarity").is_empty());
    assert_eq!(events(&phone, "battery").len(), 1);
    first(&co, "onhook");
}

#[test]
fn polarity_reversal() {
    let (phone, _) = call(
        "polarity",
        "200",
        "offhook; wait dialtone 5000; dial 5#; wait answered 4000; wait disconnected 3000",
    );
    assert_eq!(first(&phone, "disconnected")["reason"], "polarity");
}

#[test]
fn battery_drop() {
    let (phone, _) = call(
        "battery",
        "200",
        "offhook; wait dialtone 5000; dial 5#; sleep 900; wait disconnected 3000",
    );
    assert_eq!(first(&phone, "disconnected")["reason"], "battery");
    first(&phone, "battery");
}

/// The cause of an old flake, made deterministic: the CO process is stopped (SIGSTOP) for
/// 600 ms of wall clock during the first second of ringback, as a loaded scheduler may do.
/// Both ends count line time in lockstep, so the phone waits for the CO's packets instead
/// of hearing 600 ms of silence in the middle of the tone's first "on" (which broke the
/// 1 s on / 4 s off cadence, so the phone saw no ringback before the CO answered).
#[test]
fn ringback_heard_across_a_stalled_co() {
    let dir = tempfile::tempdir().unwrap();
    let line = sock(dir.path(), "line");
    let mut co = co(
        &line,
        &[
            "--answer",
            "--answer-delay",
            "6000",
            "--exit-after",
            "25000",
        ],
    );
    let phone = spawn(&[
        "phone",
        "--line",
        &line,
        "--script",
        "offhook; wait dialtone 5000; dial 5#; wait ringback 9000; onhook; sleep 300",
    ]);
    co.wait_for(Duration::from_secs(20), |v| v["event"] == "dialed");
    std::thread::sleep(Duration::from_millis(200));
    co.signal("STOP");
    std::thread::sleep(Duration::from_millis(600));
    co.signal("CONT");
    let (status, lines) = phone.finish(Duration::from_secs(28));
    assert!(status.success(), "phone failed: {lines:#?}");
    first(&lines, "script_done");
    assert!(
        events(&lines, "tone")
            .iter()
            .any(|t| t["tone"] == "ringback"),
        "{lines:#?}"
    );
    let exit = first(&lines, "exit");
    assert_eq!(exit["rx_late"], 0, "{exit}");
    assert_eq!(exit["rx_dropped"], 0, "{exit}");
}
