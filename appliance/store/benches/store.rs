//! Store benchmarks: event-log appends (one per transaction and batched) and the screen-pop
//! look-up (customer by caller ID) with 100 000 customers.
//!
//! Run: `cargo bench -p store --bench store`. Figures go in BENCHMARKS.md (store section).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use store::crm::{NewContact, NewCustomer};
use store::events::{EventKind, NewEvent};
use store::{Store, Timestamp};

fn event(i: i64) -> NewEvent {
    NewEvent::new(Timestamp(i), EventKind::QueueEnter)
        .call(format!("call-{i}"))
        .queue("sales")
        .payload(serde_json::json!({ "pos": i % 10 }))
}

fn appends(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("bench.db")).unwrap();
    let mut g = c.benchmark_group("event_append");
    let mut i = 0;
    g.throughput(Throughput::Elements(1));
    g.bench_function("single (1 per transaction)", |b| {
        b.iter(|| {
            i += 1;
            store.append_event(&event(i)).unwrap()
        });
    });
    for batch in [10_usize, 100, 1000] {
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(format!("batch of {batch}"), |b| {
            b.iter_batched(
                || {
                    (0..batch)
                        .map(|_| {
                            i += 1;
                            event(i)
                        })
                        .collect::<Vec<_>>()
                },
                |evs| store.append_events(&evs).unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();
}

fn screen_pop(c: &mut Criterion) {
    const N: u64 = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("crm.db")).unwrap();
    for k in 0..N {
        store
            .create_customer(
                &NewCustomer {
                    name: format!("Customer {k}"),
                    contacts: vec![NewContact {
                        name: format!("Contact {k}"),
                        phone: format!("139{k:08}"),
                        email: String::new(),
                    }],
                    ..NewCustomer::default()
                },
                Timestamp(0),
            )
            .unwrap();
    }
    let mut k = 0_u64;
    c.bench_function("customer_by_phone (100k customers)", |b| {
        b.iter(|| {
            // A spread of numbers, in a different written form than stored.
            k = (k + 7919) % N;
            let n = format!("+86 139 {k:08}");
            assert!(store.customer_by_phone(&n).unwrap().is_some());
        });
    });
    c.bench_function("customer_by_phone miss (100k customers)", |b| {
        b.iter(|| {
            assert!(
                store
                    .customer_by_phone("+44 20 7946 0000")
                    .unwrap()
                    .is_none()
            )
        });
    });
}

criterion_group!(benches, appends, screen_pop);
criterion_main!(benches);
