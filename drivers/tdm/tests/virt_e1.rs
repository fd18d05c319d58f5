//! Two raw-E1 virtual spans back to back over a real SOCK_SEQPACKET socketpair, pumped in
//! simulated time (8 frames = 1 ms per step, no sleeping).
#![cfg(feature = "virt")]

use std::num::NonZeroU32;

use tdm::virt::{Impairments, VirtE1Config, VirtE1Span};
use tdm::{Alarms, Chunk, E1_TIMESLOTS, Loopback, Span, SpanEvent};

/// 50 ms recovery hold-off instead of DAHDI's seconds, to keep tests short.
const HOLDOFF: u32 = 400;

fn cfg(span: u32, signalling: e1::Signalling) -> VirtE1Config {
    let framer = e1::Config {
        crc4: e1::Crc4Mode::On,
        signalling,
        recovery_holdoff: HOLDOFF,
        ..e1::Config::default()
    };
    VirtE1Config::new(span, framer)
}

fn pair() -> (VirtE1Span, VirtE1Span) {
    VirtE1Span::pair(cfg(1, e1::Signalling::Ccs), cfg(2, e1::Signalling::Ccs)).unwrap()
}

/// Steps both ends `ms` milliseconds, reading (and discarding) received chunks.
fn run(a: &mut VirtE1Span, b: &mut VirtE1Span, ms: usize) {
    let mut sink = [[0u8; 8]; E1_TIMESLOTS];
    for _ in 0..ms {
        a.pump(8).unwrap();
        b.pump(8).unwrap();
        while a.read_chunk(&mut sink).unwrap() > 0 {}
        while b.read_chunk(&mut sink).unwrap() > 0 {}
    }
}

fn events(s: &mut VirtE1Span) -> Vec<SpanEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn synced() -> (VirtE1Span, VirtE1Span) {
    let (mut a, mut b) = pair();
    run(&mut a, &mut b, 120);
    for s in [&mut a, &mut b] {
        assert!(s.framer().is_aligned());
        assert!(s.alarms().is_empty(), "{}", s.alarms());
        let ev = events(s);
        assert!(ev.contains(&SpanEvent::FrameSync(true)), "{ev:?}");
        assert!(ev.contains(&SpanEvent::MultiframeSync(true)), "{ev:?}");
        assert!(ev.contains(&SpanEvent::Alarms(Alarms::NONE)), "{ev:?}");
    }
    (a, b)
}

/// Sends a D-channel frame from `from` to `to` and checks it arrives intact.
fn dchannel_passes(from: &mut VirtE1Span, to: &mut VirtE1Span, frame: &[u8]) {
    from.write_dchannel(frame).unwrap();
    let mut buf = [0u8; 300];
    // TS16 carries 8 bytes per millisecond; allow for flags and bit stuffing.
    for _ in 0..frame.len() / 4 + 20 {
        run(from, to, 1);
        if let Some(n) = to.read_dchannel(&mut buf).unwrap() {
            assert_eq!(&buf[..n], frame);
            return;
        }
    }
    panic!("D-channel frame did not arrive; alarms {}", to.alarms());
}

#[test]
fn alignment_and_crc4_multiframe_are_reached_without_errors() {
    let (a, b) = synced();
    for s in [&a, &b] {
        let c = s.counters();
        assert_eq!((c.crc4, c.ebit, c.fas, c.slips), (0, 0, 0, 0), "{c:?}");
        let info = s.info();
        assert!(info.crc4 && info.alarms.is_empty());
        assert_eq!(info.total_channels, 31);
    }
    assert_eq!(a.info().span, 1);
    assert_eq!(b.stats().rx_frames, a.stats().tx_frames);
}

/// Writes `n` chunks of a counting pattern on `tx` while pumping, collects what `rx` reads,
/// and checks every B-channel's byte stream arrives sample-exact.
fn bchannels_pass(tx: &mut VirtE1Span, rx: &mut VirtE1Span, n: usize) {
    let pattern = |ts: usize, k: usize| -> u8 { ((ts * 37 + k * 3) % 251) as u8 };
    let mut got: Vec<Vec<u8>> = vec![Vec::new(); E1_TIMESLOTS];
    let mut chunk: Vec<Chunk> = vec![[0; 8]; E1_TIMESLOTS];
    for m in 0..n + 4 {
        if m < n {
            for (ts, c) in chunk.iter_mut().enumerate() {
                for (i, s) in c.iter_mut().enumerate() {
                    *s = pattern(ts, m * 8 + i);
                }
            }
            tx.write_chunk(&chunk).unwrap();
        }
        tx.pump(8).unwrap();
        rx.pump(8).unwrap();
        let mut out = [[0u8; 8]; E1_TIMESLOTS];
        while rx.read_chunk(&mut out).unwrap() == E1_TIMESLOTS {
            for (ts, c) in out.iter().enumerate() {
                got[ts].extend_from_slice(c);
            }
        }
    }
    for ts in (1..32).filter(|&t| t != 16) {
        let want: Vec<u8> = (0..n * 8).map(|k| pattern(ts, k)).collect();
        let found = got[ts].windows(want.len()).any(|w| w == want.as_slice());
        assert!(
            found,
            "timeslot {ts}: sent stream not found contiguous in what was received"
        );
    }
}

