//! RFC 4733 telephone-events in both directions, for DTMF.
//!
//! [`EventSender`] turns a digit's begin and end into the packet sequence of RFC 4733
//! §2.5.1: a first packet with the marker bit (§2.5.1.2 — the session sets it), updates every
//! [`UPDATE_INTERVAL`] with the growing duration (§2.5.1.3), all with the timestamp of the
//! event's start, and the final packet with the E bit sent three times (§2.5.1.4), one
//! packetisation interval apart.
//!
//! [`EventReceiver`] turns received packets back into [`DtmfEvent`]s: packets are matched
//! to an event by timestamp, so repeats and the redundant end packets are de-duplicated
//! (§2.5.2.1); the E bit ends the event; a new timestamp ends an unfinished previous event;
//! and when every end packet is lost the event ends after a timeout of silence from the
//! sender (§2.5.2.2).
//!
//! **Limits.** Durations saturate at 0xFFFF timestamp units (8.19 s at 8 kHz); the
//! segmentation of longer events (§2.5.1.3) is not done. Volume is fixed per sender.

use core::time::Duration;
use tdm::Instant;

use crate::wire::event::EventRepr;

/// Interval between updates of a running event (RFC 4733 §2.5.1.3 suggests 50 ms).
pub const UPDATE_INTERVAL: Duration = Duration::from_millis(50);
/// Number of end packets sent (RFC 4733 §2.5.1.4: the final packet three times).
pub const END_REPEATS: u8 = 3;

/// One telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// The payload.
    pub event: EventRepr,
    /// RTP timestamp: the start of the event.
    pub timestamp: u32,
    /// Marker bit: set on the first packet of an event.
    pub marker: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendState {
    Idle,
    Running {
        event: u8,
        timestamp: u32,
        start: Instant,
        next: Instant,
        first: bool,
    },
    Ending {
        event: u8,
        timestamp: u32,
        duration: u16,
        left: u8,
        next: Instant,
    },
}

/// The sending half: digit begin/end in, packets out.
#[derive(Debug, Clone)]
pub struct EventSender {
    state: SendState,
    volume: u8,
    clock_rate: u32,
    /// Interval between the repeated end packets.
    end_spacing: Duration,
}

impl EventSender {
    /// A sender with `volume` (0..=63, -dBm0), the payload clock rate and the spacing of
    /// the repeated end packets (the audio packetisation interval).
    #[must_use]
    pub fn new(volume: u8, clock_rate: u32, end_spacing: Duration) -> Self {
        Self {
            state: SendState::Idle,
            volume: volume.min(63),
            clock_rate,
            end_spacing,
        }
    }

    /// Whether an event is being sent (audio is suppressed meanwhile).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.state != SendState::Idle
    }

    /// Starts event `event` (0..=15 DTMF, 16 flash) at `now`, stamped `timestamp`. A running
    /// event is ended first (its end packets are replaced by the new event's).
    pub fn begin(&mut self, now: Instant, event: u8, timestamp: u32) {
        self.state = SendState::Running {
            event,
            timestamp,
            start: now,
            next: now,
            first: true,
        };
    }

    /// Ends the running event at `now`; the end packets follow from [`Self::poll_packet`].
    pub fn end(&mut self, now: Instant) {
        if let SendState::Running {
            event,
            timestamp,
            start,
            ..
        } = self.state
        {
            self.state = SendState::Ending {
                event,
                timestamp,
                duration: self.duration(now, start),
                left: END_REPEATS,
                next: now,
            };
        }
    }

    fn duration(&self, now: Instant, start: Instant) -> u16 {
        let units = (now - start).as_micros() * u128::from(self.clock_rate) / 1_000_000;
        units.min(0xffff) as u16
    }

    /// The next packet due at `now`, if any.
    pub fn poll_packet(&mut self, now: Instant) -> Option<EventPacket> {
        match self.state {
            SendState::Idle => None,
            SendState::Running {
                event,
                timestamp,
                start,
                next,
                first,
            } => {
                if now < next {
                    return None;
                }
                self.state = SendState::Running {
                    event,
                    timestamp,
                    start,
                    next: next + UPDATE_INTERVAL,
                    first: false,
                };
                Some(EventPacket {
                    event: EventRepr {
                        event,
                        end: false,
                        volume: self.volume,
                        duration: self.duration(now, start),
                    },
                    timestamp,
                    marker: first,
                })
            }
            SendState::Ending {
                event,
                timestamp,
                duration,
                left,
                next,
            } => {
                if now < next {
                    return None;
                }
                self.state = if left > 1 {
                    SendState::Ending {
                        event,
                        timestamp,
                        duration,
                        left: left - 1,
                        next: next + self.end_spacing,
                    }
                } else {
                    SendState::Idle
                };
                Some(EventPacket {
                    event: EventRepr {
                        event,
                        end: true,
                        volume: self.volume,
                        duration,
                    },
                    timestamp,
                    marker: false,
                })
            }
        }
    }

    /// When [`Self::poll_packet`] has something next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            SendState::Idle => None,
            SendState::Running { next, .. } | SendState::Ending { next, .. } => Some(next),
        }
    }
}

