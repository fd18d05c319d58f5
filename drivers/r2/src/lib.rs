//! # r2: MFC/R2 signalling on E1 channels (ITU variant and China No.1)
//!
//! **What it is:** a sans-IO state machine per E1 channel ([`R2Channel`]) doing both parts
//! of System R2:
//! - *line signalling* on the channel's TS16 CAS ABCD bits (ITU-T Q.421, digital version):
//!   idle, seizure, seizure acknowledged, answer, clear-back, clear-forward, release guard,
//!   blocking, and optionally forced release;
//! - *compelled inter-register signalling* with MF tones in the B-channel (ITU-T Q.440–Q.442):
//!   Group I (address digits, end of identification) and Group II (calling party category)
//!   forward, Group A (send next digit, send category, address complete) and Group B
//!   (subscriber free, busy, congestion, unallocated number...) backward. The tones are made
//!   and recognised by [`media_dsp::r2mf`].
//!
//! The ITU variant and the China variant (China No.1 signalling, as OpenR2's
//! `r2config_china` differs from its ITU defaults) go through one code path; what differs
//! is data in [`Config`]: the CAS C/D bits, which Group A signal means "send next ANI
//! digit" and "send category", which Group B signals mean free and busy, whether ANI comes
//! before the rest of the DNIS, and how many ANI digits are taken. Carrier quirks (a
//! non-standard seizure-acknowledge pattern, say) are edits of [`LineBits`].
//!
//! **Surface** (the project's sans-IO rule): [`R2Channel::handle_input`] with the received
//! ABCD bits, 1 ms A-law B-channel chunks and span alarms; [`R2Channel::handle_timeout`];
//! [`R2Channel::poll_transmit`] (ABCD bits to send, A-law chunks to play while register
//! signalling runs); [`R2Channel::poll_event`]; [`R2Channel::poll_timeout`]; and commands
//! from the application: [`R2Channel::call`], [`R2Channel::accept`], [`R2Channel::reject`],
//! [`R2Channel::answer`], [`R2Channel::hangup`], [`R2Channel::block`], [`R2Channel::unblock`].
//! Time is [`tdm::Instant`], passed in.
//!
//! **What it is not:** no I/O, no clock, no E1 framing (crate `e1`, reached through
//! `tdm::Span::abcd`/`set_abcd` and the span's chunks), no media path after the call is
//! set up (the daemon's), no DTMF-R2, no metering pulses, no double-answer, no variants
//! other than ITU and China (their tables are data; adding one is a [`Config`] constructor).

mod channel;
mod config;
mod digits;

pub use channel::{ClearReason, Event, Input, R2Channel, RejectCause, Role, StateName, Transmit};
pub use config::{Category, Config, GroupA, GroupB, LineBits, Timers, Variant};
pub use digits::{Digits, MAX_DIGITS};

/// Errors from the application's commands and from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum R2Error {
    /// A character that is not a decimal digit in a number.
    #[error("{0:?} is not a digit 0-9")]
    BadDigit(char),
    /// A number longer than [`MAX_DIGITS`].
    #[error("number longer than {max} digits")]
    TooManyDigits {
        /// The limit.
        max: usize,
    },
    /// A call needs at least one DNIS digit.
    #[error("empty called number (DNIS)")]
    EmptyDnis,
    /// The channel is not idle (a call, a release or a fault is in progress).
    #[error("channel not idle")]
    NotIdle,
    /// The far end has blocked the channel (Q.421 blocking).
    #[error("channel blocked by the far end")]
    Blocked,
    /// `accept`/`reject` without an incoming call waiting for a decision.
    #[error("no incoming call is waiting to be accepted or rejected")]
    NoCallOffered,
    /// `answer` without an accepted incoming call.
    #[error("no accepted incoming call to answer")]
    NotAccepted,
    /// `hangup` without a call.
    #[error("no call to hang up")]
    NoCall,
    /// A signal number outside 1..=15 in the configuration.
    #[error("MF signal numbers are 1..=15, got {0}")]
    BadSignal(u8),
    /// An ABCD pattern wider than 4 bits in the configuration.
    #[error("ABCD patterns are 4 bits, got {0:#x}")]
    BadAbcd(u8),
}
