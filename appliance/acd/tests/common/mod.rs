//! Shared harness: one ACD in simulated time; every step drains outputs through the
//! invariant checker and the outside observer.
#![allow(dead_code, unreachable_pub, missing_docs)]

use core::time::Duration;

use acd::invariants::{self, Observer};
use acd::{
    Acd, AgentConfig, AgentId, AgentState, CallId, CallerData, Config, Input, Instant, Media,
    Member, Output, QueueConfig, QueueId, SkillId, Strategy,
};

pub const Q1: QueueId = QueueId(1);
pub const Q2: QueueId = QueueId(2);

pub fn a(n: u32) -> AgentId {
    AgentId(n)
}

pub fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A config with agents `1..=n` (no skills) and one queue holding them all in order.
pub fn one_queue(strategy: Strategy, n: u32) -> Config {
    Config {
        queues: vec![QueueConfig::new(
            Q1,
            strategy,
            (1..=n).map(|i| Member::new(a(i))).collect(),
        )],
        agents: (1..=n).map(|i| AgentConfig::new(a(i))).collect(),
        ..Config::default()
    }
}

pub fn skill(n: u32) -> SkillId {
    SkillId(n)
}

pub struct Harness {
    pub acd: Acd,
    pub now: Instant,
    pub log: Vec<(Instant, Output)>,
    observer: Observer,
    next_call: u64,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self::with_seed(config, 1)
    }

    pub fn with_seed(config: Config, seed: u64) -> Self {
        Self {
            observer: Observer::with_config(&config),
            acd: Acd::new(config, seed).expect("valid config"),
            now: Instant::ZERO,
            log: Vec::new(),
            next_call: 1,
        }
    }

    /// Feed an input, drain, check; returns the outputs it produced.
    pub fn input(&mut self, input: Input) -> Vec<Output> {
        self.try_input(input).expect("input accepted")
    }

    pub fn try_input(&mut self, input: Input) -> Result<Vec<Output>, acd::AcdError> {
        self.acd.handle_input(self.now, input.clone())?;
        self.observer.input(&input);
        Ok(self.drain())
    }

    fn drain(&mut self) -> Vec<Output> {
        let mut v = Vec::new();
        while let Some(o) = self.acd.poll_output() {
            self.observer.output(&o).expect("outside promise kept");
            self.log.push((self.now, o.clone()));
            v.push(o);
        }
        invariants::check(&self.acd, self.now).expect("invariants hold");
        v
    }

    /// Advance simulated time by `d`, firing every timer on the way; returns the outputs.
    pub fn advance(&mut self, d: Duration) -> Vec<Output> {
        let target = self.now + d;
        let mut v = Vec::new();
        for _ in 0..1_000_000 {
            match self.acd.poll_timeout() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.acd.handle_timeout(self.now);
                    v.extend(self.drain());
                }
                _ => break,
            }
        }
        self.now = target;
        self.acd.handle_timeout(self.now);
        v.extend(self.drain());
        v
    }

    pub fn login_ready(&mut self, agents: &[u32]) {
        for &n in agents {
            self.input(Input::LoggedIn { agent: a(n) });
            self.input(Input::Ready { agent: a(n) });
        }
    }

    pub fn arrive(&mut self, queue: QueueId) -> (CallId, Vec<Output>) {
        self.arrive_with(queue, CallerData::default())
    }

    pub fn arrive_with(&mut self, queue: QueueId, caller: CallerData) -> (CallId, Vec<Output>) {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let out = self.input(Input::Arrived {
            call,
            queue,
            caller,
        });
        (call, out)
    }

    /// A chat enters `queue`.
    pub fn chat_with(&mut self, queue: QueueId, caller: CallerData) -> (CallId, Vec<Output>) {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let out = self.input(Input::ContactArrived {
            call,
            queue,
            media: Media::Chat,
            caller,
        });
        (call, out)
    }

    pub fn state(&self, n: u32) -> AgentState {
        self.acd.agent_snapshot(a(n)).expect("agent").state
    }

    /// Answer then end a call on agent `n` after `talk`.
    pub fn answer_and_end(&mut self, call: CallId, n: u32, talk: Duration) {
        self.input(Input::OfferAnswered { call, agent: a(n) });
        self.advance(talk);
        self.input(Input::CallEnded { call });
    }
}

/// Agents offered in these outputs, in order.
pub fn offered(out: &[Output]) -> Vec<(CallId, AgentId)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Offer { call, agent, .. } => Some((*call, *agent)),
            _ => None,
        })
        .collect()
}

/// The decisions in these outputs.
pub fn decisions(out: &[Output]) -> Vec<acd::Decision> {
    out.iter()
        .filter_map(|o| match o {
            Output::Decision(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}
