//! Interop with the real libpri 1.6 (Debian libpri-dev) over a D-channel socket, both roles.
//!
//! The test is the I/O layer: it owns a `SOCK_SEQPACKET` socketpair carrying one LAPD frame
//! per packet with its FCS-16 (as a DAHDI hardware-HDLC channel does), drives our sans-IO
//! [`Link`] in real time on one end, and runs `tests/peers/pri_peer.c` (libpri through
//! `pri_new_cb`) on the other. Each scenario is bounded to a few seconds.

use std::io::{Read, Write};
use std::time::Duration;

use isdn::q921::{Config, Event, FrameRepr, Kind, Link, Role, State};
use socket2::Socket;

mod libpri;
use libpri::{Peer, SERIAL, socketpair};

const LIMIT: Duration = Duration::from_secs(5);

/// A Q.931 RESTART for all interfaces (Q.931 §4.5.2, restart indicator class 7), global
/// call reference, 2-octet call reference as on PRI.
const RESTART_ALL: [u8; 8] = [0x08, 0x02, 0x00, 0x00, 0x46, 0x79, 0x01, 0x87];
const MT_RESTART: u8 = 0x46;
const MT_RESTART_ACK: u8 = 0x4E;

struct Session {
    link: Link,
    sock: Socket,
    peer: Peer,
    start: std::time::Instant,
    events: Vec<Event>,
    peer_lines: Vec<String>,
    /// Corrupt the FCS of our next I frame (a bit error on the line).
    corrupt_next_i: bool,
    /// (direction, frame) as seen on the socket: '>' ours, '<' libpri's.
    trace: Vec<(Duration, char, String)>,
}

fn describe(f: &[u8]) -> String {
    match FrameRepr::parse_bytes(f) {
        Ok(r) => r.to_string(),
        Err(e) => format!("invalid ({e})"),
    }
}

impl Session {
    fn new(our_role: Role) -> Self {
        let (sock, theirs) = socketpair();
        let peer = Peer::spawn(
            if our_role == Role::Network {
                "te"
            } else {
                "nt"
            },
            &theirs,
        );
        drop(theirs);
        Self {
            link: Link::new(our_role, Config::default()),
            sock,
            peer,
            start: std::time::Instant::now(),
            events: Vec::new(),
            peer_lines: Vec::new(),
            corrupt_next_i: false,
            trace: Vec::new(),
        }
    }

    /// Replaces libpri by a fresh process on a fresh socket (libpri's side restarts),
    /// keeping our entity and its state.
    fn restart_peer(&mut self) {
        let (sock, theirs) = socketpair();
        let role = if self.link.role() == Role::Network {
            "te"
        } else {
            "nt"
        };
        self.peer = Peer::spawn(role, &theirs);
        drop(theirs);
        self.sock = sock;
        self.peer_lines.clear();
    }

    fn now(&self) -> tdm::Instant {
        let us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        tdm::Instant::from_micros(us)
    }

    fn flush(&mut self) {
        while let Some(mut f) = self.link.poll_transmit() {
            let mut what = describe(&f);
            let is_i = f.get(2).is_some_and(|c| c & 1 == 0);
            e1::hdlc::append_fcs(&mut f);
            if is_i && self.corrupt_next_i {
                self.corrupt_next_i = false;
                if let Some(last) = f.last_mut() {
                    *last ^= 0x01;
                }
                what += " (FCS corrupted)";
            }
            self.trace.push((self.start.elapsed(), '>', what));
            // The peer may have gone away in a restart scenario; the link copes.
            let _ = self.sock.send(&f);
        }
        while let Some(e) = self.link.poll_event() {
            self.events.push(e);
        }
        while let Ok(l) = self.peer.lines.try_recv() {
            self.peer_lines.push(l);
        }
    }

