//! An agent on a call the ACD did not offer (CTI MakeCall / click-to-dial) is busy to the
//! ACD: no queue call is offered to the busy phone (which would ring out and count as a
//! miss); when the outside call ends the agent is ready again and gets the waiting caller.
#![allow(missing_docs)]
mod common;

use callcenter::{LogKind, OUTSIDE_CALL_REASON};
use common::*;
use switch::engine::LegEvent;

fn state(h: &H, agent: u32) -> acd::AgentState {
    h.c.acd().agent_snapshot(acd::AgentId(agent)).unwrap().state
}

#[test]
fn an_agent_on_make_call_is_not_offered_queue_calls() {
    let mut h = H::new();
    h.login_ready("2001");
    h.advance(s(5));
    h.login_ready("2002");
    h.advance(s(5));
    // 2001 has been idle longest, then starts a click-to-dial to extension 2005.
    let r = h.cti_req(
        "2001",
        cti::ServiceRequest::MakeCall {
            calling_device: cti::DeviceId::new("2001"),
            called_directory_number: "2005".into(),
        },
    );
    assert_eq!(r, cti::ServiceResult::Ack);
    assert_eq!(
        state(&h, 2001),
        acd::AgentState::NotReady(acd::PauseReason::Code(OUTSIDE_CALL_REASON)),
        "busy from the moment its phone is rung for the MakeCall"
    );
    let a = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: a });
    let far = h.last_leg_to("2005");
    h.input(LegEvent::Answered { leg: far });

    // A queue caller goes to 2002, not to the busy 2001.
    let before = h.legs_to("2001").len();
    h.incoming("111", "701");
    assert_eq!(h.legs_to("2002").len(), 1);
    assert_eq!(h.legs_to("2001").len(), before);
    let b = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg: b });
    // A second caller waits rather than ringing 2001's busy phone.
    h.incoming("222", "701");
    h.advance(s(30));
    assert_eq!(h.legs_to("2001").len(), before);
    assert_eq!(h.c.acd().waiting(acd::QueueId(1)).len(), 1);
    assert_eq!(h.c.acd().counters().unanswered_offers, 0, "no missed offer");
    assert!(
        !h.logs().iter().any(|l| l.kind == LogKind::AgentNotReady
            && l.payload["reason"]
                .as_str()
                .is_some_and(|r| r.contains("Auto"))),
        "no auto-pause"
    );

    // The outside call ends: 2001 is ready again and takes the waiting caller at once.
    h.hangup(far);
    assert_eq!(h.legs_to("2001").len(), before + 1);
    let c = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: c });
    assert!(matches!(state(&h, 2001), acd::AgentState::OnCall(_)));
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn a_pause_chosen_during_the_outside_call_is_kept() {
    let mut h = H::new();
    h.login_ready("2001");
    h.cti_req(
        "2001",
        cti::ServiceRequest::MakeCall {
            calling_device: cti::DeviceId::new("2001"),
            called_directory_number: "2005".into(),
        },
    );
    let a = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: a });
    let far = h.last_leg_to("2005");
    h.input(LegEvent::Answered { leg: far });
    // The agent goes on a break while still talking.
    h.set_state("2001", cti::RequestedAgentState::NotReady { reason: None });
    h.advance(s(10));
    h.hangup(a);
    assert!(
        matches!(state(&h, 2001), acd::AgentState::NotReady(r) if r != acd::PauseReason::Code(OUTSIDE_CALL_REASON)),
        "{:?}",
        state(&h, 2001)
    );
    h.incoming("111", "701");
    assert_eq!(
        h.legs_to("2001").len(),
        1,
        "only the MakeCall leg: no offer"
    );
    // Ready by hand: the waiting caller is offered.
    h.set_state("2001", cti::RequestedAgentState::Ready);
    assert_eq!(
        h.legs_to("2001").len(),
        2,
        "ready: the waiting caller is offered"
    );
}
