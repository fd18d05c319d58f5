//! Shared harness: the demo call center (IVR 8000 with the demo flow, queues sales 701 and
//! support 702, agents 2001–2010 at extensions 2001–2010) driven in simulated time, with a
//! host that records every command, event and CSTA report and plays the phones' part.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use callcenter::{AgentSpec, Center, Config, Event, FlowSpec, LogEvent, LogKind, QueueSpec};
use switch::dialplan::{
    CallingParty, ChannelKind, Config as SwitchConfig, DialPlan, Extension, OriginClass,
    Presentation, Rule, Target,
};
use switch::engine::{Command, Destination, LegEvent, LegId};
use switch::{Cause, Instant};

/// The connection of `device` in `call`, as CSTA names it.
pub fn conn(call: switch::engine::CallId, device: &str) -> cti::ConnectionId {
    cti::ConnectionId::new(cti::CallId(u64::from(call.0)), &cti::DeviceId::new(device))
}

/// 2026-11-29 (a Sunday) 09:00:00 local, UTC+8 (01:00 UTC), at `Instant::ZERO`.
pub const EPOCH_UNIX_S: i64 = 1_795_914_000;
pub const UTC_OFFSET_S: i32 = 8 * 3600;

pub fn agents() -> Vec<String> {
    (2001..=2010).map(|n| n.to_string()).collect()
}

pub fn switch_config() -> SwitchConfig {
    SwitchConfig {
        plan: DialPlan {
            internal: vec![
                Rule::new("8000", Target::Ivr("main".into())).unwrap(),
                Rule::new("701", Target::Queue("sales".into())).unwrap(),
                Rule::new("702", Target::Queue("support".into())).unwrap(),
                Rule::new("_2XXX", Target::DialedExtension).unwrap(),
            ],
            did: vec![
                Rule::new("5550000", Target::Ivr("main".into())).unwrap(),
                Rule::new("8000", Target::Ivr("main".into())).unwrap(),
                Rule::new("701", Target::Queue("sales".into())).unwrap(),
                Rule::new("702", Target::Queue("support".into())).unwrap(),
            ],
            international_prefixes: vec!["00".into()],
            premium_prefixes: vec!["0900".into()],
        },
        extensions: agents()
            .into_iter()
            .map(|n| Extension {
                endpoint: format!("sip:{n}"),
                name: n,
                kind: ChannelKind::Sip,
                caller_id: Default::default(),
            })
            .collect(),
        trunks: vec![],
        trunk_groups: vec![],
        timers: Default::default(),
    }
}

pub fn queue(id: u32, name: &str, number: &str, members: &[&str]) -> QueueSpec {
    let mut q = acd::QueueConfig::new(
        acd::QueueId(id),
        acd::Strategy::LongestIdle,
        members
            .iter()
            .map(|m| acd::Member::new(acd::AgentId(m.parse().unwrap())))
            .collect(),
    );
    q.ring_timeout = Duration::from_secs(15);
    QueueSpec {
        number: number.into(),
        name: name.into(),
        acd: q,
        calendar: None,
    }
}

pub fn config_with(wrap_up: Duration, members: &[&str]) -> Config {
    Config {
        switch: switch_config(),
        queues: vec![
            queue(1, "sales", "701", members),
            queue(2, "support", "702", members),
        ],
        agents: agents()
            .into_iter()
            .map(|n| AgentSpec {
                acd: acd::AgentConfig::new(acd::AgentId(n.parse().unwrap())),
                extension: n.clone(),
                number: n,
                wrap_up,
            })
            .collect(),
        flows: vec![FlowSpec {
            name: "main".into(),
            flow: Arc::new(ivr::parse_and_validate(ivr::DEMO_FLOW_8000).unwrap()),
        }],
        epoch_unix_s: EPOCH_UNIX_S,
        utc_offset_s: UTC_OFFSET_S,
        calendars: Vec::new(),
    }
}

pub fn config() -> Config {
    config_with(Duration::from_secs(10), &["2001", "2002", "2003"])
}

pub fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The Center, the clock, and everything that came out of it.
pub struct H {
    pub c: Center,
    pub now: Instant,
    pub invoke: u32,
    pub commands: Vec<Command>,
    pub events: Vec<(Instant, Event)>,
    pub cti: Vec<cti::EventReport>,
}

impl H {
    pub fn new() -> Self {
        Self::with(config())
    }

    pub fn with(cfg: Config) -> Self {
        Self {
            c: Center::new(cfg, 7).unwrap(),
            now: Instant::from_millis(1_000),
            invoke: 0,
            commands: Vec::new(),
            events: Vec::new(),
            cti: Vec::new(),
        }
    }

    pub fn drain(&mut self) {
        while let Some(c) = self.c.poll_command() {
            self.commands.push(c);
        }
        while let Some(e) = self.c.poll_event() {
            self.events.push(e);
        }
        while let Some(e) = self.c.poll_cti_event() {
            self.cti.push(e);
        }
    }

    pub fn input(&mut self, e: LegEvent) {
        self.c.handle_input(self.now, e).unwrap();
        self.drain();
    }

