//! Snapshots agree with events: a monitor started in the middle of a call gets a snapshot
//! that, with the events after it, rebuilds the device's state; Snapshot Call agrees with
//! every device's own view.
mod common;
use common::*;
use cti::*;

#[test]
fn late_monitor_snapshot_plus_events_equals_final_state() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    // An agent starts its own monitor mid-call.
    let Ok(ServiceResult::MonitorStarted {
        monitor_cross_ref_id,
        snapshot,
    }) = b.req(
        &agent("2001"),
        ServiceRequest::MonitorStart {
            monitor_object: dev("2001"),
        },
    )
    else {
        panic!("monitor start refused");
    };
    assert_eq!(
        snapshot.calls,
        vec![DeviceSnapshotEntry {
            call: CallId(1),
            local_connection_state: LocalConnectionState::Connected
        }]
    );
    assert_eq!(
        b.m.monitor_owner(monitor_cross_ref_id),
        Some(&AgentId::new("2001"))
    );
    let mut obs = DeviceObserver::new(dev("2001"), &snapshot);
    let start = b.reports.len();
    b.hap(Happening::Held { leg: LegId(11) });
    b.hap(Happening::Originated {
        call: CallId(2),
        leg: LegId(20),
        device: dev("2001"),
        destination: dev("+861"),
        correlator: None,
    });
    b.hap(Happening::Alerting {
        call: CallId(2),
        leg: LegId(21),
        device: dev("+861"),
        screen_pop: None,
    });
    b.hap(Happening::Failed {
        leg: LegId(21),
        cause: ClearCause::Busy,
    });
    for r in b.reports[start..]
        .iter()
        .filter(|r| r.monitor_cross_ref_id == monitor_cross_ref_id)
    {
        obs.apply(r);
    }
    assert_eq!(obs.to_snapshot(), b.m.snapshot_device(&dev("2001")));
    let Ok(ServiceResult::DeviceSnapshot { snapshot }) = b.req(
        &agent("2001"),
        ServiceRequest::SnapshotDevice {
            snapshot_object: dev("2001"),
        },
    ) else {
        panic!()
    };
    assert_eq!(obs.to_snapshot(), snapshot);

    // Snapshot Call of call 2 agrees with each device's own view.
    let Ok(ServiceResult::CallSnapshot { snapshot: call }) = b.req(
        &agent("2001"),
        ServiceRequest::SnapshotCall {
            snapshot_object: CallId(2),
        },
    ) else {
        panic!()
    };
    for e in &call.connections {
        let dev_view = b.m.snapshot_device(&e.device);
        assert!(dev_view.calls.contains(&DeviceSnapshotEntry {
            call: CallId(2),
            local_connection_state: e.local_connection_state
        }));
    }
    assert_eq!(
        call.connections
            .iter()
            .map(|e| (e.device.0.as_str(), e.local_connection_state))
            .collect::<Vec<_>>(),
        vec![
            ("+861", LocalConnectionState::Fail),
            ("2001", LocalConnectionState::Connected)
        ]
    );
    // Stopping the monitor: by its owner only.
    assert_eq!(
        b.req(
            &agent("2002"),
            ServiceRequest::MonitorStop {
                monitor_cross_ref_id
            }
        ),
        Err(CstaError::PrivilegeViolation)
    );
    b.req(
        &agent("2001"),
        ServiceRequest::MonitorStop {
            monitor_cross_ref_id,
        },
    )
    .unwrap();
    assert_eq!(b.m.monitor_owner(monitor_cross_ref_id), None);
    b.assert_observers_agree();
}
