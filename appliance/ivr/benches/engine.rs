//! Engine throughput with many concurrent calls in one thread, and per-call state size.
//!
//! `cargo bench -p ivr --bench engine`
//!
//! Each call runs the demo flow for 8000 from the caller look-up to the transfer to support,
//! through the balance look-up and its read-out (37 inputs); calls are stepped round-robin so
//! the working set is that of many live calls, not one hot call.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ivr::{Action, Call, Input, LocalTime, LookUpOutcome};
use tdm::Instant;

/// Drives one call one step: answers what it last asked for, or presses the next key.
struct Sim {
    call: Call,
    keys: std::str::Chars<'static>,
    pending_lookup: Option<u32>,
    playing: bool,
    done: bool,
}

const KEYS: &str = "979927398713#2";

fn step(s: &mut Sim, now: Instant, local: LocalTime, balance: &BTreeMap<String, String>) -> usize {
    let input = if let Some(id) = s.pending_lookup.take() {
        Input::LookUpResult {
            id,
            outcome: LookUpOutcome::Found(balance.clone()),
        }
    } else if s.playing {
        Input::PromptFinished
    } else if let Some(k) = s.keys.next() {
        Input::Digit(k)
    } else {
        s.done = true;
        return 0;
    };
    s.call.handle_input(now, local, input);
    s.playing = false;
    let mut n = 1;
    while let Some(a) = s.call.poll_action() {
        n += 1;
        match a {
            Action::LookUp(r) => s.pending_lookup = Some(r.id),
            Action::Play { .. } => s.playing = true,
            Action::StopPlayback => s.playing = false,
            Action::Transfer { .. } => s.done = true,
            _ => {}
        }
    }
    n
}

fn run_calls(flow: &Arc<ivr::ValidFlow>, calls: usize, local: LocalTime) -> usize {
    let balance = BTreeMap::from([("balance_cents".to_owned(), "12345".to_owned())]);
    let mut now = Instant::from_millis(1);
    let mut sims: Vec<Sim> = (0..calls)
        .map(|i| {
            let mut call = Call::new(Arc::clone(flow), &format!("1380013{i:04}"), "8000");
            call.start(now, local);
            let mut s = Sim {
                call,
                keys: KEYS.chars(),
                pending_lookup: None,
                playing: false,
                done: false,
            };
            while let Some(a) = s.call.poll_action() {
                if let Action::LookUp(r) = a {
                    s.pending_lookup = Some(r.id);
                }
            }
            s
        })
        .collect();
    let mut inputs = 0;
    for _ in 0..200 {
        now += Duration::from_millis(100);
        let mut live = false;
        for s in sims.iter_mut().filter(|s| !s.done) {
            live = true;
            if step(s, now, local, &balance) > 0 {
                inputs += 1;
            }
        }
        if !live {
            break;
        }
    }
    assert!(
        sims.iter().all(|s| s.done),
        "every call reaches the transfer"
    );
    inputs
}

fn bench(c: &mut Criterion) {
    let flow = Arc::new(ivr::parse_and_validate(ivr::DEMO_FLOW_8000).unwrap());
    let local = LocalTime::new(2026, 11, 24, 10, 0, 0).unwrap();
    let per_call = run_calls(&flow, 1, local);
    // Per-call state: the struct plus its variables at the transfer (heap, approximate).
    let mut call = Call::new(Arc::clone(&flow), "13800138000", "8000");
    call.set_var("customer.name", "Han Meimei");
    call.set_var("account", "79927398713");
    call.set_var("acct.balance_cents", "12345");
    let var_bytes: usize = call
        .call_data()
        .0
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2 * 24)
        .sum();
    eprintln!(
        "ivr: size_of::<Call>() = {} bytes; variables at transfer ~{} bytes (keys + values + String headers, BTreeMap nodes not counted); {} inputs per call",
        size_of::<Call>(),
        var_bytes,
        per_call
    );
    let mut g = c.benchmark_group("ivr_engine");
    g.sample_size(10);
    for calls in [1_000usize, 10_000] {
        g.throughput(Throughput::Elements((calls * per_call) as u64));
        g.bench_function(format!("demo_flow_{calls}_concurrent_calls"), |b| {
            b.iter(|| black_box(run_calls(&flow, calls, local)));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
