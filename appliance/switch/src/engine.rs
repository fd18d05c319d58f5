//! The call engine: calls, legs and bridges as a sans-IO state machine.
//!
//! # Driving it
//! 1. For a call arriving on a channel, take a fresh id with [`Switch::allocate_leg`] and
//!    feed [`LegEvent::Incoming`]; feed every later thing a channel reports (alerting,
//!    answer, digits, hold, transfer requests, hang-up, span alarms) with
//!    [`Switch::handle_input`].
//! 2. After each input, drain [`Switch::poll_command`] (what to do to legs: alert, answer,
//!    originate, hang up, and [`MediaCommand`]s for the media thread) and
//!    [`Switch::poll_event`] (what to append to the event log, CDRs included).
//! 3. Call [`Switch::handle_timeout`] when [`Switch::poll_timeout`] says.
//!
//! The layers above (ACD, IVR, CTI) drive it with the same vocabulary: a leg handed to them
//! ([`Event::Handoff`]) is sent on with [`LegEvent::Redirect`]; transfers, hold, conference
//! and recording requests are the same events a phone would cause; click-to-dial is
//! [`Switch::make_call`].
//!
//! A [`Command::Hangup`] is final: the switch forgets the leg's signalling at once and does
//! not expect the daemon to report the leg's end back (a late [`LegEvent::Hangup`] for it
//! is accepted and ignored while its call lives, and answered with
//! [`SwitchError::UnknownLeg`] after).
//!
//! # Guarantees (checked by `tests/props.rs`)
//! - No input panics; a refused input returns a typed [`SwitchError`] and changes nothing.
//! - A leg is a member of at most one bridge.
//! - Every call that started ends with exactly one [`Cdr`], when its last leg ends.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use media_dsp::tones::ToneKind;
use tdm::Instant;
use thiserror::Error;

use crate::cause::Cause;
use crate::dialplan::{
    CallingParty, ChannelKind, Config, ConfigError, Denied, OriginClass, Route, Target,
};

/// A leg: one channel's part in a call (an E1 B-channel call, a SIP dialog, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(pub u32);

/// A call: the legs that were connected on behalf of one caller, from the first leg to the
/// last hang-up. One CDR per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u32);

/// A bridge: legs whose audio is joined (two legs directly, three or more in a mixer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BridgeId(pub u32);

/// Recording control (card payments: pause while the card number is read out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordAction {
    /// Start recording both directions.
    Start,
    /// Stop and close the recording.
    Stop,
    /// Pause (silence is not recorded; the file stays open).
    Pause,
    /// Resume after a pause.
    Resume,
}

/// What channels report to the switch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegEvent {
    /// A new call arrived on a channel.
    Incoming {
        /// A fresh id from [`Switch::allocate_leg`].
        leg: LegId,
        /// The channel's kind.
        kind: ChannelKind,
        /// The daemon's name for the endpoint (`e1/1/5`, SIP account `1001`, `fxs/2`...).
        endpoint: String,
        /// Who is calling, for the routing policy (SIP: authenticated or not).
        origin: OriginClass,
        /// Called number (E1: the called party number, for DID mapping).
        called: String,
        /// Calling party and presentation.
        calling: CallingParty,
    },
    /// An outgoing leg is ringing.
    Alerting {
        /// The leg.
        leg: LegId,
    },
    /// An outgoing leg has in-band information before answer (early media: SIP 183 with
    /// SDP; Q.931 PROGRESS or ALERTING with progress indicator #8, Q.931 §5.1.6): its audio
    /// is bridged to the caller so announcements and tones from the far end are heard.
    Progress {
        /// The leg.
        leg: LegId,
    },
    /// An outgoing leg was answered.
    Answered {
        /// The leg.
        leg: LegId,
    },
    /// Digits from a leg: in-band DTMF found by the media path, RFC 4733, SIP INFO or
    /// Q.931 INFORMATION alike.
    Digits {
        /// The leg.
        leg: LegId,
        /// The digits.
        digits: String,
    },
    /// The leg put its peer on hold (re-INVITE sendonly, hook flash).
    Hold {
        /// The leg that holds.
        leg: LegId,
    },
    /// The leg takes its peer off hold.
    Resume {
        /// The leg that held.
        leg: LegId,
    },
    /// Blind transfer (REFER without Replaces): connect the leg's peer to `to`, drop the leg.
    BlindTransfer {
        /// The transferring leg.
        leg: LegId,
        /// The number to connect the peer to.
        to: String,
    },
    /// Attended transfer (REFER with Replaces): `leg`'s peer (on hold) and
    /// `consultation`'s peer are joined; both of the transferor's legs are dropped. If the
    /// consultation call is still ringing, the held party takes over the ringing call.
    AttendedTransfer {
        /// The leg of the original call (its peer is on hold).
        leg: LegId,
        /// The transferor's leg of the consultation call.
        consultation: LegId,
    },
    /// Three-way conference: `leg`, its held peer and `consultation`'s peer are joined in
    /// a mixer; `consultation` is dropped.
    Conference {
        /// The leg of the original call.
        leg: LegId,
        /// The transferor's leg of the consultation call.
        consultation: LegId,
    },
    /// Recording control for the bridge the leg is in.
    Record {
        /// A leg of the bridge.
        leg: LegId,
        /// What to do.
        action: RecordAction,
    },
    /// The ACD or IVR, which owns a handed-off leg, sends it on to `to` (routed by the
    /// internal table: the application is trusted like an extension). A second `Redirect`
    /// while the first destination still rings forks the call (ring-all, ring-progressive):
    /// every destination rings at once, the first to answer is bridged and the others are
    /// cleared with #26 (non-selected user clearing); the leg goes back to the application
    /// ([`Event::RedirectFailed`]) only when the last of them fails.
    Redirect {
        /// The leg.
        leg: LegId,
        /// The number.
        to: String,
    },
    /// The channel cleared the leg.
    Hangup {
        /// The leg.
        leg: LegId,
        /// Why.
        cause: Cause,
    },
    /// The application (ACD/IVR) that owns a caller's leg wants it back when the party it
    /// is bridged to hangs up (a post-call survey): instead of being cleared with its
    /// two-party bridge the leg is handed back ([`Event::HandedBack`]), answered, with
    /// the application again. Applies to every later bridge of the leg until then.
    PostCall {
        /// The caller's leg.
        leg: LegId,
    },
    /// The media path finished playing a [`Command::PlayPrompt`] to the leg (for the IVR
    /// that owns it; the switch itself only checks the leg is live).
    PromptFinished {
        /// The leg.
        leg: LegId,
    },
    /// A span went into or out of alarm (its trunks are skipped while in alarm).
    SpanAlarm {
        /// The span.
        span: u16,
        /// In alarm?
        alarm: bool,
    },
}

/// Where an outgoing leg goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// An extension's endpoint.
    Extension {
        /// The extension.
        name: String,
        /// The daemon's endpoint id.
        endpoint: String,
    },
    /// A trunk.
    Trunk {
        /// The trunk's name.
        trunk: String,
        /// Its span, if any.
        span: Option<u16>,
    },
}

/// What a leg or the media path should play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A call-progress tone of the configured country.
    Tone(ToneKind),
    /// The 1 kHz digital milliwatt (extension 601).
    TestTone,
    /// The leg's own audio straight back (extension 600).
    EchoTest,
    /// Music on hold.
    MusicOnHold,
}

