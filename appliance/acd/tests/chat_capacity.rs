//! Chats through the same queues as calls: per-agent chat capacity, least-loaded first,
//! one call or chats (never both), chats going back in line when an agent pauses, and an
//! accepted chat staying with its agent until closed. The harness checks the invariants
//! and the outside observer (capacity, no call to an agent holding chats) after every step.
#![allow(missing_docs)]
mod common;

use acd::{
    AcdError, AgentConfig, AgentState, CallState, CallerData, Config, ConfigError, Input, Member,
    Output, PauseReason, QueueConfig, Strategy,
};
use common::*;

/// Agents 1 and 2 with the given chat capacities in one longest-idle queue; agent 2 idle longer.
fn two_agents(cap1: u8, cap2: u8) -> Harness {
    let mut agents = vec![AgentConfig::new(a(1)), AgentConfig::new(a(2))];
    agents[0].chat_capacity = cap1;
    agents[1].chat_capacity = cap2;
    let cfg = Config {
        queues: vec![QueueConfig::new(
            Q1,
            Strategy::LongestIdle,
            vec![Member::new(a(1)), Member::new(a(2))],
        )],
        agents,
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[2]);
    h.advance(s(1));
    h.login_ready(&[1]);
    h
}

#[test]
fn chats_fill_up_to_capacity_least_loaded_first() {
    let mut h = two_agents(2, 3);
    let mut got = Vec::new();
    for _ in 0..6 {
        let (c, out) = h.chat_with(Q1, CallerData::default());
        got.extend(offered(&out));
        if let Some((_, agent)) = offered(&out).first() {
            h.input(Input::OfferAnswered {
                call: c,
                agent: *agent,
            });
        }
    }
    let agents: Vec<u32> = got.iter().map(|(_, a)| a.0).collect();
    // Longest idle (2) first, then least loaded alternates, then only 2 has room.
    assert_eq!(agents, vec![2, 1, 2, 1, 2]);
    assert_eq!(h.acd.agent_chats(a(1)).len(), 2);
    assert_eq!(h.acd.agent_chats(a(2)).len(), 3);
    // Both still Ready for the voice model: chats do not change the agent state.
    assert_eq!(h.state(1), AgentState::Ready);
    // The sixth chat waits.
    let waiting = h.acd.waiting(Q1);
    assert_eq!(waiting.len(), 1);
    // Closing one chat frees a slot: the waiting chat goes to that agent.
    let (closed, _) = h.acd.agent_chats(a(1))[0];
    let out = h.input(Input::CallEnded { call: closed });
    assert_eq!(offered(&out), vec![(waiting[0], a(1))]);
}

#[test]
fn a_call_never_goes_to_an_agent_holding_chats_and_no_chat_during_a_call() {
    let mut h = two_agents(2, 2);
    let (chat, out) = h.chat_with(Q1, CallerData::default());
    assert_eq!(offered(&out), vec![(chat, a(2))]);
    // Even offered-only chats block calls: the call goes to agent 1.
    let (call, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(call, a(1))]);
    h.input(Input::OfferAnswered { call, agent: a(1) });
    h.input(Input::OfferAnswered {
        call: chat,
        agent: a(2),
    });
    // Agent 1 is on a call: a new chat goes to agent 2 (capacity 2) although 1 idles longer.
    let (chat2, out) = h.chat_with(Q1, CallerData::default());
    assert_eq!(offered(&out), vec![(chat2, a(2))]);
    h.input(Input::OfferAnswered {
        call: chat2,
        agent: a(2),
    });
    // A second call waits: 1 is on a call, 2 holds chats.
    let (call2, out) = h.arrive(Q1);
    assert!(offered(&out).is_empty());
    // Agent 2 closes both chats: now the call can go to 2.
    h.input(Input::CallEnded { call: chat });
    let out = h.input(Input::CallEnded { call: chat2 });
    assert_eq!(offered(&out), vec![(call2, a(2))]);
}

#[test]
fn agent_with_capacity_zero_gets_no_chat() {
    let mut h = two_agents(0, 0);
    let (chat, out) = h.chat_with(Q1, CallerData::default());
    assert!(offered(&out).is_empty());
    assert_eq!(h.acd.call(chat).expect("held").state, CallState::Waiting);
    // Raising the capacity live routes the waiting chat at once.
    let mut cfg = h.acd.config().clone();
    cfg.agents[0].chat_capacity = 1;
    let out = h.input(Input::ConfigChanged(cfg));
    assert_eq!(offered(&out), vec![(chat, a(1))]);
}

