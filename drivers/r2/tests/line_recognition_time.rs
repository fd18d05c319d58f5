//! Q.421 recognition time: a change of the received a/b bits counts only once it has
//! lasted 20 ms (`Timers::recognition`); shorter glitches leave the line state alone.

use std::time::Duration;

use r2::{Config, Event, Input, R2Channel, StateName};
use tdm::Instant;

fn step(ch: &mut R2Channel, now: &mut Instant, ms: u64, events: &mut Vec<Event>) {
    for _ in 0..ms {
        *now += Duration::from_millis(1);
        if ch.poll_timeout().is_some_and(|t| t <= *now) {
            ch.handle_timeout(*now);
        }
        while let Some(e) = ch.poll_event() {
            events.push(e);
        }
    }
}

#[test]
fn glitches_shorter_than_the_recognition_time_are_ignored() {
    let cfg = Config::china();
    let mut ch = R2Channel::new(cfg, 1).expect("config");
    let mut now = Instant::ZERO;
    let mut ev = Vec::new();
    ch.handle_input(now, Input::Abcd(cfg.bits.idle));
    step(&mut ch, &mut now, 30, &mut ev);
    // A 15 ms seizure glitch: nothing.
    ch.handle_input(now, Input::Abcd(cfg.bits.seize));
    step(&mut ch, &mut now, 15, &mut ev);
    ch.handle_input(now, Input::Abcd(cfg.bits.idle));
    step(&mut ch, &mut now, 50, &mut ev);
    assert!(ev.is_empty(), "{ev:?}");
    assert_eq!(ch.state(), StateName::Idle);
    // A seizure that stays: taken 20 ms after it began.
    let t = now;
    ch.handle_input(now, Input::Abcd(cfg.bits.seize));
    step(&mut ch, &mut now, 19, &mut ev);
    assert_eq!(ch.state(), StateName::Idle);
    step(&mut ch, &mut now, 1, &mut ev);
    assert_eq!(ch.state(), StateName::InRegister);
    assert_eq!(ev, vec![Event::Seized]);
    assert_eq!(now - t, Duration::from_millis(20));
}

#[test]
fn zero_recognition_time_takes_changes_at_once() {
    let mut cfg = Config::itu();
    cfg.timers.recognition = Duration::ZERO;
    let mut ch = R2Channel::new(cfg, 1).expect("config");
    ch.handle_input(Instant::ZERO, Input::Abcd(cfg.bits.idle));
    ch.handle_input(Instant::ZERO, Input::Abcd(cfg.bits.seize));
    assert_eq!(ch.state(), StateName::InRegister);
}
