//! Runs a tool that prints one JSON object per line on stdout (`pri-test`, `analog-sim`)
//! and collects those lines: [`Proc::spawn`] starts the real binary with a reader thread,
//! [`Proc::wait_for`] waits (bounded) for a line, [`Proc::finish`] waits (bounded) for the
//! process to end. Every wait has a deadline and panics with all lines seen so far.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running tool whose stdout lines arrive on a channel; killed when dropped.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    lines: Receiver<Value>,
    /// Every line received so far, in order.
    pub seen: Vec<Value>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// Starts `exe` with `args` (stderr inherited, so its messages show in the test
    /// output) and a thread reading its stdout lines.
    ///
    /// # Panics
    /// When the program cannot be started; the reader thread panics on a line that is not
    /// JSON (the test then sees the channel close early).
    #[must_use]
    pub fn spawn(exe: &str, args: &[&str]) -> Self {
        let name = Path::new(exe)
            .file_name()
            .map_or_else(|| exe.to_owned(), |n| n.to_string_lossy().into_owned());
        let mut child = Command::new(exe)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {exe}: {e}"));
        let out = child.stdout.take().expect("stdout is piped");
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
        Self {
            name,
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most `limit`) for the process to end; returns its status and all lines.
    ///
    /// # Panics
    /// When it has not ended by then, listing the lines seen.
    #[must_use]
    pub fn finish(mut self, limit: Duration) -> (ExitStatus, Vec<Value>) {
        let end = Instant::now() + limit;
        loop {
            match self
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(v) => self.seen.push(v),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{} did not exit in {limit:?}; lines: {:#?}",
                    self.name, self.seen
                ),
            }
        }
        let status = self.child.wait().expect("wait");
        (status, std::mem::take(&mut self.seen))
    }

    /// [`Proc::finish`], and the process must have exited with status 0.
    ///
    /// # Panics
    /// As [`Proc::finish`], or on a non-zero exit status.
    #[must_use]
    pub fn finish_ok(self, limit: Duration) -> Vec<Value> {
        let name = self.name.clone();
        let (status, lines) = self.finish(limit);
        assert!(
            status.success(),
            "{name} failed: {status}; lines {lines:#?}"
        );
        lines
    }

    /// Waits (at most `limit`) until a line matching `pred` arrives, or finds it among
    /// the lines already seen, and returns it.
    ///
    /// # Panics
    /// When none came in time (or the process ended first), listing the lines seen.
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
                Err(_) => panic!(
                    "{}: no matching line in {limit:?}; lines: {:#?}",
                    self.name, self.seen
                ),
            }
        }
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends signal `sig` (a name kill(1) knows: `TERM`, `USR1`) to the process.
    ///
    /// # Panics
    /// When kill(1) cannot be run or fails.
    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill(1)");
        assert!(st.success(), "kill -{sig} {}: {st}", self.pid());
    }
}

/// Lines whose "event" is `name`.
#[must_use]
pub fn events<'a>(lines: &'a [Value], name: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["event"] == name).collect()
}

/// The first line whose "event" is `name`.
///
/// # Panics
/// When there is none, listing all lines (so a bare `first(lines, "x");` asserts that an
/// "x" line came).
pub fn first<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|v| v["event"] == name)
        .unwrap_or_else(|| panic!("no {name} event in {lines:#?}"))
}

/// The `unix:PATH` argument for socket `name` in `dir`.
#[must_use]
pub fn sock(dir: &Path, name: &str) -> String {
    format!("unix:{}", dir.join(name).display())
}
