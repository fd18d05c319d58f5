//! # acd: automatic call distribution, sans-IO
//!
//! **What it is:** the call-center routing brain (layer L2): queues with priorities, limits,
//! schedules and overflow; agents with skills, tiers, wrap-up and pause reasons; eleven
//! routing strategies ([`Strategy`]); time-stepped skill widening; VIP/complaint priority and
//! preferred-agent routing from caller data; position-aware predicted wait; cross-queue
//! fairness; in-queue callbacks that keep the caller's place; position / wait / periodic
//! announcements that never play over an answer. Every routing decision is reported as a
//! [`Decision`] with its reason (who was eligible, why this agent) for the event log.
//!
//! Contacts have a [`Media`]: voice calls and web chats go through the same queues, skills,
//! priorities and strategies. Capacity per agent and media: one voice call at a time, up to
//! [`AgentConfig::chat_capacity`] chats at once, and never both: an agent holding a chat is
//! offered no call, an agent ringing, talking or in wrap-up is offered no chat (see
//! [`Media`] for why).
//!
//! The surface is the project's sans-IO one:
//! 1. feed what happened with [`Acd::handle_input`]`(now, input)`;
//! 2. drain [`Acd::poll_output`] until `None` and carry the outputs out (offer calls, stop
//!    ringing, overflow, announcements, append decisions to the event log);
//! 3. ask [`Acd::poll_timeout`] when to call [`Acd::handle_timeout`]`(now)` next, and
//!    drain outputs again after it.
//!
//! **What it is not:** no clock (time is a [`tdm::Instant`] passed in, wall time for
//! schedules is derived from [`Config::epoch_unix_s`]), no I/O, no SQLite (the `store` crate
//! holds the configuration and the event log), no media (the `switch` crate rings agents and
//! plays announcements), no threads. Randomness comes from a seed given to [`Acd::new`], so
//! every run with the same inputs makes the same decisions.

mod config;
mod engine;
pub mod invariants;
mod rng;
pub mod schedule;

use core::time::Duration;

pub use config::{
    AgentConfig, Announcements, Config, Destination, MAX_CHAT_CAPACITY, Member, Overflow,
    QueueConfig, Strategy, WideningStep,
};
pub use engine::{Acd, AgentSnapshot, AgentState, CallSnapshot, CallState, Counters};
pub use rng::SplitMix64;
pub use tdm::Instant;

/// A queue (the store's row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueId(pub u32);
/// An agent (the store's row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentId(pub u32);
/// A skill (the store's row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SkillId(pub u32);
/// A call, as numbered by the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u64);

/// The medium of a contact.
///
/// Capacity rule (documented in `docs/web-chat.md`): voice is exclusive, one call per agent;
/// chats are concurrent, up to the agent's [`AgentConfig::chat_capacity`]; an agent holds
/// either one call or chats, never both. A chat is offered only to an agent who is
/// [`AgentState::Ready`] (not paused, ringing, on a call or in wrap-up) and below capacity;
/// a call only to a `Ready` agent with no chat (offered or open). Among agents fit for a
/// chat, the least loaded (fewest chats) go first, then the queue's strategy picks. Chats
/// have no wrap-up: the agent closes them with a disposition in the desk. Blended agents
/// (calls and chats) get calls only between chats; give chat-heavy agents capacity 2–3 and
/// leave voice-first agents at 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Media {
    /// A telephone call.
    #[default]
    Voice,
    /// A web chat.
    Chat,
}

/// Why an agent is not ready. Codes are the site's own (the store names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PauseReason {
    /// Just logged in, not yet ready.
    Login,
    /// Break.
    Break,
    /// Lunch.
    Lunch,
    /// Training.
    Training,
    /// Meeting.
    Meeting,
    /// A site-defined reason code.
    Code(u16),
    /// Set by the ACD: the agent let offers ring out this many times in a row.
    AutoNoAnswer(u32),
    /// Set by the ACD: the agent rejected an offer.
    AutoRejected,
}

