//! A phone goes off-hook on an FXS port, hears dial tone (media-dsp's tone detector in the
//! phone), dials by DTMF, and the FXS collects the number.
mod common;

use analog::{DialMode, FxoConfig, FxoEvent, FxsConfig, FxsEvent, FxsState, ToneKind};
use common::Loop;

#[test]
fn off_hook_dial_tone_then_dtmf_number() {
    let mut l = Loop::new(FxsConfig::china(), FxoConfig::china());
    l.run(100);
    assert_eq!(l.fxo_saw(|e| *e == FxoEvent::Battery(true)), Some(0));
    l.fxo.seize().unwrap();
    assert!(l.run_until(50, |l| l.fxs.state() == FxsState::Dialing));
    assert!(l.fxs_saw(|e| *e == FxsEvent::OffHook).is_some());
    // The phone's tone detector confirms 450 Hz dial tone (China) after ~0.5–0.7 s.
    assert!(
        l.run_until(1500, |l| l
            .fxo_saw(|e| *e == FxoEvent::Tone(ToneKind::Dial))
            .is_some()),
        "no dial tone heard: {:?}",
        l.fxo_events
    );
    let t = l.ms();
    l.fxo.dial(l.now, "8001#", DialMode::Dtmf).unwrap();
    assert!(l.run_until(3000, |l| {
        l.fxs_saw(|e| matches!(e, FxsEvent::Dialed { .. }))
            .is_some()
    }));
    let digits: String = l
        .fxs_events
        .iter()
        .filter_map(|(_, e)| match e {
            FxsEvent::Digit { digit, pulse } => {
                assert!(!pulse);
                Some(*digit)
            }
            _ => None,
        })
        .collect();
    assert_eq!(digits, "8001#");
    assert!(l.fxs_events.iter().any(|(_, e)| *e
        == FxsEvent::Dialed {
            number: "8001".into()
        }));
    // Dial tone stopped at the first digit: the phone heard it end.
    let ended = l
        .fxo_saw(|e| *e == FxoEvent::ToneEnded(ToneKind::Dial))
        .unwrap();
    assert!(
        ended >= t && ended < t + 400,
        "dial tone ended at {ended}, dialling at {t}"
    );
    assert_eq!(l.fxs.state(), FxsState::Routing);
    l.run(200);
    assert!(l.fxo_saw(|e| *e == FxoEvent::DialComplete).is_some());
}

#[test]
fn inter_digit_timeout_completes_the_number() {
    let mut l = Loop::new(
        FxsConfig::for_country(analog::Country::Etsi),
        FxoConfig::for_country(analog::Country::Etsi),
    );
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(800);
    l.fxo.dial(l.now, "42", DialMode::Dtmf).unwrap();
    l.run(1000);
    assert!(
        l.fxs_saw(|e| matches!(e, FxsEvent::Dialed { .. }))
            .is_none()
    );
    let inter = u64::from(l.fxs.config().timers.inter_digit_ms);
    assert!(l.run_until(inter + 100, |l| {
        l.fxs_saw(|e| matches!(e, FxsEvent::Dialed { .. }))
            .is_some()
    }));
    assert!(l.fxs_events.iter().any(|(_, e)| *e
        == FxsEvent::Dialed {
            number: "42".into()
        }));
}
