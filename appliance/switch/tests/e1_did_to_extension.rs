//! An E1 call in: the called number maps (DID) to an extension, which rings, answers, is
//! bridged, hangs up; one CDR with the right times and cause.
mod common;

use std::time::Duration;

use common::H;
use switch::Cause;
use switch::dialplan::{ChannelKind, OriginClass, Target};
use switch::engine::{Command, Destination, Event, LegEvent, LegState, MediaCommand};

#[test]
fn did_rings_extension_answers_bridges_and_ends_with_one_cdr() {
    let mut h = H::new();
    let start = h.now;
    let a = h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5551002",
        "0123456789",
    );
    let orig = h.originated();
    assert_eq!(orig.len(), 1);
    let (b, dest, called, calling) = orig[0].clone();
    assert_eq!(
        dest,
        Destination::Extension {
            name: "1002".into(),
            endpoint: "ep-1002".into()
        }
    );
    assert_eq!(called, "1002");
    assert_eq!(calling.number.as_deref(), Some("0123456789"));

    h.advance(Duration::from_millis(300));
    h.input(LegEvent::Alerting { leg: b });
    assert!(h.commands.contains(&Command::Alert { leg: a }));
    assert!(!h.commands.contains(&Command::Answer { leg: a }));

    h.advance(Duration::from_secs(4));
    let answer_at = h.now;
    h.input(LegEvent::Answered { leg: b });
    assert!(h.commands.contains(&Command::Answer { leg: a }));
    let bridges: Vec<_> = h
        .media()
        .into_iter()
        .filter_map(|m| match m {
            MediaCommand::Bridge { legs, .. } => Some(legs),
            _ => None,
        })
        .collect();
    assert_eq!(bridges, vec![vec![a, b]]);
    assert_eq!(h.sw.bridge_of(a), h.sw.bridge_of(b));
    assert_eq!(h.sw.leg_state(a), Some(LegState::Answered));

    h.advance(Duration::from_secs(60));
    h.input(LegEvent::Hangup {
        leg: a,
        cause: Cause::NORMAL_CLEARING,
    });
    assert_eq!(h.hangups(), vec![(b, Cause::NORMAL_CLEARING)]);
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 1);
    let cdr = &cdrs[0];
    assert_eq!(cdr.caller_leg, a);
    assert_eq!(cdr.called, "5551002");
    assert_eq!(cdr.target, Some(Target::Extension("1002".into())));
    assert_eq!(cdr.start, start);
    assert_eq!(cdr.answer, Some(answer_at));
    assert_eq!(cdr.ring, Duration::from_millis(4300));
    assert_eq!(cdr.talk, Duration::from_secs(60));
    assert_eq!(cdr.cause, Cause::NORMAL_CLEARING);
    assert_eq!(cdr.legs, vec![a, b]);
    assert_eq!(h.sw.call_count(), 0);
    // The event log saw the whole story in order.
    let kinds: Vec<&str> = h
        .events
        .iter()
        .map(|e| match e {
            Event::CallStarted { .. } => "start",
            Event::Routed { .. } => "routed",
            Event::LegOriginated { .. } => "originated",
            Event::LegAlerting { .. } => "alerting",
            Event::LegAnswered { .. } => "answered",
            Event::Bridged { .. } => "bridged",
            Event::LegEnded { .. } => "ended",
            Event::Unbridged { .. } => "unbridged",
            Event::Cdr(_) => "cdr",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "start",
            "routed",
            "originated",
            "alerting",
            "answered",
            "answered",
            "bridged",
            "ended",
            "unbridged",
            "ended",
            "cdr"
        ]
    );
}

#[test]
fn unknown_did_is_cleared_unallocated_with_a_cdr() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5559999",
        "0123",
    );
    assert_eq!(h.hangups(), vec![(a, Cause::UNALLOCATED_NUMBER)]);
    let cdrs = h.cdrs();
    assert_eq!(cdrs.len(), 1);
    assert_eq!(cdrs[0].cause, Cause::UNALLOCATED_NUMBER);
    assert_eq!(cdrs[0].answer, None);
}

#[test]
fn unanswered_extension_times_out_with_no_answer() {
    let mut h = H::new();
    let a = h.incoming(
        ChannelKind::E1Bchannel,
        OriginClass::Trunk,
        "5551001",
        "0123",
    );
    let b = h.originated()[0].0;
    h.advance(Duration::from_secs(1));
    h.input(LegEvent::Alerting { leg: b });
    h.advance(Duration::from_secs(29));
    assert!(h.hangups().is_empty());
    h.advance(Duration::from_secs(2));
    assert_eq!(
        h.hangups(),
        vec![(b, Cause::NO_ANSWER), (a, Cause::NO_ANSWER)]
    );
    assert_eq!(h.cdrs().len(), 1);
    assert_eq!(h.cdrs()[0].cause, Cause::NO_ANSWER);
}
