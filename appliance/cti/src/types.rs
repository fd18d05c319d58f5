//! The CSTA object model: devices, calls, connections, connection states and agent states
//! (ECMA-269 §6 "CSTA Switching Function objects").

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A device identifier (ECMA-269 §6.1.1 "Device"): an agent extension (`"2001"`), an ACD
/// queue device (`"701"`), or an outside party's number (`"+8613800138000"`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct DeviceId(pub String);

impl DeviceId {
    /// A device id from text.
    #[must_use]
    pub fn new(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A call identifier (ECMA-269 §6.1.2 "Call"). The switch names calls; the model uses its ids.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A switch leg: the technology-neutral half-call the switch keeps for one connection.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct LegId(pub u64);

/// An agent (ECMA-269 §6.1.1.4 "ACD agent", a logical device), e.g. `"2001"`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct AgentId(pub String);

impl AgentId {
    /// An agent id from text.
    #[must_use]
    pub fn new(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// The invoke id a client puts on every request; the response carries it back, and events
/// caused by a MakeCall or ConsultationCall carry it as `correlator`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct InvokeId(pub u32);

/// A monitor cross-reference id (ECMA-269 §12.2.1 "Monitor Start": `monitorCrossRefID`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct MonitorId(pub u32);

/// A NotReady reason code (the ACD's pause reasons: 1 break, 2 training, … as configured).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct ReasonCode(pub u16);

/// A connection: the relation between one call and one device (ECMA-269 §6.1.3
/// "Connection", `ConnectionID` = call + device).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionId {
    /// The call.
    pub call: CallId,
    /// The device.
    pub device: DeviceId,
}

impl ConnectionId {
    /// `call` at `device`.
    #[must_use]
    pub fn new(call: CallId, device: &DeviceId) -> Self {
        Self {
            call,
            device: device.clone(),
        }
    }
}

/// What a call's recording is doing (card payments: suspended while the card number is
/// read out). ECMA-269 voice unit services record a call as a "message"; this switch
/// records the bridge of the call (both legs, one stereo WAV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum RecordingState {
    /// Recording both directions.
    Recording,
    /// Suspended (paused): the file stays open, the suspended part is written as silence.
    Suspended,
    /// Stopped: the file is closed (a later start opens a new one).
    Stopped,
}

/// CSTA connection states (ECMA-269 §6.1.3.1 "Connection states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum LocalConnectionState {
    /// No relation between the call and the device.
    Null,
    /// The device asked for service (dialling).
    Initiated,
    /// The device is alerted (ringing).
    Alerting,
    /// The device takes part in the call.
    Connected,
    /// The device takes part, inactive (on hold).
    Hold,
    /// The call is held up in a queue at the device.
    Queued,
    /// A connection attempt was aborted (busy, unreachable…).
    Fail,
}

/// Agent states (ECMA-269 §6.1.1.4 "Agent states"; `agentNull` is [`Self::LoggedOff`]).
/// An agent that logs on is in `NotReady` with no reason until it asks for `Ready`.
/// "Busy" is not a state of its own here: it is a Ready agent with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum AgentState {
    /// Not logged on.
    LoggedOff,
    /// Logged on, not taking ACD calls.
    NotReady {
        /// Why (break, training…); `None` right after log-on.
        reason: Option<ReasonCode>,
    },
    /// Logged on, taking ACD calls.
    Ready,
    /// Wrap-up after an ACD call.
    WorkingAfterCall,
}

/// The states an agent may ask for with SetAgentState (ECMA-269 §21.1.x "Set Agent State",
/// `requestedAgentState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum RequestedAgentState {
    /// Log on (the agent lands in NotReady).
    LoggedOn,
    /// Log off (refused while the agent's device has calls).
    LoggedOff,
    /// Ready for ACD calls.
    Ready,
    /// Not ready, with a reason.
    NotReady {
        /// Reason code.
        reason: Option<ReasonCode>,
    },
    /// Wrap-up by hand (ends by itself after the agent's wrap-up time, if it has one).
    WorkingAfterCall,
}

/// Who is asking: the web layer authenticates the agent and passes this with every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    /// The authenticated agent.
    pub agent: AgentId,
    /// Its role.
    pub role: Role,
}

/// A principal's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// May act on its own device and agent only.
    Agent,
    /// May act on any device and agent.
    Supervisor,
}

/// The CRM customer the host found for the caller (the model never queries the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerCard {
    /// The store's customer id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Company.
    pub company: String,
    /// VIP flag.
    pub vip: bool,
    /// Preferred agent, when set.
    pub account_owner: Option<String>,
}

/// The screen-pop data travelling with a call: what the IVR collected and who the caller is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScreenPop {
    /// The queue the call came through.
    pub queue: Option<DeviceId>,
    /// IVR-collected variables (`account` → `12345678`).
    pub ivr_data: BTreeMap<String, String>,
    /// The CRM customer, when the caller is known.
    pub customer: Option<CustomerCard>,
}

/// Direction of a call as the interaction history sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Came in from outside (or through a queue).
    Inbound,
    /// Placed by an agent (MakeCall).
    Outbound,
}

impl Direction {
    /// The store's text for it (`inbound` / `outbound`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// Event causes (ECMA-269 §12.x "EventCause", the subset this switch produces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum EventCause {
    /// A new call.
    NewCall,
    /// Normal progress or clearing.
    NormalClearing,
    /// The ACD distributed the call to an agent.
    Distributed,
    /// The call entered a queue.
    EnteringDistribution,
    /// A consultation call.
    Consultation,
    /// A transfer.
    Transfer,
    /// A single-step (blind) transfer.
    SingleStepTransfer,
    /// A conference.
    Conference,
    /// A deflection (redirect while alerting).
    Redirected,
    /// Busy.
    Busy,
    /// No answer.
    NoAnswer,
    /// The destination does not exist or cannot be reached.
    DestNotObtainable,
    /// The call was cancelled before being answered.
    CallCancelled,
    /// Network congestion or trunk failure.
    NetworkCongestion,
    /// The agent's state changed at the agent's request.
    AgentRequest,
    /// The ACD changed the agent's state (auto-pause on no-answer…).
    AcdChange,
    /// The wrap-up timer ran out.
    WrapUpTimeout,
}
