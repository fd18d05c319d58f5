//! Analog line types (level 0): the signals of a two-wire loop and the [`AnalogPort`] trait
//! every analog backend offers (virtual lines now, DAHDI FXS/FXO channels later).
//!
//! ## The model
//! A two-wire loop has two ends:
//! - the **exchange end** (what a central office, or our FXS port, is): it feeds battery,
//!   may reverse its polarity or drop it (open-loop disconnect, DAHDI's "kewl" pulse), and
//!   applies ring voltage;
//! - the **terminal end** (a phone, or our FXO port): it closes or opens the loop (off-hook,
//!   on-hook; a hook flash and dial pulses are timed openings of the loop).
//!
//! Both directions use one enum, [`LineSignal`]: a signal one end *commands* is the event
//! the other end *sees*. Audio is 8 kHz linear PCM in 1 ms chunks of [`CHUNK_SAMPLES`]
//! samples ([`AudioChunk`]), DAHDI's chunk size; a DAHDI backend reads its channels in
//! linear mode (`DAHDI_SETLINEAR`) to deliver it.
//!
//! Hardware that decodes hook flashes and dial pulses itself (DAHDI reports
//! `DAHDI_EVENT_WINKFLASH` and `DAHDI_EVENT_PULSEDIGIT` on FXS ports) reports them as
//! [`LineSignal::Flash`] and [`LineSignal::PulseDigit`]; lines that carry raw loop state
//! (the virtual line) report only [`LineSignal::Hook`] transitions and leave the timing to
//! the `analog` crate.

use crate::span::CHUNK_SAMPLES;

/// One millisecond of analog audio: 8 linear 16-bit samples at 8 kHz.
pub type AudioChunk = [i16; CHUNK_SAMPLES];

/// Loop state set by the terminal end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Hook {
    /// Loop open: no loop current.
    #[default]
    On,
    /// Loop closed: loop current flows.
    Off,
}

/// Battery polarity fed by the exchange end (tip/ring orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Polarity {
    /// The idle polarity.
    #[default]
    Normal,
    /// Reversed (line reversal: answer supervision, CLIP alert, disconnect).
    Reversed,
}

/// A line signal: a command from the end that applies it, an event at the end that sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineSignal {
    /// Terminal end: the loop was closed or opened.
    Hook(Hook),
    /// Exchange end: ring voltage applied (`true`) or removed (`false`).
    Ring(bool),
    /// Exchange end: battery polarity.
    Polarity(Polarity),
    /// Exchange end: battery fed (`true`) or removed (`false`: open-loop disconnect).
    Battery(bool),
    /// A hook flash already timed by the hardware (DAHDI `DAHDI_EVENT_WINKFLASH` on an FXS
    /// port). Never sent on a virtual line.
    Flash,
    /// A dial-pulse digit already counted by the hardware (DAHDI `DAHDI_EVENT_PULSEDIGIT`):
    /// the digit character `b'0'..=b'9'`. Never sent on a virtual line.
    PulseDigit(u8),
}

/// Which end of the loop a port is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortKind {
    /// An FXS port: the exchange end (a phone is plugged in).
    Fxs,
    /// An FXO port: the terminal end (a CO line is plugged in).
    Fxo,
}

/// The line state at one moment, as four bits: what a virtual line carries in every packet
/// and what a backend that polls its hardware compares to find events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LineState {
    /// Loop closed (terminal end).
    pub off_hook: bool,
    /// Ring voltage on (exchange end).
    pub ringing: bool,
    /// Polarity reversed (exchange end).
    pub reversed: bool,
    /// Battery fed (exchange end).
    pub battery: bool,
}

impl LineState {
    /// Bit 0 = off-hook, 1 = ringing, 2 = reversed, 3 = battery.
    #[must_use]
    pub const fn bits(self) -> u8 {
        (self.off_hook as u8)
            | (self.ringing as u8) << 1
            | (self.reversed as u8) << 2
            | (self.battery as u8) << 3
    }

