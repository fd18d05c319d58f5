//! One RTP/RTCP session of a G.711 call leg (RFC 3550), sans-IO.
//!
//! **Sending.** The media thread pushes 8 captured samples per millisecond
//! ([`Session::push_chunk`]); every `ptime` they become one RTP packet (G.711 encoded, the
//! timestamp counting samples from a random start, §5.1). [`Session::begin_digit`] and
//! [`Session::end_digit`] send an RFC 4733 event instead of audio meanwhile.
//!
//! **Receiving.** [`Session::handle_input`] takes every datagram from the RTP or RTCP socket
//! (told apart by packet type, RFC 5761 §4, so a multiplexed port works too):
//! - *Symmetric RTP* (RFC 4961): with [`Latch::On`] the session sends to where the first
//!   valid packet came from, and accepts packets only from there; another address is taken
//!   over (re-latched) once the latched one has been silent for `relatch_after`
//!   (a phone that moved behind a NAT rebinding). RTCP latches separately.
//! - *Source validation* (RFC 3550 A.1): a source is valid after [`MIN_SEQUENTIAL`]
//!   packets in sequence; sequence wrap, large jumps (a restarted sender) and misordering are
//!   handled as in A.1. A new SSRC replaces the current one once it is itself valid
//!   ([`Event::SsrcChanged`]; e.g. a transfer re-pointed the media); the jitter buffer and
//!   the telephone-event receiver restart for it.
//! - *Statistics*: loss as in A.3, interarrival jitter as in A.8 (audio packets only, as
//!   telephone-event packets keep the timestamp of the event's start).
//! - Audio goes into the [`JitterBuffer`], played out by [`Session::pull_chunk`];
//!   telephone-events into the [`EventReceiver`].
//!
//! **Relay.** Bridged to another G.711 leg of the same law and packet time, a session can
//! hand each received audio packet on instead of playing it ([`Session::set_relay`],
//! [`Session::take_relayed`]); the other session sends it as its own packet
//! ([`Session::relay_transmit`]: its SSRC and sequence numbers, the source's timestamps
//! moved onto its clock). No decoding, no jitter buffer, no 1 ms chunks on that path.
//!
//! **RTCP.** A compound SR (while we send) or RR, with SDES CNAME (§6.1), on the interval of
//! §6.2/§6.3 with the A.7 computation: 5% of the session bandwidth, a 5 s minimum (2.5 s
//! before the first report) or the reduced minimum 360 / (session bandwidth in kbit/s) s,
//! randomised over [0.5, 1.5] × and divided by e − 3/2, with timer reconsideration.
//! Incoming SR/RR give [`Event::ReceiverReport`] with the round-trip time (§6.4.1).
//! [`Session::close`] sends the final compound with BYE (§6.6).
//!
//! **Limits.** One remote source at a time (a two-party call; no mixers/conferences of
//! SSRCs). No SRTP, no RTCP-XR, no RFC 4585 feedback. The SSRC collision rule of §8.2 is
//! applied only to a collision with the one remote source.

use core::net::SocketAddr;
use core::time::Duration;
use std::collections::VecDeque;

use tdm::Instant;

use crate::dtmf::{DtmfEvent, EndReason, EventReceiver, EventSender};
use crate::jitter::{CHUNK, JitterBuffer, JitterConfig, JitterStats};
use crate::wire::event::{EventRepr, dtmf_char, dtmf_event};
use crate::wire::rtcp::{
    self, Goodbye, ReceiverReport, ReportBlock, RtcpPacket, SDES_CNAME, SdesItem, SenderReport,
};
use crate::wire::rtp::{CsrcList, Packet, RtpRepr};
use crate::wire::{ParseError, is_rtcp};

/// Packets in sequence before a source is valid (RFC 3550 A.1 `MIN_SEQUENTIAL`).
pub const MIN_SEQUENTIAL: u32 = 2;
/// A.1 `MAX_DROPOUT`.
pub const MAX_DROPOUT: u16 = 3000;
/// A.1 `MAX_MISORDER`.
pub const MAX_MISORDER: u16 = 100;
/// The largest audio frame, in samples (60 ms).
pub const MAX_FRAME: usize = 480;
/// Buffer size that always suffices for [`Session::poll_transmit`].
pub const MAX_DATAGRAM: usize = 1500;
/// RTP clock of G.711 and of its telephone-events (RFC 3551 §4.5.14, RFC 4733 §2.3).
pub const CLOCK_RATE: u32 = 8000;
/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
pub const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
/// IPv4 + UDP header octets counted in the RTCP average packet size (§6.2).
const UDP_IP_OVERHEAD: usize = 28;
/// Pending transmissions kept before new ones are dropped.
const TX_QUEUE: usize = 16;
/// Events kept for [`Session::poll_event`] before new ones are dropped (and counted).
const EVENT_QUEUE: usize = 64;

/// The bounded event queue: room for 16 at first; a daemon that falls behind costs at most
/// `EVENT_QUEUE` events.
#[derive(Debug)]
struct EventQueue {
    queue: VecDeque<Event>,
    dropped: u64,
}

impl EventQueue {
    fn push(&mut self, e: Event) {
        if self.queue.len() >= EVENT_QUEUE {
            self.dropped += 1;
        } else {
            self.queue.push_back(e);
        }
    }
}

/// Symmetric-RTP policy (RFC 4961).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latch {
    /// Send to the configured remote address; accept packets from anywhere.
    Off,
    /// Latch on the first valid packet's source address.
    On {
        /// Take over a new source address once the latched one has sent nothing for this
        /// long; `None` never re-latches.
        relatch_after: Option<Duration>,
    },
}