/// How a received event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// A packet with the E bit arrived.
    EndBit,
    /// No packet for the timeout (all end packets lost).
    Timeout,
    /// A new event (new timestamp) started before the end was seen.
    Superseded,
}

/// A telephone-event seen by the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfEvent {
    /// An event began (reported once, at its first packet received).
    Begin {
        /// Event code.
        event: u8,
    },
    /// The event ended.
    End {
        /// Event code.
        event: u8,
        /// Duration in timestamp units (the largest reported by the sender).
        duration: u32,
        /// What ended it.
        reason: EndReason,
    },
}

#[derive(Debug, Clone, Copy)]
struct Current {
    timestamp: u32,
    event: u8,
    duration: u16,
    ended: bool,
    last_seen: Instant,
}

/// The receiving half: packets in, [`DtmfEvent`]s out (at most two per packet).
#[derive(Debug, Clone)]
pub struct EventReceiver {
    current: Option<Current>,
    timeout: Duration,
}

impl EventReceiver {
    /// A receiver that ends an event after `timeout` without packets for it.
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        Self {
            current: None,
            timeout,
        }
    }

    /// Handles one telephone-event packet; events come out through `emit` in order.
    pub fn on_packet(
        &mut self,
        now: Instant,
        timestamp: u32,
        e: EventRepr,
        mut emit: impl FnMut(DtmfEvent),
    ) {
        if let Some(c) = &mut self.current {
            let rel = timestamp.wrapping_sub(c.timestamp) as i32;
            if rel == 0 {
                if c.ended {
                    return; // a repeated end packet, or a straggler after the timeout
                }
                c.last_seen = now;
                c.duration = c.duration.max(e.duration);
                if e.end {
                    c.ended = true;
                    emit(DtmfEvent::End {
                        event: c.event,
                        duration: u32::from(c.duration),
                        reason: EndReason::EndBit,
                    });
                }
                return;
            }
            if rel < 0 {
                return; // a packet of an older event, reordered
            }
            if !c.ended {
                emit(DtmfEvent::End {
                    event: c.event,
                    duration: u32::from(c.duration),
                    reason: EndReason::Superseded,
                });
            }
        }
        self.current = Some(Current {
            timestamp,
            event: e.event,
            duration: e.duration,
            ended: e.end,
            last_seen: now,
        });
        emit(DtmfEvent::Begin { event: e.event });
        if e.end {
            emit(DtmfEvent::End {
                event: e.event,
                duration: u32::from(e.duration),
                reason: EndReason::EndBit,
            });
        }
    }

    /// Ends an event whose packets stopped coming.
    pub fn handle_timeout(&mut self, now: Instant, mut emit: impl FnMut(DtmfEvent)) {
        if let Some(c) = &mut self.current
            && !c.ended
            && now >= c.last_seen + self.timeout
        {
            c.ended = true;
            emit(DtmfEvent::End {
                event: c.event,
                duration: u32::from(c.duration),
                reason: EndReason::Timeout,
            });
        }
    }

    /// When [`Self::handle_timeout`] should run next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.current
            .filter(|c| !c.ended)
            .map(|c| c.last_seen + self.timeout)
    }
}