/// What the caller brings: priority and customer data from the IVR or the CRM.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerData {
    /// Priority 0–255 (higher is served first).
    pub priority: u8,
    /// CRM says VIP: priority raised to the queue's `vip_priority`.
    pub vip: bool,
    /// IVR says complaint: priority raised to the queue's `complaint_priority`.
    pub complaint: bool,
    /// Skills this caller needs beyond the queue's: (skill, minimum proficiency).
    pub skills: Vec<(SkillId, u8)>,
    /// Last agent or account owner, preferred for `preferred_for` of waiting.
    pub preferred_agents: Vec<AgentId>,
    /// How long only the preferred agents are offered this call.
    pub preferred_for: Duration,
}

/// Where a transferred call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferTarget {
    /// Into a queue (blind or after consultation): the call waits there as a new entry;
    /// the first agent is charged only for their part.
    Queue {
        /// The queue.
        queue: QueueId,
        /// Caller data in the new queue (priority kept by the caller of the API).
        caller: CallerData,
    },
    /// Out of the ACD (an extension, an outside number).
    Elsewhere,
}

/// What happened, as told to the ACD.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// A caller entered a queue.
    Arrived {
        /// The call.
        call: CallId,
        /// The queue.
        queue: QueueId,
        /// Priority and customer data.
        caller: CallerData,
    },
    /// A contact of the given media entered a queue ([`Input::Arrived`] is the same with
    /// [`Media::Voice`]). Chats and calls share the id space: the host numbers them apart.
    ContactArrived {
        /// The contact.
        call: CallId,
        /// The queue.
        queue: QueueId,
        /// Voice or chat.
        media: Media,
        /// Priority and customer data.
        caller: CallerData,
    },
    /// The caller hung up while waiting or ringing (ignored for a call turned into a callback).
    Abandoned {
        /// The call.
        call: CallId,
    },
    /// The agent logged in (to every queue they are a member of), not ready until [`Input::Ready`].
    LoggedIn {
        /// The agent.
        agent: AgentId,
    },
    /// The agent logged out (after the current call, if any).
    LoggedOut {
        /// The agent.
        agent: AgentId,
    },
    /// The agent is ready for calls (also ends wrap-up early).
    Ready {
        /// The agent.
        agent: AgentId,
    },
    /// The agent is not ready (after the current call, if any).
    NotReady {
        /// The agent.
        agent: AgentId,
        /// Why.
        reason: PauseReason,
    },
    /// The agent answered an offer.
    OfferAnswered {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// The agent rejected an offer (or was busy).
    OfferRejected {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// The offer rang out at the phone (the ACD also times offers out itself).
    OfferNoAnswer {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// A connected call ended; the agent goes to wrap-up.
    CallEnded {
        /// The call.
        call: CallId,
    },
    /// The host (the CTI model, which owns the wrap-up timer) runs this agent's wrap-up
    /// after the connected call now in progress: when that call ends or is transferred the
    /// agent goes to [`AgentState::WrapUp`] with no ACD timer and is offered nothing until
    /// [`Input::Ready`], [`Input::NotReady`] or [`Input::LoggedOut`]. `expected` (the
    /// configured wrap-up) is what the queue's handle-time average counts, and the `until`
    /// the state shows. Only while the agent is on a call; a pause or logout already asked
    /// for during the call wins.
    HostWrapUp {
        /// The agent.
        agent: AgentId,
        /// The wrap-up the host will run.
        expected: Duration,
    },
    /// A connected call was transferred.
    Transferred {
        /// The call.
        call: CallId,
        /// Where to.
        target: TransferTarget,
    },
    /// A waiting caller asked to be called back; they keep their place in line.
    CallbackRequested {
        /// The call.
        call: CallId,
        /// The number to call back.
        number: String,
    },
    /// The agent took a callback but the customer did not answer.
    CallbackFailed {
        /// The call.
        call: CallId,
    },
    /// New configuration; applies to callers already waiting.
    ConfigChanged(Config),
}

/// What kind of announcement to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcement {
    /// Position in line (1 = next), when configured.
    pub position: Option<u32>,
    /// Predicted wait, when configured and known.
    pub wait: Option<Duration>,
    /// Periodic prompt index, when configured.
    pub periodic: Option<u8>,
}

/// What the switch (and the event log) must do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Ring agent `agent` with call `call` (for a callback: dial the agent, then `callback`).
    Offer {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// The queue.
        queue: QueueId,
        /// The number to call back, when this is a callback.
        callback: Option<String>,
    },
    /// Stop ringing `agent` for `call`.
    StopRinging {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// Stop any announcement playing to `call` (sent before every offer).
    StopAnnouncement {
        /// The call.
        call: CallId,
    },
    /// Take the call out of the queue to `destination`.
    Overflow {
        /// The call.
        call: CallId,
        /// Where.
        destination: Destination,
    },
    /// Play an announcement to a waiting caller.
    Announce {
        /// The call.
        call: CallId,
        /// What to say.
        announcement: Announcement,
    },
    /// A callback was scheduled at this place in line.
    CallbackScheduled {
        /// The call.
        call: CallId,
        /// Position in line (1 = next).
        position: u32,
    },
    /// A callback was given up after its attempts.
    CallbackAbandoned {
        /// The call.
        call: CallId,
    },
    /// An agent's state changed (for CTI and the event log).
    AgentState {
        /// The agent.
        agent: AgentId,
        /// The new state.
        state: AgentState,
    },
    /// A routing decision with its reason, for the event log.
    Decision(Decision),
}

/// Why an agent (or agents) was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Why {
    /// Ring-all: every eligible agent in the lowest free tier.
    RingAll,
    /// Idle the longest.
    LongestIdle {
        /// For this long.
        idle: Duration,
    },
    /// Idle the shortest.
    LeastIdle {
        /// For this long.
        idle: Duration,
    },
    /// Next after the last one offered.
    RoundRobin {
        /// The agent offered last in this queue.
        after: Option<AgentId>,
    },
    /// Fewest calls answered.
    FewestCalls {
        /// Calls answered since login.
        calls: u32,
    },
    /// Least talk time.
    LeastTalkTime {
        /// Talk time since login.
        talk: Duration,
    },
    /// First free in member order.
    Linear {
        /// Index in the member list.
        index: usize,
    },
    /// Uniform random draw.
    Random {
        /// Index drawn among the eligible.
        draw: usize,
    },
    /// Weighted random draw.
    WeightedRandom {
        /// The chosen agent's weight.
        weight: u32,
        /// Sum of the eligible agents' weights.
        total: u64,
    },
    /// Ring-progressively: this many agents ringing now.
    RingProgressive {
        /// Agents ringing after this step.
        ringing: usize,
    },
    /// Best skill match.
    BestMatch {
        /// Summed proficiency over the call's skills.
        score: u32,
    },
    /// The caller's last agent or account owner, within the preference window.
    PreferredAgent,
}

