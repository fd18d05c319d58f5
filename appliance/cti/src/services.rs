//! Services in: typed requests (ECMA-269 §17 call control, §21 logical device features,
//! §12 monitoring, §13 snapshot) and their positive responses and errors (ECMA-269 §9.3
//! "Operational errors", the subset this model can produce).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::types::{
    AgentId, AgentState, CallId, ConnectionId, DeviceId, LocalConnectionState, MonitorId,
    RecordingState, RequestedAgentState, ScreenPop,
};

/// A service request. `service` names it; the fields follow ECMA-269's parameter names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "service", rename_all_fields = "camelCase")]
pub enum ServiceRequest {
    /// §17.1.x Make Call (click-to-dial): call `called_directory_number` from `calling_device`.
    MakeCall {
        /// The agent's own device.
        calling_device: DeviceId,
        /// What to dial.
        called_directory_number: String,
    },
    /// §17.1.x Answer Call: answer an alerting connection.
    AnswerCall {
        /// The alerting connection.
        call_to_be_answered: ConnectionId,
    },
    /// §17.1.x Clear Connection: hang up one connection.
    ClearConnection {
        /// The connection.
        connection_to_be_cleared: ConnectionId,
    },
    /// §17.1.x Hold Call.
    HoldCall {
        /// The connected connection.
        call_to_be_held: ConnectionId,
    },
    /// §17.1.x Retrieve Call.
    RetrieveCall {
        /// The held connection.
        call_to_be_retrieved: ConnectionId,
    },
    /// §17.1.x Alternate Call: hold the active call and retrieve the held one, at one device.
    AlternateCall {
        /// The connected connection to put on hold.
        active_call: ConnectionId,
        /// The held connection to retrieve.
        held_call: ConnectionId,
    },
    /// §17.1.x Consultation Call: hold the existing call and call `consulted_device`.
    ConsultationCall {
        /// The connected connection to put on hold.
        existing_call: ConnectionId,
        /// What to dial.
        consulted_device: String,
    },
    /// §17.1.x Transfer Call: join the held call and the active (consultation) call and leave.
    TransferCall {
        /// The held connection.
        held_call: ConnectionId,
        /// The active connection.
        active_call: ConnectionId,
    },
    /// §17.1.x Single Step Transfer Call (blind transfer).
    SingleStepTransferCall {
        /// The connected connection of the transferring device.
        active_call: ConnectionId,
        /// Where the other party goes.
        transferred_to: String,
    },
    /// §17.1.x Conference Call: join the held call and the active call, and stay.
    ConferenceCall {
        /// The held connection.
        held_call: ConnectionId,
        /// The active connection.
        active_call: ConnectionId,
    },
    /// §17.1.x Deflect Call: send an alerting call elsewhere.
    DeflectCall {
        /// The alerting connection.
        call_to_be_diverted: ConnectionId,
        /// Where it goes.
        new_destination: String,
    },
    /// §17.2.x Generate Digits (DTMF on a connected call).
    GenerateDigits {
        /// The connected connection.
        connection_to_send_digits: ConnectionId,
        /// `0-9 * # A-D`, 1 to 32 of them.
        char_to_send: String,
    },
    /// Start recording the call of a connected (or held) connection: both legs, one WAV.
    /// Maps ECMA-269's voice unit service Record Message (`callToBeRecorded`); the
    /// recording is this switch's, not a message on a voice unit. Reported with the
    /// `Recording` event (`recording`).
    StartRecording {
        /// The requesting device's connection in the call.
        call_to_be_recorded: ConnectionId,
    },
    /// Pause the call's recording (card payments): the file stays open and the pause is
    /// written as silence. Maps ECMA-269's voice unit service Suspend (older editions have
    /// no "pause recording"). Reported with the `Recording` event (`suspended`).
    SuspendRecording {
        /// The requesting device's connection in the call.
        call_to_be_recorded: ConnectionId,
    },
    /// Resume a suspended recording. Maps ECMA-269's voice unit service Resume. Reported
    /// with the `Recording` event (`recording`).
    ResumeRecording {
        /// The requesting device's connection in the call.
        call_to_be_recorded: ConnectionId,
    },
    /// Stop the call's recording and close the file. Maps ECMA-269's voice unit service
    /// Stop. Reported with the `Recording` event (`stopped`).
    StopRecording {
        /// The requesting device's connection in the call.
        call_to_be_recorded: ConnectionId,
    },
    /// §21.1.x Set Agent State.
    SetAgentState {
        /// The agent (a plain agent may name only itself).
        agent: AgentId,
        /// What it wants to be.
        requested_agent_state: RequestedAgentState,
    },
    /// §17.x Associate Data: the agent's disposition and notes for the interaction record
    /// (allowed while the agent is in the call or in its wrap-up).
    AssociateData {
        /// The call.
        call: CallId,
        /// Disposition code, when set.
        disposition: Option<String>,
        /// Notes, when set (replaces earlier notes).
        notes: Option<String>,
    },
    /// §13.1.x Snapshot Device.
    SnapshotDevice {
        /// The device.
        snapshot_object: DeviceId,
    },
    /// §13.1.x Snapshot Call.
    SnapshotCall {
        /// The call.
        snapshot_object: CallId,
    },
    /// §12.2.x Monitor Start: events of this device go to the requester.
    MonitorStart {
        /// The device.
        monitor_object: DeviceId,
    },
    /// §12.2.x Monitor Stop.
    MonitorStop {
        /// The monitor.
        monitor_cross_ref_id: MonitorId,
    },
    /// §17.1.x Single Step Conference, for supervisors: `device_to_join` (the supervisor's
    /// phone) is rung and, when answered, joins the connected call of `agent`'s device (the
    /// CSTA `activeCall`, found by the switch) with `participation_type`. Asked again for
    /// the same agent and device while that phone is in the call (or still ringing), it
    /// changes the participation mid-call (silent → whisper → active). Supervisors only;
    /// the supervisor's phone leaves the call by hanging up (or ClearConnection).
    SingleStepConference {
        /// The agent whose connected call is joined.
        agent: AgentId,
        /// The phone (an extension) that joins.
        device_to_join: DeviceId,
        /// How it takes part.
        participation_type: ParticipationType,
    },
}

