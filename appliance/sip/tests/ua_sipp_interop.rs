//! The user agent against a real peer: sipp (Debian sip-tester) places calls to a `Ua`
//! driven by a tiny loop over a `std::net::UdpSocket` on 127.0.0.1 (the same moves the
//! daemon makes: bytes in, timers, bytes out). Scenarios: a call with BYE (sipp's built-in
//! `uac`), CANCEL during ringing, hold/resume by re-INVITE (tests/sipp/*.xml), and the UA
//! calling sipp's `uas`. baresip 1.0 calls in with an MD5-only account through the 407
//! challenge and is hung up on. Every run is bounded (`-m 1`, `-timeout`, `-t`, a deadline
//! in the loop). Skipped when sipp or baresip is missing.

use sip::sdp::{Codec, Direction, LocalMedia};
use sip::ua::{CallRef, EndReason, Transport, Ua, UaConfig, UaEvent};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod sipp_run;
use sipp_run::{have_sipp, scenario, sipp, stderr_of};

/// The test-only driver: a `Ua` on a real socket that rings at once and answers after
/// `answer_after` (never when `None`).
struct Driver {
    sock: UdpSocket,
    start: std::time::Instant,
    ua: Ua,
    answer_after: Option<Duration>,
    to_answer: Vec<(std::time::Instant, CallRef)>,
    events: Vec<UaEvent>,
}

impl Driver {
    fn new(answer_after: Option<Duration>) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind loopback");
        sock.set_read_timeout(Some(Duration::from_millis(10)))
            .unwrap();
        let mut cfg = UaConfig::new(sock.local_addr().unwrap());
        cfg.allow_anonymous = true; // sipp's From user is no account here
        cfg.seed = 0x5eed;
        Self {
            sock,
            start: std::time::Instant::now(),
            ua: Ua::new(cfg),
            answer_after,
            to_answer: Vec::new(),
            events: Vec::new(),
        }
    }

    fn now(&self) -> tdm::Instant {
        tdm::Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }

    fn media() -> LocalMedia {
        LocalMedia {
            addr: "127.0.0.1".into(),
            port: 40000,
            codecs: vec![Codec::Pcma, Codec::Pcmu],
            telephone_event_pt: Some(101),
            ptime: 20,
            direction: Direction::SendRecv,
        }
    }

    fn step(&mut self) {
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
        while let Some(e) = self.ua.poll_event() {
            if let UaEvent::Incoming { call, .. } = e {
                self.ua.ringing(now, call, None).unwrap();
                if let Some(d) = self.answer_after {
                    self.to_answer.push((std::time::Instant::now() + d, call));
                }
            }
            self.events.push(e);
        }
        let due: Vec<CallRef> = self
            .to_answer
            .iter()
            .filter(|(t, _)| *t <= std::time::Instant::now())
            .map(|(_, c)| *c)
            .collect();
        self.to_answer
            .retain(|(t, _)| *t > std::time::Instant::now());
        for c in due {
            let _ = self.ua.answer(now, c, Self::media());
        }
        while let Some(t) = self.ua.poll_transmit() {
            assert_eq!(t.transport, Transport::Udp);
            self.sock.send_to(&t.bytes, t.to).expect("send");
        }
    }

    /// Steps until sipp exits (bounded); returns sipp's success.
    fn run(&mut self, mut child: Child, what: &str) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            self.step();
            if let Some(st) = child.try_wait().unwrap() {
                // Let the last messages settle.
                for _ in 0..10 {
                    self.step();
                }
                if !st.success() {
                    eprintln!("{what}: sipp exited with {st}: {}", stderr_of(&mut child));
                }
                return st.success();
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

#[test]
fn sipp_call_with_bye() {
    if !have_sipp() {
        return;
    }
    let mut d = Driver::new(Some(Duration::from_millis(50)));
    let target = d.ua_addr();
    let child = sipp(&["-sn", "uac", &target, "-s", "600", "-d", "200"]);
    assert!(d.run(child, "uac"), "sipp uac scenario failed");
    let call = match d.events.first() {
        Some(UaEvent::Incoming {
            call,
            called,
            calling,
            ..
        }) => {
            assert_eq!((called.as_str(), calling.as_str()), ("600", "sipp"));
            *call
        }
        other => panic!("{other:?}"),
    };
    assert!(d.events.contains(&UaEvent::Hangup {
        call,
        reason: EndReason::Bye
    }));
    assert!(d.ua.calls().is_empty());
}

#[test]
fn sipp_cancel_during_ringing() {
    if !have_sipp() {
        return;
    }
    let mut d = Driver::new(None);
    let target = d.ua_addr();
    let child = sipp(&["-sf", &scenario("uac_cancel.xml"), &target, "-s", "600"]);
    assert!(d.run(child, "cancel"), "sipp cancel scenario failed");
    let call = match d.events.first() {
        Some(UaEvent::Incoming { call, .. }) => *call,
        other => panic!("{other:?}"),
    };
    assert!(d.events.contains(&UaEvent::Hangup {
        call,
        reason: EndReason::Cancelled
    }));
    assert!(d.ua.calls().is_empty());
}

#[test]
fn sipp_hold_and_resume() {
    if !have_sipp() {
        return;
    }
    let mut d = Driver::new(Some(Duration::from_millis(50)));
    let target = d.ua_addr();
    let child = sipp(&[
        "-sf",
        &scenario("uac_hold_resume.xml"),
        &target,
        "-s",
        "600",
    ]);
    assert!(d.run(child, "hold"), "sipp hold/resume scenario failed");
    let call = match d.events.first() {
        Some(UaEvent::Incoming { call, .. }) => *call,
        other => panic!("{other:?}"),
    };
    let kinds: Vec<&UaEvent> = d
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                UaEvent::Held { .. } | UaEvent::Resumed { .. } | UaEvent::Hangup { .. }
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            &UaEvent::Held { call },
            &UaEvent::Resumed { call },
            &UaEvent::Hangup {
                call,
                reason: EndReason::Bye
            }
        ]
    );
}

