//! Runs the real `analog-sim` binary and collects its JSON lines (the runner is
//! `testkit::json`).
#![allow(dead_code, unused_imports, unreachable_pub, missing_docs)]

use std::time::Duration;

pub use testkit::json::{Proc, events, first, sock};

pub const EXE: &str = env!("CARGO_BIN_EXE_analog-sim");

pub fn spawn(args: &[&str]) -> Proc {
    Proc::spawn(EXE, args)
}

/// Starts a co listening at `line` and waits until it listens.
pub fn co(line: &str, extra: &[&str]) -> Proc {
    let mut args = vec!["co", "--listen", "--line", line];
    args.extend_from_slice(extra);
    let mut p = spawn(&args);
    p.wait_for(Duration::from_secs(10), |v| v["event"] == "listening");
    p
}
