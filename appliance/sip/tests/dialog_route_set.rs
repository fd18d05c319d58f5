//! RFC 3261 §12.1 and §12.2.1.1: the route set from Record-Route (in order for the UAS,
//! reversed for the UAC), the remote target from Contact and its refresh, CSeq rules, and
//! in-dialog requests with loose and strict routing.

use sip::dialog::{Dialog, DialogState};
use sip::header::HeaderKind;
use sip::{HeaderAccess, Message, Method, Request, Response};

fn invite() -> Request {
    let raw = "INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP p2.example;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\nMax-Forwards: 69\r\nRecord-Route: <sip:p2.example;lr>, <sip:p1.example;lr>\r\nFrom: \"Alice\" <sip:alice@a.example>;tag=at\r\nTo: <sip:bob@b.example>\r\nCall-ID: c1@a\r\nCSeq: 7 INVITE\r\nContact: <sip:alice@192.0.2.1:5060>\r\nContent-Length: 0\r\n\r\n";
    let Ok(Message::Request(r)) = Message::parse(raw.as_bytes()) else {
        panic!()
    };
    r
}

fn ok(req: &Request) -> Response {
    let mut r = req.response(200, "OK", Some("bt"));
    r.headers.push_kind(
        HeaderKind::RecordRoute,
        "<sip:p2.example;lr>, <sip:p1.example;lr>",
    );
    r.headers
        .push_kind(HeaderKind::Contact, "<sip:bob@192.0.2.2:5062>");
    r
}

#[test]
fn uas_dialog_keeps_record_route_order_and_routes_loosely() {
    let req = invite();
    let mut d = Dialog::uas(&req, "bt", DialogState::Confirmed).unwrap();
    assert_eq!(
        (
            d.id.call_id.as_str(),
            d.id.local_tag.as_str(),
            d.id.remote_tag.as_str()
        ),
        ("c1@a", "bt", "at")
    );
    assert_eq!(d.remote_seq, Some(7));
    assert_eq!(d.remote_target.to_string(), "sip:alice@192.0.2.1:5060");
    let routes: Vec<String> = d.route_set.iter().map(|r| r.uri.host.clone()).collect();
    assert_eq!(routes, ["p2.example", "p1.example"]);
    // The UAS's own CSeq space starts empty (§12.1.1): its first request may use any number.
    let seq = d.next_seq();
    let bye = d.request(Method::Bye, seq);
    assert_eq!(
        bye.uri.to_string(),
        "sip:alice@192.0.2.1:5060",
        "loose routing: R-URI = remote target"
    );
    let r: Vec<&str> = bye.headers.values(HeaderKind::Route).collect();
    assert_eq!(r, ["<sip:p2.example;lr>", "<sip:p1.example;lr>"]);
    assert_eq!(bye.hdr_from().unwrap().tag(), Some("bt"));
    assert_eq!(bye.hdr_to().unwrap().tag(), Some("at"));
    assert_eq!(bye.hdr_to().unwrap().display.as_deref(), Some("Alice"));
    // §12.2.2: lower or equal CSeq is out of order.
    assert!(!d.accept_remote_seq(7));
    assert!(d.accept_remote_seq(8));
}

#[test]
fn uac_dialog_reverses_the_route_set_and_follows_target_refresh() {
    let req = invite();
    let resp = ok(&req);
    let mut d = Dialog::uac(&req, &resp).unwrap();
    assert_eq!(
        (d.id.local_tag.as_str(), d.id.remote_tag.as_str()),
        ("at", "bt")
    );
    let routes: Vec<String> = d.route_set.iter().map(|r| r.uri.host.clone()).collect();
    assert_eq!(routes, ["p1.example", "p2.example"]);
    assert_eq!(d.local_seq, 7);
    assert_eq!(d.next_seq(), 8);
    assert_eq!(d.remote_target.to_string(), "sip:bob@192.0.2.2:5062");
    // A re-INVITE from the peer with a new Contact moves the target (§12.2).
    let mut re = Request::new(Method::Invite, d.remote_target.clone());
    re.headers
        .push_kind(HeaderKind::Contact, "<sip:bob@192.0.2.9>");
    d.refresh_target(&re);
    assert_eq!(
        d.request(Method::Bye, 9).uri.to_string(),
        "sip:bob@192.0.2.9"
    );
}

#[test]
fn strict_route_goes_into_the_request_uri() {
    let req = invite();
    let mut resp = ok(&req);
    resp.headers
        .set(HeaderKind::RecordRoute, "<sip:strict.example>");
    let d = Dialog::uac(&req, &resp).unwrap();
    let bye = d.request(Method::Bye, 8);
    assert_eq!(bye.uri.to_string(), "sip:strict.example");
    let r: Vec<&str> = bye.headers.values(HeaderKind::Route).collect();
    assert_eq!(
        r,
        ["<sip:bob@192.0.2.2:5062>"],
        "the remote target goes last in Route"
    );
}

#[test]
fn uac_dialog_needs_a_to_tag() {
    let req = invite();
    let resp = req.response(180, "Ringing", None);
    assert!(Dialog::uac(&req, &resp).is_err());
}
