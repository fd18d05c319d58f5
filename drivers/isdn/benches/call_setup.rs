//! Q.931 call setups per second through a back-to-back `Pri` pair (NT and TE, LAPD + call
//! control, sans-IO, simulated time): TE sends SETUP, NT answers with CALL PROCEEDING,
//! ALERTING and CONNECT, TE clears; one iteration ends at RELEASE COMPLETE on both sides.
//! The data link is established once, outside the measured loop. The flow is in
//! `b2b/mod.rs`, shared with `examples/call_setup_rate.rs`.
#![allow(missing_docs)]

mod b2b;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn call_setup(c: &mut Criterion) {
    let (mut te, mut nt, mut now) = b2b::pair();
    let mut g = c.benchmark_group("q931");
    g.throughput(Throughput::Elements(1));
    g.bench_function("call setup+connect+release, back-to-back Pri NT/TE", |b| {
        b.iter(|| b2b::one_call(&mut te, &mut nt, &mut now));
    });
    g.finish();
}

criterion_group!(benches, call_setup);
criterion_main!(benches);
