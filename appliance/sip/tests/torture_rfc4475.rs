//! Every RFC 4475 torture message (shared/testdata/sip-torture, see its INDEX.md) through
//! the parser: valid ones parse with the values RFC 4475 points out, invalid ones give the
//! typed error and the answer (or a drop) the RFC asks for. Nothing panics.

use sip::header::{Contact, HeaderKind};
use sip::uri::Scheme;
use sip::{HeaderAccess, Message, Method, ParseError};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/sip-torture")
}

fn load(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(format!("{name}.dat")))
        .expect("torture file (shared/testdata/sip-torture)")
}

fn request(name: &str) -> sip::Request {
    match Message::parse(&load(name)) {
        Ok(Message::Request(r)) => r,
        other => panic!("{name}: expected a request, got {other:?}"),
    }
}

/// (file, expected): `None` = parses; `Some((error, Some(status)))` = answered;
/// `Some((error, None))` = dropped.
const INVALID: &[(&str, ParseError, Option<u16>)] = &[
    (
        "badinv01",
        ParseError::BadHeader(HeaderKind::Via),
        Some(400),
    ),
    ("clerr", ParseError::ContentLengthExceedsMessage, Some(400)),
    (
        "ncl",
        ParseError::BadHeader(HeaderKind::ContentLength),
        Some(400),
    ),
    (
        "scalar02",
        ParseError::BadHeader(HeaderKind::CSeq),
        Some(400),
    ),
    ("scalarlg", ParseError::BadHeader(HeaderKind::CSeq), None),
    ("quotbal", ParseError::BadHeader(HeaderKind::To), Some(400)),
    ("ltgtruri", ParseError::BadRequestUri, Some(400)),
    ("lwsruri", ParseError::BadStartLine, Some(400)),
    ("lwsstart", ParseError::BadStartLine, Some(400)),
    ("trws", ParseError::BadStartLine, Some(400)),
    (
        "regbadct",
        ParseError::BadHeader(HeaderKind::Contact),
        Some(400),
    ),
    ("badaspec", ParseError::BadHeader(HeaderKind::To), Some(400)),
    ("baddn", ParseError::BadHeader(HeaderKind::From), Some(400)),
    ("badvers", ParseError::VersionNotSupported, Some(505)),
    ("mismatch01", ParseError::CSeqMethodMismatch, Some(400)),
    ("mismatch02", ParseError::CSeqMethodMismatch, Some(400)),
    ("bigcode", ParseError::BadStatusCode, None),
    (
        "insuf",
        ParseError::MissingHeader(HeaderKind::From),
        Some(400),
    ),
    (
        "multi01",
        ParseError::DuplicateHeader(HeaderKind::From),
        Some(400),
    ),
    (
        "mcl01",
        ParseError::DuplicateHeader(HeaderKind::ContentLength),
        Some(400),
    ),
];

const VALID: &[&str] = &[
    "wsinv",
    "intmeth",
    "esc01",
    "escnull",
    "esc02",
    "lwsdisp",
    "longreq",
    "dblreq",
    "semiuri",
    "transports",
    "mpart01",
    "unreason",
    "noreason",
    "badbranch",
    "unkscm",
    "novelsc",
    "unksm2",
    "bext01",
    "invut",
    "regaut01",
    "bcast",
    "zeromf",
    "cparam01",
    "cparam02",
    "regescrt",
    "sdp01",
    "inv2543",
    // Liberal choices allowed by RFC 4475 (documented in docs/sip-conformance.md):
    "escruri",
    "baddate",
];

#[test]
fn every_file_is_classified() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("torture dir")
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".dat"))
                .map(str::to_owned)
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 49);
    for f in &files {
        let known = VALID.contains(&f.as_str()) || INVALID.iter().any(|(n, _, _)| n == f);
        assert!(known, "{f} not classified");
    }
}

#[test]
fn valid_messages_parse() {
    for name in VALID {
        let msg = Message::parse(&load(name));
        assert!(msg.is_ok(), "{name}: {:?}", msg.err());
    }
}