#[test]
fn b_channels_pass_both_ways_sample_exact() {
    let (mut a, mut b) = synced();
    bchannels_pass(&mut a, &mut b, 40);
    bchannels_pass(&mut b, &mut a, 40);
    assert_eq!(a.counters().rx_overruns, 0);
}

#[test]
fn d_channel_frames_pass_both_ways() {
    let (mut a, mut b) = synced();
    dchannel_passes(&mut a, &mut b, &[0x02, 0x01, 0x7F]);
    dchannel_passes(&mut b, &mut a, &[0x02, 0x01, 0x73]);
    let info: Vec<u8> = (0..200).map(|i| (i * 7) as u8).collect();
    dchannel_passes(&mut a, &mut b, &info);
    assert_eq!(b.counters().dchan_rx, 2);
    assert_eq!(a.counters().dchan_tx, 2);
    assert_eq!(b.counters().dchan_bad_fcs, 0);
}

#[test]
fn bit_errors_count_crc4_at_the_receiver_and_e_bits_at_the_far_end() {
    let (mut a, mut b) = synced();
    a.set_impairments(Impairments::with_ber(1e-4, 42));
    run(&mut a, &mut b, 1000);
    let rx = b.counters();
    let far = a.counters();
    assert!(a.impairer().stats().bits_flipped > 100);
    assert!(rx.crc4 > 50, "{rx:?}");
    assert!(
        far.ebit > rx.crc4 / 2 && far.ebit <= rx.crc4,
        "E-bits at the far end {} vs CRC-4 errors at the receiver {}",
        far.ebit,
        rx.crc4
    );
    assert!(b.framer().is_aligned(), "1e-4 must not lose alignment");
    a.set_impairments(Impairments::none());
    run(&mut a, &mut b, 100);
    assert!(b.alarms().is_empty() && a.alarms().is_empty());
    dchannel_passes(&mut a, &mut b, &[0x02, 0x01, 0x7F]);
}

#[test]
fn ais_is_blue_at_the_receiver_and_yellow_at_the_far_end_then_recovers() {
    let (mut a, mut b) = synced();
    a.set_impairments(Impairments::ais());
    run(&mut a, &mut b, 30);
    assert!(b.alarms().contains(Alarms::BLUE), "{}", b.alarms());
    assert!(!b.alarms().contains(Alarms::RED), "AIS is blue, not red");
    assert!(a.alarms().contains(Alarms::YELLOW), "{}", a.alarms());
    assert!(
        events(&mut b)
            .iter()
            .any(|e| matches!(e, SpanEvent::Alarms(x) if x.contains(Alarms::BLUE)))
    );

    a.set_impairments(Impairments::none());
    run(&mut a, &mut b, 10);
    assert!(b.alarms().contains(Alarms::RECOVER), "{}", b.alarms());
    run(&mut a, &mut b, 100);
    assert!(b.alarms().is_empty(), "{}", b.alarms());
    assert!(a.alarms().is_empty(), "{}", a.alarms());
    dchannel_passes(&mut a, &mut b, &[0x02, 0x01, 0x7F]);
    dchannel_passes(&mut b, &mut a, &[0x02, 0x01, 0x73]);
}

#[test]
fn los_is_red_then_recovers() {
    let (mut a, mut b) = synced();
    a.set_impairments(Impairments::los());
    run(&mut a, &mut b, 30);
    let al = b.alarms();
    assert!(al.contains(Alarms::RED | Alarms::LOS), "{al}");
    assert!(a.alarms().contains(Alarms::YELLOW), "{}", a.alarms());
    assert_eq!(b.info().sync_source, None);

    a.set_impairments(Impairments::none());
    run(&mut a, &mut b, 150);
    assert!(b.alarms().is_empty(), "{}", b.alarms());
    dchannel_passes(&mut a, &mut b, &[0x02, 0x01, 0x7F]);
}

#[test]
fn slips_are_counted_and_reported() {
    let (mut a, mut b) = synced();
    a.set_impairments(Impairments::slip_every(NonZeroU32::new(1000).unwrap()));
    run(&mut a, &mut b, 1000);
    let slips = b.counters().slips;
    assert!(
        (6..=8).contains(&slips),
        "{slips} slips for 8 deleted frames"
    );
    assert!(events(&mut b).contains(&SpanEvent::Slip));

    // A clock 250 ppm fast: one frame deleted every 4000 frames, 2 in one second.
    a.set_impairments(Impairments::ppm(250));
    run(&mut a, &mut b, 1000);
    assert_eq!(a.impairer().stats().frames_deleted, 8 + 2);
    assert!(b.counters().slips > slips, "{:?}", b.counters());

    a.set_impairments(Impairments::none());
    run(&mut a, &mut b, 150);
    assert!(b.alarms().is_empty(), "{}", b.alarms());
    dchannel_passes(&mut a, &mut b, &[0x02, 0x01, 0x7F]);
}

