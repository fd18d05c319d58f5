//! # callcenter: the call-center engine (L2, sans-IO)
//!
//! **What it is:** one state machine, [`Center`], that owns a [`switch::Switch`], an
//! [`acd::Acd`], one [`ivr::Call`] per caller in a flow, and the [`cti::Cti`] model, and
//! joins them so a call moves end to end: caller → IVR flow → queue → agent → wrap-up. It
//! has the switch's outer surface, so the daemon drives it in place of the bare switch:
//! 1. [`Center::allocate_leg`] + [`Center::handle_input`]`(now, LegEvent)` for everything a
//!    channel or the media path reports (incl. [`switch::LegEvent::PromptFinished`]);
//! 2. after each call drain [`Center::poll_command`] (channel and media commands, incl.
//!    [`switch::Command::PlayPrompt`] for IVR prompts), [`Center::poll_event`] (switch
//!    events and CDRs, event-log rows ready for the store, IVR look-ups to answer,
//!    interaction records) and [`Center::poll_cti_event`] (CSTA event reports for the agent
//!    desktops);
//! 3. call [`Center::handle_timeout`] at [`Center::poll_timeout`];
//! 4. agent desktops: [`Center::cti_request`] (SetAgentState log on/off, ready/not ready,
//!    monitors, snapshots, clear, hold, transfers); the host answers IVR look-ups with
//!    [`Center::answer_lookup`] and may give the CRM customer with [`Center::set_customer`];
//!    configuration changes with [`Center::reconfigure`].
//!
//! How a call moves (docs/callcenter.md has the whole story):
//! - the switch answers a call routed to an IVR or a queue and hands the caller's leg over
//!   (`Event::Handoff`); an IVR target starts the named flow: prompts become
//!   `Command::PlayPrompt`, digits come from `LegEvent::Digits`, look-ups go to the host;
//! - an IVR transfer to a queue (or a call dialled straight to one) enters the ACD with the
//!   IVR's data; the caller hears music on hold;
//! - an ACD offer redirects the caller's leg to the agent's extension (`LegEvent::Redirect`):
//!   CTI Delivered with the screen pop (IVR data, CRM customer); answer → bridged, CTI
//!   Established; no answer or busy → the ACD hears of it (auto-pause, next agent);
//! - the agent's part ends → CTI ConnectionCleared and wrap-up (the CTI model's timer; the
//!   ACD keeps the agent in wrap-up, [`acd::Input::HostWrapUp`]) → Ready;
//! - blind and consultation transfers into another queue end the first agent's part at the
//!   transfer and start a new queue visit;
//! - ring-all and ring-progressive queues ring several phones for one caller (the switch
//!   forks the call): the first answer wins, the others are cancelled;
//! - waiting callers hear the ACD's announcements (position, expected wait, periodic
//!   prompts, the callback offer) as prompts, never over an answer; a caller who presses
//!   [`CALLBACK_KEY`] keeps their place and is called back (agent's phone first, then the
//!   customer);
//! - voicemail (IVR node or a queue's overflow/closed destination): prompt, beep, the
//!   caller's leg recorded alone ([`switch::Command::RecordLeg`]), reported as
//!   [`Event::VoicemailRecorded`]; the post-call CSAT survey: a caller whose flow has a
//!   `post_call` node is handed back by the switch when the agent hangs up;
//! - business-hours calendars ([`Calendar`]) close queues and answer IVR `open` conditions;
//! - an agent whose phone is on a call the ACD did not offer (MakeCall, click-to-dial) is
//!   kept from queue offers meanwhile ([`OUTSIDE_CALL_REASON`]); so is an agent holding web
//!   chats, as the host reports them ([`Center::set_chat_load`], [`CHAT_LOAD_REASON`]):
//!   "one call or chats" from the call side.
//!
//! **What it is not:** no I/O, no clock, no threads (time is a [`tdm::Instant`] passed
//! in; the wall clock for IVR conditions and calendars comes from [`Config::epoch_unix_s`]);
//! no SQLite (rows come out as [`LogEvent`]s for the host to append); no audio (prompts,
//! tones and recordings are the media path's). It does not answer phones remotely (CTI
//! AnswerCall is refused). Supervisors monitor an agent's call (listen, whisper, barge) with
//! CTI SingleStepConference ([`cti::ServiceRequest::SingleStepConference`]): the
//! supervisor's phone is rung and joins the call through [`switch::Switch::monitor`].
//! It does not route web chats: the host's chat service does, with an ACD instance of its
//! own; the Center only hears how many chats each agent holds ([`Center::set_chat_load`]).

mod center;
mod config;
mod event;

pub use center::{
    AUTO_NO_ANSWER_REASON, AUTO_REJECTED_REASON, CALLBACK_KEY, CHAT_LOAD_REASON,
    CUSTOMER_LOOKUP_ID, Center, MANUAL_WRAPUP_REASON, OUTSIDE_CALL_REASON, VOICEMAIL_BEEP,
    VOICEMAIL_END_KEY, VOICEMAIL_MAX,
};
pub use config::{AgentSpec, Calendar, Config, FlowSpec, QueueSpec};
pub use event::{Event, LogEvent, LogKind};
pub use tdm::Instant;

/// Why the Center refused something. Nothing changed then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CenterError {
    /// The switch refused a leg event.
    #[error(transparent)]
    Switch(#[from] switch::engine::SwitchError),
    /// The switch refused the dial plan.
    #[error(transparent)]
    SwitchConfig(#[from] switch::dialplan::ConfigError),
    /// The ACD refused its configuration.
    #[error(transparent)]
    Acd(#[from] acd::AcdError),
    /// The CTI model refused an agent or queue.
    #[error(transparent)]
    Cti(#[from] cti::ModelError),
    /// A rule of the Center's own configuration.
    #[error("configuration: {0}")]
    Config(ConfigProblem),
    /// No such call (or not in the state asked for).
    #[error("unknown call {0:?}")]
    UnknownCall(switch::engine::CallId),
    /// No agent with this number.
    #[error("unknown agent {0:?}")]
    UnknownAgent(String),
}

/// A rule of the Center's configuration that was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// Two queues share a name or number.
    #[error("two queues share a name or number")]
    DuplicateQueue,
    /// A queue names a calendar that is not configured, or two calendars share a name.
    #[error("unknown or duplicate business-hours calendar")]
    UnknownCalendar,
    /// A calendar's rows do not make a calendar (bad day, span, offset or date).
    #[error("invalid business-hours calendar")]
    BadCalendar,
    /// Two agents share a number or extension.
    #[error("two agents share a number or extension")]
    DuplicateAgent,
    /// An agent's extension is not in the switch's extensions.
    #[error("an agent's extension is not configured in the switch")]
    NoSuchExtension,
    /// A queue has an ACD wrap-up: the CTI model runs wrap-up (set it on the agent).
    #[error("queue wrap-up must be zero: the CTI model runs wrap-up")]
    AcdWrapUp,
}
