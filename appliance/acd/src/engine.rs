//! The ACD state machine.
//!
//! Data structures, chosen for 10 000 waiting callers and 1 000 agents in 50 queues:
//! - per queue, the waiting callers in a `BTreeMap` keyed by (priority descending, time of
//!   joining, sequence number): the head is the next caller, a callback or failed offer goes
//!   back under its old key (its place in line);
//! - per queue, a count of free (ready) members, so a routing pass visits only queues that
//!   have both a waiting caller and a free member, in order of their head callers' keys, and
//!   stops as soon as no remaining queue can beat the best caller found (cross-queue fairness
//!   without scanning every caller);
//! - agents and queues in dense vectors (ids mapped once per configuration), members stored
//!   with the agent's index;
//! - one timer set ordered by deadline; timers are checked against the current state when
//!   they fire, so a configuration change just adds new timers.

use core::cmp::Reverse;
use core::ops::Bound;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::config::{Config, Member, QueueConfig, Strategy};
use crate::rng::SplitMix64;
use crate::{
    AcdError, Action, AgentId, Announcement, CallId, CallerData, Decision, Input, Instant, Media,
    Output, OverflowReason, PauseReason, QueueId, TransferTarget, Why,
};

/// How many waiting callers of one queue a routing pass looks at when callers near the head
/// cannot be served (their own extra skills, a preferred agent still busy): bounds the cost
/// of a decision.
const MAX_SCAN: usize = 256;
/// How deep the invariant checker looks for a caller a free agent fits.
const CHECK_DEPTH: usize = 32;

/// An agent's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgentState {
    /// Not logged in.
    LoggedOut,
    /// Logged in, not ready, with a reason.
    NotReady(PauseReason),
    /// Free for calls.
    Ready,
    /// Being offered this call.
    Ringing(CallId),
    /// On this call.
    OnCall(CallId),
    /// After-call work until this instant; no queue offers calls meanwhile.
    WrapUp {
        /// End of wrap-up.
        until: Instant,
    },
}

/// A call's state inside the ACD.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallState {
    /// In line (a callback when `callback` is set).
    Waiting,
    /// Ringing these agents.
    Ringing {
        /// The agents.
        agents: Vec<AgentId>,
    },
    /// Connected to this agent.
    Connected {
        /// The agent.
        agent: AgentId,
    },
}

/// Running totals; `arrived` always equals live calls plus every way of leaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Entries into a queue (arrivals and transfers in).
    pub arrived: u64,
    /// Offers answered.
    pub answered: u64,
    /// Offers made (one per agent rung).
    pub offers: u64,
    /// Callers who hung up while waiting or ringing.
    pub abandoned: u64,
    /// Callers sent to an overflow destination.
    pub overflowed: u64,
    /// Connected calls that ended.
    pub ended: u64,
    /// Connected calls transferred (into a queue or elsewhere).
    pub transferred: u64,
    /// Callbacks given up.
    pub callbacks_abandoned: u64,
    /// Offers not answered (no answer or rejected).
    pub unanswered_offers: u64,
}

/// A call as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSnapshot {
    /// Its queue.
    pub queue: QueueId,
    /// Its state.
    pub state: CallState,
    /// When it joined the queue.
    pub joined: Instant,
    /// Effective priority.
    pub priority: u8,
    /// Whether it is a callback.
    pub callback: bool,
}

/// An agent as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentSnapshot {
    /// State.
    pub state: AgentState,
    /// Calls answered since login.
    pub calls: u32,
    /// Talk time since login.
    pub talk: Duration,
    /// Free since (longest/least idle use this).
    pub idle_since: Instant,
    /// Consecutive offers not answered.
    pub no_answer_streak: u32,
}

type Key = (Reverse<u8>, Instant, u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Pause(PauseReason),
    Logout,
}

/// One chat an agent holds: offered (since when) or accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Offered { since: Instant },
    Connected,
}

#[derive(Debug)]
struct Agent {
    id: AgentId,
    /// Chats this agent may hold at once.
    chat_capacity: u8,
    /// Chats offered to or held by this agent (never more than `chat_capacity` when offered).
    chats: Vec<(CallId, Slot)>,
    skills: Vec<(crate::SkillId, u8)>,
    removed: bool,
    state: AgentState,
    pending: Pending,
    idle_since: Instant,
    ring_since: Instant,
    calls: u32,
    talk: Duration,
    no_answer_streak: u32,
    /// Wrap-up run by the host after the current call ([`Input::HostWrapUp`]).
    host_wrapup: Option<Duration>,
    /// Indexes of the queues this agent is a member of.
    queues: Vec<usize>,
}

#[derive(Debug)]
struct Queue {
    cfg: QueueConfig,
    removed: bool,
    /// Members with the agent's index, in hunt order.
    members: Vec<(usize, Member)>,
    waiting: BTreeMap<Key, CallId>,
    /// Callers waiting per priority (for O(priorities) positions on arrival).
    per_priority: BTreeMap<Reverse<u8>, u32>,
    free: u32,
    /// Chats among the waiting (the line-skipping shortcut of a routing pass is only valid
    /// while a line holds one media).
    chats_waiting: u32,
    rr_last: Option<AgentId>,
    /// Average handle time (talk + wrap-up), µs, exponentially smoothed (α = 1/8).
    aht_us: f64,
}

#[derive(Debug)]
struct Call {
    queue: usize,
    media: Media,
    caller: CallerData,
    priority: u8,
    joined: Instant,
    seq: u64,
    state: CallState,
    connected_since: Instant,
    tried: Vec<AgentId>,
    callback: Option<String>,
    callback_attempts: u8,
    not_before: Instant,
    next_announce: Option<Instant>,
    announce_count: u32,
    last_position: Option<u32>,
}

impl Call {
    fn key(&self) -> Key {
        (Reverse(self.priority), self.joined, self.seq)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Ring(CallId, usize),
    Progressive(CallId),
    MaxWait(CallId),
    Announce(CallId),
    Wake,
    WrapEnd(usize),
}

/// What a routing pass chose for one call.
#[derive(Debug)]
struct Selection {
    agents: Vec<usize>,
    why: Why,
    eligible: Vec<AgentId>,
    step: Option<usize>,
    min_prof: Option<u8>,
    new_round: bool,
}

/// The ACD. See the crate documentation for the driving loop.
#[derive(Debug)]
pub struct Acd {
    config: Config,
    agents: Vec<Agent>,
    agent_idx: BTreeMap<AgentId, usize>,
    queues: Vec<Queue>,
    queue_idx: BTreeMap<QueueId, usize>,
    calls: BTreeMap<CallId, Call>,
    timers: BTreeSet<(Instant, u64, Timer)>,
    out: VecDeque<Output>,
    rng: SplitMix64,
    seq: u64,
    counters: Counters,
}

fn add(t: Instant, d: Duration) -> Instant {
    t.checked_add(d).unwrap_or(Instant::from_micros(u64::MAX))
}

impl Acd {
    /// A new ACD with this configuration; `seed` drives the random strategies.
    ///
    /// # Errors
    /// [`AcdError::Config`] when the configuration breaks a rule.
    pub fn new(config: Config, seed: u64) -> Result<Self, AcdError> {
        config.validate()?;
        let mut acd = Self {
            config: Config::default(),
            agents: Vec::new(),
            agent_idx: BTreeMap::new(),
            queues: Vec::new(),
            queue_idx: BTreeMap::new(),
            calls: BTreeMap::new(),
            timers: BTreeSet::new(),
            out: VecDeque::new(),
            rng: SplitMix64::new(seed),
            seq: 0,
            counters: Counters::default(),
        };
        acd.apply_config(Instant::ZERO, config);
        acd.out.clear();
        Ok(acd)
    }