/// Orders for the real-time media thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaCommand {
    /// Join these legs' audio (two: direct; more: conference mixer). Replaces any earlier
    /// `Bridge` of the same id.
    Bridge {
        /// The bridge.
        bridge: BridgeId,
        /// Its legs.
        legs: Vec<LegId>,
    },
    /// Undo a bridge (its legs hear silence unless told to play something).
    Unbridge {
        /// The bridge.
        bridge: BridgeId,
    },
    /// Play a source to the leg (replacing what it hears).
    Play {
        /// The leg.
        leg: LegId,
        /// What.
        source: Source,
    },
    /// Stop playing to the leg.
    StopPlay {
        /// The leg.
        leg: LegId,
    },
    /// Recording control of a bridge: record both directions of its legs.
    Record {
        /// The bridge.
        bridge: BridgeId,
        /// Its legs.
        legs: Vec<LegId>,
        /// What to do.
        action: RecordAction,
    },
    /// Join these legs' audio in a mixer with a part per member (a monitored call: see
    /// [`Switch::monitor`]): each member hears the sum of the members whose voice reaches
    /// it, never itself. Replaces any earlier `Bridge`/`Mix` of the same id.
    Mix {
        /// The bridge.
        bridge: BridgeId,
        /// Its legs and their parts.
        members: Vec<(LegId, Member)>,
    },
}

/// A member's part in a mixed bridge ([`MediaCommand::Mix`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// Hears everyone else, heard by everyone else (the monitored parties; a barge).
    Party,
    /// Hears everyone else, heard by nobody (silent monitoring).
    Listen,
    /// Hears everyone else, heard by this leg only (whisper, coaching).
    Whisper(LegId),
}

/// How a supervisor's phone takes part in a monitored call ([`Switch::monitor`]). In
/// ECMA-269 terms (§17.1.x Single Step Conference, `participationType`): `Listen` is
/// `silent`, `Barge` is `active`; `Whisper` (heard by the agent only) is the usual ACD
/// coaching mode, which CSTA leaves to the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonitorMode {
    /// Hears both parties; heard by nobody.
    Listen,
    /// Hears both parties; heard by the monitored leg (the agent) only.
    Whisper,
    /// A full party: hears both, heard by both.
    Barge,
}

/// What the switch tells channels (and the media thread) to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Tell the caller the far end is ringing (Q.931 ALERTING, SIP 180).
    Alert {
        /// The incoming leg.
        leg: LegId,
    },
    /// Tell the caller in-band information follows (SIP 183 with SDP, Q.931 PROGRESS with
    /// progress indicator #8): its audio is bridged before answer.
    Progress {
        /// The incoming leg.
        leg: LegId,
    },
    /// Answer an incoming leg (Q.931 CONNECT, SIP 200, FXO off-hook).
    Answer {
        /// The leg.
        leg: LegId,
    },
    /// Place a call on a new leg.
    Originate {
        /// The new leg's id.
        leg: LegId,
        /// Its call.
        call: CallId,
        /// Its channel kind.
        kind: ChannelKind,
        /// Where.
        destination: Destination,
        /// Called number.
        called: String,
        /// Calling party as it must be sent (caller-ID rules applied).
        calling: CallingParty,
    },
    /// Clear a leg with a Q.850 cause (final: see the module docs).
    Hangup {
        /// The leg.
        leg: LegId,
        /// The cause.
        cause: Cause,
    },
    /// Send digits to the leg (RFC 4733, INFO, or generated DTMF on TDM).
    SendDigits {
        /// The leg.
        leg: LegId,
        /// The digits.
        digits: String,
    },
    /// A requested transfer failed (SIP: NOTIFY with the final status); nothing changed.
    TransferFailed {
        /// The leg that asked.
        leg: LegId,
        /// Why.
        cause: Cause,
    },
    /// For the media thread.
    Media(MediaCommand),
    /// Record what one answered leg sends, alone (a voicemail message): `Start` opens the
    /// recording, `Stop` closes it. The host names and stores the file (by call and leg);
    /// not sent by the switch itself: the call-center layer (`crate callcenter`) does, and
    /// reports the finished message so the host can index it.
    RecordLeg {
        /// The leg.
        leg: LegId,
        /// Start or stop.
        action: RecordAction,
    },
    /// Play a recorded IVR prompt (catalogue key and language code, `crate ivr`'s prompt
    /// catalogue) to an answered leg, replacing what it hears; when it ends the media path
    /// reports [`LegEvent::PromptFinished`]. Stopped early with [`MediaCommand::StopPlay`].
    /// Not sent by the switch itself: the IVR layer above it (`crate callcenter`) does.
    PlayPrompt {
        /// The leg.
        leg: LegId,
        /// Prompt id (catalogue key).
        prompt: String,
        /// Language code (`zh`, `en`).
        language: String,
    },
}

/// Kind of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// Blind.
    Blind,
    /// Attended (consultation, then join).
    Attended,
}

/// The call detail record, emitted once per call when its last leg ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdr {
    /// The call.
    pub call: CallId,
    /// The first leg (the caller).
    pub caller_leg: LegId,
    /// Calling party of the first leg.
    pub calling: CallingParty,
    /// Number dialled (or called, for DIDs).
    pub called: String,
    /// The first routing target, if routing succeeded.
    pub target: Option<Target>,
    /// The trunk that carried it out, if any.
    pub trunk: Option<String>,
    /// When the call arrived.
    pub start: Instant,
    /// When it was answered, if it was.
    pub answer: Option<Instant>,
    /// When its last leg ended.
    pub end: Instant,
    /// The cause of the first clearing.
    pub cause: Cause,
    /// Every leg that took part.
    pub legs: Vec<LegId>,
    /// Start to answer (or to end, if unanswered).
    pub ring: Duration,
    /// Answer to end (zero if unanswered).
    pub talk: Duration,
}

/// Call and leg events, for the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A call began with an incoming leg.
    CallStarted {
        /// The call.
        call: CallId,
        /// The first leg.
        leg: LegId,
        /// Its channel kind.
        kind: ChannelKind,
        /// The daemon's name of its endpoint.
        endpoint: String,
        /// Origin class.
        origin: OriginClass,
        /// Called number.
        called: String,
        /// Calling party.
        calling: CallingParty,
    },
    /// A number was routed.
    Routed {
        /// The call.
        call: CallId,
        /// The leg being connected.
        leg: LegId,
        /// The decision.
        route: Route,
    },
    /// The routing policy refused a number.
    Denied {
        /// The call.
        call: CallId,
        /// The leg that dialled.
        leg: LegId,
        /// Why.
        reason: Denied,
    },
    /// A new outgoing leg.
    LegOriginated {
        /// The call.
        call: CallId,
        /// The leg.
        leg: LegId,
        /// Where.
        destination: Destination,
    },
    /// A leg is ringing.
    LegAlerting {
        /// The leg.
        leg: LegId,
    },
    /// A leg was answered.
    LegAnswered {
        /// The leg.
        leg: LegId,
    },
    /// A leg ended.
    LegEnded {
        /// The leg.
        leg: LegId,
        /// Why.
        cause: Cause,
    },
    /// A trunk was skipped because its span is in alarm.
    TrunkSkipped {
        /// The call.
        call: CallId,
        /// The trunk.
        trunk: String,
        /// The span.
        span: u16,
    },
    /// A trunk refused with a route-failure cause; the next member is tried.
    TrunkFailover {
        /// The call.
        call: CallId,
        /// The trunk that failed.
        trunk: String,
        /// Its cause.
        cause: Cause,
    },
    /// Legs were bridged.
    Bridged {
        /// The bridge.
        bridge: BridgeId,
        /// Its legs.
        legs: Vec<LegId>,
    },
    /// A bridge was taken down.
    Unbridged {
        /// The bridge.
        bridge: BridgeId,
    },
    /// A leg put its bridge on hold.
    Held {
        /// The leg.
        leg: LegId,
    },
    /// A leg took its bridge off hold.
    Resumed {
        /// The leg.
        leg: LegId,
    },
    /// A transfer was carried out.
    Transferred {
        /// The call of the party transferred.
        call: CallId,
        /// The transferring leg.
        by: LegId,
        /// Blind or attended.
        kind: TransferKind,
    },
    /// A three-way conference was formed.
    Conferenced {
        /// The mixer bridge.
        bridge: BridgeId,
        /// Its legs.
        legs: Vec<LegId>,
    },
    /// Recording control applied.
    Recording {
        /// The call.
        call: CallId,
        /// The bridge recorded.
        bridge: BridgeId,
        /// What was done.
        action: RecordAction,
    },
    /// An answered leg was handed to the ACD or IVR.
    Handoff {
        /// The call.
        call: CallId,
        /// The leg.
        leg: LegId,
        /// The queue or IVR target.
        target: Target,
    },
    /// A [`LegEvent::Redirect`] did not reach its destination (refused by policy, busy, no
    /// answer...): the leg is back with the ACD/IVR, still answered, music or silence.
    RedirectFailed {
        /// The call.
        call: CallId,
        /// The leg.
        leg: LegId,
        /// Why.
        cause: Cause,
    },
    /// A leg marked with [`LegEvent::PostCall`] lost the party it was bridged to: it is with
    /// the application again (as after [`Event::Handoff`]), still answered, hearing silence.
    HandedBack {
        /// The call.
        call: CallId,
        /// The leg.
        leg: LegId,
    },
    /// Digits from a leg.
    Digits {
        /// The leg.
        leg: LegId,
        /// The digits.
        digits: String,
    },
    /// A span's alarm changed.
    SpanAlarm {
        /// The span.
        span: u16,
        /// In alarm?
        alarm: bool,
    },
    /// The call is over.
    Cdr(Cdr),
    /// A supervisor's leg joined a monitored call, or changed its mode.
    Monitoring {
        /// The call monitored.
        call: CallId,
        /// The bridge joined.
        bridge: BridgeId,
        /// The supervisor's leg.
        leg: LegId,
        /// The leg monitored (the agent's).
        target: LegId,
        /// The mode now.
        mode: MonitorMode,
    },
}

