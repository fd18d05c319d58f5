//! Runs the real `analog-sim` binary and collects its JSON lines.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const EXE: &str = env!("CARGO_BIN_EXE_analog-sim");

/// A running analog-sim whose stdout lines arrive on a channel.
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
        .expect("spawn analog-sim");
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
    /// Waits (at most `limit`) for the process to end; returns its status and lines.
    pub fn finish(mut self, limit: Duration) -> (ExitStatus, Vec<Value>) {
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
                        "analog-sim did not exit in {limit:?}; lines: {:#?}",
                        self.seen
                    )
                }
            }
        }
        let status = self.child.wait().expect("wait");
        (status, std::mem::take(&mut self.seen))
    }

    /// Waits until a line matching `pred` arrives.
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

pub fn sock(dir: &Path, name: &str) -> String {
    format!("unix:{}", dir.join(name).display())
}

/// Starts a co listening at `line` and waits until it listens.
pub fn co(line: &str, extra: &[&str]) -> Proc {
    let mut args = vec!["co", "--listen", "--line", line];
    args.extend_from_slice(extra);
    let mut p = spawn(&args);
    p.wait_for(Duration::from_secs(10), |v| v["event"] == "listening");
    p
}
