//! First-contact resolution and CSAT from the event log, against figures worked out by hand.
//!
//! FCR (window 1 day = 86 400 s), queue `sales`, times in seconds from T0:
//!
//! | call | caller | what                                         | resolved? |
//! |------|--------|----------------------------------------------|-----------|
//! | a1   | 111    | call_start −3600 (before the interval), answered 10 | no: a3 (same number, same queue) at 5 000 |
//! | a2   | 222    | answered 20                                  | yes: 222 calls again but into `support` |
//! | a3   | 111    | answered 5 010                               | yes: a4 comes 2 days later |
//! | a4   | 111    | answered 180 000 (outside the interval)      | not counted |
//! | a5   | anonymous | answered 30                               | not counted (cannot be followed) |
//! | a6   | 333    | answered 40 in `sales`, then transferred into `support` (same call) | yes: the same call is no repeat |
//! | a7   | 444    | answered 80 000; calls back at 90 000 (after `to`, within the window) | no |
//!
//! sales: contacts 5 (a1, a2, a3, a6, a7), resolved 3 → FCR 0.6. support: a6 visit answered 60,
//! resolved → 1/1; b1 from 222 answered 300 → 1/1 (nothing after) → support 2/2.
//!
//! CSAT: sales/2001 scores 5, 4, 2 → 2 of 3 satisfied, mean 11/3; support/2002 score 3 → 0/1;
//! a score 9 and a missing score are not answers; a survey outside the interval is not counted.

use store::Store;
use store::Timestamp;
use store::events::{EventKind as K, NewEvent};
use store::reports::ReportParams;

const T0: i64 = 1_700_000_000;
const DAY: i64 = 86_400;

fn at(s: i64) -> Timestamp {
    Timestamp::from_secs(T0 + s)
}

fn start(t: i64, call: &str, caller: &str) -> NewEvent {
    NewEvent::new(at(t), K::CallStart)
        .call(call)
        .payload(serde_json::json!({ "caller": caller, "called": "701" }))
}

fn visit(v: &mut Vec<NewEvent>, call: &str, queue: &str, enter: i64, connect: i64, agent: &str) {
    v.push(
        NewEvent::new(at(enter), K::QueueEnter)
            .call(call)
            .queue(queue),
    );
    v.push(
        NewEvent::new(at(connect), K::QueueConnect)
            .call(call)
            .queue(queue)
            .agent(agent),
    );
}

fn params() -> ReportParams {
    ReportParams {
        from: at(0),
        to: at(DAY),
        service_level_s: 20,
        short_abandon_s: 5,
    }
}

fn fcr_rows() -> Vec<NewEvent> {
    let mut v = Vec::new();
    v.push(start(-3600, "a1", "111"));
    visit(&mut v, "a1", "sales", 5, 10, "2001");
    v.push(start(15, "a2", "222"));
    visit(&mut v, "a2", "sales", 15, 20, "2002");
    v.push(start(5000, "a3", "111"));
    visit(&mut v, "a3", "sales", 5000, 5010, "2001");
    v.push(start(180_000, "a4", "111"));
    visit(&mut v, "a4", "sales", 180_000, 180_005, "2001");
    v.push(start(25, "a5", "anonymous"));
    visit(&mut v, "a5", "sales", 25, 30, "2003");
    v.push(start(35, "a6", "333"));
    visit(&mut v, "a6", "sales", 35, 40, "2001");
    visit(&mut v, "a6", "support", 50, 60, "2002");
    v.push(start(295, "b1", "222"));
    visit(&mut v, "b1", "support", 295, 300, "2002");
    v.push(start(79_990, "a7", "444"));
    visit(&mut v, "a7", "sales", 79_990, 80_000, "2003");
    v.push(start(90_000, "a8", "444"));
    v.push(
        NewEvent::new(at(90_000), K::QueueEnter)
            .call("a8")
            .queue("sales"),
    );
    v
}

#[test]
fn fcr_counts_repeat_contacts_by_caller_and_queue_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("f.db")).unwrap();
    s.append_events(&fcr_rows()).unwrap();
    let r = s.fcr_reports(&params(), 86_400).unwrap();
    let by: Vec<(&str, u64, u64)> = r
        .iter()
        .map(|x| (x.queue.as_str(), x.contacts, x.resolved))
        .collect();
    assert_eq!(by, [("sales", 5, 3), ("support", 2, 2)]);
    assert!((r[0].fcr().unwrap() - 0.6).abs() < 1e-12);

    // A window of one hour: a3 (4 990 s after a1's answer) is no longer a repeat of a1,
    // and a7's call back (10 000 s later) neither.
    let r = s.fcr_reports(&params(), 3600).unwrap();
    assert_eq!((r[0].contacts, r[0].resolved), (5, 5));

    // Nothing answered in the interval: no figure rather than 0.
    let empty = ReportParams {
        from: at(-10 * DAY),
        to: at(-9 * DAY),
        ..params()
    };
    assert!(s.fcr_reports(&empty, 86_400).unwrap().is_empty());
    assert_eq!(store::reports::FcrReport::default().fcr(), None);

    let bad = ReportParams {
        from: at(10),
        to: at(0),
        ..params()
    };
    assert!(s.fcr_reports(&bad, 86_400).is_err());
}

#[test]
fn csat_is_the_share_of_scores_of_four_or_five() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("c.db")).unwrap();
    let survey = |t: i64, call: &str, q: &str, a: &str, score: serde_json::Value| {
        NewEvent::new(at(t), K::Survey)
            .call(call)
            .queue(q)
            .agent(a)
            .payload(serde_json::json!({ "score": score }))
    };
    s.append_events(&[
        survey(100, "c1", "sales", "2001", 5.into()),
        survey(200, "c2", "sales", "2001", 4.into()),
        survey(300, "c3", "sales", "2001", 2.into()),
        survey(400, "c4", "support", "2002", 3.into()),
        survey(500, "c5", "support", "2002", 9.into()),
        survey(600, "c6", "support", "2002", serde_json::Value::Null),
        survey(DAY + 5, "c7", "sales", "2001", 1.into()),
    ])
    .unwrap();
    let r = s.csat_reports(&params()).unwrap();
    let by: Vec<(&str, &str, u64, u64, u64)> = r
        .iter()
        .map(|x| {
            (
                x.queue.as_str(),
                x.agent.as_str(),
                x.responses,
                x.satisfied,
                x.score_sum,
            )
        })
        .collect();
    assert_eq!(
        by,
        [("sales", "2001", 3, 2, 11), ("support", "2002", 1, 0, 3)]
    );
    assert!((r[0].csat().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((r[0].mean_score().unwrap() - 11.0 / 3.0).abs() < 1e-12);
    assert_eq!(r[1].csat(), Some(0.0));
}
