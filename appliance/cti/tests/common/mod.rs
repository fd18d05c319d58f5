//! Test harness: a model with agents 2001–2003 (2009 is a supervisor), queue 701, a
//! supervisor monitor on every device, an observer per device fed from its monitor, and a
//! simulated clock.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::time::Duration;

use cti::*;
use tdm::Instant;

pub const WRAP: Duration = Duration::from_secs(10);

pub struct Bench {
    pub m: Cti,
    pub now: Instant,
    pub invoke: u32,
    /// Every event report, in order.
    pub reports: Vec<EventReport>,
    pub records: Vec<InteractionRecord>,
    pub commands: Vec<Command>,
    pub observers: BTreeMap<MonitorId, DeviceObserver>,
}

pub fn dev(s: &str) -> DeviceId {
    DeviceId::new(s)
}

pub fn agent(s: &str) -> Principal {
    Principal {
        agent: AgentId::new(s),
        role: Role::Agent,
    }
}

pub fn supervisor() -> Principal {
    Principal {
        agent: AgentId::new("2009"),
        role: Role::Supervisor,
    }
}

pub fn conn(call: u64, d: &str) -> ConnectionId {
    ConnectionId::new(CallId(call), &dev(d))
}

impl Bench {
    pub fn new() -> Self {
        let mut m = Cti::new();
        for a in ["2001", "2002", "2003", "2009"] {
            m.add_agent(AgentId::new(a), dev(a), WRAP).unwrap();
        }
        m.add_queue(dev("701")).unwrap();
        let mut b = Self {
            m,
            now: Instant::from_millis(1_000),
            invoke: 0,
            reports: Vec::new(),
            records: Vec::new(),
            commands: Vec::new(),
            observers: BTreeMap::new(),
        };
        for d in ["2001", "2002", "2003", "2009", "701"] {
            let r = b.req(
                &supervisor(),
                ServiceRequest::MonitorStart {
                    monitor_object: dev(d),
                },
            );
            let Ok(ServiceResult::MonitorStarted {
                monitor_cross_ref_id,
                snapshot,
            }) = r
            else {
                panic!("monitor start {d}: {r:?}");
            };
            b.observers
                .insert(monitor_cross_ref_id, DeviceObserver::new(dev(d), &snapshot));
        }
        b
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    fn drain(&mut self) {
        while let Some(c) = self.m.poll_transmit() {
            self.commands.push(c);
        }
        while let Some(o) = self.m.poll_event() {
            match o {
                Output::Event(r) => {
                    if let Some(obs) = self.observers.get_mut(&r.monitor_cross_ref_id) {
                        obs.apply(&r);
                    }
                    self.reports.push(r);
                }
                Output::Interaction(i) => self.records.push(i),
            }
        }
    }

    pub fn req(&mut self, p: &Principal, r: ServiceRequest) -> Result<ServiceResult, CstaError> {
        self.invoke += 1;
        let out = self.m.handle_request(self.now, p, InvokeId(self.invoke), r);
        self.drain();
        out
    }

    pub fn hap(&mut self, h: Happening) {
        self.m
            .handle_happening(self.now, h.clone())
            .unwrap_or_else(|e| panic!("{h:?}: {e}"));
        self.drain();
    }

    pub fn try_hap(&mut self, h: Happening) -> Result<(), ModelError> {
        let r = self.m.handle_happening(self.now, h);
        self.drain();
        r
    }

    pub fn timeout(&mut self) {
        self.m.handle_timeout(self.now);
        self.drain();
    }

    /// Takes the commands issued so far.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// Takes the reports so far.
    pub fn take_reports(&mut self) -> Vec<EventReport> {
        std::mem::take(&mut self.reports)
    }

    /// (event name, local state) of the reports seen by `device`'s monitor, taken.
    pub fn seen_by(
        reports: &[EventReport],
        device: &str,
    ) -> Vec<(&'static str, Option<LocalConnectionState>)> {
        reports
            .iter()
            .filter(|r| r.device.0 == device)
            .map(|r| (r.event.name(), r.local_connection_info))
            .collect()
    }

    /// Every observer agrees with the model's snapshot of its device.
    pub fn assert_observers_agree(&self) {
        for obs in self.observers.values() {
            assert_eq!(
                obs.to_snapshot(),
                self.m.snapshot_device(&obs.device),
                "observer of {} disagrees",
                obs.device
            );
        }
    }

    /// Logs the agent on and makes it Ready.
    pub fn ready(&mut self, a: &str) {
        self.req(
            &agent(a),
            ServiceRequest::SetAgentState {
                agent: AgentId::new(a),
                requested_agent_state: RequestedAgentState::LoggedOn,
            },
        )
        .unwrap();
        self.req(
            &agent(a),
            ServiceRequest::SetAgentState {
                agent: AgentId::new(a),
                requested_agent_state: RequestedAgentState::Ready,
            },
        )
        .unwrap();
    }

    /// An inbound call 1 from +8613800138000 on leg 10 queued at 701, offered to `a` on
    /// leg 11 and answered.
    pub fn inbound_answered(&mut self, a: &str) {
        self.hap(Happening::Incoming {
            call: CallId(1),
            leg: LegId(10),
            caller: dev("+8613800138000"),
            called: dev("8000"),
        });
        self.hap(Happening::Queued {
            call: CallId(1),
            queue: dev("701"),
            ivr_data: BTreeMap::from([("account".to_owned(), "12345678".to_owned())]),
            customer: Some(CustomerCard {
                id: 1,
                name: "Li Wei".into(),
                company: "ACME".into(),
                vip: true,
                account_owner: None,
            }),
        });
        self.hap(Happening::Alerting {
            call: CallId(1),
            leg: LegId(11),
            device: dev(a),
            screen_pop: None,
        });
        self.advance(Duration::from_secs(3));
        self.req(
            &agent(a),
            ServiceRequest::AnswerCall {
                call_to_be_answered: conn(1, a),
            },
        )
        .unwrap();
        assert_eq!(
            self.take_commands().last(),
            Some(&Command::Switch(SwitchCommand::Answer { leg: LegId(11) }))
        );
        self.hap(Happening::Answered { leg: LegId(11) });
    }
}
