//! Recording control for card payments: start, pause (nothing is tapped), resume, stop;
//! both legs of the bridge; wrong orders are refused.
mod common;

use common::{H, Media};
use media_dsp::g711::Law;
use switch::engine::{
    Command, Event, LegEvent, MediaCommand, RecordAction, RecordState, SwitchError,
};

#[test]
fn pause_stops_the_tap_on_both_legs_and_resume_restarts_it() {
    let mut h = H::new();
    let mut m = Media::new(2);
    m.path.set_packet(0, Law::Alaw).unwrap();
    m.path.set_packet(1, Law::Alaw).unwrap();
    let (a, b) = h.connected_call("1001", "1002");
    m.slots.insert(a, 0);
    m.slots.insert(b, 1);
    m.sync(&h);
    let taps = |m: &Media| {
        (
            m.path.record_tap(0).is_some(),
            m.path.record_tap(1).is_some(),
        )
    };

    m.path.tick();
    assert_eq!(taps(&m), (false, false));
    assert_eq!(
        h.sw.handle_input(
            h.now,
            LegEvent::Record {
                leg: a,
                action: RecordAction::Pause
            }
        ),
        Err(SwitchError::Recording {
            state: RecordState::Off,
            action: RecordAction::Pause
        })
    );

    h.input(LegEvent::Record {
        leg: b,
        action: RecordAction::Start,
    });
    let bridge = h.sw.bridge_of(a).unwrap();
    assert!(h.commands.contains(&Command::Media(MediaCommand::Record {
        bridge,
        legs: vec![a, b],
        action: RecordAction::Start
    })));
    m.sync(&h);
    m.path.packet_rx(0, &[0x2a; 160]).unwrap();
    m.path.tick();
    assert_eq!(taps(&m), (true, true));
    let (said, heard) = m.path.record_tap(0).unwrap();
    assert_eq!(
        said,
        m.path.record_tap(1).unwrap().1,
        "A's words are what B hears"
    );
    assert_ne!(said, heard);

    h.input(LegEvent::Record {
        leg: a,
        action: RecordAction::Pause,
    });
    m.sync(&h);
    m.path.tick();
    assert_eq!(taps(&m), (false, false), "the card number is not recorded");

    h.input(LegEvent::Record {
        leg: a,
        action: RecordAction::Resume,
    });
    m.sync(&h);
    m.path.tick();
    assert_eq!(taps(&m), (true, true));

    h.input(LegEvent::Record {
        leg: a,
        action: RecordAction::Stop,
    });
    m.sync(&h);
    m.path.tick();
    assert_eq!(taps(&m), (false, false));
    let actions: Vec<RecordAction> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Recording { action, .. } => Some(*action),
            _ => None,
        })
        .collect();
    assert_eq!(
        actions,
        [
            RecordAction::Start,
            RecordAction::Pause,
            RecordAction::Resume,
            RecordAction::Stop
        ]
    );
}
