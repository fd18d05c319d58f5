//! A foreign tool attaches to the analog virtual line: the Python phone of
//! `docs/virtual-lines.md` (tests/peers/phone.py, standard library only) connects to the
//! real `analog-sim co`, sees battery, goes off-hook and hears 450 Hz dial tone; the CO
//! sees it go off-hook and on-hook again.
mod common;

use std::process::Command;
use std::time::Duration;

use common::{co, first, sock};

#[test]
fn python_phone_hears_dial_tone() {
    let dir = tempfile::tempdir().unwrap();
    let line = sock(dir.path(), "line");
    let mut co = co(&line, &["--exit-after", "20000"]);
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/phone.py"))
        .arg(line.strip_prefix("unix:").unwrap())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    first(&lines, "battery");
    let heard = first(&lines, "heard");
    assert_eq!(heard["strongest_hz"], 450, "{lines:?}");
    assert!(heard["samples"].as_u64().unwrap() > 4000);
    first(&lines, "done");
    co.wait_for(Duration::from_secs(5), |v| v["event"] == "offhook");
    co.wait_for(Duration::from_secs(5), |v| v["event"] == "onhook");
}
