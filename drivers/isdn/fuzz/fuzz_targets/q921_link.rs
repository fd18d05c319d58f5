//! Q.921 `Link::handle_input` / `handle_timeout` on arbitrary frame sequences: never panics,
//! the I queue stays bounded, V(S)/V(A)/V(R) stay consistent (checked inside by the state
//! machine's own invariants and by the queue bound here).
//!
//! Input layout: byte 0 selects role (bit 0) and whether to establish first (bit 1); then
//! records of `len: u8, delay_ms: u8, op: u8, frame[len]`. op bit 0 queues a DL-DATA request
//! before the frame, bit 1 requests release, bit 2 requests establishment, bit 3 reports
//! layer 1 lost (PH-DEACTIVATE indication).
#![no_main]

use std::time::Duration;

use isdn::q921::{Config, Link, Role};
use libfuzzer_sys::fuzz_target;
use tdm::Instant;

fuzz_target!(|data: &[u8]| {
    let Some((&head, mut rest)) = data.split_first() else { return };
    let role = if head & 1 == 0 { Role::Network } else { Role::User };
    let mut link = Link::new(role, Config::default());
    let mut now = Instant::ZERO;
    if head & 2 != 0 {
        link.establish(now);
    }
    while let [len, delay, op, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (frame, next) = tail.split_at(len);
        rest = next;
        now += Duration::from_millis(u64::from(*delay) * 20);
        if op & 1 != 0 {
            let _ = link.send(now, b"\x08\x02\x00\x01\x75");
        }
        if op & 2 != 0 {
            link.release(now);
        }
        if op & 4 != 0 {
            link.establish(now);
        }
        if op & 8 != 0 {
            link.physical_deactivated(now);
        }
        link.handle_timeout(now);
        link.handle_input(now, frame);
        while link.poll_transmit().is_some() {}
        while link.poll_event().is_some() {}
        assert!(link.queued() <= link.config().max_queue);
        if let Some(t) = link.poll_timeout() {
            assert!(t >= now, "a timer in the past after handle_timeout");
        }
    }
});
