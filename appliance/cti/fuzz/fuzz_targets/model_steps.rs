//! Bytes decoded into a sequence of switch/ACD happenings, service requests and clock ticks
//! (4 bytes a step): the model never panics and every device's observer, fed only by its
//! monitor's events, equals the model's snapshot after every step.
#![no_main]

use std::collections::BTreeMap;
use std::time::Duration;

use cti::*;
use libfuzzer_sys::fuzz_target;

const DEVS: [&str; 6] = ["2001", "2002", "2003", "701", "+861", "+862"];

fn dev(b: u8) -> DeviceId {
    DeviceId::new(DEVS[usize::from(b) % DEVS.len()])
}
fn conn(b: u8, c: u8) -> ConnectionId {
    ConnectionId::new(CallId(u64::from(c % 4)), &dev(b))
}

fn happening(op: u8, a: u8, b: u8) -> Happening {
    let call = CallId(u64::from(a % 4));
    let leg = LegId(u64::from(b % 8));
    let cause = ClearCause::Normal;
    match op % 14 {
        0 => Happening::Incoming { call, leg, caller: dev(a >> 2), called: dev(b >> 3) },
        1 => Happening::Queued { call, queue: dev(b), ivr_data: BTreeMap::new(), customer: None },
        2 => Happening::Alerting { call, leg, device: dev(a >> 2), screen_pop: None },
        3 => Happening::Originated { call, leg, device: dev(a >> 2), destination: dev(b >> 3), correlator: None },
        4 => Happening::Answered { leg },
        5 => Happening::Held { leg },
        6 => Happening::Retrieved { leg },
        7 => Happening::Failed { leg, cause: ClearCause::Busy },
        8 => Happening::Cleared { leg, cause },
        9 => Happening::Diverted { leg, to: dev(a) },
        10 => Happening::Transferred {
            primary: call,
            secondary: (b & 1 == 1).then_some(CallId(u64::from((b >> 1) % 4))),
            transferring_device: dev(b >> 3),
            resulting: CallId(u64::from((a >> 2) % 5)),
        },
        11 => Happening::Conferenced {
            primary: call,
            secondary: CallId(u64::from(b % 4)),
            conferencing_device: dev(b >> 2),
            resulting: CallId(u64::from((a >> 2) % 5)),
        },
        12 => Happening::Recording {
            call,
            state: match b % 3 {
                0 => RecordingState::Recording,
                1 => RecordingState::Suspended,
                _ => RecordingState::Stopped,
            },
        },
        _ => Happening::AgentStateForced { agent: AgentId::new(DEVS[usize::from(a) % 3]), ready: b & 1 == 1, reason: None },
    }
}

fn request(op: u8, a: u8, b: u8) -> ServiceRequest {
    match op % 12 {
        0 => ServiceRequest::MakeCall { calling_device: dev(a), called_directory_number: "2002".into() },
        1 => ServiceRequest::AnswerCall { call_to_be_answered: conn(a, b) },
        2 => ServiceRequest::ClearConnection { connection_to_be_cleared: conn(a, b) },
        3 => ServiceRequest::HoldCall { call_to_be_held: conn(a, b) },
        4 => ServiceRequest::TransferCall { held_call: conn(a, b), active_call: conn(a, b >> 2) },
        5 => ServiceRequest::ConferenceCall { held_call: conn(a, b), active_call: conn(a, b >> 2) },
        6 => ServiceRequest::GenerateDigits { connection_to_send_digits: conn(a, b), char_to_send: "1#".into() },
        7 => ServiceRequest::AssociateData { call: CallId(u64::from(b % 4)), disposition: Some("x".into()), notes: None },
        8 => ServiceRequest::SuspendRecording { call_to_be_recorded: conn(a, b) },
        9 => ServiceRequest::StartRecording { call_to_be_recorded: conn(a, b) },
        _ => ServiceRequest::SetAgentState {
            agent: AgentId::new(DEVS[usize::from(a) % 3]),
            requested_agent_state: match b % 5 {
                0 => RequestedAgentState::LoggedOn,
                1 => RequestedAgentState::LoggedOff,
                2 => RequestedAgentState::Ready,
                3 => RequestedAgentState::WorkingAfterCall,
                _ => RequestedAgentState::NotReady { reason: Some(ReasonCode(u16::from(b))) },
            },
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let mut m = Cti::new();
    for a in ["2001", "2002", "2003"] {
        let _ = m.add_agent(AgentId::new(a), DeviceId::new(a), Duration::from_secs(5));
    }
    let _ = m.add_queue(DeviceId::new("701"));
    let boss = Principal { agent: AgentId::new("boss"), role: Role::Supervisor };
    let mut now = tdm::Instant::from_millis(1);
    let mut observers = BTreeMap::new();
    for d in ["2001", "2002", "2003", "701"] {
        if let Ok(ServiceResult::MonitorStarted { monitor_cross_ref_id, snapshot }) =
            m.handle_request(now, &boss, InvokeId(0), ServiceRequest::MonitorStart { monitor_object: DeviceId::new(d) })
        {
            observers.insert(monitor_cross_ref_id, DeviceObserver::new(DeviceId::new(d), &snapshot));
        }
    }
    for (i, s) in data.chunks_exact(4).take(256).enumerate() {
        let (kind, op, a, b) = (s[0], s[1], s[2], s[3]);
        match kind % 3 {
            0 => {
                let _ = m.handle_happening(now, happening(op, a, b));
            }
            1 => {
                let p = Principal {
                    agent: AgentId::new(DEVS[usize::from(kind >> 2) % 3]),
                    role: if kind & 0x80 != 0 { Role::Supervisor } else { Role::Agent },
                };
                let _ = m.handle_request(now, &p, InvokeId(i as u32), request(op, a, b));
            }
            _ => {
                now += Duration::from_millis(u64::from(u16::from_le_bytes([a, b])));
                m.handle_timeout(now);
            }
        }
        while m.poll_transmit().is_some() {}
        while let Some(o) = m.poll_event() {
            if let Output::Event(r) = o
                && let Some(obs) = observers.get_mut(&r.monitor_cross_ref_id)
            {
                obs.apply(&r);
            }
        }
        for obs in observers.values() {
            assert_eq!(obs.to_snapshot(), m.snapshot_device(&obs.device));
        }
    }
});
