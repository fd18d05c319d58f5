//! The Center: one sans-IO state machine joining the switch, the ACD, IVR calls and the CTI
//! model (see the crate docs for the driving loop and how a call moves).
//!
//! Its ACD routes voice only. Web chats are routed by the host's chat service (its own ACD
//! instance); the Center hears how many chats each agent holds or is offered
//! ([`Center::set_chat_load`]) and keeps such an agent out of voice routing, as it does an
//! agent on an outside call (a pause with [`CHAT_LOAD_REASON`] / [`OUTSIDE_CALL_REASON`]
//! that leaves the agent's CTI state alone).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use acd::{Acd, AgentState as AcdAgentState, CallState as AcdCallState, PauseReason};
use switch::dialplan::{OriginClass, Target};
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

/// Reason code the ACD shows for an agent it keeps from queue calls while the agent's phone
/// is on a call the ACD did not offer (CTI MakeCall, click-to-dial, a call dialled from or
/// to the extension): the agent is busy, not missing offers.
pub const OUTSIDE_CALL_REASON: u16 = 0xFFF3;

/// Reason code the ACD shows for an agent it keeps from queue calls while the agent holds
/// web chats (accepted or offered, [`Center::set_chat_load`]): "one call or chats".
pub const CHAT_LOAD_REASON: u16 = 0xFFF4;

/// The key a waiting caller presses to be called back instead of waiting on the line
/// (offered by the `callback-offer` prompt of queue announcements when the queue allows
/// callbacks, `callback_attempts` > 0, and the caller's number is known).
pub const CALLBACK_KEY: char = '1';

/// The beep before a voicemail recording starts (the 1 kHz tone).
pub const VOICEMAIL_BEEP: Duration = Duration::from_millis(500);
/// The longest voicemail message; the recording stops there.
pub const VOICEMAIL_MAX: Duration = Duration::from_secs(120);
/// The key that ends a voicemail message.
pub const VOICEMAIL_END_KEY: char = '#';

/// Where a caller sent to voicemail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VmStage {
    /// The `voicemail` prompt ("leave a message after the tone") plays.
    Prompt,
    /// The beep plays until then.
    Beep(Instant),
    /// Recording since `started`, at most [`VOICEMAIL_MAX`] long.
    Recording { started: Instant },
    /// The message is stored; `goodbye` plays, then the caller is cleared.
    Goodbye,
}

#[derive(Debug, Clone)]
struct Voicemail {
    mailbox: String,
    data: BTreeMap<String, String>,
    stage: VmStage,
}

impl Voicemail {
    fn deadline(&self) -> Option<Instant> {
        match self.stage {
            VmStage::Beep(t) => Some(t),
            VmStage::Recording { started } => Some(started + VOICEMAIL_MAX),
            _ => None,
        }
    }
}

/// The id of the Center's own CRM look-up of a caller ([`Center::set_customer_lookup`]);
/// IVR look-up ids count up from 1 per call, so they never reach it.
pub const CUSTOMER_LOOKUP_ID: u32 = u32::MAX;

/// Bound on one pump (inputs cascade between the machines; a runaway would be a bug).
const PUMP_LIMIT: usize = 100_000;

#[derive(Debug)]
struct Ctx {
    caller_leg: LegId,
    caller: String,
    /// The caller came in from outside (trunk or unauthenticated SIP), not an extension:
    /// a callback dials them through the outside-line prefix ([`Config::callback_number`]).
    outside: bool,
    called: String,
    ivr: Option<ivr::Call>,
    lookups: BTreeMap<u32, ivr::LookupKind>,
    data: BTreeMap<String, String>,
    customer: Option<cti::CustomerCard>,
    /// Queue of the current (or last) ACD visit.
    queue: Option<usize>,
    /// Offers asked of the switch whose agent legs have not appeared yet, in the order
    /// asked (ring-all and ring-progressive ask several: the switch forks the call).
    offering: VecDeque<usize>,
    cti_known: bool,
    answered_logged: bool,
    /// Language of the caller's last IVR prompt (queue announcements use it).
    language: ivr::Language,
    /// Queue announcement prompts still to play, in order.
    announcing: VecDeque<String>,
    /// A queue announcement prompt is playing.
    playing_announcement: bool,
    /// Clear the caller's leg once the prompt playing ends (callback confirmed).
    hangup_after_prompt: bool,
    /// The IVR call kept for its `post_call` node (the CSAT survey) while the caller is
    /// with an agent; it runs again when the switch hands the caller back.
    post_call: Option<ivr::Call>,
    /// The agent who last answered this call (for the survey row).
    last_agent: Option<usize>,
    /// Leaving a voicemail message.
    voicemail: Option<Voicemail>,
    /// The CRM look-up of the caller's number was asked (once per call).
    customer_asked: bool,
    /// Queue to enter once that look-up answers, and until when to wait for it.
    pending_queue: Option<(usize, Instant)>,
}

/// A callback being placed: the agent's phone rings first, then the customer is dialled
/// ([`Switch::make_call`]); the ACD knows it as its original call.
#[derive(Debug, Clone, Copy)]
struct CallbackOut {
    /// The ACD's (original) call.
    acd_call: CallId,
    agent: usize,
    queue: usize,
    /// The agent's leg.
    leg: LegId,
    /// The customer's leg, once dialled.
    far: Option<LegId>,
    /// The agent answered (the ACD has the call connected).
    answered: bool,
    /// The customer answered.
    connected: bool,
}

