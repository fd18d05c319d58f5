//! `--restart`: pri-test TE sends RESTART for the whole interface each time its data link
//! comes up; the real libpri 1.6 NT (the C peer) sees it (PRI_EVENT_RESTART) and
//! acknowledges, and pri-test prints both JSON events (restart sent, restart done).

mod common;

use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{connect, events, first, peer_exe, sock, spawn};

#[test]
fn restart_reaches_libpri_and_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let exe = peer_exe();
    let mut te = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &sock(dir.path(), "d"),
        "--listen",
        "--restart",
        "--exit-after",
        "20000",
    ]);
    let theirs = connect(&dir.path().join("d"));
    theirs.set_cloexec(false).unwrap();
    let mut peer = Command::new(exe)
        .arg(theirs.as_raw_fd().to_string())
        .arg("nt")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pri_peer");
    drop(theirs);
    // Stopped once the RESTART was acknowledged (or not), however long start-up took.
    te.wait_for(Duration::from_secs(15), |v| {
        v["event"] == "restart" && v.get("done").is_some()
    });
    te.signal("TERM");
    let te = te.finish_ok(Duration::from_secs(10));
    drop(peer.stdin.take());
    let _ = peer.kill();
    let peer_out: Vec<String> = BufReader::new(peer.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let _ = peer.wait();

    first(&te, "l2_up");
    let r = events(&te, "restart");
    assert_eq!(r.len(), 2, "{te:#?}");
    assert_eq!(
        (&r[0]["sent"], &r[0]["channel"]),
        (&serde_json::json!(true), &serde_json::Value::Null),
        "{te:#?}"
    );
    assert_eq!(
        (&r[1]["done"], &r[1]["channel"]),
        (&serde_json::json!(true), &serde_json::Value::Null),
        "RESTART ACKNOWLEDGE from libpri: {te:#?}"
    );
    let joined = peer_out.join("\n");
    assert!(joined.contains("EVENT PRI_EVENT_RESTART "), "{joined}");
}