/// Minimum RTCP interval (RFC 3550 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinInterval {
    /// 5 s (2.5 s before the first report).
    Standard,
    /// 360 / (session bandwidth in kbit/s) seconds, first report without delay.
    Reduced,
}

/// Everything a session needs from signalling (SDP) and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Seed for the SSRC, the first sequence number and timestamp, and RTCP randomisation
    /// (the daemon passes fresh randomness; tests a fixed value).
    pub seed: u64,
    /// Audio payload type (8 PCMA, 0 PCMU, or the negotiated one).
    pub payload_type: u8,
    /// Payload type of telephone-event, if negotiated.
    pub event_payload_type: Option<u8>,
    /// Packetisation interval, ms (10..=60, a multiple of 1 ms).
    pub ptime_ms: u16,
    /// Where to send RTP until (or instead of) latching; from the SDP `c=`/`m=` lines.
    pub remote_rtp: Option<SocketAddr>,
    /// Where to send RTCP; defaults to the RTP address with port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// Symmetric RTP policy.
    pub latch: Latch,
    /// SDES CNAME (§6.5.1), e.g. `appliance@192.0.2.1`; at most 255 octets.
    pub cname: String,
    /// Jitter buffer tuning (its `law` is the audio law).
    pub jitter: JitterConfig,
    /// Session bandwidth in bit/s for the RTCP interval (§6.2); 64 kbit/s G.711 with
    /// IP/UDP/RTP headers at 20 ms is 80 kbit/s.
    pub session_bandwidth: u32,
    /// Minimum RTCP interval.
    pub min_interval: MinInterval,
    /// NTP time (seconds since 1900, 32.32 fixed point) of `Instant::ZERO`, for SR
    /// timestamps; 0 sends elapsed time instead (allowed by §6.4.1).
    pub ntp_at_zero: u64,
    /// Telephone-event volume sent (0..=63, -dBm0).
    pub event_volume: u8,
    /// End a received telephone-event after this long without packets.
    pub event_timeout: Duration,
}

impl Default for SessionConfig {
    /// PCMA (8) with telephone-event 101, 20 ms, latching with a 1 s re-latch, CNAME
    /// `appliance`.
    fn default() -> Self {
        Self {
            seed: 0,
            payload_type: 8,
            event_payload_type: Some(101),
            ptime_ms: 20,
            remote_rtp: None,
            remote_rtcp: None,
            latch: Latch::On {
                relatch_after: Some(Duration::from_secs(1)),
            },
            cname: "appliance".into(),
            jitter: JitterConfig::default(),
            session_bandwidth: 80_000,
            min_interval: MinInterval::Standard,
            ntp_at_zero: 0,
            event_volume: 10,
            event_timeout: Duration::from_millis(300),
        }
    }
}

/// Whether a datagram carried RTP or RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransmitKind {
    /// Send from the RTP socket.
    Rtp,
    /// Send from the RTCP socket.
    Rtcp,
}

/// A datagram written by [`Session::poll_transmit`] into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// Octets written at the front of the buffer.
    pub len: usize,
    /// Which socket to send it from.
    pub kind: TransmitKind,
}

/// Reception quality the peer reported about our stream (from its SR/RR, §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteReport {
    /// Fraction lost since its previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost.
    pub cumulative_lost: i32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Round-trip time, if the peer echoed one of our SRs.
    pub rtt: Option<Duration>,
}

/// Something the daemon may want to know or log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Symmetric RTP latched onto the first valid source address.
    Latched {
        /// The remote RTP address now used.
        addr: SocketAddr,
    },
    /// The latched address changed (the old one fell silent).
    Relatched {
        /// Previous address.
        from: SocketAddr,
        /// New address.
        to: SocketAddr,
    },
    /// The remote source passed validation (RFC 3550 A.1).
    SourceValidated {
        /// Its SSRC.
        ssrc: u32,
    },
    /// The remote SSRC changed.
    SsrcChanged {
        /// Previous SSRC.
        old: u32,
        /// New SSRC.
        new: u32,
    },
    /// Our SSRC collided with the remote one and was changed (§8.2).
    LocalSsrcChanged {
        /// Our new SSRC.
        ssrc: u32,
    },
    /// A telephone-event (DTMF digit) began.
    DigitBegin {
        /// The digit (`0`-`9`, `*`, `#`, `A`-`D`, `!` for flash).
        digit: char,
    },
    /// A telephone-event ended.
    Digit {
        /// The digit.
        digit: char,
        /// Its duration as reported by the sender.
        duration: Duration,
        /// How the end was detected.
        reason: EndReason,
    },
    /// The peer reported on our stream.
    ReceiverReport(RemoteReport),
    /// The remote source left (RTCP BYE).
    RemoteBye {
        /// Its SSRC.
        ssrc: u32,
    },
}

/// Why [`Session::handle_input`] ignored a datagram. Nothing in the session changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Not a valid RTP or RTCP packet.
    #[error("malformed packet: {0}")]
    Malformed(#[from] ParseError),
    /// From an address other than the latched one (RFC 4961).
    #[error("packet from {from}, not from the latched address")]
    UnexpectedSource {
        /// Where it came from.
        from: SocketAddr,
    },
    /// An RTP payload type that was not negotiated.
    #[error("payload type {0} not negotiated")]
    UnknownPayloadType(u8),
    /// The session is closed.
    #[error("session closed")]
    Closed,
}

/// Why a digit could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigitError {
    /// No telephone-event payload type was negotiated.
    #[error("telephone-event not negotiated")]
    NotNegotiated,
    /// Not a DTMF character.
    #[error("not a DTMF digit: {0:?}")]
    NotADigit(char),
}

