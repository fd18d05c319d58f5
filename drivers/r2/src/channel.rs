//! One R2 channel: Q.421 line signalling and the Q.440-series compelled register exchange.
//!
//! ## Line signalling (Q.421, Table 1)
//! Each end sends two bits (a, b) per direction; the outgoing end's are *forward* (af, bf),
//! the incoming end's *backward* (ab, bb). Both-way circuits: whichever end seizes is
//! outgoing for that call.
//!
//! | state | forward af bf | backward ab bb |
//! |---|---|---|
//! | idle | 1 0 | 1 0 |
//! | seized | 0 0 | 1 0 |
//! | seizure acknowledged | 0 0 | 1 1 |
//! | answered | 0 0 | 0 1 |
//! | clear-back | 0 0 | 1 1 |
//! | clear-forward | 1 0 | 0 1 or 1 1 |
//! | release guard → idle | 1 0 | 1 0 |
//! | blocked | 1 0 | 1 1 |
//!
//! ## Register signalling (Q.441, Q.442)
//! Compelled: the outgoing register (OR) sends a forward signal; the incoming register (IR)
//! answers with a backward signal; the OR removes its signal on recognising the backward
//! one; the IR removes the backward signal on recognising that; the OR then sends what the
//! backward signal asked for. Where the IR must speak without a forward signal to answer
//! (the called number ended without an end signal), it sends a *pulsed* backward signal
//! (Q.442, [`Timers::mf_pulse`](crate::Timers)).
//!
//! ## Faults
//! A span alarm (loss of signal or framing, AIS) makes the ABCD bits and the B-channel
//! meaningless: a call in progress is cleared ([`ClearReason::LineAlarm`]) and the channel
//! sends the blocking pattern (Q.421: b=1 signals a fault) until the alarm clears, then
//! idle; it is usable again once the far end is idle too. That is what DAHDI-based R2 stacks
//! do (chan_dahdi hangs up calls on a red alarm and OpenR2 blocks the channel).

use core::time::Duration;
use std::collections::VecDeque;

use media_dsp::g711::{alaw_to_linear, linear_to_alaw};
use media_dsp::r2mf::{Direction, R2MfDetector, R2MfEvent, R2MfGenerator, Signal};
use tdm::{CHUNK_SAMPLES, Chunk, Instant};

use crate::{Category, Config, Digits, R2Error};

/// What the line gives the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// The ABCD bits now received for this channel (A in bit 3); pass every change (the E1
    /// framer debounces them over two multiframes; the channel then waits out the Q.421
    /// recognition time, [`Timers::recognition`](crate::Timers), before acting).
    Abcd(u8),
    /// One millisecond of the B-channel as received: 8 A-law bytes. Pass every chunk (the
    /// channel counts time in them while register signalling runs and answers each with
    /// one [`Transmit::Audio`] while it plays tones).
    Audio(&'a Chunk),
    /// The span's alarm state: `true` while in red/blue alarm (loss of signal, of frame or
    /// CAS multiframe alignment, AIS), `false` when it clears.
    Alarm(bool),
}

/// What the channel asks the line to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transmit {
    /// Send these ABCD bits from now on.
    Abcd(u8),
    /// Play this millisecond of A-law audio in the B-channel (register signalling tones or
    /// the silence between them). Sent once per [`Input::Audio`] while register signalling
    /// runs; outside it the B-channel belongs to the media path.
    Audio(Chunk),
}

/// Which end of the current call this channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// We seized: forward signals, outgoing register.
    Outgoing,
    /// The far end seized: backward signals, incoming register.
    Incoming,
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClearReason {
    /// The outgoing end cleared (clear-forward received).
    ClearForward,
    /// The incoming end cleared after answer (clear-back received).
    ClearBack,
    /// Our application hung up.
    LocalHangup,
    /// Group B: subscriber busy.
    Busy,
    /// Group A or B: congestion.
    Congestion,
    /// Group B: unallocated number.
    Unallocated,
    /// Group B: subscriber line out of order.
    OutOfOrder,
    /// No seizure acknowledgement in time ([`Timers::seize_ack`](crate::Timers)).
    SeizeAckTimeout,
    /// A compelled cycle did not complete in time (`mf_fwd_safety`, `mf_back_cycle`,
    /// `first_digit`).
    CompelledTimeout,
    /// Both ends seized at once (Q.422 dual seizure); both back off.
    DualSeizure,
    /// The span went into alarm.
    LineAlarm,
    /// The far end sent forced release.
    ForcedRelease,
    /// The far end sent a signal that makes no sense at this point.
    ProtocolError,
}

