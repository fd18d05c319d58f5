//! The call engine task: drives the one [`callcenter::Center`] of the box (the switch with
//! the IVR, ACD and CTI model around it).
//!
//! Channel tasks (the E1 spans, SIP) send what happens on their lines as [`ToEngine`]
//! messages; the task turns them into [`LegEvent`]s, and executes the switch's
//! [`Command`]s: leg signalling goes back to the channel task that owns the leg
//! ([`ToSpan`], [`crate::sip`]), [`Command::Media`] and digits go to the media thread
//! ([`Ctl`]). Switch [`Event`]s go to the store's event log (call start, answer, end) and
//! every CDR to the CDR table. Digits found by the media thread come back as
//! [`LegEvent::Digits`].
//!
//! Center events: event-log rows go to the store, IVR look-ups are answered from the store
//! (customer by phone), `PlayPrompt` hands the prompt's preloaded clip to the media thread
//! ([`crate::player`]) and answers `PromptFinished` after its length, interaction records
//! go to the customer's history in the store. CTI requests from the panel arrive as
//! [`ToEngine::Cti`] and CSTA event reports go out through [`crate::ctiside::Hub`], which
//! also carries the wallboard's live state; with `--demo --demo-auto-ready`, an agent whose
//! phone registers is logged on and made Ready.
//!
//! This task holds no protocol logic: it maps ids (switch legs ↔ Q.931 call references ↔
//! media slots) and moves messages.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use callcenter::Center;
use isdn::call::CallId as IsdnCall;
use rtrb::Consumer;
use serde_json::json;
use store::events::{EventKind, NewEvent};
use store::journal::JournalRow;
use switch::dialplan::{CallingParty, ChannelKind, OriginClass, Presentation};
use switch::engine::{CallId, Destination, LegId, MediaCommand, Source};
use switch::{Cause, Command, Event, LegEvent};
use tokio::sync::{Notify, mpsc};
use tracing::{debug, info, warn};

use crate::Shared;
use crate::clock::Clock;
use crate::media::{Ctl, E1_SLOTS, Media, MediaEvent};
use crate::sipside::SipSide;

/// Silence played for a prompt whose file is absent.
const PROMPT_FALLBACK: Duration = Duration::from_secs(1);

/// Longest a caller bound for a queue waits for the CRM look-up of its number (the look-up
/// thread answers in milliseconds; a busy database must not hold callers back).
const CUSTOMER_LOOKUP_WAIT: Duration = Duration::from_millis(500);

/// What a span task tells the engine (keyed by the span's Q.931 call reference).
#[derive(Debug)]
pub(crate) enum SpanEv {
    /// A call arrived and was sent CALL PROCEEDING on B-channel `channel`.
    Incoming {
        call: IsdnCall,
        channel: Option<u8>,
        called: String,
        calling: Option<String>,
        /// The calling number's presentation is restricted (Q.931 §4.5.10 octet 3a).
        restricted: bool,
    },
    /// Our SETUP for `leg` went out as `call`.
    Originated { leg: LegId, call: IsdnCall },
    /// Our SETUP for `leg` could not be sent.
    OriginateFailed { leg: LegId, cause: Cause },
    /// The far end took our call on `channel`.
    Proceeding { call: IsdnCall, channel: Option<u8> },
    /// The far end rings.
    Alerting { call: IsdnCall },
    /// In-band information from the far end.
    Progress { call: IsdnCall },
    /// The far end answered.
    Connected { call: IsdnCall },
    /// Digits (INFORMATION).
    Digits { call: IsdnCall, digits: String },
    /// The call is over on the line.
    Ended { call: IsdnCall, cause: Cause },
    /// The D-channel data link went up or down (down counts as a span alarm for routing).
    Link { up: bool },
}

/// What the engine tells a span task.
#[derive(Debug)]
pub(crate) enum ToSpan {
    /// Place a call (SETUP with these numbers).
    Setup {
        leg: LegId,
        called: String,
        calling: Option<String>,
        /// Presentation restricted (Q.931 §4.5.10 octet 3a).
        restricted: bool,
    },
    /// ALERTING.
    Alert { call: IsdnCall },
    /// In-band information follows (ALERTING if not yet sent).
    Progress { call: IsdnCall },
    /// CONNECT.
    Answer { call: IsdnCall },
    /// DISCONNECT with `cause`.
    Hangup { call: IsdnCall, cause: Cause },
}

/// Messages to the engine.
#[derive(Debug)]
pub(crate) enum ToEngine {
    /// From span number `span` (0-based).
    Span { span: usize, ev: SpanEv },
    /// From the SIP side.
    Sip(crate::sipside::SipEv),
    /// A new configuration (SIGHUP).
    Reconfigure(Box<callcenter::Config>),
    /// New SIP accounts (SIGHUP).
    Accounts(Vec<::sip::ua::Account>),
    /// A control API query ([`crate::control`]).
    Control(crate::control::EngineQuery),
    /// A CTI request from the panel ([`crate::ctiside`]).
    Cti(Box<crate::ctiside::CtiCall>),
    /// A recording control request ([`crate::recorder`]).
    Recording(crate::recorder::RecRequest),
    /// Prompt files and the music on hold, read again on a blocking thread (SIGHUP).
    Prompts(Box<crate::player::Audio>),
    /// The recording policy, read again (SIGHUP).
    RecordingPolicy(store::recordings::RecordingPolicy),
    /// From line port number `port` (0-based, [`crate::lines`]).
    Line {
        port: usize,
        ev: crate::lines::LineEv,
    },
    /// The voicemail caller on `leg` stayed silent for the silence limit
    /// ([`crate::recorder`]): the message ends.
    VoicemailSilent { leg: LegId },
    /// The voicemail silence limit (s; 0 = never), read again (SIGHUP).
    VoicemailSilenceLimit(u32),
    /// An IVR look-up's answer, read from the store off the engine ([`crate::lookups`]).
    LookUp {
        call: CallId,
        id: u32,
        outcome: ivr::LookUpOutcome,
    },
    /// Agent `agent` (its number) holds or is offered `chats` web chats
    /// ([`crate::webchat`]): "one call or chats" from the call side.
    ChatLoad { agent: String, chats: usize },
}

