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
