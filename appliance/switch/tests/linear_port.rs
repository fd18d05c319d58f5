//! A linear endpoint (the daemon's `rtp` session on the media thread) bridged to a TDM
//! channel: audio passes both ways in 1 ms chunks, digits sent to it are reported for
//! RFC 4733, a digit heard on the TDM side is relayed to it through `peer_of`.

use media_dsp::dtmf::Digit;
use media_dsp::g711::Law;
use switch::engine::{BridgeId, LegId, MediaCommand};
use switch::media::{CHUNK, MediaPath, TdmConfig};

fn bridged() -> MediaPath {
    let mut m = MediaPath::new(4, 1, media_dsp::tones::Country::Etsi);
    m.set_tdm(
        0,
        TdmConfig {
            echo: None,
            ..TdmConfig::default()
        },
    )
    .expect("tdm");
    m.set_linear(1).expect("linear");
    m.apply(
        &MediaCommand::Bridge {
            bridge: BridgeId(1),
            legs: vec![LegId(10), LegId(11)],
        },
        |l| match l.0 {
            10 => Some(0),
            11 => Some(1),
            _ => None,
        },
    )
    .expect("bridge");
    m
}

#[test]
fn audio_passes_both_ways_between_tdm_and_a_linear_endpoint() {
    let mut m = bridged();
    assert!(m.is_tdm(0) && !m.is_tdm(1));
    assert_eq!(
        (m.peer_of(0), m.peer_of(1), m.peer_of(2)),
        (Some(1), Some(0), None)
    );
    let from_rtp = [1000i16, -1000, 2000, -2000, 3000, -3000, 4000, -4000];
    let mut line = [0u8; CHUNK];
    Law::Alaw.encode(&[500, 600, 700, 800, -500, -600, -700, -800], &mut line);
    m.tdm_rx(0, &line).expect("tdm rx");
    m.linear_rx(1, &from_rtp).expect("linear rx");
    m.tick();
    // The linear endpoint hears the line (A-law decoded).
    let mut expect = [0i16; CHUNK];
    Law::Alaw.decode(&line, &mut expect);
    assert_eq!(m.heard(1), Some(&expect));
    // The line is sent what the endpoint said, A-law encoded.
    let mut enc = [0u8; CHUNK];
    Law::Alaw.encode(&from_rtp, &mut enc);
    assert_eq!(m.tdm_tx(0), Some(&enc));
    // Not a TDM or linear slot: refused, nothing changes.
    assert!(m.linear_rx(0, &from_rtp).is_err());
    assert!(m.linear_rx(3, &from_rtp).is_err());
}

#[test]
fn a_digit_sent_to_a_linear_endpoint_is_reported_for_rfc4733() {
    let mut m = bridged();
    m.send_digit(1, Digit::from_char('5').expect("digit"))
        .expect("send");
    let r = m.poll_digit().expect("report");
    assert_eq!((r.slot, r.digit.as_char()), (1, '5'));
    assert!(r.duration.is_some());
    assert!(m.poll_digit().is_none());
}
