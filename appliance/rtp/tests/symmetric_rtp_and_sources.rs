//! Symmetric RTP (RFC 4961) latching and re-latching, RFC 3550 A.1 source validation
//! (probation, sequence wrap, restart jump, duplicates), remote SSRC change and local SSRC
//! collision, and the typed errors for bad input — a session driven by hand-made packets.

use std::net::SocketAddr;

use rtp::session::{Event, InputError, Latch, MAX_DATAGRAM, Session, SessionConfig};
use rtp::wire::ParseError;
use rtp::wire::rtp::{CsrcList, RtpRepr};
use tdm::Instant;

fn pkt(ssrc: u32, seq: u16, ts: u32, pt: u8) -> Vec<u8> {
    let mut b = vec![0u8; 12 + 160];
    let n = RtpRepr {
        marker: false,
        payload_type: pt,
        sequence_number: seq,
        timestamp: ts,
        ssrc,
        csrc: CsrcList::EMPTY,
        extension: None,
        payload: &[0x55; 160],
        padding: 0,
    }
    .emit(&mut b)
    .unwrap();
    b.truncate(n);
    b
}

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn x() -> SocketAddr {
    "192.0.2.10:4000".parse().unwrap()
}
fn y() -> SocketAddr {
    "198.51.100.7:5000".parse().unwrap()
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// Sends 20 ms of audio and returns where it went.
fn send_to(s: &mut Session, now: Instant) -> Option<SocketAddr> {
    for _ in 0..20 {
        s.push_chunk(now, &[0; 8]);
    }
    let mut buf = [0u8; MAX_DATAGRAM];
    s.poll_transmit(now, &mut buf).map(|t| t.to)
}

#[test]
fn latches_on_first_valid_packet_rejects_others_and_relatches_after_silence() {
    let mut s = Session::new(Instant::ZERO, SessionConfig::default());
    // No remote known yet: nothing is sent.
    assert_eq!(send_to(&mut s, at(0)), None);
    assert_eq!(s.stats().tx_dropped, 1);
    // Garbage and a wrong payload type do not latch.
    assert_eq!(
        s.handle_input(at(1), &[0x80, 8, 0], y()),
        Err(InputError::Malformed(ParseError::TooShort { len: 3 }))
    );
    assert_eq!(
        s.handle_input(at(2), &pkt(9, 1, 0, 18), y()),
        Err(InputError::UnknownPayloadType(18))
    );
    s.handle_input(at(3), &pkt(1, 100, 0, 8), x()).unwrap();
    assert_eq!(events(&mut s), [Event::Latched { addr: x() }]);
    assert_eq!(send_to(&mut s, at(20)), Some(x()));
    // Y while X is alive: refused, nothing changes.
    s.handle_input(at(23), &pkt(1, 101, 160, 8), x()).unwrap();
    assert_eq!(
        s.handle_input(at(30), &pkt(1, 102, 320, 8), y()),
        Err(InputError::UnexpectedSource { from: y() })
    );
    assert_eq!(s.stats().wrong_source, 1);
    assert_eq!(send_to(&mut s, at(40)), Some(x()));
    // X silent for the re-latch time (1 s): Y takes over.
    s.handle_input(at(1100), &pkt(1, 102, 320, 8), y()).unwrap();
    let e = events(&mut s);
    assert!(
        e.contains(&Event::Relatched { from: x(), to: y() }),
        "{e:?}"
    );
    assert_eq!(send_to(&mut s, at(1120)), Some(y()));
}

#[test]
fn latch_off_accepts_any_source_and_keeps_the_configured_remote() {
    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            latch: Latch::Off,
            remote_rtp: Some(x()),
            ..SessionConfig::default()
        },
    );
    s.handle_input(at(1), &pkt(1, 1, 0, 8), y()).unwrap();
    s.handle_input(at(21), &pkt(1, 2, 160, 8), "203.0.113.1:9".parse().unwrap())
        .unwrap();
    assert_eq!(send_to(&mut s, at(40)), Some(x()));
    assert_eq!(s.reception().unwrap().received, 1);
}

