//! Recording services (Start/Suspend/Resume/StopRecording): an agent controls only the
//! recording of its own call, a supervisor any; each action must fit the recording's state
//! as the switch last reported it; the `Recording` event reaches every monitored device in
//! the call and the call snapshot shows the state.
mod common;
use common::*;
use cti::*;

fn svc(action: RecordingAction, c: ConnectionId) -> ServiceRequest {
    match action {
        RecordingAction::Start => ServiceRequest::StartRecording {
            call_to_be_recorded: c,
        },
        RecordingAction::Suspend => ServiceRequest::SuspendRecording {
            call_to_be_recorded: c,
        },
        RecordingAction::Resume => ServiceRequest::ResumeRecording {
            call_to_be_recorded: c,
        },
        RecordingAction::Stop => ServiceRequest::StopRecording {
            call_to_be_recorded: c,
        },
    }
}

fn record_cmd(action: RecordingAction) -> Vec<Command> {
    vec![Command::Switch(SwitchCommand::Record {
        leg: LegId(11),
        action,
    })]
}

#[test]
fn an_agent_suspends_and_resumes_the_recording_of_its_own_call() {
    let mut b = Bench::new();
    b.ready("2001");
    b.ready("2002");
    b.inbound_answered("2001");
    b.take_commands();
    b.take_reports();

    // Nothing recorded yet: only a start fits.
    for a in [
        RecordingAction::Suspend,
        RecordingAction::Resume,
        RecordingAction::Stop,
    ] {
        assert_eq!(
            b.req(&agent("2001"), svc(a, conn(1, "2001"))),
            Err(CstaError::InvalidObjectState),
            "{a:?} before a start"
        );
    }
    assert_eq!(
        b.req(&agent("2001"), svc(RecordingAction::Start, conn(1, "2001"))),
        Ok(ServiceResult::Ack)
    );
    assert_eq!(b.take_commands(), record_cmd(RecordingAction::Start));
    // The model waits for the switch: no event, no state yet.
    assert!(b.take_reports().is_empty());
    b.hap(Happening::Recording {
        call: CallId(1),
        state: RecordingState::Recording,
    });
    let seen = b.take_reports();
    assert_eq!(
        Bench::seen_by(&seen, "2001"),
        vec![("Recording", Some(LocalConnectionState::Connected))]
    );
    assert!(
        Bench::seen_by(&seen, "2002").is_empty(),
        "not in the call: no event"
    );
    assert!(matches!(
        seen[0].event,
        CstaEvent::Recording {
            call: CallId(1),
            recording_state: RecordingState::Recording
        }
    ));

    // Another agent may not touch it, nor name its own device in a call it is not in.
    assert_eq!(
        b.req(
            &agent("2002"),
            svc(RecordingAction::Suspend, conn(1, "2001"))
        ),
        Err(CstaError::PrivilegeViolation)
    );
    assert_eq!(
        b.req(
            &agent("2002"),
            svc(RecordingAction::Suspend, conn(1, "2002"))
        ),
        Err(CstaError::InvalidConnectionId)
    );
    assert_eq!(
        b.req(&agent("2001"), svc(RecordingAction::Start, conn(1, "2001"))),
        Err(CstaError::InvalidObjectState),
        "already recording"
    );
    assert!(b.take_commands().is_empty());

    // Suspend for the card number, then resume.
    b.req(
        &agent("2001"),
        svc(RecordingAction::Suspend, conn(1, "2001")),
    )
    .unwrap();
    assert_eq!(b.take_commands(), record_cmd(RecordingAction::Suspend));
    b.hap(Happening::Recording {
        call: CallId(1),
        state: RecordingState::Suspended,
    });
    assert_eq!(
        b.m.snapshot_call(CallId(1)).unwrap().recording,
        Some(RecordingState::Suspended),
        "the call snapshot shows it"
    );
    assert_eq!(
        b.req(
            &agent("2001"),
            svc(RecordingAction::Suspend, conn(1, "2001"))
        ),
        Err(CstaError::InvalidObjectState)
    );
    b.req(
        &agent("2001"),
        svc(RecordingAction::Resume, conn(1, "2001")),
    )
    .unwrap();
    assert_eq!(b.take_commands(), record_cmd(RecordingAction::Resume));
    b.hap(Happening::Recording {
        call: CallId(1),
        state: RecordingState::Recording,
    });

    // A supervisor may stop it; then a start fits again. Held connections count too.
    b.hap(Happening::Held { leg: LegId(11) });
    b.req(&supervisor(), svc(RecordingAction::Stop, conn(1, "2001")))
        .unwrap();
    assert_eq!(b.take_commands(), record_cmd(RecordingAction::Stop));
    b.hap(Happening::Recording {
        call: CallId(1),
        state: RecordingState::Stopped,
    });
    b.req(&agent("2001"), svc(RecordingAction::Start, conn(1, "2001")))
        .unwrap();
    assert_eq!(b.take_commands(), record_cmd(RecordingAction::Start));
    let names: Vec<_> = Bench::seen_by(&b.take_reports(), "2001")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["Recording", "Recording", "Held", "Recording"]);
    b.assert_observers_agree();
}

#[test]
fn recording_services_need_a_connected_or_held_connection() {
    let mut b = Bench::new();
    b.ready("2001");
    b.hap(Happening::Incoming {
        call: CallId(1),
        leg: LegId(10),
        caller: dev("1001"),
        called: dev("701"),
    });
    b.hap(Happening::Alerting {
        call: CallId(1),
        leg: LegId(11),
        device: dev("2001"),
        screen_pop: None,
    });
    b.take_commands();
    assert_eq!(
        b.req(&agent("2001"), svc(RecordingAction::Start, conn(1, "2001"))),
        Err(CstaError::InvalidObjectState),
        "still ringing"
    );
    assert_eq!(
        b.req(&agent("2001"), svc(RecordingAction::Start, conn(7, "2001"))),
        Err(CstaError::InvalidCallId)
    );
    assert!(b.take_commands().is_empty());
    // A happening for a call the model does not know is refused, nothing changes.
    assert_eq!(
        b.try_hap(Happening::Recording {
            call: CallId(7),
            state: RecordingState::Recording,
        }),
        Err(ModelError::UnknownCall)
    );
}

#[test]
fn recording_services_round_trip_on_the_wire() {
    let v = serde_json::json!({"service": "SuspendRecording",
        "callToBeRecorded": {"call": 1, "device": "2001"}});
    let r: ServiceRequest = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(r.name(), "SuspendRecording");
    assert_eq!(serde_json::to_value(&r).unwrap(), v);
    let e = CstaEvent::Recording {
        call: CallId(3),
        recording_state: RecordingState::Suspended,
    };
    let j = serde_json::to_value(&e).unwrap();
    assert_eq!(j["event"], "Recording");
    assert_eq!(j["recordingState"], "suspended");
    assert_eq!(serde_json::from_value::<CstaEvent>(j).unwrap(), e);
}