/// Counters of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionStats {
    /// RTP packets sent (audio and events).
    pub rtp_sent: u64,
    /// RTP payload octets sent.
    pub octets_sent: u64,
    /// RTCP compounds sent.
    pub rtcp_sent: u64,
    /// RTP packets accepted from the current source (after validation).
    pub rtp_received: u64,
    /// RTCP compounds received.
    pub rtcp_received: u64,
    /// Datagrams that did not parse.
    pub malformed: u64,
    /// Datagrams from a non-latched address.
    pub wrong_source: u64,
    /// RTP packets of a payload type not negotiated.
    pub unknown_payload_type: u64,
    /// Packets not sent (no destination known, or the queue was full).
    pub tx_dropped: u64,
    /// Events dropped because [`Session::poll_event`] was not called (queue of 64 full).
    pub events_dropped: u64,
}

/// Our reception statistics for the current remote source (RFC 3550 A.3, A.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceptionStats {
    /// The remote SSRC.
    pub ssrc: u32,
    /// Packets expected (extended highest − base + 1).
    pub expected: u32,
    /// Packets received (duplicates included, as in A.3).
    pub received: u32,
    /// Cumulative lost (expected − received; negative with duplicates).
    pub lost: i64,
    /// Interarrival jitter, timestamp units.
    pub jitter: u32,
    /// Extended highest sequence number.
    pub extended_highest_seq: u32,
}

/// Per-source state of RFC 3550 A.1 and A.8.
#[derive(Debug, Clone, Copy)]
struct Source {
    ssrc: u32,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: u32,
    /// Jitter scaled by 16 (A.8 integer form).
    jitter: u32,
    has_transit: bool,
    /// Middle 32 bits of the NTP time of its last SR, and when it came.
    last_sr: Option<(u32, Instant)>,
}

impl Source {
    fn new(ssrc: u32, seq: u16) -> Self {
        let mut s = Self {
            ssrc,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: 0,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: 0,
            jitter: 0,
            has_transit: false,
            last_sr: None,
        };
        s.init_seq(seq);
        s.max_seq = seq.wrapping_sub(1);
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = (1 << 16) + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// A.1 `update_seq`: whether the packet is valid.
    fn update_seq(&mut self, seq: u16) -> bool {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return true;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return false;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = seq;
        } else if u32::from(udelta) <= (1 << 16) - u32::from(MAX_MISORDER) {
            // A very large jump: accept it only if the next packet follows it.
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
            } else {
                self.bad_seq = u32::from(seq.wrapping_add(1));
                return false;
            }
        }
        // else: a duplicate or reordered packet, counted as received.
        self.received = self.received.wrapping_add(1);
        true
    }

    fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    fn expected(&self) -> u32 {
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// A.8: `arrival` and `timestamp` in timestamp units.
    fn update_jitter(&mut self, arrival: u32, timestamp: u32) {
        let transit = arrival.wrapping_sub(timestamp);
        if self.has_transit {
            let d = (transit.wrapping_sub(self.transit) as i32).unsigned_abs();
            // J += (|D| - J) / 16, kept scaled by 16.
            self.jitter = self
                .jitter
                .wrapping_add(d)
                .wrapping_sub((self.jitter + 8) >> 4);
        }
        self.transit = transit;
        self.has_transit = true;
    }

    /// A.3: the report block, advancing the interval counters.
    fn report_block(&mut self, now: Instant) -> ReportBlock {
        let expected = self.expected();
        let lost = i64::from(expected) - i64::from(self.received);
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => {
                let d = (now - at).as_micros() * 65536 / 1_000_000;
                (lsr, d.min(u128::from(u32::MAX)) as u32)
            }
            None => (0, 0),
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: lost.clamp(-0x80_0000, 0x7f_ffff) as i32,
            extended_highest_seq: self.extended_max(),
            jitter: self.jitter >> 4,
            last_sr,
            delay_since_last_sr,
        }
    }
}

/// SplitMix64: small, seedable, good enough for SSRCs and interval randomisation (§6.3.1
/// asks only for a uniform spread, §8.1 for unpredictable SSRCs given a random seed).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An audio packet a session in relay mode accepted ([`Session::take_relayed`]): the
/// payload stays in the caller's datagram, at `payload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// The source's RTP timestamp.
    pub timestamp: u32,
    /// The source's marker bit.
    pub marker: bool,
    /// Where the payload lies in the datagram given to [`Session::handle_input`].
    pub payload: core::ops::Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Audio,
    Event(crate::dtmf::EventPacket),
    Rtcp,
    Bye,
}

/// One RTP session: see the module documentation.
#[derive(Debug)]
pub struct Session {
    cfg: SessionConfig,
    rng: Rng,
    closed: bool,
    // --- sending ---
    ssrc: u32,
    seq: u16,
    /// RTP timestamp of the next captured sample.
    sample_ts: u32,
    /// `now` of the last `push_chunk` and the timestamp it began with (for SR timestamps).
    clock_anchor: Option<(Instant, u32)>,
    frame_samples: usize,
    frame: [u8; MAX_FRAME],
    frame_fill: usize,
    frame_ts: u32,
    ready: [u8; MAX_FRAME],
    ready_ts: u32,
    ready_marker: bool,
    marker_next: bool,
    /// Relay mode ([`Session::set_relay`]): received audio is handed on, not played.
    relay: bool,
    /// Relay: what to add to the source's timestamps to continue our own (set by the
    /// first frame relayed after relay mode began).
    relay_offset: Option<u32>,
    /// Relay: the audio packet `handle_input` just accepted, for [`Session::take_relayed`].
    relayed: Option<Relayed>,
    events_tx: EventSender,
    packets_sent: u32,
    octets_sent: u32,
    // --- receiving ---
    remote_rtp: Option<SocketAddr>,
    remote_rtcp: Option<SocketAddr>,
    rtp_latched: bool,
    rtcp_latched: bool,
    last_rtp_rx: Option<Instant>,
    last_rtcp_rx: Option<Instant>,
    source: Option<Source>,
    validated: bool,
    candidate: Option<Source>,
    jitter: JitterBuffer,
    events_rx: EventReceiver,
    // --- RTCP timing (A.7) ---
    tp: Instant,
    tn: Instant,
    initial: bool,
    avg_rtcp_size: f64,
    sent_since_report: bool,
    sent_prev_interval: bool,
    remote_sent_recently: bool,
    /// Report blocks of the RTCP report being built (kept for its capacity).
    reports: Vec<ReportBlock>,
    // --- outputs ---
    tx: VecDeque<Pending>,
    events: EventQueue,
    stats: SessionStats,
}

