//! Ring-all and ring-progressively at Center level: several agents' phones ring for one
//! caller (the switch forks the call), the first answer wins, the others are cancelled
//! (#26, non-selected user clearing), and no agent is offered two calls at once.
#![allow(missing_docs)]
mod common;

use common::*;
use switch::Cause;
use switch::engine::{Command, LegEvent, LegId, LegState};

fn with_strategy(strategy: acd::Strategy) -> H {
    let mut cfg = config();
    cfg.queues[0].acd.strategy = strategy;
    cfg.queues[0].acd.progressive_step = s(5);
    let mut h = H::with(cfg);
    for a in ["2001", "2002", "2003"] {
        h.login_ready(a);
    }
    h
}

fn ring(h: &mut H, leg: LegId) {
    h.input(LegEvent::Alerting { leg });
}

fn cancelled(h: &H, leg: LegId) -> bool {
    h.commands.iter().any(|c| {
        matches!(c, Command::Hangup { leg: l, cause } if *l == leg && *cause == Cause::NON_SELECTED_USER_CLEARING)
    })
}

fn acd_state(h: &H, agent: u32) -> acd::AgentState {
    h.c.acd().agent_snapshot(acd::AgentId(agent)).unwrap().state
}

#[test]
fn ring_all_first_answer_wins_and_nobody_is_double_booked() {
    let mut h = with_strategy(acd::Strategy::RingAll);
    let caller = h.incoming("111", "701");
    let legs: Vec<LegId> = ["2001", "2002", "2003"]
        .iter()
        .map(|a| {
            let l = h.legs_to(a);
            assert_eq!(l.len(), 1, "{a} rings");
            l[0]
        })
        .collect();
    for &l in &legs {
        ring(&mut h, l);
    }
    for a in ["2001", "2002", "2003"] {
        assert!(h.cti_names(a).contains(&"Delivered"), "{a}'s desktop pops");
    }
    h.advance(s(3));
    h.input(LegEvent::Answered { leg: legs[1] });
    let sw = h.c.switch();
    assert!(sw.bridge_of(caller).is_some());
    assert_eq!(sw.bridge_of(caller), sw.bridge_of(legs[1]));
    for l in [legs[0], legs[2]] {
        assert!(cancelled(&h, l), "the other phones stop ringing with #26");
        assert!(sw.leg_state(l).is_none_or(|s| s == LegState::Ended));
    }
    assert_eq!(acd_state(&h, 2002), acd::AgentState::OnCall(acd::CallId(1)));
    assert_eq!(acd_state(&h, 2001), acd::AgentState::Ready);
    assert_eq!(acd_state(&h, 2003), acd::AgentState::Ready);
    for a in ["2001", "2003"] {
        // Each desktop saw its own phone ring and its own connection cleared.
        let own = |r: &&cti::EventReport| match &r.event {
            cti::CstaEvent::Delivered { connection, .. }
            | cti::CstaEvent::ConnectionCleared {
                dropped_connection: connection,
                ..
            } => connection.device.0 == a,
            _ => false,
        };
        let n: Vec<&str> = h
            .cti
            .iter()
            .filter(|r| r.device.0 == a)
            .filter(own)
            .map(|r| cti_name(&r.event))
            .collect();
        assert_eq!(n, ["Delivered", "ConnectionCleared"], "{a}");
    }
    let connects: Vec<_> = h
        .logs()
        .into_iter()
        .filter(|l| l.kind == callcenter::LogKind::QueueConnect)
        .collect();
    assert_eq!(connects.len(), 1);
    assert_eq!(connects[0].agent.as_deref(), Some("2002"));
    // Losing the race is not a missed call: nobody is auto-paused or counted unanswered
    // beyond the ACD's own offer bookkeeping.
    assert!(
        !h.logs()
            .iter()
            .any(|l| l.kind == callcenter::LogKind::AgentNotReady)
    );

    // A second caller rings only the two free agents: 2002 is on a call.
    let before = h.legs_to("2002").len();
    h.incoming("222", "701");
    assert_eq!(
        h.legs_to("2002").len(),
        before,
        "2002 is not offered a second call"
    );
    assert_eq!(h.legs_to("2001").len(), 2);
    assert_eq!(h.legs_to("2003").len(), 2);
    acd::invariants::check(h.c.acd(), h.now).unwrap();
}

#[test]
fn ring_progressively_adds_one_agent_every_step_and_keeps_the_others_ringing() {
    let mut h = with_strategy(acd::Strategy::RingProgressive);
    let caller = h.incoming("111", "701");
    assert_eq!(h.legs_to("2001").len(), 1, "member order: 2001 first");
    assert!(h.legs_to("2002").is_empty());
    let a = h.last_leg_to("2001");
    ring(&mut h, a);
    h.advance(s(5));
    assert_eq!(h.legs_to("2002").len(), 1, "2002 added after one step");
    assert!(h.legs_to("2003").is_empty());
    let b = h.last_leg_to("2002");
    ring(&mut h, b);
    assert_eq!(
        h.c.switch().leg_state(a),
        Some(LegState::Alerting),
        "2001 still rings"
    );
    h.advance(s(5));
    assert_eq!(h.legs_to("2003").len(), 1, "2003 added after two steps");
    let c = h.last_leg_to("2003");
    ring(&mut h, c);
    // 2002 rejects: 2001 and 2003 ring on, the caller is not sent back to music on hold.
    h.input(LegEvent::Hangup {
        leg: b,
        cause: Cause::CALL_REJECTED,
    });
    assert_eq!(h.c.switch().leg_state(a), Some(LegState::Alerting));
    assert_eq!(h.c.switch().leg_state(c), Some(LegState::Alerting));
    h.advance(s(1));
    h.input(LegEvent::Answered { leg: c });
    assert_eq!(h.c.switch().bridge_of(caller), h.c.switch().bridge_of(c));
    assert!(cancelled(&h, a), "2001 stops ringing");
    assert_eq!(acd_state(&h, 2003), acd::AgentState::OnCall(acd::CallId(1)));
    assert_eq!(acd_state(&h, 2001), acd::AgentState::Ready);
    // The offers and the answer are in the log, each agent once.
    let offers: Vec<String> = h
        .logs()
        .into_iter()
        .filter(|l| l.kind == callcenter::LogKind::QueueOffer)
        .filter_map(|l| l.agent)
        .collect();
    assert_eq!(offers, ["2001", "2002", "2003"]);
    acd::invariants::check(h.c.acd(), h.now).unwrap();

    // The call ends normally: 2003 goes to wrap-up, the caller's call is over.
    h.advance(s(20));
    h.hangup(caller);
    assert!(
        h.c.switch()
            .leg_state(c)
            .is_none_or(|s| s == LegState::Ended)
    );
    assert!(matches!(
        acd_state(&h, 2003),
        acd::AgentState::WrapUp { .. }
    ));
}