/// Why a caller left the queue to an overflow destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OverflowReason {
    /// The queue was full.
    Full {
        /// Callers waiting.
        waiting: u32,
    },
    /// Closed by schedule.
    Closed(schedule::Closed),
    /// No serving member and `join_empty` is off.
    JoinEmpty,
    /// The last serving member left and `leave_when_empty` is on.
    LeaveWhenEmpty,
    /// Waited `max_wait`.
    MaxWait,
    /// Predicted wait at the caller's position over the threshold.
    PredictedWait {
        /// The estimate.
        ewt: Duration,
        /// The threshold.
        threshold: Duration,
    },
    /// The queue was removed from the configuration.
    QueueRemoved,
}

/// What was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// The call was offered to these agents.
    Offer {
        /// Agents rung by this decision (already-ringing agents are not repeated).
        agents: Vec<AgentId>,
        /// Why them.
        why: Why,
    },
    /// The call joined the queue at this position.
    Queued {
        /// Position (1 = next).
        position: u32,
        /// Effective priority.
        priority: u8,
        /// Predicted wait at that position.
        ewt: Option<Duration>,
    },
    /// The call (back in line after a failed offer or callback) kept its place.
    Requeued {
        /// Position (1 = next).
        position: u32,
    },
    /// The call left the queue to an overflow destination.
    Overflow {
        /// Where.
        destination: Destination,
        /// Why.
        reason: OverflowReason,
    },
}

