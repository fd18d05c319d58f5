//! Line faults while the channel is idle, over the raw E1 virtual line: no spurious
//! seizure from bit errors or slips; a short loss of signal blocks the channel for the
//! duration of the alarm (the far end sees it blocked) and it is usable again afterwards.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use common::{E1Pair, both_idle, digits, offered_to};
use r2::{Config, Event, R2Error, StateName};
use tdm::virt::Impairments;

#[test]
fn bit_errors_and_slips_in_idle_cause_no_events() {
    let mut p = E1Pair::new(Config::china(), Config::china());
    p.impair_a_to_b(Impairments::with_ber(1e-3, 7));
    p.impair_b_to_a(Impairments::slip_every(
        NonZeroU32::new(800).expect("nonzero"),
    ));
    p.run(Duration::from_secs(5));
    assert!(p.a.events().is_empty(), "{:?}", p.a.events());
    assert!(p.b.events().is_empty(), "{:?}", p.b.events());
    assert!(both_idle(&p));
}

#[test]
fn short_los_in_idle_blocks_then_recovers() {
    let mut p = E1Pair::new(Config::china(), Config::china());
    p.impair_a_to_b(Impairments::los());
    p.run(Duration::from_millis(60));
    p.impair_a_to_b(Impairments::none());
    assert!(p.run_until(Duration::from_millis(100), |p| p.b.r2.state()
        == StateName::Fault));
    // B sends the blocking pattern while in alarm: A sees the channel blocked.
    assert!(p.run_until(Duration::from_millis(100), |p| p.a.has(&Event::Blocked)));
    let now = p.now;
    assert_eq!(
        p.a.r2.call(now, digits("1"), digits("")),
        Err(R2Error::Blocked)
    );
    // No call existed: nobody reports a cleared call.
    assert!(p.run_until(Duration::from_secs(5), both_idle));
    for end in [&p.a, &p.b] {
        assert!(
            !end.events()
                .iter()
                .any(|e| matches!(e, Event::Cleared { .. })),
            "{:?}",
            end.events()
        );
    }
    assert!(p.a.has(&Event::Idle) && p.b.has(&Event::Idle));
    let now = p.now;
    p.a.r2
        .call(now, digits("4321"), digits(""))
        .expect("call after recovery");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        offered_to(&p.b.events).is_some()
    }));
}
