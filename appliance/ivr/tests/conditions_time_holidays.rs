//! Conditions: time of day (with a window across midnight), weekdays, a holiday calendar and
//! caller data, evaluated on the local wall clock the host passes in.

mod common;

use common::{Host, flow};
use ivr::{Action, HangupReason, LocalTime, Target};

const HOURS: &str = r#"{
  "version": 1, "name": "t", "start": "when",
  "nodes": {
    "when": {"type": "condition", "branches": [
        {"when": {"dates": ["2026-10-01", "2027-01-01"]}, "next": "holiday"},
        {"when": {"all": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"]}, {"time": {"from": "09:00", "to": "18:00"}}]}, "next": "open"},
        {"when": {"time": {"from": "22:00", "to": "06:00"}}, "next": "night"}
      ], "otherwise": "closed"},
    "open": {"type": "transfer", "target": {"queue": "701"}},
    "night": {"type": "transfer", "target": {"queue": "799"}},
    "holiday": {"type": "voicemail", "mailbox": "700"},
    "closed": {"type": "hangup"}
  }
}"#;

fn route(y: i32, mo: u8, d: u8, h: u8, mi: u8) -> Action {
    let host = Host::with_flow(
        flow(HOURS),
        "1",
        LocalTime::new(y, mo, d, h, mi, 0).unwrap(),
    );
    host.log.last().cloned().unwrap()
}

fn queue(a: &Action) -> Option<&str> {
    match a {
        Action::Transfer {
            target: Target::Queue(q),
            ..
        } => Some(q),
        _ => None,
    }
}

#[test]
fn weekday_office_hours_edges() {
    // 2026-11-24 is a Tuesday.
    assert_eq!(LocalTime::new(2026, 11, 24, 0, 0, 0).unwrap().weekday(), 1);
    assert_eq!(queue(&route(2026, 11, 24, 9, 0)), Some("701"));
    assert_eq!(queue(&route(2026, 11, 24, 17, 59)), Some("701"));
    assert_eq!(
        route(2026, 11, 24, 18, 0),
        Action::Hangup(HangupReason::Flow)
    );
    assert_eq!(
        route(2026, 11, 24, 8, 59),
        Action::Hangup(HangupReason::Flow)
    );
}

#[test]
fn weekend_is_closed_in_the_day() {
    // 2026-11-28 is a Saturday.
    assert_eq!(LocalTime::new(2026, 11, 28, 0, 0, 0).unwrap().weekday(), 5);
    assert_eq!(
        route(2026, 11, 28, 10, 0),
        Action::Hangup(HangupReason::Flow)
    );
}

#[test]
fn night_window_wraps_midnight() {
    assert_eq!(queue(&route(2026, 11, 28, 23, 30)), Some("799"));
    assert_eq!(queue(&route(2026, 11, 29, 5, 59)), Some("799"));
    assert_eq!(
        route(2026, 11, 29, 6, 0),
        Action::Hangup(HangupReason::Flow)
    );
}

#[test]
fn holidays_win_even_in_office_hours() {
    // 2026-10-01 is a Thursday, 10:00.
    assert!(
        matches!(route(2026, 10, 1, 10, 0), Action::Voicemail { ref mailbox, .. } if mailbox == "700")
    );
    assert!(matches!(route(2027, 1, 1, 23, 0), Action::Voicemail { .. }));
    assert_eq!(queue(&route(2026, 10, 8, 10, 0)), Some("701"));
}

#[test]
fn leap_day_and_bad_dates() {
    assert!(LocalTime::new(2028, 2, 29, 0, 0, 0).is_ok());
    assert!(LocalTime::new(2026, 2, 29, 0, 0, 0).is_err());
    assert!(LocalTime::new(2026, 4, 31, 0, 0, 0).is_err());
    assert!(LocalTime::new(2026, 1, 1, 24, 0, 0).is_err());
}

const VIP: &str = r#"{
  "version": 1, "name": "t", "start": "vip",
  "nodes": {
    "vip": {"type": "condition", "branches": [
        {"when": {"var": {"var": "customer.vip", "op": "eq", "value": "true"}}, "next": "vipq"},
        {"when": {"var": {"var": "caller", "op": "prefix", "value": "010"}}, "next": "beijing"},
        {"when": {"not": {"var": {"var": "score", "op": "absent"}}}, "next": "scored"}
      ], "otherwise": "normal"},
    "vipq": {"type": "transfer", "target": {"queue": "703"}},
    "beijing": {"type": "transfer", "target": {"queue": "704"}},
    "scored": {"type": "transfer", "target": {"queue": "705"}},
    "normal": {"type": "transfer", "target": {"queue": "701"}}
  }
}"#;

#[test]
fn caller_data_comparisons() {
    let f = flow(VIP);
    let run = |caller: &str, vars: &[(&str, &str)]| {
        let mut c = ivr::Call::new(f.clone(), caller, "8000");
        for (k, v) in vars {
            c.set_var(k, v);
        }
        c.start(tdm::Instant::ZERO, common::office_hours());
        match c.poll_action() {
            Some(Action::Transfer {
                target: Target::Queue(q),
                ..
            }) => q,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(run("0755123", &[("customer.vip", "true")]), "703");
    assert_eq!(run("01012345678", &[("customer.vip", "false")]), "704");
    assert_eq!(run("0755123", &[("score", "3")]), "705");
    assert_eq!(run("0755123", &[]), "701");
}
