//! Two `r2-test` processes over one raw E1 virtual line (a Unix socket): a China call with
//! ANI, DNIS and category, answered, cleared by the caller; and a refused call.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

fn r2_test() -> Command {
    Command::new(env!("CARGO_BIN_EXE_r2-test"))
}

fn events(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn names(ev: &[Value]) -> Vec<String> {
    ev.iter()
        .map(|e| e["event"].as_str().unwrap_or("").to_owned())
        .filter(|n| n != "digit" && n != "alarms")
        .collect()
}

fn run_pair(dir: &Path, callee: &[&str], caller: &[&str]) -> (Vec<Value>, Vec<Value>, bool) {
    let line = format!("unix:{}", dir.join("line").display());
    let callee = r2_test()
        .args(["--line", &line, "--listen", "--duration", "8000"])
        .args(callee)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start callee");
    let caller = r2_test()
        .args(["--line", &line, "--connect", "--duration", "8000"])
        .args(caller)
        .output()
        .expect("run caller");
    let callee = callee.wait_with_output().expect("callee");
    // The callee ends when the caller closes the line, without an error.
    assert!(callee.status.success(), "callee failed");
    let callee = events(&callee.stdout);
    assert_eq!(
        callee.last().and_then(|e| e["event"].as_str()),
        Some("line_closed")
    );
    (events(&caller.stdout), callee, caller.status.success())
}

#[test]
fn answered_call_between_two_processes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (caller, callee, ok) = run_pair(
        dir.path(),
        &["--answer", "--max-dnis", "6", "--max-ani", "8"],
        &[
            "--call",
            "654321",
            "--ani",
            "13800138",
            "--category",
            "5",
            "--hangup-after",
            "300",
        ],
    );
    assert!(ok, "caller failed: {caller:?}");
    assert_eq!(
        names(&caller),
        ["accepted", "answered", "cleared", "idle", "done"],
        "{caller:?}"
    );
    let offer = callee
        .iter()
        .find(|e| e["event"] == "incoming_call")
        .expect("incoming call");
    assert_eq!(offer["dnis"], "654321");
    assert_eq!(offer["ani"], "13800138");
    assert_eq!(offer["category"], 5);
    let cleared = callee
        .iter()
        .find(|e| e["event"] == "cleared")
        .expect("cleared");
    assert_eq!(cleared["reason"], "clear_forward");
}

#[test]
fn refused_call_between_two_processes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (caller, _callee, ok) = run_pair(
        dir.path(),
        &["--reject", "busy", "--max-dnis", "4", "--variant", "itu"],
        &["--call", "1234", "--variant", "itu"],
    );
    assert!(ok, "caller failed: {caller:?}");
    let cleared = caller
        .iter()
        .find(|e| e["event"] == "cleared")
        .expect("cleared");
    assert_eq!(cleared["reason"], "busy");
}
