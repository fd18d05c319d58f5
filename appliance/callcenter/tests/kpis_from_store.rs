//! A small scripted day through the Center, its event-log rows appended to a real store
//! (SQLite in a temp dir), and the store's report queries give the KPIs worked out by hand
//! below (formulas of callcenter.md §3, T = 20 s, Ts = 5 s). Two agents, wrap-up 10 s.
//!
//! | call | caller | enters | what happens                                  | wait |
//! |------|--------|--------|-----------------------------------------------|------|
//! | c1   | 111    | 0      | 2001 rung, answers at 4, hangs up at 64       | 4    |
//! | c2   | 222    | 1      | 2002 answers at 6, hold 20–30, caller leaves 46 | 5  |
//! | c3   | 333    | 10     | nobody free, caller hangs up at 13 (short)    | ab 3 |
//! | c4   | 444    | 20     | nobody free, caller hangs up at 40            | ab 20|
//! | c5   | 222    | 50     | 2002 free at 56 (wrap-up), answers 60, ends 100 | 10 |
//! | c6   | 555    | 60     | 2001 free at 74, answers 84, ends 144         | 24   |
//!
//! Queue `sales`: offered 6, answered 4, within 20 s 3, abandoned 2 (1 short).
//! SL = 3 / (4 + 2 − 1) = 0.6; ASA = (4 + 5 + 10 + 24) / 4 = 10.75 s;
//! AHT = (talk 60 + 30 + 40 + 60, hold 10, ACW 4 × 10) / 4 = 240 / 4 = 60 s;
//! abandonment = (2 − 1) / (6 − 1) = 0.2.
//! FCR (the store's `fcr_reports`, window one day): an answered call counts as resolved
//! unless the same number enters the same queue again within the day: c2 is followed by
//! c5 → 3 of 4 = 0.75.
#![allow(missing_docs)]
mod common;

use std::collections::BTreeMap;

use callcenter::Event;
use common::*;
use store::Store;
use store::Timestamp;
use store::events::{EventKind, NewEvent};
use store::reports::ReportParams;
use switch::Instant;
use switch::engine::{LegEvent, LegId};

struct Day {
    h: H,
    t0: Instant,
}

impl Day {
    fn go(&mut self, t: u64) {
        let target = self.t0 + s(t);
        let d = target.saturating_duration_since(self.h.now);
        self.h.advance(d);
    }
    fn call(&mut self, t: u64, caller: &str) -> LegId {
        self.go(t);
        self.h.incoming(caller, "701")
    }
    fn answer(&mut self, t: u64, agent: &str) -> LegId {
        self.go(t);
        let b = self.h.last_leg_to(agent);
        self.h.input(LegEvent::Answered { leg: b });
        b
    }
}

fn ts(i: Instant) -> Timestamp {
    Timestamp(EPOCH_UNIX_S * 1_000_000 + i64::try_from(i.as_micros()).unwrap())
}

#[test]
fn store_reports_give_the_hand_computed_kpis() {
    let mut h = H::new();
    h.login_ready("2001");
    h.login_ready("2002");
    h.advance(s(1));
    let t0 = h.now;
    let mut d = Day { h, t0 };

    let c1 = d.call(0, "111");
    assert_eq!(d.h.legs_to("2001").len(), 1, "longest idle first: 2001");
    let c2 = d.call(1, "222");
    let b1 = d.answer(4, "2001");
    let b2 = d.answer(6, "2002");
    let c3 = d.call(10, "333");
    d.go(13);
    d.h.hangup(c3);
    let c4 = d.call(20, "444");
    d.h.input(LegEvent::Hold { leg: b2 });
    d.go(30);
    d.h.input(LegEvent::Resume { leg: b2 });
    d.go(40);
    d.h.hangup(c4);
    d.go(46);
    d.h.hangup(c2);
    let c5 = d.call(50, "222");
    let b5 = d.answer(60, "2002");
    let c6 = d.call(60, "555");
    d.go(64);
    d.h.hangup(b1);
    let b6 = d.answer(84, "2001");
    d.go(100);
    d.h.hangup(b5);
    d.go(144);
    d.h.hangup(b6);
    d.go(200);
    for l in [c1, c5, c6] {
        assert!(d.h.c.switch().leg_state(l).is_none(), "call over");
    }

    // Into a real store.
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("cc.db")).unwrap();
    let rows: Vec<NewEvent> =
        d.h.events
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
    let p = ReportParams {
        from: ts(t0),
        to: ts(t0 + s(3600)),
        service_level_s: 20,
        short_abandon_s: 5,
    };
    let q = st.queue_reports(&p).unwrap();
    assert_eq!(q.len(), 1);
    let q = &q[0];
    assert_eq!(q.queue, "sales");
    assert_eq!(
        (
            q.offered,
            q.answered,
            q.answered_within_sl,
            q.abandoned,
            q.short_abandoned,
            q.handled
        ),
        (6, 4, 3, 2, 1, 4)
    );
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
    assert!(close(q.service_level(), 0.6), "{:?}", q.service_level());
    assert!(close(q.asa_s(), 10.75), "{:?}", q.asa_s());
    assert!(close(q.aht_s(), 60.0), "{:?}", q.aht_s());
    assert!(close(q.abandon_rate(), 0.2), "{:?}", q.abandon_rate());
    assert_eq!(q.hold_us, 10_000_000);
    assert_eq!(q.acw_us, 40_000_000);

    // Agents, time-clipped.
    let a = st.agent_reports(&p).unwrap();
    let by: BTreeMap<&str, &store::reports::AgentReport> =
        a.iter().map(|r| (r.agent.as_str(), r)).collect();
    let (a1, a2) = (by["2001"], by["2002"]);
    assert_eq!(
        (a1.answered, a1.talk_us, a1.acw_us),
        (2, 120_000_000, 20_000_000)
    );
    assert_eq!(
        (a2.answered, a2.talk_us, a2.hold_us, a2.acw_us),
        (2, 70_000_000, 10_000_000, 20_000_000)
    );

    // FCR from the store's query: a repeat contact is the same number entering the same
    // queue within a day of the answer (c5 after c2).
    let f = st.fcr_reports(&p, 86_400).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].queue.as_str(), f[0].contacts, f[0].resolved),
        ("sales", 4, 3)
    );
    assert!(
        (f[0].fcr().unwrap() - 0.75).abs() < 1e-9,
        "FCR {:?}",
        f[0].fcr()
    );
}
