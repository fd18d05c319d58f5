//! Test harnesses: two R2 channels back to back in simulated time, either over the raw E1
//! virtual line (tdm::virt::VirtE1Span pair with CAS framing: ABCD bits in the TS16
//! multiframe, MF tones as A-law audio in the B-channel's timeslot) or directly (bits and
//! chunks handed across with a fixed delay, for timer tests).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::VecDeque;
use std::time::Duration;

use r2::{Config, Event, Input, R2Channel, Transmit};
use tdm::virt::{Impairments, VirtE1Config, VirtE1Span};
use tdm::{Alarms, CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Instant, Span, SpanEvent};

/// A-law silence.
pub const SILENCE: u8 = 0xD5;

/// The E1 channel used (channel 5 = timeslot 5); a second test uses channel 17 (TS18).
pub const CHANNEL: u8 = 5;

pub fn ts_of(channel: u8) -> usize {
    e1::frame::channel_timeslot(channel).expect("channel 1..=30")
}

pub fn cas_framer() -> e1::Config {
    e1::Config {
        signalling: e1::Signalling::Cas,
        crc4: e1::Crc4Mode::Off,
        ..e1::Config::default()
    }
}

/// One end: a span and the channel's R2 state machine, with what it reported.
pub struct End {
    pub span: VirtE1Span,
    pub r2: R2Channel,
    pub events: Vec<(Instant, Event)>,
    pub alarms: Alarms,
    channel: u8,
}

impl End {
    fn step(&mut self, now: Instant) {
        let ch = self.channel;
        // Line events: ABCD changes and alarms.
        while let Some(ev) = self.span.poll_event() {
            match ev {
                SpanEvent::AbcdChanged { channel, abcd } if channel == ch => {
                    self.r2.handle_input(now, Input::Abcd(abcd));
                }
                SpanEvent::Alarms(a) => {
                    let was =
                        self.alarms.contains(Alarms::RED) || self.alarms.contains(Alarms::BLUE);
                    let is = a.contains(Alarms::RED) || a.contains(Alarms::BLUE);
                    self.alarms = a;
                    if was != is {
                        self.r2.handle_input(now, Input::Alarm(is));
                    }
                }
                _ => {}
            }
        }
        if self.r2.poll_timeout().is_some_and(|t| t <= now) {
            self.r2.handle_timeout(now);
        }
        // B-channel: every received millisecond in, what the channel plays out.
        let ts = ts_of(ch);
        let mut rx = [[SILENCE; CHUNK_SAMPLES]; E1_TIMESLOTS];
        let mut audio_out: VecDeque<Chunk> = VecDeque::new();
        for _ in 0..4 {
            if self.span.read_chunk(&mut rx).expect("read chunk") == 0 {
                break;
            }
            self.r2.handle_input(now, Input::Audio(&rx[ts]));
            self.drain(&mut audio_out, now);
        }
        self.drain(&mut audio_out, now);
        let mut tx = [[SILENCE; CHUNK_SAMPLES]; E1_TIMESLOTS];
        // One millisecond per step goes out; the channel answers each chunk in with one out.
        if let Some(a) = audio_out.pop_front() {
            tx[ts] = a;
        }
        self.span.write_chunk(&tx).expect("write chunk");
    }

    fn drain(&mut self, audio: &mut VecDeque<Chunk>, now: Instant) {
        while let Some(t) = self.r2.poll_transmit() {
            match t {
                Transmit::Abcd(v) => self.span.set_abcd(self.channel, v).expect("set abcd"),
                Transmit::Audio(a) => audio.push_back(a),
            }
        }
        while let Some(e) = self.r2.poll_event() {
            self.events.push((now, e));
        }
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.iter().map(|e| e.1).collect()
    }

    pub fn has(&self, e: &Event) -> bool {
        self.events.iter().any(|(_, x)| x == e)
    }
}

/// Two R2 ends over a raw E1 virtual line with CAS framing, stepped 1 ms at a time.
pub struct E1Pair {
    pub now: Instant,
    pub a: End,
    pub b: End,
}

impl E1Pair {
    pub fn new(a: Config, b: Config) -> Self {
        Self::on_channel(a, b, CHANNEL)
    }

    pub fn on_channel(a: Config, b: Config, channel: u8) -> Self {
        let (sa, sb) = VirtE1Span::pair(
            VirtE1Config::new(1, cas_framer()),
            VirtE1Config::new(2, cas_framer()),
        )
        .expect("virtual E1 pair");
        let mk = |span, cfg| End {
            span,
            r2: R2Channel::new(cfg, channel).expect("config"),
            events: Vec::new(),
            alarms: Alarms::NONE,
            channel,
        };
        let mut p = Self {
            now: Instant::ZERO,
            a: mk(sa, a),
            b: mk(sb, b),
        };
        // Frame and CAS multiframe alignment, idle bits exchanged.
        p.run(Duration::from_millis(300));
        assert!(p.a.span.framer().rx().is_cas_aligned(), "CAS multiframe A");
        assert!(p.b.span.framer().rx().is_cas_aligned(), "CAS multiframe B");
        p
    }

    /// One millisecond: both ends step, then the line carries 8 frames each way.
    pub fn step(&mut self) {
        self.a.step(self.now);
        self.b.step(self.now);
        self.a.span.pump(8).expect("pump a");
        self.b.span.pump(8).expect("pump b");
        self.now += Duration::from_millis(1);
    }

