//! An agent may act only on its own device, calls and agent; a supervisor on any.
mod common;
use common::*;
use cti::*;

#[test]
fn agent_cannot_touch_another_agents_call() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.take_commands();
    let intruder = agent("2002");
    for r in [
        ServiceRequest::ClearConnection {
            connection_to_be_cleared: conn(1, "2001"),
        },
        ServiceRequest::HoldCall {
            call_to_be_held: conn(1, "2001"),
        },
        ServiceRequest::GenerateDigits {
            connection_to_send_digits: conn(1, "2001"),
            char_to_send: "1".into(),
        },
        ServiceRequest::SingleStepTransferCall {
            active_call: conn(1, "2001"),
            transferred_to: "2002".into(),
        },
        ServiceRequest::ClearConnection {
            connection_to_be_cleared: conn(1, "+8613800138000"),
        },
        ServiceRequest::SnapshotCall {
            snapshot_object: CallId(1),
        },
        ServiceRequest::SnapshotDevice {
            snapshot_object: dev("2001"),
        },
        ServiceRequest::MonitorStart {
            monitor_object: dev("2001"),
        },
        ServiceRequest::MonitorStart {
            monitor_object: dev("701"),
        },
        ServiceRequest::SetAgentState {
            agent: AgentId::new("2001"),
            requested_agent_state: RequestedAgentState::NotReady { reason: None },
        },
        ServiceRequest::AssociateData {
            call: CallId(1),
            disposition: Some("x".into()),
            notes: None,
        },
        ServiceRequest::MonitorStop {
            monitor_cross_ref_id: MonitorId(1),
        },
    ] {
        let name = r.name();
        assert_eq!(
            b.req(&intruder, r),
            Err(CstaError::PrivilegeViolation),
            "{name}"
        );
    }
    // An unknown principal is refused too.
    assert_eq!(
        b.req(
            &agent("7777"),
            ServiceRequest::SnapshotDevice {
                snapshot_object: dev("7777")
            }
        ),
        Err(CstaError::PrivilegeViolation)
    );
    assert!(b.take_commands().is_empty());
    // The supervisor may.
    b.req(
        &supervisor(),
        ServiceRequest::HoldCall {
            call_to_be_held: conn(1, "2001"),
        },
    )
    .unwrap();
    b.req(
        &supervisor(),
        ServiceRequest::SetAgentState {
            agent: AgentId::new("2003"),
            requested_agent_state: RequestedAgentState::LoggedOn,
        },
    )
    .unwrap();
    assert_eq!(b.take_commands().len(), 2);
    // A supervisor needs no extension of its own (the web layer vouches for the role).
    let boss = Principal {
        agent: AgentId::new("admin"),
        role: Role::Supervisor,
    };
    assert!(
        b.req(
            &boss,
            ServiceRequest::SnapshotCall {
                snapshot_object: CallId(1)
            }
        )
        .is_ok()
    );
    assert!(
        b.req(
            &boss,
            ServiceRequest::MonitorStart {
                monitor_object: dev("701")
            }
        )
        .is_ok()
    );
}
