//! The journal batch ([`Store::commit_journal`]): events and CDRs in one transaction, in
//! order; a row that breaks a rule is reported and left out, the rest is committed; what a
//! second connection (the panel's, the reports') sees after the commit.

use store::cdr::{Cdr, Direction, Disposition};
use store::crm::{Interaction, NewCustomer};
use store::events::{EventFilter, EventKind, NewEvent};
use store::journal::JournalRow;
use store::{Invalid, Rule, Store, StoreError, Timestamp};

fn cdr(call: &str, start: i64, end: i64) -> Cdr {
    Cdr {
        call_id: call.to_owned(),
        start: Timestamp(start),
        answer: None,
        end: Timestamp(end),
        caller: "1001".into(),
        callee: "1002".into(),
        direction: Direction::Internal,
        disposition: Disposition::NoAnswer,
        cause: Some(16),
        src_channel: "sip/1001".into(),
        dst_channel: Some("sip/1002".into()),
        queue: None,
        agent: None,
    }
}

fn ev(call: &str, kind: EventKind, ts: i64) -> JournalRow {
    JournalRow::Event(
        NewEvent::new(Timestamp(ts), kind)
            .call(call)
            .payload(serde_json::json!({"n": ts})),
    )
}

#[test]
fn a_batch_is_committed_in_order_and_seen_by_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mut w = Store::open(&path).unwrap();
    let reader = Store::open(&path).unwrap();
    let mut rows = Vec::new();
    for c in 0..50 {
        let call = format!("c{c}");
        rows.push(ev(&call, EventKind::CallStart, c * 10));
        rows.push(ev(&call, EventKind::CallEnd, c * 10 + 5));
        rows.push(JournalRow::Cdr(cdr(&call, c * 10, c * 10 + 5)));
    }
    let rejected = w.commit_journal(&rows).unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    let all = reader
        .events(&EventFilter {
            limit: Some(1000),
            ..EventFilter::default()
        })
        .unwrap();
    assert_eq!(all.len(), 100);
    let ts: Vec<i64> = all.iter().map(|e| e.ts.0).collect();
    let mut sorted = ts.clone();
    sorted.sort_unstable();
    assert_eq!(ts, sorted, "rows keep the order of the batch");
    for c in 0..50 {
        let got = reader.cdr(&format!("c{c}")).unwrap().unwrap();
        assert_eq!(got, cdr(&format!("c{c}"), c * 10, c * 10 + 5));
    }
    assert!(w.commit_journal(&[]).unwrap().is_empty());
}

#[test]
fn bad_rows_are_reported_and_the_rest_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("j.db")).unwrap();
    let mut not_object = NewEvent::new(Timestamp(3), EventKind::CallAnswer).call("a");
    not_object.payload = serde_json::json!([1, 2]);
    let rows = vec![
        ev("a", EventKind::CallStart, 1),
        JournalRow::Cdr(cdr("a", 1, 9)),
        // End before start.
        JournalRow::Cdr(cdr("b", 9, 1)),
        JournalRow::Event(not_object),
        // A second CDR for the same call.
        JournalRow::Cdr(cdr("a", 1, 9)),
        ev("a", EventKind::CallEnd, 9),
    ];
    let rejected = s.commit_journal(&rows).unwrap();
    let idx: Vec<usize> = rejected.iter().map(|r| r.index).collect();
    assert_eq!(idx, [2, 3, 4]);
    assert!(matches!(
        &rejected[0].error,
        StoreError::Invalid(i) if *i == Invalid::new("cdr.end", Rule::EndBeforeStart)
    ));
    assert!(matches!(
        &rejected[1].error,
        StoreError::Invalid(i) if *i == Invalid::new("event.payload", Rule::BadJson)
    ));
    assert!(matches!(
        &rejected[2].error,
        StoreError::Invalid(i) if *i == Invalid::new("cdr.call_id", Rule::Duplicate)
    ));
    let kinds: Vec<EventKind> = s
        .events(&EventFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, [EventKind::CallStart, EventKind::CallEnd]);
    assert!(s.cdr("a").unwrap().is_some());
    assert!(s.cdr("b").unwrap().is_none());
}

fn interaction(customer: Option<i64>, call: &str, started: i64) -> Interaction {
    Interaction {
        id: 0,
        customer_id: customer,
        channel: "call".into(),
        call_id: Some(call.into()),
        remote_number: "13800138000".into(),
        direction: "inbound".into(),
        agent: Some("2001".into()),
        queue: Some("support".into()),
        started: Timestamp(started),
        ended: Timestamp(started + 50),
        disposition: "resolved".into(),
        notes: String::new(),
        data: serde_json::json!({}),
    }
}

#[test]
fn interactions_ride_the_batch_and_a_bad_one_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("j.db")).unwrap();
    let c = s
        .create_customer(
            &NewCustomer {
                name: "Li Lei".into(),
                ..NewCustomer::default()
            },
            Timestamp(1),
        )
        .unwrap();
    let rows = vec![
        ev("a", EventKind::CallStart, 1),
        JournalRow::Interaction(interaction(Some(c), "a", 100)),
        // No such customer.
        JournalRow::Interaction(interaction(Some(c + 1000), "b", 200)),
        JournalRow::Interaction(interaction(Some(c), "c", 300)),
        ev("a", EventKind::CallEnd, 9),
    ];
    let rejected = s.commit_journal(&rows).unwrap();
    let idx: Vec<usize> = rejected.iter().map(|r| r.index).collect();
    assert_eq!(idx, [2]);
    assert!(matches!(
        &rejected[0].error,
        StoreError::Invalid(i) if *i == Invalid::new("interaction.customer_id", Rule::NoSuchReference)
    ));
    let calls: Vec<String> = s
        .interactions(c, 10)
        .unwrap()
        .into_iter()
        .filter_map(|i| i.call_id)
        .collect();
    assert_eq!(calls, ["c", "a"], "newest first, the bad one left out");
    assert_eq!(s.events(&EventFilter::default()).unwrap().len(), 2);
}