#[test]
fn invalid_messages_get_their_typed_error_and_answer() {
    for (name, error, status) in INVALID {
        let rej = Message::parse(&load(name)).expect_err(name);
        assert_eq!(rej.error, *error, "{name}");
        assert_eq!(rej.answer.as_ref().map(|a| a.status), *status, "{name}");
        if let Some(a) = rej.answer {
            // The answer is itself a message we can emit, and it echoes the Via.
            let bytes = a.to_bytes();
            assert!(
                bytes.starts_with(format!("SIP/2.0 {} ", a.status).as_bytes()),
                "{name}"
            );
            assert!(a.headers.values(HeaderKind::Via).next().is_some(), "{name}");
        }
    }
}

#[test]
fn wsinv_folding_escapes_and_leading_zeros() {
    let r = request("wsinv");
    assert_eq!(r.max_forwards().unwrap(), Some(68));
    assert_eq!(r.cseq().unwrap().seq, 9);
    assert_eq!(r.cseq().unwrap().method, Method::Invite);
    assert_eq!(r.hdr_to().unwrap().tag(), Some("1918181833n"));
    assert_eq!(
        r.hdr_from().unwrap().display.as_deref(),
        Some("J Rosenberg \\\"")
    );
    let vias = r.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].transport, "UDP");
    assert_eq!(vias[1].transport, "TCP");
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(vias[0].branch(), Some("390skdjuw"));
    assert_eq!(r.body.len(), 150);
}

#[test]
fn esc01_and_semiuri_user_parts() {
    assert_eq!(
        request("esc01").uri.user.as_deref(),
        Some("sips%3Auser%40example.com")
    );
    assert_eq!(
        request("semiuri").uri.user.as_deref(),
        Some("user;par=u%40example.net")
    );
    assert_eq!(request("semiuri").uri.host, "example.com");
}

#[test]
fn esc02_method_is_unknown_not_register() {
    assert_eq!(
        request("esc02").method,
        Method::Other("RE%47IST%45R".into())
    );
}

#[test]
fn escnull_contacts_keep_the_escaped_nul() {
    let c = request("escnull").contacts().unwrap();
    assert_eq!(c.len(), 2);
    let Contact::Addr(a) = &c[1] else { panic!() };
    assert_eq!(a.uri.user.as_deref(), Some("%00%00"));
}

#[test]
fn dblreq_ignores_octets_after_content_length() {
    let r = request("dblreq");
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
}

#[test]
fn intmeth_wide_range_of_valid_characters() {
    let r = request("intmeth");
    assert_eq!(
        r.method,
        Method::Other("!interesting-Method0123456789_*+`.%indeed'~".into())
    );
    assert_eq!(r.uri.host, "example.com");
    assert_eq!(r.max_forwards().unwrap(), Some(255));
}

#[test]
fn unknown_schemes_parse() {
    assert_eq!(
        request("unkscm").uri.scheme,
        Scheme::Other("nobodyknowsthisscheme".into())
    );
    assert!(matches!(request("novelsc").uri.scheme, Scheme::Other(_)));
    let r = request("unksm2");
    assert!(!r.hdr_to().unwrap().uri.is_sip());
}

#[test]
fn responses_with_odd_reasons() {
    let Ok(Message::Response(r)) = Message::parse(&load("noreason")) else {
        panic!()
    };
    assert_eq!((r.status, r.reason.as_str()), (100, ""));
    let Ok(Message::Response(r)) = Message::parse(&load("unreason")) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    assert!(!r.reason.is_ascii());
}

#[test]
fn inv2543_has_no_branch_and_no_from_tag() {
    let r = request("inv2543");
    assert_eq!(r.top_via().unwrap().branch(), None);
    assert_eq!(r.hdr_from().unwrap().tag(), None);
}

#[test]
fn cparam_contact_and_uri_params() {
    let r = request("cparam01");
    let Contact::Addr(a) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert!(a.params.get("unknownparam").is_some());
    let r = request("cparam02");
    let Contact::Addr(a) = &r.contacts().unwrap()[0] else {
        panic!()
    };
    assert!(a.uri.params.get("unknownparam").is_some());
}

#[test]
fn parsed_messages_survive_emit_and_reparse() {
    for name in VALID {
        let m = Message::parse(&load(name)).unwrap();
        let again = Message::parse(&m.to_bytes()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let count = |m: &Message| {
            m.headers()
                .iter()
                .filter(|h| h.name != "Content-Length")
                .count()
        };
        assert_eq!(count(&again), count(&m), "{name}");
        assert_eq!(again.to_bytes(), m.to_bytes(), "{name}");
    }
}
