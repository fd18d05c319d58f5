//! Events out (ECMA-269 §15 call control events, §19 logical device events), one report per
//! monitor, each with the monitored device's own connection state (`localConnectionInfo`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::types::{
    AgentId, CallId, ConnectionId, DeviceId, EventCause, InvokeId, LocalConnectionState, MonitorId,
    ReasonCode, RecordingState, ScreenPop,
};

/// One event as a monitor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventReport {
    /// The monitor it is for.
    pub monitor_cross_ref_id: MonitorId,
    /// The monitored device.
    pub device: DeviceId,
    /// When (µs, the host's clock as passed in as `now`).
    pub at_us: u64,
    /// The monitored device's connection state in [`CstaEvent::call`] after this event;
    /// `null` when the device has no connection there (any more). Absent for agent events.
    pub local_connection_info: Option<LocalConnectionState>,
    /// Why.
    pub cause: EventCause,
    /// What.
    pub event: CstaEvent,
}

/// Old and new connection ids after a transfer or conference (ECMA-269 `ConnectionList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionListEntry {
    /// The connection before.
    pub old_connection: ConnectionId,
    /// The connection in the resulting call.
    pub new_connection: ConnectionId,
}

/// A CSTA event. `event` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all_fields = "camelCase")]
pub enum CstaEvent {
    /// §15.x Service Initiated: the device went off-hook for a MakeCall or ConsultationCall.
    ServiceInitiated {
        /// The initiating connection.
        initiated_connection: ConnectionId,
        /// The invoke id of the MakeCall/ConsultationCall that caused it.
        correlator: Option<InvokeId>,
    },
    /// §15.x Originated: the device is dialling out.
    Originated {
        /// The originating connection.
        originated_connection: ConnectionId,
        /// Calling device.
        calling_device: DeviceId,
        /// Called device.
        called_device: DeviceId,
        /// The invoke id of the MakeCall/ConsultationCall that caused it.
        correlator: Option<InvokeId>,
    },
    /// §15.x Queued: the call waits in an ACD queue.
    Queued {
        /// The queued connection (at the queue device).
        queued_connection: ConnectionId,
        /// The queue.
        queue: DeviceId,
        /// Calling device.
        calling_device: DeviceId,
        /// Called device.
        called_device: DeviceId,
    },
    /// §15.x Delivered: a device is alerting; carries the screen pop.
    Delivered {
        /// The alerting connection.
        connection: ConnectionId,
        /// The alerting device.
        alerting_device: DeviceId,
        /// Calling device.
        calling_device: DeviceId,
        /// Called device.
        called_device: DeviceId,
        /// The device the call came from (the queue, a deflecting agent…).
        last_redirection_device: Option<DeviceId>,
        /// IVR data, queue and CRM customer.
        screen_pop: ScreenPop,
    },
    /// §15.x Established: a device answered.
    Established {
        /// The answering connection.
        established_connection: ConnectionId,
        /// The answering device.
        answering_device: DeviceId,
        /// Calling device.
        calling_device: DeviceId,
        /// Called device.
        called_device: DeviceId,
    },
    /// §15.x Held.
    Held {
        /// The held connection.
        held_connection: ConnectionId,
        /// The holding device.
        holding_device: DeviceId,
    },
    /// §15.x Retrieved.
    Retrieved {
        /// The retrieved connection.
        retrieved_connection: ConnectionId,
        /// The retrieving device.
        retrieving_device: DeviceId,
    },
    /// §15.x Transferred: two calls (or one, single-step) became `resulting_call`, without
    /// the transferring device.
    Transferred {
        /// The held (primary) call.
        primary_old_call: CallId,
        /// The consultation call; `None` for a single-step transfer.
        secondary_old_call: Option<CallId>,
        /// Who transferred.
        transferring_device: DeviceId,
        /// The call that remains.
        resulting_call: CallId,
        /// Where each remaining connection went.
        transferred_connections: Vec<ConnectionListEntry>,
    },
    /// §15.x Conferenced: two calls became `resulting_call`, with the conferencing device.
    Conferenced {
        /// The held (primary) call.
        primary_old_call: CallId,
        /// The other call.
        secondary_old_call: CallId,
        /// Who conferenced.
        conferencing_device: DeviceId,
        /// The call that remains.
        resulting_call: CallId,
        /// Where each remaining connection went.
        conference_connections: Vec<ConnectionListEntry>,
    },
    /// §15.x Diverted: the call left a device (queue distribution, deflect).
    Diverted {
        /// The connection that went away.
        connection: ConnectionId,
        /// The device it left.
        diverting_device: DeviceId,
        /// Where it goes.
        new_destination: DeviceId,
    },
    /// §15.x Failed: a connection attempt failed (busy, unreachable…).
    Failed {
        /// The failed connection.
        failed_connection: ConnectionId,
        /// The failing device.
        failing_device: DeviceId,
    },
    /// §15.x Connection Cleared: a device left the call.
    ConnectionCleared {
        /// The cleared connection.
        dropped_connection: ConnectionId,
        /// The releasing device.
        releasing_device: DeviceId,
    },
    /// The call's recording changed (started, suspended, resumed, stopped), sent to every
    /// monitored device in the call. Stands for ECMA-269's voice unit events Record,
    /// Suspend Record, Resume and Stop, as one event with the state.
    Recording {
        /// The call.
        call: CallId,
        /// Its recording's state now.
        recording_state: RecordingState,
    },
    /// §19.x Agent Logged On.
    AgentLoggedOn {
        /// The agent.
        agent: AgentId,
        /// Its device.
        agent_device: DeviceId,
    },
    /// §19.x Agent Logged Off.
    AgentLoggedOff {
        /// The agent.
        agent: AgentId,
        /// Its device.
        agent_device: DeviceId,
    },
    /// §19.x Agent Ready.
    AgentReady {
        /// The agent.
        agent: AgentId,
        /// Its device.
        agent_device: DeviceId,
    },
    /// §19.x Agent Not Ready.
    AgentNotReady {
        /// The agent.
        agent: AgentId,
        /// Its device.
        agent_device: DeviceId,
        /// Why.
        reason: Option<ReasonCode>,
    },
    /// §19.x Agent Working After Call.
    AgentWorkingAfterCall {
        /// The agent.
        agent: AgentId,
        /// Its device.
        agent_device: DeviceId,
        /// When the wrap-up ends by itself (µs), if it does.
        until_us: Option<u64>,
    },
}

