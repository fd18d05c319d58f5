//! Failed authentication through the real daemon: a source (sipp on 127.0.0.2) registers
//! as 1001 with a wrong password six times in a row. Each attempt is challenged (401) and
//! refused (403); more than 5 failures within 60 s ban the source address for 10 minutes
//! (sip's `GuardConfig` defaults): the daemon logs `sip authentication failed … banned=true`
//! and from then on drops that source's requests unread, even with the right password (no
//! answer at all: sipp times out, and a plain REGISTER sent from a socket on 127.0.0.2 gets
//! nothing back). Another source (127.0.0.1) still registers 1001 with digest auth.
//! Skipped when sipp is missing; every wait is bounded.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::phones::{Phone, demo_daemon, have_sipp, register, stop};
use common::sipp::{finish, free_port};

const ATTACKER: &str = "127.0.0.2";

#[test]
fn repeated_wrong_passwords_ban_the_source_and_leave_others_alone() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    // Six failures from one source: 401, then 403 each time.
    finish(
        Phone::new(&sip, "register_bad_password.xml", "1001", "1001")
            .password("not-the-password")
            .ip(ATTACKER)
            .calls(6)
            .spawn(),
        "six wrong passwords",
        Duration::from_secs(20),
    );
    d.wait_log(&[
        "sip authentication failed",
        "source=127.0.0.2",
        "banned=false",
    ]);
    d.wait_log(&[
        "sip authentication failed",
        "source=127.0.0.2",
        "banned=true",
    ]);

    // Banned: the right password from that source gets no answer at all.
    let mut right = Phone::new(&sip, "register.xml", "1001", "1001")
        .ip(ATTACKER)
        .timeout(3)
        .spawn();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = right.try_wait().expect("wait") {
            break st;
        }
        assert!(Instant::now() < deadline, "sipp did not time out");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        !status.success(),
        "a banned source registered (sipp succeeded)"
    );
    let sock = UdpSocket::bind((ATTACKER, 0)).expect("bind 127.0.0.2");
    sock.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let me = sock.local_addr().unwrap();
    let probe = format!(
        "REGISTER sip:{sip} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKban1;rport\r\n\
         From: <sip:1001@{sip}>;tag=b1\r\nTo: <sip:1001@{sip}>\r\nCall-ID: ban-probe\r\n\
         CSeq: 1 REGISTER\r\nContact: <sip:1001@{me}>\r\nMax-Forwards: 70\r\n\
         Content-Length: 0\r\n\r\n"
    );
    sock.send_to(probe.as_bytes(), &sip).expect("send");
    let mut buf = [0u8; 4096];
    if let Ok((n, _)) = sock.recv_from(&mut buf) {
        panic!(
            "a banned source got an answer: {}",
            String::from_utf8_lossy(&buf[..n])
        );
    }

    // Another source is not affected.
    register(&mut d, &sip, "1001", free_port());
    stop(&mut d);
}