/// What the channel tells the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The far end seized the channel and we acknowledged it (register signalling begins).
    Seized,
    /// Incoming register: one digit of the called (`ani == false`) or calling number
    /// arrived (for logs, and to see the order ANI and DNIS came in).
    Digit {
        /// A calling-number digit (else a called-number digit).
        ani: bool,
        /// The digit, 0..=9.
        digit: u8,
    },
    /// The incoming register has the call: decide with [`R2Channel::accept`] or
    /// [`R2Channel::reject`] (the outgoing register's category tone stays on meanwhile).
    IncomingCall {
        /// Calling number, as far as it was sent (empty if not asked or not available).
        ani: Digits,
        /// Called number.
        dnis: Digits,
        /// Calling party category (Group II).
        category: Category,
    },
    /// Outgoing: the far end reported the subscriber free (ringing).
    Accepted {
        /// Free with charge (or "address complete, charge, set up speech").
        charge: bool,
    },
    /// The call is answered (outgoing: answer received; incoming: answer sent).
    Answered,
    /// The call ended (exactly once per call).
    Cleared {
        /// Why.
        reason: ClearReason,
    },
    /// The channel cannot be used: blocked by the far end.
    Blocked,
    /// The channel is idle and usable again.
    Idle,
}

/// Where the channel is (for status displays and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StateName {
    /// Idle: both ends idle.
    Idle,
    /// We block the channel.
    LocallyBlocked,
    /// The far end blocks the channel.
    RemotelyBlocked,
    /// Outgoing: seizure sent.
    SeizeSent,
    /// Outgoing register signalling.
    OutRegister,
    /// Outgoing: subscriber free, waiting for answer.
    OutAccepted,
    /// Outgoing: answered.
    OutAnswered,
    /// Incoming register signalling.
    InRegister,
    /// Incoming: the application decides.
    InOffered,
    /// Incoming: accepted, waiting for our answer.
    InAccepted,
    /// Incoming: answered.
    InAnswered,
    /// Waiting for the far end to return to idle (release guard or clear-forward).
    Releasing,
    /// The span is in alarm.
    Fault,
}

/// The application's reasons to refuse an incoming call (sent as a Group B signal).
pub type RejectCause = ClearReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    SeizeAck,
    FwdSafety,
    BackCycle,
    Pulse,
    PulseGap,
    FirstDigit,
    Abandoned,
}

/// How long the incoming register waits for the clear-forward that should follow an
/// outgoing register dropping its tone before the decision.
const ABANDON_WAIT: Duration = Duration::from_millis(500);

/// Silence between the end of a pulsed backward signal and a compelled one that follows,
/// long enough for the far receiver to see the pulse end (its release time).
const PULSE_GAP: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    LocalBlocked,
    RemoteBlocked,
    SeizeSent,
    OutRegister,
    OutAccepted,
    OutAnswered,
    InRegister,
    InOffered,
    InAccepted,
    InAnswered,
    Releasing,
    Fault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Dnis,
    Ani,
    /// The category; `true` when it is the one sent after address complete (Group B next).
    Category(bool),
}

/// Outgoing register progress.
#[derive(Debug, Clone, Copy)]
struct Out {
    dnis: Digits,
    ani: Digits,
    dnis_sent: usize,
    ani_sent: usize,
    category_sent: bool,
    ani_mode: bool,
    group_b: bool,
    /// Backward signal recognised while our tone was on: acted on when it ends.
    pending: Option<Signal>,
    /// Backward signal acted on at its start (a pulse): its end is ignored.
    acted: Option<Signal>,
}

/// Incoming register progress.
#[derive(Debug, Clone, Copy)]
struct In {
    dnis: Digits,
    ani: Digits,
    category: Option<Category>,
    dnis_done: bool,
    ani_done: bool,
    expect: Expect,
    /// The forward signal our backward signal answers.
    answering: Option<Signal>,
    /// A pulse is on.
    pulsing: bool,
    /// A forward signal that started during our pulse.
    after_pulse: Option<Signal>,
    /// Group B signal sent: `Some(accepted)`.
    b_sent: Option<bool>,
    answer_pending: bool,
}

/// MF machinery of the register phase.
#[derive(Debug, Clone)]
struct Mf {
    sender: R2MfGenerator,
    det: R2MfDetector,
}

