//! JSON round trips of every message type, the documented shapes, and refusals of bad input.
mod common;
use common::*;
use cti::*;
use proptest::prelude::*;

fn every_request() -> Vec<ServiceRequest> {
    let c = conn(1, "2001");
    vec![
        ServiceRequest::MakeCall {
            calling_device: dev("2001"),
            called_directory_number: "+8613900139000".into(),
        },
        ServiceRequest::AnswerCall {
            call_to_be_answered: c.clone(),
        },
        ServiceRequest::ClearConnection {
            connection_to_be_cleared: c.clone(),
        },
        ServiceRequest::HoldCall {
            call_to_be_held: c.clone(),
        },
        ServiceRequest::RetrieveCall {
            call_to_be_retrieved: c.clone(),
        },
        ServiceRequest::AlternateCall {
            active_call: c.clone(),
            held_call: conn(2, "2001"),
        },
        ServiceRequest::ConsultationCall {
            existing_call: c.clone(),
            consulted_device: "2002".into(),
        },
        ServiceRequest::TransferCall {
            held_call: c.clone(),
            active_call: conn(2, "2001"),
        },
        ServiceRequest::SingleStepTransferCall {
            active_call: c.clone(),
            transferred_to: "2003".into(),
        },
        ServiceRequest::ConferenceCall {
            held_call: c.clone(),
            active_call: conn(2, "2001"),
        },
        ServiceRequest::DeflectCall {
            call_to_be_diverted: c.clone(),
            new_destination: "2002".into(),
        },
        ServiceRequest::GenerateDigits {
            connection_to_send_digits: c,
            char_to_send: "123#".into(),
        },
        ServiceRequest::SetAgentState {
            agent: AgentId::new("2001"),
            requested_agent_state: RequestedAgentState::NotReady {
                reason: Some(ReasonCode(2)),
            },
        },
        ServiceRequest::SetAgentState {
            agent: AgentId::new("2001"),
            requested_agent_state: RequestedAgentState::LoggedOn,
        },
        ServiceRequest::AssociateData {
            call: CallId(1),
            disposition: Some("sale".into()),
            notes: Some("n".into()),
        },
        ServiceRequest::SnapshotDevice {
            snapshot_object: dev("2001"),
        },
        ServiceRequest::SnapshotCall {
            snapshot_object: CallId(1),
        },
        ServiceRequest::MonitorStart {
            monitor_object: dev("2001"),
        },
        ServiceRequest::MonitorStop {
            monitor_cross_ref_id: MonitorId(3),
        },
    ]
}

#[test]
fn every_request_round_trips() {
    for (i, r) in every_request().into_iter().enumerate() {
        let m = ClientMessage {
            v: WIRE_VERSION,
            invoke_id: InvokeId(i as u32),
            request: r,
        };
        let text = m.emit();
        assert_eq!(ClientMessage::parse(text.as_bytes()), Ok(m), "{text}");
    }
}

#[test]
fn documented_request_shape() {
    let text = r#"{"v":1,"invokeId":7,"request":{"service":"AnswerCall","callToBeAnswered":{"call":1,"device":"2001"}}}"#;
    let m = ClientMessage::parse(text.as_bytes()).unwrap();
    assert_eq!(
        m.request,
        ServiceRequest::AnswerCall {
            call_to_be_answered: conn(1, "2001")
        }
    );
    assert_eq!(m.emit(), text);
    let sas = r#"{"v":1,"invokeId":8,"request":{"service":"SetAgentState","agent":"2001","requestedAgentState":{"state":"notReady","reason":2}}}"#;
    assert_eq!(ClientMessage::parse(sas.as_bytes()).unwrap().emit(), sas);
}