/// Why an input was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SwitchError {
    /// No such leg (never allocated, or its call is over).
    #[error("unknown leg {0:?}")]
    UnknownLeg(LegId),
    /// `Incoming` for an id not from [`Switch::allocate_leg`], or already used.
    #[error("leg {0:?} was not allocated or is in use")]
    LegNotAllocated(LegId),
    /// The event does not fit the leg's state (e.g. `Answered` for an incoming leg).
    #[error("leg {leg:?} is {state:?}")]
    WrongState {
        /// The leg.
        leg: LegId,
        /// Its state.
        state: LegState,
    },
    /// The request needs the leg to be in a (two-party) bridge.
    #[error("leg {0:?} is not in a suitable bridge")]
    NotBridged(LegId),
    /// Hold by a leg whose bridge is already held, or resume by a leg that did not hold.
    #[error("leg {0:?}: hold state does not allow this")]
    HoldState(LegId),
    /// The recording action does not fit the recording state (e.g. pause when stopped).
    #[error("recording is {state:?}; cannot {action:?}")]
    Recording {
        /// Current state.
        state: RecordState,
        /// The action refused.
        action: RecordAction,
    },
    /// A transfer or conference naming the same leg twice.
    #[error("the two legs must differ")]
    SameLeg,
    /// `make_call` from something that is not an extension.
    #[error("no such extension")]
    NoSuchExtension,
    /// `Redirect` for a leg that is not with the ACD/IVR.
    #[error("leg {0:?} is not handed off")]
    NotHandedOff(LegId),
    /// A monitor-mode change for a leg that is not a supervisor's leg in a monitored call.
    #[error("leg {0:?} is not monitoring a call")]
    NotMonitoring(LegId),
}

/// A leg's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    /// Incoming, not answered yet.
    Offered,
    /// Outgoing, sent, no answer yet.
    Calling,
    /// Outgoing, ringing.
    Alerting,
    /// Answered.
    Answered,
    /// Over.
    Ended,
}

/// Recording state of a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordState {
    /// Not recording.
    #[default]
    Off,
    /// Recording.
    On,
    /// Paused.
    Paused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    None,
    Handoff,
    EchoTest,
    TestTone,
}

#[derive(Debug, Clone)]
struct Attempt {
    group: String,
    index: usize,
    number: String,
    calling: CallingParty,
    /// The calling extension's own outbound number.
    own_number: Option<String>,
}

#[derive(Debug, Clone)]
struct Leg {
    call: CallId,
    state: LegState,
    origin: OriginClass,
    incoming: bool,
    timer: Option<Instant>,
    /// Outgoing leg: the leg to join when this one answers.
    waiting: Option<LegId>,
    attempt: Option<Attempt>,
    trunk: Option<String>,
    playing: bool,
    app: App,
    bridge: Option<BridgeId>,
    /// Click-to-dial: the number to route once this (outgoing) leg answers.
    then_dial: Option<String>,
    /// Sent on by the ACD/IVR (`Redirect`): if the new destination fails before answer,
    /// the leg goes back to them instead of being cleared.
    redirected: bool,
    /// Handed back to the ACD/IVR when its bridged peer hangs up (`PostCall`).
    post_call: bool,
    /// A supervisor's leg ([`Switch::monitor`]): the leg it monitors and how.
    monitor: Option<(LegId, MonitorMode)>,
}

#[derive(Debug, Clone)]
struct Bridge {
    legs: Vec<LegId>,
    /// Early media: bridged before the outgoing leg answered. Hold, transfer, conference
    /// and recording are refused on it; if either leg ends, only the bridge goes.
    early: bool,
    held_by: Option<LegId>,
    record: RecordState,
}

#[derive(Debug, Clone)]
struct Call {
    caller: LegId,
    start: Instant,
    answer: Option<Instant>,
    legs: Vec<LegId>,
    called: String,
    calling: CallingParty,
    target: Option<Target>,
    trunk: Option<String>,
    cause: Option<Cause>,
}

/// The switch (see the module docs).
#[derive(Debug)]
pub struct Switch {
    config: Config,
    next_leg: u32,
    next_call: u32,
    next_bridge: u32,
    reserved: BTreeSet<LegId>,
    legs: BTreeMap<LegId, Leg>,
    calls: BTreeMap<CallId, Call>,
    bridges: BTreeMap<BridgeId, Bridge>,
    alarms: BTreeSet<u16>,
    commands: VecDeque<Command>,
    events: VecDeque<(Instant, Event)>,
}