#[derive(Debug)]
enum Chan {
    E1 {
        span: usize,
        call: Option<IsdnCall>,
        /// Hang-up ordered before the SETUP went out.
        pending_hangup: Option<Cause>,
    },
    Sip,
    /// An analog port ([`crate::lines`]).
    Line,
}

#[derive(Debug)]
struct Leg {
    chan: Chan,
    slot: Option<usize>,
    incoming: bool,
    answered: bool,
    endpoint: String,
}

#[derive(Debug)]
struct CallInfo {
    id: String,
    src: String,
    dst: Option<String>,
    answered: bool,
    /// Wall-clock start (µs), for the wallboard.
    started_us: i64,
}

/// The engine's state.
pub(crate) struct Engine {
    sw: Center,
    /// Prompts being "played": when each ends.
    prompts: Vec<(tdm::Instant, LegId)>,
    /// Log demo agents on and Ready when their phone registers.
    demo_agents: bool,
    invoke: u32,
    shared: Arc<Shared>,
    media: Arc<Media>,
    spans: Vec<mpsc::UnboundedSender<ToSpan>>,
    span_names: Vec<String>,
    sip: Option<SipSide>,
    legs: HashMap<LegId, Leg>,
    e1: HashMap<(usize, IsdnCall), LegId>,
    calls: HashMap<CallId, CallInfo>,
    free_rtp: Vec<usize>,
    boot: i64,
    clock: Clock,
    /// CTI events and the wallboard's live state ([`crate::ctiside`]).
    hub: Option<Arc<crate::ctiside::Hub>>,
    feed: crate::ctiside::LiveFeed,
    next_live: tdm::Instant,
    /// Prompt audio, loaded at start and on SIGHUP ([`crate::player`]).
    clips: crate::player::Prompts,
    /// The music on hold the media thread has.
    moh: Option<crate::player::Clip>,
    /// Clips a reload replaced, kept until the media thread let go of them.
    retired: crate::player::Retired,
    /// Call recording and voicemail files ([`crate::recorder`]).
    rec: Option<crate::recorder::Recorder>,
    /// Event-log rows, CDRs and interactions go here, committed in batches by the journal
    /// thread ([`crate::journal`]): the engine never writes to the store itself.
    journal: crate::journal::JournalTx,
    /// The analog line ports and their legs ([`crate::lines`]).
    lines: crate::lines::Lines,
    /// IVR look-ups, answered off this task ([`crate::lookups`]).
    lookups: Option<crate::lookups::Lookups>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("calls", &self.sw.call_count())
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub(crate) fn new(
        sw: Center,
        shared: Arc<Shared>,
        media: Arc<Media>,
        spans: Vec<mpsc::UnboundedSender<ToSpan>>,
        span_names: Vec<String>,
        sip: Option<SipSide>,
        journal: crate::journal::JournalTx,
    ) -> Self {
        let clock = shared.clock;
        let mut sw = sw;
        // A span is in alarm for routing until its data link comes up.
        for i in 0..spans.len() {
            if let Ok(span) = u16::try_from(i + 1) {
                let _ = sw.handle_input(clock.now(), LegEvent::SpanAlarm { span, alarm: true });
            }
        }
        while sw.poll_event().is_some() {}
        Self {
            sw,
            prompts: Vec::new(),
            demo_agents: false,
            invoke: 0,
            shared,
            media,
            spans,
            span_names,
            sip,
            legs: HashMap::new(),
            e1: HashMap::new(),
            calls: HashMap::new(),
            free_rtp: (crate::media::RTP_BASE..crate::media::RTP_BASE + crate::media::RTP_SLOTS)
                .rev()
                .collect(),
            boot: Clock::wall_now().0 / 1_000_000,
            clock,
            hub: None,
            feed: crate::ctiside::LiveFeed::default(),
            next_live: tdm::Instant::ZERO,
            clips: crate::player::Prompts::default(),
            moh: None,
            retired: crate::player::Retired::default(),
            rec: None,
            journal,
            lines: crate::lines::Lines::default(),
            lookups: None,
        }
    }

