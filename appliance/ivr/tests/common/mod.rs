//! Test host: drives one [`Call`] in simulated time and records what it asked for.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use ivr::{Action, Call, Flow, Input, LocalTime, ValidFlow, validate};
use tdm::Instant;

/// Tuesday 2026-11-24 10:00 local: inside business hours, not a holiday.
pub fn office_hours() -> LocalTime {
    LocalTime::new(2026, 11, 24, 10, 0, 0).unwrap()
}

pub fn flow(json: &str) -> Arc<ValidFlow> {
    let f = Flow::from_json(json).unwrap_or_else(|e| panic!("parse: {e}"));
    Arc::new(validate(&f).unwrap_or_else(|e| panic!("validate: {e}")))
}

pub struct Host {
    pub call: Call,
    pub now: Instant,
    pub local: LocalTime,
    /// Every action so far, in order.
    pub log: Vec<Action>,
}

impl Host {
    pub fn new(json: &str, caller: &str) -> Self {
        Self::with_flow(flow(json), caller, office_hours())
    }

    pub fn with_flow(flow: Arc<ValidFlow>, caller: &str, local: LocalTime) -> Self {
        let mut h = Self {
            call: Call::new(flow, caller, "8000"),
            now: Instant::from_millis(1_000),
            local,
            log: Vec::new(),
        };
        h.call.start(h.now, h.local);
        h.drain();
        h
    }

    /// Polls every pending action into the log; returns the new ones.
    pub fn drain(&mut self) -> Vec<Action> {
        let mut v = Vec::new();
        while let Some(a) = self.call.poll_action() {
            v.push(a);
        }
        self.log.extend(v.iter().cloned());
        v
    }

    pub fn input(&mut self, i: Input) -> Vec<Action> {
        self.call.handle_input(self.now, self.local, i);
        self.drain()
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += Duration::from_millis(ms);
    }

    /// Jumps to the armed timer and fires it; panics when none is armed.
    pub fn fire_timeout(&mut self) -> Vec<Action> {
        let t = self.call.poll_timeout().expect("a timer is armed");
        assert!(t >= self.now, "timer in the past");
        self.now = t;
        self.call.handle_timeout(self.now, self.local);
        self.drain()
    }

    /// Answers Plays with PromptFinished (after 1 s each) while the engine's last action is
    /// a Play. Returns the prompts played.
    pub fn finish_prompts(&mut self) -> Vec<String> {
        let mut played = Vec::new();
        for _ in 0..1000 {
            let Some(Action::Play { prompt, .. }) = self.log.last().cloned() else {
                return played;
            };
            played.push(prompt);
            self.advance(1_000);
            if self.input(Input::PromptFinished).is_empty() {
                return played;
            }
        }
        panic!("prompts never ended");
    }

    pub fn press(&mut self, digits: &str) -> Vec<Action> {
        let mut v = Vec::new();
        for d in digits.chars() {
            self.advance(300);
            v.extend(self.input(Input::Digit(d)));
        }
        v
    }

    pub fn plays(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Play { prompt, .. } => Some(prompt.clone()),
                _ => None,
            })
            .collect()
    }
}
