//! A phone left off-hook without dialling: dial tone, then busy tone after the first-digit
//! timeout, then the howler; hanging up returns the port to idle.
mod common;

use analog::{FxoConfig, FxoEvent, FxsConfig, FxsEvent, FxsState, ToneKind};
use common::Loop;

#[test]
fn dial_tone_then_busy_then_howler() {
    let mut port = FxoConfig::china();
    port.busy_detect = false; // the phone keeps listening
    let mut l = Loop::new(FxsConfig::china(), port);
    l.run(10);
    l.fxo.seize().unwrap();
    let t = l.fxs.config().timers;
    assert!(l.run_until(u64::from(t.first_digit_ms) + 100, |l| {
        l.fxs_saw(|e| *e == FxsEvent::DialTimeout).is_some()
    }));
    assert_eq!(l.fxs.state(), FxsState::Released);
    assert!(
        l.run_until(5000, |l| l
            .fxo_saw(|e| *e == FxoEvent::Tone(ToneKind::Busy))
            .is_some()),
        "{:?}",
        l.fxo_events
    );
    assert!(
        l.fxo_saw(|e| *e == FxoEvent::Tone(ToneKind::Dial))
            .is_some()
    );
    let mut busy_peak = 0i16;
    for _ in 0..1000 {
        l.step();
        busy_peak = busy_peak.max(l.from_fxs.iter().map(|s| s.saturating_abs()).max().unwrap());
    }
    assert!(l.run_until(u64::from(t.busy_before_howler_ms) + 100, |l| {
        l.fxs_saw(|e| *e == FxsEvent::Howler).is_some()
    }));
    // The howler is louder than busy tone and is not busy tone: busy ends at the phone.
    assert!(l.run_until(2000, |l| {
        l.fxo_saw(|e| *e == FxoEvent::ToneEnded(ToneKind::Busy))
            .is_some()
    }));
    let mut howler_peak = 0i16;
    for _ in 0..1000 {
        l.step();
        howler_peak = howler_peak.max(l.from_fxs.iter().map(|s| s.saturating_abs()).max().unwrap());
    }
    assert!(
        howler_peak > busy_peak,
        "howler {howler_peak}, busy {busy_peak}"
    );
    l.fxo.hangup();
    assert!(l.run_until(2000, |l| l.fxs.state() == FxsState::Idle));
    assert!(l.fxs_saw(|e| *e == FxsEvent::OnHook).is_some());
}
