//! Reports computed from the event log, against expectations computed here independently
//! from the scenario's call table with the formulas of callcenter.md section 3, and against
//! hand-worked figures (in the comments).

use store::Store;
use store::Timestamp;
use store::events::{EventKind as K, NewEvent};
use store::reports::ReportParams;

const T0: i64 = 1_700_000_000;

fn at(s: i64) -> Timestamp {
    Timestamp::from_secs(T0 + s)
}

/// One queue visit of the scenario, times in seconds from T0.
#[derive(Clone, Copy)]
struct Call {
    id: &'static str,
    queue: &'static str,
    enter: i64,
    outcome: Outcome,
}

#[derive(Clone, Copy)]
enum Outcome {
    Answered {
        agent: &'static str,
        connect: i64,
        hold: Option<(i64, i64)>,
        complete: i64,
        wrapup_end: i64,
    },
    Abandoned(i64),
    TimedOut(i64),
}

const A1: &str = "2001";
const A2: &str = "2002";
const A3: &str = "2003";

const CALLS: &[Call] = &[
    Call {
        id: "c1",
        queue: "sales",
        enter: 0,
        outcome: Outcome::Answered {
            agent: A1,
            connect: 10,
            hold: Some((30, 40)),
            complete: 70,
            wrapup_end: 80,
        },
    },
    Call {
        id: "c2",
        queue: "sales",
        enter: 5,
        outcome: Outcome::Answered {
            agent: A2,
            connect: 35,
            hold: None,
            complete: 95,
            wrapup_end: 100,
        },
    },
    Call {
        id: "c3",
        queue: "sales",
        enter: 20,
        outcome: Outcome::Abandoned(23),
    },
    Call {
        id: "c4",
        queue: "sales",
        enter: 40,
        outcome: Outcome::Abandoned(60),
    },
    Call {
        id: "c5",
        queue: "sales",
        enter: 50,
        outcome: Outcome::TimedOut(170),
    },
    Call {
        id: "c6",
        queue: "sales",
        enter: 100,
        outcome: Outcome::Answered {
            agent: A1,
            connect: 120,
            hold: None,
            complete: 200,
            wrapup_end: 215,
        },
    },
    // Enters inside the hour, answered after it: counted in this hour (entry attribution).
    Call {
        id: "c7",
        queue: "sales",
        enter: 3590,
        outcome: Outcome::Answered {
            agent: A2,
            connect: 3610,
            hold: None,
            complete: 3700,
            wrapup_end: 3705,
        },
    },
    // Entered before the hour: not in the queue report, but A2's talk from 0 to 2 s counts.
    Call {
        id: "c8",
        queue: "sales",
        enter: -50,
        outcome: Outcome::Answered {
            agent: A2,
            connect: -40,
            hold: None,
            complete: 2,
            wrapup_end: 4,
        },
    },
    Call {
        id: "c9",
        queue: "support",
        enter: 300,
        outcome: Outcome::Answered {
            agent: A1,
            connect: 305,
            hold: None,
            complete: 400,
            wrapup_end: 410,
        },
    },
];

const T_SL: i64 = 20;
const T_SHORT: i64 = 5;