impl CstaEvent {
    /// The event name as on the wire.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::ServiceInitiated { .. } => "ServiceInitiated",
            Self::Originated { .. } => "Originated",
            Self::Queued { .. } => "Queued",
            Self::Delivered { .. } => "Delivered",
            Self::Established { .. } => "Established",
            Self::Held { .. } => "Held",
            Self::Retrieved { .. } => "Retrieved",
            Self::Transferred { .. } => "Transferred",
            Self::Conferenced { .. } => "Conferenced",
            Self::Diverted { .. } => "Diverted",
            Self::Failed { .. } => "Failed",
            Self::ConnectionCleared { .. } => "ConnectionCleared",
            Self::Recording { .. } => "Recording",
            Self::AgentLoggedOn { .. } => "AgentLoggedOn",
            Self::AgentLoggedOff { .. } => "AgentLoggedOff",
            Self::AgentReady { .. } => "AgentReady",
            Self::AgentNotReady { .. } => "AgentNotReady",
            Self::AgentWorkingAfterCall { .. } => "AgentWorkingAfterCall",
        }
    }

    /// The call that `localConnectionInfo` describes; `None` for agent events.
    #[must_use]
    pub fn call(&self) -> Option<CallId> {
        match self {
            Self::ServiceInitiated {
                initiated_connection: c,
                ..
            }
            | Self::Originated {
                originated_connection: c,
                ..
            }
            | Self::Queued {
                queued_connection: c,
                ..
            }
            | Self::Delivered { connection: c, .. }
            | Self::Established {
                established_connection: c,
                ..
            }
            | Self::Held {
                held_connection: c, ..
            }
            | Self::Retrieved {
                retrieved_connection: c,
                ..
            }
            | Self::Diverted { connection: c, .. }
            | Self::Failed {
                failed_connection: c,
                ..
            }
            | Self::ConnectionCleared {
                dropped_connection: c,
                ..
            } => Some(c.call),
            Self::Transferred { resulting_call, .. } | Self::Conferenced { resulting_call, .. } => {
                Some(*resulting_call)
            }
            Self::Recording { call, .. } => Some(*call),
            Self::AgentLoggedOn { .. }
            | Self::AgentLoggedOff { .. }
            | Self::AgentReady { .. }
            | Self::AgentNotReady { .. }
            | Self::AgentWorkingAfterCall { .. } => None,
        }
    }

    /// Calls that this event ends for every device (the old calls of a transfer or
    /// conference, when they differ from the resulting call).
    #[must_use]
    pub fn old_calls(&self) -> Vec<CallId> {
        match self {
            Self::Transferred {
                primary_old_call,
                secondary_old_call,
                resulting_call,
                ..
            } => {
                let mut v = vec![*primary_old_call];
                v.extend(*secondary_old_call);
                v.retain(|c| c != resulting_call);
                v
            }
            Self::Conferenced {
                primary_old_call,
                secondary_old_call,
                resulting_call,
                ..
            } => {
                let mut v = vec![*primary_old_call, *secondary_old_call];
                v.retain(|c| c != resulting_call);
                v
            }
            _ => Vec::new(),
        }
    }
}