    /// Feed one input. On error nothing changed.
    ///
    /// # Errors
    /// Unknown ids, duplicate calls, inputs that do not fit the call's or agent's state,
    /// invalid configuration.
    pub fn handle_input(&mut self, now: Instant, input: Input) -> Result<(), AcdError> {
        match input {
            Input::Arrived {
                call,
                queue,
                caller,
            } => {
                if self.calls.contains_key(&call) {
                    return Err(AcdError::DuplicateCall(call));
                }
                let qi = *self
                    .queue_idx
                    .get(&queue)
                    .filter(|&&qi| !self.queues[qi].removed)
                    .ok_or(AcdError::UnknownQueue(queue))?;
                self.arrive(now, call, qi, caller, Media::Voice);
            }
            Input::ContactArrived {
                call,
                queue,
                media,
                caller,
            } => {
                if self.calls.contains_key(&call) {
                    return Err(AcdError::DuplicateCall(call));
                }
                let qi = *self
                    .queue_idx
                    .get(&queue)
                    .filter(|&&qi| !self.queues[qi].removed)
                    .ok_or(AcdError::UnknownQueue(queue))?;
                self.arrive(now, call, qi, caller, media);
            }
            Input::Abandoned { call } => self.abandon(now, call)?,
            Input::LoggedIn { agent } => {
                let ai = self.agent(agent)?;
                if self.agents[ai].state != AgentState::LoggedOut {
                    return Err(AcdError::WrongAgentState(agent));
                }
                let a = &mut self.agents[ai];
                a.calls = 0;
                a.talk = Duration::ZERO;
                a.no_answer_streak = 0;
                a.pending = Pending::None;
                a.host_wrapup = None;
                self.set_state(ai, AgentState::NotReady(PauseReason::Login));
            }
            Input::LoggedOut { agent } => {
                let ai = self.agent(agent)?;
                self.leave(now, ai, Pending::Logout)?;
            }
            Input::Ready { agent } => {
                let ai = self.agent(agent)?;
                match self.agents[ai].state {
                    AgentState::LoggedOut => return Err(AcdError::WrongAgentState(agent)),
                    AgentState::NotReady(_) | AgentState::WrapUp { .. } => {
                        // Ready overrides a pause or logout asked for during the call.
                        self.agents[ai].pending = Pending::None;
                        self.agents[ai].idle_since = now;
                        self.set_state(ai, AgentState::Ready);
                    }
                    AgentState::OnCall(_) => self.agents[ai].pending = Pending::None,
                    AgentState::Ready | AgentState::Ringing(_) => {}
                }
                self.agents[ai].no_answer_streak = 0;
            }
            Input::NotReady { agent, reason } => {
                let ai = self.agent(agent)?;
                self.leave(now, ai, Pending::Pause(reason))?;
            }
            Input::OfferAnswered { call, agent } => self.answered(now, call, agent)?,
            Input::OfferRejected { call, agent } => self.unanswered(now, call, agent, true)?,
            Input::OfferNoAnswer { call, agent } => self.unanswered(now, call, agent, false)?,
            Input::CallEnded { call } => {
                self.connected_agent(call)?;
                self.finish_connection(now, call);
                self.calls.remove(&call);
                self.counters.ended += 1;
            }
            Input::HostWrapUp { agent, expected } => {
                let ai = self.agent(agent)?;
                if !matches!(self.agents[ai].state, AgentState::OnCall(_)) {
                    return Err(AcdError::WrongAgentState(agent));
                }
                self.agents[ai].host_wrapup = Some(expected);
            }
            Input::Transferred { call, target } => {
                if let TransferTarget::Queue { queue, .. } = &target {
                    self.queue_idx
                        .get(queue)
                        .filter(|&&qi| !self.queues[qi].removed)
                        .ok_or(AcdError::UnknownQueue(*queue))?;
                }
                self.connected_agent(call)?;
                let media = self.calls[&call].media;
                self.finish_connection(now, call);
                self.calls.remove(&call);
                self.counters.transferred += 1;
                if let TransferTarget::Queue { queue, caller } = target {
                    let qi = self.queue_idx[&queue];
                    self.arrive(now, call, qi, caller, media);
                }
            }
            Input::CallbackRequested { call, number } => {
                let c = self
                    .calls
                    .get_mut(&call)
                    .ok_or(AcdError::UnknownCall(call))?;
                if c.state != CallState::Waiting || c.callback.is_some() || c.media != Media::Voice
                {
                    return Err(AcdError::WrongCallState(call));
                }
                c.callback = Some(number);
                c.next_announce = None;
                let (qi, key) = (c.queue, c.key());
                let position = self.position(qi, key);
                self.out
                    .push_back(Output::CallbackScheduled { call, position });
            }
            Input::CallbackFailed { call } => {
                let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
                if c.callback.is_none() {
                    return Err(AcdError::WrongCallState(call));
                }
                self.connected_agent(call)?;
                self.finish_connection(now, call);
                let Some(c) = self.calls.get_mut(&call) else {
                    return Ok(());
                };
                c.callback_attempts = c.callback_attempts.saturating_add(1);
                let qi = c.queue;
                if self.queues[qi].removed
                    || c.callback_attempts >= self.queues[qi].cfg.callback_attempts
                {
                    self.calls.remove(&call);
                    self.counters.callbacks_abandoned += 1;
                    self.out.push_back(Output::CallbackAbandoned { call });
                } else {
                    c.not_before = add(now, self.queues[qi].cfg.callback_retry_after);
                    let nb = c.not_before;
                    self.timer(nb, Timer::Wake);
                    self.requeue(now, call);
                }
            }
            Input::ConfigChanged(config) => {
                config.validate()?;
                self.apply_config(now, config);
            }
        }
        self.dispatch(now);
        Ok(())
    }

