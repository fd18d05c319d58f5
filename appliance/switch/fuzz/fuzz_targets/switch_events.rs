//! `Switch::handle_input` / `handle_timeout` on arbitrary leg-event sequences: never panics,
//! a leg is never in two bridges, and once every leg has hung up no call is left.
//!
//! Input: records of `op: u8, a: u8, b: u8`; `op` selects the event, `a` and `b` pick legs,
//! numbers, causes and delays.
#![no_main]

use std::collections::BTreeSet;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use switch::Cause;
use switch::dialplan::{
    CallerIdRule, CallingParty, ChannelKind, CidMode, Config, Extension, OriginClass, Rule,
    Target, Trunk, TrunkGroup,
};
use switch::engine::{Command, LegEvent, LegId, LegState, RecordAction, Switch};
use tdm::Instant;

const NUMBERS: [&str; 8] = ["1001", "1002", "600", "601", "701", "0301", "00441", "5551001"];

fn config() -> Config {
    let mut c = Config::default();
    for n in ["1001", "1002"] {
        c.extensions.push(Extension {
            name: n.into(),
            kind: ChannelKind::Sip,
            endpoint: n.into(),
            caller_id: Default::default(),
        });
    }
    for (name, span) in [("e1", Some(1)), ("sip", None)] {
        c.trunks.push(Trunk {
            name: name.into(),
            kind: ChannelKind::Sip,
            span,
            caller_id: CallerIdRule {
                mode: CidMode::Pass,
                send_restricted_number: false,
            },
        });
    }
    c.trunk_groups.push(TrunkGroup {
        name: "out".into(),
        members: vec!["e1".into(), "sip".into()],
    });
    let p = &mut c.plan;
    p.internal = vec![
        Rule::new("600", Target::EchoTest).unwrap(),
        Rule::new("601", Target::TestTone).unwrap(),
        Rule::new("701", Target::Queue("q".into())).unwrap(),
        Rule::new("_1XXX", Target::DialedExtension).unwrap(),
        Rule::new("_0.", Target::TrunkGroup("out".into())).unwrap().rewrite(1, ""),
    ];
    p.did = vec![Rule::new("_5551XXX", Target::DialedExtension).unwrap().rewrite(3, "")];
    p.international_prefixes = vec!["00".into()];
    c
}

fuzz_target!(|data: &[u8]| {
    let mut sw = Switch::new(config()).expect("valid config");
    let mut now = Instant::ZERO;
    let mut legs: Vec<LegId> = Vec::new();
    let pick = |legs: &[LegId], i: u8| {
        if legs.is_empty() { LegId(u32::from(i)) } else { legs[usize::from(i) % legs.len()] }
    };
    for rec in data.chunks_exact(3) {
        let (op, a, b) = (rec[0], rec[1], rec[2]);
        let ev = match op % 15 {
            0 => {
                let leg = sw.allocate_leg();
                legs.push(leg);
                LegEvent::Incoming {
                    leg,
                    kind: ChannelKind::Sip,
                    endpoint: String::new(),
                    origin: [OriginClass::Extension, OriginClass::Trunk, OriginClass::Unauthenticated]
                        [usize::from(a) % 3],
                    called: NUMBERS[usize::from(b) % NUMBERS.len()].into(),
                    calling: CallingParty::default(),
                }
            }
            1 => LegEvent::Alerting { leg: pick(&legs, a) },
            2 => LegEvent::Answered { leg: pick(&legs, a) },
            3 => LegEvent::Hangup { leg: pick(&legs, a), cause: Cause(b & 0x7f) },
            4 => LegEvent::Hold { leg: pick(&legs, a) },
            5 => LegEvent::Resume { leg: pick(&legs, a) },
            6 => LegEvent::BlindTransfer {
                leg: pick(&legs, a),
                to: NUMBERS[usize::from(b) % NUMBERS.len()].into(),
            },
            7 => LegEvent::AttendedTransfer { leg: pick(&legs, a), consultation: pick(&legs, b) },
            8 => LegEvent::Conference { leg: pick(&legs, a), consultation: pick(&legs, b) },
            9 => LegEvent::Record {
                leg: pick(&legs, a),
                action: [RecordAction::Start, RecordAction::Pause, RecordAction::Resume, RecordAction::Stop]
                    [usize::from(b) % 4],
            },
            10 => LegEvent::Digits { leg: pick(&legs, a), digits: "5".into() },
            11 => LegEvent::Redirect { leg: pick(&legs, a), to: NUMBERS[usize::from(b) % NUMBERS.len()].into() },
            12 => LegEvent::SpanAlarm { span: 1, alarm: a & 1 == 1 },
            13 => LegEvent::Progress { leg: pick(&legs, a) },
            _ => {
                now += Duration::from_millis(u64::from(a) * 200);
                sw.handle_timeout(now);
                continue;
            }
        };
        let _ = sw.handle_input(now, ev);
        while let Some(c) = sw.poll_command() {
            if let Command::Originate { leg, .. } = c {
                legs.push(leg);
            }
        }
        while sw.poll_event().is_some() {}
        let mut seen = BTreeSet::new();
        for (_, ls) in sw.bridges() {
            for l in ls {
                assert!(seen.insert(*l), "double booking");
            }
        }
    }
    for leg in sw.live_legs() {
        if sw.leg_state(leg).is_some_and(|s| s != LegState::Ended) {
            let _ = sw.handle_input(now, LegEvent::Hangup { leg, cause: Cause::NORMAL_CLEARING });
        }
    }
    assert_eq!(sw.call_count(), 0);
});
