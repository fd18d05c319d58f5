//! DTMF on a TDM channel (through the echo canceller) becomes digit reports with onset and
//! end (for RFC 4733 out); digits sent to the channel become DTMF in its audio, which a
//! separate detector reads back.
mod common;

use media_dsp::dtmf::{Digit, DtmfDetector, DtmfEvent, GeneratorConfig, generate, generated_len};
use media_dsp::g711::Law;
use media_dsp::tones::Country;
use switch::media::{CHUNK, MediaPath, TdmConfig};

fn digits(s: &str) -> Vec<Digit> {
    s.chars().map(|c| Digit::from_char(c).unwrap()).collect()
}

#[test]
fn digits_heard_on_tdm_are_reported_with_onset_and_end() {
    let mut m = MediaPath::new(1, 0, Country::Etsi);
    m.set_tdm(0, TdmConfig::default()).unwrap();
    let ds = digits("159#*0D");
    let cfg = GeneratorConfig::default();
    let mut lin = vec![0i16; generated_len(ds.len(), &cfg) + 800];
    generate(&ds, &cfg, &mut lin).unwrap();
    let mut alaw = vec![0u8; lin.len()];
    Law::Alaw.encode(&lin, &mut alaw);
    let mut got = Vec::new();
    for c in alaw.chunks_exact(CHUNK) {
        m.tdm_rx(0, c.try_into().unwrap()).unwrap();
        m.tick();
        while let Some(r) = m.poll_digit() {
            assert_eq!(r.slot, 0);
            got.push((r.digit, r.duration.is_some()));
        }
    }
    let want: Vec<(Digit, bool)> = ds.iter().flat_map(|&d| [(d, false), (d, true)]).collect();
    assert_eq!(got, want);
}

#[test]
fn digits_sent_to_tdm_are_generated_in_band() {
    let mut m = MediaPath::new(2, 0, Country::Etsi);
    m.set_tdm(0, TdmConfig::default()).unwrap();
    m.set_packet(1, Law::Alaw).unwrap();
    let ds = digits("2580");
    for &d in &ds {
        m.send_digit(0, d).unwrap();
    }
    let mut det = DtmfDetector::new();
    let mut found = Vec::new();
    let mut lin = [0i16; CHUNK];
    for _ in 0..1000 {
        m.tdm_rx(0, &[0xd5; CHUNK]).unwrap();
        m.tick();
        Law::Alaw.decode(m.tdm_tx(0).unwrap(), &mut lin);
        det.process(&lin, |e| {
            if let DtmfEvent::Digit(d) = e {
                found.push(d.digit);
            }
        });
    }
    assert_eq!(found, ds);
    // Digits to a packet slot come back out for the RFC 4733 sender.
    m.send_digit(1, ds[0]).unwrap();
    let r = m.poll_digit().unwrap();
    assert_eq!((r.slot, r.digit), (1, ds[0]));
}

#[test]
fn rfc4733_digits_from_sip_are_generated_on_the_bridged_line() {
    use switch::engine::{BridgeId, LegId, MediaCommand};
    let mut m = MediaPath::new(2, 0, Country::Etsi);
    m.set_tdm(0, TdmConfig::default()).unwrap();
    m.set_packet(1, Law::Alaw).unwrap();
    assert_eq!(
        m.digit_from(1, digits("1")[0]),
        Ok(None),
        "not bridged: nowhere to go"
    );
    m.apply(
        &MediaCommand::Bridge {
            bridge: BridgeId(9),
            legs: vec![LegId(0), LegId(1)],
        },
        |l| Some(l.0 as usize),
    )
    .unwrap();
    let ds = digits("73*");
    for &d in &ds {
        assert_eq!(m.digit_from(1, d), Ok(Some(0)));
    }
    let mut det = DtmfDetector::new();
    let mut found = Vec::new();
    let mut lin = [0i16; CHUNK];
    for _ in 0..800 {
        m.tdm_rx(0, &[0xd5; CHUNK]).unwrap();
        m.tick();
        Law::Alaw.decode(m.tdm_tx(0).unwrap(), &mut lin);
        det.process(&lin, |e| {
            if let DtmfEvent::Digit(d) = e {
                found.push(d.digit);
            }
        });
    }
    assert_eq!(found, ds);
    // And a digit heard on the line is reported for the SIP side's RFC 4733 sender.
    assert_eq!(m.digit_from(0, ds[0]), Ok(Some(1)));
    assert_eq!(m.poll_digit().map(|r| r.slot), Some(1));
}