    /// Fire every timer due at `now` (ring timeouts, progressive ringing, max wait,
    /// announcements, widening steps, end of wrap-up), then route.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, seq, t)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, seq, t));
            self.fire(now, at, t);
        }
        self.dispatch(now);
    }

    /// Next output to carry out, in order; drain until `None` after every input and timeout.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`Self::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|t| t.0)
    }

    /// Running totals.
    #[must_use]
    pub const fn counters(&self) -> Counters {
        self.counters
    }

    /// The configuration in force.
    #[must_use]
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// A call, if the ACD holds it.
    #[must_use]
    pub fn call(&self, call: CallId) -> Option<CallSnapshot> {
        self.calls.get(&call).map(|c| CallSnapshot {
            queue: self.queues[c.queue].cfg.id,
            state: c.state.clone(),
            joined: c.joined,
            priority: c.priority,
            callback: c.callback.is_some(),
        })
    }

    /// The media of a contact the ACD holds.
    #[must_use]
    pub fn media(&self, call: CallId) -> Option<Media> {
        self.calls.get(&call).map(|c| c.media)
    }

    /// The chats an agent holds: (contact, accepted?), offered ones with `false`.
    #[must_use]
    pub fn agent_chats(&self, agent: AgentId) -> Vec<(CallId, bool)> {
        self.agent_idx
            .get(&agent)
            .map(|&ai| {
                self.agents[ai]
                    .chats
                    .iter()
                    .map(|(c, s)| (*c, *s == Slot::Connected))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every call the ACD holds, in id order.
    pub fn calls(&self) -> impl Iterator<Item = CallId> + '_ {
        self.calls.keys().copied()
    }

    /// An agent, if configured.
    #[must_use]
    pub fn agent_snapshot(&self, agent: AgentId) -> Option<AgentSnapshot> {
        self.agent_idx.get(&agent).map(|&ai| {
            let a = &self.agents[ai];
            AgentSnapshot {
                state: a.state,
                calls: a.calls,
                talk: a.talk,
                idle_since: a.idle_since,
                no_answer_streak: a.no_answer_streak,
            }
        })
    }

    /// Waiting callers of a queue, next first (callbacks included).
    #[must_use]
    pub fn waiting(&self, queue: QueueId) -> Vec<CallId> {
        self.queue_idx
            .get(&queue)
            .map(|&qi| self.queues[qi].waiting.values().copied().collect())
            .unwrap_or_default()
    }

    /// Predicted wait for a caller at `position` (1 = next) of `queue`:
    /// `max(0, position − free agents) × AHT / serving agents`, AHT smoothed from live
    /// handle times (talk + wrap-up). None when no member is serving.
    #[must_use]
    pub fn predicted_wait(&self, queue: QueueId, position: u32) -> Option<Duration> {
        self.queue_idx
            .get(&queue)
            .and_then(|&qi| self.ewt(qi, position))
    }

    // ----- internals -----

    fn agent(&self, agent: AgentId) -> Result<usize, AcdError> {
        self.agent_idx
            .get(&agent)
            .copied()
            .filter(|&ai| {
                !self.agents[ai].removed || self.agents[ai].state != AgentState::LoggedOut
            })
            .ok_or(AcdError::UnknownAgent(agent))
    }

    fn timer(&mut self, at: Instant, t: Timer) {
        self.seq += 1;
        self.timers.insert((at, self.seq, t));
    }

    fn set_state(&mut self, ai: usize, state: AgentState) {
        let a = &mut self.agents[ai];
        let was_free = a.state == AgentState::Ready;
        let is_free = state == AgentState::Ready;
        a.state = state;
        if was_free != is_free {
            for &qi in &a.queues {
                let q = &mut self.queues[qi];
                if is_free {
                    q.free += 1;
                } else {
                    q.free = q.free.saturating_sub(1);
                }
            }
        }
        self.out
            .push_back(Output::AgentState { agent: a.id, state });
    }

    fn serving(&self, qi: usize) -> u32 {
        let n = self.queues[qi]
            .members
            .iter()
            .filter(|(ai, _)| {
                !matches!(
                    self.agents[*ai].state,
                    AgentState::LoggedOut | AgentState::NotReady(_)
                )
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn ewt(&self, qi: usize, position: u32) -> Option<Duration> {
        let serving = self.serving(qi);
        if serving == 0 {
            return None;
        }
        let q = &self.queues[qi];
        let ahead = position.saturating_sub(q.free);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let us = (f64::from(ahead) * q.aht_us / f64::from(serving)) as u64;
        Some(Duration::from_micros(us))
    }

    fn position(&self, qi: usize, key: Key) -> u32 {
        let n = self.queues[qi].waiting.range(..key).count() + 1;
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn effective_priority(cfg: &QueueConfig, caller: &CallerData) -> u8 {
        let mut p = caller.priority;
        if caller.vip {
            p = p.max(cfg.vip_priority);
        }
        if caller.complaint {
            p = p.max(cfg.complaint_priority);
        }
        p
    }

    fn overflow(&mut self, now: Instant, call: CallId, qi: usize, reason: OverflowReason) {
        let q = &self.queues[qi].cfg;
        let destination = match reason {
            OverflowReason::Closed(_) => q.overflow.closed.as_ref(),
            OverflowReason::PredictedWait { .. } => q.overflow.predicted_wait.as_ref(),
            OverflowReason::QueueRemoved => self.config.removed_queue_destination.as_ref(),
            _ => None,
        }
        .unwrap_or(&q.overflow.destination)
        .clone();
        let (waited, step, minp) =
            self.calls
                .get(&call)
                .map_or((Duration::ZERO, None, None), |c| {
                    let w = now.saturating_duration_since(c.joined);
                    let (s, m, _) = widening(q, w);
                    (w, s, m)
                });
        self.out.push_back(Output::Decision(Decision {
            at: now,
            call,
            queue: q.id,
            waited,
            strategy: q.strategy,
            eligible: Vec::new(),
            widening_step: step,
            min_proficiency: minp,
            action: Action::Overflow {
                destination: destination.clone(),
                reason,
            },
        }));
        self.out.push_back(Output::Overflow { call, destination });
        self.counters.overflowed += 1;
    }

    fn arrive(&mut self, now: Instant, call: CallId, qi: usize, caller: CallerData, media: Media) {
        self.counters.arrived += 1;
        let cfg = &self.queues[qi].cfg;
        if let Some(s) = &cfg.schedule {
            let unix = self
                .config
                .epoch_unix_s
                .saturating_add(i64::try_from(now.as_micros() / 1_000_000).unwrap_or(i64::MAX));
            if let Err(why) = s.check(unix) {
                self.overflow(now, call, qi, OverflowReason::Closed(why));
                return;
            }
        }
        let waiting = u32::try_from(self.queues[qi].waiting.len()).unwrap_or(u32::MAX);
        if cfg.max_len > 0 && waiting >= cfg.max_len {
            self.overflow(now, call, qi, OverflowReason::Full { waiting });
            return;
        }
        if !cfg.join_empty && self.serving(qi) == 0 {
            self.overflow(now, call, qi, OverflowReason::JoinEmpty);
            return;
        }
        let priority = Self::effective_priority(cfg, &caller);
        let position = 1 + self.queues[qi]
            .per_priority
            .range(..=Reverse(priority))
            .map(|(_, n)| *n)
            .sum::<u32>();
        let ewt = self.ewt(qi, position);
        let cfg = &self.queues[qi].cfg;
        if let (Some(threshold), Some(e)) = (cfg.overflow.predicted_wait_over, ewt)
            && e > threshold
        {
            self.overflow(
                now,
                call,
                qi,
                OverflowReason::PredictedWait { ewt: e, threshold },
            );
            return;
        }
        self.seq += 1;
        let c = Call {
            queue: qi,
            media,
            caller,
            priority,
            joined: now,
            seq: self.seq,
            state: CallState::Waiting,
            connected_since: now,
            tried: Vec::new(),
            callback: None,
            callback_attempts: 0,
            not_before: now,
            next_announce: None,
            announce_count: 0,
            last_position: None,
        };
        let key = c.key();
        self.calls.insert(call, c);
        self.insert_waiting(qi, key, call);
        self.schedule_call_timers(now, call);
        let q = &self.queues[qi].cfg;
        self.out.push_back(Output::Decision(Decision {
            at: now,
            call,
            queue: q.id,
            waited: Duration::ZERO,
            strategy: q.strategy,
            eligible: Vec::new(),
            widening_step: None,
            min_proficiency: None,
            action: Action::Queued {
                position,
                priority,
                ewt,
            },
        }));
    }

    fn is_chat(&self, call: CallId) -> bool {
        self.calls
            .get(&call)
            .is_some_and(|c| c.media == Media::Chat)
    }

    /// Puts `call` (already in `self.calls`) in line.
    fn insert_waiting(&mut self, qi: usize, key: Key, call: CallId) {
        let chat = self.is_chat(call);
        let q = &mut self.queues[qi];
        q.waiting.insert(key, call);
        *q.per_priority.entry(key.0).or_insert(0) += 1;
        if chat {
            q.chats_waiting += 1;
        }
    }

    /// Takes a caller out of line (call it while the call is still in `self.calls`).
    fn remove_waiting(&mut self, qi: usize, key: Key) {
        let removed = self.queues[qi].waiting.remove(&key);
        let chat = removed.is_some_and(|c| self.is_chat(c));
        let q = &mut self.queues[qi];
        if removed.is_some()
            && let Some(n) = q.per_priority.get_mut(&key.0)
        {
            *n -= 1;
            if *n == 0 {
                q.per_priority.remove(&key.0);
            }
        }
        if chat {
            q.chats_waiting = q.chats_waiting.saturating_sub(1);
        }
    }

    /// Whether agent `ai` may be offered a contact of `media` now (the capacity rule of
    /// [`Media`]).
    fn available(&self, ai: usize, media: Media) -> bool {
        let a = &self.agents[ai];
        a.state == AgentState::Ready
            && match media {
                Media::Voice => a.chats.is_empty(),
                Media::Chat => a.chats.len() < usize::from(a.chat_capacity),
            }
    }

    /// When `ai`'s current offer of `call` started, if `ai` is being offered it.
    fn offer_since(&self, ai: usize, call: CallId) -> Option<Instant> {
        let a = &self.agents[ai];
        if a.state == AgentState::Ringing(call) {
            return Some(a.ring_since);
        }
        a.chats.iter().find_map(|(c, s)| match s {
            Slot::Offered { since } if *c == call => Some(*since),
            _ => None,
        })
    }

    /// Withdraws every chat offered to `ai` (pause, logout, removal): the chats go back in line.
    fn drop_chat_offers(&mut self, now: Instant, ai: usize) {
        let offered: Vec<CallId> = self.agents[ai]
            .chats
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Offered { .. }))
            .map(|(c, _)| *c)
            .collect();
        for call in offered {
            self.drop_offer(now, call, ai);
        }
    }

    /// Timers of a waiting call from the queue's current configuration.
    fn schedule_call_timers(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let cfg = &self.queues[c.queue].cfg;
        let joined = c.joined;
        let mut timers: Vec<(Instant, Timer)> = Vec::new();
        if let Some(mw) = cfg.max_wait {
            timers.push((add(joined, mw).max(now), Timer::MaxWait(call)));
        }
        for w in &cfg.widening {
            let at = add(joined, w.after);
            if at > now {
                timers.push((at, Timer::Wake));
            }
        }
        if !c.caller.preferred_for.is_zero() {
            let at = add(joined, c.caller.preferred_for);
            if at > now {
                timers.push((at, Timer::Wake));
            }
        }
        let a = cfg.announcements;
        c.next_announce = None;
        if !a.first_after.is_zero() && c.callback.is_none() {
            let mut at = add(joined, a.first_after);
            if at <= now && !a.every.is_zero() {
                let k = now.saturating_duration_since(at).as_micros() / a.every.as_micros() + 1;
                at = add(
                    at,
                    Duration::from_micros(
                        u64::try_from(k * a.every.as_micros()).unwrap_or(u64::MAX),
                    ),
                );
            }
            if at > now || c.announce_count == 0 {
                let at = at.max(now);
                c.next_announce = Some(at);
                timers.push((at, Timer::Announce(call)));
            }
        }
        for (at, t) in timers {
            self.timer(at, t);
        }
    }

    fn abandon(&mut self, now: Instant, call: CallId) -> Result<(), AcdError> {
        let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        if c.callback.is_some() {
            // The caller hung up after asking for a callback: their place stays.
            return Ok(());
        }
        match &c.state {
            CallState::Waiting => {
                let (qi, key) = (c.queue, c.key());
                self.remove_waiting(qi, key);
            }
            CallState::Ringing { agents } => {
                for a in agents.clone() {
                    self.stop_ringing(now, call, a);
                }
            }
            CallState::Connected { .. } => return Err(AcdError::WrongCallState(call)),
        }
        self.calls.remove(&call);
        self.counters.abandoned += 1;
        Ok(())
    }

    /// Stop ringing `agent` for `call`; the agent is free again (idle time kept).
    fn stop_ringing(&mut self, _now: Instant, call: CallId, agent: AgentId) {
        self.out.push_back(Output::StopRinging { call, agent });
        if let Some(&ai) = self.agent_idx.get(&agent) {
            if self.agents[ai].state == AgentState::Ringing(call) {
                self.after_offer(ai);
            } else {
                // A chat offer: the slot frees, the agent's state does not change.
                self.agents[ai]
                    .chats
                    .retain(|(c, s)| !(*c == call && matches!(s, Slot::Offered { .. })));
            }
        }
    }

    /// An agent whose offer ended without an answer: pending pause/logout, or free.
    fn after_offer(&mut self, ai: usize) {
        match self.agents[ai].pending {
            Pending::None => {
                let s = if self.agents[ai].removed {
                    AgentState::LoggedOut
                } else {
                    AgentState::Ready
                };
                self.set_state(ai, s);
            }
            Pending::Pause(r) => {
                self.agents[ai].pending = Pending::None;
                self.set_state(ai, AgentState::NotReady(r));
            }
            Pending::Logout => {
                self.agents[ai].pending = Pending::None;
                self.set_state(ai, AgentState::LoggedOut);
            }
        }
    }

    /// Agent leaves (pause or logout): at once unless on a call.
    fn leave(&mut self, now: Instant, ai: usize, what: Pending) -> Result<(), AcdError> {
        let id = self.agents[ai].id;
        match self.agents[ai].state {
            AgentState::LoggedOut => {
                return if what == Pending::Logout {
                    Ok(())
                } else {
                    Err(AcdError::WrongAgentState(id))
                };
            }
            AgentState::OnCall(_) => {
                self.agents[ai].pending = what;
                return Ok(());
            }
            _ if self.agents[ai]
                .chats
                .iter()
                .any(|(_, s)| *s != Slot::Connected) =>
            {
                // Chats offered go back in line; accepted chats stay with the agent.
                self.drop_chat_offers(now, ai);
                self.agents[ai].pending = what;
                self.after_offer(ai);
            }
            AgentState::Ringing(call) => {
                self.agents[ai].pending = what;
                self.drop_offer(now, call, ai);
            }
            AgentState::Ready | AgentState::NotReady(_) | AgentState::WrapUp { .. } => {
                self.agents[ai].pending = what;
                self.after_offer(ai);
            }
        }
        self.check_leave_empty(now, ai);
        Ok(())
    }

    /// Take `ai` out of `call`'s ringing set (stop ringing); requeue the call if nobody rings.
    fn drop_offer(&mut self, now: Instant, call: CallId, ai: usize) {
        let agent = self.agents[ai].id;
        self.stop_ringing(now, call, agent);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if let CallState::Ringing { agents } = &mut c.state {
            agents.retain(|a| *a != agent);
            if !c.tried.contains(&agent) {
                c.tried.push(agent);
            }
            if agents.is_empty() {
                self.requeue(now, call);
            }
        }
    }

    /// Put a call back in line under its old key (it keeps its place).
    fn requeue(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.state = CallState::Waiting;
        let (qi, key) = (c.queue, c.key());
        if self.queues[qi].removed {
            self.calls.remove(&call);
            self.overflow(now, call, qi, OverflowReason::QueueRemoved);
            return;
        }
        if let Some(mw) = self.queues[qi].cfg.max_wait
            && now >= add(key.1, mw)
            && self.calls[&call].callback.is_none()
        {
            self.calls.remove(&call);
            self.overflow(now, call, qi, OverflowReason::MaxWait);
            return;
        }
        self.insert_waiting(qi, key, call);
        let position = self.position(qi, key);
        let c = &self.calls[&call];
        if c.callback.is_none() && c.next_announce.is_none() {
            self.schedule_call_timers(now, call);
        }
        let q = &self.queues[qi].cfg;
        self.out.push_back(Output::Decision(Decision {
            at: now,
            call,
            queue: q.id,
            waited: now.saturating_duration_since(key.1),
            strategy: q.strategy,
            eligible: Vec::new(),
            widening_step: None,
            min_proficiency: None,
            action: Action::Requeued { position },
        }));
    }

    fn answered(&mut self, now: Instant, call: CallId, agent: AgentId) -> Result<(), AcdError> {
        let ai = self.agent(agent)?;
        let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        let CallState::Ringing { agents } = &c.state else {
            return Err(AcdError::NotOffered { call, agent });
        };
        if !agents.contains(&agent) || self.offer_since(ai, call).is_none() {
            return Err(AcdError::NotOffered { call, agent });
        }
        let chat = c.media == Media::Chat;
        for other in agents.clone() {
            if other != agent {
                self.stop_ringing(now, call, other);
            }
        }
        let c = self.calls.get_mut(&call).expect("checked above");
        c.state = CallState::Connected { agent };
        c.connected_since = now;
        c.next_announce = None;
        c.tried.clear();
        let a = &mut self.agents[ai];
        a.no_answer_streak = 0;
        if chat {
            for slot in &mut a.chats {
                if slot.0 == call {
                    slot.1 = Slot::Connected;
                }
            }
        } else {
            a.calls += 1;
            self.set_state(ai, AgentState::OnCall(call));
        }
        self.counters.answered += 1;
        Ok(())
    }

    fn unanswered(
        &mut self,
        now: Instant,
        call: CallId,
        agent: AgentId,
        rejected: bool,
    ) -> Result<(), AcdError> {
        let ai = self.agent(agent)?;
        let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        match &c.state {
            CallState::Ringing { agents }
                if agents.contains(&agent) && self.offer_since(ai, call).is_some() => {}
            _ => return Err(AcdError::NotOffered { call, agent }),
        }
        self.no_answer(now, call, ai, rejected);
        Ok(())
    }

    fn no_answer(&mut self, now: Instant, call: CallId, ai: usize, rejected: bool) {
        self.counters.unanswered_offers += 1;
        let qi = self.calls[&call].queue;
        let cfg = &self.queues[qi].cfg;
        let a = &mut self.agents[ai];
        a.no_answer_streak += 1;
        if a.pending == Pending::None {
            if rejected && cfg.autopause_on_reject {
                a.pending = Pending::Pause(PauseReason::AutoRejected);
            } else if !rejected
                && cfg.autopause_no_answer > 0
                && a.no_answer_streak >= cfg.autopause_no_answer
            {
                a.pending = Pending::Pause(PauseReason::AutoNoAnswer(a.no_answer_streak));
            }
        }
        let paused = a.pending != Pending::None;
        self.drop_offer(now, call, ai);
        if paused && self.agents[ai].state == AgentState::Ready {
            // A chat offer left the agent Ready: the auto-pause applies now.
            self.drop_chat_offers(now, ai);
            self.after_offer(ai);
        }
        if paused {
            self.check_leave_empty(now, ai);
        }
    }

    fn connected_agent(&self, call: CallId) -> Result<usize, AcdError> {
        let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        match c.state {
            // A chat stays with an agent removed or logged out meanwhile until it is closed.
            CallState::Connected { agent } if c.media == Media::Chat => self
                .agent_idx
                .get(&agent)
                .copied()
                .ok_or(AcdError::UnknownAgent(agent)),
            CallState::Connected { agent } => self.agent(agent),
            _ => Err(AcdError::WrongCallState(call)),
        }
    }

    /// The agent's part of a connected call ends: talk time charged, wrap-up started.
    fn finish_connection(&mut self, now: Instant, call: CallId) {
        let Ok(ai) = self.connected_agent(call) else {
            return;
        };
        let c = &self.calls[&call];
        let talk = now.saturating_duration_since(c.connected_since);
        let qi = c.queue;
        let q = &mut self.queues[qi];
        if c.media == Media::Chat {
            // Chats: no wrap-up, no voice talk time; the slot frees.
            #[allow(clippy::cast_precision_loss)]
            let sample = talk.as_micros() as f64;
            q.aht_us += (sample - q.aht_us) / 8.0;
            let a = &mut self.agents[ai];
            a.chats.retain(|(c, _)| *c != call);
            if a.chats.is_empty() {
                a.idle_since = now;
            }
            return;
        }
        let host = self.agents[ai].host_wrapup.take();
        let wrapup = host.unwrap_or(q.cfg.wrapup);
        #[allow(clippy::cast_precision_loss)]
        let sample = (talk + wrapup).as_micros() as f64;
        q.aht_us += (sample - q.aht_us) / 8.0;
        self.agents[ai].talk += talk;
        if host.is_some() && self.agents[ai].pending == Pending::None {
            // The host ends it with Ready / NotReady / LoggedOut: no timer here.
            self.set_state(
                ai,
                AgentState::WrapUp {
                    until: add(now, wrapup),
                },
            );
        } else if wrapup.is_zero() || host.is_some() {
            self.end_wrapup(now, ai);
        } else {
            let until = add(now, wrapup);
            self.set_state(ai, AgentState::WrapUp { until });
            self.timer(until, Timer::WrapEnd(ai));
        }
    }

    fn end_wrapup(&mut self, now: Instant, ai: usize) {
        self.agents[ai].idle_since = now;
        self.after_offer(ai);
        self.check_leave_empty(now, ai);
    }

    /// After an agent stopped serving: callers of queues with `leave_when_empty` and nobody
    /// serving overflow (callbacks stay: the caller is not on the line).
    fn check_leave_empty(&mut self, now: Instant, ai: usize) {
        if matches!(
            self.agents[ai].state,
            AgentState::Ready
                | AgentState::OnCall(_)
                | AgentState::Ringing(_)
                | AgentState::WrapUp { .. }
        ) {
            return;
        }
        for qi in self.agents[ai].queues.clone() {
            self.leave_empty_queue(now, qi);
        }
    }

    fn leave_empty_queue(&mut self, now: Instant, qi: usize) {
        if !self.queues[qi].cfg.leave_when_empty || self.serving(qi) > 0 {
            return;
        }
        let gone: Vec<(Key, CallId)> = self.queues[qi]
            .waiting
            .iter()
            .filter(|(_, c)| self.calls[*c].callback.is_none())
            .map(|(k, c)| (*k, *c))
            .collect();
        for (key, call) in gone {
            self.remove_waiting(qi, key);
            self.overflow(now, call, qi, OverflowReason::LeaveWhenEmpty);
            self.calls.remove(&call);
        }
    }

    fn fire(&mut self, now: Instant, at: Instant, t: Timer) {
        match t {
            Timer::Wake => {}
            Timer::WrapEnd(ai) => {
                if let AgentState::WrapUp { until } = self.agents[ai].state
                    && until <= now
                {
                    self.end_wrapup(now, ai);
                }
            }
            Timer::Ring(call, ai) => {
                let Some(since) = self.offer_since(ai, call) else {
                    return;
                };
                let Some(c) = self.calls.get(&call) else {
                    return;
                };
                let deadline = add(since, self.queues[c.queue].cfg.ring_timeout);
                if deadline > now {
                    self.timer(deadline, Timer::Ring(call, ai));
                } else {
                    self.no_answer(now, call, ai, false);
                }
            }
            Timer::Progressive(call) => self.progress(now, call),
            Timer::MaxWait(call) => {
                let Some(c) = self.calls.get(&call) else {
                    return;
                };
                let Some(mw) = self.queues[c.queue].cfg.max_wait else {
                    return;
                };
                if c.callback.is_some() || matches!(c.state, CallState::Connected { .. }) {
                    return;
                }
                let deadline = add(c.joined, mw);
                if deadline > now {
                    self.timer(deadline, Timer::MaxWait(call));
                    return;
                }
                let qi = c.queue;
                match c.state.clone() {
                    CallState::Waiting => {
                        let key = c.key();
                        self.remove_waiting(qi, key);
                    }
                    CallState::Ringing { agents } => {
                        for a in agents {
                            self.stop_ringing(now, call, a);
                        }
                    }
                    CallState::Connected { .. } => return,
                }
                self.overflow(now, call, qi, OverflowReason::MaxWait);
                self.calls.remove(&call);
            }
            Timer::Announce(call) => self.announce(now, at, call),
        }
    }

    fn announce(&mut self, now: Instant, due: Instant, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        // Only the timer of the announcement now due counts (older ones are stale).
        if c.next_announce != Some(due) || c.callback.is_some() {
            return;
        }
        let qi = c.queue;
        let a = self.queues[qi].cfg.announcements;
        c.next_announce = if a.every.is_zero() {
            None
        } else {
            Some(add(now, a.every))
        };
        let next = c.next_announce;
        // Never over an answer: only callers still in line hear announcements.
        let waiting = c.state == CallState::Waiting;
        let count = c.announce_count;
        if waiting {
            c.announce_count += 1;
        }
        let key = c.key();
        if let Some(n) = next {
            self.timer(n, Timer::Announce(call));
        }
        if !waiting {
            return;
        }
        let position = self.position(qi, key);
        let ewt = self.ewt(qi, position);
        let cfg = &self.queues[qi].cfg;
        if let (Some(threshold), Some(e)) = (cfg.overflow.predicted_wait_over, ewt)
            && e > threshold
        {
            self.remove_waiting(qi, key);
            self.overflow(
                now,
                call,
                qi,
                OverflowReason::PredictedWait { ewt: e, threshold },
            );
            self.calls.remove(&call);
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let say_position =
            a.position && !(a.position_only_up && c.last_position.is_some_and(|l| position > l));
        if say_position {
            c.last_position = Some(position);
        }
        let announcement = Announcement {
            position: say_position.then_some(position),
            wait: if a.wait_time { ewt } else { None },
            periodic: (a.periodic_prompts > 0)
                .then(|| u8::try_from(count % u32::from(a.periodic_prompts)).unwrap_or(0)),
        };
        self.out.push_back(Output::Announce { call, announcement });
    }

    /// Ring-progressively: add the next free eligible agent, keep the others ringing.
    fn progress(&mut self, now: Instant, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let CallState::Ringing { agents } = &c.state else {
            return;
        };
        let qi = c.queue;
        if self.queues[qi].cfg.strategy != Strategy::RingProgressive {
            return;
        }
        let ringing = agents.len();
        if let Some(mut sel) = self.select(now, qi, call) {
            sel.agents.truncate(1);
            sel.why = Why::RingProgressive {
                ringing: ringing + 1,
            };
            self.offer(now, qi, call, sel);
        } else {
            let at = add(now, self.queues[qi].cfg.progressive_step);
            self.timer(at, Timer::Progressive(call));
        }
    }

    /// Route: while some queue has a waiting caller and a free member, offer the best caller
    /// (highest priority, then longest waiting, across queues) to its queue's choice.
    fn dispatch(&mut self, now: Instant) {
        loop {
            let mut cands: Vec<(Key, usize)> = self
                .queues
                .iter()
                .enumerate()
                .filter(|(_, q)| q.free > 0 && !q.removed)
                .filter_map(|(qi, q)| q.waiting.first_key_value().map(|(k, _)| (*k, qi)))
                .collect();
            if cands.is_empty() {
                return;
            }
            cands.sort_unstable();
            let mut best: Option<(Key, usize, CallId, Selection)> = None;
            for (head, qi) in cands {
                if best.as_ref().is_some_and(|b| b.0 <= head) {
                    break;
                }
                // Walk the line in order. Widening only grows with waiting time, so once a
                // caller without extra needs (no caller skills, no active preferred agent)
                // cannot be served, nobody later in the same priority class can: jump to the
                // next class. Bounded by MAX_SCAN entries a queue a pass.
                let mut from = Bound::Unbounded;
                for _ in 0..MAX_SCAN {
                    let Some((&key, &call)) = self.queues[qi]
                        .waiting
                        .range((from, Bound::Unbounded))
                        .next()
                    else {
                        break;
                    };
                    if best.as_ref().is_some_and(|b| b.0 <= key) {
                        break;
                    }
                    from = Bound::Excluded(key);
                    let c = &self.calls[&call];
                    if c.not_before > now {
                        continue;
                    }
                    let q = &self.queues[qi];
                    let one_media =
                        q.chats_waiting == 0 || q.chats_waiting as usize == q.waiting.len();
                    let plain = one_media
                        && c.caller.skills.is_empty()
                        && (c.caller.preferred_agents.is_empty()
                            || now.saturating_duration_since(c.joined) >= c.caller.preferred_for);
                    if let Some(sel) = self.select(now, qi, call) {
                        best = Some((key, qi, call, sel));
                        break;
                    }
                    if plain {
                        from = Bound::Excluded((key.0, Instant::from_micros(u64::MAX), u64::MAX));
                    }
                }
            }
            let Some((key, qi, call, sel)) = best else {
                return;
            };
            self.remove_waiting(qi, key);
            self.offer(now, qi, call, sel);
        }
    }

    fn offer(&mut self, now: Instant, qi: usize, call: CallId, sel: Selection) {
        self.out.push_back(Output::StopAnnouncement { call });
        let q = &self.queues[qi];
        let (qid, strategy, ring_timeout, step) = (
            q.cfg.id,
            q.cfg.strategy,
            q.cfg.ring_timeout,
            q.cfg.progressive_step,
        );
        let c = self.calls.get_mut(&call).expect("offered call exists");
        if sel.new_round {
            c.tried.clear();
        }
        let waited = now.saturating_duration_since(c.joined);
        let callback = c.callback.clone();
        let ids: Vec<AgentId> = sel.agents.iter().map(|&ai| self.agents[ai].id).collect();
        match &mut c.state {
            CallState::Ringing { agents } => agents.extend(ids.iter().copied()),
            s => {
                *s = CallState::Ringing {
                    agents: ids.clone(),
                }
            }
        }
        let chat = c.media == Media::Chat;
        for &ai in &sel.agents {
            if chat {
                self.agents[ai]
                    .chats
                    .push((call, Slot::Offered { since: now }));
            } else {
                self.agents[ai].ring_since = now;
                self.set_state(ai, AgentState::Ringing(call));
            }
            self.timer(add(now, ring_timeout), Timer::Ring(call, ai));
            self.counters.offers += 1;
            self.out.push_back(Output::Offer {
                call,
                agent: self.agents[ai].id,
                queue: qid,
                callback: callback.clone(),
            });
        }
        if strategy == Strategy::RingProgressive {
            self.timer(add(now, step), Timer::Progressive(call));
        }
        if let Some(last) = ids.last() {
            self.queues[qi].rr_last = Some(*last);
        }
        self.out.push_back(Output::Decision(Decision {
            at: now,
            call,
            queue: qid,
            waited,
            strategy,
            eligible: sel.eligible,
            widening_step: sel.step,
            min_proficiency: sel.min_prof,
            action: Action::Offer {
                agents: ids,
                why: sel.why,
            },
        }));
    }

    /// The queue's choice of free agent(s) for `call`, or None when nobody fits.
    fn select(&mut self, now: Instant, qi: usize, call: CallId) -> Option<Selection> {
        let c = &self.calls[&call];
        let q = &self.queues[qi];
        let waited = now.saturating_duration_since(c.joined);
        let (step, min_prof, max_tier) = widening(&q.cfg, waited);
        // Skills: the queue's and the caller's, thresholds lowered by widening.
        let needs: Vec<(crate::SkillId, u8)> = q
            .cfg
            .skills
            .iter()
            .chain(c.caller.skills.iter())
            .map(|&(s, lvl)| (s, min_prof.map_or(lvl, |m| m.min(lvl))))
            .collect();
        let media = c.media;
        let fits = |ai: usize, m: &Member| -> bool {
            let a = &self.agents[ai];
            self.available(ai, media)
                && m.tier <= max_tier
                && (q.cfg.strategy != Strategy::WeightedRandom || m.weight > 0)
                && needs
                    .iter()
                    .all(|&(s, lvl)| a.skills.iter().any(|&(s2, p)| s2 == s && p >= lvl))
        };
        // Preferred agents (last agent, account owner) get the call alone for a while, as long
        // as one of them is logged in to this queue.
        let preferring = waited < c.caller.preferred_for
            && q.members.iter().any(|(ai, _)| {
                c.caller.preferred_agents.contains(&self.agents[*ai].id)
                    && self.agents[*ai].state != AgentState::LoggedOut
            });
        let mut eligible: Vec<(usize, Member)> = q
            .members
            .iter()
            .filter(|(ai, m)| fits(*ai, m))
            .filter(|(ai, _)| {
                !preferring || c.caller.preferred_agents.contains(&self.agents[*ai].id)
            })
            .copied()
            .collect();
        if eligible.is_empty() {
            return None;
        }
        let eligible_ids: Vec<AgentId> =
            eligible.iter().map(|(ai, _)| self.agents[*ai].id).collect();
        // Agents who already let this call ring out are skipped until everyone had a turn.
        let fresh: Vec<(usize, Member)> = eligible
            .iter()
            .filter(|(ai, _)| !c.tried.contains(&self.agents[*ai].id))
            .copied()
            .collect();
        let new_round = fresh.is_empty();
        if !new_round {
            eligible = fresh;
        }
        // Tiers: only the lowest tier with a free eligible agent.
        let low = eligible.iter().map(|(_, m)| m.tier).min().unwrap_or(0);
        eligible.retain(|(_, m)| m.tier == low);
        // Chats: the least loaded agents first (fewest chats held), then the strategy.
        if media == Media::Chat {
            let least = eligible
                .iter()
                .map(|(ai, _)| self.agents[*ai].chats.len())
                .min()
                .unwrap_or(0);
            eligible.retain(|(ai, _)| self.agents[*ai].chats.len() == least);
        }
        let idle = |ai: usize| now.saturating_duration_since(self.agents[ai].idle_since);
        let by = |f: &dyn Fn(usize) -> (u64, u32)| -> usize {
            eligible
                .iter()
                .map(|(ai, _)| *ai)
                .min_by_key(|&ai| (f(ai), self.agents[ai].id))
                .unwrap_or(eligible[0].0)
        };
        let (agents, why) = if preferring {
            (vec![eligible[0].0], Why::PreferredAgent)
        } else {
            match q.cfg.strategy {
                Strategy::RingAll => (eligible.iter().map(|(ai, _)| *ai).collect(), Why::RingAll),
                Strategy::LongestIdle => {
                    let ai = by(&|ai| (u64::MAX - dur_us(idle(ai)), 0));
                    (vec![ai], Why::LongestIdle { idle: idle(ai) })
                }
                Strategy::LeastIdle => {
                    let ai = by(&|ai| (dur_us(idle(ai)), 0));
                    (vec![ai], Why::LeastIdle { idle: idle(ai) })
                }
                Strategy::FewestCalls => {
                    let ai = by(&|ai| (u64::from(self.agents[ai].calls), 0));
                    (
                        vec![ai],
                        Why::FewestCalls {
                            calls: self.agents[ai].calls,
                        },
                    )
                }
                Strategy::LeastTalkTime => {
                    let ai = by(&|ai| (dur_us(self.agents[ai].talk), 0));
                    (
                        vec![ai],
                        Why::LeastTalkTime {
                            talk: self.agents[ai].talk,
                        },
                    )
                }
                Strategy::Linear | Strategy::RingProgressive => {
                    let ai = eligible[0].0;
                    let index = q.members.iter().position(|(x, _)| *x == ai).unwrap_or(0);
                    if q.cfg.strategy == Strategy::Linear {
                        (vec![ai], Why::Linear { index })
                    } else {
                        (vec![ai], Why::RingProgressive { ringing: 1 })
                    }
                }
                Strategy::RoundRobin => {
                    let after = q.rr_last;
                    let start = after
                        .and_then(|id| {
                            q.members
                                .iter()
                                .position(|(ai, _)| self.agents[*ai].id == id)
                        })
                        .map_or(0, |p| p + 1);
                    let n = q.members.len();
                    let ai = (0..n)
                        .map(|k| q.members[(start + k) % n].0)
                        .find(|ai| eligible.iter().any(|(x, _)| x == ai))
                        .unwrap_or(eligible[0].0);
                    (vec![ai], Why::RoundRobin { after })
                }
                Strategy::Random => {
                    let draw = usize::try_from(self.rng.below(eligible.len() as u64)).unwrap_or(0);
                    (vec![eligible[draw].0], Why::Random { draw })
                }
                Strategy::WeightedRandom => {
                    let total: u64 = eligible.iter().map(|(_, m)| u64::from(m.weight)).sum();
                    if total == 0 {
                        return None;
                    }
                    let mut r = self.rng.below(total);
                    let mut pick = eligible[0];
                    for e in &eligible {
                        if r < u64::from(e.1.weight) {
                            pick = *e;
                            break;
                        }
                        r -= u64::from(e.1.weight);
                    }
                    (
                        vec![pick.0],
                        Why::WeightedRandom {
                            weight: pick.1.weight,
                            total,
                        },
                    )
                }
                Strategy::SkillsBestMatch => {
                    let score = |ai: usize| -> u32 {
                        needs
                            .iter()
                            .map(|&(s, _)| {
                                self.agents[ai]
                                    .skills
                                    .iter()
                                    .find(|(s2, _)| *s2 == s)
                                    .map_or(0, |(_, p)| u32::from(*p))
                            })
                            .sum()
                    };
                    let ai = by(&|ai| (u64::from(u32::MAX - score(ai)), 0));
                    // Ties on score go to the longest idle.
                    let top = score(ai);
                    let ai = eligible
                        .iter()
                        .map(|(x, _)| *x)
                        .filter(|&x| score(x) == top)
                        .min_by_key(|&x| (u64::MAX - dur_us(idle(x)), self.agents[x].id))
                        .unwrap_or(ai);
                    (vec![ai], Why::BestMatch { score: top })
                }
            }
        };
        Some(Selection {
            agents,
            why,
            eligible: eligible_ids,
            step,
            min_prof,
            new_round,
        })
    }

    fn apply_config(&mut self, now: Instant, config: Config) {
        // Agents: keep the state of those still configured; removed ones stay until idle.
        for a in &mut self.agents {
            a.removed = true;
            a.queues.clear();
        }
        for ac in &config.agents {
            if let Some(&ai) = self.agent_idx.get(&ac.id) {
                let a = &mut self.agents[ai];
                a.removed = false;
                a.skills.clone_from(&ac.skills);
                a.chat_capacity = ac.chat_capacity;
            } else {
                self.agent_idx.insert(ac.id, self.agents.len());
                self.agents.push(Agent {
                    id: ac.id,
                    chat_capacity: ac.chat_capacity,
                    chats: Vec::new(),
                    skills: ac.skills.clone(),
                    removed: false,
                    state: AgentState::LoggedOut,
                    pending: Pending::None,
                    idle_since: now,
                    ring_since: now,
                    calls: 0,
                    talk: Duration::ZERO,
                    no_answer_streak: 0,
                    host_wrapup: None,
                    queues: Vec::new(),
                });
            }
        }
        // Queues.
        for q in &mut self.queues {
            q.removed = true;
        }
        for qc in &config.queues {
            let members: Vec<(usize, Member)> = qc
                .members
                .iter()
                .map(|m| (self.agent_idx[&m.agent], *m))
                .collect();
            if let Some(&qi) = self.queue_idx.get(&qc.id) {
                let q = &mut self.queues[qi];
                q.removed = false;
                q.cfg = qc.clone();
                q.members = members;
            } else {
                self.queue_idx.insert(qc.id, self.queues.len());
                #[allow(clippy::cast_precision_loss)]
                let aht_us = qc.initial_aht.as_micros() as f64;
                self.queues.push(Queue {
                    cfg: qc.clone(),
                    removed: false,
                    members,
                    waiting: BTreeMap::new(),
                    per_priority: BTreeMap::new(),
                    free: 0,
                    chats_waiting: 0,
                    rr_last: None,
                    aht_us,
                });
            }
        }
        for (qi, q) in self.queues.iter_mut().enumerate() {
            if q.removed {
                q.members.clear();
            }
            for &(ai, _) in &q.members {
                self.agents[ai].queues.push(qi);
            }
        }
        self.config = config;
        // Chat offers of removed agents, of agents now over capacity, and for queues the
        // agent left go back in line (accepted chats stay until closed).
        for ai in 0..self.agents.len() {
            let a = &self.agents[ai];
            let over = a.chats.len() > usize::from(a.chat_capacity);
            let drop: Vec<CallId> = a
                .chats
                .iter()
                .filter(|(c, s)| {
                    matches!(s, Slot::Offered { .. })
                        && (a.removed
                            || over
                            || self
                                .calls
                                .get(c)
                                .is_none_or(|c| !a.queues.contains(&c.queue)))
                })
                .map(|(c, _)| *c)
                .collect();
            for call in drop {
                self.drop_offer(now, call, ai);
            }
        }
        // Removed agents: drop their offers now; on a call they finish it first.
        for ai in 0..self.agents.len() {
            if self.agents[ai].removed {
                match self.agents[ai].state {
                    AgentState::Ringing(call) => {
                        self.agents[ai].pending = Pending::Logout;
                        self.drop_offer(now, call, ai);
                    }
                    AgentState::Ready | AgentState::NotReady(_) | AgentState::WrapUp { .. } => {
                        self.agents[ai].pending = Pending::None;
                        self.set_state(ai, AgentState::LoggedOut);
                    }
                    AgentState::OnCall(_) => self.agents[ai].pending = Pending::Logout,
                    AgentState::LoggedOut => {}
                }
            }
        }
        // Agents ringing for a queue they are no longer a member of: stop.
        for ai in 0..self.agents.len() {
            if let AgentState::Ringing(call) = self.agents[ai].state {
                let qi = self.calls[&call].queue;
                if !self.agents[ai].queues.contains(&qi) {
                    self.drop_offer(now, call, ai);
                }
            }
        }
        // Free counts from scratch.
        for qi in 0..self.queues.len() {
            let free = self.queues[qi]
                .members
                .iter()
                .filter(|(ai, _)| self.agents[*ai].state == AgentState::Ready)
                .count();
            self.queues[qi].free = u32::try_from(free).unwrap_or(u32::MAX);
        }
        // Waiting callers: removed queues overflow; others get the new priorities and timers.
        for qi in 0..self.queues.len() {
            let entries: Vec<(Key, CallId)> = self.queues[qi]
                .waiting
                .iter()
                .map(|(k, c)| (*k, *c))
                .collect();
            if self.queues[qi].removed {
                for (key, call) in entries {
                    self.remove_waiting(qi, key);
                    self.overflow(now, call, qi, OverflowReason::QueueRemoved);
                    self.calls.remove(&call);
                }
                continue;
            }
            for (key, call) in entries {
                self.remove_waiting(qi, key);
                let cfg = &self.queues[qi].cfg;
                let c = self.calls.get_mut(&call).expect("waiting call exists");
                c.priority = Self::effective_priority(cfg, &c.caller);
                let k = c.key();
                self.insert_waiting(qi, k, call);
                self.schedule_call_timers(now, call);
            }
        }
        // Ringing calls: ring timers under the new timeout; removed queues overflow.
        let ringing: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| matches!(c.state, CallState::Ringing { .. }))
            .map(|(id, _)| *id)
            .collect();
        for call in ringing {
            let c = &self.calls[&call];
            let qi = c.queue;
            let CallState::Ringing { agents } = c.state.clone() else {
                continue;
            };
            if self.queues[qi].removed {
                for a in agents {
                    self.stop_ringing(now, call, a);
                }
                self.overflow(now, call, qi, OverflowReason::QueueRemoved);
                self.calls.remove(&call);
                continue;
            }
            let timeout = self.queues[qi].cfg.ring_timeout;
            for a in agents {
                let ai = self.agent_idx[&a];
                let since = self.offer_since(ai, call).unwrap_or(now);
                let at = add(since, timeout).max(now);
                self.timer(at, Timer::Ring(call, ai));
            }
            if self.queues[qi].cfg.strategy == Strategy::RingProgressive {
                let at = add(now, self.queues[qi].cfg.progressive_step);
                self.timer(at, Timer::Progressive(call));
            }
            let mw = self.queues[qi].cfg.max_wait;
            if let Some(mw) = mw {
                let at = add(self.calls[&call].joined, mw).max(now);
                self.timer(at, Timer::MaxWait(call));
            }
        }
        for qi in 0..self.queues.len() {
            if !self.queues[qi].removed {
                self.leave_empty_queue(now, qi);
            }
        }
    }

    /// Checks the internal invariants; used by [`crate::invariants::check`].
    pub(crate) fn check_internal(&self, now: Instant) -> Result<(), String> {
        let mut ringing_agents: BTreeSet<AgentId> = BTreeSet::new();
        for (id, c) in &self.calls {
            let q = &self.queues[c.queue];
            match &c.state {
                CallState::Waiting => {
                    if q.waiting.get(&c.key()) != Some(id) {
                        return Err(format!("{id:?} waiting but not in its queue's line"));
                    }
                }
                CallState::Ringing { agents } => {
                    if agents.is_empty() {
                        return Err(format!("{id:?} ringing nobody"));
                    }
                    for a in agents {
                        let ag = &self.agents[self.agent_idx[a]];
                        if c.media == Media::Chat {
                            if !ag
                                .chats
                                .iter()
                                .any(|(x, s)| x == id && matches!(s, Slot::Offered { .. }))
                            {
                                return Err(format!("chat {id:?} offered to {a:?} without a slot"));
                            }
                            continue;
                        }
                        if !ringing_agents.insert(*a) {
                            return Err(format!("{a:?} offered two calls"));
                        }
                        if ag.state != AgentState::Ringing(*id) {
                            return Err(format!("{id:?} rings {a:?} who is not ringing it"));
                        }
                    }
                    if q.waiting.values().any(|w| w == id) {
                        return Err(format!("{id:?} ringing and still in line"));
                    }
                }
                CallState::Connected { agent } if c.media == Media::Chat => {
                    if !self.agents[self.agent_idx[agent]]
                        .chats
                        .contains(&(*id, Slot::Connected))
                    {
                        return Err(format!("chat {id:?} connected to {agent:?} without a slot"));
                    }
                }
                CallState::Connected { agent } => {
                    if self.agents[self.agent_idx[agent]].state != AgentState::OnCall(*id) {
                        return Err(format!("{id:?} connected to {agent:?} who is not on it"));
                    }
                }
            }
        }
        for (qi, q) in self.queues.iter().enumerate() {
            for (k, id) in &q.waiting {
                match self.calls.get(id) {
                    Some(c) if c.state == CallState::Waiting && c.queue == qi && c.key() == *k => {}
                    _ => return Err(format!("stale line entry {id:?} in queue {:?}", q.cfg.id)),
                }
            }
            let n: u32 = q.per_priority.values().sum();
            if n as usize != q.waiting.len() {
                return Err(format!("priority counts of {:?} off", q.cfg.id));
            }
            let chats = q
                .waiting
                .values()
                .filter(|c| self.calls.get(c).is_some_and(|c| c.media == Media::Chat))
                .count();
            if chats != q.chats_waiting as usize {
                return Err(format!("chat count of {:?} off", q.cfg.id));
            }
            let free = q
                .members
                .iter()
                .filter(|(ai, _)| self.agents[*ai].state == AgentState::Ready)
                .count();
            if free != q.free as usize {
                return Err(format!("free count of {:?} off", q.cfg.id));
            }
        }
        for a in &self.agents {
            // Capacity: one call or chats, never both; chats within capacity when offered.
            if !a.chats.is_empty()
                && matches!(a.state, AgentState::Ringing(_) | AgentState::OnCall(_))
            {
                return Err(format!("{:?} holds a call and chats", a.id));
            }
            let offered = a.chats.iter().any(|(_, s)| *s != Slot::Connected);
            if offered && a.chats.len() > usize::from(a.chat_capacity) {
                return Err(format!("{:?} offered chats beyond capacity", a.id));
            }
            if offered && a.state != AgentState::Ready {
                return Err(format!("{:?} offered a chat while {:?}", a.id, a.state));
            }
            for (c, slot) in &a.chats {
                let ok = self.calls.get(c).is_some_and(|call| {
                    call.media == Media::Chat
                        && match slot {
                            Slot::Offered { .. } => matches!(&call.state,
                                CallState::Ringing { agents } if agents.contains(&a.id)),
                            Slot::Connected => call.state == CallState::Connected { agent: a.id },
                        }
                });
                if !ok {
                    return Err(format!("{:?} holds stale chat {c:?}", a.id));
                }
            }
            match a.state {
                AgentState::Ringing(c) if !ringing_agents.contains(&a.id) => {
                    return Err(format!(
                        "{:?} ringing for {c:?} which does not ring it",
                        a.id
                    ));
                }
                AgentState::OnCall(c)
                    if self.calls.get(&c).map(|c| &c.state)
                        != Some(&CallState::Connected { agent: a.id }) =>
                {
                    return Err(format!("{:?} on {c:?} which is not connected to it", a.id));
                }
                _ => {}
            }
        }
        let k = self.counters;
        let out = k.ended + k.abandoned + k.overflowed + k.transferred + k.callbacks_abandoned;
        if k.arrived != self.calls.len() as u64 + out {
            return Err(format!(
                "calls lost: arrived {} != live {} + gone {out}",
                k.arrived,
                self.calls.len()
            ));
        }
        // Work-conserving: no free agent fits a waiting caller after routing.
        if self.timers.first().is_none_or(|t| t.0 > now) {
            for (qi, q) in self.queues.iter().enumerate() {
                if q.free == 0 {
                    continue;
                }
                for (_, id) in q.waiting.iter().take(CHECK_DEPTH) {
                    let c = &self.calls[id];
                    if c.not_before <= now && self.peek_select(now, qi, *id) {
                        return Err(format!("{id:?} waits while a free agent fits"));
                    }
                }
            }
        }
        Ok(())
    }

    fn peek_select(&self, now: Instant, qi: usize, call: CallId) -> bool {
        // select() needs &mut for the RNG; run it on a copy of the generator.
        let c = &self.calls[&call];
        let q = &self.queues[qi];
        let waited = now.saturating_duration_since(c.joined);
        let (_, min_prof, max_tier) = widening(&q.cfg, waited);
        let preferring = waited < c.caller.preferred_for
            && q.members.iter().any(|(ai, _)| {
                c.caller.preferred_agents.contains(&self.agents[*ai].id)
                    && self.agents[*ai].state != AgentState::LoggedOut
            });
        q.members.iter().any(|(ai, m)| {
            let a = &self.agents[*ai];
            self.available(*ai, c.media)
                && m.tier <= max_tier
                && (q.cfg.strategy != Strategy::WeightedRandom || m.weight > 0)
                && (!preferring || c.caller.preferred_agents.contains(&a.id))
                && q.cfg
                    .skills
                    .iter()
                    .chain(c.caller.skills.iter())
                    .all(|&(s, lvl)| {
                        let lvl = min_prof.map_or(lvl, |m| m.min(lvl));
                        a.skills.iter().any(|&(s2, p)| s2 == s && p >= lvl)
                    })
        })
    }
}

fn dur_us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Widening in force after `waited`: (step index, min proficiency, max tier).
fn widening(cfg: &QueueConfig, waited: Duration) -> (Option<usize>, Option<u8>, u8) {
    let mut step = None;
    let mut min_prof = None;
    let mut max_tier = cfg.initial_max_tier;
    for (i, w) in cfg.widening.iter().enumerate() {
        if waited >= w.after {
            step = Some(i);
            if let Some(p) = w.min_proficiency {
                min_prof = Some(p);
            }
            if let Some(t) = w.max_tier {
                max_tier = t;
            }
        }
    }
    (step, min_prof, max_tier)
}