/// A call a CTI MakeCall or ConsultationCall originated from an agent's device: the
/// switch rings the agent's phone first, then dials the destination (as
/// [`Switch::make_call`]).
#[derive(Debug, Clone)]
struct Originated {
    /// The CTI service's invoke id (none for a callback the ACD placed).
    correlator: Option<cti::InvokeId>,
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
    /// Live legs of agents' phones in calls the ACD did not offer, by agent index.
    outside: BTreeMap<LegId, usize>,
    /// Web chats each agent holds or is offered, by agent index, as the host last said
    /// ([`Center::set_chat_load`]).
    chat_load: Vec<usize>,
    /// Agents the Center paused in the ACD ([`OUTSIDE_CALL_REASON`], [`CHAT_LOAD_REASON`])
    /// for an outside call or chats.
    held: Vec<bool>,
    /// Calls deflected (CSTA DeflectCall) whose new destination leg has not appeared yet.
    deflected: BTreeMap<CallId, String>,
    /// Legs of deflection destinations, known to the CTI model.
    diverted_legs: BTreeSet<LegId>,
    /// Callbacks being placed, by the outbound call's id.
    callback_out: BTreeMap<CallId, CallbackOut>,
    /// Queue of each call turned into a callback (for the log when it is given up), and
    /// whether the caller came in from outside ([`Config::callback_number`]).
    callback_queue: BTreeMap<CallId, (usize, bool)>,
    sw_events: VecDeque<(Instant, switch::Event)>,
    commands: VecDeque<Command>,
    events: VecDeque<(Instant, Event)>,
    cti_events: VecDeque<cti::EventReport>,
    /// Supervisors' legs (CTI SingleStepConference): the agent number and the device.
    supervisors: BTreeMap<LegId, (String, String)>,
    /// How long a caller bound for a queue waits for the CRM look-up of its number
    /// ([`Self::set_customer_lookup`]); `None`: no look-up.
    customer_lookup: Option<Duration>,
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
            outside: BTreeMap::new(),
            chat_load: vec![0; n],
            held: vec![false; n],
            deflected: BTreeMap::new(),
            diverted_legs: BTreeSet::new(),
            callback_out: BTreeMap::new(),
            callback_queue: BTreeMap::new(),
            sw_events: VecDeque::new(),
            commands: VecDeque::new(),
            events: VecDeque::new(),
            cti_events: VecDeque::new(),
            supervisors: BTreeMap::new(),
            customer_lookup: None,
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
        let mut paused = Vec::with_capacity(config.agents.len());
        let mut chats = Vec::with_capacity(config.agents.len());
        for a in &config.agents {
            match self.config.agents.iter().position(|o| o.number == a.number) {
                Some(i) => {
                    state.push(self.agent_state[i]);
                    last.push(self.agent_last[i]);
                    paused.push(self.held[i]);
                    chats.push(self.chat_load[i]);
                }
                None => {
                    state.push(AcdAgentState::LoggedOut);
                    last.push(None);
                    paused.push(false);
                    chats.push(0);
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
            c.offering = c.offering.iter().filter_map(|&a| agent_map[a]).collect();
        }
        let outside = std::mem::take(&mut self.outside);
        self.outside = outside
            .into_iter()
            .filter_map(|(l, a)| agent_map[a].map(|a| (l, a)))
            .collect();
        self.held = paused;
        self.chat_load = chats;
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
            if self.calls.get(&call).is_some_and(|c| c.voicemail.is_some()) {
                self.voicemail_prompt_done(now, call);
            } else if self
                .calls
                .get(&call)
                .is_some_and(|c| c.playing_announcement && c.ivr.is_none())
            {
                self.next_announcement(now, call);
            } else {
                self.ivr_input(now, call, ivr::Input::PromptFinished);
            }
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
        let vm_due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.voicemail
                    .as_ref()
                    .and_then(Voicemail::deadline)
                    .is_some_and(|t| t <= now)
            })
            .map(|(id, _)| *id)
            .collect();
        for call in vm_due {
            self.voicemail_timer(now, call);
        }
        // Callers whose CRM look-up did not answer in time enter their queue unidentified
        // (a late answer still sets the customer for the screen pop).
        let unidentified: Vec<(CallId, usize)> = self
            .calls
            .iter_mut()
            .filter_map(|(id, c)| match c.pending_queue {
                Some((qi, t)) if t <= now => {
                    c.pending_queue = None;
                    Some((*id, qi))
                }
                _ => None,
            })
            .collect();
        for (call, qi) in unidentified {
            self.enter_queue(now, call, qi);
        }
        self.pump(now);
        let local = self.config.local_time(now);
        for call in due {
            self.tell_calendars(now, call);
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
            .filter_map(|c| {
                let i = c.ivr.as_ref().and_then(ivr::Call::poll_timeout);
                let v = c.voicemail.as_ref().and_then(Voicemail::deadline);
                let q = c.pending_queue.map(|(_, t)| t);
                [i, v, q].into_iter().flatten().min()
            })
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
        if let cti::ServiceRequest::SingleStepConference {
            agent,
            device_to_join,
            participation_type,
        } = &request
        {
            let r = self.single_step_conference(
                now,
                principal,
                agent,
                device_to_join,
                *participation_type,
            );
            self.pump(now);
            return r;
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
            .filter(|c| c.ivr.is_some() || c.lookups.contains_key(&id))
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
        if id == CUSTOMER_LOOKUP_ID {
            if let Some((qi, _)) = c.pending_queue.take() {
                self.enter_queue(now, call, qi);
            }
        } else {
            self.ivr_input(now, call, ivr::Input::LookUpResult { id, outcome });
        }
        self.pump(now);
        Ok(())
    }

    /// The host heard only silence from `leg` for its voicemail silence limit while the
    /// leg's voicemail message was being recorded: the message ends (`ended_by`
    /// `silence`), as on `#`. `false` when the leg is not recording a message (it ended
    /// meanwhile, or the report came late).
    pub fn voicemail_silence(&mut self, now: Instant, leg: LegId) -> bool {
        let Some(&call) = self.caller_legs.get(&leg) else {
            return false;
        };
        let recording = self.calls.get(&call).is_some_and(|c| {
            c.caller_leg == leg
                && c.voicemail
                    .as_ref()
                    .is_some_and(|v| matches!(v.stage, VmStage::Recording { .. }))
        });
        if recording {
            self.voicemail_stop(now, call, "silence");
            self.pump(now);
        }
        recording
    }

    /// Identifies callers bound for a queue who are not identified yet (no IVR
    /// `customer_by_phone` look-up found them): an [`Event::LookUp`] of kind
    /// `customer_by_phone` on the caller's number (id [`CUSTOMER_LOOKUP_ID`]), answered with
    /// [`Self::answer_lookup`] like an IVR's. The caller enters the queue when the answer
    /// comes, or after `wait` without one, so a found customer is in the screen pop, the
    /// interaction record and the routing (VIP, account owner). `None` (the default) turns
    /// it off, for a host that answers no look-ups.
    pub fn set_customer_lookup(&mut self, wait: Option<Duration>) {
        self.customer_lookup = wait;
    }

    /// Says how many web chats agent `agent` (its number) holds or is being offered: "one
    /// call or chats". While it is one or more, the agent is kept out of voice routing: a
    /// Ready agent is paused in the ACD with [`CHAT_LOAD_REASON`] (no queue call is offered
    /// to it), as for an outside call ([`OUTSIDE_CALL_REASON`]); its CTI state stays as the
    /// agent set it. At 0 the pause is lifted and the agent is offered calls again, unless
    /// it chose another state meanwhile (a break is kept). An agent on a queue call or in
    /// wrap-up when chats come is paused when it is Ready again. Returns whether the
    /// agent's ACD state changed (paused or released) by this call.
    ///
    /// # Errors
    /// [`CenterError::UnknownAgent`]; nothing changed then.
    pub fn set_chat_load(
        &mut self,
        now: Instant,
        agent: &str,
        chats: usize,
    ) -> Result<bool, CenterError> {
        let ai = self
            .agent_index(&cti::AgentId::new(agent))
            .ok_or_else(|| CenterError::UnknownAgent(agent.to_owned()))?;
        self.chat_load[ai] = chats;
        let changed = self.hold_update(now, ai);
        self.pump(now);
        Ok(changed)
    }

    /// The web chats agent `agent` holds or is offered, as last set with
    /// [`Self::set_chat_load`] (`None` for an unknown agent).
    #[must_use]
    pub fn chat_load(&self, agent: &str) -> Option<usize> {
        self.agent_index(&cti::AgentId::new(agent))
            .map(|ai| self.chat_load[ai])
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

    /// A recording of `call` started (the host writes the file and indexes it): its id goes
    /// into the call's interaction records. Drain the outputs afterwards.
    pub fn recording_started(&mut self, now: Instant, call: CallId, recording_id: String) {
        self.happening(
            now,
            cti::Happening::RecordingStarted {
                call: cti_call(call),
                recording_id,
            },
        );
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
        let to = self.dialable(to);
        let r = self.switch.make_call(now, from, &to)?;
        self.drain_switch(now);
        self.pump(now);
        Ok(r)
    }

    /// The switch call a caller's leg belongs to, while the Center knows it.
    #[must_use]
    pub fn call_of_caller(&self, leg: LegId) -> Option<CallId> {
        self.caller_legs.get(&leg).copied()
    }

    /// Whether `leg` is an agent's answered leg of a queue call: the Center logs holds and
    /// retrieves of such calls itself (with the queue and the agent).
    #[must_use]
    pub fn is_queue_agent_leg(&self, leg: LegId) -> bool {
        self.agent_legs
            .get(&leg)
            .is_some_and(|x| x.answered && x.queue != usize::MAX)
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

    /// The supervisor's legs monitoring calls now: (supervisor's leg, agent number,
    /// device, mode).
    #[must_use]
    pub fn supervisor_legs(&self) -> Vec<(LegId, String, String, switch::MonitorMode)> {
        self.supervisors
            .iter()
            .filter_map(|(l, (a, d))| {
                let (_, mode) = self.switch.monitor_of(*l)?;
                Some((*l, a.clone(), d.clone(), mode))
            })
            .collect()
    }

    /// CTI SingleStepConference (see [`cti::ServiceRequest::SingleStepConference`]): rings
    /// the supervisor's phone to monitor the agent's connected call, or changes the mode of
    /// the supervisor's leg already there.
    fn single_step_conference(
        &mut self,
        now: Instant,
        principal: &cti::Principal,
        agent: &cti::AgentId,
        device: &cti::DeviceId,
        participation: cti::ParticipationType,
    ) -> Result<cti::ServiceResult, cti::CstaError> {
        use switch::MonitorMode;
        if principal.role != cti::Role::Supervisor {
            return Err(cti::CstaError::PrivilegeViolation);
        }
        let mode = match participation {
            cti::ParticipationType::Silent => MonitorMode::Listen,
            cti::ParticipationType::Whisper => MonitorMode::Whisper,
            cti::ParticipationType::Active => MonitorMode::Barge,
        };
        let sw = &self.switch;
        self.supervisors.retain(|l, _| sw.monitor_of(*l).is_some());
        let existing = self
            .supervisors
            .iter()
            .find(|(_, (a, d))| *a == agent.0 && *d == device.0)
            .map(|(l, _)| *l);
        if let Some(leg) = existing {
            self.switch
                .set_monitor_mode(now, leg, mode)
                .map_err(|_| cti::CstaError::InvalidObjectState)?;
            self.drain_switch(now);
            return Ok(cti::ServiceResult::Ack);
        }
        if self.agent_index(agent).is_none() {
            return Err(cti::CstaError::InvalidDeviceId);
        }
        let target = self
            .agent_leg(&agent.0)
            .ok_or(cti::CstaError::InvalidObjectState)?;
        let leg = self
            .switch
            .monitor(now, &device.0, target, mode)
            .map_err(|e| match e {
                switch::engine::SwitchError::NoSuchExtension => cti::CstaError::InvalidDeviceId,
                _ => cti::CstaError::InvalidObjectState,
            })?;
        self.supervisors
            .insert(leg, (agent.0.clone(), device.0.clone()));
        self.drain_switch(now);
        Ok(cti::ServiceResult::Ack)
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

    fn agent_by_extension(&self, ext: &str) -> Option<usize> {
        self.config.agents.iter().position(|a| a.extension == ext)
    }

    /// An agent's phone joined a call the ACD did not offer.
    fn outside_started(&mut self, now: Instant, leg: LegId, ai: usize) {
        self.outside.insert(leg, ai);
        self.hold_update(now, ai);
    }

    /// Why agent `ai` is to be kept from queue calls now, if it is: an outside call first,
    /// then chats.
    fn hold_reason(&self, ai: usize) -> Option<u16> {
        if self.outside.values().any(|&a| a == ai) {
            Some(OUTSIDE_CALL_REASON)
        } else if self.chat_load.get(ai).is_some_and(|&n| n > 0) {
            Some(CHAT_LOAD_REASON)
        } else {
            None
        }
    }

    /// Keeps the ACD's view of an agent in line with its phone and its chats: a ready agent
    /// whose phone is on an outside call is paused with [`OUTSIDE_CALL_REASON`] (so no queue
    /// call is offered to a busy phone and counted as missed), one holding web chats with
    /// [`CHAT_LOAD_REASON`] (an outside call shows first; the reason follows what is left
    /// when one of the two ends). When neither is left the pause is lifted, unless the agent
    /// chose another state meanwhile. The agent's own CTI state is not touched. Returns
    /// whether the ACD state was changed.
    fn hold_update(&mut self, now: Instant, ai: usize) -> bool {
        if ai >= self.config.agents.len() {
            return false;
        }
        let want = self.hold_reason(ai);
        let id = self.acd_agent(ai);
        let Some(state) = self.acd.agent_snapshot(id).map(|s| s.state) else {
            return false;
        };
        let ours = self.held[ai]
            && matches!(state, AcdAgentState::NotReady(PauseReason::Code(c))
                if c == OUTSIDE_CALL_REASON || c == CHAT_LOAD_REASON);
        match want {
            Some(code)
                if state == AcdAgentState::Ready
                    || (ours && state != AcdAgentState::NotReady(PauseReason::Code(code))) =>
            {
                self.held[ai] = true;
                self.acd_input(
                    now,
                    acd::Input::NotReady {
                        agent: id,
                        reason: PauseReason::Code(code),
                    },
                )
                .is_ok()
            }
            None if self.held[ai] => {
                self.held[ai] = false;
                ours && self.acd_input(now, acd::Input::Ready { agent: id }).is_ok()
            }
            _ => false,
        }
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
                    // Ready (by hand, or at the end of a wrap-up) while on an outside call or
                    // holding chats: straight to the hold, so the ACD does not offer a
                    // waiting caller in between.
                    let input = match self.hold_reason(ai) {
                        Some(code) => {
                            self.held[ai] = true;
                            acd::Input::NotReady {
                                agent: id,
                                reason: PauseReason::Code(code),
                            }
                        }
                        None => acd::Input::Ready { agent: id },
                    };
                    let _ = self.acd_input(now, input);
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
            cti::SwitchCommand::Alternate { hold, retrieve } => {
                let (hold, retrieve) = (sw_leg(*hold), sw_leg(*retrieve));
                if self.sw(now, LegEvent::Hold { leg: hold }).is_err() {
                    self.events
                        .push_back((now, Event::CtiNotCarriedOut { command: s.clone() }));
                    return;
                }
                if self.sw(now, LegEvent::Resume { leg: retrieve }).is_err() {
                    // Put things back as they were: the active call is active again.
                    let _ = self.sw(now, LegEvent::Resume { leg: hold });
                    self.events
                        .push_back((now, Event::CtiNotCarriedOut { command: s.clone() }));
                }
                return;
            }
            cti::SwitchCommand::Deflect { leg, destination } => {
                if !self.deflect(now, sw_leg(*leg), destination) {
                    self.events
                        .push_back((now, Event::CtiNotCarriedOut { command: s.clone() }));
                }
                return;
            }
            cti::SwitchCommand::SendDigits { leg, digits } => {
                self.commands.push_back(Command::SendDigits {
                    leg: sw_leg(*leg),
                    digits: digits.clone(),
                });
                return;
            }
            cti::SwitchCommand::Record { leg, action } => {
                let action = match action {
                    cti::RecordingAction::Start => switch::engine::RecordAction::Start,
                    cti::RecordingAction::Suspend => switch::engine::RecordAction::Pause,
                    cti::RecordingAction::Resume => switch::engine::RecordAction::Resume,
                    cti::RecordingAction::Stop => switch::engine::RecordAction::Stop,
                };
                // The switch's `Recording` event tells the model (and every desktop in the
                // call) what was done.
                if self
                    .sw(
                        now,
                        LegEvent::Record {
                            leg: sw_leg(*leg),
                            action,
                        },
                    )
                    .is_err()
                {
                    self.events
                        .push_back((now, Event::CtiNotCarriedOut { command: s.clone() }));
                }
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
    /// What an agent's phone dials for click-to-dial, a scheduled callback or a CTI
    /// MakeCall/ConsultationCall to `number`: the number itself when the dial plan routes it
    /// as dialled (extensions, queues, services, numbers already with the outside prefix),
    /// else with the outside-line prefix the dial plan implies ([`Config::callback_number`]):
    /// a customer's number as the CRM keeps it (`13800138000`) reaches the trunk.
    fn dialable(&self, number: &str) -> String {
        if self
            .config
            .switch
            .route(OriginClass::Extension, number)
            .is_ok()
        {
            number.to_owned()
        } else {
            self.config.callback_number(number, true)
        }
    }

    fn originate(
        &mut self,
        now: Instant,
        correlator: cti::InvokeId,
        device: &str,
        destination: &str,
        command: &cti::SwitchCommand,
    ) {
        let dial = self.dialable(destination);
        match self.switch.make_call(now, device, &dial) {
            Ok((call, leg)) => {
                self.originated.insert(
                    call,
                    Originated {
                        correlator: Some(correlator),
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

    /// CSTA DeflectCall of a queue call ringing at an agent's phone: the agent's leg stops
    /// ringing, the call leaves the queue (logged `queue_exit`, reason `deflected`: not an
    /// abandon, and not a missed offer for the agent) and the caller is sent on to
    /// `destination` as an extension would dial it. False (nothing done) when `leg` is not
    /// an unanswered queue offer, or the destination does not route.
    ///
    /// Only queue calls: the caller of any other ringing call is not the Center's to send
    /// elsewhere (the switch would clear the caller with the ringing leg).
    fn deflect(&mut self, now: Instant, leg: LegId, destination: &str) -> bool {
        let Some(x) = self.agent_legs.get(&leg).copied() else {
            return false;
        };
        if x.answered || x.agent == usize::MAX || x.queue == usize::MAX {
            return false;
        }
        if self
            .config
            .switch
            .route(OriginClass::Extension, destination)
            .is_err()
        {
            return false;
        }
        let Some(caller_leg) = self.calls.get(&x.call).map(|c| c.caller_leg) else {
            return false;
        };
        if !self
            .acd
            .call(acd_call(x.call))
            .is_some_and(|c| matches!(c.state, AcdCallState::Ringing { .. }))
        {
            return false;
        }
        self.agent_legs.remove(&leg);
        self.happening(
            now,
            cti::Happening::Diverted {
                leg: cti_leg(leg),
                to: cti::DeviceId::new(destination),
            },
        );
        // Out of the ACD: every agent rung for it is released (the Abandoned input is the
        // ACD's only way out for a ringing call; its own counter counts it there, the
        // event log says `queue_exit`).
        let _ = self.acd_input(
            now,
            acd::Input::Abandoned {
                call: acd_call(x.call),
            },
        );
        let e = LogEvent::new(LogKind::QueueExit)
            .call(x.call)
            .queue(&self.config.queues[x.queue].name.clone())
            .agent(&self.config.agents[x.agent].number.clone())
            .with("reason", "deflected")
            .with("to", destination);
        self.log(now, e);
        self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
        self.deflected.insert(x.call, destination.to_owned());
        if self
            .sw(
                now,
                LegEvent::Redirect {
                    leg: caller_leg,
                    to: destination.to_owned(),
                },
            )
            .is_err()
        {
            self.deflected.remove(&x.call);
            self.clear_leg(now, caller_leg, Cause::NORMAL_CLEARING);
        }
        true
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
                origin,
                ..
            } => {
                if origin == OriginClass::Extension
                    && !self.callback_out.contains_key(&call)
                    && let Some(ai) = calling
                        .number
                        .as_deref()
                        .and_then(|n| self.agent_by_extension(n))
                {
                    self.outside_started(now, leg, ai);
                }
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
                        outside: origin != OriginClass::Extension,
                        called,
                        ivr: None,
                        lookups: BTreeMap::new(),
                        data: BTreeMap::new(),
                        customer: None,
                        queue: None,
                        offering: VecDeque::new(),
                        // A CTI-originated call is announced as `Originated`, not `Incoming`.
                        cti_known: self.originated.contains_key(&call),
                        answered_logged: false,
                        language: ivr::Language::default(),
                        announcing: VecDeque::new(),
                        playing_announcement: false,
                        hangup_after_prompt: false,
                        post_call: None,
                        last_agent: None,
                        voicemail: None,
                        customer_asked: false,
                        pending_queue: None,
                    },
                );
                self.caller_legs.insert(leg, call);
            }
            E::LegAnswered { leg } => self.leg_answered(now, leg),
            E::Recording { call, action, .. } => {
                let state = match action {
                    switch::engine::RecordAction::Start | switch::engine::RecordAction::Resume => {
                        cti::RecordingState::Recording
                    }
                    switch::engine::RecordAction::Pause => cti::RecordingState::Suspended,
                    switch::engine::RecordAction::Stop => cti::RecordingState::Stopped,
                };
                self.happening(
                    now,
                    cti::Happening::Recording {
                        call: cti_call(call),
                        state,
                    },
                );
            }
            E::Handoff { call, leg, target } => self.handoff(now, call, leg, target),
            E::LegOriginated {
                call,
                leg,
                destination,
            } => {
                let offer = self
                    .calls
                    .get_mut(&call)
                    .and_then(|c| c.offering.pop_front().zip(c.queue));
                let Some((ai, qi)) = offer else {
                    if let switch::engine::Destination::Extension { name, .. } = &destination
                        && let Some(ai) = self.agent_by_extension(name)
                        && !self.outside.contains_key(&leg)
                        && !self.callback_out.contains_key(&call)
                    {
                        self.outside_started(now, leg, ai);
                    }
                    if let Some(to) = self.deflected.remove(&call) {
                        self.diverted_legs.insert(leg);
                        self.happening(
                            now,
                            cti::Happening::Alerting {
                                call: cti_call(call),
                                leg: cti_leg(leg),
                                device: cti::DeviceId::new(&to),
                                screen_pop: None,
                            },
                        );
                        return;
                    }
                    if let Some(o) = self.originated.get_mut(&call)
                        && o.leg != leg
                        && o.far.is_none()
                    {
                        o.far = Some(leg);
                        if let Some(cb) = self.callback_out.get_mut(&call) {
                            cb.far = Some(leg);
                        }
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
                if let Some(ai) = self
                    .calls
                    .get_mut(&call)
                    .and_then(|c| c.offering.pop_front())
                {
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
            E::HandedBack { call, leg } => self.handed_back(now, call, leg),
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
                } else if let Some(&call) = self.caller_legs.get(&leg)
                    && self.calls.get(&call).is_some_and(|c| c.voicemail.is_some())
                {
                    if digits.contains(VOICEMAIL_END_KEY) {
                        self.voicemail_stop(now, call, "key");
                    }
                } else if let Some(&call) = self.caller_legs.get(&leg)
                    && digits.contains(CALLBACK_KEY)
                {
                    self.request_callback(now, call);
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
                    correlator: o.correlator,
                };
                self.happening(now, h);
            }
            self.callback_answered(now, call, leg);
            return;
        }
        if let Some(out) = self.originated_far(leg) {
            self.happening(now, cti::Happening::Answered { leg: cti_leg(leg) });
            self.callback_answered(now, out, leg);
            return;
        }
        if self.diverted_legs.contains(&leg) {
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
        if let Some(c) = self.calls.get_mut(&x.call) {
            c.last_agent = Some(x.agent);
        }
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
                let unix = self.config.unix_s(now);
                for cal in &self.config.calendars {
                    i.set_calendar_open(&cal.name, cal.is_open(unix));
                }
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
                    Some(qi) => self.enter_queue_identified(now, call, qi),
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

    /// Enters queue `qi`, first asking the host who the caller is when no look-up has
    /// ([`Self::set_customer_lookup`]).
    fn enter_queue_identified(&mut self, now: Instant, call: CallId, qi: usize) {
        if let (Some(wait), Some(c)) = (self.customer_lookup, self.calls.get_mut(&call))
            && c.customer.is_none()
            && !c.customer_asked
            && !c.caller.is_empty()
        {
            c.customer_asked = true;
            c.lookups
                .insert(CUSTOMER_LOOKUP_ID, ivr::LookupKind::CustomerByPhone);
            c.pending_queue = Some((qi, now + wait));
            let request = ivr::LookUpRequest {
                id: CUSTOMER_LOOKUP_ID,
                kind: ivr::LookupKind::CustomerByPhone,
                key: c.caller.clone(),
            };
            self.events
                .push_back((now, Event::LookUp { call, request }));
            return;
        }
        self.enter_queue(now, call, qi);
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
        if let Some(ai) = self.outside.remove(&leg) {
            self.hold_update(now, ai);
        }
        if let Some((&out, _)) = self.callback_out.iter().find(|(_, x)| x.leg == leg) {
            self.callback_leg_ended(now, out, cause);
        }
        if let Some(x) = self.agent_legs.get(&leg).copied() {
            self.agent_leg_ended(now, leg, x, cause);
            return;
        }
        if self.originated_far(leg).is_some() || self.diverted_legs.remove(&leg) {
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
        if c.voicemail
            .as_ref()
            .is_some_and(|v| matches!(v.stage, VmStage::Recording { .. }))
        {
            self.voicemail_stop(now, call, "caller_hangup");
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
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
            && !s.callback
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
            acd::Output::Offer {
                call,
                agent,
                queue,
                callback: Some(number),
            } => self.place_callback(now, sw_call(call), agent, queue, &number),
            acd::Output::Offer { call, agent, .. } => {
                let call = sw_call(call);
                let Some(ai) = self.agent_by_acd(agent) else {
                    return;
                };
                let Some(c) = self.calls.get_mut(&call) else {
                    return;
                };
                c.offering.push_back(ai);
                let leg = c.caller_leg;
                let to = self.config.agents[ai].extension.clone();
                if self.sw(now, LegEvent::Redirect { leg, to }).is_err() {
                    // Not with the ACD any more (should not happen): refuse the offer.
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.offering.pop_back();
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
                let cb = self
                    .callback_out
                    .values()
                    .find(|x| x.acd_call == call && x.agent == ai && !x.answered)
                    .map(|x| x.leg);
                if let Some(leg) = cb {
                    self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
                }
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
                    acd::Destination::Voicemail(mailbox) => {
                        let data = self
                            .calls
                            .get(&call)
                            .map(|c| c.data.clone())
                            .unwrap_or_default();
                        self.start_voicemail(call, mailbox, data);
                    }
                    acd::Destination::Ivr(flow) => {
                        if let Some(c) = self.calls.get_mut(&call) {
                            c.queue = None;
                        }
                        self.commands
                            .push_back(Command::Media(MediaCommand::StopPlay { leg }));
                        self.handoff(now, call, leg, Target::Ivr(flow));
                    }
                    _ => self.clear_leg(now, leg, Cause::NORMAL_CLEARING),
                }
            }
            acd::Output::AgentState { agent, state } => self.acd_agent_state(now, agent, state),
            acd::Output::Announce { call, announcement } => {
                self.announce(now, sw_call(call), announcement);
            }
            acd::Output::StopAnnouncement { call } => self.stop_announcement(now, sw_call(call)),
            acd::Output::CallbackScheduled { call, position } => {
                let call = sw_call(call);
                if let Some(&(qi, _)) = self.callback_queue.get(&call) {
                    let e = LogEvent::new(LogKind::QueueCallback)
                        .call(call)
                        .queue(&self.config.queues[qi].name.clone())
                        .with("position", position);
                    self.log(now, e);
                }
            }
            acd::Output::CallbackAbandoned { call } => {
                let call = sw_call(call);
                if let Some((qi, _)) = self.callback_queue.remove(&call) {
                    let e = LogEvent::new(LogKind::QueueExit)
                        .call(call)
                        .queue(&self.config.queues[qi].name.clone())
                        .with("reason", "callback_failed");
                    self.log(now, e);
                }
            }
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
                // Ready again (after wrap-up, or by hand) while still on an outside call or
                // holding chats.
                self.hold_update(now, ai);
            }
            _ => {}
        }
    }

    /// The agent hung up on a caller whose IVR flow has a `post_call` node: the flow runs
    /// it now (the CSAT survey), then hangs up.
    fn handed_back(&mut self, now: Instant, call: CallId, leg: LegId) {
        let Some(c) = self.calls.get_mut(&call) else {
            self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
            return;
        };
        let Some(i) = c.post_call.take() else {
            self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
            return;
        };
        let flow = i.flow().flow().name.clone();
        c.ivr = Some(i);
        self.log(
            now,
            LogEvent::new(LogKind::IvrEnter)
                .call(call)
                .with("flow", flow)
                .with("post_call", true),
        );
        self.ivr_input(now, call, ivr::Input::AgentLegEnded);
    }

    // ----- voicemail -----

    /// The caller leaves a message for `mailbox` (an IVR voicemail node, or a queue's
    /// overflow/closed destination): the `voicemail` prompt, a beep, then the caller's
    /// audio is recorded until [`VOICEMAIL_END_KEY`], hang-up, [`VOICEMAIL_MAX`] or the
    /// host's report of silence ([`Self::voicemail_silence`]).
    fn start_voicemail(&mut self, call: CallId, mailbox: String, data: BTreeMap<String, String>) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.announcing.clear();
        c.playing_announcement = false;
        c.voicemail = Some(Voicemail {
            mailbox,
            data,
            stage: VmStage::Prompt,
        });
        let (leg, language) = (c.caller_leg, c.language.code().to_owned());
        self.commands.push_back(Command::PlayPrompt {
            leg,
            prompt: "voicemail".into(),
            language,
        });
    }

    fn voicemail_prompt_done(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let leg = c.caller_leg;
        let Some(v) = c.voicemail.as_mut() else {
            return;
        };
        match v.stage {
            VmStage::Prompt => {
                v.stage = VmStage::Beep(now + VOICEMAIL_BEEP);
                self.commands.push_back(Command::Media(MediaCommand::Play {
                    leg,
                    source: Source::TestTone,
                }));
            }
            VmStage::Goodbye => self.clear_leg(now, leg, Cause::NORMAL_CLEARING),
            _ => {}
        }
    }

    fn voicemail_timer(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let leg = c.caller_leg;
        let Some(v) = c.voicemail.as_mut() else {
            return;
        };
        match v.stage {
            VmStage::Beep(t) if t <= now => {
                v.stage = VmStage::Recording { started: now };
                self.commands
                    .push_back(Command::Media(MediaCommand::StopPlay { leg }));
                self.commands.push_back(Command::RecordLeg {
                    leg,
                    action: switch::engine::RecordAction::Start,
                });
            }
            VmStage::Recording { started } if started + VOICEMAIL_MAX <= now => {
                self.voicemail_stop(now, call, "max_length");
            }
            _ => {}
        }
    }

    /// Ends the recording and reports the message; a caller still on the line hears
    /// `goodbye` and is cleared.
    fn voicemail_stop(&mut self, now: Instant, call: CallId, why: &str) {
        let live = self
            .calls
            .get(&call)
            .map(|c| c.caller_leg)
            .and_then(|l| self.switch.leg_state(l))
            .is_some_and(|s| s != switch::engine::LegState::Ended);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(v) = c.voicemail.as_mut() else {
            return;
        };
        let VmStage::Recording { started } = v.stage else {
            return;
        };
        v.stage = VmStage::Goodbye;
        let (mailbox, data) = (v.mailbox.clone(), v.data.clone());
        let leg = c.caller_leg;
        let caller = c.caller.clone();
        let customer = c.customer.as_ref().map(|cu| cu.id);
        let queue = c
            .queue
            .filter(|&q| q < self.config.queues.len())
            .map(|q| self.config.queues[q].name.clone());
        let language = c.language.code().to_owned();
        self.commands.push_back(Command::RecordLeg {
            leg,
            action: switch::engine::RecordAction::Stop,
        });
        let duration = now.saturating_duration_since(started);
        let mut e = LogEvent::new(LogKind::Voicemail)
            .call(call)
            .with("mailbox", mailbox.clone())
            .with("caller", caller.clone())
            .with("ended_by", why)
            .with(
                "duration_ms",
                u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            );
        if let Some(q) = &queue {
            e = e.queue(q);
        }
        if let Some(id) = customer {
            e = e.with("customer_id", id);
        }
        self.log(now, e);
        self.events.push_back((
            now,
            Event::VoicemailRecorded {
                call,
                leg,
                mailbox,
                caller,
                customer,
                queue,
                started,
                duration,
                data,
            },
        ));
        if live {
            self.commands.push_back(Command::PlayPrompt {
                leg,
                prompt: "goodbye".into(),
                language,
            });
        }
    }

    // ----- queue announcements and callbacks -----

    /// An ACD announcement to a waiting caller: position, predicted wait, a periodic prompt
    /// and (when the queue allows callbacks) the callback offer, read out one prompt after
    /// the other in the caller's language; music on hold resumes after the last. Played
    /// only to a caller still in line: the ACD stops it before any offer
    /// ([`acd::Output::StopAnnouncement`]), so it never plays over an answer.
    fn announce(&mut self, now: Instant, call: CallId, a: acd::Announcement) {
        let Some(snap) = self.acd.call(acd_call(call)) else {
            return;
        };
        if snap.state != AcdCallState::Waiting || snap.callback {
            return;
        }
        let offer_callback = self.callback_allowed(call, snap.queue);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.ivr.is_some() || c.hangup_after_prompt {
            return;
        }
        let lang = c.language;
        let mut p: Vec<String> = Vec::new();
        if let Some(pos) = a.position {
            p.push("queue-position".into());
            p.extend(ivr::say::number(u64::from(pos), lang));
        }
        if let Some(w) = a.wait {
            let minutes = w.as_secs().div_ceil(60).max(1);
            p.push("queue-wait".into());
            p.extend(ivr::say::number(minutes, lang));
            p.push("minutes".into());
        }
        if let Some(i) = a.periodic {
            p.push(format!("queue-periodic-{i}"));
        }
        if offer_callback {
            p.push("callback-offer".into());
        }
        if p.is_empty() {
            return;
        }
        c.announcing = p.into();
        self.next_announcement(now, call);
    }

    /// Plays the next announcement prompt, or, after the last, music on hold again (or
    /// clears the caller after the callback confirmation).
    fn next_announcement(&mut self, now: Instant, call: CallId) {
        let waiting = self
            .acd
            .call(acd_call(call))
            .is_some_and(|s| s.state == AcdCallState::Waiting && !s.callback);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let leg = c.caller_leg;
        if let Some(prompt) = c
            .announcing
            .pop_front()
            .filter(|_| waiting || c.hangup_after_prompt)
        {
            c.playing_announcement = true;
            let language = c.language.code().to_owned();
            self.commands.push_back(Command::PlayPrompt {
                leg,
                prompt,
                language,
            });
            return;
        }
        c.announcing.clear();
        c.playing_announcement = false;
        if c.hangup_after_prompt {
            self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
        } else if waiting {
            self.commands.push_back(Command::Media(MediaCommand::Play {
                leg,
                source: Source::MusicOnHold,
            }));
        }
    }

    /// The ACD is about to offer the call: whatever announcement plays stops at once.
    fn stop_announcement(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let leg = c.caller_leg;
        let was = c.playing_announcement;
        c.announcing.clear();
        c.playing_announcement = false;
        if c.hangup_after_prompt {
            // A callback confirmed: the caller is not needed on the line any more.
            self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
        } else if was {
            self.commands
                .push_back(Command::Media(MediaCommand::StopPlay { leg }));
        }
    }

    /// Whether a waiting caller may ask for a callback: the queue allows callbacks and the
    /// caller's number is known.
    fn callback_allowed(&self, call: CallId, queue: acd::QueueId) -> bool {
        let Some(qi) = self.queue_by_acd(queue) else {
            return false;
        };
        self.config.queues[qi].acd.callback_attempts > 0
            && self
                .calls
                .get(&call)
                .is_some_and(|c| !c.caller.is_empty() && c.caller != "anonymous")
    }

    /// The caller pressed [`CALLBACK_KEY`] while waiting: the ACD keeps their place in line
    /// as a callback; the caller hears the confirmation and is cleared.
    fn request_callback(&mut self, now: Instant, call: CallId) {
        let Some(snap) = self.acd.call(acd_call(call)) else {
            return;
        };
        if snap.state != AcdCallState::Waiting
            || snap.callback
            || !self.callback_allowed(call, snap.queue)
        {
            return;
        }
        let Some(qi) = self.queue_by_acd(snap.queue) else {
            return;
        };
        let Some((number, outside)) = self.calls.get(&call).map(|c| (c.caller.clone(), c.outside))
        else {
            return;
        };
        self.callback_queue.insert(call, (qi, outside));
        if self
            .acd_input(
                now,
                acd::Input::CallbackRequested {
                    call: acd_call(call),
                    number,
                },
            )
            .is_err()
        {
            self.callback_queue.remove(&call);
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.hangup_after_prompt = true;
        c.announcing = VecDeque::from(["callback-confirmed".to_owned()]);
        self.next_announcement(now, call);
    }

    /// The ACD offers a callback to an agent: the agent's phone rings first; when the
    /// agent answers the customer is dialled and bridged to them. An outside caller is
    /// dialled with the outside-line prefix the dial plan gives ([`Config::callback_number`]).
    fn place_callback(
        &mut self,
        now: Instant,
        call: CallId,
        agent: acd::AgentId,
        queue: acd::QueueId,
        number: &str,
    ) {
        let (Some(ai), Some(qi)) = (self.agent_by_acd(agent), self.queue_by_acd(queue)) else {
            return;
        };
        let ext = self.config.agents[ai].extension.clone();
        let outside = self.callback_queue.get(&call).is_some_and(|&(_, o)| o);
        let dial = self.config.callback_number(number, outside);
        match self.switch.make_call(now, &ext, &dial) {
            Ok((out, leg)) => {
                self.callback_out.insert(
                    out,
                    CallbackOut {
                        acd_call: call,
                        agent: ai,
                        queue: qi,
                        leg,
                        far: None,
                        answered: false,
                        connected: false,
                    },
                );
                self.originated.insert(
                    out,
                    Originated {
                        correlator: None,
                        device: ext,
                        destination: dial.clone(),
                        leg,
                        far: None,
                        announced: false,
                    },
                );
                let e = LogEvent::new(LogKind::QueueOffer)
                    .call(call)
                    .queue(&self.config.queues[qi].name.clone())
                    .agent(&self.config.agents[ai].number.clone())
                    .with("callback", number)
                    .with("dialled", dial);
                self.log(now, e);
                self.drain_switch(now);
            }
            Err(_) => {
                let _ = self.acd_input(
                    now,
                    acd::Input::OfferRejected {
                        call: acd_call(call),
                        agent,
                    },
                );
            }
        }
    }

    /// A callback's agent leg or customer leg answered.
    fn callback_answered(&mut self, now: Instant, out: CallId, leg: LegId) {
        let Some(cb) = self.callback_out.get(&out).copied() else {
            return;
        };
        if cb.leg == leg && !cb.answered {
            let agent = self.acd_agent(cb.agent);
            if self
                .acd_input(
                    now,
                    acd::Input::OfferAnswered {
                        call: acd_call(cb.acd_call),
                        agent,
                    },
                )
                .is_err()
            {
                // The offer was withdrawn in the same instant (ring timeout).
                self.callback_out.remove(&out);
                self.clear_leg(now, leg, Cause::NORMAL_CLEARING);
                return;
            }
            if let Some(x) = self.callback_out.get_mut(&out) {
                x.answered = true;
            }
        } else if cb.far == Some(leg) && !cb.connected {
            if let Some(x) = self.callback_out.get_mut(&out) {
                x.connected = true;
            }
            self.agent_last[cb.agent] = Some((cb.acd_call, cb.queue));
            self.callback_queue.remove(&cb.acd_call);
            let e = LogEvent::new(LogKind::QueueConnect)
                .call(cb.acd_call)
                .queue(&self.config.queues[cb.queue].name.clone())
                .agent(&self.config.agents[cb.agent].number.clone())
                .with("callback", true);
            self.log(now, e);
        }
    }

    /// A callback's agent leg ended: the ACD hears how it went.
    fn callback_leg_ended(&mut self, now: Instant, out: CallId, cause: Cause) {
        let Some(cb) = self.callback_out.remove(&out) else {
            return;
        };
        let agent = self.acd_agent(cb.agent);
        let acall = acd_call(cb.acd_call);
        let input = if !cb.answered {
            if !self
                .acd
                .agent_snapshot(agent)
                .is_some_and(|s| s.state == AcdAgentState::Ringing(acall))
            {
                return;
            }
            if matches!(cause, Cause::USER_BUSY | Cause::CALL_REJECTED) {
                acd::Input::OfferRejected { call: acall, agent }
            } else {
                acd::Input::OfferNoAnswer { call: acall, agent }
            }
        } else if cb.connected {
            let e = LogEvent::new(LogKind::CallComplete)
                .call(cb.acd_call)
                .queue(&self.config.queues[cb.queue].name.clone())
                .agent(&self.config.agents[cb.agent].number.clone());
            self.log(now, e);
            acd::Input::CallEnded { call: acall }
        } else {
            // The agent was there, the customer did not answer: retried later, in place.
            acd::Input::CallbackFailed { call: acall }
        };
        let _ = self.acd_input(now, input);
    }

    // ----- IVR -----

    /// Tells an IVR call which business-hours calendars are open at `now`.
    fn tell_calendars(&mut self, now: Instant, call: CallId) {
        let unix = self.config.unix_s(now);
        let Some(i) = self.calls.get_mut(&call).and_then(|c| c.ivr.as_mut()) else {
            return;
        };
        for cal in &self.config.calendars {
            i.set_calendar_open(&cal.name, cal.is_open(unix));
        }
    }

    fn ivr_input(&mut self, now: Instant, call: CallId, input: ivr::Input) {
        self.tell_calendars(now, call);
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
                    c.language = language;
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
                    // The flow identifies the caller itself: no second look-up at the queue.
                    c.customer_asked |= request.kind == ivr::LookupKind::CustomerByPhone;
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
                    self.start_voicemail(call, mailbox, data.0);
                    return;
                }
                ivr::Action::SurveyResult { score, .. } => {
                    let mut e = LogEvent::new(LogKind::Survey)
                        .call(call)
                        .with("score", score);
                    if let Some(qi) = c.queue.filter(|&q| q < self.config.queues.len()) {
                        e = e.queue(&self.config.queues[qi].name);
                    }
                    if let Some(ai) = c.last_agent.filter(|&a| a < self.config.agents.len()) {
                        e = e.agent(&self.config.agents[ai].number);
                    }
                    self.log(now, e);
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
        let mut keep = false;
        if let Some(mut i) = c.ivr.take() {
            i.handle_input(
                now,
                self.config.local_time(now),
                ivr::Input::TransferResult(outcome),
            );
            if i.flow().flow().post_call.is_some() {
                c.post_call = Some(i);
                keep = true;
            }
        }
        if keep {
            // The survey: the switch hands the caller back when the agent hangs up.
            let _ = self.sw(now, LegEvent::PostCall { leg });
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
            self.enter_queue_identified(now, call, qi);
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
    }
    let mut cals = BTreeSet::new();
    for c in &config.calendars {
        if !cals.insert(c.name.clone()) {
            return Err(CenterError::Config(ConfigProblem::UnknownCalendar));
        }
    }
    if config
        .queues
        .iter()
        .filter_map(|q| q.calendar.as_ref())
        .any(|n| !cals.contains(n))
    {
        return Err(CenterError::Config(ConfigProblem::UnknownCalendar));
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
