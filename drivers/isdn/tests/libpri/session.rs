//! A call-control session against the libpri peer: our `Pri` on one end of the socket,
//! stepped in real time (the peer runs its own timers), recording our events, the peer's
//! event lines and a frame trace for failure reports.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::time::Duration;

use std::sync::MutexGuard;

use isdn::call::{CallId, CallState, Event, SetupParams};
use isdn::pri::Pri;
use isdn::q921::FrameRepr;
use isdn::q931::{CauseValue, Message, Role, Variant};
use socket2::Socket;

use super::{Peer, SERIAL, socketpair};

pub const LIMIT: Duration = Duration::from_secs(5);

pub struct Session {
    pub pri: Pri,
    pub sock: Socket,
    pub peer: Peer,
    pub start: std::time::Instant,
    pub events: Vec<Event>,
    pub peer_lines: Vec<String>,
    pub trace: Vec<(Duration, char, String)>,
    /// While set, received frames carrying a SETUP are kept in `held` instead of being
    /// handed to our stack (to make two SETUPs cross on the wire: glare).
    pub hold_setups: bool,
    pub held: Vec<Vec<u8>>,
    /// While set, the I frames we send are lost on the way (counted in the trace).
    pub drop_tx_i: bool,
    /// Held by sessions made with [`Session::serial`]: one scenario at a time. Last field,
    /// so it is released after the peer was killed.
    serial: Option<MutexGuard<'static, ()>>,
}

