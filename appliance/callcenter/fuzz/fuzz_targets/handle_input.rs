//! Arbitrary leg events, timeouts, look-up answers and agent-state requests into
//! `Center`: never a panic, the ACD's invariants hold after every step, and once every
//! leg is cleared the Center holds no call.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use callcenter::{AgentSpec, Center, Config, Event, FlowSpec, QueueSpec};
use libfuzzer_sys::fuzz_target;
use switch::dialplan::{
    CallingParty, ChannelKind, Config as SwitchConfig, DialPlan, Extension, OriginClass,
    Presentation, Rule, Target,
};
use switch::engine::LegEvent;
use switch::{Cause, Instant};

fn config() -> Config {
    let ext = |n: u32| Extension { name: n.to_string(), kind: ChannelKind::Sip, endpoint: format!("sip:{n}"), caller_id: Default::default() };
    let rule = |p: &str, t| Rule::new(p, t).expect("pattern");
    let q = |id: u32, name: &str, number: &str| QueueSpec {
        number: number.into(),
        name: name.into(),
        acd: acd::QueueConfig::new(
            acd::QueueId(id),
            acd::Strategy::LongestIdle,
            (2001..=2003).map(|a| acd::Member::new(acd::AgentId(a))).collect(),
        ),
        calendar: None,
    };
    Config {
        switch: SwitchConfig {
            plan: DialPlan {
                internal: vec![
                    rule("8000", Target::Ivr("main".into())),
                    rule("701", Target::Queue("sales".into())),
                    rule("702", Target::Queue("support".into())),
                    rule("_2XXX", Target::DialedExtension),
                ],
                did: vec![
                    rule("8000", Target::Ivr("main".into())),
                    rule("701", Target::Queue("sales".into())),
                ],
                international_prefixes: vec!["00".into()],
                premium_prefixes: vec![],
            },
            extensions: (2001..=2003).map(ext).collect(),
            trunks: vec![],
            trunk_groups: vec![],
            timers: Default::default(),
        },
        queues: vec![q(1, "sales", "701"), q(2, "support", "702")],
        agents: (2001..=2003)
            .map(|n| AgentSpec {
                number: n.to_string(),
                extension: n.to_string(),
                wrap_up: Duration::from_secs(5),
                acd: acd::AgentConfig::new(acd::AgentId(n)),
            })
            .collect(),
        flows: vec![FlowSpec {
            name: "main".into(),
            flow: Arc::new(ivr::parse_and_validate(ivr::DEMO_FLOW_8000).expect("demo flow")),
        }],
        epoch_unix_s: 1_795_914_000,
        utc_offset_s: 8 * 3600,
        calendars: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut c) = Center::new(config(), 1) else { return };
    let mut now = Instant::from_millis(1);
    let mut lookups = Vec::new();
    for ch in data.chunks(3) {
        let (a, b, d) = (ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0));
        let live = c.switch().live_legs();
        let pick = |x: u8| (!live.is_empty()).then(|| live[usize::from(x) % live.len()]);
        match a % 12 {
            0 => {
                let leg = c.allocate_leg();
                let called = ["8000", "701", "702", "2001"][usize::from(b % 4)];
                let _ = c.handle_input(now, LegEvent::Incoming {
                    leg,
                    kind: ChannelKind::E1Bchannel,
                    endpoint: "e1".into(),
                    origin: if b & 0x80 == 0 { OriginClass::Trunk } else { OriginClass::Extension },
                    called: called.into(),
                    calling: CallingParty { number: Some(format!("13{d}")), presentation: Presentation::Allowed },
                });
            }
            1 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::Hangup { leg, cause: Cause(d % 128) }); } }
            2 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::Answered { leg }); } }
            3 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::Alerting { leg }); } }
            4 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::Digits { leg, digits: char::from(b'0' + d % 10).to_string() }); } }
            5 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::PromptFinished { leg }); } }
            6 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::Hold { leg }); } }
            7 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::Resume { leg }); } }
            8 => { if let Some(leg) = pick(b) { let _ = c.handle_input(now, LegEvent::BlindTransfer { leg, to: "702".into() }); } }
            9 => {
                now = now + Duration::from_millis(u64::from(b) * 250 + u64::from(d));
                while let Some(t) = c.poll_timeout().filter(|t| *t <= now) { c.handle_timeout(t.max(Instant::from_millis(1))); }
            }
            10 => {
                let who = ["2001", "2002", "2003"][usize::from(b % 3)];
                let req = match d % 4 {
                    0 => cti::RequestedAgentState::LoggedOn,
                    1 => cti::RequestedAgentState::Ready,
                    2 => cti::RequestedAgentState::NotReady { reason: None },
                    _ => cti::RequestedAgentState::LoggedOff,
                };
                let p = cti::Principal { agent: cti::AgentId::new(who), role: cti::Role::Agent };
                let _ = c.cti_request(now, &p, cti::InvokeId(1), cti::ServiceRequest::SetAgentState { agent: cti::AgentId::new(who), requested_agent_state: req });
            }
            _ => {
                if let Some((call, id)) = lookups.pop() {
                    let o = if b & 1 == 0 { ivr::LookUpOutcome::NotFound } else { ivr::LookUpOutcome::Found(BTreeMap::new()) };
                    let _ = c.answer_lookup(now, call, id, o);
                }
            }
        }
        while c.poll_command().is_some() {}
        while let Some((_, e)) = c.poll_event() {
            if let Event::LookUp { call, request } = e { lookups.push((call, request.id)); }
        }
        while c.poll_cti_event().is_some() {}
        acd::invariants::check(c.acd(), now).expect("ACD invariants");
    }
    for leg in c.switch().live_legs() {
        let _ = c.handle_input(now, LegEvent::Hangup { leg, cause: Cause::NORMAL_CLEARING });
    }
    assert_eq!(c.call_count(), 0, "a call left behind");
});
