//! A queue opened by a business-hours calendar (schema step v10): the link is set, changed
//! and removed through the validated, audited command (an update of the queue, so a
//! SIGHUP applies it); an unknown queue or calendar is refused and nothing is written;
//! deleting the calendar removes the link.

use store::desk::{BusinessHoursConfig, OpenSpan};
use store::{Command, CommandContext, Entity, Op, Store, StoreError, Timestamp};

fn hours(name: &str) -> Command {
    Command::CreateBusinessHours(BusinessHoursConfig {
        name: name.into(),
        utc_offset_min: 480,
        weekly: vec![OpenSpan {
            day: 0,
            open_min: 540,
            close_min: 1080,
        }],
        holidays: Vec::new(),
    })
}

#[test]
fn a_queue_names_its_calendar_and_bad_links_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("q.db")).unwrap();
    st.seed_demo(Timestamp::from_secs(1_700_000_000))
        .unwrap()
        .unwrap();
    let ctx = CommandContext {
        actor: "admin",
        ts: Timestamp(5),
    };
    let main = st.execute(ctx, &hours("main")).unwrap().id;
    let late = st.execute(ctx, &hours("late")).unwrap().id;
    let support = st
        .queues()
        .unwrap()
        .into_iter()
        .find(|q| q.config.name == "support")
        .unwrap()
        .id;
    assert_eq!(st.queue_calendar(support).unwrap(), None);

    let rev = st.config_revision().unwrap();
    let ch = st
        .execute(
            ctx,
            &Command::SetQueueCalendar {
                queue: support,
                hours: Some(main),
                closed: None,
            },
        )
        .unwrap();
    assert_eq!(
        (ch.entity, ch.id, ch.op),
        (Entity::Queue, support, Op::Update)
    );
    assert_eq!(ch.revision, rev + 1);
    assert_eq!(st.queue_calendar(support).unwrap(), Some(main));
    let audit = st.changes_since(rev).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "admin");

    // Changed, then refused links leave it as it was.
    st.execute(
        ctx,
        &Command::SetQueueCalendar {
            queue: support,
            hours: Some(late),
            closed: None,
        },
    )
    .unwrap();
    let rev = st.config_revision().unwrap();
    let e = st
        .execute(
            ctx,
            &Command::SetQueueCalendar {
                queue: support,
                hours: Some(9999),
                closed: None,
            },
        )
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    let e = st
        .execute(
            ctx,
            &Command::SetQueueCalendar {
                queue: 9999,
                hours: Some(main),
                closed: None,
            },
        )
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
    assert_eq!(st.config_revision().unwrap(), rev);
    assert_eq!(st.queue_calendars().unwrap(), vec![(support, late)]);

    // Removing the calendar removes the link; `None` clears it too.
    st.execute(ctx, &Command::DeleteBusinessHours { id: late })
        .unwrap();
    assert_eq!(st.queue_calendar(support).unwrap(), None);
    st.execute(
        ctx,
        &Command::SetQueueCalendar {
            queue: support,
            hours: Some(main),
            closed: None,
        },
    )
    .unwrap();
    st.execute(
        ctx,
        &Command::SetQueueCalendar {
            queue: support,
            hours: None,
            closed: None,
        },
    )
    .unwrap();
    assert!(st.queue_calendars().unwrap().is_empty());
}

/// Schema step v13: a queue's own closed destination is set with its calendar, read back,
/// changed, refused when it names no queue, the queue itself or has no calendar, and goes
/// with the calendar link.
#[test]
fn a_closed_queue_names_its_own_destination() {
    use store::queuehours::{ClosedDestination, QueueSchedule};
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(dir.path().join("q.db")).unwrap();
    st.seed_demo(Timestamp::from_secs(1_700_000_000))
        .unwrap()
        .unwrap();
    let ctx = CommandContext {
        actor: "admin",
        ts: Timestamp(5),
    };
    let main = st.execute(ctx, &hours("main")).unwrap().id;
    let id = |st: &Store, name: &str| {
        st.queues()
            .unwrap()
            .into_iter()
            .find(|q| q.config.name == name)
            .unwrap()
            .id
    };
    let (support, sales) = (id(&st, "support"), id(&st, "sales"));
    let set = |st: &mut Store, queue: i64, hours: Option<i64>, closed: Option<&str>| {
        st.execute(
            ctx,
            &Command::SetQueueCalendar {
                queue,
                hours,
                closed: closed.map(|c| ClosedDestination::parse(c).unwrap()),
            },
        )
    };
    set(&mut st, support, Some(main), Some("voicemail:702")).unwrap();
    assert_eq!(
        st.queue_schedule(support).unwrap(),
        Some(QueueSchedule {
            queue_id: support,
            hours_id: main,
            closed: Some(ClosedDestination::Voicemail("702".into())),
        })
    );
    set(&mut st, sales, Some(main), Some("queue:support")).unwrap();
    set(&mut st, support, Some(main), Some("8000")).unwrap();
    let all = st.queue_schedules().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all.iter().find(|s| s.queue_id == support).unwrap().closed,
        Some(ClosedDestination::Number("8000".into()))
    );
    assert_eq!(
        all.iter().find(|s| s.queue_id == sales).unwrap().closed,
        Some(ClosedDestination::Queue("support".into()))
    );
    let rev = st.config_revision().unwrap();
    let invalid = |e: StoreError, field: &str| match e {
        StoreError::Invalid(i) => assert_eq!(i.field, field),
        other => panic!("{other:?}"),
    };
    invalid(
        set(&mut st, sales, Some(main), Some("queue:nope")).unwrap_err(),
        "queue.closed_to",
    );
    invalid(
        set(&mut st, sales, Some(main), Some("queue:sales")).unwrap_err(),
        "queue.closed_to",
    );
    invalid(
        set(&mut st, sales, None, Some("hangup")).unwrap_err(),
        "queue.closed_to",
    );
    assert_eq!(st.config_revision().unwrap(), rev);
    assert_eq!(st.queue_schedules().unwrap(), all);
    // Setting the calendar without a destination goes back to the default.
    set(&mut st, support, Some(main), None).unwrap();
    assert_eq!(st.queue_schedule(support).unwrap().unwrap().closed, None);
    set(&mut st, sales, None, None).unwrap();
    assert_eq!(st.queue_schedule(sales).unwrap(), None);
}

#[test]
fn closed_destination_text_forms() {
    use store::queuehours::ClosedDestination as D;
    for (text, want) in [
        ("hangup", D::Hangup),
        ("voicemail:702", D::Voicemail("702".into())),
        ("queue:sales", D::Queue("sales".into())),
        ("ivr:main", D::Ivr("main".into())),
        ("1001", D::Number("1001".into())),
        ("013800138000", D::Number("013800138000".into())),
    ] {
        let d = D::parse(text).unwrap();
        assert_eq!(d, want, "{text}");
        assert_eq!(D::parse(&d.to_text()).unwrap(), d);
    }
    for bad in [
        "",
        "voicemail:",
        "voicemail:7a",
        "queue:",
        "ivr:",
        "ivr:a b",
        "ext:1001",
        "10 01",
        "hangup now",
    ] {
        let e = D::parse(bad).unwrap_err();
        assert_eq!(e.field, "queue.closed_to", "{bad}");
    }
}
