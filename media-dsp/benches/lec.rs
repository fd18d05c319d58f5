//! Criterion bench of the line echo canceller: one second of audio at 128 ms tail in
//! 8-sample (1 ms) chunks, the real-time case (white-noise echo, NLP on).
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::lec::{EchoCanceller, EchoConfig};
use media_dsp::level::rms_for_dbm0;
use media_dsp::noise::Noise;

fn lec(c: &mut Criterion) {
    let n = 8000;
    let mut far = vec![0i16; n];
    Noise::new(1).fill_white(&mut far, rms_for_dbm0(-10.0));
    let near: Vec<i16> = (0..n)
        .map(|i| if i >= 400 { far[i - 400] / 2 } else { 0 })
        .collect();
    let mut out = vec![0i16; n];
    let mut g = c.benchmark_group("lec");
    g.throughput(Throughput::Elements(n as u64));
    for tail in [32, 128] {
        let mut ec = EchoCanceller::new(EchoConfig {
            tail_ms: tail,
            ..EchoConfig::default()
        })
        .expect("config");
        g.bench_function(format!("echo_{tail}ms_1s_8sample_chunks"), |b| {
            b.iter(|| {
                for ((f, x), o) in far.chunks(8).zip(near.chunks(8)).zip(out.chunks_mut(8)) {
                    ec.process(std::hint::black_box(f), x, o).expect("blocks");
                }
            });
        });
    }
    g.finish();
}

criterion_group!(benches, lec);
criterion_main!(benches);
