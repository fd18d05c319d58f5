//! Disconnect supervision on an FXO port: the far end (a simulated CO) clears an answered
//! call by busy tone only (what many Chinese COs do), by a polarity reversal, or by a
//! battery drop; each time the FXO detects it and goes on-hook within 3 s.
mod common;

use analog::{
    DialMode, DisconnectReason, DisconnectSignals, FxoConfig, FxoEvent, FxoState, FxsConfig,
    FxsEvent, FxsState,
};
use common::Loop;

/// An outgoing call from the FXO, answered by the CO, then cleared by the CO.
fn cleared(co: FxsConfig, port: FxoConfig) -> (Loop, u64) {
    let mut l = Loop::new(co, port);
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(700);
    l.fxo.dial(l.now, "10086#", DialMode::Dtmf).unwrap();
    assert!(l.run_until(3000, |l| l.fxs.state() == FxsState::Routing));
    l.fxs.answer().unwrap();
    l.run(500);
    // Without answer supervision (no reversal on answer) the call stays "seized": an
    // analog line gives no other answer signal. Either way the loop is closed.
    let expect = if l.fxs.config().reverse_on_answer {
        FxoState::Connected
    } else {
        FxoState::Seized
    };
    assert_eq!(l.fxo.state(), expect);
    l.run(2000);
    assert_eq!(l.fxo.state(), expect, "{:?}", l.fxo_events);
    let t = l.ms();
    l.fxs.hangup(l.now);
    (l, t)
}

fn released_within_3s(l: &mut Loop, t: u64, reason: DisconnectReason) {
    assert!(
        l.run_until(3000, |l| l.fxo.state() == FxoState::Idle),
        "still off-hook 3 s after the far end cleared: {:?}",
        l.fxo_events
    );
    let at = l
        .fxo_saw(|e| matches!(e, FxoEvent::Disconnected(_)))
        .unwrap();
    assert!(at - t <= 3000);
    assert!(
        l.fxo_saw(|e| *e == FxoEvent::Disconnected(reason))
            .is_some(),
        "{:?}",
        l.fxo_events
    );
    // The CO sees the loop open and returns to idle too.
    assert!(l.run_until(2000, |l| l.fxs.state() == FxsState::Idle));
    assert!(l.fxs_saw(|e| *e == FxsEvent::OnHook).is_some());
}

#[test]
fn busy_tone_only() {
    let mut co = FxsConfig::china();
    co.reverse_on_answer = false;
    co.disconnect = DisconnectSignals {
        polarity: false,
        battery_drop: false,
    };
    let (mut l, t) = cleared(co, FxoConfig::china());
    released_within_3s(&mut l, t, DisconnectReason::BusyTone);
    let at = l
        .fxo_saw(|e| matches!(e, FxoEvent::Disconnected(_)))
        .unwrap();
    assert!(
        at - t > 1000,
        "busy needs two cadence cycles, took {} ms",
        at - t
    );
}

#[test]
fn busy_tone_only_is_missed_without_busy_detect() {
    let mut co = FxsConfig::china();
    co.reverse_on_answer = false;
    co.disconnect = DisconnectSignals {
        polarity: false,
        battery_drop: false,
    };
    let mut port = FxoConfig::china();
    port.busy_detect = false;
    let (mut l, _) = cleared(co, port);
    l.run(5000);
    assert_eq!(l.fxo.state(), FxoState::Seized);
    assert!(
        l.fxo_saw(|e| *e == FxoEvent::Tone(analog::ToneKind::Busy))
            .is_some()
    );
}

#[test]
fn polarity_reversal() {
    let mut co = FxsConfig::china();
    co.disconnect = DisconnectSignals {
        polarity: true,
        battery_drop: false,
    };
    let mut port = FxoConfig::china();
    port.busy_detect = false;
    let (mut l, t) = cleared(co, port);
    assert!(l.fxo_saw(|e| *e == FxoEvent::Answered).is_some());
    released_within_3s(&mut l, t, DisconnectReason::PolarityReversal);
}

#[test]
fn battery_drop() {
    let mut co = FxsConfig::china();
    co.reverse_on_answer = false;
    co.disconnect = DisconnectSignals {
        polarity: false,
        battery_drop: true,
    };
    let mut port = FxoConfig::china();
    port.busy_detect = false;
    let (mut l, t) = cleared(co, port);
    released_within_3s(&mut l, t, DisconnectReason::BatteryDrop);
    // The battery comes back after DAHDI's 500 ms open-loop pulse.
    assert!(l.fxo.battery());
}
