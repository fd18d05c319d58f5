//! The FXS machine: the exchange end of a loop, for a port a phone is plugged into.
//!
//! ## States
//! [`FxsState::Idle`] (on-hook, battery fed) → `ring` → [`FxsState::Ringing`] (cadenced ring
//! voltage, caller ID) → phone off-hook: [`FxsEvent::Answered`], [`FxsState::Connected`].
//!
//! [`FxsState::Idle`] → phone off-hook: [`FxsEvent::OffHook`], [`FxsState::Dialing`] (dial
//! tone until the first digit; DTMF and dial pulses collected) → number complete:
//! [`FxsEvent::Dialed`], [`FxsState::Routing`] (the switch may `play` ringback, busy...) →
//! `answer`: polarity reversed, [`FxsState::Connected`] → `hangup` (the far end cleared):
//! polarity normal, battery dropped for [`FxsTimers::open_loop_ms`](crate::FxsTimers),
//! [`FxsState::Released`] with busy tone, then the howler.
//!
//! In every off-hook state the loop may open: a break of 15–200 ms is a dial pulse
//! (counted while dialling), up to 1250 ms a [`FxsEvent::Flash`], longer is
//! [`FxsEvent::OnHook`] and back to idle (DAHDI's thresholds, `kernel.h`).
//!
//! ## Caller ID
//! [`CidStart::Ring`]: first ring, then the signal from 500 ms into
//! the first silence (ETSI EN 300 659-1 §6.1.1; Bellcore GR-30 likewise).
//! [`CidStart::Polarity`]: polarity reversed, the signal (FSK or
//! DTMF CLIP) after 300 ms, polarity restored and the first ring 300 ms after it ends
//! (EN 300 659-1 §6.1.2, §6.2).

use std::collections::VecDeque;

use media_dsp::dtmf::{DtmfDetector, DtmfEvent};
use media_dsp::tones::{ToneKind, ToneSpec};

use crate::cidsend::{AudioSrc, CidSender, HOWLER};
use crate::{
    AnalogError, CallerInfo, CidStart, FxsConfig, Hook, Input, Instant, LineSignal, Polarity,
    Transmit, min_deadline, ms,
};

/// The coarse state of an [`Fxs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FxsState {
    /// On-hook, not ringing.
    Idle,
    /// Alerting the phone (ring, caller ID).
    Ringing,
    /// Off-hook, collecting digits.
    Dialing,
    /// Number complete, waiting for the switch.
    Routing,
    /// In a call.
    Connected,
    /// The far end cleared (or the phone was left off-hook): busy tone, then howler.
    Released,
}

/// What an [`Fxs`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FxsEvent {
    /// The phone went off-hook to make a call.
    OffHook,
    /// The phone answered while ringing.
    Answered,
    /// The phone hung up.
    OnHook,
    /// A hook flash (loop open 200–1250 ms).
    Flash,
    /// A digit dialled.
    Digit {
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        digit: char,
        /// True for a dial-pulse digit, false for DTMF.
        pulse: bool,
    },
    /// The number is complete (dial plan said so, `#`, or inter-digit timeout).
    Dialed {
        /// The digits, without a final `#`.
        number: String,
    },
    /// The dial plan rejected the number: busy tone follows.
    DialInvalid {
        /// The digits so far.
        number: String,
    },
    /// Off-hook with no digit within the first-digit timeout: busy tone follows.
    DialTimeout,
    /// A ring burst started.
    RingOn {
        /// 1 for the first ring.
        count: u32,
    },
    /// A ring burst ended.
    RingOff,
    /// The caller-ID signal was sent completely.
    CallerIdSent,
    /// Busy tone is over; the howler plays now.
    Howler,
}

/// A dial plan's verdict on the digits so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialPlanMatch {
    /// More digits may come (the inter-digit timeout ends the number).
    Incomplete,
    /// The number is complete: report it now.
    Complete,
    /// No number starts like this.
    Invalid,
}

/// The default dial plan: a final `#` completes the number; otherwise wait for the
/// inter-digit timeout.
#[must_use]
pub fn default_dial_plan(digits: &str) -> DialPlanMatch {
    if digits.ends_with('#') {
        DialPlanMatch::Complete
    } else {
        DialPlanMatch::Incomplete
    }
}