/// How a joining device takes part in a call (ECMA-269 `participationType`: `silent` and
/// `active`; `whisper` is this switch's coaching mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ParticipationType {
    /// Listen: hears both parties, heard by nobody.
    Silent,
    /// Whisper: hears both parties, heard by the agent only.
    Whisper,
    /// Barge: a full party of a three-way call.
    Active,
}

impl ServiceRequest {
    /// The service name as on the wire.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::MakeCall { .. } => "MakeCall",
            Self::AnswerCall { .. } => "AnswerCall",
            Self::ClearConnection { .. } => "ClearConnection",
            Self::HoldCall { .. } => "HoldCall",
            Self::RetrieveCall { .. } => "RetrieveCall",
            Self::AlternateCall { .. } => "AlternateCall",
            Self::ConsultationCall { .. } => "ConsultationCall",
            Self::TransferCall { .. } => "TransferCall",
            Self::SingleStepTransferCall { .. } => "SingleStepTransferCall",
            Self::ConferenceCall { .. } => "ConferenceCall",
            Self::DeflectCall { .. } => "DeflectCall",
            Self::GenerateDigits { .. } => "GenerateDigits",
            Self::StartRecording { .. } => "StartRecording",
            Self::SuspendRecording { .. } => "SuspendRecording",
            Self::ResumeRecording { .. } => "ResumeRecording",
            Self::StopRecording { .. } => "StopRecording",
            Self::SetAgentState { .. } => "SetAgentState",
            Self::AssociateData { .. } => "AssociateData",
            Self::SnapshotDevice { .. } => "SnapshotDevice",
            Self::SnapshotCall { .. } => "SnapshotCall",
            Self::MonitorStart { .. } => "MonitorStart",
            Self::MonitorStop { .. } => "MonitorStop",
            Self::SingleStepConference { .. } => "SingleStepConference",
        }
    }
}