    pub fn run(&mut self, d: Duration) {
        let steps = d.as_millis();
        for _ in 0..steps {
            self.step();
        }
    }

    /// Steps until `f` holds, at most `limit`; returns whether it did.
    pub fn run_until(&mut self, limit: Duration, mut f: impl FnMut(&Self) -> bool) -> bool {
        let end = self.now + limit;
        while self.now < end {
            if f(self) {
                return true;
            }
            self.step();
        }
        f(self)
    }

    pub fn impair_a_to_b(&mut self, imp: Impairments) {
        self.a.span.set_impairments(imp);
    }

    pub fn impair_b_to_a(&mut self, imp: Impairments) {
        self.b.span.set_impairments(imp);
    }
}

/// Two R2 ends wired directly: ABCD bits and audio chunks cross with `delay_ms` of delay.
/// No framing: for the timer tests in simulated time.
pub struct DirectPair {
    pub now: Instant,
    pub a: R2Channel,
    pub b: R2Channel,
    pub ev_a: Vec<(Instant, Event)>,
    pub ev_b: Vec<(Instant, Event)>,
    /// Whether each direction carries anything (false: a cut wire).
    pub a_to_b: bool,
    pub b_to_a: bool,
    /// Whether each direction carries the B-channel audio (false: bits only).
    pub audio_ab: bool,
    pub audio_ba: bool,
    line_ab: VecDeque<(Instant, Option<u8>, Chunk)>,
    line_ba: VecDeque<(Instant, Option<u8>, Chunk)>,
    delay: Duration,
}

impl DirectPair {
    pub fn new(a: Config, b: Config) -> Self {
        let mut p = Self {
            now: Instant::ZERO,
            a: R2Channel::new(a, 1).expect("config"),
            b: R2Channel::new(b, 1).expect("config"),
            ev_a: Vec::new(),
            ev_b: Vec::new(),
            a_to_b: true,
            b_to_a: true,
            audio_ab: true,
            audio_ba: true,
            line_ab: VecDeque::new(),
            line_ba: VecDeque::new(),
            delay: Duration::from_millis(2),
        };
        // Idle bits exchanged and recognised (Q.421 recognition time).
        p.run(Duration::from_millis(50));
        p
    }

    fn side(
        now: Instant,
        ch: &mut R2Channel,
        ev: &mut Vec<(Instant, Event)>,
        inbox: &mut VecDeque<(Instant, Option<u8>, Chunk)>,
        outbox: &mut VecDeque<(Instant, Option<u8>, Chunk)>,
        delay: Duration,
        (send, audio_on): (bool, bool),
    ) {
        if ch.poll_timeout().is_some_and(|t| t <= now) {
            ch.handle_timeout(now);
        }
        let mut audio_in = [SILENCE; CHUNK_SAMPLES];
        while inbox.front().is_some_and(|m| m.0 <= now) {
            let (_, bits, audio) = inbox.pop_front().expect("front");
            if let Some(b) = bits {
                ch.handle_input(now, Input::Abcd(b));
            }
            audio_in = audio;
        }
        ch.handle_input(now, Input::Audio(&audio_in));
        let mut bits = None;
        let mut audio = [SILENCE; CHUNK_SAMPLES];
        while let Some(t) = ch.poll_transmit() {
            match t {
                Transmit::Abcd(v) => bits = Some(v),
                Transmit::Audio(a) => audio = a,
            }
        }
        while let Some(e) = ch.poll_event() {
            ev.push((now, e));
        }
        if !audio_on {
            audio = [SILENCE; CHUNK_SAMPLES];
        }
        if send {
            outbox.push_back((now + delay, bits, audio));
        }
    }

    pub fn step(&mut self) {
        let now = self.now;
        Self::side(
            now,
            &mut self.a,
            &mut self.ev_a,
            &mut self.line_ba,
            &mut self.line_ab,
            self.delay,
            (self.a_to_b, self.audio_ab),
        );
        Self::side(
            now,
            &mut self.b,
            &mut self.ev_b,
            &mut self.line_ab,
            &mut self.line_ba,
            self.delay,
            (self.b_to_a, self.audio_ba),
        );
        self.now += Duration::from_millis(1);
    }

    pub fn run(&mut self, d: Duration) {
        for _ in 0..d.as_millis() {
            self.step();
        }
    }

    pub fn events_a(&self) -> Vec<Event> {
        self.ev_a.iter().map(|e| e.1).collect()
    }

    pub fn events_b(&self) -> Vec<Event> {
        self.ev_b.iter().map(|e| e.1).collect()
    }
}

pub fn digits(s: &str) -> r2::Digits {
    s.parse().expect("digits")
}

/// The incoming call an end was offered, as (ANI, DNIS, category).
pub fn offered_to(events: &[(Instant, Event)]) -> Option<(String, String, r2::Category)> {
    events.iter().find_map(|(_, e)| match e {
        Event::IncomingCall {
            ani,
            dnis,
            category,
        } => Some((ani.to_string(), dnis.to_string(), *category)),
        _ => None,
    })
}

/// The order digits arrived at an incoming register: 'a' for ANI, 'd' for DNIS.
pub fn digit_order(events: &[(Instant, Event)]) -> String {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Digit { ani: true, .. } => Some('a'),
            Event::Digit { ani: false, .. } => Some('d'),
            _ => None,
        })
        .collect()
}

pub fn both_idle(p: &E1Pair) -> bool {
    p.a.r2.state() == r2::StateName::Idle && p.b.r2.state() == r2::StateName::Idle
}
