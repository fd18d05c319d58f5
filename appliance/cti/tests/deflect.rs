//! DeflectCall while alerting: Diverted at the first agent, Delivered at the new one.
mod common;
use common::*;
use cti::*;

#[test]
fn deflect_during_alerting() {
    let mut b = Bench::new();
    b.hap(Happening::Incoming {
        call: CallId(1),
        leg: LegId(10),
        caller: dev("+861055556666"),
        called: dev("2001"),
    });
    b.hap(Happening::Alerting {
        call: CallId(1),
        leg: LegId(11),
        device: dev("2001"),
        screen_pop: None,
    });
    b.take_reports();
    b.req(
        &agent("2001"),
        ServiceRequest::DeflectCall {
            call_to_be_diverted: conn(1, "2001"),
            new_destination: "2002".into(),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Deflect {
            leg: LegId(11),
            destination: "2002".into()
        })]
    );
    b.hap(Happening::Diverted {
        leg: LegId(11),
        to: dev("2002"),
    });
    b.hap(Happening::Alerting {
        call: CallId(1),
        leg: LegId(12),
        device: dev("2002"),
        screen_pop: None,
    });
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "2001"),
        vec![("Diverted", Some(LocalConnectionState::Null))]
    );
    assert_eq!(
        Bench::seen_by(&r, "2002"),
        vec![("Delivered", Some(LocalConnectionState::Alerting))]
    );
    let d = r.iter().find(|x| x.device.0 == "2002").unwrap();
    assert_eq!(d.cause, EventCause::Redirected);
    assert!(
        matches!(&d.event, CstaEvent::Delivered { last_redirection_device: Some(x), .. } if x.0 == "2001")
    );
    // Deflecting is only for alerting calls.
    b.hap(Happening::Answered { leg: LegId(12) });
    assert_eq!(
        b.req(
            &agent("2002"),
            ServiceRequest::DeflectCall {
                call_to_be_diverted: conn(1, "2002"),
                new_destination: "2003".into()
            }
        ),
        Err(CstaError::InvalidObjectState)
    );
    b.assert_observers_agree();
}
