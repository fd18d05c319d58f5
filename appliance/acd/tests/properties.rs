//! Guarantees over random event sequences: call and chat arrivals, abandons, logins and logouts, pauses,
//! answers, rejects, ring-outs, transfers, callbacks and configuration changes mid-call.
//!
//! After every step the harness runs [`acd::invariants::check`] (no call lost, one place per
//! call, no agent offered two calls, free counts right, no free agent idle while a caller it
//! fits waits) and the outside [`acd::invariants::Observer`] (no offer to a busy agent, no
//! announcement after an answer, no chat beyond an agent's capacity, never a call and a chat
//! on one agent). At the end every agent logs in and works the queue down:
//! every caller must have been offered to an agent, overflowed or have hung up.
#![allow(missing_docs)]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use acd::{
    AgentConfig, CallId, CallState, CallerData, Config, Destination, Input, Media, Member, Output,
    PauseReason, QueueConfig, QueueId, Strategy, TransferTarget, WideningStep,
};
use common::*;
use proptest::prelude::{ProptestConfig, any, prop_assert, prop_assert_eq, prop_oneof, proptest};
use proptest::strategy::Strategy as _;

const QUEUES: [QueueId; 3] = [QueueId(1), QueueId(2), QueueId(3)];
const AGENTS: u32 = 6;

fn base(variant: u8) -> Config {
    let strategies = Strategy::ALL;
    let queues = QUEUES
        .iter()
        .enumerate()
        .filter(|(i, _)| !(variant & 1 == 1 && *i == 2)) // variant bit 0: queue 3 removed
        .map(|(i, &id)| {
            let strategy = strategies[(i + usize::from(variant)) % strategies.len()];
            let members = (1..=AGENTS)
                .filter(|n| !(n + i as u32).is_multiple_of(3) || *n == 1)
                .filter(|n| !(variant & 2 == 2 && *n == AGENTS)) // bit 1: agent 6 out of queues
                .map(|n| Member {
                    agent: a(n),
                    tier: (n % 2) as u8,
                    weight: n,
                })
                .collect();
            let mut q = QueueConfig::new(id, strategy, members);
            q.skills = vec![(skill(i as u32), 40)];
            q.widening = vec![WideningStep {
                after: s(20),
                min_proficiency: Some(10),
                max_tier: None,
            }];
            q.ring_timeout = s(10);
            q.progressive_step = s(3);
            q.wrapup = s(u64::from(variant % 3) * 5);
            q.autopause_no_answer = u32::from(variant % 2) * 2;
            q.max_wait = (variant & 4 == 4).then(|| s(45));
            q.max_len = if variant & 8 == 8 { 4 } else { 0 };
            q.leave_when_empty = variant & 16 == 16;
            q.vip_priority = if variant & 32 == 32 { 9 } else { 3 };
            q.announcements.first_after = s(5);
            q.announcements.every = s(7);
            q.announcements.position = true;
            q.overflow.destination = Destination::Hangup;
            q
        })
        .collect();
    let agents = (1..=AGENTS)
        .map(|n| AgentConfig {
            id: a(n),
            skills: (0..3)
                .map(|k| (skill(k), ((n * 17 + k * 29) % 90 + 10) as u8))
                .collect(),
            // Variant bit 6 changes capacities live (lowered below what agents hold).
            chat_capacity: ((n + u32::from(variant >> 6)) % 4) as u8,
        })
        .collect();
    Config {
        queues,
        agents,
        removed_queue_destination: Some(Destination::Hangup),
        ..Config::default()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Arrive(usize, u8, bool, Option<u32>),
    Chat(usize, u8),
    Abandon(usize),
    Login(u32),
    Logout(u32),
    Ready(u32),
    Pause(u32),
    Answer(usize),
    Reject(usize),
    NoAnswer(usize),
    End(usize),
    Transfer(usize, Option<usize>),
    Callback(usize),
    CallbackFailed(usize),
    Config(u8),
    Advance(u64),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    let agent = 1..=AGENTS;
    prop_oneof![
        4 => (0..3usize, 0..3u8, any::<bool>(), proptest::option::of(1..=AGENTS)).prop_map(|(q, p, v, pr)| Op::Arrive(q, p, v, pr)),
        3 => (0..3usize, 0..3u8).prop_map(|(q, p)| Op::Chat(q, p)),
        1 => any::<usize>().prop_map(Op::Abandon),
        2 => agent.clone().prop_map(Op::Login),
        1 => agent.clone().prop_map(Op::Logout),
        3 => agent.clone().prop_map(Op::Ready),
        1 => agent.prop_map(Op::Pause),
        4 => any::<usize>().prop_map(Op::Answer),
        1 => any::<usize>().prop_map(Op::Reject),
        1 => any::<usize>().prop_map(Op::NoAnswer),
        3 => any::<usize>().prop_map(Op::End),
        1 => (any::<usize>(), proptest::option::of(0..3usize)).prop_map(|(c, q)| Op::Transfer(c, q)),
        1 => any::<usize>().prop_map(Op::Callback),
        1 => any::<usize>().prop_map(Op::CallbackFailed),
        1 => any::<u8>().prop_map(Op::Config),
        3 => (1..30u64).prop_map(Op::Advance),
    ]
}

/// Calls in a given state, in id order.
fn calls_where(
    h: &Harness,
    f: impl Fn(&acd::CallSnapshot) -> bool,
) -> Vec<(CallId, acd::CallSnapshot)> {
    h.acd
        .calls()
        .filter_map(|c| h.acd.call(c).map(|s| (c, s)))
        .filter(|(_, s)| f(s))
        .collect()
}

fn pick<T: Clone>(v: &[T], i: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[i % v.len()].clone())
}

