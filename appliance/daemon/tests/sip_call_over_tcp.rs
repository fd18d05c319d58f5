//! The basic call with the caller on TCP (sipp `-t t1`): 1001 calls 1002 over one TCP
//! connection to the daemon (INVITE, 407, ACK, INVITE with credentials, 200, ACK, BYE all
//! framed by Content-Length on the stream); 1002 is a registered UDP phone. Audio flows
//! 1001 -> 1002 and the CDR is written. Skipped when sipp is missing; every wait is bounded.

mod common;

use std::time::Duration;

use common::phones::{
    Phone, audio, cdrs, daemon_rtp_port, demo_daemon, have_sipp, register, rtp_socket, stop,
};
use common::sipp::{finish, free_port};
use store::cdr::Disposition;

#[test]
fn phone_on_tcp_calls_a_registered_phone() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let b_port = free_port();
    register(&mut d, &sip, "1002", b_port);
    let (b_sock, b_rtp) = rtp_socket();
    let b = Phone::new(&sip, "agent_phone.xml", "1002", "1002")
        .port(b_port)
        .rtp(b_rtp)
        .spawn();
    let (a_sock, a_rtp) = rtp_socket();
    let a = Phone::new(&sip, "call_auth.xml", "1001", "1002")
        .rtp(a_rtp)
        .tcp()
        .spawn();
    d.wait_log(&["sip incoming call", "called=1002", "endpoint=sip/1001"]);
    let b_leg = daemon_rtp_port(&mut d, b_rtp);
    let a_leg = daemon_rtp_port(&mut d, a_rtp);
    let (heard, total) = audio(&a_sock, a_leg, &b_sock, b_leg, [0x1a, 0x9a, 0x2b, 0xab], 50);
    assert!(heard >= 10, "1002 heard {heard} of {total} packets of 1001");
    finish(a, "1001 calls over TCP", Duration::from_secs(20));
    finish(b, "1002 answers", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    stop(&mut d);
    let cdrs = cdrs(&d);
    assert_eq!(cdrs.len(), 1, "{cdrs:#?}");
    assert_eq!(cdrs[0].disposition, Disposition::Answered);
    assert_eq!(cdrs[0].src_channel, "sip/1001");
}