/// One R2 channel (a B-channel and its ABCD bits). See the [module docs](self).
#[derive(Debug, Clone)]
pub struct R2Channel {
    cfg: Config,
    channel: u8,
    state: State,
    role: Option<Role>,
    /// The recognised far-end bits.
    rx: Option<u8>,
    /// Bits received but not yet held for the recognition time: (when recognised, bits).
    pending_bits: Option<(Instant, u8)>,
    tx_bits: Option<u8>,
    alarm: bool,
    mf: Option<Mf>,
    out: Option<Out>,
    inc: Option<In>,
    timer: Option<(Instant, Timer)>,
    transmit: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl R2Channel {
    /// A channel (number `channel`, 1..=30 on E1; kept for logs) with `cfg`. It starts
    /// idle and asks to send the idle pattern.
    ///
    /// # Errors
    /// As [`Config::validate`].
    pub fn new(cfg: Config, channel: u8) -> Result<Self, R2Error> {
        cfg.validate()?;
        let mut ch = Self {
            cfg,
            channel,
            state: State::Idle,
            role: None,
            rx: None,
            pending_bits: None,
            tx_bits: None,
            alarm: false,
            mf: None,
            out: None,
            inc: None,
            timer: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        };
        ch.send_bits(cfg.bits.idle);
        Ok(ch)
    }

    /// The channel number given at creation.
    #[must_use]
    pub fn channel(&self) -> u8 {
        self.channel
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Where the channel is.
    #[must_use]
    pub fn state(&self) -> StateName {
        match self.state {
            State::Idle => StateName::Idle,
            State::LocalBlocked => StateName::LocallyBlocked,
            State::RemoteBlocked => StateName::RemotelyBlocked,
            State::SeizeSent => StateName::SeizeSent,
            State::OutRegister => StateName::OutRegister,
            State::OutAccepted => StateName::OutAccepted,
            State::OutAnswered => StateName::OutAnswered,
            State::InRegister => StateName::InRegister,
            State::InOffered => StateName::InOffered,
            State::InAccepted => StateName::InAccepted,
            State::InAnswered => StateName::InAnswered,
            State::Releasing => StateName::Releasing,
            State::Fault => StateName::Fault,
        }
    }

    /// Our role in the current call, `None` without a call.
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The ABCD bits we send now.
    #[must_use]
    pub fn tx_abcd(&self) -> u8 {
        self.tx_bits.unwrap_or(self.cfg.bits.idle)
    }

    /// True while register signalling runs (the channel wants every B-channel chunk and
    /// answers each with audio to play).
    #[must_use]
    pub fn in_register_phase(&self) -> bool {
        self.mf.is_some()
    }

    // ----- sans-IO surface -----

    /// Feeds what the line delivered at `now`. Afterwards drain [`poll_transmit`],
    /// [`poll_event`] and re-read [`poll_timeout`].
    ///
    /// [`poll_transmit`]: Self::poll_transmit
    /// [`poll_event`]: Self::poll_event
    /// [`poll_timeout`]: Self::poll_timeout
    pub fn handle_input(&mut self, now: Instant, input: Input<'_>) {
        match input {
            Input::Abcd(abcd) => {
                let abcd = abcd & 0x0F;
                if self.rx == Some(abcd) {
                    // Back to the recognised state before the recognition time ran out.
                    self.pending_bits = None;
                } else if self.cfg.timers.recognition.is_zero() {
                    self.recognise(now, abcd);
                } else if self.pending_bits.is_none_or(|p| p.1 != abcd) {
                    self.pending_bits = Some((now + self.cfg.timers.recognition, abcd));
                }
            }
            Input::Audio(chunk) => self.on_audio(now, chunk),
            Input::Alarm(on) => self.on_alarm(now, on),
        }
    }

    /// Runs the timer that [`poll_timeout`](Self::poll_timeout) announced, if it is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((at, abcd)) = self.pending_bits
            && at <= now
        {
            self.pending_bits = None;
            self.recognise(now, abcd);
        }
        let Some((at, t)) = self.timer else {
            return;
        };
        if now < at {
            return;
        }
        self.timer = None;
        match t {
            Timer::SeizeAck => self.clear(now, ClearReason::SeizeAckTimeout),
            Timer::FwdSafety | Timer::FirstDigit => self.clear(now, ClearReason::CompelledTimeout),
            Timer::BackCycle => self.back_cycle_expired(now),
            Timer::Pulse => self.pulse_ended(now),
            Timer::PulseGap => self.pulse_gap_ended(now),
            Timer::Abandoned => self.clear(now, ClearReason::ProtocolError),
        }
    }

    /// Next thing to send, `None` when nothing is waiting. Call after every `handle_*` and
    /// command.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmit.pop_front()
    }

    /// Next event for the application, `None` when nothing is waiting.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, `None` when no
    /// timer runs.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.timer.map(|t| t.0), self.pending_bits.map(|p| p.0)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- commands -----

    /// Places a call to `dnis` from `ani` (may be empty): seizes the channel.
    ///
    /// # Errors
    /// [`R2Error::Blocked`] when the far end blocks the channel, [`R2Error::NotIdle`] when
    /// it is not idle, [`R2Error::EmptyDnis`].
    pub fn call(&mut self, now: Instant, dnis: Digits, ani: Digits) -> Result<(), R2Error> {
        match self.state {
            State::Idle => {}
            State::RemoteBlocked => return Err(R2Error::Blocked),
            _ => return Err(R2Error::NotIdle),
        }
        if dnis.is_empty() {
            return Err(R2Error::EmptyDnis);
        }
        self.role = Some(Role::Outgoing);
        self.out = Some(Out {
            dnis,
            ani,
            dnis_sent: 0,
            ani_sent: 0,
            category_sent: false,
            ani_mode: false,
            group_b: false,
            pending: None,
            acted: None,
        });
        self.state = State::SeizeSent;
        self.send_bits(self.cfg.bits.seize);
        self.arm(now, self.cfg.timers.seize_ack, Timer::SeizeAck);
        Ok(())
    }

