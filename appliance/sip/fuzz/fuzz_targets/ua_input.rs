//! Datagrams (split on 0xFF bytes; a leading byte picks UDP or TCP and a time step) fed to
//! a user agent whose host answers every incoming call and rings, holds and hangs up at
//! random points; at the end every call is hung up and the timers are run out: nothing may
//! panic, no timer may stay due, and no call may be left.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip::sdp::{Codec, Direction, LocalMedia};
use sip::ua::{Transport, Ua, UaConfig, UaEvent};
use tdm::Instant;

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

fuzz_target!(|data: &[u8]| {
    let mut cfg = UaConfig::new("127.0.0.2:5080".parse().unwrap());
    cfg.allow_anonymous = true;
    let mut ua = Ua::new(cfg);
    let from = "192.0.2.1:5060".parse().unwrap();
    let mut now = 0u64;
    for dgram in data.split(|b| *b == 0xff).take(32) {
        let (ctl, bytes) = dgram.split_first().unwrap_or((&0, &[]));
        now += u64::from(*ctl & 0x3f) * 250;
        let t = Instant::from_millis(now);
        let tp = if ctl & 0x40 != 0 { Transport::Tcp } else { Transport::Udp };
        ua.handle_datagram(t, tp, from, bytes);
        while let Some(e) = ua.poll_event() {
            if let UaEvent::Incoming { call, .. } = e {
                let _ = match ctl & 0x3 {
                    0 => ua.answer(t, call, media()).map(|_| ()),
                    1 => ua.ringing(t, call, Some(media())).map(|_| ()),
                    2 => ua.reject(t, call, 486),
                    _ => ua.ringing(t, call, None).map(|_| ()),
                };
            }
        }
        if ctl & 0x80 != 0 {
            for c in ua.calls() {
                let _ = if ctl & 0x4 != 0 { ua.hold(t, c) } else { ua.hangup(t, c) };
            }
        }
        ua.handle_timeout(t);
        while ua.poll_transmit().is_some() {}
    }
    let t = Instant::from_millis(now);
    for c in ua.calls() {
        assert_eq!(ua.hangup(t, c), Ok(()));
    }
    for _ in 0..100_000 {
        match ua.poll_timeout() {
            Some(at) if at.as_millis() < now + 4_000_000 => {
                let at = at.max(t);
                ua.handle_timeout(at);
                while ua.poll_event().is_some() {}
                while ua.poll_transmit().is_some() {}
                assert!(ua.poll_timeout().is_none_or(|n| n > at));
            }
            _ => break,
        }
    }
    assert!(ua.calls().is_empty());
});
