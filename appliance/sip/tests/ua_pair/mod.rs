//! Two user agents joined by a simulated network in simulated time: per-direction loss
//! rules, fixed latency, every datagram and event recorded. Every loop is bounded.
#![allow(dead_code, unreachable_pub, missing_docs)]

use core::time::Duration;
use sip::sdp::{Codec, Direction, LocalMedia};
use sip::ua::{CallRef, Transport, Ua, UaConfig, UaEvent};
use std::net::SocketAddr;
use tdm::Instant;

pub type Loss = Box<dyn FnMut(&str) -> bool>;

pub struct Pair {
    pub now: Instant,
    pub a: Ua,
    pub b: Ua,
    pub a_addr: SocketAddr,
    pub b_addr: SocketAddr,
    pub latency: Duration,
    /// Returns true to drop a message a→b (given as text).
    pub lose_ab: Loss,
    /// Returns true to drop a message b→a.
    pub lose_ba: Loss,
    in_flight: Vec<(Instant, bool, Transport, Vec<u8>)>,
    /// Every message each side sent (dropped ones included), with the send time.
    pub sent_a: Vec<(Instant, String)>,
    pub sent_b: Vec<(Instant, String)>,
    pub events_a: Vec<(Instant, UaEvent)>,
    pub events_b: Vec<(Instant, UaEvent)>,
}

pub fn addr_a() -> SocketAddr {
    "127.0.0.1:5070".parse().unwrap()
}

pub fn addr_b() -> SocketAddr {
    "127.0.0.2:5080".parse().unwrap()
}

/// A UA config for side a or b: fixed seeds, the default timers.
pub fn config(addr: SocketAddr, seed: u64) -> UaConfig {
    let mut c = UaConfig::new(addr);
    c.seed = seed;
    c.nonce_secret = format!("secret {seed}").into_bytes();
    c
}

pub fn media(port: u16) -> LocalMedia {
    LocalMedia {
        addr: "127.0.0.1".into(),
        port,
        codecs: vec![Codec::Pcma, Codec::Pcmu],
        telephone_event_pt: Some(101),
        ptime: 20,
        direction: Direction::SendRecv,
    }
}

impl Pair {
    /// Side b accepts unauthenticated calls (so a can call it directly).
    pub fn new() -> Self {
        let a = config(addr_a(), 0xa);
        let mut b = config(addr_b(), 0xb);
        b.allow_anonymous = true;
        Self::with(a, b)
    }

    pub fn with(a: UaConfig, b: UaConfig) -> Self {
        Self {
            now: Instant::ZERO,
            a_addr: a.local_addr,
            b_addr: b.local_addr,
            a: Ua::new(a),
            b: Ua::new(b),
            latency: Duration::from_millis(10),
            lose_ab: Box::new(|_| false),
            lose_ba: Box::new(|_| false),
            in_flight: Vec::new(),
            sent_a: Vec::new(),
            sent_b: Vec::new(),
            events_a: Vec::new(),
            events_b: Vec::new(),
        }
    }

    fn flush(&mut self) {
        while let Some(t) = self.a.poll_transmit() {
            let text = String::from_utf8_lossy(&t.bytes).into_owned();
            self.sent_a.push((self.now, text.clone()));
            if t.to == self.b_addr && !(self.lose_ab)(&text) {
                self.in_flight
                    .push((self.now + self.latency, true, t.transport, t.bytes));
            }
        }
        while let Some(t) = self.b.poll_transmit() {
            let text = String::from_utf8_lossy(&t.bytes).into_owned();
            self.sent_b.push((self.now, text.clone()));
            if t.to == self.a_addr && !(self.lose_ba)(&text) {
                self.in_flight
                    .push((self.now + self.latency, false, t.transport, t.bytes));
            }
        }
        while let Some(e) = self.a.poll_event() {
            self.events_a.push((self.now, e));
        }
        while let Some(e) = self.b.poll_event() {
            self.events_b.push((self.now, e));
        }
    }