    /// Accepts the offered incoming call: Group B "subscriber free" (with or without charge).
    ///
    /// # Errors
    /// [`R2Error::NoCallOffered`] unless an [`Event::IncomingCall`] waits for a decision.
    pub fn accept(&mut self, now: Instant, charge: bool) -> Result<(), R2Error> {
        let b = self.cfg.group_b;
        self.send_b(
            now,
            if charge {
                b.free_charge
            } else {
                b.free_no_charge
            },
            true,
        )
    }

    /// Refuses the offered incoming call with a Group B signal: `Busy`, `Congestion`,
    /// `Unallocated` or `OutOfOrder` (anything else is sent as congestion).
    ///
    /// # Errors
    /// [`R2Error::NoCallOffered`] unless an [`Event::IncomingCall`] waits for a decision.
    pub fn reject(&mut self, now: Instant, cause: RejectCause) -> Result<(), R2Error> {
        let b = self.cfg.group_b;
        let s = match cause {
            ClearReason::Busy => b.busy,
            ClearReason::Unallocated => b.unallocated,
            ClearReason::OutOfOrder => b.out_of_order,
            _ => b.congestion,
        };
        self.send_b(now, s, false)?;
        self.events.push_back(Event::Cleared { reason: cause });
        Ok(())
    }

    /// Answers the accepted incoming call (sends the answer bits). May be called as soon as
    /// the call is accepted: the answer then goes out when the Group B cycle completes.
    ///
    /// # Errors
    /// [`R2Error::NotAccepted`] without an accepted incoming call.
    pub fn answer(&mut self, _now: Instant) -> Result<(), R2Error> {
        match self.state {
            State::InAccepted => {
                self.do_answer();
                Ok(())
            }
            State::InOffered if self.inc.is_some_and(|i| i.b_sent == Some(true)) => {
                if let Some(i) = &mut self.inc {
                    i.answer_pending = true;
                }
                Ok(())
            }
            _ => Err(R2Error::NotAccepted),
        }
    }

    /// Ends our call: clear-forward when we are the outgoing end, clear-back when incoming
    /// and answered; an incoming call still offered is refused with congestion.
    ///
    /// # Errors
    /// [`R2Error::NoCall`] without a call.
    pub fn hangup(&mut self, now: Instant) -> Result<(), R2Error> {
        match self.state {
            State::SeizeSent
            | State::OutRegister
            | State::OutAccepted
            | State::OutAnswered
            | State::InRegister
            | State::InAccepted
            | State::InAnswered => {
                self.clear(now, ClearReason::LocalHangup);
                Ok(())
            }
            State::InOffered => {
                if self.inc.is_some_and(|i| i.b_sent.is_none()) {
                    self.send_b(now, self.cfg.group_b.congestion, false)?;
                }
                self.events.push_back(Event::Cleared {
                    reason: ClearReason::LocalHangup,
                });
                if let Some(i) = &mut self.inc {
                    i.b_sent = Some(false);
                    i.answer_pending = false;
                }
                Ok(())
            }
            _ => Err(R2Error::NoCall),
        }
    }

    /// Blocks the idle channel (sends the blocking pattern, Q.421).
    ///
    /// # Errors
    /// [`R2Error::NotIdle`] when it is not idle.
    pub fn block(&mut self, _now: Instant) -> Result<(), R2Error> {
        match self.state {
            State::Idle | State::RemoteBlocked => {
                self.state = State::LocalBlocked;
                self.send_bits(self.cfg.bits.blocked);
                Ok(())
            }
            State::LocalBlocked => Ok(()),
            _ => Err(R2Error::NotIdle),
        }
    }

    /// Unblocks a channel we blocked.
    ///
    /// # Errors
    /// [`R2Error::NotIdle`] when we had not blocked it.
    pub fn unblock(&mut self, now: Instant) -> Result<(), R2Error> {
        if self.state != State::LocalBlocked {
            return Err(R2Error::NotIdle);
        }
        self.state = State::Releasing;
        self.send_bits(self.cfg.bits.idle);
        self.settle(now);
        Ok(())
    }

    // ----- internals -----

    /// A new line state, held for the recognition time (Q.421).
    fn recognise(&mut self, now: Instant, abcd: u8) {
        self.rx = Some(abcd);
        if !self.alarm {
            self.on_bits(now, abcd);
        }
    }

    fn send_bits(&mut self, abcd: u8) {
        if self.tx_bits != Some(abcd) {
            self.tx_bits = Some(abcd);
            self.transmit.push_back(Transmit::Abcd(abcd));
        }
    }

