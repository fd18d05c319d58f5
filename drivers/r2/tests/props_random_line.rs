//! Property: whatever the line delivers (random ABCD bits, random audio or real MF tones of
//! either direction, alarms coming and going) and whatever the application asks in between,
//! the channel never panics, and once the far end is idle and the line quiet it returns to
//! idle within the longest timer.

use std::time::Duration;

use media_dsp::g711::linear_to_alaw;
use media_dsp::r2mf::{Direction, R2MfGenerator, Signal};
use proptest::prelude::*;
use r2::{ClearReason, Config, Input, R2Channel, StateName};
use tdm::Instant;

#[derive(Debug, Clone)]
enum Op {
    Bits(u8),
    Noise(u64),
    Tone(bool, u8, u16),
    Alarm(bool),
    Wait(u16),
    Call,
    Accept(bool),
    Reject,
    Answer,
    Hangup,
    Block,
    Unblock,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..16).prop_map(Op::Bits),
        2 => any::<u64>().prop_map(Op::Noise),
        4 => (any::<bool>(), 1u8..=15, 1u16..200).prop_map(|(f, s, ms)| Op::Tone(f, s, ms)),
        1 => any::<bool>().prop_map(Op::Alarm),
        2 => (1u16..3000).prop_map(Op::Wait),
        1 => Just(Op::Call),
        1 => any::<bool>().prop_map(Op::Accept),
        1 => Just(Op::Reject),
        1 => Just(Op::Answer),
        1 => Just(Op::Hangup),
        1 => Just(Op::Block),
        1 => Just(Op::Unblock),
    ]
}

struct Driver {
    ch: R2Channel,
    now: Instant,
}

impl Driver {
    fn tick(&mut self, audio: &tdm::Chunk) {
        self.now += Duration::from_millis(1);
        if self.ch.poll_timeout().is_some_and(|t| t <= self.now) {
            self.ch.handle_timeout(self.now);
        }
        self.ch.handle_input(self.now, Input::Audio(audio));
        while self.ch.poll_transmit().is_some() {}
        while self.ch.poll_event().is_some() {}
    }
}

fn run(cfg: Config, ops: &[Op]) -> StateName {
    let mut d = Driver {
        ch: R2Channel::new(cfg, 1).expect("config"),
        now: Instant::ZERO,
    };
    let silence = [0xD5u8; 8];
    for o in ops {
        let now = d.now;
        match *o {
            Op::Bits(b) => d.ch.handle_input(now, Input::Abcd(b)),
            Op::Noise(seed) => {
                let mut x = seed;
                for _ in 0..20 {
                    let mut c = [0u8; 8];
                    for b in &mut c {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        *b = (x >> 56) as u8;
                    }
                    d.tick(&c);
                }
            }
            Op::Tone(fwd, s, ms) => {
                let dir = if fwd {
                    Direction::Forward
                } else {
                    Direction::Backward
                };
                let mut g = R2MfGenerator::new(dir);
                g.set(Signal::new(s));
                for _ in 0..ms {
                    let mut pcm = [0i16; 8];
                    g.fill(&mut pcm);
                    d.tick(&pcm.map(linear_to_alaw));
                }
            }
            Op::Alarm(on) => d.ch.handle_input(now, Input::Alarm(on)),
            Op::Wait(ms) => {
                for _ in 0..ms {
                    d.tick(&silence);
                }
            }
            Op::Call => {
                let _ = d.ch.call(
                    now,
                    "1234".parse().expect("digits"),
                    "5".parse().expect("digits"),
                );
            }
            Op::Accept(charge) => {
                let _ = d.ch.accept(now, charge);
            }
            Op::Reject => {
                let _ = d.ch.reject(now, ClearReason::Busy);
            }
            Op::Answer => {
                let _ = d.ch.answer(now);
            }
            Op::Hangup => {
                let _ = d.ch.hangup(now);
            }
            Op::Block => {
                let _ = d.ch.block(now);
            }
            Op::Unblock => {
                let _ = d.ch.unblock(now);
            }
        }
        while d.ch.poll_transmit().is_some() {}
        while d.ch.poll_event().is_some() {}
    }
    // The far end goes idle, the line is quiet, the alarm clears, our application unblocks.
    let now = d.now;
    d.ch.handle_input(now, Input::Alarm(false));
    let _ = d.ch.unblock(now);
    d.ch.handle_input(now, Input::Abcd(cfg.bits.seize_ack));
    d.ch.handle_input(now, Input::Abcd(cfg.bits.idle));
    for _ in 0..12_000 {
        d.tick(&silence);
    }
    d.ch.state()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_line_never_panics_and_returns_to_idle_china(ops in prop::collection::vec(op(), 0..40)) {
        prop_assert_eq!(run(Config::china(), &ops), StateName::Idle);
    }

    #[test]
    fn random_line_never_panics_and_returns_to_idle_itu(ops in prop::collection::vec(op(), 0..40)) {
        prop_assert_eq!(run(Config::itu(), &ops), StateName::Idle);
    }
}
