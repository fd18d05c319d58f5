//! CTI call-control services the Center carries out on the switch, beyond the ones the
//! transfers test covers: MakeCall (the agent's phone rings first, then the number is
//! dialled), ConsultationCall (hold + a new call from the same phone, then TransferCall),
//! and AnswerCall, which no channel can carry to a phone and is refused with a CSTA error
//! instead of being accepted and not done. Each checks the CSTA events on the agent's
//! monitor in order.
#![allow(missing_docs)]
mod common;

use common::*;
use switch::engine::LegEvent;

#[test]
fn make_call_rings_the_agent_then_dials_the_number() {
    let mut h = H::new();
    h.login_ready("2001");
    h.login_ready("2003");
    let before = h.cti_names("2001").len();
    let r = h.cti_req(
        "2001",
        cti::ServiceRequest::MakeCall {
            calling_device: cti::DeviceId::new("2001"),
            called_directory_number: "2003".into(),
        },
    );
    assert_eq!(r, cti::ServiceResult::Ack);
    // The agent's phone rings first; nothing dialled yet, nothing on the desktop yet.
    let a = h.last_leg_to("2001");
    assert!(h.legs_to("2003").is_empty());
    assert_eq!(h.cti_names("2001").len(), before);
    h.advance(s(1));
    h.input(LegEvent::Answered { leg: a });
    let b = h.last_leg_to("2003");
    h.input(LegEvent::Alerting { leg: b });
    h.advance(s(2));
    h.input(LegEvent::Answered { leg: b });
    assert!(h.c.switch().bridge_of(a).is_some());
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
    h.advance(s(20));
    h.hangup(b);
    h.advance(s(1));
    assert_eq!(
        &h.cti_names("2001")[before..],
        [
            "ServiceInitiated",
            "Originated",
            "Delivered",
            "Established",
            "ConnectionCleared",
            "ConnectionCleared",
        ]
    );
    // The correlator is the MakeCall's invoke id.
    let invoke = h.invoke;
    assert!(h.cti.iter().any(|r| matches!(
        &r.event,
        cti::CstaEvent::ServiceInitiated { correlator: Some(c), .. } if c.0 == invoke
    )));
    // The called agent's desktop saw its phone ring and answer.
    let seen = h.cti_names("2003");
    assert!(
        seen.ends_with(&["Delivered", "Established", "ConnectionCleared"]),
        "{seen:?}"
    );
    // One outbound interaction record per agent in the call (both are agents here).
    let records: Vec<_> = h
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            callcenter::Event::Interaction(r) if r.agent.as_deref() == Some("2001") => {
                Some(r.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].direction, cti::Direction::Outbound);
    assert_eq!(records[0].remote_number, "2003");
    assert!(
        !h.events
            .iter()
            .any(|(_, e)| matches!(e, callcenter::Event::CtiNotCarriedOut { .. }))
    );
}

#[test]
fn consultation_call_holds_then_dials_and_transfer_joins_the_parties() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b1 = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b1 });
    let call = h.c.call_of_caller(a).unwrap();
    h.advance(s(20));
    let before = h.cti_names("2001").len();
    let r = h.cti_req(
        "2001",
        cti::ServiceRequest::ConsultationCall {
            existing_call: conn(call, "2001"),
            consulted_device: "2003".into(),
        },
    );
    assert_eq!(r, cti::ServiceResult::Ack);
    // Held at once; the phone is rung for the consultation (its second line).
    assert_eq!(h.cti_names("2001")[before..], ["Held"]);
    let c = h.last_leg_to("2001");
    assert_ne!(c, b1);
    h.input(LegEvent::Answered { leg: c });
    let d = h.last_leg_to("2003");
    h.input(LegEvent::Alerting { leg: d });
    h.input(LegEvent::Answered { leg: d });
    assert_eq!(h.c.switch().bridge_of(c), h.c.switch().bridge_of(d));
    h.advance(s(10));
    let consult = h.c.call_of_caller(c).expect("the consultation call");
    h.cti_req(
        "2001",
        cti::ServiceRequest::TransferCall {
            held_call: conn(call, "2001"),
            active_call: conn(consult, "2001"),
        },
    );
    h.advance(s(1));
    // The caller now talks to 2003; 2001 is out of both calls.
    assert!(h.c.switch().bridge_of(a).is_some());
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(d));
    let seen = &h.cti_names("2001")[before..];
    assert_eq!(
        seen[..5],
        [
            "Held",
            "ServiceInitiated",
            "Originated",
            "Delivered",
            "Established"
        ]
    );
    assert!(seen[5..].contains(&"Transferred"), "{seen:?}");
}

#[test]
fn answer_call_is_refused_with_a_csta_error_and_changes_nothing() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Alerting { leg: b });
    let call = h.c.call_of_caller(a).unwrap();
    let (ncmd, ncti) = (h.commands.len(), h.cti.len());
    let r = h.try_cti_req(
        "2001",
        cti::ServiceRequest::AnswerCall {
            call_to_be_answered: conn(call, "2001"),
        },
    );
    assert_eq!(r, Err(cti::CstaError::ServiceNotSupported));
    h.drain();
    assert_eq!((h.commands.len(), h.cti.len()), (ncmd, ncti));
    assert_eq!(
        h.c.switch().leg_state(b),
        Some(switch::engine::LegState::Alerting)
    );
    // The phone can still answer itself.
    h.input(LegEvent::Answered { leg: b });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
}
