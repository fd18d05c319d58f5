//! Wire codecs: RTP data packets ([`rtp`]), RTCP compound packets ([`rtcp`]) and the RFC 4733
//! telephone-event payload ([`event`]).
//!
//! Each follows the project's view/representation split: a checked view over octets
//! (`new_checked`) whose accessors never panic, and a representation with `parse` and
//! `emit`. Parsers return a typed [`ParseError`] for any input and never panic (fuzzed in
//! `appliance/rtp/fuzz`).

pub mod event;
pub mod rtcp;
pub mod rtp;

/// Why octets are not a valid packet. Each variant names the rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Shorter than the fixed header.
    #[error("packet too short: {len} octets")]
    TooShort {
        /// Octets received.
        len: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1, §6.4.1).
    #[error("RTP version {version}, expected 2")]
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// A length implied by the header (CSRC list, extension, RTCP length, SDES item,
    /// report blocks) runs past the end of the octets.
    #[error("truncated: need {need} octets, have {have}")]
    Truncated {
        /// Octets the header announces.
        need: usize,
        /// Octets present.
        have: usize,
    },
    /// The padding count is zero or larger than the room after the header (RFC 3550 §5.1).
    #[error("bad padding count {count}")]
    BadPadding {
        /// The count in the last octet.
        count: usize,
    },
    /// An RTCP compound packet does not begin with SR or RR (RFC 3550 §6.1, A.2).
    #[error("RTCP compound packet starts with packet type {packet_type}, not SR or RR")]
    NotCompound {
        /// The first packet type.
        packet_type: u8,
    },
    /// Padding on an RTCP packet that is not the last of its compound (RFC 3550 A.2).
    #[error("padding on an RTCP packet that is not the last of the compound")]
    PaddingNotLast,
    /// An SDES chunk without its terminating null item, or an item running past the chunk.
    #[error("malformed SDES chunk")]
    BadSdes,
    /// A telephone-event payload shorter than its 4 octets (RFC 4733 §2.3).
    #[error("telephone-event payload of {len} octets, need 4")]
    ShortEvent {
        /// Payload octets.
        len: usize,
    },
}

/// Why a packet could not be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The caller's buffer is too short.
    #[error("buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Octets needed.
        need: usize,
        /// Octets available.
        have: usize,
    },
    /// A field does not fit its wire width (payload type above 127, more than 31 report
    /// blocks, an SDES item over 255 octets, an extension not a whole number of words...).
    #[error("field out of range for its wire format")]
    FieldOutOfRange,
}

/// Big-endian u16 from the first two octets (callers have checked the length).
pub(crate) fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// Big-endian u32 from the first four octets (callers have checked the length).
pub(crate) fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Whether a datagram is RTCP rather than RTP, by its second octet (RFC 5761 §4: RTCP
/// packet types 192..=223 collide with no RTP payload type in use with a marker bit).
#[must_use]
pub fn is_rtcp(datagram: &[u8]) -> bool {
    matches!(datagram.get(1), Some(192..=223))
}
