//! A phone built on the project's own user agent (`sip::ua::Ua`) over a real UDP socket on
//! loopback, for the one flow sipp cannot play: attended transfer needs the phone to hold
//! two dialogs at once and to copy the daemon's tag of one into a REFER sent in the other
//! (sipp keys each call by one Call-ID and cannot pass a received tag between calls).
//! The daemon is configured in this phone as its "trunk": REGISTER with digest (the
//! account's user and password), outgoing INVITEs answered 407 with the same credentials,
//! and the daemon's INVITEs taken as from that trunk. Every loop is bounded.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use sip::sdp::{Codec, Direction, LocalMedia};
use sip::ua::{CallRef, Transport, TrunkConfig, TrunkRef, Ua, UaConfig, UaEvent};

pub struct UaPhone {
    pub sock: UdpSocket,
    start: Instant,
    pub ua: Ua,
    pub trunk: TrunkRef,
    pub events: Vec<UaEvent>,
}

impl UaPhone {
    /// A phone registering as `user` (password `demo` + user) at the daemon's `sip` address.
    pub fn new(sip: &str, user: &str) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(5)))
            .expect("timeout");
        let daemon: SocketAddr = sip.parse().expect("sip address");
        let mut cfg = UaConfig::new(sock.local_addr().expect("addr"));
        cfg.seed = 0x0b0b;
        let mut ua = Ua::new(cfg);
        let mut t = TrunkConfig::new(
            "appliance",
            daemon,
            &daemon.ip().to_string(),
            user,
            &format!("demo{user}"),
        );
        t.expires = 120;
        t.keepalive = None;
        let trunk = ua.add_trunk(t);
        Self {
            sock,
            start: Instant::now(),
            ua,
            trunk,
            events: Vec::new(),
        }
    }

    pub fn now(&self) -> tdm::Instant {
        tdm::Instant::from_micros(u64::try_from(self.start.elapsed().as_micros()).unwrap_or(0))
    }

    /// Our SDP: PCMA on `rtp_port`.
    pub fn media(rtp_port: u16) -> LocalMedia {
        LocalMedia {
            addr: "127.0.0.1".into(),
            port: rtp_port,
            codecs: vec![Codec::Pcma],
            telephone_event_pt: Some(101),
            ptime: 20,
            direction: Direction::SendRecv,
        }
    }

    /// One round: a datagram in (up to 5 ms), timers, datagrams out; events kept.
    pub fn step(&mut self) {
        let mut buf = [0u8; 65_535];
        if let Ok((n, from)) = self.sock.recv_from(&mut buf) {
            let now = self.now();
            self.ua
                .handle_datagram(now, Transport::Udp, from, &buf[..n]);
        }
        let now = self.now();
        if self.ua.poll_timeout().is_some_and(|t| t <= now) {
            self.ua.handle_timeout(now);
        }
        while let Some(t) = self.ua.poll_transmit() {
            let _ = self.sock.send_to(&t.bytes, t.to);
        }
        while let Some(e) = self.ua.poll_event() {
            self.events.push(e);
        }
    }

    /// Steps for `d`.
    pub fn run_for(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.step();
        }
    }

    /// Steps until an event satisfies `f` (at most `within`); returns it.
    pub fn wait(&mut self, what: &str, within: Duration, f: impl Fn(&UaEvent) -> bool) -> UaEvent {
        let until = Instant::now() + within;
        loop {
            if let Some(e) = self.events.iter().find(|e| f(e)) {
                return e.clone();
            }
            assert!(
                Instant::now() < until,
                "no {what} within {within:?}; events: {:#?}",
                self.events
            );
            self.step();
        }
    }

    /// The call of the first `Incoming` event.
    pub fn incoming(&mut self, within: Duration) -> CallRef {
        match self.wait("incoming call", within, |e| {
            matches!(e, UaEvent::Incoming { .. })
        }) {
            UaEvent::Incoming { call, .. } => call,
            _ => unreachable!(),
        }
    }
}