    /// Waits up to 10 ms for a frame, hands it over, runs due timers, flushes.
    fn step(&mut self) {
        let now = self.now();
        let wait = self
            .link
            .poll_timeout()
            .map_or(Duration::from_millis(10), |t| t - now)
            .clamp(Duration::from_micros(100), Duration::from_millis(10));
        self.sock.set_read_timeout(Some(wait)).expect("timeout");
        let mut buf = [0u8; 512];
        match (&self.sock).read(&mut buf) {
            Ok(n) if n > 0 => match e1::hdlc::check_fcs(&buf[..n]) {
                Ok(frame) => {
                    self.trace
                        .push((self.start.elapsed(), '<', describe(frame)));
                    let now = self.now();
                    self.link.handle_input(now, frame);
                }
                Err(e) => self
                    .trace
                    .push((self.start.elapsed(), '<', format!("dropped: {e}"))),
            },
            _ => {}
        }
        let now = self.now();
        if self.link.poll_timeout().is_some_and(|t| t <= now) {
            self.link.handle_timeout(now);
        }
        self.flush();
    }

    fn run_until(&mut self, limit: Duration, mut cond: impl FnMut(&Self) -> bool) -> bool {
        let end = self.start.elapsed() + limit;
        self.flush();
        while self.start.elapsed() < end {
            if cond(self) {
                return true;
            }
            self.step();
        }
        cond(self)
    }

    fn run_for(&mut self, d: Duration) {
        let _ = self.run_until(d, |_| false);
    }

    fn peer_said(&self, needle: &str) -> bool {
        self.peer_lines.iter().any(|l| l.contains(needle))
    }

    fn command(&mut self, cmd: &str) {
        writeln!(self.peer.stdin, "{cmd}").expect("write to pri_peer");
        self.peer.stdin.flush().expect("flush");
    }

    fn data_with_message_type(&self, mt: u8) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Data(d) if d.len() > 4 && d[0] == 0x08 && d[4] == mt))
            .count()
    }

    fn report(&self) -> String {
        let mut s = String::new();
        for (t, d, f) in &self.trace {
            s += &format!("{:>6} ms {d} {f}\n", t.as_millis());
        }
        s += &format!(
            "events: {:?}\npeer: {:?}\nlibpri stderr:\n",
            self.events, self.peer_lines
        );
        for l in self
            .peer
            .stderr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            s += l;
            s += "\n";
        }
        s
    }

    fn dump_if_asked(&self) {
        if std::env::var_os("Q921_TRACE").is_some() {
            eprintln!("{}", self.report());
        }
    }

    fn bring_up(&mut self) {
        let now = self.now();
        self.link.establish(now);
        let ok = self.run_until(LIMIT, |s| {
            s.link.state() == State::MultipleFrameEstablished
                && s.peer_said("EVENT PRI_EVENT_DCHAN_UP")
        });
        assert!(ok, "layer 2 did not come up:\n{}", self.report());
    }

    /// No I frame from libpri was sent twice and libpri never had to poll us: everything
    /// it sent was acknowledged in time.
    fn assert_libpri_frames_acknowledged(&self) {
        let polls = self
            .trace
            .iter()
            .filter(|(_, d, f)| *d == '<' && f.contains("RR") && f.contains("P/F=1"))
            .count();
        let retransmitted_i = {
            let mut seen = std::collections::HashSet::new();
            self.trace
                .iter()
                .filter(|(_, d, f)| *d == '<' && f.contains(" I N(S)="))
                .filter(|(_, _, f)| !seen.insert(f.clone()))
                .count()
        };
        assert_eq!((polls, retransmitted_i), (0, 0), "{}", self.report());
    }
}

fn restart_is_answered(mut s: Session) {
    s.bring_up();
    let now = s.now();
    s.link.send(now, &RESTART_ALL).expect("send RESTART");
    let ok = s.run_until(LIMIT, |s| {
        s.data_with_message_type(MT_RESTART_ACK) == 1 && s.link.queued() == 0
    });
    assert!(ok, "no RESTART ACKNOWLEDGE from libpri:\n{}", s.report());
    // Let libpri's T200 (1 s) run out if we had failed to acknowledge its I frame.
    s.run_for(Duration::from_millis(1500));
    s.assert_libpri_frames_acknowledged();
    assert_eq!(s.link.stats().retransmissions, 0, "{}", s.report());
    assert_eq!(s.link.state(), State::MultipleFrameEstablished);
    assert!(
        s.peer_said("EVENT PRI_EVENT_RESTART channel"),
        "{}",
        s.report()
    );
}