    /// Runs until every sender is gone.
    pub(crate) async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<ToEngine>,
        mut media_events: Consumer<MediaEvent>,
        media_notify: Arc<Notify>,
    ) {
        loop {
            let now = self.clock.now();
            let next = [
                self.sw.poll_timeout(),
                self.prompts.iter().map(|p| p.0).min(),
                self.sip.as_ref().and_then(|s| s.ua.poll_timeout()),
            ]
            .into_iter()
            .flatten()
            .min();
            let wait = next
                .map_or(Duration::from_secs(1), |t| t.saturating_duration_since(now))
                .min(Duration::from_secs(1));
            tokio::select! {
                m = rx.recv() => match m {
                    Some(m) => self.on_message(m),
                    None => break,
                },
                () = media_notify.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
            while let Ok(MediaEvent::Digit { leg, digit }) = media_events.pop() {
                info!(leg = leg.0, call = %self.call_id(leg), digit = %digit, "digit heard on the line");
                self.input(LegEvent::Digits {
                    leg,
                    digits: digit.to_string(),
                });
            }
            let now = self.clock.now();
            if self.sw.poll_timeout().is_some_and(|t| t <= now) {
                self.sw.handle_timeout(now);
                self.pump();
            }
            self.prompts_due(now);
            if now >= self.next_live {
                self.next_live = now + crate::ctiside::LIVE_EVERY;
                self.publish_live();
            }
            if self.sip.is_some() {
                crate::sipside::on_timeout(&mut self);
            }
            self.rec_retry_untaps();
            self.retired.release();
        }
    }

    fn input(&mut self, ev: LegEvent) {
        let now = self.clock.now();
        if let Err(e) = self.sw.handle_input(now, ev.clone()) {
            debug!("switch refused {ev:?}: {e}");
        }
        self.pump();
    }

    fn on_message(&mut self, m: ToEngine) {
        match m {
            ToEngine::Span { span, ev } => self.on_span(span, ev),
            ToEngine::Sip(ev) => crate::sipside::on_event(self, ev),
            ToEngine::Accounts(a) => {
                if let Some(s) = self.sip.as_mut() {
                    s.ua.set_accounts(a);
                }
            }
            ToEngine::Control(q) => crate::control::answer_engine(self, q),
            ToEngine::Cti(c) => {
                let reply = c.reply.clone();
                let r = crate::ctiside::on_request(&mut self.sw, self.clock.now(), *c);
                self.pump();
                let _ = reply.send(r);
            }
            ToEngine::Recording(r) => self.rec_request(r),
            ToEngine::Prompts(audio) => self.set_audio(*audio),
            ToEngine::VoicemailSilent { leg } => {
                let now = self.clock.now();
                if self.sw.voicemail_silence(now, leg) {
                    info!(leg = leg.0, "voicemail message ended by silence");
                }
                self.pump();
            }
            ToEngine::VoicemailSilenceLimit(secs) => {
                if let Some(r) = self.rec.as_mut() {
                    r.set_voicemail_silence(secs);
                }
            }
            ToEngine::LookUp { call, id, outcome } => {
                self.answer_lookup(call, id, outcome);
                self.pump();
            }
            ToEngine::RecordingPolicy(p) => {
                if let Some(r) = self.recorder_mut() {
                    r.set_policy(p);
                }
            }
            ToEngine::Line { port, ev } => crate::lines::on_event(self, port, ev),
            ToEngine::ChatLoad { agent, chats } => {
                match self.sw.set_chat_load(self.clock.now(), &agent, chats) {
                    Ok(true) if chats > 0 => {
                        info!(%agent, chats, "agent held out of voice routing: holding web chats");
                    }
                    Ok(true) => info!(%agent, "agent back in voice routing: web chats done"),
                    Ok(false) => debug!(%agent, chats, "chat load"),
                    Err(e) => debug!(%agent, chats, "chat load not applied: {e}"),
                }
                self.pump();
            }
            ToEngine::Reconfigure(mut cfg) => {
                cfg.epoch_unix_s = self.clock.epoch_unix_s();
                crate::sipside::apply_trunk_trust(self, &cfg.switch);
                match self.sw.reconfigure(self.clock.now(), *cfg) {
                    Ok(()) => info!("call center reconfigured"),
                    Err(e) => warn!("call center refused the new configuration: {e}"),
                }
            }
        }
    }

    fn leg_of(&self, span: usize, call: IsdnCall) -> Option<LegId> {
        self.e1.get(&(span, call)).copied()
    }

    fn span_name(&self, span: usize) -> &str {
        self.span_names.get(span).map_or("span?", String::as_str)
    }

    fn on_span(&mut self, span: usize, ev: SpanEv) {
        match ev {
            SpanEv::Incoming {
                call,
                channel,
                called,
                calling,
                restricted,
            } => {
                let leg = self.sw.allocate_leg();
                let endpoint = format!("{}/{}", self.span_name(span), channel.unwrap_or(0));
                let slot = self.attach_tdm(span, channel, leg);
                self.e1.insert((span, call), leg);
                self.legs.insert(
                    leg,
                    Leg {
                        chan: Chan::E1 {
                            span,
                            call: Some(call),
                            pending_hangup: None,
                        },
                        slot,
                        incoming: true,
                        answered: false,
                        endpoint: endpoint.clone(),
                    },
                );
                self.input(LegEvent::Incoming {
                    leg,
                    kind: ChannelKind::E1Bchannel,
                    endpoint,
                    origin: OriginClass::Trunk,
                    called,
                    calling: CallingParty {
                        number: calling,
                        presentation: if restricted {
                            Presentation::Restricted
                        } else {
                            Presentation::Allowed
                        },
                    },
                });
            }
            SpanEv::Originated { leg, call } => {
                let pending = match self.legs.get_mut(&leg) {
                    Some(Leg {
                        chan:
                            Chan::E1 {
                                call: c,
                                pending_hangup,
                                ..
                            },
                        ..
                    }) => {
                        *c = Some(call);
                        pending_hangup.take()
                    }
                    _ => Some(Cause::NORMAL_CLEARING),
                };
                self.e1.insert((span, call), leg);
                if let Some(cause) = pending {
                    self.send_span(span, ToSpan::Hangup { call, cause });
                    self.forget(leg);
                }
            }
            SpanEv::OriginateFailed { leg, cause } => {
                self.input(LegEvent::Hangup { leg, cause });
                self.forget(leg);
            }
            SpanEv::Proceeding { call, channel } => {
                if let Some(leg) = self.leg_of(span, call)
                    && self.legs.get(&leg).is_some_and(|l| l.slot.is_none())
                {
                    let slot = self.attach_tdm(span, channel, leg);
                    if let Some(l) = self.legs.get_mut(&leg) {
                        l.slot = slot;
                        l.endpoint = format!("{}/{}", self.span_names[span], channel.unwrap_or(0));
                    }
                    // The switch may have bridged the leg already (early media): redo it.
                    if let Some(b) = self.sw.switch().bridge_of(leg) {
                        let legs = self
                            .sw
                            .switch()
                            .bridges()
                            .find(|(id, _)| *id == b)
                            .map(|(_, l)| l.to_vec())
                            .unwrap_or_default();
                        self.media
                            .control(Ctl::Switch(MediaCommand::Bridge { bridge: b, legs }));
                    }
                }
            }
            SpanEv::Alerting { call } => {
                if let Some(leg) = self.leg_of(span, call) {
                    self.input(LegEvent::Alerting { leg });
                }
            }
            SpanEv::Progress { call } => {
                if let Some(leg) = self.leg_of(span, call) {
                    self.input(LegEvent::Progress { leg });
                }
            }
            SpanEv::Connected { call } => {
                if let Some(leg) = self.leg_of(span, call) {
                    self.shared.metrics.call(self.span_name(span), "answered");
                    self.input(LegEvent::Answered { leg });
                }
            }
            SpanEv::Digits { call, digits } => {
                if let Some(leg) = self.leg_of(span, call) {
                    self.input(LegEvent::Digits { leg, digits });
                }
            }
            SpanEv::Ended { call, cause } => {
                if let Some(leg) = self.e1.remove(&(span, call)) {
                    self.input(LegEvent::Hangup { leg, cause });
                    self.forget(leg);
                }
            }
            SpanEv::Link { up } => {
                if let Ok(n) = u16::try_from(span + 1) {
                    self.input(LegEvent::SpanAlarm {
                        span: n,
                        alarm: !up,
                    });
                }
            }
        }
    }

    fn attach_tdm(&self, span: usize, channel: Option<u8>, leg: LegId) -> Option<usize> {
        let ts = usize::from(channel?);
        if ts == 0 || ts >= E1_SLOTS || span >= crate::media::MAX_SPANS {
            return None;
        }
        let slot = span * E1_SLOTS + ts;
        self.media.control(Ctl::AttachTdm { slot, leg });
        Some(slot)
    }

    /// A media slot for a new RTP leg.
    pub(crate) fn rtp_slot(&mut self) -> Option<usize> {
        self.free_rtp.pop()
    }

    /// Gives back an unused RTP slot.
    pub(crate) fn release_slot(&mut self, slot: usize) {
        self.free_rtp.push(slot);
    }

    /// Monotonic now.
    pub(crate) fn now(&self) -> tdm::Instant {
        self.clock.now()
    }

    /// The SIP side.
    pub(crate) fn sip_mut(&mut self) -> Option<&mut SipSide> {
        self.sip.as_mut()
    }

    /// The daemon's metrics (the SIP side reports trunk registrations there).
    pub(crate) fn metrics(&self) -> &crate::metrics::Metrics {
        &self.shared.metrics
    }

    /// Queues an order for the media thread; `false` when its queue was full (the order
    /// was not queued).
    pub(crate) fn media_ctl(&self, c: Ctl) -> bool {
        self.media.control(c)
    }

    /// Whether new calls are taken (not draining).
    pub(crate) fn accepting(&self) -> bool {
        *self.shared.accepting.borrow()
    }

    /// Registers a SIP leg (its slot attached by the SIP side).
    pub(crate) fn add_sip_leg(
        &mut self,
        leg: LegId,
        slot: Option<usize>,
        incoming: bool,
        endpoint: String,
    ) {
        self.legs.insert(
            leg,
            Leg {
                chan: Chan::Sip,
                slot,
                incoming,
                answered: false,
                endpoint,
            },
        );
    }

    /// The line ports ([`crate::lines`]).
    pub(crate) fn lines(&mut self) -> &mut crate::lines::Lines {
        &mut self.lines
    }

    /// Registers a leg on a line port (its slot attached by [`crate::lines`]).
    pub(crate) fn add_line_leg(
        &mut self,
        leg: LegId,
        _port: usize,
        slot: usize,
        incoming: bool,
        endpoint: String,
    ) {
        self.legs.insert(
            leg,
            Leg {
                chan: Chan::Line,
                slot: Some(slot),
                incoming,
                answered: false,
                endpoint,
            },
        );
    }

    /// Sets the media slot of a known SIP leg.
    pub(crate) fn set_slot(&mut self, leg: LegId, slot: usize) {
        if let Some(l) = self.legs.get_mut(&leg) {
            l.slot = Some(slot);
        }
    }

    /// The call center (for the SIP side's inputs).
    pub(crate) fn switch(&mut self) -> &mut Center {
        &mut self.sw
    }

    /// Feeds an event from the SIP side.
    pub(crate) fn sip_input(&mut self, ev: LegEvent) {
        self.input(ev);
    }

    /// The leg is gone: its media slot is emptied.
    pub(crate) fn forget(&mut self, leg: LegId) {
        self.rec_leg_gone(leg);
        if let Some(l) = self.legs.remove(&leg) {
            if let Chan::E1 {
                span,
                call: Some(call),
                ..
            } = l.chan
            {
                self.e1.remove(&(span, call));
            }
            if let Some(slot) = l.slot {
                self.media.control(Ctl::Detach { slot });
                if (crate::media::RTP_BASE..crate::media::LINE_BASE).contains(&slot) {
                    self.free_rtp.push(slot);
                }
            }
        }
        self.shared
            .metrics
            .active_calls
            .set(i64::try_from(self.sw.call_count()).unwrap_or(i64::MAX));
    }

    fn send_span(&self, span: usize, m: ToSpan) {
        match self.spans.get(span) {
            Some(tx) if tx.send(m).is_ok() => {}
            _ => warn!(span, "span task gone"),
        }
    }

    /// Drains the switch's commands and events.
    fn pump(&mut self) {
        loop {
            let mut any = false;
            // Events first: they name the call the commands' log lines refer to.
            while let Some((at, e)) = self.sw.poll_event() {
                any = true;
                self.center_event(at, e);
            }
            while let Some(r) = self.sw.poll_cti_event() {
                any = true;
                match &self.hub {
                    Some(h) => h.publish(r),
                    None => debug!("cti event (no CTI endpoint): {r:?}"),
                }
            }
            while let Some(c) = self.sw.poll_command() {
                any = true;
                self.exec(c);
            }
            if !any {
                break;
            }
        }
        self.shared
            .metrics
            .active_calls
            .set(i64::try_from(self.sw.call_count()).unwrap_or(i64::MAX));
    }

    pub(crate) fn call_id(&self, leg: LegId) -> String {
        self.sw
            .switch()
            .call_of(leg)
            .and_then(|c| self.calls.get(&c))
            .map_or_else(String::new, |c| c.id.clone())
    }

    fn exec(&mut self, c: Command) {
        match c {
            Command::Alert { leg } => match self.legs.get(&leg).map(|l| &l.chan) {
                Some(Chan::E1 {
                    span,
                    call: Some(call),
                    ..
                }) => self.send_span(*span, ToSpan::Alert { call: *call }),
                Some(Chan::Sip) => crate::sipside::alert(self, leg, false, false),
                Some(Chan::Line) => crate::lines::signal(self, leg, crate::lines::ToLine::Alert),
                _ => {}
            },
            Command::Progress { leg } => match self.legs.get(&leg).map(|l| &l.chan) {
                Some(Chan::E1 {
                    span,
                    call: Some(call),
                    ..
                }) => self.send_span(*span, ToSpan::Progress { call: *call }),
                Some(Chan::Sip) => crate::sipside::alert(self, leg, true, false),
                Some(Chan::Line) => crate::lines::signal(self, leg, crate::lines::ToLine::Alert),
                _ => {}
            },
            Command::Answer { leg } => {
                info!(leg = leg.0, call = %self.call_id(leg), "call answered");
                if let Some(l) = self.legs.get_mut(&leg) {
                    l.answered = true;
                }
                match self.legs.get(&leg).map(|l| &l.chan) {
                    Some(Chan::E1 {
                        span,
                        call: Some(call),
                        ..
                    }) => {
                        let span = *span;
                        self.shared.metrics.call(self.span_name(span), "answered");
                        self.send_span(span, ToSpan::Answer { call: *call });
                    }
                    Some(Chan::Sip) => crate::sipside::alert(self, leg, false, true),
                    Some(Chan::Line) => {
                        crate::lines::signal(self, leg, crate::lines::ToLine::Answer);
                    }
                    _ => {}
                }
            }
            Command::Originate {
                leg,
                call,
                kind,
                destination,
                called,
                calling,
            } => self.originate(leg, call, kind, destination, called, calling),
            Command::Hangup { leg, cause } => {
                let Some(l) = self.legs.get_mut(&leg) else {
                    return;
                };
                if l.incoming {
                    info!(leg = leg.0, endpoint = %l.endpoint, cause = cause.0, "call cleared by the switch");
                }
                if l.incoming
                    && !l.answered
                    && let Chan::E1 { span, .. } = l.chan
                    && let Some(n) = self.span_names.get(span)
                {
                    self.shared.metrics.call(n, "rejected");
                }
                match &mut l.chan {
                    Chan::E1 {
                        span,
                        call: Some(call),
                        ..
                    } => {
                        let (span, call) = (*span, *call);
                        self.send_span(span, ToSpan::Hangup { call, cause });
                    }
                    Chan::E1 {
                        call: None,
                        pending_hangup,
                        ..
                    } => {
                        // The SETUP is on its way: cleared when it is.
                        *pending_hangup = Some(cause);
                        if let Some(s) = l.slot.take() {
                            self.media.control(Ctl::Detach { slot: s });
                        }
                        return;
                    }
                    Chan::Sip => {
                        crate::sipside::hangup(self, leg, cause);
                        return;
                    }
                    Chan::Line => {
                        crate::lines::hangup(self, leg);
                        return;
                    }
                }
                self.forget(leg);
            }
            Command::SendDigits { leg, digits } => {
                for d in digits.chars().filter_map(media_dsp::dtmf::Digit::from_char) {
                    self.media.control(Ctl::Digit { leg, digit: d });
                }
            }
            Command::TransferFailed { leg, cause } => {
                info!(leg = leg.0, cause = cause.0, "transfer failed");
                if matches!(self.legs.get(&leg).map(|l| &l.chan), Some(Chan::Sip)) {
                    crate::sipside::transfer_failed(self, leg);
                }
            }
            Command::PlayPrompt {
                leg,
                prompt,
                language,
            } => self.play_prompt(leg, &prompt, &language),
            Command::Media(m) => {
                if let MediaCommand::StopPlay { leg } = &m {
                    self.prompts.retain(|p| p.1 != *leg);
                }
                if let MediaCommand::Play { leg, source } = &m {
                    info!(leg = leg.0, call = %self.call_id(*leg), source = ?source, "playing");
                    if *source == Source::EchoTest || *source == Source::TestTone {
                        debug!("application answered by the switch");
                    }
                }
                self.rec_media(&m);
                self.media.control(Ctl::Switch(m));
            }
            Command::RecordLeg { leg, action } => self.rec_leg(leg, action),
            other => debug!("command not handled: {other:?}"),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn originate(
        &mut self,
        leg: LegId,
        call: CallId,
        kind: ChannelKind,
        destination: Destination,
        called: String,
        calling: CallingParty,
    ) {
        let id = self
            .calls
            .get(&call)
            .map_or_else(String::new, |c| c.id.clone());
        info!(leg = leg.0, call = %id, ?destination, called = %called,
            calling = calling.number.as_deref().unwrap_or(""), "originating");
        if let Some(ci) = self.calls.get_mut(&call) {
            ci.dst = Some(match &destination {
                // Line ports' endpoints carry their own prefix (`analog/1`).
                Destination::Extension { endpoint, .. } if endpoint.contains('/') => {
                    endpoint.clone()
                }
                Destination::Extension { endpoint, .. } => format!("sip/{endpoint}"),
                Destination::Trunk { trunk, .. } => trunk.clone(),
            });
        }
        match (&destination, kind) {
            (Destination::Trunk { span: Some(n), .. }, ChannelKind::E1Bchannel) => {
                let span = usize::from(*n).saturating_sub(1);
                if span >= self.spans.len() {
                    self.input(LegEvent::Hangup {
                        leg,
                        cause: Cause::NO_CIRCUIT_AVAILABLE,
                    });
                    return;
                }
                self.legs.insert(
                    leg,
                    Leg {
                        chan: Chan::E1 {
                            span,
                            call: None,
                            pending_hangup: None,
                        },
                        slot: None,
                        incoming: false,
                        answered: false,
                        endpoint: self.span_name(span).to_owned(),
                    },
                );
                self.send_span(
                    span,
                    ToSpan::Setup {
                        leg,
                        called,
                        restricted: calling.presentation == Presentation::Restricted,
                        calling: calling.number,
                    },
                );
            }
            (_, ChannelKind::AnalogFxs | ChannelKind::AnalogFxo | ChannelKind::SoundCard) => {
                if let Some(cause) = crate::lines::originate(
                    self,
                    leg,
                    &destination,
                    &called,
                    calling.number.as_deref(),
                ) {
                    self.input(LegEvent::Hangup { leg, cause });
                }
            }
            (_, ChannelKind::Sip) if self.sip.is_some() => {
                self.legs.insert(
                    leg,
                    Leg {
                        chan: Chan::Sip,
                        slot: None,
                        incoming: false,
                        answered: false,
                        endpoint: match &destination {
                            Destination::Extension { endpoint, .. } => format!("sip/{endpoint}"),
                            Destination::Trunk { trunk, .. } => format!("sip/{trunk}"),
                        },
                    },
                );
                if let Some(cause) =
                    crate::sipside::originate(self, leg, &destination, &called, &calling)
                {
                    self.legs.remove(&leg);
                    self.input(LegEvent::Hangup { leg, cause });
                }
            }
            _ => {
                warn!(
                    leg = leg.0,
                    ?kind,
                    "no channel of this kind can place the call"
                );
                let cause = match destination {
                    Destination::Extension { .. } => Cause(20),
                    Destination::Trunk { .. } => Cause::NO_CIRCUIT_AVAILABLE,
                };
                self.input(LegEvent::Hangup { leg, cause });
            }
        }
    }

    fn wall(&self, at: tdm::Instant) -> store::Timestamp {
        let back = self.clock.now().saturating_duration_since(at);
        store::Timestamp(Clock::wall_now().0 - i64::try_from(back.as_micros()).unwrap_or(0))
    }

    /// A hold or retrieve row for a plain call (no queue visit in it: the call center
    /// writes those itself, with the queue and the agent).
    fn plain_hold_row(&self, kind: EventKind, leg: LegId, at: tdm::Instant) {
        let sw = self.sw.switch();
        let bridged: Vec<LegId> = sw
            .bridge_of(leg)
            .and_then(|b| sw.bridges().find(|(id, _)| *id == b))
            .map_or_else(|| vec![leg], |(_, legs)| legs.to_vec());
        if bridged.iter().any(|l| self.sw.is_queue_agent_leg(*l)) {
            return;
        }
        let id = self.call_id(leg);
        if !id.is_empty() {
            self.append(kind, &id, at, json!({"leg": leg.0}));
        }
    }

    fn append(&self, kind: EventKind, id: &str, at: tdm::Instant, payload: serde_json::Value) {
        let ev = NewEvent::new(self.wall(at), kind).call(id).payload(payload);
        self.journal_event(ev);
    }

    /// Sends an event-log row to the journal thread.
    fn journal_event(&self, ev: NewEvent) {
        self.journal.push(JournalRow::Event(ev));
    }

    /// Logs demo agents on and Ready when their phone registers (`--demo`).
    pub(crate) fn set_demo_agents(&mut self, on: bool) {
        self.demo_agents = on;
    }

    /// A SIP phone registered as `user`: with `--demo`, an agent of that number is logged on
    /// and made Ready (there is no agent desktop in the daemon yet).
    pub(crate) fn phone_registered(&mut self, user: &str) {
        if !self.demo_agents || !self.sw.config().agents.iter().any(|a| a.number == user) {
            return;
        }
        let principal = cti::Principal {
            agent: cti::AgentId::new(user),
            role: cti::Role::Agent,
        };
        for state in [
            cti::RequestedAgentState::LoggedOn,
            cti::RequestedAgentState::Ready,
        ] {
            self.invoke = self.invoke.wrapping_add(1);
            let now = self.clock.now();
            match self.sw.cti_request(
                now,
                &principal,
                cti::InvokeId(self.invoke),
                cti::ServiceRequest::SetAgentState {
                    agent: cti::AgentId::new(user),
                    requested_agent_state: state,
                },
            ) {
                Ok(_) => info!(agent = user, ?state, "demo agent state set"),
                Err(e) => debug!(agent = user, ?state, "demo agent state: {e:?}"),
            }
        }
        self.pump();
    }

    /// `PlayPrompt`: the prompt's clip (loaded at start, [`crate::player`]) goes to the media
    /// thread, which plays it to the leg; the IVR is told it finished after the clip's
    /// length. A prompt without a usable file is 1 s of silence (with a warning).
    fn play_prompt(&mut self, leg: LegId, prompt: &str, language: &str) {
        self.media
            .control(Ctl::Switch(MediaCommand::StopPlay { leg }));
        let len = match self.clips.get(prompt, language) {
            Ok(clip) => {
                let len = Duration::from_millis(u64::try_from(clip.len()).unwrap_or(0) / 8);
                self.media.control(Ctl::PlayClip { leg, clip });
                len
            }
            Err(e) => {
                warn!(
                    leg = leg.0,
                    prompt,
                    language,
                    "prompt file unusable ({e}): 1 s of silence (scripts/make-prompts.sh makes them)"
                );
                PROMPT_FALLBACK
            }
        };
        info!(
            leg = leg.0,
            prompt,
            language,
            ms = len.as_millis(),
            "prompt"
        );
        self.prompts.retain(|p| p.1 != leg);
        self.prompts.push((self.clock.now() + len, leg));
    }

    fn prompts_due(&mut self, now: tdm::Instant) {
        let (due, rest): (Vec<_>, Vec<_>) = self.prompts.drain(..).partition(|p| p.0 <= now);
        self.prompts = rest;
        for (_, leg) in due {
            self.input(LegEvent::PromptFinished { leg });
        }
    }

    fn log_id(&self, raw: Option<&str>) -> Option<String> {
        let raw = raw?;
        Some(
            raw.parse::<u64>()
                .map_or_else(|_| raw.to_owned(), |n| format!("{}-{n}", self.boot)),
        )
    }

    fn center_event(&mut self, at: tdm::Instant, e: callcenter::Event) {
        match e {
            callcenter::Event::Switch(e) => self.log(at, e),
            callcenter::Event::Log(l) => {
                let Some(kind) = EventKind::parse(l.kind.as_str()) else {
                    warn!(
                        kind = l.kind.as_str(),
                        "event log: kind unknown to the store"
                    );
                    return;
                };
                // The engine writes its own call start/answer/end rows from the switch's
                // events (same call id, with the endpoint): not twice.
                if matches!(
                    kind,
                    EventKind::CallStart | EventKind::CallAnswer | EventKind::CallEnd
                ) {
                    return;
                }
                let detail = l.payload.to_string();
                let mut ev = NewEvent::new(self.wall(at), kind).payload(l.payload);
                if let Some(c) = self.log_id(l.call.as_deref()) {
                    ev = ev.call(&c);
                }
                if let Some(q) = &l.queue {
                    ev = ev.queue(q);
                }
                if let Some(a) = &l.agent {
                    ev = ev.agent(a);
                }
                info!(kind = l.kind.as_str(), queue = ?l.queue, agent = ?l.agent, %detail, "call center");
                self.journal_event(ev);
                if let (EventKind::QueueConnect, Some(c), Some(q), Some(a)) =
                    (kind, &l.call, &l.queue, &l.agent)
                {
                    self.rec_queue_connect(c, q, a);
                }
            }
            callcenter::Event::LookUp { call, request } => {
                info!(call = %self.log_id(Some(&call.0.to_string())).unwrap_or_default(),
                    kind = ?request.kind, key = %request.key, "ivr look-up");
                let id = request.id;
                let asked = self
                    .lookups
                    .as_ref()
                    .is_some_and(|l| l.ask(call, request, self.wall(at)));
                if !asked {
                    warn!("IVR look-up: no look-up thread; answered as failed");
                    self.answer_lookup(call, id, ivr::LookUpOutcome::Failed);
                }
            }
            callcenter::Event::Interaction(r) => self.record_interaction(&r),
            callcenter::Event::VoicemailRecorded {
                leg,
                mailbox,
                caller,
                customer,
                queue,
                data,
                ..
            } => {
                info!(leg = leg.0, %mailbox, %caller, "voicemail message recorded");
                let vm = store::recordings::Voicemail {
                    id: 0,
                    recording_id: 0,
                    mailbox,
                    caller,
                    customer_id: customer,
                    queue: None,
                    data: serde_json::to_value(data).unwrap_or_else(|_| json!({})),
                    heard: false,
                };
                self.rec_voicemail(leg, vm, queue);
            }
            other => debug!("call center event: {other:?}"),
        }
    }

    fn log(&mut self, at: tdm::Instant, e: Event) {
        match e {
            Event::CallStarted {
                call,
                leg,
                kind,
                endpoint,
                origin,
                called,
                calling,
            } => {
                let id = format!("{}-{}", self.boot, call.0);
                info!(call = %id, leg = leg.0, endpoint = %endpoint, called = %called,
                    calling = calling.number.as_deref().unwrap_or(""), "call started");
                self.append(
                    EventKind::CallStart,
                    &id,
                    at,
                    json!({"called": called, "calling": calling.number, "endpoint": endpoint,
                        "kind": format!("{kind:?}"), "origin": format!("{origin:?}")}),
                );
                self.calls.insert(
                    call,
                    CallInfo {
                        id,
                        src: endpoint,
                        dst: None,
                        answered: false,
                        started_us: self.wall(at).0,
                    },
                );
            }
            Event::Routed { call, route, .. } => {
                let id = self.calls.get(&call).map_or("", |c| c.id.as_str());
                info!(call = %id, target = ?route.target, number = %route.number, "routed");
            }
            Event::Denied { call, reason, .. } => {
                let id = self.calls.get(&call).map_or("", |c| c.id.as_str());
                info!(call = %id, %reason, cause = reason.cause().0, "call denied by the dial plan");
            }
            Event::LegAnswered { leg } => {
                if let Some(call) = self.sw.switch().call_of(leg)
                    && let Some(ci) = self.calls.get_mut(&call)
                    && !ci.answered
                {
                    ci.answered = true;
                    let id = ci.id.clone();
                    self.append(EventKind::CallAnswer, &id, at, json!({"leg": leg.0}));
                }
            }
            Event::Held { leg } => {
                info!(leg = leg.0, call = %self.call_id(leg), "call held");
                self.plain_hold_row(EventKind::CallHold, leg, at);
            }
            Event::Resumed { leg } => {
                info!(leg = leg.0, call = %self.call_id(leg), "call resumed");
                self.plain_hold_row(EventKind::CallRetrieve, leg, at);
            }
            Event::Transferred { call, by, kind } => {
                let id = self.calls.get(&call).map_or("", |c| c.id.as_str());
                info!(call = %id, by = by.0, ?kind, "call transferred");
                if !id.is_empty() {
                    let kind = match kind {
                        switch::engine::TransferKind::Blind => "blind",
                        switch::engine::TransferKind::Attended => "attended",
                    };
                    let id = id.to_owned();
                    self.append(
                        EventKind::CallTransfer,
                        &id,
                        at,
                        json!({"leg": by.0, "kind": kind}),
                    );
                }
            }
            Event::TrunkSkipped { trunk, span, .. } => {
                info!(%trunk, span, "trunk skipped: span in alarm");
            }
            Event::TrunkFailover { trunk, cause, .. } => {
                info!(%trunk, cause = cause.0, "trunk failed, trying the next");
            }
            Event::Cdr(c) => {
                self.rec_call_over(c.call);
                let Some(ci) = self.calls.remove(&c.call) else {
                    return;
                };
                info!(call = %ci.id, cause = c.cause.0, talk_ms = c.talk.as_millis(), "call ended");
                self.append(
                    EventKind::CallEnd,
                    &ci.id,
                    at,
                    json!({"cause": c.cause.0, "legs": c.legs.len()}),
                );
                let start = self.wall(c.start);
                let end = self.wall(c.end).max(start);
                let answer = c.answer.map(|a| self.wall(a).clamp(start, end));
                let direction = if ci.src.starts_with("sip/") {
                    if c.trunk.is_some() {
                        store::cdr::Direction::Outbound
                    } else {
                        store::cdr::Direction::Internal
                    }
                } else {
                    store::cdr::Direction::Inbound
                };
                let disposition = match (answer, c.cause) {
                    (Some(_), _) => store::cdr::Disposition::Answered,
                    (None, Cause::USER_BUSY) => store::cdr::Disposition::Busy,
                    (
                        None,
                        Cause::NO_ANSWER | Cause::NO_USER_RESPONDING | Cause::NORMAL_CLEARING,
                    ) => store::cdr::Disposition::NoAnswer,
                    (None, _) => store::cdr::Disposition::Failed,
                };
                let cdr = store::cdr::Cdr {
                    call_id: ci.id.clone(),
                    start,
                    answer,
                    end,
                    caller: c.calling.number.unwrap_or_default(),
                    callee: c.called,
                    direction,
                    disposition,
                    cause: Some(c.cause.0),
                    src_channel: ci.src,
                    dst_channel: ci.dst,
                    queue: None,
                    agent: None,
                };
                self.journal.push(JournalRow::Cdr(cdr));
            }
            other => debug!("switch event: {other:?}"),
        }
    }
}

/// The CTI side, the wallboard feed and prompt audio ([`crate::ctiside`], [`crate::player`]).
impl Engine {
    /// Publishes CTI events and the wallboard's live state through `hub`.
    pub(crate) fn set_hub(&mut self, hub: Arc<crate::ctiside::Hub>) {
        self.hub = Some(hub);
    }

    /// Takes loaded prompt clips and music on hold ([`crate::player::Audio::load`], read
    /// off this task) and hands the music to the media thread. The clips replaced stay
    /// alive here until the media thread stops playing them.
    pub(crate) fn set_audio(&mut self, audio: crate::player::Audio) {
        let old = std::mem::replace(&mut self.clips, audio.prompts);
        self.retired.keep(old.into_clips());
        if self.media.control(Ctl::Moh {
            clip: Arc::clone(&audio.moh),
        }) {
            if let Some(old) = self.moh.replace(audio.moh) {
                self.retired.keep([old]);
            }
        } else {
            warn!("media order queue full: the music on hold was not replaced");
        }
    }

    fn publish_live(&mut self) {
        let Some(hub) = self.hub.clone() else {
            return;
        };
        let rows = self
            .calls
            .values()
            .map(|c| crate::ctiside::CallRow {
                id: &c.id,
                from: &c.src,
                to: c.dst.as_deref().unwrap_or(""),
                started_us: c.started_us,
            })
            .collect();
        self.feed.update(&self.sw, Clock::wall_now().0, rows, &hub);
    }

    /// An agent's part of a call (or an unanswered call) ended: the customer's history
    /// entry is queued for the journal thread, which commits it with the call's other rows
    /// (a row the store refuses, say for a deleted customer, is logged there).
    fn record_interaction(&mut self, r: &cti::InteractionRecord) {
        let call = self.log_id(Some(&r.call.0.to_string())).unwrap_or_default();
        let row = crate::ctiside::interaction_row(r, call.clone(), |i| self.wall(i));
        self.journal.push(JournalRow::Interaction(row));
        info!(
            call = %call,
            customer = ?r.customer_id,
            agent = ?r.agent,
            disposition = %r.disposition,
            "interaction recorded"
        );
    }
}

/// What the recorder needs of the engine ([`crate::recorder`]).
impl Engine {
    /// Records calls and voicemail messages with `r`.
    /// Hands a look-up's answer to the call center (which passes it to the call's IVR);
    /// the caller pumps the switch afterwards.
    fn answer_lookup(&mut self, call: CallId, id: u32, outcome: ivr::LookUpOutcome) {
        let summary = match &outcome {
            ivr::LookUpOutcome::Found(v) => format!("found {v:?}"),
            other => format!("{other:?}"),
        };
        info!(call = %self.log_id(Some(&call.0.to_string())).unwrap_or_default(),
            id, outcome = %summary, "ivr look-up answered");
        let now = self.clock.now();
        if let Err(e) = self.sw.answer_lookup(now, call, id, outcome) {
            debug!("look-up answer refused: {e}");
        }
    }

    /// IVR look-ups go to this thread from now on, and so does the call center's look-up
    /// of a caller bound for a queue whom no IVR identified (the caller waits at most
    /// [`CUSTOMER_LOOKUP_WAIT`] for it).
    pub(crate) fn set_lookups(&mut self, l: crate::lookups::Lookups) {
        self.lookups = Some(l);
        self.sw.set_customer_lookup(Some(CUSTOMER_LOOKUP_WAIT));
    }

    pub(crate) fn set_recorder(&mut self, r: crate::recorder::Recorder) {
        self.rec = Some(r);
    }

    pub(crate) fn recorder_mut(&mut self) -> Option<&mut crate::recorder::Recorder> {
        self.rec.as_mut()
    }

    /// The media slot of a leg.
    pub(crate) fn slot_of(&self, leg: LegId) -> Option<usize> {
        self.legs.get(&leg).and_then(|l| l.slot)
    }

    /// Every leg with its endpoint name (`sip/2001`, `span1/5`).
    pub(crate) fn leg_endpoints(&self) -> Vec<(LegId, String)> {
        self.legs
            .iter()
            .map(|(l, x)| (*l, x.endpoint.clone()))
            .collect()
    }

    /// Carries out what the Center queued.
    pub(crate) fn pump_now(&mut self) {
        self.pump();
    }
}
