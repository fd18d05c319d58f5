//! Opening a database: pragmas, refusal of newer and foreign files, the schema check.

use store::{APPLICATION_ID, SCHEMA_VERSION, Store, StoreError};

#[test]
fn fresh_database_gets_wal_foreign_keys_and_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(store.pre_upgrade_backup().is_none());
    assert_eq!(store.config_revision().unwrap(), 0);
    drop(store);
    // Look at the file with a plain connection.
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let app: i32 = c
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    // FTS5 is compiled in.
    let fts: i64 = c
        .query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fts, 1);
    // Reopening is a no-op.
    let store = Store::open(&path).unwrap();
    assert!(store.pre_upgrade_backup().is_none());
    store.check_integrity().unwrap();
}

#[test]
fn foreign_keys_are_enforced_on_store_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    // A contact for a customer that does not exist is refused by the API...
    let err = store
        .add_contact(
            42,
            &store::crm::NewContact {
                name: "x".into(),
                phone: "1234567".into(),
                email: String::new(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    // ...and the connection settings are the ones documented.
    drop(store);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "foreign_keys", true).unwrap();
    let e = c.execute(
        "INSERT INTO contacts(customer_id, name, phone_raw, phone_norm) VALUES (42, 'x', '1', '1')",
        [],
    );
    assert!(e.is_err());
}

#[test]
fn database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(Store::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    c.execute_batch("CREATE TABLE from_the_future(x)").unwrap();
    drop(c);
    let err = Store::open(&path).unwrap_err();
    match err {
        StoreError::NewerSchema { found, supported } => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        e => panic!("{e}"),
    }
    assert!(err_text(&path).contains("newer"));
    let c = rusqlite::Connection::open(&path).unwrap();
    let v: u32 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION + 1);
}

fn err_text(path: &std::path::Path) -> String {
    Store::open(path).unwrap_err().to_string()
}

#[test]
fn another_applications_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE notes(x); INSERT INTO notes VALUES (1);")
        .unwrap();
    drop(c);
    assert!(matches!(
        Store::open(&path).unwrap_err(),
        StoreError::NotOurDatabase { found: 0, .. }
    ));
    // A file that is not SQLite at all.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x55_u8; 8192]).unwrap();
    assert!(matches!(
        Store::open(&junk).unwrap_err(),
        StoreError::Sqlite(_)
    ));
}

#[test]
fn missing_table_fails_the_schema_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(Store::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DROP TABLE recordings").unwrap();
    drop(c);
    match Store::open(&path).unwrap_err() {
        StoreError::SchemaMismatch { table, version } => {
            assert_eq!((table, version), ("recordings", SCHEMA_VERSION));
        }
        e => panic!("{e}"),
    }
}
