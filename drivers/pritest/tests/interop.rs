//! pri-test against the real libpri 1.6 (the C peer `drivers/isdn/tests/peers/pri_peer.c`,
//! compiled here with `cc -lpri`), and pri-test's `--pcap` capture read back by the real
//! tshark. Both need `make deps` (gcc, libpri-dev, tshark).
//!
//! The peer takes an inherited socket by fd number: pri-test listens on a path, this test
//! connects to it and passes the connected socket to the peer.

mod common;

use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{connect, counters, first, peer_exe, sock, spawn};

#[test]
fn pri_test_te_calls_libpri_nt() {
    let dir = tempfile::tempdir().unwrap();
    let exe = peer_exe();
    let path = dir.path().join("d");
    let pcap = dir.path().join("te.pcap");
    let te = spawn(&[
        "--role",
        "te",
        "--dchannel",
        &sock(dir.path(), "d"),
        "--listen",
        "--call",
        "4321",
        "--from",
        "1111",
        "--hangup-after",
        "300",
        "--exit-when-done",
        "--exit-after",
        "20000",
        "--pcap",
        pcap.to_str().unwrap(),
    ]);
    let theirs = connect(&path);
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
    let te = te.finish_ok(Duration::from_secs(10));
    drop(peer.stdin.take());
    let _ = peer.kill();
    let peer_out: Vec<String> = BufReader::new(peer.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let _ = peer.wait();

    first(&te, "l2_up");
    first(&te, "connect");
    let d = first(&te, "disconnect");
    assert_eq!(
        (d["cause"].as_u64(), d["by"].as_str()),
        (Some(16), Some("local"))
    );
    first(&te, "release");
    assert_eq!(counters(&te)["calls"]["connected"], 1);
    let joined = peer_out.join("\n");
    assert!(joined.contains("DCHAN_UP"), "{joined}");
    assert!(
        joined.contains("EVENT Ring") || joined.contains("RING"),
        "{joined}"
    );
    assert!(joined.contains("called=4321"), "{joined}");

    // The capture of that call: tshark decodes it whole.
    let file = pcap.to_str().unwrap();
    let bad = tshark(&[
        "-r",
        file,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x00600000",
    ]);
    assert!(bad.trim().is_empty(), "malformed packets:\n{bad}");
    let types: Vec<u8> = tshark(&["-r", file, "-T", "fields", "-e", "q931.message_type"])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| u8::from_str_radix(l.trim().trim_start_matches("0x"), 16).unwrap())
        .collect();
    // SETUP 0x05, CONNECT 0x07, RELEASE COMPLETE 0x5a, in that order.
    let pos = |t: u8| {
        types
            .iter()
            .position(|&x| x == t)
            .unwrap_or_else(|| panic!("{t:#x} not in {types:x?}"))
    };
    assert!(pos(0x05) < pos(0x07) && pos(0x07) < pos(0x5a), "{types:x?}");
    let verbose = tshark(&["-r", file, "-V"]);
    for want in ["SETUP", "CONNECT", "RELEASE COMPLETE"] {
        assert!(verbose.contains(want), "tshark -V lacks {want}");
    }
}

#[test]
fn libpri_te_calls_pri_test_nt() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let exe = peer_exe();
    let path = dir.path().join("d");
    let mut nt = spawn(&[
        "--role",
        "nt",
        "--dchannel",
        &sock(dir.path(), "d"),
        "--listen",
        "--auto-answer",
        "--hangup-after",
        "300",
        "--exit-after",
        "20000",
    ]);
    let theirs = connect(&path);
    theirs.set_cloexec(false).unwrap();
    let mut peer = Command::new(exe)
        .arg(theirs.as_raw_fd().to_string())
        .arg("te")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pri_peer");
    drop(theirs);
    let mut stdin = peer.stdin.take().unwrap();
    let stdout = peer.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut peer_out = Vec::new();
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while let Ok(l) = rx.recv_timeout(end.saturating_duration_since(std::time::Instant::now())) {
        let up = l.contains("DCHAN_UP");
        peer_out.push(l);
        if up {
            writeln!(stdin, "call 5550 1").unwrap();
            stdin.flush().unwrap();
            break;
        }
    }
    // Stopped once the call it cleared is released, however long start-up took.
    nt.wait_for(Duration::from_secs(15), |v| v["event"] == "release");
    nt.signal("TERM");
    let nt = nt.finish_ok(Duration::from_secs(10));
    drop(stdin);
    let _ = peer.kill();
    let _ = peer.wait();
    peer_out.extend(rx.try_iter());
    first(&nt, "l2_up");
    let ring = first(&nt, "ring");
    assert_eq!(
        (ring["called"].as_str(), ring["channel"].as_u64()),
        (Some("5550"), Some(1))
    );
    first(&nt, "connect");
    let d = first(&nt, "disconnect");
    assert_eq!(
        (d["cause"].as_u64(), d["by"].as_str()),
        (Some(16), Some("local"))
    );
    first(&nt, "release");
    let joined = peer_out.join("\n");
    assert!(joined.contains("DCHAN_UP"), "{joined}");
}

fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(args)
        .output()
        .expect("cannot run tshark; install it with `make deps` (Debian package tshark)");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
