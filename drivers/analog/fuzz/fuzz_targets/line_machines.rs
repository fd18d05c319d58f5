//! `Fxs` and `Fxo` `handle_input` / `handle_timeout` on arbitrary line events, audio and
//! commands: never panics, no timer in the past after `handle_timeout`, and each machine is
//! idle again after the loop is left open (FXS) or hung up (FXO) long enough.
//!
//! Input layout: records of `op: u8, arg: u8, a: u8, b: u8`. `op % 8`: 0 a line signal
//! (`arg` picks which), 1 an audio chunk (samples from `a`, `b`), 2 time passes (`arg` × 10
//! ms with silence), 3..=7 a command to one machine (`arg` picks which).
#![no_main]

use std::time::Duration;

use analog::{
    CallerInfo, DialMode, Fxo, FxoConfig, FxoState, Fxs, FxsConfig, FxsState, Hook, Input,
    Instant, LineSignal, Polarity, ToneKind,
};
use libfuzzer_sys::fuzz_target;

fn signal(arg: u8) -> LineSignal {
    let on = arg & 0x80 != 0;
    match arg % 6 {
        0 => LineSignal::Hook(if on { Hook::Off } else { Hook::On }),
        1 => LineSignal::Ring(on),
        2 => LineSignal::Polarity(if on { Polarity::Reversed } else { Polarity::Normal }),
        3 => LineSignal::Battery(on),
        4 => LineSignal::Flash,
        _ => LineSignal::PulseDigit(arg),
    }
}

fn tick(fxs: &mut Fxs, fxo: &mut Fxo, now: Instant, chunk: [i16; 8]) {
    for _ in 0..4 {
        if fxs.poll_timeout().is_some_and(|t| t <= now) {
            fxs.handle_timeout(now);
        }
        if fxo.poll_timeout().is_some_and(|t| t <= now) {
            fxo.handle_timeout(now);
        }
    }
    assert!(fxs.poll_timeout().is_none_or(|t| t > now));
    assert!(fxo.poll_timeout().is_none_or(|t| t > now));
    fxs.handle_input(now, Input::Audio(chunk));
    fxo.handle_input(now, Input::Audio(chunk));
    while fxs.poll_transmit().is_some() {}
    while fxo.poll_transmit().is_some() {}
    while fxs.poll_event().is_some() {}
    while fxo.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    let mut fxs = Fxs::new(FxsConfig::china());
    let Ok(mut fxo) = Fxo::new(FxoConfig::china()) else { return };
    let mut now = Instant::ZERO;
    for rec in data.chunks_exact(4) {
        let (op, arg, a, b) = (rec[0], rec[1], rec[2], rec[3]);
        let s = i16::from_le_bytes([a, b]);
        match op % 8 {
            0 => {
                let sig = signal(arg);
                fxs.handle_input(now, Input::Line(sig));
                fxo.handle_input(now, Input::Line(sig));
            }
            1 => tick(&mut fxs, &mut fxo, now, [s, -s, s / 2, 0, s, s, -s, 1]),
            2 => {
                for _ in 0..u32::from(arg) * 10 {
                    tick(&mut fxs, &mut fxo, now, [0; 8]);
                    now += Duration::from_millis(1);
                }
            }
            3 => { let _ = fxs.ring(now, Some(&CallerInfo::number("13800138000"))); }
            4 => match arg % 4 {
                0 => fxs.hangup(now),
                1 => { let _ = fxs.answer(); }
                2 => { let _ = fxs.play(ToneKind::Busy); }
                _ => fxs.stop_ring(),
            },
            5 => { let _ = if arg & 1 == 0 { fxo.seize() } else { fxo.answer() }; }
            6 => {
                let mode = if arg & 1 == 0 { DialMode::Dtmf } else { DialMode::Pulse };
                let _ = fxo.dial(now, "1234567890", mode);
            }
            _ => match arg % 2 {
                0 => fxo.hangup(),
                _ => { let _ = fxo.flash(now); }
            },
        }
        now += Duration::from_millis(1);
    }
    // Leave the loop open, stop ringing and hang up: both are idle after 8 s.
    fxs.handle_input(now, Input::Line(LineSignal::Hook(Hook::On)));
    fxs.stop_ring();
    fxo.hangup();
    fxo.handle_input(now, Input::Line(LineSignal::Ring(false)));
    for _ in 0..8000 {
        tick(&mut fxs, &mut fxo, now, [0; 8]);
        now += Duration::from_millis(1);
    }
    fxs.stop_ring();
    assert_eq!(fxs.state(), FxsState::Idle);
    assert_eq!(fxo.state(), FxoState::Idle);
});
