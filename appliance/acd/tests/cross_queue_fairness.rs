//! An agent in several queues gets the highest-priority, longest-waiting caller of them all.
#![allow(missing_docs)]
mod common;

use acd::{AgentConfig, CallerData, Config, Input, Member, QueueConfig, QueueId, Strategy};
use common::*;

fn config() -> Config {
    let q = |id, strategy| QueueConfig::new(id, strategy, vec![Member::new(a(1))]);
    Config {
        queues: vec![
            q(Q1, Strategy::LongestIdle),
            q(Q2, Strategy::RoundRobin),
            q(QueueId(3), Strategy::SkillsBestMatch),
        ],
        agents: vec![AgentConfig::new(a(1))],
        ..Config::default()
    }
}

fn run() -> Vec<acd::CallId> {
    let mut h = Harness::new(config());
    h.login_ready(&[1]);
    h.input(Input::NotReady {
        agent: a(1),
        reason: acd::PauseReason::Break,
    });
    let (x3, _) = h.arrive(QueueId(3));
    h.advance(s(1));
    let (x2, _) = h.arrive(Q2);
    h.advance(s(1));
    let (x1, _) = h.arrive(Q1);
    h.advance(s(1));
    let (vip, _) = h.arrive_with(
        Q1,
        CallerData {
            priority: 5,
            ..Default::default()
        },
    );
    h.advance(s(1));
    let mut order = Vec::new();
    h.input(Input::Ready { agent: a(1) });
    for _ in 0..4 {
        let (_, last) = h
            .log
            .iter()
            .rev()
            .find_map(|(_, o)| match o {
                acd::Output::Offer { call, agent, .. } => Some((*agent, *call)),
                _ => None,
            })
            .unwrap();
        order.push(last);
        h.answer_and_end(last, 1, s(5));
    }
    assert_eq!(order, vec![vip, x3, x2, x1]);
    order
}

#[test]
fn priority_first_then_longest_waiting_across_queues_every_time() {
    let first = run();
    for _ in 0..5 {
        assert_eq!(run(), first, "deterministic");
    }
}
