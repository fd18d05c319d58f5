//! `Session::handle_input` / `handle_timeout` / the media calls on arbitrary datagram
//! sequences: never panics, outputs stay bounded.
//!
//! Input layout: records of `len: u8, delay_ms: u8, op: u8, datagram[len]`. op bit 0 picks
//! a second source address (latching), bit 1 begins a digit, bit 2 ends it, bit 3 closes.
#![no_main]

use std::net::SocketAddr;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use rtp::session::{MAX_DATAGRAM, Session, SessionConfig};
use tdm::Instant;

fuzz_target!(|data: &[u8]| {
    let mut s = Session::new(Instant::ZERO, SessionConfig::default());
    let a: SocketAddr = "192.0.2.1:4000".parse().unwrap();
    let b: SocketAddr = "192.0.2.2:4000".parse().unwrap();
    let mut now = Instant::ZERO;
    let mut rest = data;
    let mut buf = [0u8; MAX_DATAGRAM];
    while let [len, delay, op, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (d, next) = tail.split_at(len);
        rest = next;
        for _ in 0..*delay {
            now += Duration::from_millis(1);
            let mut out = [0i16; 8];
            s.pull_chunk(&mut out);
            s.push_chunk(now, &out);
            if s.poll_timeout().is_some_and(|t| t <= now) {
                s.handle_timeout(now);
            }
        }
        if op & 2 != 0 {
            let _ = s.begin_digit(now, '5');
        }
        if op & 4 != 0 {
            s.end_digit(now);
        }
        let _ = s.handle_input(now, d, if op & 1 == 0 { a } else { b });
        if op & 8 != 0 {
            s.close(now);
        }
        let mut sent = 0;
        while s.poll_transmit(now, &mut buf).is_some() {
            sent += 1;
            assert!(sent <= 64, "transmit queue unbounded");
        }
        let mut events = 0;
        while s.poll_event().is_some() {
            events += 1;
        }
        assert!(events <= 64);
    }
});
