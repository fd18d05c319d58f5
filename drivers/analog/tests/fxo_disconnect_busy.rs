//! Disconnect supervision on an FXO port: the far end (a simulated CO) clears an answered
//! call by busy tone only (what many Chinese COs do, no reversal, no battery drop): the FXO
//! hears it (media-dsp's tone detector) and goes on-hook within 3 s; with busy detection
//! off it does not.
mod common;

use analog::{DisconnectReason, DisconnectSignals, FxoConfig, FxoEvent, FxoState, FxsConfig};
use common::{cleared, released_within_3s};

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
