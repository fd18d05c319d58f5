//! Two sessions over a simulated network in simulated time (1 ms steps), with seeded
//! delay, jitter, loss and duplication per direction. Datagrams are delivered at their
//! exact arrival time (µs), so reordering happens whenever jitter exceeds the packet gap.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::time::Duration;

use rtp::session::{Event, MAX_DATAGRAM, Session, SessionConfig, TransmitKind};
use tdm::Instant;

pub const A_RTP: &str = "127.0.0.1:40000";
pub const A_RTCP: &str = "127.0.0.1:40001";
pub const B_RTP: &str = "127.0.0.1:50000";
pub const B_RTCP: &str = "127.0.0.1:50001";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// xorshift64*: the network's dice.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One direction of the network.
#[derive(Debug, Clone)]
pub struct Link {
    /// Fixed one-way delay, µs.
    pub delay_us: u64,
    /// Extra delay, uniform in [0, jitter_us), µs.
    pub jitter_us: u64,
    /// Loss probability of a datagram.
    pub loss: f64,
    /// Probability that a datagram is delivered twice.
    pub duplicate: f64,
    /// Per-datagram loss probability instead of `loss`, if set.
    pub loss_fn: Option<fn(&[u8]) -> f64>,
    /// RTP packets dropped, and those delivered twice (RTCP not counted).
    pub rtp_dropped: u64,
    pub rtp_duplicated: u64,
    pub rtp_sent: u64,
}

impl Link {
    pub fn clean(delay_ms: u64) -> Self {
        Self {
            delay_us: delay_ms * 1000,
            jitter_us: 0,
            loss: 0.0,
            duplicate: 0.0,
            loss_fn: None,
            rtp_dropped: 0,
            rtp_duplicated: 0,
            rtp_sent: 0,
        }
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: u64,
    order: u64,
    to_b: bool,
    from: SocketAddr,
    data: Vec<u8>,
}

/// A and B, wired A→B over `ab` and B→A over `ba`.
pub struct Pair {
    pub a: Session,
    pub b: Session,
    pub now: Instant,
    pub ab: Link,
    pub ba: Link,
    dice: Dice,
    queue: BinaryHeap<Reverse<InFlight>>,
    order: u64,
    pub a_events: Vec<(Instant, Event)>,
    pub b_events: Vec<(Instant, Event)>,
    /// Every datagram each side sent, with the time.
    pub a_sent: Vec<(Instant, TransmitKind, Vec<u8>)>,
    pub b_sent: Vec<(Instant, TransmitKind, Vec<u8>)>,
    buf: Vec<u8>,
}

pub fn config(seed: u64, remote: &str, remote_rtcp: &str) -> SessionConfig {
    SessionConfig {
        seed,
        remote_rtp: Some(addr(remote)),
        remote_rtcp: Some(addr(remote_rtcp)),
        ..SessionConfig::default()
    }
}

impl Pair {
    pub fn new(seed: u64, ab: Link, ba: Link) -> Self {
        Self::with(
            config(seed, B_RTP, B_RTCP),
            config(seed ^ 0x5555, A_RTP, A_RTCP),
            seed,
            ab,
            ba,
        )
    }

    pub fn with(a: SessionConfig, b: SessionConfig, seed: u64, ab: Link, ba: Link) -> Self {
        Self {
            a: Session::new(Instant::ZERO, a),
            b: Session::new(Instant::ZERO, b),
            now: Instant::ZERO,
            ab,
            ba,
            dice: Dice::new(seed.wrapping_mul(7919)),
            queue: BinaryHeap::new(),
            order: 0,
            a_events: Vec::new(),
            b_events: Vec::new(),
            a_sent: Vec::new(),
            b_sent: Vec::new(),
            buf: vec![0; MAX_DATAGRAM],
        }
    }

