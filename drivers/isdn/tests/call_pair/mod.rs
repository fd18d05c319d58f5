//! A `Pair` of PRI D-channels (our `Pri` NT against our `Pri` TE) stepped in simulated
//! time over a seeded lossy link, recording call events and the Q.931 messages on the line.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::VecDeque;
use std::time::Duration;

use isdn::call::{CallId, Event};
use isdn::pri::Pri;
use isdn::q921::FrameRepr;
use isdn::q931::{Message, MessageType, Role};
use tdm::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Nt,
    Te,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Impair {
    pub drop: f64,
    pub cut: bool,
}

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

pub struct Pair {
    pub now: Instant,
    pub latency: Duration,
    pub nt: Pri,
    pub te: Pri,
    to_te: VecDeque<(Instant, Vec<u8>)>,
    to_nt: VecDeque<(Instant, Vec<u8>)>,
    pub impair_to_te: Impair,
    pub impair_to_nt: Impair,
    rng: Rng,
    pub nt_events: Vec<Event>,
    pub te_events: Vec<Event>,
    /// Q.931 messages put on the line (sender, message), I frames only, first copy.
    pub q931: Vec<(Instant, Side, Message)>,
    last_i: VecDeque<(Side, u8, Vec<u8>)>,
}

impl Pair {
    pub fn new(seed: u64) -> Self {
        Self::with(seed, Pri::new(Role::Network), Pri::new(Role::User))
    }

    pub fn with(seed: u64, nt: Pri, te: Pri) -> Self {
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
            q931: Vec::new(),
            last_i: VecDeque::new(),
        }
    }

    pub fn pri(&mut self, side: Side) -> &mut Pri {
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

    /// The kinds of Q.931 messages `side` sent, in order (retransmitted I frames once).
    pub fn sent(&self, side: Side) -> Vec<MessageType> {
        self.q931
            .iter()
            .filter(|x| x.1 == side)
            .map(|x| x.2.kind)
            .collect()
    }

    pub fn collect(&mut self) {
        let at = self.now + self.latency;
        while let Some(f) = self.nt.poll_transmit() {
            self.note(Side::Nt, &f);
            let imp = self.impair_to_te;
            if !(imp.cut || self.rng.next_f64() < imp.drop) {
                self.to_te.push_back((at, f));
            }
        }
        while let Some(f) = self.te.poll_transmit() {
            self.note(Side::Te, &f);
            let imp = self.impair_to_nt;
            if !(imp.cut || self.rng.next_f64() < imp.drop) {
                self.to_nt.push_back((at, f));
            }
        }
        while let Some(e) = self.nt.poll_event() {
            self.nt_events.push(e);
        }
        while let Some(e) = self.te.poll_event() {
            self.te_events.push(e);
        }
    }

    fn note(&mut self, side: Side, f: &[u8]) {
        let Ok(r) = FrameRepr::parse_bytes(f) else {
            return;
        };
        if r.info.is_empty() {
            return;
        }
        let isdn::q921::Control::I { ns, .. } = r.control else {
            return;
        };
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

    /// Brings the D-channel up from the TE side (as a CPE does) and waits for both.
    pub fn up(&mut self) {
        let now = self.now;
        self.te.start(now);
        let ok = self.run_until_cond(Duration::from_secs(5), |p| {
            p.nt.link().is_established() && p.te.link().is_established()
        });
        assert!(ok, "D-channel did not come up");
    }

    /// The last `IncomingCall` on `side`.
    pub fn incoming(&self, side: Side) -> Option<CallId> {
        self.events(side).iter().rev().find_map(|e| match e {
            Event::IncomingCall { call, .. } => Some(*call),
            _ => None,
        })
    }

    pub fn released(&self, side: Side, call: CallId) -> Option<isdn::q931::CauseValue> {
        self.events(side).iter().find_map(|e| match e {
            Event::Released { call: c, cause } if *c == call => Some(*cause),
            _ => None,
        })
    }
}
