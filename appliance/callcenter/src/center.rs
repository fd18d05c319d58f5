//! The Center: one sans-IO state machine joining the switch, the ACD, IVR calls and the CTI
//! model (see the crate docs for the driving loop and how a call moves).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use acd::{Acd, AgentState as AcdAgentState, CallState as AcdCallState, PauseReason};
use switch::dialplan::Target;
use switch::engine::{CallId, Command, LegEvent, LegId, MediaCommand, Source, Switch};
use switch::{Cause, Instant};

use crate::config::Config;
use crate::event::{Event, LogEvent, LogKind};
use crate::{CenterError, ConfigProblem};

/// Reason code a hand-started wrap-up (CTI SetAgentState WorkingAfterCall while not on a
/// call) is shown with in the ACD, which pauses the agent meanwhile.
pub const MANUAL_WRAPUP_REASON: u16 = 0xFFF0;
/// CTI reason code of an ACD auto-pause after offers rang out.
pub const AUTO_NO_ANSWER_REASON: u16 = 0xFFF1;
/// CTI reason code of an ACD auto-pause after a rejected offer.
pub const AUTO_REJECTED_REASON: u16 = 0xFFF2;

/// Bound on one pump (inputs cascade between the machines; a runaway would be a bug).
const PUMP_LIMIT: usize = 100_000;

#[derive(Debug)]
struct Ctx {
    caller_leg: LegId,
    caller: String,
    called: String,
    ivr: Option<ivr::Call>,
    lookups: BTreeMap<u32, ivr::LookupKind>,
    data: BTreeMap<String, String>,
    customer: Option<cti::CustomerCard>,
    /// Queue of the current (or last) ACD visit.
    queue: Option<usize>,
    /// An offer asked of the switch whose agent leg has not appeared yet.
    offering: Option<usize>,
    cti_known: bool,
    answered_logged: bool,
}

/// A call a CTI MakeCall or ConsultationCall originated from an agent's device: the
/// switch rings the agent's phone first, then dials the destination (as
/// [`Switch::make_call`]).
#[derive(Debug, Clone)]
struct Originated {
    correlator: cti::InvokeId,
    device: String,
    destination: String,
    /// The agent device's leg.
    leg: LegId,
    /// The far end's leg, once dialled.
    far: Option<LegId>,
    /// Whether the CTI model was told (when the agent's phone went off-hook).
    announced: bool,
}

#[derive(Debug, Clone, Copy)]
struct AgentLeg {
    /// The ACD call (the call the agent was offered; stays after a transfer moves the leg).
    call: CallId,
    agent: usize,
    queue: usize,
    answered: bool,
}

/// The call center (see the crate docs).
#[derive(Debug)]
pub struct Center {
    config: Config,
    switch: Switch,
    acd: Acd,
    cti: cti::Cti,
    calls: BTreeMap<CallId, Ctx>,
    caller_legs: BTreeMap<LegId, CallId>,
    agent_legs: BTreeMap<LegId, AgentLeg>,
    /// Calls originated by CTI MakeCall / ConsultationCall.
    originated: BTreeMap<CallId, Originated>,
    /// ACD's last reported state per agent index, and the last call/queue it handled.
    agent_state: Vec<AcdAgentState>,
    agent_last: Vec<Option<(CallId, usize)>>,
    sw_events: VecDeque<(Instant, switch::Event)>,
    commands: VecDeque<Command>,
    events: VecDeque<(Instant, Event)>,
    cti_events: VecDeque<cti::EventReport>,
}

fn acd_call(c: CallId) -> acd::CallId {
    acd::CallId(u64::from(c.0))
}

fn sw_call(c: acd::CallId) -> CallId {
    CallId(u32::try_from(c.0).unwrap_or(u32::MAX))
}

fn cti_call(c: CallId) -> cti::CallId {
    cti::CallId(u64::from(c.0))
}

fn cti_leg(l: LegId) -> cti::LegId {
    cti::LegId(u64::from(l.0))
}

fn sw_leg(l: cti::LegId) -> LegId {
    LegId(u32::try_from(l.0).unwrap_or(u32::MAX))
}

fn clear_cause(c: Cause) -> cti::ClearCause {
    match c {
        Cause::USER_BUSY => cti::ClearCause::Busy,
        Cause::NO_ANSWER | Cause::NO_USER_RESPONDING => cti::ClearCause::NoAnswer,
        Cause::UNALLOCATED_NUMBER => cti::ClearCause::Unreachable,
        Cause::NO_CIRCUIT_AVAILABLE => cti::ClearCause::Congestion,
        _ => cti::ClearCause::Normal,
    }
}

impl Center {
    /// A Center with `config`; `seed` drives the ACD's random strategies.
    ///
    /// # Errors
    /// [`CenterError`] when a part refuses the configuration.
    pub fn new(config: Config, seed: u64) -> Result<Self, CenterError> {
        check(&config)?;
        let switch = Switch::new(config.switch.clone())?;
        let acd = Acd::new(config.acd_config(), seed)?;
        let mut cti = cti::Cti::new();
        for a in &config.agents {
            cti.add_agent(
                cti::AgentId::new(&a.number),
                cti::DeviceId::new(&a.extension),
                a.wrap_up,
            )?;
        }
        for q in &config.queues {
            cti.add_queue(cti::DeviceId::new(&q.number))?;
        }
        let n = config.agents.len();
        Ok(Self {
            config,
            switch,
            acd,
            cti,
            calls: BTreeMap::new(),
            caller_legs: BTreeMap::new(),
            agent_legs: BTreeMap::new(),
            originated: BTreeMap::new(),
            agent_state: vec![AcdAgentState::LoggedOut; n],
            agent_last: vec![None; n],
            sw_events: VecDeque::new(),
            commands: VecDeque::new(),
            events: VecDeque::new(),
            cti_events: VecDeque::new(),
        })
    }

