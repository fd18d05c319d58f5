//! Business hours and holidays, from `now` plus the configured UTC offset.
#![allow(missing_docs)]
mod common;

use acd::schedule::{Closed, Date, OpenHours, Schedule, Weekday};
use acd::{Action, Destination, Output, OverflowReason, Strategy};
use common::*;

/// 2026-11-23 00:00 Beijing (UTC+8) is a Monday = 2026-11-22 16:00 UTC.
const MONDAY_MIDNIGHT_CST: i64 = 1_795_363_200;

fn config() -> acd::Config {
    let mut cfg = one_queue(Strategy::LongestIdle, 1);
    cfg.epoch_unix_s = MONDAY_MIDNIGHT_CST;
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    cfg.queues[0].schedule = Some(Schedule {
        utc_offset_min: 480,
        open: weekdays
            .iter()
            .map(|&day| OpenHours {
                day,
                start_min: 9 * 60,
                end_min: 18 * 60,
            })
            .collect(),
        holidays: vec![Date {
            year: 2026,
            month: 11,
            day: 25,
        }],
    });
    cfg.queues[0].overflow.closed = Some(Destination::Voicemail("800".into()));
    cfg
}

fn closed_reason(out: &[Output]) -> Option<Closed> {
    decisions(out).into_iter().find_map(|d| match d.action {
        Action::Overflow {
            reason: OverflowReason::Closed(c),
            destination,
        } => {
            assert_eq!(destination, Destination::Voicemail("800".into()));
            Some(c)
        }
        _ => None,
    })
}

#[test]
fn open_in_hours_closed_outside_and_on_holidays() {
    let mut h = Harness::new(config());
    h.advance(s(10 * 3600)); // Monday 10:00 local
    let (c, out) = h.arrive(Q1);
    assert_eq!(closed_reason(&out), None);
    assert_eq!(h.acd.waiting(Q1), vec![c]);
    h.advance(s(9 * 3600)); // Monday 19:00
    let (c2, out) = h.arrive(Q1);
    assert_eq!(
        closed_reason(&out),
        Some(Closed::OutsideHours {
            day: Weekday::Mon,
            minute: 19 * 60
        })
    );
    assert!(out.contains(&Output::Overflow {
        call: c2,
        destination: Destination::Voicemail("800".into())
    }));
    h.advance(s(39 * 3600)); // Wednesday 10:00, a holiday
    let (_, out) = h.arrive(Q1);
    assert_eq!(
        closed_reason(&out),
        Some(Closed::Holiday(Date {
            year: 2026,
            month: 11,
            day: 25
        }))
    );
    h.advance(s(24 * 3600)); // Thursday 10:00
    let (_, out) = h.arrive(Q1);
    assert_eq!(closed_reason(&out), None);
    h.advance(s(2 * 24 * 3600)); // Saturday 10:00
    let (_, out) = h.arrive(Q1);
    assert_eq!(
        closed_reason(&out),
        Some(Closed::OutsideHours {
            day: Weekday::Sat,
            minute: 600
        })
    );
}