    /// Moves the clock on, firing every timer due on the way (bounded).
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        for _ in 0..100_000 {
            match self.c.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.c.handle_timeout(self.now);
                    self.drain();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    pub fn incoming(&mut self, caller: &str, called: &str) -> LegId {
        let leg = self.c.allocate_leg();
        self.input(LegEvent::Incoming {
            leg,
            kind: ChannelKind::E1Bchannel,
            endpoint: "e1/1/1".into(),
            origin: OriginClass::Trunk,
            called: called.into(),
            calling: CallingParty {
                number: Some(caller.into()),
                presentation: Presentation::Allowed,
            },
        });
        leg
    }

    /// A call from an agent's own phone (extension).
    pub fn dial_from(&mut self, ext: &str, called: &str) -> LegId {
        let leg = self.c.allocate_leg();
        self.input(LegEvent::Incoming {
            leg,
            kind: ChannelKind::Sip,
            endpoint: format!("sip:{ext}"),
            origin: OriginClass::Extension,
            called: called.into(),
            calling: CallingParty {
                number: Some(ext.into()),
                presentation: Presentation::Allowed,
            },
        });
        leg
    }

    /// A CTI request by agent `who` that must be accepted; the host's queues are drained.
    pub fn cti_req(&mut self, who: &str, req: cti::ServiceRequest) -> cti::ServiceResult {
        let r = self.try_cti_req(who, req).unwrap();
        self.drain();
        r
    }

    /// A CTI request by agent `who` as the Center answers it, refusals included; nothing is
    /// drained, so a test can check that a refusal queued nothing.
    pub fn try_cti_req(
        &mut self,
        who: &str,
        req: cti::ServiceRequest,
    ) -> Result<cti::ServiceResult, cti::CstaError> {
        self.invoke += 1;
        let p = cti::Principal {
            agent: cti::AgentId::new(who),
            role: cti::Role::Agent,
        };
        self.c
            .cti_request(self.now, &p, cti::InvokeId(self.invoke), req)
    }

    pub fn set_state(&mut self, who: &str, s: cti::RequestedAgentState) {
        self.cti_req(
            who,
            cti::ServiceRequest::SetAgentState {
                agent: cti::AgentId::new(who),
                requested_agent_state: s,
            },
        );
    }

    /// Agent monitors its own device, logs on and goes ready.
    pub fn login_ready(&mut self, who: &str) {
        self.cti_req(
            who,
            cti::ServiceRequest::MonitorStart {
                monitor_object: cti::DeviceId::new(who),
            },
        );
        self.set_state(who, cti::RequestedAgentState::LoggedOn);
        self.set_state(who, cti::RequestedAgentState::Ready);
    }

    /// Outgoing legs to extension `ext` so far.
    pub fn legs_to(&self, ext: &str) -> Vec<LegId> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Originate {
                    leg,
                    destination: Destination::Extension { name, .. },
                    ..
                } if name == ext => Some(*leg),
                _ => None,
            })
            .collect()
    }

    pub fn last_leg_to(&self, ext: &str) -> LegId {
        *self.legs_to(ext).last().expect("no leg to that extension")
    }

    /// The prompts asked for so far (prompt ids).
    pub fn prompts(&self) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::PlayPrompt { prompt, .. } => Some(prompt.clone()),
                _ => None,
            })
            .collect()
    }

    /// Plays every pending prompt to its end (the media path's PromptFinished).
    pub fn finish_prompts(&mut self, leg: LegId, n: usize) {
        for _ in 0..n {
            self.advance(ms(500));
            self.input(LegEvent::PromptFinished { leg });
        }
    }

    pub fn logs(&self) -> Vec<LogEvent> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Log(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn log_kinds(&self) -> Vec<LogKind> {
        self.logs().iter().map(|l| l.kind).collect()
    }

    pub fn lookups(&self) -> Vec<(switch::engine::CallId, ivr::LookUpRequest)> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::LookUp { call, request } => Some((*call, request.clone())),
                _ => None,
            })
            .collect()
    }

    /// The CSTA events reported on `device`'s monitors, by name.
    pub fn cti_names(&self, device: &str) -> Vec<&'static str> {
        self.cti
            .iter()
            .filter(|r| r.device.0 == device)
            .map(|r| cti_name(&r.event))
            .collect()
    }

    pub fn hangup(&mut self, leg: LegId) {
        self.input(LegEvent::Hangup {
            leg,
            cause: Cause::NORMAL_CLEARING,
        });
    }
}

pub fn cti_name(e: &cti::CstaEvent) -> &'static str {
    use cti::CstaEvent as C;
    match e {
        C::Delivered { .. } => "Delivered",
        C::Established { .. } => "Established",
        C::ConnectionCleared { .. } => "ConnectionCleared",
        C::AgentWorkingAfterCall { .. } => "AgentWorkingAfterCall",
        C::AgentReady { .. } => "AgentReady",
        C::AgentNotReady { .. } => "AgentNotReady",
        C::AgentLoggedOn { .. } => "AgentLoggedOn",
        C::AgentLoggedOff { .. } => "AgentLoggedOff",
        C::Held { .. } => "Held",
        C::Retrieved { .. } => "Retrieved",
        C::Transferred { .. } => "Transferred",
        C::Diverted { .. } => "Diverted",
        C::Queued { .. } => "Queued",
        C::Originated { .. } => "Originated",
        C::Failed { .. } => "Failed",
        C::ServiceInitiated { .. } => "ServiceInitiated",
        _ => "other",
    }
}
