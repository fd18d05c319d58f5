//! Blind and consultation transfers into another queue keep the statistics right: the
//! first agent is charged only for their part (up to the transfer), the second queue counts
//! a new visit, and the store's reports say so. Both agents' desktops see it happen.
#![allow(missing_docs)]
mod common;

use std::collections::BTreeMap;

use callcenter::{Event, LogKind};
use common::*;
use store::Store;
use store::Timestamp;
use store::events::{EventKind, NewEvent};
use store::reports::{AgentReport, QueueReport, ReportParams};
use switch::Instant;
use switch::engine::LegEvent;

fn ts(i: Instant) -> Timestamp {
    Timestamp(EPOCH_UNIX_S * 1_000_000 + i64::try_from(i.as_micros()).unwrap())
}

/// The run's log rows through a real store: queue and agent reports by name.
fn reports(h: &H, t0: Instant) -> (BTreeMap<String, QueueReport>, BTreeMap<String, AgentReport>) {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("cc.db")).unwrap();
    let rows: Vec<NewEvent> = h
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Log(l) => Some(NewEvent {
                ts: ts(*t),
                kind: EventKind::parse(l.kind.as_str()).unwrap(),
                call_id: l.call.clone(),
                queue: l.queue.clone(),
                agent: l.agent.clone(),
                payload: l.payload.clone(),
            }),
            _ => None,
        })
        .collect();
    st.append_events(&rows).unwrap();
    let p = ReportParams {
        from: ts(t0),
        to: ts(t0 + s(3600)),
        service_level_s: 20,
        short_abandon_s: 5,
    };
    (
        st.queue_reports(&p)
            .unwrap()
            .into_iter()
            .map(|q| (q.queue.clone(), q))
            .collect(),
        st.agent_reports(&p)
            .unwrap()
            .into_iter()
            .map(|a| (a.agent.clone(), a))
            .collect(),
    )
}

fn setup() -> (H, Instant) {
    // 2001 serves sales only, 2002 support only.
    let mut cfg = config();
    cfg.queues[0].acd.members = vec![acd::Member::new(acd::AgentId(2001))];
    cfg.queues[1].acd.members = vec![acd::Member::new(acd::AgentId(2002))];
    let mut h = H::with(cfg);
    h.login_ready("2001");
    h.login_ready("2002");
    h.advance(s(1));
    let t0 = h.now;
    (h, t0)
}

const SEC: i64 = 1_000_000;