fn events() -> Vec<NewEvent> {
    let mut v = Vec::new();
    for c in CALLS {
        let e = |t, k| NewEvent::new(at(t), k).call(c.id).queue(c.queue);
        v.push(e(c.enter, K::QueueEnter).payload(serde_json::json!({"caller": "13800138000"})));
        match c.outcome {
            Outcome::Answered {
                agent,
                connect,
                hold,
                complete,
                wrapup_end,
            } => {
                v.push(e(connect - 1, K::QueueOffer).agent(agent));
                v.push(e(connect, K::QueueConnect).agent(agent));
                if let Some((h, r)) = hold {
                    v.push(e(h, K::CallHold).agent(agent));
                    v.push(e(r, K::CallRetrieve).agent(agent));
                }
                v.push(e(complete, K::CallComplete).agent(agent));
                v.push(e(wrapup_end, K::AgentWrapupEnd).agent(agent));
            }
            Outcome::Abandoned(t) => v.push(e(t, K::QueueAbandon)),
            Outcome::TimedOut(t) => {
                v.push(e(t, K::QueueExit).payload(serde_json::json!({"reason": "timeout"})))
            }
        }
    }
    let ag = |t, k, a: &str| NewEvent::new(at(t), k).agent(a);
    v.extend([
        ag(-100, K::AgentLogin, A1),
        ag(-90, K::AgentReady, A1),
        ag(205, K::AgentNotReady, A1).payload(serde_json::json!({"reason": "break"})),
        ag(250, K::AgentReady, A1),
        ag(3000, K::AgentLogout, A1),
        ag(-200, K::AgentLogin, A2),
        ag(-190, K::AgentReady, A2),
        ag(1000, K::AgentNotReady, A2).payload(serde_json::json!({"reason": "lunch"})),
        ag(1600, K::AgentReady, A2),
        ag(-500, K::AgentLogin, A3),
        ag(-400, K::AgentReady, A3),
        // Unrelated call-level events must not disturb the figures.
        NewEvent::new(at(1), K::CallStart).call("c1"),
        NewEvent::new(at(71), K::CallEnd).call("c1"),
    ]);
    v.sort_by_key(|e| e.ts);
    v
}

/// Per-queue expectations straight from the call table and the spec's formulas.
struct Expect {
    offered: u64,
    answered: u64,
    within: u64,
    abandoned: u64,
    short: u64,
    exited: u64,
    wait_sum: i64,
    work_sum: i64,
}

