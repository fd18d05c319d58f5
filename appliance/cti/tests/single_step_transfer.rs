//! SingleStepTransferCall (blind): the agent leaves at once, the target is alerted in the
//! resulting call.
mod common;
use common::*;
use cti::*;

#[test]
fn blind_transfer() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.take_reports();
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::SingleStepTransferCall {
                active_call: conn(1, "2001"),
                transferred_to: "".into()
            }
        ),
        Err(CstaError::InvalidCalledDeviceId)
    );
    b.req(
        &agent("2001"),
        ServiceRequest::SingleStepTransferCall {
            active_call: conn(1, "2001"),
            transferred_to: "2003".into(),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::SingleStepTransfer {
            leg: LegId(11),
            destination: "2003".into()
        })]
    );
    b.hap(Happening::Transferred {
        primary: CallId(1),
        secondary: None,
        transferring_device: dev("2001"),
        resulting: CallId(3),
    });
    b.hap(Happening::Alerting {
        call: CallId(3),
        leg: LegId(30),
        device: dev("2003"),
        screen_pop: None,
    });
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "2001")[0],
        ("Transferred", Some(LocalConnectionState::Null))
    );
    let t = r.iter().find(|x| x.device.0 == "2001").unwrap();
    assert_eq!(t.cause, EventCause::SingleStepTransfer);
    // The target sees the call with the original screen pop.
    let d = r.iter().find(|x| x.device.0 == "2003").unwrap();
    let CstaEvent::Delivered {
        screen_pop,
        calling_device,
        ..
    } = &d.event
    else {
        panic!("{d:?}")
    };
    assert_eq!(calling_device.0, "+8613800138000");
    assert_eq!(screen_pop.ivr_data["account"], "12345678");
    assert!(b.m.snapshot_call(CallId(1)).is_none());
    b.assert_observers_agree();
}
