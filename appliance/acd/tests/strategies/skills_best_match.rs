use acd::{Action, AgentConfig, Config, Member, QueueConfig, Strategy, Why};

use crate::common::*;

#[test]
fn the_most_proficient_free_agent_wins() {
    let mut q = QueueConfig::new(
        Q1,
        Strategy::SkillsBestMatch,
        (1..=4).map(|i| Member::new(a(i))).collect(),
    );
    q.skills = vec![(skill(1), 10)];
    let profs = [30, 90, 60, 5];
    let cfg = Config {
        queues: vec![q],
        agents: (1..=4)
            .map(|i| AgentConfig {
                id: a(i),
                skills: vec![(skill(1), profs[i as usize - 1])],
                chat_capacity: 0,
            })
            .collect(),
        ..Config::default()
    };
    let mut h = Harness::new(cfg);
    h.login_ready(&[1, 2, 3, 4]);
    let (c, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c, a(2))]);
    let d = decisions(&out).pop().unwrap();
    // Agent 4 (5 < 10) is not eligible.
    assert_eq!(d.eligible, vec![a(1), a(2), a(3)]);
    assert!(matches!(
        d.action,
        Action::Offer {
            why: Why::BestMatch { score: 90 },
            ..
        }
    ));
    h.input(acd::Input::OfferAnswered {
        call: c,
        agent: a(2),
    });
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(3))]);
}
