use acd::{Action, Input, Strategy, Why};

use crate::common::*;

#[test]
fn always_the_first_free_member_from_the_top() {
    let mut h = Harness::new(one_queue(Strategy::Linear, 3));
    h.login_ready(&[3, 2, 1]);
    let (c1, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c1, a(1))]);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(2))]);
    let d = decisions(&out).pop().unwrap();
    assert_eq!(
        d.action,
        Action::Offer {
            agents: vec![a(2)],
            why: Why::Linear { index: 1 }
        }
    );
    h.input(Input::OfferAnswered {
        call: c2,
        agent: a(2),
    });
    h.input(Input::CallEnded { call: c1 });
    let (c3, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c3, a(1))]);
}

#[test]
fn a_rejected_call_moves_down_the_list_instead_of_sticking() {
    let mut h = Harness::new(one_queue(Strategy::Linear, 3));
    h.login_ready(&[1, 2, 3]);
    let (c, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c, a(1))]);
    let out = h.input(Input::OfferRejected {
        call: c,
        agent: a(1),
    });
    assert_eq!(offered(&out), vec![(c, a(2))]);
    let out = h.input(Input::OfferNoAnswer {
        call: c,
        agent: a(2),
    });
    assert_eq!(offered(&out), vec![(c, a(3))]);
    // Everyone had a turn: a new round starts from the top.
    let out = h.input(Input::OfferRejected {
        call: c,
        agent: a(3),
    });
    assert_eq!(offered(&out), vec![(c, a(1))]);
}
