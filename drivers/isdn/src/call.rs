//! # Q.931 call control for PRI (ETSI EN 300 403-1), NT and TE roles, sans-IO
//!
//! [`Calls`] is the layer 3 call-control state machine of one D-channel. Its input is what
//! the data link delivers ([`Input::Data`] for DL-DATA indications, [`Input::LinkUp`] /
//! [`Input::LinkDown`] for DL-ESTABLISH / DL-RELEASE) and the user's requests
//! ([`Calls::setup`], [`Calls::proceeding`], [`Calls::alerting`], [`Calls::connect`],
//! [`Calls::disconnect`], [`Calls::info_digits`], [`Calls::restart`], ...); its output is
//! Q.931 message octets for DL-DATA requests ([`Calls::poll_transmit`]) and
//! [`Event`]s ([`Calls::poll_event`]). Time is passed in; [`Calls::poll_timeout`] says when
//! to call [`Calls::handle_timeout`].
//!
//! ## What is covered
//! - Basic call (Q.931 §5.1 originating, §5.2 terminating, §5.3 clearing, §5.4 clearing
//!   collision): SETUP, SETUP ACKNOWLEDGE, CALL PROCEEDING, ALERTING, CONNECT, CONNECT
//!   ACKNOWLEDGE, DISCONNECT, RELEASE, RELEASE COMPLETE with Q.850 causes.
//! - Call states named as Q.931 §2.1 ([`CallState`]); the numbering is the standard's, so
//!   on the network side the same numbers are the N-states (N1 call initiated is the
//!   network having received a SETUP, N6 call present the network having sent one, ...).
//! - Call references (§4.3): 2 octets, allocated by the side that sends the SETUP, flag 0
//!   in its messages and 1 in the replies.
//! - B-channel selection (§5.1.2, §5.2.3.1): exclusive or preferred channel identification,
//!   a channel-busy table, the chosen channel returned (exclusive) in the first response.
//! - Timers (§9.1, §9.2; defaults in [`Timers`]): T301, T302, T303 (SETUP sent once more,
//!   then RELEASE COMPLETE #102), T304, T305 (RELEASE with the DISCONNECT's cause), T308
//!   (RELEASE sent once more, then the call is released locally), T309 (§5.8.9: active
//!   calls survive a data-link failure while it runs; the others are cleared at once,
//!   #41), T310 (DISCONNECT #102), T313 (DISCONNECT #102), T316 (RESTART sent again, twice).
//! - Data link reset (§5.8.8: DL-ESTABLISH while the link was up, layer 2 having discarded
//!   its unacknowledged I frames): a SETUP still unanswered is sent again at once (T303
//!   restarted) rather than at T303 expiry; other calls in the establishment phase and
//!   active calls get a STATUS ENQUIRY; calls being cleared are left alone. After a
//!   data-link failure (§5.8.9) the surviving active calls get a STATUS ENQUIRY.
//! - Overlap sending and receiving (§5.1.3, §5.2.4): SETUP ACKNOWLEDGE, INFORMATION with
//!   called party number digits, sending complete; T302 expiry clears with #28.
//! - RESTART and RESTART ACKNOWLEDGE (§5.5) for one channel and for the interface.
//! - Glare on a channel (§5.7, EN 300 403-1 §5.1.2 / §5.2.3): the network side wins; on
//!   the network side an incoming SETUP naming a channel reserved by an outgoing call is
//!   refused with #44 (exclusive) or given another channel (preferred); on the user side
//!   the network's SETUP takes the channel and the user's own call waits for the channel
//!   the network names in its response.
//! - Error procedures (§5.8) through [`crate::q931::validate`], STATUS ENQUIRY answered
//!   with STATUS (#30, the call state, §5.8.10), STATUS received (§5.8.11): peer in Null
//!   releases the call locally, an incompatible state clears with RELEASE #101.
//! - PROGRESS, NOTIFY and FACILITY passed through (§5.1.6, §5.9, Q.932 §8.1): received ones
//!   become [`Event::Progress`] (also for a progress indicator in SETUP ACKNOWLEDGE, CALL
//!   PROCEEDING, ALERTING, CONNECT, DISCONNECT), [`Event::Notify`], [`Event::Facility`]
//!   (raw facility IE contents); [`Calls::progress`], [`Calls::notify`], [`Calls::facility`]
//!   send them. No state change, no decoding of supplementary services.
//! - No panic on any input.
//!
//! Call control never answers a SETUP by itself: on [`Event::IncomingCall`] the user must
//! send SETUP ACKNOWLEDGE, CALL PROCEEDING, ALERTING or CONNECT (or clear) before the
//! peer's T303 (4 s) runs out. Likewise a DISCONNECT is only reported
//! ([`Event::Disconnected`]); the user answers it with [`Calls::release`] (or
//! [`Calls::disconnect`]), and T305 on the peer's side bounds a user who never does.
//!
//! - T322 (§5.8.10): STATUS ENQUIRY ([`Calls::status_enquiry`], and after a data link
//!   reset or failure) sent again on expiry up to [`Config::n322`] times, then the call is
//!   cleared with DISCONNECT #41; stopped by STATUS, DISCONNECT, RELEASE, RELEASE COMPLETE.
//!
//! **Not covered:** suspend/resume (states 15/17);
//! call abort (N22); supplementary services carried by FACILITY (passed through only),
//! FACILITY on the dummy call reference; B-channels in
//! maintenance after T308 (the channel is freed); multiple interfaces (NFAS).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use tdm::Instant;
use thiserror::Error;

use crate::q931::ie::{
    BearerCapability, CallState as CallStateIe, Cause, ChannelId, ChannelList, ChannelSelection,
    Ie, Location, Notification, NumberingPlan, PartyNumber, PresScreen, Progress, RestartClass,
    TypeOfNumber,
};
use crate::q931::validate::{self, Action, Context};
use crate::q931::{CallRef, CauseValue, Message, MessageType, Role, Variant};

/// A call's handle, unique for the life of a [`Calls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u32);

/// Call states (Q.931 §2.1.1 user side U0-U25, §2.1.2 network side N0-N25).
///
/// The numbering is the standard's: a call the user originates is in states 1-4 on both
/// sides, a call the network offers in 6-9 and 25. [`CallState::value`] is the value of the
/// call state IE (§4.5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallState {
    /// U0 / N0 Null.
    Null,
    /// U1 call initiated (user sent SETUP) / N1 call initiated (network received SETUP).
    CallInitiated,
    /// U2 / N2 overlap sending (SETUP ACKNOWLEDGE exchanged, the user sends digits).
    OverlapSending,
    /// U3 / N3 outgoing call proceeding (CALL PROCEEDING from the network).
    OutgoingCallProceeding,
    /// U4 / N4 call delivered (ALERTING from the network).
    CallDelivered,
    /// U6 call present (user received SETUP) / N6 (network sent SETUP).
    CallPresent,
    /// U7 / N7 call received (ALERTING from the user).
    CallReceived,
    /// U8 / N8 connect request (CONNECT from the user, awaiting CONNECT ACKNOWLEDGE).
    ConnectRequest,
    /// U9 / N9 incoming call proceeding (CALL PROCEEDING from the user).
    IncomingCallProceeding,
    /// U10 / N10 active.
    Active,
    /// U11 / N11 disconnect request (DISCONNECT from the user).
    DisconnectRequest,
    /// U12 / N12 disconnect indication (DISCONNECT from the network).
    DisconnectIndication,
    /// U19 / N19 release request (RELEASE sent, awaiting RELEASE COMPLETE).
    ReleaseRequest,
    /// U25 / N25 overlap receiving (SETUP ACKNOWLEDGE from the user, the network sends digits).
    OverlapReceiving,
}

