//! In-queue callback at Center level: a waiting caller presses 1, hears the confirmation
//! and is cleared, but keeps their place in line (no abandon); a caller who arrives later
//! and stays on the line is served after them. When the callback's turn comes the agent's
//! phone rings first; when the agent answers the customer is dialled on the trunk and
//! bridged to the agent. A customer who does not answer is retried after the queue's
//! retry delay; after the last attempt the callback is given up (`queue_exit`).
#![allow(missing_docs)]
mod common;

use callcenter::LogKind;
use common::*;
use switch::Cause;
use switch::dialplan::{CallerIdRule, ChannelKind, CidMode, Rule, Target, Trunk, TrunkGroup};
use switch::engine::{Command, Destination, LegEvent, LegId};

const CUSTOMER: &str = "13900000001";

fn callback_config() -> callcenter::Config {
    let mut cfg = config_with(s(10), &["2001"]);
    cfg.switch
        .plan
        .internal
        .push(Rule::new("_139XXXXXXXX", Target::TrunkGroup("out".into())).unwrap());
    cfg.switch.trunks.push(Trunk {
        name: "e1".into(),
        kind: ChannelKind::E1Bchannel,
        span: Some(1),
        caller_id: CallerIdRule {
            mode: CidMode::Fixed("5550000".into()),
            send_restricted_number: true,
        },
    });
    cfg.switch.trunk_groups.push(TrunkGroup {
        name: "out".into(),
        members: vec!["e1".into()],
    });
    let q = &mut cfg.queues[0].acd;
    q.announcements.first_after = s(5);
    q.announcements.position = true;
    q.callback_attempts = 2;
    q.callback_retry_after = s(60);
    cfg
}

fn trunk_legs(h: &H) -> Vec<(LegId, String)> {
    h.commands
        .iter()
        .filter_map(|c| match c {
            Command::Originate {
                leg,
                destination: Destination::Trunk { .. },
                called,
                ..
            } => Some((*leg, called.clone())),
            _ => None,
        })
        .collect()
}

/// 2001 busy on a first call; the customer waits, hears the offer, presses 1.
fn customer_asks_for_a_callback(h: &mut H) -> (LegId, LegId) {
    h.login_ready("2001");
    let first = h.incoming("111", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    let w = h.incoming(CUSTOMER, "701");
    h.advance(s(5));
    for _ in 0..4 {
        h.input(LegEvent::PromptFinished { leg: w });
    }
    assert!(h.prompts().contains(&"callback-offer".to_owned()));
    h.input(LegEvent::Digits {
        leg: w,
        digits: "1".into(),
    });
    assert_eq!(
        h.prompts().last().map(String::as_str),
        Some("callback-confirmed")
    );
    h.input(LegEvent::PromptFinished { leg: w });
    assert!(
        h.commands
            .iter()
            .any(|c| matches!(c, Command::Hangup { leg, .. } if *leg == w)),
        "the customer is cleared after the confirmation"
    );
    (first, w)
}

#[test]
fn callback_keeps_place_then_rings_the_agent_and_dials_the_customer() {
    let mut h = H::with(callback_config());
    let (first, w) = customer_asks_for_a_callback(&mut h);
    let kinds = h.log_kinds();
    assert!(kinds.contains(&LogKind::QueueCallback));
    assert!(!kinds.contains(&LogKind::QueueAbandon), "not an abandon");
    let acd_call = acd::CallId(u64::from(h.c.call_of_caller(first).unwrap().0) + 1);
    assert!(h.c.acd().call(acd_call).is_some_and(|c| c.callback));

    // Someone else joins later and stays on the line.
    let later = h.incoming("222", "701");
    // 2001 frees up: the callback comes first (its place in line).
    h.hangup(first);
    h.advance(s(10));
    let agent_leg = h.last_leg_to("2001");
    assert!(trunk_legs(&h).is_empty(), "the agent's phone rings first");
    h.input(LegEvent::Answered { leg: agent_leg });
    let out = trunk_legs(&h);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1, CUSTOMER);
    h.input(LegEvent::Alerting { leg: out[0].0 });
    h.input(LegEvent::Answered { leg: out[0].0 });
    assert_eq!(
        h.c.switch().bridge_of(agent_leg),
        h.c.switch().bridge_of(out[0].0)
    );
    assert!(h.c.switch().bridge_of(agent_leg).is_some());
    let connect = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::QueueConnect && l.payload.get("callback").is_some())
        .expect("the callback's queue_connect");
    assert_eq!(connect.call, Some(acd_call.0.to_string()));
    assert_eq!(connect.agent.as_deref(), Some("2001"));
    // The later caller still waits: 2001 is on the callback.
    assert_eq!(h.c.acd().waiting(acd::QueueId(1)).len(), 1);
    assert!(h.c.switch().leg_state(later).is_some());
    // The call ends: the agent's part is logged, wrap-up, then the later caller.
    h.advance(s(30));
    h.hangup(out[0].0);
    assert!(h.log_kinds().contains(&LogKind::CallComplete));
    let before = h.legs_to("2001").len();
    h.advance(s(10));
    assert_eq!(h.legs_to("2001").len(), before + 1, "then the later caller");
    let _ = w;
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn an_unanswered_callback_is_retried_then_given_up() {
    let mut h = H::with(callback_config());
    let (first, _) = customer_asks_for_a_callback(&mut h);
    h.hangup(first);
    h.advance(s(10));
    for attempt in 1..=2 {
        let agent_leg = h.last_leg_to("2001");
        h.input(LegEvent::Answered { leg: agent_leg });
        let out = trunk_legs(&h);
        assert_eq!(out.len(), attempt);
        h.input(LegEvent::Hangup {
            leg: out[attempt - 1].0,
            cause: Cause::NO_ANSWER,
        });
        if attempt == 1 {
            let before = h.legs_to("2001").len();
            h.advance(s(59));
            assert_eq!(
                h.legs_to("2001").len(),
                before,
                "not before the retry delay"
            );
            h.advance(s(2));
            assert_eq!(h.legs_to("2001").len(), before + 1, "retried");
        }
    }
    let exit = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::QueueExit)
        .expect("given up");
    assert_eq!(exit.payload["reason"], "callback_failed");
    assert!(!h.log_kinds().contains(&LogKind::QueueAbandon));
    assert_eq!(h.c.acd().counters().callbacks_abandoned, 1);
}