impl Session {
    /// A session starting at `now` (first RTCP report scheduled from here).
    #[must_use]
    pub fn new(now: Instant, cfg: SessionConfig) -> Self {
        let mut rng = Rng(cfg.seed);
        let ssrc = rng.next_u64() as u32;
        let seq = rng.next_u64() as u16;
        let sample_ts = rng.next_u64() as u32;
        let ptime = usize::from(cfg.ptime_ms.clamp(1, 60));
        let end_spacing = Duration::from_millis(u64::from(cfg.ptime_ms.clamp(1, 60)));
        let mut s = Self {
            rng,
            closed: false,
            ssrc,
            seq,
            sample_ts,
            clock_anchor: None,
            frame_samples: ptime * 8,
            frame: [0; MAX_FRAME],
            frame_fill: 0,
            frame_ts: sample_ts,
            ready: [0; MAX_FRAME],
            ready_ts: 0,
            ready_marker: false,
            marker_next: true,
            relay: false,
            relay_offset: None,
            relayed: None,
            events_tx: EventSender::new(cfg.event_volume, CLOCK_RATE, end_spacing),
            packets_sent: 0,
            octets_sent: 0,
            remote_rtp: cfg.remote_rtp,
            remote_rtcp: cfg.remote_rtcp,
            rtp_latched: false,
            rtcp_latched: false,
            last_rtp_rx: None,
            last_rtcp_rx: None,
            source: None,
            validated: false,
            candidate: None,
            jitter: JitterBuffer::new(cfg.jitter),
            events_rx: EventReceiver::new(cfg.event_timeout),
            tp: now,
            tn: now,
            initial: true,
            avg_rtcp_size: 100.0,
            sent_since_report: false,
            sent_prev_interval: false,
            remote_sent_recently: false,
            reports: Vec::new(),
            tx: VecDeque::with_capacity(TX_QUEUE),
            events: EventQueue {
                queue: VecDeque::with_capacity(16),
                dropped: 0,
            },
            stats: SessionStats::default(),
            cfg,
        };
        s.tn = now + s.rtcp_interval();
        s
    }

    /// Our SSRC.
    #[must_use]
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The remote RTP address in use (configured or latched).
    #[must_use]
    pub fn remote_rtp(&self) -> Option<SocketAddr> {
        self.remote_rtp
    }