impl Switch {
    /// A switch with `config`.
    ///
    /// # Errors
    /// As [`Config::validate`].
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            next_leg: 1,
            next_call: 1,
            next_bridge: 1,
            reserved: BTreeSet::new(),
            legs: BTreeMap::new(),
            calls: BTreeMap::new(),
            bridges: BTreeMap::new(),
            alarms: BTreeSet::new(),
            commands: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// Replaces the configuration (live: calls in progress keep their legs; later routing
    /// uses the new plan).
    ///
    /// # Errors
    /// As [`Config::validate`]; the old configuration stays.
    pub fn reconfigure(&mut self, config: Config) -> Result<(), ConfigError> {
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Click-to-dial (CSTA MakeCall): rings extension `from` first; when it answers, it
    /// hears ringback while `to` is routed by the internal table as if `from` had dialled
    /// it. Returns the new call and the extension's leg.
    ///
    /// # Errors
    /// [`SwitchError::NoSuchExtension`] when `from` is not an extension; nothing changed.
    pub fn make_call(
        &mut self,
        now: Instant,
        from: &str,
        to: &str,
    ) -> Result<(CallId, LegId), SwitchError> {
        let ext = self
            .config
            .extension(from)
            .cloned()
            .ok_or(SwitchError::NoSuchExtension)?;
        let call = CallId(self.next_call);
        self.next_call = self.next_call.wrapping_add(1);
        let leg = LegId(self.next_leg);
        self.next_leg = self.next_leg.wrapping_add(1);
        let calling = CallingParty {
            number: Some(ext.name.clone()),
            presentation: crate::dialplan::Presentation::Allowed,
        };
        self.calls.insert(
            call,
            Call {
                caller: leg,
                start: now,
                answer: None,
                legs: vec![leg],
                called: to.to_owned(),
                calling: calling.clone(),
                target: None,
                trunk: None,
                cause: None,
            },
        );
        let mut l = new_leg(call, LegState::Calling, OriginClass::Extension, false);
        l.timer = Some(now + self.config.timers.no_response);
        l.then_dial = Some(to.to_owned());
        self.legs.insert(leg, l);
        let destination = Destination::Extension {
            name: ext.name,
            endpoint: ext.endpoint,
        };
        self.event(
            now,
            Event::CallStarted {
                call,
                leg,
                kind: ext.kind,
                endpoint: match &destination {
                    Destination::Extension { endpoint, .. } => endpoint.clone(),
                    Destination::Trunk { trunk, .. } => trunk.clone(),
                },
                origin: OriginClass::Extension,
                called: to.to_owned(),
                calling,
            },
        );
        self.event(
            now,
            Event::LegOriginated {
                call,
                leg,
                destination: destination.clone(),
            },
        );
        // The extension's phone shows who it will call.
        self.cmd(Command::Originate {
            leg,
            call,
            kind: ext.kind,
            destination,
            called: from.to_owned(),
            calling: CallingParty {
                number: Some(to.to_owned()),
                presentation: crate::dialplan::Presentation::Allowed,
            },
        });
        Ok((call, leg))
    }

    /// Supervisor monitoring (CSTA Single Step Conference, ECMA-269 §17.1.x): rings
    /// extension `supervisor`; when it answers, its leg joins the bridge of `target` (the
    /// agent's leg of a connected call) in `mode`. The new leg belongs to the monitored
    /// call (its CDR lists it). While it is there the bridge is mixed per listener
    /// ([`MediaCommand::Mix`]); [`Self::set_monitor_mode`] changes the mode mid-call; the
    /// supervisor's hang-up leaves the call as it was; when the monitored call ends (a
    /// party hangs up, a transfer or conference takes the bridge down) the supervisor's leg
    /// is cleared with it. Returns the supervisor's leg.
    ///
    /// # Errors
    /// [`SwitchError::NoSuchExtension`] when `supervisor` is not an extension;
    /// [`SwitchError::NotBridged`] when `target` is not a party of an answered bridge;
    /// nothing changed then.
    pub fn monitor(
        &mut self,
        now: Instant,
        supervisor: &str,
        target: LegId,
        mode: MonitorMode,
    ) -> Result<LegId, SwitchError> {
        let ext = self
            .config
            .extension(supervisor)
            .cloned()
            .ok_or(SwitchError::NoSuchExtension)?;
        let t = self.live(target)?;
        let ok = t.monitor.is_none()
            && t.bridge
                .and_then(|b| self.bridges.get(&b))
                .is_some_and(|b| !b.early);
        if !ok {
            return Err(SwitchError::NotBridged(target));
        }
        let call = t.call;
        let calling = self.calls[&call].calling.clone();
        let destination = Destination::Extension {
            name: ext.name.clone(),
            endpoint: ext.endpoint,
        };
        Ok(
            self.originate_leg(now, call, ext.kind, destination, ext.name, calling, |l| {
                l.monitor = Some((target, mode));
            }),
        )
    }

    /// Changes the mode of a supervisor's leg (ringing or already in the monitored call),
    /// e.g. listen → whisper → barge.
    ///
    /// # Errors
    /// [`SwitchError::NotMonitoring`] when `leg` is not a live supervisor's leg; nothing
    /// changed then.
    pub fn set_monitor_mode(
        &mut self,
        now: Instant,
        leg: LegId,
        mode: MonitorMode,
    ) -> Result<(), SwitchError> {
        let l = self
            .live(leg)
            .map_err(|_| SwitchError::NotMonitoring(leg))?;
        let Some((target, _)) = l.monitor else {
            return Err(SwitchError::NotMonitoring(leg));
        };
        let (call, bridge) = (l.call, l.bridge);
        self.leg_mut(leg).monitor = Some((target, mode));
        if let Some(b) = bridge {
            if self.bridges[&b].held_by.is_none() {
                let m = self.bridge_media(b);
                self.media(m);
            }
            self.event(
                now,
                Event::Monitoring {
                    call,
                    bridge: b,
                    leg,
                    target,
                    mode,
                },
            );
        }
        Ok(())
    }

    /// The monitored leg and mode of a supervisor's leg.
    #[must_use]
    pub fn monitor_of(&self, leg: LegId) -> Option<(LegId, MonitorMode)> {
        self.legs
            .get(&leg)
            .filter(|l| l.state != LegState::Ended)
            .and_then(|l| l.monitor)
    }

    /// A fresh leg id for an [`LegEvent::Incoming`].
    pub fn allocate_leg(&mut self) -> LegId {
        let id = LegId(self.next_leg);
        self.next_leg = self.next_leg.wrapping_add(1);
        self.reserved.insert(id);
        id
    }

    /// The next command for a leg or the media thread. Drain after every input and timeout.
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The next event for the event log, with when it happened. Drain after every input
    /// and timeout.
    pub fn poll_event(&mut self) -> Option<(Instant, Event)> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.legs.values().filter_map(|l| l.timer).min()
    }

    /// The state of a leg still known to the switch.
    #[must_use]
    pub fn leg_state(&self, leg: LegId) -> Option<LegState> {
        self.legs.get(&leg).map(|l| l.state)
    }

    /// The call a leg belongs to.
    #[must_use]
    pub fn call_of(&self, leg: LegId) -> Option<CallId> {
        self.legs.get(&leg).map(|l| l.call)
    }

    /// The bridges and their legs.
    pub fn bridges(&self) -> impl Iterator<Item = (BridgeId, &[LegId])> {
        self.bridges.iter().map(|(id, b)| (*id, b.legs.as_slice()))
    }

    /// The bridge a leg is in.
    #[must_use]
    pub fn bridge_of(&self, leg: LegId) -> Option<BridgeId> {
        self.legs.get(&leg).and_then(|l| l.bridge)
    }

    /// Calls in progress.
    #[must_use]
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// Legs not yet ended.
    #[must_use]
    pub fn live_legs(&self) -> Vec<LegId> {
        self.legs
            .iter()
            .filter(|(_, l)| l.state != LegState::Ended)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Handles expired timers: an outgoing leg that does not alert within
    /// [`crate::dialplan::Timers::no_response`] is cleared with #18, one that alerts
    /// longer than `no_answer` with #19.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<(LegId, LegState)> = self
            .legs
            .iter()
            .filter(|(_, l)| l.timer.is_some_and(|t| t <= now))
            .map(|(id, l)| (*id, l.state))
            .collect();
        for (leg, state) in due {
            let cause = if state == LegState::Alerting {
                Cause::NO_ANSWER
            } else {
                Cause::NO_USER_RESPONDING
            };
            self.hangup(now, leg, cause, true);
        }
        self.finish_calls(now);
    }

    /// Handles one event from a channel.
    ///
    /// # Errors
    /// [`SwitchError`] when the event does not fit; nothing changed then.
    pub fn handle_input(&mut self, now: Instant, input: LegEvent) -> Result<(), SwitchError> {
        let r = self.input(now, input);
        self.finish_calls(now);
        r
    }

