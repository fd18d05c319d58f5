//! Time-stepped widening: lower proficiency and higher tiers are accepted as the call waits.
#![allow(missing_docs)]
mod common;

use acd::{AgentConfig, Config, Member, QueueConfig, Strategy, WideningStep};
use common::*;

#[test]
fn after_30_s_proficiency_50_is_enough() {
    let mut q = QueueConfig::new(Q1, Strategy::SkillsBestMatch, vec![Member::new(a(1))]);
    q.skills = vec![(skill(1), 80)];
    q.widening = vec![WideningStep {
        after: s(30),
        min_proficiency: Some(50),
        max_tier: None,
    }];
    let cfg = Config {
        queues: vec![q],
        agents: vec![AgentConfig {
            id: a(1),
            skills: vec![(skill(1), 60)],
            chat_capacity: 0,
        }],
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1]);
    let (c, out) = h.arrive(Q1);
    assert!(offered(&out).is_empty(), "60 < 80: not yet");
    assert!(offered(&h.advance(s(29))).is_empty());
    let out = h.advance(s(1));
    assert_eq!(offered(&out), vec![(c, a(1))]);
    let d = decisions(&out).pop().unwrap();
    assert_eq!(d.widening_step, Some(0));
    assert_eq!(d.min_proficiency, Some(50));
    assert_eq!(d.waited, s(30));
}

#[test]
fn higher_tiers_join_after_their_step() {
    let mut q = QueueConfig::new(
        Q1,
        Strategy::LongestIdle,
        vec![
            Member::new(a(1)),
            Member {
                agent: a(2),
                tier: 1,
                weight: 1,
            },
        ],
    );
    q.initial_max_tier = 0;
    q.widening = vec![WideningStep {
        after: s(20),
        min_proficiency: None,
        max_tier: Some(1),
    }];
    let cfg = Config {
        queues: vec![q],
        agents: vec![AgentConfig::new(a(1)), AgentConfig::new(a(2))],
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1, 2]);
    // Tier 0 is free: tier 1 is not rung even though it has been idle as long.
    let (c1, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c1, a(1))]);
    h.input(acd::Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    let (c2, out) = h.arrive(Q1);
    assert!(offered(&out).is_empty());
    assert!(offered(&h.advance(s(19))).is_empty());
    assert_eq!(offered(&h.advance(s(1))), vec![(c2, a(2))]);
}

#[test]
fn steps_that_narrow_the_pool_are_refused() {
    let mut q = QueueConfig::new(Q1, Strategy::SkillsBestMatch, vec![Member::new(a(1))]);
    q.widening = vec![
        WideningStep {
            after: s(10),
            min_proficiency: Some(50),
            max_tier: None,
        },
        WideningStep {
            after: s(20),
            min_proficiency: Some(70),
            max_tier: None,
        },
    ];
    let cfg = Config {
        queues: vec![q],
        agents: vec![AgentConfig::new(a(1))],
        ..Config::default()
    };
    assert_eq!(cfg.validate(), Err(acd::ConfigError::WideningOrder(1)));
}
