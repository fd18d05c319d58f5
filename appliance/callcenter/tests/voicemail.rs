//! Voicemail through the Center: the `voicemail` prompt, a beep, then the caller's leg is
//! recorded alone (`Command::RecordLeg`) until `#`, hang-up or the length limit; the
//! finished message is reported with its mailbox, caller, queue and length, and stored by
//! the host as a recording row plus the message row linking it (a real SQLite store).
//! Reached from an IVR voicemail node and from a queue's overflow destination.
#![allow(missing_docs)]
mod common;

use std::sync::Arc;

use callcenter::{Event, LogKind, VOICEMAIL_BEEP, VOICEMAIL_MAX};
use common::*;
use store::Store;
use store::Timestamp;
use store::recordings::{Legs, Recording, Voicemail};
use switch::engine::{Command, LegEvent, LegId, MediaCommand, RecordAction, Source};

const VM_FLOW: &str = r#"{
  "version": 1,
  "name": "main",
  "start": "vm",
  "language": "en",
  "nodes": {
    "vm": {"type": "voicemail", "mailbox": "702"}
  }
}"#;

fn record_cmds(h: &H, leg: LegId) -> Vec<RecordAction> {
    h.commands
        .iter()
        .filter_map(|c| match c {
            Command::RecordLeg { leg: l, action } if *l == leg => Some(*action),
            _ => None,
        })
        .collect()
}

fn recorded(h: &H) -> Vec<Event> {
    h.events
        .iter()
        .filter(|(_, e)| matches!(e, Event::VoicemailRecorded { .. }))
        .map(|(_, e)| e.clone())
        .collect()
}

#[test]
fn ivr_voicemail_prompt_beep_record_until_hash_then_stored() {
    let mut cfg = config();
    cfg.flows = vec![callcenter::FlowSpec {
        name: "main".into(),
        flow: Arc::new(ivr::parse_and_validate(VM_FLOW).unwrap()),
    }];
    let mut h = H::with(cfg);
    let a = h.incoming("13800138000", "8000");
    assert_eq!(h.prompts(), ["voicemail"]);
    assert!(
        record_cmds(&h, a).is_empty(),
        "nothing recorded during the prompt"
    );
    h.advance(s(2));
    h.input(LegEvent::PromptFinished { leg: a });
    assert!(h.commands.iter().any(|c| matches!(c,
        Command::Media(MediaCommand::Play { leg, source: Source::TestTone }) if *leg == a)));
    assert!(record_cmds(&h, a).is_empty(), "nor during the beep");
    h.advance(VOICEMAIL_BEEP);
    assert_eq!(record_cmds(&h, a), [RecordAction::Start]);
    h.advance(s(10));
    h.input(LegEvent::Digits {
        leg: a,
        digits: "#".into(),
    });
    assert_eq!(
        record_cmds(&h, a),
        [RecordAction::Start, RecordAction::Stop]
    );
    let [
        Event::VoicemailRecorded {
            call,
            leg,
            mailbox,
            caller,
            queue,
            duration,
            ..
        },
    ] = &recorded(&h)[..]
    else {
        panic!("one message: {:?}", recorded(&h));
    };
    assert_eq!(
        (mailbox.as_str(), caller.as_str(), *leg),
        ("702", "13800138000", a)
    );
    assert_eq!(*queue, None);
    assert_eq!(*duration, s(10));
    let row = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::Voicemail)
        .expect("voicemail row");
    assert_eq!(row.payload["ended_by"], "key");
    assert_eq!(row.payload["duration_ms"], 10_000);
    // Goodbye, then cleared.
    assert_eq!(h.prompts().last().map(String::as_str), Some("goodbye"));
    h.input(LegEvent::PromptFinished { leg: a });
    assert!(
        h.commands
            .iter()
            .any(|c| matches!(c, Command::Hangup { leg, .. } if *leg == a))
    );

    // The host stores it: the recording and the message linked to mailbox and caller.
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("vm.db")).unwrap();
    st.add_voicemail(
        &Recording {
            id: 0,
            call_id: call.0.to_string(),
            path: format!("/var/lib/appliance/recordings/{}-{}.wav", call.0, leg.0),
            legs: Legs::Caller,
            started: Timestamp::from_secs(EPOCH_UNIX_S),
            duration_ms: i64::try_from(duration.as_millis()).unwrap(),
            paused: vec![],
            retain_until: None,
            agent: None,
            queue: queue.clone(),
        },
        &Voicemail {
            id: 0,
            recording_id: 0,
            mailbox: mailbox.clone(),
            caller: caller.clone(),
            customer_id: None,
            queue: queue.clone(),
            data: serde_json::json!({}),
            heard: false,
        },
    )
    .unwrap();
    let m = st.voicemails("702", false).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        st.recording(m[0].recording_id)
            .unwrap()
            .unwrap()
            .duration_ms,
        10_000
    );
}

