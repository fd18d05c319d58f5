//! The libpri peer shared by the interop tests: `tests/peers/pri_peer.c` built against the
//! installed libpri 1.6 once per test process (by `testkit`), and runs it on one end of a `SOCK_SEQPACKET`
//! socketpair (one LAPD frame with its FCS-16 per packet, as a DAHDI hardware-HDLC channel).
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use socket2::{Domain, Socket, Type};

pub mod session;

/// One scenario at a time: the child inherits its socket end by fd number, and no other
/// test's socket may leak into it.
pub static SERIAL: Mutex<()> = Mutex::new(());

/// The C peer, built once per test process (`testkit`).
pub fn peer_exe() -> &'static Path {
    testkit::libpri_peer!()
}

/// Our end and the end the child inherits (FD_CLOEXEC cleared).
pub fn socketpair() -> (Socket, Socket) {
    let (ours, theirs) = Socket::pair(Domain::UNIX, Type::SEQPACKET, None).expect("socketpair");
    theirs.set_cloexec(false).expect("clear FD_CLOEXEC");
    (ours, theirs)
}

/// A running libpri peer: commands go to its stdin, its event lines come from `lines`.
pub struct Peer {
    pub child: Child,
    pub stdin: ChildStdin,
    pub lines: Receiver<String>,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    /// Starts the peer in `role` ("nt" or "te") on the inherited socket `fd_for_child`.
    pub fn spawn(role: &str, fd_for_child: &Socket) -> Self {
        Self::spawn_switch(role, "euroisdn", fd_for_child)
    }

    /// As [`Peer::spawn`], with libpri's switch type `switch` ("euroisdn" or "qsig").
    pub fn spawn_switch(role: &str, switch: &str, fd_for_child: &Socket) -> Self {
        use std::os::fd::AsRawFd;
        let mut child = Command::new(peer_exe())
            .arg(fd_for_child.as_raw_fd().to_string())
            .arg(role)
            .arg("debug")
            .arg(switch)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pri_peer");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = Arc::clone(&log);
        std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines().map_while(Result::ok) {
                log2.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(l);
            }
        });
        Self {
            child,
            stdin,
            lines,
            stderr: log,
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
