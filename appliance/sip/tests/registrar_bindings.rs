//! Registrar (RFC 3261 §10.3): bindings with expiry, 423 Interval Too Brief, wildcard
//! removal, refresh and out-of-order protection, and the RFC 4475 REGISTER cases
//! (cparam01/02, regescrt).

use sip::header::{Contact, HeaderKind};
use sip::registrar::{Registrar, RegistrarConfig};
use sip::{HeaderAccess, Message, Request};
use tdm::Instant;

fn register(cseq: u32, contact: &str, expires: Option<u32>) -> Request {
    let mut s = format!(
        "REGISTER sip:pbx.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK{cseq}\r\nFrom: <sip:1001@pbx.example>;tag=f\r\nTo: <sip:1001@pbx.example>\r\nCall-ID: reg-1\r\nCSeq: {cseq} REGISTER\r\nContact: {contact}\r\n"
    );
    if let Some(e) = expires {
        s.push_str(&format!("Expires: {e}\r\n"));
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    let Ok(Message::Request(r)) = Message::parse(s.as_bytes()) else {
        panic!("test REGISTER parses")
    };
    r
}

fn src() -> std::net::SocketAddr {
    "192.0.2.1:5060".parse().unwrap()
}

#[test]
fn bind_refresh_expire() {
    let mut reg = Registrar::new(RegistrarConfig::default());
    let t0 = Instant::ZERO;
    let r = reg.handle_register(
        t0,
        "1001",
        &register(1, "<sip:1001@192.0.2.1:5060>", Some(120)),
        src(),
    );
    assert_eq!(r.status, 200);
    let c = r.contacts().unwrap();
    let Contact::Addr(a) = &c[0] else { panic!() };
    assert_eq!(a.expires(), Some(120));
    assert_eq!(r.hdr_to().unwrap().tag(), Some("reg"));
    assert_eq!(reg.lookup(t0, "1001").count(), 1);
    assert_eq!(reg.poll_timeout(), Some(Instant::from_millis(120_000)));
    // Refresh with a contact param expires overriding the header.
    let r = reg.handle_register(
        Instant::from_millis(60_000),
        "1001",
        &register(2, "<sip:1001@192.0.2.1:5060>;expires=300", Some(120)),
        src(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        reg.lookup(Instant::from_millis(60_000), "1001")
            .next()
            .unwrap()
            .expires_at,
        Instant::from_millis(360_000)
    );
    reg.handle_timeout(Instant::from_millis(360_000));
    assert_eq!(reg.lookup(Instant::from_millis(360_000), "1001").count(), 0);
    assert_eq!(reg.poll_timeout(), None);
}

#[test]
fn interval_too_brief_and_capping() {
    let mut reg = Registrar::new(RegistrarConfig {
        min_expires: 60,
        max_expires: 600,
        ..Default::default()
    });
    let r = reg.handle_register(
        Instant::ZERO,
        "1001",
        &register(1, "<sip:1001@192.0.2.1>", Some(30)),
        src(),
    );
    assert_eq!(r.status, 423);
    assert_eq!(r.delta(HeaderKind::MinExpires).unwrap(), Some(60));
    assert_eq!(reg.lookup(Instant::ZERO, "1001").count(), 0);
    let r = reg.handle_register(
        Instant::ZERO,
        "1001",
        &register(2, "<sip:1001@192.0.2.1>", Some(7200)),
        src(),
    );
    assert_eq!(r.status, 200);
    let Contact::Addr(a) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert_eq!(a.expires(), Some(600));
}

#[test]
fn wildcard_removes_all_and_needs_expires_zero() {
    let mut reg = Registrar::new(RegistrarConfig::default());
    assert_eq!(
        reg.handle_register(
            Instant::ZERO,
            "1001",
            &register(1, "<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", Some(300)),
            src()
        )
        .status,
        200
    );
    assert_eq!(reg.lookup(Instant::ZERO, "1001").count(), 2);
    assert_eq!(
        reg.handle_register(Instant::ZERO, "1001", &register(2, "*", Some(300)), src())
            .status,
        400
    );
    let r = reg.handle_register(Instant::ZERO, "1001", &register(3, "*", Some(0)), src());
    assert_eq!(r.status, 200);
    assert!(r.contacts().unwrap().is_empty());
    assert_eq!(reg.lookup(Instant::ZERO, "1001").count(), 0);
}

#[test]
fn expires_zero_removes_one_and_stale_cseq_is_refused() {
    let mut reg = Registrar::new(RegistrarConfig::default());
    let _ = reg.handle_register(
        Instant::ZERO,
        "1001",
        &register(5, "<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", Some(300)),
        src(),
    );
    let r = reg.handle_register(
        Instant::ZERO,
        "1001",
        &register(4, "<sip:a@192.0.2.1>", Some(0)),
        src(),
    );
    assert_eq!(r.status, 500, "older CSeq in the same Call-ID");
    let r = reg.handle_register(
        Instant::ZERO,
        "1001",
        &register(6, "<sip:a@192.0.2.1>;expires=0", None),
        src(),
    );
    assert_eq!(r.status, 200);
    let left: Vec<_> = reg
        .lookup(Instant::ZERO, "1001")
        .map(|b| b.contact.uri.user.clone())
        .collect();
    assert_eq!(left, vec![Some("b".to_owned())]);
}

#[test]
fn rfc4475_register_cases_keep_their_parameters() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/sip-torture");
    for (name, check) in [
        ("cparam01", "unknownparam"),
        ("cparam02", "unknownparam"),
        ("regescrt", ""),
    ] {
        let Ok(Message::Request(req)) =
            Message::parse(&std::fs::read(dir.join(format!("{name}.dat"))).unwrap())
        else {
            panic!("{name}")
        };
        let mut reg = Registrar::new(RegistrarConfig {
            min_expires: 1,
            ..Default::default()
        });
        let r = reg.handle_register(Instant::ZERO, "user", &req, src());
        assert_eq!(r.status, 200, "{name}: {}", r.reason);
        let b = reg.lookup(Instant::ZERO, "user").next().expect("bound");
        match name {
            "cparam01" => assert!(b.contact.params.get(check).is_some(), "contact-param kept"),
            "cparam02" => assert!(b.contact.uri.params.get(check).is_some(), "uri-param kept"),
            _ => assert!(
                b.contact.uri.headers.is_some(),
                "escaped header kept in the URI"
            ),
        }
    }
}
