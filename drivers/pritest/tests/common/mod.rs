//! Runs the real `pri-test` binary and collects its JSON lines (the runner is
//! `testkit::json`); pri-test's own helpers: counters, the libpri peer, connecting.
#![allow(dead_code, unused_imports, unreachable_pub, missing_docs)]

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use socket2::{Domain, SockAddr, Socket, Type};

pub use testkit::json::{Proc, events, first, sock};

pub const EXE: &str = env!("CARGO_BIN_EXE_pri-test");

pub fn spawn(args: &[&str]) -> Proc {
    Proc::spawn(EXE, args)
}

/// The last counters line.
pub fn counters(lines: &[Value]) -> &Value {
    lines
        .iter()
        .rev()
        .find(|v| v["event"] == "counters")
        .unwrap_or_else(|| panic!("no counters line in {lines:#?}"))
}

/// The libpri C peer (`drivers/isdn/tests/peers/pri_peer.c`), built once per test process
/// by `testkit`.
pub fn peer_exe() -> &'static Path {
    testkit::libpri_peer!()
}

/// Connects to pri-test listening at `path` (retried while it starts).
pub fn connect(path: &Path) -> Socket {
    for _ in 0..500 {
        let s = Socket::new(Domain::UNIX, Type::SEQPACKET, None).unwrap();
        if s.connect(&SockAddr::unix(path).unwrap()).is_ok() {
            return s;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("pri-test never listened at {}", path.display());
}
