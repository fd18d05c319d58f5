//! ConferenceCall: the held customer call and the consultation call become one call with
//! all three parties.
mod common;
use common::*;
use cti::*;

#[test]
fn three_party_conference() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
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
    b.req(
        &agent("2001"),
        ServiceRequest::ConferenceCall {
            held_call: conn(1, "2001"),
            active_call: conn(2, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Conference {
            held: LegId(11),
            active: LegId(20)
        })]
    );
    b.hap(Happening::Conferenced {
        primary: CallId(1),
        secondary: CallId(2),
        conferencing_device: dev("2001"),
        resulting: CallId(1),
    });
    let r = b.take_reports();
    assert_eq!(
        Bench::seen_by(&r, "2001"),
        vec![("Conferenced", Some(LocalConnectionState::Connected))]
    );
    assert_eq!(
        Bench::seen_by(&r, "2002"),
        vec![("Conferenced", Some(LocalConnectionState::Connected))]
    );
    let snap = b.m.snapshot_call(CallId(1)).unwrap();
    assert_eq!(snap.connections.len(), 3);
    assert!(
        snap.connections
            .iter()
            .all(|c| c.local_connection_state == LocalConnectionState::Connected)
    );
    assert!(b.m.snapshot_call(CallId(2)).is_none());
    // The conferencing agent's remaining connection is on its consultation leg.
    b.req(
        &agent("2001"),
        ServiceRequest::ClearConnection {
            connection_to_be_cleared: conn(1, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Clear { leg: LegId(20) })]
    );
    b.hap(Happening::Cleared {
        leg: LegId(20),
        cause: ClearCause::Normal,
    });
    assert_eq!(b.m.snapshot_call(CallId(1)).unwrap().connections.len(), 2);
    b.assert_observers_agree();
}
