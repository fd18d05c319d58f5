//! The FXO machine: the terminal end of a loop, for a port a CO line is plugged into (and
//! for a simulated phone, which is the same thing).
//!
//! ## States
//! [`FxoState::Idle`] (on-hook) → ring bursts whose on and off times fit the cadence:
//! [`FxoEvent::Ring`] each, [`FxoState::Ringing`] → `answer`: off-hook,
//! [`FxoState::Connected`]. No ring within the cadence's off time (plus tolerance):
//! [`FxoEvent::RingingStopped`], idle again.
//!
//! [`FxoState::Idle`] → `seize`: off-hook, [`FxoState::Seized`] → `dial` (DTMF or pulses,
//! [`FxoEvent::DialComplete`]) → a polarity reversal (if
//! [`FxoConfig::answer_on_polarity`](crate::FxoConfig)): [`FxoEvent::Answered`],
//! [`FxoState::Connected`].
//!
//! Off-hook, disconnect supervision (Asterisk `chan_dahdi` semantics): battery absent for
//! 250 ms (kewlstart), a polarity change once answered (`hanguponpolarityswitch`), or a busy
//! or congestion tone found by media-dsp's tone detector (`busydetect`): the machine goes
//! on-hook by itself and reports [`FxoEvent::Disconnected`].
//!
//! ## Caller ID
//! The configured receiver (FSK V.23/Bell 202, or DTMF CLIP) is armed for
//! [`FxoTimers::cid_window_ms`](crate::FxoTimers) after the first ring
//! ([`CidStart::Ring`]) or after a polarity reversal while idle
//! ([`CidStart::Polarity`]), as Asterisk's `cidstart`; a
//! signal outside that window is not listened for (the classic "no caller ID" mismatch).

use std::collections::VecDeque;

use media_dsp::cid::{CallerId, CidError, CidRx, DtmfClip, DtmfClipRx};
use media_dsp::dtmf::{Digit, DtmfGenerator, GeneratorConfig};
use media_dsp::tones::{ToneDetector, ToneEvent, ToneKind};

use crate::{
    AnalogError, AudioChunk, CallerInfo, CidSignalling, CidStart, FxoConfig, Hook, Input, Instant,
    LineSignal, Polarity, SILENCE, Transmit, min_deadline, ms,
};

/// The coarse state of an [`Fxo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FxoState {
    /// On-hook, no ringing.
    Idle,
    /// On-hook, the line is ringing.
    Ringing,
    /// Off-hook for a call we make, not answered yet.
    Seized,
    /// Off-hook in a call.
    Connected,
}

/// How to dial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialMode {
    /// DTMF tones.
    Dtmf,
    /// Loop-disconnect pulses (digits 0–9 only).
    Pulse,
}

/// Why an [`Fxo`] released the line by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// Battery removed (open-loop disconnect).
    BatteryDrop,
    /// Polarity changed on a connected call.
    PolarityReversal,
    /// Busy tone heard.
    BusyTone,
    /// Congestion tone heard.
    CongestionTone,
}

impl DisconnectReason {
    /// Lower-case name, as in `analog-sim`'s JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::BatteryDrop => "battery",
            Self::PolarityReversal => "polarity",
            Self::BusyTone => "busy",
            Self::CongestionTone => "congestion",
        }
    }
}