fn expect(queue: &str) -> Expect {
    let mut x = Expect {
        offered: 0,
        answered: 0,
        within: 0,
        abandoned: 0,
        short: 0,
        exited: 0,
        wait_sum: 0,
        work_sum: 0,
    };
    for c in CALLS
        .iter()
        .filter(|c| c.queue == queue && (0..3600).contains(&c.enter))
    {
        x.offered += 1;
        match c.outcome {
            Outcome::Answered {
                connect,
                complete,
                wrapup_end,
                ..
            } => {
                x.answered += 1;
                let wait = connect - c.enter;
                x.wait_sum += wait;
                x.within += u64::from(wait <= T_SL);
                // talk + hold + acw = connect → wrap-up end
                x.work_sum += wrapup_end - connect;
                let _ = complete;
            }
            Outcome::Abandoned(t) => {
                x.abandoned += 1;
                x.short += u64::from(t - c.enter <= T_SHORT);
            }
            Outcome::TimedOut(_) => x.exited += 1,
        }
    }
    x
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn queue_and_agent_kpis_match_hand_computed_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("r.db")).unwrap();
    s.append_events(&events()).unwrap();
    let p = ReportParams {
        from: at(0),
        to: at(3600),
        service_level_s: T_SL as u32,
        short_abandon_s: T_SHORT as u32,
    };

    let qs = s.queue_reports(&p).unwrap();
    assert_eq!(
        qs.iter().map(|q| q.queue.as_str()).collect::<Vec<_>>(),
        ["sales", "support"]
    );
    for q in &qs {
        let x = expect(&q.queue);
        assert_eq!(
            (
                q.offered,
                q.answered,
                q.answered_within_sl,
                q.abandoned,
                q.short_abandoned,
                q.exited,
                q.handled
            ),
            (
                x.offered,
                x.answered,
                x.within,
                x.abandoned,
                x.short,
                x.exited,
                x.answered
            ),
            "{}",
            q.queue
        );
        // SL(T) = ans(≤T) / (ans + ab(>Ts))
        let sl = x.within as f64 / (x.answered + x.abandoned - x.short) as f64;
        assert!(close(q.service_level().unwrap(), sl), "{}", q.queue);
        // ASA = Σ wait / ans
        assert!(close(
            q.asa_s().unwrap(),
            x.wait_sum as f64 / x.answered as f64
        ));
        // AHT = (talk + hold + acw) / handled
        assert!(close(
            q.aht_s().unwrap(),
            x.work_sum as f64 / x.answered as f64
        ));
        // Abandonment = (ab − ab(≤Ts)) / (offered − ab(≤Ts))
        let ab = (x.abandoned - x.short) as f64 / (x.offered - x.short) as f64;
        assert!(close(q.abandon_rate().unwrap(), ab));
    }
    // The same, worked by hand for `sales`: 7 offered; answered c1 (wait 10), c2 (30),
    // c6 (20), c7 (20): 3 within 20 s; abandons c3 (3 s, short) and c4 (20 s); c5 timed out.
    let sales = &qs[0];
    assert!(close(sales.service_level().unwrap(), 3.0 / 5.0));
    assert!(close(sales.asa_s().unwrap(), 20.0));
    // talk 50+60+80+90, hold 10, acw 10+5+15+5 over 4 calls.
    assert_eq!(
        (sales.talk_us, sales.hold_us, sales.acw_us),
        (280_000_000, 10_000_000, 35_000_000)
    );
    assert!(close(sales.aht_s().unwrap(), 81.25));
    assert!(close(sales.abandon_rate().unwrap(), 1.0 / 6.0));
    assert_eq!(sales.max_answered_wait_us, 30_000_000);
    let support = &qs[1];
    assert!(close(support.service_level().unwrap(), 1.0));
    assert!(close(support.aht_s().unwrap(), 105.0));

    let agents = s.agent_reports(&p).unwrap();
    assert_eq!(
        agents.iter().map(|a| a.agent.as_str()).collect::<Vec<_>>(),
        [A1, A2, A3]
    );
    // A1: ready 0–10, talk 10–30, hold 30–40, talk 40–70, acw 70–80, ready 80–120,
    // talk 120–200, acw 200–215 (not ready asked at 205 takes effect after wrap-up),
    // not ready 215–250, ready 250–305, talk 305–400, acw 400–410, ready 410–3000, off.
    let a1 = &agents[0];
    assert_eq!(a1.answered, 3);
    assert_eq!(
        (
            a1.talk_us,
            a1.hold_us,
            a1.acw_us,
            a1.ready_us,
            a1.not_ready_us
        ),
        (
            225_000_000,
            10_000_000,
            35_000_000,
            2_695_000_000,
            35_000_000
        )
    );
    assert!(close(a1.occupancy().unwrap(), 270.0 / 2965.0));
    assert!(close(a1.utilisation().unwrap(), 270.0 / 3000.0));
    // A2: talk 0–2 (c8, clipped), acw 2–4, ready 4–35, talk 35–95, acw 95–100,
    // ready 100–1000, not ready 1000–1600, ready 1600–3600 (c7's connect is after the hour).
    let a2 = &agents[1];
    assert_eq!(a2.answered, 1);
    assert_eq!(
        (
            a2.talk_us,
            a2.hold_us,
            a2.acw_us,
            a2.ready_us,
            a2.not_ready_us
        ),
        (62_000_000, 0, 7_000_000, 2_931_000_000, 600_000_000)
    );
    assert!(close(a2.occupancy().unwrap(), 69.0 / 3000.0));
    // A3 logged on before the hour and idle through it.
    let a3 = &agents[2];
    assert_eq!((a3.ready_us, a3.answered), (3_600_000_000, 0));
    assert!(close(a3.occupancy().unwrap(), 0.0));
}

#[test]
fn an_empty_interval_and_a_reversed_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("r.db")).unwrap();
    s.append_events(&events()).unwrap();
    let p = ReportParams {
        from: at(5000),
        to: at(6000),
        service_level_s: 20,
        short_abandon_s: 5,
    };
    assert!(s.queue_reports(&p).unwrap().is_empty());
    // A2 and A3 are still logged on: all ready time.
    let a = s.agent_reports(&p).unwrap();
    assert_eq!(
        a.iter()
            .map(|a| (a.agent.as_str(), a.ready_us))
            .collect::<Vec<_>>(),
        [(A2, 1_000_000_000), (A3, 1_000_000_000)]
    );
    let bad = ReportParams {
        from: at(10),
        to: at(0),
        ..p
    };
    assert!(matches!(
        s.queue_reports(&bad),
        Err(store::StoreError::Invalid(_))
    ));
}
