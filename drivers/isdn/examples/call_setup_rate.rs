//! Q.931 call setups per second through our back-to-back `Pri` NT/TE pair, as one JSON line
//! for `scripts/bench-peers.sh pri`, which runs libpri's back-to-back pair
//! (`benches/peers/libpri_b2b.c`) with the same call flow in the same run.
//!
//! Usage: `cargo run --release -p isdn --example call_setup_rate -- [CALLS] [RUNS]`
//! (defaults 100000 and 5). Time is wall clock (std has no thread CPU clock), best of RUNS.

#[path = "../benches/b2b/mod.rs"]
mod b2b;

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: u32 = args
        .next()
        .map_or(100_000, |a| a.parse().expect("CALLS: a number"));
    let runs: u32 = args
        .next()
        .map_or(5, |a| a.parse().expect("RUNS: a number"));
    assert!(
        calls > 0 && runs > 0,
        "usage: call_setup_rate [CALLS] [RUNS]"
    );
    let (mut te, mut nt, mut now) = b2b::pair();
    b2b::one_call(&mut te, &mut nt, &mut now);
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let t0 = std::time::Instant::now();
        for _ in 0..calls {
            b2b::one_call(&mut te, &mut nt, &mut now);
        }
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let n = f64::from(calls);
    println!(
        "{{\"implementation\":\"isdn {}\",\"calls\":{calls},\"best_seconds\":{best:.6},\"calls_per_s\":{:.0},\"us_per_call\":{:.3}}}",
        env!("CARGO_PKG_VERSION"),
        n / best,
        best / n * 1e6
    );
}
