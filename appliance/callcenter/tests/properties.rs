//! Random sequences of what channels, phones, the media path, the host and agent desktops
//! can do, driven through the Center: no call is lost (every call started ends with its CDR
//! and leaves the Center and the ACD), no agent is offered two calls at once, the ACD's own
//! invariants hold after every step, and once callers stop every leg ends.
#![allow(missing_docs)]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use callcenter::Event;
use common::*;
use proptest::prelude::*;
use switch::Cause;
use switch::dialplan::{CallingParty, ChannelKind, OriginClass, Presentation};
use switch::engine::{Destination, LegEvent, LegId};

#[derive(Debug, Clone)]
enum Op {
    Call { to: u8, caller: u8 },
    Leg { pick: u8, what: u8, digit: u8 },
    Wait { ms: u32 },
    Agent { n: u8, state: u8 },
    Lookup { found: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0u8..4, 0u8..5).prop_map(|(to, caller)| Op::Call { to, caller }),
        6 => (any::<u8>(), 0u8..10, 0u8..12).prop_map(|(pick, what, digit)| Op::Leg { pick, what, digit }),
        3 => (0u32..40_000).prop_map(|ms| Op::Wait { ms }),
        2 => (0u8..3, 0u8..4).prop_map(|(n, state)| Op::Agent { n, state }),
        1 => any::<bool>().prop_map(|found| Op::Lookup { found }),
    ]
}

struct World {
    h: H,
    seen_cmd: usize,
    seen_ev: usize,
    /// Live offers per agent extension.
    ringing: BTreeMap<String, BTreeSet<LegId>>,
    legs: BTreeSet<LegId>,
    ended: BTreeSet<LegId>,
    started: BTreeSet<u32>,
    cdrs: BTreeSet<u32>,
}

impl World {
    fn observe(&mut self) {
        self.h.drain();
        self.seen_cmd = self.h.commands.len();
        for (_, e) in &self.h.events[self.seen_ev..] {
            match e {
                // One ordered stream: an offer is live from its origination to its end.
                Event::Switch(switch::Event::LegOriginated {
                    leg,
                    destination: Destination::Extension { name, .. },
                    ..
                }) => {
                    let set = self.ringing.entry(name.clone()).or_default();
                    set.insert(*leg);
                    assert!(set.len() <= 1, "agent {name} offered two calls: {set:?}");
                    self.legs.insert(*leg);
                }
                Event::Switch(switch::Event::LegOriginated { leg, .. }) => {
                    self.legs.insert(*leg);
                }
                Event::Switch(switch::Event::LegEnded { leg, .. }) => {
                    self.ended.insert(*leg);
                    for set in self.ringing.values_mut() {
                        set.remove(leg);
                    }
                }
                Event::Switch(switch::Event::CallStarted { call, leg, .. }) => {
                    self.started.insert(call.0);
                    self.legs.insert(*leg);
                }
                Event::Switch(switch::Event::Cdr(c)) => {
                    assert!(self.cdrs.insert(c.call.0), "one CDR per call");
                }
                _ => {}
            }
        }
        self.seen_ev = self.h.events.len();
        acd::invariants::check(self.h.c.acd(), self.h.now).expect("ACD invariants");
    }

