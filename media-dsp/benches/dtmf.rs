//! DTMF detector and generator throughput (criterion). The side-by-side comparison with
//! spandsp's dtmf_rx on the identical signal is `make bench` (`dsp bench` + benches/peers).
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::dtmf::{Digit, DtmfDetector, DtmfGenerator, GeneratorConfig};
use media_dsp::level::rms_for_dbm0;
use media_dsp::noise::Noise;

const SECONDS: usize = 4;

/// Digits 50 ms on / 50 ms off over −45 dBm0 noise (the `dsp bench` signal), or noise alone.
fn signal(with_digits: bool) -> Vec<i16> {
    let mut s = vec![0i16; SECONDS * 8000];
    if with_digits {
        let cfg = GeneratorConfig {
            on_ms: 50,
            off_ms: 50,
            ..GeneratorConfig::default()
        };
        let mut g = DtmfGenerator::new(cfg).expect("config");
        for (i, period) in s.chunks_mut(800).enumerate() {
            g.start(Digit::ALL[i % 16]);
            g.fill(period);
        }
    }
    Noise::new(7).add_white(&mut s, rms_for_dbm0(-45.0));
    s
}

fn detector(c: &mut Criterion) {
    let mut group = c.benchmark_group("dtmf_detect");
    for (name, sig) in [("digits", signal(true)), ("noise", signal(false))] {
        group.throughput(Throughput::Elements(sig.len() as u64));
        for block in [8usize, 160] {
            group.bench_function(format!("{name}/block{block}"), |b| {
                b.iter(|| {
                    let mut det = DtmfDetector::new();
                    let mut n = 0;
                    for chunk in sig.chunks(block) {
                        det.process(std::hint::black_box(chunk), |_| n += 1);
                    }
                    det.finish(|_| n += 1);
                    n
                });
            });
        }
    }
    group.finish();
}

fn generator(c: &mut Criterion) {
    let mut group = c.benchmark_group("dtmf_generate");
    let mut out = vec![0i16; 8000];
    group.throughput(Throughput::Elements(out.len() as u64));
    group.bench_function("one_second", |b| {
        b.iter(|| {
            let mut g = DtmfGenerator::new(GeneratorConfig {
                on_ms: 1000,
                off_ms: 0,
                ..GeneratorConfig::default()
            })
            .expect("config");
            g.start(Digit::ALL[5]);
            g.fill(&mut out)
        });
    });
    group.finish();
}

criterion_group!(benches, detector, generator);
criterion_main!(benches);
