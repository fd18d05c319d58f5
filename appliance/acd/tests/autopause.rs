//! Auto-pause on no-answer and on reject, with a reason; pause reason codes.
#![allow(missing_docs)]
mod common;

use acd::{AgentState, Input, Output, PauseReason, Strategy};
use common::*;

#[test]
fn two_ring_outs_in_a_row_pause_the_agent_and_the_call_keeps_its_place() {
    let mut cfg = one_queue(Strategy::Linear, 2);
    cfg.queues[0].autopause_no_answer = 2;
    cfg.queues[0].ring_timeout = s(15);
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c1, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c1, a(1))]);
    let (c2, _) = h.arrive(Q1);
    // Ring-out 1: the ACD times the offer out itself and offers again (one agent, new round).
    let out = h.advance(s(15));
    assert!(out.contains(&Output::StopRinging {
        call: c1,
        agent: a(1)
    }));
    assert_eq!(offered(&out), vec![(c1, a(1))], "c1 is still first in line");
    // Ring-out 2: auto-pause.
    let out = h.advance(s(15));
    assert!(out.contains(&Output::AgentState {
        agent: a(1),
        state: AgentState::NotReady(PauseReason::AutoNoAnswer(2))
    }));
    assert!(offered(&out).is_empty());
    assert_eq!(h.acd.waiting(Q1), vec![c1, c2]);
    // Back to ready: the streak is reset and c1 goes first.
    let out = h.input(Input::Ready { agent: a(1) });
    assert_eq!(offered(&out), vec![(c1, a(1))]);
    assert_eq!(h.acd.agent_snapshot(a(1)).unwrap().no_answer_streak, 0);
}

#[test]
fn reject_pauses_with_its_own_reason_and_the_call_goes_to_the_next_agent() {
    let mut cfg = one_queue(Strategy::Linear, 2);
    cfg.queues[0].autopause_on_reject = true;
    let mut h = Harness::new(cfg);
    h.login_ready(&[1, 2]);
    let (c, _) = h.arrive(Q1);
    let out = h.input(Input::OfferRejected {
        call: c,
        agent: a(1),
    });
    assert_eq!(h.state(1), AgentState::NotReady(PauseReason::AutoRejected));
    assert_eq!(offered(&out), vec![(c, a(2))]);
}

#[test]
fn pause_reason_codes_and_pause_during_a_call_waits_for_its_end() {
    let mut h = Harness::new(one_queue(Strategy::Linear, 1));
    h.login_ready(&[1]);
    let (c, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(1),
    });
    h.input(Input::NotReady {
        agent: a(1),
        reason: PauseReason::Code(7),
    });
    assert_eq!(h.state(1), AgentState::OnCall(c));
    h.input(Input::CallEnded { call: c });
    assert_eq!(h.state(1), AgentState::NotReady(PauseReason::Code(7)));
    let (c2, out) = h.arrive(Q1);
    assert!(offered(&out).is_empty());
    h.input(Input::NotReady {
        agent: a(1),
        reason: PauseReason::Lunch,
    });
    assert_eq!(h.state(1), AgentState::NotReady(PauseReason::Lunch));
    assert_eq!(
        offered(&h.input(Input::Ready { agent: a(1) })),
        vec![(c2, a(1))]
    );
}

#[test]
fn pausing_while_ringing_gives_the_call_back_in_place() {
    let mut h = Harness::new(one_queue(Strategy::Linear, 1));
    h.login_ready(&[1]);
    let (c1, _) = h.arrive(Q1);
    let (c2, _) = h.arrive(Q1);
    let out = h.input(Input::NotReady {
        agent: a(1),
        reason: PauseReason::Break,
    });
    assert!(out.contains(&Output::StopRinging {
        call: c1,
        agent: a(1)
    }));
    assert_eq!(h.acd.waiting(Q1), vec![c1, c2]);
}