    fn step(&mut self, op: &Op) {
        let now = self.h.now;
        match *op {
            Op::Call { to, caller } => {
                let leg = self.h.c.allocate_leg();
                let called = ["8000", "701", "702", "9999"][usize::from(to)];
                let _ = self.h.c.handle_input(
                    now,
                    LegEvent::Incoming {
                        leg,
                        kind: ChannelKind::E1Bchannel,
                        endpoint: "e1/1/1".into(),
                        origin: OriginClass::Trunk,
                        called: called.into(),
                        calling: CallingParty {
                            number: Some(format!("13{caller}")),
                            presentation: Presentation::Allowed,
                        },
                    },
                );
            }
            Op::Leg { pick, what, digit } => {
                let live = self.h.c.switch().live_legs();
                if live.is_empty() {
                    return;
                }
                let leg = live[usize::from(pick) % live.len()];
                let digits = "0123456789*#"[usize::from(digit)..=usize::from(digit)].to_owned();
                let e = match what {
                    0 => LegEvent::Hangup {
                        leg,
                        cause: Cause::NORMAL_CLEARING,
                    },
                    1 => LegEvent::Hangup {
                        leg,
                        cause: Cause::USER_BUSY,
                    },
                    2 => LegEvent::Alerting { leg },
                    3 | 4 => LegEvent::Answered { leg },
                    5 => LegEvent::Digits { leg, digits },
                    6 => LegEvent::PromptFinished { leg },
                    7 => LegEvent::Hold { leg },
                    8 => LegEvent::Resume { leg },
                    _ => LegEvent::BlindTransfer {
                        leg,
                        to: "702".into(),
                    },
                };
                // Refused inputs are fine (typed error, nothing changed).
                let _ = self.h.c.handle_input(now, e);
            }
            Op::Wait { ms } => {
                self.h
                    .advance(std::time::Duration::from_millis(u64::from(ms)));
            }
            Op::Agent { n, state } => {
                let who = ["2001", "2002", "2003"][usize::from(n)];
                let req = match state {
                    0 => cti::RequestedAgentState::LoggedOn,
                    1 | 2 => cti::RequestedAgentState::Ready,
                    _ => cti::RequestedAgentState::NotReady { reason: None },
                };
                let p = cti::Principal {
                    agent: cti::AgentId::new(who),
                    role: cti::Role::Agent,
                };
                let _ = self.h.c.cti_request(
                    now,
                    &p,
                    cti::InvokeId(1),
                    cti::ServiceRequest::SetAgentState {
                        agent: cti::AgentId::new(who),
                        requested_agent_state: req,
                    },
                );
            }
            Op::Lookup { found } => {
                if let Some((call, req)) = self.h.lookups().last().cloned() {
                    let outcome = if found {
                        ivr::LookUpOutcome::Found(BTreeMap::from([(
                            "balance_cents".to_owned(),
                            "1234".to_owned(),
                        )]))
                    } else {
                        ivr::LookUpOutcome::NotFound
                    };
                    let _ = self.h.c.answer_lookup(now, call, req.id, outcome);
                }
            }
        }
        self.observe();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_call_lost_no_double_offer_every_leg_ends(ops in proptest::collection::vec(op(), 1..80)) {
        let mut w = World {
            h: H::new(),
            seen_cmd: 0,
            seen_ev: 0,
            ringing: BTreeMap::new(),
            legs: BTreeSet::new(),
            ended: BTreeSet::new(),
            started: BTreeSet::new(),
            cdrs: BTreeSet::new(),
        };
        w.h.login_ready("2001");
        w.h.login_ready("2002");
        w.observe();
        for op in &ops {
            w.step(op);
        }
        // Callers stop: every channel clears what is left, and time runs on. Callbacks
        // (a waiting caller pressed 1) stay in line without a caller: agents are made ready
        // and phones answer, so each callback is placed (the customer's number does not
        // route here) until the ACD gives it up after its attempts.
        for n in ["2001", "2002", "2003"] {
            for req in [cti::RequestedAgentState::LoggedOn, cti::RequestedAgentState::Ready] {
                let p = cti::Principal { agent: cti::AgentId::new(n), role: cti::Role::Agent };
                let _ = w.h.c.cti_request(w.h.now, &p, cti::InvokeId(2), cti::ServiceRequest::SetAgentState {
                    agent: cti::AgentId::new(n),
                    requested_agent_state: req,
                });
            }
        }
        w.observe();
        for _ in 0..40 {
            let live = w.h.c.switch().live_legs();
            if live.is_empty() && w.h.c.acd().calls().count() == 0 {
                break;
            }
            for leg in live {
                let _ = w.h.c.handle_input(w.h.now, LegEvent::Answered { leg });
            }
            w.observe();
            for leg in w.h.c.switch().live_legs() {
                let _ = w.h.c.handle_input(w.h.now, LegEvent::Hangup { leg, cause: Cause::NORMAL_CLEARING });
            }
            w.observe();
            w.h.advance(s(600));
            w.observe();
        }
        prop_assert!(w.h.c.switch().live_legs().is_empty());
        prop_assert_eq!(w.h.c.switch().call_count(), 0);
        prop_assert_eq!(w.h.c.call_count(), 0, "the Center forgot nothing");
        prop_assert_eq!(w.h.c.acd().calls().count(), 0, "the ACD holds no call");
        prop_assert_eq!(&w.started, &w.cdrs, "every call ended with its CDR");
        let unended: Vec<&LegId> = w.legs.difference(&w.ended).collect();
        prop_assert!(unended.is_empty(), "legs never ended: {:?}", unended);
        for (who, set) in &w.ringing {
            prop_assert!(set.is_empty(), "{} still rung", who);
        }
        // Agents are back (ready, not ready or logged off), none stuck on a call.
        for n in [2001, 2002, 2003] {
            let st = w.h.c.acd().agent_snapshot(acd::AgentId(n)).unwrap().state;
            prop_assert!(!matches!(st, acd::AgentState::OnCall(_) | acd::AgentState::Ringing(_)), "{} is {:?}", n, st);
        }
    }
}