    /// Applies a new configuration live: the dial plan for later routing, queues and agents
    /// for callers already waiting (the ACD re-evaluates them), flows for calls entering an
    /// IVR from now on (calls in a flow finish it). Agents and queues are added to the CTI
    /// model; one removed from the configuration stays known to the CTI model, and an
    /// agent's new wrap-up time applies only to agents new to it (the CTI model has no way
    /// to change it).
    ///
    /// # Errors
    /// [`CenterError`]; nothing changed then.
    pub fn reconfigure(&mut self, now: Instant, config: Config) -> Result<(), CenterError> {
        check(&config)?;
        let acd_cfg = config.acd_config();
        acd_cfg.validate().map_err(acd::AcdError::from)?;
        config.switch.validate()?;
        // Agents are matched by number: keep the ACD state vector aligned to the new list.
        let mut state = Vec::with_capacity(config.agents.len());
        let mut last = Vec::with_capacity(config.agents.len());
        for a in &config.agents {
            match self.config.agents.iter().position(|o| o.number == a.number) {
                Some(i) => {
                    state.push(self.agent_state[i]);
                    last.push(self.agent_last[i]);
                }
                None => {
                    state.push(AcdAgentState::LoggedOut);
                    last.push(None);
                }
            }
        }
        self.switch.reconfigure(config.switch.clone())?;
        self.acd
            .handle_input(now, acd::Input::ConfigChanged(acd_cfg))?;
        for a in &config.agents {
            let _ = self.cti.add_agent(
                cti::AgentId::new(&a.number),
                cti::DeviceId::new(&a.extension),
                a.wrap_up,
            );
        }
        for q in &config.queues {
            let _ = self.cti.add_queue(cti::DeviceId::new(&q.number));
        }
        // Agent legs and queue visits refer to indexes: remap them by number/name.
        let old = std::mem::replace(&mut self.config, config);
        let agent_map: Vec<Option<usize>> = old
            .agents
            .iter()
            .map(|a| self.config.agents.iter().position(|n| n.number == a.number))
            .collect();
        let queue_map: Vec<Option<usize>> = old
            .queues
            .iter()
            .map(|q| self.config.queues.iter().position(|n| n.name == q.name))
            .collect();
        for l in self.agent_legs.values_mut() {
            l.agent = agent_map[l.agent].unwrap_or(usize::MAX);
            l.queue = queue_map[l.queue].unwrap_or(usize::MAX);
        }
        self.agent_legs.retain(|_, l| l.agent != usize::MAX);
        for c in self.calls.values_mut() {
            c.queue = c.queue.and_then(|q| queue_map[q]);
            c.offering = c.offering.and_then(|a| agent_map[a]);
        }
        self.agent_state = state;
        self.agent_last = last
            .into_iter()
            .map(|x| x.and_then(|(c, q)| queue_map[q].map(|q| (c, q))))
            .collect();
        self.pump(now);
        Ok(())
    }

    /// The configuration in force.
    #[must_use]
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The switch (read-only: leg states, bridges).
    #[must_use]
    pub const fn switch(&self) -> &Switch {
        &self.switch
    }

    /// The ACD (read-only: waiting callers, agent snapshots, counters).
    #[must_use]
    pub const fn acd(&self) -> &Acd {
        &self.acd
    }

    /// The CTI model (read-only: snapshots, monitor owners).
    #[must_use]
    pub const fn cti(&self) -> &cti::Cti {
        &self.cti
    }

    /// A fresh leg id for a [`LegEvent::Incoming`] (as [`Switch::allocate_leg`]).
    pub fn allocate_leg(&mut self) -> LegId {
        self.switch.allocate_leg()
    }

    /// Handles one event from a channel or the media path, exactly as
    /// [`Switch::handle_input`] does, plus [`LegEvent::PromptFinished`] and digits for
    /// calls in an IVR. Drain [`Self::poll_command`], [`Self::poll_event`] and
    /// [`Self::poll_cti_event`] afterwards.
    ///
    /// # Errors
    /// [`CenterError::Switch`] when the switch refuses the event; nothing changed then.
    pub fn handle_input(&mut self, now: Instant, input: LegEvent) -> Result<(), CenterError> {
        let prompt_done = match &input {
            LegEvent::PromptFinished { leg } => Some(*leg),
            _ => None,
        };
        self.sw(now, input)?;
        if let Some(leg) = prompt_done
            && let Some(&call) = self.caller_legs.get(&leg)
        {
            self.ivr_input(now, call, ivr::Input::PromptFinished);
        }
        self.pump(now);
        Ok(())
    }

