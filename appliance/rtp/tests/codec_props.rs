//! Property tests: every representation round-trips through emit and parse, and no input
//! makes a parser, the session or the jitter buffer panic.

use proptest::prelude::*;
use rtp::jitter::{JitterBuffer, JitterConfig};
use rtp::session::{MAX_DATAGRAM, Session, SessionConfig};
use rtp::wire::event::{EventPayload, EventRepr};
use rtp::wire::rtcp::{
    Compound, Goodbye, ReceiverReport, ReportBlock, RtcpPacket, SdesChunk, SdesItem, SenderReport,
    emit_compound, parse_compound,
};
use rtp::wire::rtp::{CsrcList, Extension, Packet, RtpRepr};
use tdm::Instant;

fn report() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        -0x80_0000i32..=0x7f_ffff,
        any::<[u32; 4]>(),
    )
        .prop_map(|(ssrc, fraction_lost, cumulative_lost, w)| ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost,
            extended_highest_seq: w[0],
            jitter: w[1],
            last_sr: w[2],
            delay_since_last_sr: w[3],
        })
}

/// An SDES chunk as owned data: source and (type, text) items.
type SdesSpec = (u32, Vec<(u8, Vec<u8>)>);

/// RTCP packets borrow their text from a pool built by the strategy.
#[derive(Debug, Clone)]
enum Spec {
    Sr(SenderReport),
    Rr(ReceiverReport),
    Sdes(Vec<SdesSpec>),
    Bye(Vec<u32>, Option<Vec<u8>>),
    Other(u8, u8, Vec<u8>),
}

fn first() -> impl Strategy<Value = Spec> {
    prop_oneof![
        (
            any::<(u32, u64, u32, u32, u32)>(),
            prop::collection::vec(report(), 0..=31)
        )
            .prop_map(
                |((ssrc, ntp_timestamp, rtp_timestamp, packet_count, octet_count), reports)| {
                    Spec::Sr(SenderReport {
                        ssrc,
                        ntp_timestamp,
                        rtp_timestamp,
                        packet_count,
                        octet_count,
                        reports,
                    })
                }
            ),
        (any::<u32>(), prop::collection::vec(report(), 0..=31))
            .prop_map(|(ssrc, reports)| Spec::Rr(ReceiverReport { ssrc, reports })),
    ]
}

fn later() -> impl Strategy<Value = Spec> {
    prop_oneof![
        first(),
        prop::collection::vec(
            (
                any::<u32>(),
                prop::collection::vec(
                    (1u8..=255, prop::collection::vec(any::<u8>(), 0..=40)),
                    0..4
                )
            ),
            0..4
        )
        .prop_map(Spec::Sdes),
        (
            prop::collection::vec(any::<u32>(), 0..=31),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..=255))
        )
            .prop_map(|(s, r)| Spec::Bye(s, r)),
        (
            204u8..=255,
            0u8..=31,
            prop::collection::vec(any::<u32>(), 0..8)
        )
            .prop_map(|(pt, c, words)| Spec::Other(
                pt,
                c,
                words.iter().flat_map(|w| w.to_be_bytes()).collect()
            )),
    ]
}

fn packet(s: &Spec) -> RtcpPacket<'_> {
    match s {
        Spec::Sr(sr) => RtcpPacket::SenderReport(sr.clone()),
        Spec::Rr(rr) => RtcpPacket::ReceiverReport(rr.clone()),
        Spec::Sdes(chunks) => RtcpPacket::SourceDescription(
            chunks
                .iter()
                .map(|(ssrc, items)| SdesChunk {
                    ssrc: *ssrc,
                    items: items
                        .iter()
                        .map(|(kind, text)| SdesItem { kind: *kind, text })
                        .collect(),
                })
                .collect(),
        ),
        Spec::Bye(sources, reason) => RtcpPacket::Goodbye(Goodbye {
            sources: sources.clone(),
            reason: reason.as_deref(),
        }),
        Spec::Other(pt, count, body) => RtcpPacket::Unknown {
            packet_type: *pt,
            count: *count,
            body,
        },
    }
}

