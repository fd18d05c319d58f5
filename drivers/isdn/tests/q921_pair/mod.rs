//! A `Pair` of Q.921 entities (NT and TE) stepped in simulated time over a seeded lossy link.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::VecDeque;
use std::time::Duration;

use isdn::q921::{Config, Event, FrameRepr, Link, Role};
use tdm::Instant;

/// Which end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Nt,
    Te,
}

/// Impairments of one direction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Impair {
    /// Probability (0..=1) that a frame is lost.
    pub drop: f64,
    /// Probability that a frame is delivered twice.
    pub duplicate: f64,
    /// When true, every frame is lost (a cut line).
    pub cut: bool,
}

/// xorshift64*: small, seeded, reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug)]
pub struct Pair {
    pub now: Instant,
    pub latency: Duration,
    pub nt: Link,
    pub te: Link,
    /// Frames in flight towards the TE / towards the NT: (delivery time, octets).
    to_te: VecDeque<(Instant, Vec<u8>)>,
    to_nt: VecDeque<(Instant, Vec<u8>)>,
    pub impair_to_te: Impair,
    pub impair_to_nt: Impair,
    rng: Rng,
    pub nt_events: Vec<Event>,
    pub te_events: Vec<Event>,
    /// Every frame put on the line (side that sent it, parsed description), for assertions.
    pub trace: Vec<(Instant, Side, String)>,
}

impl Pair {
    pub fn new(seed: u64) -> Self {
        Self::with_config(seed, Config::default())
    }

    pub fn with_config(seed: u64, config: Config) -> Self {
        Self {
            now: Instant::ZERO,
            latency: Duration::from_millis(5),
            nt: Link::new(Role::Network, config),
            te: Link::new(Role::User, config),
            to_te: VecDeque::new(),
            to_nt: VecDeque::new(),
            impair_to_te: Impair::default(),
            impair_to_nt: Impair::default(),
            rng: Rng::new(seed),
            nt_events: Vec::new(),
            te_events: Vec::new(),
            trace: Vec::new(),
        }
    }

    pub fn link(&mut self, side: Side) -> &mut Link {
        match side {
            Side::Nt => &mut self.nt,
            Side::Te => &mut self.te,
        }
    }

    pub fn events(&self, side: Side) -> &[Event] {
        match side {
            Side::Nt => &self.nt_events,
            Side::Te => &self.te_events,
        }
    }

    /// Data delivered to `side`, in order.
    pub fn data(&self, side: Side) -> Vec<Vec<u8>> {
        self.events(side)
            .iter()
            .filter_map(|e| match e {
                Event::Data(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    /// Moves frames and events out of both entities.
    fn collect(&mut self) {
        let at = self.now + self.latency;
        while let Some(f) = self.nt.poll_transmit() {
            self.trace.push((self.now, Side::Nt, describe(&f)));
            let imp = self.impair_to_te;
            Self::enqueue(&mut self.rng, &mut self.to_te, imp, at, f);
        }
        while let Some(f) = self.te.poll_transmit() {
            self.trace.push((self.now, Side::Te, describe(&f)));
            let imp = self.impair_to_nt;
            Self::enqueue(&mut self.rng, &mut self.to_nt, imp, at, f);
        }
        while let Some(e) = self.nt.poll_event() {
            self.nt_events.push(e);
        }
        while let Some(e) = self.te.poll_event() {
            self.te_events.push(e);
        }
    }

    fn enqueue(
        rng: &mut Rng,
        q: &mut VecDeque<(Instant, Vec<u8>)>,
        imp: Impair,
        at: Instant,
        f: Vec<u8>,
    ) {
        if imp.cut || rng.next_f64() < imp.drop {
            return;
        }
        if rng.next_f64() < imp.duplicate {
            q.push_back((at, f.clone()));
        }
        q.push_back((at, f));
    }

    /// The next moment something happens, if anything.
    fn next_at(&self) -> Option<Instant> {
        [
            self.to_te.front().map(|x| x.0),
            self.to_nt.front().map(|x| x.0),
            self.nt.poll_timeout(),
            self.te.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs everything due at `self.now`.
    fn step_now(&mut self) {
        self.collect();
        while self.to_te.front().is_some_and(|x| x.0 <= self.now) {
            if let Some((_, f)) = self.to_te.pop_front() {
                self.te.handle_input(self.now, &f);
            }
            self.collect();
        }
        while self.to_nt.front().is_some_and(|x| x.0 <= self.now) {
            if let Some((_, f)) = self.to_nt.pop_front() {
                self.nt.handle_input(self.now, &f);
            }
            self.collect();
        }
        if self.nt.poll_timeout().is_some_and(|t| t <= self.now) {
            self.nt.handle_timeout(self.now);
        }
        if self.te.poll_timeout().is_some_and(|t| t <= self.now) {
            self.te.handle_timeout(self.now);
        }
        self.collect();
    }

    /// Runs in simulated time until `self.now` reaches `until`.
    pub fn run_until(&mut self, until: Instant) {
        self.step_now();
        while let Some(t) = self.next_at() {
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            self.step_now();
        }
        self.now = self.now.max(until);
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until `cond` holds or `limit` of simulated time passed; returns whether it held.
    pub fn run_until_cond(&mut self, limit: Duration, mut cond: impl FnMut(&Self) -> bool) -> bool {
        let end = self.now + limit;
        self.step_now();
        loop {
            if cond(self) {
                return true;
            }
            match self.next_at() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.step_now();
                }
                _ => {
                    self.now = end;
                    return cond(self);
                }
            }
        }
    }

    /// Whether no frames are in flight.
    pub fn line_idle(&self) -> bool {
        self.to_te.is_empty() && self.to_nt.is_empty()
    }

    /// Establishes the link from `side` on a clean line and asserts both reach state 7.
    pub fn establish(&mut self, side: Side) {
        let now = self.now;
        self.link(side).establish(now);
        let ok = self.run_until_cond(Duration::from_secs(5), |p| {
            p.nt.is_established() && p.te.is_established() && p.line_idle()
        });
        assert!(ok, "link did not come up: {:#?}", self.trace);
    }
}

pub fn describe(f: &[u8]) -> String {
    match FrameRepr::parse_bytes(f) {
        Ok(r) => r.to_string(),
        Err(e) => format!("invalid ({e})"),
    }
}