    /// Fires every timer due at `now` (switch no-answer, ACD ring timeouts, IVR input
    /// timeouts, CTI wrap-up ends).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.switch.handle_timeout(now);
        self.drain_switch(now);
        self.pump(now);
        self.acd.handle_timeout(now);
        self.pump(now);
        self.cti.handle_timeout(now);
        self.pump(now);
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.ivr
                    .as_ref()
                    .and_then(ivr::Call::poll_timeout)
                    .is_some_and(|t| t <= now)
            })
            .map(|(id, _)| *id)
            .collect();
        let local = self.config.local_time(now);
        for call in due {
            if let Some(i) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) {
                i.handle_timeout(now, local);
            }
            self.run_ivr(now, call);
        }
        self.pump(now);
    }

    /// When [`Self::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ivr = self
            .calls
            .values()
            .filter_map(|c| c.ivr.as_ref().and_then(ivr::Call::poll_timeout))
            .min();
        [
            self.switch.poll_timeout(),
            self.acd.poll_timeout(),
            self.cti.poll_timeout(),
            ivr,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next command for a channel or the media thread (the switch's, plus
    /// [`Command::PlayPrompt`] for IVR prompts and [`Command::Hangup`] for legs the IVR or
    /// the ACD clears).
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The next event, with when it happened.
    pub fn poll_event(&mut self) -> Option<(Instant, Event)> {
        self.events.pop_front()
    }

    /// The next CSTA event report for the agent desktops (route it by
    /// `monitor_cross_ref_id` with [`cti::Cti::monitor_owner`]).
    pub fn poll_cti_event(&mut self) -> Option<cti::EventReport> {
        self.cti_events.pop_front()
    }

    /// A CTI service request from an authenticated principal (agent desktop, WebSocket):
    /// SetAgentState (log on/off, ready, not ready), monitors, snapshots, call control.
    ///
    /// # Errors
    /// The CSTA error for the client; nothing changed then.
    pub fn cti_request(
        &mut self,
        now: Instant,
        principal: &cti::Principal,
        invoke: cti::InvokeId,
        request: cti::ServiceRequest,
    ) -> Result<cti::ServiceResult, cti::CstaError> {
        // Remote answer: the switch has no command that makes a phone go off-hook (a SIP
        // phone would need a vendor talk event or an auto-answer INVITE the channels do not
        // send), so it is refused rather than accepted and silently not done.
        if matches!(request, cti::ServiceRequest::AnswerCall { .. }) {
            return Err(cti::CstaError::ServiceNotSupported);
        }
        let r = self.cti.handle_request(now, principal, invoke, request);
        self.pump(now);
        r
    }

    /// The host's answer to an [`Event::LookUp`]. A `customer_by_phone` answer whose
    /// fields hold `id` (and `name`, `company`, `vip`, `account_owner`) also becomes the
    /// call's CRM customer for the agent's screen pop.
    ///
    /// # Errors
    /// [`CenterError::UnknownCall`] when the call is not (or no longer) in an IVR.
    pub fn answer_lookup(
        &mut self,
        now: Instant,
        call: CallId,
        id: u32,
        outcome: ivr::LookUpOutcome,
    ) -> Result<(), CenterError> {
        let c = self
            .calls
            .get_mut(&call)
            .filter(|c| c.ivr.is_some())
            .ok_or(CenterError::UnknownCall(call))?;
        if c.lookups.remove(&id) == Some(ivr::LookupKind::CustomerByPhone)
            && let ivr::LookUpOutcome::Found(f) = &outcome
            && let Some(cid) = f.get("id").and_then(|v| v.parse().ok())
        {
            let get = |k: &str| f.get(k).cloned().unwrap_or_default();
            c.customer = Some(cti::CustomerCard {
                id: cid,
                name: get("name"),
                company: get("company"),
                vip: get("vip") == "true",
                account_owner: f.get("account_owner").cloned(),
            });
        }
        self.ivr_input(now, call, ivr::Input::LookUpResult { id, outcome });
        self.pump(now);
        Ok(())
    }

    /// Sets the CRM customer of a call (the host's look-up by the caller's number), shown
    /// in the screen pop of every agent offered the call from now on, and used for routing
    /// (VIP priority, the account owner as preferred agent) if it comes before the call
    /// enters a queue.
    ///
    /// # Errors
    /// [`CenterError::UnknownCall`].
    pub fn set_customer(
        &mut self,
        call: CallId,
        customer: cti::CustomerCard,
    ) -> Result<(), CenterError> {
        let c = self
            .calls
            .get_mut(&call)
            .ok_or(CenterError::UnknownCall(call))?;
        c.customer = Some(customer);
        Ok(())
    }

    /// Click-to-dial from an extension, as [`Switch::make_call`]: rings `from` first, then
    /// routes `to` as if `from` had dialled it. Drain the outputs afterwards.
    ///
    /// # Errors
    /// [`CenterError::Switch`] when `from` is not an extension; nothing changed.
    pub fn make_call(
        &mut self,
        now: Instant,
        from: &str,
        to: &str,
    ) -> Result<(CallId, LegId), CenterError> {
        let r = self.switch.make_call(now, from, to)?;
        self.drain_switch(now);
        self.pump(now);
        Ok(r)
    }

    /// The switch call a caller's leg belongs to, while the Center knows it.
    #[must_use]
    pub fn call_of_caller(&self, leg: LegId) -> Option<CallId> {
        self.caller_legs.get(&leg).copied()
    }

    /// The agent leg ringing or connected for an agent (by number), if any.
    #[must_use]
    pub fn agent_leg(&self, agent: &str) -> Option<LegId> {
        let ai = self.config.agents.iter().position(|a| a.number == agent)?;
        self.agent_legs
            .iter()
            .find(|(l, x)| {
                x.agent == ai
                    && self
                        .switch
                        .leg_state(**l)
                        .is_some_and(|s| s != switch::engine::LegState::Ended)
            })
            .map(|(l, _)| *l)
    }

    /// Calls the Center holds (in an IVR, a queue, or with an agent).
    #[must_use]
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    // ----- plumbing -----

    fn sw(&mut self, now: Instant, e: LegEvent) -> Result<(), switch::engine::SwitchError> {
        let r = self.switch.handle_input(now, e);
        self.drain_switch(now);
        r
    }

    fn drain_switch(&mut self, _now: Instant) {
        while let Some(c) = self.switch.poll_command() {
            self.commands.push_back(c);
        }
        while let Some(e) = self.switch.poll_event() {
            self.sw_events.push_back(e);
        }
    }

    /// Clears a leg the Center owns the decision for (IVR hang-up, ACD stop ringing,
    /// CTI ClearConnection): the channel is told, and the switch learns it as a hang-up.
    fn clear_leg(&mut self, now: Instant, leg: LegId, cause: Cause) {
        if self
            .switch
            .leg_state(leg)
            .is_some_and(|s| s != switch::engine::LegState::Ended)
        {
            self.commands.push_back(Command::Hangup { leg, cause });
            let _ = self.sw(now, LegEvent::Hangup { leg, cause });
        }
    }

    fn log(&mut self, now: Instant, e: LogEvent) {
        self.events.push_back((now, Event::Log(e)));
    }

    fn pump(&mut self, now: Instant) {
        for _ in 0..PUMP_LIMIT {
            if let Some((at, e)) = self.sw_events.pop_front() {
                self.on_switch(at.max(now), e);
                continue;
            }
            if let Some(o) = self.acd.poll_output() {
                self.on_acd(now, o);
                continue;
            }
            if self.drain_cti(now) {
                continue;
            }
            return;
        }
        debug_assert!(false, "pump did not settle");
    }

    /// Carries out the CTI model's commands and collects its outputs; true if any.
    fn drain_cti(&mut self, now: Instant) -> bool {
        let mut any = false;
        while let Some(o) = self.cti.poll_event() {
            any = true;
            match o {
                cti::Output::Event(r) => self.cti_events.push_back(r),
                cti::Output::Interaction(r) => {
                    self.events.push_back((now, Event::Interaction(r)));
                }
            }
        }
        while let Some(c) = self.cti.poll_transmit() {
            any = true;
            self.on_cti_command(now, c);
        }
        any
    }

    fn happening(&mut self, now: Instant, h: cti::Happening) {
        // The model refuses what it cannot place (a leg it never saw); that is not the
        // call's problem.
        let _ = self.cti.handle_happening(now, h);
        self.drain_cti(now);
    }

    fn agent_index(&self, id: &cti::AgentId) -> Option<usize> {
        self.config.agents.iter().position(|a| a.number == id.0)
    }

    fn acd_agent(&self, ai: usize) -> acd::AgentId {
        self.config.agents[ai].acd.id
    }

    fn agent_by_acd(&self, id: acd::AgentId) -> Option<usize> {
        self.config.agents.iter().position(|a| a.acd.id == id)
    }

    fn queue_by_acd(&self, id: acd::QueueId) -> Option<usize> {
        self.config.queues.iter().position(|q| q.acd.id == id)
    }

    fn acd_input(&mut self, now: Instant, i: acd::Input) -> Result<(), acd::AcdError> {
        self.acd.handle_input(now, i)
    }

    // ----- CTI → ACD / switch -----

    fn on_cti_command(&mut self, now: Instant, c: cti::Command) {
        match c {
            cti::Command::Acd(a) => self.on_cti_acd(now, a),
            cti::Command::Switch(s) => self.on_cti_switch(now, s),
        }
    }

    fn on_cti_acd(&mut self, now: Instant, a: cti::AcdCommand) {
        let agent_of = |s: &Self, id: &cti::AgentId| s.agent_index(id);
        match a {
            cti::AcdCommand::LogOn { agent, .. } => {
                if let Some(ai) = agent_of(self, &agent) {
                    let id = self.acd_agent(ai);
                    let _ = self.acd_input(now, acd::Input::LoggedIn { agent: id });
                }
            }
            cti::AcdCommand::LogOff { agent } => {
                if let Some(ai) = agent_of(self, &agent) {
                    let id = self.acd_agent(ai);
                    let _ = self.acd_input(now, acd::Input::LoggedOut { agent: id });
                }
            }
            cti::AcdCommand::Ready { agent } => {
                if let Some(ai) = agent_of(self, &agent) {
                    let id = self.acd_agent(ai);
                    let _ = self.acd_input(now, acd::Input::Ready { agent: id });
                }
            }
            cti::AcdCommand::NotReady { agent, reason } => {
                if let Some(ai) = agent_of(self, &agent) {
                    let id = self.acd_agent(ai);
                    let reason = reason.map_or(PauseReason::Break, |r| PauseReason::Code(r.0));
                    let _ = self.acd_input(now, acd::Input::NotReady { agent: id, reason });
                }
            }
            cti::AcdCommand::WorkingAfterCall { agent } => {
                let Some(ai) = agent_of(self, &agent) else {
                    return;
                };
                let id = self.acd_agent(ai);
                let expected = self.config.agents[ai].wrap_up;
                let on_call = matches!(
                    self.acd.agent_snapshot(id).map(|s| s.state),
                    Some(AcdAgentState::OnCall(_))
                );
                if on_call {
                    let _ = self.acd_input(
                        now,
                        acd::Input::HostWrapUp {
                            agent: id,
                            expected,
                        },
                    );
                } else {
                    let _ = self.acd_input(
                        now,
                        acd::Input::NotReady {
                            agent: id,
                            reason: PauseReason::Code(MANUAL_WRAPUP_REASON),
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn on_cti_switch(&mut self, now: Instant, s: cti::SwitchCommand) {
        // The switch refusing is reported to the desktop by the absence of the happening.
        let r = match &s {
            cti::SwitchCommand::Clear { leg } => {
                self.clear_leg(now, sw_leg(*leg), Cause::NORMAL_CLEARING);
                return;
            }
            cti::SwitchCommand::Hold { leg } => self.sw(now, LegEvent::Hold { leg: sw_leg(*leg) }),
            cti::SwitchCommand::Retrieve { leg } => {
                self.sw(now, LegEvent::Resume { leg: sw_leg(*leg) })
            }
            cti::SwitchCommand::SingleStepTransfer { leg, destination } => self.sw(
                now,
                LegEvent::BlindTransfer {
                    leg: sw_leg(*leg),
                    to: destination.clone(),
                },
            ),
            cti::SwitchCommand::Transfer { held, active } => self.sw(
                now,
                LegEvent::AttendedTransfer {
                    leg: sw_leg(*held),
                    consultation: sw_leg(*active),
                },
            ),
            cti::SwitchCommand::Conference { held, active } => self.sw(
                now,
                LegEvent::Conference {
                    leg: sw_leg(*held),
                    consultation: sw_leg(*active),
                },
            ),
            cti::SwitchCommand::MakeCall {
                correlator,
                device,
                destination,
            } => {
                self.originate(now, *correlator, &device.0, destination, &s);
                return;
            }
            cti::SwitchCommand::Consult {
                correlator,
                hold,
                device,
                destination,
            } => {
                if self.sw(now, LegEvent::Hold { leg: sw_leg(*hold) }).is_err() {
                    self.events
                        .push_back((now, Event::CtiNotCarriedOut { command: s.clone() }));
                    return;
                }
                self.originate(now, *correlator, &device.0, destination, &s);
                return;
            }
            cti::SwitchCommand::SendDigits { leg, digits } => {
                self.commands.push_back(Command::SendDigits {
                    leg: sw_leg(*leg),
                    digits: digits.clone(),
                });
                return;
            }
            _ => {
                self.events
                    .push_back((now, Event::CtiNotCarriedOut { command: s }));
                return;
            }
        };
        let _ = r;
    }

    /// Click-to-dial for the CTI model: the switch rings `device` first; the model hears
    /// `Originated` when it answers (goes off-hook), then `Alerting`/`Answered` of the far end.
    fn originate(
        &mut self,
        now: Instant,
        correlator: cti::InvokeId,
        device: &str,
        destination: &str,
        command: &cti::SwitchCommand,
    ) {
        match self.switch.make_call(now, device, destination) {
            Ok((call, leg)) => {
                self.originated.insert(
                    call,
                    Originated {
                        correlator,
                        device: device.to_owned(),
                        destination: destination.to_owned(),
                        leg,
                        far: None,
                        announced: false,
                    },
                );
                self.drain_switch(now);
            }
            Err(_) => self.events.push_back((
                now,
                Event::CtiNotCarriedOut {
                    command: command.clone(),
                },
            )),
        }
    }

    /// The originated call whose far leg is `leg`.
    fn originated_far(&self, leg: LegId) -> Option<CallId> {
        self.originated
            .iter()
            .find(|(_, o)| o.far == Some(leg))
            .map(|(c, _)| *c)
    }

    // ----- switch events -----

    #[allow(clippy::too_many_lines)]
    fn on_switch(&mut self, now: Instant, e: switch::Event) {
        use switch::Event as E;
        self.events.push_back((now, Event::Switch(e.clone())));
        match e {
            E::CallStarted {
                call,
                leg,
                called,
                calling,
                ..
            } => {
                let caller = calling.number.unwrap_or_else(|| "anonymous".to_owned());
                self.log(
                    now,
                    LogEvent::new(LogKind::CallStart)
                        .call(call)
                        .with("caller", caller.clone())
                        .with("called", called.clone()),
                );
                self.calls.insert(
                    call,
                    Ctx {
                        caller_leg: leg,
                        caller,
                        called,
                        ivr: None,
                        lookups: BTreeMap::new(),
                        data: BTreeMap::new(),
                        customer: None,
                        queue: None,
                        offering: None,
                        // A CTI-originated call is announced as `Originated`, not `Incoming`.
                        cti_known: self.originated.contains_key(&call),
                        answered_logged: false,
                    },
                );
                self.caller_legs.insert(leg, call);
            }
            E::LegAnswered { leg } => self.leg_answered(now, leg),
            E::Handoff { call, leg, target } => self.handoff(now, call, leg, target),
            E::LegOriginated { call, leg, .. } => {
                let Some(c) = self.calls.get_mut(&call) else {
                    return;
                };
                let (Some(ai), Some(qi)) = (c.offering.take(), c.queue) else {
                    if let Some(o) = self.originated.get_mut(&call)
                        && o.leg != leg
                        && o.far.is_none()
                    {
                        o.far = Some(leg);
                        let device = cti::DeviceId::new(&o.destination);
                        self.happening(
                            now,
                            cti::Happening::Alerting {
                                call: cti_call(call),
                                leg: cti_leg(leg),
                                device,
                                screen_pop: None,
                            },
                        );
                    }
                    return;
                };
                self.agent_legs.insert(
                    leg,
                    AgentLeg {
                        call,
                        agent: ai,
                        queue: qi,
                        answered: false,
                    },
                );
                let a = &self.config.agents[ai];
                let (number, device) = (a.number.clone(), a.extension.clone());
                let qname = self.config.queues[qi].name.clone();
                self.log(
                    now,
                    LogEvent::new(LogKind::QueueOffer)
                        .call(call)
                        .queue(&qname)
                        .agent(&number),
                );
                self.happening(
                    now,
                    cti::Happening::Alerting {
                        call: cti_call(call),
                        leg: cti_leg(leg),
                        device: cti::DeviceId::new(&device),
                        screen_pop: None,
                    },
                );
            }
            E::RedirectFailed { call, leg, .. } => {
                // An offer that failed before any agent leg existed (refused number).
                if let Some(ai) = self.calls.get_mut(&call).and_then(|c| c.offering.take()) {
                    let agent = self.acd_agent(ai);
                    let _ = self.acd_input(
                        now,
                        acd::Input::OfferRejected {
                            call: acd_call(call),
                            agent,
                        },
                    );
                }
                if self
                    .acd
                    .call(acd_call(call))
                    .is_some_and(|s| s.state == AcdCallState::Waiting)
                {
                    self.commands.push_back(Command::Media(MediaCommand::Play {
                        leg,
                        source: Source::MusicOnHold,
                    }));
                }
            }
            E::LegEnded { leg, cause } => self.leg_ended(now, leg, cause),
            E::Held { leg } => {
                self.hold_log(now, leg, LogKind::CallHold);
                self.happening(now, cti::Happening::Held { leg: cti_leg(leg) });
            }
            E::Resumed { leg } => {
                self.hold_log(now, leg, LogKind::CallRetrieve);
                self.happening(now, cti::Happening::Retrieved { leg: cti_leg(leg) });
            }
            E::Digits { leg, digits } => {
                if let Some(&call) = self.caller_legs.get(&leg)
                    && self.calls.get(&call).is_some_and(|c| c.ivr.is_some())
                {
                    for d in digits.chars() {
                        self.ivr_input(now, call, ivr::Input::Digit(d));
                    }
                }
            }
            E::Cdr(cdr) => {
                self.log(
                    now,
                    LogEvent::new(LogKind::CallEnd)
                        .call(cdr.call)
                        .with("cause", cdr.cause.0),
                );
                if let Some(c) = self.calls.remove(&cdr.call) {
                    self.caller_legs.remove(&c.caller_leg);
                }
                self.originated.remove(&cdr.call);
                for l in &cdr.legs {
                    if self.switch.leg_state(*l).is_none() {
                        self.agent_legs.remove(l);
                        self.caller_legs.remove(l);
                    }
                }
            }
            _ => {}
        }
    }

    fn hold_log(&mut self, now: Instant, leg: LegId, kind: LogKind) {
        // The hold is the agent's whichever side pressed it.
        let found = self.agent_legs.get(&leg).copied().or_else(|| {
            let b = self.switch.bridge_of(leg)?;
            let (_, legs) = self.switch.bridges().find(|(id, _)| *id == b)?;
            legs.iter().find_map(|l| self.agent_legs.get(l).copied())
        });
        if let Some(x) = found.filter(|x| x.answered && x.queue != usize::MAX) {
            let e = LogEvent::new(kind)
                .call(x.call)
                .queue(&self.config.queues[x.queue].name.clone())
                .agent(&self.config.agents[x.agent].number.clone());
            self.log(now, e);
        }
    }

    fn leg_answered(&mut self, now: Instant, leg: LegId) {
        if let Some(&call) = self.caller_legs.get(&leg) {
            if let Some(c) = self.calls.get_mut(&call)
                && c.caller_leg == leg
                && !c.answered_logged
            {
                c.answered_logged = true;
                self.log(now, LogEvent::new(LogKind::CallAnswer).call(call));
            }
            if let Some(o) = self.originated.get_mut(&call)
                && o.leg == leg
                && !o.announced
            {
                o.announced = true;
                let h = cti::Happening::Originated {
                    call: cti_call(call),
                    leg: cti_leg(leg),
                    device: cti::DeviceId::new(&o.device),
                    destination: cti::DeviceId::new(&o.destination),
                    correlator: Some(o.correlator),
                };
                self.happening(now, h);
            }
            return;
        }
        if self.originated_far(leg).is_some() {
            self.happening(now, cti::Happening::Answered { leg: cti_leg(leg) });
            return;
        }
        let Some(x) = self.agent_legs.get_mut(&leg) else {
            return;
        };
        if x.answered {
            return;
        }
        x.answered = true;
        let x = *x;
        let agent = self.acd_agent(x.agent);
        if self
            .acd_input(
                now,
                acd::Input::OfferAnswered {
                    call: acd_call(x.call),
                    agent,
                },
            )
            .is_err()
        {
            // The ACD withdrew the offer in the same instant (ring timeout): the agent
            // still got the call; nothing to charge to the queue.
            return;
        }
        self.agent_last[x.agent] = Some((x.call, x.queue));
        let e = LogEvent::new(LogKind::QueueConnect)
            .call(x.call)
            .queue(&self.config.queues[x.queue].name.clone())
            .agent(&self.config.agents[x.agent].number.clone());
        self.log(now, e);
        self.happening(now, cti::Happening::Answered { leg: cti_leg(leg) });
    }

    fn ensure_cti(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.cti_known {
            return;
        }
        c.cti_known = true;
        let h = cti::Happening::Incoming {
            call: cti_call(call),
            leg: cti_leg(c.caller_leg),
            caller: cti::DeviceId::new(&c.caller),
            called: cti::DeviceId::new(&c.called),
        };
        self.happening(now, h);
    }

    fn handoff(&mut self, now: Instant, call: CallId, leg: LegId, target: Target) {
        self.ensure_cti(now, call);
        match target {
            Target::Ivr(name) => {
                let Some(flow) = self
                    .config
                    .flows
                    .iter()
                    .find(|f| f.name == name)
                    .map(|f| Arc::clone(&f.flow))
                else {
                    self.log(
                        now,
                        LogEvent::new(LogKind::IvrExit)
                            .call(call)
                            .with("flow", name)
                            .with("outcome", "no_such_flow"),
                    );
                    self.clear_leg(now, leg, Cause::UNALLOCATED_NUMBER);
                    return;
                };
                let Some(c) = self.calls.get_mut(&call) else {
                    return;
                };
                let mut i = ivr::Call::new(flow, &c.caller, &c.called);
                i.start(now, self.config.local_time(now));
                c.ivr = Some(i);
                self.log(
                    now,
                    LogEvent::new(LogKind::IvrEnter)
                        .call(call)
                        .with("flow", name),
                );
                self.run_ivr(now, call);
            }
            Target::Queue(name) => {
                if self.acd.call(acd_call(call)).is_some() {
                    // Transferred into this queue: the ACD already has it (see leg_ended).
                    return;
                }
                match self.config.queue_by_target(&name) {
                    Some(qi) => self.enter_queue(now, call, qi),
                    None => self.clear_leg(now, leg, Cause::UNALLOCATED_NUMBER),
                }
            }
            _ => {}
        }
    }

    fn caller_data(&self, call: CallId) -> acd::CallerData {
        let mut d = acd::CallerData::default();
        if let Some(c) = self.calls.get(&call)
            && let Some(cu) = &c.customer
        {
            d.vip = cu.vip;
            if let Some(owner) = &cu.account_owner
                && let Some(a) = self.config.agents.iter().find(|a| &a.number == owner)
            {
                d.preferred_agents = vec![a.acd.id];
                d.preferred_for = Duration::from_secs(30);
            }
        }
        d
    }

    /// Logs and tells the CTI model that the call joined queue `qi` (the ACD input is the
    /// caller's job), and plays music on hold.
    fn queued(&mut self, now: Instant, call: CallId, qi: usize) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.queue = Some(qi);
        let leg = c.caller_leg;
        let h = cti::Happening::Queued {
            call: cti_call(call),
            queue: cti::DeviceId::new(&self.config.queues[qi].number),
            ivr_data: c.data.clone(),
            customer: c.customer.clone(),
        };
        let q = &self.config.queues[qi];
        let e = LogEvent::new(LogKind::QueueEnter)
            .call(call)
            .queue(&q.name.clone())
            .with("number", q.number.clone());
        self.log(now, e);
        self.happening(now, h);
        self.commands.push_back(Command::Media(MediaCommand::Play {
            leg,
            source: Source::MusicOnHold,
        }));
    }

    fn enter_queue(&mut self, now: Instant, call: CallId, qi: usize) {
        self.queued(now, call, qi);
        let caller = self.caller_data(call);
        let _ = self.acd_input(
            now,
            acd::Input::Arrived {
                call: acd_call(call),
                queue: self.config.queues[qi].acd.id,
                caller,
            },
        );
    }

    fn leg_ended(&mut self, now: Instant, leg: LegId, cause: Cause) {
        if let Some(x) = self.agent_legs.get(&leg).copied() {
            self.agent_leg_ended(now, leg, x, cause);
            return;
        }
        if self.originated_far(leg).is_some() {
            self.happening(
                now,
                cti::Happening::Cleared {
                    leg: cti_leg(leg),
                    cause: clear_cause(cause),
                },
            );
            return;
        }
        let Some(&call) = self.caller_legs.get(&leg) else {
            return;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.caller_leg != leg {
            return;
        }
        if let Some(mut i) = c.ivr.take() {
            i.handle_input(now, self.config.local_time(now), ivr::Input::CallerHungUp);
            self.log(
                now,
                LogEvent::new(LogKind::IvrExit)
                    .call(call)
                    .with("outcome", "caller_hangup"),
            );
        }
        let cti_known = self.calls.get(&call).is_some_and(|c| c.cti_known);
        if let Some(s) = self.acd.call(acd_call(call))
            && matches!(
                s.state,
                AcdCallState::Waiting | AcdCallState::Ringing { .. }
            )
        {
            let qi = self.queue_by_acd(s.queue);
            if self
                .acd_input(
                    now,
                    acd::Input::Abandoned {
                        call: acd_call(call),
                    },
                )
                .is_ok()
                && let Some(qi) = qi
            {
                let e = LogEvent::new(LogKind::QueueAbandon)
                    .call(call)
                    .queue(&self.config.queues[qi].name.clone());
                self.log(now, e);
            }
        }
        if cti_known {
            self.happening(
                now,
                cti::Happening::Cleared {
                    leg: cti_leg(leg),
                    cause: clear_cause(cause),
                },
            );
        }
    }

    /// The switch event after `leg`'s end in the same batch that says it was transferred,
    /// and the queue the transferred party was handed to, if any.
    fn transfer_ahead(
        &self,
        leg: LegId,
    ) -> Option<(switch::engine::TransferKind, CallId, Option<String>)> {
        let mut found = None;
        for (_, e) in &self.sw_events {
            match e {
                switch::Event::Transferred { call, by, kind } if *by == leg => {
                    found = Some((*kind, *call, None));
                }
                switch::Event::Handoff {
                    call,
                    target: Target::Queue(q),
                    ..
                } if found.as_ref().is_some_and(|f| f.1 == *call) => {
                    if let Some(f) = found.as_mut() {
                        f.2 = Some(q.clone());
                    }
                    break;
                }
                _ => {}
            }
        }
        found
    }

    fn agent_leg_ended(&mut self, now: Instant, leg: LegId, x: AgentLeg, cause: Cause) {
        if x.agent == usize::MAX || x.queue == usize::MAX {
            self.agent_legs.remove(&leg);
            return;
        }
        let agent = self.acd_agent(x.agent);
        let number = self.config.agents[x.agent].number.clone();
        let qname = self.config.queues[x.queue].name.clone();
        if !x.answered {
            // An offer that ended unanswered (no answer, busy, or we stopped it).
            self.agent_legs.remove(&leg);
            if self
                .acd
                .agent_snapshot(agent)
                .is_some_and(|s| s.state == AcdAgentState::Ringing(acd_call(x.call)))
            {
                let input = if matches!(cause, Cause::USER_BUSY | Cause::CALL_REJECTED) {
                    acd::Input::OfferRejected {
                        call: acd_call(x.call),
                        agent,
                    }
                } else {
                    acd::Input::OfferNoAnswer {
                        call: acd_call(x.call),
                        agent,
                    }
                };
                let _ = self.acd_input(now, input);
            }
            self.happening(
                now,
                cti::Happening::Cleared {
                    leg: cti_leg(leg),
                    cause: clear_cause(cause),
                },
            );
            return;
        }
        // The agent's part of a connected call ends.
        let transfer = self.transfer_ahead(leg);
        match &transfer {
            Some((kind, call, _)) => {
                let secondary = match kind {
                    switch::engine::TransferKind::Blind => None,
                    switch::engine::TransferKind::Attended => {
                        self.agent_consult_call(x.agent, *call).map(cti_call)
                    }
                };
                self.happening(
                    now,
                    cti::Happening::Transferred {
                        primary: cti_call(*call),
                        secondary,
                        transferring_device: cti::DeviceId::new(
                            &self.config.agents[x.agent].extension,
                        ),
                        resulting: cti_call(*call),
                    },
                );
            }
            None => self.happening(
                now,
                cti::Happening::Cleared {
                    leg: cti_leg(leg),
                    cause: clear_cause(cause),
                },
            ),
        }
        self.agent_legs.remove(&leg);
        let connected = self
            .acd
            .call(acd_call(x.call))
            .is_some_and(|s| s.state == AcdCallState::Connected { agent });
        if !connected {
            return;
        }
        let into = transfer
            .as_ref()
            .and_then(|t| t.2.as_deref())
            .and_then(|q| self.config.queue_by_target(q));
        let input = match (&transfer, into) {
            (Some(_), Some(qi)) => acd::Input::Transferred {
                call: acd_call(x.call),
                target: acd::TransferTarget::Queue {
                    queue: self.config.queues[qi].acd.id,
                    caller: self.caller_data(x.call),
                },
            },
            (Some(_), None) => acd::Input::Transferred {
                call: acd_call(x.call),
                target: acd::TransferTarget::Elsewhere,
            },
            (None, _) => acd::Input::CallEnded {
                call: acd_call(x.call),
            },
        };
        if let Some((kind, _, to)) = &transfer {
            let kind = match kind {
                switch::engine::TransferKind::Blind => "blind",
                switch::engine::TransferKind::Attended => "attended",
            };
            self.log(
                now,
                LogEvent::new(LogKind::QueueTransfer)
                    .call(x.call)
                    .queue(&qname)
                    .agent(&number)
                    .with("kind", kind)
                    .with("to", to.clone().unwrap_or_default()),
            );
        }
        self.log(
            now,
            LogEvent::new(LogKind::CallComplete)
                .call(x.call)
                .queue(&qname)
                .agent(&number),
        );
        if let Some(qi) = into {
            self.queued(now, x.call, qi);
        }
        let _ = self.acd_input(now, input);
    }

    /// The call an agent consults on (its own outgoing call other than `primary`).
    fn agent_consult_call(&self, ai: usize, primary: CallId) -> Option<CallId> {
        let ext = &self.config.agents[ai].extension;
        self.calls
            .iter()
            .find(|(id, c)| **id != primary && &c.caller == ext)
            .map(|(id, _)| *id)
    }

    // ----- ACD outputs -----

    fn on_acd(&mut self, now: Instant, o: acd::Output) {
        match o {
            acd::Output::Offer { call, agent, .. } => {
                let call = sw_call(call);
                let Some(ai) = self.agent_by_acd(agent) else {
                    return;
                };
                let Some(c) = self.calls.get_mut(&call) else {
                    return;
                };
                c.offering = Some(ai);
                let leg = c.caller_leg;
                let to = self.config.agents[ai].extension.clone();
                if self.sw(now, LegEvent::Redirect { leg, to }).is_err() {
                    // Not with the ACD any more (should not happen): refuse the offer.
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.offering = None;
                    }
                    let _ = self.acd_input(
                        now,
                        acd::Input::OfferRejected {
                            call: acd_call(call),
                            agent,
                        },
                    );
                }
            }
            acd::Output::StopRinging { call, agent } => {
                let call = sw_call(call);
                let Some(ai) = self.agent_by_acd(agent) else {
                    return;
                };
                let leg = self
                    .agent_legs
                    .iter()
                    .find(|(_, x)| x.call == call && x.agent == ai && !x.answered)
                    .map(|(l, _)| *l);
                if let Some(leg) = leg {
                    // The ACD already knows: forget the offer before the switch reports it.
                    self.agent_legs.remove(&leg);
                    self.happening(
                        now,
                        cti::Happening::Cleared {
                            leg: cti_leg(leg),
                            cause: cti::ClearCause::NoAnswer,
                        },
                    );
                    self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
                }
            }
            acd::Output::Overflow { call, destination } => {
                let call = sw_call(call);
                let Some(c) = self.calls.get(&call) else {
                    return;
                };
                let leg = c.caller_leg;
                if let Some(qi) = c.queue {
                    let e = LogEvent::new(LogKind::QueueExit)
                        .call(call)
                        .queue(&self.config.queues[qi].name.clone())
                        .with("to", format!("{destination:?}"));
                    self.log(now, e);
                }
                match destination {
                    acd::Destination::Queue(q) => {
                        if let Some(qi) = self.queue_by_acd(q) {
                            self.enter_queue(now, call, qi);
                        }
                    }
                    acd::Destination::Extension(n) | acd::Destination::External(n) => {
                        let _ = self.sw(now, LegEvent::Redirect { leg, to: n });
                    }
                    _ => self.clear_leg(now, leg, Cause::NORMAL_CLEARING),
                }
            }
            acd::Output::AgentState { agent, state } => self.acd_agent_state(now, agent, state),
            acd::Output::Decision(d) => {
                if let acd::Action::Offer { agents, why } = &d.action {
                    let call = sw_call(d.call);
                    let q = self
                        .queue_by_acd(d.queue)
                        .map(|qi| self.config.queues[qi].name.clone())
                        .unwrap_or_default();
                    let num = |id: &acd::AgentId| {
                        self.agent_by_acd(*id)
                            .map(|i| self.config.agents[i].number.clone())
                            .unwrap_or_default()
                    };
                    let eligible: Vec<String> = d.eligible.iter().map(num).collect();
                    let offered: Vec<String> = agents.iter().map(num).collect();
                    let mut e = LogEvent::new(LogKind::RoutingDecision)
                        .call(call)
                        .with("eligible", eligible)
                        .with("offered", offered.clone())
                        .with("why", format!("{why:?}"))
                        .with(
                            "waited_ms",
                            u64::try_from(d.waited.as_millis()).unwrap_or(u64::MAX),
                        );
                    if !q.is_empty() {
                        e = e.queue(&q);
                    }
                    if let Some(a) = offered.first().filter(|a| !a.is_empty()) {
                        e = e.agent(a);
                    }
                    self.log(now, e);
                }
            }
            _ => {}
        }
    }

    fn acd_agent_state(&mut self, now: Instant, agent: acd::AgentId, state: AcdAgentState) {
        let Some(ai) = self.agent_by_acd(agent) else {
            return;
        };
        let old = std::mem::replace(&mut self.agent_state[ai], state);
        let number = self.config.agents[ai].number.clone();
        let after_call = matches!(old, AcdAgentState::WrapUp { .. } | AcdAgentState::OnCall(_));
        let base = |k| LogEvent::new(k).agent(&number);
        let wrap_end = |s: &Self| {
            let mut e = LogEvent::new(LogKind::AgentWrapupEnd).agent(&number);
            if let Some((c, q)) = s.agent_last[ai] {
                e = e.call(c).queue(&s.config.queues[q].name);
            }
            e
        };
        match state {
            AcdAgentState::LoggedOut => {
                if after_call {
                    let e = wrap_end(self);
                    self.log(now, e);
                }
                self.log(now, base(LogKind::AgentLogout));
            }
            AcdAgentState::NotReady(r) => {
                if old == AcdAgentState::LoggedOut {
                    self.log(now, base(LogKind::AgentLogin));
                } else {
                    self.log(
                        now,
                        base(LogKind::AgentNotReady).with("reason", format!("{r:?}")),
                    );
                    if after_call {
                        let e = wrap_end(self);
                        self.log(now, e);
                    }
                }
                let code = match r {
                    PauseReason::AutoNoAnswer(_) => Some(AUTO_NO_ANSWER_REASON),
                    PauseReason::AutoRejected => Some(AUTO_REJECTED_REASON),
                    _ => None,
                };
                if let Some(code) = code {
                    self.happening(
                        now,
                        cti::Happening::AgentStateForced {
                            agent: cti::AgentId::new(&number),
                            ready: false,
                            reason: Some(cti::ReasonCode(code)),
                        },
                    );
                }
            }
            AcdAgentState::Ready => {
                if after_call {
                    let e = wrap_end(self);
                    self.log(now, e);
                } else if !matches!(old, AcdAgentState::Ringing(_)) {
                    self.log(now, base(LogKind::AgentReady));
                }
            }
            _ => {}
        }
    }

    // ----- IVR -----

    fn ivr_input(&mut self, now: Instant, call: CallId, input: ivr::Input) {
        let local = self.config.local_time(now);
        if let Some(i) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) {
            i.handle_input(now, local, input);
            self.run_ivr(now, call);
        }
    }

    /// Carries out what the call's IVR asks, until it asks nothing more.
    fn run_ivr(&mut self, now: Instant, call: CallId) {
        for _ in 0..PUMP_LIMIT {
            let Some(c) = self.calls.get_mut(&call) else {
                return;
            };
            let leg = c.caller_leg;
            let Some(i) = c.ivr.as_mut() else {
                return;
            };
            let Some(a) = i.poll_action() else {
                return;
            };
            match a {
                ivr::Action::Play { prompt, language } => {
                    self.commands.push_back(Command::PlayPrompt {
                        leg,
                        prompt,
                        language: language.code().to_owned(),
                    });
                }
                ivr::Action::StopPlayback => {
                    self.commands
                        .push_back(Command::Media(MediaCommand::StopPlay { leg }));
                }
                ivr::Action::LookUp(request) => {
                    c.lookups.insert(request.id, request.kind);
                    self.events
                        .push_back((now, Event::LookUp { call, request }));
                }
                ivr::Action::Transfer { target, data } => {
                    self.ivr_transfer(now, call, leg, target, data);
                }
                ivr::Action::Voicemail { mailbox, data } => {
                    c.ivr = None;
                    self.log(
                        now,
                        LogEvent::new(LogKind::IvrExit)
                            .call(call)
                            .with("outcome", "voicemail")
                            .with("mailbox", mailbox.clone()),
                    );
                    self.events.push_back((
                        now,
                        Event::VoicemailNotAvailable {
                            call,
                            mailbox,
                            data: data.0,
                        },
                    ));
                    self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
                    return;
                }
                ivr::Action::SurveyResult { score, .. } => {
                    self.log(
                        now,
                        LogEvent::new(LogKind::Survey)
                            .call(call)
                            .with("score", score),
                    );
                }
                ivr::Action::Hangup(reason) => {
                    c.ivr = None;
                    self.log(
                        now,
                        LogEvent::new(LogKind::IvrExit)
                            .call(call)
                            .with("outcome", format!("hangup:{reason:?}")),
                    );
                    self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
                    return;
                }
                _ => {}
            }
        }
    }

    fn ivr_transfer(
        &mut self,
        now: Instant,
        call: CallId,
        leg: LegId,
        target: ivr::Target,
        data: ivr::CallData,
    ) {
        let (outcome, to) = match &target {
            ivr::Target::Queue(q) => match self.config.queue_by_target(q) {
                Some(qi) => (ivr::TransferOutcome::Connected, Some((qi, q.clone()))),
                None => (ivr::TransferOutcome::Failed, None),
            },
            ivr::Target::Agent(n) | ivr::Target::Extension(n) | ivr::Target::External(n) => {
                if self
                    .sw(now, LegEvent::Redirect { leg, to: n.clone() })
                    .is_ok()
                {
                    (ivr::TransferOutcome::Connected, None)
                } else {
                    (ivr::TransferOutcome::Failed, None)
                }
            }
            _ => (ivr::TransferOutcome::Failed, None),
        };
        if outcome == ivr::TransferOutcome::Failed {
            self.ivr_input(now, call, ivr::Input::TransferResult(outcome));
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.data = data.0;
        if let Some(mut i) = c.ivr.take() {
            i.handle_input(
                now,
                self.config.local_time(now),
                ivr::Input::TransferResult(outcome),
            );
        }
        self.commands
            .push_back(Command::Media(MediaCommand::StopPlay { leg }));
        self.log(
            now,
            LogEvent::new(LogKind::IvrExit)
                .call(call)
                .with("outcome", "transfer")
                .with("target", format!("{target:?}")),
        );
        if let Some((qi, _)) = to {
            self.enter_queue(now, call, qi);
        }
    }
}

/// Configuration rules of the Center itself (the parts check theirs).
fn check(config: &Config) -> Result<(), CenterError> {
    let mut names = BTreeSet::new();
    for q in &config.queues {
        if !names.insert(q.name.clone()) || !names.insert(format!("#{}", q.number)) {
            return Err(CenterError::Config(ConfigProblem::DuplicateQueue));
        }
        if !q.acd.wrapup.is_zero() {
            return Err(CenterError::Config(ConfigProblem::AcdWrapUp));
        }
        if matches!(
            q.acd.strategy,
            acd::Strategy::RingAll | acd::Strategy::RingProgressive
        ) {
            return Err(CenterError::Config(ConfigProblem::RingsSeveral));
        }
    }
    let mut agents = BTreeSet::new();
    let mut exts = BTreeSet::new();
    for a in &config.agents {
        if !agents.insert(a.number.clone()) || !exts.insert(a.extension.clone()) {
            return Err(CenterError::Config(ConfigProblem::DuplicateAgent));
        }
        if config.switch.extension(&a.extension).is_none() {
            return Err(CenterError::Config(ConfigProblem::NoSuchExtension));
        }
    }
    Ok(())
}