#[test]
fn cas_abcd_bits_pass() {
    let (mut a, mut b) =
        VirtE1Span::pair(cfg(1, e1::Signalling::Cas), cfg(2, e1::Signalling::Cas)).unwrap();
    run(&mut a, &mut b, 120);
    a.set_abcd(5, 0b0101).unwrap();
    run(&mut a, &mut b, 20);
    assert_eq!(b.abcd(5), Some(0b0101));
    assert!(events(&mut b).contains(&SpanEvent::AbcdChanged {
        channel: 5,
        abcd: 0b0101
    }));
    assert!(a.set_abcd(31, 0).is_err());
    assert!(a.write_dchannel(&[1, 2, 3]).is_err(), "no D-channel on CAS");
}

/// With the far end looping, `a` reads back the B-channel stream it writes.
fn own_bchannels_come_back(a: &mut VirtE1Span, b: &mut VirtE1Span) {
    let pattern = |ts: usize, k: usize| -> u8 { ((ts * 11 + k) % 253) as u8 };
    let mut got = vec![Vec::new(); E1_TIMESLOTS];
    let n = 20;
    for m in 0..n + 6 {
        if m < n {
            let mut chunk = [[0u8; 8]; E1_TIMESLOTS];
            for (ts, c) in chunk.iter_mut().enumerate() {
                for (i, s) in c.iter_mut().enumerate() {
                    *s = pattern(ts, m * 8 + i);
                }
            }
            a.write_chunk(&chunk).unwrap();
        }
        a.pump(8).unwrap();
        b.pump(8).unwrap();
        a.receive().unwrap();
        let mut out = [[0u8; 8]; E1_TIMESLOTS];
        while a.read_chunk(&mut out).unwrap() > 0 {
            for (ts, c) in out.iter().enumerate() {
                got[ts].extend_from_slice(c);
            }
        }
    }
    for ts in [1, 15, 17, 31] {
        let want: Vec<u8> = (0..n * 8).map(|k| pattern(ts, k)).collect();
        assert!(
            got[ts].windows(want.len()).any(|w| w == want.as_slice()),
            "ts {ts}"
        );
    }
}

#[test]
fn network_loopback_returns_our_own_stream() {
    let (mut a, mut b) = synced();
    b.set_loopback(Loopback::Network).unwrap();
    assert!(b.alarms().contains(Alarms::LOOPBACK));
    assert_eq!(b.info().loopback, Loopback::Network);
    run(&mut a, &mut b, 20);
    // `a` now receives its own frames back from the far end: B-channels and D-channel.
    own_bchannels_come_back(&mut a, &mut b);
    a.write_dchannel(&[0x02, 0x01, 0x7F]).unwrap();
    let mut buf = [0u8; 16];
    let mut frame = None;
    for _ in 0..20 {
        run(&mut a, &mut b, 1);
        a.receive().unwrap();
        if let Some(n) = a.read_dchannel(&mut buf).unwrap() {
            frame = Some(buf[..n].to_vec());
            break;
        }
    }
    assert_eq!(frame.as_deref(), Some(&[0x02, 0x01, 0x7F][..]));
}

#[test]
fn payload_loopback_returns_our_b_channels_in_its_own_framing() {
    let (mut a, mut b) = synced();
    b.set_loopback(Loopback::Payload).unwrap();
    run(&mut a, &mut b, 20);
    own_bchannels_come_back(&mut a, &mut b);
    assert!(a.alarms().is_empty(), "{}", a.alarms());
    b.set_loopback(Loopback::None).unwrap();
    assert!(b.alarms().is_empty());
}

#[test]
fn malformed_packets_are_dropped_and_counted() {
    let (sa, raw) = tdm::virt::pair().unwrap();
    let mut a = VirtE1Span::new(sa, cfg(1, e1::Signalling::Ccs)).unwrap();
    for len in [31, 33, 16 * 32 + 32] {
        raw.send(&vec![0x55; len]).unwrap();
    }
    raw.send(&[0xD5; 64]).unwrap();
    a.receive().unwrap();
    assert_eq!(a.stats().bad_packets, 3);
    assert_eq!(a.stats().rx_frames, 2);
    drop(raw);
    assert!(matches!(a.receive(), Err(tdm::virt::VirtError::Closed)));
}

#[test]
fn local_loopback_receives_what_we_send() {
    let (mut a, mut b) = synced();
    a.set_loopback(Loopback::Local).unwrap();
    run(&mut a, &mut b, 20);
    a.write_dchannel(&[0x02, 0x01, 0x7F]).unwrap();
    let mut buf = [0u8; 16];
    let mut got = None;
    for _ in 0..20 {
        run(&mut a, &mut b, 1);
        if let Some(n) = a.read_dchannel(&mut buf).unwrap() {
            got = Some(buf[..n].to_vec());
            break;
        }
    }
    assert_eq!(got.as_deref(), Some(&[0x02, 0x01, 0x7F][..]));
    assert!(a.alarms().contains(Alarms::LOOPBACK));
    a.set_loopback(Loopback::None).unwrap();
    run(&mut a, &mut b, 100);
    assert!(a.alarms().is_empty(), "{}", a.alarms());
}
