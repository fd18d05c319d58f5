//! Properties of the user agent under random input: random sequences of requests (in and
//! out of dialogs, with or without SDP, refresh, PRACK, REFER... headers), responses to
//! whatever the UA sent, host commands and time jumps never panic it, every live call
//! accepts `hangup`, and once hung up, with the peer silent, every call is gone after the
//! timers run out (no dialog is left without a way to end).

use proptest::prelude::*;
use sip::sdp::{Codec, Direction, LocalMedia};
use sip::ua::{Invite, Transport, Ua, UaConfig};
use sip::{HeaderAccess, Message, Uri};
use std::net::SocketAddr;
use tdm::Instant;

#[derive(Debug, Clone)]
enum Step {
    Request {
        method: u8,
        call: u8,
        ftag: u8,
        totag: u8,
        cseq: u8,
        branch: u8,
        body: u8,
        extra: u8,
    },
    Respond {
        status: u8,
        tag: u8,
        body: u8,
        extra: u8,
    },
    Command {
        op: u8,
        which: u8,
    },
    Wait {
        ms: u32,
    },
    Garbage(Vec<u8>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..12, 0u8..2, 0u8..2, 0u8..6, 1u8..6, 0u8..4, 0u8..6, 0u8..8).prop_map(
            |(method, call, ftag, totag, cseq, branch, body, extra)| Step::Request {
                method, call, ftag, totag, cseq, branch, body, extra
            }
        ),
        3 => (0u8..10, 0u8..3, 0u8..3, 0u8..4).prop_map(|(status, tag, body, extra)| Step::Respond { status, tag, body, extra }),
        4 => (0u8..13, 0u8..4).prop_map(|(op, which)| Step::Command { op, which }),
        2 => (0u32..40_000).prop_map(|ms| Step::Wait { ms }),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Step::Garbage),
    ]
}

fn media(port: u16) -> LocalMedia {
    LocalMedia {
        addr: "127.0.0.1".into(),
        port,
        codecs: vec![Codec::Pcma, Codec::Pcmu],
        telephone_event_pt: Some(101),
        ptime: 20,
        direction: Direction::SendRecv,
    }
}

const SDP_SENDRECV: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
const SDP_SENDONLY: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=sendonly\r\n";
const SDP_G729: &str = "v=0\r\no=- 1 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 18\r\n";

struct World {
    ua: Ua,
    now: Instant,
    peer: SocketAddr,
    sent: Vec<Vec<u8>>,
    tags: Vec<String>,
}

impl World {
    fn drain(&mut self) {
        while let Some(t) = self.ua.poll_transmit() {
            if let Ok(m) = Message::parse(&t.bytes) {
                let tag = match &m {
                    Message::Response(r) => {
                        r.hdr_to().ok().and_then(|t| t.tag().map(str::to_owned))
                    }
                    Message::Request(r) => {
                        r.hdr_from().ok().and_then(|t| t.tag().map(str::to_owned))
                    }
                };
                if let Some(tag) = tag
                    && !self.tags.contains(&tag)
                {
                    self.tags.push(tag);
                }
            }
            self.sent.push(t.bytes);
            if self.sent.len() > 200 {
                self.sent.remove(0);
            }
        }
        while self.ua.poll_event().is_some() {}
    }

    fn feed(&mut self, bytes: &[u8]) {
        let now = self.now;
        self.ua
            .handle_datagram(now, Transport::Udp, self.peer, bytes);
        self.drain();
    }

