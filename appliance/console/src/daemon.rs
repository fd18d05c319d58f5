//! The daemon's local HTTP API, as the console reads it: `GET /healthz`, `GET /metrics`
//! (OpenMetrics text) and the control API (`GET /status`, JSON live state, and the span
//! maintenance `POST`s; appliance/daemon/src/control.rs) on loopback. Plain blocking
//! HTTP/1.0 with short timeouts: the console waits for nothing else while a technician's
//! command runs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long to wait for the daemon to accept and to answer.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// How long to wait for the answer to a control action (a RESTART waits for the far end's
/// RESTART ACKNOWLEDGE, up to 10 s on the daemon's side).
pub const ACTION_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest answer read.
const MAX_BODY: u64 = 4 << 20;

/// Why the daemon could not be asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// Nothing answers on the address (refused, or no answer in time).
    #[error("daemon not running (nothing answers on http://{addr})")]
    NotRunning {
        /// Where it was looked for.
        addr: SocketAddr,
    },
    /// It answered, but not with 200.
    #[error("daemon answered {path} with HTTP status {status}")]
    Status {
        /// Path asked.
        path: &'static str,
        /// Status code (0 when the answer did not parse).
        status: u16,
    },
    /// The connection broke while reading.
    #[error("daemon connection failed: {0}")]
    Io(#[from] std::io::Error),
    /// A 200 answer whose body is not the JSON expected.
    #[error("daemon answered {path} with a body that is not JSON")]
    NotJson {
        /// Path asked.
        path: &'static str,
    },
}

/// One sample of the metrics text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name (with `_total` for counters).
    pub name: String,
    /// Label pairs, in order.
    pub labels: Vec<(String, String)>,
    /// Value.
    pub value: f64,
}

/// Parsed metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics(pub Vec<Sample>);

impl Metrics {
    /// Parses OpenMetrics/Prometheus text; lines that do not parse are skipped.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        Self(text.lines().filter_map(parse_line).collect())
    }

    /// The value of `name` whose labels include every pair of `labels`.
    #[must_use]
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.0
            .iter()
            .find(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.iter().any(|(a, b)| a == k && b == v))
            })
            .map(|s| s.value)
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (head, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let (name, labels) = match head.split_once('{') {
        None => (head.to_owned(), Vec::new()),
        Some((name, rest)) => {
            let body = rest.strip_suffix('}')?;
            let mut labels = Vec::new();
            for pair in split_labels(body) {
                let (k, v) = pair.split_once('=')?;
                let v = v.strip_prefix('"')?.strip_suffix('"')?;
                labels.push((
                    k.trim().to_owned(),
                    v.replace("\\\"", "\"").replace("\\\\", "\\"),
                ));
            }
            (name.to_owned(), labels)
        }
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// Splits `a="x",b="y,z"` at the commas outside quotes.
fn split_labels(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < body.len() {
        out.push(&body[start..]);
    }
    out
}

/// The daemon at an address.
#[derive(Debug, Clone, Copy)]
pub struct Daemon {
    /// Its HTTP address (loopback).
    pub addr: SocketAddr,
}

impl Daemon {
    /// `GET path`: the body of a 200 answer.
    ///
    /// # Errors
    /// [`DaemonError::NotRunning`] when nothing answers, [`DaemonError::Status`] for a
    /// non-200 answer, [`DaemonError::Io`] when the answer breaks off.
    pub fn get(&self, path: &'static str) -> Result<String, DaemonError> {
        let (status, body) = self.request("GET", path, None, TIMEOUT)?;
        if status != 200 {
            return Err(DaemonError::Status { path, status });
        }
        Ok(body)
    }

    /// One request; the status code (0 when the answer did not parse) and the body.
    ///
    /// # Errors
    /// [`DaemonError::NotRunning`] when nothing answers, [`DaemonError::Io`] when the
    /// answer breaks off or does not come within `timeout`.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<(u16, String), DaemonError> {
        let not_running = DaemonError::NotRunning { addr: self.addr };
        let Ok(mut s) = TcpStream::connect_timeout(&self.addr, TIMEOUT) else {
            return Err(not_running);
        };
        s.set_read_timeout(Some(timeout))?;
        s.set_write_timeout(Some(TIMEOUT))?;
        let body = body.unwrap_or("");
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )?;
        let mut raw = Vec::new();
        s.take(MAX_BODY).read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok((
            status,
            text.split_once("\r\n\r\n")
                .map(|(_, b)| b.to_owned())
                .unwrap_or_default(),
        ))
    }

    /// The live state: `GET /status` (JSON).
    ///
    /// # Errors
    /// As [`Self::get`]; [`DaemonError::NotJson`] when the body does not parse.
    pub fn status(&self) -> Result<serde_json::Value, DaemonError> {
        const PATH: &str = "/status";
        let body = self.get(PATH)?;
        serde_json::from_str(&body).map_err(|_| DaemonError::NotJson { path: PATH })
    }

    /// A control action (`POST path` with a JSON body): `Ok(answer)` on 200, otherwise
    /// `Err(text)` with the daemon's `error` (or the status code).
    ///
    /// # Errors
    /// As [`Self::request`].
    pub fn action(
        &self,
        path: &str,
        body: Option<&str>,
    ) -> Result<Result<serde_json::Value, String>, DaemonError> {
        let (status, text) = self.request("POST", path, body, ACTION_TIMEOUT)?;
        let v: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        if status == 200 {
            return Ok(Ok(v.unwrap_or(serde_json::Value::Null)));
        }
        let why = v
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| format!("HTTP status {status}"), str::to_owned);
        Ok(Err(why))
    }

    /// The metrics.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn metrics(&self) -> Result<Metrics, DaemonError> {
        self.get("/metrics").map(|t| Metrics::parse(&t))
    }

    /// The health answer (JSON text), e.g. `{"database":true,"draining":false,...}`.
    ///
    /// # Errors
    /// As [`Self::get`]; a 503 (database not answering) is [`DaemonError::Status`].
    pub fn health(&self) -> Result<String, DaemonError> {
        self.get("/healthz")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_daemons_metrics_text() {
        let m = Metrics::parse(
            "# HELP appliance_active_calls Calls up.\n# TYPE appliance_active_calls gauge\n\
             appliance_active_calls 2\n\
             appliance_span_calls_total{span=\"span1\",result=\"incoming\"} 7\n\
             appliance_span_alarms{span=\"a,\\\"b\"} 8\n\
             garbage line\n# EOF\n",
        );
        assert_eq!(m.get("appliance_active_calls", &[]), Some(2.0));
        assert_eq!(
            m.get(
                "appliance_span_calls_total",
                &[("span", "span1"), ("result", "incoming")]
            ),
            Some(7.0)
        );
        assert_eq!(
            m.get("appliance_span_alarms", &[("span", "a,\"b")]),
            Some(8.0)
        );
        assert_eq!(m.get("appliance_span_calls_total", &[("span", "x")]), None);
        assert_eq!(m.0.len(), 3);
    }

    #[test]
    fn nothing_listening_is_not_running() {
        // Bind then drop: the port is free and nothing listens.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let e = Daemon { addr }.metrics().unwrap_err();
        assert!(matches!(e, DaemonError::NotRunning { .. }));
        assert!(e.to_string().starts_with("daemon not running"));
    }
}
