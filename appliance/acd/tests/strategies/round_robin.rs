use acd::{Action, Input, Strategy, Why};

use crate::common::*;

#[test]
fn goes_round_in_member_order_and_remembers_the_last() {
    let mut h = Harness::new(one_queue(Strategy::RoundRobin, 3));
    h.login_ready(&[1, 2, 3]);
    let mut got = Vec::new();
    for _ in 0..7 {
        let (c, out) = h.arrive(Q1);
        let (_, ag) = offered(&out)[0];
        got.push(ag.0);
        h.answer_and_end(c, ag.0, s(3));
    }
    assert_eq!(got, vec![1, 2, 3, 1, 2, 3, 1]);
}

#[test]
fn skips_a_busy_agent_and_keeps_the_turn_order() {
    let mut h = Harness::new(one_queue(Strategy::RoundRobin, 3));
    h.login_ready(&[1, 2, 3]);
    let (c1, _) = h.arrive(Q1); // -> 1
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    let (c2, out) = h.arrive(Q1); // -> 2
    assert_eq!(offered(&out), vec![(c2, a(2))]);
    h.input(Input::OfferAnswered {
        call: c2,
        agent: a(2),
    });
    h.input(Input::CallEnded { call: c1 });
    let (c3, out) = h.arrive(Q1); // -> 3 (after 2), not 1
    assert_eq!(offered(&out), vec![(c3, a(3))]);
    let d = decisions(&out).pop().unwrap();
    assert!(
        matches!(d.action, Action::Offer { why: Why::RoundRobin { after: Some(x) }, .. } if x == a(2))
    );
    h.input(Input::OfferAnswered {
        call: c3,
        agent: a(3),
    });
    let (c4, out) = h.arrive(Q1); // wraps to 1
    assert_eq!(offered(&out), vec![(c4, a(1))]);
}