    /// Counters.
    #[must_use]
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            events_dropped: self.events.dropped,
            ..self.stats
        }
    }

    /// Jitter buffer counters.
    #[must_use]
    pub fn jitter_stats(&self) -> JitterStats {
        self.jitter.stats()
    }

    /// The jitter buffer (target delay, buffered audio).
    #[must_use]
    pub fn jitter_buffer(&self) -> &JitterBuffer {
        &self.jitter
    }

    /// Reception statistics of the current remote source, if there is a valid one.
    #[must_use]
    pub fn reception(&self) -> Option<ReceptionStats> {
        let s = self.source.filter(|_| self.validated)?;
        Some(ReceptionStats {
            ssrc: s.ssrc,
            expected: s.expected(),
            received: s.received,
            lost: i64::from(s.expected()) - i64::from(s.received),
            jitter: s.jitter >> 4,
            extended_highest_seq: s.extended_max(),
        })
    }

    /// Sets (or changes, after a re-INVITE) where to send; latching starts over.
    pub fn set_remote(&mut self, rtp: Option<SocketAddr>, rtcp: Option<SocketAddr>) {
        self.remote_rtp = rtp;
        self.remote_rtcp = rtcp;
        self.rtp_latched = false;
        self.rtcp_latched = false;
    }

    // ------------------------------------------------------------------ input

    /// Handles one datagram that arrived at `now` from `from` on the RTP or RTCP socket.
    ///
    /// # Errors
    /// An [`InputError`] when the datagram was ignored (malformed, wrong source, payload
    /// type not negotiated, closed session); the session's state is unchanged apart from
    /// the matching counter.
    pub fn handle_input(
        &mut self,
        now: Instant,
        datagram: &[u8],
        from: SocketAddr,
    ) -> Result<(), InputError> {
        self.relayed = None;
        if self.closed {
            return Err(InputError::Closed);
        }
        if is_rtcp(datagram) {
            self.handle_rtcp(now, datagram, from)
        } else {
            self.handle_rtp(now, datagram, from)
        }
    }

    fn latch_check(
        &mut self,
        now: Instant,
        from: SocketAddr,
        rtcp: bool,
    ) -> Result<(), InputError> {
        let Latch::On { relatch_after } = self.cfg.latch else {
            return Ok(());
        };
        let (latched, addr, last) = if rtcp {
            (self.rtcp_latched, self.remote_rtcp, self.last_rtcp_rx)
        } else {
            (self.rtp_latched, self.remote_rtp, self.last_rtp_rx)
        };
        if latched && addr == Some(from) {
            return Ok(());
        }
        if latched {
            let silent = match (relatch_after, last) {
                (Some(after), Some(last)) => now >= last + after,
                _ => false,
            };
            if !silent {
                self.stats.wrong_source += 1;
                return Err(InputError::UnexpectedSource { from });
            }
            if !rtcp && let Some(old) = addr {
                self.events.push(Event::Relatched {
                    from: old,
                    to: from,
                });
            }
        } else if !rtcp {
            self.events.push(Event::Latched { addr: from });
        }
        if rtcp {
            self.remote_rtcp = Some(from);
            self.rtcp_latched = true;
        } else {
            self.remote_rtp = Some(from);
            self.rtp_latched = true;
        }
        Ok(())
    }

    fn handle_rtp(&mut self, now: Instant, d: &[u8], from: SocketAddr) -> Result<(), InputError> {
        let p = match Packet::new_checked(d) {
            Ok(p) => p,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e.into());
            }
        };
        let pt = p.payload_type();
        let is_event = Some(pt) == self.cfg.event_payload_type;
        if pt != self.cfg.payload_type && !is_event {
            self.stats.unknown_payload_type += 1;
            return Err(InputError::UnknownPayloadType(pt));
        }
        if is_event && let Err(e) = EventRepr::parse_bytes(p.payload()) {
            self.stats.malformed += 1;
            return Err(e.into());
        }
        self.latch_check(now, from, false)?;
        self.last_rtp_rx = Some(now);
        self.remote_sent_recently = true;
        let ssrc = p.ssrc();
        if ssrc == self.ssrc && !self.is_reflection(p.sequence_number()) {
            // §8.2: a collision with our own SSRC: pick another one.
            self.ssrc = self.rng.next_u64() as u32;
            self.events
                .push(Event::LocalSsrcChanged { ssrc: self.ssrc });
        }
        let seq = p.sequence_number();
        match &mut self.source {
            None => {
                self.source = Some(Source::new(ssrc, seq));
            }
            Some(s) if s.ssrc != ssrc => {
                // Another source: let it prove itself, then switch to it.
                let cand = match &mut self.candidate {
                    Some(c) if c.ssrc == ssrc => c,
                    c => c.insert(Source::new(ssrc, seq)),
                };
                if !cand.update_seq(seq) || cand.probation > 0 {
                    return Ok(());
                }
                let new = *cand;
                let old = s.ssrc;
                *s = new;
                self.candidate = None;
                self.jitter.reset();
                self.events_rx = EventReceiver::new(self.cfg.event_timeout);
                if self.validated {
                    self.events.push(Event::SsrcChanged { old, new: ssrc });
                } else {
                    self.validated = true;
                    self.events.push(Event::SourceValidated { ssrc });
                }
                self.accept(now, &p, is_event);
                return Ok(());
            }
            Some(_) => {}
        }
        let Some(s) = &mut self.source else {
            return Ok(());
        };
        if !s.update_seq(seq) {
            return Ok(());
        }
        if !self.validated {
            self.validated = true;
            self.events.push(Event::SourceValidated { ssrc });
        }
        self.candidate = None;
        self.accept(now, &p, is_event);
        Ok(())
    }

    /// Whether a packet carrying our own SSRC and sequence number `seq` is our own stream
    /// coming back (a media loop-back at the far end: an echo test or `sipp -rtp_echo`
    /// reflects packets unchanged), not another sender that picked our SSRC: its sequence
    /// number is one we sent, at most [`MAX_DROPOUT`] ago. RFC 3550 §8.2 calls this a loop of
    /// our own traffic; in a two-party session the reflected stream *is* the remote's media,
    /// so it is played like any source, and our SSRC is kept: changing it would only make
    /// the reflection "collide" again one round trip later, restarting the jitter buffer
    /// each time (the carrier then heard nothing of its echo).
    fn is_reflection(&self, seq: u16) -> bool {
        let back = self.seq.wrapping_sub(seq);
        back >= 1 && u64::from(back) <= self.stats.rtp_sent.min(u64::from(MAX_DROPOUT))
    }

    /// A valid packet of the current source: statistics, then audio or event delivery.
    fn accept(&mut self, now: Instant, p: &Packet<&[u8]>, is_event: bool) {
        self.stats.rtp_received += 1;
        let Some(s) = &mut self.source else { return };
        if is_event {
            if let Ok(e) = EventRepr::parse_bytes(p.payload()) {
                let events = &mut self.events;
                self.events_rx
                    .on_packet(now, p.timestamp(), e, |ev| push_dtmf(events, ev));
            }
        } else {
            let arrival = (u128::from(now.as_micros()) * u128::from(CLOCK_RATE) / 1_000_000) as u32;
            s.update_jitter(arrival, p.timestamp());
            if self.relay {
                self.relayed = Some(Relayed {
                    timestamp: p.timestamp(),
                    marker: p.marker(),
                    payload: p.payload_range(),
                });
            } else {
                self.jitter.push(p.timestamp(), p.marker(), p.payload());
            }
        }
    }

    fn handle_rtcp(&mut self, now: Instant, d: &[u8], from: SocketAddr) -> Result<(), InputError> {
        let packets = match rtcp::parse_compound(d) {
            Ok(p) => p,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e.into());
            }
        };
        self.latch_check(now, from, true)?;
        self.last_rtcp_rx = Some(now);
        self.stats.rtcp_received += 1;
        // A.7 OnReceive: running average of compound sizes.
        self.avg_rtcp_size += ((d.len() + UDP_IP_OVERHEAD) as f64 - self.avg_rtcp_size) / 16.0;
        for p in packets {
            let blocks = match &p {
                RtcpPacket::SenderReport(sr) => {
                    if let Some(s) = self.source.as_mut().filter(|s| s.ssrc == sr.ssrc) {
                        s.last_sr = Some(((sr.ntp_timestamp >> 16) as u32, now));
                    }
                    &sr.reports[..]
                }
                RtcpPacket::ReceiverReport(rr) => &rr.reports[..],
                RtcpPacket::Goodbye(bye) => {
                    for &ssrc in &bye.sources {
                        if self.source.is_some_and(|s| s.ssrc == ssrc) {
                            self.events.push(Event::RemoteBye { ssrc });
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            for b in blocks.iter().filter(|b| b.ssrc == self.ssrc) {
                let rtt = (b.last_sr != 0).then(|| {
                    let a = (self.ntp(now) >> 16) as u32;
                    let units = a
                        .wrapping_sub(b.last_sr)
                        .wrapping_sub(b.delay_since_last_sr);
                    Duration::from_micros(u64::from(units) * 1_000_000 / 65536)
                });
                self.events.push(Event::ReceiverReport(RemoteReport {
                    fraction_lost: b.fraction_lost,
                    cumulative_lost: b.cumulative_lost,
                    jitter: b.jitter,
                    rtt,
                }));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ media thread

    /// Plays the next millisecond of received audio (8 samples) into `out`.
    pub fn pull_chunk(&mut self, out: &mut [i16; CHUNK]) {
        self.jitter.pull(out);
    }

    /// Takes the next millisecond of audio to send (8 samples) captured at `now`.
    pub fn push_chunk(&mut self, now: Instant, samples: &[i16; CHUNK]) {
        self.clock_anchor = Some((now, self.sample_ts));
        let ts = self.sample_ts;
        self.sample_ts = self.sample_ts.wrapping_add(CHUNK as u32);
        if self.closed || self.events_tx.is_active() {
            self.frame_fill = 0;
            return;
        }
        if self.frame_fill == 0 {
            self.frame_ts = ts;
        }
        let fill = self.frame_fill;
        self.cfg
            .jitter
            .law
            .encode(samples, &mut self.frame[fill..fill + CHUNK]);
        self.frame_fill += CHUNK;
        if self.frame_fill >= self.frame_samples {
            if self.tx.contains(&Pending::Audio) {
                self.stats.tx_dropped += 1;
            } else {
                self.queue(Pending::Audio);
            }
            self.ready[..self.frame_samples].copy_from_slice(&self.frame[..self.frame_samples]);
            self.ready_ts = self.frame_ts;
            self.ready_marker = core::mem::take(&mut self.marker_next);
            self.frame_fill = 0;
        }
    }

    // ------------------------------------------------------------------ relay

    /// Turns relay mode on or off. In relay mode the session does not play what it
    /// receives: each accepted audio packet is handed on whole ([`Self::take_relayed`]) for
    /// the bridged leg's session to send as its own ([`Self::relay_transmit`]), so a call
    /// between two G.711 legs of the same law and packet time is neither decoded nor
    /// de-jittered on the box (the far ends' jitter buffers do that, as they would on a
    /// direct call). Everything else (validation, latching, statistics, RTCP,
    /// telephone-events) works as usual. Either change restarts the jitter buffer and
    /// marks the next packet sent as a new talkspurt; the timestamps sent stay one
    /// continuous clock across the change.
    pub fn set_relay(&mut self, on: bool) {
        if self.relay == on {
            return;
        }
        self.relay = on;
        self.relay_offset = None;
        self.relayed = None;
        self.jitter.reset();
        self.frame_fill = 0;
        self.marker_next = true;
    }

    /// Whether relay mode is on.
    #[must_use]
    pub fn relaying(&self) -> bool {
        self.relay
    }

    /// Whether audio received by `self` can be relayed to `other` unchanged: the same law
    /// and packet time.
    #[must_use]
    pub fn relay_compatible(&self, other: &Self) -> bool {
        self.cfg.jitter.law == other.cfg.jitter.law && self.cfg.ptime_ms == other.cfg.ptime_ms
    }

    /// In relay mode, the audio packet the last [`Self::handle_input`] accepted, if it
    /// was one (once).
    pub fn take_relayed(&mut self) -> Option<Relayed> {
        self.relayed.take()
    }

    /// Sends `payload`, an audio frame another session relays (its RTP `timestamp` and
    /// `marker`), as this session's next packet: our SSRC and sequence number, and the
    /// source's timestamps moved onto our own clock (gaps and order kept). Nothing is sent
    /// while an RFC 4733 digit is being sent or after [`Self::close`]; a frame larger
    /// than [`MAX_FRAME`] is dropped and counted.
    pub fn relay_transmit(
        &mut self,
        now: Instant,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
        buf: &mut [u8],
    ) -> Option<Transmit> {
        if self.closed || self.events_tx.is_active() {
            return None;
        }
        if payload.len() > MAX_FRAME {
            self.stats.tx_dropped += 1;
            return None;
        }
        let first = self.relay_offset.is_none();
        let offset = *self
            .relay_offset
            .get_or_insert(self.sample_ts.wrapping_sub(timestamp));
        let ts = timestamp.wrapping_add(offset);
        let end = ts.wrapping_add(payload.len() as u32);
        if first || (end.wrapping_sub(self.sample_ts) as i32) > 0 {
            self.sample_ts = end;
        }
        self.clock_anchor = Some((now, self.sample_ts));
        let m = marker | core::mem::take(&mut self.marker_next) | first;
        let pt = self.cfg.payload_type;
        self.emit_rtp(m, pt, ts, payload.len(), buf, PayloadSrc::Relay(payload))
    }

    /// Starts sending DTMF `digit` as an RFC 4733 event at `now` (audio pauses until it
    /// ends). The event's timestamp is that of the next captured sample.
    ///
    /// # Errors
    /// [`DigitError`] if telephone-event was not negotiated or `digit` is not DTMF.
    pub fn begin_digit(&mut self, now: Instant, digit: char) -> Result<(), DigitError> {
        if self.cfg.event_payload_type.is_none() {
            return Err(DigitError::NotNegotiated);
        }
        let event = dtmf_event(digit).ok_or(DigitError::NotADigit(digit))?;
        self.frame_fill = 0;
        self.events_tx.begin(now, event, self.sample_ts);
        self.drain_event_sender(now);
        Ok(())
    }

    /// Ends the digit being sent; the three end packets follow.
    pub fn end_digit(&mut self, now: Instant) {
        self.events_tx.end(now);
        self.drain_event_sender(now);
    }

    fn drain_event_sender(&mut self, now: Instant) {
        while let Some(p) = self.events_tx.poll_packet(now) {
            self.queue(Pending::Event(p));
        }
    }

    fn queue(&mut self, p: Pending) {
        if self.tx.len() >= TX_QUEUE {
            self.stats.tx_dropped += 1;
        } else {
            self.tx.push_back(p);
        }
    }

    // ------------------------------------------------------------------ timers

    /// When [`Session::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        [
            Some(self.tn),
            self.events_tx.poll_timeout(),
            self.events_rx.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the timers due at `now`: RTCP reports (A.7 `OnExpire`), telephone-event updates
    /// and end repeats, the received-event timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.drain_event_sender(now);
        let events = &mut self.events;
        self.events_rx
            .handle_timeout(now, |ev| push_dtmf(events, ev));
        if now >= self.tn {
            // Timer reconsideration: send only if the recomputed interval has passed.
            let t = self.rtcp_interval();
            if self.tp + t <= now {
                self.queue(Pending::Rtcp);
                self.tp = now;
                self.initial = false;
                self.sent_prev_interval = self.sent_since_report;
                self.sent_since_report = false;
                self.tn = now + self.rtcp_interval();
            } else {
                self.tn = self.tp + t;
            }
        }
    }

    /// Ends the session at `now`: queues the final RTCP compound with BYE (§6.6); no more
    /// timers, input is refused.
    pub fn close(&mut self, _now: Instant) {
        if !self.closed {
            self.queue(Pending::Bye);
            self.closed = true;
        }
    }

    /// The RTCP interval of A.7 `rtcp_interval()` for this two-party session, randomised.
    fn rtcp_interval(&mut self) -> Duration {
        const COMPENSATION: f64 = core::f64::consts::E - 1.5;
        let we_sent = self.sent_since_report || self.sent_prev_interval;
        let members = 1.0 + if self.source.is_some() { 1.0 } else { 0.0 };
        let senders = f64::from(u8::from(we_sent)) + f64::from(u8::from(self.remote_sent_recently));
        let bw = f64::from(self.cfg.session_bandwidth.max(1)) / 8.0;
        let mut rtcp_bw = bw * 0.05;
        let min_time = match self.cfg.min_interval {
            MinInterval::Standard if self.initial => 2.5,
            MinInterval::Standard => 5.0,
            MinInterval::Reduced => 360.0 / (f64::from(self.cfg.session_bandwidth.max(1)) / 1000.0),
        };
        let mut n = members;
        if senders <= members * 0.25 {
            if we_sent {
                rtcp_bw *= 0.25;
                n = senders;
            } else {
                rtcp_bw *= 0.75;
                n -= senders;
            }
        }
        let t = (self.avg_rtcp_size * n / rtcp_bw).max(min_time);
        let t = t * (self.rng.unit() + 0.5) / COMPENSATION;
        Duration::from_secs_f64(t)
    }

    fn ntp(&self, now: Instant) -> u64 {
        let us = now.as_micros();
        let since = ((us / 1_000_000) << 32) | (((us % 1_000_000) << 32) / 1_000_000);
        self.cfg.ntp_at_zero.wrapping_add(since)
    }

    // ------------------------------------------------------------------ output

    /// Writes the next datagram to send into `buf` (at least [`MAX_DATAGRAM`] octets is
    /// always enough) and says where it goes; `None` when nothing is pending. `now` stamps
    /// RTCP sender reports.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        while let Some(p) = self.tx.pop_front() {
            let res = match p {
                Pending::Audio => self.emit_audio(buf),
                Pending::Event(e) => self.emit_event(e, buf),
                Pending::Rtcp => self.emit_rtcp(now, false, buf),
                Pending::Bye => self.emit_rtcp(now, true, buf),
            };
            match res {
                Some(t) => return Some(t),
                None => self.stats.tx_dropped += 1,
            }
        }
        None
    }

    fn emit_rtp(
        &mut self,
        marker: bool,
        pt: u8,
        ts: u32,
        payload_len: usize,
        buf: &mut [u8],
        payload: PayloadSrc<'_>,
    ) -> Option<Transmit> {
        let to = self.remote_rtp?;
        let mut ev = [0u8; 4];
        let payload: &[u8] = match payload {
            PayloadSrc::Audio => &self.ready[..payload_len],
            PayloadSrc::Event(e) => {
                e.emit(&mut ev).ok()?;
                &ev
            }
            PayloadSrc::Relay(p) => p,
        };
        let repr = RtpRepr {
            marker,
            payload_type: pt,
            sequence_number: self.seq,
            timestamp: ts,
            ssrc: self.ssrc,
            csrc: CsrcList::EMPTY,
            extension: None,
            payload,
            padding: 0,
        };
        let len = repr.emit(buf).ok()?;
        self.seq = self.seq.wrapping_add(1);
        self.packets_sent = self.packets_sent.wrapping_add(1);
        self.octets_sent = self.octets_sent.wrapping_add(payload.len() as u32);
        self.stats.rtp_sent += 1;
        self.stats.octets_sent += payload.len() as u64;
        self.sent_since_report = true;
        Some(Transmit {
            to,
            len,
            kind: TransmitKind::Rtp,
        })
    }

    fn emit_audio(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        let (m, ts, n) = (self.ready_marker, self.ready_ts, self.frame_samples);
        self.emit_rtp(m, self.cfg.payload_type, ts, n, buf, PayloadSrc::Audio)
    }

    fn emit_event(&mut self, e: crate::dtmf::EventPacket, buf: &mut [u8]) -> Option<Transmit> {
        let pt = self.cfg.event_payload_type?;
        self.emit_rtp(
            e.marker,
            pt,
            e.timestamp,
            4,
            buf,
            PayloadSrc::Event(e.event),
        )
    }

    fn emit_rtcp(&mut self, now: Instant, bye: bool, buf: &mut [u8]) -> Option<Transmit> {
        let to = self.remote_rtcp.or_else(|| {
            self.remote_rtp.map(|mut a| {
                a.set_port(a.port().wrapping_add(1));
                a
            })
        })?;
        // The report block list is the session's own, handed to the packet and taken back
        // after emitting, so a report allocates nothing once the first one has.
        let mut reports = std::mem::take(&mut self.reports);
        reports.clear();
        reports.extend(
            self.source
                .as_mut()
                .filter(|_| self.validated)
                .map(|s| s.report_block(now)),
        );
        let we_sent =
            self.sent_since_report || self.sent_prev_interval || self.packets_sent > 0 && bye;
        let first = if we_sent {
            let rtp_timestamp = match self.clock_anchor {
                Some((at, ts)) => {
                    let since = (now - at).as_micros() * u128::from(CLOCK_RATE) / 1_000_000;
                    ts.wrapping_add(since as u32)
                }
                None => self.sample_ts,
            };
            RtcpPacket::SenderReport(SenderReport {
                ssrc: self.ssrc,
                ntp_timestamp: self.ntp(now),
                rtp_timestamp,
                packet_count: self.packets_sent,
                octet_count: self.octets_sent,
                reports,
            })
        } else {
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: self.ssrc,
                reports,
            })
        };
        let cname = &self.cfg.cname.as_bytes()[..self.cfg.cname.len().min(255)];
        let first_len = first.emit(buf);
        self.reports = match first {
            RtcpPacket::SenderReport(sr) => sr.reports,
            RtcpPacket::ReceiverReport(rr) => rr.reports,
            _ => Vec::new(),
        };
        let mut len = first_len.ok()?;
        len += rtcp::emit_sdes_chunk(
            self.ssrc,
            &[SdesItem {
                kind: SDES_CNAME,
                text: cname,
            }],
            buf.get_mut(len..)?,
        )
        .ok()?;
        if bye {
            // Once per session, at its end: the one allocation left on this path.
            len += RtcpPacket::Goodbye(Goodbye {
                sources: vec![self.ssrc],
                reason: None,
            })
            .emit(buf.get_mut(len..)?)
            .ok()?;
        }
        self.remote_sent_recently = false;
        self.stats.rtcp_sent += 1;
        self.avg_rtcp_size += ((len + UDP_IP_OVERHEAD) as f64 - self.avg_rtcp_size) / 16.0;
        Some(Transmit {
            to,
            len,
            kind: TransmitKind::Rtcp,
        })
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.queue.pop_front()
    }
}