    /// One millisecond: deliver what has arrived, run timers, push `a_in`/`b_in` and pull
    /// what each side plays; returns (played at A, played at B).
    pub fn step(&mut self, a_in: &[i16; 8], b_in: &[i16; 8]) -> ([i16; 8], [i16; 8]) {
        let now_us = self.now.as_micros();
        while let Some(Reverse(f)) = self.queue.peek() {
            if f.at > now_us {
                break;
            }
            let Reverse(f) = self.queue.pop().unwrap();
            let at = Instant::from_micros(f.at);
            let s = if f.to_b { &mut self.b } else { &mut self.a };
            let _ = s.handle_input(at, &f.data, f.from);
            self.drain_events(at);
        }
        for side in [true, false] {
            let s = if side { &mut self.a } else { &mut self.b };
            if s.poll_timeout().is_some_and(|t| t <= self.now) {
                s.handle_timeout(self.now);
            }
        }
        self.a.push_chunk(self.now, a_in);
        self.b.push_chunk(self.now, b_in);
        let mut oa = [0; 8];
        let mut ob = [0; 8];
        self.a.pull_chunk(&mut oa);
        self.b.pull_chunk(&mut ob);
        self.flush();
        self.drain_events(self.now);
        self.now += Duration::from_millis(1);
        (oa, ob)
    }

    /// Sends whatever both sides have queued.
    pub fn flush(&mut self) {
        for from_a in [true, false] {
            loop {
                let now = self.now;
                let s = if from_a { &mut self.a } else { &mut self.b };
                let Some(t) = s.poll_transmit(now, &mut self.buf) else {
                    break;
                };
                let data = self.buf[..t.len].to_vec();
                let from = match (from_a, t.kind) {
                    (true, TransmitKind::Rtp) => addr(A_RTP),
                    (true, TransmitKind::Rtcp) => addr(A_RTCP),
                    (false, TransmitKind::Rtp) => addr(B_RTP),
                    (false, TransmitKind::Rtcp) => addr(B_RTCP),
                };
                if from_a {
                    self.a_sent.push((now, t.kind, data.clone()));
                } else {
                    self.b_sent.push((now, t.kind, data.clone()));
                }
                let to_b = [addr(B_RTP), addr(B_RTCP)].contains(&t.to);
                let to_a = [addr(A_RTP), addr(A_RTCP)].contains(&t.to);
                if !to_a && !to_b {
                    continue; // nobody there
                }
                self.send(to_b, from, data, t.kind == TransmitKind::Rtp);
            }
        }
    }

    /// Puts a datagram on the network towards B (or A), applying that link's faults.
    pub fn send(&mut self, to_b: bool, from: SocketAddr, data: Vec<u8>, is_rtp: bool) {
        let link = if to_b { &mut self.ab } else { &mut self.ba };
        let p = link.loss_fn.map_or(link.loss, |f| f(&data));
        if is_rtp {
            link.rtp_sent += 1;
        }
        if self.dice.unit() < p {
            if is_rtp {
                link.rtp_dropped += 1;
            }
            return;
        }
        let copies = if self.dice.unit() < link.duplicate {
            if is_rtp {
                link.rtp_duplicated += 1;
            }
            2
        } else {
            1
        };
        for _ in 0..copies {
            let extra = if link.jitter_us > 0 {
                self.dice.next_u64() % link.jitter_us
            } else {
                0
            };
            self.order += 1;
            self.queue.push(Reverse(InFlight {
                at: self.now.as_micros() + link.delay_us + extra,
                order: self.order,
                to_b,
                from,
                data: data.clone(),
            }));
        }
    }

    fn drain_events(&mut self, at: Instant) {
        while let Some(e) = self.a.poll_event() {
            self.a_events.push((at, e));
        }
        while let Some(e) = self.b.poll_event() {
            self.b_events.push((at, e));
        }
    }

    /// Runs `ms` milliseconds with A sending `source(t_ms)` and B silent; returns what B
    /// played.
    pub fn run_a_to_b(&mut self, ms: usize, mut source: impl FnMut(usize) -> [i16; 8]) -> Vec<i16> {
        let mut out = Vec::with_capacity(ms * 8);
        for t in 0..ms {
            let (_, ob) = self.step(&source(t), &[0; 8]);
            out.extend_from_slice(&ob);
        }
        out
    }
}

/// 8 samples of a sine of `freq` Hz at `amp`, starting at sample `8 * t_ms`.
pub fn tone(t_ms: usize, freq: f64, amp: f64) -> [i16; 8] {
    core::array::from_fn(|k| {
        let n = (8 * t_ms + k) as f64;
        (amp * (2.0 * std::f64::consts::PI * freq * n / 8000.0).sin()) as i16
    })
}
