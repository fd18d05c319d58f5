//! Interop of our Q.931 call control (`isdn::pri::Pri`) with the real libpri 1.6 (Debian
//! libpri-dev), both roles: calls placed by libpri (`pri_setup`, hung up with `pri_hangup`)
//! and calls placed by us (libpri answers with `pri_proceeding` + `pri_answer`) are set up,
//! answered and cleared. The peer is `tests/peers/pri_peer.c` over a `SOCK_SEQPACKET`
//! socketpair, one LAPD frame with its FCS per packet, in real time (a few seconds each).

use std::io::{Read, Write};
use std::time::Duration;

use isdn::call::{CallId, CallState, ChannelRequest, Event, SetupParams};
use isdn::pri::Pri;
use isdn::q921::FrameRepr;
use isdn::q931::{CauseValue, Message, Role};
use socket2::Socket;

mod libpri;
use libpri::{Peer, SERIAL, socketpair};

const LIMIT: Duration = Duration::from_secs(5);

struct Session {
    pri: Pri,
    sock: Socket,
    peer: Peer,
    start: std::time::Instant,
    events: Vec<Event>,
    peer_lines: Vec<String>,
    trace: Vec<(Duration, char, String)>,
}

fn describe(f: &[u8]) -> String {
    match FrameRepr::parse_bytes(f) {
        Ok(r) => match Message::parse(r.info) {
            Ok(m) if !r.info.is_empty() => {
                format!("{r} {}", m.kind.name().unwrap_or("?"))
            }
            _ => r.to_string(),
        },
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
            pri: Pri::new(our_role),
            sock,
            peer,
            start: std::time::Instant::now(),
            events: Vec::new(),
            peer_lines: Vec::new(),
            trace: Vec::new(),
        }
    }

    fn now(&self) -> tdm::Instant {
        tdm::Instant::from_micros(
            u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX),
        )
    }

    fn flush(&mut self) {
        while let Some(mut f) = self.pri.poll_transmit() {
            self.trace.push((self.start.elapsed(), '>', describe(&f)));
            e1::hdlc::append_fcs(&mut f);
            let _ = self.sock.send(&f);
        }
        while let Some(e) = self.pri.poll_event() {
            self.events.push(e);
        }
        while let Ok(l) = self.peer.lines.try_recv() {
            self.peer_lines.push(l);
        }
    }

    fn step(&mut self) {
        let now = self.now();
        let wait = self
            .pri
            .poll_timeout()
            .map_or(Duration::from_millis(10), |t| t - now)
            .clamp(Duration::from_micros(100), Duration::from_millis(10));
        self.sock.set_read_timeout(Some(wait)).expect("timeout");
        let mut buf = [0u8; 512];
        if let Ok(n) = (&self.sock).read(&mut buf)
            && n > 0
            && let Ok(frame) = e1::hdlc::check_fcs(&buf[..n])
        {
            self.trace
                .push((self.start.elapsed(), '<', describe(frame)));
            let now = self.now();
            self.pri.handle_input(now, frame);
        }
        let now = self.now();
        self.pri.handle_timeout(now);
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

    fn peer_said(&self, needle: &str) -> bool {
        self.peer_lines.iter().any(|l| l.contains(needle))
    }

    fn command(&mut self, cmd: &str) {
        writeln!(self.peer.stdin, "{cmd}").expect("write to pri_peer");
        self.peer.stdin.flush().expect("flush");
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

    fn bring_up(&mut self) {
        let now = self.now();
        self.pri.start(now);
        let ok = self.run_until(LIMIT, |s| {
            s.pri.link().is_established() && s.peer_said("EVENT PRI_EVENT_DCHAN_UP")
        });
        assert!(ok, "layer 2 did not come up:\n{}", self.report());
    }

    fn released(&self, call: CallId) -> Option<CauseValue> {
        self.events.iter().find_map(|e| match e {
            Event::Released { call: c, cause } if *c == call => Some(*cause),
            _ => None,
        })
    }
}

fn libpri_calls_us(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    s.command("call 4711 5");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::IncomingCall { .. }))
    });
    assert!(ok, "no incoming call:\n{}", s.report());
    let Some(Event::IncomingCall {
        call,
        called,
        channel,
        ..
    }) = s
        .events
        .iter()
        .find(|e| matches!(e, Event::IncomingCall { .. }))
        .cloned()
    else {
        unreachable!()
    };
    assert_eq!(
        (called.as_str(), channel),
        ("4711", Some(5)),
        "{}",
        s.report()
    );
    let now = s.now();
    s.pri.proceeding(now, call).unwrap();
    s.pri.alerting(now, call).unwrap();
    s.pri.connect(now, call).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.peer_said("EVENT PRI_EVENT_ANSWER")
            && s.pri.calls().state(call) == Some(CallState::Active)
    });
    assert!(ok, "call not answered:\n{}", s.report());
    // libpri hangs up after a while: DISCONNECT #16; we answer with RELEASE.
    s.run_until(Duration::from_millis(300), |_| false);
    s.command("hangup");
    let ok = s.run_until(LIMIT, |s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { .. }))
    });
    assert!(ok, "no DISCONNECT:\n{}", s.report());
    assert!(s.events.contains(&Event::Disconnected {
        call,
        cause: CauseValue::NORMAL_CLEARING
    }));
    let now = s.now();
    s.pri
        .release(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.released(call).is_some() && s.peer_said("EVENT PRI_EVENT_HANGUP cause=16")
    });
    assert!(ok, "not cleared:\n{}", s.report());
    assert!(s.pri.calls().calls().is_empty() && s.pri.calls().busy_channels().is_empty());
}

