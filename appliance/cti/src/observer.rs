//! A client-side observer: rebuilds one device's view (its calls and connection states, the
//! agent's state) from a Monitor Start snapshot and the monitor's event reports. The agent
//! desktop does this; the tests use it to check the model never disagrees with its events.

use std::collections::BTreeMap;

use crate::events::{CstaEvent, EventReport};
use crate::services::{DeviceSnapshot, DeviceSnapshotEntry};
use crate::types::{AgentState, CallId, DeviceId, LocalConnectionState};

/// One device's state as seen through its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceObserver {
    /// The device.
    pub device: DeviceId,
    /// Its connection state per call.
    pub calls: BTreeMap<CallId, LocalConnectionState>,
    /// The agent's state, for agent devices.
    pub agent_state: Option<AgentState>,
}

impl DeviceObserver {
    /// Starts from the snapshot a Monitor Start returned.
    #[must_use]
    pub fn new(device: DeviceId, snapshot: &DeviceSnapshot) -> Self {
        Self {
            device,
            calls: snapshot
                .calls
                .iter()
                .map(|e| (e.call, e.local_connection_state))
                .collect(),
            agent_state: snapshot.agent_state,
        }
    }

    /// Applies one event report of this device's monitor.
    pub fn apply(&mut self, r: &EventReport) {
        for old in r.event.old_calls() {
            self.calls.remove(&old);
        }
        if let (Some(call), Some(local)) = (r.event.call(), r.local_connection_info) {
            if local == LocalConnectionState::Null {
                self.calls.remove(&call);
            } else {
                self.calls.insert(call, local);
            }
        }
        match &r.event {
            CstaEvent::AgentLoggedOn { .. } => {
                self.agent_state = Some(AgentState::NotReady { reason: None });
            }
            CstaEvent::AgentLoggedOff { .. } => self.agent_state = Some(AgentState::LoggedOff),
            CstaEvent::AgentReady { .. } => self.agent_state = Some(AgentState::Ready),
            CstaEvent::AgentNotReady { reason, .. } => {
                self.agent_state = Some(AgentState::NotReady { reason: *reason });
            }
            CstaEvent::AgentWorkingAfterCall { .. } => {
                self.agent_state = Some(AgentState::WorkingAfterCall);
            }
            _ => {}
        }
    }

    /// The view as a Snapshot Device result, to compare with the model's.
    #[must_use]
    pub fn to_snapshot(&self) -> DeviceSnapshot {
        DeviceSnapshot {
            calls: self
                .calls
                .iter()
                .map(|(c, s)| DeviceSnapshotEntry {
                    call: *c,
                    local_connection_state: *s,
                })
                .collect(),
            agent_state: self.agent_state,
        }
    }
}
