//! PROGRESS and NOTIFY through pri-test, one JSON event each: pri-test NT answers with
//! `--inband-progress` (PROGRESS, in-band information available, after CALL PROCEEDING) and
//! `--notify 121` (NOTIFY remote hold once connected); pri-test TE prints `progress` and
//! `notify`, and sends `--notify 122` back, which the NT prints. The TE stops when its call
//! is over (`--exit-when-done`), the NT when the socket closes; `--exit-after` is a bound.

mod common;

use std::time::Duration;

use common::{first, sock, spawn};

#[test]
fn progress_and_notify_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "d");
    let nt = spawn(&[
        "--role",
        "nt",
        "--dchannel",
        &path,
        "--listen",
        "--auto-answer",
        "--inband-progress",
        "--notify",
        "121",
        "--exit-after",
        "20000",
    ]);
    let te = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &path,
        "--connect",
        "--call",
        "1234",
        "--notify",
        "122",
        "--hangup-after",
        "300",
        "--exit-when-done",
        "--exit-after",
        "20000",
    ]);
    let te = te.finish_ok(Duration::from_secs(10));
    let nt = nt.finish_ok(Duration::from_secs(10));
    let p = first(&te, "progress");
    assert_eq!(p["description"], 8, "in-band information available: {p}");
    assert_eq!(p["cause"], serde_json::Value::Null, "{p}");
    assert_eq!(first(&te, "notify")["description"], 121, "{te:#?}");
    assert_eq!(first(&nt, "notify")["description"], 122, "{nt:#?}");
    // PROGRESS came between proceeding and connect at the TE.
    let pos = |name: &str| te.iter().position(|v| v["event"] == name).unwrap();
    assert!(pos("proceeding") < pos("progress") && pos("progress") < pos("connect"));
    first(&te, "release");
}
