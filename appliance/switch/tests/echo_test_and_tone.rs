//! Extension 600 returns audio and digits; extension 601 plays the 1 kHz digital milliwatt
//! (ITU-T G.711 Table 5) both on TDM and as RTP payloads.
mod common;

use common::{H, Media};
use media_dsp::g711::Law;
use switch::dialplan::{ChannelKind, OriginClass};
use switch::engine::{Command, LegEvent, MediaCommand, Source};
use switch::media::{CHUNK, DIGITAL_MILLIWATT_ALAW, TdmConfig};

#[test]
fn echo_test_returns_audio_and_digits() {
    let mut h = H::new();
    let mut m = Media::new(2);
    m.path
        .set_tdm(
            0,
            TdmConfig {
                echo: None,
                ..TdmConfig::default()
            },
        )
        .unwrap();
    let a = h.incoming(
        ChannelKind::AnalogFxs,
        OriginClass::Extension,
        "600",
        "2001",
    );
    m.slots.insert(a, 0);
    assert!(h.commands.contains(&Command::Answer { leg: a }));
    assert!(h.commands.contains(&Command::Media(MediaCommand::Play {
        leg: a,
        source: Source::EchoTest
    })));
    m.sync(&h);
    for k in 0..50u8 {
        let rx = [k.wrapping_mul(37) ^ 0x55; CHUNK];
        m.path.tdm_rx(0, &rx).unwrap();
        m.path.tick();
        assert_eq!(m.path.tdm_tx(0), Some(&rx));
    }
    h.input(LegEvent::Digits {
        leg: a,
        digits: "42".into(),
    });
    assert!(h.commands.contains(&Command::SendDigits {
        leg: a,
        digits: "42".into()
    }));
    assert!(h.sw.bridge_of(a).is_none());
}

#[test]
fn test_tone_is_the_digital_milliwatt() {
    let mut h = H::new();
    let mut m = Media::new(2);
    m.path
        .set_tdm(
            0,
            TdmConfig {
                echo: None,
                ..TdmConfig::default()
            },
        )
        .unwrap();
    m.path.set_packet(1, Law::Alaw).unwrap();
    let tdm = h.incoming(
        ChannelKind::AnalogFxs,
        OriginClass::Extension,
        "601",
        "2001",
    );
    let sip = h.incoming(ChannelKind::Sip, OriginClass::Extension, "601", "1001");
    m.slots.insert(tdm, 0);
    m.slots.insert(sip, 1);
    m.sync(&h);
    for _ in 0..20 {
        m.path.tdm_rx(0, &[0xd5; CHUNK]).unwrap();
        m.path.tick();
        assert_eq!(m.path.tdm_tx(0), Some(&DIGITAL_MILLIWATT_ALAW));
    }
    let frame = m.path.poll_frame(1).expect("20 ms frame");
    assert!(frame.chunks(8).all(|c| c == DIGITAL_MILLIWATT_ALAW));
    // 0 dBm0 at 1 kHz: RMS of the decoded sequence is the G.711 reference level.
    let mut lin = [0i16; 8];
    Law::Alaw.decode(&DIGITAL_MILLIWATT_ALAW, &mut lin);
    let rms = (lin.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / 8.0).sqrt();
    let dbm0 = 20.0 * (rms / media_dsp::level::rms_for_dbm0(0.0) as f64).log10();
    assert!(dbm0.abs() < 0.2, "{dbm0} dBm0");
}
