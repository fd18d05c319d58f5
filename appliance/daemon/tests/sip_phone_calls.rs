//! SIP phones against the real binary with sipp (Debian sip-tester): a phone registers with
//! digest auth, then calls the echo test (600: the RTP it sends comes back) and the test
//! tone (601: the 1 kHz digital milliwatt arrives as RTP). sipp does the signalling; the
//! test owns the RTP socket named in sipp's SDP. Skipped with a message when sipp is
//! missing. Every run is bounded (sipp `-m 1 -timeout`, the daemon's log waits).

mod common;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Daemon;
use common::sipp::{SIPP, finish, free_port, rtp_port_of, scenario};
use nix::sys::signal::Signal;

/// The digital milliwatt (ITU-T G.711 Table 5), A-law: what 601 sends.
const MILLIWATT: [u8; 8] = [0x34, 0x21, 0x21, 0x34, 0xb4, 0xa1, 0xa1, 0xb4];

fn have_sipp() -> bool {
    if std::path::Path::new(SIPP).exists() {
        return true;
    }
    eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
    false
}

fn sipp(sip: &str, xml: &str, user: &str, service: &str, rtp_port: u16) -> std::process::Child {
    Command::new(SIPP)
        .arg(sip)
        .args(["-sf", &scenario(xml)])
        .args(["-s", service, "-au", user, "-ap", &format!("demo{user}")])
        // sipp's digest uri defaults to host:port only; the UA checks it against the
        // Request-URI (RFC 2617 §3.2.2.5).
        .args(if xml == "register.xml" {
            vec![]
        } else {
            vec!["-auth_uri".to_owned(), format!("{service}@{sip}")]
        })
        .args([
            "-key",
            "user",
            user,
            "-key",
            "rtp_port",
            &rtp_port.to_string(),
        ])
        .args(["-nostdin", "-m", "1", "-timeout", "15", "-timeout_error"])
        .args(["-i", "127.0.0.1", "-p", &free_port().to_string()])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp")
}

/// An RTP packet: PCMA, 20 ms of `payload`.
fn rtp(seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 8];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn start() -> (Daemon, String) {
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let sip = d.sip_addr();
    (d, sip)
}

#[test]
fn a_phone_registers_and_hears_its_echo_on_600() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = start();
    finish(
        sipp(&sip, "register.xml", "1001", "1001", 0),
        "register",
        Duration::from_secs(20),
    );
    d.wait_log(&["sip registered", "aor=1001"]);

    let sock = UdpSocket::bind("127.0.0.1:0").expect("rtp socket");
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    // Another account places the call, so a second account's digest is covered too. (This
    // once worked around sipp reusing nc=1 for every digest; each challenge now carries a
    // fresh nonce, see sip's digest_auth.rs, so the registering account could call as well.)
    let call = sipp(&sip, "call_auth.xml", "1003", "600", port);
    let l = d.wait_log(&["rtp session started"]);
    let theirs = rtp_port_of(&l);
    d.wait_log(&["playing", "EchoTest"]);
    // 100 packets (2 s, paced) of a recognisable pattern; the echo must bring it back.
    let code = [0x1a, 0x9a, 0x2b, 0xab];
    let pattern: Vec<u8> = (0..160).map(|i| code[i % 4]).collect();
    let mut heard = 0;
    let (mut total, mut last) = (0, Vec::new());
    let mut buf = [0u8; 2048];
    let t0 = Instant::now();
    for i in 0..100u16 {
        let next = t0 + Duration::from_millis(20 * (u64::from(i) + 1));
        sock.send_to(&rtp(i, u32::from(i) * 160, &pattern), ("127.0.0.1", theirs))
            .expect("send rtp");
        while Instant::now() < next {
            if let Ok((n, _)) = sock.recv_from(&mut buf)
                && n > 12
                && buf[1] & 0x7f == 8
            {
                total += 1;
                last = buf[12..n].to_vec();
                if buf[12..n].iter().filter(|b| code.contains(b)).count() * 2 > n - 12 {
                    heard += 1;
                }
            }
        }
    }
    assert!(
        heard >= 10,
        "only {heard} of {total} echoed packets carried our audio; last {last:02x?}"
    );
    finish(call, "call 600", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}

#[test]
fn a_phone_calling_601_receives_the_digital_milliwatt() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = start();
    let sock = UdpSocket::bind("127.0.0.1:0").expect("rtp socket");
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    let call = sipp(&sip, "call_auth.xml", "1002", "601", port);
    let l = d.wait_log(&["rtp session started"]);
    let theirs = rtp_port_of(&l);
    let mut tone = 0;
    let mut buf = [0u8; 2048];
    let until = Instant::now() + Duration::from_secs(2);
    let mut seq = 0u16;
    while Instant::now() < until && tone < 20 {
        // Our own packets let the daemon latch (symmetric RTP).
        let _ = sock.send_to(
            &rtp(seq, u32::from(seq) * 160, &[0xd5; 160]),
            ("127.0.0.1", theirs),
        );
        seq = seq.wrapping_add(1);
        if let Ok((n, _)) = sock.recv_from(&mut buf)
            && n == 172
            && buf[12..n].windows(8).any(|w| w == MILLIWATT)
        {
            tone += 1;
        }
    }
    assert!(tone >= 20, "only {tone} packets of 1 kHz tone");
    finish(call, "call 601", Duration::from_secs(20));
    d.signal(Signal::SIGTERM);
    assert_eq!(d.wait_exit(Duration::from_secs(6)).code(), Some(0));
}
