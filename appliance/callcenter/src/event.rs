//! What the [`crate::Center`] reports: switch events, event-log rows ready for the store,
//! look-ups the host must answer, interaction records.

use std::collections::BTreeMap;

use switch::engine::CallId;

/// The kind of an event-log row. [`LogKind::as_str`] is the `kind` text of the store's
/// event log (`store::events::EventKind::parse` accepts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogKind {
    /// A call entered the switch.
    CallStart,
    /// The caller's leg was answered (by the IVR, a queue, or a phone).
    CallAnswer,
    /// The call ended (payload: cause).
    CallEnd,
    /// The caller joined a queue.
    QueueEnter,
    /// An agent is being rung for the call.
    QueueOffer,
    /// The agent answered the queued call.
    QueueConnect,
    /// The caller hung up while waiting or while an agent was rung.
    QueueAbandon,
    /// The caller left the queue unanswered (overflow; payload: reason).
    QueueExit,
    /// The call was transferred out of this queue visit (payload: to).
    QueueTransfer,
    /// The agent's call was put on hold.
    CallHold,
    /// The agent's call was taken off hold.
    CallRetrieve,
    /// The agent's part of the call ended; after-call work starts.
    CallComplete,
    /// The agent logged on.
    AgentLogin,
    /// The agent logged off.
    AgentLogout,
    /// The agent became available.
    AgentReady,
    /// The agent is not ready (payload: reason).
    AgentNotReady,
    /// After-call work ended.
    AgentWrapupEnd,
    /// The ACD offered a call (payload: eligible agents, why).
    RoutingDecision,
    /// The call entered an IVR flow.
    IvrEnter,
    /// The call left the IVR (payload: outcome).
    IvrExit,
    /// A post-call survey answer (payload: score).
    Survey,
    /// A waiting caller asked to be called back and keeps their place (payload: position).
    QueueCallback,
    /// A voicemail message was recorded (payload: mailbox, caller, duration_ms, ended_by).
    Voicemail,
}

impl LogKind {
    /// The store's name for it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CallStart => "call_start",
            Self::CallAnswer => "call_answer",
            Self::CallEnd => "call_end",
            Self::QueueEnter => "queue_enter",
            Self::QueueOffer => "queue_offer",
            Self::QueueConnect => "queue_connect",
            Self::QueueAbandon => "queue_abandon",
            Self::QueueExit => "queue_exit",
            Self::QueueTransfer => "queue_transfer",
            Self::CallHold => "call_hold",
            Self::CallRetrieve => "call_retrieve",
            Self::CallComplete => "call_complete",
            Self::AgentLogin => "agent_login",
            Self::AgentLogout => "agent_logout",
            Self::AgentReady => "agent_ready",
            Self::AgentNotReady => "agent_not_ready",
            Self::AgentWrapupEnd => "agent_wrapup_end",
            Self::RoutingDecision => "routing_decision",
            Self::IvrEnter => "ivr_enter",
            Self::IvrExit => "ivr_exit",
            Self::Survey => "survey",
            Self::QueueCallback => "queue_callback",
            Self::Voicemail => "voicemail",
        }
    }
}

/// One event-log row as the store's `NewEvent` takes it (the host adds the timestamp from
/// the `Instant` it comes with).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    /// What happened.
    pub kind: LogKind,
    /// The switch's call id, as text.
    pub call: Option<String>,
    /// The queue's name.
    pub queue: Option<String>,
    /// The agent's number.
    pub agent: Option<String>,
    /// Anything else (a JSON object).
    pub payload: serde_json::Value,
}

impl LogEvent {
    pub(crate) fn new(kind: LogKind) -> Self {
        Self {
            kind,
            call: None,
            queue: None,
            agent: None,
            payload: serde_json::Value::Object(serde_json::Map::new()),
        }
    }
    pub(crate) fn call(mut self, c: CallId) -> Self {
        self.call = Some(c.0.to_string());
        self
    }
    pub(crate) fn queue(mut self, q: &str) -> Self {
        self.queue = Some(q.to_owned());
        self
    }
    pub(crate) fn agent(mut self, a: &str) -> Self {
        self.agent = Some(a.to_owned());
        self
    }
    pub(crate) fn with(mut self, key: &str, v: impl Into<serde_json::Value>) -> Self {
        if let serde_json::Value::Object(m) = &mut self.payload {
            m.insert(key.to_owned(), v.into());
        }
        self
    }
}

/// What the Center reports (drain [`crate::Center::poll_event`] after every call).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A switch event, as the bare switch reports it (CDRs included).
    Switch(switch::Event),
    /// A row for the store's event log (reports are computed from these).
    Log(LogEvent),
    /// The IVR asks the host to look something up (CRM, account balance…); answer with
    /// [`crate::Center::answer_lookup`]. With no answer the flow's own timeout applies.
    LookUp {
        /// The call.
        call: CallId,
        /// What to look up.
        request: ivr::LookUpRequest,
    },
    /// An agent's part of a call ended (or an unanswered inbound call): the record for the
    /// customer's history (`store::Store::record_interaction`).
    Interaction(cti::InteractionRecord),
    /// A CTI service was accepted by the model but this Center cannot carry it out (yet:
    /// DeflectCall, AlternateCall; or a MakeCall/ConsultationCall the switch refused): it
    /// has no effect on the call. AnswerCall never gets here: `cti_request` refuses it with
    /// `CstaError::ServiceNotSupported`.
    CtiNotCarriedOut {
        /// The CTI command.
        command: cti::SwitchCommand,
    },
    /// A voicemail message was recorded (`Command::RecordLeg` start … stop on `leg`): the
    /// host stores the file as a recording row (`legs` = `caller`) and the message row
    /// linking it to the mailbox, the queue and the CRM customer
    /// (`store::Store::add_voicemail`).
    VoicemailRecorded {
        /// The call.
        call: CallId,
        /// The caller's leg that was recorded.
        leg: switch::engine::LegId,
        /// The mailbox (an extension or queue number).
        mailbox: String,
        /// The caller's number (`anonymous` when withheld).
        caller: String,
        /// The CRM customer, when known.
        customer: Option<i64>,
        /// The queue the caller came from, when any.
        queue: Option<String>,
        /// When the recording started.
        started: tdm::Instant,
        /// Its length.
        duration: std::time::Duration,
        /// What the IVR collected.
        data: BTreeMap<String, String>,
    },
}