impl CallState {
    /// The call state value (Q.931 §4.5.7).
    #[must_use]
    pub const fn value(self) -> u8 {
        match self {
            Self::Null => 0,
            Self::CallInitiated => 1,
            Self::OverlapSending => 2,
            Self::OutgoingCallProceeding => 3,
            Self::CallDelivered => 4,
            Self::CallPresent => 6,
            Self::CallReceived => 7,
            Self::ConnectRequest => 8,
            Self::IncomingCallProceeding => 9,
            Self::Active => 10,
            Self::DisconnectRequest => 11,
            Self::DisconnectIndication => 12,
            Self::ReleaseRequest => 19,
            Self::OverlapReceiving => 25,
        }
    }

    /// The same phase seen from the other side of the interface (states are numbered from
    /// the user's point of view: what the user sends, the network receives).
    const fn mirror(self) -> Self {
        match self {
            Self::CallInitiated => Self::CallPresent,
            Self::CallPresent => Self::CallInitiated,
            Self::OverlapSending => Self::OverlapReceiving,
            Self::OverlapReceiving => Self::OverlapSending,
            Self::OutgoingCallProceeding => Self::IncomingCallProceeding,
            Self::IncomingCallProceeding => Self::OutgoingCallProceeding,
            Self::CallDelivered => Self::CallReceived,
            Self::CallReceived => Self::CallDelivered,
            Self::DisconnectRequest => Self::DisconnectIndication,
            Self::DisconnectIndication => Self::DisconnectRequest,
            s => s,
        }
    }
}

/// Call-control timers (Q.931 §9.1 Table 9-1 network side, §9.2 Table 9-2 user side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timers {
    /// T301, ALERTING received to CONNECT. Default 180 s.
    pub t301: Duration,
    /// T302, overlap receiving, restarted per INFORMATION. Default 15 s.
    pub t302: Duration,
    /// T303, SETUP sent to first response. Default 4 s.
    pub t303: Duration,
    /// T304, overlap sending, restarted per INFORMATION sent. Default 20 s.
    pub t304: Duration,
    /// T305, DISCONNECT sent to RELEASE/DISCONNECT. Default 30 s.
    pub t305: Duration,
    /// T308, RELEASE sent to RELEASE COMPLETE. Default 4 s.
    pub t308: Duration,
    /// T309, data-link failure to re-establishment (active calls). Default 6 s (libpri).
    pub t309: Duration,
    /// T310, CALL PROCEEDING received to ALERTING/CONNECT/DISCONNECT. Default 30 s.
    pub t310: Duration,
    /// T313, CONNECT sent (user side) to CONNECT ACKNOWLEDGE. Default 4 s.
    pub t313: Duration,
    /// T316, RESTART sent to RESTART ACKNOWLEDGE. Default 120 s.
    pub t316: Duration,
    /// T322, STATUS ENQUIRY sent to STATUS, DISCONNECT, RELEASE or RELEASE COMPLETE
    /// (§5.8.10). Default 4 s.
    pub t322: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            t301: Duration::from_secs(180),
            t302: Duration::from_secs(15),
            t303: Duration::from_secs(4),
            t304: Duration::from_secs(20),
            t305: Duration::from_secs(30),
            t308: Duration::from_secs(4),
            t309: Duration::from_secs(6),
            t310: Duration::from_secs(30),
            t313: Duration::from_secs(4),
            t316: Duration::from_secs(120),
            t322: Duration::from_secs(4),
        }
    }
}

/// Configuration of a [`Calls`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Our side of the interface.
    pub role: Role,
    /// Protocol variant for the §5.8 checks.
    pub variant: Variant,
    /// The B-channels we may use (channel numbers of the channel identification IE).
    /// Default: E1 timeslots 1-15 and 17-31.
    pub channels: Vec<u8>,
    /// Timer values.
    pub timers: Timers,
    /// RESTART retransmissions after T316 expiry before giving up (N316). Default 2.
    pub n316: u8,
    /// STATUS ENQUIRY retransmissions after T322 expiry before the call is cleared with
    /// #41 (§5.8.10 leaves the number to the implementation). Default 2.
    pub n322: u8,
}

impl Config {
    /// The defaults for `role`.
    #[must_use]
    pub fn new(role: Role) -> Self {
        Self {
            role,
            variant: Variant::EuroIsdn,
            channels: (1..=15).chain(17..=31).collect(),
            timers: Timers::default(),
            n316: 2,
            n322: 2,
        }
    }
}

/// The channel a SETUP asks for (channel identification, Q.931 §4.5.13, §5.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelRequest {
    /// Any free channel: we pick one and offer it as preferred (user side) or exclusive
    /// (network side).
    Any,
    /// This channel preferred; the peer may choose another.
    Preferred(u8),
    /// Only this channel is acceptable.
    Exclusive(u8),
}

/// What [`Calls::setup`] sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupParams {
    /// Called party number digits (may be empty for overlap sending).
    pub called: String,
    /// Calling party number digits, if any.
    pub calling: Option<String>,
    /// The channel wanted.
    pub channel: ChannelRequest,
    /// Bearer capability.
    pub bearer: BearerCapability,
    /// Is the called number complete (sending complete IE, §4.5.27)?
    pub sending_complete: bool,
    /// Presentation and screening indicators of the calling number (octet 3a, Q.931
    /// §4.5.10): `Restricted` asks the network not to show the number to the called party.
    /// `None` leaves octet 3a out (the network then takes "allowed, user-provided not
    /// screened"). With no calling number, `Some` sends the IE with no digits (a restricted
    /// or unavailable number, §4.5.10 note).
    pub calling_pres: Option<PresScreen>,
}

impl SetupParams {
    /// A speech call to `called`, any channel, number complete.
    #[must_use]
    pub fn speech(called: &str) -> Self {
        Self {
            called: called.to_owned(),
            calling: None,
            channel: ChannelRequest::Any,
            bearer: BearerCapability::speech_alaw(),
            sending_complete: true,
            calling_pres: None,
        }
    }
}

/// Inputs from the data link (Q.921 primitives, §4.1.1 of Q.921).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// DL-DATA indication: a Q.931 message.
    Data(Vec<u8>),
    /// DL-ESTABLISH confirm/indication.
    LinkUp,
    /// DL-RELEASE confirm/indication.
    LinkDown,
}

/// What call control tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A SETUP arrived and was accepted (state U6/N1).
    IncomingCall {
        /// The new call.
        call: CallId,
        /// Called party number digits.
        called: String,
        /// Calling party number digits, if present.
        calling: Option<String>,
        /// The calling number's presentation and screening (octet 3a, §4.5.10), if sent.
        calling_pres: Option<PresScreen>,
        /// The B-channel reserved for it.
        channel: Option<u8>,
        /// Did the SETUP carry sending complete?
        sending_complete: bool,
    },
    /// SETUP ACKNOWLEDGE received: send more digits ([`Calls::info_digits`]).
    SetupAcknowledged {
        /// The call.
        call: CallId,
    },
    /// CALL PROCEEDING received.
    Proceeding {
        /// The call.
        call: CallId,
        /// The channel now used.
        channel: Option<u8>,
    },
    /// ALERTING received.
    Alerting {
        /// The call.
        call: CallId,
    },
    /// The call is active (CONNECT received, or CONNECT ACKNOWLEDGE / T313-less CONNECT).
    Connected {
        /// The call.
        call: CallId,
    },
    /// Digits received by INFORMATION (overlap receiving).
    Digits {
        /// The call.
        call: CallId,
        /// The new digits.
        digits: String,
        /// Sending complete present?
        complete: bool,
    },
    /// The peer (or a timer) started clearing: DISCONNECT received. Answer with
    /// [`Calls::release`] (done automatically if [`Calls::disconnect`] is called).
    Disconnected {
        /// The call.
        call: CallId,
        /// The cause.
        cause: CauseValue,
    },
    /// The call is over (state Null), its channel free.
    Released {
        /// The call.
        call: CallId,
        /// The cause.
        cause: CauseValue,
    },
    /// RESTART ACKNOWLEDGE received (our restart) or a RESTART handled (peer's).
    RestartDone {
        /// The channel, or `None` for the whole interface.
        channel: Option<u8>,
    },
    /// T316 expired N316 + 1 times without RESTART ACKNOWLEDGE.
    RestartFailed {
        /// The channel, or `None` for the whole interface.
        channel: Option<u8>,
    },
    /// PROGRESS received (Q.931 §3.1.10, §5.1.6, §5.2.6): its progress indicator, passed
    /// through (e.g. in-band information now available: connect the B-channel audio). Also
    /// given, after the message's own event, for a progress indicator inside SETUP
    /// ACKNOWLEDGE, CALL PROCEEDING, ALERTING, CONNECT or DISCONNECT.
    Progress {
        /// The call.
        call: CallId,
        /// The progress indicator (mandatory in PROGRESS).
        progress: Progress,
        /// The cause, when the PROGRESS carried one (EN 300 403 §5.3.1 / early release).
        cause: Option<CauseValue>,
    },
    /// NOTIFY received (Q.931 §3.1.11, §5.9): its notification indicator, passed through.
    Notify {
        /// The call.
        call: CallId,
        /// The notification indicator.
        notification: Notification,
    },
    /// FACILITY received (Q.932 §8.1.1 / EN 300 196): the contents of one facility IE
    /// (protocol profile octet, then the ROSE components), verbatim; call control does
    /// not decode supplementary services.
    Facility {
        /// The call.
        call: CallId,
        /// Facility IE contents after the length octet.
        contents: Vec<u8>,
    },
}

