//! Supervisor actions through CTI: SetAgentState on behalf of an agent (the agent's own
//! monitor sees the Agent* event; a plain agent may not do it to another), and
//! SingleStepConference: the supervisor's phone is rung and joins the agent's connected
//! call silently, then whispers, then barges (the mode changes mid-call on the same leg),
//! and is cleared with the call. Refusals carry CSTA errors and change nothing.
#![allow(missing_docs)]
mod common;

use common::*;
use switch::engine::{Command, LegEvent, MediaCommand, Member};

fn supervisor() -> cti::Principal {
    cti::Principal {
        agent: cti::AgentId::new("sup"),
        role: cti::Role::Supervisor,
    }
}

fn sup_req(h: &mut H, req: cti::ServiceRequest) -> Result<cti::ServiceResult, cti::CstaError> {
    h.invoke += 1;
    let r =
        h.c.cti_request(h.now, &supervisor(), cti::InvokeId(h.invoke), req);
    h.drain();
    r
}

fn join(agent: &str, device: &str, p: cti::ParticipationType) -> cti::ServiceRequest {
    cti::ServiceRequest::SingleStepConference {
        agent: cti::AgentId::new(agent),
        device_to_join: cti::DeviceId::new(device),
        participation_type: p,
    }
}

#[test]
fn a_supervisor_forces_an_agents_state_and_the_desktop_sees_it() {
    let mut h = H::new();
    h.login_ready("2001");
    let before = h.cti_names("2001").len();
    let r = sup_req(
        &mut h,
        cti::ServiceRequest::SetAgentState {
            agent: cti::AgentId::new("2001"),
            requested_agent_state: cti::RequestedAgentState::NotReady {
                reason: Some(cti::ReasonCode(2)),
            },
        },
    );
    assert_eq!(r, Ok(cti::ServiceResult::Ack));
    assert_eq!(h.cti_names("2001")[before..], ["AgentNotReady"]);
    // A plain agent may not do that to another agent.
    h.invoke += 1;
    let other = cti::Principal {
        agent: cti::AgentId::new("2002"),
        role: cti::Role::Agent,
    };
    let r = h.c.cti_request(
        h.now,
        &other,
        cti::InvokeId(h.invoke),
        cti::ServiceRequest::SetAgentState {
            agent: cti::AgentId::new("2001"),
            requested_agent_state: cti::RequestedAgentState::Ready,
        },
    );
    assert_eq!(r, Err(cti::CstaError::PrivilegeViolation));
    // Forced log-off.
    let r = sup_req(
        &mut h,
        cti::ServiceRequest::SetAgentState {
            agent: cti::AgentId::new("2001"),
            requested_agent_state: cti::RequestedAgentState::LoggedOff,
        },
    );
    assert_eq!(r, Ok(cti::ServiceResult::Ack));
    assert_eq!(h.cti_names("2001").last(), Some(&"AgentLoggedOff"));
}

/// The last `Mix` media command's part for `leg`.
fn part_of(h: &H, leg: switch::engine::LegId) -> Option<Member> {
    h.commands.iter().rev().find_map(|c| match c {
        Command::Media(MediaCommand::Mix { members, .. }) => {
            members.iter().find(|(l, _)| *l == leg).map(|(_, p)| *p)
        }
        _ => None,
    })
}

#[test]
fn single_step_conference_listen_whisper_barge() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    h.advance(s(5));

    // Plain agents may not monitor.
    h.invoke += 1;
    let agent = cti::Principal {
        agent: cti::AgentId::new("2002"),
        role: cti::Role::Agent,
    };
    let r = h.c.cti_request(
        h.now,
        &agent,
        cti::InvokeId(h.invoke),
        join("2001", "2005", cti::ParticipationType::Silent),
    );
    assert_eq!(r, Err(cti::CstaError::PrivilegeViolation));
    assert!(h.legs_to("2005").is_empty());
    // Unknown agent, unknown device, an agent with no call.
    assert_eq!(
        sup_req(&mut h, join("9999", "2005", cti::ParticipationType::Silent)),
        Err(cti::CstaError::InvalidDeviceId)
    );
    assert_eq!(
        sup_req(&mut h, join("2001", "3999", cti::ParticipationType::Silent)),
        Err(cti::CstaError::InvalidDeviceId)
    );
    assert_eq!(
        sup_req(&mut h, join("2002", "2005", cti::ParticipationType::Silent)),
        Err(cti::CstaError::InvalidObjectState)
    );

    // Listen: the supervisor's phone rings, answers, joins silently.
    let r = sup_req(&mut h, join("2001", "2005", cti::ParticipationType::Silent));
    assert_eq!(r, Ok(cti::ServiceResult::Ack));
    let sv = h.last_leg_to("2005");
    h.input(LegEvent::Alerting { leg: sv });
    h.input(LegEvent::Answered { leg: sv });
    assert_eq!(h.c.switch().bridge_of(sv), h.c.switch().bridge_of(a));
    assert_eq!(part_of(&h, sv), Some(Member::Listen));
    assert_eq!(h.c.supervisor_legs().len(), 1);

    // Whisper, then barge: the same leg, no new call.
    assert_eq!(
        sup_req(
            &mut h,
            join("2001", "2005", cti::ParticipationType::Whisper)
        ),
        Ok(cti::ServiceResult::Ack)
    );
    assert_eq!(part_of(&h, sv), Some(Member::Whisper(b)));
    assert_eq!(
        sup_req(&mut h, join("2001", "2005", cti::ParticipationType::Active)),
        Ok(cti::ServiceResult::Ack)
    );
    assert_eq!(part_of(&h, sv), Some(Member::Party));
    assert_eq!(h.legs_to("2005"), vec![sv]);

    // The caller hangs up: the agent's and the supervisor's legs are cleared.
    h.hangup(a);
    assert!(h.commands.iter().any(|c| matches!(c,
        Command::Hangup { leg, .. } if *leg == sv)));
    assert!(h.c.supervisor_legs().is_empty());
}
