//! Interop: Wireshark's dissectors (the real `tshark`, Debian package `tshark`) decode the
//! RTP, RFC 4733 and RTCP packets our sessions send, with no malformed packet and the
//! fields we meant. The datagrams of a simulated call are written to a pcap file
//! (LINKTYPE_RAW, IPv4/UDP) and decoded with `tshark -r`.

mod sim;

use std::process::Command;

use rtp::session::TransmitKind;
use rtp::wire::rtcp::{RtcpPacket, parse_compound};
use rtp::wire::rtp::{CsrcList, Extension, RtpRepr};
use sim::{A_RTCP, A_RTP, B_RTCP, B_RTP, Link, Pair, addr, tone};

/// A classic pcap file of raw IPv4 packets.
fn pcap(packets: &[(u64, std::net::SocketAddr, std::net::SocketAddr, Vec<u8>)]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&0i32.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
    for (us, from, to, data) in packets {
        let (std::net::SocketAddr::V4(s), std::net::SocketAddr::V4(d)) = (from, to) else {
            panic!("IPv4 only");
        };
        let total = 20 + 8 + data.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ];
        ip.extend_from_slice(&s.ip().octets());
        ip.extend_from_slice(&d.ip().octets());
        let sum: u32 = ip
            .chunks(2)
            .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
            .sum();
        let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        ip.extend_from_slice(&s.port().to_be_bytes());
        ip.extend_from_slice(&d.port().to_be_bytes());
        ip.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 0]); // no UDP checksum (allowed over IPv4)
        ip.extend_from_slice(data);
        f.extend_from_slice(&((us / 1_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&((us % 1_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        f.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        f.extend_from_slice(&ip);
    }
    f
}

fn tshark(file: &std::path::Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new("tshark");
    c.arg("-r")
        .arg(file)
        .args(["-d", "udp.port==40000,rtp", "-d", "udp.port==40001,rtcp"])
        .args(["-Y", filter, "-T", "fields", "-E", "separator=/t"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().expect("tshark not installed (`make deps`)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn tshark_decodes_our_rtp_events_and_rtcp() {
    let mut p = Pair::new(5, Link::clean(10), Link::clean(10));
    for t in 0..12_000 {
        if t == 3000 {
            let now = p.now;
            p.a.begin_digit(now, '7').unwrap();
        }
        if t == 3160 {
            let now = p.now;
            p.a.end_digit(now);
        }
        p.step(&tone(t, 700.0, 5000.0), &tone(t, 300.0, 2000.0));
    }
    let now = p.now;
    p.a.close(now);
    p.flush();

    let mut packets: Vec<_> = p
        .a_sent
        .iter()
        .map(|(t, k, d)| {
            let (from, to) = match k {
                TransmitKind::Rtp => (A_RTP, B_RTP),
                TransmitKind::Rtcp => (A_RTCP, B_RTCP),
            };
            (t.as_micros(), addr(from), addr(to), d.clone())
        })
        .collect();
    // One more packet with every optional header part: two CSRCs, an extension, padding.
    let mut extra = [0u8; 64];
    let n = RtpRepr {
        marker: true,
        payload_type: 8,
        sequence_number: 65535,
        timestamp: 0xffff_fff0,
        ssrc: 0x0102_0304,
        csrc: CsrcList::new(&[7, 8]).unwrap(),
        extension: Some(Extension {
            profile: 0xbede,
            data: &[0x10, 0xaa, 0, 0],
        }),
        payload: &[0xd5; 16],
        padding: 4,
    }
    .emit(&mut extra)
    .unwrap();
    packets.push((13_000_000, addr(A_RTP), addr(B_RTP), extra[..n].to_vec()));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rtp.pcap");
    std::fs::write(&file, pcap(&packets)).unwrap();

    assert!(
        tshark(
            &file,
            "_ws.malformed || _ws.expert.severity >= error",
            &["frame.number"]
        )
        .is_empty()
    );

    // tshark's own stream analysis: our stream (PCMA and events) without loss or problem.
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args(["-d", "udp.port==40000,rtp", "-q", "-z", "rtp,streams"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let ssrc = format!("{:#010X}", p.a.ssrc()).replace("0X", "0x");
    let row = text
        .lines()
        .find(|l| l.contains(&ssrc))
        .unwrap_or_else(|| panic!("no stream {ssrc} in\n{text}"));
    assert!(row.contains("g711A, rtpevent"), "{row}");
    assert!(row.contains(" 0 (0.0%)"), "{row}");
    assert!(
        !row.trim_end().ends_with('X'),
        "tshark flags a problem: {row}"
    );

    // Every RTP packet, field by field.
    let ours: Vec<RtpRepr<'_>> = packets
        .iter()
        .filter(|p| p.1 == addr(A_RTP))
        .map(|p| RtpRepr::parse_bytes(&p.3).unwrap())
        .collect();
    let rows = tshark(
        &file,
        "rtp",
        &[
            "rtp.seq",
            "rtp.timestamp",
            "rtp.ssrc",
            "rtp.p_type",
            "rtp.marker",
        ],
    );
    assert_eq!(rows.len(), ours.len());
    assert!(ours.len() > 500);
    for (r, o) in rows.iter().zip(&ours) {
        assert_eq!(r[0], o.sequence_number.to_string());
        assert_eq!(r[1], o.timestamp.to_string());
        assert_eq!(r[2], format!("{:#010x}", o.ssrc));
        assert_eq!(r[3], o.payload_type.to_string());
        assert_eq!(r[4], if o.marker { "1" } else { "0" }, "{r:?}");
    }
    let last = tshark(
        &file,
        "rtp.seq == 65535",
        &["rtp.csrc.item", "rtp.ext.profile", "rtp.padding.count"],
    );
    assert_eq!(last, [["0x00000007,0x00000008", "0xbede", "4"]]);

    // The digit: start, two updates, three end packets of 160 ms.
    let ev = tshark(
        &file,
        "rtpevent",
        &[
            "rtpevent.event_id",
            "rtpevent.end_of_event",
            "rtpevent.duration",
        ],
    );
    let ev: Vec<_> = ev.iter().map(|r| r.join(" ")).collect();
    assert_eq!(
        ev,
        [
            "7 0 0", "7 0 400", "7 0 800", "7 0 1200", "7 1 1280", "7 1 1280", "7 1 1280"
        ]
    );

    // RTCP: SR + SDES every few seconds, the last with BYE; the SR counts match ours.
    let ours: Vec<_> = packets
        .iter()
        .filter(|p| p.1 == addr(A_RTCP))
        .map(|p| p.3.clone())
        .collect();
    assert!(ours.len() >= 3);
    let rows = tshark(
        &file,
        "rtcp",
        &[
            "rtcp.pt",
            "rtcp.senderssrc",
            "rtcp.sender.packetcount",
            "rtcp.sdes.text",
            "rtcp.ssrc.cum_nr",
        ],
    );
    assert_eq!(rows.len(), ours.len());
    for (r, o) in rows.iter().zip(&ours) {
        let c = parse_compound(o).unwrap();
        let RtcpPacket::SenderReport(sr) = &c[0] else {
            panic!("A sends, so it reports with SR: {c:?}")
        };
        let pts = if c.len() == 3 {
            "200,202,203"
        } else {
            "200,202"
        };
        assert_eq!(r[0], pts);
        assert_eq!(r[1], format!("{:#010x}", sr.ssrc));
        assert_eq!(r[2], sr.packet_count.to_string());
        assert_eq!(r[3], "appliance");
        assert_eq!(r[4], sr.reports[0].cumulative_lost.to_string());
    }
}
