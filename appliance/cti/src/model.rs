//! The CSTA switching-function model: services in, switch/ACD commands out, happenings in,
//! CSTA events and interaction records out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use tdm::Instant;

use crate::events::{ConnectionListEntry, CstaEvent, EventReport};
use crate::interaction::InteractionRecord;
use crate::services::{
    CallSnapshot, CallSnapshotEntry, CstaError, DeviceSnapshot, DeviceSnapshotEntry,
    ServiceRequest, ServiceResult,
};
use crate::switch::{AcdCommand, ClearCause, Command, Happening, RecordingAction, SwitchCommand};
use crate::types::{
    AgentId, AgentState, CallId, ConnectionId, DeviceId, Direction, EventCause, InvokeId, LegId,
    LocalConnectionState, MonitorId, Principal, RecordingState, RequestedAgentState, Role,
    ScreenPop,
};

/// Most monitors one model keeps (bounded so a client loop cannot grow it without end).
pub const MAX_MONITORS: usize = 4096;
/// Longest disposition code.
pub const MAX_DISPOSITION: usize = 64;
/// Longest notes text.
pub const MAX_NOTES: usize = 4096;

/// Happenings or configuration the model refused; the model's state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The happening names a call the model does not know.
    #[error("unknown call")]
    UnknownCall,
    /// The happening names a leg the model does not know.
    #[error("unknown leg")]
    UnknownLeg,
    /// A new call with an id already in use.
    #[error("call id already in use")]
    DuplicateCall,
    /// A new leg with an id already in use.
    #[error("leg id already in use")]
    DuplicateLeg,
    /// The device already has a connection in that call.
    #[error("device already in the call")]
    DeviceAlreadyInCall,
    /// The connection is not in a state this happening applies to.
    #[error("connection state does not allow this happening")]
    WrongState,
    /// Unknown agent.
    #[error("unknown agent")]
    UnknownAgent,
    /// The agent is logged off.
    #[error("agent logged off")]
    AgentLoggedOff,
    /// The device is already configured (as another agent's device or a queue).
    #[error("device already configured")]
    DeviceInUse,
    /// Too many monitors.
    #[error("too many monitors")]
    TooManyMonitors,
}

/// What the model gives the host besides commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// An event report for one monitor (route it to the monitor's owner).
    Event(EventReport),
    /// An interaction record to write into the store.
    Interaction(InteractionRecord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceKind {
    Agent,
    Queue,
}

#[derive(Debug)]
struct Agent {
    device: DeviceId,
    state: AgentState,
    wrap_up: Duration,
    wrap_until: Option<Instant>,
    pending: Option<InteractionRecord>,
}

#[derive(Debug, Clone)]
struct Conn {
    leg: Option<LegId>,
    state: LocalConnectionState,
    connected_at: Option<Instant>,
}

#[derive(Debug, Clone)]
struct Call {
    calling: DeviceId,
    called: DeviceId,
    direction: Direction,
    conns: BTreeMap<DeviceId, Conn>,
    screen_pop: ScreenPop,
    offered: Instant,
    remote_answered: Option<Instant>,
    agent_answered: bool,
    recording: Option<String>,
    /// What the call's recording is doing, as the switch last reported it.
    recording_state: Option<RecordingState>,
    last_redirection: Option<DeviceId>,
    /// Disposition and notes per agent device.
    notes: BTreeMap<DeviceId, (String, String)>,
}

#[derive(Debug)]
struct Monitor {
    device: DeviceId,
    owner: AgentId,
}

/// The CTI model. Drive it like every sans-IO machine of the project:
/// 1. configure devices with [`Cti::add_agent`] / [`Cti::add_queue`];
/// 2. pass each client request to [`Cti::handle_request`] and send back its result;
/// 3. pass each switch/ACD happening to [`Cti::handle_happening`];
/// 4. at [`Cti::poll_timeout`] call [`Cti::handle_timeout`];
/// 5. after each of those, drain [`Cti::poll_transmit`] (commands for the switch and ACD)
///    and [`Cti::poll_event`] (event reports per monitor, interaction records).
#[derive(Debug, Default)]
pub struct Cti {
    devices: BTreeMap<DeviceId, DeviceKind>,
    agents: BTreeMap<AgentId, Agent>,
    agent_by_device: BTreeMap<DeviceId, AgentId>,
    calls: BTreeMap<CallId, Call>,
    legs: BTreeMap<LegId, (CallId, DeviceId)>,
    monitors: BTreeMap<MonitorId, Monitor>,
    next_monitor: u32,
    commands: VecDeque<Command>,
    outputs: VecDeque<Output>,
}

fn valid_dial_string(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    (1..=32).contains(&body.len())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}

fn valid_dtmf(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'*' | b'#' | b'A'..=b'D' | b'a'..=b'd'))
}

const fn cause_of(c: ClearCause) -> EventCause {
    match c {
        ClearCause::Normal => EventCause::NormalClearing,
        ClearCause::Busy => EventCause::Busy,
        ClearCause::NoAnswer => EventCause::NoAnswer,
        ClearCause::Unreachable => EventCause::DestNotObtainable,
        ClearCause::Cancelled => EventCause::CallCancelled,
        ClearCause::Congestion => EventCause::NetworkCongestion,
    }
}

impl Cti {
    /// An empty model.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Configures an agent working at extension `device`, with `wrap_up` after ACD calls
    /// (zero: straight back to Ready).
    ///
    /// # Errors
    /// [`ModelError::DeviceInUse`] when the agent or device is already configured.
    pub fn add_agent(
        &mut self,
        agent: AgentId,
        device: DeviceId,
        wrap_up: Duration,
    ) -> Result<(), ModelError> {
        if self.devices.contains_key(&device) || self.agents.contains_key(&agent) {
            return Err(ModelError::DeviceInUse);
        }
        self.devices.insert(device.clone(), DeviceKind::Agent);
        self.agent_by_device.insert(device.clone(), agent.clone());
        self.agents.insert(
            agent,
            Agent {
                device,
                state: AgentState::LoggedOff,
                wrap_up,
                wrap_until: None,
                pending: None,
            },
        );
        Ok(())
    }

