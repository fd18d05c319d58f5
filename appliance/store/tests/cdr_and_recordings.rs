//! CDRs and the recordings index.

use store::cdr::{Cdr, Direction, Disposition};
use store::recordings::{Legs, Recording};
use store::{Invalid, Rule, Store, StoreError, Timestamp};

fn cdr(id: &str, start: i64) -> Cdr {
    Cdr {
        call_id: id.into(),
        start: Timestamp(start),
        answer: Some(Timestamp(start + 5)),
        end: Timestamp(start + 60),
        caller: "13800138000".into(),
        callee: "1001".into(),
        direction: Direction::Inbound,
        disposition: Disposition::Answered,
        cause: Some(16),
        src_channel: "span1/1".into(),
        dst_channel: Some("sip/1001".into()),
        queue: None,
        agent: None,
    }
}

#[test]
fn cdrs_are_checked_and_listed_by_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("c.db")).unwrap();
    for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
        s.insert_cdr(&cdr(id, i as i64 * 100)).unwrap();
    }
    assert_eq!(s.cdr("b").unwrap().unwrap(), cdr("b", 100));
    let list = s.cdrs(Timestamp(50), Timestamp(300), 10).unwrap();
    assert_eq!(
        list.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(),
        ["b", "c"]
    );
    let cases = [
        (
            Cdr {
                end: Timestamp(-1),
                ..cdr("x", 0)
            },
            "cdr.end",
            Rule::EndBeforeStart,
        ),
        (
            Cdr {
                answer: None,
                ..cdr("x", 0)
            },
            "cdr.answer",
            Rule::Conflicts {
                other: "cdr.disposition",
            },
        ),
        (
            Cdr {
                call_id: "a".into(),
                ..cdr("a", 0)
            },
            "cdr.call_id",
            Rule::Duplicate,
        ),
    ];
    for (c, field, rule) in cases {
        match s.insert_cdr(&c) {
            Err(StoreError::Invalid(i)) => assert_eq!(i, Invalid::new(field, rule)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        s.cdrs(Timestamp(-1000), Timestamp(1000), 10).unwrap().len(),
        3
    );
}

fn rec(call: &str, path: &str, started: i64, retain: Option<i64>) -> Recording {
    Recording {
        id: 0,
        call_id: call.into(),
        path: path.into(),
        legs: Legs::Both,
        started: Timestamp(started),
        duration_ms: 60_000,
        paused: vec![(10_000, 25_000), (40_000, 41_000)],
        retain_until: retain.map(Timestamp),
        agent: Some("2001".into()),
        queue: Some("sales".into()),
    }
}

#[test]
fn recordings_index_search_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("r.db")).unwrap();
    let a = s
        .add_recording(&rec("c1", "/rec/c1.wav", 100, Some(1000)))
        .unwrap();
    s.add_recording(&rec("c2", "/rec/c2.wav", 200, None))
        .unwrap();
    let mut other = rec("c3", "/rec/c3.wav", 300, Some(5000));
    other.agent = Some("2002".into());
    s.add_recording(&other).unwrap();

    let got = s.recordings_for_call("c1").unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].paused, [(10_000, 25_000), (40_000, 41_000)]);
    assert_eq!(got[0].id, a);
    let by_agent = s
        .search_recordings(Timestamp(0), Timestamp(1000), Some("2001"), 10)
        .unwrap();
    assert_eq!(
        by_agent
            .iter()
            .map(|r| r.call_id.as_str())
            .collect::<Vec<_>>(),
        ["c2", "c1"]
    );
    assert_eq!(
        s.search_recordings(Timestamp(0), Timestamp(1000), None, 10)
            .unwrap()
            .len(),
        3
    );

    let expired = s.expired_recordings(Timestamp(2000)).unwrap();
    assert_eq!(expired.iter().map(|r| r.id).collect::<Vec<_>>(), [a]);
    s.forget_recording(a).unwrap();
    assert!(s.expired_recordings(Timestamp(2000)).unwrap().is_empty());
    assert!(matches!(
        s.forget_recording(a),
        Err(StoreError::NotFound { .. })
    ));

    let mut bad = rec("c4", "/rec/c4.wav", 0, None);
    bad.paused = vec![(5000, 4000)];
    assert!(matches!(
        s.add_recording(&bad),
        Err(StoreError::Invalid(Invalid {
            field: "recording.paused",
            rule: Rule::EndBeforeStart
        }))
    ));
    bad.paused = vec![(5000, 70_000)];
    assert!(matches!(
        s.add_recording(&bad),
        Err(StoreError::Invalid(Invalid {
            field: "recording.paused",
            ..
        }))
    ));
    assert!(matches!(
        s.add_recording(&rec("c9", "/rec/c2.wav", 0, None)),
        Err(StoreError::Invalid(Invalid {
            field: "recording.path",
            rule: Rule::Duplicate
        }))
    ));
}

#[test]
fn the_retention_sweep_pages_through_expired_rows_and_forgets_them_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("r.db")).unwrap();
    let mut ids = Vec::new();
    for i in 0..7 {
        let c = format!("c{i}");
        ids.push(
            s.add_recording(&rec(&c, &format!("/rec/{c}.wav"), 100, Some(1000)))
                .unwrap(),
        );
    }
    s.add_recording(&rec("kept", "/rec/kept.wav", 100, Some(9000)))
        .unwrap();
    let page = |s: &Store, after| -> Vec<i64> {
        s.expired_recordings_page(Timestamp(2000), after, 3)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let p1 = page(&s, 0);
    assert_eq!(p1, ids[..3]);
    // A row the sweep could not delete (its file stayed) does not come back on the next page.
    let p2 = page(&s, p1[2]);
    assert_eq!(p2, ids[3..6]);
    assert_eq!(page(&s, p2[2]), ids[6..]);
    assert!(page(&s, ids[6]).is_empty());
    assert_eq!(s.forget_recordings(&p2).unwrap(), 3);
    assert_eq!(s.forget_recordings(&p2).unwrap(), 0, "already gone");
    let left: Vec<i64> = s
        .expired_recordings(Timestamp(2000))
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, [ids[0], ids[1], ids[2], ids[6]]);
}