struct Outcome {
    arrived: BTreeSet<CallId>,
    served: BTreeSet<CallId>,
    abandoned: BTreeSet<CallId>,
}

fn note(o: &mut Outcome, out: &[Output]) {
    for x in out {
        match x {
            Output::Offer { call, .. }
            | Output::Overflow { call, .. }
            | Output::CallbackAbandoned { call } => {
                o.served.insert(*call);
            }
            _ => {}
        }
    }
}

fn step(h: &mut Harness, o: &mut Outcome, op: Op) {
    let ringing = |h: &Harness| -> Vec<(CallId, acd::AgentId)> {
        calls_where(h, |s| matches!(s.state, CallState::Ringing { .. }))
            .into_iter()
            .flat_map(|(c, s)| match s.state {
                CallState::Ringing { agents } => {
                    agents.into_iter().map(|a| (c, a)).collect::<Vec<_>>()
                }
                _ => Vec::new(),
            })
            .collect()
    };
    let input = match op {
        Op::Arrive(q, priority, vip, pref) => {
            let queue = QUEUES[q];
            if !h.acd.config().queues.iter().any(|c| c.id == queue) {
                return;
            }
            let caller = CallerData {
                priority,
                vip,
                preferred_agents: pref.map(a).into_iter().collect(),
                preferred_for: s(15),
                ..Default::default()
            };
            let (c, out) = h.arrive_with(queue, caller);
            o.arrived.insert(c);
            note(o, &out);
            return;
        }
        Op::Chat(q, priority) => {
            let queue = QUEUES[q];
            if !h.acd.config().queues.iter().any(|c| c.id == queue) {
                return;
            }
            let (c, out) = h.chat_with(
                queue,
                CallerData {
                    priority,
                    ..Default::default()
                },
            );
            assert_eq!(h.acd.media(c).unwrap_or(Media::Chat), Media::Chat);
            o.arrived.insert(c);
            note(o, &out);
            return;
        }
        Op::Abandon(i) => {
            let Some((c, s)) = pick(
                &calls_where(h, |s| !matches!(s.state, CallState::Connected { .. })),
                i,
            ) else {
                return;
            };
            if !s.callback {
                o.abandoned.insert(c);
            }
            Input::Abandoned { call: c }
        }
        Op::Login(n) => Input::LoggedIn { agent: a(n) },
        Op::Logout(n) => Input::LoggedOut { agent: a(n) },
        Op::Ready(n) => Input::Ready { agent: a(n) },
        Op::Pause(n) => Input::NotReady {
            agent: a(n),
            reason: PauseReason::Code(n as u16),
        },
        Op::Answer(i) => {
            let Some((call, agent)) = pick(&ringing(h), i) else {
                return;
            };
            Input::OfferAnswered { call, agent }
        }
        Op::Reject(i) => {
            let Some((call, agent)) = pick(&ringing(h), i) else {
                return;
            };
            Input::OfferRejected { call, agent }
        }
        Op::NoAnswer(i) => {
            let Some((call, agent)) = pick(&ringing(h), i) else {
                return;
            };
            Input::OfferNoAnswer { call, agent }
        }
        Op::End(i) => {
            let Some((call, _)) = pick(
                &calls_where(h, |s| {
                    matches!(s.state, CallState::Connected { .. }) && !s.callback
                }),
                i,
            ) else {
                return;
            };
            Input::CallEnded { call }
        }
        Op::Transfer(i, q) => {
            let Some((call, _)) = pick(
                &calls_where(h, |s| {
                    matches!(s.state, CallState::Connected { .. }) && !s.callback
                }),
                i,
            ) else {
                return;
            };
            let target = match q {
                Some(q) => TransferTarget::Queue {
                    queue: QUEUES[q],
                    caller: CallerData::default(),
                },
                None => TransferTarget::Elsewhere,
            };
            Input::Transferred { call, target }
        }
        Op::Callback(i) => {
            let Some((call, _)) = pick(
                &calls_where(h, |s| s.state == CallState::Waiting && !s.callback),
                i,
            ) else {
                return;
            };
            Input::CallbackRequested {
                call,
                number: "5550100".into(),
            }
        }
        Op::CallbackFailed(i) => {
            let Some((call, _)) = pick(
                &calls_where(h, |s| {
                    matches!(s.state, CallState::Connected { .. }) && s.callback
                }),
                i,
            ) else {
                return;
            };
            Input::CallbackFailed { call }
        }
        Op::Config(v) => {
            let out = h.input(Input::ConfigChanged(base(v)));
            note(o, &out);
            // Changes apply to callers already waiting: nobody waits past the new max wait.
            let out = h.advance(s(0));
            note(o, &out);
            if let Some(mw) = h.acd.config().queues.first().and_then(|q| q.max_wait) {
                for (_, sn) in calls_where(h, |s| s.state == CallState::Waiting && !s.callback) {
                    assert!(
                        h.now.saturating_duration_since(sn.joined) < mw,
                        "config not applied to a waiting caller"
                    );
                }
            }
            return;
        }
        Op::Advance(secs) => {
            let out = h.advance(s(secs));
            note(o, &out);
            return;
        }
    };
    // Invalid inputs (wrong state) must be refused with an error and change nothing; the
    // harness checks the invariants either way.
    let requeued = match &input {
        Input::Transferred {
            call,
            target: TransferTarget::Queue { .. },
        } => Some(*call),
        _ => None,
    };
    if let Ok(out) = h.try_input(input) {
        if let Some(call) = requeued {
            // A new entry in the new queue: it must be served again.
            o.served.remove(&call);
            o.arrived.insert(call);
        }
        note(o, &out);
    } else {
        invariants_ok(h);
    }
}

