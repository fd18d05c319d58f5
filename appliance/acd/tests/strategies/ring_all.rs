use acd::{Action, Input, Output, Strategy, Why};

use crate::common::*;

#[test]
fn rings_every_free_agent_and_stops_the_others_on_answer() {
    let mut h = Harness::new(one_queue(Strategy::RingAll, 3));
    h.login_ready(&[1, 2, 3]);
    let (call, out) = h.arrive(Q1);
    assert_eq!(
        offered(&out),
        vec![(call, a(1)), (call, a(2)), (call, a(3))]
    );
    let d = decisions(&out).pop().unwrap();
    assert_eq!(d.eligible, vec![a(1), a(2), a(3)]);
    assert!(matches!(
        d.action,
        Action::Offer {
            why: Why::RingAll,
            ..
        }
    ));
    let out = h.input(Input::OfferAnswered { call, agent: a(2) });
    let stops: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::StopRinging { agent, .. } => Some(*agent),
            _ => None,
        })
        .collect();
    assert_eq!(stops, vec![a(1), a(3)]);
    assert_eq!(h.state(1), acd::AgentState::Ready);
    assert_eq!(h.state(2), acd::AgentState::OnCall(call));
}

#[test]
fn a_second_call_rings_only_agents_still_free() {
    let mut h = Harness::new(one_queue(Strategy::RingAll, 3));
    h.login_ready(&[1, 2, 3]);
    let (c1, _) = h.arrive(Q1);
    h.input(Input::OfferAnswered {
        call: c1,
        agent: a(1),
    });
    let (c2, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c2, a(2)), (c2, a(3))]);
}
