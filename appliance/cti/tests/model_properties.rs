//! Property tests: random service requests and switch/ACD happenings never panic, and the
//! model's state never disagrees with its own event stream (an observer per device, fed
//! only by its monitor's events, always equals the model's Snapshot Device).
mod common;
use common::*;
use cti::*;
use proptest::prelude::*;
use std::time::Duration;

const DEVS: [&str; 7] = ["2001", "2002", "2003", "2009", "701", "+861", "+862"];
const AGENTS: [&str; 5] = ["2001", "2002", "2003", "2009", "6666"];

fn d() -> impl Strategy<Value = DeviceId> {
    (0..DEVS.len()).prop_map(|i| dev(DEVS[i]))
}
fn call() -> impl Strategy<Value = CallId> {
    (1u64..4).prop_map(CallId)
}
fn leg() -> impl Strategy<Value = LegId> {
    (1u64..7).prop_map(LegId)
}
fn cid() -> impl Strategy<Value = ConnectionId> {
    (call(), d()).prop_map(|(c, x)| ConnectionId::new(c, &x))
}
fn cause() -> impl Strategy<Value = ClearCause> {
    prop_oneof![
        Just(ClearCause::Normal),
        Just(ClearCause::Busy),
        Just(ClearCause::Cancelled)
    ]
}
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2002".to_owned()),
        Just("+861".to_owned()),
        Just("x".to_owned())
    ]
}

fn happening() -> impl Strategy<Value = Happening> {
    prop_oneof![
        (call(), leg(), d(), d()).prop_map(|(call, leg, caller, called)| Happening::Incoming {
            call,
            leg,
            caller,
            called
        }),
        (call(), d()).prop_map(|(call, queue)| Happening::Queued {
            call,
            queue,
            ivr_data: Default::default(),
            customer: None
        }),
        (call(), leg(), d()).prop_map(|(call, leg, device)| Happening::Alerting {
            call,
            leg,
            device,
            screen_pop: None
        }),
        (call(), leg(), d(), d()).prop_map(|(call, leg, device, destination)| {
            Happening::Originated {
                call,
                leg,
                device,
                destination,
                correlator: None,
            }
        }),
        leg().prop_map(|leg| Happening::Answered { leg }),
        leg().prop_map(|leg| Happening::Held { leg }),
        leg().prop_map(|leg| Happening::Retrieved { leg }),
        (leg(), cause()).prop_map(|(leg, cause)| Happening::Failed { leg, cause }),
        (leg(), cause()).prop_map(|(leg, cause)| Happening::Cleared { leg, cause }),
        (leg(), d()).prop_map(|(leg, to)| Happening::Diverted { leg, to }),
        (call(), proptest::option::of(call()), d(), call()).prop_map(
            |(primary, secondary, transferring_device, resulting)| Happening::Transferred {
                primary,
                secondary,
                transferring_device,
                resulting
            }
        ),
        (call(), call(), d(), call()).prop_map(
            |(primary, secondary, conferencing_device, resulting)| Happening::Conferenced {
                primary,
                secondary,
                conferencing_device,
                resulting
            }
        ),
        (
            0..AGENTS.len(),
            any::<bool>(),
            proptest::option::of(0u16..3)
        )
            .prop_map(|(a, ready, r)| Happening::AgentStateForced {
                agent: AgentId::new(AGENTS[a]),
                ready,
                reason: r.map(ReasonCode)
            }),
    ]
}

