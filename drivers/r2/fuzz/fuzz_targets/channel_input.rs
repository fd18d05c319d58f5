//! Drives one R2 channel (China or ITU tables, by the first byte) with arbitrary line input:
//! each following byte picks an input (ABCD bits, a chunk of audio, an alarm change, time
//! passing, or an application command). It must never panic.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use r2::{ClearReason, Config, Input, R2Channel};
use tdm::Instant;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let cfg = if first & 1 == 0 { Config::china() } else { Config::itu() };
    let Ok(mut ch) = R2Channel::new(cfg, 1) else {
        return;
    };
    let mut now = Instant::ZERO;
    let mut bytes = rest.iter().copied();
    while let Some(b) = bytes.next() {
        match b >> 4 {
            0..=3 => ch.handle_input(now, Input::Abcd(b & 0x0F)),
            4..=9 => {
                let mut chunk = [0xD5u8; 8];
                for c in &mut chunk {
                    *c = bytes.next().unwrap_or(0xD5);
                }
                now += Duration::from_millis(1);
                ch.handle_input(now, Input::Audio(&chunk));
            }
            10 => ch.handle_input(now, Input::Alarm(b & 1 == 1)),
            11 | 12 => {
                now += Duration::from_millis(u64::from(b & 0x0F) * 250);
                ch.handle_timeout(now);
            }
            _ => {
                let _ = match b & 0x07 {
                    0 => ch.call(now, "1234".parse().unwrap_or_default(), Default::default()),
                    1 => ch.accept(now, b & 8 != 0),
                    2 => ch.reject(now, ClearReason::Busy),
                    3 => ch.answer(now),
                    4 => ch.hangup(now),
                    5 => ch.block(now),
                    _ => ch.unblock(now),
                };
            }
        }
        while ch.poll_transmit().is_some() {}
        while ch.poll_event().is_some() {}
        let _ = ch.poll_timeout();
    }
});