/// A call libpri placed to us, as our `IncomingCall` event reported it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub call: CallId,
    pub called: String,
    pub channel: Option<u8>,
    pub sending_complete: bool,
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
    pub fn new(our_role: Role) -> Self {
        Self::with_variant(our_role, Variant::EuroIsdn)
    }

    /// Our `Pri` in `our_role` with `variant`, libpri in the other role with the matching
    /// switch type (PRI_SWITCH_EUROISDN_E1 or PRI_SWITCH_QSIG).
    pub fn with_variant(our_role: Role, variant: Variant) -> Self {
        let (sock, theirs) = socketpair();
        let peer = Peer::spawn_switch(
            if our_role == Role::Network {
                "te"
            } else {
                "nt"
            },
            if variant == Variant::Qsig {
                "qsig"
            } else {
                "euroisdn"
            },
            &theirs,
        );
        drop(theirs);
        let mut calls = isdn::call::Config::new(our_role);
        calls.variant = variant;
        Self {
            pri: Pri::with_config(our_role, isdn::q921::Config::default(), calls),
            sock,
            peer,
            start: std::time::Instant::now(),
            events: Vec::new(),
            peer_lines: Vec::new(),
            trace: Vec::new(),
            hold_setups: false,
            held: Vec::new(),
            drop_tx_i: false,
            serial: None,
        }
    }

    /// [`Session::with_variant`], holding [`SERIAL`] for the session's life (instead of a
    /// guard taken by the test before the session).
    pub fn serial(our_role: Role, variant: Variant) -> Self {
        let guard = SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut s = Self::with_variant(our_role, variant);
        s.serial = Some(guard);
        s
    }

    pub fn now(&self) -> tdm::Instant {
        tdm::Instant::from_micros(
            u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX),
        )
    }

    pub fn flush(&mut self) {
        while let Some(mut f) = self.pri.poll_transmit() {
            let d = describe(&f);
            if self.drop_tx_i && d.contains(" I N(S)=") {
                self.trace
                    .push((self.start.elapsed(), '>', format!("{d} (lost)")));
                continue;
            }
            self.trace.push((self.start.elapsed(), '>', d));
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

    pub fn step(&mut self) {
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
            let d = describe(frame);
            if self.hold_setups && d.ends_with(" SETUP") {
                self.trace
                    .push((self.start.elapsed(), '<', format!("{d} (held)")));
                self.held.push(frame.to_vec());
            } else {
                self.trace.push((self.start.elapsed(), '<', d));
                let now = self.now();
                self.pri.handle_input(now, frame);
            }
        }
        let now = self.now();
        self.pri.handle_timeout(now);
        self.flush();
    }

    pub fn run_until(&mut self, limit: Duration, mut cond: impl FnMut(&Self) -> bool) -> bool {
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

    pub fn peer_said(&self, needle: &str) -> bool {
        self.peer_lines.iter().any(|l| l.contains(needle))
    }

    pub fn command(&mut self, cmd: &str) {
        writeln!(self.peer.stdin, "{cmd}").expect("write to pri_peer");
        self.peer.stdin.flush().expect("flush");
    }

    pub fn report(&self) -> String {
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

    pub fn bring_up(&mut self) {
        let now = self.now();
        self.pri.start(now);
        let ok = self.run_until(LIMIT, |s| {
            s.pri.link().is_established() && s.peer_said("EVENT PRI_EVENT_DCHAN_UP")
        });
        assert!(ok, "layer 2 did not come up:\n{}", self.report());
    }

    pub fn released(&self, call: CallId) -> Option<CauseValue> {
        self.events.iter().find_map(|e| match e {
            Event::Released { call: c, cause } if *c == call => Some(*cause),
            _ => None,
        })
    }
}

impl Session {
    /// The first of our events `f` picks out.
    pub fn find_event<R>(&self, f: impl FnMut(&Event) -> Option<R>) -> Option<R> {
        self.events.iter().find_map(f)
    }

    /// The first peer line containing `needle`.
    pub fn peer_line(&self, needle: &str) -> Option<&str> {
        self.peer_lines
            .iter()
            .find(|l| l.contains(needle))
            .map(String::as_str)
    }
}

impl Session {
    /// Hand the held frames to our stack, in order, and stop holding.
    pub fn deliver_held(&mut self) {
        self.hold_setups = false;
        for f in std::mem::take(&mut self.held) {
            self.trace
                .push((self.start.elapsed(), '<', "(held frame delivered)".into()));
            let now = self.now();
            self.pri.handle_input(now, &f);
        }
        self.flush();
    }
}

/// The steps the interop scenarios share; each waits at most [`LIMIT`] and panics with
/// `what` and the session report when its condition is not met.
impl Session {
    /// Steps until `cond` holds.
    pub fn expect(&mut self, what: &str, cond: impl FnMut(&Self) -> bool) {
        let ok = self.run_until(LIMIT, cond);
        assert!(ok, "{what}:\n{}", self.report());
    }

    /// Waits for libpri's call to arrive (our `IncomingCall`).
    pub fn incoming_call(&mut self) -> Incoming {
        self.expect("no incoming call", |s| {
            s.events
                .iter()
                .any(|e| matches!(e, Event::IncomingCall { .. }))
        });
        self.find_event(|e| match e {
            Event::IncomingCall {
                call,
                called,
                channel,
                sending_complete,
                ..
            } => Some(Incoming {
                call: *call,
                called: called.clone(),
                channel: *channel,
                sending_complete: *sending_complete,
            }),
            _ => None,
        })
        .expect("seen above")
    }

    /// Answers `call` (CALL PROCEEDING, ALERTING, CONNECT) until libpri reports the
    /// answer (`peer_answer`, e.g. `EVENT PRI_EVENT_ANSWER`) and the call is active.
    pub fn answer(&mut self, call: CallId, peer_answer: &str) {
        let now = self.now();
        self.pri.proceeding(now, call).unwrap();
        self.pri.alerting(now, call).unwrap();
        self.pri.connect(now, call).unwrap();
        self.expect("call not answered", |s| {
            s.peer_said(peer_answer) && s.pri.calls().state(call) == Some(CallState::Active)
        });
    }

    /// Places a call until it is connected and active and libpri printed `peer_ring`
    /// (e.g. `EVENT PRI_EVENT_RING channel=3 called=5678`).
    pub fn call_until_connected(&mut self, params: SetupParams, peer_ring: &str) -> CallId {
        let now = self.now();
        let call = self.pri.setup(now, params).unwrap();
        self.expect("not connected", |s| {
            s.events.contains(&Event::Connected { call })
                && s.pri.calls().state(call) == Some(CallState::Active)
                && s.peer_said(peer_ring)
        });
        call
    }

    /// Places an incomplete call until libpri (overlap dialling on) answers with SETUP
    /// ACKNOWLEDGE and printed `peer_ring` (`""` when not checked).
    pub fn call_until_setup_ack(&mut self, params: SetupParams, peer_ring: &str) -> CallId {
        let now = self.now();
        let call = self.pri.setup(now, params).unwrap();
        self.expect("no SETUP ACKNOWLEDGE", |s| {
            s.events.contains(&Event::SetupAcknowledged { call }) && s.peer_said(peer_ring)
        });
        call
    }

    /// We clear `call` with `cause` (DISCONNECT) until it is released and libpri reported
    /// the hang-up request with that cause.
    pub fn we_clear(&mut self, call: CallId, cause: CauseValue) {
        let now = self.now();
        self.pri.disconnect(now, call, cause).unwrap();
        let peer = format!("EVENT PRI_EVENT_HANGUP_REQ cause={}", cause.0);
        self.expect("not cleared", |s| {
            s.released(call).is_some() && s.peer_said(&peer)
        });
    }

    /// libpri clears (`pri_hangup`, DISCONNECT #16); we answer with RELEASE #16 until the
    /// call is released on both sides.
    pub fn libpri_clears(&mut self, call: CallId) {
        self.command("hangup");
        self.expect("no DISCONNECT #16", |s| {
            s.events.contains(&Event::Disconnected {
                call,
                cause: CauseValue::NORMAL_CLEARING,
            })
        });
        let now = self.now();
        self.pri
            .release(now, call, CauseValue::NORMAL_CLEARING)
            .unwrap();
        self.expect("not cleared", |s| {
            s.released(call) == Some(CauseValue::NORMAL_CLEARING)
                && s.peer_said("EVENT PRI_EVENT_HANGUP cause=16")
        });
    }

    /// No call left and no B-channel busy on our side.
    pub fn assert_idle(&self) {
        assert!(
            self.pri.calls().calls().is_empty() && self.pri.calls().busy_channels().is_empty(),
            "{}",
            self.report()
        );
    }

    /// RESTART (Q.931 §5.5) both ways: ours for channel 7 and for the interface, which
    /// libpri acknowledges; libpri's `pri_reset(1)`, which we clear and acknowledge.
    pub fn restarts_both_ways(&mut self) {
        let now = self.now();
        self.pri.restart(now, Some(7));
        self.expect("no RESTART ACKNOWLEDGE for channel 7", |s| {
            s.events.contains(&Event::RestartDone { channel: Some(7) })
        });
        let now = self.now();
        self.pri.restart(now, None);
        self.expect("no RESTART ACKNOWLEDGE for the interface", |s| {
            s.events.contains(&Event::RestartDone { channel: None })
        });
        self.command("reset");
        self.expect("libpri's RESTART not acknowledged", |s| {
            s.events.contains(&Event::RestartDone { channel: Some(1) })
                && s.peer_said("EVENT PRI_EVENT_RESTART_ACK channel=1")
        });
    }
}
