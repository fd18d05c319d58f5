//! The control API (`GET /status`, the span maintenance `POST`s; src/control.rs) against the
//! real daemon in demo mode, with the simulated carrier on span1 placing no calls: malformed
//! requests get a 4xx with a JSON error and change nothing (the span stays out of loopback,
//! no RESTART goes out); well-formed ones act, and `/status` shows the live state.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Daemon, get};

/// One request; the status code and the body.
fn request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn status(addr: &str) -> serde_json::Value {
    let (code, body) = get(addr, "/status");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("status is JSON")
}

fn span1(st: &serde_json::Value) -> &serde_json::Value {
    st["spans"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "span1"))
        .unwrap_or_else(|| panic!("no span1 in {st}"))
}

#[test]
fn malformed_requests_are_refused_and_change_nothing() {
    let mut d = Daemon::start(&["--demo", "--carrier-interval-ms", "0"]);
    d.wait_notify("READY=1");
    let addr = d.http_addr();
    d.wait_log(&["D-channel data link up", "span=span1"]);

    let before = status(&addr);
    let s = span1(&before);
    assert_eq!(s["id"], 1, "{s}");
    assert_eq!(s["loopback"], "none", "{s}");
    assert_eq!(s["dchannel_up"], true, "{s}");
    assert_eq!(s["channels"].as_array().map(Vec::len), Some(30), "{s}");
    assert!(s["counters"]["dchan_rx"].is_u64(), "{s}");
    assert!(
        before["queues"].as_array().is_some_and(|q| !q.is_empty()),
        "{before}"
    );
    assert!(
        before["agents"].as_array().is_some_and(|a| !a.is_empty()),
        "{before}"
    );
    assert_eq!(before["sip"]["running"], true, "{before}");

    let bad: &[(&str, &str, &str, u16)] = &[
        ("POST", "/spans/x/loopback", r#"{"mode":"local"}"#, 400),
        ("POST", "/spans/0/loopback", r#"{"mode":"local"}"#, 400),
        ("POST", "/spans/-1/restart", "", 400),
        ("POST", "/spans/9/loopback", r#"{"mode":"local"}"#, 404),
        ("POST", "/spans/9/restart", "", 404),
        ("POST", "/spans/1/loopback", "local", 400),
        ("POST", "/spans/1/loopback", r#"{"mode":"sideways"}"#, 400),
        ("POST", "/spans/1/loopback", r#"{"mode":1}"#, 400),
        ("POST", "/spans/1/loopback", "{}", 400),
        ("POST", "/spans/1/loopback", "", 400),
        ("POST", "/spans/1/loopback", "{\"mode\":\"local\"", 400),
        ("POST", "/spans/1/channels/16/restart", "", 400),
        ("POST", "/spans/1/channels/0/restart", "", 400),
        ("POST", "/spans/1/channels/32/restart", "", 400),
        ("POST", "/spans/1/channels/abc/restart", "", 400),
        ("POST", "/spans/1/channels/300/restart", "", 400),
    ];
    for (method, path, body, want) in bad {
        let (code, text) = request(&addr, method, path, body);
        assert_eq!(code, *want, "{method} {path} {body}: {text}");
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}"));
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}: {text}"
        );
    }
    // Wrong methods.
    let (code, _) = get(&addr, "/spans/1/restart");
    assert_eq!(code, 405);
    let (code, _) = request(&addr, "POST", "/status", "");
    assert_eq!(code, 405);

    // Nothing changed: no loopback, no RESTART, the link still up.
    let after = status(&addr);
    let s = span1(&after);
    assert_eq!(s["loopback"], "none", "{s}");
    assert_eq!(s["dchannel_up"], true, "{s}");
    assert!(
        s["channels"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["state"] == "idle")),
        "{s}"
    );
    assert!(
        !d.log
            .iter()
            .any(|l| l.contains("RESTART requested") || l.contains("loopback requested")),
        "a refused request acted:\n{}",
        d.log.join("\n")
    );

    // The well-formed ones act: loopback on and off, RESTART of a channel and of the span,
    // each acknowledged by the carrier's stack (RESTART ACKNOWLEDGE).
    let (code, text) = request(&addr, "POST", "/spans/1/loopback", r#"{"mode":"local"}"#);
    assert_eq!(code, 200, "{text}");
    assert_eq!(span1(&status(&addr))["loopback"], "local");
    let (code, text) = request(&addr, "POST", "/spans/1/loopback", r#"{"mode":"none"}"#);
    assert_eq!(code, 200, "{text}");
    assert_eq!(span1(&status(&addr))["loopback"], "none");
    // Local loopback may have taken the data link down for a moment: wait until it is up
    // (Q.921 re-establishment runs on T200/T203; 10 s was once too short on a loaded host).
    let mut up = false;
    for _ in 0..300 {
        if span1(&status(&addr))["dchannel_up"] == true {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "data link not back up after the loopback");
    let (code, text) = request(&addr, "POST", "/spans/1/channels/5/restart", "");
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("\"restarted\":5"), "{text}");
    let (code, text) = request(&addr, "POST", "/spans/1/restart", "");
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("\"restarted\":\"interface\""), "{text}");
    d.wait_log(&["RESTART done", "span=span1"]);
}
