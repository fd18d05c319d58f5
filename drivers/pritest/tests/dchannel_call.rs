//! pri-test NT (listening) against pri-test TE (connecting) over a virtual D-channel socket:
//! the data link comes up on both, TE calls NT, NT answers, TE clears after 200 ms.

mod common;

use std::time::Duration;

use common::{counters, events, first, sock, spawn};

/// Only a bound: the caller stops when its call is over (`--exit-when-done`), the far end
/// when the socket closes, so a slow start-up cannot cut the call short.
const BOUND_MS: &str = "20000";

#[test]
fn te_calls_nt_over_dchannel_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "d");
    let nt = spawn(&[
        "--role",
        "nt",
        "--switchtype",
        "euroisdn",
        "--dchannel",
        &path,
        "--listen",
        "--auto-answer",
        "--exit-after",
        BOUND_MS,
    ]);
    let te = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &path,
        "--connect",
        "--call",
        "1234",
        "--from",
        "5678",
        "--hangup-after",
        "200",
        "--exit-when-done",
        "--exit-after",
        BOUND_MS,
    ]);
    let te = te.finish_ok(Duration::from_secs(10));
    let nt = nt.finish_ok(Duration::from_secs(10));
    for lines in [&te, &nt] {
        first(lines, "l2_up");
        let d = first(lines, "disconnect");
        assert_eq!(d["cause"], 16, "{lines:#?}");
        assert_eq!(d["cause_name"], "normal call clearing");
        first(lines, "release");
        first(lines, "connect");
        let c = counters(lines);
        assert_eq!(c["calls"]["connected"], 1);
        assert!(c["dchan"]["rx_frames"].as_u64().unwrap() >= 5, "{c}");
        assert_eq!(c["dchan"]["bad_fcs"], 0);
    }
    let ring = first(&nt, "ring");
    assert_eq!(ring["called"], "1234");
    assert_eq!(ring["calling"], "5678");
    let ch = ring["channel"].as_u64().unwrap();
    assert!((1..=31).contains(&ch) && ch != 16, "{ring}");
    first(&te, "alerting");
    assert_eq!(first(&te, "disconnect")["by"], "local");
    assert_eq!(first(&nt, "disconnect")["by"], "remote");
    assert_eq!(events(&te, "setup").len(), 1);
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    for args in [
        &["--role", "xx", "--dchannel", "unix:/x", "--listen"][..],
        &["--role", "te", "--dchannel", "/x", "--listen"],
        &["--role", "te", "--listen"],
        &["--role", "te", "--dchannel", "unix:/x"],
        &[
            "--role",
            "te",
            "--dchannel",
            "unix:/x",
            "--listen",
            "--impair",
            "ais",
        ],
        &[
            "--role", "te", "--line", "unix:/x", "--listen", "--impair", "fire",
        ],
    ] {
        let out = std::process::Command::new(common::EXE)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn socket_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/d");
    let out = std::process::Command::new(common::EXE)
        .args(["--role", "te", "--dchannel"])
        .arg(format!("unix:{}", missing.display()))
        .args(["--listen", "--exit-after", "500"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&missing.display().to_string()), "{err}");
}

#[test]
fn sigusr1_prints_counters() {
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "d");
    let mut nt = spawn(&[
        "--role",
        "nt",
        "--dchannel",
        &path,
        "--listen",
        "--exit-after",
        BOUND_MS,
    ]);
    let _te = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &path,
        "--connect",
        "--exit-after",
        BOUND_MS,
    ]);
    nt.wait_for(Duration::from_secs(10), |v| v["event"] == "l2_up");
    nt.signal("USR1");
    let c = nt.wait_for(Duration::from_secs(5), |v| v["event"] == "counters");
    assert_eq!(c["l2_up"], true);
    assert!(c["dchan"]["rx_frames"].as_u64().unwrap() >= 1);
}

/// Both ends TE (a common mistake on a back-to-back cable): each ignores the other's SABME
/// (wrong C/R bit), so the data link never comes up; frames still flow both ways.
#[test]
fn te_against_te_never_brings_the_link_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "d");
    let a = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &path,
        "--listen",
        "--exit-after",
        "1500",
    ]);
    let b = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &path,
        "--connect",
        "--exit-after",
        "1500",
    ]);
    let b = b.finish_ok(Duration::from_secs(10));
    let a = a.finish_ok(Duration::from_secs(10));
    for lines in [&a, &b] {
        assert!(events(lines, "l2_up").is_empty(), "{lines:#?}");
        let c = counters(lines);
        assert_eq!(c["l2_up"], false);
        assert!(c["dchan"]["rx_frames"].as_u64().unwrap() >= 1, "{c}");
    }
}
