//! Relay mode: a session bridged to another G.711 leg hands each received audio packet on
//! whole, and the other session sends it as its own (its SSRC and sequence numbers, the
//! source's timestamps moved onto its clock, gaps and order kept), with no decoding and no
//! jitter buffer; leaving relay mode continues one timestamp clock with a new talkspurt.

use std::net::SocketAddr;

use rtp::session::{MAX_DATAGRAM, Session, SessionConfig, TransmitKind};
use rtp::wire::rtp::{CsrcList, Packet, RtpRepr};
use rtp::{JitterConfig, Relayed};
use tdm::Instant;

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// The caller's phone (sends into leg A) and the called phone (leg B sends to it).
fn caller() -> SocketAddr {
    "192.0.2.10:4000".parse().unwrap()
}
fn callee() -> SocketAddr {
    "198.51.100.7:5000".parse().unwrap()
}

const SSRC: u32 = 0x1234_5678;

/// A 20 ms PCMA packet from the caller whose payload is all `fill` (so each is told apart).
fn pkt(seq: u16, ts: u32, marker: bool, fill: u8) -> Vec<u8> {
    let mut b = vec![0u8; 12 + 160];
    let n = RtpRepr {
        marker,
        payload_type: 8,
        sequence_number: seq,
        timestamp: ts,
        ssrc: SSRC,
        csrc: CsrcList::EMPTY,
        extension: None,
        payload: &[fill; 160],
        padding: 0,
    }
    .emit(&mut b)
    .unwrap();
    b.truncate(n);
    b
}

fn legs() -> (Session, Session) {
    let a = Session::new(
        Instant::ZERO,
        SessionConfig {
            seed: 1,
            remote_rtp: Some(caller()),
            ..SessionConfig::default()
        },
    );
    let b = Session::new(
        Instant::ZERO,
        SessionConfig {
            seed: 2,
            remote_rtp: Some(callee()),
            ..SessionConfig::default()
        },
    );
    (a, b)
}

/// What leg B sent: (sequence number, timestamp, marker, SSRC, payload).
#[derive(Debug, Clone)]
struct Out {
    seq: u16,
    ts: u32,
    marker: bool,
    ssrc: u32,
    payload: Vec<u8>,
}

/// Feeds `d` into A at `now` and relays what A accepted through B; what B sent.
fn relay(a: &mut Session, b: &mut Session, now: Instant, d: &[u8]) -> Option<Out> {
    a.handle_input(now, d, caller()).expect("accepted");
    let Relayed {
        timestamp,
        marker,
        payload,
    } = a.take_relayed()?;
    let mut buf = [0u8; MAX_DATAGRAM];
    let t = b.relay_transmit(now, &d[payload], timestamp, marker, &mut buf)?;
    assert_eq!(t.to, callee());
    assert_eq!(t.kind, TransmitKind::Rtp);
    Some(out(&buf[..t.len]))
}

fn out(d: &[u8]) -> Out {
    let p = Packet::new_checked(d).expect("B sends valid RTP");
    Out {
        seq: p.sequence_number(),
        ts: p.timestamp(),
        marker: p.marker(),
        ssrc: p.ssrc(),
        payload: p.payload().to_vec(),
    }
}

#[test]
fn relayed_audio_keeps_its_bytes_gaps_and_order_under_our_ssrc_and_numbering() {
    let (mut a, mut b) = legs();
    a.set_relay(true);
    b.set_relay(true);
    assert!(a.relaying() && a.relay_compatible(&b));
    let base = 90_000u32;
    // A new source is on probation (RFC 3550 A.1): its first packet is not relayed, as it
    // would not be played either.
    assert!(relay(&mut a, &mut b, at(0), &pkt(99, base - 160, true, 0)).is_none());
    // Packets 0, 1, 2, (3 lost), 5 before 4 (reordered), 6.
    let order = [(0u16, 1u8), (1, 2), (2, 3), (5, 6), (4, 5), (6, 7)];
    let mut sent = Vec::new();
    for (k, &(i, fill)) in order.iter().enumerate() {
        let d = pkt(100 + i, base + 160 * u32::from(i), false, fill);
        let o = relay(&mut a, &mut b, at(20 + 20 * k as u64), &d).expect("relayed");
        assert_eq!(o.payload, vec![fill; 160], "the payload passes unchanged");
        assert_eq!(o.ssrc, b.ssrc(), "B's own SSRC");
        sent.push((i, o));
    }
    // B numbers its packets itself, one after the other, in the order it sent them.
    for w in sent.windows(2) {
        assert_eq!(w[1].1.seq, w[0].1.seq.wrapping_add(1));
    }
    // The source's timestamp gaps (the lost packet) and order are kept on B's clock.
    let t0 = sent[0].1.ts;
    for (i, o) in &sent {
        assert_eq!(o.ts.wrapping_sub(t0), 160 * u32::from(*i), "packet {i}");
    }
    assert!(
        sent[0].1.marker,
        "the first relayed packet starts a talkspurt"
    );
    assert!(sent[1..].iter().all(|(_, o)| !o.marker));
    // A still keeps reception statistics (RFC 3550 A.3) while relaying.
    let r = a.reception().expect("a valid source");
    assert_eq!(r.ssrc, SSRC);
    assert_eq!(r.received, 6);
    assert_eq!(r.lost, 1);
    // …and plays nothing itself: the audio went on whole.
    let mut chunk = [1i16; 8];
    a.pull_chunk(&mut chunk);
    assert_eq!(chunk, [0; 8]);
    assert_eq!(
        a.jitter_buffer().stats().packets,
        0,
        "nothing entered the jitter buffer"
    );
}