fn request() -> impl Strategy<Value = ServiceRequest> {
    let st = prop_oneof![
        Just(RequestedAgentState::LoggedOn),
        Just(RequestedAgentState::LoggedOff),
        Just(RequestedAgentState::Ready),
        Just(RequestedAgentState::WorkingAfterCall),
        proptest::option::of(0u16..3).prop_map(|r| RequestedAgentState::NotReady {
            reason: r.map(ReasonCode)
        }),
    ];
    prop_oneof![
        (d(), number()).prop_map(|(calling_device, called_directory_number)| {
            ServiceRequest::MakeCall {
                calling_device,
                called_directory_number,
            }
        }),
        cid().prop_map(|c| ServiceRequest::AnswerCall {
            call_to_be_answered: c
        }),
        cid().prop_map(|c| ServiceRequest::ClearConnection {
            connection_to_be_cleared: c
        }),
        cid().prop_map(|c| ServiceRequest::HoldCall { call_to_be_held: c }),
        cid().prop_map(|c| ServiceRequest::RetrieveCall {
            call_to_be_retrieved: c
        }),
        (cid(), cid()).prop_map(|(active_call, held_call)| ServiceRequest::AlternateCall {
            active_call,
            held_call
        }),
        (cid(), number()).prop_map(|(existing_call, consulted_device)| {
            ServiceRequest::ConsultationCall {
                existing_call,
                consulted_device,
            }
        }),
        (cid(), cid()).prop_map(|(held_call, active_call)| ServiceRequest::TransferCall {
            held_call,
            active_call
        }),
        (cid(), cid()).prop_map(|(held_call, active_call)| ServiceRequest::ConferenceCall {
            held_call,
            active_call
        }),
        (cid(), number()).prop_map(|(active_call, transferred_to)| {
            ServiceRequest::SingleStepTransferCall {
                active_call,
                transferred_to,
            }
        }),
        (cid(), number()).prop_map(|(call_to_be_diverted, new_destination)| {
            ServiceRequest::DeflectCall {
                call_to_be_diverted,
                new_destination,
            }
        }),
        (cid(), "[0-9#x]{0,3}").prop_map(|(connection_to_send_digits, char_to_send)| {
            ServiceRequest::GenerateDigits {
                connection_to_send_digits,
                char_to_send,
            }
        }),
        ((0..AGENTS.len()), st).prop_map(|(a, s)| ServiceRequest::SetAgentState {
            agent: AgentId::new(AGENTS[a]),
            requested_agent_state: s
        }),
        call().prop_map(|call| ServiceRequest::AssociateData {
            call,
            disposition: Some("d".into()),
            notes: None
        }),
        d().prop_map(|snapshot_object| ServiceRequest::SnapshotDevice { snapshot_object }),
        call().prop_map(|snapshot_object| ServiceRequest::SnapshotCall { snapshot_object }),
        (1u32..12).prop_map(|m| ServiceRequest::MonitorStop {
            monitor_cross_ref_id: MonitorId(m)
        }),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Req(usize, bool, ServiceRequest),
    Hap(Happening),
    Tick(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..AGENTS.len(), any::<bool>(), request()).prop_map(|(a, sup, r)| Step::Req(a, sup, r)),
        6 => happening().prop_map(Step::Hap),
        1 => (0u64..15_000).prop_map(Step::Tick),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn events_replay_to_the_snapshot(steps in proptest::collection::vec(step(), 1..120)) {
        let mut b = Bench::new();
        for s in steps {
            match s {
                Step::Req(a, sup, r) => {
                    // The harness's monitors belong to 2009: stopping them (allowed to their
                    // owner and to supervisors) would blind an observer.
                    if matches!(r, ServiceRequest::MonitorStop { .. }) && (sup || AGENTS[a] == "2009") { continue; }
                    let p = Principal { agent: AgentId::new(AGENTS[a]), role: if sup { Role::Supervisor } else { Role::Agent } };
                    let _ = b.req(&p, r);
                }
                Step::Hap(h) => { let _ = b.try_hap(h); }
                Step::Tick(ms) => { b.advance(Duration::from_millis(ms)); b.timeout(); }
            }
            // Other agents' MonitorStop of these monitors must be refused.
            prop_assert_eq!(b.observers.len(), 5);
            for (id, obs) in &b.observers {
                prop_assert!(b.m.monitor_owner(*id).is_some(), "monitor {:?} gone", id);
                prop_assert_eq!(obs.to_snapshot(), b.m.snapshot_device(&obs.device), "device {}", obs.device);
            }
        }
    }
}
