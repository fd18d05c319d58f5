//! A call-control session against the libpri peer: our `Pri` on one end of the socket,
//! stepped in real time (the peer runs its own timers), recording our events, the peer's
//! event lines and a frame trace for failure reports.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::time::Duration;

use isdn::call::{CallId, Event};
use isdn::pri::Pri;
use isdn::q921::FrameRepr;
use isdn::q931::{CauseValue, Message, Role, Variant};
use socket2::Socket;

use super::{Peer, socketpair};

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
        }
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
