//! VIP and complaint priority from CRM/IVR data; last agent / account owner preferred for N s.
#![allow(missing_docs)]
mod common;

use acd::{Action, CallerData, Input, Strategy, Why};
use common::*;

#[test]
fn vip_and_complaint_jump_ahead_by_queue_priorities() {
    let mut cfg = one_queue(Strategy::LongestIdle, 1);
    cfg.queues[0].vip_priority = 8;
    cfg.queues[0].complaint_priority = 5;
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    h.input(Input::NotReady {
        agent: a(1),
        reason: acd::PauseReason::Break,
    });
    let (plain, _) = h.arrive(Q1);
    let (complaint, _) = h.arrive_with(
        Q1,
        CallerData {
            complaint: true,
            ..Default::default()
        },
    );
    let (vip, _) = h.arrive_with(
        Q1,
        CallerData {
            vip: true,
            ..Default::default()
        },
    );
    assert_eq!(h.acd.waiting(Q1), vec![vip, complaint, plain]);
    assert_eq!(h.acd.call(vip).unwrap().priority, 8);
}

#[test]
fn preferred_agent_gets_the_call_within_the_window_then_anyone() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 3));
    h.login_ready(&[1, 2, 3]);
    // Longest idle would be agent 1; the caller's account owner is agent 3.
    let caller = CallerData {
        preferred_agents: vec![a(3)],
        preferred_for: s(30),
        ..Default::default()
    };
    let (c, out) = h.arrive_with(Q1, caller.clone());
    assert_eq!(offered(&out), vec![(c, a(3))]);
    let d = decisions(&out).pop().unwrap();
    assert!(matches!(
        d.action,
        Action::Offer {
            why: Why::PreferredAgent,
            ..
        }
    ));
    // The owner is busy: the next caller of theirs waits for them up to 30 s.
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(3),
    });
    let (c2, out) = h.arrive_with(Q1, caller);
    assert!(offered(&out).is_empty());
    assert!(offered(&h.advance(s(29))).is_empty());
    assert_eq!(offered(&h.advance(s(1))), vec![(c2, a(1))]);
}

#[test]
fn a_preferred_agent_who_is_logged_out_is_not_waited_for() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 3));
    h.login_ready(&[1, 2]);
    let caller = CallerData {
        preferred_agents: vec![a(3)],
        preferred_for: s(30),
        ..Default::default()
    };
    let (c, out) = h.arrive_with(Q1, caller);
    assert_eq!(offered(&out), vec![(c, a(1))]);
}

#[test]
fn callers_needing_a_skill_nobody_has_do_not_block_the_line() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 1));
    h.login_ready(&[1]);
    h.input(Input::NotReady {
        agent: a(1),
        reason: acd::PauseReason::Break,
    });
    let rare = CallerData {
        skills: vec![(skill(42), 10)],
        ..Default::default()
    };
    let stuck: Vec<_> = (0..100)
        .map(|_| h.arrive_with(Q1, rare.clone()).0)
        .collect();
    let (plain, _) = h.arrive(Q1);
    let out = h.input(Input::Ready { agent: a(1) });
    assert_eq!(offered(&out), vec![(plain, a(1))]);
    assert_eq!(h.acd.waiting(Q1), stuck);
}
