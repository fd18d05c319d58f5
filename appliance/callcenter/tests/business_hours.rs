//! Business hours and holidays from the store, consulted by the Center in simulated time.
//! A calendar `main` (Mon–Fri 09:00–18:00 at UTC+8, holiday Tuesday 2026-12-01) is created through
//! the store's validated command, read back and turned into a [`callcenter::Calendar`]:
//! - queue `sales` names it: callers inside the hours reach an agent; on Sunday, after
//!   18:00 and on the holiday they go to the queue's closed destination (extension 2009)
//!   with a `queue_exit` row, and no agent is rung;
//! - an IVR time condition `{"open": "main"}` picks the open or the closed branch.
//!
//! `Instant::ZERO` is Sunday 2026-11-29 09:00:00 local.
#![allow(missing_docs)]
mod common;

use std::sync::Arc;

use callcenter::{Calendar, LogKind};
use common::*;
use store::desk::{BusinessHoursConfig, Holiday, OpenSpan};
use store::{Command, CommandContext, Store, Timestamp};

fn calendar_from_store() -> Calendar {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("bh.db")).unwrap();
    let ctx = CommandContext {
        actor: "test",
        ts: Timestamp(1),
    };
    st.execute(
        ctx,
        &Command::CreateBusinessHours(BusinessHoursConfig {
            name: "main".into(),
            utc_offset_min: 480,
            weekly: (0..5)
                .map(|day| OpenSpan {
                    day,
                    open_min: 9 * 60,
                    close_min: 18 * 60,
                })
                .collect(),
            holidays: vec![Holiday {
                date: "2026-12-01".into(),
                name: "Company day".into(),
            }],
        }),
    )
    .unwrap();
    let rows = st.business_hours().unwrap();
    let c = &rows[0].config;
    let weekly: Vec<(u8, u16, u16)> = c
        .weekly
        .iter()
        .map(|s| (s.day, s.open_min, s.close_min))
        .collect();
    let holidays: Vec<&str> = c.holidays.iter().map(|h| h.date.as_str()).collect();
    Calendar::from_rows(&c.name, c.utc_offset_min, &weekly, &holidays).unwrap()
}

fn h_with_calendar() -> H {
    let mut cfg = config();
    cfg.calendars = vec![calendar_from_store()];
    cfg.queues[0].calendar = Some("main".into());
    cfg.queues[0].acd.overflow.closed = Some(acd::Destination::Extension("2009".into()));
    H::with(cfg)
}

/// Moves the clock to `hours` after Sunday 09:00 (timers fire on the way).
fn at_hour(h: &mut H, hours: u64) {
    let target = switch::Instant::ZERO + s(hours * 3600);
    let d = target.saturating_duration_since(h.now);
    h.advance(d);
}

#[test]
fn a_queue_closed_by_its_calendar_sends_callers_to_the_closed_destination() {
    let mut h = h_with_calendar();
    h.login_ready("2001");
    // Sunday 09:00:01: closed (weekend).
    h.incoming("111", "701");
    assert!(h.legs_to("2001").is_empty(), "no agent rung");
    assert_eq!(h.legs_to("2009").len(), 1, "the closed destination");
    let exit = h
        .logs()
        .into_iter()
        .rfind(|l| l.kind == LogKind::QueueExit)
        .expect("queue_exit");
    assert!(exit.payload["to"].as_str().unwrap().contains("2009"));

    // Monday 10:00: open.
    at_hour(&mut h, 25);
    let caller = h.incoming("222", "701");
    assert_eq!(h.legs_to("2001").len(), 1);
    let a = h.last_leg_to("2001");
    h.input(switch::engine::LegEvent::Answered { leg: a });
    h.hangup(caller);
    h.advance(s(10)); // wrap-up
    assert_eq!(h.legs_to("2009").len(), 1);

    // Monday 18:30: closed.
    at_hour(&mut h, 33);
    h.advance(s(30 * 60));
    h.incoming("333", "701");
    assert_eq!(h.legs_to("2001").len(), 1);
    assert_eq!(h.legs_to("2009").len(), 2);

    // Tuesday 10:00, a holiday: closed all day.
    at_hour(&mut h, 49);
    h.incoming("444", "701");
    assert_eq!(h.legs_to("2001").len(), 1);
    assert_eq!(h.legs_to("2009").len(), 3);

    // Wednesday 10:00: open again.
    at_hour(&mut h, 73);
    h.incoming("555", "701");
    assert_eq!(h.legs_to("2001").len(), 2);
    assert_eq!(h.legs_to("2009").len(), 3);
}