    fn input(&mut self, now: Instant, input: LegEvent) -> Result<(), SwitchError> {
        match input {
            LegEvent::Incoming {
                leg,
                kind,
                endpoint,
                origin,
                called,
                calling,
            } => {
                if !self.reserved.remove(&leg) {
                    return Err(SwitchError::LegNotAllocated(leg));
                }
                // An extension that withholds its number by default (CLIR).
                let mut calling = calling;
                if origin == OriginClass::Extension
                    && let Some(e) = calling
                        .number
                        .as_deref()
                        .and_then(|n| self.config.extension(n))
                    && e.caller_id.presentation == crate::dialplan::Presentation::Restricted
                {
                    calling.presentation = crate::dialplan::Presentation::Restricted;
                }
                let call = CallId(self.next_call);
                self.next_call = self.next_call.wrapping_add(1);
                self.calls.insert(
                    call,
                    Call {
                        caller: leg,
                        start: now,
                        answer: None,
                        legs: vec![leg],
                        called: called.clone(),
                        calling: calling.clone(),
                        target: None,
                        trunk: None,
                        cause: None,
                    },
                );
                self.legs
                    .insert(leg, new_leg(call, LegState::Offered, origin, true));
                self.event(
                    now,
                    Event::CallStarted {
                        call,
                        leg,
                        kind,
                        endpoint,
                        origin,
                        called: called.clone(),
                        calling: calling.clone(),
                    },
                );
                self.route_leg(now, leg, origin, &called, calling);
                Ok(())
            }
            LegEvent::Alerting { leg } => {
                let l = self.live(leg)?;
                match l.state {
                    LegState::Calling => {}
                    LegState::Alerting => return Ok(()),
                    state => return Err(SwitchError::WrongState { leg, state }),
                }
                let waiting = l.waiting;
                let deadline = now + self.config.timers.no_answer;
                let l = self.leg_mut(leg);
                l.state = LegState::Alerting;
                l.timer = Some(deadline);
                self.event(now, Event::LegAlerting { leg });
                if let Some(w) = waiting {
                    match self.legs.get(&w).map(|x| x.state) {
                        Some(LegState::Offered) => self.cmd(Command::Alert { leg: w }),
                        Some(LegState::Answered) => self.play(w, Source::Tone(ToneKind::Ringback)),
                        _ => {}
                    }
                }
                Ok(())
            }
            LegEvent::Progress { leg } => {
                let l = self.live(leg)?;
                if l.incoming || !matches!(l.state, LegState::Calling | LegState::Alerting) {
                    return Err(SwitchError::WrongState {
                        leg,
                        state: l.state,
                    });
                }
                let Some(w) = l.waiting else {
                    return Ok(());
                };
                if l.bridge.is_some() || self.legs.get(&w).is_none_or(|x| x.bridge.is_some()) {
                    return Ok(());
                }
                if self.legs[&w].state == LegState::Offered {
                    self.cmd(Command::Progress { leg: w });
                }
                self.stop_play(w);
                let b = self.new_bridge(now, vec![w, leg]);
                self.bridges.get_mut(&b).expect("bridge").early = true;
                Ok(())
            }
            LegEvent::Answered { leg } => {
                let l = self.live(leg)?;
                if l.incoming || !matches!(l.state, LegState::Calling | LegState::Alerting) {
                    return Err(SwitchError::WrongState {
                        leg,
                        state: l.state,
                    });
                }
                let waiting = l.waiting;
                let l = self.leg_mut(leg);
                l.state = LegState::Answered;
                l.timer = None;
                l.waiting = None;
                let then_dial = l.then_dial.take();
                let call = l.call;
                let monitor = l.monitor;
                self.event(now, Event::LegAnswered { leg });
                if let Some((target, mode)) = monitor {
                    self.join_monitor(now, leg, target, mode);
                }
                if let Some(number) = then_dial {
                    self.calls
                        .get_mut(&call)
                        .expect("call")
                        .answer
                        .get_or_insert(now);
                    let calling = self.calls[&call].calling.clone();
                    self.route_leg(now, leg, OriginClass::Extension, &number, calling);
                }
                if let Some(w) = waiting {
                    self.leg_mut(w).redirected = false;
                    // A forked call: the other destinations still ringing for `w` lost.
                    let losers: Vec<LegId> = self.ringing_for(w).filter(|o| *o != leg).collect();
                    for o in losers {
                        self.leg_mut(o).waiting = None;
                        self.hangup(now, o, Cause::NON_SELECTED_USER_CLEARING, true);
                    }
                    self.answer_leg(now, w);
                    self.stop_play(w);
                    match self.legs[&leg].bridge {
                        // Early media already joined them: the bridge simply stays.
                        Some(b) => {
                            if let Some(br) = self.bridges.get_mut(&b) {
                                br.early = false;
                            }
                        }
                        None => {
                            self.new_bridge(now, vec![w, leg]);
                        }
                    }
                }
                Ok(())
            }
            LegEvent::Digits { leg, digits } => {
                let l = self.live(leg)?;
                if l.app == App::EchoTest {
                    self.cmd(Command::SendDigits {
                        leg,
                        digits: digits.clone(),
                    });
                }
                self.event(now, Event::Digits { leg, digits });
                Ok(())
            }
            LegEvent::Hold { leg } => {
                let b = self.two_party(leg)?;
                if self.bridges[&b].held_by.is_some() {
                    return Err(SwitchError::HoldState(leg));
                }
                let peer = self.peer(b, leg);
                self.bridges.get_mut(&b).expect("bridge").held_by = Some(leg);
                self.media(MediaCommand::Unbridge { bridge: b });
                self.play(peer, Source::MusicOnHold);
                self.event(now, Event::Held { leg });
                Ok(())
            }
            LegEvent::Resume { leg } => {
                let b = self.live(leg)?.bridge.ok_or(SwitchError::NotBridged(leg))?;
                if self.bridges[&b].held_by != Some(leg) {
                    return Err(SwitchError::HoldState(leg));
                }
                let br = self.bridges.get_mut(&b).expect("bridge");
                br.held_by = None;
                let legs = br.legs.clone();
                for &o in legs.iter().filter(|&&o| o != leg) {
                    self.stop_play(o);
                }
                let m = self.bridge_media(b);
                self.media(m);
                self.event(now, Event::Resumed { leg });
                Ok(())
            }
            LegEvent::BlindTransfer { leg, to } => {
                let b = self.two_party(leg)?;
                let origin = self.legs[&leg].origin;
                let peer = self.peer(b, leg);
                let call = self.legs[&peer].call;
                let route = match self.config.route(origin, &to) {
                    Ok(r) => r,
                    Err(reason) => {
                        self.event(now, Event::Denied { call, leg, reason });
                        self.cmd(Command::TransferFailed {
                            leg,
                            cause: reason.cause(),
                        });
                        return Ok(());
                    }
                };
                self.remove_bridge(now, b);
                self.stop_play(peer);
                self.hangup(now, leg, Cause::NORMAL_CLEARING, true);
                self.event(
                    now,
                    Event::Transferred {
                        call,
                        by: leg,
                        kind: TransferKind::Blind,
                    },
                );
                let calling = self.calls[&call].calling.clone();
                self.event(
                    now,
                    Event::Routed {
                        call,
                        leg: peer,
                        route: route.clone(),
                    },
                );
                self.connect(now, peer, route, calling);
                Ok(())
            }
            LegEvent::AttendedTransfer { leg, consultation } => {
                let (b1, held, b2, far) = self.consult_pair(leg, consultation)?;
                let call = self.legs[&held].call;
                self.remove_bridge(now, b1);
                self.stop_play(held);
                if let Some(b2) = b2 {
                    self.remove_bridge(now, b2);
                }
                self.move_to_call(far, call);
                let far_answered = self.legs[&far].state == LegState::Answered;
                if far_answered {
                    self.new_bridge(now, vec![held, far]);
                } else {
                    self.leg_mut(far).waiting = Some(held);
                    self.play(held, Source::Tone(ToneKind::Ringback));
                }
                self.hangup(now, leg, Cause::NORMAL_CLEARING, true);
                self.hangup(now, consultation, Cause::NORMAL_CLEARING, true);
                self.event(
                    now,
                    Event::Transferred {
                        call,
                        by: leg,
                        kind: TransferKind::Attended,
                    },
                );
                Ok(())
            }
            LegEvent::Conference { leg, consultation } => {
                let (b1, held, b2, far) = self.consult_pair(leg, consultation)?;
                let state = self.legs[&far].state;
                let Some(b2) = b2.filter(|_| state == LegState::Answered) else {
                    return Err(SwitchError::WrongState { leg: far, state });
                };
                let call = self.legs[&leg].call;
                self.remove_bridge(now, b1);
                self.remove_bridge(now, b2);
                self.stop_play(held);
                self.move_to_call(far, call);
                self.hangup(now, consultation, Cause::NORMAL_CLEARING, true);
                let bridge = self.new_bridge(now, vec![leg, held, far]);
                self.event(
                    now,
                    Event::Conferenced {
                        bridge,
                        legs: vec![leg, held, far],
                    },
                );
                Ok(())
            }
            LegEvent::Record { leg, action } => {
                let b = self.live(leg)?.bridge.ok_or(SwitchError::NotBridged(leg))?;
                if self.bridges[&b].early {
                    return Err(SwitchError::NotBridged(leg));
                }
                let call = self.legs[&leg].call;
                let br = self.bridges.get_mut(&b).expect("bridge");
                let next = match (br.record, action) {
                    (RecordState::Off, RecordAction::Start) => RecordState::On,
                    (RecordState::On | RecordState::Paused, RecordAction::Stop) => RecordState::Off,
                    (RecordState::On, RecordAction::Pause) => RecordState::Paused,
                    (RecordState::Paused, RecordAction::Resume) => RecordState::On,
                    (state, action) => return Err(SwitchError::Recording { state, action }),
                };
                br.record = next;
                let legs = br.legs.clone();
                self.media(MediaCommand::Record {
                    bridge: b,
                    legs,
                    action,
                });
                self.event(
                    now,
                    Event::Recording {
                        call,
                        bridge: b,
                        action,
                    },
                );
                Ok(())
            }
            LegEvent::Redirect { leg, to } => {
                let l = self.live(leg)?;
                if l.app != App::Handoff && !l.redirected {
                    return Err(SwitchError::NotHandedOff(leg));
                }
                let call = l.call;
                let calling = self.calls[&call].calling.clone();
                match self.config.route(OriginClass::Extension, &to) {
                    Ok(route) => {
                        self.event(
                            now,
                            Event::Routed {
                                call,
                                leg,
                                route: route.clone(),
                            },
                        );
                        let l = self.leg_mut(leg);
                        l.app = App::None;
                        l.redirected = true;
                        self.connect(now, leg, route, calling);
                    }
                    Err(reason) => {
                        self.event(now, Event::Denied { call, leg, reason });
                        // A refused fork leaves the destinations already ringing alone.
                        self.event(
                            now,
                            Event::RedirectFailed {
                                call,
                                leg,
                                cause: reason.cause(),
                            },
                        );
                    }
                }
                Ok(())
            }
            LegEvent::Hangup { leg, cause } => {
                match self.legs.get(&leg) {
                    None => return Err(SwitchError::UnknownLeg(leg)),
                    Some(l) if l.state == LegState::Ended => return Ok(()),
                    Some(_) => {}
                }
                self.hangup(now, leg, cause, false);
                Ok(())
            }
            LegEvent::PostCall { leg } => {
                self.live(leg)?;
                self.leg_mut(leg).post_call = true;
                Ok(())
            }
            LegEvent::PromptFinished { leg } => {
                self.live(leg)?;
                Ok(())
            }
            LegEvent::SpanAlarm { span, alarm } => {
                let changed = if alarm {
                    self.alarms.insert(span)
                } else {
                    self.alarms.remove(&span)
                };
                if changed {
                    self.event(now, Event::SpanAlarm { span, alarm });
                }
                Ok(())
            }
        }
    }

