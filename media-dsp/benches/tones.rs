//! Call-progress and answer-tone kernels: cost per second of audio in 1 ms chunks, as the
//! media thread calls them (one channel; divide 1 s by the time for channels per core).
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::ans::{AnsDetector, AnsGenerator, EchoCancellerDisabler};
use media_dsp::noise::Noise;
use media_dsp::tones::{Country, ToneDetector, ToneGenerator, ToneKind};

const SECOND: usize = 8000;

fn busy(country: Country) -> Vec<i16> {
    let spec = country.profile().tone(ToneKind::Busy).expect("busy");
    let mut v = vec![0i16; SECOND];
    ToneGenerator::new(spec).fill(&mut v);
    Noise::new(1).add_white(&mut v, 50.0);
    v
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("tones");
    g.throughput(Throughput::Elements(SECOND as u64));
    for (country, name) in [
        (Country::China, "cn"),
        (Country::Etsi, "etsi"),
        (Country::NorthAmerica, "us"),
    ] {
        let sig = busy(country);
        g.bench_function(format!("detect_{name}_1s"), |b| {
            let mut det = ToneDetector::new(country);
            b.iter(|| {
                for chunk in sig.chunks(8) {
                    det.process(black_box(chunk));
                    while let Some(e) = det.poll_event() {
                        black_box(e);
                    }
                }
            });
        });
    }
    let spec = Country::NorthAmerica
        .profile()
        .tone(ToneKind::Dial)
        .expect("dial");
    g.bench_function("generate_us_dial_1s", |b| {
        let mut tone_gen = ToneGenerator::new(spec);
        let mut out = [0i16; 8];
        b.iter(|| {
            for _ in 0..SECOND / 8 {
                tone_gen.fill(&mut out);
                black_box(&out);
            }
        });
    });
    let mut ans = vec![0i16; SECOND];
    AnsGenerator::new(2100.0, -12.0, true, true).fill(&mut ans);
    g.bench_function("ans_detect_1s", |b| {
        let mut det = AnsDetector::new();
        b.iter(|| {
            for chunk in ans.chunks(8) {
                det.process(black_box(chunk));
                while let Some(e) = det.poll_event() {
                    black_box(e);
                }
            }
        });
    });
    g.bench_function("ec_disabler_1s", |b| {
        let mut dis = EchoCancellerDisabler::new();
        b.iter(|| {
            for chunk in ans.chunks(8) {
                dis.process(black_box(chunk));
                black_box(dis.disabled());
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
