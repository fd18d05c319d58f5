//! A bad `--data-dir` or a database that is not ours / corrupt: a clear error, exit code 3,
//! nothing overwritten.

use std::process::Command;

fn run(data: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_appliance"))
        .arg("--data-dir")
        .arg(data)
        .args(["--http", "127.0.0.1:0"])
        .env_remove("NOTIFY_SOCKET")
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn data_dir_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("not-a-dir");
    std::fs::write(&f, b"keep me").expect("write");
    let (code, err) = run(&f);
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("is not a directory"), "{err}");
    assert_eq!(std::fs::read(&f).expect("read"), b"keep me");
}

#[test]
fn missing_parent_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = run(&dir.path().join("no/such/parent"));
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("creating data directory"), "{err}");
}

#[test]
fn corrupt_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("appliance.db");
    let junk: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&db, &junk).expect("write");
    let (code, err) = run(dir.path());
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("opening the database"), "{err}");
    assert_eq!(
        std::fs::read(&db).expect("read"),
        junk,
        "database file changed"
    );
}

#[test]
fn another_applications_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("appliance.db");
    // A database file of another application: made by the store, then stamped with a
    // foreign application_id.
    let st = store::Store::open(&db).expect("create");
    st.checkpoint().expect("checkpoint");
    drop(st);
    let mut bytes = std::fs::read(&db).expect("read");
    // SQLite header: application_id at offset 68 (big-endian u32).
    bytes[68..72].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    std::fs::write(&db, &bytes).expect("write");
    let _ = std::fs::remove_file(dir.path().join("appliance.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("appliance.db-shm"));
    let (code, err) = run(dir.path());
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("opening the database"), "{err}");
    assert_eq!(
        std::fs::read(&db).expect("read"),
        bytes,
        "database file changed"
    );
}
