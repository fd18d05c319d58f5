//! The journal writer (src/journal.rs) through the real daemon: the event-log rows and the
//! CDR of a call are committed while the daemon runs (another connection sees them without
//! a stop), and at SIGTERM the writer reports what it committed. 1001 calls the registered
//! 1002 and cancels while it rings (the shortest complete call with a CDR). Skipped when
//! sipp is missing; every wait is bounded.

mod common;

use std::time::{Duration, Instant};

use common::phones::{Phone, demo_daemon, have_sipp, register, stop};
use common::sipp::{finish, free_port};
use store::events::{EventFilter, EventKind};

#[test]
fn a_calls_rows_are_committed_while_the_daemon_runs() {
    if !have_sipp() {
        return;
    }
    let (mut d, sip) = demo_daemon();
    let b_port = free_port();
    register(&mut d, &sip, "1002", b_port);
    let b = Phone::new(&sip, "phone_rings_cancelled.xml", "1002", "1002")
        .port(b_port)
        .rtp(free_port())
        .spawn();
    let a = Phone::new(&sip, "call_cancel.xml", "1001", "1002")
        .rtp(free_port())
        .spawn();
    finish(a, "1001 cancels", Duration::from_secs(20));
    finish(b, "1002 rings and is cancelled", Duration::from_secs(20));
    d.wait_log(&["call ended"]);

    // The daemon still runs: a reader's own connection sees the committed rows.
    let st = store::Store::open(d.db()).expect("open store");
    let deadline = Instant::now() + Duration::from_secs(5);
    let (cdrs, kinds) = loop {
        let cdrs = st
            .cdrs(store::Timestamp(0), store::Timestamp(i64::MAX), 10)
            .expect("cdrs");
        let kinds: Vec<EventKind> = st
            .events(&EventFilter::default())
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect();
        if (!cdrs.is_empty() && kinds.contains(&EventKind::CallEnd)) || Instant::now() > deadline {
            break (cdrs, kinds);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        cdrs.len(),
        1,
        "the CDR is committed while running: {cdrs:#?}"
    );
    assert_eq!(cdrs[0].callee, "1002");
    let start = kinds.iter().position(|k| *k == EventKind::CallStart);
    let end = kinds.iter().position(|k| *k == EventKind::CallEnd);
    assert!(
        matches!((start, end), (Some(s), Some(e)) if s < e),
        "call_start then call_end, committed while running: {kinds:?}"
    );
    drop(st);

    stop(&mut d);
    let closed = d
        .log
        .iter()
        .find(|l| l.contains("journal closed"))
        .unwrap_or_else(|| panic!("no journal line at stop:\n{}", d.log.join("\n")));
    assert!(closed.contains("rejected=0"), "{closed}");
    assert!(closed.contains("failures=0"), "{closed}");
    let rows: u64 = closed
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rows="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        rows >= 3,
        "call_start, call_end and the CDR at least: {closed}"
    );
}