#[test]
fn ours_nt_vs_libpri_te_establishes_and_exchanges_i_frames() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    restart_is_answered(Session::new(Role::Network));
}

#[test]
fn ours_te_vs_libpri_nt_establishes_and_exchanges_i_frames() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    restart_is_answered(Session::new(Role::User));
}

#[test]
fn libpri_restart_request_reaches_us_and_is_acknowledged() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(Role::User);
    s.bring_up();
    s.command("reset");
    let ok = s.run_until(LIMIT, |s| s.data_with_message_type(MT_RESTART) >= 1);
    assert!(ok, "no RESTART from libpri:\n{}", s.report());
    s.run_for(Duration::from_millis(1500));
    s.assert_libpri_frames_acknowledged();
}

#[test]
fn disc_from_us_releases_and_link_comes_back() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(Role::Network);
    s.bring_up();
    let now = s.now();
    s.link.release(now);
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Released(Kind::Confirm))
            && s.peer_said("EVENT PRI_EVENT_DCHAN_DOWN")
    });
    assert!(ok, "release failed:\n{}", s.report());
    // libpri keeps point-to-point links up: it re-establishes by itself (SABME), which we
    // accept in state 4 as a DL-ESTABLISH indication.
    s.peer_lines.clear();
    let ok = s.run_until(LIMIT, |s| {
        s.link.state() == State::MultipleFrameEstablished && s.peer_said("EVENT PRI_EVENT_DCHAN_UP")
    });
    assert!(ok, "re-establishment failed:\n{}", s.report());
    assert_eq!(s.events.last(), Some(&Event::Established(Kind::Indication)));
    let now = s.now();
    s.link.send(now, &RESTART_ALL).expect("send");
    let ok = s.run_until(LIMIT, |s| s.data_with_message_type(MT_RESTART_ACK) == 1);
    assert!(ok, "no RESTART ACK after re-establishment:\n{}", s.report());
    s.dump_if_asked();
}

#[test]
fn libpri_side_restart_reestablishes() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(Role::Network);
    s.bring_up();
    // libpri dies and a new instance starts on the line; ours is still in state 7.
    s.restart_peer();
    let ok = s.run_until(LIMIT, |s| {
        s.link.state() == State::MultipleFrameEstablished && s.peer_said("EVENT PRI_EVENT_DCHAN_UP")
    });
    assert!(
        ok,
        "no re-establishment after libpri restarted:\n{}",
        s.report()
    );
    let now = s.now();
    s.link.send(now, &RESTART_ALL).expect("send");
    let ok = s.run_until(LIMIT, |s| s.data_with_message_type(MT_RESTART_ACK) == 1);
    assert!(ok, "no RESTART ACK from the new libpri:\n{}", s.report());
    s.dump_if_asked();
}

#[test]
fn i_frame_with_bad_fcs_is_dropped_by_libpri_and_recovered_by_t200() {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(Role::User);
    s.bring_up();
    s.corrupt_next_i = true;
    let now = s.now();
    s.link.send(now, &RESTART_ALL).expect("send");
    let ok = s.run_until(LIMIT, |s| {
        s.data_with_message_type(MT_RESTART_ACK) == 1 && s.link.queued() == 0
    });
    assert!(ok, "no recovery from a corrupted I frame:\n{}", s.report());
    // Recovered by timer recovery (Q.921 §5.6.7): after T200 we polled with RR P=1, libpri
    // answered RR F=1 N(R)=0 and the I frame went again.
    assert!(
        s.trace
            .iter()
            .any(|(_, d, f)| *d == '>' && f.contains("RR N(R)=0 P/F=1")),
        "{}",
        s.report()
    );
    assert_eq!(s.link.stats().retransmissions, 1, "{}", s.report());
    let stderr = s
        .peer
        .stderr
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .join("\n");
    assert!(stderr.contains("bad FCS dropped (1)"), "{}", s.report());
}