    fn apply(&mut self, s: &Step) {
        match s {
            Step::Request {
                method,
                call,
                ftag,
                totag,
                cseq,
                branch,
                body,
                extra,
            } => {
                let m = [
                    "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "PRACK", "UPDATE", "REFER",
                    "NOTIFY", "INFO", "REGISTER", "INVITE",
                ][*method as usize];
                let to_tag = match *totag {
                    0 | 5 => String::new(),
                    4 => ";tag=bogus".into(),
                    n => self
                        .tags
                        .get(n as usize - 1)
                        .map(|t| format!(";tag={t}"))
                        .unwrap_or_default(),
                };
                let mut r = format!(
                    "{m} sip:600@127.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKp{branch}{cseq}{m}\r\nMax-Forwards: 70\r\nFrom: <sip:1001@127.0.0.1>;tag=f{ftag}\r\nTo: <sip:600@127.0.0.2>{to_tag}\r\nCall-ID: call{call}@x\r\nCSeq: {cseq} {m}\r\nContact: <sip:1001@127.0.0.1:5070>\r\n"
                );
                r.push_str(match extra {
                    1 => "Session-Expires: 30\r\n",
                    2 => "Session-Expires: 90;refresher=uas\r\nSupported: timer\r\n",
                    3 => "Supported: 100rel, timer\r\n",
                    4 => "Require: 100rel\r\nRAck: 1 1 INVITE\r\n",
                    5 => "Refer-To: <sip:2002@127.0.0.2?Replaces=call1%40x%3Bto-tag%3Df0%3Bfrom-tag%3Dx>\r\nEvent: refer\r\n",
                    6 => "Replaces: call0@x;to-tag=f1;from-tag=f0\r\n",
                    7 => "Event: refer\r\nSubscription-State: active\r\n",
                    _ => "",
                });
                let (ct, b): (&str, &str) = match body {
                    1 => ("application/sdp", SDP_SENDRECV),
                    2 => ("application/sdp", SDP_SENDONLY),
                    3 => ("application/sdp", SDP_G729),
                    4 => ("message/sipfrag;version=2.0", "SIP/2.0 200 OK\r\n"),
                    5 => ("application/dtmf-relay", "Signal=5\r\nDuration=100\r\n"),
                    _ => ("", ""),
                };
                if !ct.is_empty() {
                    r.push_str(&format!("Content-Type: {ct}\r\n"));
                }
                r.push_str(&format!("Content-Length: {}\r\n\r\n{b}", b.len()));
                self.feed(r.as_bytes());
            }
            Step::Respond {
                status,
                tag,
                body,
                extra,
            } => {
                let Some(req) = self
                    .sent
                    .iter()
                    .rev()
                    .find_map(|b| match Message::parse(b) {
                        Ok(Message::Request(r)) if r.method != sip::Method::Ack => Some(r),
                        _ => None,
                    })
                else {
                    return;
                };
                let st = [100, 180, 183, 200, 200, 401, 407, 481, 491, 422][*status as usize];
                let t = ["p1", "p2", ""][*tag as usize];
                let mut r = req.response(st, "X", if t.is_empty() { None } else { Some(t) });
                r.headers.push("Contact", "<sip:600@127.0.0.1:5070>");
                match extra {
                    1 => r.headers.push("Require", "100rel"),
                    2 => r.headers.push("Session-Expires", "90;refresher=uac"),
                    3 => r.headers.push("Min-SE", "120"),
                    _ => {}
                }
                if *extra == 1 {
                    r.headers.push("RSeq", "1");
                }
                if st == 401 || st == 407 {
                    r.headers.push(
                        if st == 401 {
                            "WWW-Authenticate"
                        } else {
                            "Proxy-Authenticate"
                        },
                        "Digest realm=\"x\", nonce=\"n\", algorithm=MD5, qop=\"auth\"",
                    );
                }
                if *body == 1 {
                    r.headers.push("Content-Type", "application/sdp");
                    r.body = SDP_SENDRECV.as_bytes().to_vec();
                }
                let bytes = r.to_bytes();
                self.feed(&bytes);
            }
            Step::Command { op, which } => {
                let calls = self.ua.calls();
                let now = self.now;
                let c = calls.get(*which as usize % calls.len().max(1)).copied();
                if *op == 12 {
                    let _ = self.ua.invite(
                        now,
                        Invite::direct(
                            Uri::sip(Some("1001"), "127.0.0.1", Some(5070)),
                            self.peer,
                            "600",
                            media(41000),
                        ),
                    );
                } else if let Some(c) = c {
                    let _ = match op {
                        0 => self.ua.ringing(now, c, None).map(|_| ()),
                        1 => self.ua.ringing(now, c, Some(media(42000))).map(|_| ()),
                        2 => self.ua.answer(now, c, media(42000)).map(|_| ()),
                        3 => self.ua.reject(now, c, 486),
                        4 => self.ua.hangup(now, c),
                        5 => self.ua.hold(now, c),
                        6 => self.ua.resume(now, c),
                        7 => self.ua.refer(
                            now,
                            c,
                            Uri::sip(Some("2002"), "127.0.0.2", None),
                            calls.first().copied(),
                        ),
                        8 => self.ua.transfer_status(now, c, 200),
                        9 => self.ua.options(now, c),
                        10 => self.ua.send_dtmf_info(now, c, '5', 100),
                        _ => self.ua.cancel(now, c),
                    };
                }
                self.drain();
            }
            Step::Wait { ms } => {
                let until = self.now + core::time::Duration::from_millis(u64::from(*ms));
                for _ in 0..10_000 {
                    match self.ua.poll_timeout() {
                        Some(t) if t <= until => {
                            self.now = t.max(self.now);
                            let now = self.now;
                            self.ua.handle_timeout(now);
                            self.drain();
                        }
                        _ => break,
                    }
                }
                self.now = until;
            }
            Step::Garbage(g) => self.feed(g),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn random_sequences_never_panic_and_every_call_can_end(steps in proptest::collection::vec(step(), 1..60)) {
        let mut cfg = UaConfig::new("127.0.0.2:5080".parse().unwrap());
        cfg.allow_anonymous = true;
        let mut w = World { ua: Ua::new(cfg), now: Instant::ZERO, peer: "127.0.0.1:5070".parse().unwrap(), sent: Vec::new(), tags: Vec::new() };
        for s in &steps {
            w.apply(s);
        }
        for c in w.ua.calls() {
            let now = w.now;
            prop_assert_eq!(w.ua.hangup(now, c), Ok(()), "hangup of a live call");
            w.drain();
        }
        // The peer falls silent: every call must end on its own timers, and every timer
        // handled moves on (a due timer that stays due would spin the host's loop).
        let end = w.now + core::time::Duration::from_secs(4000);
        for _ in 0..100_000 {
            match w.ua.poll_timeout() {
                Some(t) if t <= end => {
                    w.now = t.max(w.now);
                    let now = w.now;
                    w.ua.handle_timeout(now);
                    w.drain();
                    prop_assert!(w.ua.poll_timeout().is_none_or(|n| n > now), "timer stuck at {:?}", now);
                }
                _ => break,
            }
        }
        prop_assert!(w.ua.calls().is_empty(), "calls left: {:?}", w.ua.calls());
    }
}
