//! Click-to-dial: MakeCall → ServiceInitiated/Originated (with the correlator) → Delivered
//! (far end alerting) → Established, and the outbound interaction record.
mod common;
use common::*;
use cti::*;
use std::time::Duration;

#[test]
fn make_call_sequence() {
    let mut b = Bench::new();
    let r = b.req(
        &agent("2002"),
        ServiceRequest::MakeCall {
            calling_device: dev("2002"),
            called_directory_number: "+8613900139000".into(),
        },
    );
    assert_eq!(r, Ok(ServiceResult::Ack));
    let invoke = InvokeId(b.invoke);
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::MakeCall {
            correlator: invoke,
            device: dev("2002"),
            destination: "+8613900139000".into(),
        })]
    );
    b.hap(Happening::Originated {
        call: CallId(7),
        leg: LegId(70),
        device: dev("2002"),
        destination: dev("+8613900139000"),
        correlator: Some(invoke),
    });
    b.hap(Happening::Alerting {
        call: CallId(7),
        leg: LegId(71),
        device: dev("+8613900139000"),
        screen_pop: None,
    });
    b.advance(Duration::from_secs(5));
    b.hap(Happening::Answered { leg: LegId(71) });
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "2002"),
        vec![
            ("ServiceInitiated", Some(LocalConnectionState::Initiated)),
            ("Originated", Some(LocalConnectionState::Connected)),
            ("Delivered", Some(LocalConnectionState::Connected)),
            ("Established", Some(LocalConnectionState::Connected)),
        ]
    );
    assert!(matches!(
        &r[0].event,
        CstaEvent::ServiceInitiated { correlator: Some(c), .. } if *c == invoke
    ));
    b.req(
        &agent("2002"),
        ServiceRequest::AssociateData {
            call: CallId(7),
            disposition: Some("sale".into()),
            notes: Some("wants the blue one".into()),
        },
    )
    .unwrap();
    b.advance(Duration::from_secs(30));
    b.hap(Happening::Cleared {
        leg: LegId(70),
        cause: ClearCause::Normal,
    });
    b.hap(Happening::Cleared {
        leg: LegId(71),
        cause: ClearCause::Normal,
    });
    assert_eq!(b.records.len(), 1);
    let rec = &b.records[0];
    assert_eq!(rec.direction, Direction::Outbound);
    assert_eq!(rec.remote_number, "+8613900139000");
    assert_eq!(rec.disposition, "sale");
    assert_eq!(
        rec.answered.map(|a| a - rec.offered),
        Some(Duration::from_secs(5))
    );
    b.assert_observers_agree();
}

#[test]
fn make_call_refusals() {
    let mut b = Bench::new();
    assert_eq!(
        b.req(
            &agent("2002"),
            ServiceRequest::MakeCall {
                calling_device: dev("2002"),
                called_directory_number: "12a".into()
            }
        ),
        Err(CstaError::InvalidCalledDeviceId)
    );
    assert_eq!(
        b.req(
            &agent("2002"),
            ServiceRequest::MakeCall {
                calling_device: dev("2001"),
                called_directory_number: "123".into()
            }
        ),
        Err(CstaError::PrivilegeViolation)
    );
    b.ready("2001");
    b.inbound_answered("2001");
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::MakeCall {
                calling_device: dev("2001"),
                called_directory_number: "123".into()
            }
        ),
        Err(CstaError::DeviceBusy)
    );
    assert!(b.take_commands().is_empty());
}
