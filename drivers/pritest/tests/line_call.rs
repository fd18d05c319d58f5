//! pri-test over the raw E1 virtual line (`--line`): the framer reaches frame and CRC-4
//! multiframe sync, the D-channel (HDLC on TS16) comes up, and a call is set up and cleared.

mod common;

use std::time::Duration;

use common::{counters, events, first, sock, spawn};

/// Only a bound: the TE stops when its call is over (`--exit-when-done`), the NT when the
/// line closes, so a slow start-up on a loaded machine cannot cut the call short.
const BOUND_MS: &str = "20000";

#[test]
fn te_calls_nt_over_raw_e1_line_with_crc4() {
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
        "2000",
        "--from",
        "3000",
        "--hangup-after",
        "200",
        "--recovery-ms",
        "50",
        "--exit-when-done",
        "--exit-after",
        BOUND_MS,
    ]);
    let te = te.finish_ok(Duration::from_secs(10));
    let nt = nt.finish_ok(Duration::from_secs(10));
    for lines in [&te, &nt] {
        assert!(
            events(lines, "sync")
                .iter()
                .any(|v| v["crc4"] == true && v["frame"] == true),
            "{lines:#?}"
        );
        first(lines, "l2_up");
        first(lines, "connect");
        assert_eq!(first(lines, "disconnect")["cause"], 16);
        let c = counters(lines);
        assert_eq!(c["calls"]["connected"], 1, "{c}");
        assert_eq!(c["line"]["crc4"], 0, "{c}");
        assert_eq!(c["line"]["slips"], 0, "{c}");
        assert_eq!(c["line"]["alarms"], serde_json::json!([]), "{c}");
        // The run now ends when the call is done (--exit-when-done), so the line carried at
        // least the call's 200 ms hold time of frames (1,600), not a fixed second.
        assert!(c["line"]["rx_frames"].as_u64().unwrap() > 1600, "{c}");
    }
    let ring = first(&nt, "ring");
    assert_eq!(
        (ring["called"].as_str(), ring["calling"].as_str()),
        (Some("2000"), Some("3000"))
    );
}
