//! Framer + HDLC cost: one E1 span for one second (8000 frames), transmit and receive, with a
//! busy D-channel on TS16 (back-to-back 100-octet HDLC frames) and CRC-4 on.
//!
//! Throughput is in frames; spans per core in real time = (frames/s) / 8000. A box holds up to
//! 8 spans. The figure is also printed directly at the end.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use e1::hdlc::{HdlcDecoder, HdlcEncoder};
use e1::{Config, Framer};

const FRAMES: u64 = 8000;

/// One second of one span in loopback: build a frame, receive it, drain everything.
fn span_second(f: &mut Framer, payload: &mut [u8; 32], msg: &[u8]) -> usize {
    let mut got = 0;
    for i in 0..FRAMES {
        if f.tx().hdlc_queued() < 2 {
            f.send_hdlc(msg).expect("queue");
        }
        payload[1] = i as u8;
        let frame = f.build_frame(payload);
        f.handle_input(&frame);
        while let Some(fr) = f.poll_frame() {
            black_box(fr);
        }
        while let Some(h) = f.poll_hdlc() {
            got += usize::from(h.is_ok());
        }
        while let Some(e) = f.poll_event() {
            black_box(e);
        }
    }
    got
}

fn bench(c: &mut Criterion) {
    let msg: Vec<u8> = (0..100u8).collect();
    let mut g = c.benchmark_group("e1");
    g.throughput(Throughput::Elements(FRAMES));
    let mut f = Framer::new(Config::default());
    let mut payload = [0x55u8; 32];
    span_second(&mut f, &mut payload, &msg);
    g.bench_function("span_1s_rx_tx_hdlc", |b| {
        b.iter(|| span_second(&mut f, &mut payload, &msg));
    });

    let mut enc = HdlcEncoder::new();
    let mut dec = HdlcDecoder::new();
    g.bench_function("hdlc_only_1s", |b| {
        b.iter(|| {
            for _ in 0..FRAMES {
                if enc.queued() < 2 {
                    enc.push_frame(&msg).expect("queue");
                }
                dec.handle_byte(enc.next_byte());
                while let Some(r) = dec.poll() {
                    black_box(r.is_ok());
                }
            }
        });
    });
    g.finish();

    // The figure for the report: spans per core in real time.
    let mut f = Framer::new(Config::default());
    let secs = 20;
    let t = Instant::now();
    let mut good = 0;
    for _ in 0..secs {
        good += span_second(&mut f, &mut payload, &msg);
    }
    let el = t.elapsed().as_secs_f64();
    assert!(good > 0, "HDLC frames must arrive");
    println!(
        "e1 framer+HDLC: {secs} span-seconds in {:.1} ms -> {:.0} spans per core in real time; \
         8 spans = {:.3} % of one core",
        el * 1e3,
        f64::from(secs) / el,
        800.0 * el / f64::from(secs)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
