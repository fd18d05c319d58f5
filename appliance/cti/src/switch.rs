//! The neutral vocabulary between the model and the switch/ACD, which the daemon maps onto
//! the `switch` and `acd` crates: commands out (accepted services), happenings in (what the
//! switch and ACD report), from which the model makes CSTA events.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::types::{
    AgentId, CallId, CustomerCard, DeviceId, InvokeId, LegId, ReasonCode, RecordingState, ScreenPop,
};

/// What the switch should do. The model changes no call state for these: it waits for the
/// matching [`Happening`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SwitchCommand {
    /// Originate a call from `device` to `destination`; report it with
    /// [`Happening::Originated`] carrying `correlator`.
    MakeCall {
        /// The MakeCall's invoke id.
        correlator: InvokeId,
        /// The calling agent device.
        device: DeviceId,
        /// Dialled number.
        destination: String,
    },
    /// Answer an alerting leg.
    Answer {
        /// The leg.
        leg: LegId,
    },
    /// Release a leg.
    Clear {
        /// The leg.
        leg: LegId,
    },
    /// Put a leg on hold.
    Hold {
        /// The leg.
        leg: LegId,
    },
    /// Take a leg off hold.
    Retrieve {
        /// The leg.
        leg: LegId,
    },
    /// Hold `hold` and retrieve `retrieve` (same device).
    Alternate {
        /// Leg to hold.
        hold: LegId,
        /// Leg to retrieve.
        retrieve: LegId,
    },
    /// Hold `hold` and originate a consultation call from the same device.
    Consult {
        /// The ConsultationCall's invoke id.
        correlator: InvokeId,
        /// The leg to hold.
        hold: LegId,
        /// The consulting device.
        device: DeviceId,
        /// Dialled number.
        destination: String,
    },
    /// Join the far ends of `held` and `active` and drop the transferring device.
    Transfer {
        /// The transferring device's held leg.
        held: LegId,
        /// The transferring device's active leg.
        active: LegId,
    },
    /// Send the other party of `leg` to `destination` and drop `leg`.
    SingleStepTransfer {
        /// The transferring device's leg.
        leg: LegId,
        /// Where the other party goes.
        destination: String,
    },
    /// Bridge `held` and `active` into one conference, keeping the conferencing device.
    Conference {
        /// The conferencing device's held leg.
        held: LegId,
        /// The conferencing device's active leg.
        active: LegId,
    },
    /// Redirect an alerting leg to `destination`.
    Deflect {
        /// The alerting leg.
        leg: LegId,
        /// Where the call goes.
        destination: String,
    },
    /// Play DTMF digits (RFC 4733 / in-band) towards the far end of `leg`.
    SendDigits {
        /// The leg.
        leg: LegId,
        /// The digits.
        digits: String,
    },
    /// Recording control of the bridge `leg` is in; report it with
    /// [`Happening::Recording`].
    Record {
        /// The requesting device's leg.
        leg: LegId,
        /// What to do.
        action: RecordingAction,
    },
}

/// A recording control action ([`SwitchCommand::Record`]), one per recording service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecordingAction {
    /// Start recording (`StartRecording`).
    Start,
    /// Pause (`SuspendRecording`).
    Suspend,
    /// Resume after a pause (`ResumeRecording`).
    Resume,
    /// Stop and close the file (`StopRecording`).
    Stop,
}

/// What the ACD should do, to follow an agent's state. The model applies SetAgentState
/// itself (it owns the agent state machine) and tells the ACD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AcdCommand {
    /// The agent logged on at `device`.
    LogOn {
        /// Agent.
        agent: AgentId,
        /// Its device.
        device: DeviceId,
    },
    /// The agent logged off.
    LogOff {
        /// Agent.
        agent: AgentId,
    },
    /// The agent takes ACD calls.
    Ready {
        /// Agent.
        agent: AgentId,
    },
    /// The agent is paused.
    NotReady {
        /// Agent.
        agent: AgentId,
        /// Reason.
        reason: Option<ReasonCode>,
    },
    /// The agent is in wrap-up.
    WorkingAfterCall {
        /// Agent.
        agent: AgentId,
    },
}

/// A command for the daemon to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// For the switch.
    Switch(SwitchCommand),
    /// For the ACD.
    Acd(AcdCommand),
}

