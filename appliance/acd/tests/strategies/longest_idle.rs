use acd::{Action, Input, Strategy, Why};

use crate::common::*;

#[test]
fn picks_the_agent_free_the_longest() {
    let mut h = Harness::new(one_queue(Strategy::LongestIdle, 3));
    h.login_ready(&[2]);
    h.advance(s(10));
    h.login_ready(&[3]);
    h.advance(s(10));
    h.login_ready(&[1]);
    h.advance(s(10));
    let (c1, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c1, a(2))]);
    let d = decisions(&out).pop().unwrap();
    assert_eq!(
        d.action,
        Action::Offer {
            agents: vec![a(2)],
            why: Why::LongestIdle { idle: s(30) }
        }
    );
    h.answer_and_end(c1, 2, s(5));
    // Agent 2 is free again but just now: agent 3 has waited longest.
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(3))]);
    h.input(Input::OfferAnswered {
        call: c2,
        agent: a(3),
    });
    let (c3, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c3, a(1))]);
}
