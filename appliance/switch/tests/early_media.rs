//! Early media: an outgoing leg with in-band information (183, PROGRESS #8) is bridged to
//! the caller before answer; answer keeps that bridge; a failure after the announcement
//! clears the caller (or fails over) without the bridge getting in the way.
mod common;

use common::H;
use switch::Cause;
use switch::dialplan::{ChannelKind, OriginClass};
use switch::engine::{Command, LegEvent, MediaCommand, SwitchError};

#[test]
fn progress_bridges_before_answer_and_answer_keeps_the_bridge() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    let b = h.originated()[0].0;
    h.input(LegEvent::Progress { leg: b });
    assert!(h.commands.contains(&Command::Progress { leg: a }));
    let early = h.sw.bridge_of(a).expect("early media bridge");
    assert_eq!(h.sw.bridge_of(b), Some(early));
    // No hold, transfer or recording on early media.
    assert_eq!(
        h.sw.handle_input(h.now, LegEvent::Hold { leg: a }),
        Err(SwitchError::NotBridged(a))
    );
    let bridges_before = h
        .media()
        .iter()
        .filter(|m| matches!(m, MediaCommand::Bridge { .. }))
        .count();
    h.input(LegEvent::Answered { leg: b });
    assert!(h.commands.contains(&Command::Answer { leg: a }));
    assert_eq!(h.sw.bridge_of(a), Some(early));
    let bridges_after = h
        .media()
        .iter()
        .filter(|m| matches!(m, MediaCommand::Bridge { .. }))
        .count();
    assert_eq!(bridges_before, bridges_after, "no second bridge");
    h.input(LegEvent::Hold { leg: a });
}

#[test]
fn failure_after_an_announcement_passes_the_cause_back() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    let b = h.originated()[0].0;
    h.input(LegEvent::Progress { leg: b });
    h.input(LegEvent::Hangup {
        leg: b,
        cause: Cause::UNALLOCATED_NUMBER,
    });
    assert_eq!(h.hangups(), vec![(a, Cause::UNALLOCATED_NUMBER)]);
    assert_eq!(h.cdrs().len(), 1);
}

#[test]
fn congestion_after_progress_still_fails_over() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::Sip,
        OriginClass::Extension,
        "0301234567",
        "1001",
    );
    let b = h.originated()[0].0;
    h.input(LegEvent::Progress { leg: b });
    h.input(LegEvent::Hangup {
        leg: b,
        cause: Cause::SWITCHING_EQUIPMENT_CONGESTION,
    });
    assert!(h.hangups().is_empty());
    assert_eq!(h.sw.bridge_of(a), None);
    let c = h.originated()[1].0;
    h.input(LegEvent::Answered { leg: c });
    assert!(h.sw.bridge_of(a).is_some());
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(c));
}
