//! ACD configuration: queues, agents, skills, schedules, announcements, overflow.
//!
//! The daemon builds a [`Config`] from the store's rows and hands it to the ACD with
//! [`crate::Input::ConfigChanged`]; the new configuration applies at once to every caller
//! already waiting (strategy, widening, max wait, announcements, membership).

use core::time::Duration;

use crate::schedule::Schedule;
use crate::{AgentId, ConfigError, QueueId, SkillId};

/// How a queue picks the agent(s) to offer a call to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// Offer to every eligible free agent at once; the first to answer takes it.
    RingAll,
    /// The agent idle for the longest time (since the end of their last call or becoming ready).
    LongestIdle,
    /// The agent idle for the shortest time.
    LeastIdle,
    /// Round robin with memory: the next member after the one offered last, in member order.
    RoundRobin,
    /// The agent who has answered the fewest calls since login.
    FewestCalls,
    /// The agent with the least talk time since login.
    LeastTalkTime,
    /// Linear / top-down: always the first free member in member order.
    Linear,
    /// Uniformly random among eligible agents (seeded, deterministic).
    Random,
    /// Random weighted by the member's weight (seeded, deterministic).
    WeightedRandom,
    /// Ring one agent (member order), add one more every `progressive_step`, keep the others ringing.
    RingProgressive,
    /// Highest summed proficiency on the call's skills; ties go to the longest idle.
    SkillsBestMatch,
}

impl Strategy {
    /// Every strategy, for tests and documentation.
    pub const ALL: [Self; 11] = [
        Self::RingAll,
        Self::LongestIdle,
        Self::LeastIdle,
        Self::RoundRobin,
        Self::FewestCalls,
        Self::LeastTalkTime,
        Self::Linear,
        Self::Random,
        Self::WeightedRandom,
        Self::RingProgressive,
        Self::SkillsBestMatch,
    ];
}

/// Where a caller goes when the queue will not (or can no longer) keep them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Destination {
    /// Another ACD queue (the switch re-enters the call there).
    Queue(QueueId),
    /// An internal extension (digits).
    Extension(String),
    /// A voicemail box (digits).
    Voicemail(String),
    /// An outside number.
    External(String),
    /// An IVR flow, by name (the call center starts it for the caller).
    Ivr(String),
    /// Play the closed/busy message and hang up.
    Hangup,
}

/// A queue member: an agent with a tier (penalty) and a weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The agent.
    pub agent: AgentId,
    /// Tier / penalty 0–100: lower tiers are offered first; a higher tier only when no
    /// lower-tier agent is free (and, with widening, only once the call has waited long enough).
    pub tier: u8,
    /// Weight for [`Strategy::WeightedRandom`] (0 = never chosen by that strategy).
    pub weight: u32,
}

impl Member {
    /// A member in tier 0 with weight 1.
    #[must_use]
    pub const fn new(agent: AgentId) -> Self {
        Self {
            agent,
            tier: 0,
            weight: 1,
        }
    }
}

/// One step of time-based widening: from `after` of waiting on, the pool gets wider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WideningStep {
    /// Waiting time from which this step applies.
    pub after: Duration,
    /// Minimum proficiency accepted on every required skill from this step on.
    pub min_proficiency: Option<u8>,
    /// Highest member tier accepted from this step on.
    pub max_tier: Option<u8>,
}

/// Announcements to a waiting caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcements {
    /// First announcement this long after joining (0 = none at all).
    pub first_after: Duration,
    /// Then every `every` (0 = only once).
    pub every: Duration,
    /// Say the caller's position.
    pub position: bool,
    /// Say the predicted wait.
    pub wait_time: bool,
    /// Number of periodic prompts to cycle through (0 = none).
    pub periodic_prompts: u8,
    /// Never announce a position worse than the last one announced (a VIP joining ahead
    /// makes the position go up; the caller then hears no position that time).
    pub position_only_up: bool,
}

impl Default for Announcements {
    fn default() -> Self {
        Self {
            first_after: Duration::ZERO,
            every: Duration::ZERO,
            position: false,
            wait_time: false,
            periodic_prompts: 0,
            position_only_up: false,
        }
    }
}