#[derive(Debug, Clone, Copy)]
enum PayloadSrc<'a> {
    Audio,
    Event(EventRepr),
    Relay(&'a [u8]),
}

fn push_dtmf(events: &mut EventQueue, ev: DtmfEvent) {
    match ev {
        DtmfEvent::Begin { event } => {
            if let Some(digit) = dtmf_char(event) {
                events.push(Event::DigitBegin { digit });
            }
        }
        DtmfEvent::End {
            event,
            duration,
            reason,
        } => {
            if let Some(digit) = dtmf_char(event) {
                events.push(Event::Digit {
                    digit,
                    duration: Duration::from_micros(
                        u64::from(duration) * 1_000_000 / u64::from(CLOCK_RATE),
                    ),
                    reason,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_boundaries_between_misorder_and_jump() {
        let mut s = Source::new(9, 999);
        assert!(!s.update_seq(999)); // probation
        assert!(s.update_seq(1000));
        // 1000 - 99: within MAX_MISORDER, a late packet, counted.
        assert!(s.update_seq(901));
        assert_eq!(s.received, 2);
        // 1000 - 100: udelta = 65436 = RTP_SEQ_MOD - MAX_MISORDER, a jump: refused once.
        assert!(!s.update_seq(900));
        assert_eq!(s.received, 2);
        // 1000 + 2999 (< MAX_DROPOUT ahead): accepted as a gap.
        assert!(s.update_seq(3999));
        assert_eq!(s.extended_max(), 3999);
    }

    #[test]
    fn events_are_bounded_and_overflow_is_counted() {
        let mut s = Session::new(Instant::ZERO, SessionConfig::default());
        for _ in 0..100 {
            s.events.push(Event::RemoteBye { ssrc: 1 });
        }
        assert_eq!(s.stats().events_dropped, 36);
        assert_eq!(core::iter::from_fn(|| s.poll_event()).count(), 64);
    }

    /// Issue 5 budgets 50 KB per call; a session's media state is inline and must stay a
    /// small part of that (BENCHMARKS.md has the figure).
    #[test]
    fn session_memory_stays_within_budget() {
        assert!(
            size_of::<Session>() <= 12 * 1024,
            "{}",
            size_of::<Session>()
        );
        let s = Session::new(Instant::ZERO, SessionConfig::default());
        assert!(s.tx.capacity() <= 32 && s.events.queue.capacity() <= 64);
    }
}
