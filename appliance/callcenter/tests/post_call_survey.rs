//! The post-call CSAT survey: a caller who came through an IVR flow with a `post_call`
//! node (the demo flow 8000) is not cleared when the agent hangs up: the switch hands the
//! leg back and the flow's survey asks for a score; the answer lands in the event log with
//! the queue and the agent, and the store's CSAT report counts it. A caller who dialled the
//! queue directly (no flow) is cleared with the agent as before.
#![allow(missing_docs)]
mod common;

use callcenter::{Event, LogKind};
use common::*;
use store::Store;
use store::Timestamp;
use store::events::{EventKind, NewEvent};
use store::reports::ReportParams;
use switch::Cause;
use switch::engine::{Command, LegEvent, LegState};

fn ts(i: switch::Instant) -> Timestamp {
    Timestamp(EPOCH_UNIX_S * 1_000_000 + i64::try_from(i.as_micros()).unwrap())
}

#[test]
fn the_caller_rates_the_agent_after_the_agent_hangs_up() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "8000");
    let [(call, req)] = h.lookups().try_into().expect("one look-up");
    h.c.answer_lookup(h.now, call, req.id, ivr::LookUpOutcome::NotFound)
        .unwrap();
    h.drain();
    h.finish_prompts(a, 1);
    h.advance(ms(500));
    h.input(LegEvent::Digits {
        leg: a,
        digits: "1".into(),
    });
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    h.advance(s(30));
    let mark = h.commands.len();
    h.hangup(b);

    // The caller stays, answered, and hears the survey question.
    assert_eq!(h.c.switch().leg_state(a), Some(LegState::Answered));
    assert!(
        !h.commands[mark..]
            .iter()
            .any(|c| matches!(c, Command::Hangup { leg, .. } if *leg == a)),
        "not cleared with the agent"
    );
    assert_eq!(h.prompts().last().map(String::as_str), Some("survey"));
    assert!(h.cti_names("2001").contains(&"ConnectionCleared"));
    h.finish_prompts(a, 1);
    h.input(LegEvent::Digits {
        leg: a,
        digits: "4".into(),
    });
    let survey = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::Survey)
        .expect("survey row");
    assert_eq!(survey.payload["score"], 4);
    assert_eq!(survey.queue.as_deref(), Some("sales"));
    assert_eq!(survey.agent.as_deref(), Some("2001"));
    // Thanks, goodbye, then the IVR clears the caller.
    assert_eq!(
        h.prompts().last().map(String::as_str),
        Some("survey-thanks")
    );
    h.finish_prompts(a, 1);
    assert_eq!(h.prompts().last().map(String::as_str), Some("goodbye"));
    h.finish_prompts(a, 1);
    assert!(
        h.commands
            .iter()
            .any(|c| matches!(c, Command::Hangup { leg, cause } if *leg == a && *cause == Cause::NORMAL_CLEARING))
    );
    h.advance(s(20));

    // The score in the store's CSAT report.
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("csat.db")).unwrap();
    let rows: Vec<NewEvent> = h
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Log(l) => Some(NewEvent {
                ts: ts(*t),
                kind: EventKind::parse(l.kind.as_str()).expect("a store event kind"),
                call_id: l.call.clone(),
                queue: l.queue.clone(),
                agent: l.agent.clone(),
                payload: l.payload.clone(),
            }),
            _ => None,
        })
        .collect();
    st.append_events(&rows).unwrap();
    let r = st
        .csat_reports(&ReportParams {
            from: ts(switch::Instant::ZERO),
            to: ts(h.now + s(1)),
            service_level_s: 20,
            short_abandon_s: 5,
        })
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (
            r[0].queue.as_str(),
            r[0].agent.as_str(),
            r[0].responses,
            r[0].satisfied
        ),
        ("sales", "2001", 1, 1)
    );
    assert_eq!(r[0].csat(), Some(1.0));
}

#[test]
fn a_caller_without_a_flow_is_cleared_with_the_agent() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "701");
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b });
    h.advance(s(10));
    h.hangup(b);
    assert!(
        h.commands
            .iter()
            .any(|c| matches!(c, Command::Hangup { leg, .. } if *leg == a))
    );
    assert!(!h.prompts().contains(&"survey".to_owned()));
}
