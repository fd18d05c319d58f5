//! Interop: our Q.921 (`isdn::q921::Link`) against the real libpri 1.6 (Debian libpri-dev),
//! first over a `VirtDchan` (the D-channel-only format libpri's `pri_new_cb()` reads), then
//! across a raw E1 virtual line: libpri - D-channel socket - span A = E1 = span B - our Link,
//! the D-channel carried by HDLC on TS16 of the two framers.
//!
//! The libpri side is the `isdn` crate's peer program (`drivers/isdn/tests/peers/pri_peer.c`),
//! built from its source by the dev-only `testkit` crate. Real time (libpri runs its own timers), a few seconds at most.
#![cfg(feature = "virt")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use isdn::q921::{Config, Event, Link, Role, State};
use tdm::Span;
use tdm::virt::{VirtDchan, VirtE1Config, VirtE1Span};

/// One scenario at a time: the child inherits its socket by fd number.
static SERIAL: Mutex<()> = Mutex::new(());

/// Q.931 RESTART, all interfaces, global call reference (libpri answers RESTART ACK).
const RESTART_ALL: [u8; 8] = [0x08, 0x02, 0x00, 0x00, 0x46, 0x79, 0x01, 0x87];
const MT_RESTART_ACK: u8 = 0x4E;

/// The libpri peer program, built once per test process by `testkit`.
fn peer_exe() -> &'static Path {
    testkit::libpri_peer!()
}

struct Peer {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Peer {
    /// libpri in `role` ("nt"/"te") on one end of a new D-channel line; returns our end.
    fn spawn(role: &str) -> (Self, VirtDchan) {
        use std::os::fd::AsRawFd;
        let (ours, theirs) = tdm::virt::pair().unwrap();
        theirs.set_cloexec(false).unwrap();
        let mut child = Command::new(peer_exe())
            .arg(theirs.as_raw_fd().to_string())
            .arg(role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn pri_peer");
        drop(theirs);
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let peer = Self {
            child,
            lines,
            seen: Vec::new(),
        };
        (peer, VirtDchan::new(ours).unwrap())
    }

    fn said(&mut self, needle: &str) -> bool {
        self.seen.extend(self.lines.try_iter());
        self.seen.iter().any(|l| l.contains(needle))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Our Q.921 entity on the far side of some transport.
struct Ours {
    link: Link,
    start: Instant,
    events: Vec<Event>,
}

impl Ours {
    fn new(role: Role) -> Self {
        Self {
            link: Link::new(role, Config::default()),
            start: Instant::now(),
            events: Vec::new(),
        }
    }

    fn now(&self) -> tdm::Instant {
        tdm::Instant::from_micros(u64::try_from(self.start.elapsed().as_micros()).unwrap())
    }

    fn input(&mut self, frame: &[u8]) {
        let now = self.now();
        self.link.handle_input(now, frame);
    }

    fn tick(&mut self) {
        let now = self.now();
        if self.link.poll_timeout().is_some_and(|t| t <= now) {
            self.link.handle_timeout(now);
        }
        self.events
            .extend(std::iter::from_fn(|| self.link.poll_event()));
    }

    fn restart_acks(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Data(d) if d.len() > 4 && d[4] == MT_RESTART_ACK))
            .count()
    }
}

/// Runs `step` every millisecond until `done` or 5 s.
fn run_until(mut step: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if step() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

#[test]
fn our_q921_comes_up_with_libpri_over_a_virt_dchan() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (ours_role, libpri_role) in [(Role::Network, "te"), (Role::User, "nt")] {
        let (mut peer, mut line) = Peer::spawn(libpri_role);
        let mut us = Ours::new(ours_role);
        let now = us.now();
        us.link.establish(now);
        let mut sent_restart = false;
        let mut buf = [0u8; 512];
        let ok = run_until(|| {
            while let Some(n) = line.recv(&mut buf).unwrap() {
                us.input(&buf[..n]);
            }
            us.tick();
            while let Some(f) = us.link.poll_transmit() {
                line.send(&f).unwrap();
            }
            if !sent_restart && us.link.state() == State::MultipleFrameEstablished {
                let now = us.now();
                us.link.send(now, &RESTART_ALL).unwrap();
                sent_restart = true;
            }
            peer.said("DCHAN_UP") && us.restart_acks() == 1
        });
        assert!(
            ok,
            "{ours_role:?}: state {:?}, events {:?}, libpri {:?}",
            us.link.state(),
            us.events,
            peer.seen
        );
        assert_eq!(line.counters().bad_fcs, 0);
    }
}

#[test]
fn our_q921_comes_up_with_libpri_across_a_virtual_e1_line() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (mut peer, mut dchan) = Peer::spawn("te");
    // libpri's side of the E1 line is span A (its D-channel relayed to TS16); ours is span B.
    let (mut a, mut b) =
        VirtE1Span::pair(VirtE1Config::default(), VirtE1Config::default()).unwrap();
    let mut us = Ours::new(Role::Network);
    let mut buf = [0u8; 512];
    let mut sink = [[0u8; 8]; 32];
    let mut established = false;
    let mut sent_restart = false;
    let mut elapsed_ms = 0u64;
    let start = Instant::now();
    let ok = run_until(|| {
        // Keep the E1 line at its nominal 8000 frames/s of wall-clock time.
        let due = u64::try_from(start.elapsed().as_millis()).unwrap();
        while elapsed_ms < due {
            a.pump(8).unwrap();
            b.pump(8).unwrap();
            elapsed_ms += 1;
        }
        while a.read_chunk(&mut sink).unwrap() > 0 {}
        while b.read_chunk(&mut sink).unwrap() > 0 {}
        // libpri -> socket -> span A's TS16; span A's TS16 -> socket -> libpri.
        while let Some(n) = dchan.recv(&mut buf).unwrap() {
            a.write_dchannel(&buf[..n]).unwrap();
        }
        while let Some(n) = a.read_dchannel(&mut buf).unwrap() {
            dchan.send(&buf[..n]).unwrap();
        }
        // Our Link on span B, once the E1 line is aligned.
        if !established && b.alarms().is_empty() && b.framer().is_aligned() {
            let now = us.now();
            us.link.establish(now);
            established = true;
        }
        while let Some(n) = b.read_dchannel(&mut buf).unwrap() {
            us.input(&buf[..n]);
        }
        us.tick();
        while let Some(f) = us.link.poll_transmit() {
            b.write_dchannel(&f).unwrap();
        }
        if !sent_restart && us.link.state() == State::MultipleFrameEstablished {
            let now = us.now();
            us.link.send(now, &RESTART_ALL).unwrap();
            sent_restart = true;
        }
        peer.said("DCHAN_UP") && us.restart_acks() == 1
    });
    assert!(
        ok,
        "state {:?}, events {:?}, libpri {:?}, span B alarms {}",
        us.link.state(),
        us.events,
        peer.seen,
        b.alarms()
    );
    let (ca, cb) = (a.counters(), b.counters());
    assert_eq!(
        (ca.dchan_bad_fcs, cb.dchan_bad_fcs, ca.crc4, cb.crc4),
        (0, 0, 0, 0)
    );
}
