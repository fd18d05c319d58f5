//! Faults injected by pri-test TE on what it transmits over the raw E1 line (`--impair`,
//! 800 ms after the data link first came up, for 400 ms), seen by pri-test NT at the far
//! end; after each fault the D-channel is (or comes back) up and the calls, held until the
//! fault is removed (`--calls-after-impair`), succeed. On LOS and AIS the NT loses layer 1:
//! its data link goes down with the alarm (l2_down) and comes back up by itself after the
//! alarm clears (l2_up), then a call connects.
//!
//! Nothing here depends on how fast the machine starts the pair: the fault is timed from
//! the first l2_up, the calls from the end of the fault, and the TE stops when its calls are
//! over (`--exit-when-done`, the NT stops when the line closes); `--exit-after` is only a
//! bound.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{counters, events, first, sock, spawn};
use serde_json::Value;

/// One pair at a time: they run in real time, paced at 8000 frames/s.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs NT against a TE impairing `faults`; returns (TE lines, NT lines). The bound is
/// generous: should a SETUP still meet the NT's data link down (it is discarded with the I
/// queue when the NT re-establishes, Q.921 §5.7), T303 (4 s) sends it again.
fn run(faults: &str) -> (Vec<Value>, Vec<Value>) {
    const BOUND_MS: &str = "20000";
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
        BOUND_MS,
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
        "2",
        "--calls-after-impair",
        "--exit-when-done",
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
        BOUND_MS,
    ]);
    let te = te.finish_ok(Duration::from_secs(25));
    let nt = nt.finish_ok(Duration::from_secs(25));
    // The fault came on after the data link was up, and went off again.
    let first_up = after(&te, 0, |v| v["event"] == "l2_up").expect("TE l2_up");
    let on = after(&te, 0, |v| v["event"] == "impair" && v["on"] == true).expect("impair on");
    let off = after(&te, on, |v| v["event"] == "impair" && v["on"] == false)
        .unwrap_or_else(|| panic!("the fault never went off: {te:#?}"));
    assert!(first_up < on, "fault before the data link came up: {te:#?}");
    assert_eq!(events(&te, "impair").len(), 2, "{te:#?}");
    // Both calls were placed after the fault and connected.
    assert!(
        te[..off].iter().all(|v| v["event"] != "setup"),
        "a call before the fault ended: {te:#?}"
    );
    assert_eq!(counters(&te)["calls"]["connected"], 2, "{te:#?}");
    assert_eq!(first(&te, "exit")["reason"], "calls done", "{te:#?}");
    // On the NT too, a call connected after the fault (the NT's view of it: its first ring
    // comes after the TE removed it), and the link is up at the end on both sides.
    assert_eq!(counters(&nt)["calls"]["connected"], 2, "{nt:#?}");
    for lines in [&te, &nt] {
        assert_eq!(counters(lines)["l2_up"], true, "{lines:#?}");
    }
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
    let (te, nt) = run("ber=1e-4,seed=3");
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
    let (te, nt) = run("ais");
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
    let (te, nt) = run("los");
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
    let (te, nt) = run("slip=500");
    assert!(counters(&te)["impair"]["frames_deleted"].as_u64().unwrap() >= 5);
    assert!(
        counters(&nt)["line"]["slips"].as_u64().unwrap() >= 1,
        "{nt:#?}"
    );
    assert!(!events(&nt, "slip").is_empty());
}