/// Where callers go when the queue will not keep them, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// Default destination for every overflow reason without its own.
    pub destination: Destination,
    /// When the queue is closed by its schedule (default: `destination`).
    pub closed: Option<Destination>,
    /// When the predicted wait at the caller's position exceeds this, the caller overflows
    /// on arrival (and at every announcement tick).
    pub predicted_wait_over: Option<Duration>,
    /// Where predicted-wait overflow goes (default: `destination`).
    pub predicted_wait: Option<Destination>,
}

impl Default for Overflow {
    fn default() -> Self {
        Self {
            destination: Destination::Hangup,
            closed: None,
            predicted_wait_over: None,
            predicted_wait: None,
        }
    }
}

/// One ACD queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// Queue id (the store's row id).
    pub id: QueueId,
    /// Routing strategy.
    pub strategy: Strategy,
    /// Members in hunt order (linear, round robin and ring-progressive follow this order).
    pub members: Vec<Member>,
    /// Skills every caller of this queue needs: (skill, minimum proficiency 0–100).
    pub skills: Vec<(SkillId, u8)>,
    /// Time-based widening steps, in increasing `after`.
    pub widening: Vec<WideningStep>,
    /// Highest member tier offered before any widening step (255 = all tiers).
    pub initial_max_tier: u8,
    /// Maximum callers waiting (0 = unlimited); one more overflows.
    pub max_len: u32,
    /// Whether a caller may join when no member is logged in and not paused.
    pub join_empty: bool,
    /// Whether waiting callers leave (overflow) when the last serving member goes.
    pub leave_when_empty: bool,
    /// Maximum wait before overflow (None = wait forever).
    pub max_wait: Option<Duration>,
    /// How long an offer rings before it counts as no-answer.
    pub ring_timeout: Duration,
    /// Ring-progressive: add another agent every this often.
    pub progressive_step: Duration,
    /// After-call work once a call of this queue ends; honoured in every queue of the agent.
    pub wrapup: Duration,
    /// Auto-pause an agent after this many consecutive no-answers (0 = never).
    pub autopause_no_answer: u32,
    /// Auto-pause an agent who rejects an offer.
    pub autopause_on_reject: bool,
    /// Priority given to callers tagged VIP (if higher than their own).
    pub vip_priority: u8,
    /// Priority given to callers tagged complaint (if higher than their own).
    pub complaint_priority: u8,
    /// Opening hours and holidays (None = always open).
    pub schedule: Option<Schedule>,
    /// Overflow destinations and predicted-wait threshold.
    pub overflow: Overflow,
    /// Announcements to waiting callers.
    pub announcements: Announcements,
    /// Average handle time assumed before any call has been handled (predicted wait).
    pub initial_aht: Duration,
    /// Callback: how long to wait before retrying an unanswered callback.
    pub callback_retry_after: Duration,
    /// Callback: attempts before giving up.
    pub callback_attempts: u8,
}

impl QueueConfig {
    /// A queue with the given strategy and members, and sensible defaults for the rest:
    /// unlimited length, join when empty, no max wait, 20 s ring timeout, no wrap-up.
    #[must_use]
    pub fn new(id: QueueId, strategy: Strategy, members: Vec<Member>) -> Self {
        Self {
            id,
            strategy,
            members,
            skills: Vec::new(),
            widening: Vec::new(),
            initial_max_tier: 255,
            max_len: 0,
            join_empty: true,
            leave_when_empty: false,
            max_wait: None,
            ring_timeout: Duration::from_secs(20),
            progressive_step: Duration::from_secs(5),
            wrapup: Duration::ZERO,
            autopause_no_answer: 0,
            autopause_on_reject: false,
            vip_priority: 0,
            complaint_priority: 0,
            schedule: None,
            overflow: Overflow::default(),
            announcements: Announcements::default(),
            initial_aht: Duration::from_secs(180),
            callback_retry_after: Duration::from_secs(60),
            callback_attempts: 3,
        }
    }
}

/// Most chats one agent may hold at once.
pub const MAX_CHAT_CAPACITY: u8 = 16;

