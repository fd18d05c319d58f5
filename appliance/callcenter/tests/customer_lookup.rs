//! A caller dialling a queue directly (no IVR look-up identified them) is looked up in the
//! CRM by number before entering the queue, when the host answers look-ups
//! (`Center::set_customer_lookup`): the customer reaches the routing (account owner
//! preferred), the agent's screen pop and the interaction record. No answer in time: the
//! caller enters the queue unidentified, never held longer.
#![allow(missing_docs)]
mod common;

use std::collections::BTreeMap;

use callcenter::{CUSTOMER_LOOKUP_ID, Event, LogKind};
use common::*;
use switch::engine::LegEvent;

const CALLER: &str = "13800138000";

fn customer(owner: &str) -> ivr::LookUpOutcome {
    ivr::LookUpOutcome::Found(BTreeMap::from(
        [
            ("id", "42"),
            ("name", "Han Meimei"),
            ("company", "ACME"),
            ("vip", "false"),
            ("account_owner", owner),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    ))
}

fn ready_pair() -> H {
    let mut h = H::new();
    h.c.set_customer_lookup(Some(ms(500)));
    // 2001 idle longest: longest-idle would pick it.
    h.login_ready("2001");
    h.advance(s(5));
    h.login_ready("2002");
    h.advance(s(5));
    h
}

fn screen_pop_customer(h: &H) -> Option<i64> {
    h.cti.iter().find_map(|r| match &r.event {
        cti::CstaEvent::Delivered { screen_pop, .. } => {
            Some(screen_pop.customer.as_ref().map(|c| c.id))
        }
        _ => None,
    })?
}

#[test]
fn the_caller_is_identified_before_queueing_and_goes_to_the_account_owner() {
    let mut h = ready_pair();
    h.incoming(CALLER, "701");
    // Asked, not yet queued, nobody rung.
    let asked = h.lookups();
    assert_eq!(asked.len(), 1, "{asked:?}");
    let (call, req) = asked[0].clone();
    assert_eq!(req.id, CUSTOMER_LOOKUP_ID);
    assert_eq!(req.kind, ivr::LookupKind::CustomerByPhone);
    assert_eq!(req.key, CALLER);
    assert!(!h.log_kinds().contains(&LogKind::QueueEnter));
    assert!(h.legs_to("2001").is_empty() && h.legs_to("2002").is_empty());

    // The host answers 20 ms later: 2002 owns the account, so it is offered the call
    // although 2001 has been idle longer.
    h.advance(ms(20));
    h.c.answer_lookup(h.now, call, CUSTOMER_LOOKUP_ID, customer("2002"))
        .unwrap();
    h.drain();
    assert!(h.log_kinds().contains(&LogKind::QueueEnter));
    assert_eq!(h.legs_to("2002").len(), 1, "the account owner");
    assert!(h.legs_to("2001").is_empty());
    let leg = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg });
    assert_eq!(
        screen_pop_customer(&h),
        Some(42),
        "the screen pop names them"
    );

    // The agent's interaction record (after wrap-up) carries the customer.
    h.hangup(leg);
    h.advance(s(15));
    let rec = h
        .events
        .iter()
        .find_map(|(_, e)| match e {
            Event::Interaction(r) if r.agent.as_deref() == Some("2002") => Some(r.clone()),
            _ => None,
        })
        .expect("interaction of 2002");
    assert_eq!(rec.customer_id, Some(42));
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn without_an_answer_the_caller_enters_the_queue_after_the_wait() {
    let mut h = ready_pair();
    h.incoming(CALLER, "701");
    let (call, _) = h.lookups()[0].clone();
    h.advance(ms(499));
    assert!(
        h.legs_to("2001").is_empty(),
        "still waiting for the look-up"
    );
    h.advance(ms(1));
    assert_eq!(
        h.legs_to("2001").len(),
        1,
        "queued unidentified: longest idle"
    );
    // A late answer is taken (the customer for later) and changes no routing.
    h.c.answer_lookup(h.now, call, CUSTOMER_LOOKUP_ID, customer("2002"))
        .unwrap();
    h.drain();
    assert!(h.legs_to("2002").is_empty());
    // Asked once per call: a second answer is refused.
    assert!(
        h.c.answer_lookup(h.now, call, CUSTOMER_LOOKUP_ID, customer("2002"))
            .is_err()
    );
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn a_caller_hanging_up_while_looked_up_is_gone_without_trace_in_the_queue() {
    let mut h = ready_pair();
    let leg = h.incoming(CALLER, "701");
    let (call, _) = h.lookups()[0].clone();
    h.hangup(leg);
    h.advance(s(1));
    assert!(h.legs_to("2001").is_empty() && h.legs_to("2002").is_empty());
    assert!(h.c.acd().waiting(acd::QueueId(1)).is_empty());
    assert!(
        h.c.answer_lookup(h.now, call, CUSTOMER_LOOKUP_ID, customer("2002"))
            .is_err(),
        "the call is gone"
    );
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn off_by_default_the_caller_is_queued_at_once() {
    let mut h = H::new();
    h.login_ready("2001");
    h.incoming(CALLER, "701");
    assert!(h.lookups().is_empty());
    assert_eq!(h.legs_to("2001").len(), 1);
}

#[test]
fn a_caller_the_ivr_looked_up_is_not_looked_up_again() {
    let mut h = ready_pair();
    // 8000 runs the demo flow, whose first node looks the caller up.
    let a = h.incoming(CALLER, "8000");
    let asked = h.lookups();
    assert_eq!(asked.len(), 1, "{asked:?}");
    let (call, req) = asked[0].clone();
    assert_ne!(req.id, CUSTOMER_LOOKUP_ID);
    assert_eq!(req.kind, ivr::LookupKind::CustomerByPhone);
    // Not found; the caller picks sales (1) during the menu and goes into the queue.
    h.advance(ms(20));
    h.c.answer_lookup(h.now, call, req.id, ivr::LookUpOutcome::NotFound)
        .unwrap();
    h.drain();
    h.finish_prompts(a, 1);
    assert_eq!(h.prompts(), ["welcome", "main-menu"]);
    h.advance(ms(800));
    h.input(LegEvent::Digits {
        leg: a,
        digits: "1".into(),
    });
    h.advance(ms(100));
    assert_eq!(h.lookups().len(), 1, "no second look-up: {:?}", h.lookups());
    assert!(h.log_kinds().contains(&LogKind::QueueEnter));
    assert_eq!(h.legs_to("2001").len(), 1, "queued at once");
}