    /// Runs until `until` (inclusive), delivering messages and firing timers in time order.
    pub fn run_until(&mut self, until: Instant) {
        self.flush();
        for _ in 0..200_000 {
            let next_msg = self.in_flight.iter().map(|m| m.0).min();
            let next = [next_msg, self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next.filter(|t| *t <= until) else {
                self.now = until;
                return;
            };
            self.now = next.max(self.now);
            let now = self.now;
            let mut i = 0;
            while i < self.in_flight.len() {
                if self.in_flight[i].0 <= now {
                    let (_, to_b, tp, bytes) = self.in_flight.remove(i);
                    if to_b {
                        self.b.handle_datagram(now, tp, self.a_addr, &bytes);
                    } else {
                        self.a.handle_datagram(now, tp, self.b_addr, &bytes);
                    }
                    self.flush();
                } else {
                    i += 1;
                }
            }
            if self.a.poll_timeout().is_some_and(|t| t <= now) {
                self.a.handle_timeout(now);
            }
            if self.b.poll_timeout().is_some_and(|t| t <= now) {
                self.b.handle_timeout(now);
            }
            self.flush();
        }
        panic!("simulation did not settle");
    }

    pub fn run_for(&mut self, d: Duration) {
        let t = self.now + d;
        self.run_until(t);
    }

    /// Delivers raw bytes to b as if from `from` over UDP.
    pub fn inject_b(&mut self, from: SocketAddr, bytes: &[u8]) {
        let now = self.now;
        self.b.handle_datagram(now, Transport::Udp, from, bytes);
        self.flush();
    }

    pub fn take_a(&mut self) -> Vec<UaEvent> {
        self.flush();
        self.events_a.drain(..).map(|e| e.1).collect()
    }

    pub fn take_b(&mut self) -> Vec<UaEvent> {
        self.flush();
        self.events_b.drain(..).map(|e| e.1).collect()
    }

    /// The call of the first Incoming event b saw (the events stay).
    pub fn incoming_b(&self) -> Option<CallRef> {
        self.events_b.iter().find_map(|(_, e)| match e {
            UaEvent::Incoming { call, .. } => Some(*call),
            _ => None,
        })
    }

    pub fn incoming_a(&self) -> Option<CallRef> {
        self.events_a.iter().find_map(|(_, e)| match e {
            UaEvent::Incoming { call, .. } => Some(*call),
            _ => None,
        })
    }

    /// Messages a side sent whose first line starts with `start` (`"INVITE"`, `"SIP/2.0 200"`).
    pub fn count_a(&self, start: &str) -> usize {
        self.sent_a
            .iter()
            .filter(|(_, m)| m.starts_with(start))
            .count()
    }

    pub fn count_b(&self, start: &str) -> usize {
        self.sent_b
            .iter()
            .filter(|(_, m)| m.starts_with(start))
            .count()
    }

    pub fn flush_now(&mut self) {
        self.flush();
    }
}

/// a calls 600 at b (from 1001, offering RTP on `port`) and b sees the INVITE; returns
/// (a's call, b's call), b not yet answering.
pub fn offered(p: &mut Pair, port: u16) -> (CallRef, CallRef) {
    let now = p.now;
    let ca =
        p.a.invite(
            now,
            sip::ua::Invite::direct(
                sip::Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
                p.b_addr,
                "1001",
                media(port),
            ),
        )
        .unwrap();
    p.run_for(Duration::from_millis(50));
    let cb = p.incoming_b().expect("b sees the call");
    (ca, cb)
}

/// Sets up a confirmed call a→b; returns (a's call, b's call).
pub fn established(p: &mut Pair) -> (CallRef, CallRef) {
    let (ca, cb) = offered(p, 40000);
    let now = p.now;
    p.b.answer(now, cb, media(42000)).unwrap();
    p.run_for(Duration::from_millis(100));
    assert!(
        p.events_a
            .iter()
            .any(|(_, e)| matches!(e, UaEvent::Answered { call, .. } if *call == ca)),
        "a sees the answer: {:?}",
        p.events_a
    );
    (ca, cb)
}
