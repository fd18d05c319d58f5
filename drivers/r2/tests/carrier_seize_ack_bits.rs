//! A per-carrier tweak: an exchange that acknowledges seizure with a=0 b=0 instead of
//! a=1 b=1 (the case of OpenR2 pull request 2). Configured at our end, calls complete; left
//! at the standard pattern, every outgoing call looks like a dual seizure.

mod common;

use std::time::Duration;

use common::{E1Pair, digits, offered_to};
use r2::{ClearReason, Config, Event};

fn carrier() -> Config {
    let mut c = Config {
        max_dnis: 4,
        ..Config::china()
    };
    c.bits.seize_ack = c.bits.seize;
    c
}

#[test]
fn configured_seize_ack_pattern_lets_calls_through() {
    // A is us (configured for the carrier's pattern), B plays the carrier's exchange.
    let mut p = E1Pair::new(carrier(), carrier());
    let now = p.now;
    p.a.r2
        .call(now, digits("1234"), digits("99"))
        .expect("call");
    assert!(
        p.run_until(Duration::from_secs(10), |p| offered_to(&p.b.events)
            .is_some()),
        "A {:?} B {:?}",
        p.a.events(),
        p.b.events()
    );
    assert_eq!(p.b.r2.tx_abcd(), carrier().bits.seize);
}

#[test]
fn standard_pattern_against_that_carrier_reads_as_dual_seizure() {
    let mut p = E1Pair::new(Config::china(), carrier());
    let now = p.now;
    p.a.r2.call(now, digits("1234"), digits("")).expect("call");
    assert!(
        p.run_until(Duration::from_secs(2), |p| p.a.has(&Event::Cleared {
            reason: ClearReason::DualSeizure
        }))
    );
}
