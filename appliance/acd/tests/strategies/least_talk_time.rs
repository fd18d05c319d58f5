use acd::{Action, Strategy, Why};

use crate::common::*;

#[test]
fn the_agent_who_talked_least_gets_the_call() {
    let mut h = Harness::new(one_queue(Strategy::LeastTalkTime, 2));
    h.login_ready(&[1, 2]);
    let (c1, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c1, a(1))]);
    h.answer_and_end(c1, 1, s(100));
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(2))]);
    h.answer_and_end(c2, 2, s(10));
    let (c3, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c3, a(2))]);
    let d = decisions(&out).pop().unwrap();
    assert_eq!(
        d.action,
        Action::Offer {
            agents: vec![a(2)],
            why: Why::LeastTalkTime { talk: s(10) }
        }
    );
    h.answer_and_end(c3, 2, s(200));
    let (c4, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c4, a(1))]);
}
