//! The ITU variant through the same code: C/D bits 0/1, A-5 for the category and each ANI
//! digit, end of ANI by I-15, B-6 subscriber free with charge, B-3 busy. The called number
//! is shorter than max_dnis, so its end is found by the incoming register's cycle timer and
//! address complete goes as a pulsed A-3 (Q.442).

mod common;

use std::time::Duration;

use common::{E1Pair, both_idle, digit_order, digits, offered_to};
use r2::{ClearReason, Config, Event, StateName};

#[test]
fn itu_call_with_pulsed_address_complete() {
    let cfg = Config {
        max_dnis: 10,
        ..Config::itu()
    };
    let mut p = E1Pair::new(cfg, cfg);
    // ITU idle is 1001: C/D = 0/1.
    assert_eq!(p.a.r2.tx_abcd(), 0b1001);
    let now = p.now;
    p.b.r2
        .call(now, digits("2468"), digits("135"))
        .expect("call");
    assert!(
        p.run_until(Duration::from_secs(10), |p| offered_to(&p.a.events)
            .is_some()),
        "{:?} / {:?}",
        p.a.events(),
        p.b.events()
    );
    let (ani, dnis, _) = offered_to(&p.a.events).expect("offered");
    assert_eq!((ani.as_str(), dnis.as_str()), ("135", "2468"));
    // The called number came first; the calling number after (ended by I-15).
    assert_eq!(digit_order(&p.a.events), "ddddaaa");
    let now = p.now;
    p.a.r2.accept(now, false).expect("accept");
    assert!(p.run_until(Duration::from_secs(2), |p| {
        p.b.has(&Event::Accepted { charge: false })
    }));
    let now = p.now;
    p.a.r2.answer(now).expect("answer");
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.r2.state()
        == StateName::OutAnswered));
    let now = p.now;
    p.b.r2.hangup(now).expect("hangup");
    assert!(p.run_until(Duration::from_secs(1), both_idle));
    assert!(p.a.has(&Event::Cleared {
        reason: ClearReason::ClearForward
    }));
}

#[test]
fn itu_busy_is_b3() {
    let cfg = Config {
        max_dnis: 4,
        ..Config::itu()
    };
    let mut p = E1Pair::new(cfg, cfg);
    let now = p.now;
    p.a.r2.call(now, digits("2468"), digits("")).expect("call");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        offered_to(&p.b.events).is_some()
    }));
    // No calling number: the outgoing register answered the first ANI request with I-15.
    assert_eq!(offered_to(&p.b.events).expect("offered").0, "");
    let now = p.now;
    p.b.r2
        .reject(now, ClearReason::Unallocated)
        .expect("reject");
    assert!(p.run_until(Duration::from_secs(2), both_idle));
    assert!(p.a.has(&Event::Cleared {
        reason: ClearReason::Unallocated
    }));
}
