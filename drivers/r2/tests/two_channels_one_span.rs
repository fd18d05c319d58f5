//! Two calls at once on one E1 span, in opposite directions, on channels 2 and 17: their ABCD
//! bits share one TS16 byte of the CAS multiframe (frame 2: channel 2 in the high nibble,
//! channel 17 in the low one) and their tones run in timeslots 2 and 18 at the same time.

mod common;

use std::time::Duration;

use common::{SILENCE, cas_framer, digits, ts_of};
use r2::{Config, Event, Input, R2Channel, StateName, Transmit};
use tdm::virt::{VirtE1Config, VirtE1Span};
use tdm::{CHUNK_SAMPLES, E1_TIMESLOTS, Instant, Span, SpanEvent};

const CHANNELS: [u8; 2] = [2, 17];

struct End {
    span: VirtE1Span,
    chans: Vec<R2Channel>,
    events: Vec<Vec<Event>>,
}

impl End {
    fn new(span: VirtE1Span) -> Self {
        let cfg = Config {
            max_dnis: 6,
            ..Config::china()
        };
        Self {
            span,
            chans: CHANNELS
                .iter()
                .map(|&c| R2Channel::new(cfg, c).expect("config"))
                .collect(),
            events: vec![Vec::new(); CHANNELS.len()],
        }
    }

    fn step(&mut self, now: Instant) {
        while let Some(ev) = self.span.poll_event() {
            if let SpanEvent::AbcdChanged { channel, abcd } = ev
                && let Some(i) = CHANNELS.iter().position(|&c| c == channel)
            {
                self.chans[i].handle_input(now, Input::Abcd(abcd));
            }
        }
        let mut rx = [[SILENCE; CHUNK_SAMPLES]; E1_TIMESLOTS];
        let got = self.span.read_chunk(&mut rx).expect("read") > 0;
        let mut tx = [[SILENCE; CHUNK_SAMPLES]; E1_TIMESLOTS];
        for (i, ch) in self.chans.iter_mut().enumerate() {
            let number = CHANNELS[i];
            if ch.poll_timeout().is_some_and(|t| t <= now) {
                ch.handle_timeout(now);
            }
            if got {
                ch.handle_input(now, Input::Audio(&rx[ts_of(number)]));
            }
            while let Some(t) = ch.poll_transmit() {
                match t {
                    Transmit::Abcd(v) => self.span.set_abcd(number, v).expect("abcd"),
                    Transmit::Audio(a) => tx[ts_of(number)] = a,
                }
            }
            while let Some(e) = ch.poll_event() {
                self.events[i].push(e);
            }
        }
        self.span.write_chunk(&tx).expect("write");
    }
}

#[test]
fn two_simultaneous_calls_in_opposite_directions() {
    let (sa, sb) = VirtE1Span::pair(
        VirtE1Config::new(1, cas_framer()),
        VirtE1Config::new(2, cas_framer()),
    )
    .expect("pair");
    let (mut a, mut b) = (End::new(sa), End::new(sb));
    let mut now = Instant::ZERO;
    let step = |a: &mut End, b: &mut End, now: &mut Instant| {
        a.step(*now);
        b.step(*now);
        a.span.pump(8).expect("pump");
        b.span.pump(8).expect("pump");
        *now += Duration::from_millis(1);
    };
    for _ in 0..300 {
        step(&mut a, &mut b, &mut now);
    }
    // A calls B on channel 2 while B calls A on channel 17.
    a.chans[0]
        .call(now, digits("222222"), digits("12"))
        .expect("call on 2");
    b.chans[1]
        .call(now, digits("171717"), digits("34"))
        .expect("call on 17");
    let offered = |e: &[Event]| {
        e.iter().find_map(|e| match e {
            Event::IncomingCall { ani, dnis, .. } => Some((ani.to_string(), dnis.to_string())),
            _ => None,
        })
    };
    for _ in 0..10_000 {
        if offered(&b.events[0]).is_some() && offered(&a.events[1]).is_some() {
            break;
        }
        step(&mut a, &mut b, &mut now);
    }
    assert_eq!(offered(&b.events[0]), Some(("12".into(), "222222".into())));
    assert_eq!(offered(&a.events[1]), Some(("34".into(), "171717".into())));
    b.chans[0].accept(now, true).expect("accept");
    b.chans[0].answer(now).expect("answer");
    a.chans[1].accept(now, true).expect("accept");
    a.chans[1].answer(now).expect("answer");
    for _ in 0..2000 {
        step(&mut a, &mut b, &mut now);
    }
    assert_eq!(a.chans[0].state(), StateName::OutAnswered);
    assert_eq!(b.chans[1].state(), StateName::OutAnswered);
    assert_eq!(b.chans[0].state(), StateName::InAnswered);
    assert_eq!(a.chans[1].state(), StateName::InAnswered);
    // Clearing one leaves the other up.
    a.chans[0].hangup(now).expect("hangup");
    for _ in 0..500 {
        step(&mut a, &mut b, &mut now);
    }
    assert_eq!(a.chans[0].state(), StateName::Idle);
    assert_eq!(b.chans[0].state(), StateName::Idle);
    assert_eq!(a.chans[1].state(), StateName::InAnswered);
    assert_eq!(b.chans[1].state(), StateName::OutAnswered);
}