    fn arm(&mut self, now: Instant, d: Duration, t: Timer) {
        self.timer = Some((now + d, t));
    }

    fn sig(n: u8) -> Option<Signal> {
        Signal::new(n)
    }

    fn tone(&mut self, s: Option<Signal>) {
        if let Some(mf) = &mut self.mf {
            mf.sender.set(s);
        }
    }

    fn start_mf(&mut self, role: Role) {
        let (tx, rx) = match role {
            Role::Outgoing => (Direction::Forward, Direction::Backward),
            Role::Incoming => (Direction::Backward, Direction::Forward),
        };
        self.mf = Some(Mf {
            sender: R2MfGenerator::new(tx),
            det: R2MfDetector::new(rx),
        });
    }

    fn is(&self, abcd: u8, pattern: u8) -> bool {
        self.cfg.bits.is(abcd, pattern)
    }

    /// The far end's forward bits say clear-forward (a = 1: idle or fault).
    fn forward_cleared(&self, abcd: u8) -> bool {
        self.is(abcd, self.cfg.bits.clear_forward) || self.is(abcd, self.cfg.bits.blocked)
    }

    fn go_idle(&mut self) {
        let was = self.state;
        self.state = State::Idle;
        self.role = None;
        self.mf = None;
        self.out = None;
        self.inc = None;
        self.timer = None;
        self.send_bits(self.cfg.bits.idle);
        if was != State::Idle {
            self.events.push_back(Event::Idle);
        }
    }

    /// In `Releasing`: done once the far end is idle. A seizure seen before that (after a
    /// fault, the last bits received may be stale) is not taken: the far end must be seen
    /// idle first.
    fn settle(&mut self, _now: Instant) {
        if self.state != State::Releasing {
            return;
        }
        match self.rx {
            None => self.go_idle(),
            Some(r) if self.is(r, self.cfg.bits.idle) => self.go_idle(),
            Some(r) if self.role.is_none() && self.is(r, self.cfg.bits.blocked) => {
                self.mf = None;
                self.state = State::RemoteBlocked;
                self.events.push_back(Event::Blocked);
            }
            _ => {}
        }
    }

    /// Ends the call for `reason` and starts the release.
    fn in_call(&self) -> bool {
        let refused =
            self.state == State::InOffered && self.inc.is_some_and(|i| i.b_sent == Some(false));
        !refused
            && !matches!(
                self.state,
                State::Idle
                    | State::LocalBlocked
                    | State::RemoteBlocked
                    | State::Releasing
                    | State::Fault
            )
    }

    fn clear(&mut self, now: Instant, reason: ClearReason) {
        if self.in_call() {
            self.events.push_back(Event::Cleared { reason });
        }
        self.mf = None;
        self.timer = None;
        match self.role {
            Some(Role::Outgoing) => {
                self.out = None;
                self.state = State::Releasing;
                self.send_bits(self.cfg.bits.clear_forward);
                self.settle(now);
            }
            Some(Role::Incoming) => {
                self.inc = None;
                self.state = State::Releasing;
                // Clear-back (after answer) or seizure acknowledged (before): both a=1 b=1.
                self.send_bits(self.cfg.bits.clear_back);
                // Only the far end's clear-forward ends this.
                if self.rx.is_some_and(|r| self.forward_cleared(r)) {
                    self.go_idle();
                }
            }
            None => {}
        }
    }

