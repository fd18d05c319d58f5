//! Wrap-up run by the host (the CTI model owns the timer): the ACD keeps the agent in
//! wrap-up with no timer of its own until the host says Ready, on call end and on transfer.
#![allow(missing_docs)]
mod common;

use acd::{
    AcdError, AgentConfig, AgentState, CallerData, Config, Input, Member, QueueConfig, Strategy,
    TransferTarget,
};
use common::*;

fn cfg() -> Config {
    Config {
        queues: vec![
            QueueConfig::new(Q1, Strategy::LongestIdle, vec![Member::new(a(1))]),
            QueueConfig::new(Q2, Strategy::LongestIdle, vec![Member::new(a(2))]),
        ],
        agents: vec![AgentConfig::new(a(1)), AgentConfig::new(a(2))],
        ..Config::default()
    }
}

#[test]
fn host_wrapup_holds_the_agent_until_ready_with_no_acd_timer() {
    let mut h = Harness::new(cfg());
    h.login_ready(&[1]);
    let (c1, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    h.advance(s(60));
    h.input(Input::HostWrapUp {
        agent: a(1),
        expected: s(10),
    });
    h.input(Input::CallEnded { call: c1 });
    let until = h.now + s(10);
    assert_eq!(h.state(1), AgentState::WrapUp { until });
    assert_eq!(h.acd.poll_timeout(), None, "no ACD wrap-up timer");
    let (c2, out) = h.arrive(Q1);
    assert!(offered(&out).is_empty());
    assert!(offered(&h.advance(s(3600))).is_empty(), "still in wrap-up");
    let out = h.input(Input::Ready { agent: a(1) });
    assert_eq!(offered(&out), vec![(c2, a(1))]);
}

#[test]
fn host_wrapup_applies_after_a_transfer_and_is_refused_off_call() {
    let mut h = Harness::new(cfg());
    h.login_ready(&[1, 2]);
    assert_eq!(
        h.acd.handle_input(
            h.now,
            Input::HostWrapUp {
                agent: a(1),
                expected: s(5)
            }
        ),
        Err(AcdError::WrongAgentState(a(1)))
    );
    let (c1, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    h.input(Input::HostWrapUp {
        agent: a(1),
        expected: s(5),
    });
    let out = h.input(Input::Transferred {
        call: c1,
        target: TransferTarget::Queue {
            queue: Q2,
            caller: CallerData::default(),
        },
    });
    assert_eq!(offered(&out), vec![(c1, a(2))]);
    assert!(matches!(h.state(1), AgentState::WrapUp { .. }));
    // A pause asked for during the call wins over the host's wrap-up.
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(2),
    });
    h.input(Input::NotReady {
        agent: a(2),
        reason: acd::PauseReason::Break,
    });
    h.input(Input::HostWrapUp {
        agent: a(2),
        expected: s(5),
    });
    h.input(Input::CallEnded { call: c1 });
    assert_eq!(h.state(2), AgentState::NotReady(acd::PauseReason::Break));
}
