//! RFC 4733 digits from A to B: the sender's packet pattern (marker on the first, updates
//! every 50 ms, three end packets, one timestamp per event), digits surviving 30 % loss of
//! the non-end packets, and the receiver's timeout when every end packet is lost.

mod sim;

use rtp::dtmf::EndReason;
use rtp::session::{Event, TransmitKind};
use rtp::wire::event::EventRepr;
use rtp::wire::rtp::RtpRepr;
use sim::{Link, Pair, tone};

const DIGITS: &str = "159#*0D7";

fn event_of(d: &[u8]) -> Option<(RtpRepr<'_>, EventRepr)> {
    let r = RtpRepr::parse_bytes(d).ok()?;
    (r.payload_type == 101).then(|| (r, EventRepr::parse_bytes(r.payload).unwrap()))
}

/// A dials `DIGITS`, 120 ms on and 100 ms off each, speaking a tone in between.
fn dial(p: &mut Pair) {
    for c in DIGITS.chars() {
        let now = p.now;
        p.a.begin_digit(now, c).unwrap();
        for t in 0..120 {
            p.step(&tone(t, 440.0, 3000.0), &[0; 8]);
        }
        let now = p.now;
        p.a.end_digit(now);
        for t in 0..100 {
            p.step(&tone(t, 440.0, 3000.0), &[0; 8]);
        }
    }
    for _ in 0..500 {
        p.step(&[0; 8], &[0; 8]);
    }
}

fn digits(events: &[(tdm::Instant, Event)]) -> Vec<(char, u128, EndReason)> {
    events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Digit {
                digit,
                duration,
                reason,
            } => Some((*digit, duration.as_millis(), *reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn sender_pattern_follows_rfc4733() {
    let mut p = Pair::new(3, Link::clean(10), Link::clean(10));
    dial(&mut p);
    let events: Vec<_> = p
        .a_sent
        .iter()
        .filter(|(_, k, _)| *k == TransmitKind::Rtp)
        .filter_map(|(t, _, d)| event_of(d).map(|(r, e)| (*t, r.marker, r.timestamp, e)))
        .collect();
    let first_ts = events[0].2;
    let one: Vec<_> = events.iter().filter(|e| e.2 == first_ts).collect();
    // Start (marker), updates at 50 and 100 ms, three end packets 20 ms apart.
    assert_eq!(one.len(), 6, "{one:?}");
    assert!(one[0].1 && one[1..].iter().all(|e| !e.1));
    assert_eq!(one[1].0 - one[0].0, std::time::Duration::from_millis(50));
    assert!(one[..3].iter().all(|e| !e.3.end));
    assert!(one[3..].iter().all(|e| e.3.end && e.3.duration == 960));
    // Audio pauses during the event: no PCMA packet between start and last end packet.
    let (start, stop) = (one[0].0, one[5].0);
    let audio_during = p
        .a_sent
        .iter()
        .any(|(t, k, d)| *k == TransmitKind::Rtp && *t > start && *t < stop && d[1] & 0x7f == 8);
    assert!(!audio_during);
    let got = digits(&p.b_events);
    assert_eq!(got.iter().map(|d| d.0).collect::<String>(), DIGITS);
    assert!(
        got.iter().all(|d| d.1 == 120 && d.2 == EndReason::EndBit),
        "{got:?}"
    );
}

/// Drops 30 % of the telephone-event packets without the E bit.
fn lose_non_end(d: &[u8]) -> f64 {
    match event_of(d) {
        Some((_, e)) if !e.end => 0.3,
        _ => 0.0,
    }
}

#[test]
fn digits_survive_30_percent_loss_of_non_end_packets() {
    for seed in 0..20 {
        let link = Link {
            jitter_us: 20_000,
            loss_fn: Some(lose_non_end),
            ..Link::clean(20)
        };
        let mut p = Pair::new(seed, link, Link::clean(20));
        dial(&mut p);
        assert!(p.ab.rtp_dropped > 0);
        let got = digits(&p.b_events);
        assert_eq!(
            got.iter().map(|d| d.0).collect::<String>(),
            DIGITS,
            "seed {seed}: {got:?}"
        );
        assert!(got.iter().all(|d| d.1 == 120), "seed {seed}: {got:?}");
        let begins = p
            .b_events
            .iter()
            .filter(|(_, e)| matches!(e, Event::DigitBegin { .. }))
            .count();
        assert_eq!(begins, DIGITS.len());
    }
}

fn lose_end(d: &[u8]) -> f64 {
    match event_of(d) {
        Some((_, e)) if e.end => 1.0,
        _ => 0.0,
    }
}

#[test]
fn lost_end_packets_end_the_digit_by_timeout() {
    let link = Link {
        loss_fn: Some(lose_end),
        ..Link::clean(20)
    };
    let mut p = Pair::new(11, link, Link::clean(20));
    dial(&mut p);
    let got = digits(&p.b_events);
    assert_eq!(got.iter().map(|d| d.0).collect::<String>(), DIGITS);
    // The last update reported 100 ms. The next digit's start (120 ms after that update)
    // ends each one before the 300 ms timeout; the last digit ends by the timeout.
    assert!(got.iter().all(|d| d.1 == 100), "{got:?}");
    assert!(
        got[..got.len() - 1]
            .iter()
            .all(|d| d.2 == EndReason::Superseded),
        "{got:?}"
    );
    assert_eq!(got.last().unwrap().2, EndReason::Timeout);
}