/// The demo dial plan's outside line: `0` + the national number goes to trunk group `out`
/// with the `0` stripped; no rule sends the bare number anywhere.
fn prefix_config() -> callcenter::Config {
    let mut cfg = callback_config();
    cfg.switch
        .plan
        .internal
        .retain(|r| r.pattern.as_str() != "_139XXXXXXXX");
    cfg.switch.plan.internal.push(
        Rule::new("_0.", Target::TrunkGroup("out".into()))
            .unwrap()
            .rewrite(1, ""),
    );
    cfg
}

#[test]
fn an_outside_caller_is_called_back_through_the_outside_line_prefix() {
    let cfg = prefix_config();
    assert_eq!(cfg.callback_number(CUSTOMER, true), format!("0{CUSTOMER}"));
    assert_eq!(
        cfg.callback_number("1002", false),
        "1002",
        "extensions as they are"
    );
    let mut h = H::with(cfg);
    let (first, _) = customer_asks_for_a_callback(&mut h);
    h.hangup(first);
    h.advance(s(10));
    let agent_leg = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: agent_leg });
    let out = trunk_legs(&h);
    assert_eq!(out.len(), 1, "the customer is dialled on the trunk");
    assert_eq!(
        out[0].1, CUSTOMER,
        "called number: the caller's, prefix stripped"
    );
    h.input(LegEvent::Answered { leg: out[0].0 });
    assert!(h.c.switch().bridge_of(agent_leg).is_some());
    assert_eq!(
        h.c.switch().bridge_of(agent_leg),
        h.c.switch().bridge_of(out[0].0)
    );
    let offer = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::QueueOffer && l.payload.get("callback").is_some())
        .expect("the callback's queue_offer");
    assert_eq!(offer.payload["callback"], CUSTOMER);
    assert_eq!(offer.payload["dialled"], format!("0{CUSTOMER}"));
}

#[test]
fn the_prefix_is_only_used_where_the_plan_sends_it_to_a_trunk_unchanged() {
    let mut cfg = prefix_config();
    // A number some rule already sends out unchanged is dialled as it is.
    cfg.switch.plan.internal.insert(
        0,
        Rule::new("_139XXXXXXXX", Target::TrunkGroup("out".into())).unwrap(),
    );
    assert_eq!(cfg.callback_number(CUSTOMER, true), CUSTOMER);
    // A prefix that rewrites the number (prepends a country code) is not the caller's
    // number on the trunk: not used; the number is left to the plan.
    let mut cfg = callback_config();
    cfg.switch.plan.internal.clear();
    cfg.switch.plan.internal.push(
        Rule::new("_9.", Target::TrunkGroup("out".into()))
            .unwrap()
            .rewrite(1, "86"),
    );
    assert_eq!(cfg.callback_number(CUSTOMER, true), CUSTOMER);
    // An extension's number that a trunk rule would also take stays internal.
    assert_eq!(prefix_config().callback_number("01234", false), "01234");
}
