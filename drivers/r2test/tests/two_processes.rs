//! Two `r2-test` processes over one raw E1 virtual line (a Unix socket): a China call with
//! ANI, DNIS and category, answered, cleared by the caller; and a refused call.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use testkit::json::{Proc, first, sock};

const EXE: &str = env!("CARGO_BIN_EXE_r2-test");

fn names(ev: &[Value]) -> Vec<String> {
    ev.iter()
        .map(|e| e["event"].as_str().unwrap_or("").to_owned())
        .filter(|n| n != "digit" && n != "alarms")
        .collect()
}

fn run_pair(dir: &Path, callee: &[&str], caller: &[&str]) -> (Vec<Value>, Vec<Value>, bool) {
    let line = sock(dir, "line");
    let mut callee_args = vec!["--line", &line, "--listen", "--duration", "8000"];
    callee_args.extend_from_slice(callee);
    let mut caller_args = vec!["--line", &line, "--connect", "--duration", "8000"];
    caller_args.extend_from_slice(caller);
    let callee = Proc::spawn(EXE, &callee_args);
    let caller = Proc::spawn(EXE, &caller_args);
    // Both run at most --duration (8 s) of line time.
    let (caller_status, caller) = caller.finish(Duration::from_secs(30));
    // The callee ends when the caller closes the line, without an error.
    let callee = callee.finish_ok(Duration::from_secs(30));
    assert_eq!(
        callee.last().and_then(|e| e["event"].as_str()),
        Some("line_closed")
    );
    (caller, callee, caller_status.success())
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
    let offer = first(&callee, "incoming_call");
    assert_eq!(offer["dnis"], "654321");
    assert_eq!(offer["ani"], "13800138");
    assert_eq!(offer["category"], 5);
    let cleared = first(&callee, "cleared");
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
    let cleared = first(&caller, "cleared");
    assert_eq!(cleared["reason"], "busy");
}
