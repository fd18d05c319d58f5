//! Attended transfer: A–B, B holds A (music), B consults C on a second leg, then joins A
//! and C and leaves. Also the semi-attended case, where C is still ringing.
mod common;

use common::H;
use media_dsp::tones::ToneKind;
use switch::Cause;
use switch::engine::{Event, LegEvent, LegState, MediaCommand, Source, TransferKind};

#[test]
fn consult_then_join() {
    let mut h = H::new();
    let (a, b) = h.connected_call("1001", "1002");
    h.input(LegEvent::Hold { leg: b });
    assert!(h.media().contains(&MediaCommand::Play {
        leg: a,
        source: Source::MusicOnHold
    }));
    // B's phone places the consultation call on a new leg.
    let (b2, c) = h.connected_call("1002", "1003");
    h.input(LegEvent::AttendedTransfer {
        leg: b,
        consultation: b2,
    });
    assert!(h.hangups().contains(&(b, Cause::NORMAL_CLEARING)));
    assert!(h.hangups().contains(&(b2, Cause::NORMAL_CLEARING)));
    assert!(!h.hangups().iter().any(|(l, _)| *l == a || *l == c));
    assert!(h.media().contains(&MediaCommand::StopPlay { leg: a }));
    assert!(h.sw.bridge_of(a).is_some());
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(c));
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Transferred {
            kind: TransferKind::Attended,
            ..
        }
    )));
    // The consultation call is over (its own CDR); the transferred call goes on.
    assert_eq!(h.cdrs().len(), 1);
    assert_eq!(h.cdrs()[0].legs, vec![b2]);
    h.input(LegEvent::Hangup {
        leg: a,
        cause: Cause::NORMAL_CLEARING,
    });
    assert!(h.hangups().contains(&(c, Cause::NORMAL_CLEARING)));
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 2);
    assert_eq!(cdrs[1].legs, vec![a, b, c]);
    assert_eq!(h.sw.call_count(), 0);
}

#[test]
fn transfer_while_the_third_party_is_still_ringing() {
    let mut h = H::new();
    let (a, b) = h.connected_call("1001", "1002");
    h.input(LegEvent::Hold { leg: b });
    let b2 = h.incoming(
        switch::dialplan::ChannelKind::Sip,
        switch::dialplan::OriginClass::Extension,
        "1003",
        "1002",
    );
    let c = h.originated().last().unwrap().0;
    h.input(LegEvent::Alerting { leg: c });
    h.input(LegEvent::AttendedTransfer {
        leg: b,
        consultation: b2,
    });
    assert_eq!(
        h.sw.leg_state(c),
        Some(LegState::Alerting),
        "C keeps ringing"
    );
    assert!(h.media().contains(&MediaCommand::Play {
        leg: a,
        source: Source::Tone(ToneKind::Ringback)
    }));
    h.input(LegEvent::Answered { leg: c });
    assert!(h.sw.bridge_of(a).is_some());
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(c));
}

#[test]
fn attended_transfer_needs_the_first_call_on_hold() {
    let mut h = H::new();
    let (_a, b) = h.connected_call("1001", "1002");
    let (b2, _c) = h.connected_call("1002", "1003");
    let r = h.sw.handle_input(
        h.now,
        LegEvent::AttendedTransfer {
            leg: b,
            consultation: b2,
        },
    );
    assert_eq!(r, Err(switch::engine::SwitchError::HoldState(b)));
    let r = h.sw.handle_input(
        h.now,
        LegEvent::AttendedTransfer {
            leg: b,
            consultation: b,
        },
    );
    assert_eq!(r, Err(switch::engine::SwitchError::SameLeg));
}
