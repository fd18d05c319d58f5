//! CTI DeflectCall and AlternateCall carried out by the Center.
//! - DeflectCall on a queue call ringing at the agent's phone: the phone stops ringing, the
//!   desktop sees `Diverted`, the call leaves the queue (`queue_exit`, reason `deflected`:
//!   not an abandon, not a missed offer) and rings the new destination, which answers and
//!   talks to the caller. A destination that does not route is refused (nothing changes).
//! - AlternateCall between a held queue call and the agent's consultation call: the active
//!   one is held, the held one retrieved, in one service; and back again.
#![allow(missing_docs)]
mod common;

use callcenter::{Event, LogKind};
use common::*;
use switch::engine::{LegEvent, LegState};

fn not_carried_out(h: &H) -> usize {
    h.events
        .iter()
        .filter(|(_, e)| matches!(e, Event::CtiNotCarriedOut { .. }))
        .count()
}

#[test]
fn deflect_sends_a_ringing_queue_call_on_without_charging_the_agent() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Alerting { leg: b });
    let call = h.c.call_of_caller(a).unwrap();

    // A number the dial plan refuses: nothing done.
    h.cti_req(
        "2001",
        cti::ServiceRequest::DeflectCall {
            call_to_be_diverted: conn(call, "2001"),
            new_destination: "0900123".into(),
        },
    );
    assert_eq!(not_carried_out(&h), 1);
    assert_eq!(h.c.switch().leg_state(b), Some(LegState::Alerting));

    h.cti_req(
        "2001",
        cti::ServiceRequest::DeflectCall {
            call_to_be_diverted: conn(call, "2001"),
            new_destination: "2005".into(),
        },
    );
    assert_eq!(not_carried_out(&h), 1, "carried out");
    assert!(
        h.c.switch()
            .leg_state(b)
            .is_none_or(|s| s == LegState::Ended)
    );
    assert!(h.cti_names("2001").contains(&"Diverted"));
    let d = h.last_leg_to("2005");
    h.input(LegEvent::Alerting { leg: d });
    h.input(LegEvent::Answered { leg: d });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(d));
    assert!(h.c.switch().bridge_of(a).is_some());

    let logs = h.logs();
    let exit = logs
        .iter()
        .find(|l| l.kind == LogKind::QueueExit)
        .expect("queue_exit");
    assert_eq!(exit.payload["reason"], "deflected");
    assert_eq!(exit.payload["to"], "2005");
    assert!(!logs.iter().any(|l| l.kind == LogKind::QueueAbandon));
    assert_eq!(h.c.acd().counters().unanswered_offers, 0);
    // 2001 is free for the next caller at once.
    assert_eq!(
        h.c.acd().agent_snapshot(acd::AgentId(2001)).unwrap().state,
        acd::AgentState::Ready
    );
    h.incoming("222", "701");
    assert_eq!(h.legs_to("2001").len(), 2);
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn deflect_of_a_call_that_is_not_a_ringing_queue_offer_is_not_carried_out() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    let call = h.c.call_of_caller(a).unwrap();
    // Answered: the CTI model refuses a deflect of a connected call itself.
    let r = h.try_cti_req(
        "2001",
        cti::ServiceRequest::DeflectCall {
            call_to_be_diverted: conn(call, "2001"),
            new_destination: "2005".into(),
        },
    );
    assert!(r.is_err());
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
}

#[test]
fn alternate_swaps_the_held_and_the_active_call() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b1 = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b1 });
    let call = h.c.call_of_caller(a).unwrap();
    h.cti_req(
        "2001",
        cti::ServiceRequest::ConsultationCall {
            existing_call: conn(call, "2001"),
            consulted_device: "2003".into(),
        },
    );
    let c = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: c });
    let d = h.last_leg_to("2003");
    h.input(LegEvent::Answered { leg: d });
    let consult = h.c.call_of_caller(c).unwrap();
    let before = h.cti_names("2001").len();

    h.cti_req(
        "2001",
        cti::ServiceRequest::AlternateCall {
            active_call: conn(consult, "2001"),
            held_call: conn(call, "2001"),
        },
    );
    assert_eq!(not_carried_out(&h), 0);
    assert_eq!(h.cti_names("2001")[before..], ["Held", "Retrieved"]);
    // The caller talks to the agent again; the consulted party is on hold.
    let sw = h.c.switch();
    let bridge_a = sw.bridge_of(a).unwrap();
    let legs: Vec<_> = sw
        .bridges()
        .find(|(id, _)| *id == bridge_a)
        .map(|(_, l)| l.to_vec())
        .unwrap();
    assert!(legs.contains(&b1));
    assert!(
        h.commands.iter().rev().any(|cmd| matches!(cmd,
        switch::engine::Command::Media(switch::engine::MediaCommand::Play { leg, source: switch::engine::Source::MusicOnHold }) if *leg == d)),
        "the consulted party hears music on hold"
    );

    // And back.
    h.cti_req(
        "2001",
        cti::ServiceRequest::AlternateCall {
            active_call: conn(call, "2001"),
            held_call: conn(consult, "2001"),
        },
    );
    assert_eq!(not_carried_out(&h), 0);
    assert_eq!(
        h.cti_names("2001")[before..],
        ["Held", "Retrieved", "Held", "Retrieved"]
    );
}