/// A positive response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "result", rename_all_fields = "camelCase")]
pub enum ServiceResult {
    /// Accepted; its effects arrive as events. For MakeCall and ConsultationCall the events
    /// of the new call carry the request's invoke id as `correlator`.
    Ack,
    /// Monitor Start accepted.
    MonitorStarted {
        /// The cross-reference id every event report of this monitor carries.
        monitor_cross_ref_id: MonitorId,
        /// The device's state now, to start an observer from.
        snapshot: DeviceSnapshot,
    },
    /// Snapshot Device.
    DeviceSnapshot {
        /// The snapshot.
        snapshot: DeviceSnapshot,
    },
    /// Snapshot Call.
    CallSnapshot {
        /// The snapshot.
        snapshot: CallSnapshot,
    },
}

/// One call at a device in a Snapshot Device response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSnapshotEntry {
    /// The call.
    pub call: CallId,
    /// The device's connection state in it.
    pub local_connection_state: LocalConnectionState,
}

/// Snapshot Device result (ECMA-269 §13.1.x), plus the agent's state for agent devices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSnapshot {
    /// Calls at the device, by call id.
    pub calls: Vec<DeviceSnapshotEntry>,
    /// The agent logged on at this device's extension, for agent devices.
    pub agent_state: Option<AgentState>,
}

/// One connection in a Snapshot Call response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallSnapshotEntry {
    /// The device.
    pub device: DeviceId,
    /// Its connection state.
    pub local_connection_state: LocalConnectionState,
}

/// Snapshot Call result (ECMA-269 §13.1.x).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallSnapshot {
    /// The call.
    pub call: CallId,
    /// Calling party.
    pub calling_device: DeviceId,
    /// Called party.
    pub called_device: DeviceId,
    /// Connections, by device.
    pub connections: Vec<CallSnapshotEntry>,
    /// Screen-pop data attached to the call.
    pub screen_pop: ScreenPop,
    /// The call's recording, when one was started.
    #[serde(default)]
    pub recording: Option<RecordingState>,
}

/// A negative response: the CSTA error (ECMA-269 §9.3), typed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, thiserror::Error,
)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum CstaError {
    /// The call does not exist.
    #[error("invalidCallID: no such call")]
    InvalidCallId,
    /// The device has no connection in that call.
    #[error("invalidConnectionID: no such connection")]
    InvalidConnectionId,
    /// No such device or agent.
    #[error("invalidDeviceID: no such device")]
    InvalidDeviceId,
    /// The destination is not a dialable number.
    #[error("invalidCalledDeviceID: the destination is not a dialable number")]
    InvalidCalledDeviceId,
    /// The connection is not in a state this service accepts.
    #[error("invalidObjectState: the connection's state does not allow this service")]
    InvalidObjectState,
    /// The two connections of an Alternate/Transfer/Conference are not at one device.
    #[error("invalidConnectionIDForActiveCall: the connections are not at the same device")]
    ConnectionsNotAtSameDevice,
    /// The device already has an active call.
    #[error("invalidObjectState: the device already has an active call")]
    DeviceBusy,
    /// The requested agent state cannot be reached from the current one.
    #[error("invalidAgentState: transition not allowed")]
    InvalidAgentState,
    /// The principal may not act on this device, call or agent.
    #[error("privilegeViolationSpecifiedDevice: not your device, call or agent")]
    PrivilegeViolation,
    /// The digits are not DTMF digits or too many.
    #[error("invalidParameterValue: digits must be 1-32 of 0-9 * # A-D")]
    InvalidDigits,
    /// Text too long (disposition over 64, notes over 4096 characters).
    #[error("invalidParameterValue: text too long")]
    TextTooLong,
    /// No such monitor.
    #[error("invalidMonitorCrossRefID: no such monitor")]
    InvalidMonitorCrossRefId,
    /// The service is valid but cannot be carried out on this device or call (e.g.
    /// AnswerCall on a phone no channel can answer remotely).
    #[error("serviceNotSupported: the switch cannot carry out this service here")]
    ServiceNotSupported,
}
