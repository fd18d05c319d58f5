use acd::{Input, Output, Strategy};

use crate::common::*;

#[test]
fn adds_one_agent_per_step_and_keeps_the_others_ringing() {
    let mut cfg = one_queue(Strategy::RingProgressive, 3);
    cfg.queues[0].progressive_step = s(5);
    cfg.queues[0].ring_timeout = s(60);
    let mut h = Harness::new(cfg);
    h.login_ready(&[1, 2, 3]);
    let (c, out) = h.arrive(Q1);
    assert_eq!(offered(&out), vec![(c, a(1))]);
    let out = h.advance(s(5));
    assert_eq!(offered(&out), vec![(c, a(2))]);
    assert!(!out.iter().any(|o| matches!(o, Output::StopRinging { .. })));
    assert_eq!(h.state(1), acd::AgentState::Ringing(c));
    let out = h.advance(s(5));
    assert_eq!(offered(&out), vec![(c, a(3))]);
    let out = h.input(Input::OfferAnswered {
        call: c,
        agent: a(3),
    });
    let stops = out
        .iter()
        .filter(|o| matches!(o, Output::StopRinging { .. }))
        .count();
    assert_eq!(stops, 2);
    assert!(
        h.advance(s(30))
            .iter()
            .all(|o| !matches!(o, Output::Offer { .. }))
    );
}