#[test]
fn our_ua_calls_sipp_uas_and_hangs_up() {
    if !have_sipp() {
        return;
    }
    // A port for sipp: take a free one and release it (sipp binds it right after).
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = sipp(&["-sn", "uas", "-p", &port.to_string()]);
    let mut d = Driver::new(None);
    let peer: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // sipp needs a moment to bind; our INVITE is retransmitted by Timer A anyway.
    let now = d.now();
    let call =
        d.ua.invite(
            now,
            sip::ua::Invite::direct(
                sip::Uri::sip(Some("service"), "127.0.0.1", Some(port)),
                peer,
                "1001",
                Driver::media(),
            ),
        )
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut hung_up = false;
    while std::time::Instant::now() < deadline && !hung_up {
        d.step();
        if d.events
            .iter()
            .any(|e| matches!(e, UaEvent::Answered { call: c, .. } if *c == call))
        {
            let now = d.now();
            d.ua.hangup(now, call).unwrap();
            hung_up = true;
        }
    }
    assert!(hung_up, "answered: {:?}", d.events);
    assert!(d.run(child, "uas"), "sipp uas scenario failed");
    assert!(d.events.contains(&UaEvent::Alerting { call }));
    assert!(d.ua.calls().is_empty(), "the BYE got its 200");
}