    // ---- routing ----

    fn route_leg(
        &mut self,
        now: Instant,
        leg: LegId,
        origin: OriginClass,
        number: &str,
        calling: CallingParty,
    ) {
        let call = self.legs[&leg].call;
        match self.config.route(origin, number) {
            Ok(route) => {
                self.calls.get_mut(&call).expect("call").target = Some(route.target.clone());
                self.event(
                    now,
                    Event::Routed {
                        call,
                        leg,
                        route: route.clone(),
                    },
                );
                self.connect(now, leg, route, calling);
            }
            Err(reason) => {
                self.event(now, Event::Denied { call, leg, reason });
                self.hangup(now, leg, reason.cause(), true);
            }
        }
    }

    /// The extension a call from `leg` comes from: an extension-class leg whose calling
    /// number is an extension's name.
    fn calling_extension(
        &self,
        leg: LegId,
        calling: &CallingParty,
    ) -> Option<&crate::dialplan::Extension> {
        if self.legs.get(&leg)?.origin != OriginClass::Extension {
            return None;
        }
        self.config.extension(calling.number.as_deref()?)
    }

    /// Connects `leg` (incoming, or answered and free) to a routed target.
    fn connect(&mut self, now: Instant, leg: LegId, route: Route, calling: CallingParty) {
        let call = self.legs[&leg].call;
        if self.legs[&leg].state == LegState::Answered {
            self.play(leg, Source::Tone(ToneKind::Ringback));
        }
        match route.target {
            Target::Extension(name) => {
                let Some(ext) = self.config.extension(&name).cloned() else {
                    self.fail_waiting(now, leg, Cause::UNALLOCATED_NUMBER);
                    return;
                };
                let calling = match calling.presentation {
                    crate::dialplan::Presentation::Restricted => CallingParty {
                        number: None,
                        presentation: calling.presentation,
                    },
                    crate::dialplan::Presentation::Allowed => calling,
                };
                self.originate(
                    now,
                    call,
                    leg,
                    ext.kind,
                    Destination::Extension {
                        name: ext.name,
                        endpoint: ext.endpoint,
                    },
                    route.number,
                    calling,
                    None,
                );
            }
            Target::TrunkGroup(group) => {
                let own_number = self
                    .calling_extension(leg, &calling)
                    .and_then(|e| e.caller_id.outbound_number.clone());
                let attempt = Attempt {
                    group,
                    index: 0,
                    number: route.number,
                    calling,
                    own_number,
                };
                self.try_trunks(now, call, leg, attempt);
            }
            Target::Queue(_) | Target::Ivr(_) => {
                self.stop_play(leg);
                self.answer_leg(now, leg);
                let l = self.leg_mut(leg);
                l.app = App::Handoff;
                l.redirected = false;
                self.event(
                    now,
                    Event::Handoff {
                        call,
                        leg,
                        target: route.target,
                    },
                );
            }
            Target::EchoTest => {
                self.answer_leg(now, leg);
                self.leg_mut(leg).app = App::EchoTest;
                self.play(leg, Source::EchoTest);
            }
            Target::TestTone => {
                self.answer_leg(now, leg);
                self.leg_mut(leg).app = App::TestTone;
                self.play(leg, Source::TestTone);
            }
            Target::DialedExtension | Target::Reject(_) => {
                // `Config::route` never returns these.
                self.hangup(now, leg, Cause::UNALLOCATED_NUMBER, true);
            }
        }
    }

    /// Tries the members of a trunk group from `attempt.index` on.
    fn try_trunks(&mut self, now: Instant, call: CallId, waiting: LegId, mut attempt: Attempt) {
        let members = self
            .config
            .trunk_group(&attempt.group)
            .map(|g| g.members.clone())
            .unwrap_or_default();
        while let Some(name) = members.get(attempt.index) {
            let Some(trunk) = self.config.trunk(name).cloned() else {
                attempt.index += 1;
                continue;
            };
            if let Some(span) = trunk.span.filter(|s| self.alarms.contains(s)) {
                self.event(
                    now,
                    Event::TrunkSkipped {
                        call,
                        trunk: trunk.name.clone(),
                        span,
                    },
                );
                attempt.index += 1;
                continue;
            }
            let calling = trunk
                .caller_id
                .apply_with(&attempt.calling, attempt.own_number.as_deref());
            self.calls.get_mut(&call).expect("call").trunk = Some(trunk.name.clone());
            let number = attempt.number.clone();
            self.originate(
                now,
                call,
                waiting,
                trunk.kind,
                Destination::Trunk {
                    trunk: trunk.name.clone(),
                    span: trunk.span,
                },
                number,
                calling,
                Some(attempt),
            );
            return;
        }
        self.fail_waiting(now, waiting, Cause::NO_CIRCUIT_AVAILABLE);
    }

    /// A leg waiting for a destination that cannot be reached: back to the ACD/IVR if they
    /// sent it, else cleared.
    fn fail_waiting(&mut self, now: Instant, leg: LegId, cause: Cause) {
        if self.legs.get(&leg).is_some_and(|l| l.redirected) {
            self.redirect_failed(now, leg, cause);
        } else {
            self.hangup(now, leg, cause, true);
        }
    }

