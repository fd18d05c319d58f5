//! Q.921 costs: parsing and emitting one I frame, and 1000 Q.931-sized I frames carried
//! NT -> TE with acknowledgements (two entities back to back, no loss).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use isdn::q921::{Config, Control, FrameRepr, Link, Role};
use tdm::Instant;

fn codec(c: &mut Criterion) {
    let info = [0x08, 0x02, 0x00, 0x01, 0x05, 0x04, 0x03, 0x80, 0x90, 0xA3];
    let repr = FrameRepr {
        sapi: 0,
        cr: true,
        tei: 0,
        control: Control::I {
            ns: 17,
            nr: 99,
            p: false,
        },
        info: &info,
    };
    let bytes = repr.to_vec().unwrap();
    c.bench_function("q921 parse I frame", |b| {
        b.iter(|| FrameRepr::parse_bytes(black_box(&bytes)).map(|r| r.control))
    });
    let mut out = [0u8; 300];
    c.bench_function("q921 emit I frame", |b| {
        b.iter(|| black_box(&repr).emit(&mut out))
    });
}

fn transfer(c: &mut Criterion) {
    let msg = [0x08u8; 40];
    c.bench_function("q921 1000 I frames NT->TE", |b| {
        b.iter(|| {
            let mut nt = Link::new(Role::Network, Config::default());
            let mut te = Link::new(Role::User, Config::default());
            let mut now = Instant::ZERO;
            nt.establish(now);
            let mut delivered = 0;
            let mut queued = 0;
            while delivered < 1000 {
                while queued < 1000 && nt.send(now, &msg).is_ok() {
                    queued += 1;
                }
                while let Some(f) = nt.poll_transmit() {
                    te.handle_input(now, &f);
                }
                while let Some(f) = te.poll_transmit() {
                    nt.handle_input(now, &f);
                }
                while let Some(e) = te.poll_event() {
                    if matches!(e, isdn::q921::Event::Data(_)) {
                        delivered += 1;
                    }
                }
                while nt.poll_event().is_some() {}
                now += Duration::from_millis(1);
            }
            delivered
        })
    });
}

criterion_group!(benches, codec, transfer);
criterion_main!(benches);
