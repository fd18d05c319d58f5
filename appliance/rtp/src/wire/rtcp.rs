//! RTCP compound packets (RFC 3550 §6): sender reports (§6.4.1), receiver reports (§6.4.2),
//! source descriptions (§6.5, CNAME §6.5.1) and BYE (§6.6); other packet types (APP, RTPFB
//! ...) are carried through as [`RtcpPacket::Unknown`].
//!
//! [`Compound::new_checked`] applies the validity checks of RFC 3550 A.2 (version 2, the
//! first packet an SR or RR, padding only on the last, lengths adding up to the datagram);
//! [`Compound::packets`] then yields one [`RtcpPacket`] per sub-packet. RTCP comes every few
//! seconds per call, so the representation may hold small vectors (report blocks, SDES
//! chunks); the RTP data path ([`super::rtp`]) allocates nothing.

use super::{EmitError, ParseError, be16, be32};

/// Sender report (SR).
pub const PT_SR: u8 = 200;
/// Receiver report (RR).
pub const PT_RR: u8 = 201;
/// Source description (SDES).
pub const PT_SDES: u8 = 202;
/// Goodbye (BYE).
pub const PT_BYE: u8 = 203;
/// Application-defined (APP).
pub const PT_APP: u8 = 204;
/// SDES item type CNAME (§6.5.1).
pub const SDES_CNAME: u8 = 1;
/// Length of a report block.
pub const REPORT_BLOCK_LEN: usize = 24;
/// The most report blocks (5-bit count).
pub const MAX_REPORTS: usize = 31;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ReportBlock {
    /// The source this block reports on (SSRC_n).
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost, a signed 24-bit value (negative with duplicates).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from the source (LSR).
    pub last_sr: u32,
    /// Delay since that SR, in units of 1/65536 s (DLSR).
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn parse(b: &[u8]) -> Self {
        let lost = be32(&b[4..]) & 0x00ff_ffff;
        // Sign-extend the 24-bit field.
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        Self {
            ssrc: be32(b),
            fraction_lost: b[4],
            cumulative_lost,
            extended_highest_seq: be32(&b[8..]),
            jitter: be32(&b[12..]),
            last_sr: be32(&b[16..]),
            delay_since_last_sr: be32(&b[20..]),
        }
    }

    fn emit(&self, out: &mut [u8]) {
        out[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        let lost = (self.cumulative_lost.clamp(-0x80_0000, 0x7f_ffff) as u32) & 0x00ff_ffff;
        out[4..8].copy_from_slice(&(u32::from(self.fraction_lost) << 24 | lost).to_be_bytes());
        out[8..12].copy_from_slice(&self.extended_highest_seq.to_be_bytes());
        out[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        out[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        out[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

/// A sender report (RFC 3550 §6.4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SenderReport {
    /// SSRC of the sender.
    pub ssrc: u32,
    /// NTP timestamp (64 bits: seconds since 1900 and fraction).
    pub ntp_timestamp: u64,
    /// The same instant in RTP timestamp units.
    pub rtp_timestamp: u32,
    /// Packets sent since the start of transmission.
    pub packet_count: u32,
    /// Payload octets sent since the start of transmission.
    pub octet_count: u32,
    /// Reception reports, at most 31.
    pub reports: Vec<ReportBlock>,
}

/// A receiver report (RFC 3550 §6.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ReceiverReport {
    /// SSRC of the packet's sender.
    pub ssrc: u32,
    /// Reception reports, at most 31.
    pub reports: Vec<ReportBlock>,
}

/// One SDES item (type and text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdesItem<'a> {
    /// Item type (1 = CNAME, 2 = NAME, ... 8 = PRIV).
    pub kind: u8,
    /// Item text, at most 255 octets (UTF-8 by §6.5, not checked here).
    pub text: &'a [u8],
}

/// One SDES chunk: a source and its items.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SdesChunk<'a> {
    /// The source described.
    pub ssrc: u32,
    /// Its items.
    pub items: Vec<SdesItem<'a>>,
}

/// A BYE packet (RFC 3550 §6.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Goodbye<'a> {
    /// Sources leaving, at most 31.
    pub sources: Vec<u32>,
    /// Reason for leaving, at most 255 octets.
    pub reason: Option<&'a [u8]>,
}

/// One RTCP packet of a compound.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// SR.
    SenderReport(SenderReport),
    /// RR.
    ReceiverReport(ReceiverReport),
    /// SDES.
    SourceDescription(Vec<SdesChunk<'a>>),
    /// BYE.
    Goodbye(Goodbye<'a>),
    /// Any other packet type, kept as it came (body after the 4-octet header, padding removed).
    Unknown {
        /// Packet type.
        packet_type: u8,
        /// The 5-bit count/subtype field.
        count: u8,
        /// Body (a whole number of 32-bit words when emitted).
        body: &'a [u8],
    },
}

/// A checked view over an RTCP compound packet.
#[derive(Debug, Clone, Copy)]
pub struct Compound<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Compound<T> {
    /// Checks the whole compound (RFC 3550 A.2) and each sub-packet's structure.
    ///
    /// # Errors
    /// A [`ParseError`] naming the rule broken.
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        if b.len() < 4 {
            return Err(ParseError::TooShort { len: b.len() });
        }
        if !matches!(b[1], PT_SR | PT_RR) {
            return Err(ParseError::NotCompound { packet_type: b[1] });
        }
        let mut off = 0;
        while off < b.len() {
            let len = packet_len(&b[off..])?;
            let last = off + len == b.len();
            if b[off] & 0x20 != 0 && !last {
                return Err(ParseError::PaddingNotLast);
            }
            parse_one(&b[off..off + len])?;
            off += len;
        }
        Ok(Self { buffer })
    }

    /// The sub-packets in order.
    pub fn packets(&self) -> impl Iterator<Item = RtcpPacket<'_>> {
        let b = self.buffer.as_ref();
        let mut off = 0;
        core::iter::from_fn(move || {
            let len = packet_len(b.get(off..)?).ok()?;
            let p = parse_one(b.get(off..off + len)?).ok()?;
            off += len;
            Some(p)
        })
    }

    /// Gives back the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// Parses every packet of a compound into a vector.
///
/// # Errors
/// As [`Compound::new_checked`].
pub fn parse_compound(octets: &[u8]) -> Result<Vec<RtcpPacket<'_>>, ParseError> {
    let c = Compound::new_checked(octets)?;
    let b = c.into_inner();
    let mut out = Vec::new();
    let mut off = 0;
    while off < b.len() {
        let len = packet_len(&b[off..])?;
        out.push(parse_one(&b[off..off + len])?);
        off += len;
    }
    Ok(out)
}