/// Why a user request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum CallError {
    /// No such call (never existed, or already released).
    #[error("unknown call {0:?}")]
    UnknownCall(CallId),
    /// The request is not valid in the call's state.
    #[error("request not valid in state {0:?}")]
    WrongState(CallState),
    /// No free B-channel (or the requested one is busy).
    #[error("no B-channel available")]
    NoChannel,
    /// All call reference values are in use.
    #[error("no call reference free")]
    NoCallReference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    T301,
    T302,
    T303,
    T304,
    T305,
    T308,
    T310,
    T313,
}

#[derive(Debug, Clone)]
struct Call {
    /// Call reference value.
    cr: u16,
    /// We sent the SETUP (we own the call reference).
    outgoing: bool,
    /// State as if we were the user side; [`Calls::state`] mirrors it on the network side.
    state: CallState,
    channel: Option<u8>,
    /// The SETUP octets (kept for the T303 retransmission).
    setup: Vec<u8>,
    timer: Option<(Timer, Instant)>,
    /// The timer already expired once (T303, T308).
    retried: bool,
    t309: Option<Instant>,
    /// T322 deadline and the STATUS ENQUIRY retransmissions already made.
    t322: Option<(Instant, u8)>,
    cause: CauseValue,
    /// A channel identification must go in our first response to the SETUP.
    channel_pending: bool,
}

#[derive(Debug, Clone)]
struct Restart {
    channel: Option<u8>,
    msg: Vec<u8>,
    deadline: Instant,
    tries: u8,
}

/// Q.931 call control of one D-channel (see the module documentation).
#[derive(Debug, Clone)]
pub struct Calls {
    config: Config,
    calls: BTreeMap<CallId, Call>,
    /// B-channel -> the call holding it.
    busy: BTreeMap<u8, CallId>,
    next_id: u32,
    next_cr: u16,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    restarts: Vec<Restart>,
    link_up: bool,
}

