//! Errors of the analog crate.

use media_dsp::cid::CidError;

/// Why a command to a line state machine was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalogError {
    /// The command needs an idle line (e.g. `ring` while the phone is off-hook).
    #[error("the line is not idle")]
    NotIdle,
    /// The command needs a ringing line (e.g. `answer` with no ring).
    #[error("the line is not ringing")]
    NotRinging,
    /// The command needs the loop closed (e.g. `dial` on-hook).
    #[error("the line is not off-hook")]
    NotOffHook,
    /// Dialling is already in progress.
    #[error("already dialling")]
    Dialling,
    /// A character that cannot be dialled (pulse: 0-9 only; DTMF: 0-9 * # A-D).
    #[error("cannot dial {0:?}")]
    InvalidDigit(char),
    /// A configuration value out of range (the message names it).
    #[error("configuration: {0}")]
    InvalidConfig(&'static str),
    /// The caller ID could not be encoded.
    #[error("caller ID: {0}")]
    CallerId(#[from] CidError),
}
