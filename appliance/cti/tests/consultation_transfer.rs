//! ConsultationCall then TransferCall: the caller ends up with the consulted agent in one
//! call; Transferred lists the resulting connections; the first agent's part is recorded.
mod common;
use common::*;
use cti::*;
use std::time::Duration;

#[test]
fn consult_then_transfer() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.req(
        &agent("2001"),
        ServiceRequest::ConsultationCall {
            existing_call: conn(1, "2001"),
            consulted_device: "2002".into(),
        },
    )
    .unwrap();
    let invoke = InvokeId(b.invoke);
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Consult {
            correlator: invoke,
            hold: LegId(11),
            device: dev("2001"),
            destination: "2002".into()
        })]
    );
    b.hap(Happening::Held { leg: LegId(11) });
    b.hap(Happening::Originated {
        call: CallId(2),
        leg: LegId(20),
        device: dev("2001"),
        destination: dev("2002"),
        correlator: Some(invoke),
    });
    b.hap(Happening::Alerting {
        call: CallId(2),
        leg: LegId(21),
        device: dev("2002"),
        screen_pop: None,
    });
    b.hap(Happening::Answered { leg: LegId(21) });
    b.take_reports();
    // Transfer needs the held call first and the active call second.
    assert_eq!(
        b.req(
            &agent("2001"),
            ServiceRequest::TransferCall {
                held_call: conn(2, "2001"),
                active_call: conn(1, "2001")
            }
        ),
        Err(CstaError::InvalidObjectState)
    );
    b.req(
        &agent("2001"),
        ServiceRequest::TransferCall {
            held_call: conn(1, "2001"),
            active_call: conn(2, "2001"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands(),
        vec![Command::Switch(SwitchCommand::Transfer {
            held: LegId(11),
            active: LegId(20)
        })]
    );
    b.advance(Duration::from_secs(2));
    b.hap(Happening::Transferred {
        primary: CallId(1),
        secondary: Some(CallId(2)),
        transferring_device: dev("2001"),
        resulting: CallId(1),
    });
    let r = b.take_reports();
    let t = r.iter().find(|x| x.device.0 == "2002").unwrap();
    assert_eq!(
        t.local_connection_info,
        Some(LocalConnectionState::Connected)
    );
    let CstaEvent::Transferred {
        transferred_connections,
        resulting_call,
        secondary_old_call,
        ..
    } = &t.event
    else {
        panic!("{t:?}");
    };
    assert_eq!(*resulting_call, CallId(1));
    assert_eq!(*secondary_old_call, Some(CallId(2)));
    let mut moved: Vec<(ConnectionId, ConnectionId)> = transferred_connections
        .iter()
        .map(|e| (e.old_connection.clone(), e.new_connection.clone()))
        .collect();
    moved.sort();
    assert_eq!(
        moved,
        vec![
            (conn(1, "+8613800138000"), conn(1, "+8613800138000")),
            (conn(2, "2002"), conn(1, "2002")),
        ]
    );
    let from_2001 = Bench::seen_by(&r, "2001");
    assert_eq!(
        from_2001[0],
        ("Transferred", Some(LocalConnectionState::Null))
    );
    let snap = b.m.snapshot_call(CallId(1)).unwrap();
    assert_eq!(
        snap.connections
            .iter()
            .map(|e| (e.device.0.as_str(), e.local_connection_state))
            .collect::<Vec<_>>(),
        vec![
            ("+8613800138000", LocalConnectionState::Connected),
            ("2002", LocalConnectionState::Connected)
        ]
    );
    assert!(b.m.snapshot_call(CallId(2)).is_none());
    // The first agent's part ended at the transfer: record kept until its wrap-up ends.
    b.advance(WRAP);
    b.timeout();
    let rec = b
        .records
        .iter()
        .find(|r| r.agent.as_deref() == Some("2001"))
        .unwrap();
    assert!(rec.transferred);
    assert_eq!(rec.customer_id, Some(1));
    // The legs now belong to call 1: the second agent can clear.
    b.req(
        &agent("2002"),
        ServiceRequest::ClearConnection {
            connection_to_be_cleared: conn(1, "2002"),
        },
    )
    .unwrap();
    assert_eq!(
        b.take_commands().last(),
        Some(&Command::Switch(SwitchCommand::Clear { leg: LegId(21) }))
    );
    b.assert_observers_agree();
}
