//! RTP data packet codec (RFC 3550 §5.1, header extension §5.3.1, padding).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           timestamp                           |
//! |           synchronization source (SSRC) identifier            |
//! |            contributing source (CSRC) identifiers             |  CC × 32 bits
//! |  defined by profile           |           length              |  if X
//! |                        header extension                       |  length × 32 bits
//! |                      payload ...      | padding ... | count   |  if P
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! [`Packet`] is a checked view (after [`Packet::new_checked`] no accessor panics);
//! [`RtpRepr`] is its meaning with [`RtpRepr::parse`] / [`RtpRepr::emit`]. Neither allocates.

use super::{EmitError, ParseError, be16, be32};

/// Length of the fixed header (RFC 3550 §5.1).
pub const HEADER_LEN: usize = 12;
/// The RTP version this codec speaks.
pub const VERSION: u8 = 2;
/// The most contributing sources a header can list (4-bit CC).
pub const MAX_CSRC: usize = 15;

/// A checked view over the octets of one RTP packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    /// Offset of the payload.
    payload_start: usize,
    /// End of the payload (before any padding).
    payload_end: usize,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` holds a well-formed RTP packet and wraps it.
    ///
    /// # Errors
    /// A [`ParseError`] naming the rule broken: length, version, CSRC list or extension
    /// running past the end, or a padding count larger than what follows the header
    /// (RFC 3550 §5.1, A.1 validity checks).
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(ParseError::TooShort { len: b.len() });
        }
        let version = b[0] >> 6;
        if version != VERSION {
            return Err(ParseError::BadVersion { version });
        }
        let cc = usize::from(b[0] & 0x0f);
        let mut off = HEADER_LEN + 4 * cc;
        if b.len() < off {
            return Err(ParseError::Truncated {
                need: off,
                have: b.len(),
            });
        }
        if b[0] & 0x10 != 0 {
            if b.len() < off + 4 {
                return Err(ParseError::Truncated {
                    need: off + 4,
                    have: b.len(),
                });
            }
            let words = usize::from(be16(&b[off + 2..]));
            off += 4 + 4 * words;
            if b.len() < off {
                return Err(ParseError::Truncated {
                    need: off,
                    have: b.len(),
                });
            }
        }
        let mut end = b.len();
        if b[0] & 0x20 != 0 {
            let pad = usize::from(b[end - 1]);
            if pad == 0 || pad > end - off {
                return Err(ParseError::BadPadding { count: pad });
            }
            end -= pad;
        }
        Ok(Self {
            buffer,
            payload_start: off,
            payload_end: end,
        })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The padding bit (P).
    #[must_use]
    pub fn padding(&self) -> bool {
        self.b()[0] & 0x20 != 0
    }

    /// The extension bit (X).
    #[must_use]
    pub fn has_extension(&self) -> bool {
        self.b()[0] & 0x10 != 0
    }

    /// The CSRC count (CC).
    #[must_use]
    pub fn csrc_count(&self) -> usize {
        usize::from(self.b()[0] & 0x0f)
    }

    /// The marker bit (M): for audio, the first packet of a talkspurt (RFC 3551 §4.1).
    #[must_use]
    pub fn marker(&self) -> bool {
        self.b()[1] & 0x80 != 0
    }

    /// The payload type (PT), 0..=127.
    #[must_use]
    pub fn payload_type(&self) -> u8 {
        self.b()[1] & 0x7f
    }

    /// The sequence number.
    #[must_use]
    pub fn sequence_number(&self) -> u16 {
        be16(&self.b()[2..])
    }

    /// The timestamp, in units of the payload's clock.
    #[must_use]
    pub fn timestamp(&self) -> u32 {
        be32(&self.b()[4..])
    }

    /// The synchronisation source identifier.
    #[must_use]
    pub fn ssrc(&self) -> u32 {
        be32(&self.b()[8..])
    }

    /// The `i`th contributing source, if the header lists that many.
    #[must_use]
    pub fn csrc(&self, i: usize) -> Option<u32> {
        (i < self.csrc_count()).then(|| be32(&self.b()[HEADER_LEN + 4 * i..]))
    }

    /// The header extension: the profile-defined 16 bits and the extension data.
    #[must_use]
    pub fn extension(&self) -> Option<(u16, &[u8])> {
        if !self.has_extension() {
            return None;
        }
        let off = HEADER_LEN + 4 * self.csrc_count();
        let b = self.b();
        Some((be16(&b[off..]), b.get(off + 4..self.payload_start)?))
    }

    /// The payload, without padding.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        self.b()
            .get(self.payload_start..self.payload_end)
            .unwrap_or(&[])
    }

    /// Where the payload lies in the buffer (what [`Self::payload`] returns).
    #[must_use]
    pub fn payload_range(&self) -> core::ops::Range<usize> {
        self.payload_start..self.payload_end
    }

    /// The number of padding octets at the end (0 when P is clear).
    #[must_use]
    pub fn padding_len(&self) -> usize {
        self.b().len() - self.payload_end
    }

    /// Gives back the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// The contributing sources of a packet, stored inline (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CsrcList {
    len: u8,
    ids: [u32; MAX_CSRC],
}

impl CsrcList {
    /// An empty list.
    pub const EMPTY: Self = Self {
        len: 0,
        ids: [0; MAX_CSRC],
    };

    /// A list of `ids`, or `None` if there are more than [`MAX_CSRC`].
    #[must_use]
    pub fn new(ids: &[u32]) -> Option<Self> {
        if ids.len() > MAX_CSRC {
            return None;
        }
        let mut l = Self::EMPTY;
        l.ids[..ids.len()].copy_from_slice(ids);
        l.len = ids.len() as u8;
        Some(l)
    }

    /// The identifiers.
    #[must_use]
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }
}

/// A header extension (RFC 3550 §5.3.1): 16 profile-defined bits and data whose length is
/// a multiple of four octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Extension<'a> {
    /// The "defined by profile" field.
    pub profile: u16,
    /// The extension data (length a multiple of 4, at most 65535 words).
    pub data: &'a [u8],
}

/// The meaning of one RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtpRepr<'a> {
    /// Marker bit.
    pub marker: bool,
    /// Payload type, 0..=127.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence_number: u16,
    /// Timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Contributing sources.
    pub csrc: CsrcList,
    /// Header extension, if any.
    pub extension: Option<Extension<'a>>,
    /// Payload octets.
    pub payload: &'a [u8],
    /// Padding octets to append (0 = none; otherwise 1..=255, the last one holding the count).
    pub padding: u8,
}

impl<'a> RtpRepr<'a> {
    /// Reads the meaning out of a checked view.
    #[must_use]
    pub fn parse<T: AsRef<[u8]> + ?Sized>(p: &'a Packet<&'a T>) -> Self {
        let mut csrc = CsrcList::EMPTY;
        for i in 0..p.csrc_count() {
            csrc.ids[i] = p.csrc(i).unwrap_or(0);
        }
        csrc.len = p.csrc_count() as u8;
        Self {
            marker: p.marker(),
            payload_type: p.payload_type(),
            sequence_number: p.sequence_number(),
            timestamp: p.timestamp(),
            ssrc: p.ssrc(),
            csrc,
            extension: p
                .extension()
                .map(|(profile, data)| Extension { profile, data }),
            payload: p.payload(),
            padding: p.padding_len() as u8,
        }
    }

    /// Checks and parses raw octets in one step.
    ///
    /// # Errors
    /// As [`Packet::new_checked`].
    pub fn parse_bytes(octets: &'a [u8]) -> Result<Self, ParseError> {
        let p = Packet::new_checked(octets)?;
        let (start, end) = (p.payload_start, p.payload_end);
        let mut csrc = CsrcList::EMPTY;
        for i in 0..p.csrc_count() {
            csrc.ids[i] = p.csrc(i).unwrap_or(0);
        }
        csrc.len = p.csrc_count() as u8;
        let extension = if p.has_extension() {
            let off = HEADER_LEN + 4 * p.csrc_count();
            Some(Extension {
                profile: be16(&octets[off..]),
                data: octets.get(off + 4..start).unwrap_or(&[]),
            })
        } else {
            None
        };
        Ok(Self {
            marker: p.marker(),
            payload_type: p.payload_type(),
            sequence_number: p.sequence_number(),
            timestamp: p.timestamp(),
            ssrc: p.ssrc(),
            csrc,
            extension,
            payload: octets.get(start..end).unwrap_or(&[]),
            padding: (octets.len() - end) as u8,
        })
    }

    /// The header length (fixed part, CSRCs and extension).
    #[must_use]
    pub fn header_len(&self) -> usize {
        HEADER_LEN + 4 * self.csrc.as_slice().len() + self.extension.map_or(0, |e| 4 + e.data.len())
    }

    /// The number of octets [`RtpRepr::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len() + usize::from(self.padding)
    }

    /// Writes the packet into the front of `out`; returns the number of octets written.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`], or [`EmitError::FieldOutOfRange`] for a payload type
    /// above 127 or an extension whose length is not a whole number of 32-bit words.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        if self.payload_type > 127 {
            return Err(EmitError::FieldOutOfRange);
        }
        if let Some(e) = self.extension
            && (e.data.len() % 4 != 0 || e.data.len() / 4 > usize::from(u16::MAX))
        {
            return Err(EmitError::FieldOutOfRange);
        }
        let need = self.buffer_len();
        let have = out.len();
        let Some(out) = out.get_mut(..need) else {
            return Err(EmitError::BufferTooSmall { need, have });
        };
        let cc = self.csrc.as_slice().len() as u8;
        out[0] = VERSION << 6
            | if self.padding > 0 { 0x20 } else { 0 }
            | if self.extension.is_some() { 0x10 } else { 0 }
            | cc;
        out[1] = self.payload_type | if self.marker { 0x80 } else { 0 };
        out[2..4].copy_from_slice(&self.sequence_number.to_be_bytes());
        out[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        out[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        let mut off = HEADER_LEN;
        for id in self.csrc.as_slice() {
            out[off..off + 4].copy_from_slice(&id.to_be_bytes());
            off += 4;
        }
        if let Some(e) = self.extension {
            out[off..off + 2].copy_from_slice(&e.profile.to_be_bytes());
            out[off + 2..off + 4].copy_from_slice(&((e.data.len() / 4) as u16).to_be_bytes());
            out[off + 4..off + 4 + e.data.len()].copy_from_slice(e.data);
            off += 4 + e.data.len();
        }
        out[off..off + self.payload.len()].copy_from_slice(self.payload);
        off += self.payload.len();
        if self.padding > 0 {
            let p = usize::from(self.padding);
            out[off..off + p - 1].fill(0);
            out[off + p - 1] = self.padding;
            off += p;
        }
        Ok(off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A G.711 packet as sipp's g711a.pcap carries it (header fields chosen, payload short).
    const PCMA: [u8; 16] = [
        0x80, 0x08, 0x12, 0x34, 0x00, 0x00, 0x00, 0xa0, 0xde, 0xad, 0xbe, 0xef, 0xd5, 0xd5, 0xd5,
        0xd5,
    ];

    #[test]
    fn parses_a_plain_packet() {
        let r = RtpRepr::parse_bytes(&PCMA).unwrap();
        assert_eq!(r.payload_type, 8);
        assert!(!r.marker);
        assert_eq!(r.sequence_number, 0x1234);
        assert_eq!(r.timestamp, 160);
        assert_eq!(r.ssrc, 0xdead_beef);
        assert_eq!(r.payload, &[0xd5; 4]);
        let mut out = [0u8; 16];
        assert_eq!(r.emit(&mut out), Ok(16));
        assert_eq!(out, PCMA);
    }

    #[test]
    fn rejects_bad_padding_and_truncation() {
        let mut p = PCMA;
        p[0] |= 0x20;
        p[15] = 5; // more than the 4 payload octets
        assert_eq!(
            Packet::new_checked(&p[..]).unwrap_err(),
            ParseError::BadPadding { count: 5 }
        );
        let mut p = PCMA;
        p[0] |= 0x03; // three CSRCs announced, one fits
        assert!(matches!(
            Packet::new_checked(&p[..]),
            Err(ParseError::Truncated { need: 24, .. })
        ));
        assert_eq!(
            Packet::new_checked(&PCMA[..11]).unwrap_err(),
            ParseError::TooShort { len: 11 }
        );
        let mut p = PCMA;
        p[0] = 0x40;
        assert_eq!(
            Packet::new_checked(&p[..]).unwrap_err(),
            ParseError::BadVersion { version: 1 }
        );
    }
}
