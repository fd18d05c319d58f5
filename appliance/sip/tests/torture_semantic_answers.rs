//! The RFC 4475 §3.3 semantic cases through UAS admission (RFC 3261 §8.2) and the
//! registrar's digest check: each gets the answer INDEX.md lists, normal ones pass.

use sip::auth::{AuthError, DigestServer};
use sip::header::HeaderKind;
use sip::uas::{Capabilities, admit};
use sip::{HeaderAccess, Message, Request};

fn request(name: &str) -> Request {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../shared/testdata/sip-torture/{name}.dat"));
    match Message::parse(&std::fs::read(p).unwrap()) {
        Ok(Message::Request(r)) => r,
        other => panic!("{name}: {other:?}"),
    }
}

fn status(name: &str) -> Option<(u16, Option<String>)> {
    admit(&request(name), &Capabilities::default(), "t")
        .err()
        .map(|r| {
            let extra = match r.status {
                501 => r.headers.values(HeaderKind::Allow).next(),
                420 => r.headers.values(HeaderKind::Unsupported).next(),
                415 => r.headers.values(HeaderKind::Accept).next(),
                _ => None,
            };
            (r.status, extra.map(str::to_owned))
        })
}

#[test]
fn semantic_cases_get_their_answers() {
    assert_eq!(status("intmeth").map(|s| s.0), Some(501));
    assert!(
        status("intmeth").unwrap().1.unwrap().contains("INVITE"),
        "501 carries Allow"
    );
    assert_eq!(
        status("esc02").map(|s| s.0),
        Some(501),
        "RE%47IST%45R is not REGISTER"
    );
    assert_eq!(status("unkscm").map(|s| s.0), Some(416));
    assert_eq!(status("novelsc").map(|s| s.0), Some(416));
    assert_eq!(
        status("bext01"),
        Some((
            420,
            Some("nothingSupportsThis, nothingSupportsThisEither".into())
        ))
    );
    assert_eq!(status("invut"), Some((415, Some("application/sdp".into()))));
    assert_eq!(status("sdp01").map(|s| s.0), Some(406));
}

#[test]
fn normal_requests_pass() {
    for name in [
        "wsinv",
        "esc01",
        "escnull",
        "lwsdisp",
        "longreq",
        "dblreq",
        "semiuri",
        "transports",
        "unksm2",
        "zeromf",
        "inv2543",
        "cparam01",
        "cparam02",
        "regescrt",
    ] {
        assert_eq!(status(name), None, "{name}");
    }
}

#[test]
fn regaut01_unknown_scheme_gets_a_challenge() {
    let r = request("regaut01");
    let creds = r.auth(HeaderKind::Authorization).unwrap();
    let mut d = DigestServer::new("example.com", b"k", 300);
    let e = d
        .verify(0, &creds[0], "REGISTER", &r.uri.to_string(), |_, _| None)
        .unwrap_err();
    assert_eq!(e, AuthError::Unsupported);
    // The registrar then answers 401 with challenges it supports.
    assert!(
        d.challenges(0, false)
            .iter()
            .all(|c| c.starts_with("Digest "))
    );
}