/// What an [`Fxo`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FxoEvent {
    /// A ring burst that fits the cadence ended.
    Ring {
        /// 1 for the first ring.
        count: u32,
        /// How long the ring voltage lasted, ms.
        on_ms: u32,
        /// Silence before it, ms (none for the first ring).
        off_ms: Option<u32>,
    },
    /// A ring burst that does not fit the cadence (too long, or too soon after the last).
    RingRejected {
        /// How long it lasted, ms.
        on_ms: u32,
        /// Silence before it, ms.
        off_ms: Option<u32>,
    },
    /// No further ring: the caller gave up.
    RingingStopped,
    /// Caller ID received.
    CallerId(CallerInfo),
    /// A caller-ID signal was heard but rejected.
    CallerIdFailed(CidError),
    /// A call-progress tone was recognised (off-hook).
    Tone(ToneKind),
    /// The tone stopped.
    ToneEnded(ToneKind),
    /// Polarity changed.
    Polarity(Polarity),
    /// Battery appeared or disappeared.
    Battery(bool),
    /// The far end answered our call (polarity reversal).
    Answered,
    /// Every digit has been sent.
    DialComplete,
    /// A hook flash has been sent.
    FlashComplete,
    /// The far end cleared; the machine is on-hook again.
    Disconnected(DisconnectReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PulsePhase {
    Break,
    Make,
    InterDigit,
}

#[derive(Debug)]
enum CidRecv {
    Fsk(Box<CidRx>),
    Dtmf(Box<DtmfClipRx>),
}

/// The FXO line state machine (see the module documentation).
#[derive(Debug)]
pub struct Fxo {
    cfg: FxoConfig,
    st: FxoState,
    tx: VecDeque<Transmit>,
    events: VecDeque<FxoEvent>,
    loop_closed: bool,
    battery: bool,
    polarity: Polarity,
    answered_by_polarity: bool,
    // Ring detection.
    ring_since: Option<Instant>,
    last_ring_end: Option<Instant>,
    rings: u32,
    t_ring_stop: Option<Instant>,
    // Caller ID.
    cid: Option<CidRecv>,
    t_cid: Option<Instant>,
    caller: Option<CallerInfo>,
    // Tones.
    tones: Box<ToneDetector>,
    // Dialling.
    dial_queue: VecDeque<char>,
    dial_mode: DialMode,
    dtmf: DtmfGenerator,
    dtmf_active: bool,
    pulses_left: u8,
    pulse_phase: PulsePhase,
    t_pulse: Option<Instant>,
    // Supervision and flash.
    t_battery: Option<Instant>,
    t_flash: Option<Instant>,
}

impl Fxo {
    /// A port with `cfg`, on-hook.
    ///
    /// # Errors
    /// [`AnalogError::InvalidConfig`] when the DTMF dialling settings (`cfg.dtmf_level_dbm0`,
    /// `cfg.timers.dtmf_on_ms`/`dtmf_off_ms`) are out of the generator's range.
    pub fn new(cfg: FxoConfig) -> Result<Self, AnalogError> {
        let dtmf = DtmfGenerator::new(GeneratorConfig {
            level_dbm0: cfg.dtmf_level_dbm0,
            twist_db: 0.0,
            on_ms: cfg.timers.dtmf_on_ms,
            off_ms: cfg.timers.dtmf_off_ms,
        })
        .map_err(|e| match e {
            media_dsp::dtmf::DtmfError::Generator(m) => AnalogError::InvalidConfig(m),
            _ => AnalogError::InvalidConfig("DTMF dialling settings"),
        })?;
        Ok(Self {
            cfg,
            st: FxoState::Idle,
            tx: VecDeque::new(),
            events: VecDeque::new(),
            loop_closed: false,
            battery: false,
            polarity: Polarity::Normal,
            answered_by_polarity: false,
            ring_since: None,
            last_ring_end: None,
            rings: 0,
            t_ring_stop: None,
            cid: None,
            t_cid: None,
            caller: None,
            tones: Box::new(ToneDetector::new(cfg.country)),
            dial_queue: VecDeque::new(),
            dial_mode: DialMode::Dtmf,
            dtmf,
            dtmf_active: false,
            pulses_left: 0,
            pulse_phase: PulsePhase::Break,
            t_pulse: None,
            t_battery: None,
            t_flash: None,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &FxoConfig {
        &self.cfg
    }

    /// The coarse state.
    #[must_use]
    pub fn state(&self) -> FxoState {
        self.st
    }

    /// The caller ID of the current or last incoming call.
    #[must_use]
    pub fn caller_id(&self) -> Option<&CallerInfo> {
        self.caller.as_ref()
    }

    /// Whether battery is present on the line.
    #[must_use]
    pub fn battery(&self) -> bool {
        self.battery
    }

    /// Whether the receiver for caller ID is listening now.
    #[must_use]
    pub fn cid_armed(&self) -> bool {
        self.cid.is_some()
    }

    /// Takes a line event or a chunk of audio from the line.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        match input {
            Input::Line(LineSignal::Ring(on)) => self.ring_signal(now, on),
            Input::Line(LineSignal::Polarity(p)) => self.polarity_signal(now, p),
            Input::Line(LineSignal::Battery(on)) => self.battery_signal(now, on),
            // Hook, flash and pulses are ours to apply.
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
        if due(&mut self.t_battery) && self.off_hook() {
            self.disconnect(DisconnectReason::BatteryDrop);
            return;
        }
        if due(&mut self.t_ring_stop) && self.st == FxoState::Ringing {
            self.events.push_back(FxoEvent::RingingStopped);
            self.go_idle();
        }
        if due(&mut self.t_cid) {
            self.cid = None;
        }
        if due(&mut self.t_flash) && self.off_hook() {
            self.set_loop(true);
            self.events.push_back(FxoEvent::FlashComplete);
        }
        if due(&mut self.t_pulse) {
            self.pulse_timer(now);
        }
    }

    /// The next line signal or audio chunk to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.tx.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<FxoEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        min_deadline([
            self.t_battery,
            self.t_ring_stop,
            self.t_cid,
            self.t_flash,
            self.t_pulse,
        ])
    }

    /// Answers a ringing line: off-hook.
    ///
    /// # Errors
    /// [`AnalogError::NotRinging`] unless ringing.
    pub fn answer(&mut self) -> Result<(), AnalogError> {
        if self.st != FxoState::Ringing {
            return Err(AnalogError::NotRinging);
        }
        self.go_off_hook(FxoState::Connected);
        Ok(())
    }

    /// Seizes an idle line to make a call: off-hook.
    ///
    /// # Errors
    /// [`AnalogError::NotIdle`] unless idle.
    pub fn seize(&mut self) -> Result<(), AnalogError> {
        if self.st != FxoState::Idle {
            return Err(AnalogError::NotIdle);
        }
        self.go_off_hook(FxoState::Seized);
        Ok(())
    }

    /// Dials `digits`: DTMF (in a call too) or pulses (before answer, digits 0–9 only).
    ///
    /// # Errors
    /// [`AnalogError::NotOffHook`], [`AnalogError::Dialling`] while digits are still being
    /// sent, [`AnalogError::InvalidDigit`] for a character the mode cannot send.
    pub fn dial(&mut self, now: Instant, digits: &str, mode: DialMode) -> Result<(), AnalogError> {
        if !self.off_hook() {
            return Err(AnalogError::NotOffHook);
        }
        if !self.dial_queue.is_empty() || self.dtmf_active || self.t_pulse.is_some() {
            return Err(AnalogError::Dialling);
        }
        for c in digits.chars() {
            let ok = match mode {
                DialMode::Dtmf => Digit::from_char(c).is_some(),
                DialMode::Pulse => c.is_ascii_digit(),
            };
            if !ok {
                return Err(AnalogError::InvalidDigit(c));
            }
        }
        self.dial_mode = mode;
        self.dial_queue.extend(digits.chars());
        match mode {
            DialMode::Dtmf => self.dtmf_active = !self.dial_queue.is_empty(),
            DialMode::Pulse => self.next_pulse_digit(now),
        }
        if self.dial_queue.is_empty() && !self.dtmf_active && self.t_pulse.is_none() {
            self.events.push_back(FxoEvent::DialComplete);
        }
        Ok(())
    }

    /// Hangs up: on-hook, idle.
    pub fn hangup(&mut self) {
        if self.off_hook() {
            self.go_idle();
        }
    }

    /// Sends a hook flash (loop open for [`FxoTimers::flash_ms`](crate::FxoTimers)).
    ///
    /// # Errors
    /// [`AnalogError::NotOffHook`], [`AnalogError::Dialling`] during pulse dialling.
    pub fn flash(&mut self, now: Instant) -> Result<(), AnalogError> {
        if !self.off_hook() {
            return Err(AnalogError::NotOffHook);
        }
        if self.t_pulse.is_some() || self.t_flash.is_some() {
            return Err(AnalogError::Dialling);
        }
        self.set_loop(false);
        self.t_flash = Some(now + ms(self.cfg.timers.flash_ms));
        Ok(())
    }

    fn off_hook(&self) -> bool {
        matches!(self.st, FxoState::Seized | FxoState::Connected)
    }

    fn set_loop(&mut self, closed: bool) {
        if self.loop_closed != closed {
            self.loop_closed = closed;
            let h = if closed { Hook::Off } else { Hook::On };
            self.tx.push_back(Transmit::Line(LineSignal::Hook(h)));
        }
    }

    fn go_off_hook(&mut self, st: FxoState) {
        self.st = st;
        self.set_loop(true);
        self.answered_by_polarity = false;
        self.cid = None;
        self.t_cid = None;
        self.t_ring_stop = None;
        self.ring_since = None;
        *self.tones = ToneDetector::new(self.cfg.country);
    }

    fn go_idle(&mut self) {
        self.set_loop(false);
        self.st = FxoState::Idle;
        self.rings = 0;
        self.ring_since = None;
        self.last_ring_end = None;
        self.t_ring_stop = None;
        self.cid = None;
        self.t_cid = None;
        self.dial_queue.clear();
        self.dtmf_active = false;
        self.t_pulse = None;
        self.t_battery = None;
        self.t_flash = None;
        self.answered_by_polarity = false;
    }

    fn disconnect(&mut self, reason: DisconnectReason) {
        self.go_idle();
        self.events.push_back(FxoEvent::Disconnected(reason));
    }

    fn arm_cid(&mut self, now: Instant) {
        let Some(sig) = self.cfg.cid_signalling else {
            return;
        };
        self.cid = Some(match sig {
            CidSignalling::Fsk(std) => CidRecv::Fsk(Box::new(CidRx::new(std))),
            CidSignalling::Dtmf => CidRecv::Dtmf(Box::new(DtmfClipRx::new())),
        });
        self.t_cid = Some(now + ms(self.cfg.timers.cid_window_ms));
    }

    fn pct(v: u32, pct: u32) -> u64 {
        u64::from(v) * u64::from(pct) / 100
    }

    fn ring_signal(&mut self, now: Instant, on: bool) {
        if self.off_hook() {
            return;
        }
        if on {
            if self.ring_since.is_none() {
                self.ring_since = Some(now);
            }
            // The next ring came in time; its end restarts the wait.
            self.t_ring_stop = None;
            return;
        }
        let Some(since) = self.ring_since.take() else {
            return;
        };
        let t = self.cfg.timers;
        let cad = self.cfg.cadence;
        let on_ms = (now - since).as_millis() as u64;
        if on_ms < u64::from(t.ring_min_on_ms) {
            return;
        }
        let off_ms = self.last_ring_end.map(|e| (since - e).as_millis() as u64);
        let on_ok = on_ms <= u64::from(cad.on_ms) + Self::pct(cad.on_ms, t.ring_tolerance_pct);
        let off_ok = off_ms.is_none_or(|o| {
            o >= u64::from(cad.off_ms) - Self::pct(cad.off_ms, t.ring_tolerance_pct)
                && o <= u64::from(cad.off_ms) + Self::pct(cad.off_ms, t.ring_tolerance_pct)
        });
        self.last_ring_end = Some(now);
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        if on_ok && off_ok {
            self.rings += 1;
            if self.st == FxoState::Idle {
                self.st = FxoState::Ringing;
            }
            self.events.push_back(FxoEvent::Ring {
                count: self.rings,
                on_ms: to_u32(on_ms),
                off_ms: off_ms.map(to_u32),
            });
            if self.rings == 1 && self.cfg.cid_start == CidStart::Ring {
                self.arm_cid(now);
            }
        } else {
            self.events.push_back(FxoEvent::RingRejected {
                on_ms: to_u32(on_ms),
                off_ms: off_ms.map(to_u32),
            });
        }
        if self.st == FxoState::Ringing {
            let max_off = u64::from(cad.off_ms) + Self::pct(cad.off_ms, t.ring_tolerance_pct);
            self.t_ring_stop = Some(now + core::time::Duration::from_millis(max_off));
        }
    }

    fn polarity_signal(&mut self, now: Instant, p: Polarity) {
        if self.polarity == p {
            return;
        }
        self.polarity = p;
        self.events.push_back(FxoEvent::Polarity(p));
        match self.st {
            FxoState::Idle | FxoState::Ringing => {
                if self.cfg.cid_start == CidStart::Polarity && self.cid.is_none() {
                    self.arm_cid(now);
                }
            }
            FxoState::Seized => {
                if self.cfg.answer_on_polarity {
                    self.st = FxoState::Connected;
                    self.answered_by_polarity = true;
                    self.events.push_back(FxoEvent::Answered);
                } else if self.cfg.hangup_on_polarity {
                    self.disconnect(DisconnectReason::PolarityReversal);
                }
            }
            FxoState::Connected => {
                if self.cfg.hangup_on_polarity {
                    self.disconnect(DisconnectReason::PolarityReversal);
                }
            }
        }
    }

    fn battery_signal(&mut self, now: Instant, on: bool) {
        if self.battery == on {
            return;
        }
        self.battery = on;
        self.events.push_back(FxoEvent::Battery(on));
        if on {
            self.t_battery = None;
        } else if self.off_hook() && self.cfg.battery_disconnect {
            self.t_battery = Some(now + ms(self.cfg.timers.battery_drop_ms));
        }
    }

    fn next_pulse_digit(&mut self, now: Instant) {
        match self.dial_queue.pop_front() {
            Some(c) => {
                let n = c.to_digit(10).unwrap_or(0) as u8;
                self.pulses_left = if n == 0 { 10 } else { n };
                self.pulse_phase = PulsePhase::Break;
                self.set_loop(false);
                self.t_pulse = Some(now + ms(self.cfg.timers.pulse_break_ms));
            }
            None => {
                self.t_pulse = None;
                self.events.push_back(FxoEvent::DialComplete);
            }
        }
    }

    fn pulse_timer(&mut self, now: Instant) {
        if !self.off_hook() {
            return;
        }
        let t = self.cfg.timers;
        match self.pulse_phase {
            PulsePhase::Break => {
                self.set_loop(true);
                self.pulses_left = self.pulses_left.saturating_sub(1);
                if self.pulses_left > 0 {
                    self.pulse_phase = PulsePhase::Make;
                    self.t_pulse = Some(now + ms(t.pulse_make_ms));
                } else {
                    self.pulse_phase = PulsePhase::InterDigit;
                    self.t_pulse = Some(now + ms(t.pulse_interdigit_ms));
                }
            }
            PulsePhase::Make => {
                self.set_loop(false);
                self.pulse_phase = PulsePhase::Break;
                self.t_pulse = Some(now + ms(t.pulse_break_ms));
            }
            PulsePhase::InterDigit => self.next_pulse_digit(now),
        }
    }

    fn audio_in(&mut self, _now: Instant, chunk: &AudioChunk) {
        if !self.off_hook() {
            self.cid_in(chunk);
        } else {
            self.tones_in(chunk);
        }
        if self.dtmf_active && self.off_hook() {
            let mut out = SILENCE;
            let mut at = 0;
            while at < out.len() {
                if self.dtmf.is_idle() {
                    let Some(c) = self.dial_queue.pop_front() else {
                        break;
                    };
                    if let Some(d) = Digit::from_char(c) {
                        self.dtmf.start(d);
                    }
                }
                at += self.dtmf.fill(&mut out[at..]);
            }
            if at < out.len() && self.dtmf.is_idle() && self.dial_queue.is_empty() {
                self.dtmf_active = false;
                self.events.push_back(FxoEvent::DialComplete);
            }
            self.tx.push_back(Transmit::Audio(out));
        }
    }

    fn cid_in(&mut self, chunk: &AudioChunk) {
        let Some(rx) = self.cid.as_mut() else {
            return;
        };
        let mut got: Option<Result<CallerInfo, CidError>> = None;
        match rx {
            CidRecv::Fsk(r) => r.process(chunk, |m| {
                got.get_or_insert(m.map(|id| from_fsk(&id)));
            }),
            CidRecv::Dtmf(r) => r.process(chunk, |m| {
                got.get_or_insert(m.map(|c| from_dtmf(&c)));
            }),
        }
        match got {
            Some(Ok(info)) => {
                self.caller = Some(info.clone());
                self.events.push_back(FxoEvent::CallerId(info));
                self.cid = None;
                self.t_cid = None;
            }
            Some(Err(e)) => self.events.push_back(FxoEvent::CallerIdFailed(e)),
            None => {}
        }
    }

    fn tones_in(&mut self, chunk: &AudioChunk) {
        self.tones.process(chunk);
        while let Some(ev) = self.tones.poll_event() {
            match ev {
                ToneEvent::Detected { tone, .. } => {
                    self.events.push_back(FxoEvent::Tone(tone));
                    if self.cfg.busy_detect && self.off_hook() {
                        match tone {
                            ToneKind::Busy => self.disconnect(DisconnectReason::BusyTone),
                            ToneKind::Congestion => {
                                self.disconnect(DisconnectReason::CongestionTone);
                            }
                            _ => {}
                        }
                    }
                }
                ToneEvent::Ended { tone, .. } => {
                    self.events.push_back(FxoEvent::ToneEnded(tone));
                }
                _ => {}
            }
        }
    }
}

fn from_fsk(id: &CallerId) -> CallerInfo {
    CallerInfo {
        number: id.number.and_then(|n| n.as_str().map(str::to_owned)),
        name: id.name.and_then(|n| n.as_str().map(str::to_owned)),
    }
}

fn from_dtmf(c: &DtmfClip) -> CallerInfo {
    CallerInfo {
        number: c.number.and_then(|n| n.as_str().map(str::to_owned)),
        name: None,
    }
}
