//! The agent state machine: legal and illegal transitions, NotReady reason codes, ACD
//! commands, the wrap-up timeout back to Ready, and ACD-forced states.
mod common;
use common::*;
use cti::*;
use std::time::Duration;

fn set(b: &mut Bench, a: &str, s: RequestedAgentState) -> Result<ServiceResult, CstaError> {
    b.req(
        &agent(a),
        ServiceRequest::SetAgentState {
            agent: AgentId::new(a),
            requested_agent_state: s,
        },
    )
}

#[test]
fn transitions_and_reasons() {
    let mut b = Bench::new();
    b.take_reports();
    for s in [
        RequestedAgentState::Ready,
        RequestedAgentState::LoggedOff,
        RequestedAgentState::WorkingAfterCall,
        RequestedAgentState::NotReady { reason: None },
    ] {
        assert_eq!(
            set(&mut b, "2001", s),
            Err(CstaError::InvalidAgentState),
            "{s:?} while logged off"
        );
    }
    set(&mut b, "2001", RequestedAgentState::LoggedOn).unwrap();
    assert_eq!(
        set(&mut b, "2001", RequestedAgentState::LoggedOn),
        Err(CstaError::InvalidAgentState)
    );
    assert_eq!(
        b.m.snapshot_device(&dev("2001")).agent_state,
        Some(AgentState::NotReady { reason: None })
    );
    set(&mut b, "2001", RequestedAgentState::Ready).unwrap();
    assert_eq!(
        set(&mut b, "2001", RequestedAgentState::Ready),
        Err(CstaError::InvalidAgentState)
    );
    set(
        &mut b,
        "2001",
        RequestedAgentState::NotReady {
            reason: Some(ReasonCode(2)),
        },
    )
    .unwrap();
    assert_eq!(
        set(
            &mut b,
            "2001",
            RequestedAgentState::NotReady {
                reason: Some(ReasonCode(2))
            }
        ),
        Err(CstaError::InvalidAgentState)
    );
    set(
        &mut b,
        "2001",
        RequestedAgentState::NotReady {
            reason: Some(ReasonCode(3)),
        },
    )
    .unwrap();
    set(&mut b, "2001", RequestedAgentState::LoggedOff).unwrap();
    let r = b.take_reports();
    let names: Vec<_> = r
        .iter()
        .filter(|x| x.device.0 == "2001")
        .map(|x| x.event.clone())
        .collect();
    let a = AgentId::new("2001");
    let d = dev("2001");
    assert_eq!(
        names,
        vec![
            CstaEvent::AgentLoggedOn {
                agent: a.clone(),
                agent_device: d.clone()
            },
            CstaEvent::AgentReady {
                agent: a.clone(),
                agent_device: d.clone()
            },
            CstaEvent::AgentNotReady {
                agent: a.clone(),
                agent_device: d.clone(),
                reason: Some(ReasonCode(2))
            },
            CstaEvent::AgentNotReady {
                agent: a.clone(),
                agent_device: d.clone(),
                reason: Some(ReasonCode(3))
            },
            CstaEvent::AgentLoggedOff {
                agent: a.clone(),
                agent_device: d.clone()
            },
        ]
    );
    assert_eq!(
        b.take_commands(),
        vec![
            Command::Acd(AcdCommand::LogOn {
                agent: a.clone(),
                device: d
            }),
            Command::Acd(AcdCommand::Ready { agent: a.clone() }),
            Command::Acd(AcdCommand::NotReady {
                agent: a.clone(),
                reason: Some(ReasonCode(2))
            }),
            Command::Acd(AcdCommand::NotReady {
                agent: a.clone(),
                reason: Some(ReasonCode(3))
            }),
            Command::Acd(AcdCommand::LogOff { agent: a }),
        ]
    );
    b.assert_observers_agree();
}

#[test]
fn no_log_off_during_a_call() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    assert_eq!(
        set(&mut b, "2001", RequestedAgentState::LoggedOff),
        Err(CstaError::InvalidAgentState)
    );
}

#[test]
fn wrap_up_times_out_to_ready_and_flushes_the_record() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.hap(Happening::Cleared {
        leg: LegId(11),
        cause: ClearCause::Normal,
    });
    assert_eq!(
        b.m.snapshot_device(&dev("2001")).agent_state,
        Some(AgentState::WorkingAfterCall)
    );
    assert_eq!(b.m.poll_timeout(), Some(b.now + WRAP));
    assert!(b.records.is_empty(), "record held during wrap-up");
    // Disposition entered during wrap-up lands in the record.
    b.req(
        &agent("2001"),
        ServiceRequest::AssociateData {
            call: CallId(1),
            disposition: Some("resolved".into()),
            notes: None,
        },
    )
    .unwrap();
    b.advance(WRAP - Duration::from_millis(1));
    b.timeout();
    assert_eq!(
        b.m.snapshot_device(&dev("2001")).agent_state,
        Some(AgentState::WorkingAfterCall)
    );
    b.advance(Duration::from_millis(1));
    b.timeout();
    assert_eq!(
        b.m.snapshot_device(&dev("2001")).agent_state,
        Some(AgentState::Ready)
    );
    assert_eq!(b.m.poll_timeout(), None);
    let last = b
        .reports
        .iter()
        .rev()
        .find(|r| r.device.0 == "2001")
        .unwrap();
    assert_eq!(last.cause, EventCause::WrapUpTimeout);
    assert_eq!(b.records.len(), 1);
    assert_eq!(b.records[0].disposition, "resolved");
    assert!(b.take_commands().contains(&Command::Acd(AcdCommand::Ready {
        agent: AgentId::new("2001")
    })));
    b.assert_observers_agree();
}

#[test]
fn acd_forces_not_ready_after_no_answer() {
    let mut b = Bench::new();
    b.ready("2001");
    b.take_commands();
    b.hap(Happening::AgentStateForced {
        agent: AgentId::new("2001"),
        ready: false,
        reason: Some(ReasonCode(9)),
    });
    assert_eq!(
        b.m.snapshot_device(&dev("2001")).agent_state,
        Some(AgentState::NotReady {
            reason: Some(ReasonCode(9))
        })
    );
    assert!(
        b.take_commands().is_empty(),
        "the ACD is not told what it did itself"
    );
    assert_eq!(
        b.try_hap(Happening::AgentStateForced {
            agent: AgentId::new("2002"),
            ready: true,
            reason: None
        }),
        Err(ModelError::AgentLoggedOff)
    );
    b.assert_observers_agree();
}
