//! Compelled cycles that never complete (the B-channel carries no tones, the bits still
//! pass): the incoming register gives up after `first_digit` (10 s) without a first signal,
//! the outgoing one after `mf_fwd_safety` (10 s) without an answer to its signal. And a
//! called number that just stops: the incoming register's `mf_back_cycle` (1.5 s) ends it.

mod common;

use std::time::Duration;

use common::{DirectPair, digits, offered_to};
use r2::{ClearReason, Config, Event, StateName};

#[test]
fn tones_lost_both_registers_time_out_and_the_line_returns_to_idle() {
    let mut p = DirectPair::new(Config::china(), Config::china());
    p.audio_ab = false;
    p.audio_ba = false;
    let t0 = p.now;
    p.a.call(t0, digits("1234"), digits("")).expect("call");
    p.run(Duration::from_millis(100));
    assert_eq!(p.a.state(), StateName::OutRegister);
    assert_eq!(p.b.state(), StateName::InRegister);
    p.run(Duration::from_millis(9800));
    assert!(
        p.events_a()
            .iter()
            .all(|e| !matches!(e, Event::Cleared { .. }))
    );
    p.run(Duration::from_millis(300));
    let timeout = Event::Cleared {
        reason: ClearReason::CompelledTimeout,
    };
    let at = |ev: &[(tdm::Instant, Event)]| ev.iter().find(|(_, e)| *e == timeout).map(|e| e.0);
    let (ta, tb) = (
        at(&p.ev_a).expect("A timed out"),
        at(&p.ev_b).expect("B timed out"),
    );
    // A: 10 s after its first digit went out (on seizure acknowledgement, a few ms in).
    assert!(ta >= t0 + Duration::from_secs(10) && ta <= t0 + Duration::from_millis(10_050));
    // B: 10 s after acknowledging.
    assert!(tb >= t0 + Duration::from_secs(10) && tb <= t0 + Duration::from_millis(10_050));
    p.run(Duration::from_millis(100));
    assert_eq!(p.a.state(), StateName::Idle);
    assert_eq!(p.b.state(), StateName::Idle);
}

#[test]
fn mf_back_cycle_ends_a_number_of_unknown_length() {
    // max_dnis is larger than the number: the incoming register waits 1.5 s for a fifth
    // digit, then asks for the category by a pulse.
    let callee = Config {
        max_dnis: 12,
        get_ani: false,
        ..Config::china()
    };
    let mut p = DirectPair::new(Config::china(), callee);
    let t0 = p.now;
    p.a.call(t0, digits("5678"), digits("")).expect("call");
    p.run(Duration::from_secs(3));
    let offered_at = p
        .ev_b
        .iter()
        .find(|(_, e)| matches!(e, Event::IncomingCall { .. }))
        .map(|e| e.0)
        .expect("offered");
    let last_digit_at = p
        .ev_b
        .iter()
        .filter(|(_, e)| matches!(e, Event::Digit { .. }))
        .map(|e| e.0)
        .next_back()
        .expect("digits");
    // Last digit -> cycle completes (~50 ms) -> 1.5 s of waiting -> pulsed A-3 (150 ms),
    // answered by the category during the pulse -> 50 ms pause -> offered.
    let gap = offered_at - last_digit_at;
    assert!(
        gap >= Duration::from_millis(1700) && gap < Duration::from_millis(1850),
        "gap {gap:?}"
    );
    assert_eq!(offered_to(&p.ev_b).expect("offered").1, "5678");
}

#[test]
fn no_decision_from_the_application_times_out_the_outgoing_register() {
    let mut p = DirectPair::new(
        Config::china(),
        Config {
            max_dnis: 4,
            ..Config::china()
        },
    );
    let t0 = p.now;
    p.a.call(t0, digits("5678"), digits("1")).expect("call");
    p.run(Duration::from_secs(2));
    assert_eq!(p.b.state(), StateName::InOffered);
    // The category tone is held while B's application decides; A waits mf_fwd_safety.
    p.run(Duration::from_secs(10));
    assert!(p.events_a().contains(&Event::Cleared {
        reason: ClearReason::CompelledTimeout
    }));
    // A's clear-forward releases B too (after the line delay and B's recognition time).
    p.run(Duration::from_millis(100));
    assert!(p.events_b().contains(&Event::Cleared {
        reason: ClearReason::ClearForward
    }));
    assert_eq!(p.a.state(), StateName::Idle);
    assert_eq!(p.b.state(), StateName::Idle);
}
