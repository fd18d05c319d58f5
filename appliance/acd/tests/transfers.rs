//! Transfers into another queue: the first agent is charged only for their part; the call
//! waits in the new queue as a new entry and is routed there.
#![allow(missing_docs)]
mod common;

use acd::{
    Action, AgentConfig, AgentState, CallerData, Config, Input, Member, QueueConfig, Strategy,
    TransferTarget,
};
use common::*;

#[test]
fn transfer_into_a_queue_charges_the_first_agent_only_for_their_part() {
    let mut q1 = QueueConfig::new(Q1, Strategy::LongestIdle, vec![Member::new(a(1))]);
    q1.wrapup = s(10);
    let q2 = QueueConfig::new(Q2, Strategy::LongestIdle, vec![Member::new(a(2))]);
    let cfg = Config {
        queues: vec![q1, q2],
        agents: vec![AgentConfig::new(a(1)), AgentConfig::new(a(2))],
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1, 2]);
    h.input(Input::NotReady {
        agent: a(2),
        reason: acd::PauseReason::Meeting,
    });
    let (c, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(1),
    });
    h.advance(s(40));
    let out = h.input(Input::Transferred {
        call: c,
        target: TransferTarget::Queue {
            queue: Q2,
            caller: CallerData {
                priority: 2,
                ..Default::default()
            },
        },
    });
    let d = decisions(&out).pop().unwrap();
    assert_eq!(d.queue, Q2);
    assert!(matches!(
        d.action,
        Action::Queued {
            position: 1,
            priority: 2,
            ..
        }
    ));
    assert!(
        matches!(h.state(1), AgentState::WrapUp { .. }),
        "first agent wraps up"
    );
    assert_eq!(h.acd.agent_snapshot(a(1)).unwrap().talk, s(40));
    assert_eq!(h.acd.call(c).unwrap().queue, Q2);
    h.advance(s(100));
    let out = h.input(Input::Ready { agent: a(2) });
    assert_eq!(offered(&out), vec![(c, a(2))]);
    h.answer_and_end(c, 2, s(30));
    assert_eq!(
        h.acd.agent_snapshot(a(1)).unwrap().talk,
        s(40),
        "not charged for the rest"
    );
    assert_eq!(h.acd.agent_snapshot(a(2)).unwrap().talk, s(30));
    let k = h.acd.counters();
    assert_eq!(
        (k.arrived, k.transferred, k.ended, k.answered),
        (2, 1, 1, 2)
    );
}

#[test]
fn blind_transfer_out_of_the_acd_frees_the_agent() {
    let mut h = Harness::new(one_queue(Strategy::Linear, 1));
    h.login_ready(&[1]);
    let (c, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(1),
    });
    let (c2, _) = h.arrive(Q1);
    let out = h.input(Input::Transferred {
        call: c,
        target: TransferTarget::Elsewhere,
    });
    assert_eq!(offered(&out), vec![(c2, a(1))]);
    assert!(h.acd.call(c).is_none());
}
