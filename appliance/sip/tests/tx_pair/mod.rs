//! Two transaction managers joined by a simulated UDP path in simulated time, with a
//! per-direction loss rule. Every loop is bounded.
#![allow(dead_code, unreachable_pub, missing_docs)]

use core::time::Duration;
use sip::header::HeaderKind;
use sip::transaction::{TimerConfig, TransactionManager, TxEvent};
use sip::{Message, Method, Request, Uri};
use std::net::SocketAddr;
use tdm::Instant;

pub type Loss = Box<dyn FnMut(&[u8]) -> bool>;

pub struct Pair {
    pub now: Instant,
    pub a: TransactionManager,
    pub b: TransactionManager,
    pub a_addr: SocketAddr,
    pub b_addr: SocketAddr,
    pub latency: Duration,
    /// Returns true to drop a datagram a→b.
    pub lose_ab: Loss,
    /// Returns true to drop a datagram b→a.
    pub lose_ba: Loss,
    in_flight: Vec<(Instant, bool, Vec<u8>)>,
    /// Every datagram each side sent (dropped ones included), with the send time.
    pub sent_a: Vec<(Instant, Vec<u8>)>,
    pub sent_b: Vec<(Instant, Vec<u8>)>,
    pub events_a: Vec<(Instant, TxEvent)>,
    pub events_b: Vec<(Instant, TxEvent)>,
}

impl Pair {
    pub fn new(reliable: bool) -> Self {
        Self::with_timers(TimerConfig::default(), reliable)
    }

    pub fn with_timers(timers: TimerConfig, reliable: bool) -> Self {
        Self {
            now: Instant::ZERO,
            a: TransactionManager::new(timers, reliable, 0xa),
            b: TransactionManager::new(timers, reliable, 0xb),
            a_addr: "127.0.0.1:5070".parse().unwrap(),
            b_addr: "127.0.0.1:5080".parse().unwrap(),
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
            assert_eq!(t.to, self.b_addr, "a sends to b");
            self.sent_a.push((self.now, t.bytes.clone()));
            if !(self.lose_ab)(&t.bytes) {
                self.in_flight
                    .push((self.now + self.latency, true, t.bytes));
            }
        }
        while let Some(t) = self.b.poll_transmit() {
            assert_eq!(t.to, self.a_addr, "b answers to a");
            self.sent_b.push((self.now, t.bytes.clone()));
            if !(self.lose_ba)(&t.bytes) {
                self.in_flight
                    .push((self.now + self.latency, false, t.bytes));
            }
        }
        while let Some(e) = self.a.poll_event() {
            self.events_a.push((self.now, e));
        }
        while let Some(e) = self.b.poll_event() {
            self.events_b.push((self.now, e));
        }
    }

    /// Runs until `until` (inclusive), delivering datagrams and firing timers in time order.
    pub fn run_until(&mut self, until: Instant) {
        self.flush();
        for _ in 0..100_000 {
            let next_msg = self.in_flight.iter().map(|(t, _, _)| *t).min();
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
                    let (_, to_b, bytes) = self.in_flight.remove(i);
                    if to_b {
                        self.b.handle_input(now, self.a_addr, &bytes);
                    } else {
                        self.a.handle_input(now, self.b_addr, &bytes);
                    }
                } else {
                    i += 1;
                }
            }
            self.a.handle_timeout(now);
            self.b.handle_timeout(now);
            self.flush();
        }
        panic!("simulation did not settle");
    }

    pub fn run_for(&mut self, d: Duration) {
        let t = self.now + d;
        self.run_until(t);
    }

    /// A request from a to b with a fresh branch from a's manager.
    pub fn request(&mut self, method: Method) -> Request {
        let branch = self.a.new_branch();
        let mut r = Request::new(
            method.clone(),
            Uri::sip(Some("bob"), "127.0.0.1", Some(5080)),
        );
        r.headers.push_kind(
            HeaderKind::Via,
            format!("SIP/2.0/UDP 127.0.0.1:5070;branch={branch};rport"),
        );
        r.headers.push_kind(HeaderKind::MaxForwards, "70");
        r.headers
            .push_kind(HeaderKind::From, "<sip:alice@127.0.0.1>;tag=a1");
        r.headers.push_kind(HeaderKind::To, "<sip:bob@127.0.0.1>");
        r.headers.push_kind(HeaderKind::CallId, "call-1@127.0.0.1");
        r.headers.push_kind(HeaderKind::CSeq, format!("1 {method}"));
        r
    }

    /// Times at which a sent a request with this method (retransmissions included).
    pub fn a_sent_times(&self, method: &str) -> Vec<u64> {
        self.sent_a
            .iter()
            .filter(|(_, b)| b.starts_with(format!("{method} ").as_bytes()))
            .map(|(t, _)| t.as_millis())
            .collect()
    }

    /// Times at which b sent a response with this status.
    pub fn b_sent_status_times(&self, status: u16) -> Vec<u64> {
        self.sent_b
            .iter()
            .filter(|(_, b)| b.starts_with(format!("SIP/2.0 {status} ").as_bytes()))
            .map(|(t, _)| t.as_millis())
            .collect()
    }

    /// The server transaction b created for the n-th new request.
    pub fn b_request(&self, n: usize) -> (sip::transaction::TxId, Request) {
        self.events_b
            .iter()
            .filter_map(|(_, e)| match e {
                TxEvent::Request { id, request, .. } => Some((*id, request.clone())),
                _ => None,
            })
            .nth(n)
            .expect("b got the request")
    }

    pub fn a_responses(&self) -> Vec<u16> {
        self.events_a
            .iter()
            .filter_map(|(_, e)| match e {
                TxEvent::Response { response, .. } => Some(response.status),
                _ => None,
            })
            .collect()
    }
}

pub fn is_ack(b: &[u8]) -> bool {
    b.starts_with(b"ACK ")
}

pub fn parse(b: &[u8]) -> Message {
    Message::parse(b).expect("parses")
}
