//! sipp phones around the real daemon (the SIP feature tests): one builder for a sipp run
//! (scenario, account, port, transport, source address), registration with digest auth,
//! the daemon's RTP port of a phone's leg, RTP packets and a paced audio check, the CDRs and
//! event-log rows of a finished run. Every wait is bounded.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Daemon;
use super::sipp::{SIPP, finish, free_port, rtp_port_of, scenario};

/// Whether sipp is installed; prints the skip message when it is not.
pub fn have_sipp() -> bool {
    if std::path::Path::new(SIPP).exists() {
        return true;
    }
    eprintln!("SKIP: {SIPP} not installed (Debian package sip-tester)");
    false
}

/// Starts a daemon with the demo configuration and no carrier calls; returns it and its SIP
/// address.
pub fn demo_daemon() -> (Daemon, String) {
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0", "--drain-secs", "1"]);
    d.wait_notify("READY=1");
    let sip = d.sip_addr();
    (d, sip)
}

/// One sipp run: `xml` from tests/sipp/ as phone `user` (password `demo` + user), `service`
/// as the number it calls (or its own number for a phone that waits).
#[derive(Debug, Clone)]
pub struct Phone {
    sip: String,
    xml: String,
    user: String,
    service: String,
    rtp_port: u16,
    port: u16,
    ip: String,
    tcp: bool,
    timeout_s: u32,
    keys: Vec<(String, String)>,
    password: Option<String>,
    calls: u32,
}

impl Phone {
    /// A run of `xml` against the daemon at `sip`.
    pub fn new(sip: &str, xml: &str, user: &str, service: &str) -> Self {
        Self {
            sip: sip.to_owned(),
            xml: xml.to_owned(),
            user: user.to_owned(),
            service: service.to_owned(),
            rtp_port: 0,
            port: free_port(),
            ip: "127.0.0.1".into(),
            tcp: false,
            timeout_s: 20,
            keys: Vec::new(),
            password: None,
            calls: 1,
        }
    }

    /// sipp's own SIP port (the registered contact of a phone that waits for calls).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The RTP port written in the scenario's SDP (`[rtp_port]`).
    pub fn rtp(mut self, port: u16) -> Self {
        self.rtp_port = port;
        self
    }

    /// Source address (another loopback address is another source for the daemon).
    pub fn ip(mut self, ip: &str) -> Self {
        self.ip = ip.to_owned();
        self
    }

    /// SIP over TCP (`-t t1`).
    pub fn tcp(mut self) -> Self {
        self.tcp = true;
        self
    }

    /// sipp's `-timeout` (seconds).
    pub fn timeout(mut self, s: u32) -> Self {
        self.timeout_s = s;
        self
    }

    /// A `-key name value` for the scenario.
    pub fn key(mut self, name: &str, value: &str) -> Self {
        self.keys.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The password sent (default `demo` + user).
    pub fn password(mut self, p: &str) -> Self {
        self.password = Some(p.to_owned());
        self
    }

    /// Calls placed one after the other (`-m`, default 1).
    pub fn calls(mut self, n: u32) -> Self {
        self.calls = n;
        self
    }

    /// Starts sipp (`-m`, bounded by `-timeout`).
    pub fn spawn(&self) -> Child {
        let password = self
            .password
            .clone()
            .unwrap_or_else(|| format!("demo{}", self.user));
        let mut c = Command::new(SIPP);
        c.arg(&self.sip)
            .args(["-sf", &scenario(&self.xml)])
            .args(["-s", &self.service, "-au", &self.user, "-ap", &password])
            .args(["-key", "user", &self.user])
            .args(["-key", "rtp_port", &self.rtp_port.to_string()]);
        if !self.xml.starts_with("register") {
            // sipp's digest uri defaults to host:port only (right for REGISTER); the UA
            // checks it against the Request-URI (RFC 2617 §3.2.2.5), which names the number.
            c.args(["-auth_uri", &format!("{}@{}", self.service, self.sip)]);
        }
        for (k, v) in &self.keys {
            c.args(["-key", k, v]);
        }
        c.args(["-nostdin", "-m", &self.calls.to_string()])
            .args(["-timeout", &self.timeout_s.to_string()])
            .arg("-timeout_error")
            .args(["-i", &self.ip, "-p", &self.port.to_string()]);
        if self.ip != "127.0.0.1" {
            c.arg("-bind_local");
        }
        if self.tcp {
            c.args(["-t", "t1"]);
        }
        c.current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sipp")
    }
}

/// Registers `user` (digest auth, sipp's register.xml) from `port`; waits for the daemon's
/// `sip registered` line.
pub fn register(d: &mut Daemon, sip: &str, user: &str, port: u16) {
    finish(
        Phone::new(sip, "register.xml", user, user)
            .port(port)
            .spawn(),
        &format!("register {user}"),
        Duration::from_secs(20),
    );
    d.wait_log(&["sip registered", &format!("aor={user}")]);
}

/// A phone's RTP socket (the test plays the phone's audio).
pub fn rtp_socket() -> (UdpSocket, u16) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("rtp socket");
    s.set_read_timeout(Some(Duration::from_millis(5)))
        .expect("timeout");
    let p = s.local_addr().expect("addr").port();
    (s, p)
}

