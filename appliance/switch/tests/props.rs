//! Property tests over random leg-event sequences: no panic, a refused input changes
//! nothing, no leg in two bridges, and every call ends with exactly one CDR.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{H, caller};
use proptest::prelude::*;
use switch::Cause;
use switch::dialplan::{ChannelKind, OriginClass};
use switch::engine::{Command, Event, LegEvent, LegId, LegState, RecordAction};

const NUMBERS: [&str; 12] = [
    "1001",
    "1002",
    "1003",
    "2001",
    "600",
    "601",
    "701",
    "8000",
    "0301234567",
    "0004412345",
    "5551002",
    "999",
];
const CAUSES: [u8; 8] = [16, 17, 34, 38, 41, 1, 19, 127];

#[derive(Debug, Clone)]
enum Op {
    Incoming(u8, u8, u8),
    Call(u8),
    MakeCall(u8, u8),
    Alerting(u8),
    Progress(u8),
    Answered(u8),
    Hangup(u8, u8),
    Hold(u8),
    Resume(u8),
    Blind(u8, u8),
    Attended(u8, u8),
    Conference(u8, u8),
    Record(u8, u8),
    Digits(u8),
    Redirect(u8, u8),
    Alarm(bool),
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let b = any::<u8>;
    prop_oneof![
        3 => (b(), b(), b()).prop_map(|(k, o, n)| Op::Incoming(k, o, n)),
        3 => b().prop_map(Op::Call),
        1 => (b(), b()).prop_map(|(f, n)| Op::MakeCall(f, n)),
        2 => b().prop_map(Op::Alerting),
        1 => b().prop_map(Op::Progress),
        3 => b().prop_map(Op::Answered),
        2 => (b(), b()).prop_map(|(l, c)| Op::Hangup(l, c)),
        2 => b().prop_map(Op::Hold),
        1 => b().prop_map(Op::Resume),
        1 => (b(), b()).prop_map(|(l, n)| Op::Blind(l, n)),
        2 => (b(), b()).prop_map(|(l, m)| Op::Attended(l, m)),
        2 => (b(), b()).prop_map(|(l, m)| Op::Conference(l, m)),
        1 => (b(), b()).prop_map(|(l, a)| Op::Record(l, a)),
        1 => b().prop_map(Op::Digits),
        1 => (b(), b()).prop_map(|(l, n)| Op::Redirect(l, n)),
        1 => any::<bool>().prop_map(Op::Alarm),
        2 => (0u16..40_000).prop_map(Op::Advance),
    ]
}

struct Run {
    h: H,
    legs: Vec<LegId>,
    started: BTreeSet<u32>,
    cdrs: BTreeMap<u32, usize>,
    /// Legs that put a bridge on hold (candidates for attended transfer and conference).
    holders: Vec<LegId>,
}

impl Run {
    /// Mostly a live leg (so that sequences reach hold, transfer and conference), sometimes
    /// any leg seen so far (ended or forgotten), sometimes one that never existed.
    fn leg(&self, i: u8) -> LegId {
        let live = self.h.sw.live_legs();
        match i {
            255 => LegId(10_000),
            240..=254 if !self.legs.is_empty() => self.legs[usize::from(i) % self.legs.len()],
            _ if !live.is_empty() => live[usize::from(i) % live.len()],
            _ => LegId(20_000 + u32::from(i)),
        }
    }

    fn collect(&mut self) {
        while let Some(c) = self.h.sw.poll_command() {
            if let Command::Originate { leg, .. } = c {
                self.legs.push(leg);
            }
        }
        while let Some((_, e)) = self.h.sw.poll_event() {
            match e {
                Event::CallStarted { call, .. } => {
                    assert!(self.started.insert(call.0), "call id reused");
                }
                Event::Cdr(c) => *self.cdrs.entry(c.call.0).or_default() += 1,
                Event::Held { leg } => self.holders.push(leg),
                _ => {}
            }
        }
    }

    fn holder(&self, i: u8) -> LegId {
        if self.holders.is_empty() {
            self.leg(i)
        } else {
            self.holders[usize::from(i) % self.holders.len()]
        }
    }

    fn check_bridges(&self) {
        let mut seen = BTreeSet::new();
        for (_, legs) in self.h.sw.bridges() {
            for l in legs {
                assert!(seen.insert(*l), "leg {l:?} in two bridges");
            }
        }
    }

