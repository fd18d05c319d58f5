//! Property tests: random line events, audio and commands at random times never panic
//! either machine, and both return to idle once the loop is left open / hung up.
use analog::{
    CallerInfo, DialMode, Fxo, FxoConfig, FxoState, Fxs, FxsConfig, FxsState, Hook, Input, Instant,
    LineSignal, Polarity, ToneKind,
};
use proptest::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Step {
    Signal(LineSignal),
    Audio([i16; 8]),
    Tone(u16),
    Wait(u16),
    Cmd(u8),
}

fn signal() -> impl Strategy<Value = LineSignal> {
    prop_oneof![
        any::<bool>().prop_map(|b| LineSignal::Hook(if b { Hook::Off } else { Hook::On })),
        any::<bool>().prop_map(LineSignal::Ring),
        any::<bool>().prop_map(|b| LineSignal::Polarity(if b {
            Polarity::Reversed
        } else {
            Polarity::Normal
        })),
        any::<bool>().prop_map(LineSignal::Battery),
        Just(LineSignal::Flash),
        any::<u8>().prop_map(LineSignal::PulseDigit),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        signal().prop_map(Step::Signal),
        any::<[i16; 8]>().prop_map(Step::Audio),
        (0u16..3000).prop_map(Step::Tone),
        (0u16..3000).prop_map(Step::Wait),
        any::<u8>().prop_map(Step::Cmd),
    ]
}

/// Feeds `ms` milliseconds: audio chunks (a 450 Hz tone when `tone` is set), timers.
fn run<F: FnMut(Instant, Input), T: FnMut(Instant), P: Fn() -> Option<Instant>>(
    now: &mut Instant,
    ms: u64,
    tone: bool,
    input: &mut F,
    timeout: &mut T,
    poll: P,
) {
    for i in 0..ms {
        if poll().is_some_and(|t| t <= *now) {
            timeout(*now);
        }
        let mut c = [0i16; 8];
        if tone {
            for (k, s) in c.iter_mut().enumerate() {
                let n = (i * 8 + k as u64) as f32;
                *s = (8000.0 * (2.0 * std::f32::consts::PI * 450.0 * n / 8000.0).sin()) as i16;
            }
        }
        input(*now, Input::Audio(c));
        *now += Duration::from_millis(1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn fxs_never_panics_and_idles_after_on_hook(steps in prop::collection::vec(step(), 0..60)) {
        let mut fxs = Fxs::new(FxsConfig::china());
        let mut now = Instant::ZERO;
        for s in steps {
            match s {
                Step::Signal(sig) => fxs.handle_input(now, Input::Line(sig)),
                Step::Audio(a) => fxs.handle_input(now, Input::Audio(a)),
                Step::Tone(ms) | Step::Wait(ms) => {
                    let tone = matches!(s, Step::Tone(_));
                    let cell = std::cell::RefCell::new(&mut fxs);
                    run(
                        &mut now,
                        u64::from(ms),
                        tone,
                        &mut |t, i| cell.borrow_mut().handle_input(t, i),
                        &mut |t| cell.borrow_mut().handle_timeout(t),
                        || cell.borrow().poll_timeout(),
                    );
                }
                Step::Cmd(c) => match c % 6 {
                    0 => { let _ = fxs.ring(now, Some(&CallerInfo::number("123"))); }
                    1 => fxs.stop_ring(),
                    2 => { let _ = fxs.play(ToneKind::Ringback); }
                    3 => { let _ = fxs.answer(); }
                    4 => fxs.hangup(now),
                    _ => fxs.stop_tone(),
                },
            }
            while fxs.poll_transmit().is_some() {}
            while fxs.poll_event().is_some() {}
        }
        // The phone hangs up and the switch clears: idle after the flash window.
        fxs.handle_input(now, Input::Line(LineSignal::Hook(Hook::On)));
        fxs.stop_ring();
        for _ in 0..1500 {
            if fxs.poll_timeout().is_some_and(|t| t <= now) {
                fxs.handle_timeout(now);
            }
            fxs.handle_input(now, Input::Audio([0; 8]));
            now += Duration::from_millis(1);
        }
        if fxs.state() == FxsState::Ringing { fxs.stop_ring(); }
        prop_assert_eq!(fxs.state(), FxsState::Idle);
    }

    #[test]
    fn fxo_never_panics_and_idles_after_hangup(steps in prop::collection::vec(step(), 0..60)) {
        let mut fxo = Fxo::new(FxoConfig::china()).unwrap();
        let mut now = Instant::ZERO;
        for s in steps {
            match s {
                Step::Signal(sig) => fxo.handle_input(now, Input::Line(sig)),
                Step::Audio(a) => fxo.handle_input(now, Input::Audio(a)),
                Step::Tone(ms) | Step::Wait(ms) => {
                    let tone = matches!(s, Step::Tone(_));
                    let cell = std::cell::RefCell::new(&mut fxo);
                    run(
                        &mut now,
                        u64::from(ms),
                        tone,
                        &mut |t, i| cell.borrow_mut().handle_input(t, i),
                        &mut |t| cell.borrow_mut().handle_timeout(t),
                        || cell.borrow().poll_timeout(),
                    );
                }
                Step::Cmd(c) => match c % 6 {
                    0 => { let _ = fxo.answer(); }
                    1 => { let _ = fxo.seize(); }
                    2 => { let _ = fxo.dial(now, "19#", DialMode::Dtmf); }
                    3 => { let _ = fxo.dial(now, "205", DialMode::Pulse); }
                    4 => { let _ = fxo.flash(now); }
                    _ => fxo.hangup(),
                },
            }
            while fxo.poll_transmit().is_some() {}
            while fxo.poll_event().is_some() {}
        }
        fxo.hangup();
        // Ringing on an idle line stops by itself once the ring voltage is gone.
        fxo.handle_input(now, Input::Line(LineSignal::Ring(false)));
        for _ in 0..8000 {
            if fxo.poll_timeout().is_some_and(|t| t <= now) {
                fxo.handle_timeout(now);
            }
            fxo.handle_input(now, Input::Audio([0; 8]));
            now += Duration::from_millis(1);
        }
        prop_assert_eq!(fxo.state(), FxoState::Idle);
    }
}