fn we_call_libpri(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    let now = s.now();
    let params = SetupParams {
        channel: ChannelRequest::Exclusive(3),
        ..SetupParams::speech("5678")
    };
    let call = s.pri.setup(now, params).unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::Connected { call })
            && s.pri.calls().state(call) == Some(CallState::Active)
            && s.peer_said("EVENT PRI_EVENT_RING channel=3 called=5678")
    });
    assert!(ok, "not connected:\n{}", s.report());
    s.run_until(Duration::from_millis(300), |_| false);
    let now = s.now();
    s.pri
        .disconnect(now, call, CauseValue::NORMAL_CLEARING)
        .unwrap();
    let ok = s.run_until(LIMIT, |s| {
        s.released(call).is_some() && s.peer_said("EVENT PRI_EVENT_HANGUP_REQ cause=16")
    });
    assert!(ok, "not cleared:\n{}", s.report());
    assert_eq!(s.released(call), Some(CauseValue::NORMAL_CLEARING));
    assert!(s.pri.calls().calls().is_empty() && s.pri.calls().busy_channels().is_empty());
}

#[test]
fn libpri_te_calls_our_nt() {
    libpri_calls_us(Role::Network);
}

#[test]
fn libpri_nt_calls_our_te() {
    libpri_calls_us(Role::User);
}

#[test]
fn our_nt_calls_libpri_te() {
    we_call_libpri(Role::Network);
}

#[test]
fn our_te_calls_libpri_nt() {
    we_call_libpri(Role::User);
}

fn restarts(role: Role) {
    let _g = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = Session::new(role);
    s.bring_up();
    // Ours: one channel, then the interface; libpri acknowledges both (Q.931 §5.5).
    let now = s.now();
    s.pri.restart(now, Some(7));
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: Some(7) })
    });
    assert!(ok, "no RESTART ACKNOWLEDGE for channel 7:\n{}", s.report());
    let now = s.now();
    s.pri.restart(now, None);
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: None })
    });
    assert!(
        ok,
        "no RESTART ACKNOWLEDGE for the interface:\n{}",
        s.report()
    );
    // libpri's: pri_reset(1); we clear channel 1 and acknowledge.
    s.command("reset");
    let ok = s.run_until(LIMIT, |s| {
        s.events.contains(&Event::RestartDone { channel: Some(1) })
            && s.peer_said("EVENT PRI_EVENT_RESTART_ACK channel=1")
    });
    assert!(ok, "libpri's RESTART not acknowledged:\n{}", s.report());
}

#[test]
fn restarts_with_libpri_te() {
    restarts(Role::Network);
}

#[test]
fn restarts_with_libpri_nt() {
    restarts(Role::User);
}
