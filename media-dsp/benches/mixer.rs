//! Criterion benches for the conference mixer: conferences of 3, 8 and 32 legs, in DAHDI
//! 8-sample chunks (the media thread's block) and 20 ms blocks (160 samples, RTP).
//! Throughput counts leg-samples: one element is one sample of one leg's input mixed into
//! every output (so ns per element is the cost per channel-sample).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::mixer::{Leg, Mixer};
use media_dsp::noise::Noise;

fn mixer(c: &mut Criterion) {
    let mut group = c.benchmark_group("mixer");
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(500));
    for legs in [3usize, 8, 32] {
        let mut noise = Noise::new(legs as u64);
        let inputs: Vec<Vec<i16>> = (0..legs)
            .map(|_| {
                let mut x = vec![0i16; 160];
                noise.fill_white(&mut x, 3000.0);
                x
            })
            .collect();
        let mut m = Mixer::<32>::new();
        // A realistic call-center mix: one supervisor listening in.
        m.set_leg(legs - 1, Leg::LISTEN).expect("leg");
        let ins: Vec<&[i16]> = inputs.iter().map(Vec::as_slice).collect();
        let mut outs = vec![vec![0i16; 160]; legs];
        for block in [8usize, 160] {
            group.throughput(Throughput::Elements((legs * 160) as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("legs{legs}"), format!("block{block}")),
                &block,
                |b, &block| {
                    b.iter(|| {
                        for start in (0..160).step_by(block) {
                            // Fixed arrays of slices, as the media thread would build them: no allocation.
                            let part: [&[i16]; 32] = core::array::from_fn(|i| {
                                ins.get(i).map_or(&[][..], |x| &x[start..start + block])
                            });
                            let mut it = outs.iter_mut();
                            let mut refs: [&mut [i16]; 32] = core::array::from_fn(|_| {
                                it.next()
                                    .map_or_else(Default::default, |o| &mut o[start..start + block])
                            });
                            m.mix(black_box(&part[..legs]), &mut refs[..legs])
                                .expect("mix");
                        }
                    });
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, mixer);
criterion_main!(benches);
