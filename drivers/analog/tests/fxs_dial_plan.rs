//! The dial-plan callback ends digit collection as soon as a number is complete, rejects
//! an impossible prefix with busy tone, and digits decoded by the hardware (DAHDI's pulse
//! digit and flash events) count like those timed here.
mod common;

use analog::{
    DialMode, DialPlanMatch, Fxs, FxsConfig, FxsEvent, FxsState, Hook, Input, Instant, LineSignal,
    ToneKind,
};
use common::Loop;

fn four_digit_extensions(d: &str) -> DialPlanMatch {
    if !d.starts_with('8') {
        DialPlanMatch::Invalid
    } else if d.len() == 4 {
        DialPlanMatch::Complete
    } else {
        DialPlanMatch::Incomplete
    }
}

#[test]
fn complete_number_is_reported_without_waiting() {
    let mut l = Loop::new(FxsConfig::china(), analog::FxoConfig::china());
    l.fxs.set_dial_plan(four_digit_extensions);
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(300);
    let t = l.ms();
    l.fxo.dial(l.now, "8123", DialMode::Dtmf).unwrap();
    assert!(l.run_until(2000, |l| {
        l.fxs_saw(|e| matches!(e, FxsEvent::Dialed { .. }))
            .is_some()
    }));
    // Four digits of 200 ms each: no inter-digit timeout was waited for.
    assert!(l.ms() - t < 1000);
    assert!(l.fxs_events.iter().any(|(_, e)| *e
        == FxsEvent::Dialed {
            number: "8123".into()
        }));
}

/// The plan is a closure over configuration that can change while the port runs (the
/// daemon's switch dial plan, replaced on reload): a number added after the port was set
/// up completes at once.
#[test]
fn closure_plan_sees_configuration_changed_while_running() {
    use std::sync::{Arc, Mutex};
    let numbers: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut l = Loop::new(FxsConfig::china(), analog::FxoConfig::china());
    let known = Arc::clone(&numbers);
    l.fxs.set_dial_plan(move |d: &str| {
        let known = known.lock().unwrap();
        if known.iter().any(|n| n == d) {
            DialPlanMatch::Complete
        } else if known.iter().any(|n| n.starts_with(d)) {
            DialPlanMatch::Incomplete
        } else {
            DialPlanMatch::Invalid
        }
    });
    numbers.lock().unwrap().push("600".into());
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(300);
    let t = l.ms();
    l.fxo.dial(l.now, "600", DialMode::Dtmf).unwrap();
    assert!(l.run_until(2000, |l| {
        l.fxs_saw(|e| matches!(e, FxsEvent::Dialed { .. }))
            .is_some()
    }));
    assert!(l.ms() - t < 1000, "no inter-digit timeout");
    assert!(l.fxs_events.iter().any(|(_, e)| *e
        == FxsEvent::Dialed {
            number: "600".into()
        }));
}

#[test]
fn invalid_prefix_gets_busy_tone() {
    let mut l = Loop::new(FxsConfig::china(), analog::FxoConfig::china());
    l.fxs.set_dial_plan(four_digit_extensions);
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(300);
    l.fxo.dial(l.now, "9", DialMode::Pulse).unwrap();
    assert!(l.run_until(3000, |l| {
        l.fxs_saw(|e| matches!(e, FxsEvent::DialInvalid { .. }))
            .is_some()
    }));
    assert_eq!(l.fxs.state(), FxsState::Released);
    assert_eq!(l.fxs.tone(), Some(ToneKind::Busy));
}

#[test]
fn hardware_decoded_pulse_digits_and_flash() {
    let mut fxs = Fxs::new(FxsConfig::china());
    let t = Instant::from_millis(5);
    fxs.handle_input(t, Input::Line(LineSignal::Hook(Hook::Off)));
    fxs.handle_input(t, Input::Line(LineSignal::PulseDigit(b'4')));
    fxs.handle_input(t, Input::Line(LineSignal::PulseDigit(b'x')));
    fxs.handle_input(t, Input::Line(LineSignal::Flash));
    let evs: Vec<_> = std::iter::from_fn(|| fxs.poll_event()).collect();
    assert_eq!(
        evs,
        [
            FxsEvent::OffHook,
            FxsEvent::Digit {
                digit: '4',
                pulse: true
            },
            FxsEvent::Flash
        ]
    );
    assert_eq!(fxs.state(), FxsState::Dialing);
}

#[test]
fn bad_dtmf_settings_are_refused_with_a_reason() {
    let mut cfg = analog::FxoConfig::china();
    cfg.dtmf_level_dbm0 = 20.0;
    assert!(matches!(
        analog::Fxo::new(cfg),
        Err(analog::AnalogError::InvalidConfig(m)) if m.contains("level")
    ));
}
