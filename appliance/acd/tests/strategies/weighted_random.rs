use acd::{Action, AgentConfig, Config, Member, QueueConfig, Strategy, Why};

use crate::common::*;

#[test]
fn choices_follow_the_weights_and_zero_is_never_chosen() {
    let members = vec![
        Member {
            agent: a(1),
            tier: 0,
            weight: 1,
        },
        Member {
            agent: a(2),
            tier: 0,
            weight: 3,
        },
        Member {
            agent: a(3),
            tier: 0,
            weight: 0,
        },
    ];
    let cfg = Config {
        queues: vec![QueueConfig::new(Q1, Strategy::WeightedRandom, members)],
        agents: (1..=3).map(|i| AgentConfig::new(a(i))).collect(),
        ..Config::default()
    };
    let mut h = Harness::with_seed(cfg, 42);
    h.login_ready(&[1, 2, 3]);
    let mut n = [0usize; 4];
    for _ in 0..400 {
        let (c, out) = h.arrive(Q1);
        let (_, ag) = offered(&out)[0];
        let d = decisions(&out).pop().unwrap();
        assert!(matches!(
            d.action,
            Action::Offer {
                why: Why::WeightedRandom { total: 4, .. },
                ..
            }
        ));
        n[ag.0 as usize] += 1;
        h.answer_and_end(c, ag.0, s(1));
    }
    assert_eq!(n[3], 0);
    assert!(
        (260..=340).contains(&n[2]),
        "weight 3 of 4 got {} of 400",
        n[2]
    );
}
