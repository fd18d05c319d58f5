//! The pcap bytes themselves: global header for link type 177 and the 16-octet
//! `LINUX_LAPD` pseudo-header (libpcap `pcap-linktype(7)`, Wireshark `pcap-common.c`).

use isdn::pcap::{Direction, LINKTYPE_LINUX_LAPD, PcapWriter, global_header, pseudo_header};
use tdm::Instant;

#[test]
fn global_header_is_pcap_2_4_linktype_177() {
    let h = global_header();
    assert_eq!(
        &h[0..4],
        &[0xD4, 0xC3, 0xB2, 0xA1],
        "little-endian microsecond magic"
    );
    assert_eq!(&h[4..8], &[2, 0, 4, 0], "version 2.4");
    assert_eq!(&h[8..16], &[0; 8], "thiszone, sigfigs");
    assert_eq!(u32::from_le_bytes(h[16..20].try_into().unwrap()), 65_535);
    assert_eq!(
        u32::from_le_bytes(h[20..24].try_into().unwrap()),
        LINKTYPE_LINUX_LAPD
    );
    assert_eq!(LINKTYPE_LINUX_LAPD, 177);
}

#[test]
fn pseudo_header_layout() {
    let sent_by_network = pseudo_header(Direction::Sent, true);
    assert_eq!(
        sent_by_network,
        [0, 4, 0x20, 0xFD, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x30],
        "PACKET_OUTGOING, ARPHRD_LAPD 8445, 1 address octet = network, ETH_P_LAPD"
    );
    let received_by_user = pseudo_header(Direction::Received, false);
    assert_eq!(
        received_by_user,
        [0, 0, 0x20, 0xFD, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x30]
    );
}

#[test]
fn record_header_and_timestamps() {
    let mut w = PcapWriter::new(Vec::new(), false, 1_000_000_000_123_456).unwrap();
    let frame = [0x00, 0x01, 0x00, 0x00, 0x08, 0x02, 0x00, 0x01, 0x0F];
    w.write_frame(Instant::from_micros(2_000_001), Direction::Received, &frame)
        .unwrap();
    let out = w.into_inner();
    assert_eq!(out.len(), 24 + 16 + 16 + frame.len());
    let rec = &out[24..40];
    assert_eq!(
        u32::from_le_bytes(rec[0..4].try_into().unwrap()),
        1_000_000_002
    );
    assert_eq!(u32::from_le_bytes(rec[4..8].try_into().unwrap()), 123_457);
    assert_eq!(
        u32::from_le_bytes(rec[8..12].try_into().unwrap()),
        25,
        "incl_len"
    );
    assert_eq!(
        u32::from_le_bytes(rec[12..16].try_into().unwrap()),
        25,
        "orig_len"
    );
    assert_eq!(&out[56..], &frame);
}

#[test]
fn oversized_frame_is_refused() {
    let mut w = PcapWriter::new(Vec::new(), true, 0).unwrap();
    let big = vec![0u8; 70_000];
    let e = w
        .write_frame(Instant::ZERO, Direction::Sent, &big)
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        w.into_inner().len(),
        24,
        "nothing written for the refused frame"
    );
}