    fn step(&mut self, op: &Op) {
        let now = self.h.now;
        let ev = match *op {
            Op::Incoming(k, o, n) => {
                let leg = self.h.sw.allocate_leg();
                self.legs.push(leg);
                let kinds = [
                    ChannelKind::E1Bchannel,
                    ChannelKind::Sip,
                    ChannelKind::AnalogFxs,
                ];
                let origins = [
                    OriginClass::Extension,
                    OriginClass::Trunk,
                    OriginClass::Unauthenticated,
                ];
                LegEvent::Incoming {
                    leg,
                    kind: kinds[usize::from(k) % 3],
                    endpoint: "p".into(),
                    origin: origins[usize::from(o) % 3],
                    called: NUMBERS[usize::from(n) % NUMBERS.len()].into(),
                    calling: caller("1001"),
                }
            }
            Op::Alerting(l) => LegEvent::Alerting { leg: self.leg(l) },
            Op::Progress(l) => LegEvent::Progress { leg: self.leg(l) },
            Op::Answered(l) => LegEvent::Answered { leg: self.leg(l) },
            Op::Hangup(l, c) => LegEvent::Hangup {
                leg: self.leg(l),
                cause: Cause(CAUSES[usize::from(c) % CAUSES.len()]),
            },
            Op::Hold(l) => LegEvent::Hold { leg: self.leg(l) },
            Op::Resume(l) => LegEvent::Resume { leg: self.leg(l) },
            Op::Blind(l, n) => LegEvent::BlindTransfer {
                leg: self.leg(l),
                to: NUMBERS[usize::from(n) % NUMBERS.len()].into(),
            },
            Op::Call(n) => {
                // An internal call, answered at once: the raw material of transfers.
                let leg = self.h.sw.allocate_leg();
                self.legs.push(leg);
                let ev = LegEvent::Incoming {
                    leg,
                    kind: ChannelKind::Sip,
                    endpoint: "p".into(),
                    origin: OriginClass::Extension,
                    called: ["1001", "1002", "1003", "2001"][usize::from(n) % 4].into(),
                    calling: caller("1003"),
                };
                self.h.sw.handle_input(now, ev).expect("fresh leg");
                let before = self.legs.len();
                self.collect();
                if self.legs.len() > before {
                    let b = *self.legs.last().expect("originated");
                    self.h
                        .sw
                        .handle_input(now, LegEvent::Answered { leg: b })
                        .expect("calling");
                    self.collect();
                }
                self.check_bridges();
                return;
            }
            Op::MakeCall(f, n) => {
                let from = ["1001", "1002", "2001", "nobody"][usize::from(f) % 4];
                let to = NUMBERS[usize::from(n) % NUMBERS.len()];
                // A started call is counted from its CallStarted event.
                if self.h.sw.make_call(now, from, to).is_err() {
                    assert!(self.h.sw.poll_command().is_none());
                    assert!(self.h.sw.poll_event().is_none());
                }
                self.collect();
                self.check_bridges();
                return;
            }
            Op::Attended(l, m) => LegEvent::AttendedTransfer {
                leg: self.holder(l),
                consultation: self.leg(m),
            },
            Op::Conference(l, m) => LegEvent::Conference {
                leg: self.holder(l),
                consultation: self.leg(m),
            },
            Op::Record(l, a) => LegEvent::Record {
                leg: self.leg(l),
                action: [
                    RecordAction::Start,
                    RecordAction::Pause,
                    RecordAction::Resume,
                    RecordAction::Stop,
                ][usize::from(a) % 4],
            },
            Op::Digits(l) => LegEvent::Digits {
                leg: self.leg(l),
                digits: "1#".into(),
            },
            Op::Redirect(l, n) => LegEvent::Redirect {
                leg: self.leg(l),
                to: NUMBERS[usize::from(n) % NUMBERS.len()].into(),
            },
            Op::Alarm(a) => LegEvent::SpanAlarm { span: 1, alarm: a },
            Op::Advance(ms) => {
                self.h.now = now + Duration::from_millis(u64::from(ms));
                if let Some(t) = self.h.sw.poll_timeout()
                    && t <= self.h.now
                {
                    self.h.sw.handle_timeout(self.h.now);
                }
                self.collect();
                self.check_bridges();
                return;
            }
        };
        if self.h.sw.handle_input(now, ev).is_err() {
            assert!(
                self.h.sw.poll_command().is_none(),
                "refused input issued a command"
            );
            assert!(
                self.h.sw.poll_event().is_none(),
                "refused input logged an event"
            );
        }
        self.collect();
        self.check_bridges();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..120)) {
        let mut r = Run {
            h: H::new(),
            legs: Vec::new(),
            started: BTreeSet::new(),
            cdrs: BTreeMap::new(),
            holders: Vec::new(),
        };
        for op in &ops {
            r.step(op);
        }
        // Every channel hangs up; every call must then be over with exactly one CDR.
        for _ in 0..4 {
            for leg in r.h.sw.live_legs() {
                // Hanging up one leg may already have ended (and forgotten) the next.
                if r.h.sw.leg_state(leg).is_none_or(|s| s == LegState::Ended) {
                    continue;
                }
                let now = r.h.now;
                r.h.sw
                    .handle_input(now, LegEvent::Hangup { leg, cause: Cause::NORMAL_CLEARING })
                    .expect("live leg");
                r.collect();
                r.check_bridges();
            }
        }
        prop_assert!(r.h.sw.live_legs().is_empty());
        prop_assert_eq!(r.h.sw.call_count(), 0);
        prop_assert_eq!(r.h.sw.bridges().count(), 0);
        prop_assert_eq!(r.h.sw.poll_timeout(), None);
        for call in &r.started {
            prop_assert_eq!(r.cdrs.get(call).copied(), Some(1), "call {}", call);
        }
        prop_assert_eq!(r.cdrs.len(), r.started.len());
    }
}
