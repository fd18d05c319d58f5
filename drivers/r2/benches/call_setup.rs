//! CPU cost of one complete China call set-up between two R2 channels wired back to back in
//! simulated time (no E1 framer): seizure, 8 DNIS digits, category, 8 ANI digits, Group B,
//! answer and clearing, with the MF tones generated and detected in every 1 ms chunk of the
//! register phase (about 1.5 s of line time).
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use r2::{Config, Event, Input, R2Channel, StateName, Transmit};
use tdm::Instant;

const SILENCE: [u8; 8] = [0xD5; 8];

fn call() -> u64 {
    let cfg = Config {
        max_dnis: 8,
        ..Config::china()
    };
    let mut a = R2Channel::new(cfg, 1).expect("config");
    let mut b = R2Channel::new(cfg, 1).expect("config");
    let mut now = Instant::ZERO;
    // What each end sent in the previous millisecond: bits (if changed) and audio.
    let mut from_a: (Option<u8>, [u8; 8]) = (None, SILENCE);
    let mut from_b: (Option<u8>, [u8; 8]) = (None, SILENCE);
    let mut ms = 0u64;
    let mut placed = false;
    let mut hung_up = false;
    for _ in 0..5000 {
        ms += 1;
        now += Duration::from_millis(1);
        let (in_a, in_b) = (from_b, from_a);
        for (ch, input, output) in [(&mut a, in_a, &mut from_a), (&mut b, in_b, &mut from_b)] {
            if ch.poll_timeout().is_some_and(|t| t <= now) {
                ch.handle_timeout(now);
            }
            if let Some(bits) = input.0 {
                ch.handle_input(now, Input::Abcd(bits));
            }
            ch.handle_input(now, Input::Audio(&input.1));
            *output = (None, SILENCE);
            while let Some(t) = ch.poll_transmit() {
                match t {
                    Transmit::Abcd(v) => output.0 = Some(v),
                    Transmit::Audio(x) => output.1 = x,
                }
            }
        }
        while let Some(e) = b.poll_event() {
            if let Event::IncomingCall { .. } = e {
                b.accept(now, true).expect("accept");
                b.answer(now).expect("answer");
            }
        }
        while let Some(e) = a.poll_event() {
            if e == Event::Answered {
                a.hangup(now).expect("hangup");
                hung_up = true;
            }
        }
        if !placed && ms > 50 {
            a.call(
                now,
                "87654321".parse().expect("dnis"),
                "13800138".parse().expect("ani"),
            )
            .expect("call");
            placed = true;
        }
        if hung_up && a.state() == StateName::Idle && b.state() == StateName::Idle {
            return ms;
        }
    }
    panic!("call did not complete");
}

fn bench(c: &mut Criterion) {
    let ms = call();
    println!("one call set-up and release: {ms} ms of line time");
    c.bench_function("r2_china_call_setup_and_release", |b| b.iter(call));
}

criterion_group!(benches, bench);
criterion_main!(benches);
