//! HoldCall, RetrieveCall and AlternateCall: commands out, Held/Retrieved events in.
mod common;
use common::*;
use cti::*;

#[test]
fn hold_retrieve_alternate() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.take_reports();
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::RetrieveCall {
                call_to_be_retrieved: conn(1, "2001")
            }
        ),
        Err(CstaError::InvalidObjectState)
    );
    b.req(
        &agent("2001"),
        ServiceRequest::HoldCall {
            call_to_be_held: conn(1, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Hold { leg: LegId(11) })]
    );
    b.hap(Happening::Held { leg: LegId(11) });
    b.req(
        &agent("2001"),
        ServiceRequest::RetrieveCall {
            call_to_be_retrieved: conn(1, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Retrieve { leg: LegId(11) })]
    );
    b.hap(Happening::Retrieved { leg: LegId(11) });
    assert_eq!(
        Bench::seen_by(&b.take_reports(), "2001"),
        vec![
            ("Held", Some(LocalConnectionState::Hold)),
            ("Retrieved", Some(LocalConnectionState::Connected))
        ]
    );

    // A second call: hold the first, make a call, alternate between them.
    b.hap(Happening::Held { leg: LegId(11) });
    b.hap(Happening::Originated {
        call: CallId(2),
        leg: LegId(20),
        device: dev("2001"),
        destination: dev("2002"),
        correlator: None,
    });
    b.hap(Happening::Alerting {
        call: CallId(2),
        leg: LegId(21),
        device: dev("2002"),
        screen_pop: None,
    });
    b.hap(Happening::Answered { leg: LegId(21) });
    b.take_reports();
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::AlternateCall {
                active_call: conn(1, "2001"),
                held_call: conn(2, "2001")
            }
        ),
        Err(CstaError::InvalidObjectState),
        "active and held swapped"
    );
    b.req(
        &agent("2001"),
        ServiceRequest::AlternateCall {
            active_call: conn(2, "2001"),
            held_call: conn(1, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Alternate {
            hold: LegId(20),
            retrieve: LegId(11)
        })]
    );
    b.hap(Happening::Held { leg: LegId(20) });
    b.hap(Happening::Retrieved { leg: LegId(11) });
    let snap = b.m.snapshot_device(&dev("2001"));
    assert_eq!(
        snap.calls
            .iter()
            .map(|e| (e.call.0, e.local_connection_state))
            .collect::<Vec<_>>(),
        vec![
            (1, LocalConnectionState::Connected),
            (2, LocalConnectionState::Hold)
        ]
    );
    b.assert_observers_agree();
}
