//! A CTI client for daemon tests, as a business system or the agent desktop would be one:
//! logs in to the panel over HTTP (CSRF token, session cookie), opens the CTI WebSocket
//! (`/api/cti/v1/ws`, the plain JSON socket of `ws.rs`) and exchanges JSON wire v1
//! messages. Every wait is bounded.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

#[path = "ws.rs"]
mod ws;
pub use ws::Ws;

/// One HTTP/1.1 exchange (Connection: close): (status, headers, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    let out = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    // Bodies here are small JSON objects; a chunked one is de-chunked crudely.
    let body = if body.starts_with(|c: char| c.is_ascii_hexdigit()) && body.contains("\r\n{") {
        body.split_once("\r\n")
            .map(|(_, b)| b.rsplit_once("\r\n0").map_or(b, |(x, _)| x))
            .unwrap_or(body)
            .trim()
            .to_owned()
    } else {
        body.to_owned()
    };
    (status, headers, body)
}

fn cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            v.split(';')
                .next()
                .and_then(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(str::to_owned)
        })
}

/// Logs in through `POST /api/v1/login`; returns the `Cookie` header value of the session.
pub fn login(addr: &str, user: &str, password: &str) -> String {
    let (st, h, body) = http(addr, "GET", "/api/v1/csrf", &[], "");
    assert_eq!(st, 200, "{body}");
    let pre = cookie(&h, "wa_pre").expect("wa_pre cookie");
    let token = serde_json::from_str::<Value>(&body).expect("csrf json")["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let (st, h, body) = http(
        addr,
        "POST",
        "/api/v1/login",
        &[
            ("content-type", "application/json"),
            ("x-csrf-token", &token),
            ("cookie", &format!("wa_pre={pre}")),
        ],
        &json!({"username": user, "password": password}).to_string(),
    );
    assert_eq!(st, 200, "login {user}: {body}");
    format!(
        "wa_session={}",
        cookie(&h, "wa_session").expect("wa_session cookie")
    )
}

/// An open CTI WebSocket: the plain JSON socket of [`ws::Ws`] with CSTA requests and
/// event waits on top (it derefs to the socket for `seen`, `drain`, `find_from`).
pub struct CtiClient {
    ws: Ws,
    next_invoke: u64,
}

impl std::ops::Deref for CtiClient {
    type Target = Ws;
    fn deref(&self) -> &Ws {
        &self.ws
    }
}

impl std::ops::DerefMut for CtiClient {
    fn deref_mut(&mut self) -> &mut Ws {
        &mut self.ws
    }
}

impl CtiClient {
    /// Opens `ws://addr/api/cti/v1/ws` with the session cookie.
    pub fn connect(addr: &str, cookie: &str) -> Self {
        Self {
            ws: Ws::connect(&format!("ws://{addr}/api/cti/v1/ws"), Some(cookie)),
            next_invoke: 1,
        }
    }

    /// Sends a request and waits for its response (events received meanwhile are kept).
    pub fn request(&mut self, request: Value) -> Value {
        let invoke = self.next_invoke;
        self.next_invoke += 1;
        self.ws
            .send(&json!({"v": 1, "invokeId": invoke, "request": request}));
        self.find_from(0, &format!("CTI response to invoke {invoke}"), |v| {
            v["kind"] == "response" && v["invokeId"] == invoke
        })
        .1
    }

    /// Waits for the next event report named `event` after the last one this returned.
    pub fn event(&mut self, event: &str) -> Value {
        let from = self.cursor;
        let (i, v) = self.find_from(from, &format!("CTI event {event}"), |v| {
            v["kind"] == "event" && v["report"]["event"]["event"] == event
        });
        self.cursor = i + 1;
        v
    }

    /// The names of the events received so far, in order.
    pub fn event_names(&self) -> Vec<String> {
        self.seen
            .iter()
            .filter(|v| v["kind"] == "event")
            .filter_map(|v| v["report"]["event"]["event"].as_str().map(str::to_owned))
            .collect()
    }
}
