//! Online backup while another connection keeps writing; restore with validation and an
//! all-or-nothing swap seen by every connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use store::config::{ExtensionConfig, ExtensionKind};
use store::events::{EventFilter, EventKind, NewEvent};
use store::{Command, CommandContext, SCHEMA_VERSION, Store, StoreError, Timestamp};

const CTX: CommandContext<'static> = CommandContext {
    actor: "t",
    ts: Timestamp(0),
};

fn ext(n: u32) -> Command {
    Command::CreateExtension(ExtensionConfig {
        number: n.to_string(),
        name: format!("E{n}"),
        kind: ExtensionKind::Sip,
        sip_password: Some(format!("secret{n}")),
        digest_algorithms: Default::default(),
        caller_id: Default::default(),
    })
}

fn all_events(s: &Store) -> Vec<i64> {
    s.events(&EventFilter {
        limit: Some(u32::MAX),
        ..EventFilter::default()
    })
    .unwrap()
    .iter()
    .map(|e| e.id)
    .collect()
}

#[test]
fn backup_while_another_connection_writes_is_a_consistent_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let reader = Store::open(&path).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (path, stop) = (path, Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut w = Store::open(&path).unwrap();
            let mut n = 0_u32;
            // Bounded; stopped by the flag long before.
            while !stop.load(Ordering::Relaxed) && n < 200_000 {
                n += 1;
                w.execute(CTX, &ext(10_000 + n)).unwrap();
                let batch: Vec<NewEvent> = (0..4)
                    .map(|_| {
                        NewEvent::new(Timestamp(i64::from(n)), EventKind::CallStart)
                            .call(format!("c{n}"))
                    })
                    .collect();
                w.append_events(&batch).unwrap();
            }
            n
        })
    };
    // Let the writer get going, then take three backups while it writes.
    while reader.last_event_id().unwrap() < 40 {
        std::thread::yield_now();
    }
    let mut snapshots = Vec::new();
    for k in 0..3 {
        let b = dir.path().join(format!("b{k}.db"));
        reader.backup_to(&b).unwrap();
        snapshots.push(b);
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    let live_events = all_events(&reader).len();
    assert_eq!(live_events, written as usize * 4);

    let mut last = 0;
    for b in &snapshots {
        // A self-contained file: no -wal beside it.
        assert!(
            !dir.path()
                .join(format!("{}-wal", b.file_name().unwrap().to_str().unwrap()))
                .exists()
        );
        let copy = dir.path().join("open-copy.db");
        std::fs::copy(b, &copy).unwrap();
        let s = Store::open(&copy).unwrap();
        s.check_integrity().unwrap();
        // A snapshot: events 1..=k with no hole, whole batches only, and the config of the
        // same instant (one extension per batch, written just before it).
        let ids = all_events(&s);
        assert!(!ids.is_empty());
        assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());
        assert_eq!(ids.len() % 4, 0);
        let exts = s.extensions().unwrap().len();
        let batches = ids.len() / 4;
        assert!(
            exts == batches || exts == batches + 1,
            "{exts} extensions, {batches} batches"
        );
        assert_eq!(s.config_revision().unwrap() as usize, exts);
        assert!(ids.len() >= last);
        last = ids.len();
        drop(s);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
        }
    }
    assert!(last <= live_events);
}

#[test]
fn restore_brings_back_the_backup_for_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut admin = Store::open(&path).unwrap();
    let daemon = Store::open(&path).unwrap();
    admin.execute_all(CTX, &[ext(1001), ext(1002)]).unwrap();
    admin
        .append_event(&NewEvent::new(Timestamp(1), EventKind::CallStart))
        .unwrap();
    let bak = dir.path().join("monday.db");
    admin.backup_to(&bak).unwrap();

    admin
        .execute_all(CTX, &[ext(1003), ext(1004), ext(1005)])
        .unwrap();
    admin
        .append_event(&NewEvent::new(Timestamp(2), EventKind::CallEnd))
        .unwrap();
    assert_eq!(daemon.config_revision().unwrap(), 5);

    let report = admin.restore_from(&bak).unwrap();
    assert_eq!(report.from_version, SCHEMA_VERSION);
    assert_eq!(report.schema_version, SCHEMA_VERSION);
    assert_eq!(report.config_revision, 2);
    for s in [&admin, &daemon] {
        assert_eq!(s.config_revision().unwrap(), 2);
        assert_eq!(
            s.extensions()
                .unwrap()
                .iter()
                .map(|e| e.config.number.as_str())
                .collect::<Vec<_>>(),
            ["1001", "1002"]
        );
        assert_eq!(all_events(s), [1]);
        s.check_integrity().unwrap();
    }
    // The restored database keeps working.
    admin.execute(CTX, &ext(1006)).unwrap();
    assert_eq!(daemon.config_revision().unwrap(), 3);
    // No working files left behind.
    assert!(!dir.path().join("live.db.restore").exists());
}

#[test]
fn bad_backups_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut s = Store::open(&path).unwrap();
    s.execute(CTX, &ext(1001)).unwrap();
    let good = dir.path().join("good.db");
    s.backup_to(&good).unwrap();

    // Not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not sqlite".repeat(500)).unwrap();
    assert!(matches!(s.restore_from(&junk), Err(StoreError::Sqlite(_))));
    // Someone else's database.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    assert!(matches!(
        s.restore_from(&other),
        Err(StoreError::NotOurDatabase { .. })
    ));
    // From a newer program.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    assert!(matches!(
        s.restore_from(&newer),
        Err(StoreError::NewerSchema { .. })
    ));
    // Damaged: the b-tree page of the extensions table gets an invalid page type.
    let damaged = dir.path().join("damaged.db");
    std::fs::copy(&good, &damaged).unwrap();
    let (root, page_size): (i64, i64) = {
        let c = rusqlite::Connection::open(&damaged).unwrap();
        (
            c.query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'extensions'",
                [],
                |r| r.get(0),
            )
            .unwrap(),
            c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap(),
        )
    };
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[((root - 1) * page_size) as usize] = 0x07;
    std::fs::write(&damaged, bytes).unwrap();
    let r = s.restore_from(&damaged);
    assert!(
        matches!(r, Err(StoreError::Corrupt { .. } | StoreError::Sqlite(_))),
        "{r:?}"
    );
    // A missing file.
    assert!(matches!(
        s.restore_from(dir.path().join("nope.db")),
        Err(StoreError::Io(_))
    ));

    assert_eq!(s.config_revision().unwrap(), 1);
    s.execute(CTX, &ext(1002)).unwrap();
    assert_eq!(s.extensions().unwrap().len(), 2);
    s.check_integrity().unwrap();
    assert!(s.restore_from(&good).is_ok());
    assert_eq!(s.extensions().unwrap().len(), 1);
}
