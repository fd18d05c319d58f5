use acd::{Action, Input, Strategy, Why};

use crate::common::*;

#[test]
fn the_newcomer_catches_up() {
    let mut h = Harness::new(one_queue(Strategy::FewestCalls, 3));
    h.login_ready(&[1, 2]);
    let mut got = Vec::new();
    for _ in 0..4 {
        let (c, out) = h.arrive(Q1);
        let (_, ag) = offered(&out)[0];
        got.push(ag.0);
        h.answer_and_end(c, ag.0, s(3));
    }
    assert_eq!(got, vec![1, 2, 1, 2]);
    h.login_ready(&[3]);
    let mut later = Vec::new();
    for _ in 0..2 {
        let (c, out) = h.arrive(Q1);
        let (_, ag) = offered(&out)[0];
        if ag.0 == 3 {
            let d = decisions(&out).pop().unwrap();
            assert!(
                matches!(d.action, Action::Offer { why: Why::FewestCalls { calls }, .. } if calls < 2)
            );
        }
        later.push(ag.0);
        h.answer_and_end(c, ag.0, s(3));
    }
    assert_eq!(later, vec![3, 3]);
    assert_eq!(h.acd.agent_snapshot(a(3)).unwrap().calls, 2);
    let _ = Input::Ready { agent: a(1) };
}