    /// Configures an ACD queue device.
    ///
    /// # Errors
    /// [`ModelError::DeviceInUse`] when the device is already configured.
    pub fn add_queue(&mut self, device: DeviceId) -> Result<(), ModelError> {
        if self.devices.contains_key(&device) {
            return Err(ModelError::DeviceInUse);
        }
        self.devices.insert(device, DeviceKind::Queue);
        Ok(())
    }

    /// The configured devices (agents' extensions and queues).
    pub fn devices(&self) -> impl Iterator<Item = &DeviceId> {
        self.devices.keys()
    }

    /// The agent a monitor belongs to (the web layer routes event reports by it).
    #[must_use]
    pub fn monitor_owner(&self, m: MonitorId) -> Option<&AgentId> {
        self.monitors.get(&m).map(|x| &x.owner)
    }

    /// The next command for the switch or ACD. Call after every `handle_*`.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The next event report or interaction record. Call after every `handle_*`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Self::handle_timeout`] is due next (the earliest wrap-up end).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.agents.values().filter_map(|a| a.wrap_until).min()
    }

    /// Ends the wrap-ups that are due: the agents go Ready (cause `wrapUpTimeout`).
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<AgentId> = self
            .agents
            .iter()
            .filter(|(_, a)| a.wrap_until.is_some_and(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.set_agent(now, &id, AgentState::Ready, EventCause::WrapUpTimeout, true);
        }
    }

    // ----- snapshots -----

    /// Snapshot Device, without privilege checks (for the host).
    #[must_use]
    pub fn snapshot_device(&self, device: &DeviceId) -> DeviceSnapshot {
        let calls = self
            .calls
            .iter()
            .filter_map(|(id, c)| {
                c.conns.get(device).map(|k| DeviceSnapshotEntry {
                    call: *id,
                    local_connection_state: k.state,
                })
            })
            .collect();
        let agent_state = self
            .agent_by_device
            .get(device)
            .and_then(|a| self.agents.get(a))
            .map(|a| a.state);
        DeviceSnapshot { calls, agent_state }
    }

    /// Snapshot Call, without privilege checks (for the host).
    #[must_use]
    pub fn snapshot_call(&self, call: CallId) -> Option<CallSnapshot> {
        let c = self.calls.get(&call)?;
        Some(CallSnapshot {
            call,
            calling_device: c.calling.clone(),
            called_device: c.called.clone(),
            connections: c
                .conns
                .iter()
                .map(|(d, k)| CallSnapshotEntry {
                    device: d.clone(),
                    local_connection_state: k.state,
                })
                .collect(),
            screen_pop: c.screen_pop.clone(),
            recording: c.recording_state,
        })
    }

    // ----- services -----

    fn own_device(&self, p: &Principal) -> Option<&DeviceId> {
        self.agents.get(&p.agent).map(|a| &a.device)
    }

    fn authorize(&self, p: &Principal, device: &DeviceId) -> Result<(), CstaError> {
        if p.role == Role::Supervisor {
            return Ok(());
        }
        match self.own_device(p) {
            Some(d) if d == device => Ok(()),
            _ => Err(CstaError::PrivilegeViolation),
        }
    }

    fn conn(&self, c: &ConnectionId) -> Result<&Conn, CstaError> {
        let call = self.calls.get(&c.call).ok_or(CstaError::InvalidCallId)?;
        call.conns
            .get(&c.device)
            .ok_or(CstaError::InvalidConnectionId)
    }

    /// A connection of the principal's (or, for supervisors, any) device in `state`.
    fn conn_in(
        &self,
        p: &Principal,
        c: &ConnectionId,
        states: &[LocalConnectionState],
    ) -> Result<Option<LegId>, CstaError> {
        self.authorize(p, &c.device)?;
        let k = self.conn(c)?;
        if !states.contains(&k.state) {
            return Err(CstaError::InvalidObjectState);
        }
        Ok(k.leg)
    }

    fn leg_of(
        &self,
        p: &Principal,
        c: &ConnectionId,
        states: &[LocalConnectionState],
    ) -> Result<LegId, CstaError> {
        self.conn_in(p, c, states)?
            .ok_or(CstaError::InvalidObjectState)
    }

    fn device_busy(&self, d: &DeviceId) -> bool {
        self.calls.values().any(|c| {
            c.conns.get(d).is_some_and(|k| {
                matches!(
                    k.state,
                    LocalConnectionState::Initiated
                        | LocalConnectionState::Alerting
                        | LocalConnectionState::Connected
                )
            })
        })
    }

    fn switch(&mut self, c: SwitchCommand) -> Result<ServiceResult, CstaError> {
        self.commands.push_back(Command::Switch(c));
        Ok(ServiceResult::Ack)
    }

    /// A recording service: the principal's own connection (supervisors: any) in the call,
    /// connected or held, and an action the recording's state allows.
    fn record(
        &mut self,
        p: &Principal,
        c: &ConnectionId,
        action: RecordingAction,
    ) -> Result<ServiceResult, CstaError> {
        use LocalConnectionState::{Connected, Hold};
        use RecordingState::{Recording, Stopped, Suspended};
        let leg = self.leg_of(p, c, &[Connected, Hold])?;
        let state = self.calls.get(&c.call).and_then(|x| x.recording_state);
        let fits = match action {
            RecordingAction::Start => matches!(state, None | Some(Stopped)),
            RecordingAction::Suspend => state == Some(Recording),
            RecordingAction::Resume => state == Some(Suspended),
            RecordingAction::Stop => matches!(state, Some(Recording | Suspended)),
        };
        if !fits {
            return Err(CstaError::InvalidObjectState);
        }
        self.switch(SwitchCommand::Record { leg, action })
    }

    /// Validates a service request from an authenticated principal against the model.
    /// Accepted call-control services queue a [`SwitchCommand`]; their effects arrive later
    /// as happenings. SetAgentState is applied at once (events and an [`AcdCommand`]).
    ///
    /// # Errors
    /// The CSTA error for the client; nothing changed.
    pub fn handle_request(
        &mut self,
        now: Instant,
        p: &Principal,
        invoke: InvokeId,
        req: ServiceRequest,
    ) -> Result<ServiceResult, CstaError> {
        use LocalConnectionState::{Alerting, Connected, Hold};
        match req {
            ServiceRequest::MakeCall {
                calling_device,
                called_directory_number,
            } => {
                self.authorize(p, &calling_device)?;
                if self.devices.get(&calling_device) != Some(&DeviceKind::Agent) {
                    return Err(CstaError::InvalidDeviceId);
                }
                if !valid_dial_string(&called_directory_number) {
                    return Err(CstaError::InvalidCalledDeviceId);
                }
                if self.device_busy(&calling_device) {
                    return Err(CstaError::DeviceBusy);
                }
                self.switch(SwitchCommand::MakeCall {
                    correlator: invoke,
                    device: calling_device,
                    destination: called_directory_number,
                })
            }
            ServiceRequest::AnswerCall {
                call_to_be_answered,
            } => {
                let leg = self.leg_of(p, &call_to_be_answered, &[Alerting])?;
                self.switch(SwitchCommand::Answer { leg })
            }
            ServiceRequest::ClearConnection {
                connection_to_be_cleared,
            } => {
                let leg = self.leg_of(
                    p,
                    &connection_to_be_cleared,
                    &[
                        LocalConnectionState::Initiated,
                        Alerting,
                        Connected,
                        Hold,
                        LocalConnectionState::Fail,
                    ],
                )?;
                self.switch(SwitchCommand::Clear { leg })
            }
            ServiceRequest::HoldCall { call_to_be_held } => {
                let leg = self.leg_of(p, &call_to_be_held, &[Connected])?;
                self.switch(SwitchCommand::Hold { leg })
            }
            ServiceRequest::RetrieveCall {
                call_to_be_retrieved,
            } => {
                let leg = self.leg_of(p, &call_to_be_retrieved, &[Hold])?;
                self.switch(SwitchCommand::Retrieve { leg })
            }
            ServiceRequest::AlternateCall {
                active_call,
                held_call,
            } => {
                let hold = self.leg_of(p, &active_call, &[Connected])?;
                let retrieve = self.leg_of(p, &held_call, &[Hold])?;
                if active_call.device != held_call.device {
                    return Err(CstaError::ConnectionsNotAtSameDevice);
                }
                self.switch(SwitchCommand::Alternate { hold, retrieve })
            }
            ServiceRequest::ConsultationCall {
                existing_call,
                consulted_device,
            } => {
                let hold = self.leg_of(p, &existing_call, &[Connected])?;
                if !valid_dial_string(&consulted_device) {
                    return Err(CstaError::InvalidCalledDeviceId);
                }
                self.switch(SwitchCommand::Consult {
                    correlator: invoke,
                    hold,
                    device: existing_call.device,
                    destination: consulted_device,
                })
            }
            ServiceRequest::TransferCall {
                held_call,
                active_call,
            } => {
                let (held, active) = self.two_calls(p, &held_call, &active_call)?;
                self.switch(SwitchCommand::Transfer { held, active })
            }
            ServiceRequest::SingleStepTransferCall {
                active_call,
                transferred_to,
            } => {
                let leg = self.leg_of(p, &active_call, &[Connected])?;
                if !valid_dial_string(&transferred_to) {
                    return Err(CstaError::InvalidCalledDeviceId);
                }
                self.switch(SwitchCommand::SingleStepTransfer {
                    leg,
                    destination: transferred_to,
                })
            }
            ServiceRequest::ConferenceCall {
                held_call,
                active_call,
            } => {
                let (held, active) = self.two_calls(p, &held_call, &active_call)?;
                self.switch(SwitchCommand::Conference { held, active })
            }
            ServiceRequest::DeflectCall {
                call_to_be_diverted,
                new_destination,
            } => {
                let leg = self.leg_of(p, &call_to_be_diverted, &[Alerting])?;
                if !valid_dial_string(&new_destination) {
                    return Err(CstaError::InvalidCalledDeviceId);
                }
                self.switch(SwitchCommand::Deflect {
                    leg,
                    destination: new_destination,
                })
            }
            ServiceRequest::GenerateDigits {
                connection_to_send_digits,
                char_to_send,
            } => {
                let leg = self.leg_of(p, &connection_to_send_digits, &[Connected])?;
                if !valid_dtmf(&char_to_send) {
                    return Err(CstaError::InvalidDigits);
                }
                self.switch(SwitchCommand::SendDigits {
                    leg,
                    digits: char_to_send,
                })
            }
            ServiceRequest::StartRecording {
                call_to_be_recorded: c,
            } => self.record(p, &c, RecordingAction::Start),
            ServiceRequest::SuspendRecording {
                call_to_be_recorded: c,
            } => self.record(p, &c, RecordingAction::Suspend),
            ServiceRequest::ResumeRecording {
                call_to_be_recorded: c,
            } => self.record(p, &c, RecordingAction::Resume),
            ServiceRequest::StopRecording {
                call_to_be_recorded: c,
            } => self.record(p, &c, RecordingAction::Stop),
            ServiceRequest::SetAgentState {
                agent,
                requested_agent_state,
            } => {
                if p.role != Role::Supervisor
                    && (p.agent != agent || !self.agents.contains_key(&p.agent))
                {
                    return Err(CstaError::PrivilegeViolation);
                }
                self.request_agent_state(now, &agent, requested_agent_state)?;
                Ok(ServiceResult::Ack)
            }
            ServiceRequest::AssociateData {
                call,
                disposition,
                notes,
            } => self.associate_data(p, call, disposition, notes),
            ServiceRequest::SnapshotDevice { snapshot_object } => {
                self.authorize(p, &snapshot_object)?;
                if !self.devices.contains_key(&snapshot_object)
                    && !self
                        .calls
                        .values()
                        .any(|c| c.conns.contains_key(&snapshot_object))
                {
                    return Err(CstaError::InvalidDeviceId);
                }
                Ok(ServiceResult::DeviceSnapshot {
                    snapshot: self.snapshot_device(&snapshot_object),
                })
            }
            ServiceRequest::SnapshotCall { snapshot_object } => {
                let call = self
                    .calls
                    .get(&snapshot_object)
                    .ok_or(CstaError::InvalidCallId)?;
                if p.role != Role::Supervisor {
                    let mine = self.own_device(p).ok_or(CstaError::PrivilegeViolation)?;
                    if !call.conns.contains_key(mine) {
                        return Err(CstaError::PrivilegeViolation);
                    }
                }
                self.snapshot_call(snapshot_object)
                    .map(|snapshot| ServiceResult::CallSnapshot { snapshot })
                    .ok_or(CstaError::InvalidCallId)
            }
            ServiceRequest::MonitorStart { monitor_object } => {
                self.authorize(p, &monitor_object)?;
                if !self.devices.contains_key(&monitor_object) {
                    return Err(CstaError::InvalidDeviceId);
                }
                if self.monitors.len() >= MAX_MONITORS {
                    return Err(CstaError::InvalidObjectState);
                }
                self.next_monitor = self.next_monitor.wrapping_add(1);
                while self.monitors.contains_key(&MonitorId(self.next_monitor)) {
                    self.next_monitor = self.next_monitor.wrapping_add(1);
                }
                let id = MonitorId(self.next_monitor);
                let snapshot = self.snapshot_device(&monitor_object);
                self.monitors.insert(
                    id,
                    Monitor {
                        device: monitor_object,
                        owner: p.agent.clone(),
                    },
                );
                Ok(ServiceResult::MonitorStarted {
                    monitor_cross_ref_id: id,
                    snapshot,
                })
            }
            ServiceRequest::MonitorStop {
                monitor_cross_ref_id,
            } => {
                let m = self
                    .monitors
                    .get(&monitor_cross_ref_id)
                    .ok_or(CstaError::InvalidMonitorCrossRefId)?;
                if m.owner != p.agent && p.role != Role::Supervisor {
                    return Err(CstaError::PrivilegeViolation);
                }
                self.monitors.remove(&monitor_cross_ref_id);
                Ok(ServiceResult::Ack)
            }
            // Carried out by the host that owns the switch (crate `callcenter`): the model
            // has no view of bridges.
            ServiceRequest::SingleStepConference { .. } => Err(CstaError::ServiceNotSupported),
        }
    }

    fn two_calls(
        &self,
        p: &Principal,
        held: &ConnectionId,
        active: &ConnectionId,
    ) -> Result<(LegId, LegId), CstaError> {
        let h = self.leg_of(p, held, &[LocalConnectionState::Hold])?;
        let a = self.leg_of(p, active, &[LocalConnectionState::Connected])?;
        if held.device != active.device {
            return Err(CstaError::ConnectionsNotAtSameDevice);
        }
        if held.call == active.call {
            return Err(CstaError::InvalidObjectState);
        }
        Ok((h, a))
    }

    fn associate_data(
        &mut self,
        p: &Principal,
        call: CallId,
        disposition: Option<String>,
        notes: Option<String>,
    ) -> Result<ServiceResult, CstaError> {
        if disposition
            .as_ref()
            .is_some_and(|d| d.len() > MAX_DISPOSITION)
            || notes.as_ref().is_some_and(|n| n.len() > MAX_NOTES)
        {
            return Err(CstaError::TextTooLong);
        }
        let agent = self
            .agents
            .get_mut(&p.agent)
            .ok_or(CstaError::PrivilegeViolation)?;
        if let Some(rec) = agent.pending.as_mut().filter(|r| r.call == call) {
            if let Some(d) = disposition {
                rec.disposition = d;
            }
            if let Some(n) = notes {
                rec.notes = n;
            }
            return Ok(ServiceResult::Ack);
        }
        let device = agent.device.clone();
        let c = self.calls.get_mut(&call).ok_or(CstaError::InvalidCallId)?;
        if !c.conns.contains_key(&device) {
            return Err(CstaError::PrivilegeViolation);
        }
        let e = c.notes.entry(device).or_default();
        if let Some(d) = disposition {
            e.0 = d;
        }
        if let Some(n) = notes {
            e.1 = n;
        }
        Ok(ServiceResult::Ack)
    }

    // ----- agent states -----

    fn request_agent_state(
        &mut self,
        now: Instant,
        agent: &AgentId,
        req: RequestedAgentState,
    ) -> Result<(), CstaError> {
        let a = self.agents.get(agent).ok_or(CstaError::InvalidDeviceId)?;
        let cur = a.state;
        let logged_on = cur != AgentState::LoggedOff;
        let new = match req {
            RequestedAgentState::LoggedOn if !logged_on => AgentState::NotReady { reason: None },
            RequestedAgentState::LoggedOff if logged_on => {
                if self.calls.values().any(|c| c.conns.contains_key(&a.device)) {
                    return Err(CstaError::InvalidAgentState);
                }
                AgentState::LoggedOff
            }
            RequestedAgentState::Ready
                if matches!(
                    cur,
                    AgentState::NotReady { .. } | AgentState::WorkingAfterCall
                ) =>
            {
                AgentState::Ready
            }
            RequestedAgentState::NotReady { reason }
                if logged_on && cur != (AgentState::NotReady { reason }) =>
            {
                AgentState::NotReady { reason }
            }
            RequestedAgentState::WorkingAfterCall
                if matches!(cur, AgentState::Ready | AgentState::NotReady { .. }) =>
            {
                AgentState::WorkingAfterCall
            }
            _ => return Err(CstaError::InvalidAgentState),
        };
        self.set_agent(now, agent, new, EventCause::AgentRequest, true);
        Ok(())
    }

    /// Moves an agent to `new`, with its event, ACD command and wrap-up bookkeeping.
    fn set_agent(
        &mut self,
        now: Instant,
        id: &AgentId,
        new: AgentState,
        cause: EventCause,
        tell_acd: bool,
    ) {
        let Some(a) = self.agents.get_mut(id) else {
            return;
        };
        let old = a.state;
        a.state = new;
        let device = a.device.clone();
        let mut flush = None;
        if new == AgentState::WorkingAfterCall {
            a.wrap_until = (!a.wrap_up.is_zero()).then(|| now + a.wrap_up);
        } else {
            a.wrap_until = None;
            flush = a.pending.take();
        }
        let until_us = a.wrap_until.map(Instant::as_micros);
        let agent = id.clone();
        let (event, acd) = match new {
            AgentState::LoggedOff => (
                CstaEvent::AgentLoggedOff {
                    agent: agent.clone(),
                    agent_device: device.clone(),
                },
                AcdCommand::LogOff { agent },
            ),
            AgentState::NotReady { .. } if old == AgentState::LoggedOff => (
                CstaEvent::AgentLoggedOn {
                    agent: agent.clone(),
                    agent_device: device.clone(),
                },
                AcdCommand::LogOn {
                    agent,
                    device: device.clone(),
                },
            ),
            AgentState::NotReady { reason } => (
                CstaEvent::AgentNotReady {
                    agent: agent.clone(),
                    agent_device: device.clone(),
                    reason,
                },
                AcdCommand::NotReady { agent, reason },
            ),
            AgentState::Ready => (
                CstaEvent::AgentReady {
                    agent: agent.clone(),
                    agent_device: device.clone(),
                },
                AcdCommand::Ready { agent },
            ),
            AgentState::WorkingAfterCall => (
                CstaEvent::AgentWorkingAfterCall {
                    agent: agent.clone(),
                    agent_device: device.clone(),
                    until_us,
                },
                AcdCommand::WorkingAfterCall { agent },
            ),
        };
        if tell_acd {
            self.commands.push_back(Command::Acd(acd));
        }
        let devs = BTreeSet::from([device]);
        self.report(now, &devs, None, cause, event);
        if let Some(r) = flush {
            self.outputs.push_back(Output::Interaction(r));
        }
    }

    // ----- events -----

    fn devices_in(&self, call: CallId) -> BTreeSet<DeviceId> {
        self.calls
            .get(&call)
            .map(|c| c.conns.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// One report per monitor of each device in `devices`, with that device's state in
    /// `call` after the change.
    fn report(
        &mut self,
        now: Instant,
        devices: &BTreeSet<DeviceId>,
        call: Option<CallId>,
        cause: EventCause,
        event: CstaEvent,
    ) {
        for (id, m) in &self.monitors {
            if !devices.contains(&m.device) {
                continue;
            }
            let local = call.map(|c| {
                self.calls
                    .get(&c)
                    .and_then(|x| x.conns.get(&m.device))
                    .map_or(LocalConnectionState::Null, |k| k.state)
            });
            self.outputs.push_back(Output::Event(EventReport {
                monitor_cross_ref_id: *id,
                device: m.device.clone(),
                at_us: now.as_micros(),
                local_connection_info: local,
                cause,
                event: event.clone(),
            }));
        }
    }

    fn call_event(
        &mut self,
        now: Instant,
        call: CallId,
        before: BTreeSet<DeviceId>,
        cause: EventCause,
        event: CstaEvent,
    ) {
        let mut devs = before;
        devs.extend(self.devices_in(call));
        self.report(now, &devs, Some(call), cause, event);
    }

    // ----- happenings -----

    fn leg(&self, leg: LegId) -> Result<(CallId, DeviceId), ModelError> {
        self.legs.get(&leg).cloned().ok_or(ModelError::UnknownLeg)
    }

    fn parties(&self, call: CallId) -> (DeviceId, DeviceId) {
        self.calls.get(&call).map_or_else(
            || (DeviceId::new(""), DeviceId::new("")),
            |c| (c.calling.clone(), c.called.clone()),
        )
    }

    fn set_state(
        &mut self,
        leg: LegId,
        from: &[LocalConnectionState],
        to: LocalConnectionState,
        now: Instant,
    ) -> Result<(CallId, DeviceId), ModelError> {
        let (call, dev) = self.leg(leg)?;
        let k = self
            .calls
            .get_mut(&call)
            .and_then(|c| c.conns.get_mut(&dev))
            .ok_or(ModelError::UnknownLeg)?;
        if !from.contains(&k.state) {
            return Err(ModelError::WrongState);
        }
        k.state = to;
        if to == LocalConnectionState::Connected && k.connected_at.is_none() {
            k.connected_at = Some(now);
        }
        Ok((call, dev))
    }

    /// Applies what the switch or ACD reports and emits the CSTA events for it.
    ///
    /// # Errors
    /// [`ModelError`] when the happening does not fit the model (unknown call or leg, wrong
    /// state); nothing changed then.
    #[allow(clippy::too_many_lines)]
    pub fn handle_happening(&mut self, now: Instant, h: Happening) -> Result<(), ModelError> {
        use LocalConnectionState::{Alerting, Connected, Fail, Hold, Initiated, Queued};
        match h {
            Happening::Incoming {
                call,
                leg,
                caller,
                called,
            } => {
                if self.calls.contains_key(&call) {
                    return Err(ModelError::DuplicateCall);
                }
                if self.legs.contains_key(&leg) {
                    return Err(ModelError::DuplicateLeg);
                }
                let conn = Conn {
                    leg: Some(leg),
                    state: Connected,
                    connected_at: Some(now),
                };
                self.legs.insert(leg, (call, caller.clone()));
                self.calls.insert(
                    call,
                    Call {
                        calling: caller.clone(),
                        called: called.clone(),
                        direction: Direction::Inbound,
                        conns: BTreeMap::from([(caller.clone(), conn)]),
                        screen_pop: ScreenPop::default(),
                        offered: now,
                        remote_answered: None,
                        agent_answered: false,
                        recording: None,
                        recording_state: None,
                        last_redirection: None,
                        notes: BTreeMap::new(),
                    },
                );
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NewCall,
                    CstaEvent::Originated {
                        originated_connection: ConnectionId::new(call, &caller),
                        calling_device: caller,
                        called_device: called,
                        correlator: None,
                    },
                );
            }
            Happening::Queued {
                call,
                queue,
                ivr_data,
                customer,
            } => {
                let c = self.calls.get_mut(&call).ok_or(ModelError::UnknownCall)?;
                if c.conns.contains_key(&queue) {
                    return Err(ModelError::DeviceAlreadyInCall);
                }
                c.conns.insert(
                    queue.clone(),
                    Conn {
                        leg: None,
                        state: Queued,
                        connected_at: None,
                    },
                );
                c.screen_pop.queue = Some(queue.clone());
                c.screen_pop.ivr_data.extend(ivr_data);
                if customer.is_some() {
                    c.screen_pop.customer = customer;
                }
                let (calling_device, called_device) = (c.calling.clone(), c.called.clone());
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::EnteringDistribution,
                    CstaEvent::Queued {
                        queued_connection: ConnectionId::new(call, &queue),
                        queue,
                        calling_device,
                        called_device,
                    },
                );
            }
            Happening::Alerting {
                call,
                leg,
                device,
                screen_pop,
            } => {
                if self.legs.contains_key(&leg) {
                    return Err(ModelError::DuplicateLeg);
                }
                let c = self.calls.get_mut(&call).ok_or(ModelError::UnknownCall)?;
                if c.conns.contains_key(&device) {
                    return Err(ModelError::DeviceAlreadyInCall);
                }
                if let Some(sp) = screen_pop {
                    c.screen_pop.ivr_data.extend(sp.ivr_data);
                    if sp.customer.is_some() {
                        c.screen_pop.customer = sp.customer;
                    }
                    if sp.queue.is_some() {
                        c.screen_pop.queue = sp.queue;
                    }
                }
                // A queued call distributed to this device leaves the queue (Diverted).
                let queued: Vec<DeviceId> = c
                    .conns
                    .iter()
                    .filter(|(_, k)| k.state == Queued && k.leg.is_none())
                    .map(|(d, _)| d.clone())
                    .collect();
                let mut cause = if c.last_redirection.is_some() {
                    EventCause::Redirected
                } else {
                    EventCause::NewCall
                };
                let mut redirected_from = c.last_redirection.take();
                for q in queued {
                    let before = self.devices_in(call);
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.conns.remove(&q);
                    }
                    self.call_event(
                        now,
                        call,
                        before,
                        EventCause::Distributed,
                        CstaEvent::Diverted {
                            connection: ConnectionId::new(call, &q),
                            diverting_device: q.clone(),
                            new_destination: device.clone(),
                        },
                    );
                    cause = EventCause::Distributed;
                    redirected_from = Some(q);
                }
                let Some(c) = self.calls.get_mut(&call) else {
                    return Ok(());
                };
                c.conns.insert(
                    device.clone(),
                    Conn {
                        leg: Some(leg),
                        state: Alerting,
                        connected_at: None,
                    },
                );
                let screen_pop = c.screen_pop.clone();
                self.legs.insert(leg, (call, device.clone()));
                let (calling_device, called_device) = self.parties(call);
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    cause,
                    CstaEvent::Delivered {
                        connection: ConnectionId::new(call, &device),
                        alerting_device: device,
                        calling_device,
                        called_device,
                        last_redirection_device: redirected_from,
                        screen_pop,
                    },
                );
            }
            Happening::Originated {
                call,
                leg,
                device,
                destination,
                correlator,
            } => {
                if self.calls.contains_key(&call) {
                    return Err(ModelError::DuplicateCall);
                }
                if self.legs.contains_key(&leg) {
                    return Err(ModelError::DuplicateLeg);
                }
                self.legs.insert(leg, (call, device.clone()));
                self.calls.insert(
                    call,
                    Call {
                        calling: device.clone(),
                        called: destination.clone(),
                        direction: Direction::Outbound,
                        conns: BTreeMap::from([(
                            device.clone(),
                            Conn {
                                leg: Some(leg),
                                state: Initiated,
                                connected_at: None,
                            },
                        )]),
                        screen_pop: ScreenPop::default(),
                        offered: now,
                        remote_answered: None,
                        agent_answered: false,
                        recording: None,
                        recording_state: None,
                        last_redirection: None,
                        notes: BTreeMap::new(),
                    },
                );
                let conn = ConnectionId::new(call, &device);
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NewCall,
                    CstaEvent::ServiceInitiated {
                        initiated_connection: conn.clone(),
                        correlator,
                    },
                );
                self.set_state(leg, &[Initiated], Connected, now)?;
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NewCall,
                    CstaEvent::Originated {
                        originated_connection: conn,
                        calling_device: device,
                        called_device: destination,
                        correlator,
                    },
                );
            }
            Happening::Answered { leg } => {
                let (call, dev) = self.set_state(leg, &[Alerting, Initiated], Connected, now)?;
                let is_agent = self.devices.get(&dev) == Some(&DeviceKind::Agent);
                if let Some(c) = self.calls.get_mut(&call) {
                    if dev != c.calling {
                        c.remote_answered.get_or_insert(now);
                    }
                    if is_agent {
                        c.agent_answered = true;
                    }
                }
                let (calling_device, called_device) = self.parties(call);
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NewCall,
                    CstaEvent::Established {
                        established_connection: ConnectionId::new(call, &dev),
                        answering_device: dev,
                        calling_device,
                        called_device,
                    },
                );
            }
            Happening::Held { leg } => {
                let (call, dev) = self.set_state(leg, &[Connected], Hold, now)?;
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NormalClearing,
                    CstaEvent::Held {
                        held_connection: ConnectionId::new(call, &dev),
                        holding_device: dev,
                    },
                );
            }
            Happening::Retrieved { leg } => {
                let (call, dev) = self.set_state(leg, &[Hold], Connected, now)?;
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NormalClearing,
                    CstaEvent::Retrieved {
                        retrieved_connection: ConnectionId::new(call, &dev),
                        retrieving_device: dev,
                    },
                );
            }
            Happening::Failed { leg, cause } => {
                let (call, dev) =
                    self.set_state(leg, &[Initiated, Alerting, Connected, Hold], Fail, now)?;
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    cause_of(cause),
                    CstaEvent::Failed {
                        failed_connection: ConnectionId::new(call, &dev),
                        failing_device: dev,
                    },
                );
            }
            Happening::Cleared { leg, cause } => {
                let (call, dev) = self.leg(leg)?;
                let before = self.devices_in(call);
                self.legs.remove(&leg);
                let removed = self.calls.get_mut(&call).and_then(|c| c.conns.remove(&dev));
                self.call_event(
                    now,
                    call,
                    before,
                    cause_of(cause),
                    CstaEvent::ConnectionCleared {
                        dropped_connection: ConnectionId::new(call, &dev),
                        releasing_device: dev.clone(),
                    },
                );
                if let Some(k) = removed {
                    self.agent_part_ended(now, call, &dev, &k, false);
                }
                self.end_call_if_done(now, call, cause);
            }
            Happening::Diverted { leg, to } => {
                let (call, dev) = self.leg(leg)?;
                let before = self.devices_in(call);
                let c = self.calls.get_mut(&call).ok_or(ModelError::UnknownCall)?;
                if c.conns.get(&dev).map(|k| k.state) != Some(Alerting) {
                    return Err(ModelError::WrongState);
                }
                c.conns.remove(&dev);
                c.last_redirection = Some(dev.clone());
                self.legs.remove(&leg);
                self.call_event(
                    now,
                    call,
                    before,
                    EventCause::Redirected,
                    CstaEvent::Diverted {
                        connection: ConnectionId::new(call, &dev),
                        diverting_device: dev,
                        new_destination: to,
                    },
                );
            }
            Happening::Transferred {
                primary,
                secondary,
                transferring_device,
                resulting,
            } => self.transferred(now, primary, secondary, &transferring_device, resulting)?,
            Happening::Conferenced {
                primary,
                secondary,
                conferencing_device,
                resulting,
            } => self.conferenced(now, primary, secondary, &conferencing_device, resulting)?,
            Happening::Recording { call, state } => {
                self.calls
                    .get_mut(&call)
                    .ok_or(ModelError::UnknownCall)?
                    .recording_state = Some(state);
                self.call_event(
                    now,
                    call,
                    BTreeSet::new(),
                    EventCause::NormalClearing,
                    CstaEvent::Recording {
                        call,
                        recording_state: state,
                    },
                );
            }
            Happening::RecordingStarted { call, recording_id } => {
                self.calls
                    .get_mut(&call)
                    .ok_or(ModelError::UnknownCall)?
                    .recording = Some(recording_id);
            }
            Happening::AgentStateForced {
                agent,
                ready,
                reason,
            } => {
                let a = self.agents.get(&agent).ok_or(ModelError::UnknownAgent)?;
                if a.state == AgentState::LoggedOff {
                    return Err(ModelError::AgentLoggedOff);
                }
                let new = if ready {
                    AgentState::Ready
                } else {
                    AgentState::NotReady { reason }
                };
                if a.state != new {
                    self.set_agent(now, &agent, new, EventCause::AcdChange, false);
                }
            }
        }
        Ok(())
    }

    /// Clears leg-less connections (queues) once no leg is left, writes the abandoned
    /// record, and forgets the call.
    fn end_call_if_done(&mut self, now: Instant, call: CallId, cause: ClearCause) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.conns.values().any(|k| k.leg.is_some()) {
            return;
        }
        let rest: Vec<DeviceId> = c.conns.keys().cloned().collect();
        for d in rest {
            let before = self.devices_in(call);
            if let Some(c) = self.calls.get_mut(&call) {
                c.conns.remove(&d);
            }
            self.call_event(
                now,
                call,
                before,
                cause_of(cause),
                CstaEvent::ConnectionCleared {
                    dropped_connection: ConnectionId::new(call, &d),
                    releasing_device: d.clone(),
                },
            );
        }
        if let Some(c) = self.calls.remove(&call)
            && !c.agent_answered
            && c.direction == Direction::Inbound
        {
            self.outputs
                .push_back(Output::Interaction(InteractionRecord {
                    customer_id: c.screen_pop.customer.as_ref().map(|x| x.id),
                    call,
                    remote_number: c.calling.0.clone(),
                    direction: c.direction,
                    agent: None,
                    queue: c.screen_pop.queue.as_ref().map(|q| q.0.clone()),
                    offered: c.offered,
                    answered: None,
                    ended: now,
                    recording_id: c.recording.clone(),
                    disposition: "abandoned".into(),
                    notes: String::new(),
                    ivr_data: c.screen_pop.ivr_data,
                    transferred: false,
                }));
        }
    }

    /// An agent's connection that had been connected went away: its interaction record,
    /// and wrap-up after an ACD call.
    fn agent_part_ended(
        &mut self,
        now: Instant,
        call: CallId,
        dev: &DeviceId,
        k: &Conn,
        transferred: bool,
    ) {
        let Some(agent_id) = self.agent_by_device.get(dev).cloned() else {
            return;
        };
        if k.connected_at.is_none() {
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let (disposition, notes) = c.notes.remove(dev).unwrap_or_default();
        let rec = InteractionRecord {
            customer_id: c.screen_pop.customer.as_ref().map(|x| x.id),
            call,
            remote_number: match c.direction {
                Direction::Inbound => c.calling.0.clone(),
                Direction::Outbound => c.called.0.clone(),
            },
            direction: c.direction,
            agent: Some(agent_id.0.clone()),
            queue: c.screen_pop.queue.as_ref().map(|q| q.0.clone()),
            offered: c.offered,
            answered: match c.direction {
                Direction::Inbound => k.connected_at,
                Direction::Outbound => c.remote_answered,
            },
            ended: now,
            recording_id: c.recording.clone(),
            disposition,
            notes,
            ivr_data: c.screen_pop.ivr_data.clone(),
            transferred,
        };
        let acd_call = c.screen_pop.queue.is_some();
        let still_busy = self.calls.values().any(|c| c.conns.contains_key(dev));
        let Some(a) = self.agents.get_mut(&agent_id) else {
            return;
        };
        if acd_call && !still_busy && a.state == AgentState::Ready && !a.wrap_up.is_zero() {
            if let Some(old) = a.pending.replace(rec) {
                self.outputs.push_back(Output::Interaction(old));
            }
            self.set_agent(
                now,
                &agent_id,
                AgentState::WorkingAfterCall,
                EventCause::NormalClearing,
                true,
            );
        } else {
            self.outputs.push_back(Output::Interaction(rec));
        }
    }

    fn transferred(
        &mut self,
        now: Instant,
        primary: CallId,
        secondary: Option<CallId>,
        by: &DeviceId,
        resulting: CallId,
    ) -> Result<(), ModelError> {
        let p = self.calls.get(&primary).ok_or(ModelError::UnknownCall)?;
        if !p.conns.contains_key(by) {
            return Err(ModelError::WrongState);
        }
        let mut olds = vec![primary];
        if let Some(s) = secondary {
            if s == primary {
                return Err(ModelError::DuplicateCall);
            }
            let sc = self.calls.get(&s).ok_or(ModelError::UnknownCall)?;
            if !sc.conns.contains_key(by) {
                return Err(ModelError::WrongState);
            }
            if sc.conns.keys().any(|d| d != by && p.conns.contains_key(d)) {
                return Err(ModelError::DeviceAlreadyInCall);
            }
            olds.push(s);
        }
        if !olds.contains(&resulting) && self.calls.contains_key(&resulting) {
            return Err(ModelError::DuplicateCall);
        }
        let mut before = BTreeSet::new();
        for o in &olds {
            before.extend(self.devices_in(*o));
        }
        let mut base = self.calls.remove(&primary).ok_or(ModelError::UnknownCall)?;
        let by_conn = base.conns.remove(by);
        let mut entries = Vec::new();
        let mut moved: Vec<(DeviceId, Conn, CallId)> = base
            .conns
            .iter()
            .map(|(d, k)| (d.clone(), k.clone(), primary))
            .collect();
        base.conns.clear();
        if let Some(s) = secondary
            && let Some(mut sc) = self.calls.remove(&s)
        {
            if let Some(k) = sc.conns.remove(by)
                && let Some(l) = k.leg
            {
                self.legs.remove(&l);
            }
            moved.extend(sc.conns.into_iter().map(|(d, k)| (d, k, s)));
            sc.notes.remove(by);
            base.notes.extend(sc.notes);
        }
        for (d, k, old) in moved {
            if let Some(l) = k.leg {
                self.legs.insert(l, (resulting, d.clone()));
            }
            entries.push(ConnectionListEntry {
                old_connection: ConnectionId::new(old, &d),
                new_connection: ConnectionId::new(resulting, &d),
            });
            base.conns.insert(d, k);
        }
        if let Some(l) = by_conn.as_ref().and_then(|k| k.leg) {
            self.legs.remove(&l);
        }
        // The transferring device's part: record it against the resulting call.
        let by_notes = base.notes.remove(by);
        self.calls.insert(resulting, base);
        let mut devs = before;
        devs.extend(self.devices_in(resulting));
        let cause = if secondary.is_some() {
            EventCause::Transfer
        } else {
            EventCause::SingleStepTransfer
        };
        self.report(
            now,
            &devs,
            Some(resulting),
            cause,
            CstaEvent::Transferred {
                primary_old_call: primary,
                secondary_old_call: secondary,
                transferring_device: by.clone(),
                resulting_call: resulting,
                transferred_connections: entries,
            },
        );
        if let Some(k) = by_conn {
            if let (Some(n), Some(c)) = (by_notes, self.calls.get_mut(&resulting)) {
                c.notes.insert(by.clone(), n);
            }
            self.agent_part_ended(now, resulting, by, &k, true);
        }
        self.end_call_if_done(now, resulting, ClearCause::Normal);
        Ok(())
    }

    fn conferenced(
        &mut self,
        now: Instant,
        primary: CallId,
        secondary: CallId,
        by: &DeviceId,
        resulting: CallId,
    ) -> Result<(), ModelError> {
        if primary == secondary {
            return Err(ModelError::DuplicateCall);
        }
        let p = self.calls.get(&primary).ok_or(ModelError::UnknownCall)?;
        let s = self.calls.get(&secondary).ok_or(ModelError::UnknownCall)?;
        if !p.conns.contains_key(by) || !s.conns.contains_key(by) {
            return Err(ModelError::WrongState);
        }
        if s.conns.keys().any(|d| d != by && p.conns.contains_key(d)) {
            return Err(ModelError::DeviceAlreadyInCall);
        }
        if resulting != primary && resulting != secondary && self.calls.contains_key(&resulting) {
            return Err(ModelError::DuplicateCall);
        }
        let mut before = self.devices_in(primary);
        before.extend(self.devices_in(secondary));
        let mut base = self.calls.remove(&primary).ok_or(ModelError::UnknownCall)?;
        let sc = self
            .calls
            .remove(&secondary)
            .ok_or(ModelError::UnknownCall)?;
        let mut by_conn = base.conns.remove(by);
        if let Some(l) = by_conn.as_ref().and_then(|k| k.leg) {
            self.legs.remove(&l);
        }
        let mut entries = Vec::new();
        let mut all: Vec<(DeviceId, Conn, CallId)> = std::mem::take(&mut base.conns)
            .into_iter()
            .map(|(d, k)| (d, k, primary))
            .collect();
        for (d, mut k) in sc.conns {
            if &d == by {
                // The conferencing device keeps its active connection, with its first
                // connect time (for the interaction record).
                k.connected_at = match (by_conn.take().and_then(|b| b.connected_at), k.connected_at)
                {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                k.state = LocalConnectionState::Connected;
            }
            all.push((d, k, secondary));
        }
        for (d, k, old) in all {
            if let Some(l) = k.leg {
                self.legs.insert(l, (resulting, d.clone()));
            }
            entries.push(ConnectionListEntry {
                old_connection: ConnectionId::new(old, &d),
                new_connection: ConnectionId::new(resulting, &d),
            });
            base.conns.insert(d, k);
        }
        base.notes.extend(sc.notes);
        base.agent_answered |= sc.agent_answered;
        self.calls.insert(resulting, base);
        let mut devs = before;
        devs.extend(self.devices_in(resulting));
        self.report(
            now,
            &devs,
            Some(resulting),
            EventCause::Conference,
            CstaEvent::Conferenced {
                primary_old_call: primary,
                secondary_old_call: secondary,
                conferencing_device: by.clone(),
                resulting_call: resulting,
                conference_connections: entries,
            },
        );
        self.end_call_if_done(now, resulting, ClearCause::Normal);
        Ok(())
    }
}
