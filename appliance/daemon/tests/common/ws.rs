//! A plain JSON WebSocket client for daemon tests (web chat's customer and agent sockets):
//! tokio-tungstenite on a thread of its own, text frames as JSON values, every wait bounded.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// An open WebSocket.
pub struct Ws {
    out: Sender<String>,
    inc: Receiver<Value>,
    /// Every message received so far, in order.
    pub seen: Vec<Value>,
    /// Where [`Self::wait`] (and a wrapper's own waits) go on from.
    pub cursor: usize,
}

impl Ws {
    /// Opens `url` (with the session `cookie`, if any); panics if the upgrade is refused.
    pub fn connect(url: &str, cookie: Option<&str>) -> Self {
        let mut req = url.into_client_request().expect("request");
        if let Some(c) = cookie {
            req.headers_mut()
                .insert("cookie", c.parse().expect("cookie"));
        }
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
            cursor: 0,
        }
    }

    /// Sends one JSON message.
    pub fn send(&self, v: &Value) {
        self.out.send(v.to_string()).expect("ws thread");
    }

    /// Waits (up to 20 s) for the next message of `type` after the last one this returned.
    pub fn wait(&mut self, ty: &str) -> Value {
        let (i, v) = self.find_from(self.cursor, &format!("{ty:?} message"), |v| v["type"] == ty);
        self.cursor = i + 1;
        v
    }

    /// Waits (up to 20 s) for a message matching `f` at index `from` or later of
    /// [`Self::seen`]; returns its index there and the message.
    pub fn find_from(
        &mut self,
        from: usize,
        what: &str,
        f: impl Fn(&Value) -> bool,
    ) -> (usize, Value) {
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
                    "no {what} within 20 s; seen:\n{}",
                    self.seen
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
    }

    /// Takes in what arrives within `within`; returns how many came.
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
}
