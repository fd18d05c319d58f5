//! The append-only event log: batched appends, reads by range, kind, call, agent; rows can
//! neither be changed nor removed; a bad batch appends nothing.

use store::events::{EventFilter, EventKind, NewEvent};
use store::{Invalid, Rule, Store, StoreError, Timestamp};

fn ev(t: i64, k: EventKind) -> NewEvent {
    NewEvent::new(Timestamp::from_secs(t), k)
}

#[test]
fn batches_append_in_order_and_read_back_by_filter() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("e.db")).unwrap();
    assert_eq!(s.append_events(&[]).unwrap(), None);
    let batch: Vec<NewEvent> = (0..100)
        .map(|i| {
            let k = if i % 2 == 0 {
                EventKind::QueueEnter
            } else {
                EventKind::AgentReady
            };
            ev(i, k)
                .call(format!("c{}", i / 2))
                .queue("sales")
                .agent(if i % 4 == 1 { "2001" } else { "2002" })
                .payload(serde_json::json!({ "i": i, "中文": "可以" }))
        })
        .collect();
    let (first, last) = s.append_events(&batch).unwrap().unwrap();
    assert_eq!(last - first, 99);
    let one = s
        .append_event(&ev(200, EventKind::CallEnd).call("c0"))
        .unwrap();
    assert_eq!(one, last + 1);
    assert_eq!(s.last_event_id().unwrap(), one);

    let all = s.events(&EventFilter::default()).unwrap();
    assert_eq!(all.len(), 101);
    assert_eq!(all[7].payload["i"], 7);
    assert_eq!(all[7].payload["中文"], "可以");

    let range = s
        .events(&EventFilter {
            from: Some(Timestamp::from_secs(10)),
            to: Some(Timestamp::from_secs(20)),
            ..EventFilter::default()
        })
        .unwrap();
    assert_eq!(
        range.iter().map(|e| e.ts.0 / 1_000_000).collect::<Vec<_>>(),
        (10..20).collect::<Vec<_>>()
    );

    let kinds = [EventKind::CallEnd, EventKind::AgentReady];
    let by_kind = s
        .events(&EventFilter {
            kinds: &kinds,
            ..EventFilter::default()
        })
        .unwrap();
    assert_eq!(by_kind.len(), 51);
    assert!(by_kind.iter().all(|e| kinds.contains(&e.kind)));

    let call = s
        .events(&EventFilter {
            call_id: Some("c0"),
            ..EventFilter::default()
        })
        .unwrap();
    assert_eq!(
        call.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            EventKind::QueueEnter,
            EventKind::AgentReady,
            EventKind::CallEnd
        ]
    );

    let agent = s
        .events(&EventFilter {
            agent: Some("2001"),
            limit: Some(5),
            ..EventFilter::default()
        })
        .unwrap();
    assert_eq!(agent.len(), 5);
    assert!(agent.iter().all(|e| e.agent.as_deref() == Some("2001")));

    let tail = s
        .events(&EventFilter {
            after_id: Some(last - 1),
            ..EventFilter::default()
        })
        .unwrap();
    assert_eq!(tail.iter().map(|e| e.id).collect::<Vec<_>>(), [last, one]);
}

#[test]
fn a_bad_event_rejects_the_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("e.db")).unwrap();
    let batch = vec![
        ev(1, EventKind::CallStart).call("c1"),
        ev(2, EventKind::CallEnd)
            .call("c1")
            .payload(serde_json::json!([1, 2])),
    ];
    assert!(matches!(
        s.append_events(&batch),
        Err(StoreError::Invalid(Invalid {
            field: "event.payload",
            rule: Rule::BadJson
        }))
    ));
    let batch = vec![
        ev(1, EventKind::CallStart).call(""),
        ev(2, EventKind::CallEnd),
    ];
    assert!(matches!(
        s.append_events(&batch),
        Err(StoreError::Invalid(Invalid {
            field: "event.call_id",
            rule: Rule::Empty
        }))
    ));
    assert_eq!(s.last_event_id().unwrap(), 0);
}

#[test]
fn the_log_is_append_only_even_for_plain_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.db");
    let mut s = Store::open(&path).unwrap();
    s.append_event(&ev(1, EventKind::CallStart).call("c1"))
        .unwrap();
    drop(s);
    let c = rusqlite::Connection::open(&path).unwrap();
    let upd = c
        .execute("UPDATE events SET kind = 'call_end'", [])
        .unwrap_err();
    assert!(upd.to_string().contains("append-only"), "{upd}");
    let del = c.execute("DELETE FROM events", []).unwrap_err();
    assert!(del.to_string().contains("append-only"), "{del}");
    // A payload that is not JSON is refused by the table itself.
    assert!(
        c.execute(
            "INSERT INTO events(ts, kind, payload) VALUES (1, 'call_end', '{oops')",
            []
        )
        .is_err()
    );
}