/// The dial plan an [`Fxs`] consults after each digit: any closure over the digits so far
/// (the daemon passes one over its switch's current dial plan).
pub type DialPlan = Box<dyn Fn(&str) -> DialPlanMatch + Send>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RingPhase {
    /// Polarity reversed before caller ID.
    Alert,
    /// Caller ID before the first ring.
    PreCid,
    /// Pause between caller ID and the first ring.
    PostCid,
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Idle,
    Ringing(RingPhase),
    Dialing,
    Routing,
    Connected,
    Released { howler: bool },
}

/// The FXS line state machine (see the module documentation).
pub struct Fxs {
    cfg: FxsConfig,
    st: St,
    tx: VecDeque<Transmit>,
    events: VecDeque<FxsEvent>,
    dtmf: DtmfDetector,
    audio: AudioSrc,
    dial_plan: DialPlan,
    digits: String,
    polarity: Polarity,
    battery: bool,
    ring_on: bool,
    rings: u32,
    cid: Option<CidSender>,
    /// When the loop opened, while off-hook.
    open_since: Option<Instant>,
    pulses: u8,
    t_pulse: Option<Instant>,
    t_onhook: Option<Instant>,
    t_digit: Option<Instant>,
    t_ring: Option<Instant>,
    t_cid: Option<Instant>,
    t_release: Option<Instant>,
    t_battery: Option<Instant>,
}

impl core::fmt::Debug for Fxs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fxs")
            .field("cfg", &self.cfg)
            .field("st", &self.st)
            .field("digits", &self.digits)
            .field("polarity", &self.polarity)
            .field("battery", &self.battery)
            .field("rings", &self.rings)
            .finish_non_exhaustive()
    }
}

impl Fxs {
    /// A port with `cfg`; it starts by feeding battery (a [`Transmit::Line`] is queued).
    #[must_use]
    pub fn new(cfg: FxsConfig) -> Self {
        let mut s = Self {
            cfg,
            st: St::Idle,
            tx: VecDeque::new(),
            events: VecDeque::new(),
            dtmf: DtmfDetector::new(),
            audio: AudioSrc::Bridge,
            dial_plan: Box::new(default_dial_plan),
            digits: String::new(),
            polarity: Polarity::Normal,
            battery: false,
            ring_on: false,
            rings: 0,
            cid: None,
            open_since: None,
            pulses: 0,
            t_pulse: None,
            t_onhook: None,
            t_digit: None,
            t_ring: None,
            t_cid: None,
            t_release: None,
            t_battery: None,
        };
        s.set_battery(true);
        s
    }