proptest! {
    #[test]
    fn rtp_round_trips(
        marker: bool,
        payload_type in 0u8..128,
        sequence_number: u16,
        timestamp: u32,
        ssrc: u32,
        csrc in prop::collection::vec(any::<u32>(), 0..=15),
        ext in prop::option::of((any::<u16>(), prop::collection::vec(any::<u32>(), 0..8))),
        payload in prop::collection::vec(any::<u8>(), 0..400),
        padding: u8,
    ) {
        let ext_data: Option<(u16, Vec<u8>)> =
            ext.map(|(p, w)| (p, w.iter().flat_map(|x| x.to_be_bytes()).collect()));
        let repr = RtpRepr {
            marker,
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            csrc: CsrcList::new(&csrc).unwrap(),
            extension: ext_data.as_ref().map(|(profile, data)| Extension { profile: *profile, data }),
            payload: &payload,
            padding,
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        prop_assert_eq!(repr.emit(&mut buf), Ok(buf.len()));
        prop_assert_eq!(RtpRepr::parse_bytes(&buf), Ok(repr));
        let view = Packet::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(RtpRepr::parse(&view), repr);
        // One octet short never parses as the same packet or panics.
        let _ = RtpRepr::parse_bytes(&buf[..buf.len() - 1]);
    }

    #[test]
    fn rtp_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = Packet::new_checked(&bytes[..]) {
            let r = RtpRepr::parse(&p);
            prop_assert!(r.header_len() + r.payload.len() + usize::from(r.padding) == bytes.len());
            for i in 0..16 {
                let _ = p.csrc(i);
            }
            let _ = (p.extension(), p.payload(), p.marker(), p.padding_len());
        }
    }

    #[test]
    fn rtcp_compound_round_trips(head in first(), rest in prop::collection::vec(later(), 0..4)) {
        let specs: Vec<Spec> = std::iter::once(head).chain(rest).collect();
        let packets: Vec<RtcpPacket<'_>> = specs.iter().map(packet).collect();
        let len: usize = packets.iter().map(RtcpPacket::buffer_len).sum();
        let mut buf = vec![0u8; len];
        prop_assert_eq!(emit_compound(&packets, &mut buf), Ok(len));
        prop_assert_eq!(parse_compound(&buf).unwrap(), packets.clone());
        let c = Compound::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(c.packets().collect::<Vec<_>>(), packets);
    }

    #[test]
    fn rtcp_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(c) = Compound::new_checked(&bytes[..]) {
            let n = c.packets().count();
            prop_assert!(n >= 1);
        }
        let _ = parse_compound(&bytes);
    }

    #[test]
    fn event_round_trips(event: u8, end: bool, volume in 0u8..64, duration: u16) {
        let e = EventRepr { event, end, volume, duration };
        let mut b = [0u8; 4];
        e.emit(&mut b).unwrap();
        prop_assert_eq!(EventRepr::parse_bytes(&b), Ok(e));
        prop_assert_eq!(EventRepr::parse(&EventPayload::new_checked(&b).unwrap()), e);
    }

    #[test]
    fn session_and_jitter_buffer_survive_any_input(
        datagrams in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..200), 0u64..100_000, any::<bool>()),
            0..60
        ),
        pushes in prop::collection::vec((any::<u32>(), any::<bool>(), 0usize..3000, 0u8..40), 0..60),
    ) {
        let mut s = Session::new(Instant::ZERO, SessionConfig::default());
        let from = "192.0.2.1:4000".parse().unwrap();
        let mut buf = [0u8; MAX_DATAGRAM];
        let mut now = 0u64;
        for (mut d, dt, rtpish) in datagrams {
            now += dt;
            if rtpish && d.len() >= 12 {
                d[0] = 0x80 | (d[0] & 0x3f);
                // Mostly the negotiated payload types, so packets reach the session's logic.
                d[1] = (d[1] & 0x80) | if d[1] & 1 == 0 { 8 } else { 101 };
            }
            let t = Instant::from_micros(now);
            let _ = s.handle_input(t, &d, from);
            s.handle_timeout(t);
            let mut out = [0i16; 8];
            s.pull_chunk(&mut out);
            s.push_chunk(t, &out);
            while s.poll_transmit(t, &mut buf).is_some() {}
            while s.poll_event().is_some() {}
        }
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let payload = [0x55u8; 3000];
        let mut out = [0i16; 8];
        for (ts, marker, len, pulls) in pushes {
            jb.push(ts, marker, &payload[..len]);
            for _ in 0..pulls {
                jb.pull(&mut out);
            }
        }
    }
}