    fn on_bits(&mut self, now: Instant, abcd: u8) {
        let b = self.cfg.bits;
        match self.state {
            State::Idle | State::RemoteBlocked => {
                if self.is(abcd, b.seize) {
                    self.role = Some(Role::Incoming);
                    self.state = State::InRegister;
                    self.inc = Some(In {
                        dnis: Digits::EMPTY,
                        ani: Digits::EMPTY,
                        category: None,
                        dnis_done: false,
                        ani_done: !self.cfg.get_ani,
                        expect: Expect::Dnis,
                        answering: None,
                        pulsing: false,
                        after_pulse: None,
                        b_sent: None,
                        answer_pending: false,
                    });
                    self.start_mf(Role::Incoming);
                    self.send_bits(b.seize_ack);
                    self.arm(now, self.cfg.timers.first_digit, Timer::FirstDigit);
                    self.events.push_back(Event::Seized);
                } else if self.is(abcd, b.blocked) {
                    if self.state == State::Idle {
                        self.state = State::RemoteBlocked;
                        self.events.push_back(Event::Blocked);
                    }
                } else if self.is(abcd, b.idle) && self.state == State::RemoteBlocked {
                    self.state = State::Idle;
                    self.events.push_back(Event::Idle);
                }
            }
            State::LocalBlocked | State::Fault => {}
            State::SeizeSent => {
                if self.is(abcd, b.seize_ack) {
                    self.state = State::OutRegister;
                    self.start_mf(Role::Outgoing);
                    let first = self.out.and_then(|o| o.dnis.get(0));
                    if let Some(o) = &mut self.out {
                        o.dnis_sent = 1;
                    }
                    self.tone(first.and_then(Signal::from_digit));
                    self.arm(now, self.cfg.timers.mf_fwd_safety, Timer::FwdSafety);
                } else if self.is(abcd, b.seize) {
                    self.clear(now, ClearReason::DualSeizure);
                }
            }
            State::OutRegister | State::OutAccepted => {
                if self.is(abcd, b.answer) {
                    if self.state == State::OutRegister {
                        // Answer before Group B: take it (some exchanges skip Group B).
                        self.events.push_back(Event::Accepted { charge: true });
                    }
                    self.mf = None;
                    self.timer = None;
                    self.state = State::OutAnswered;
                    self.events.push_back(Event::Answered);
                } else if b.forced_release.is_some_and(|p| self.is(abcd, p)) {
                    self.clear(now, ClearReason::ForcedRelease);
                } else if self.is(abcd, b.idle) {
                    self.clear(now, ClearReason::ProtocolError);
                }
            }
            State::OutAnswered => {
                if self.is(abcd, b.clear_back) {
                    self.clear(now, ClearReason::ClearBack);
                } else if b.forced_release.is_some_and(|p| self.is(abcd, p)) {
                    self.clear(now, ClearReason::ForcedRelease);
                } else if self.is(abcd, b.idle) {
                    self.clear(now, ClearReason::ProtocolError);
                }
            }
            State::InRegister | State::InOffered | State::InAccepted | State::InAnswered => {
                if self.forward_cleared(abcd) {
                    if self.in_call() {
                        self.events.push_back(Event::Cleared {
                            reason: ClearReason::ClearForward,
                        });
                    }
                    // Release guard: back to idle.
                    self.go_idle();
                }
            }
            State::Releasing => {
                if self.role == Some(Role::Incoming) {
                    if self.forward_cleared(abcd) {
                        self.go_idle();
                    }
                } else {
                    self.settle(now);
                }
            }
        }
    }

    fn on_alarm(&mut self, now: Instant, on: bool) {
        if on == self.alarm {
            return;
        }
        self.alarm = on;
        if on {
            if self.in_call() {
                self.events.push_back(Event::Cleared {
                    reason: ClearReason::LineAlarm,
                });
            }
            self.mf = None;
            self.out = None;
            self.inc = None;
            self.role = None;
            self.timer = None;
            self.state = State::Fault;
            self.send_bits(self.cfg.bits.blocked);
        } else {
            self.state = State::Releasing;
            self.send_bits(self.cfg.bits.idle);
            self.settle(now);
        }
    }

    fn on_audio(&mut self, now: Instant, chunk: &Chunk) {
        let Some(mf) = &mut self.mf else {
            return;
        };
        let mut pcm = [0i16; CHUNK_SAMPLES];
        for (p, &a) in pcm.iter_mut().zip(chunk) {
            *p = alaw_to_linear(a);
        }
        let mut got = [None; 2];
        let mut n = 0;
        mf.det.process(&pcm, |e| {
            if n < got.len() {
                got[n] = Some(e);
                n += 1;
            }
        });
        for e in got.into_iter().flatten() {
            match (self.role, e) {
                (Some(Role::Outgoing), R2MfEvent::Start { signal, .. }) => {
                    self.or_backward_start(now, signal);
                }
                (Some(Role::Outgoing), R2MfEvent::End { signal, .. }) => {
                    self.or_backward_end(now, signal);
                }
                (Some(Role::Incoming), R2MfEvent::Start { signal, .. }) => {
                    self.ir_forward_start(now, signal);
                }
                (Some(Role::Incoming), R2MfEvent::End { signal, .. }) => {
                    self.ir_forward_end(now, signal);
                }
                (None, _) => {}
            }
        }
        // Play this millisecond (the register phase may have ended above).
        if let Some(mf) = &mut self.mf {
            let mut out = [0i16; CHUNK_SAMPLES];
            mf.sender.fill(&mut out);
            let mut a = [0u8; CHUNK_SAMPLES];
            for (o, &s) in a.iter_mut().zip(&out) {
                *o = linear_to_alaw(s);
            }
            self.transmit.push_back(Transmit::Audio(a));
        }
    }

    // ----- outgoing register -----

    fn or_backward_start(&mut self, now: Instant, s: Signal) {
        if self.state != State::OutRegister {
            return;
        }
        let sending = self.mf.as_ref().and_then(|m| m.sender.current()).is_some();
        if sending {
            if let Some(o) = &mut self.out {
                o.pending = Some(s);
            }
            self.tone(None);
            self.arm(now, self.cfg.timers.mf_fwd_safety, Timer::FwdSafety);
        } else {
            // A pulsed signal while we are silent: act at once.
            if let Some(o) = &mut self.out {
                o.acted = Some(s);
            }
            self.or_act(now, s);
        }
    }