/// One routing decision, for the event log: who was eligible, what was done, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// When.
    pub at: Instant,
    /// The call.
    pub call: CallId,
    /// The queue.
    pub queue: QueueId,
    /// The call's wait so far.
    pub waited: Duration,
    /// The queue's strategy at the time.
    pub strategy: Strategy,
    /// Agents eligible (free, logged in, skilled enough, in the tier window), in member order.
    pub eligible: Vec<AgentId>,
    /// Widening step in force (None = base rule).
    pub widening_step: Option<usize>,
    /// Minimum proficiency applied.
    pub min_proficiency: Option<u8>,
    /// What was done.
    pub action: Action,
}

/// Bad input: the ACD state is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcdError {
    /// No such call.
    #[error("unknown call {0:?}")]
    UnknownCall(CallId),
    /// A call with this id is already in the ACD.
    #[error("call {0:?} is already in the ACD")]
    DuplicateCall(CallId),
    /// No such queue.
    #[error("unknown queue {0:?}")]
    UnknownQueue(QueueId),
    /// No such agent.
    #[error("unknown agent {0:?}")]
    UnknownAgent(AgentId),
    /// The agent is not being offered this call.
    #[error("agent {agent:?} is not being offered call {call:?}")]
    NotOffered {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// The input does not fit the call's state (e.g. ending a call not connected).
    #[error("call {0:?} is not in a state for this input")]
    WrongCallState(CallId),
    /// The input does not fit the agent's state (e.g. ready while logged out).
    #[error("agent {0:?} is not in a state for this input")]
    WrongAgentState(AgentId),
    /// The new configuration breaks a rule.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
}

/// A configuration rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two agents share an id.
    #[error("duplicate agent id")]
    DuplicateAgent,
    /// Two queues share an id.
    #[error("duplicate queue id")]
    DuplicateQueue,
    /// A queue lists an agent that does not exist.
    #[error("queue {queue} lists unknown agent {agent}")]
    UnknownMember {
        /// Queue id.
        queue: u32,
        /// Agent id.
        agent: u32,
    },
    /// A queue lists an agent twice.
    #[error("queue {queue} lists agent {agent} twice")]
    DuplicateMember {
        /// Queue id.
        queue: u32,
        /// Agent id.
        agent: u32,
    },
    /// A proficiency or tier over 100 (on the queue or agent with this id).
    #[error("level over 100 on {0}")]
    LevelOutOfRange(u32),
    /// Widening steps not in increasing order of time, or a step that narrows the pool
    /// (higher minimum proficiency or lower maximum tier than before) (queue id).
    #[error("widening steps of queue {0} out of order or narrowing")]
    WideningOrder(u32),
    /// Ring timeout or progressive step of zero (queue id).
    #[error("zero ring timeout or progressive step in queue {0}")]
    ZeroTimer(u32),
    /// Invalid schedule (queue id).
    #[error("invalid schedule in queue {0}")]
    Schedule(u32),
    /// Chat capacity over [`MAX_CHAT_CAPACITY`] (agent id).
    #[error("chat capacity of agent {0} over the maximum")]
    ChatCapacity(u32),
}
