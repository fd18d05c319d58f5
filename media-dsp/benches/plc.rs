//! Criterion benches for packet-loss concealment on 20 ms (160-sample) frames:
//! a received frame (history update only), an isolated lost frame plus the good frame that
//! merges after it (pitch search, synthesis, overlap-add: the worst case per loss), and a
//! 10%-loss stream. Throughput counts samples of output.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::noise::Noise;
use media_dsp::plc::Plc;

fn voiced(len: usize) -> Vec<i16> {
    let mut noise = Noise::new(7);
    (0..len)
        .map(|n| {
            let t = n as f32 / 8000.0;
            let x: f32 = (1..=8)
                .map(|k| libm::sinf(2.0 * core::f32::consts::PI * 125.0 * k as f32 * t) / k as f32)
                .sum();
            media_dsp::level::saturate(4000.0 * x + 100.0 * noise.gaussian())
        })
        .collect()
}

fn plc(c: &mut Criterion) {
    let x = voiced(8000);
    let mut group = c.benchmark_group("plc");
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(500));
    let mut frame = [0i16; 160];

    group.throughput(Throughput::Elements(160));
    let mut p = Plc::new();
    group.bench_function("good_frame_160", |b| {
        b.iter(|| {
            frame.copy_from_slice(&x[800..960]);
            p.good_frame(black_box(&mut frame));
        });
    });

    group.throughput(Throughput::Elements(320));
    let mut p = Plc::new();
    group.bench_function("lost_then_merge_160", |b| {
        b.iter(|| {
            frame.copy_from_slice(&x[800..960]);
            p.good_frame(&mut frame);
            p.lost_frame(black_box(&mut frame));
            frame.copy_from_slice(&x[1120..1280]);
            p.good_frame(black_box(&mut frame));
        });
    });

    group.throughput(Throughput::Elements(x.len() as u64));
    let mut p = Plc::new();
    let mut y = x.clone();
    group.bench_function("stream_10pct_loss_160", |b| {
        b.iter(|| {
            y.copy_from_slice(&x);
            for (i, f) in y.chunks_mut(160).enumerate() {
                if i % 10 == 9 {
                    p.lost_frame(f);
                } else {
                    p.good_frame(f);
                }
            }
            black_box(&mut y);
        });
    });
    group.finish();
}

criterion_group!(benches, plc);
criterion_main!(benches);
