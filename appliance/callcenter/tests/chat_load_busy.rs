//! "One call or chats" from the call side: an agent holding web chats (as the host reports
//! with `Center::set_chat_load`) is kept out of voice routing, like an agent on an outside
//! call; when its chats are done it is offered the waiting caller. Its CTI state is left
//! as the agent set it. Simulated time.
#![allow(missing_docs)]
mod common;

use callcenter::{CHAT_LOAD_REASON, CenterError, LogKind, OUTSIDE_CALL_REASON};
use common::*;
use switch::engine::LegEvent;

fn state(h: &H, agent: u32) -> acd::AgentState {
    h.c.acd().agent_snapshot(acd::AgentId(agent)).unwrap().state
}

fn held_for_chats() -> acd::AgentState {
    acd::AgentState::NotReady(acd::PauseReason::Code(CHAT_LOAD_REASON))
}

/// Sets the chat load as the host does, then takes in what came out.
fn chats(h: &mut H, agent: &str, n: usize) -> Result<bool, CenterError> {
    let r = h.c.set_chat_load(h.now, agent, n);
    h.drain();
    r
}

#[test]
fn a_ready_agent_holding_a_chat_is_not_offered_a_waiting_call_until_the_chat_is_done() {
    let mut h = H::with(config_with(s(10), &["2001"]));
    h.login_ready("2001");
    let desk_before = h.cti_names("2001").len();
    assert_eq!(chats(&mut h, "2001", 1), Ok(true), "paused");
    assert_eq!(state(&h, 2001), held_for_chats());
    assert_eq!(h.c.chat_load("2001"), Some(1));
    assert_eq!(
        h.cti_names("2001").len(),
        desk_before,
        "no agent state event to the desk: its CTI state is not touched"
    );
    assert!(
        h.logs().iter().any(|l| l.kind == LogKind::AgentNotReady
            && l.agent.as_deref() == Some("2001")
            && l.payload["reason"]
                .as_str()
                .is_some_and(|r| r.contains(&CHAT_LOAD_REASON.to_string()))),
        "the pause is in the event log with its reason"
    );

    // A caller waits: the only member holds a chat.
    h.incoming("111", "701");
    h.advance(s(30));
    assert!(h.legs_to("2001").is_empty(), "no offer while chatting");
    assert_eq!(h.c.acd().waiting(acd::QueueId(1)).len(), 1);
    assert_eq!(h.c.acd().counters().unanswered_offers, 0, "no missed offer");

    // A second chat, then one closes: still held, nothing changes.
    assert_eq!(chats(&mut h, "2001", 2), Ok(false));
    assert_eq!(chats(&mut h, "2001", 1), Ok(false));
    h.advance(s(5));
    assert!(h.legs_to("2001").is_empty());

    // The last chat is done: Ready again, the waiting caller is offered at once.
    assert_eq!(chats(&mut h, "2001", 0), Ok(true), "released");
    assert_eq!(h.legs_to("2001").len(), 1, "the waiting caller rings 2001");
    let leg = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg });
    assert!(matches!(state(&h, 2001), acd::AgentState::OnCall(_)));
    assert_eq!(h.c.acd().waiting(acd::QueueId(1)).len(), 0);
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn chats_taken_during_a_call_hold_the_agent_once_the_call_and_wrap_up_are_over() {
    let mut h = H::with(config_with(s(10), &["2001"]));
    h.login_ready("2001");
    h.incoming("111", "701");
    let leg = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg });
    // A chat while on the call: nothing to pause yet (not Ready).
    assert_eq!(chats(&mut h, "2001", 1), Ok(false));
    assert!(matches!(state(&h, 2001), acd::AgentState::OnCall(_)));
    h.hangup(leg);
    // A caller waits during the wrap-up.
    h.incoming("222", "701");
    h.advance(s(11));
    // Wrap-up over: held for the chat, not Ready in between (the waiting caller would be
    // offered then).
    assert_eq!(state(&h, 2001), held_for_chats());
    h.advance(s(10));
    assert_eq!(h.legs_to("2001").len(), 1, "only the first call's leg");
    assert_eq!(h.c.acd().counters().unanswered_offers, 0, "no missed offer");
    assert_eq!(chats(&mut h, "2001", 0), Ok(true));
    assert_eq!(h.legs_to("2001").len(), 2, "the waiting caller rings 2001");
}

