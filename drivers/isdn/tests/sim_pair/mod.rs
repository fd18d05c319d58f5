//! The generic simulated-time `Pair` under `q921_pair` (two Q.921 `Link`s) and `call_pair`
//! (two `Pri`s): an NT and a TE over a seeded lossy line with latency, stepped from one
//! due moment to the next through the sans-IO surface (`handle_input`, `handle_timeout`,
//! `poll_transmit`, `poll_event`, `poll_timeout`). It records every frame put on the line
//! (`trace`) and the Q.931 messages carried in new I frames (`q931`).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::VecDeque;
use std::time::Duration;

use isdn::q921::{Control, FrameRepr, Link};
use isdn::q931::Message;
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

/// The common sans-IO surface of `Link` and `Pri`.
pub trait Endpoint {
    type Event;
    fn handle_input(&mut self, now: Instant, frame: &[u8]);
    fn handle_timeout(&mut self, now: Instant);
    fn poll_transmit(&mut self) -> Option<Vec<u8>>;
    fn poll_event(&mut self) -> Option<Self::Event>;
    fn poll_timeout(&self) -> Option<Instant>;
}

impl Endpoint for Link {
    type Event = isdn::q921::Event;
    fn handle_input(&mut self, now: Instant, frame: &[u8]) {
        Self::handle_input(self, now, frame);
    }
    fn handle_timeout(&mut self, now: Instant) {
        Self::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        Self::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<Self::Event> {
        Self::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Self::poll_timeout(self)
    }
}

impl Endpoint for isdn::pri::Pri {
    type Event = isdn::call::Event;
    fn handle_input(&mut self, now: Instant, frame: &[u8]) {
        Self::handle_input(self, now, frame);
    }
    fn handle_timeout(&mut self, now: Instant) {
        Self::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        Self::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<Self::Event> {
        Self::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Self::poll_timeout(self)
    }
}

#[derive(Debug)]
pub struct Pair<E: Endpoint> {
    pub now: Instant,
    pub latency: Duration,
    pub nt: E,
    pub te: E,
    /// Frames in flight towards the TE / towards the NT: (delivery time, octets).
    to_te: VecDeque<(Instant, Vec<u8>)>,
    to_nt: VecDeque<(Instant, Vec<u8>)>,
    pub impair_to_te: Impair,
    pub impair_to_nt: Impair,
    rng: Rng,
    pub nt_events: Vec<E::Event>,
    pub te_events: Vec<E::Event>,
    /// Every frame put on the line (side that sent it, parsed description).
    pub trace: Vec<(Instant, Side, String)>,
    /// Q.931 messages put on the line (sender, message), I frames only, first copy.
    pub q931: Vec<(Instant, Side, Message)>,
    last_i: VecDeque<(Side, u8, Vec<u8>)>,
}

impl<E: Endpoint> Pair<E> {
    pub fn with_ends(seed: u64, nt: E, te: E) -> Self {
        Self {
            now: Instant::ZERO,
            latency: Duration::from_millis(5),
            nt,
            te,
            to_te: VecDeque::new(),
            to_nt: VecDeque::new(),
            impair_to_te: Impair::default(),
            impair_to_nt: Impair::default(),
            rng: Rng::new(seed),
            nt_events: Vec::new(),
            te_events: Vec::new(),
            trace: Vec::new(),
            q931: Vec::new(),
            last_i: VecDeque::new(),
        }
    }

    pub fn end(&mut self, side: Side) -> &mut E {
        match side {
            Side::Nt => &mut self.nt,
            Side::Te => &mut self.te,
        }
    }

    pub fn events(&self, side: Side) -> &[E::Event] {
        match side {
            Side::Nt => &self.nt_events,
            Side::Te => &self.te_events,
        }
    }

    /// Moves frames and events out of both ends.
    pub fn collect(&mut self) {
        let at = self.now + self.latency;
        while let Some(f) = self.nt.poll_transmit() {
            self.note(Side::Nt, &f);
            let imp = self.impair_to_te;
            Self::enqueue(&mut self.rng, &mut self.to_te, imp, at, f);
        }
        while let Some(f) = self.te.poll_transmit() {
            self.note(Side::Te, &f);
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
        if imp.duplicate > 0.0 && rng.next_f64() < imp.duplicate {
            q.push_back((at, f.clone()));
        }
        q.push_back((at, f));
    }

    /// Traces a frame, and records the Q.931 message of a new I frame.
    fn note(&mut self, side: Side, f: &[u8]) {
        self.trace.push((self.now, side, describe(f)));
        let Ok(r) = FrameRepr::parse_bytes(f) else {
            return;
        };
        let Control::I { ns, .. } = r.control else {
            return;
        };
        if r.info.is_empty() {
            return;
        }
        // Q.921 retransmissions of an I frame (same N(S), same octets) are not new messages.
        let key = (side, ns, r.info.to_vec());
        if self.last_i.contains(&key) {
            return;
        }
        self.last_i.push_back(key);
        if self.last_i.len() > 16 {
            self.last_i.pop_front();
        }
        if let Ok(m) = Message::parse(r.info) {
            self.q931.push((self.now, side, m));
        }
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
}

pub fn describe(f: &[u8]) -> String {
    match FrameRepr::parse_bytes(f) {
        Ok(r) => r.to_string(),
        Err(e) => format!("invalid ({e})"),
    }
}
