//! Click-to-dial (CSTA MakeCall): the agent's phone rings first; on answer the number is
//! routed as if the agent had dialled it, with the same policy.
mod common;

use common::H;
use switch::Cause;
use switch::dialplan::Denied;
use switch::engine::{Destination, Event, LegEvent, SwitchError};

#[test]
fn agent_phone_rings_then_the_number_is_called_and_bridged() {
    let mut h = H::new();
    let (_call, a) = h.sw.make_call(h.now, "1001", "0301234567").unwrap();
    h.drain();
    let o = h.originated();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].0, a);
    assert!(matches!(&o[0].1, Destination::Extension { name, .. } if name == "1001"));
    h.input(LegEvent::Answered { leg: a });
    let o = h.originated();
    assert_eq!(o.len(), 2);
    assert!(matches!(&o[1].1, Destination::Trunk { trunk, .. } if trunk == "e1"));
    assert_eq!(o[1].2, "301234567");
    assert_eq!(o[1].3.number.as_deref(), Some("5551001"));
    h.input(LegEvent::Answered { leg: o[1].0 });
    assert!(h.sw.bridge_of(a).is_some());
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(o[1].0));
    h.input(LegEvent::Hangup {
        leg: a,
        cause: Cause::NORMAL_CLEARING,
    });
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 1);
    assert_eq!(cdrs[0].called, "0301234567");
    assert_eq!(cdrs[0].legs.len(), 2);
}

#[test]
fn click_to_dial_obeys_the_toll_fraud_policy() {
    let mut h = H::new();
    let (_, a) = h.sw.make_call(h.now, "1001", "00044123456").unwrap();
    h.drain();
    h.input(LegEvent::Answered { leg: a });
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Denied {
            reason: Denied::International { .. },
            ..
        }
    )));
    assert_eq!(h.hangups(), vec![(a, Cause::CALL_REJECTED)]);
    assert_eq!(h.cdrs().len(), 1);
    assert_eq!(
        h.sw.make_call(h.now, "9999", "1002"),
        Err(SwitchError::NoSuchExtension)
    );
}