#[test]
fn a_break_chosen_while_chatting_is_kept_and_ready_by_hand_is_held_again() {
    let mut h = H::with(config_with(s(10), &["2001"]));
    h.login_ready("2001");
    chats(&mut h, "2001", 1).unwrap();
    h.incoming("111", "701");
    assert!(h.legs_to("2001").is_empty());
    // A break while chatting outlives the chat.
    h.set_state("2001", cti::RequestedAgentState::NotReady { reason: None });
    assert_eq!(chats(&mut h, "2001", 0), Ok(false));
    assert!(
        matches!(state(&h, 2001), acd::AgentState::NotReady(r) if r != acd::PauseReason::Code(CHAT_LOAD_REASON)),
        "{:?}",
        state(&h, 2001)
    );
    h.advance(s(10));
    assert!(h.legs_to("2001").is_empty(), "on a break: no offer");
    // A new chat during the break, then Ready by hand: held again at once, no offer.
    chats(&mut h, "2001", 1).unwrap();
    h.set_state("2001", cti::RequestedAgentState::Ready);
    assert_eq!(state(&h, 2001), held_for_chats());
    h.advance(s(10));
    assert!(h.legs_to("2001").is_empty(), "ready but chatting: no offer");
    chats(&mut h, "2001", 0).unwrap();
    assert_eq!(
        h.legs_to("2001").len(),
        1,
        "chat done: the waiting caller is offered"
    );
}

#[test]
fn an_outside_call_and_chats_together_release_the_agent_only_when_both_are_over() {
    let mut h = H::with(config_with(s(10), &["2001"]));
    h.login_ready("2001");
    chats(&mut h, "2001", 1).unwrap();
    h.cti_req(
        "2001",
        cti::ServiceRequest::MakeCall {
            calling_device: cti::DeviceId::new("2001"),
            called_directory_number: "2005".into(),
        },
    );
    assert_eq!(
        state(&h, 2001),
        acd::AgentState::NotReady(acd::PauseReason::Code(OUTSIDE_CALL_REASON)),
        "the outside call shows first"
    );
    let a = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: a });
    let far = h.last_leg_to("2005");
    h.input(LegEvent::Answered { leg: far });
    h.incoming("111", "701");
    // The outside call ends; the chat is still open: held, now for the chat.
    h.hangup(far);
    assert_eq!(state(&h, 2001), held_for_chats());
    assert_eq!(h.legs_to("2001").len(), 1, "only the MakeCall leg");
    chats(&mut h, "2001", 0).unwrap();
    assert_eq!(h.legs_to("2001").len(), 2, "the waiting caller rings 2001");
}

#[test]
fn an_unknown_agent_is_refused_and_nothing_changes() {
    let mut h = H::with(config_with(s(10), &["2001"]));
    h.login_ready("2001");
    assert_eq!(
        chats(&mut h, "9999", 1),
        Err(CenterError::UnknownAgent("9999".into()))
    );
    assert_eq!(h.c.chat_load("9999"), None);
    assert_eq!(state(&h, 2001), acd::AgentState::Ready);
    h.incoming("111", "701");
    assert_eq!(h.legs_to("2001").len(), 1);
}

#[test]
fn the_chat_load_survives_a_reconfiguration() {
    let mut h = H::with(config_with(s(10), &["2001", "2002"]));
    h.login_ready("2001");
    chats(&mut h, "2001", 1).unwrap();
    let now = h.now;
    h.c.reconfigure(now, config_with(s(10), &["2001"])).unwrap();
    h.drain();
    assert_eq!(h.c.chat_load("2001"), Some(1));
    h.incoming("111", "701");
    assert!(
        h.legs_to("2001").is_empty(),
        "still held after the reconfiguration"
    );
    chats(&mut h, "2001", 0).unwrap();
    assert_eq!(h.legs_to("2001").len(), 1);
}