impl Calls {
    /// Call control with the given configuration; the data link is assumed down.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            config,
            calls: BTreeMap::new(),
            busy: BTreeMap::new(),
            next_id: 1,
            next_cr: 1,
            out: VecDeque::new(),
            events: VecDeque::new(),
            restarts: Vec::new(),
            link_up: false,
        }
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The Q.931 state of `call` (U-state on the user side, N-state on the network side);
    /// `None` once the call is released (Null).
    #[must_use]
    pub fn state(&self, call: CallId) -> Option<CallState> {
        self.calls.get(&call).map(|c| self.public_state(c.state))
    }

    /// The B-channel `call` holds, if any.
    #[must_use]
    pub fn channel(&self, call: CallId) -> Option<u8> {
        self.calls.get(&call).and_then(|c| c.channel)
    }

    /// The calls not in Null, in creation order.
    #[must_use]
    pub fn calls(&self) -> Vec<CallId> {
        self.calls.keys().copied().collect()
    }

    /// Is the data link up (the last input was [`Input::LinkUp`])?
    #[must_use]
    pub const fn is_link_up(&self) -> bool {
        self.link_up
    }

    /// The busy B-channels, ascending.
    #[must_use]
    pub fn busy_channels(&self) -> Vec<u8> {
        self.busy.keys().copied().collect()
    }

    const fn public_state(&self, s: CallState) -> CallState {
        match self.config.role {
            Role::User => s,
            Role::Network => s.mirror(),
        }
    }

    const fn location(&self) -> Location {
        match self.config.role {
            Role::User => Location::User,
            Role::Network => Location::PrivateLocal,
        }
    }

    fn cause_ie(&self, v: CauseValue) -> Ie {
        Ie::Cause(Cause::new(self.location(), v))
    }

    // ---- sans-IO surface -------------------------------------------------------------

    /// Handle a data-link input.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        match input {
            Input::Data(d) => self.handle_message(now, &d),
            Input::LinkUp => self.link_up(now),
            Input::LinkDown => self.link_down(now),
        }
    }

    /// The next Q.931 message to send as a DL-DATA request.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let calls = self
            .calls
            .values()
            .flat_map(|c| [c.timer.map(|t| t.1), c.t309, c.t322.map(|t| t.0)]);
        let restarts = self.restarts.iter().map(|r| Some(r.deadline));
        calls.chain(restarts).flatten().min()
    }

    /// Run the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<(CallId, Option<Timer>, bool)> = self
            .calls
            .iter()
            .map(|(&id, c)| {
                let t = c.timer.filter(|t| t.1 <= now).map(|t| t.0);
                (id, t, c.t309.is_some_and(|t| t <= now))
            })
            .filter(|(_, t, t309)| t.is_some() || *t309)
            .collect();
        let t322_due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| c.t322.is_some_and(|t| t.0 <= now))
            .map(|(&id, _)| id)
            .collect();
        for id in t322_due {
            self.t322_expired(now, id);
        }
        for (id, timer, t309) in due {
            if !self.calls.contains_key(&id) {
                continue;
            }
            if t309 {
                // §5.8.9: T309 expiry: clear internally, #27 destination out of order.
                self.release_local(id, CauseValue::DESTINATION_OUT_OF_ORDER);
                continue;
            }
            if let Some(t) = timer {
                self.timer_expired(now, id, t);
            }
        }
        let mut i = 0;
        while i < self.restarts.len() {
            let Some(r) = self.restarts.get_mut(i) else {
                break;
            };
            if r.deadline > now {
                i += 1;
                continue;
            }
            if r.tries < self.config.n316 {
                r.tries += 1;
                r.deadline = now + self.config.timers.t316;
                let m = r.msg.clone();
                self.out.push_back(m);
                i += 1;
            } else {
                let channel = r.channel;
                self.restarts.remove(i);
                self.events.push_back(Event::RestartFailed { channel });
            }
        }
    }

    // ---- user requests ---------------------------------------------------------------

    /// Place a call: allocate a call reference and a channel, send SETUP, start T303
    /// (Q.931 §5.1.1).
    ///
    /// # Errors
    /// [`CallError::NoChannel`], [`CallError::NoCallReference`].
    pub fn setup(&mut self, now: Instant, p: SetupParams) -> Result<CallId, CallError> {
        let (channel, exclusive) = match p.channel {
            ChannelRequest::Exclusive(c) => {
                if !self.channel_free(c) {
                    return Err(CallError::NoChannel);
                }
                (c, true)
            }
            ChannelRequest::Preferred(c) if self.channel_free(c) => (c, false),
            ChannelRequest::Preferred(_) | ChannelRequest::Any => (
                self.free_channel().ok_or(CallError::NoChannel)?,
                self.config.role == Role::Network,
            ),
        };
        let cr = self.alloc_cr().ok_or(CallError::NoCallReference)?;
        let mut m = Message::new(CallRef::pri(cr, false), MessageType::Setup);
        if p.sending_complete {
            m.ies.push(Ie::SendingComplete);
        }
        m.ies.push(Ie::BearerCapability(p.bearer));
        m.ies
            .push(Ie::ChannelId(ChannelId::pri_channel(channel, exclusive)));
        if p.calling.is_some() || p.calling_pres.is_some() {
            let mut n = number(p.calling.as_deref().unwrap_or(""));
            n.pres_screen = p.calling_pres;
            m.ies.push(Ie::CallingNumber(n));
        }
        // ECMA-143 §10 (QSIG): called party number is mandatory in SETUP, so an overlap
        // SETUP carries it with no digits; EuroISDN leaves it out until there are digits.
        if !p.called.is_empty() || self.config.variant == Variant::Qsig {
            m.ies.push(Ie::CalledNumber(number(&p.called)));
        }
        let setup = m.to_vec().unwrap_or_default();
        let id = self.new_id();
        self.busy.insert(channel, id);
        self.calls.insert(
            id,
            Call {
                cr,
                outgoing: true,
                state: CallState::CallInitiated,
                channel: Some(channel),
                setup: setup.clone(),
                timer: Some((Timer::T303, now + self.config.timers.t303)),
                retried: false,
                t309: None,
                t322: None,
                cause: CauseValue::NORMAL_CLEARING,
                channel_pending: false,
            },
        );
        self.out.push_back(setup);
        Ok(id)
    }

    /// Overlap receiving: answer an incoming SETUP with SETUP ACKNOWLEDGE, start T302
    /// (Q.931 §5.2.4).
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`].
    pub fn setup_ack(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        self.respond(
            now,
            call,
            MessageType::SetupAck,
            CallState::OverlapReceiving,
        )
    }

    /// Send CALL PROCEEDING for an incoming call (Q.931 §5.2.5.2).
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`].
    pub fn proceeding(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        self.respond(
            now,
            call,
            MessageType::CallProceeding,
            CallState::IncomingCallProceeding,
        )
    }

    /// Send ALERTING for an incoming call (Q.931 §5.2.5.3).
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`].
    pub fn alerting(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        self.respond(now, call, MessageType::Alerting, CallState::CallReceived)
    }

    /// Answer an incoming call with CONNECT (Q.931 §5.2.8; user side starts T313, the
    /// network side enters N10 at once).
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`].
    pub fn connect(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        let to = match self.config.role {
            Role::User => CallState::ConnectRequest,
            Role::Network => CallState::Active,
        };
        self.respond(now, call, MessageType::Connect, to)?;
        if to == CallState::Active {
            self.events.push_back(Event::Connected { call });
        }
        Ok(())
    }

    fn respond(
        &mut self,
        now: Instant,
        call: CallId,
        kind: MessageType,
        to: CallState,
    ) -> Result<(), CallError> {
        let role = self.config.role;
        let t = self.config.timers;
        let Some(c) = self.calls.get_mut(&call) else {
            return Err(CallError::UnknownCall(call));
        };
        use CallState as S;
        let ok = match kind {
            MessageType::SetupAck => c.state == S::CallPresent,
            MessageType::CallProceeding => matches!(c.state, S::CallPresent | S::OverlapReceiving),
            MessageType::Alerting => matches!(
                c.state,
                S::CallPresent | S::OverlapReceiving | S::IncomingCallProceeding
            ),
            _ => matches!(
                c.state,
                S::CallPresent | S::OverlapReceiving | S::IncomingCallProceeding | S::CallReceived
            ),
        };
        if c.outgoing || !ok {
            let s = c.state;
            return Err(CallError::WrongState(match role {
                Role::User => s,
                Role::Network => s.mirror(),
            }));
        }
        let mut m = Message::new(CallRef::pri(c.cr, true), kind);
        if c.channel_pending {
            if let Some(ch) = c.channel {
                m.ies.push(Ie::ChannelId(ChannelId::pri_channel(ch, true)));
            }
            c.channel_pending = false;
        }
        c.state = to;
        c.timer = match to {
            S::OverlapReceiving => Some((Timer::T302, now + t.t302)),
            S::ConnectRequest => Some((Timer::T313, now + t.t313)),
            _ => None,
        };
        self.out.push_back(m.to_vec().unwrap_or_default());
        Ok(())
    }

    /// Send digits by INFORMATION (overlap sending, §5.1.3; restarts T304).
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`].
    pub fn info_digits(
        &mut self,
        now: Instant,
        call: CallId,
        digits: &str,
        complete: bool,
    ) -> Result<(), CallError> {
        let t304 = self.config.timers.t304;
        let role = self.config.role;
        let Some(c) = self.calls.get_mut(&call) else {
            return Err(CallError::UnknownCall(call));
        };
        if !matches!(
            c.state,
            CallState::OverlapSending | CallState::CallInitiated
        ) {
            let s = c.state;
            return Err(CallError::WrongState(match role {
                Role::User => s,
                Role::Network => s.mirror(),
            }));
        }
        let mut m = Message::new(CallRef::pri(c.cr, !c.outgoing), MessageType::Information);
        if complete {
            m.ies.push(Ie::SendingComplete);
        }
        m.ies.push(Ie::CalledNumber(number(digits)));
        if c.state == CallState::OverlapSending {
            c.timer = Some((Timer::T304, now + t304));
        }
        self.out.push_back(m.to_vec().unwrap_or_default());
        Ok(())
    }

    /// Start clearing with DISCONNECT and `cause`, start T305 (Q.931 §5.3.2, §5.3.3). In
    /// state U12/N11 (DISCONNECT received) this sends RELEASE instead; before an incoming
    /// call is answered RELEASE COMPLETE is allowed too but DISCONNECT is used.
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`] while already clearing.
    pub fn disconnect(
        &mut self,
        now: Instant,
        call: CallId,
        cause: CauseValue,
    ) -> Result<(), CallError> {
        let Some(c) = self.calls.get(&call) else {
            return Err(CallError::UnknownCall(call));
        };
        match c.state {
            CallState::DisconnectIndication => self.release(now, call, cause),
            CallState::DisconnectRequest | CallState::ReleaseRequest | CallState::Null => {
                Err(CallError::WrongState(self.public_state(c.state)))
            }
            _ => {
                self.send_disconnect(now, call, cause);
                Ok(())
            }
        }
    }

    /// Send RELEASE, start T308 (Q.931 §5.3.4).
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`] in Release request.
    pub fn release(
        &mut self,
        now: Instant,
        call: CallId,
        cause: CauseValue,
    ) -> Result<(), CallError> {
        let Some(c) = self.calls.get(&call) else {
            return Err(CallError::UnknownCall(call));
        };
        if c.state == CallState::ReleaseRequest {
            return Err(CallError::WrongState(self.public_state(c.state)));
        }
        self.send_release(now, call, cause);
        Ok(())
    }

    /// Send RESTART for one channel (`Some`) or the whole interface (`None`), clearing the
    /// calls on it locally, start T316 (Q.931 §5.5.1).
    pub fn restart(&mut self, now: Instant, channel: Option<u8>) {
        self.clear_channels(channel, CauseValue::NORMAL_UNSPECIFIED);
        let mut m = Message::new(CallRef::global(false), MessageType::Restart);
        match channel {
            Some(ch) => {
                m.ies.push(Ie::ChannelId(ChannelId::pri_channel(ch, true)));
                m.ies.push(Ie::RestartIndicator(RestartClass::Indicated));
            }
            None => m
                .ies
                .push(Ie::RestartIndicator(RestartClass::SingleInterface)),
        }
        let msg = m.to_vec().unwrap_or_default();
        self.restarts.retain(|r| r.channel != channel);
        self.restarts.push(Restart {
            channel,
            msg: msg.clone(),
            deadline: now + self.config.timers.t316,
            tries: 0,
        });
        self.out.push_back(msg);
    }

    /// Send PROGRESS with `progress` (and a cause, if given) for `call` (Q.931 §5.1.6,
    /// §5.2.6: typically the network, or a user interworking with a non-ISDN line, telling
    /// the caller that in-band information is available). No state change.
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`] in Null or Release request.
    pub fn progress(
        &mut self,
        call: CallId,
        progress: Progress,
        cause: Option<CauseValue>,
    ) -> Result<(), CallError> {
        self.check_passthrough(call)?;
        let mut ies = Vec::with_capacity(2);
        if let Some(v) = cause {
            ies.push(self.cause_ie(v));
        }
        ies.push(Ie::Progress(progress));
        self.send(call, MessageType::Progress, ies);
        Ok(())
    }

    /// Send NOTIFY with `notification` for `call` (Q.931 §5.9; e.g. remote hold 0x79,
    /// remote retrieval 0x7A). No state change.
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`] in Null or Release request.
    pub fn notify(&mut self, call: CallId, notification: Notification) -> Result<(), CallError> {
        self.check_passthrough(call)?;
        self.send(
            call,
            MessageType::Notify,
            vec![Ie::Notification(notification)],
        );
        Ok(())
    }

    /// Send FACILITY carrying one facility IE with `contents` (protocol profile octet and
    /// ROSE components, encoded by the caller) for `call` (Q.932 §8.1.1). No state change.
    ///
    /// # Errors
    /// [`CallError::UnknownCall`], [`CallError::WrongState`] in Null or Release request.
    pub fn facility(&mut self, call: CallId, contents: Vec<u8>) -> Result<(), CallError> {
        self.check_passthrough(call)?;
        self.send(call, MessageType::Facility, vec![Ie::Facility(contents)]);
        Ok(())
    }

    fn check_passthrough(&self, call: CallId) -> Result<(), CallError> {
        let Some(c) = self.calls.get(&call) else {
            return Err(CallError::UnknownCall(call));
        };
        if matches!(c.state, CallState::Null | CallState::ReleaseRequest) {
            return Err(CallError::WrongState(self.public_state(c.state)));
        }
        Ok(())
    }

    /// Send STATUS ENQUIRY for `call` and start T322 (Q.931 §5.8.10). While T322 runs a
    /// second request sends nothing more. T322 expiry sends it again, up to
    /// [`Config::n322`] times; then the call is cleared with DISCONNECT #41.
    ///
    /// # Errors
    /// [`CallError::UnknownCall`].
    pub fn status_enquiry(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        let t322 = self.config.timers.t322;
        let Some(c) = self.calls.get_mut(&call) else {
            return Err(CallError::UnknownCall(call));
        };
        if c.t322.is_some() {
            return Ok(());
        }
        c.t322 = Some((now + t322, 0));
        let m = Message::new(CallRef::pri(c.cr, !c.outgoing), MessageType::StatusEnquiry);
        self.out.push_back(m.to_vec().unwrap_or_default());
        Ok(())
    }

    // ---- internals -------------------------------------------------------------------

    fn new_id(&mut self) -> CallId {
        let id = CallId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        id
    }

    fn alloc_cr(&mut self) -> Option<u16> {
        for _ in 0..0x7FFF {
            let v = self.next_cr;
            self.next_cr = if v >= 0x7FFF { 1 } else { v + 1 };
            if !self.calls.values().any(|c| c.outgoing && c.cr == v) {
                return Some(v);
            }
        }
        None
    }

    fn channel_free(&self, ch: u8) -> bool {
        self.config.channels.contains(&ch) && !self.busy.contains_key(&ch)
    }

    fn free_channel(&self) -> Option<u8> {
        // The network side picks from the top, the user side from the bottom (fewer glares).
        let mut it = self.config.channels.iter().copied();
        match self.config.role {
            Role::Network => it.rev().find(|&c| self.channel_free(c)),
            Role::User => it.find(|&c| self.channel_free(c)),
        }
    }

    fn find(&self, cr: CallRef) -> Option<CallId> {
        // A received flag of 1 means the message goes to the side that allocated it: us.
        self.calls
            .iter()
            .find(|(_, c)| c.cr == cr.value && c.outgoing == cr.flag)
            .map(|(&id, _)| id)
    }

    fn send(&mut self, call: CallId, kind: MessageType, ies: Vec<Ie>) {
        if let Some(c) = self.calls.get(&call) {
            let m = Message {
                call_ref: CallRef::pri(c.cr, !c.outgoing),
                kind,
                ies,
            };
            self.out.push_back(m.to_vec().unwrap_or_default());
        }
    }

    fn set_timer(&mut self, now: Instant, call: CallId, t: Option<Timer>) {
        let ts = self.config.timers;
        if let Some(c) = self.calls.get_mut(&call) {
            c.retried = false;
            c.timer = t.map(|t| {
                let d = match t {
                    Timer::T301 => ts.t301,
                    Timer::T302 => ts.t302,
                    Timer::T303 => ts.t303,
                    Timer::T304 => ts.t304,
                    Timer::T305 => ts.t305,
                    Timer::T308 => ts.t308,
                    Timer::T310 => ts.t310,
                    Timer::T313 => ts.t313,
                };
                (t, now + d)
            });
        }
    }

    fn set_state(&mut self, call: CallId, s: CallState) {
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = s;
        }
    }

    fn send_disconnect(&mut self, now: Instant, call: CallId, cause: CauseValue) {
        let ie = self.cause_ie(cause);
        self.send(call, MessageType::Disconnect, vec![ie]);
        if let Some(c) = self.calls.get_mut(&call) {
            c.cause = cause;
        }
        self.set_state(call, CallState::DisconnectRequest);
        self.set_timer(now, call, Some(Timer::T305));
    }

    fn send_release(&mut self, now: Instant, call: CallId, cause: CauseValue) {
        let ie = self.cause_ie(cause);
        self.send(call, MessageType::Release, vec![ie]);
        if let Some(c) = self.calls.get_mut(&call) {
            c.cause = cause;
        }
        self.set_state(call, CallState::ReleaseRequest);
        self.set_timer(now, call, Some(Timer::T308));
    }

    fn send_release_complete(&mut self, call: CallId, cause: Option<CauseValue>) {
        let ies = cause.map(|v| self.cause_ie(v)).into_iter().collect();
        self.send(call, MessageType::ReleaseComplete, ies);
    }

    /// The call goes to Null: channel freed, call reference released, event raised.
    /// §5.8.10: T322 expiry: STATUS ENQUIRY again, or after [`Config::n322`] of them
    /// clear the call with #41 temporary failure.
    fn t322_expired(&mut self, now: Instant, call: CallId) {
        let (t322, n322) = (self.config.timers.t322, self.config.n322);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some((_, tries)) = c.t322.take() else {
            return;
        };
        if tries < n322 {
            c.t322 = Some((now + t322, tries + 1));
            let m = Message::new(CallRef::pri(c.cr, !c.outgoing), MessageType::StatusEnquiry);
            self.out.push_back(m.to_vec().unwrap_or_default());
            return;
        }
        if matches!(
            c.state,
            CallState::DisconnectRequest
                | CallState::DisconnectIndication
                | CallState::ReleaseRequest
        ) {
            return; // already being cleared: T305 / T308 bound it
        }
        let cause = CauseValue::TEMPORARY_FAILURE;
        self.events.push_back(Event::Disconnected { call, cause });
        self.send_disconnect(now, call, cause);
    }

    fn release_local(&mut self, call: CallId, cause: CauseValue) {
        if let Some(c) = self.calls.remove(&call) {
            if let Some(ch) = c.channel
                && self.busy.get(&ch) == Some(&call)
            {
                self.busy.remove(&ch);
            }
            self.events.push_back(Event::Released { call, cause });
        }
    }

    fn clear_channels(&mut self, channel: Option<u8>, cause: CauseValue) {
        let ids: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| channel.is_none() || c.channel == channel)
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            self.release_local(id, cause);
        }
    }

    fn timer_expired(&mut self, now: Instant, call: CallId, t: Timer) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.timer = None;
        let cause = c.cause;
        let retried = c.retried;
        let recovery = CauseValue::RECOVERY_ON_TIMER_EXPIRY;
        match t {
            // §5.1.1: SETUP once more; then RELEASE COMPLETE #102 and Null.
            Timer::T303 if !retried => {
                let setup = c.setup.clone();
                c.retried = true;
                c.timer = Some((Timer::T303, now + self.config.timers.t303));
                self.out.push_back(setup);
            }
            Timer::T303 => {
                self.send_release_complete(call, Some(recovery));
                self.release_local(call, recovery);
            }
            // §5.3.4: RELEASE once more; then Null (B-channel freed).
            Timer::T308 if !retried => {
                let ie = self.cause_ie(cause);
                self.send(call, MessageType::Release, vec![ie]);
                if let Some(c) = self.calls.get_mut(&call) {
                    c.retried = true;
                    c.timer = Some((Timer::T308, now + self.config.timers.t308));
                }
            }
            Timer::T308 => self.release_local(call, recovery),
            // §5.3.3: RELEASE with the cause of the DISCONNECT.
            Timer::T305 => self.send_release(now, call, cause),
            // §5.2.4: number incomplete at T302 expiry: clear with #28.
            Timer::T302 => {
                self.events.push_back(Event::Disconnected {
                    call,
                    cause: CauseValue::INVALID_NUMBER_FORMAT,
                });
                self.send_disconnect(now, call, CauseValue::INVALID_NUMBER_FORMAT);
            }
            // §5.1.3 (T304), §5.1.5.2 (T310), §5.2.8 (T313), §5.1.7 (T301): DISCONNECT #102.
            Timer::T301 | Timer::T304 | Timer::T310 | Timer::T313 => {
                self.events.push_back(Event::Disconnected {
                    call,
                    cause: recovery,
                });
                self.send_disconnect(now, call, recovery);
            }
        }
    }

    fn link_up(&mut self, now: Instant) {
        // DL-ESTABLISH while we already had the link: a data link reset (§5.8.8); I frames
        // not yet acknowledged, a SETUP among them, may have been discarded by layer 2.
        let reset = self.link_up;
        self.link_up = true;
        let t303 = self.config.timers.t303;
        let mut enquire = Vec::new();
        for (&id, c) in &mut self.calls {
            // §5.8.9: stop T309 and ask each surviving call's state with STATUS ENQUIRY
            // (also active calls after a re-establishment not reported as a failure).
            let had_t309 = c.t309.take().is_some();
            if had_t309 || c.state == CallState::Active {
                enquire.push(id);
            } else if reset {
                match c.state {
                    // §5.8.8: calls in the establishment phase are kept. Our SETUP with no
                    // answer yet is sent again at once (as at the first T303 expiry, which
                    // is restarted; the peer ignores a copy of a SETUP it already has,
                    // §5.8.3.2 g) instead of waiting for T303 to find it lost.
                    CallState::CallInitiated if c.outgoing => {
                        c.timer = Some((Timer::T303, now + t303));
                        self.out.push_back(c.setup.clone());
                    }
                    // Clearing phase: nothing (§5.8.8 a).
                    CallState::Null
                    | CallState::DisconnectRequest
                    | CallState::DisconnectIndication
                    | CallState::ReleaseRequest => {}
                    // The rest of the establishment phase: check the peer still has the
                    // call (§5.8.10); a peer in Null then clears it (§5.8.11).
                    _ => enquire.push(id),
                }
            }
        }
        for id in enquire {
            let _ = self.status_enquiry(now, id);
        }
    }

    fn link_down(&mut self, now: Instant) {
        self.link_up = false;
        let t309 = self.config.timers.t309;
        let mut clear = Vec::new();
        for (&id, c) in &mut self.calls {
            // The enquiry went down with the link; re-establishment asks again.
            c.t322 = None;
            if c.state == CallState::Active {
                if c.t309.is_none() {
                    c.t309 = Some(now + t309);
                }
            } else {
                clear.push(id);
            }
        }
        // §5.8.9 a: calls not active are cleared locally.
        for id in clear {
            self.release_local(id, CauseValue::TEMPORARY_FAILURE);
        }
        // Messages not yet handed to the data link are lost with it.
        self.out.clear();
    }

    fn handle_message(&mut self, now: Instant, bytes: &[u8]) {
        let ctx0 = Context {
            variant: self.config.variant,
            role: self.config.role,
            call_known: false,
        };
        let Ok(m) = Message::parse(bytes) else {
            return; // §5.8.1-§5.8.3.1: ignore.
        };
        let call = if m.call_ref.is_global() || m.call_ref.is_dummy() {
            None
        } else {
            self.find(m.call_ref)
        };
        let ctx = Context {
            call_known: call.is_some(),
            ..ctx0
        };
        // §5.8.10: the answers that stop T322.
        if matches!(
            m.kind,
            MessageType::Status
                | MessageType::Disconnect
                | MessageType::Release
                | MessageType::ReleaseComplete
        ) && let Some(c) = call.and_then(|id| self.calls.get_mut(&id))
        {
            c.t322 = None;
        }
        let action = validate::check(&m, &ctx);
        let mut report = None;
        let state = call
            .and_then(|c| self.calls.get(&c))
            .map_or(0, |c| self.public_state(c.state).value());
        match action {
            Action::Process => {}
            Action::Ignore(_) => return,
            Action::Reject { .. } => {
                if let Some(r) = action.response(m.call_ref, self.config.role, state) {
                    self.out.push_back(r.to_vec().unwrap_or_default());
                }
                // §5.8.6.1: a rejected SETUP leaves no call.
                return;
            }
            Action::ProcessAndReport { response, error } => {
                // §5.8.6.1, §5.8.7: a DISCONNECT / RELEASE with an IE error is processed and
                // answered by the RELEASE / RELEASE COMPLETE carrying the error's cause.
                if response != MessageType::Status {
                    report = error.cause();
                }
                if response == MessageType::Status
                    && let Some(r) = action.response(m.call_ref, self.config.role, state)
                {
                    self.out.push_back(r.to_vec().unwrap_or_default());
                }
            }
        }
        if m.call_ref.is_global() {
            self.global_message(&m);
            return;
        }
        match call {
            None => self.unknown_call(&m),
            Some(id) => {
                self.call_message(now, id, &m, report);
                self.progress_in(id, &m);
                if let Some(cause) = report
                    && m.kind == MessageType::Disconnect
                    && self.calls.get(&id).map(|c| c.state) == Some(CallState::DisconnectIndication)
                {
                    self.send_release(now, id, cause);
                }
            }
        }
    }

    fn global_message(&mut self, m: &Message) {
        match m.kind {
            MessageType::Restart => {
                let class = m.find(|ie| match ie {
                    Ie::RestartIndicator(c) => Some(*c),
                    _ => None,
                });
                let channels = channel_numbers(m.channel_id());
                match class {
                    Some(RestartClass::Indicated) if !channels.is_empty() => {
                        for &ch in &channels {
                            self.clear_channels(Some(ch), CauseValue::NORMAL_UNSPECIFIED);
                            self.events
                                .push_back(Event::RestartDone { channel: Some(ch) });
                        }
                    }
                    Some(RestartClass::Indicated) => {
                        // §5.5.2: channel identification missing.
                        let r = Message::new(m.call_ref.reply(), MessageType::Status)
                            .with(self.cause_ie(CauseValue::MANDATORY_IE_MISSING))
                            .with(Ie::CallState(CallStateIe {
                                coding_standard: 0,
                                state: 0,
                            }));
                        self.out.push_back(r.to_vec().unwrap_or_default());
                        return;
                    }
                    _ => {
                        self.clear_channels(None, CauseValue::NORMAL_UNSPECIFIED);
                        self.events.push_back(Event::RestartDone { channel: None });
                    }
                }
                // §5.5.2: RESTART ACKNOWLEDGE with the same restart indicator and channels.
                let mut ack = Message::new(m.call_ref.reply(), MessageType::RestartAck);
                ack.ies = m
                    .ies
                    .iter()
                    .filter(|ie| matches!(ie, Ie::ChannelId(_) | Ie::RestartIndicator(_)))
                    .cloned()
                    .collect();
                self.out.push_back(ack.to_vec().unwrap_or_default());
            }
            MessageType::RestartAck => {
                let chans = channel_numbers(m.channel_id());
                let channel = chans.first().copied();
                let before = self.restarts.len();
                self.restarts.retain(|r| r.channel != channel);
                if self.restarts.len() != before {
                    self.events.push_back(Event::RestartDone { channel });
                }
            }
            _ => {}
        }
    }

    fn unknown_call(&mut self, m: &Message) {
        match m.kind {
            MessageType::Setup => self.incoming_setup(m),
            MessageType::StatusEnquiry => {
                // §5.8.3.2 e / §5.8.10: STATUS, Null.
                let r = Message::new(m.call_ref.reply(), MessageType::Status)
                    .with(self.cause_ie(CauseValue::RESPONSE_TO_STATUS_ENQUIRY))
                    .with(Ie::CallState(CallStateIe {
                        coding_standard: 0,
                        state: 0,
                    }));
                self.out.push_back(r.to_vec().unwrap_or_default());
            }
            _ => {}
        }
    }

    fn incoming_setup(&mut self, m: &Message) {
        let reply = m.call_ref.reply();
        let reject = |this: &mut Self, cause: CauseValue| {
            let r = Message::new(reply, MessageType::ReleaseComplete).with(this.cause_ie(cause));
            this.out.push_back(r.to_vec().unwrap_or_default());
        };
        let cid = m.channel_id();
        let wanted = channel_numbers(cid);
        let exclusive = cid.is_some_and(|c| c.exclusive);
        let any = cid.is_none_or(|c| c.selection == ChannelSelection::Any || wanted.is_empty());
        let role = self.config.role;
        let mut channel = None;
        if let Some(&ch) = wanted.first() {
            if !self.config.channels.contains(&ch) {
                if exclusive || role == Role::User {
                    reject(self, CauseValue::CHANNEL_DOES_NOT_EXIST);
                    return;
                }
            } else if let Some(&holder) = self.busy.get(&ch) {
                let holder_glare = self
                    .calls
                    .get(&holder)
                    .is_some_and(|c| c.outgoing && c.state == CallState::CallInitiated);
                if role == Role::User && holder_glare {
                    // §5.7 / EN 300 403: the network's SETUP wins; our call loses the channel
                    // and takes the one the network gives in its response.
                    if let Some(c) = self.calls.get_mut(&holder) {
                        c.channel = None;
                    }
                    self.busy.remove(&ch);
                    channel = Some(ch);
                } else if exclusive || role == Role::User {
                    reject(self, CauseValue::REQUESTED_CHANNEL_NOT_AVAILABLE);
                    return;
                }
            } else {
                channel = Some(ch);
            }
        }
        if channel.is_none() {
            if role == Role::User && !any {
                reject(self, CauseValue::REQUESTED_CHANNEL_NOT_AVAILABLE);
                return;
            }
            channel = self.free_channel();
        }
        let Some(channel) = channel else {
            reject(self, CauseValue::NO_CIRCUIT_AVAILABLE);
            return;
        };
        let id = self.new_id();
        self.busy.insert(channel, id);
        let called = m
            .called_number()
            .map(|n| n.digits.clone())
            .unwrap_or_default();
        let calling = m.find(|ie| match ie {
            Ie::CallingNumber(n) if !n.digits.is_empty() => Some(n.digits.clone()),
            _ => None,
        });
        let calling_pres = m.find(|ie| match ie {
            Ie::CallingNumber(n) => n.pres_screen,
            _ => None,
        });
        let sending_complete = m
            .find(|ie| matches!(ie, Ie::SendingComplete).then_some(()))
            .is_some();
        self.calls.insert(
            id,
            Call {
                cr: m.call_ref.value,
                outgoing: false,
                state: CallState::CallPresent,
                channel: Some(channel),
                setup: Vec::new(),
                timer: None,
                retried: false,
                t309: None,
                t322: None,
                cause: CauseValue::NORMAL_CLEARING,
                channel_pending: true,
            },
        );
        self.events.push_back(Event::IncomingCall {
            call: id,
            called,
            calling,
            calling_pres,
            channel: Some(channel),
            sending_complete,
        });
    }

    /// Take the channel the peer names in its first response to our SETUP (§5.1.2).
    fn take_response_channel(&mut self, call: CallId, m: &Message) -> bool {
        let Some(&ch) = channel_numbers(m.channel_id()).first() else {
            return self.calls.get(&call).is_some_and(|c| c.channel.is_some());
        };
        let Some(c) = self.calls.get(&call) else {
            return false;
        };
        if c.channel == Some(ch) {
            return true;
        }
        if !self.channel_free(ch) {
            return false;
        }
        if let Some(old) = c.channel
            && self.busy.get(&old) == Some(&call)
        {
            self.busy.remove(&old);
        }
        self.busy.insert(ch, call);
        if let Some(c) = self.calls.get_mut(&call) {
            c.channel = Some(ch);
        }
        true
    }

    /// A progress indicator inside SETUP ACKNOWLEDGE, CALL PROCEEDING, ALERTING, CONNECT or
    /// DISCONNECT (Q.931 §5.1.3 - §5.1.8, §5.3.4.1: e.g. in-band tones or an announcement
    /// before answer or after clearing) is reported as [`Event::Progress`] after the
    /// message's own event, while the call still exists.
    fn progress_in(&mut self, id: CallId, m: &Message) {
        use MessageType as T;
        if !matches!(
            m.kind,
            T::SetupAck | T::CallProceeding | T::Alerting | T::Connect | T::Disconnect
        ) || !self.calls.contains_key(&id)
        {
            return;
        }
        if let Some(progress) = m.find(|ie| {
            if let Ie::Progress(p) = ie {
                Some(*p)
            } else {
                None
            }
        }) {
            let cause = (m.kind == T::Disconnect)
                .then(|| m.cause().map(|c| c.value))
                .flatten();
            self.events.push_back(Event::Progress {
                call: id,
                progress,
                cause,
            });
        }
    }

    fn call_message(&mut self, now: Instant, id: CallId, m: &Message, report: Option<CauseValue>) {
        use CallState as S;
        use MessageType as T;
        let Some(c) = self.calls.get(&id) else {
            return;
        };
        let state = c.state;
        let outgoing = c.outgoing;
        let cause = m
            .cause()
            .map_or(CauseValue::NORMAL_UNSPECIFIED, |c| c.value);
        match (m.kind, state) {
            // ---- originating side (§5.1) ----
            (T::SetupAck, S::CallInitiated) if outgoing => {
                if !self.take_response_channel(id, m) {
                    return self.no_channel(now, id);
                }
                self.set_state(id, S::OverlapSending);
                self.set_timer(now, id, Some(Timer::T304));
                self.events.push_back(Event::SetupAcknowledged { call: id });
            }
            (T::CallProceeding, S::CallInitiated | S::OverlapSending) if outgoing => {
                if !self.take_response_channel(id, m) {
                    return self.no_channel(now, id);
                }
                self.set_state(id, S::OutgoingCallProceeding);
                self.set_timer(now, id, Some(Timer::T310));
                let channel = self.channel(id);
                self.events
                    .push_back(Event::Proceeding { call: id, channel });
            }
            (T::Alerting, S::CallInitiated | S::OverlapSending | S::OutgoingCallProceeding)
                if outgoing =>
            {
                if !self.take_response_channel(id, m) {
                    return self.no_channel(now, id);
                }
                self.set_state(id, S::CallDelivered);
                self.set_timer(now, id, Some(Timer::T301));
                self.events.push_back(Event::Alerting { call: id });
            }
            (
                T::Connect,
                S::CallInitiated | S::OverlapSending | S::OutgoingCallProceeding | S::CallDelivered,
            ) if outgoing => {
                if !self.take_response_channel(id, m) {
                    return self.no_channel(now, id);
                }
                self.send(id, T::ConnectAck, Vec::new());
                self.set_state(id, S::Active);
                self.set_timer(now, id, None);
                self.events.push_back(Event::Connected { call: id });
            }
            // ---- terminating side (§5.2) ----
            (T::ConnectAck, S::ConnectRequest) => {
                self.set_state(id, S::Active);
                self.set_timer(now, id, None);
                self.events.push_back(Event::Connected { call: id });
            }
            // A CONNECT ACKNOWLEDGE overtaken by our own clearing is a race, not an error.
            (
                T::ConnectAck,
                S::Active | S::DisconnectRequest | S::DisconnectIndication | S::ReleaseRequest,
            ) => {}
            (T::Information, S::OverlapReceiving | S::CallPresent) if !outgoing => {
                let digits = m
                    .called_number()
                    .map(|n| n.digits.clone())
                    .unwrap_or_default();
                let complete = m
                    .find(|ie| matches!(ie, Ie::SendingComplete).then_some(()))
                    .is_some();
                if state == S::OverlapReceiving {
                    let t = (!complete).then_some(Timer::T302);
                    self.set_timer(now, id, t);
                }
                self.events.push_back(Event::Digits {
                    call: id,
                    digits,
                    complete,
                });
            }
            (T::Information, _) => {}
            // ---- clearing (§5.3, §5.4) ----
            (T::Disconnect, S::DisconnectRequest) => {
                // §5.4 clearing collision: both sent DISCONNECT: send RELEASE.
                self.send_release(now, id, cause);
            }
            (T::Disconnect, S::ReleaseRequest | S::DisconnectIndication) => {}
            (T::Disconnect, _) => {
                self.set_state(id, S::DisconnectIndication);
                self.set_timer(now, id, None);
                if let Some(c) = self.calls.get_mut(&id) {
                    c.cause = cause;
                }
                self.events
                    .push_back(Event::Disconnected { call: id, cause });
            }
            (T::Release, S::ReleaseRequest) => {
                // §5.4: RELEASE collision: Null without RELEASE COMPLETE.
                self.release_local(id, cause);
            }
            (T::Release, _) => {
                self.send_release_complete(id, report);
                self.release_local(id, cause);
            }
            (T::ReleaseComplete, _) => {
                let cause = if state == S::ReleaseRequest {
                    self.calls.get(&id).map_or(cause, |c| c.cause)
                } else {
                    cause
                };
                let cause = m.cause().map_or(cause, |c| c.value);
                self.release_local(id, cause);
            }
            // ---- status (§5.8.10, §5.8.11) ----
            (T::StatusEnquiry, _) => {
                let r = vec![
                    self.cause_ie(CauseValue::RESPONSE_TO_STATUS_ENQUIRY),
                    Ie::CallState(CallStateIe {
                        coding_standard: 0,
                        state: self.public_state(state).value(),
                    }),
                ];
                self.send(id, T::Status, r);
            }
            (T::Status, _) => self.status_received(now, id, m),
            // ---- passed through to the user (§5.1.6, §5.9, Q.932 §8) ----
            (T::Progress, _) => {
                if let Some(progress) = m.find(|ie| {
                    if let Ie::Progress(p) = ie {
                        Some(*p)
                    } else {
                        None
                    }
                }) {
                    let cause = m.cause().map(|c| c.value);
                    self.events.push_back(Event::Progress {
                        call: id,
                        progress,
                        cause,
                    });
                }
            }
            (T::Notify, _) => {
                if let Some(notification) = m.find(|ie| {
                    if let Ie::Notification(n) = ie {
                        Some(n.clone())
                    } else {
                        None
                    }
                }) {
                    self.events.push_back(Event::Notify {
                        call: id,
                        notification,
                    });
                }
            }
            (T::Facility, _) => {
                let all: Vec<Vec<u8>> = m
                    .ies_with_codeset()
                    .filter_map(|(cs, ie)| match ie {
                        Ie::Facility(d) if cs == 0 => Some(d.clone()),
                        _ => None,
                    })
                    .collect();
                for contents in all {
                    self.events
                        .push_back(Event::Facility { call: id, contents });
                }
            }
            // §5.8.4: message not compatible with the state: STATUS #101.
            _ => {
                let r = vec![
                    self.cause_ie(CauseValue::MESSAGE_NOT_COMPATIBLE_WITH_STATE),
                    Ie::CallState(CallStateIe {
                        coding_standard: 0,
                        state: self.public_state(state).value(),
                    }),
                ];
                self.send(id, T::Status, r);
            }
        }
    }

    fn no_channel(&mut self, now: Instant, id: CallId) {
        self.events.push_back(Event::Disconnected {
            call: id,
            cause: CauseValue::REQUESTED_CHANNEL_NOT_AVAILABLE,
        });
        self.send_disconnect(now, id, CauseValue::REQUESTED_CHANNEL_NOT_AVAILABLE);
    }

    fn status_received(&mut self, now: Instant, id: CallId, m: &Message) {
        let Some(peer) = m.find(|ie| match ie {
            Ie::CallState(s) => Some(s.state),
            _ => None,
        }) else {
            return;
        };
        let Some(ours) = self.state(id) else {
            return;
        };
        let cause = m
            .cause()
            .map_or(CauseValue::NORMAL_UNSPECIFIED, |c| c.value);
        if peer == 0 {
            // §5.8.11: the peer has no call: release locally.
            self.release_local(id, cause);
            return;
        }
        if ours == CallState::ReleaseRequest {
            return;
        }
        if !compatible(ours.value(), peer) {
            // §5.8.11: incompatible states: clear with RELEASE #101.
            self.send_release(now, id, CauseValue::MESSAGE_NOT_COMPATIBLE_WITH_STATE);
        }
    }
}

/// Are our state and the peer's (Q.931 state values, both numbered as in §2) compatible
/// (§5.8.11)? Both sides number a call's phases alike, so they match but for transients.
fn compatible(ours: u8, peer: u8) -> bool {
    const OUT: [u8; 4] = [1, 2, 3, 4];
    const IN: [u8; 5] = [6, 7, 8, 9, 25];
    const EARLY: [u8; 6] = [1, 2, 3, 6, 9, 25];
    const CLEARING: [u8; 3] = [11, 12, 19];
    if ours == peer || CLEARING.contains(&ours) || CLEARING.contains(&peer) {
        return true;
    }
    let cross = |a: u8, b: u8| OUT.contains(&a) && IN.contains(&b);
    let early_active = |a: u8, b: u8| a == 10 && EARLY.contains(&b);
    !(cross(ours, peer)
        || cross(peer, ours)
        || early_active(ours, peer)
        || early_active(peer, ours))
}

fn number(digits: &str) -> PartyNumber {
    PartyNumber::new(TypeOfNumber::Unknown, NumberingPlan::Isdn, digits)
}

fn channel_numbers(cid: Option<&ChannelId>) -> Vec<u8> {
    match cid {
        Some(ChannelId {
            selection: ChannelSelection::AsIndicated,
            channels: Some(ChannelList::Numbers(v)),
            ..
        }) => v.clone(),
        _ => Vec::new(),
    }
}
