//! Caller-ID messages: SDMF/MDMF over FSK (ETSI EN 300 659, Bellcore GR-30) and DTMF CLIP.
//!
//! **What it does.**
//! - [`Message`] is a checked view over the bytes of one data-link message (type, length,
//!   body, checksum); [`CallerId`] is its meaning (date/time, number, name, the reasons
//!   for their absence, unknown parameters kept verbatim) with [`CallerId::parse`] and
//!   [`CallerId::emit`].
//! - [`CidTx`] sends a message as an FSK signal: channel seizure, mark, message, on a
//!   Bell 202 or V.23 carrier; [`CidRx`] receives it from samples in any block size and
//!   reports each message (or why it was rejected) as it completes.
//! - [`DtmfClip`] is the DTMF-signalled CLIP of ETSI EN 300 659-1 Annex B (digit string
//!   `A…C`, `B00C`/`B10C`, or the `A…#`/`D1#` variant) with `encode`/`decode`;
//!   [`DtmfClipTx`] sends it as DTMF tones and [`DtmfClipRx`] receives it, with the
//!   generator and detector of [`crate::dtmf`].
//!
//! **How it works.** The message layer is byte-oriented and allocation-free: number and
//! name live in fixed-capacity buffers (20 digits, 50 bytes). The receiver chains an
//! [`FskDemodulator`](crate::fsk::FskDemodulator) (characters) to a small assembler that
//! takes the first character after at least [`MIN_MARK_BITS`] of mark as the message type,
//! the next as the length, collects the body and checksum, and then verifies and parses.
//!
//! **Spec.** ETSI EN 300 659-3 §5 (call set-up message type 0x80, parameter types 0x01
//! date and time, 0x02 calling line identity, 0x04 reason for absence of CLI, 0x07 calling
//! party name, 0x08 reason for absence of name; checksum = two's complement of the
//! modulo-256 sum of every byte from the message type to the last data byte);
//! EN 300 659-1 §6 (channel seizure of 96–315 alternating bits, 55 ms or more of mark);
//! Bellcore GR-30-CORE / SR-TSV-002476 (SDMF 0x04 with `MMDDHHMM` and number or `O`/`P`;
//! MDMF 0x80; 30 bytes of 0x55 then 150 ms of mark); EN 300 659-1 Annex B (DTMF CLIP).
//!
//! **Limits.** Numbers up to 20 characters (digits, `*`, `#`, `+`), names up to 50 bytes,
//! unknown parameters up to 250 bytes in all. Only caller-ID messages (0x04, 0x80) are
//! parsed; other types (message waiting 0x06/0x82, …) are reported as
//! [`CidError::UnknownMessageType`]. The date carries no year (none is sent).

mod dtmf_clip;
mod dtmf_signal;
mod message;
mod rx;
mod tx;

pub use dtmf_clip::{DtmfClip, DtmfClipAbsence, DtmfClipFormat, MAX_DTMF_CLIP_LEN};
pub use dtmf_signal::{
    DTMF_CLIP_MAX_GAP_MS, DTMF_CLIP_OFF_MS, DTMF_CLIP_ON_MS, DtmfClipRx, DtmfClipTx,
};
pub use message::{
    Absence, CallerId, DateTime, Format, MAX_MESSAGE_LEN, MAX_NAME_LEN, MAX_NUMBER_LEN, Message,
    Name, Number, Text, param, types,
};
pub use rx::{CidRx, MIN_MARK_BITS};
pub use tx::{CidTx, Preamble};

/// Why a caller-ID message or signal was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CidError {
    /// Fewer bytes than the header (or a parameter header) says.
    #[error("message truncated")]
    Truncated,
    /// The checksum byte does not match the message.
    #[error("bad checksum: message says {found:#04x}, bytes give {computed:#04x}")]
    BadChecksum {
        /// Checksum byte received.
        found: u8,
        /// Checksum computed over the received bytes.
        computed: u8,
    },
    /// A message type that is not a caller-ID message.
    #[error("unknown message type {0:#04x}")]
    UnknownMessageType(u8),
    /// A field longer than its limit (number 20, name 50, unknown parameters 250 bytes).
    #[error("parameter {param:#04x} too long: {len} bytes")]
    FieldTooLong {
        /// Parameter type (0x02 number, 0x07 name...).
        param: u8,
        /// Its length.
        len: usize,
    },
    /// A parameter whose length is wrong for its type (date/time is 8, a reason is 1).
    #[error("parameter {param:#04x} has bad length {len}")]
    BadParameterLength {
        /// Parameter type.
        param: u8,
        /// Its length.
        len: usize,
    },
    /// The same parameter twice in one message.
    #[error("parameter {0:#04x} repeated")]
    DuplicateParameter(u8),
    /// A date/time that is not `MMDDHHMM` in range.
    #[error("invalid date/time")]
    InvalidDateTime,
    /// A number character other than a digit, `*`, `#` or `+`.
    #[error("invalid character {0:#04x} in number")]
    InvalidNumberCharacter(u8),
    /// A reason for absence other than `O` (unavailable) or `P` (private).
    #[error("invalid reason for absence {0:#04x}")]
    InvalidAbsenceReason(u8),
    /// SDMF carries a date/time and a number or reason: this message has not got them.
    #[error("SDMF message lacks date/time or number")]
    IncompleteSdmf,
    /// The message does not fit the output buffer or the one-byte length field.
    #[error("message does not fit: {0} bytes needed")]
    BufferTooSmall(usize),
    /// A character failed its stop-bit check inside a message.
    #[error("framing error inside the message")]
    Framing,
    /// The carrier dropped before the message was complete.
    #[error("carrier lost inside the message")]
    CarrierLost,
    /// A DTMF CLIP digit string that does not follow Annex B (or was cut off).
    #[error("malformed DTMF CLIP digit string")]
    MalformedDtmf,
    /// A signal level the generator cannot send.
    #[error("signal level out of range")]
    InvalidLevel,
}
