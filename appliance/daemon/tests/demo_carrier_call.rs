//! `--demo`: the simulated carrier's calls arrive on the virtual E1 PRI span and go through
//! the switch (600 echo answered with audio coming back through the media path, 1001 cleared
//! with cause 20 because no phone is registered as 1001); the events are in the log, the
//! metrics, the store's event log and CDRs. SIGTERM drains: new calls are refused with #42,
//! calls up are cleared with #41 after the grace period.

mod common;

use std::time::Duration;

use common::{Daemon, get, metric};
use nix::sys::signal::Signal;
use store::Store;
use store::events::{EventFilter, EventKind};

#[test]
fn carrier_call_reaches_the_span_and_is_handled() {
    let mut d = Daemon::start(&[
        "--demo",
        "--carrier-interval-ms",
        "200",
        "--carrier-hold-ms",
        "600",
        "--carrier-dids",
        "600,1001",
        "--drain-secs",
        "5",
    ]);
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    d.wait_log(&["D-channel data link up", "span=span1"]);
    d.wait_log(&["incoming call", "called=600", "calling=\"0215550100\""]);
    d.wait_log(&["playing", "EchoTest"]);
    // The carrier heard its own tone come back on the B-channel (>= 100 ms of audio).
    d.wait_log(&["carrier: call released", "did=600", "heard=true"]);
    d.wait_log(&["SIP extension not registered"]);
    d.wait_log(&["call cleared by the switch", "cause=20"]);
    d.wait_log(&["carrier: call released", "did=1001", "heard=false"]);

    let (_, body) = get(&addr, "/metrics");
    let m = |k: &str| metric(&body, k).unwrap_or(0.0);
    assert!(
        m("appliance_span_calls_total{span=\"span1\",result=\"incoming\"}") >= 2.0,
        "{body}"
    );
    assert!(
        m("appliance_span_calls_total{span=\"span1\",result=\"answered\"}") >= 1.0,
        "{body}"
    );
    assert!(
        m("appliance_span_calls_total{span=\"span1\",result=\"rejected\"}") >= 1.0,
        "{body}"
    );
    assert!(
        m("appliance_carrier_calls_total{result=\"media_heard\"}") >= 1.0,
        "{body}"
    );
    assert_eq!(
        m("appliance_span_dchannel_up{span=\"span1\"}"),
        1.0,
        "{body}"
    );

    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));

    // The event log has the answered call from start to end.
    let st = Store::open(d.db()).expect("open");
    let starts = st
        .events(&EventFilter {
            kinds: &[EventKind::CallStart],
            ..EventFilter::default()
        })
        .expect("events");
    let id_of = |called: &str| {
        starts
            .iter()
            .find(|e| e.payload["called"] == called)
            .and_then(|e| e.call_id.clone())
            .expect("call_start for the number")
    };
    let echo = id_of("600");
    let ev = st
        .events(&EventFilter {
            call_id: Some(&echo),
            ..EventFilter::default()
        })
        .expect("events");
    let kinds: Vec<EventKind> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::CallStart,
            EventKind::CallAnswer,
            EventKind::CallEnd
        ],
        "{ev:?}"
    );
    assert_eq!(ev[0].payload["called"], "600");
    assert_eq!(ev[2].payload["cause"], 16);
    let cdr = st
        .cdr(&echo)
        .expect("cdr")
        .expect("a CDR for the echo call");
    assert_eq!(cdr.callee, "600");
    assert_eq!(cdr.caller, "0215550100");
    assert!(cdr.answer.is_some());
    let sip = id_of("1001");
    let rejected = st
        .events(&EventFilter {
            call_id: Some(&sip),
            ..EventFilter::default()
        })
        .expect("events");
    assert_eq!(rejected.first().map(|e| e.kind), Some(EventKind::CallStart));
    assert_eq!(rejected.last().map(|e| e.kind), Some(EventKind::CallEnd));
    assert!(!rejected.iter().any(|e| e.kind == EventKind::CallAnswer));
}

#[test]
fn sigterm_drains_an_active_call_for_the_grace_period_then_exits_0() {
    let mut d = Daemon::start(&[
        "--demo",
        "--carrier-interval-ms",
        "200",
        "--carrier-hold-ms",
        "60000",
        "--carrier-dids",
        "601",
        "--drain-secs",
        "1",
    ]);
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    d.wait_log(&["playing", "TestTone"]);
    d.signal(Signal::SIGTERM);
    d.wait_log(&["SIGTERM: draining"]);
    let (code, body) = get(&addr, "/healthz");
    assert_eq!(code, 200);
    assert!(
        body.contains("\"draining\":true") && body.contains("\"active_calls\":1"),
        "{body}"
    );
    let st = d.wait_exit(Duration::from_secs(5));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
    let has = |parts: &[&str]| d.log.iter().any(|l| parts.iter().all(|p| l.contains(p)));
    assert!(has(&["grace period over"]), "log:\n{}", d.log.join("\n"));
    // The call was cleared on the line, not just dropped: the carrier saw DISCONNECT #41.
    assert!(
        has(&["carrier: disconnected by the appliance", "cause=41"]),
        "log:\n{}",
        d.log.join("\n")
    );
}

#[test]
fn a_did_added_in_the_store_routes_after_sighup() {
    let mut d = Daemon::start(&[
        "--demo",
        "--carrier-interval-ms",
        "200",
        "--carrier-hold-ms",
        "300",
        "--carrier-dids",
        "650",
        "--drain-secs",
        "2",
    ]);
    d.wait_notify("READY=1");
    // Not in the dial plan yet: the switch's routing clears it with #1.
    d.wait_log(&["call denied by the dial plan", "cause=1"]);
    let mut st = Store::open(d.db()).expect("second connection");
    st.execute(
        store::CommandContext {
            actor: "test",
            ts: store::Timestamp::from_secs(1),
        },
        &store::Command::CreateExtension(store::config::ExtensionConfig {
            number: "650".into(),
            name: "Echo two".into(),
            kind: store::config::ExtensionKind::EchoTest,
            sip_password: None,
            digest_algorithms: Default::default(),
            caller_id: Default::default(),
        }),
    )
    .expect("create extension");
    drop(st);
    d.signal(Signal::SIGHUP);
    d.wait_log(&["config change: applied: dial plan rebuilt", "Extension"]);
    d.wait_log(&["playing", "EchoTest"]);
    d.wait_log(&["carrier: call released", "did=650", "heard=true"]);
    d.signal(Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(6));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}

#[test]
fn a_new_call_during_the_drain_is_refused_with_cause_42() {
    let mut d = Daemon::start(&[
        "--demo",
        "--carrier-interval-ms",
        "300",
        "--carrier-hold-ms",
        "60000",
        "--carrier-max-calls",
        "2",
        "--carrier-dids",
        "601",
        "--drain-secs",
        "3",
    ]);
    d.wait_notify("READY=1");
    d.wait_log(&["playing", "TestTone"]);
    d.signal(Signal::SIGTERM);
    d.wait_log(&["SIGTERM: draining"]);
    // The carrier's next SETUP arrives while the first call is still up.
    d.wait_log(&["call rejected: draining", "cause=42"]);
    d.wait_log(&["carrier: disconnected by the appliance", "cause=42"]);
    let st = d.wait_exit(Duration::from_secs(8));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
    // The refused call never reached the switch: one call in the event log.
    let st = Store::open(d.db()).expect("open");
    let starts = st
        .events(&EventFilter {
            kinds: &[EventKind::CallStart],
            ..EventFilter::default()
        })
        .expect("events");
    assert_eq!(starts.len(), 1, "{starts:?}");
}
