//! Recording control over CTI at Center level: the recording policy starts the recording
//! of an answered queue call (the host's `LegEvent::Record`, as the daemon does); the agent's
//! desktop sees `Recording`, suspends it for a card number (the switch's media path gets
//! `Record Pause`), resumes and stops it. Another agent is refused; a state that does not
//! fit is refused without reaching the switch.
#![allow(missing_docs)]
mod common;

use common::*;
use switch::engine::{Command, LegEvent, MediaCommand, RecordAction};

fn media_records(h: &H) -> Vec<RecordAction> {
    h.commands
        .iter()
        .filter_map(|c| match c {
            Command::Media(MediaCommand::Record { action, .. }) => Some(*action),
            _ => None,
        })
        .collect()
}

fn states(h: &H, device: &str) -> Vec<cti::RecordingState> {
    h.cti
        .iter()
        .filter(|r| r.device.0 == device)
        .filter_map(|r| match r.event {
            cti::CstaEvent::Recording {
                recording_state, ..
            } => Some(recording_state),
            _ => None,
        })
        .collect()
}

#[test]
fn an_agent_suspends_and_resumes_the_recording_of_its_call_over_cti() {
    use cti::RecordingState::{Recording, Stopped, Suspended};
    let mut h = H::with(config_with(s(10), &["2001", "2002"]));
    h.login_ready("2001");
    h.login_ready("2002");
    let caller = h.incoming("13900000001", "701");
    let agent_leg = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: agent_leg });
    let call = h.c.call_of_caller(caller).expect("the call");
    let mine = conn(call, "2001");

    // Nothing recorded yet: a suspend does not fit and reaches nothing.
    assert_eq!(
        h.try_cti_req(
            "2001",
            cti::ServiceRequest::SuspendRecording {
                call_to_be_recorded: mine.clone()
            }
        ),
        Err(cti::CstaError::InvalidObjectState)
    );
    // The policy starts it.
    h.input(LegEvent::Record {
        leg: agent_leg,
        action: RecordAction::Start,
    });
    assert_eq!(states(&h, "2001"), [Recording]);
    assert!(states(&h, "2002").is_empty(), "2002 is not in the call");

    assert_eq!(
        h.try_cti_req(
            "2002",
            cti::ServiceRequest::SuspendRecording {
                call_to_be_recorded: mine.clone()
            }
        ),
        Err(cti::CstaError::PrivilegeViolation),
        "not 2002's call"
    );
    h.cti_req(
        "2001",
        cti::ServiceRequest::SuspendRecording {
            call_to_be_recorded: mine.clone(),
        },
    );
    assert_eq!(
        media_records(&h),
        [RecordAction::Start, RecordAction::Pause]
    );
    assert_eq!(states(&h, "2001"), [Recording, Suspended]);
    h.cti_req(
        "2001",
        cti::ServiceRequest::ResumeRecording {
            call_to_be_recorded: mine.clone(),
        },
    );
    h.cti_req(
        "2001",
        cti::ServiceRequest::StopRecording {
            call_to_be_recorded: mine,
        },
    );
    assert_eq!(
        media_records(&h),
        [
            RecordAction::Start,
            RecordAction::Pause,
            RecordAction::Resume,
            RecordAction::Stop
        ]
    );
    assert_eq!(
        states(&h, "2001"),
        [Recording, Suspended, Recording, Stopped]
    );
}