/// One agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// Agent id (the store's row id).
    pub id: AgentId,
    /// Skills with proficiency 0–100.
    pub skills: Vec<(SkillId, u8)>,
    /// Chats this agent may hold at once (0 = takes no chats; at most
    /// [`MAX_CHAT_CAPACITY`]). See [`crate::Media`] for the capacity rule.
    pub chat_capacity: u8,
}

impl AgentConfig {
    /// An agent without skills.
    #[must_use]
    pub const fn new(id: AgentId) -> Self {
        Self {
            id,
            skills: Vec::new(),
            chat_capacity: 0,
        }
    }

    /// Proficiency in `skill` (None when the agent lacks it).
    #[must_use]
    pub fn proficiency(&self, skill: SkillId) -> Option<u8> {
        self.skills
            .iter()
            .find(|(s, _)| *s == skill)
            .map(|(_, p)| *p)
    }
}

/// The whole ACD configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// Queues.
    pub queues: Vec<QueueConfig>,
    /// Agents.
    pub agents: Vec<AgentConfig>,
    /// Unix time (seconds) at `Instant::ZERO`; schedules turn `now` into wall time with it.
    pub epoch_unix_s: i64,
    /// Where callers of a queue that was removed go.
    pub removed_queue_destination: Option<Destination>,
}

impl Config {
    /// Checks the rules: unique ids, members and skills referring to known agents, levels
    /// 0–100, widening steps in order, non-zero ring timeout, valid schedules.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut agents: Vec<AgentId> = self.agents.iter().map(|a| a.id).collect();
        agents.sort_unstable();
        if agents.windows(2).any(|w| w[0] == w[1]) {
            return Err(ConfigError::DuplicateAgent);
        }
        for a in &self.agents {
            if a.skills.iter().any(|(_, p)| *p > 100) {
                return Err(ConfigError::LevelOutOfRange(a.id.0));
            }
            if a.chat_capacity > MAX_CHAT_CAPACITY {
                return Err(ConfigError::ChatCapacity(a.id.0));
            }
        }
        let mut queues: Vec<QueueId> = self.queues.iter().map(|q| q.id).collect();
        queues.sort_unstable();
        if queues.windows(2).any(|w| w[0] == w[1]) {
            return Err(ConfigError::DuplicateQueue);
        }
        for q in &self.queues {
            let mut seen: Vec<AgentId> = Vec::with_capacity(q.members.len());
            for m in &q.members {
                if agents.binary_search(&m.agent).is_err() {
                    return Err(ConfigError::UnknownMember {
                        queue: q.id.0,
                        agent: m.agent.0,
                    });
                }
                if seen.contains(&m.agent) {
                    return Err(ConfigError::DuplicateMember {
                        queue: q.id.0,
                        agent: m.agent.0,
                    });
                }
                if m.tier > 100 {
                    return Err(ConfigError::LevelOutOfRange(q.id.0));
                }
                seen.push(m.agent);
            }
            if q.skills.iter().any(|(_, p)| *p > 100)
                || q.widening
                    .iter()
                    .any(|w| w.min_proficiency.is_some_and(|p| p > 100))
            {
                return Err(ConfigError::LevelOutOfRange(q.id.0));
            }
            // Steps in time order, and each only widens: routing relies on "a caller who
            // waited longer is never harder to serve".
            let mut min_prof = u8::MAX;
            let mut max_tier = q.initial_max_tier;
            for (i, w) in q.widening.iter().enumerate() {
                if i > 0 && q.widening[i - 1].after > w.after {
                    return Err(ConfigError::WideningOrder(q.id.0));
                }
                if let Some(p) = w.min_proficiency {
                    if p > min_prof {
                        return Err(ConfigError::WideningOrder(q.id.0));
                    }
                    min_prof = p;
                }
                if let Some(t) = w.max_tier {
                    if t < max_tier {
                        return Err(ConfigError::WideningOrder(q.id.0));
                    }
                    max_tier = t;
                }
            }
            if q.ring_timeout.is_zero() || q.progressive_step.is_zero() {
                return Err(ConfigError::ZeroTimer(q.id.0));
            }
            if let Some(s) = &q.schedule {
                s.validate().map_err(|()| ConfigError::Schedule(q.id.0))?;
            }
        }
        Ok(())
    }
}
