//! Runs the real `appliance-console` binary on the slave end of a pty pair; the test is the
//! technician's terminal on the master end. Also starts the real `appliance` daemon.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(20);
pub const PROMPT: &str = "appliance# ";
pub const TECH: &str = "tech";
pub const TECH_PASSWORD: &str = "field-service-1";

/// A temp data directory and root directory, with the technician account created through
/// the binary's own `technician add`.
pub struct Rig {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub root: PathBuf,
}

impl Rig {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&data).expect("data dir");
        std::fs::create_dir_all(&root).expect("root dir");
        let b = Self { dir, data, root };
        b.add_technician(TECH, TECH_PASSWORD);
        b
    }

    pub fn add_technician(&self, name: &str, password: &str) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_appliance-console"))
            .arg("--data-dir")
            .arg(&self.data)
            .args(["technician", "add", name])
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn technician add");
        writeln!(c.stdin.take().expect("stdin"), "{password}").expect("password");
        assert!(c.wait().expect("wait").success(), "technician add failed");
    }

    pub fn db(&self) -> PathBuf {
        self.data.join("appliance.db")
    }

    pub fn store(&self) -> store::Store {
        store::Store::open(self.db()).expect("open store")
    }
}

/// A free loopback port (bound and released; good enough for a test).
pub fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").to_string()
}

pub struct Console {
    child: Child,
    master: File,
    _slave: OwnedFd,
    rx: Receiver<Vec<u8>>,
    /// Everything received, as text.
    pub seen: String,
    /// How far `expect` has consumed `seen`.
    pos: usize,
}

impl Console {
    pub fn start(b: &Rig, daemon: &str, extra: &[&str]) -> Self {
        let pty = nix::pty::openpty(
            None::<&nix::pty::Winsize>,
            None::<&nix::sys::termios::Termios>,
        )
        .expect("openpty");
        let path = nix::unistd::ttyname(&pty.slave).expect("ttyname");
        let child = Command::new(env!("CARGO_BIN_EXE_appliance-console"))
            .arg("--device")
            .arg(&path)
            .arg("--data-dir")
            .arg(&b.data)
            .arg("--root")
            .arg(&b.root)
            .args(["--daemon", daemon])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn appliance-console");
        let master = File::from(pty.master);
        let mut reader = master.try_clone().expect("clone master");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Self {
            child,
            master,
            _slave: pty.slave,
            rx,
            seen: String::new(),
            pos: 0,
        }
    }

    /// Types bytes on the terminal.
    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to pty");
    }

    /// Waits for `needle` after what was consumed so far; returns the text up to and
    /// including it and consumes it. Panics with the transcript on timeout.
    pub fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(i) = self.seen[self.pos..].find(needle) {
                let end = self.pos + i + needle.len();
                let out = self.seen[self.pos..end].to_owned();
                self.pos = end;
                return out;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(b) => self.seen.push_str(&String::from_utf8_lossy(&b)),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "no {needle:?} within {WAIT:?}; transcript since the last match:\n{}",
                    &self.seen[self.pos..]
                ),
            }
        }
    }

    /// Waits for the first of `needles`; as [`Self::expect`].
    pub fn expect_any(&mut self, needles: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let hit = needles
                .iter()
                .filter_map(|n| self.seen[self.pos..].find(n).map(|i| i + n.len()))
                .min();
            if let Some(end) = hit {
                let out = self.seen[self.pos..self.pos + end].to_owned();
                self.pos += end;
                return out;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(b) => self.seen.push_str(&String::from_utf8_lossy(&b)),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "none of {needles:?} within {WAIT:?}; transcript since the last match:\n{}",
                    &self.seen[self.pos..]
                ),
            }
        }
    }

    /// Logs in; returns the text up to the next login prompt (refused) or command prompt.
    pub fn login(&mut self, user: &str, password: &str) -> String {
        self.expect("login: ");
        self.send(format!("{user}\r").as_bytes());
        self.expect("Password: ");
        self.send(format!("{password}\r").as_bytes());
        let out = self.expect_any(&["login: ", PROMPT]);
        if out.ends_with("login: ") {
            // Leave the login prompt for the next `login`.
            self.pos -= "login: ".len();
        }
        out
    }

    pub fn login_tech(&mut self) {
        let l = self.login(TECH, TECH_PASSWORD);
        assert!(l.ends_with(PROMPT), "{l}");
    }

    pub fn logout(&mut self) {
        self.send(b"logout\r");
        self.expect("logged out");
    }

    /// Runs a command line; returns its output (echo included) up to the next prompt.
    pub fn cmd(&mut self, line: &str) -> String {
        self.send(format!("{line}\r").as_bytes());
        self.expect(PROMPT)
    }

    /// Answers a question.
    pub fn answer(&mut self, prompt: &str, answer: &str) {
        self.expect(prompt);
        self.send(format!("{answer}\r").as_bytes());
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `appliance` daemon binary next to ours. `cargo test --workspace` (make test) has
/// built it already; with `cargo test -p console` alone it is built here on first use (same
/// profile). An existing binary is used as is: after changing the daemon, build it again.
pub fn daemon_binary() -> PathBuf {
    let ours = Path::new(env!("CARGO_BIN_EXE_appliance-console"));
    let dir = ours.parent().expect("target dir");
    let bin = dir.join("appliance");
    if bin.exists() {
        return bin;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut c = Command::new(cargo);
    c.args(["build", "--quiet", "-p", "appliance", "--bin", "appliance"]);
    if dir.ends_with("release") {
        c.arg("--release");
    }
    let st = c.status().expect("cargo build -p appliance");
    assert!(st.success(), "building the daemon failed");
    assert!(bin.exists(), "{} missing after the build", bin.display());
    bin
}

pub struct Daemon {
    child: Child,
    pub addr: String,
}

impl Daemon {
    /// `appliance --demo --data-dir DATA --http ADDR --sip 127.0.0.1:0 --carrier-interval-ms 0`, waiting until
    /// its metrics list span1.
    pub fn start(b: &Rig, addr: &str) -> Self {
        let child = Command::new(daemon_binary())
            .arg("--data-dir")
            .arg(&b.data)
            // SIP on a free port: 5060 may be taken by another test's daemon (make test runs in parallel).
            .args([
                "--demo",
                "--http",
                addr,
                "--sip",
                "127.0.0.1:0",
                "--carrier-interval-ms",
                "0",
            ])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn appliance");
        let d = Self {
            child,
            addr: addr.to_owned(),
        };
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(body) = get(addr, "/metrics")
                && body.contains("appliance_span_alarms{span=\"span1\"}")
            {
                return d;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the daemon did not list span1 within {WAIT:?}");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 GET; `None` when nothing answers.
pub fn get(addr: &str, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}
