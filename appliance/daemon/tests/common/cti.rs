//! A CTI client for daemon tests, as a business system or the agent desktop would be one:
//! logs in to the panel over HTTP (CSRF token, session cookie), opens the CTI WebSocket
//! (`/api/cti/v1/ws`, tokio-tungstenite on a thread of its own) and exchanges JSON wire v1
//! messages. Every wait is bounded.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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

/// An open CTI WebSocket.
pub struct CtiClient {
    out: Sender<String>,
    inc: Receiver<Value>,
    /// Every message received so far, in order.
    pub seen: Vec<Value>,
    next_invoke: u64,
    cursor: usize,
}

impl CtiClient {
    /// Opens `ws://addr/api/cti/v1/ws` with the session cookie.
    pub fn connect(addr: &str, cookie: &str) -> Self {
        let mut req = format!("ws://{addr}/api/cti/v1/ws")
            .into_client_request()
            .expect("request");
        req.headers_mut()
            .insert("cookie", cookie.parse().expect("cookie"));
        let (out, out_rx) = channel::<String>();
        let (in_tx, inc) = channel::<Value>();
        let (ready_tx, ready) = channel::<Result<(), String>>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let ws = tokio::time::timeout(
                    Duration::from_secs(10),
                    tokio_tungstenite::connect_async(req),
                )
                .await;
                let mut ws = match ws {
                    Ok(Ok((ws, _))) => {
                        let _ = ready_tx.send(Ok(()));
                        ws
                    }
                    Ok(Err(e)) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                    Err(_) => {
                        let _ = ready_tx.send(Err("timeout".into()));
                        return;
                    }
                };
                // Bounded: the test's own deadline ends it by dropping the channels.
                let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
                loop {
                    while let Ok(m) = out_rx.try_recv() {
                        if ws.send(Message::Text(m.into())).await.is_err() {
                            return;
                        }
                    }
                    if tokio::time::Instant::now() > deadline {
                        return;
                    }
                    match tokio::time::timeout(Duration::from_millis(10), ws.next()).await {
                        Ok(Some(Ok(Message::Text(t)))) => {
                            let v = serde_json::from_str(&t).unwrap_or(Value::Null);
                            if in_tx.send(v).is_err() {
                                return;
                            }
                        }
                        Ok(Some(Ok(_))) | Err(_) => {}
                        Ok(Some(Err(_)) | None) => return,
                    }
                }
            });
        });
        ready
            .recv_timeout(Duration::from_secs(15))
            .expect("websocket thread")
            .expect("websocket upgrade");
        Self {
            out,
            inc,
            seen: Vec::new(),
            next_invoke: 1,
            cursor: 0,
        }
    }

    /// Sends a request and waits for its response (events received meanwhile are kept).
    pub fn request(&mut self, request: Value) -> Value {
        let invoke = self.next_invoke;
        self.next_invoke += 1;
        self.out
            .send(json!({"v": 1, "invokeId": invoke, "request": request}).to_string())
            .expect("ws thread");
        self.find_from(0, &format!("response to invoke {invoke}"), |v| {
            v["kind"] == "response" && v["invokeId"] == invoke
        })
        .1
    }

    /// Waits (up to 20 s) for a message matching `f` at index `from` or later of
    /// [`Self::seen`].
    fn find_from(&mut self, from: usize, what: &str, f: impl Fn(&Value) -> bool) -> (usize, Value) {
        if let Some(i) = (from..self.seen.len()).find(|&i| f(&self.seen[i])) {
            return (i, self.seen[i].clone());
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.inc.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if f(&v) {
                        return (self.seen.len() - 1, v);
                    }
                }
                Err(_) => panic!(
                    "no CTI message: {what} within 20 s; seen:\n{}",
                    self.seen
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
    }

    /// Waits for the next event report named `event` after the last one this returned.
    pub fn event(&mut self, event: &str) -> Value {
        let (i, v) = self.find_from(self.cursor, event, |v| {
            v["kind"] == "event" && v["report"]["event"]["event"] == event
        });
        self.cursor = i + 1;
        v
    }

    /// Takes in what arrives within `within` (no request sent); returns how many came.
    pub fn drain(&mut self, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        let mut n = 0;
        while let Ok(v) = self
            .inc
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(v);
            n += 1;
        }
        n
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
