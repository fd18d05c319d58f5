//! `pri-test --switchtype qsig` on both ends of a virtual D-channel socket (QSIG basic call,
//! ECMA-143): PINX side A on the network role listens and answers, side B on the user role
//! calls and clears after 200 ms; both ends report the call and the variant they ran.

mod common;

use std::time::Duration;

use common::{counters, events, first, sock, spawn};

#[test]
fn qsig_side_b_calls_side_a_over_dchannel_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "d");
    let a = spawn(&[
        "--role",
        "nt",
        "--switchtype",
        "qsig",
        "--dchannel",
        &path,
        "--listen",
        "--auto-answer",
        "--exit-after",
        "20000",
    ]);
    let b = spawn(&[
        "--role",
        "te",
        "--switchtype",
        "qsig",
        "--dchannel",
        &path,
        "--connect",
        "--call",
        "2001",
        "--from",
        "1001",
        "--hangup-after",
        "200",
        "--exit-when-done",
        "--exit-after",
        "20000",
    ]);
    let b = b.finish_ok(Duration::from_secs(10));
    let a = a.finish_ok(Duration::from_secs(10));
    for lines in [&a, &b] {
        first(lines, "l2_up");
        first(lines, "connect");
        let d = first(lines, "disconnect");
        assert_eq!(d["cause"], 16, "{lines:#?}");
        assert_eq!(d["cause_name"], "normal call clearing");
        assert_eq!(first(lines, "release")["cause"], 16, "{lines:#?}");
        // A §5.8 complaint from either stack would surface as an error or a second
        // clearing; neither happens.
        assert!(events(lines, "error").is_empty(), "{lines:#?}");
        assert_eq!(events(lines, "release").len(), 1, "{lines:#?}");
        let c = counters(lines);
        assert_eq!(c["switchtype"], "qsig", "{c}");
        assert_eq!(c["calls"]["connected"], 1, "{c}");
        assert_eq!(c["calls"]["released"], 1, "{c}");
        assert_eq!(c["dchan"]["bad_fcs"], 0, "{c}");
    }
    let ring = first(&a, "ring");
    assert_eq!(ring["called"], "2001");
    assert_eq!(ring["calling"], "1001");
    let ch = ring["channel"].as_u64().unwrap();
    assert!((1..=31).contains(&ch) && ch != 16, "{ring}");
    assert_eq!(first(&a, "connect")["channel"], ring["channel"]);
    first(&b, "alerting");
    assert_eq!(first(&b, "disconnect")["by"], "local");
    assert_eq!(first(&a, "disconnect")["by"], "remote");
    assert_eq!(events(&b, "setup").len(), 1);
}

#[test]
fn euroisdn_is_the_default_switchtype() {
    let dir = tempfile::tempdir().unwrap();
    let path = sock(dir.path(), "d");
    let mut nt = spawn(&[
        "--role",
        "nt",
        "--dchannel",
        &path,
        "--listen",
        "--exit-after",
        "20000",
    ]);
    let mut te = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &path,
        "--connect",
        "--exit-after",
        "20000",
    ]);
    // Stopped once both links are up, however long that took.
    for p in [&mut te, &mut nt] {
        p.wait_for(Duration::from_secs(10), |v| v["event"] == "l2_up");
    }
    te.signal("TERM");
    nt.signal("TERM");
    for lines in [
        te.finish_ok(Duration::from_secs(10)),
        nt.finish_ok(Duration::from_secs(10)),
    ] {
        first(&lines, "l2_up");
        assert_eq!(counters(&lines)["switchtype"], "euroisdn", "{lines:#?}");
    }
}