#[test]
fn queue_overflow_to_voicemail_and_the_caller_hangs_up_while_recording() {
    let mut cfg = config();
    cfg.queues[0].acd.max_wait = Some(s(30));
    cfg.queues[0].acd.overflow.destination = acd::Destination::Voicemail("701".into());
    let mut h = H::with(cfg);
    // Nobody logged in: the caller waits, then overflows to the queue's mailbox.
    let a = h.incoming("13900000000", "701");
    h.advance(s(29));
    assert!(h.prompts().is_empty());
    h.advance(s(2));
    assert_eq!(h.prompts(), ["voicemail"]);
    h.input(LegEvent::PromptFinished { leg: a });
    h.advance(VOICEMAIL_BEEP + s(20));
    h.hangup(a);
    assert_eq!(
        record_cmds(&h, a),
        [RecordAction::Start, RecordAction::Stop]
    );
    let [
        Event::VoicemailRecorded {
            mailbox,
            queue,
            duration,
            ..
        },
    ] = &recorded(&h)[..]
    else {
        panic!("one message");
    };
    assert_eq!(
        (mailbox.as_str(), queue.as_deref(), *duration),
        ("701", Some("sales"), s(20))
    );
    assert!(
        !h.prompts().contains(&"goodbye".to_owned()),
        "nobody to say it to"
    );
    assert!(!h.log_kinds().contains(&LogKind::QueueAbandon));
}

#[test]
fn the_recording_stops_at_the_length_limit() {
    let mut cfg = config();
    cfg.flows = vec![callcenter::FlowSpec {
        name: "main".into(),
        flow: Arc::new(ivr::parse_and_validate(VM_FLOW).unwrap()),
    }];
    let mut h = H::with(cfg);
    let a = h.incoming("13800138000", "8000");
    h.input(LegEvent::PromptFinished { leg: a });
    h.advance(VOICEMAIL_BEEP);
    h.advance(VOICEMAIL_MAX + s(5));
    assert_eq!(
        record_cmds(&h, a),
        [RecordAction::Start, RecordAction::Stop]
    );
    let [Event::VoicemailRecorded { duration, .. }] = &recorded(&h)[..] else {
        panic!("one message");
    };
    assert_eq!(*duration, VOICEMAIL_MAX);
}

/// The host reports silence on the recorded leg: the message ends there (`ended_by`
/// `silence`), is reported with its length, and the caller hears goodbye. A report for a
/// leg that is not recording a message (before the beep, or after the end) changes nothing.
#[test]
fn silence_reported_by_the_host_ends_the_message() {
    let mut cfg = config();
    cfg.flows = vec![callcenter::FlowSpec {
        name: "main".into(),
        flow: Arc::new(ivr::parse_and_validate(VM_FLOW).unwrap()),
    }];
    let mut h = H::with(cfg);
    let a = h.incoming("13800138000", "8000");
    h.advance(s(2));
    assert!(!h.c.voicemail_silence(h.now, a), "during the prompt");
    h.input(LegEvent::PromptFinished { leg: a });
    h.advance(VOICEMAIL_BEEP);
    assert_eq!(record_cmds(&h, a), [RecordAction::Start]);
    h.advance(s(7));
    assert!(h.c.voicemail_silence(h.now, a));
    h.drain();
    assert_eq!(
        record_cmds(&h, a),
        [RecordAction::Start, RecordAction::Stop]
    );
    let [Event::VoicemailRecorded { duration, .. }] = &recorded(&h)[..] else {
        panic!("one message: {:?}", recorded(&h));
    };
    assert_eq!(*duration, s(7));
    let row = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::Voicemail)
        .expect("voicemail row");
    assert_eq!(row.payload["ended_by"], "silence");
    assert_eq!(h.prompts().last().map(String::as_str), Some("goodbye"));
    assert!(!h.c.voicemail_silence(h.now, a), "already ended");
    h.drain();
    assert_eq!(recorded(&h).len(), 1);
}