/// Emits a compound packet (the caller puts an SR or RR first, §6.1); returns its length.
///
/// # Errors
/// As [`RtcpPacket::emit`].
pub fn emit_compound(packets: &[RtcpPacket<'_>], out: &mut [u8]) -> Result<usize, EmitError> {
    let mut off = 0;
    for p in packets {
        off += p.emit(out.get_mut(off..).unwrap_or(&mut []))?;
    }
    Ok(off)
}

/// The length in octets of the packet at the front of `b`, from its header.
fn packet_len(b: &[u8]) -> Result<usize, ParseError> {
    if b.len() < 4 {
        return Err(ParseError::Truncated {
            need: 4,
            have: b.len(),
        });
    }
    let version = b[0] >> 6;
    if version != 2 {
        return Err(ParseError::BadVersion { version });
    }
    let len = 4 * (usize::from(be16(&b[2..])) + 1);
    if len > b.len() {
        return Err(ParseError::Truncated {
            need: len,
            have: b.len(),
        });
    }
    Ok(len)
}

/// Parses one sub-packet of exactly the length its header gives.
fn parse_one(b: &[u8]) -> Result<RtcpPacket<'_>, ParseError> {
    let count = usize::from(b[0] & 0x1f);
    let pt = b[1];
    let mut end = b.len();
    if b[0] & 0x20 != 0 {
        let pad = usize::from(b[end - 1]);
        if pad == 0 || pad > end - 4 {
            return Err(ParseError::BadPadding { count: pad });
        }
        end -= pad;
    }
    let body = &b[4..end];
    let need = |n: usize| {
        if body.len() < n {
            Err(ParseError::Truncated {
                need: n + 4,
                have: body.len() + 4,
            })
        } else {
            Ok(())
        }
    };
    let reports = |from: &[u8]| {
        from.chunks_exact(REPORT_BLOCK_LEN)
            .take(count)
            .map(ReportBlock::parse)
            .collect::<Vec<_>>()
    };
    Ok(match pt {
        PT_SR => {
            need(24 + count * REPORT_BLOCK_LEN)?;
            RtcpPacket::SenderReport(SenderReport {
                ssrc: be32(body),
                ntp_timestamp: u64::from(be32(&body[4..])) << 32 | u64::from(be32(&body[8..])),
                rtp_timestamp: be32(&body[12..]),
                packet_count: be32(&body[16..]),
                octet_count: be32(&body[20..]),
                reports: reports(&body[24..]),
            })
        }
        PT_RR => {
            need(4 + count * REPORT_BLOCK_LEN)?;
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: be32(body),
                reports: reports(&body[4..]),
            })
        }
        PT_SDES => RtcpPacket::SourceDescription(parse_sdes(body, count)?),
        PT_BYE => {
            need(4 * count)?;
            let sources = body[..4 * count].chunks_exact(4).map(be32).collect();
            let rest = &body[4 * count..];
            let reason = match rest.first() {
                None => None,
                Some(&n) => {
                    let n = usize::from(n);
                    Some(rest.get(1..1 + n).ok_or(ParseError::Truncated {
                        need: 4 + 4 * count + 1 + n,
                        have: b.len(),
                    })?)
                }
            };
            RtcpPacket::Goodbye(Goodbye { sources, reason })
        }
        _ => RtcpPacket::Unknown {
            packet_type: pt,
            count: count as u8,
            body,
        },
    })
}

