//! Hold and resume: the held party hears the music-on-hold source, the holder hears
//! nothing from the held party; on resume they hear each other again.
mod common;

use common::{H, Media};
use media_dsp::g711::{Law, alaw_to_linear};
use switch::engine::{Event, LegEvent, SwitchError};
use switch::media::{CHUNK, TdmConfig};

#[test]
fn held_party_hears_music_and_resume_restores_the_bridge() {
    let mut h = H::new();
    let mut m = Media::new(4);
    // A is an E1 caller (TDM slot 0), B a SIP phone (packet slot 1); slot 3 plays music.
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
    m.path.set_moh(3).unwrap();
    let (a, b) = h.connected_call("1001", "1002");
    m.slots.insert(a, 0);
    m.slots.insert(b, 1);
    m.sync(&h);

    let music = [1000i16, 2000, 3000, 4000, -1000, -2000, -3000, -4000];
    let speech_a = [0x1au8; CHUNK];
    let speech_b = [0x9au8; 160];
    let tick = |m: &mut Media| {
        m.path.local_rx(3, &music).unwrap();
        m.path.tdm_rx(0, &speech_a).unwrap();
        m.path.tick();
    };
    // Connected: A hears B.
    m.path.packet_rx(1, &speech_b).unwrap();
    tick(&mut m);
    assert_eq!(m.path.tdm_tx(0), Some(&[0x9a; CHUNK]));

    h.input(LegEvent::Hold { leg: b });
    assert!(h.events.contains(&Event::Held { leg: b }));
    m.sync(&h);
    tick(&mut m);
    let mut heard = [0i16; CHUNK];
    Law::Alaw.decode(m.path.tdm_tx(0).unwrap(), &mut heard);
    for (got, want) in heard.iter().zip(music) {
        assert!(
            (got - want).abs() <= want.abs() / 16,
            "A hears the music: {got} vs {want}"
        );
    }
    assert_eq!(
        m.path.heard(1),
        Some(&[0i16; CHUNK]),
        "B hears nothing of A"
    );

    // Only the holder can resume; holding twice is refused.
    assert_eq!(
        h.sw.handle_input(h.now, LegEvent::Resume { leg: a }),
        Err(SwitchError::HoldState(a))
    );
    assert_eq!(
        h.sw.handle_input(h.now, LegEvent::Hold { leg: b }),
        Err(SwitchError::HoldState(b))
    );
    h.input(LegEvent::Resume { leg: b });
    m.sync(&h);
    m.path.packet_rx(1, &speech_b).unwrap();
    tick(&mut m);
    assert_eq!(m.path.tdm_tx(0), Some(&[0x9a; CHUNK]), "A hears B again");
    let want_b = [alaw_to_linear(0x1a); CHUNK];
    assert_eq!(m.path.heard(1), Some(&want_b), "B hears A again");
}