fn invariants_ok(h: &Harness) {
    acd::invariants::check(&h.acd, h.now).expect("invariants after a refused input");
}

fn drain(h: &mut Harness, o: &mut Outcome) {
    let out = h.input(Input::ConfigChanged(base(0)));
    note(o, &out);
    for n in 1..=AGENTS {
        let _ = h.try_input(Input::LoggedIn { agent: a(n) });
        let out = h.input(Input::Ready { agent: a(n) });
        note(o, &out);
    }
    for _ in 0..2000 {
        if h.acd.calls().next().is_none() {
            break;
        }
        let ringing: Vec<(CallId, acd::AgentId)> = calls_where(h, |_| true)
            .into_iter()
            .filter_map(|(c, s)| match s.state {
                CallState::Ringing { agents } => Some((c, agents[0])),
                _ => None,
            })
            .collect();
        for (call, agent) in ringing {
            let out = h.input(Input::OfferAnswered { call, agent });
            note(o, &out);
        }
        for (call, _) in calls_where(h, |s| matches!(s.state, CallState::Connected { .. })) {
            let out = h.input(Input::CallEnded { call });
            note(o, &out);
        }
        let out = h.advance(s(1));
        note(o, &out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
    #[test]
    fn no_call_lost_no_double_offer_everyone_served(
        seed in any::<u64>(),
        variant in any::<u8>(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let mut h = Harness::with_seed(base(variant), seed);
        let mut o = Outcome { arrived: BTreeSet::new(), served: BTreeSet::new(), abandoned: BTreeSet::new() };
        for op in ops {
            step(&mut h, &mut o, op);
        }
        drain(&mut h, &mut o);
        prop_assert!(h.acd.calls().next().is_none(), "calls left: {:?}", h.acd.calls().collect::<Vec<_>>());
        for c in &o.arrived {
            prop_assert!(o.served.contains(c) || o.abandoned.contains(c), "{c:?} never offered nor overflowed");
        }
        let k = h.acd.counters();
        prop_assert_eq!(k.arrived, k.ended + k.abandoned + k.overflowed + k.transferred + k.callbacks_abandoned);
        let _ = BTreeMap::<u8, u8>::new();
    }
}
