//! Runs the real `pri-test` binary and collects its JSON lines.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const EXE: &str = env!("CARGO_BIN_EXE_pri-test");

/// A running pri-test whose stdout lines arrive on a channel.
pub struct Proc {
    child: Child,
    lines: Receiver<Value>,
    pub seen: Vec<Value>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn(args: &[&str]) -> Proc {
    let mut child = Command::new(EXE)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn pri-test");
    let out = child.stdout.take().expect("stdout");
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            let v: Value =
                serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}"));
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    Proc {
        child,
        lines,
        seen: Vec::new(),
    }
}

impl Proc {
    /// Waits for the process to end (it must, by its --exit-after) and returns all its lines.
    pub fn finish(mut self, limit: Duration) -> Vec<Value> {
        let end = Instant::now() + limit;
        loop {
            match self
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(v) => self.seen.push(v),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "pri-test did not exit in {limit:?}; lines: {:#?}",
                        self.seen
                    )
                }
            }
        }
        let status = self.child.wait().expect("wait");
        assert!(
            status.success(),
            "pri-test failed: {status}; lines {:#?}",
            self.seen
        );
        std::mem::take(&mut self.seen)
    }

    /// Waits until a line matching `pred` arrives (and returns it).
    pub fn wait_for(&mut self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + limit;
        if let Some(v) = self.seen.iter().find(|v| pred(v)) {
            return v.clone();
        }
        loop {
            match self
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                Err(_) => panic!("no matching line in {limit:?}; lines: {:#?}", self.seen),
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Lines whose "event" is `name`.
pub fn events<'a>(lines: &'a [Value], name: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["event"] == name).collect()
}

/// The first line whose "event" is `name`, or a panic listing all.
pub fn first<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|v| v["event"] == name)
        .unwrap_or_else(|| panic!("no {name} event in {lines:#?}"))
}

/// The last counters line.
pub fn counters(lines: &[Value]) -> &Value {
    lines
        .iter()
        .rev()
        .find(|v| v["event"] == "counters")
        .unwrap_or_else(|| panic!("no counters line in {lines:#?}"))
}

pub fn sock(dir: &Path, name: &str) -> String {
    format!("unix:{}", dir.join(name).display())
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