/// Why a leg ended or failed, as the switch saw it (mapped from Q.850 / SIP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClearCause {
    /// Normal clearing.
    Normal,
    /// Busy.
    Busy,
    /// No answer.
    NoAnswer,
    /// Unallocated or unreachable number.
    Unreachable,
    /// Cancelled before answer (the caller gave up).
    Cancelled,
    /// Congestion or trunk failure.
    Congestion,
}

/// What the switch or ACD reports. Each refers to calls and legs the switch named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Happening {
    /// A call came in: its calling party `caller` is on `leg` (connected to the switch: IVR,
    /// queue or ringing an extension).
    Incoming {
        /// The call.
        call: CallId,
        /// The caller's leg.
        leg: LegId,
        /// Caller number (device).
        caller: DeviceId,
        /// Called number.
        called: DeviceId,
    },
    /// The call entered an ACD queue; the host attaches the IVR data and the CRM customer it
    /// looked up by the caller's number.
    Queued {
        /// The call.
        call: CallId,
        /// The queue device.
        queue: DeviceId,
        /// IVR-collected data.
        ivr_data: BTreeMap<String, String>,
        /// CRM customer.
        customer: Option<CustomerCard>,
    },
    /// `device` is alerted on `leg` in `call` (an agent offered a queued call, a direct call,
    /// the far end of a MakeCall, a deflection's or transfer's new target).
    Alerting {
        /// The call.
        call: CallId,
        /// The new leg.
        leg: LegId,
        /// The alerted device.
        device: DeviceId,
        /// Screen-pop data to attach (merged into what the call has).
        screen_pop: Option<ScreenPop>,
    },
    /// `device` went off-hook and dials `destination` (MakeCall/ConsultationCall, or by hand).
    Originated {
        /// The new call.
        call: CallId,
        /// The device's leg.
        leg: LegId,
        /// The calling device.
        device: DeviceId,
        /// Dialled number.
        destination: DeviceId,
        /// The invoke id from [`SwitchCommand::MakeCall`] or [`SwitchCommand::Consult`].
        correlator: Option<InvokeId>,
    },
    /// A leg was answered.
    Answered {
        /// The leg.
        leg: LegId,
    },
    /// A leg is on hold.
    Held {
        /// The leg.
        leg: LegId,
    },
    /// A leg is off hold.
    Retrieved {
        /// The leg.
        leg: LegId,
    },
    /// A connection attempt on a leg failed (the leg stays until cleared).
    Failed {
        /// The leg.
        leg: LegId,
        /// Why.
        cause: ClearCause,
    },
    /// A leg ended.
    Cleared {
        /// The leg.
        leg: LegId,
        /// Why.
        cause: ClearCause,
    },
    /// An alerting leg was redirected to `to` (deflect); a new [`Happening::Alerting`] follows.
    Diverted {
        /// The leg that went away.
        leg: LegId,
        /// The new destination.
        to: DeviceId,
    },
    /// `transferring_device` left; the other connections of `primary` (and `secondary`) now
    /// form `resulting`. Single-step transfers have no `secondary`; the target's
    /// [`Happening::Alerting`] follows.
    Transferred {
        /// The held call (or the only call).
        primary: CallId,
        /// The consultation call.
        secondary: Option<CallId>,
        /// Who transferred.
        transferring_device: DeviceId,
        /// The resulting call id (may equal one of the others).
        resulting: CallId,
    },
    /// The connections of `primary` and `secondary` now form `resulting`; the conferencing
    /// device keeps one connection (its leg in `primary`'s place is released).
    Conferenced {
        /// The held call.
        primary: CallId,
        /// The active call.
        secondary: CallId,
        /// Who conferenced.
        conferencing_device: DeviceId,
        /// The resulting call id (may equal one of the others).
        resulting: CallId,
    },
    /// The switch applied a recording action to the call (whoever asked: the recording
    /// policy, the recording control endpoint or a CTI service).
    Recording {
        /// The call.
        call: CallId,
        /// Its recording's state now.
        state: RecordingState,
    },
    /// A recording of the call started (the id goes into the interaction record).
    RecordingStarted {
        /// The call.
        call: CallId,
        /// The recordings index id.
        recording_id: String,
    },
    /// The ACD changed an agent's state itself (auto-pause after a no-answer, forced by a
    /// supervisor through the admin panel…).
    AgentStateForced {
        /// The agent.
        agent: AgentId,
        /// Ready or NotReady(reason); other values are refused.
        ready: bool,
        /// The NotReady reason.
        reason: Option<ReasonCode>,
    },
}
