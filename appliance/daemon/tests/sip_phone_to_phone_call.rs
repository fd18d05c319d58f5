//! Two sipp phones through the real daemon: 1001 and 1002 register with digest auth (MD5,
//! as the demo accounts offer first), 1002's phone waits on its registered contact, 1001
//! calls 1002 (407 challenge, credentials), 1002 rings and answers, audio flows both ways
//! through the daemon's two RTP legs (relayed whole), a digit 1001 sends as RFC 4733 reaches
//! 1002 as RFC 4733, 1001 hangs up (BYE, and the daemon's BYE to 1002).
//! The store then holds one answered internal CDR and the call's start/answer/end rows.
//! Skipped when sipp is missing; every wait is bounded.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::phones::{
    Phone, audio, cdrs, daemon_rtp_port, demo_daemon, events, have_sipp, register, rtp, rtp_socket,
    stop,
};
use common::sipp::{finish, free_port};
use common::{get, metric};
use store::cdr::{Direction, Disposition};
use store::events::EventKind;

#[test]
fn phone_1001_calls_registered_phone_1002_and_the_cdr_is_written() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let b_port = free_port();
    register(&mut d, &sip, "1002", b_port);
    register(&mut d, &sip, "1001", free_port());

    let (b_sock, b_rtp) = rtp_socket();
    let b = Phone::new(&sip, "phone_answer.xml", "1002", "1002")
        .port(b_port)
        .rtp(b_rtp)
        .spawn();
    let (a_sock, a_rtp) = rtp_socket();
    let a = Phone::new(&sip, "call_auth.xml", "1001", "1002")
        .rtp(a_rtp)
        .spawn();
    d.wait_log(&["sip incoming call", "called=1002", "endpoint=sip/1001"]);
    let b_leg = daemon_rtp_port(&mut d, b_rtp);
    let a_leg = daemon_rtp_port(&mut d, a_rtp);
    // 1001 -> 1002, then 1002 -> 1001 (1 s each, inside the 4 s the call is held).
    let (heard, total) = audio(&a_sock, a_leg, &b_sock, b_leg, [0x1a, 0x9a, 0x2b, 0xab], 50);
    assert!(heard >= 10, "1002 heard {heard} of {total} packets of 1001");
    let (heard, total) = audio(&b_sock, b_leg, &a_sock, a_leg, [0x3c, 0xbc, 0x4d, 0xcd], 50);
    assert!(heard >= 10, "1001 heard {heard} of {total} packets of 1002");
    // Two G.711 phones of the same law bridged one-to-one: the daemon relays their
    // packets whole (no decoding, no jitter buffer), both ways.
    let (_, body) = get(&d.http_addr(), "/metrics");
    let relayed = metric(&body, "appliance_rtp_relayed_packets_total").unwrap_or(0.0);
    assert!(relayed >= 20.0, "relayed {relayed} packets:\n{body}");
    assert_eq!(
        metric(&body, "appliance_rtp_relay_legs"),
        Some(2.0),
        "both legs relay"
    );
    // A digit while the legs relay: 1001's RFC 4733 event reaches 1002 as RFC 4733 (both
    // offered telephone-event 101), with its end packets.
    let (events_heard, ended) = digit(&a_sock, a_leg, &b_sock, 5);
    assert!(
        events_heard >= 1,
        "1002 heard no telephone-event for 1001's 5"
    );
    assert!(ended, "1002 never saw the end of the 5");
    finish(a, "1001 calls 1002", Duration::from_secs(20));
    finish(b, "1002 answers", Duration::from_secs(20));
    d.wait_log(&["call ended", "cause=16"]);
    stop(&mut d);

    let cdrs = cdrs(&d);
    assert_eq!(cdrs.len(), 1, "{cdrs:#?}");
    let c = &cdrs[0];
    assert_eq!(c.caller, "1001");
    assert_eq!(c.callee, "1002");
    assert_eq!(c.direction, Direction::Internal);
    assert_eq!(c.disposition, Disposition::Answered);
    assert_eq!(c.cause, Some(16));
    assert_eq!(c.src_channel, "sip/1001");
    assert_eq!(c.dst_channel.as_deref(), Some("sip/1002"));
    let answer = c.answer.expect("answer time");
    assert!(c.start <= answer && answer <= c.end, "{c:?}");
    let ev = events(&d);
    for kind in [
        EventKind::CallStart,
        EventKind::CallAnswer,
        EventKind::CallEnd,
    ] {
        assert!(
            ev.iter()
                .any(|e| e.kind == kind && e.call_id.as_deref() == Some(c.call_id.as_str())),
            "no {kind:?} row for {}: {ev:#?}",
            c.call_id
        );
    }
}

/// Sends digit `event` as RFC 4733 (PT 101: 60 ms of updates, then three end packets) from
/// `from` to the daemon's `to` port; returns how many telephone-events for that digit
/// `listen` heard within 1.5 s, and whether one carried the end bit.
fn digit(from: &UdpSocket, to: u16, listen: &UdpSocket, event: u8) -> (usize, bool) {
    let ts = 500 * 160;
    for (i, (duration, end)) in [
        (160u16, false),
        (320, false),
        (480, true),
        (480, true),
        (480, true),
    ]
    .into_iter()
    .enumerate()
    {
        let seq = 500 + u16::try_from(i).unwrap_or(0);
        let mut payload = vec![event, if end { 0x8a } else { 0x0a }];
        payload.extend_from_slice(&duration.to_be_bytes());
        let mut p = rtp(101, seq, ts, 0x1111, &payload);
        if i == 0 {
            p[1] |= 0x80; // marker: the event's first packet
        }
        let _ = from.send_to(&p, ("127.0.0.1", to));
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut heard, mut ended) = (0, false);
    let mut buf = [0u8; 2048];
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        if let Ok((n, _)) = listen.recv_from(&mut buf)
            && n >= 16
            && buf[1] & 0x7f == 101
            && buf[12] == event
        {
            heard += 1;
            ended |= buf[13] & 0x80 != 0;
        }
    }
    (heard, ended)
}
