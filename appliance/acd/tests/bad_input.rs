//! Bad input gets a typed error and changes nothing.
#![allow(missing_docs)]
mod common;

use acd::{AcdError, CallId, ConfigError, Input, Member, QueueId, Strategy};
use common::*;

#[test]
fn typed_errors_and_nothing_lost() {
    let mut h = Harness::new(one_queue(Strategy::Linear, 2));
    h.login_ready(&[1]);
    let (c, _) = h.arrive(Q1);
    let before = h.acd.counters();
    let cases = [
        (
            Input::Arrived {
                call: c,
                queue: Q1,
                caller: Default::default(),
            },
            AcdError::DuplicateCall(c),
        ),
        (
            Input::Arrived {
                call: CallId(99),
                queue: QueueId(9),
                caller: Default::default(),
            },
            AcdError::UnknownQueue(QueueId(9)),
        ),
        (
            Input::Abandoned { call: CallId(99) },
            AcdError::UnknownCall(CallId(99)),
        ),
        (
            Input::Ready { agent: a(2) },
            AcdError::WrongAgentState(a(2)),
        ),
        (Input::Ready { agent: a(7) }, AcdError::UnknownAgent(a(7))),
        (
            Input::OfferAnswered {
                call: c,
                agent: a(2),
            },
            AcdError::NotOffered {
                call: c,
                agent: a(2),
            },
        ),
        (Input::CallEnded { call: c }, AcdError::WrongCallState(c)),
        (
            Input::CallbackFailed { call: c },
            AcdError::WrongCallState(c),
        ),
        (
            Input::LoggedIn { agent: a(1) },
            AcdError::WrongAgentState(a(1)),
        ),
    ];
    for (input, err) in cases {
        assert_eq!(h.try_input(input).unwrap_err(), err);
    }
    let mut bad = one_queue(Strategy::Linear, 2);
    bad.queues[0].members.push(Member::new(a(9)));
    assert_eq!(
        h.try_input(Input::ConfigChanged(bad)).unwrap_err(),
        AcdError::Config(ConfigError::UnknownMember { queue: 1, agent: 9 })
    );
    assert_eq!(h.acd.counters(), before);
    assert_eq!(h.state(1), acd::AgentState::Ringing(c));
    h.input(Input::OfferAnswered {
        call: c,
        agent: a(1),
    });
}
