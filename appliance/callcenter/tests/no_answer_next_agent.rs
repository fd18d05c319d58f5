//! An offer that rings out goes back to the ACD: the agent is auto-paused (CTI shows it
//! NotReady with the auto-pause reason) and the next agent is rung; a busy phone is a
//! rejected offer; the caller stays on hold music all along, never dropped.
#![allow(missing_docs)]
mod common;

use callcenter::AUTO_NO_ANSWER_REASON;
use common::*;
use switch::Cause;
use switch::engine::{LegEvent, LegState};

#[test]
fn ring_out_auto_pauses_and_next_agent_is_rung() {
    let mut cfg = config();
    cfg.queues[0].acd.autopause_no_answer = 1;
    let mut h = H::with(cfg);
    for a in ["2001", "2002", "2003"] {
        h.login_ready(a);
    }
    let a = h.incoming("111", "701");
    let b1 = h.last_leg_to("2001");
    h.input(LegEvent::Alerting { leg: b1 });
    h.advance(s(16)); // the queue's ring timeout is 15 s
    assert!(
        h.c.switch()
            .leg_state(b1)
            .is_none_or(|s| s == LegState::Ended)
    );
    assert_eq!(h.c.switch().leg_state(a), Some(LegState::Answered));
    assert_eq!(
        h.c.acd().agent_snapshot(acd::AgentId(2001)).unwrap().state,
        acd::AgentState::NotReady(acd::PauseReason::AutoNoAnswer(1))
    );
    let paused = h.cti.iter().any(|r| {
        matches!(&r.event, cti::CstaEvent::AgentNotReady { agent, reason, .. }
            if agent.0 == "2001" && *reason == Some(cti::ReasonCode(AUTO_NO_ANSWER_REASON)))
    });
    assert!(paused, "the desktop shows the auto-pause");

    // 2002 is rung next; its phone is busy: rejected, 2003 is rung and answers.
    let b2 = h.last_leg_to("2002");
    h.input(LegEvent::Hangup {
        leg: b2,
        cause: Cause::USER_BUSY,
    });
    let b3 = h.last_leg_to("2003");
    h.input(LegEvent::Answered { leg: b3 });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b3));
    assert_eq!(h.c.acd().counters().unanswered_offers, 2);
    let names = h.cti_names("2001");
    assert_eq!(
        &names[names.len() - 3..],
        ["Delivered", "ConnectionCleared", "AgentNotReady"]
    );
}

#[test]
fn agents_log_on_and_off_through_cti() {
    let mut h = H::new();
    let a = h.incoming("111", "701");
    assert!(h.legs_to("2001").is_empty(), "nobody logged on");
    h.login_ready("2001");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    h.hangup(a);
    h.advance(s(11));
    h.set_state("2001", cti::RequestedAgentState::NotReady { reason: None });
    h.incoming("222", "701");
    assert_eq!(h.legs_to("2001").len(), 1, "not ready: not rung");
    h.set_state("2001", cti::RequestedAgentState::LoggedOff);
    assert_eq!(
        h.c.acd().agent_snapshot(acd::AgentId(2001)).unwrap().state,
        acd::AgentState::LoggedOut
    );
    let kinds = h.log_kinds();
    assert!(kinds.contains(&callcenter::LogKind::AgentLogin));
    assert!(kinds.contains(&callcenter::LogKind::AgentNotReady));
    assert_eq!(kinds.last(), Some(&callcenter::LogKind::AgentLogout));
}
