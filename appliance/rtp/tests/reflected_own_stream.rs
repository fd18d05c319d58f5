//! Our own stream reflected back by the far end (an echo test, `sipp -rtp_echo`: every
//! packet returned unchanged, our SSRC, sequence numbers and timestamps) is played as the
//! remote's audio and does not change our SSRC; another sender that picks our SSRC with
//! sequence numbers we never sent is still a collision (RFC 3550 §8.2).

use std::net::SocketAddr;

use rtp::session::{Event, MAX_DATAGRAM, Session, SessionConfig};
use tdm::Instant;

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn far() -> SocketAddr {
    "192.0.2.10:4000".parse().unwrap()
}

/// A 1 kHz-ish pattern (not silence) so played audio is told from the buffer's fill.
fn chunk(k: usize) -> [i16; 8] {
    let v = [0i16, 5000, 7000, 5000, 0, -5000, -7000, -5000];
    let mut c = [0; 8];
    for (i, o) in c.iter_mut().enumerate() {
        *o = v[(k * 8 + i) % 8];
    }
    c
}

#[test]
fn a_reflected_stream_is_played_and_keeps_our_ssrc() {
    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            remote_rtp: Some(far()),
            ..SessionConfig::default()
        },
    );
    let mine = s.ssrc();
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut played = 0usize;
    let mut changed = Vec::new();
    // 1 s: every 20 ms we send a packet, and the far end reflects the one of 40 ms ago.
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for ms in 0..1000u64 {
        let now = at(ms);
        s.push_chunk(now, &chunk(usize::try_from(ms).unwrap()));
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            if t.kind == rtp::session::TransmitKind::Rtp {
                sent.push(buf[..t.len].to_vec());
            }
        }
        if ms % 20 == 0 && sent.len() > 2 {
            let back = sent[sent.len() - 3].clone();
            s.handle_input(now, &back, far())
                .expect("reflected packet accepted");
        }
        let mut out = [0i16; 8];
        s.pull_chunk(&mut out);
        if out.iter().any(|&x| x.abs() > 1000) {
            played += 1;
        }
        while let Some(e) = s.poll_event() {
            if let Event::LocalSsrcChanged { ssrc } = e {
                changed.push(ssrc);
            }
        }
    }
    assert!(changed.is_empty(), "our SSRC changed: {changed:?}");
    assert_eq!(s.ssrc(), mine);
    assert_eq!(s.reception().map(|r| r.ssrc), Some(mine));
    // 1 s minus the round trip and the jitter buffer's start.
    assert!(played > 700, "only {played} ms of the reflection played");
}

#[test]
fn another_sender_on_our_ssrc_with_foreign_sequence_numbers_is_a_collision() {
    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            remote_rtp: Some(far()),
            ..SessionConfig::default()
        },
    );
    let mine = s.ssrc();
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut first = None;
    for ms in 0..100u64 {
        s.push_chunk(at(ms), &chunk(0));
        while let Some(t) = s.poll_transmit(at(ms), &mut buf) {
            if t.kind == rtp::session::TransmitKind::Rtp && first.is_none() {
                first = Some(buf[..t.len].to_vec());
            }
        }
    }
    // Our SSRC, but a sequence number far from any we sent.
    let mut p = first.expect("a packet was sent");
    let ours = u16::from_be_bytes([p[2], p[3]]);
    p[2..4].copy_from_slice(&ours.wrapping_add(30_000).to_be_bytes());
    s.handle_input(at(100), &p, far()).expect("accepted");
    let e: Vec<Event> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        e.iter()
            .any(|e| matches!(e, Event::LocalSsrcChanged { ssrc } if *ssrc != mine)),
        "{e:?}"
    );
    assert_ne!(s.ssrc(), mine);
}
