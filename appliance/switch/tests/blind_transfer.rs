//! Blind transfer: the transferor leaves at once; the transferred party hears ringback and
//! is joined to the new party on answer. One CDR for the call, listing all three legs.
mod common;

use common::H;
use media_dsp::tones::ToneKind;
use switch::Cause;
use switch::dialplan::Denied;
use switch::engine::{Command, Event, LegEvent, MediaCommand, Source, TransferKind};

#[test]
fn blind_transfer_to_another_extension() {
    let mut h = H::new();
    let (a, b) = h.connected_call("1001", "1002");
    h.take();
    h.input(LegEvent::BlindTransfer {
        leg: b,
        to: "1003".into(),
    });
    assert_eq!(h.hangups(), vec![(b, Cause::NORMAL_CLEARING)]);
    assert!(h.media().contains(&MediaCommand::Play {
        leg: a,
        source: Source::Tone(ToneKind::Ringback)
    }));
    let c = h.originated()[0].0;
    assert_eq!(h.sw.bridge_of(a), None);
    assert!(h.events.iter().any(|e| matches!(e,
        Event::Transferred { by, kind: TransferKind::Blind, .. } if *by == b)));
    h.input(LegEvent::Alerting { leg: c });
    h.input(LegEvent::Answered { leg: c });
    assert!(h.media().contains(&MediaCommand::StopPlay { leg: a }));
    assert!(h.sw.bridge_of(a).is_some());
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(c));
    assert!(h.cdrs().is_empty(), "the call goes on");
    h.input(LegEvent::Hangup {
        leg: c,
        cause: Cause::NORMAL_CLEARING,
    });
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 1);
    assert_eq!(cdrs[0].legs, vec![a, b, c]);
}

#[test]
fn blind_transfer_to_a_forbidden_number_fails_and_changes_nothing() {
    let mut h = H::new();
    let (a, b) = h.connected_call("1001", "1002");
    let bridge = h.sw.bridge_of(a);
    h.take();
    h.input(LegEvent::BlindTransfer {
        leg: b,
        to: "00044123456".into(),
    });
    assert_eq!(
        h.take(),
        vec![Command::TransferFailed {
            leg: b,
            cause: Cause::CALL_REJECTED
        }]
    );
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Denied {
            reason: Denied::International { .. },
            ..
        }
    )));
    assert_eq!(h.sw.bridge_of(a), bridge);
    assert_eq!(h.sw.bridge_of(b), bridge);
}

#[test]
fn transfer_from_a_leg_not_in_a_bridge_is_refused() {
    let mut h = H::new();
    let a = h.incoming(
        switch::dialplan::ChannelKind::Sip,
        switch::dialplan::OriginClass::Extension,
        "1002",
        "1001",
    );
    let r = h.sw.handle_input(
        h.now,
        LegEvent::BlindTransfer {
            leg: a,
            to: "1003".into(),
        },
    );
    assert_eq!(r, Err(switch::engine::SwitchError::NotBridged(a)));
}