    /// Sets the dial plan consulted after each digit (a closure, so it may look up a
    /// configuration that changes while the port runs).
    pub fn set_dial_plan(&mut self, plan: impl Fn(&str) -> DialPlanMatch + Send + 'static) {
        self.dial_plan = Box::new(plan);
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &FxsConfig {
        &self.cfg
    }

    /// The coarse state.
    #[must_use]
    pub fn state(&self) -> FxsState {
        match self.st {
            St::Idle => FxsState::Idle,
            St::Ringing(_) => FxsState::Ringing,
            St::Dialing => FxsState::Dialing,
            St::Routing => FxsState::Routing,
            St::Connected => FxsState::Connected,
            St::Released { .. } => FxsState::Released,
        }
    }

    /// The tone being played, if any.
    #[must_use]
    pub fn tone(&self) -> Option<ToneKind> {
        match &self.audio {
            AudioSrc::Tone(k, _) => Some(*k),
            _ => None,
        }
    }

    /// Takes a line event or a chunk of audio from the phone.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        match input {
            Input::Line(LineSignal::Hook(Hook::Off)) => self.loop_closed(now),
            Input::Line(LineSignal::Hook(Hook::On)) => self.loop_opened(now),
            Input::Line(LineSignal::Flash) => {
                if self.off_hook() {
                    self.events.push_back(FxsEvent::Flash);
                }
            }
            Input::Line(LineSignal::PulseDigit(d)) => {
                if self.st == St::Dialing && d.is_ascii_digit() {
                    self.add_digit(now, char::from(d), true);
                }
            }
            // Ring, polarity and battery are ours to apply, not the phone's.
            Input::Line(_) => {}
            Input::Audio(chunk) => self.audio_in(now, &chunk),
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = |t: &mut Option<Instant>| {
            if t.is_some_and(|t| t <= now) {
                *t = None;
                true
            } else {
                false
            }
        };
        if due(&mut self.t_battery) {
            self.set_battery(true);
        }
        if due(&mut self.t_onhook) {
            self.go_idle();
            self.events.push_back(FxsEvent::OnHook);
            return;
        }
        if due(&mut self.t_pulse) {
            let n = core::mem::take(&mut self.pulses);
            let c = if n >= 10 { '0' } else { char::from(b'0' + n) };
            self.add_digit(now, c, true);
        }
        if due(&mut self.t_digit) && self.st == St::Dialing {
            if self.digits.is_empty() {
                self.events.push_back(FxsEvent::DialTimeout);
                self.release(now);
            } else {
                self.dialed();
            }
        }
        if due(&mut self.t_cid)
            && let Some(c) = self.cid.take()
        {
            self.audio = AudioSrc::Cid(c);
        }
        if due(&mut self.t_ring) {
            self.ring_timer(now);
        }
        if due(&mut self.t_release) && self.st == (St::Released { howler: false }) {
            self.st = St::Released { howler: true };
            self.audio = AudioSrc::tone(&HOWLER, None);
            self.events.push_back(FxsEvent::Howler);
        }
    }

