//! The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): after the INVITE server
//! transaction hands a 2xx over (RFC 6026 Accepted state), the UAS core resends it at T1,
//! doubling up to T2, until the ACK arrives; after 64*T1 without an ACK it gives up and the
//! dialog must be ended with a BYE. Sans-IO, one per answered INVITE. Only for unreliable
//! transports (§13.3.1.4: over TCP the 2xx is sent once).

use crate::transaction::{TimerConfig, Transmit};
use core::time::Duration;
use std::net::SocketAddr;
use tdm::Instant;

/// What the retransmitter reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OkEvent {
    /// 64*T1 passed without an ACK: confirm the session is gone with BYE (§13.3.1.4).
    NoAck,
}

/// Retransmits one 2xx until its ACK.
#[derive(Debug)]
pub struct OkRetransmitter {
    bytes: Vec<u8>,
    to: SocketAddr,
    t2: Duration,
    interval: Duration,
    next: Option<Instant>,
    give_up: Instant,
    out: Vec<Transmit>,
    event: Option<OkEvent>,
    resend: bool,
}

impl OkRetransmitter {
    /// Starts after the first send of the 2xx at `now` (the first send is the transaction's).
    #[must_use]
    pub fn new(now: Instant, bytes: Vec<u8>, to: SocketAddr, timers: TimerConfig) -> Self {
        Self {
            bytes,
            to,
            t2: timers.t2,
            interval: timers.t1,
            next: Some(now + timers.t1),
            give_up: now + timers.t1 * 64,
            out: Vec::new(),
            event: None,
            resend: true,
        }
    }

    /// For a reliable transport (§13.3.1.4: the 2xx is not resent over TCP): only waits
    /// 64*T1 for the ACK and reports [`OkEvent::NoAck`] then.
    #[must_use]
    pub fn new_reliable(now: Instant, to: SocketAddr, timers: TimerConfig) -> Self {
        Self {
            bytes: Vec::new(),
            to,
            t2: timers.t2,
            interval: timers.t1 * 64,
            next: Some(now + timers.t1 * 64),
            give_up: now + timers.t1 * 64,
            out: Vec::new(),
            event: None,
            resend: false,
        }
    }

    /// The ACK arrived: stop.
    pub fn ack_received(&mut self) {
        self.next = None;
    }

    /// Whether it is still waiting for the ACK.
    #[must_use]
    pub const fn is_active(&self) -> bool {
        self.next.is_some()
    }

    /// When to call [`Self::handle_timeout`] next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next.map(|n| n.min(self.give_up))
    }

    /// Resends when due; gives up at 64*T1.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(next) = self.next else { return };
        if now >= self.give_up {
            self.next = None;
            self.event = Some(OkEvent::NoAck);
            return;
        }
        if now >= next && self.resend {
            self.out.push(Transmit {
                to: self.to,
                bytes: self.bytes.clone(),
            });
            self.interval = (self.interval * 2).min(self.t2);
            self.next = Some(now + self.interval);
        }
    }

    /// The next datagram.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }

    /// The give-up event, once.
    #[must_use]
    pub const fn poll_event(&mut self) -> Option<OkEvent> {
        self.event.take()
    }
}
