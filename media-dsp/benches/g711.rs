//! Criterion benches for G.711: slice encode and decode of both laws, plus the 64 KiB
//! lookup-table encoder the branch-free one replaced (for comparison in the same run).
//!
//! Run with `cargo bench -p media-dsp --all-features --bench g711` (the `std` feature turns
//! on runtime AVX2 dispatch). Throughput is in samples (elements) per second.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::g711::{self, Law};
use media_dsp::noise::Noise;

/// One second of speech-level white noise: long enough to amortise call overhead, short
/// enough to stay in L1/L2 like the media thread's working set.
const N: usize = 8000;

fn signal() -> Vec<i16> {
    let mut pcm = vec![0i16; N];
    Noise::new(711).fill_white(&mut pcm, media_dsp::level::rms_for_dbm0(-15.0));
    pcm
}

fn g711(c: &mut Criterion) {
    let pcm = signal();
    let mut codes = vec![0u8; N];
    let mut back = vec![0i16; N];
    let mut group = c.benchmark_group("g711");
    group.throughput(Throughput::Elements(N as u64));
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(500));
    for (law, name) in [(Law::Alaw, "alaw"), (Law::Ulaw, "ulaw")] {
        group.bench_function(format!("{name}_encode"), |b| {
            b.iter(|| law.encode(black_box(&pcm), black_box(&mut codes)));
        });
        law.encode(&pcm, &mut codes);
        group.bench_function(format!("{name}_decode"), |b| {
            b.iter(|| law.decode(black_box(&codes), black_box(&mut back)));
        });
    }
    // The previous design: one 64 KiB table per law, indexed by the sample's bit pattern.
    let table: Vec<u8> = (0..=u16::MAX)
        .map(|i| g711::linear_to_ulaw(i as i16))
        .collect();
    group.bench_function("ulaw_encode_table64k", |b| {
        b.iter(|| {
            for (o, &x) in codes.iter_mut().zip(black_box(&pcm)) {
                *o = table[x as u16 as usize];
            }
            black_box(&mut codes);
        });
    });
    group.finish();
}

criterion_group!(benches, g711);
criterion_main!(benches);