    /// The legs still calling out on behalf of `w` (the forks of a redirect, a trunk attempt,
    /// a consultation's called party): not ended, `waiting` on `w`.
    fn ringing_for(&self, w: LegId) -> impl Iterator<Item = LegId> + '_ {
        self.legs
            .iter()
            .filter(move |(_, x)| x.waiting == Some(w) && x.state != LegState::Ended)
            .map(|(id, _)| *id)
    }

    fn redirect_failed(&mut self, now: Instant, leg: LegId, cause: Cause) {
        let call = self.legs[&leg].call;
        if self.ringing_for(leg).next().is_some() {
            // One fork of several could not be placed: the others still ring.
            self.event(now, Event::RedirectFailed { call, leg, cause });
            return;
        }
        self.stop_play(leg);
        let l = self.leg_mut(leg);
        l.redirected = false;
        l.app = App::Handoff;
        let call = l.call;
        self.event(now, Event::RedirectFailed { call, leg, cause });
    }

    #[allow(clippy::too_many_arguments)]
    fn originate(
        &mut self,
        now: Instant,
        call: CallId,
        waiting: LegId,
        kind: ChannelKind,
        destination: Destination,
        called: String,
        calling: CallingParty,
        attempt: Option<Attempt>,
    ) {
        let trunk = match &destination {
            Destination::Trunk { trunk, .. } => Some(trunk.clone()),
            Destination::Extension { .. } => None,
        };
        self.originate_leg(now, call, kind, destination, called, calling, |l| {
            l.waiting = Some(waiting);
            l.trunk = trunk;
            l.attempt = attempt;
        });
    }

    /// Adds a leg calling out in `call` (state `Calling`, the no-response timer running),
    /// logs it and asks the daemon to originate it; `fill` sets what the caller of this
    /// needs on the leg (the leg it answers for, the trunk attempt, the monitored leg).
    #[allow(clippy::too_many_arguments)]
    fn originate_leg(
        &mut self,
        now: Instant,
        call: CallId,
        kind: ChannelKind,
        destination: Destination,
        called: String,
        calling: CallingParty,
        fill: impl FnOnce(&mut Leg),
    ) -> LegId {
        let leg = LegId(self.next_leg);
        self.next_leg = self.next_leg.wrapping_add(1);
        let mut l = new_leg(call, LegState::Calling, OriginClass::Extension, false);
        l.timer = Some(now + self.config.timers.no_response);
        fill(&mut l);
        self.legs.insert(leg, l);
        self.calls.get_mut(&call).expect("call").legs.push(leg);
        self.event(
            now,
            Event::LegOriginated {
                call,
                leg,
                destination: destination.clone(),
            },
        );
        self.cmd(Command::Originate {
            leg,
            call,
            kind,
            destination,
            called,
            calling,
        });
        leg
    }

    // ---- clearing ----

    /// Ends `leg` (sending `Hangup` when `notify`) and everything that depends on it.
    fn hangup(&mut self, now: Instant, leg: LegId, cause: Cause, notify: bool) {
        let mut work = VecDeque::from([(leg, cause, notify)]);
        while let Some((leg, cause, notify)) = work.pop_front() {
            let Some(l) = self.legs.get_mut(&leg) else {
                continue;
            };
            if l.state == LegState::Ended {
                continue;
            }
            let was = l.state;
            l.state = LegState::Ended;
            l.timer = None;
            let (call, waiting, attempt, bridge, trunk) = (
                l.call,
                l.waiting.take(),
                l.attempt.take(),
                l.bridge,
                l.trunk.clone(),
            );
            if notify {
                self.cmd(Command::Hangup { leg, cause });
            }
            let c = self.calls.get_mut(&call).expect("call");
            c.cause.get_or_insert(cause);
            self.event(now, Event::LegEnded { leg, cause });
            // Its bridge: the others of a two-party bridge are cleared; a conference
            // carries on with the rest.
            if let Some(b) = bridge.filter(|b| self.bridges.get(b).is_some_and(|x| x.early)) {
                // Early media only: the other leg's fate is decided below (failover, or
                // its dependents), not by the bridge.
                self.remove_bridge(now, b);
            } else if let Some(b) = bridge {
                let others: Vec<LegId> = self.bridges[&b]
                    .legs
                    .iter()
                    .copied()
                    .filter(|&o| o != leg)
                    .collect();
                // Supervisors' legs do not keep a call up: count the parties.
                let parties = others.iter().filter(|o| !self.is_monitor(**o)).count();
                if parties >= 2 {
                    let br = self.bridges.get_mut(&b).expect("bridge");
                    br.legs.retain(|&o| o != leg);
                    if br.held_by == Some(leg) {
                        br.held_by = None;
                    }
                    if br.held_by.is_none() {
                        let m = self.bridge_media(b);
                        self.media(m);
                    }
                } else {
                    self.remove_bridge(now, b);
                    for o in others {
                        if let Some(x) = self.legs.get_mut(&o)
                            && x.post_call
                            && x.state == LegState::Answered
                        {
                            // Back to the application (post-call survey), not cleared.
                            x.post_call = false;
                            x.app = App::Handoff;
                            let call = x.call;
                            self.stop_play(o);
                            self.event(now, Event::HandedBack { call, leg: o });
                        } else {
                            work.push_back((o, Cause::NORMAL_CLEARING, true));
                        }
                    }
                }
            }
            // Outgoing legs ringing on its behalf are cancelled.
            let dependents: Vec<LegId> = self
                .legs
                .iter()
                .filter(|(_, x)| {
                    x.state != LegState::Ended
                        && (x.waiting == Some(leg)
                            || (x.bridge.is_none() && x.monitor.is_some_and(|(t, _)| t == leg)))
                })
                .map(|(id, _)| *id)
                .collect();
            for d in dependents {
                self.leg_mut(d).waiting = None;
                work.push_back((d, Cause::NORMAL_CLEARING, true));
            }
            // An unanswered outgoing leg: fail over, or pass the cause back.
            if let Some(w) = waiting
                && was != LegState::Answered
                && self
                    .legs
                    .get(&w)
                    .is_some_and(|x| x.state != LegState::Ended)
            {
                match attempt {
                    Some(mut a) if cause.is_reroute() => {
                        self.event(
                            now,
                            Event::TrunkFailover {
                                call,
                                trunk: trunk.unwrap_or_default(),
                                cause,
                            },
                        );
                        a.index += 1;
                        self.try_trunks(now, call, w, a);
                    }
                    // A forked call: the others still ring.
                    _ if self.legs[&w].redirected && self.ringing_for(w).next().is_some() => {}
                    _ if self.legs[&w].redirected => self.redirect_failed(now, w, cause),
                    _ => {
                        self.stop_play(w);
                        work.push_back((w, cause, true));
                    }
                }
            }
        }
    }

    /// Emits the CDR of every call whose legs have all ended, and forgets it.
    fn finish_calls(&mut self, now: Instant) {
        let done: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.legs
                    .iter()
                    .all(|l| self.legs.get(l).is_none_or(|x| x.state == LegState::Ended))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in done {
            let c = self.calls.remove(&id).expect("call");
            for l in &c.legs {
                // A leg moved to another call by a transfer stays with that call.
                if self.legs.get(l).is_some_and(|x| x.call == id) {
                    self.legs.remove(l);
                }
            }
            let ring = c.answer.unwrap_or(now) - c.start;
            let talk = c.answer.map_or(Duration::ZERO, |a| now - a);
            self.event(
                now,
                Event::Cdr(Cdr {
                    call: id,
                    caller_leg: c.caller,
                    calling: c.calling,
                    called: c.called,
                    target: c.target,
                    trunk: c.trunk,
                    start: c.start,
                    answer: c.answer,
                    end: now,
                    cause: c.cause.unwrap_or(Cause::NORMAL_CLEARING),
                    legs: c.legs,
                    ring,
                    talk,
                }),
            );
        }
    }

    // ---- helpers ----

    fn live(&self, leg: LegId) -> Result<&Leg, SwitchError> {
        match self.legs.get(&leg) {
            None => Err(SwitchError::UnknownLeg(leg)),
            Some(l) if l.state == LegState::Ended => Err(SwitchError::WrongState {
                leg,
                state: LegState::Ended,
            }),
            Some(l) => Ok(l),
        }
    }

    fn leg_mut(&mut self, leg: LegId) -> &mut Leg {
        self.legs.get_mut(&leg).expect("known leg")
    }

    /// The two-party bridge of `leg` (supervisors' legs monitoring it not counted).
    fn two_party(&self, leg: LegId) -> Result<BridgeId, SwitchError> {
        let l = self.live(leg)?;
        let b = l.bridge.ok_or(SwitchError::NotBridged(leg))?;
        let br = &self.bridges[&b];
        let parties = br.legs.iter().filter(|o| !self.is_monitor(**o)).count();
        if parties == 2 && !br.early && l.monitor.is_none() {
            Ok(b)
        } else {
            Err(SwitchError::NotBridged(leg))
        }
    }

    fn peer(&self, b: BridgeId, leg: LegId) -> LegId {
        self.bridges[&b]
            .legs
            .iter()
            .copied()
            .find(|&o| o != leg && !self.is_monitor(o))
            .unwrap_or(leg)
    }

    fn is_monitor(&self, leg: LegId) -> bool {
        self.legs.get(&leg).is_some_and(|l| l.monitor.is_some())
    }

    /// The media command joining a bridge's legs: a plain `Bridge`, or a `Mix` with each
    /// member's part while supervisors are in it.
    fn bridge_media(&self, b: BridgeId) -> MediaCommand {
        let legs = self.bridges[&b].legs.clone();
        if !legs.iter().any(|&l| self.is_monitor(l)) {
            return MediaCommand::Bridge { bridge: b, legs };
        }
        let members = legs
            .into_iter()
            .map(|l| {
                let part = match self.legs.get(&l).and_then(|x| x.monitor) {
                    None | Some((_, MonitorMode::Barge)) => Member::Party,
                    Some((_, MonitorMode::Listen)) => Member::Listen,
                    Some((t, MonitorMode::Whisper)) => Member::Whisper(t),
                };
                (l, part)
            })
            .collect();
        MediaCommand::Mix { bridge: b, members }
    }

    /// A supervisor's leg answered: it joins its target's bridge, or is cleared if that
    /// call is gone meanwhile.
    fn join_monitor(&mut self, now: Instant, leg: LegId, target: LegId, mode: MonitorMode) {
        let b = self
            .legs
            .get(&target)
            .filter(|t| t.state != LegState::Ended)
            .and_then(|t| t.bridge)
            .filter(|b| self.bridges.get(b).is_some_and(|x| !x.early));
        let Some(b) = b else {
            self.hangup(now, leg, Cause::NORMAL_CLEARING, true);
            return;
        };
        self.stop_play(leg);
        let l = self.leg_mut(leg);
        l.bridge = Some(b);
        l.app = App::None;
        let call = l.call;
        let br = self.bridges.get_mut(&b).expect("bridge");
        br.legs.push(leg);
        if br.held_by.is_none() {
            let m = self.bridge_media(b);
            self.media(m);
        }
        self.event(
            now,
            Event::Monitoring {
                call,
                bridge: b,
                leg,
                target,
                mode,
            },
        );
    }

    /// For attended transfer and conference: `leg` must hold a two-party bridge
    /// (returns it and the held party); `consultation` is either in a two-party bridge
    /// (returns it and the far party) or has an outgoing leg ringing for it.
    #[allow(clippy::type_complexity)]
    fn consult_pair(
        &self,
        leg: LegId,
        consultation: LegId,
    ) -> Result<(BridgeId, LegId, Option<BridgeId>, LegId), SwitchError> {
        if leg == consultation {
            return Err(SwitchError::SameLeg);
        }
        let b1 = self.two_party(leg)?;
        if self.bridges[&b1].held_by != Some(leg) {
            return Err(SwitchError::HoldState(leg));
        }
        let held = self.peer(b1, leg);
        let c = self.live(consultation)?;
        if let Some(b2) = c.bridge.filter(|b| !self.bridges[b].early) {
            let b2 = self.two_party(consultation).map(|_| b2)?;
            if self.bridges[&b2].held_by.is_some() {
                return Err(SwitchError::HoldState(consultation));
            }
            return Ok((b1, held, Some(b2), self.peer(b2, consultation)));
        }
        let ringing = self
            .ringing_for(consultation)
            .next()
            .ok_or(SwitchError::NotBridged(consultation))?;
        // An early-media bridge of the consultation call goes with it.
        Ok((b1, held, c.bridge, ringing))
    }

    fn move_to_call(&mut self, leg: LegId, call: CallId) {
        let old = self.legs[&leg].call;
        if old == call {
            return;
        }
        self.leg_mut(leg).call = call;
        let old_answer = self.calls.get(&old).and_then(|c| c.answer);
        if let Some(o) = self.calls.get_mut(&old) {
            o.legs.retain(|&l| l != leg);
        }
        let c = self.calls.get_mut(&call).expect("call");
        c.legs.push(leg);
        if c.answer.is_none() {
            c.answer = old_answer;
        }
    }

    fn answer_leg(&mut self, now: Instant, leg: LegId) {
        let l = self.leg_mut(leg);
        if l.state == LegState::Offered {
            l.state = LegState::Answered;
            let call = l.call;
            self.cmd(Command::Answer { leg });
            self.event(now, Event::LegAnswered { leg });
            let c = self.calls.get_mut(&call).expect("call");
            c.answer.get_or_insert(now);
        }
    }

    fn new_bridge(&mut self, now: Instant, legs: Vec<LegId>) -> BridgeId {
        let id = BridgeId(self.next_bridge);
        self.next_bridge = self.next_bridge.wrapping_add(1);
        for &l in &legs {
            debug_assert!(self.legs[&l].bridge.is_none(), "leg {l:?} double-booked");
            self.leg_mut(l).bridge = Some(id);
            self.leg_mut(l).app = App::None;
        }
        self.bridges.insert(
            id,
            Bridge {
                legs: legs.clone(),
                held_by: None,
                early: false,
                record: RecordState::Off,
            },
        );
        self.media(MediaCommand::Bridge {
            bridge: id,
            legs: legs.clone(),
        });
        self.event(now, Event::Bridged { bridge: id, legs });
        id
    }

    fn remove_bridge(&mut self, now: Instant, b: BridgeId) {
        if let Some(br) = self.bridges.remove(&b) {
            let mut monitors = Vec::new();
            for l in br.legs {
                if let Some(x) = self.legs.get_mut(&l) {
                    x.bridge = None;
                    if x.monitor.is_some() {
                        monitors.push(l);
                    }
                }
            }
            self.media(MediaCommand::Unbridge { bridge: b });
            self.event(now, Event::Unbridged { bridge: b });
            // Supervisors monitoring a call that is taken apart leave with it.
            for l in monitors {
                self.hangup(now, l, Cause::NORMAL_CLEARING, true);
            }
        }
    }

    fn play(&mut self, leg: LegId, source: Source) {
        self.leg_mut(leg).playing = true;
        self.media(MediaCommand::Play { leg, source });
    }

    fn stop_play(&mut self, leg: LegId) {
        if let Some(l) = self.legs.get_mut(&leg)
            && l.playing
        {
            l.playing = false;
            self.media(MediaCommand::StopPlay { leg });
        }
    }

    fn cmd(&mut self, c: Command) {
        self.commands.push_back(c);
    }

    fn media(&mut self, m: MediaCommand) {
        self.commands.push_back(Command::Media(m));
    }

    fn event(&mut self, now: Instant, e: Event) {
        self.events.push_back((now, e));
    }
}

fn new_leg(call: CallId, state: LegState, origin: OriginClass, incoming: bool) -> Leg {
    Leg {
        call,
        state,
        origin,
        incoming,
        timer: None,
        waiting: None,
        attempt: None,
        trunk: None,
        playing: false,
        app: App::None,
        bridge: None,
        then_dial: None,
        redirected: false,
        post_call: false,
        monitor: None,
    }
}
