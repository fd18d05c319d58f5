#![allow(dead_code, unreachable_pub, missing_docs)]
//! The analog line peers of the daemon's tests: `analog-sim` (drivers/analogsim, the real
//! binary) as a phone on an FXS port's line jack or as a central office on an FXO port's,
//! with `--record` so the test can measure what the line carried.

use std::path::{Path, PathBuf};

use testkit::json::Proc;

/// The `analog-sim` binary next to the `appliance` binary under test. It is another
/// package's binary, so `cargo test -p appliance` does not build it:
/// `cargo build -p analogsim` first (the test says so when it is missing).
pub fn analog_sim() -> String {
    let exe = Path::new(env!("CARGO_BIN_EXE_appliance")).with_file_name("analog-sim");
    assert!(
        exe.exists(),
        "{} is missing: run `cargo build -p analogsim` before these tests",
        exe.display()
    );
    exe.display().to_string()
}

/// Starts `analog-sim ROLE --line unix:<data>/<jack> --record <rec> ARGS...` (it connects
/// to the daemon's listening jack, retrying for up to 10 s).
pub fn sim(role: &str, data: &Path, jack: &str, rec: &Path, args: &[&str]) -> Proc {
    let line = format!("unix:{}", data.join(jack).display());
    let rec = rec.display().to_string();
    let mut a = vec![role, "--line", line.as_str(), "--record", rec.as_str()];
    a.extend_from_slice(args);
    Proc::spawn(&analog_sim(), &a)
}

/// The samples `analog-sim --record` wrote (raw 8 kHz s16le).
pub fn recorded(path: &PathBuf) -> Vec<i16> {
    std::fs::read(path)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}
