//! A queue closed by its business-hours calendar, from the stored configuration: calendar
//! `closed-now` (UTC, with yesterday, today and tomorrow as holidays, so it is closed
//! whatever the hour) is linked to queue `support` (702) in the store
//! (`Command::SetQueueCalendar`, schema step v10). The daemon builds the call center from
//! the store; the simulated carrier calls 702 and 701: the 702 caller leaves the queue at
//! once for the fallback (the closed message, then the line is cleared), while the 701
//! caller (no calendar) waits in `sales`. With a closed destination of its own (schema
//! step v13, `voicemail:702`) the caller goes there instead. Every wait is bounded.

mod common;
#[path = "common/e2e.rs"]
mod e2e;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Daemon;
use nix::sys::signal::Signal;
use store::desk::{BusinessHoursConfig, Holiday, OpenSpan};
use store::queuehours::ClosedDestination;
use store::{Command, CommandContext, Timestamp};

/// `YYYY-MM-DD` of a day number since 1970-01-01.
fn date(days: i64) -> String {
    let d = acd::schedule::Date::from_days(days);
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// Creates calendar `closed-now` and links queue `support` to it, closed to `closed`.
fn close_support(st: &mut store::Store, closed: Option<&str>) {
    let today = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 86_400,
    )
    .unwrap();
    let ctx = CommandContext {
        actor: "test",
        ts: Timestamp(1),
    };
    let hours = st
        .execute(
            ctx,
            &Command::CreateBusinessHours(BusinessHoursConfig {
                name: "closed-now".into(),
                utc_offset_min: 0,
                weekly: (0..7)
                    .map(|day| OpenSpan {
                        day,
                        open_min: 0,
                        close_min: 1439,
                    })
                    .collect(),
                holidays: (-1..=1)
                    .map(|d| Holiday {
                        date: date(today + d),
                        name: format!("closed {d}"),
                    })
                    .collect(),
            }),
        )
        .expect("calendar")
        .id;
    let support = st
        .queues()
        .unwrap()
        .into_iter()
        .find(|q| q.config.name == "support")
        .unwrap()
        .id;
    st.execute(
        ctx,
        &Command::SetQueueCalendar {
            queue: support,
            hours: Some(hours),
            closed: closed.map(|c| ClosedDestination::parse(c).unwrap()),
        },
    )
    .expect("link");
}

#[test]
fn a_queue_outside_its_stored_calendar_sends_callers_to_the_fallback() {
    let (dir, data) = e2e::seeded(|st| close_support(st, None));
    let mut d = Daemon::start_in(
        dir,
        data,
        &[
            "--demo",
            "--carrier-dids",
            "702,701",
            "--carrier-interval-ms",
            "1000",
            "--carrier-max-calls",
            "2",
            "--carrier-hold-ms",
            "20000",
            "--carrier-abandon-pct",
            "0",
            "--drain-secs",
            "1",
        ],
    );
    d.wait_notify("READY=1");
    let exit = d.wait_log(&["call center", "queue_exit", "support"]);
    assert!(exit.contains("Hangup"), "{exit}");
    d.wait_log(&["carrier: disconnected by the appliance"]);
    d.wait_log(&["call center", "queue_enter", "sales"]);
    // The sales caller (no calendar) is still waiting: no exit for sales.
    d.drain_log();
    assert!(
        !d.log
            .iter()
            .any(|l| l.contains("queue_exit") && l.contains("sales")),
        "{}",
        d.log.join("\n")
    );
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}

/// Schema step v13: `support` is closed to its own destination, voicemail box 702, not the
/// default (the closed message, then hang-up). The 702 caller leaves the queue for the
/// mailbox, stays on the line for 4 s and hangs up: the message is recorded for 702.
#[test]
fn a_closed_queue_sends_callers_to_its_own_closed_destination() {
    let (dir, data) = e2e::seeded(|st| close_support(st, Some("voicemail:702")));
    let mut d = Daemon::start_in(
        dir,
        data,
        &[
            "--demo",
            "--carrier-dids",
            "702",
            "--carrier-interval-ms",
            "1000",
            "--carrier-max-calls",
            "1",
            "--carrier-hold-ms",
            "4000",
            "--carrier-abandon-pct",
            "0",
            "--drain-secs",
            "1",
        ],
    );
    d.wait_notify("READY=1");
    let exit = d.wait_log(&["call center", "queue_exit", "support"]);
    assert!(
        exit.contains("Voicemail(") && exit.contains("702"),
        "{exit}"
    );
    assert!(!exit.contains("Hangup"), "{exit}");
    let vm = d.wait_log(&["voicemail message recorded"]);
    assert!(vm.contains("mailbox=702"), "{vm}");
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}
