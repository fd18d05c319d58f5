//! # analog: FXS and FXO line state machines, sans-IO
//!
//! **What it is:** the signalling of two-wire analog loops, as two state machines with the
//! project's common surface (`handle_input(now, input)`, `handle_timeout(now)`,
//! `poll_transmit()`, `poll_event()`, `poll_timeout()`):
//! - [`Fxs`]: the exchange end, for a port a phone is plugged into: hook, hook flash and
//!   dial-pulse decoding from loop timing, DTMF digits (media-dsp's detector), dial tone →
//!   digits → [`FxsEvent::Dialed`] (inter-digit timeout and/or a dial-plan callback), ringing
//!   with the country cadence, caller ID between the first and second ring (FSK V.23 or
//!   Bell 202) or before the first ring after a polarity reversal (FSK or DTMF CLIP),
//!   polarity reversal on answer and disconnect, open-loop disconnect, busy then howler tone
//!   for a phone left off-hook;
//! - [`Fxo`]: the terminal end, for a port a CO line is plugged into (and for a simulated
//!   phone): ring detection with cadence validation, caller ID received between rings or
//!   after a polarity reversal, seize, answer, dialling by DTMF or pulses, hook flash, call
//!   progress tones heard (media-dsp's tone detector), and disconnect supervision by battery
//!   drop, polarity reversal or busy/congestion tone.
//!
//! Timers default to DAHDI's and Asterisk's values ([`FxsTimers`], [`FxoTimers`], each
//! default documented with its source).
//!
//! ## Driving loop
//! 1. Every millisecond, hand each received 1 ms chunk of linear audio to
//!    `handle_input(now, Input::Audio(chunk))`, and each line signal from the port
//!    ([`tdm::AnalogPort::poll_signal`]) to `handle_input(now, Input::Line(signal))`.
//! 2. Call `handle_timeout(now)` when `poll_timeout()` has passed.
//! 3. Drain `poll_transmit()`: [`Transmit::Line`] goes to
//!    [`tdm::AnalogPort::send_signal`]; [`Transmit::Audio`] is the chunk to write to the
//!    port. Each `Input::Audio` yields at most one `Transmit::Audio`: when the machine owns
//!    the audio (tones, caller ID, DTMF dialling, silence) it yields one; when it does not
//!    (a connected call) it yields none, and the caller writes the call's audio instead.
//! 4. Drain `poll_event()`.
//!
//! ```no_run
//! use analog::{Fxs, FxsConfig, FxsEvent, Input, Instant, Transmit};
//! use tdm::AnalogPort;
//!
//! /// One millisecond of an FXS port on any backend (`now` from the daemon's clock).
//! fn tick<P: AnalogPort>(port: &mut P, fxs: &mut Fxs, now: Instant, call_audio: [i16; 8])
//!     -> Result<(), P::Error> {
//!     while let Some(chunk) = port.read_chunk()? {
//!         while let Some(sig) = port.poll_signal() {
//!             fxs.handle_input(now, Input::Line(sig));
//!         }
//!         fxs.handle_input(now, Input::Audio(chunk));
//!     }
//!     if fxs.poll_timeout().is_some_and(|t| t <= now) {
//!         fxs.handle_timeout(now);
//!     }
//!     let mut out = call_audio;
//!     while let Some(t) = fxs.poll_transmit() {
//!         match t {
//!             Transmit::Line(sig) => port.send_signal(sig)?,
//!             Transmit::Audio(a) => out = a,
//!         }
//!     }
//!     port.write_chunk(&out)?;
//!     while let Some(ev) = fxs.poll_event() {
//!         if let FxsEvent::Dialed { number } = ev {
//!             println!("route a call to {number}");
//!         }
//!     }
//!     Ok(())
//! }
//! # let _ = tick::<tdm::virt::VirtAnalogLine>;
//! # let _ = Fxs::new(FxsConfig::china());
//! ```
//!
//! **What it is not:** no I/O, no clock (time is a [`tdm::Instant`] passed in), no switch
//! (a call is an event out and a few commands in: `ring`, `play`, `answer`, `hangup`), no
//! echo cancellation or gains (media-dsp and the daemon's media path), no hardware (the
//! `tdm` crate's backends).

mod cidsend;
mod config;
mod error;
pub mod fxo;
pub mod fxs;

pub use cidsend::HOWLER;
pub use config::{
    CidSignalling, CidStart, DisconnectSignals, FxoConfig, FxoTimers, FxsConfig, FxsTimers,
    RingCadence,
};
pub use error::AnalogError;
pub use fxo::{DialMode, DisconnectReason, Fxo, FxoEvent, FxoState};
pub use fxs::{DialPlan, DialPlanMatch, Fxs, FxsEvent, FxsState, default_dial_plan};
pub use media_dsp::tones::{Country, ToneKind};
pub use tdm::{AudioChunk, Hook, Instant, LineSignal, Polarity};

/// What a line state machine takes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A line signal seen from the far end of the loop.
    Line(LineSignal),
    /// One millisecond of audio received from the line.
    Audio(AudioChunk),
}

/// What a line state machine sends out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transmit {
    /// A line signal to apply at this end of the loop.
    Line(LineSignal),
    /// One millisecond of audio to send on the line.
    Audio(AudioChunk),
}

/// A caller's identity, as sent or received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerInfo {
    /// Calling number (digits, `*`, `#`, `+`), if presented.
    pub number: Option<String>,
    /// Calling name (FSK MDMF only), if presented.
    pub name: Option<String>,
}

impl CallerInfo {
    /// A caller with a number only.
    #[must_use]
    pub fn number(n: &str) -> Self {
        Self {
            number: Some(n.to_owned()),
            name: None,
        }
    }
}

const SILENCE: AudioChunk = [0; tdm::CHUNK_SAMPLES];

fn ms(n: u32) -> core::time::Duration {
    core::time::Duration::from_millis(u64::from(n))
}

fn min_deadline(it: impl IntoIterator<Item = Option<Instant>>) -> Option<Instant> {
    it.into_iter().flatten().min()
}
