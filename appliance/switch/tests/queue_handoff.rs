//! Calls for a queue or IVR are answered and handed off; the ACD sends them on with
//! `Redirect`; an agent who does not answer sends the caller back to the ACD, not away.
mod common;

use std::time::Duration;

use common::H;
use switch::Cause;
use switch::dialplan::{ChannelKind, OriginClass, Target};
use switch::engine::{Command, Event, LegEvent, LegState, SwitchError};

#[test]
fn queue_call_is_offered_to_agents_until_one_answers() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5550000",
        "0123",
    );
    assert!(h.commands.contains(&Command::Answer { leg: a }));
    assert!(h.events.iter().any(|e| matches!(e,
        Event::Handoff { leg, target: Target::Ivr(n), .. } if *leg == a && n == "main")));

    // The ACD offers the call to agent 1001, who does not answer.
    h.input(LegEvent::Redirect {
        leg: a,
        to: "1001".into(),
    });
    let b = h.originated()[0].0;
    h.input(LegEvent::Alerting { leg: b });
    h.advance(Duration::from_secs(31));
    assert_eq!(h.hangups(), vec![(b, Cause::NO_ANSWER)]);
    assert_eq!(
        h.sw.leg_state(a),
        Some(LegState::Answered),
        "the caller stays"
    );
    assert!(h.events.iter().any(|e| matches!(e,
        Event::RedirectFailed { leg, cause: Cause::NO_ANSWER, .. } if *leg == a)));

    // Busy agent: back again.
    h.input(LegEvent::Redirect {
        leg: a,
        to: "1002".into(),
    });
    let c = h.originated()[1].0;
    h.input(LegEvent::Hangup {
        leg: c,
        cause: Cause::USER_BUSY,
    });
    assert_eq!(h.sw.leg_state(a), Some(LegState::Answered));

    // A number the policy refuses: back again, nothing dialled.
    h.input(LegEvent::Redirect {
        leg: a,
        to: "0004412345".into(),
    });
    assert_eq!(h.originated().len(), 2);

    // Agent 1003 answers.
    h.input(LegEvent::Redirect {
        leg: a,
        to: "1003".into(),
    });
    let d = h.originated()[2].0;
    h.input(LegEvent::Answered { leg: d });
    assert!(h.sw.bridge_of(a).is_some());
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(d));
    // Now it is not the ACD's any more.
    assert_eq!(
        h.sw.handle_input(
            h.now,
            LegEvent::Redirect {
                leg: a,
                to: "1001".into()
            }
        ),
        Err(SwitchError::NotHandedOff(a))
    );
    h.input(LegEvent::Hangup {
        leg: d,
        cause: Cause::NORMAL_CLEARING,
    });
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 1);
    assert_eq!(cdrs[0].legs, vec![a, b, c, d]);
}
