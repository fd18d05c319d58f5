//! Cost of the line machines per second of line (1000 chunks of 1 ms), as the media thread
//! would run them, one port: an FXS collecting digits (DTMF detector on the phone's audio,
//! dial tone out), an FXO off-hook (tone detector for disconnect supervision), and an FXO
//! on-hook with its FSK caller-ID receiver armed. Divide 1 s by the time for ports per core.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use analog::{Fxo, FxoConfig, Fxs, FxsConfig, Hook, Input, Instant, LineSignal};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media_dsp::tones::{Country, ToneGenerator, ToneKind};

const CHUNKS: usize = 1000;

fn busy_second() -> Vec<[i16; 8]> {
    let spec = Country::China.profile().tone(ToneKind::Busy).expect("busy");
    let mut g = ToneGenerator::new(spec);
    (0..CHUNKS)
        .map(|_| {
            let mut c = [0i16; 8];
            g.fill(&mut c);
            c
        })
        .collect()
}

fn drain_fxs(m: &mut Fxs) {
    while let Some(t) = m.poll_transmit() {
        black_box(t);
    }
    while let Some(e) = m.poll_event() {
        black_box(e);
    }
}

fn drain_fxo(m: &mut Fxo) {
    while let Some(t) = m.poll_transmit() {
        black_box(t);
    }
    while let Some(e) = m.poll_event() {
        black_box(e);
    }
}

fn bench(c: &mut Criterion) {
    let audio = busy_second();
    let mut g = c.benchmark_group("analog");
    g.throughput(Throughput::Elements(CHUNKS as u64));
    g.bench_function("fxs_dialing_1s", |b| {
        let mut m = Fxs::new(FxsConfig::china());
        let mut now = Instant::ZERO;
        m.handle_input(now, Input::Line(LineSignal::Hook(Hook::Off)));
        b.iter(|| {
            for chunk in &audio {
                m.handle_input(now, Input::Audio(black_box(*chunk)));
                drain_fxs(&mut m);
                now += Duration::from_millis(1);
            }
        });
    });
    g.bench_function("fxo_offhook_supervision_1s", |b| {
        let mut cfg = FxoConfig::china();
        cfg.busy_detect = false; // stay off-hook while measuring
        let mut m = Fxo::new(cfg).expect("config");
        m.seize().expect("idle");
        let mut now = Instant::ZERO;
        b.iter(|| {
            for chunk in &audio {
                m.handle_input(now, Input::Audio(black_box(*chunk)));
                drain_fxo(&mut m);
                now += Duration::from_millis(1);
            }
        });
    });
    g.bench_function("fxo_onhook_cid_armed_1s", |b| {
        let mut m = Fxo::new(FxoConfig::china()).expect("config");
        let mut now = Instant::ZERO;
        b.iter(|| {
            // A first ring arms the receiver (its window is 5 s; re-armed each iteration).
            m.handle_input(now, Input::Line(LineSignal::Ring(true)));
            now += Duration::from_millis(1000);
            m.handle_input(now, Input::Line(LineSignal::Ring(false)));
            for chunk in &audio {
                m.handle_input(now, Input::Audio(black_box(*chunk)));
                drain_fxo(&mut m);
                now += Duration::from_millis(1);
            }
            now += Duration::from_millis(10_000);
            m.handle_timeout(now);
            drain_fxo(&mut m);
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
