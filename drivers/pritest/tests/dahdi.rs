//! `--dahdi SPANNO`: what can run without a card. DAHDI's kernel modules cannot load on the
//! dev machines, so the span is never really opened here: these tests check that a missing
//! DAHDI device tree is a clear error naming its path (exit 1), and that the argument rules
//! hold (exit 2). The span code itself is tested in tdm (tests/dahdi_span.rs, over a recorded
//! kernel); docs/e1-pri.md says what has not run.

mod common;

#[test]
fn missing_dahdi_devices_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dahdi");
    let out = std::process::Command::new(common::EXE)
        .args(["--role", "te", "--dahdi", "1", "--dahdi-root"])
        .arg(&root)
        .args(["--exit-after", "500"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&root.display().to_string()), "{err}");
    assert!(err.contains("DAHDI span 1"), "{err}");
}

#[test]
fn dahdi_argument_rules() {
    for args in [
        &["--role", "te", "--dahdi", "1", "--listen"][..],
        &["--role", "te", "--dahdi", "0"],
        &[
            "--role",
            "nt",
            "--dahdi",
            "1",
            "--line",
            "unix:/x",
            "--connect",
        ],
        &["--role", "nt", "--dahdi", "1", "--impair", "ais"],
    ] {
        let out = std::process::Command::new(common::EXE)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
