//! The real binary over the real socket: a simulated CO rings a simulated phone with the
//! China cadence and FSK V.23 caller ID between the first and second ring; the phone
//! decodes the caller ID, then answers at the second ring.
mod common;

use std::time::Duration;

use common::{co, events, first, sock, spawn};

#[test]
fn fsk_caller_id_then_answer_on_second_ring() {
    let dir = tempfile::tempdir().unwrap();
    let line = sock(dir.path(), "line");
    let co = co(
        &line,
        &[
            "--ring",
            "--cid",
            "13800138000",
            "--cid-mode",
            "fsk-v23",
            "--exit-after",
            "20000",
        ],
    );
    let phone = spawn(&[
        "phone",
        "--line",
        &line,
        "--cid-mode",
        "fsk-v23",
        "--script",
        "wait battery; wait ring 1 3000; wait cid 5000; wait ring 2 6000; answer; sleep 300",
    ]);
    let (status, lines) = phone.finish(Duration::from_secs(25));
    assert!(status.success(), "phone failed: {lines:#?}");
    first(&lines, "script_done");
    let cid = first(&lines, "cid");
    assert_eq!(cid["number"], "13800138000");
    let rings = events(&lines, "ring");
    assert_eq!(rings.len(), 2, "{lines:#?}");
    // China cadence, measured across two processes on a shared machine: generous margins.
    for r in &rings {
        let on = r["on_ms"].as_u64().unwrap();
        assert!((900..=1100).contains(&on), "ring on {on} ms");
    }
    let off = rings[1]["off_ms"].as_u64().unwrap();
    assert!((3800..=4200).contains(&off), "ring off {off} ms");
    assert!(cid["t_ms"].as_u64() < rings[1]["t_ms"].as_u64());
    // The CO saw the answer.
    let (_, co_lines) = {
        let mut co = co;
        co.wait_for(Duration::from_secs(5), |v| v["event"] == "answered");
        co.wait_for(Duration::from_secs(5), |v| v["event"] == "line_closed");
        co.finish(Duration::from_secs(5))
    };
    first(&co_lines, "cid_sent");
    assert_eq!(events(&co_lines, "ring_on").len(), 2);
}
