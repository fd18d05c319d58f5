//! Dial pulses (loop breaks timed by the FXO, DAHDI's 50/50 ms, 750 ms between digits) are
//! counted by the FXS; a hook flash and a long on-hook are told apart from pulses.
mod common;

use analog::{DialMode, FxoConfig, FxoEvent, FxsConfig, FxsEvent, FxsState};
use common::Loop;

fn digits(l: &Loop) -> String {
    l.fxs_events
        .iter()
        .filter_map(|(_, e)| match e {
            FxsEvent::Digit { digit, pulse } => {
                assert!(*pulse, "a DTMF digit in a pulse test");
                Some(*digit)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn pulse_digits_are_counted() {
    let mut l = Loop::new(FxsConfig::china(), FxoConfig::china());
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(500);
    l.fxo.dial(l.now, "9051", DialMode::Pulse).unwrap();
    assert!(l.run_until(10_000, |l| {
        l.fxo_saw(|e| *e == FxoEvent::DialComplete).is_some()
    }));
    assert_eq!(digits(&l), "9051");
    // The loop was never open long enough for a flash or an on-hook.
    assert!(
        l.fxs_saw(|e| matches!(e, FxsEvent::Flash | FxsEvent::OnHook))
            .is_none()
    );
    assert_eq!(l.fxs.state(), FxsState::Dialing);
    let inter = u64::from(l.fxs.config().timers.inter_digit_ms);
    l.run(inter + 10);
    assert!(l.fxs_events.iter().any(|(_, e)| *e
        == FxsEvent::Dialed {
            number: "9051".into()
        }));
}

#[test]
fn flash_and_on_hook() {
    let mut l = Loop::new(FxsConfig::china(), FxoConfig::china());
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(300);
    l.fxo.flash(l.now).unwrap();
    assert!(l.run_until(2000, |l| {
        l.fxo_saw(|e| *e == FxoEvent::FlashComplete).is_some()
    }));
    l.run(10);
    assert!(l.fxs_saw(|e| *e == FxsEvent::Flash).is_some());
    assert!(l.fxs_saw(|e| matches!(e, FxsEvent::Digit { .. })).is_none());
    assert_eq!(l.fxs.state(), FxsState::Dialing);
    l.fxo.hangup();
    l.run(1200);
    assert_eq!(
        l.fxs.state(),
        FxsState::Dialing,
        "on-hook is decided only after 1250 ms"
    );
    l.run(100);
    assert_eq!(l.fxs.state(), FxsState::Idle);
    assert!(l.fxs_saw(|e| *e == FxsEvent::OnHook).is_some());
}
