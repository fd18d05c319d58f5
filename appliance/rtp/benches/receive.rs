//! Criterion benches of the RTP media path per call leg, and the memory of a session.
//!
//! - `receive_20ms`: one 20 ms PCMA packet through `Session::handle_input` (parse, latch,
//!   A.1 validation, A.8 jitter, jitter-buffer write) plus the 20 `pull_chunk` calls that
//!   play it (jitter buffer, G.711 decode, PLC history): one call-leg's receive work for
//!   20 ms of audio. Packets per second per core = 1 / time.
//! - `send_20ms`: 20 `push_chunk` calls (G.711 encode) and the `poll_transmit` that writes
//!   the RTP packet.
//!
//! Before the benches it prints `size_of` of the session structs (all of a session's media
//! state is inline; the heap holds only two small queues and the CNAME).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::plc::Plc;
use rtp::jitter::JitterBuffer;
use rtp::session::{MAX_DATAGRAM, Session, SessionConfig};
use rtp::wire::rtp::{CsrcList, RtpRepr};
use tdm::Instant;

fn template() -> Vec<u8> {
    let payload: Vec<u8> = (0..160u32).map(|i| (i * 37 % 251) as u8).collect();
    let mut b = vec![0u8; 172];
    RtpRepr {
        marker: false,
        payload_type: 8,
        sequence_number: 0,
        timestamp: 0,
        ssrc: 0x1234_5678,
        csrc: CsrcList::EMPTY,
        extension: None,
        payload: &payload,
        padding: 0,
    }
    .emit(&mut b)
    .unwrap();
    b
}

/// Feeds packet number `k` (seq and timestamp patched in place) at 20k ms.
fn feed(s: &mut Session, pkt: &mut [u8], k: u64) {
    let seq = k as u16;
    let ts = (k as u32).wrapping_mul(160);
    pkt[2..4].copy_from_slice(&seq.to_be_bytes());
    pkt[4..8].copy_from_slice(&ts.to_be_bytes());
    let from = "192.0.2.1:4000".parse().unwrap();
    let _ = s.handle_input(Instant::from_millis(20 * k), black_box(pkt), from);
}

fn receive(c: &mut Criterion) {
    println!(
        "size_of: Session {} B (of which JitterBuffer {} B, of which Plc {} B); heap: \
         event queue 16 x {} B, transmit queue 16 small entries, the CNAME",
        size_of::<Session>(),
        size_of::<JitterBuffer>(),
        size_of::<Plc>(),
        size_of::<rtp::session::Event>()
    );
    let mut group = c.benchmark_group("rtp");
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_millis(500));
    group.throughput(Throughput::Elements(1));

    let mut pkt = template();
    let mut s = Session::new(Instant::ZERO, SessionConfig::default());
    let mut k = 0u64;
    let mut out = [0i16; 8];
    group.bench_function("receive_20ms", |b| {
        b.iter(|| {
            feed(&mut s, &mut pkt, k);
            for _ in 0..20 {
                s.pull_chunk(&mut out);
            }
            black_box(&out);
            k += 1;
        });
    });
    assert!(
        s.jitter_stats().played_chunks > 1000,
        "{:?}",
        s.jitter_stats()
    );

    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            remote_rtp: Some("192.0.2.1:4000".parse().unwrap()),
            ..SessionConfig::default()
        },
    );
    let tone: [i16; 8] = core::array::from_fn(|i| (i as i16 - 4) * 1000);
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut now = Instant::ZERO;
    group.bench_function("send_20ms", |b| {
        b.iter(|| {
            for _ in 0..20 {
                now += Duration::from_millis(1);
                s.push_chunk(now, black_box(&tone));
            }
            black_box(s.poll_transmit(now, &mut buf));
        });
    });
    group.finish();
}

criterion_group!(benches, receive);
criterion_main!(benches);