#[test]
fn blind_transfer_into_another_queue() {
    let (mut h, t0) = setup();
    let a = h.incoming("111", "701");
    h.advance(s(2));
    let b1 = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b1 });
    h.advance(s(30));
    h.input(LegEvent::BlindTransfer {
        leg: b1,
        to: "702".into(),
    });
    assert!(
        h.c.switch()
            .leg_state(b1)
            .is_none_or(|s| s == switch::engine::LegState::Ended)
    );
    h.advance(s(3));
    let b2 = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg: b2 });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(b2));
    h.advance(s(60));
    h.hangup(b2);
    h.advance(s(20));

    // The ACD charged each agent for their part.
    let talk = |n| h.c.acd().agent_snapshot(acd::AgentId(n)).unwrap().talk;
    assert_eq!((talk(2001), talk(2002)), (s(30), s(60)));
    assert_eq!(h.c.acd().counters().transferred, 1);
    // And so do the reports.
    let (q, ag) = reports(&h, t0);
    let (sales, support) = (&q["sales"], &q["support"]);
    assert_eq!((sales.offered, sales.answered, sales.handled), (1, 1, 1));
    assert_eq!((sales.talk_us, sales.acw_us), (30 * SEC, 10 * SEC));
    assert_eq!(
        (support.offered, support.answered, support.handled),
        (1, 1, 1)
    );
    assert_eq!(support.answered_wait_us, 3 * SEC);
    assert_eq!(support.talk_us, 60 * SEC);
    assert_eq!((ag["2001"].answered, ag["2001"].talk_us), (1, 30 * SEC));
    assert_eq!((ag["2002"].answered, ag["2002"].talk_us), (1, 60 * SEC));
    let transfer = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::QueueTransfer)
        .unwrap();
    assert_eq!(transfer.queue.as_deref(), Some("sales"));
    assert_eq!(transfer.payload["kind"], "blind");
    assert_eq!(transfer.payload["to"], "support");

    // Desktops: 2001 sees the transfer and wraps up; 2002 gets the call from queue 702.
    let d1 = h.cti_names("2001");
    let tr = d1.iter().position(|n| *n == "Transferred").unwrap();
    assert_eq!(d1[tr + 1], "AgentWorkingAfterCall");
    let pop = h
        .cti
        .iter()
        .filter(|r| r.device.0 == "2002")
        .find_map(|r| match &r.event {
            cti::CstaEvent::Delivered { screen_pop, .. } => Some(screen_pop.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(pop.queue, Some(cti::DeviceId::new("702")));
    assert_eq!(h.c.call_count(), 0);
}

#[test]
fn consultation_transfer_into_another_queue() {
    let (mut h, t0) = setup();
    let a = h.incoming("111", "701");
    h.advance(s(2));
    let b1 = h.last_leg_to("2001");
    h.input(LegEvent::Answered { leg: b1 });
    h.advance(s(18));
    // 2001 holds the caller and calls support from the phone.
    h.input(LegEvent::Hold { leg: b1 });
    let x = h.dial_from("2001", "702");
    h.advance(s(5));
    let y = h.last_leg_to("2002");
    h.input(LegEvent::Answered { leg: y });
    assert_eq!(h.c.switch().bridge_of(x), h.c.switch().bridge_of(y));
    h.advance(s(15));
    // Introduced: 2001 joins the caller to 2002 and leaves.
    h.input(LegEvent::AttendedTransfer {
        leg: b1,
        consultation: x,
    });
    assert_eq!(h.c.switch().bridge_of(a), h.c.switch().bridge_of(y));
    assert!(h.c.switch().bridge_of(a).is_some());
    h.advance(s(60));
    h.hangup(y);
    h.advance(s(20));

    // 2001: 18 s talk + 20 s hold, then out; 2002: from answering the consultation on.
    let talk = |n| h.c.acd().agent_snapshot(acd::AgentId(n)).unwrap().talk;
    assert_eq!((talk(2001), talk(2002)), (s(38), s(75)));
    let (q, ag) = reports(&h, t0);
    let (sales, support) = (&q["sales"], &q["support"]);
    assert_eq!((sales.answered, sales.handled), (1, 1));
    assert_eq!((sales.talk_us, sales.hold_us), (18 * SEC, 20 * SEC));
    assert_eq!(
        (support.offered, support.answered, support.handled),
        (1, 1, 1)
    );
    assert_eq!(support.talk_us, 75 * SEC);
    let a1 = &ag["2001"];
    assert_eq!(
        (a1.talk_us, a1.hold_us, a1.acw_us),
        (18 * SEC, 20 * SEC, 10 * SEC)
    );
    assert_eq!(
        (ag["2002"].talk_us, ag["2002"].acw_us),
        (75 * SEC, 10 * SEC)
    );
    let transfer = h
        .logs()
        .into_iter()
        .find(|l| l.kind == LogKind::QueueTransfer)
        .unwrap();
    assert_eq!(transfer.payload["kind"], "attended");
    // Both agents back to ready after their wrap-up.
    for n in [2001, 2002] {
        assert_eq!(
            h.c.acd().agent_snapshot(acd::AgentId(n)).unwrap().state,
            acd::AgentState::Ready
        );
    }
    assert_eq!(h.c.call_count(), 0);
    assert!(h.c.switch().live_legs().is_empty());
}