    /// The next line signal or audio chunk to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.tx.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<FxsEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        min_deadline([
            self.t_pulse,
            self.t_onhook,
            self.t_digit,
            self.t_ring,
            self.t_cid,
            self.t_release,
            self.t_battery,
        ])
    }

    /// Rings the phone with the configured cadence, sending `caller` as caller ID when the
    /// port is configured for it.
    ///
    /// # Errors
    /// [`AnalogError::NotIdle`] unless idle; [`AnalogError::CallerId`] for a number or
    /// name caller ID cannot carry.
    pub fn ring(&mut self, now: Instant, caller: Option<&CallerInfo>) -> Result<(), AnalogError> {
        if self.st != St::Idle {
            return Err(AnalogError::NotIdle);
        }
        self.cid = match (self.cfg.cid_signalling, caller) {
            (Some(sig), Some(who)) => Some(CidSender::new(sig, who, self.cfg.cid_level_dbm0)?),
            _ => None,
        };
        self.rings = 0;
        self.audio = AudioSrc::Silence;
        if self.cid.is_some() && self.cfg.cid_start == CidStart::Polarity {
            self.set_polarity(Polarity::Reversed);
            self.st = St::Ringing(RingPhase::Alert);
            self.t_ring = Some(now + ms(self.cfg.timers.cid_after_polarity_ms));
        } else {
            self.ring_burst(now);
        }
        Ok(())
    }

    /// Stops ringing (the caller gave up); the line returns to idle.
    pub fn stop_ring(&mut self) {
        if matches!(self.st, St::Ringing(_)) {
            self.go_idle();
        }
    }

    /// Plays a call-progress tone of the port's plan (ringback, busy, congestion...) to an
    /// off-hook phone, until `answer`, `stop_tone` or another `play`.
    ///
    /// # Errors
    /// [`AnalogError::NotOffHook`] when the phone is on-hook.
    pub fn play(&mut self, kind: ToneKind) -> Result<(), AnalogError> {
        if !self.off_hook() {
            return Err(AnalogError::NotOffHook);
        }
        if let Some(spec) = self.cfg.country.profile().tone(kind) {
            self.play_spec(spec);
        }
        Ok(())
    }

    /// Stops a tone: silence until connected, the call's audio once connected.
    pub fn stop_tone(&mut self) {
        if self.off_hook() {
            self.audio = if self.st == St::Connected {
                AudioSrc::Bridge
            } else {
                AudioSrc::Silence
            };
        }
    }

    /// The far end answered the call this phone made: polarity reversed (if configured),
    /// tones stopped, the call's audio flows.
    ///
    /// # Errors
    /// [`AnalogError::NotOffHook`] unless the phone is off-hook and dialling or routing.
    pub fn answer(&mut self) -> Result<(), AnalogError> {
        if !matches!(self.st, St::Dialing | St::Routing) {
            return Err(AnalogError::NotOffHook);
        }
        self.t_digit = None;
        self.t_pulse = None;
        self.st = St::Connected;
        self.audio = AudioSrc::Bridge;
        if self.cfg.reverse_on_answer {
            self.set_polarity(Polarity::Reversed);
        }
        Ok(())
    }

    /// The far end cleared: ringing stops; an off-hook phone gets the disconnect signals
    /// (polarity restored, battery dropped, as configured), busy tone, then the howler.
    pub fn hangup(&mut self, now: Instant) {
        match self.st {
            St::Idle | St::Released { .. } => {}
            St::Ringing(_) => self.go_idle(),
            _ => {
                if self.cfg.disconnect.polarity {
                    self.set_polarity(Polarity::Normal);
                }
                if self.cfg.disconnect.battery_drop {
                    self.set_battery(false);
                    self.t_battery = Some(now + ms(self.cfg.timers.open_loop_ms));
                }
                self.release(now);
            }
        }
    }

    fn off_hook(&self) -> bool {
        matches!(
            self.st,
            St::Dialing | St::Routing | St::Connected | St::Released { .. }
        )
    }

    fn play_spec(&mut self, spec: &'static ToneSpec) {
        self.audio = AudioSrc::tone(spec, self.cfg.tone_level_dbm0);
    }

    fn release(&mut self, now: Instant) {
        self.t_digit = None;
        self.t_pulse = None;
        self.pulses = 0;
        self.st = St::Released { howler: false };
        if let Some(b) = self.cfg.country.profile().tone(ToneKind::Busy) {
            self.play_spec(b);
        }
        self.t_release = Some(now + ms(self.cfg.timers.busy_before_howler_ms));
    }

    fn set_polarity(&mut self, p: Polarity) {
        if self.polarity != p {
            self.polarity = p;
            self.tx.push_back(Transmit::Line(LineSignal::Polarity(p)));
        }
    }

    fn set_battery(&mut self, on: bool) {
        if self.battery != on {
            self.battery = on;
            self.tx.push_back(Transmit::Line(LineSignal::Battery(on)));
        }
    }

    fn set_ring(&mut self, on: bool) {
        if self.ring_on != on {
            self.ring_on = on;
            self.tx.push_back(Transmit::Line(LineSignal::Ring(on)));
            self.events.push_back(if on {
                FxsEvent::RingOn { count: self.rings }
            } else {
                FxsEvent::RingOff
            });
        }
    }

    fn go_idle(&mut self) {
        self.set_ring(false);
        self.set_polarity(Polarity::Normal);
        self.st = St::Idle;
        self.audio = AudioSrc::Bridge;
        self.cid = None;
        self.digits.clear();
        self.pulses = 0;
        self.open_since = None;
        self.t_pulse = None;
        self.t_onhook = None;
        self.t_digit = None;
        self.t_ring = None;
        self.t_cid = None;
        self.t_release = None;
        self.dtmf.reset();
    }

    fn ring_burst(&mut self, now: Instant) {
        self.rings += 1;
        self.st = St::Ringing(RingPhase::On);
        self.set_ring(true);
        self.t_ring = Some(now + ms(self.cfg.cadence.on_ms));
    }

    fn ring_timer(&mut self, now: Instant) {
        let St::Ringing(phase) = self.st else {
            return;
        };
        match phase {
            RingPhase::Alert => {
                self.st = St::Ringing(RingPhase::PreCid);
                if let Some(c) = self.cid.take() {
                    self.audio = AudioSrc::Cid(c);
                }
            }
            RingPhase::PreCid => {}
            RingPhase::PostCid => {
                self.set_polarity(Polarity::Normal);
                self.ring_burst(now);
            }
            RingPhase::On => {
                self.set_ring(false);
                self.st = St::Ringing(RingPhase::Off);
                self.t_ring = Some(now + ms(self.cfg.cadence.off_ms));
                if self.rings == 1 && self.cid.is_some() {
                    self.t_cid = Some(now + ms(self.cfg.timers.cid_after_ring_ms));
                }
            }
            RingPhase::Off => {
                if self.audio.is_cid() {
                    // Never ring over caller ID: wait for it to end.
                    self.t_ring = Some(now + ms(10));
                } else {
                    self.ring_burst(now);
                }
            }
        }
    }

    fn loop_closed(&mut self, now: Instant) {
        if let Some(since) = self.open_since.take() {
            self.t_onhook = None;
            let d = now - since;
            let t = &self.cfg.timers;
            if d < ms(t.pulse_break_min_ms) {
                // Contact bounce.
            } else if d <= ms(t.pulse_break_max_ms) {
                if self.st == St::Dialing {
                    self.pulses = self.pulses.saturating_add(1);
                    self.t_pulse = Some(now + ms(t.pulse_digit_ms));
                    self.audio = AudioSrc::Silence;
                }
            } else {
                self.events.push_back(FxsEvent::Flash);
            }
            return;
        }
        match self.st {
            St::Idle => {
                self.st = St::Dialing;
                self.digits.clear();
                self.dtmf.reset();
                if let Some(d) = self.cfg.country.profile().tone(ToneKind::Dial) {
                    self.play_spec(d);
                }
                self.t_digit = Some(now + ms(self.cfg.timers.first_digit_ms));
                self.events.push_back(FxsEvent::OffHook);
            }
            St::Ringing(_) => {
                self.set_ring(false);
                self.set_polarity(Polarity::Normal);
                self.cid = None;
                self.t_ring = None;
                self.t_cid = None;
                self.st = St::Connected;
                self.audio = AudioSrc::Bridge;
                self.events.push_back(FxsEvent::Answered);
            }
            _ => {}
        }
    }

    fn loop_opened(&mut self, now: Instant) {
        if self.off_hook() && self.open_since.is_none() {
            self.open_since = Some(now);
            self.t_onhook = Some(now + ms(self.cfg.timers.flash_max_ms));
            // A pulse digit is not over while the loop is open.
            self.t_pulse = None;
        }
    }

    fn add_digit(&mut self, now: Instant, c: char, pulse: bool) {
        if self.st != St::Dialing {
            return;
        }
        self.events.push_back(FxsEvent::Digit { digit: c, pulse });
        self.digits.push(c);
        self.audio = AudioSrc::Silence;
        match (self.dial_plan)(&self.digits) {
            DialPlanMatch::Incomplete => {
                self.t_digit = Some(now + ms(self.cfg.timers.inter_digit_ms));
            }
            DialPlanMatch::Complete => self.dialed(),
            DialPlanMatch::Invalid => {
                let number = core::mem::take(&mut self.digits);
                self.events.push_back(FxsEvent::DialInvalid { number });
                self.release(now);
            }
        }
    }

    fn dialed(&mut self) {
        self.t_digit = None;
        let mut number = core::mem::take(&mut self.digits);
        if number.ends_with('#') {
            number.pop();
        }
        self.st = St::Routing;
        self.audio = AudioSrc::Silence;
        self.events.push_back(FxsEvent::Dialed { number });
    }

    fn audio_in(&mut self, now: Instant, chunk: &crate::AudioChunk) {
        if self.st == St::Dialing && self.open_since.is_none() {
            let mut digits = [None; 4];
            let mut n = 0;
            self.dtmf.process(chunk, |ev| {
                if let DtmfEvent::Digit(d) = ev
                    && n < digits.len()
                {
                    digits[n] = Some(d.digit.as_char());
                    n += 1;
                }
            });
            for c in digits.into_iter().flatten() {
                self.add_digit(now, c, false);
            }
        }
        let (out, cid_ended) = self.audio.next();
        if let Some(out) = out {
            self.tx.push_back(Transmit::Audio(out));
        }
        if cid_ended {
            self.events.push_back(FxsEvent::CallerIdSent);
            if self.st == St::Ringing(RingPhase::PreCid) {
                self.st = St::Ringing(RingPhase::PostCid);
                self.t_ring = Some(now + ms(self.cfg.timers.ring_after_cid_ms));
            }
        }
    }
}
