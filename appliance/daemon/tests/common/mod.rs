//! Runs the real `appliance` binary as a user (or systemd) would: a temp data directory,
//! an ephemeral loopback HTTP port, a NOTIFY_SOCKET the test owns, bounded waits.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod phones;
pub mod sipp;
pub mod ua_phone;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub const WAIT: Duration = Duration::from_secs(20);

pub struct Daemon {
    pub child: Child,
    lines: Receiver<String>,
    pub log: Vec<String>,
    pub notify: UnixDatagram,
    pub notes: Vec<String>,
    _dir: tempfile::TempDir,
    pub data: PathBuf,
}

impl Daemon {
    /// Starts `appliance --data-dir <tmp>/data --http 127.0.0.1:0 <extra>`.
    pub fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        Self::start_in(dir, data, extra)
    }

    pub fn start_in(dir: tempfile::TempDir, data: PathBuf, extra: &[&str]) -> Self {
        let sock = dir.path().join("notify.sock");
        // A previous daemon on the same directory left its socket file ([`Self::take_dir`]).
        let _ = std::fs::remove_file(&sock);
        let notify = UnixDatagram::bind(&sock).expect("notify socket");
        notify
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut child = Command::new(env!("CARGO_BIN_EXE_appliance"))
            .arg("--data-dir")
            .arg(&data)
            .args(["--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"])
            .args(extra)
            .env("NOTIFY_SOCKET", &sock)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn appliance");
        let err = child.stderr.take().expect("stderr");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines: rx,
            log: Vec::new(),
            notify,
            notes: Vec::new(),
            _dir: dir,
            data,
        }
    }

    /// Waits for a log line containing every one of `parts`; panics with the log on timeout.
    pub fn wait_log(&mut self, parts: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        if let Some(l) = self
            .log
            .iter()
            .find(|l| parts.iter().all(|p| l.contains(p)))
        {
            return l.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.log.push(l.clone());
                    if parts.iter().all(|p| l.contains(p)) {
                        return l;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!(
                        "no log line with {parts:?} within {WAIT:?}; log:\n{}",
                        self.log.join("\n")
                    )
                }
            }
        }
    }

    /// Waits for a notification datagram containing `what` (e.g. `READY=1`).
    pub fn wait_notify(&mut self, what: &str) -> String {
        let deadline = Instant::now() + WAIT;
        if let Some(n) = self.notes.iter().find(|n| n.contains(what)) {
            return n.clone();
        }
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            if let Ok(n) = self.notify.recv(&mut buf) {
                let s = String::from_utf8_lossy(&buf[..n]).into_owned();
                self.notes.push(s.clone());
                if s.contains(what) {
                    return s;
                }
            }
        }
        panic!(
            "no {what} notification within {WAIT:?}; got {:?}",
            self.notes
        )
    }

    /// The HTTP address from the "http listening" log line.
    pub fn http_addr(&mut self) -> String {
        self.listening("http listening")
    }

    /// The HTTPS address from the "https listening" log line (`--https`).
    pub fn https_addr(&mut self) -> String {
        self.listening("https listening")
    }

    /// The SIP address from the "sip listening" log line.
    pub fn sip_addr(&mut self) -> String {
        self.listening("sip listening")
    }

    /// The `addr=` of the first log line containing `what`.
    fn listening(&mut self, what: &str) -> String {
        let l = self.wait_log(&[what]);
        let at = l.find("addr=").expect("addr= in the line") + 5;
        l[at..]
            .split_whitespace()
            .next()
            .expect("address")
            .to_owned()
    }

    pub fn signal(&self, sig: Signal) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        kill(Pid::from_raw(pid), sig).expect("kill");
    }

    /// Waits for the exit (bounded), draining the log.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            while let Ok(l) = self.lines.try_recv() {
                self.log.push(l);
            }
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(100)) {
                    self.log.push(l);
                }
                return st;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "did not exit within {within:?}; log:\n{}",
                    self.log.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The temporary directory, for a next daemon on the same data once this one has
    /// exited (its own directory is then a fresh empty one).
    pub fn take_dir(&mut self) -> tempfile::TempDir {
        std::mem::replace(&mut self._dir, tempfile::tempdir().expect("tempdir"))
    }

    pub fn db(&self) -> PathBuf {
        self.data.join("appliance.db")
    }

    /// Takes in the log lines written so far without waiting; returns how many came.
    pub fn drain_log(&mut self) -> usize {
        let mut n = 0;
        while let Ok(l) = self.lines.try_recv() {
            self.log.push(l);
            n += 1;
        }
        n
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A plain HTTP/1.0 GET: (status, body).
pub fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// The value of an unlabelled or labelled metric line starting with `prefix`.
pub fn metric(body: &str, prefix: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// A CRM customer `name` of company ACME with one contact, `phone`; returns its id.
pub fn add_customer(st: &mut store::Store, name: &str, phone: &str, vip: bool) -> i64 {
    use store::crm::{NewContact, NewCustomer};
    st.create_customer(
        &NewCustomer {
            name: name.into(),
            company: "ACME".into(),
            vip,
            contacts: vec![NewContact {
                name: name.into(),
                phone: phone.into(),
                email: String::new(),
            }],
            ..NewCustomer::default()
        },
        store::Timestamp(1),
    )
    .expect("customer")
}
