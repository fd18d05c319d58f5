//! Configuration changes apply at once, to callers already waiting too.
#![allow(missing_docs)]
mod common;

use acd::{Action, AgentState, Destination, Input, Output, OverflowReason, Strategy, Why};
use common::*;

#[test]
fn new_max_wait_applies_to_callers_already_waiting() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 1));
    let (c1, _) = h.arrive(Q1);
    h.advance(s(100));
    let (c2, _) = h.arrive(Q1);
    let mut cfg = one_queue(Strategy::LongestIdle, 1);
    cfg.queues[0].max_wait = Some(s(60));
    h.input(Input::ConfigChanged(cfg));
    // c1 waited 100 s > 60 s: out now; c2 at 60 s.
    let out = h.advance(s(0));
    assert!(out.contains(&Output::Overflow {
        call: c1,
        destination: Destination::Hangup
    }));
    assert!(h.acd.call(c2).is_some());
    let out = h.advance(s(60));
    assert!(out.contains(&Output::Overflow {
        call: c2,
        destination: Destination::Hangup
    }));
}

#[test]
fn strategy_switch_applies_to_the_next_decision_without_recreating_the_queue() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 3));
    h.login_ready(&[3, 2, 1]);
    h.input(Input::ConfigChanged(one_queue(Strategy::Linear, 3)));
    let (c, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c, a(1))]);
    assert!(matches!(
        decisions(&out).pop().unwrap().action,
        Action::Offer {
            why: Why::Linear { index: 0 },
            ..
        }
    ));
}

#[test]
fn vip_priority_change_reorders_the_line_and_removed_queue_callers_overflow() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 1));
    let (plain, _) = h.arrive(Q1);
    let (vip, _) = h.arrive_with(
        Q1,
        acd::CallerData {
            vip: true,
            ..Default::default()
        },
    );
    assert_eq!(
        h.acd.waiting(Q1),
        vec![plain, vip],
        "vip_priority 0: arrival order"
    );
    let mut cfg = one_queue(Strategy::LongestIdle, 1);
    cfg.queues[0].vip_priority = 5;
    h.input(Input::ConfigChanged(cfg));
    assert_eq!(h.acd.waiting(Q1), vec![vip, plain]);
    let mut cfg = one_queue(Strategy::LongestIdle, 1);
    cfg.queues.clear();
    cfg.removed_queue_destination = Some(Destination::Extension("0".into()));
    let out = h.input(Input::ConfigChanged(cfg));
    let reasons: Vec<_> = decisions(&out)
        .into_iter()
        .filter_map(|d| match d.action {
            Action::Overflow {
                reason,
                destination,
            } => Some((d.call, reason, destination)),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(
        reasons
            .iter()
            .all(|(_, r, d)| *r == OverflowReason::QueueRemoved
                && *d == Destination::Extension("0".into()))
    );
    assert!(h.acd.calls().next().is_none());
}

#[test]
fn removing_an_agent_mid_call_lets_the_call_finish() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 2));
    h.login_ready(&[1, 2]);
    let (c, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(1),
    });
    let mut cfg = one_queue(Strategy::LongestIdle, 2);
    cfg.queues[0].members.remove(0);
    cfg.agents.remove(0);
    h.input(Input::ConfigChanged(cfg));
    assert_eq!(h.state(1), AgentState::OnCall(c));
    h.input(Input::CallEnded { call: c });
    assert_eq!(h.state(1), AgentState::LoggedOut);
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(2))]);
}