#[test]
fn probation_wrap_loss_duplicates_and_restart_follow_a1_a3() {
    let mut s = Session::new(Instant::ZERO, SessionConfig::default());
    let mut t = 0;
    let mut feed = |s: &mut Session, seq: u16| {
        t += 20;
        let _ = s.handle_input(at(t), &pkt(77, seq, u32::from(seq) * 160, 8), x());
    };
    feed(&mut s, 65530);
    assert!(s.reception().is_none(), "one packet is still on probation");
    feed(&mut s, 65531);
    assert!(events(&mut s).contains(&Event::SourceValidated { ssrc: 77 }));
    // Across the wrap, with 65534 and 2 lost and 5 duplicated.
    for seq in [65532u16, 65533, 65535, 0, 1, 3, 4, 5, 5, 6] {
        feed(&mut s, seq);
    }
    let r = s.reception().unwrap();
    assert_eq!(r.extended_highest_seq, (1 << 16) + 6);
    assert_eq!(r.expected, 12); // 65531..=65535, 0..=6
    assert_eq!(r.received, 11); // the duplicate counts (A.3), so lost = 2 - 1
    assert_eq!(r.lost, 1);
    // A restarted sender: one packet far away is ignored, the next in sequence re-syncs.
    feed(&mut s, 30000);
    assert_eq!(s.reception().unwrap().extended_highest_seq, (1 << 16) + 6);
    feed(&mut s, 30001);
    let r = s.reception().unwrap();
    assert_eq!((r.expected, r.received, r.lost), (1, 1, 0));
}

#[test]
fn new_ssrc_takes_over_once_valid_and_own_ssrc_collision_is_resolved() {
    let mut s = Session::new(Instant::ZERO, SessionConfig::default());
    for k in 0..10u16 {
        s.handle_input(
            at(u64::from(k) * 20),
            &pkt(1, k, u32::from(k) * 160, 8),
            x(),
        )
        .unwrap();
    }
    events(&mut s);
    // A single stray packet of another SSRC changes nothing.
    s.handle_input(at(200), &pkt(2, 500, 9999, 8), x()).unwrap();
    assert_eq!(s.reception().unwrap().ssrc, 1);
    s.handle_input(at(220), &pkt(1, 10, 1600, 8), x()).unwrap();
    // Two in sequence: the new source replaces the old.
    s.handle_input(at(240), &pkt(2, 700, 50_000, 8), x())
        .unwrap();
    s.handle_input(at(260), &pkt(2, 701, 50_160, 8), x())
        .unwrap();
    assert_eq!(events(&mut s), [Event::SsrcChanged { old: 1, new: 2 }]);
    assert_eq!(s.reception().unwrap().ssrc, 2);
    // The peer picked our SSRC: we change ours (RFC 3550 §8.2).
    let mine = s.ssrc();
    s.handle_input(at(280), &pkt(mine, 702, 50_320, 8), x())
        .unwrap();
    let e = events(&mut s);
    assert!(
        matches!(e[0], Event::LocalSsrcChanged { ssrc } if ssrc != mine),
        "{e:?}"
    );
    assert_ne!(s.ssrc(), mine);
}

#[test]
fn closed_session_sends_bye_and_refuses_input() {
    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            remote_rtp: Some(x()),
            ..SessionConfig::default()
        },
    );
    s.close(at(5));
    let mut buf = [0u8; MAX_DATAGRAM];
    let t = s.poll_transmit(at(5), &mut buf).unwrap();
    assert_eq!(
        t.to.port(),
        x().port() + 1,
        "RTCP goes to RTP port + 1 by default"
    );
    let c = rtp::wire::rtcp::parse_compound(&buf[..t.len]).unwrap();
    assert!(matches!(
        c.last(),
        Some(rtp::wire::rtcp::RtcpPacket::Goodbye(_))
    ));
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(
        s.handle_input(at(6), &pkt(1, 1, 0, 8), x()),
        Err(InputError::Closed)
    );
}
