//! RTCP timing and content (RFC 3550 §6.2, §6.3, A.7): the first report within the
//! randomised half-minimum, then randomised intervals around the 5 s minimum; SR from a
//! sender, RR from a receive-only session; the round-trip time from LSR/DLSR (§6.4.1).

mod sim;

use std::time::Duration;

use rtp::session::{Event, MAX_DATAGRAM, MinInterval, Session, SessionConfig, TransmitKind};
use rtp::wire::rtcp::{RtcpPacket, SDES_CNAME, parse_compound};
use rtp::wire::rtp::{CsrcList, RtpRepr};
use sim::{Link, Pair, tone};
use tdm::Instant;

const E_MINUS_1_5: f64 = std::f64::consts::E - 1.5;

fn rtcp_times(p: &Pair) -> Vec<f64> {
    p.a_sent
        .iter()
        .filter(|(_, k, _)| *k == TransmitKind::Rtcp)
        .map(|(t, _, _)| t.as_micros() as f64 / 1e6)
        .collect()
}

#[test]
fn intervals_are_randomised_around_the_minimum_and_rtt_is_measured() {
    let mut p = Pair::new(21, Link::clean(10), Link::clean(10));
    for t in 0..600_000 {
        p.step(&tone(t, 440.0, 1000.0), &tone(t, 800.0, 1000.0));
    }
    let times = rtcp_times(&p);
    // First report: 2.5 s × [0.5, 1.5] / (e − 3/2).
    assert!(
        (2.5 * 0.5 / E_MINUS_1_5..=2.5 * 1.5 / E_MINUS_1_5).contains(&times[0]),
        "{}",
        times[0]
    );
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let (lo, hi) = (5.0 * 0.5 / E_MINUS_1_5, 5.0 * 1.5 / E_MINUS_1_5);
    assert!(
        gaps.iter().all(|g| (lo - 0.002..=hi + 0.002).contains(g)),
        "{gaps:?}"
    );
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    // Timer reconsideration (A.7 OnExpire) redraws at each expiry and sends only when the
    // new draw has passed too, so intervals lean to the top of the range: the mean is near
    // that of the larger of two draws, lo + 2/3 (hi − lo) ≈ 4.8 s, not the plain 4.1 s.
    assert!(
        (lo + 2.0 / 3.0 * (hi - lo) - mean).abs() < 0.4,
        "mean {mean}"
    );
    let spread =
        gaps.iter().cloned().fold(0.0, f64::max) - gaps.iter().cloned().fold(9.0, f64::min);
    assert!(spread > 2.0, "not randomised: {gaps:?}");
    // Both send: every compound is SR + SDES CNAME with one report block.
    for (_, k, d) in p.a_sent.iter().filter(|(_, k, _)| *k == TransmitKind::Rtcp) {
        assert_eq!(*k, TransmitKind::Rtcp);
        let c = parse_compound(d).unwrap();
        let RtcpPacket::SenderReport(sr) = &c[0] else {
            panic!("{c:?}")
        };
        assert!(sr.reports.len() <= 1);
        let RtcpPacket::SourceDescription(sdes) = &c[1] else {
            panic!("{c:?}")
        };
        assert_eq!(sdes[0].items[0].kind, SDES_CNAME);
    }
    // 10 ms each way: RTT 20 ms, within the 1/65536 s resolution of LSR/DLSR.
    let rtts: Vec<Duration> = p
        .a_events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::ReceiverReport(r) => r.rtt,
            _ => None,
        })
        .collect();
    assert!(rtts.len() > 50);
    for r in &rtts[1..] {
        let ms = r.as_secs_f64() * 1000.0;
        assert!((19.9..=20.1).contains(&ms), "rtt {ms} ms");
    }
}

#[test]
fn receive_only_session_sends_rr_and_reduced_minimum_reports_sooner() {
    let mut s = Session::new(
        Instant::ZERO,
        SessionConfig {
            seed: 3,
            min_interval: MinInterval::Reduced,
            session_bandwidth: 1_000_000,
            ..SessionConfig::default()
        },
    );
    let from = "192.0.2.1:7000".parse().unwrap();
    let mut buf = [0u8; MAX_DATAGRAM];
    let mut rtcp = Vec::new();
    for ms in 0..10_000u64 {
        let now = Instant::from_millis(ms);
        if ms % 20 == 0 {
            let seq = (ms / 20) as u16;
            let mut b = [0u8; 200];
            let n = RtpRepr {
                marker: false,
                payload_type: 0,
                sequence_number: seq,
                timestamp: seq as u32 * 160,
                ssrc: 5,
                csrc: CsrcList::EMPTY,
                extension: None,
                payload: &[0xff; 160],
                padding: 0,
            }
            .emit(&mut b)
            .unwrap();
            // PT 0 is not negotiated here (PCMA session): refused, but PT 8 is fine.
            assert!(s.handle_input(now, &b[..n], from).is_err());
            b[1] = 8;
            s.handle_input(now, &b[..n], from).unwrap();
        }
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            rtcp.push((ms, buf[..t.len].to_vec()));
        }
    }
    // Reduced minimum at 1 Mbit/s: 0.36 s × [0.5, 1.5] / (e − 3/2) between reports.
    assert!(rtcp.len() > 20, "{} reports in 10 s", rtcp.len());
    let c = parse_compound(&rtcp.last().unwrap().1).unwrap();
    let RtcpPacket::ReceiverReport(rr) = &c[0] else {
        panic!("{c:?}")
    };
    assert_eq!(rr.reports[0].ssrc, 5);
    assert_eq!(rr.reports[0].cumulative_lost, 0);
}
