//! Trunk groups: E1 first; the SIP trunk when the span is in alarm or the E1 refuses with a
//! route-failure cause (Q.850 #34, #38, #41, #42, #44, #47), never for user causes (#17).
mod common;

use common::H;
use switch::Cause;
use switch::dialplan::{ChannelKind, OriginClass, Presentation};
use switch::engine::{Destination, Event, LegEvent};

fn trunk_of(d: &Destination) -> &str {
    match d {
        Destination::Trunk { trunk, .. } => trunk,
        Destination::Extension { .. } => panic!("not a trunk"),
    }
}

#[test]
fn e1_is_used_first_with_its_caller_id_rule() {
    let mut h = H::new();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    let o = h.originated();
    assert_eq!(o.len(), 1);
    assert_eq!(trunk_of(&o[0].1), "e1");
    assert_eq!(o[0].2, "301234567", "the outside-line 0 is stripped");
    assert_eq!(o[0].3.number.as_deref(), Some("5551001"), "prefix rule");
}

#[test]
fn span_in_alarm_sends_the_call_over_the_sip_trunk() {
    let mut h = H::new();
    h.input(LegEvent::SpanAlarm {
        span: 1,
        alarm: true,
    });
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    let o = h.originated();
    assert_eq!(o.len(), 1);
    assert_eq!(trunk_of(&o[0].1), "sip-trunk");
    assert_eq!(o[0].3.number.as_deref(), Some("5550000"), "fixed rule");
    assert!(h.events.iter().any(|e| matches!(e,
        Event::TrunkSkipped { trunk, span: 1, .. } if trunk == "e1")));
    h.input(LegEvent::Answered { leg: o[0].0 });
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(o[0].0));
    assert!(h.sw.bridge_of(a).is_some());

    // Alarm cleared: the next call uses the E1 again.
    h.input(LegEvent::SpanAlarm {
        span: 1,
        alarm: false,
    });
    h.take();
    h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1002",
    );
    assert_eq!(trunk_of(&h.originated()[0].1), "e1");
}

#[test]
fn every_route_failure_cause_fails_over_to_the_next_member() {
    for cause in [34u8, 38, 41, 42, 44, 47] {
        let mut h = H::new();
        let a = h.incoming(
            ChannelKind::Sip,
            OriginClass::Extension,
            "0301234567",
            "1001",
        );
        let e1_leg = h.originated()[0].0;
        h.input(LegEvent::Hangup {
            leg: e1_leg,
            cause: Cause(cause),
        });
        let o = h.originated();
        assert_eq!(o.len(), 2, "cause #{cause}");
        assert_eq!(trunk_of(&o[1].1), "sip-trunk");
        assert_eq!(o[1].2, "301234567");
        assert!(h.hangups().is_empty(), "the caller stays up");
        assert!(h.events.iter().any(|e| matches!(e,
            Event::TrunkFailover { trunk, cause: c, .. } if trunk == "e1" && c.0 == cause)));
        h.input(LegEvent::Answered { leg: o[1].0 });
        h.input(LegEvent::Hangup {
            leg: a,
            cause: Cause::NORMAL_CLEARING,
        });
        let cdrs = h.cdrs();
        assert_eq!(cdrs.len(), 1);
        assert_eq!(cdrs[0].trunk.as_deref(), Some("sip-trunk"));
        assert_eq!(cdrs[0].legs.len(), 3);
    }
}

#[test]
fn user_causes_go_back_to_the_caller_without_failover() {
    for cause in [
        Cause::USER_BUSY,
        Cause::UNALLOCATED_NUMBER,
        Cause::NO_ANSWER,
        Cause::CALL_REJECTED,
    ] {
        let mut h = H::new();
        let a = h.incoming(
            ChannelKind::Sip,
            OriginClass::Extension,
            "0301234567",
            "1001",
        );
        let e1_leg = h.originated()[0].0;
        h.input(LegEvent::Alerting { leg: e1_leg });
        h.input(LegEvent::Hangup { leg: e1_leg, cause });
        assert_eq!(h.originated().len(), 1, "no second attempt for {cause}");
        assert_eq!(h.hangups(), vec![(a, cause)]);
        assert_eq!(h.cdrs().len(), 1);
        assert_eq!(h.cdrs()[0].cause, cause);
    }
}

#[test]
fn all_members_failing_clears_the_caller_with_no_circuit_available() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    let first = h.originated()[0].0;
    h.input(LegEvent::Hangup {
        leg: first,
        cause: Cause::NO_CIRCUIT_AVAILABLE,
    });
    let second = h.originated()[1].0;
    h.input(LegEvent::Hangup {
        leg: second,
        cause: Cause::TEMPORARY_FAILURE,
    });
    assert_eq!(h.hangups(), vec![(a, Cause::NO_CIRCUIT_AVAILABLE)]);
    assert_eq!(h.cdrs().len(), 1);
}

#[test]
fn restricted_caller_id_goes_out_anonymous_on_sip_and_flagged_on_e1() {
    use switch::dialplan::CallingParty;
    let restricted = CallingParty {
        number: Some("1001".into()),
        presentation: Presentation::Restricted,
    };
    let mut h = H::new();
    h.incoming_party(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        restricted,
    );
    let o = h.originated();
    assert_eq!(o[0].3.number.as_deref(), Some("5551001"));
    assert_eq!(o[0].3.presentation, Presentation::Restricted);
    h.input(LegEvent::Hangup {
        leg: o[0].0,
        cause: Cause::NO_CIRCUIT_AVAILABLE,
    });
    let o = h.originated();
    assert_eq!(o[1].3.number, None, "anonymous on the SIP trunk");
    assert_eq!(o[1].3.presentation, Presentation::Restricted);
}