fn parse_sdes(body: &[u8], count: usize) -> Result<Vec<SdesChunk<'_>>, ParseError> {
    let mut chunks = Vec::with_capacity(count.min(4));
    let mut off = 0;
    for _ in 0..count {
        let start = off;
        let ssrc = be32(body.get(off..off + 4).ok_or(ParseError::BadSdes)?);
        off += 4;
        let mut items = Vec::new();
        loop {
            let &kind = body.get(off).ok_or(ParseError::BadSdes)?;
            if kind == 0 {
                off += 1;
                break;
            }
            let n = usize::from(*body.get(off + 1).ok_or(ParseError::BadSdes)?);
            let text = body.get(off + 2..off + 2 + n).ok_or(ParseError::BadSdes)?;
            items.push(SdesItem { kind, text });
            off += 2 + n;
        }
        // Pad to the next 32-bit boundary (relative to the chunk's start, §6.5).
        off = start + (off - start).div_ceil(4) * 4;
        if off > body.len() {
            return Err(ParseError::BadSdes);
        }
        chunks.push(SdesChunk { ssrc, items });
    }
    Ok(chunks)
}

/// Writes an SDES packet of one chunk (`ssrc` and `items`, e.g. the CNAME) into the front of
/// `out` and returns its length: the same octets as [`RtcpPacket::SourceDescription`] with
/// that chunk, without building one (the media thread's reports allocate nothing).
///
/// # Errors
/// [`EmitError::BufferTooSmall`]; [`EmitError::FieldOutOfRange`] for an item of type 0 or
/// over 255 octets.
pub fn emit_sdes_chunk(
    ssrc: u32,
    items: &[SdesItem<'_>],
    out: &mut [u8],
) -> Result<usize, EmitError> {
    if !items_valid(items) {
        return Err(EmitError::FieldOutOfRange);
    }
    let need = 4 + chunk_len(items);
    let have = out.len();
    let Ok(words) = u16::try_from(need / 4 - 1) else {
        return Err(EmitError::FieldOutOfRange);
    };
    let Some(out) = out.get_mut(..need) else {
        return Err(EmitError::BufferTooSmall { need, have });
    };
    out.fill(0);
    out[0] = 0x81;
    out[1] = PT_SDES;
    out[2..4].copy_from_slice(&words.to_be_bytes());
    write_chunk(ssrc, items, &mut out[4..]);
    Ok(need)
}

/// SDES items can be sent: no type 0 (the list end), none over 255 octets.
fn items_valid(items: &[SdesItem<'_>]) -> bool {
    items.iter().all(|i| i.kind != 0 && i.text.len() <= 255)
}

/// Octets of one SDES chunk: SSRC, items, the null item and padding to a word (§6.5).
fn chunk_len(items: &[SdesItem<'_>]) -> usize {
    let items: usize = items.iter().map(|i| 2 + i.text.len()).sum();
    4 + (items + 1).div_ceil(4) * 4
}

/// Writes one SDES chunk into zeroed `body` (the null item and padding stay zero); returns
/// its length.
fn write_chunk(ssrc: u32, items: &[SdesItem<'_>], body: &mut [u8]) -> usize {
    body[0..4].copy_from_slice(&ssrc.to_be_bytes());
    let mut off = 4;
    for i in items {
        body[off] = i.kind;
        body[off + 1] = i.text.len() as u8;
        body[off + 2..off + 2 + i.text.len()].copy_from_slice(i.text);
        off += 2 + i.text.len();
    }
    chunk_len(items)
}

impl RtcpPacket<'_> {
    /// The number of octets [`RtcpPacket::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        4 + match self {
            Self::SenderReport(sr) => 24 + REPORT_BLOCK_LEN * sr.reports.len(),
            Self::ReceiverReport(rr) => 4 + REPORT_BLOCK_LEN * rr.reports.len(),
            Self::SourceDescription(chunks) => chunks.iter().map(|c| chunk_len(&c.items)).sum(),
            Self::Goodbye(bye) => {
                4 * bye.sources.len() + bye.reason.map_or(0, |r| (1 + r.len()).div_ceil(4) * 4)
            }
            Self::Unknown { body, .. } => body.len(),
        }
    }

    /// Writes this packet (no padding) into the front of `out`; returns its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`]; [`EmitError::FieldOutOfRange`] for more than 31
    /// reports, chunks or sources, an SDES item or BYE reason over 255 octets, an SDES item
    /// of type 0, or an unknown packet body that is not a whole number of words.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let (pt, count) = match self {
            Self::SenderReport(sr) => (PT_SR, sr.reports.len()),
            Self::ReceiverReport(rr) => (PT_RR, rr.reports.len()),
            Self::SourceDescription(c) => (PT_SDES, c.len()),
            Self::Goodbye(b) => (PT_BYE, b.sources.len()),
            Self::Unknown {
                packet_type,
                count,
                body,
            } => {
                if body.len() % 4 != 0 {
                    return Err(EmitError::FieldOutOfRange);
                }
                (*packet_type, usize::from(*count))
            }
        };
        if count > MAX_REPORTS {
            return Err(EmitError::FieldOutOfRange);
        }
        match self {
            Self::SourceDescription(chunks) if chunks.iter().any(|c| !items_valid(&c.items)) => {
                return Err(EmitError::FieldOutOfRange);
            }
            Self::Goodbye(Goodbye {
                reason: Some(r), ..
            }) if r.len() > 255 => return Err(EmitError::FieldOutOfRange),
            _ => {}
        }
        let need = self.buffer_len();
        let have = out.len();
        if need / 4 - 1 > usize::from(u16::MAX) {
            return Err(EmitError::FieldOutOfRange);
        }
        let Some(out) = out.get_mut(..need) else {
            return Err(EmitError::BufferTooSmall { need, have });
        };
        out.fill(0);
        out[0] = 0x80 | count as u8;
        out[1] = pt;
        out[2..4].copy_from_slice(&((need / 4 - 1) as u16).to_be_bytes());
        let body = &mut out[4..];
        match self {
            Self::SenderReport(sr) => {
                body[0..4].copy_from_slice(&sr.ssrc.to_be_bytes());
                body[4..12].copy_from_slice(&sr.ntp_timestamp.to_be_bytes());
                body[12..16].copy_from_slice(&sr.rtp_timestamp.to_be_bytes());
                body[16..20].copy_from_slice(&sr.packet_count.to_be_bytes());
                body[20..24].copy_from_slice(&sr.octet_count.to_be_bytes());
                for (r, o) in sr
                    .reports
                    .iter()
                    .zip(body[24..].chunks_exact_mut(REPORT_BLOCK_LEN))
                {
                    r.emit(o);
                }
            }
            Self::ReceiverReport(rr) => {
                body[0..4].copy_from_slice(&rr.ssrc.to_be_bytes());
                for (r, o) in rr
                    .reports
                    .iter()
                    .zip(body[4..].chunks_exact_mut(REPORT_BLOCK_LEN))
                {
                    r.emit(o);
                }
            }
            Self::SourceDescription(chunks) => {
                let mut off = 0;
                for c in chunks {
                    off += write_chunk(c.ssrc, &c.items, &mut body[off..]);
                }
            }
            Self::Goodbye(bye) => {
                for (s, o) in bye.sources.iter().zip(body.chunks_exact_mut(4)) {
                    o.copy_from_slice(&s.to_be_bytes());
                }
                if let Some(r) = bye.reason {
                    let off = 4 * bye.sources.len();
                    body[off] = r.len() as u8;
                    body[off + 1..off + 1 + r.len()].copy_from_slice(r);
                }
            }
            Self::Unknown { body: b, .. } => body.copy_from_slice(b),
        }
        Ok(need)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_chunk_sdes_matches_the_packet_form() {
        for cname in [&b""[..], b"a", b"rtp@appliance", &[b'x'; 255]] {
            let items = [SdesItem {
                kind: SDES_CNAME,
                text: cname,
            }];
            let mut direct = [0xAAu8; 300];
            let n = emit_sdes_chunk(7, &items, &mut direct).unwrap();
            let mut packet = [0x55u8; 300];
            let m = RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc: 7,
                items: items.to_vec(),
            }])
            .emit(&mut packet)
            .unwrap();
            assert_eq!(direct[..n], packet[..m]);
            assert_eq!(n % 4, 0);
            assert!(matches!(
                emit_sdes_chunk(7, &items, &mut direct[..n - 1]),
                Err(EmitError::BufferTooSmall { .. })
            ));
        }
        let bad = [SdesItem { kind: 0, text: b"" }];
        assert_eq!(
            emit_sdes_chunk(7, &bad, &mut [0; 16]),
            Err(EmitError::FieldOutOfRange)
        );
    }

    #[test]
    fn rr_sdes_bye_compound_round_trips() {
        let pkts = vec![
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: 1,
                reports: vec![ReportBlock {
                    ssrc: 2,
                    fraction_lost: 25,
                    cumulative_lost: -3,
                    extended_highest_seq: 0x1_0005,
                    jitter: 40,
                    last_sr: 7,
                    delay_since_last_sr: 65536,
                }],
            }),
            RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc: 1,
                items: vec![SdesItem {
                    kind: SDES_CNAME,
                    text: b"rtp@appliance",
                }],
            }]),
            RtcpPacket::Goodbye(Goodbye {
                sources: vec![1],
                reason: Some(b"hangup"),
            }),
        ];
        let mut buf = [0u8; 256];
        let n = emit_compound(&pkts, &mut buf).unwrap();
        assert_eq!(n % 4, 0);
        assert_eq!(parse_compound(&buf[..n]).unwrap(), pkts);
        // A compound must start with SR or RR.
        let sdes_len = pkts[1].buffer_len();
        assert_eq!(
            parse_compound(&buf[32..32 + sdes_len]).unwrap_err(),
            ParseError::NotCompound {
                packet_type: PT_SDES
            }
        );
    }
}