    fn or_backward_end(&mut self, now: Instant, s: Signal) {
        let Some(o) = &mut self.out else {
            return;
        };
        if o.acted == Some(s) {
            o.acted = None;
            return;
        }
        if o.pending == Some(s) {
            o.pending = None;
            self.or_act(now, s);
        }
    }

    /// The outgoing register's answer to backward signal `s` (Q.441 Tables 6 and 7).
    fn or_act(&mut self, now: Instant, s: Signal) {
        let Some(mut o) = self.out else {
            return;
        };
        let a = self.cfg.group_a;
        let b = self.cfg.group_b;
        let n = s.number();
        let category = Self::sig(self.cfg.category.0);
        if o.group_b {
            let outcome = if n == b.free_charge {
                Ok(true)
            } else if n == b.free_no_charge {
                Ok(false)
            } else if n == b.busy {
                Err(ClearReason::Busy)
            } else if n == b.congestion {
                Err(ClearReason::Congestion)
            } else if n == b.unallocated {
                Err(ClearReason::Unallocated)
            } else if n == b.out_of_order {
                Err(ClearReason::OutOfOrder)
            } else {
                Err(ClearReason::ProtocolError)
            };
            match outcome {
                Ok(charge) => {
                    self.mf = None;
                    self.timer = None;
                    self.state = State::OutAccepted;
                    self.events.push_back(Event::Accepted { charge });
                }
                Err(r) => self.clear(now, r),
            }
            return;
        }
        let next: Option<Signal>;
        if n == a.category && !o.category_sent {
            o.category_sent = true;
            o.ani_mode = true;
            next = category;
        } else if o.ani_mode && n == a.next_ani {
            let limit = if self.cfg.exact_ani {
                usize::from(self.cfg.max_ani)
            } else {
                usize::MAX
            };
            if o.ani_sent < o.ani.len() && o.ani_sent < limit {
                next = o.ani.get(o.ani_sent).and_then(Signal::from_digit);
                o.ani_sent += 1;
                if o.ani_sent >= limit {
                    o.ani_mode = false;
                }
            } else {
                next = Self::sig(self.cfg.end_of_ani);
                o.ani_mode = false;
            }
        } else if n == a.next_dnis {
            next = o.dnis.get(o.dnis_sent).and_then(Signal::from_digit);
            if next.is_some() {
                o.dnis_sent += 1;
            }
        } else if n == a.address_complete {
            o.group_b = true;
            next = category;
        } else if a.accept_without_b == Some(n) {
            self.mf = None;
            self.timer = None;
            self.state = State::OutAccepted;
            self.events.push_back(Event::Accepted { charge: true });
            return;
        } else if n == a.congestion {
            self.clear(now, ClearReason::Congestion);
            return;
        } else {
            self.clear(now, ClearReason::ProtocolError);
            return;
        }
        self.out = Some(o);
        self.tone(next);
        // With nothing left to send we wait, silent, for a pulsed signal.
        self.arm(now, self.cfg.timers.mf_fwd_safety, Timer::FwdSafety);
    }

    // ----- incoming register -----

    fn ir_forward_start(&mut self, now: Instant, s: Signal) {
        let Some(mut i) = self.inc else {
            return;
        };
        if self.state != State::InRegister || i.answering.is_some() {
            return;
        }
        if i.pulsing {
            i.after_pulse = Some(s);
            self.inc = Some(i);
            return;
        }
        let cfg = self.cfg;
        match i.expect {
            Expect::Dnis => {
                if let Some(d) = s.digit() {
                    i.dnis.push(d);
                    self.events.push_back(Event::Digit {
                        ani: false,
                        digit: d,
                    });
                    if i.dnis.len() >= usize::from(cfg.max_dnis) {
                        i.dnis_done = true;
                    }
                } else if s.number() == cfg.end_of_ani {
                    i.dnis_done = true;
                } else {
                    self.inc = Some(i);
                    self.clear(now, ClearReason::ProtocolError);
                    return;
                }
            }
            Expect::Ani => {
                if let Some(d) = s.digit() {
                    i.ani.push(d);
                    self.events.push_back(Event::Digit {
                        ani: true,
                        digit: d,
                    });
                    if i.ani.len() >= usize::from(cfg.max_ani) {
                        i.ani_done = true;
                    }
                } else if s.number() == cfg.end_of_ani || s.number() == cfg.ani_unavailable {
                    i.ani_done = true;
                } else {
                    self.inc = Some(i);
                    self.clear(now, ClearReason::ProtocolError);
                    return;
                }
            }
            Expect::Category(for_b) => {
                if i.category.is_none() || for_b {
                    i.category = Some(i.category.unwrap_or(Category(s.number())));
                }
                if for_b {
                    i.answering = Some(s);
                    self.inc = Some(i);
                    self.state = State::InOffered;
                    self.timer = None;
                    self.events.push_back(Event::IncomingCall {
                        ani: i.ani,
                        dnis: i.dnis,
                        category: i.category.unwrap_or(Category(s.number())),
                    });
                    return;
                }
                if cfg.max_ani == 0 {
                    i.ani_done = true;
                }
            }
        }
        let (req, expect) = self.next_request(&i);
        i.expect = expect;
        i.answering = Some(s);
        self.inc = Some(i);
        self.tone(Self::sig(req));
        self.arm(now, cfg.timers.mf_fwd_safety, Timer::FwdSafety);
    }

