//! The sipp runner shared by the interop tests (`sipp_interop.rs`, `ua_sipp_interop.rs`):
//! where sipp is, the skip message when it is missing, one bounded `-m 1` run on loopback,
//! and the path of a scenario in tests/sipp/.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::process::{Child, Command, Stdio};

/// Where Debian installs sipp (package sip-tester).
pub const SIPP: &str = "/usr/bin/sipp";

/// Whether sipp is installed; prints the skip message when it is not.
pub fn have_sipp() -> bool {
    if std::path::Path::new(SIPP).exists() {
        return true;
    }
    eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
    false
}

/// Starts sipp with `args` for one call (`-m 1`), bounded by `-timeout 15`, on 127.0.0.1,
/// its stderr piped for the failure message.
pub fn sipp(args: &[&str]) -> Child {
    Command::new(SIPP)
        .args(args)
        .args([
            "-nostdin",
            "-m",
            "1",
            "-timeout",
            "15",
            "-timeout_error",
            "-i",
            "127.0.0.1",
        ])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sipp")
}

/// The path of a scenario in tests/sipp/.
pub fn scenario(name: &str) -> String {
    format!("{}/tests/sipp/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// sipp's stderr, for a failure message.
pub fn stderr_of(child: &mut Child) -> String {
    let mut out = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut out);
    }
    out
}
