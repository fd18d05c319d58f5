//! Live data the daemon provides: span alarms and counters, active calls, queue and agent
//! live state, system resources. The web panel only reads it through [`ApiBackend`].
//!
//! [`MemoryBackend`] is the **test and demo backend**: a real, small in-memory store of
//! live state that its owner feeds (tests set values, `make demo` may feed it from the demo
//! call generator). It is not a model of the daemon: it returns exactly what it was given.

use std::sync::Mutex;

use serde::Serialize;
use utoipa::ToSchema;

/// Alarms and error counters of one E1 span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SpanLive {
    /// Span name (as configured).
    pub name: String,
    /// Active alarms, e.g. `LOS`, `AIS`, `RAI`, `LOF`; empty when the span is up.
    pub alarms: Vec<String>,
    /// CRC-4 errors since start.
    pub crc_errors: u64,
    /// Slips since start.
    pub slips: u64,
    /// Channels in use.
    pub channels_in_use: u32,
}

/// One call in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActiveCall {
    /// Call id (as in the event log).
    pub call_id: String,
    /// Calling number.
    pub from: String,
    /// Called number.
    pub to: String,
    /// Queue the caller waits in or came from.
    pub queue: Option<String>,
    /// Agent number talking.
    pub agent: Option<String>,
    /// When the call started, µs since the epoch.
    pub started_us: i64,
}

/// Live state of one queue.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QueueLive {
    /// Queue name.
    pub queue: String,
    /// Callers waiting now.
    pub waiting: u32,
    /// When the oldest waiting caller entered, µs since the epoch.
    pub oldest_enter_us: Option<i64>,
    /// Service level today, 0–1, `None` before the first call.
    pub service_level_today: Option<f64>,
}

/// An agent's live state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AgentState {
    /// Logged off.
    LoggedOut,
    /// Ready for calls.
    Ready,
    /// Logged on, not ready (break, training…).
    NotReady,
    /// Ringing.
    Ringing,
    /// Talking.
    Talking,
    /// Call on hold.
    Hold,
    /// After-call work.
    Wrapup,
}

/// One agent on the wallboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgentLive {
    /// Agent number.
    pub agent: String,
    /// State.
    pub state: AgentState,
    /// Since when, µs since the epoch.
    pub since_us: i64,
    /// Not-ready reason code.
    pub reason: Option<String>,
}

/// Machine resources.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, ToSchema)]
pub struct SystemResources {
    /// CPU use, 0–1.
    pub cpu: f64,
    /// Memory used, bytes.
    pub mem_used: u64,
    /// Memory total, bytes.
    pub mem_total: u64,
    /// Disk used on the data partition, bytes.
    pub disk_used: u64,
    /// Disk size, bytes.
    pub disk_total: u64,
}

/// Severity of an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Needs attention.
    Warning,
    /// Service affected.
    Critical,
}

/// An alarm on the wallboard (span alarm, trunk down, disk nearly full, SL breached).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Alarm {
    /// Stable code, e.g. `span.los`, `trunk.down`, `disk.full`, `queue.sl_breach`.
    pub code: String,
    /// What it concerns (span, trunk, queue name…).
    pub subject: String,
    /// Severity.
    pub severity: Severity,
    /// Raised at, µs since the epoch.
    pub since_us: i64,
}

/// Live data the daemon provides to the web panel. Implementations must be cheap to call
/// (the wallboard polls every second) and must not block for long.
pub trait ApiBackend: Send + Sync + 'static {
    /// Span alarms and counters.
    fn spans(&self) -> Vec<SpanLive>;
    /// Calls in progress.
    fn active_calls(&self) -> Vec<ActiveCall>;
    /// Live queue state.
    fn queues(&self) -> Vec<QueueLive>;
    /// Live agent state.
    fn agents(&self) -> Vec<AgentLive>;
    /// CPU, memory, disk.
    fn resources(&self) -> SystemResources;
    /// Raised alarms.
    fn alarms(&self) -> Vec<Alarm>;
}

/// Everything [`MemoryBackend`] holds.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Spans.
    pub spans: Vec<SpanLive>,
    /// Calls.
    pub calls: Vec<ActiveCall>,
    /// Queues.
    pub queues: Vec<QueueLive>,
    /// Agents.
    pub agents: Vec<AgentLive>,
    /// Resources.
    pub resources: SystemResources,
    /// Alarms.
    pub alarms: Vec<Alarm>,
}

/// The test and demo backend: live state held in memory, set by its owner.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    state: Mutex<LiveState>,
}

impl MemoryBackend {
    /// An empty backend.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes the live state.
    pub fn update(&self, f: impl FnOnce(&mut LiveState)) {
        f(&mut self.lock());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LiveState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ApiBackend for MemoryBackend {
    fn spans(&self) -> Vec<SpanLive> {
        self.lock().spans.clone()
    }
    fn active_calls(&self) -> Vec<ActiveCall> {
        self.lock().calls.clone()
    }
    fn queues(&self) -> Vec<QueueLive> {
        self.lock().queues.clone()
    }
    fn agents(&self) -> Vec<AgentLive> {
        self.lock().agents.clone()
    }
    fn resources(&self) -> SystemResources {
        self.lock().resources
    }
    fn alarms(&self) -> Vec<Alarm> {
        self.lock().alarms.clone()
    }
}