#[test]
fn sipp_call_over_tcp() {
    use std::io::{Read, Write};
    if !have_sipp() {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let local = listener.local_addr().unwrap();
    let child = sipp(&[
        "-sn",
        "uac",
        &local.to_string(),
        "-s",
        "600",
        "-d",
        "100",
        "-t",
        "t1",
    ]);
    listener.set_nonblocking(true).unwrap();
    let mut got = None;
    for _ in 0..500 {
        if let Ok(c) = listener.accept() {
            got = Some(c);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut conn, from) = got.expect("sipp connected");
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let mut cfg = UaConfig::new(local);
    cfg.allow_anonymous = true;
    let mut ua = Ua::new(cfg);
    let start = std::time::Instant::now();
    let now = || tdm::Instant::from_micros(start.elapsed().as_micros() as u64);
    let mut events = Vec::new();
    let mut buf = [0u8; 8192];
    let mut child = child;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let mut ok = false;
    while std::time::Instant::now() < deadline {
        if let Ok(n) = conn.read(&mut buf)
            && n > 0
        {
            ua.handle_datagram(now(), Transport::Tcp, from, &buf[..n]);
        }
        let t = now();
        if ua.poll_timeout().is_some_and(|x| x <= t) {
            ua.handle_timeout(t);
        }
        while let Some(e) = ua.poll_event() {
            if let UaEvent::Incoming { call, .. } = e {
                ua.answer(t, call, Driver::media()).unwrap();
            }
            events.push(e);
        }
        while let Some(x) = ua.poll_transmit() {
            assert_eq!((x.transport, x.to), (Transport::Tcp, from));
            conn.write_all(&x.bytes).unwrap();
        }
        if let Some(st) = child.try_wait().unwrap() {
            ok = st.success();
            break;
        }
    }
    if !ok {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(ok, "sipp uac over TCP failed: {events:?}");
    assert!(events.iter().any(|e| matches!(
        e,
        UaEvent::Hangup {
            reason: EndReason::Bye,
            ..
        }
    )));
    assert!(ua.calls().is_empty());
}

const BARESIP: &str = "/usr/bin/baresip";

#[test]
fn baresip_calls_with_md5_digest_and_we_hang_up() {
    if !std::path::Path::new(BARESIP).exists() {
        eprintln!("SKIP: {BARESIP} not installed");
        return;
    }
    let mut d = Driver::new(Some(Duration::from_millis(100)));
    // baresip 1.0 (libre) gives up on a challenge naming SHA-256: its account is MD5 only.
    d.ua.set_accounts(vec![
        sip::ua::Account::new("1003", "demo1003").with_algorithms(&[sip::auth::Algorithm::Md5]),
    ]);
    let port = d.sock.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config"),
        "module_path /usr/lib/baresip/modules\nsip_listen 127.0.0.1:0\nmodule g711.so\nmodule menu.so\nmodule_app account.so\naudio_player aufile,/dev/null\naudio_source aufile,/dev/null\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("accounts"),
        format!("<sip:1003@127.0.0.1:{port};transport=udp>;auth_pass=demo1003;regint=0\n"),
    )
    .unwrap();
    let mut child = Command::new(BARESIP)
        .args(["-f", dir.path().to_str().unwrap(), "-t", "8", "-e"])
        .arg(format!("/dial sip:600@127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start baresip");
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    let mut call = None;
    let mut hung_up = false;
    while std::time::Instant::now() < deadline && !(hung_up && d.ua.calls().is_empty()) {
        d.step();
        if call.is_none() {
            call = d.events.iter().find_map(|e| match e {
                UaEvent::Incoming { call, origin, .. } => {
                    assert_eq!(
                        *origin,
                        sip::ua::CallOrigin::Account {
                            user: "1003".into()
                        }
                    );
                    Some(*call)
                }
                _ => None,
            });
        }
        if let Some(c) = call
            && !hung_up
            && d.ua.media(c).is_some()
            && d.to_answer.is_empty()
        {
            // Answered (media agreed): let the ACK come, then hang up.
            for _ in 0..20 {
                d.step();
            }
            let now = d.now();
            d.ua.hangup(now, c).unwrap();
            hung_up = true;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        call.is_some(),
        "baresip's INVITE passed the 407 challenge: {:?}",
        d.events
    );
    assert!(hung_up, "answered");
    assert!(d.ua.calls().is_empty(), "baresip answered our BYE");
}

impl Driver {
    fn ua_addr(&self) -> String {
        self.sock.local_addr().unwrap().to_string()
    }
}
