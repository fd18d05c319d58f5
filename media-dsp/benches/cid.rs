//! Caller-ID FSK receiver and transmitter cost per sample (8-sample chunks, as the media
//! thread feeds them). One channel receives caller ID only around ringing, so this mostly
//! shows how cheap it is to leave the receiver on.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::cid::{CallerId, CidRx, CidTx, Name, Number};
use media_dsp::fsk::FskStandard;

fn message() -> CallerId {
    let mut id = CallerId::mdmf();
    id.number = Some(Number::number("01234567890123456789").expect("number"));
    id.name = Some(Name::name("Benchmark Caller").expect("name"));
    id
}

fn signal(std: FskStandard) -> Vec<i16> {
    let mut tx = CidTx::from_caller_id(std, &message(), -13.0).expect("tx");
    let mut s = vec![0i16; tx.total_samples()];
    tx.fill(&mut s);
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cid");
    for (std, name) in [(FskStandard::Bell202, "bell202"), (FskStandard::V23, "v23")] {
        let s = signal(std);
        g.throughput(Throughput::Elements(s.len() as u64));
        g.bench_function(format!("rx_{name}_8_sample_chunks"), |b| {
            b.iter(|| {
                let mut rx = CidRx::new(std);
                let mut n = 0;
                for chunk in s.chunks(8) {
                    rx.process(black_box(chunk), |r| n += usize::from(r.is_ok()));
                }
                assert_eq!(n, 1);
            });
        });
        g.bench_function(format!("tx_{name}"), |b| {
            let mut out = vec![0i16; s.len()];
            b.iter(|| {
                let mut tx = CidTx::from_caller_id(std, &message(), -13.0).expect("tx");
                black_box(tx.fill(&mut out))
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
