//! Faults injected by pri-test TE on what it transmits over the raw E1 line (`--impair`,
//! from 800 ms for 400 ms), seen by pri-test NT at the far end; after each fault the
//! D-channel is (or comes back) up and a call placed afterwards succeeds. On LOS and AIS
//! the NT loses layer 1: its data link goes down with the alarm (l2_down) and comes back
//! up by itself after the alarm clears (l2_up), then a call connects.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{counters, events, sock, spawn};
use serde_json::Value;

/// One pair at a time: they run in real time, paced at 8000 frames/s.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs NT against a TE impairing `faults`, both exiting after `exit_ms`; returns (TE
/// lines, NT lines). LOS and AIS need 6 s: a SETUP the TE sends while the NT's data link is
/// down is discarded with the I queue when the NT re-establishes (Q.921 §5.7), and only
/// T303 (4 s) sends it again.
fn run(faults: &str, exit_ms: &str) -> (Vec<Value>, Vec<Value>) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "l");
    let nt = spawn(&[
        "--role",
        "nt",
        "--line",
        &path,
        "--listen",
        "--auto-answer",
        "--recovery-ms",
        "50",
        "--exit-after",
        exit_ms,
    ]);
    let te = spawn(&[
        "--role",
        "te",
        "--line",
        &path,
        "--connect",
        "--call",
        "100",
        "--calls",
        "5",
        "--call-interval",
        "300",
        "--hangup-after",
        "100",
        "--recovery-ms",
        "50",
        "--impair",
        faults,
        "--impair-at",
        "800",
        "--impair-for",
        "400",
        "--exit-after",
        exit_ms,
    ]);
    let te = te.finish(Duration::from_secs(15));
    let nt = nt.finish(Duration::from_secs(15));
    // A call connected after the fault was removed, on both sides.
    for lines in [&te, &nt] {
        let off = lines
            .iter()
            .position(|v| v["event"] == "impair" && v["on"] == false)
            .map_or(0, |i| i);
        assert!(
            lines[off..].iter().any(|v| v["event"] == "connect"),
            "no call after the fault: {lines:#?}"
        );
        assert_eq!(counters(lines)["l2_up"], true, "{lines:#?}");
    }
    assert!(events(&te, "impair").len() == 2, "{te:#?}");
    (te, nt)
}

fn alarm(lines: &[Value], name: &str, raised: bool) -> bool {
    lines
        .iter()
        .any(|v| v["event"] == "alarm" && v["name"] == name && v["raised"] == raised)
}

/// Index of the first line at or after `from` that `pred` accepts.
fn after(lines: &[Value], from: usize, pred: impl Fn(&Value) -> bool) -> Option<usize> {
    lines[from..].iter().position(pred).map(|i| from + i)
}

/// At the end in `alarm`: the data link is released when the alarm is raised (layer 1
/// lost), comes back up after it clears, and a call connects after that.
fn link_drops_and_returns(lines: &[Value], alarm_name: &str) {
    let is = |name: &'static str| move |v: &Value| v["event"] == name;
    let first_up = after(lines, 0, is("l2_up")).unwrap_or(0);
    let raised = after(lines, first_up, |v| {
        v["event"] == "alarm" && v["name"] == alarm_name && v["raised"] == true
    })
    .unwrap_or_else(|| panic!("no {alarm_name}: {lines:#?}"));
    assert!(
        lines[..raised].iter().any(is("l2_up")),
        "the link was not up before {alarm_name}: {lines:#?}"
    );
    let down = after(lines, raised, is("l2_down"))
        .unwrap_or_else(|| panic!("no l2_down after {alarm_name}: {lines:#?}"));
    let cleared = after(lines, raised, |v| {
        v["event"] == "alarm" && v["name"] == alarm_name && v["raised"] == false
    })
    .unwrap_or_else(|| panic!("{alarm_name} never cleared: {lines:#?}"));
    let up = after(lines, down.max(cleared), is("l2_up"))
        .unwrap_or_else(|| panic!("no l2_up after the alarm cleared: {lines:#?}"));
    assert!(
        after(lines, up, is("connect")).is_some(),
        "no call after the link came back: {lines:#?}"
    );
}

#[test]
fn bit_errors_count_crc4_errors_far_and_ebits_near() {
    let (te, nt) = run("ber=1e-4,seed=3", "3500");
    let (tc, nc) = (counters(&te), counters(&nt));
    assert!(tc["impair"]["bits_flipped"].as_u64().unwrap() > 10, "{tc}");
    assert!(
        nc["line"]["crc4"].as_u64().unwrap() > 0,
        "far end CRC-4 errors: {nc}"
    );
    assert!(
        tc["line"]["ebit"].as_u64().unwrap() > 0,
        "E-bits back at the impaired side: {tc}"
    );
}

#[test]
fn ais_is_blue_at_the_far_end_and_rai_comes_back() {
    let (te, nt) = run("ais", "6000");
    link_drops_and_returns(&nt, "BLUE");
    assert!(
        alarm(&nt, "BLUE", true) && alarm(&nt, "BLUE", false),
        "{nt:#?}"
    );
    assert!(
        alarm(&te, "YELLOW", true) && alarm(&te, "YELLOW", false),
        "{te:#?}"
    );
}

#[test]
fn los_is_red_at_the_far_end() {
    let (te, nt) = run("los", "6000");
    link_drops_and_returns(&nt, "RED");
    assert!(
        alarm(&nt, "RED", true) && alarm(&nt, "RED", false),
        "{nt:#?}"
    );
    assert!(alarm(&nt, "LOS", true), "{nt:#?}");
    assert!(alarm(&te, "YELLOW", true), "{te:#?}");
}

#[test]
fn slips_are_counted() {
    let (te, nt) = run("slip=500", "3500");
    assert!(counters(&te)["impair"]["frames_deleted"].as_u64().unwrap() >= 5);
    assert!(
        counters(&nt)["line"]["slips"].as_u64().unwrap() >= 1,
        "{nt:#?}"
    );
    assert!(!events(&nt, "slip").is_empty());
}
