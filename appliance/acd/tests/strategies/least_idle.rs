use acd::{Action, Strategy, Why};

use crate::common::*;

#[test]
fn picks_the_agent_free_the_shortest() {
    let mut h = Harness::new(one_queue(Strategy::LeastIdle, 3));
    h.login_ready(&[2]);
    h.advance(s(10));
    h.login_ready(&[3]);
    h.advance(s(10));
    h.login_ready(&[1]);
    h.advance(s(4));
    let (c1, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c1, a(1))]);
    let d = decisions(&out).pop().unwrap();
    assert_eq!(
        d.action,
        Action::Offer {
            agents: vec![a(1)],
            why: Why::LeastIdle { idle: s(4) }
        }
    );
    h.answer_and_end(c1, 1, s(5));
    // Agent 1 is free again, and the most recently: gets the next call too.
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(1))]);
}