#[test]
fn pause_returns_offered_chats_to_line_and_keeps_accepted_ones() {
    let mut h = two_agents(3, 0);
    let (c1, _) = h.chat_with(Q1, CallerData::default());
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    let (c2, out) = h.chat_with(Q1, CallerData::default());
    assert_eq!(offered(&out), vec![(c2, a(1))]);
    let out = h.input(Input::NotReady {
        agent: a(1),
        reason: PauseReason::Break,
    });
    assert!(out.contains(&Output::StopRinging {
        call: c2,
        agent: a(1)
    }));
    assert_eq!(h.acd.call(c2).expect("held").state, CallState::Waiting);
    assert_eq!(h.acd.agent_chats(a(1)), vec![(c1, true)]);
    assert_eq!(h.state(1), AgentState::NotReady(PauseReason::Break));
    // The accepted chat can still be closed while paused, and counts as ended.
    h.input(Input::CallEnded { call: c1 });
    assert_eq!(h.acd.counters().ended, 1);
    // Ready again: the waiting chat comes back.
    let out = h.input(Input::Ready { agent: a(1) });
    assert_eq!(offered(&out), vec![(c2, a(1))]);
}

#[test]
fn unanswered_chat_offer_times_out_and_moves_on() {
    let mut h = two_agents(1, 1);
    let (c, out) = h.chat_with(Q1, CallerData::default());
    assert_eq!(offered(&out), vec![(c, a(2))]);
    let out = h.advance(s(20));
    assert!(out.contains(&Output::StopRinging {
        call: c,
        agent: a(2)
    }));
    assert!(offered(&out).contains(&(c, a(1))));
    // Answering a chat that is not offered to you is refused and changes nothing.
    assert_eq!(
        h.try_input(Input::OfferAnswered {
            call: c,
            agent: a(2)
        }),
        Err(AcdError::NotOffered {
            call: c,
            agent: a(2)
        })
    );
}

#[test]
fn customer_leaving_a_chat_in_line_or_offered_is_counted() {
    let mut h = two_agents(1, 0);
    let (c1, _) = h.chat_with(Q1, CallerData::default());
    let (c2, _) = h.chat_with(Q1, CallerData::default());
    h.input(Input::Abandoned { call: c1 }); // offered
    h.input(Input::Abandoned { call: c2 }); // re-offered at once, then gone too
    assert_eq!(h.acd.counters().abandoned, 2);
    assert!(h.acd.agent_chats(a(1)).is_empty());
}

#[test]
fn chats_refuse_callbacks_and_capacity_is_bounded() {
    let mut h = two_agents(0, 0);
    let (c, _) = h.chat_with(Q1, CallerData::default());
    assert!(matches!(
        h.try_input(Input::CallbackRequested {
            call: c,
            number: "1".into()
        }),
        Err(AcdError::WrongCallState(_))
    ));
    let mut cfg = h.acd.config().clone();
    cfg.agents[0].chat_capacity = acd::MAX_CHAT_CAPACITY + 1;
    assert_eq!(
        cfg.validate(),
        Err(ConfigError::ChatCapacity(1)),
        "capacity over the maximum refused"
    );
}

#[test]
fn chat_skills_route_like_calls() {
    let mut agents = vec![AgentConfig::new(a(1)), AgentConfig::new(a(2))];
    agents[0].chat_capacity = 2;
    agents[1].chat_capacity = 2;
    agents[1].skills = vec![(skill(7), 80)];
    let mut q = QueueConfig::new(
        Q1,
        Strategy::LongestIdle,
        vec![Member::new(a(1)), Member::new(a(2))],
    );
    q.skills = vec![(skill(7), 50)];
    let mut h = Harness::new(Config {
        queues: vec![q],
        agents,
        ..Config::default()
    });
    h.login_ready(&[1, 2]);
    let (c, out) = h.chat_with(Q1, CallerData::default());
    assert_eq!(offered(&out), vec![(c, a(2))], "only the skilled agent");
    // A VIP chat jumps ahead of a plain one waiting.
    let mut q = h.acd.config().clone();
    q.queues[0].vip_priority = 5;
    h.input(Input::ConfigChanged(q));
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(2),
    });
    let (c2, _) = h.chat_with(Q1, CallerData::default());
    h.input(Input::OfferAnswered {
        call: c2,
        agent: a(2),
    });
    let (plain, _) = h.chat_with(Q1, CallerData::default());
    let (vip, _) = h.chat_with(
        Q1,
        CallerData {
            vip: true,
            ..Default::default()
        },
    );
    assert_eq!(h.acd.waiting(Q1), vec![vip, plain]);
    let out = h.input(Input::CallEnded { call: c });
    assert_eq!(offered(&out), vec![(vip, a(2))]);
}
