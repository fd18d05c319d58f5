//! RTP ports something else on the host already holds: the daemon's RTP range starts with
//! pairs this test has bound (as another daemon or a test's peer would), and a call from
//! phone 1001 to phone 1002 (sipp) still connects with audio both ways: both the incoming
//! leg and the outgoing one skip the taken pairs instead of failing the call (#47 before,
//! for the outgoing leg). Skipped when sipp is missing; every wait is bounded.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::Daemon;
use common::phones::{Phone, audio, daemon_rtp_port, have_sipp, register, rtp_socket, stop};
use common::sipp::{finish, free_port};

#[test]
fn a_call_connects_when_the_first_rtp_port_pairs_are_taken_on_the_host() {
    if !have_sipp() {
        return;
    }
    // A free block of 64 ports, its first 20 pairs held by "someone else".
    let base = loop {
        let p = free_port() & !1;
        if p < 60_000 && (p..p + 40).all(|q| UdpSocket::bind(("127.0.0.1", q)).is_ok()) {
            break p;
        }
    };
    let held: Vec<UdpSocket> = (0..20)
        .map(|i| UdpSocket::bind(("127.0.0.1", base + 2 * i)).expect("hold"))
        .collect();
    let range = format!("{base}-{}", base + 63);
    let mut d = Daemon::start(&[
        "--demo",
        "--carrier-interval-ms",
        "0",
        "--drain-secs",
        "1",
        "--rtp-ports",
        &range,
    ]);
    d.wait_notify("READY=1");
    let sip = d.sip_addr();
    let b_port = free_port();
    register(&mut d, &sip, "1002", b_port);
    register(&mut d, &sip, "1001", free_port());
    let (b_sock, b_rtp) = rtp_socket();
    let b = Phone::new(&sip, "agent_phone.xml", "1002", "1002")
        .port(b_port)
        .rtp(b_rtp)
        .spawn();
    let (a_sock, a_rtp) = rtp_socket();
    let a = Phone::new(&sip, "call_auth.xml", "1001", "1002")
        .rtp(a_rtp)
        .spawn();
    let b_leg = daemon_rtp_port(&mut d, b_rtp);
    let a_leg = daemon_rtp_port(&mut d, a_rtp);
    for leg in [a_leg, b_leg] {
        assert!(
            (base + 40..=base + 63).contains(&leg),
            "leg on {leg}: not past the held pairs of {range}"
        );
    }
    let (heard, total) = audio(&a_sock, a_leg, &b_sock, b_leg, [0x1a, 0x9a, 0x2b, 0xab], 50);
    assert!(heard >= 10, "1002 heard {heard} of {total} packets of 1001");
    finish(a, "1001 calls 1002", Duration::from_secs(20));
    finish(b, "1002 answers", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    stop(&mut d);
    drop(held);
}