    /// What the incoming register asks for next, and what it then expects.
    fn next_request(&self, i: &In) -> (u8, Expect) {
        let a = self.cfg.group_a;
        let want_ani = self.cfg.get_ani && !i.ani_done;
        if want_ani && i.category.is_none() && (i.dnis_done || self.cfg.ani_first) {
            (a.category, Expect::Category(false))
        } else if want_ani && i.category.is_some() {
            (a.next_ani, Expect::Ani)
        } else if i.dnis_done {
            (a.address_complete, Expect::Category(true))
        } else {
            (a.next_dnis, Expect::Dnis)
        }
    }

    fn ir_forward_end(&mut self, now: Instant, s: Signal) {
        let Some(mut i) = self.inc else {
            return;
        };
        if i.after_pulse == Some(s) {
            i.after_pulse = None;
            self.inc = Some(i);
            return;
        }
        if i.answering != Some(s) {
            return;
        }
        i.answering = None;
        if self.state == State::InOffered {
            match i.b_sent {
                Some(accepted) => {
                    // The Group B cycle is complete.
                    self.tone(None);
                    self.mf = None;
                    self.timer = None;
                    let answer = i.answer_pending;
                    self.inc = Some(i);
                    if accepted {
                        self.state = State::InAccepted;
                        if answer {
                            self.do_answer();
                        }
                    } else {
                        // Wait for the outgoing end's clear-forward.
                        self.state = State::Releasing;
                    }
                }
                None => {
                    // The outgoing register gave up its category tone before our decision:
                    // it has timed out or hung up, and its clear-forward should follow.
                    // Without one, the call is cleared as a protocol error.
                    self.inc = Some(i);
                    self.arm(now, ABANDON_WAIT, Timer::Abandoned);
                }
            }
            return;
        }
        self.inc = Some(i);
        self.tone(None);
        self.arm(now, self.cfg.timers.mf_back_cycle, Timer::BackCycle);
    }

    fn back_cycle_expired(&mut self, now: Instant) {
        let Some(mut i) = self.inc else {
            return;
        };
        if self.state != State::InRegister || i.expect != Expect::Dnis || i.dnis.is_empty() {
            self.clear(now, ClearReason::CompelledTimeout);
            return;
        }
        // The called number ended without an end signal: ask for what comes next by a pulse.
        i.dnis_done = true;
        let (req, expect) = self.next_request(&i);
        i.expect = expect;
        i.pulsing = true;
        self.inc = Some(i);
        self.tone(Self::sig(req));
        self.arm(now, self.cfg.timers.mf_pulse, Timer::Pulse);
    }

    fn pulse_ended(&mut self, now: Instant) {
        let Some(mut i) = self.inc else {
            return;
        };
        i.pulsing = false;
        let reply = i.after_pulse.take();
        self.inc = Some(i);
        self.tone(None);
        match reply {
            // The outgoing register answered during the pulse: answer it after a pause, so
            // that our next signal is not heard as the pulse going on.
            Some(s) => {
                if let Some(i) = &mut self.inc {
                    i.after_pulse = Some(s);
                }
                self.arm(now, PULSE_GAP, Timer::PulseGap);
            }
            None => self.arm(now, self.cfg.timers.mf_back_cycle, Timer::BackCycle),
        }
    }

    fn pulse_gap_ended(&mut self, now: Instant) {
        let Some(mut i) = self.inc else {
            return;
        };
        let reply = i.after_pulse.take();
        self.inc = Some(i);
        match reply {
            Some(s) => self.ir_forward_start(now, s),
            None => self.arm(now, self.cfg.timers.mf_back_cycle, Timer::BackCycle),
        }
    }

    fn send_b(&mut self, now: Instant, n: u8, accepted: bool) -> Result<(), R2Error> {
        let offered =
            self.state == State::InOffered && self.inc.is_some_and(|i| i.b_sent.is_none());
        if !offered {
            return Err(R2Error::NoCallOffered);
        }
        if let Some(i) = &mut self.inc {
            i.b_sent = Some(accepted);
        }
        self.tone(Self::sig(n));
        self.arm(now, self.cfg.timers.mf_fwd_safety, Timer::FwdSafety);
        Ok(())
    }

    fn do_answer(&mut self) {
        self.state = State::InAnswered;
        self.send_bits(self.cfg.bits.answer);
        self.events.push_back(Event::Answered);
    }
}
