//! Seizure with no acknowledgement: after `Timers::seize_ack` (8 s by default) the outgoing
//! end gives up, sends clear-forward and is idle again; not before. Simulated time.

mod common;

use std::time::Duration;

use common::{DirectPair, digits};
use r2::{ClearReason, Config, Event, StateName};
use tdm::Instant;

#[test]
fn no_seize_ack_clears_after_the_timer() {
    let mut p = DirectPair::new(Config::china(), Config::china());
    // Nothing the far end sends reaches us.
    p.b_to_a = false;
    let t0 = p.now;
    p.a.call(t0, digits("1234"), digits("")).expect("call");
    assert_eq!(p.a.poll_timeout(), Some(t0 + Duration::from_secs(8)));
    p.run(Duration::from_millis(7990));
    assert_eq!(p.a.state(), StateName::SeizeSent);
    assert!(p.events_a().is_empty());
    p.run(Duration::from_millis(20));
    let cleared: Vec<Instant> = p
        .ev_a
        .iter()
        .filter(|(_, e)| {
            *e == Event::Cleared {
                reason: ClearReason::SeizeAckTimeout,
            }
        })
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(cleared, vec![t0 + Duration::from_secs(8)]);
    // Clear-forward went out: the far end (which did acknowledge) goes back to idle too.
    assert_eq!(p.a.tx_abcd(), Config::china().bits.clear_forward);
    p.b_to_a = true;
    p.run(Duration::from_millis(50));
    assert_eq!(p.b.state(), StateName::Idle);
    // A never received any bits from B (the wire was cut from the start), so nothing holds
    // its release: it is idle at once.
    assert_eq!(p.a.state(), StateName::Idle);
}

#[test]
fn a_configured_seize_ack_timer_is_used() {
    let mut cfg = Config::itu();
    cfg.timers.seize_ack = Duration::from_millis(1500);
    let mut p = DirectPair::new(cfg, cfg);
    p.b_to_a = false;
    let t0 = p.now;
    p.a.call(t0, digits("1"), digits("")).expect("call");
    p.run(Duration::from_millis(1600));
    assert!(
        p.ev_a
            .iter()
            .any(|(t, e)| *t == t0 + Duration::from_millis(1500)
                && *e
                    == Event::Cleared {
                        reason: ClearReason::SeizeAckTimeout
                    })
    );
}