    /// From [`bits`](Self::bits); bits 4–7 are ignored.
    #[must_use]
    pub const fn from_bits(b: u8) -> Self {
        Self {
            off_hook: b & 1 != 0,
            ringing: b & 2 != 0,
            reversed: b & 4 != 0,
            battery: b & 8 != 0,
        }
    }

    /// Applies a signal (flash and pulse digits leave the state as it is).
    pub fn apply(&mut self, s: LineSignal) {
        match s {
            LineSignal::Hook(h) => self.off_hook = h == Hook::Off,
            LineSignal::Ring(on) => self.ringing = on,
            LineSignal::Polarity(p) => self.reversed = p == Polarity::Reversed,
            LineSignal::Battery(on) => self.battery = on,
            LineSignal::Flash | LineSignal::PulseDigit(_) => {}
        }
    }

    /// The signals that turn `self` into `new`, in a fixed order (battery, polarity, ring,
    /// hook), passed to `f`.
    pub fn diff(self, new: Self, mut f: impl FnMut(LineSignal)) {
        if self.battery != new.battery {
            f(LineSignal::Battery(new.battery));
        }
        if self.reversed != new.reversed {
            f(LineSignal::Polarity(if new.reversed {
                Polarity::Reversed
            } else {
                Polarity::Normal
            }));
        }
        if self.ringing != new.ringing {
            f(LineSignal::Ring(new.ringing));
        }
        if self.off_hook != new.off_hook {
            f(LineSignal::Hook(if new.off_hook {
                Hook::Off
            } else {
                Hook::On
            }));
        }
    }
}

/// One analog port of a backend: audio in 1 ms chunks and line signals, non-blocking.
///
/// Same shape as [`Span`](crate::Span): the daemon waits on the backend's file descriptor,
/// then calls these until they return "nothing yet"; nothing blocks or sleeps. The port
/// does no timing of its own: flashes and dial pulses are sequences of
/// [`LineSignal::Hook`] commands that the `analog` state machines time.
pub trait AnalogPort {
    /// The backend's error type.
    type Error;

    /// Which end of the loop this port is.
    fn kind(&self) -> PortKind;

    /// The next received 1 ms of audio, or `None` when none is waiting. Line events that
    /// arrived with or before it are queued for [`poll_signal`](Self::poll_signal) first.
    ///
    /// # Errors
    /// The backend's I/O errors.
    fn read_chunk(&mut self) -> Result<Option<AudioChunk>, Self::Error>;

    /// Sends 1 ms of audio, with the line state set by [`send_signal`](Self::send_signal).
    ///
    /// # Errors
    /// The backend's I/O errors (a full transmit buffer among them).
    fn write_chunk(&mut self, chunk: &AudioChunk) -> Result<(), Self::Error>;

    /// Applies a line signal at this end (hook for an FXO port; ring, polarity, battery for
    /// an FXS port).
    ///
    /// # Errors
    /// The backend's errors, e.g. a signal this end cannot apply.
    fn send_signal(&mut self, signal: LineSignal) -> Result<(), Self::Error>;

    /// The next line event seen from the far end, oldest first.
    fn poll_signal(&mut self) -> Option<LineSignal>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_bits_round_trip_and_diff() {
        for b in 0..16u8 {
            assert_eq!(LineState::from_bits(b).bits(), b);
        }
        let a = LineState::default();
        let mut b = a;
        b.apply(LineSignal::Battery(true));
        b.apply(LineSignal::Polarity(Polarity::Reversed));
        b.apply(LineSignal::Hook(Hook::Off));
        let mut seen = Vec::new();
        a.diff(b, |s| seen.push(s));
        assert_eq!(
            seen,
            [
                LineSignal::Battery(true),
                LineSignal::Polarity(Polarity::Reversed),
                LineSignal::Hook(Hook::Off)
            ]
        );
        let mut c = a;
        for s in seen {
            c.apply(s);
        }
        assert_eq!(c, b);
    }
}
