use acd::Strategy;

use crate::common::*;

fn run(seed: u64, calls: usize) -> Vec<u32> {
    let mut h = Harness::with_seed(one_queue(Strategy::Random, 3), seed);
    h.login_ready(&[1, 2, 3]);
    let mut got = Vec::new();
    for _ in 0..calls {
        let (c, out) = h.arrive(Q1);
        let (_, ag) = offered(&out)[0];
        got.push(ag.0);
        h.answer_and_end(c, ag.0, s(1));
    }
    got
}

#[test]
fn same_seed_same_choices_and_roughly_uniform() {
    let a1 = run(7, 300);
    assert_eq!(a1, run(7, 300), "deterministic for a seed");
    assert_ne!(a1, run(8, 300), "another seed, other choices");
    for agent in 1..=3 {
        let n = a1.iter().filter(|&&x| x == agent).count();
        assert!((60..=140).contains(&n), "agent {agent} got {n} of 300");
    }
}
