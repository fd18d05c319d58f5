//! A call over TCP: bytes go through the stream framer in arbitrary pieces, nothing is
//! retransmitted (§17.1.1.2 reliable transport, §13.3.1.4 2xx sent once), Via says TCP.

mod ua_pair;

use core::time::Duration;
use sip::Uri;
use sip::ua::{Invite, Transport, UaEvent};
use ua_pair::{Pair, media};

#[test]
fn call_over_tcp_in_small_pieces() {
    let mut p = Pair::new();
    let now = p.now;
    let mut inv = Invite::direct(
        Uri::sip(Some("600"), "127.0.0.2", Some(5080)),
        p.b_addr,
        "1001",
        media(40000),
    );
    inv.transport = Transport::Tcp;
    let ca = p.a.invite(now, inv).unwrap();
    // Move a's INVITE by hand, 7 bytes at a time, to exercise the framer.
    let t = p.a.poll_transmit().unwrap();
    assert_eq!(t.transport, Transport::Tcp);
    let text = String::from_utf8(t.bytes.clone()).unwrap();
    assert!(
        text.contains("Via: SIP/2.0/TCP ")
            && text.contains("Contact: <sip:1001@127.0.0.1:5070;transport=tcp>")
    );
    for chunk in t.bytes.chunks(7) {
        let now = p.now;
        p.b.handle_datagram(now, Transport::Tcp, p.a_addr, chunk);
    }
    p.flush_now();
    let cb = p.incoming_b().expect("framed and parsed");
    let now = p.now;
    p.b.answer(now, cb, media(42000)).unwrap();
    p.lose_ab = Box::new(|m| m.starts_with("ACK "));
    p.run_for(Duration::from_secs(40));
    assert!(
        p.events_a
            .iter()
            .any(|(_, e)| matches!(e, UaEvent::Answered { call, .. } if *call == ca))
    );
    // ACK lost (the connection dropped it, say): still no 2xx retransmission over TCP.
    assert_eq!(
        p.sent_b
            .iter()
            .filter(|(_, m)| m.starts_with("SIP/2.0 200") && m.contains("INVITE"))
            .count(),
        1
    );
    // A CRLF CRLF ping is answered with CRLF (RFC 5626 §3.5.1).
    let now = p.now;
    p.b.handle_datagram(now, Transport::Tcp, p.a_addr, b"\r\n\r\n");
    let pong = p.b.poll_transmit().unwrap();
    assert_eq!(
        (pong.transport, pong.bytes.as_slice()),
        (Transport::Tcp, &b"\r\n"[..])
    );
}