/// The daemon's RTP port of the leg whose far end is the phone's RTP port `phone_rtp`.
pub fn daemon_rtp_port(d: &mut Daemon, phone_rtp: u16) -> u16 {
    let l = d.wait_log(&[
        "rtp session started",
        &format!("remote=Some(127.0.0.1:{phone_rtp})"),
    ]);
    rtp_port_of(&l)
}

/// An RTP packet: payload type `pt`, SSRC `ssrc`.
pub fn rtp(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, pt];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// A recognisable A-law pattern (four codes repeated): survives the G.711 path unchanged.
pub fn pattern(code: [u8; 4]) -> Vec<u8> {
    (0..160).map(|i| code[i % 4]).collect()
}

/// Whether a received packet carries mostly `code`.
pub fn carries(pkt: &[u8], code: [u8; 4]) -> bool {
    pkt.len() > 12 && pkt[12..].iter().filter(|b| code.contains(b)).count() * 2 > pkt.len() - 12
}

/// Plays `code` from `from` to the daemon's port `to` for `packets` × 20 ms (paced), while
/// reading `listen`; returns how many packets `listen` got that carry `code`, and how many
/// it got in all. `listen` also sends silence to the daemon's `listen_to` port so both legs
/// are latched.
pub fn audio(
    from: &UdpSocket,
    to: u16,
    listen: &UdpSocket,
    listen_to: u16,
    code: [u8; 4],
    packets: u16,
) -> (usize, usize) {
    let payload = pattern(code);
    let (mut heard, mut total) = (0, 0);
    let mut buf = [0u8; 2048];
    let t0 = Instant::now();
    for i in 0..packets {
        let next = t0 + Duration::from_millis(20 * (u64::from(i) + 1));
        let ts = u32::from(i) * 160;
        let _ = from.send_to(&rtp(8, i, ts, 0x1111, &payload), ("127.0.0.1", to));
        let _ = listen.send_to(
            &rtp(8, i, ts, 0x2222, &[0xd5; 160]),
            ("127.0.0.1", listen_to),
        );
        while Instant::now() < next {
            if let Ok((n, _)) = listen.recv_from(&mut buf)
                && n > 12
                && buf[1] & 0x7f == 8
            {
                total += 1;
                if carries(&buf[..n], code) {
                    heard += 1;
                }
            }
        }
    }
    (heard, total)
}

/// The CDRs of a stopped daemon's database.
pub fn cdrs(d: &Daemon) -> Vec<store::cdr::Cdr> {
    let st = store::Store::open(d.db()).expect("open store");
    st.cdrs(store::Timestamp(0), store::Timestamp(i64::MAX), 100)
        .expect("cdrs")
}

/// The event-log rows of a stopped daemon's database.
pub fn events(d: &Daemon) -> Vec<store::events::Event> {
    let st = store::Store::open(d.db()).expect("open store");
    st.events(&store::events::EventFilter::default())
        .expect("events")
}

/// SIGTERM, exit 0 within 6 s (the log in the message otherwise).
pub fn stop(d: &mut Daemon) {
    d.signal(nix::sys::signal::Signal::SIGTERM);
    let st = d.wait_exit(Duration::from_secs(6));
    assert_eq!(st.code(), Some(0), "log:\n{}", d.log.join("\n"));
}
