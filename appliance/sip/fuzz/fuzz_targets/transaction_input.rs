//! Datagrams (split on 0xFF bytes) fed to a transaction manager, with time advancing and
//! every event answered, so matching, retransmission and timers see hostile input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip::transaction::{TimerConfig, TransactionManager, TxEvent};
use tdm::Instant;

fuzz_target!(|data: &[u8]| {
    let mut tm = TransactionManager::new(TimerConfig::default(), false, 1);
    let from = "192.0.2.1:5060".parse().unwrap();
    let mut now = 0u64;
    for dgram in data.split(|b| *b == 0xff).take(32) {
        now += 300;
        tm.handle_input(Instant::from_millis(now), from, dgram);
        while let Some(e) = tm.poll_event() {
            if let TxEvent::Request { id, request, .. } = e {
                let _ = tm.send_response(Instant::from_millis(now), id, request.response(486, "Busy", Some("t")));
            }
        }
        tm.handle_timeout(Instant::from_millis(now));
        while tm.poll_transmit().is_some() {}
    }
    // Run the timers out: everything must end.
    for _ in 0..10_000 {
        match tm.poll_timeout() {
            Some(t) => tm.handle_timeout(t),
            None => break,
        }
        while tm.poll_event().is_some() {}
        while tm.poll_transmit().is_some() {}
    }
    assert!(tm.is_empty());
});
