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
        },
    )
    .unwrap();
    st.execute(
        ctx,
        &Command::SetQueueCalendar {
            queue: support,
            hours: None,
        },
    )
    .unwrap();
    assert!(st.queue_calendars().unwrap().is_empty());
}