#[test]
fn bad_input_is_refused_with_a_typed_error() {
    assert!(matches!(
        ClientMessage::parse(b"{"),
        Err(WireError::Malformed { .. })
    ));
    assert!(matches!(
        ClientMessage::parse(br#"{"v":1,"invokeId":1,"request":{"service":"Explode"}}"#),
        Err(WireError::Malformed { .. })
    ));
    assert!(matches!(
        ClientMessage::parse(br#"{"v":1,"invokeId":1,"extra":0,"request":{"service":"SnapshotCall","snapshotObject":1}}"#),
        Err(WireError::Malformed { .. })
    ));
    assert_eq!(
        ClientMessage::parse(
            br#"{"v":2,"invokeId":1,"request":{"service":"SnapshotCall","snapshotObject":1}}"#
        ),
        Err(WireError::UnsupportedVersion(2))
    );
    assert_eq!(
        ClientMessage::parse(&vec![b' '; wire::MAX_MESSAGE + 1]),
        Err(WireError::TooLarge)
    );
}

/// Every event and response a real flow produces round-trips through JSON.
#[test]
fn every_event_and_response_round_trips() {
    let mut b = Bench::new();
    b.ready("2001");
    b.inbound_answered("2001");
    b.hap(Happening::Held { leg: LegId(11) });
    b.hap(Happening::Originated {
        call: CallId(2),
        leg: LegId(20),
        device: dev("2001"),
        destination: dev("2002"),
        correlator: Some(InvokeId(4)),
    });
    b.hap(Happening::Alerting {
        call: CallId(2),
        leg: LegId(21),
        device: dev("2002"),
        screen_pop: None,
    });
    b.hap(Happening::Failed {
        leg: LegId(21),
        cause: ClearCause::Busy,
    });
    b.hap(Happening::Cleared {
        leg: LegId(21),
        cause: ClearCause::Busy,
    });
    b.hap(Happening::Alerting {
        call: CallId(2),
        leg: LegId(22),
        device: dev("2003"),
        screen_pop: None,
    });
    b.hap(Happening::Diverted {
        leg: LegId(22),
        to: dev("2002"),
    });
    b.hap(Happening::Alerting {
        call: CallId(2),
        leg: LegId(23),
        device: dev("2002"),
        screen_pop: None,
    });
    b.hap(Happening::Answered { leg: LegId(23) });
    b.hap(Happening::Conferenced {
        primary: CallId(1),
        secondary: CallId(2),
        conferencing_device: dev("2001"),
        resulting: CallId(1),
    });
    b.hap(Happening::Transferred {
        primary: CallId(1),
        secondary: None,
        transferring_device: dev("2001"),
        resulting: CallId(1),
    });
    let mut names = std::collections::BTreeSet::new();
    for r in &b.reports {
        names.insert(r.event.name());
        let m = ServerMessage::event(r.clone());
        assert_eq!(ServerMessage::parse(m.emit().as_bytes()), Ok(m));
    }
    for n in [
        "Queued",
        "Diverted",
        "Delivered",
        "Established",
        "Held",
        "ServiceInitiated",
        "Originated",
        "Failed",
        "ConnectionCleared",
        "Conferenced",
        "Transferred",
        "AgentLoggedOn",
        "AgentReady",
    ] {
        assert!(names.contains(n), "{n} not produced");
    }
    let responses = [
        b.req(
            &supervisor(),
            ServiceRequest::SnapshotCall {
                snapshot_object: CallId(1),
            },
        ),
        b.req(
            &supervisor(),
            ServiceRequest::SnapshotDevice {
                snapshot_object: dev("2002"),
            },
        ),
        b.req(
            &supervisor(),
            ServiceRequest::MonitorStart {
                monitor_object: dev("2003"),
            },
        ),
        b.req(
            &agent("2001"),
            ServiceRequest::SnapshotCall {
                snapshot_object: CallId(99),
            },
        ),
        Ok(ServiceResult::Ack),
    ];
    for (i, r) in responses.into_iter().enumerate() {
        let m = ServerMessage::response(InvokeId(i as u32), r);
        assert_eq!(ServerMessage::parse(m.emit().as_bytes()), Ok(m));
    }
}

proptest! {
    /// Arbitrary bytes never panic the parser.
    #[test]
    fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = ClientMessage::parse(&bytes);
        let _ = ServerMessage::parse(&bytes);
    }
}
