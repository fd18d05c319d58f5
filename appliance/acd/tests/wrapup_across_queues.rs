//! Wrap-up after a call of one queue keeps the agent away from every queue.
#![allow(missing_docs)]
mod common;

use acd::{AgentConfig, AgentState, Config, Input, Member, QueueConfig, Strategy};
use common::*;

#[test]
fn wrapup_of_queue_1_blocks_queue_2_until_it_ends() {
    let mut q1 = QueueConfig::new(Q1, Strategy::LongestIdle, vec![Member::new(a(1))]);
    q1.wrapup = s(30);
    let q2 = QueueConfig::new(Q2, Strategy::LongestIdle, vec![Member::new(a(1))]);
    let cfg = Config {
        queues: vec![q1, q2],
        agents: vec![AgentConfig::new(a(1))],
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c1, _) = h.arrive(Q1);
    h.answer_and_end(c1, 1, s(60));
    let until = h.now + s(30);
    assert_eq!(h.state(1), AgentState::WrapUp { until });
    let (c2, out) = h.arrive(Q2);
    assert!(offered(&out).is_empty());
    assert!(
        offered(&h.advance(s(29))).is_empty(),
        "no queue-2 call during queue-1 wrap-up"
    );
    let out = h.advance(s(1));
    assert_eq!(offered(&out), vec![(c2, a(1))]);
}

#[test]
fn ready_ends_wrapup_early() {
    let mut q1 = QueueConfig::new(Q1, Strategy::LongestIdle, vec![Member::new(a(1))]);
    q1.wrapup = s(30);
    let cfg = Config {
        queues: vec![q1],
        agents: vec![AgentConfig::new(a(1))],
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c1, _) = h.arrive(Q1);
    h.answer_and_end(c1, 1, s(10));
    let (c2, _) = h.arrive(Q1);
    h.advance(s(5));
    let out = h.input(Input::Ready { agent: a(1) });
    assert_eq!(offered(&out), vec![(c2, a(1))]);
}

#[test]
fn logout_asked_during_the_call_applies_after_wrapup_unless_ready_overrides_it() {
    let mut q1 = QueueConfig::new(Q1, Strategy::LongestIdle, vec![Member::new(a(1))]);
    q1.wrapup = s(30);
    let cfg = Config {
        queues: vec![q1],
        agents: vec![AgentConfig::new(a(1))],
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c1, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    h.input(Input::LoggedOut { agent: a(1) });
    h.input(Input::CallEnded { call: c1 });
    assert!(matches!(h.state(1), AgentState::WrapUp { .. }));
    h.advance(s(30));
    assert_eq!(h.state(1), AgentState::LoggedOut);
    // Again, but the agent changes their mind during wrap-up.
    h.login_ready(&[1]);
    let (c2, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c2,
        agent: a(1),
    });
    h.input(Input::LoggedOut { agent: a(1) });
    h.input(Input::CallEnded { call: c2 });
    h.input(Input::Ready { agent: a(1) });
    let (c3, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c3, a(1))]);
    h.input(Input::OfferRejected {
        call: c3,
        agent: a(1),
    });
    assert_ne!(h.state(1), AgentState::LoggedOut, "no stale logout");
}
