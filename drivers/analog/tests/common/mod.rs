//! A two-wire loop in simulated time: an [`Fxs`] (the exchange end) wired to an [`Fxo`]
//! (the phone or our CO port), 1 ms per step, as a virtual line would carry it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use analog::{
    AudioChunk, DialMode, DisconnectReason, Fxo, FxoConfig, FxoEvent, FxoState, Fxs, FxsConfig,
    FxsEvent, FxsState, Input, Instant, Transmit,
};
use std::time::Duration;

pub const SILENCE: AudioChunk = [0; 8];

pub struct Loop {
    pub now: Instant,
    pub fxs: Fxs,
    pub fxo: Fxo,
    /// Audio each end sent in the last step (arrives at the other end in the next one).
    pub from_fxs: AudioChunk,
    from_fxo: AudioChunk,
    /// Every event with the millisecond it happened.
    pub fxs_events: Vec<(u64, FxsEvent)>,
    pub fxo_events: Vec<(u64, FxoEvent)>,
}

impl Loop {
    pub fn new(fxs: FxsConfig, fxo: FxoConfig) -> Self {
        Self::with(Fxs::new(fxs), Fxo::new(fxo).unwrap())
    }

    pub fn with(fxs: Fxs, fxo: Fxo) -> Self {
        Self {
            now: Instant::ZERO,
            fxs,
            fxo,
            from_fxs: SILENCE,
            from_fxo: SILENCE,
            fxs_events: Vec::new(),
            fxo_events: Vec::new(),
        }
    }

    pub fn ms(&self) -> u64 {
        self.now.as_millis()
    }

    fn timers(&mut self) {
        // Bounded: each timer fires once per instant.
        for _ in 0..16 {
            let mut fired = false;
            if self.fxs.poll_timeout().is_some_and(|t| t <= self.now) {
                self.fxs.handle_timeout(self.now);
                fired = true;
            }
            if self.fxo.poll_timeout().is_some_and(|t| t <= self.now) {
                self.fxo.handle_timeout(self.now);
                fired = true;
            }
            if !fired {
                break;
            }
        }
    }

    /// Moves line signals across and returns the audio each end produced.
    fn cross(&mut self, fxs_audio: &mut Option<AudioChunk>, fxo_audio: &mut Option<AudioChunk>) {
        for _ in 0..64 {
            let mut moved = false;
            while let Some(t) = self.fxs.poll_transmit() {
                moved = true;
                match t {
                    Transmit::Line(s) => self.fxo.handle_input(self.now, Input::Line(s)),
                    Transmit::Audio(a) => *fxs_audio = Some(a),
                }
            }
            while let Some(t) = self.fxo.poll_transmit() {
                moved = true;
                match t {
                    Transmit::Line(s) => self.fxs.handle_input(self.now, Input::Line(s)),
                    Transmit::Audio(a) => *fxo_audio = Some(a),
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// One millisecond. `to_phone` is the switch's audio toward the phone (used when the
    /// FXS does not own the audio), `from_phone_ext` the phone user's voice (used when the
    /// FXO does not own it). Returns the audio the phone sent (what the switch gets).
    pub fn step_with(&mut self, to_phone: AudioChunk, from_phone_ext: AudioChunk) -> AudioChunk {
        self.timers();
        let (mut a, mut b) = (None, None);
        self.cross(&mut a, &mut b);
        let (in_fxs, in_fxo) = (self.from_fxo, self.from_fxs);
        self.fxs.handle_input(self.now, Input::Audio(in_fxs));
        self.fxo.handle_input(self.now, Input::Audio(in_fxo));
        self.cross(&mut a, &mut b);
        self.from_fxs = a.unwrap_or(to_phone);
        self.from_fxo = b.unwrap_or(from_phone_ext);
        let ms = self.ms();
        while let Some(e) = self.fxs.poll_event() {
            self.fxs_events.push((ms, e));
        }
        while let Some(e) = self.fxo.poll_event() {
            self.fxo_events.push((ms, e));
        }
        self.now += Duration::from_millis(1);
        in_fxs
    }

    pub fn step(&mut self) {
        self.step_with(SILENCE, SILENCE);
    }

    /// Steps until `cond` or `max_ms`; true if `cond` became true.
    pub fn run_until(&mut self, max_ms: u64, mut cond: impl FnMut(&Self) -> bool) -> bool {
        for _ in 0..max_ms {
            if cond(self) {
                return true;
            }
            self.step();
        }
        cond(self)
    }

    pub fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            self.step();
        }
    }

    pub fn fxo_saw(&self, pred: impl Fn(&FxoEvent) -> bool) -> Option<u64> {
        self.fxo_events
            .iter()
            .find(|(_, e)| pred(e))
            .map(|(t, _)| *t)
    }

    pub fn fxs_saw(&self, pred: impl Fn(&FxsEvent) -> bool) -> Option<u64> {
        self.fxs_events
            .iter()
            .find(|(_, e)| pred(e))
            .map(|(t, _)| *t)
    }
}

// Disconnect supervision scenarios (fxo_disconnect_*.rs).

/// An outgoing call from the FXO, answered by the CO, then cleared by the CO.
pub fn cleared(co: FxsConfig, port: FxoConfig) -> (Loop, u64) {
    let mut l = Loop::new(co, port);
    l.run(10);
    l.fxo.seize().unwrap();
    l.run(700);
    l.fxo.dial(l.now, "10086#", DialMode::Dtmf).unwrap();
    assert!(l.run_until(3000, |l| l.fxs.state() == FxsState::Routing));
    l.fxs.answer().unwrap();
    l.run(500);
    // Without answer supervision (no reversal on answer) the call stays "seized": an
    // analog line gives no other answer signal. Either way the loop is closed.
    let expect = if l.fxs.config().reverse_on_answer {
        FxoState::Connected
    } else {
        FxoState::Seized
    };
    assert_eq!(l.fxo.state(), expect);
    l.run(2000);
    assert_eq!(l.fxo.state(), expect, "{:?}", l.fxo_events);
    let t = l.ms();
    l.fxs.hangup(l.now);
    (l, t)
}

pub fn released_within_3s(l: &mut Loop, t: u64, reason: DisconnectReason) {
    assert!(
        l.run_until(3000, |l| l.fxo.state() == FxoState::Idle),
        "still off-hook 3 s after the far end cleared: {:?}",
        l.fxo_events
    );
    let at = l
        .fxo_saw(|e| matches!(e, FxoEvent::Disconnected(_)))
        .unwrap();
    assert!(at - t <= 3000);
    assert!(
        l.fxo_saw(|e| *e == FxoEvent::Disconnected(reason))
            .is_some(),
        "{:?}",
        l.fxo_events
    );
    // The CO sees the loop open and returns to idle too.
    assert!(l.run_until(2000, |l| l.fxs.state() == FxsState::Idle));
    assert!(l.fxs_saw(|e| *e == FxsEvent::OnHook).is_some());
}