#[test]
fn a_queue_naming_an_unknown_calendar_is_refused() {
    let mut cfg = config();
    cfg.queues[0].calendar = Some("nope".into());
    assert!(matches!(
        callcenter::Center::new(cfg, 1),
        Err(callcenter::CenterError::Config(
            callcenter::ConfigProblem::UnknownCalendar
        ))
    ));
    assert_eq!(
        Calendar::from_rows("x", 480, &[(7, 0, 60)], &[]),
        Err(callcenter::ConfigProblem::BadCalendar)
    );
    assert_eq!(
        Calendar::from_rows("x", 480, &[], &["2026-1-01"]),
        Err(callcenter::ConfigProblem::BadCalendar)
    );
    // Not a day of the calendar: refused, not kept as a holiday that never comes.
    assert_eq!(
        Calendar::from_rows("x", 480, &[], &["2026-02-30"]),
        Err(callcenter::ConfigProblem::BadCalendar)
    );
    assert!(Calendar::from_rows("x", 480, &[], &["2028-02-29"]).is_ok());
}

const OPEN_FLOW: &str = r#"{
  "version": 1,
  "name": "hours",
  "start": "check",
  "language": "en",
  "nodes": {
    "check": {
      "type": "condition",
      "branches": [{"when": {"open": "main"}, "next": "open"}],
      "otherwise": "closed"
    },
    "open": {"type": "hangup", "prompts": ["welcome"]},
    "closed": {"type": "hangup", "prompts": ["closed"]}
  }
}"#;

#[test]
fn an_ivr_condition_names_the_calendar() {
    let mut cfg = config();
    cfg.calendars = vec![calendar_from_store()];
    cfg.flows = vec![callcenter::FlowSpec {
        name: "main".into(),
        flow: Arc::new(ivr::parse_and_validate(OPEN_FLOW).unwrap()),
    }];
    let mut h = H::with(cfg);
    // Sunday 09:00:01: closed.
    h.incoming("111", "8000");
    assert_eq!(h.prompts(), ["closed"]);
    // Monday 11:00: open.
    at_hour(&mut h, 26);
    h.incoming("222", "8000");
    assert_eq!(h.prompts(), ["closed", "welcome"]);
    // Monday 20:00: closed.
    at_hour(&mut h, 35);
    h.incoming("333", "8000");
    assert_eq!(h.prompts(), ["closed", "welcome", "closed"]);
    // Tuesday 11:00, the holiday: closed.
    at_hour(&mut h, 50);
    h.incoming("444", "8000");
    assert_eq!(h.prompts(), ["closed", "welcome", "closed", "closed"]);
    // Wednesday 11:00: open.
    at_hour(&mut h, 74);
    h.incoming("555", "8000");
    assert_eq!(
        h.prompts(),
        ["closed", "welcome", "closed", "closed", "welcome"]
    );
}

/// A queue's closed destination may be an IVR flow (`ivr:NAME` in the store): on Sunday
/// the caller leaves `sales` for flow `hours`, which hears the calendar closed; no agent
/// is rung.
#[test]
fn a_closed_queue_can_send_callers_to_an_ivr_flow() {
    let mut cfg = config();
    cfg.calendars = vec![calendar_from_store()];
    cfg.flows.push(callcenter::FlowSpec {
        name: "hours".into(),
        flow: Arc::new(ivr::parse_and_validate(OPEN_FLOW).unwrap()),
    });
    cfg.queues[0].calendar = Some("main".into());
    cfg.queues[0].acd.overflow.closed = Some(acd::Destination::Ivr("hours".into()));
    let mut h = H::with(cfg);
    h.login_ready("2001");
    h.incoming("111", "701");
    assert!(h.legs_to("2001").is_empty(), "no agent rung");
    let logs = h.logs();
    let exit = logs
        .iter()
        .rfind(|l| l.kind == LogKind::QueueExit)
        .expect("queue_exit");
    assert!(exit.payload["to"].as_str().unwrap().contains("hours"));
    assert!(
        logs.iter()
            .any(|l| l.kind == LogKind::IvrEnter && l.payload["flow"] == "hours"),
        "{logs:?}"
    );
    assert_eq!(h.prompts(), ["closed"]);
}