#[test]
fn leaving_relay_continues_one_clock_and_plays_again() {
    let (mut a, mut b) = legs();
    a.set_relay(true);
    b.set_relay(true);
    let mut last = None;
    for i in 0..6u16 {
        let d = pkt(i, 160 * u32::from(i), i == 0, 9);
        last = relay(&mut a, &mut b, at(20 * u64::from(i)), &d);
    }
    let last = last.expect("relayed");
    // The bridge is broken (e.g. a recording starts): both legs go back to 1 ms chunks.
    a.set_relay(false);
    b.set_relay(false);
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut first = None;
    let mut played = false;
    for ms in 100..200u64 {
        let now = at(ms);
        if ms % 20 == 0 {
            let i = u16::try_from(ms / 20).unwrap();
            a.handle_input(now, &pkt(i, 160 * u32::from(i), false, 0x2A), caller())
                .expect("accepted");
            assert!(a.take_relayed().is_none(), "relay is off");
        }
        let mut chunk = [0i16; 8];
        a.pull_chunk(&mut chunk);
        played |= chunk.iter().any(|&x| x != 0);
        b.push_chunk(now, &[1000; 8]);
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            if t.kind == TransmitKind::Rtp && first.is_none() {
                first = Some(out(&buf[..t.len]));
            }
        }
    }
    assert!(played, "A plays what it receives again");
    let first = first.expect("B sent audio of its own");
    assert_eq!(first.seq, last.seq.wrapping_add(1), "one sequence");
    assert!(first.marker, "a new talkspurt");
    let ahead = first.ts.wrapping_sub(last.ts.wrapping_add(160));
    assert!(
        (ahead as i32) >= 0,
        "B's own audio carries on after the relayed timestamps ({} → {})",
        last.ts,
        first.ts
    );
}

#[test]
fn no_relay_across_laws_or_packet_times_nor_over_a_digit_being_sent() {
    let (a, b) = legs();
    let mulaw = Session::new(
        Instant::ZERO,
        SessionConfig {
            payload_type: 0,
            jitter: JitterConfig {
                law: media_dsp::g711::Law::Ulaw,
                ..JitterConfig::default()
            },
            ..SessionConfig::default()
        },
    );
    let ptime30 = Session::new(
        Instant::ZERO,
        SessionConfig {
            ptime_ms: 30,
            ..SessionConfig::default()
        },
    );
    assert!(a.relay_compatible(&b));
    assert!(!a.relay_compatible(&mulaw));
    assert!(!a.relay_compatible(&ptime30));

    // While B sends an RFC 4733 digit, relayed audio is held back (RFC 4733 §2.5.1.2).
    let (mut a, mut b) = legs();
    a.set_relay(true);
    b.set_relay(true);
    assert!(
        relay(&mut a, &mut b, at(0), &pkt(0, 0, true, 1)).is_none(),
        "probation"
    );
    assert!(relay(&mut a, &mut b, at(5), &pkt(1, 160, false, 1)).is_some());
    b.begin_digit(at(10), '5')
        .expect("telephone-event negotiated");
    assert!(relay(&mut a, &mut b, at(20), &pkt(2, 320, false, 2)).is_none());
    b.end_digit(at(30));
    // The end packets go out (three, RFC 4733 §2.5.1.4); then audio flows again.
    let mut buf = [0u8; MAX_DATAGRAM];
    for ms in 30..200 {
        if b.poll_timeout().is_some_and(|t| t <= at(ms)) {
            b.handle_timeout(at(ms));
        }
        while b.poll_transmit(at(ms), &mut buf).is_some() {}
    }
    assert!(relay(&mut a, &mut b, at(200), &pkt(3, 480, false, 3)).is_some());
    // Relay off: nothing is handed on.
    a.set_relay(false);
    a.handle_input(at(220), &pkt(4, 640, false, 4), caller())
        .expect("accepted");
    assert!(a.take_relayed().is_none());
}
