//! Call-progress tone detection on a TDM channel (FXO lines, R2 trunks): a busy tone from
//! the exchange is reported through the media path.
use media_dsp::g711::Law;
use media_dsp::tones::{Country, ToneEvent, ToneGenerator, ToneKind};
use switch::media::{CHUNK, MediaPath, TdmConfig};

#[test]
fn busy_tone_on_a_line_is_reported() {
    let mut m = MediaPath::new(1, 0, Country::Etsi);
    m.set_tdm(
        0,
        TdmConfig {
            tone_detect: Some(Country::Etsi),
            ..TdmConfig::default()
        },
    )
    .unwrap();
    let busy = Country::Etsi.profile().tone(ToneKind::Busy).unwrap();
    let mut g = ToneGenerator::new(busy);
    let mut lin = [0i16; CHUNK];
    let mut rx = [0u8; CHUNK];
    let mut seen = Vec::new();
    for _ in 0..3000 {
        g.fill(&mut lin);
        Law::Alaw.encode(&lin, &mut rx);
        m.tdm_rx(0, &rx).unwrap();
        m.tick();
        while let Some((slot, e)) = m.poll_tone() {
            assert_eq!(slot, 0);
            seen.push(e);
        }
    }
    assert!(
        seen.iter().any(|e| matches!(
            e,
            ToneEvent::Detected {
                tone: ToneKind::Busy,
                ..
            }
        )),
        "{seen:?}"
    );
    // Without tone detection configured, nothing is reported.
    let mut m = MediaPath::new(1, 0, Country::Etsi);
    m.set_tdm(0, TdmConfig::default()).unwrap();
    let mut g = ToneGenerator::new(busy);
    for _ in 0..3000 {
        g.fill(&mut lin);
        Law::Alaw.encode(&lin, &mut rx);
        m.tdm_rx(0, &rx).unwrap();
    }
    assert_eq!(m.poll_tone(), None);
}
