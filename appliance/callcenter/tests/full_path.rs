//! The whole path of issue 6: a caller dials 8000, the IVR looks the caller up and plays the
//! menu, the caller presses 1, the call queues at 701 (sales), agent 2001 is rung, answers,
//! talks, hangs up (the caller is handed back for the post-call survey and hangs up), wraps
//! up (the CTI model's timer) and is ready again. Checks the
//! commands to the channels and media path, the CSTA events on the agent's desktop, and
//! the event-log rows.
#![allow(missing_docs)]
mod common;

use std::collections::BTreeMap;

use callcenter::LogKind;
use common::*;
use switch::engine::{Command, LegEvent, MediaCommand, Source};

#[test]
fn caller_to_ivr_to_queue_to_agent_to_wrapup_to_ready() {
    let mut h = H::new();
    h.login_ready("2001");
    let a = h.incoming("13900000000", "8000");
    assert_eq!(h.commands[0], Command::Answer { leg: a });

    // The flow's first step: who is calling? The host answers from the CRM.
    let [(call, req)] = h.lookups().try_into().expect("one look-up");
    assert_eq!(req.kind, ivr::LookupKind::CustomerByPhone);
    assert_eq!(req.key, "13900000000");
    let found = BTreeMap::from([
        ("id".to_owned(), "42".to_owned()),
        ("name".to_owned(), "Han Meimei".to_owned()),
        ("vip".to_owned(), "false".to_owned()),
    ]);
    h.c.answer_lookup(h.now, call, req.id, ivr::LookUpOutcome::Found(found))
        .unwrap();
    h.drain();
    assert_eq!(h.prompts(), ["welcome"]);
    h.finish_prompts(a, 1);
    assert_eq!(h.prompts(), ["welcome", "main-menu"]);

    // Presses 1 during the menu: sales.
    h.advance(ms(800));
    h.input(LegEvent::Digits {
        leg: a,
        digits: "1".into(),
    });
    let b = h.last_leg_to("2001");
    h.input(LegEvent::Alerting { leg: b });
    h.advance(s(3));
    h.input(LegEvent::Answered { leg: b });
    assert!(h.c.switch().bridge_of(a).is_some());
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b));
    h.advance(s(60));
    h.hangup(b);
    // The flow has a post-call survey: the caller is handed back and asked; here they
    // hang up instead of answering.
    assert_eq!(h.prompts().last().map(String::as_str), Some("survey"));
    h.hangup(a);
    h.advance(s(9));
    let before_ready = h.cti_names("2001");
    h.advance(s(2));

    // Commands, in order (the media path's and the channels').
    let seq: Vec<Command> = h
        .commands
        .iter()
        .filter(|c| {
            !matches!(
                c,
                Command::Media(MediaCommand::StopPlay { .. } | MediaCommand::Unbridge { .. })
            )
        })
        .cloned()
        .collect();
    let expect = |c: &Command| {
        seq.iter()
            .position(|x| x == c)
            .unwrap_or_else(|| panic!("{c:?} in {seq:#?}"))
    };
    let answer = expect(&Command::Answer { leg: a });
    let moh = expect(&Command::Media(MediaCommand::Play {
        leg: a,
        source: Source::MusicOnHold,
    }));
    let ring = seq
        .iter()
        .position(|c| matches!(c, Command::Originate { leg, .. } if *leg == b))
        .unwrap();
    let bridge = seq
        .iter()
        .position(|c| matches!(c, Command::Media(MediaCommand::Bridge { legs, .. }) if legs == &vec![a, b]))
        .unwrap();
    let survey = seq
        .iter()
        .position(|c| matches!(c, Command::PlayPrompt { leg, prompt, .. } if *leg == a && prompt == "survey"))
        .unwrap();
    let first_prompt = seq
        .iter()
        .position(|c| matches!(c, Command::PlayPrompt { leg, prompt, language } if *leg == a && prompt == "welcome" && language == "zh"))
        .unwrap();
    assert!(
        answer < first_prompt
            && first_prompt < moh
            && moh < ring
            && ring < bridge
            && bridge < survey
    );
    assert_eq!(
        h.commands
            .iter()
            .filter(|c| matches!(c, Command::Originate { .. }))
            .count(),
        1
    );

    // The agent's desktop.
    assert_eq!(
        before_ready,
        [
            "AgentLoggedOn",
            "AgentReady",
            "Delivered",
            "Established",
            "ConnectionCleared",
            "AgentWorkingAfterCall",
        ]
    );
    assert_eq!(h.cti_names("2001").last(), Some(&"AgentReady"));
    let pop = h
        .cti
        .iter()
        .find_map(|r| match &r.event {
            cti::CstaEvent::Delivered { screen_pop, .. } => Some(screen_pop.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(pop.customer.as_ref().map(|c| c.id), Some(42));
    assert_eq!(pop.queue, Some(cti::DeviceId::new("701")));
    assert_eq!(pop.ivr_data["customer.name"], "Han Meimei");
    assert_eq!(pop.ivr_data["caller"], "13900000000");

    // The event log: one visit, answered by 2001, completed, wrap-up ended.
    let logs = h.logs();
    let kinds = h.log_kinds();
    // The flow twice: before the queue, and the post-call survey the caller left.
    assert_eq!(kinds.iter().filter(|x| **x == LogKind::IvrEnter).count(), 2);
    assert_eq!(kinds.iter().filter(|x| **x == LogKind::IvrExit).count(), 2);
    for k in [
        LogKind::CallStart,
        LogKind::CallAnswer,
        LogKind::QueueEnter,
        LogKind::RoutingDecision,
        LogKind::QueueOffer,
        LogKind::QueueConnect,
        LogKind::CallComplete,
        LogKind::CallEnd,
        LogKind::AgentWrapupEnd,
    ] {
        assert_eq!(
            kinds.iter().filter(|x| **x == k).count(),
            1,
            "{k:?} in {kinds:?}"
        );
    }
    let pos = |k| kinds.iter().position(|x| *x == k).unwrap();
    assert!(pos(LogKind::IvrExit) < pos(LogKind::QueueEnter));
    assert!(pos(LogKind::QueueConnect) < pos(LogKind::CallComplete));
    assert!(pos(LogKind::CallComplete) < pos(LogKind::AgentWrapupEnd));
    let connect = logs
        .iter()
        .find(|l| l.kind == LogKind::QueueConnect)
        .unwrap();
    assert_eq!(connect.queue.as_deref(), Some("sales"));
    assert_eq!(connect.agent.as_deref(), Some("2001"));
    // Wrap-up lasted the agent's 10 s.
    let at = |k| {
        h.events
            .iter()
            .find(|(_, e)| matches!(e, callcenter::Event::Log(l) if l.kind == k))
            .unwrap()
            .0
    };
    assert_eq!(
        at(LogKind::AgentWrapupEnd) - at(LogKind::CallComplete),
        s(10)
    );
    assert_eq!(h.c.call_count(), 0);
    assert_eq!(
        h.c.acd().agent_snapshot(acd::AgentId(2001)).unwrap().state,
        acd::AgentState::Ready
    );
}
