//! Shared test harness: a demo configuration and a driver in simulated time.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use switch::dialplan::{
    Allow, CallerIdRule, CallingParty, ChannelKind, CidMode, Config, DialPlan, Extension,
    OriginClass, Presentation, Rule, Target, Trunk, TrunkGroup,
};
use switch::engine::{Command, Destination, Event, LegEvent, LegId, MediaCommand, Switch};
use switch::media::MediaPath;
use switch::{Cause, Instant};

/// The configuration the tests use (also the example of docs/dialplan.md).
pub fn config() -> Config {
    let ext = |n: &str, kind| Extension {
        name: n.into(),
        kind,
        endpoint: format!("ep-{n}"),
        caller_id: Default::default(),
    };
    Config {
        plan: DialPlan {
            internal: vec![
                Rule::new("600", Target::EchoTest).unwrap(),
                Rule::new("601", Target::TestTone).unwrap(),
                Rule::new("701", Target::Queue("sales".into())).unwrap(),
                Rule::new("8000", Target::Ivr("main".into())).unwrap(),
                Rule::new("_[12]XXX", Target::DialedExtension).unwrap(),
                // 0 + number: outside line, national only.
                Rule::new("_0.", Target::TrunkGroup("out".into()))
                    .unwrap()
                    .rewrite(1, ""),
                // 8 + number: outside line, international allowed (managers' phones).
                Rule::new("_8.", Target::TrunkGroup("out".into()))
                    .unwrap()
                    .rewrite(1, "")
                    .allowing(Allow {
                        international: true,
                        premium: false,
                    }),
            ],
            did: vec![
                Rule::new("5550000", Target::Ivr("main".into())).unwrap(),
                Rule::new("_5551XXX", Target::DialedExtension)
                    .unwrap()
                    .rewrite(3, ""),
            ],
            international_prefixes: vec!["00".into()],
            premium_prefixes: vec!["0900".into()],
        },
        extensions: vec![
            ext("1001", ChannelKind::Sip),
            ext("1002", ChannelKind::Sip),
            ext("1003", ChannelKind::Sip),
            ext("2001", ChannelKind::AnalogFxs),
        ],
        trunks: vec![
            Trunk {
                name: "e1".into(),
                kind: ChannelKind::E1Bchannel,
                span: Some(1),
                caller_id: CallerIdRule {
                    mode: CidMode::Prefix("555".into()),
                    send_restricted_number: true,
                },
            },
            Trunk {
                name: "sip-trunk".into(),
                kind: ChannelKind::Sip,
                span: None,
                caller_id: CallerIdRule {
                    mode: CidMode::Fixed("5550000".into()),
                    send_restricted_number: false,
                },
            },
        ],
        trunk_groups: vec![TrunkGroup {
            name: "out".into(),
            members: vec!["e1".into(), "sip-trunk".into()],
        }],
        timers: Default::default(),
    }
}

pub fn caller(n: &str) -> CallingParty {
    CallingParty {
        number: Some(n.into()),
        presentation: Presentation::Allowed,
    }
}

/// The switch, the simulated clock, and everything it said.
pub struct H {
    pub sw: Switch,
    pub now: Instant,
    pub commands: Vec<Command>,
    pub events: Vec<Event>,
}

impl H {
    pub fn new() -> Self {
        Self::with(config())
    }

    pub fn with(cfg: Config) -> Self {
        Self {
            sw: Switch::new(cfg).unwrap(),
            now: Instant::from_millis(1_000),
            commands: Vec::new(),
            events: Vec::new(),
        }
    }

    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        // Fire every timer due on the way, in order; bounded by the number of legs.
        for _ in 0..1000 {
            match self.sw.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = t.max(self.now);
                    self.sw.handle_timeout(self.now);
                    self.drain();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    pub fn drain(&mut self) {
        while let Some(c) = self.sw.poll_command() {
            self.commands.push(c);
        }
        while let Some((_, e)) = self.sw.poll_event() {
            self.events.push(e);
        }
    }

    pub fn input(&mut self, e: LegEvent) {
        self.sw.handle_input(self.now, e).unwrap();
        self.drain();
    }

    pub fn incoming(
        &mut self,
        kind: ChannelKind,
        origin: OriginClass,
        called: &str,
        from: &str,
    ) -> LegId {
        self.incoming_party(kind, origin, called, caller(from))
    }

    pub fn incoming_party(
        &mut self,
        kind: ChannelKind,
        origin: OriginClass,
        called: &str,
        calling: CallingParty,
    ) -> LegId {
        let leg = self.sw.allocate_leg();
        self.input(LegEvent::Incoming {
            leg,
            kind,
            endpoint: "test".into(),
            origin,
            called: called.into(),
            calling,
        });
        leg
    }

    /// Takes the commands so far.
    pub fn take(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// The last `Originate` so far: (leg, destination, called, calling).
    pub fn originated(&self) -> Vec<(LegId, Destination, String, CallingParty)> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Originate {
                    leg,
                    destination,
                    called,
                    calling,
                    ..
                } => Some((*leg, destination.clone(), called.clone(), calling.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn hangups(&self) -> Vec<(LegId, Cause)> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Hangup { leg, cause } => Some((*leg, *cause)),
                _ => None,
            })
            .collect()
    }

    pub fn media(&self) -> Vec<MediaCommand> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Media(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn cdrs(&self) -> Vec<switch::engine::Cdr> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Cdr(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    /// An internal call from `from` (SIP, authenticated) to `to`, answered by the callee:
    /// returns (caller leg, callee leg).
    pub fn connected_call(&mut self, from: &str, to: &str) -> (LegId, LegId) {
        let a = self.incoming(ChannelKind::Sip, OriginClass::Extension, to, from);
        let b = self.originated().last().expect("originated").0;
        self.input(LegEvent::Alerting { leg: b });
        self.input(LegEvent::Answered { leg: b });
        (a, b)
    }
}

/// A media path driven by the switch's media commands.
pub struct Media {
    pub path: MediaPath,
    pub slots: BTreeMap<LegId, usize>,
    applied: usize,
}

impl Media {
    pub fn new(slots: usize) -> Self {
        Self {
            path: MediaPath::new(slots, 2, media_dsp::tones::Country::Etsi),
            slots: BTreeMap::new(),
            applied: 0,
        }
    }

    /// Applies the media commands the switch issued since the last call.
    pub fn sync(&mut self, h: &H) {
        let media: Vec<MediaCommand> = h
            .commands
            .iter()
            .filter_map(|c| match c {
                Command::Media(m) => Some(m.clone()),
                _ => None,
            })
            .collect();
        for m in &media[self.applied.min(media.len())..] {
            let slots = &self.slots;
            self.path.apply(m, |l| slots.get(&l).copied()).unwrap();
        }
        self.applied = media.len();
    }
}
