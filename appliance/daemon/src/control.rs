//! The daemon's control API for the technician's console (docs/console.md, docs/daemon.md):
//! live state as JSON and the span maintenance actions, on the daemon's HTTP port.
//!
//! | method and path | does |
//! |---|---|
//! | `GET /status` | spans (line, alarms, D-channel, loopback, counters, B-channels), E1 calls, line ports (analog FXS/FXO: line, state), switch totals, queues, agents, SIP trunks and phone registrations |
//! | `POST /spans/{id}/loopback` `{"mode":"local"\|"none"\|"network"\|"payload"}` | puts span `id` in (or out of) a loopback ([`tdm::Loopback`]) |
//! | `POST /spans/{id}/restart` | Q.931 RESTART of the whole interface (Q.931 §5.5, class "single interface"): every call on the span is cleared |
//! | `POST /spans/{id}/channels/{ch}/restart` | Q.931 RESTART of one B-channel (class "indicated channels") |
//!
//! **Loopback only.** The daemon's HTTP port may face the LAN (the image listens on
//! `0.0.0.0:8080` for the admin panel), so every request of this API whose peer is not a
//! loopback address is refused with 403; the console runs on the box and connects to
//! 127.0.0.1. There is no other authentication: anyone with a shell on the box can use it.
//!
//! Every answer is JSON. Errors are `{"error": "..."}` with 400 (malformed id, body or
//! channel), 403 (not loopback), 404 (no such span), 409 (the span has no line or no data
//! link), 502 (the far end refused or never acknowledged), 504 (the span task did not answer
//! in time); a refused request changes nothing.
//!
//! How it gets the state: a request is sent as a message to each span task ([`SpanCtl`])
//! and to the call engine ([`EngineQuery`]), which answer from their own state on their own
//! task; each wait is bounded ([`ANSWER_WAIT`]). The one thing shared between tasks is the
//! line ports' status table ([`crate::lines::PortsStatus`], behind a mutex): the port tasks
//! write their row, `/status` copies the table.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::Shared;
use crate::calls::{Engine, ToEngine};

/// How long a request waits for a span task or the engine to answer.
pub(crate) const ANSWER_WAIT: Duration = Duration::from_secs(3);
/// How long a RESTART may wait for its RESTART ACKNOWLEDGE (well under T316's 2 min).
pub(crate) const RESTART_WAIT: Duration = Duration::from_secs(10);

/// Why a control request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ControlError {
    /// The peer is not on loopback.
    #[error("the control API answers loopback clients only (this request came from {0})")]
    NotLoopback(std::net::IpAddr),
    /// The span id is not a number.
    #[error("span id must be a positive number")]
    BadSpanId,
    /// No span with this id is open in the daemon.
    #[error("no span {0} in the daemon (only open PRI spans are controlled)")]
    NoSuchSpan(i64),
    /// The B-channel number is not 1-15 or 17-31.
    #[error("channel must be 1-15 or 17-31 (16 is the D-channel)")]
    BadChannel,
    /// The body is not JSON.
    #[error("the body is not JSON: {0}")]
    BadJson(#[from] JsonError),
    /// `mode` missing or not one of the loopback modes.
    #[error("\"mode\" must be one of \"none\", \"local\", \"network\", \"payload\"")]
    BadMode,
    /// The span waits for its far end: there is no line to act on.
    #[error("span {0} has no line connected")]
    NoLine(String),
    /// The D-channel data link is down (a RESTART needs it).
    #[error("span {0}: the D-channel data link is down")]
    LinkDown(String),
    /// The line refused the loopback mode.
    #[error("span {0}: the line refused the loopback mode")]
    LoopbackRefused(String),
    /// T316 ran out N316 + 1 times: the far end never acknowledged.
    #[error("span {0}: no RESTART ACKNOWLEDGE from the far end (T316 expired)")]
    RestartFailed(String),
    /// The span task or the engine did not answer in time.
    #[error("{0} did not answer within the time limit")]
    Timeout(&'static str),
    /// A RESTART of the same channel is already waiting for its acknowledgement.
    #[error("span {0}: a RESTART of that channel is already in progress")]
    Busy(String),
}

/// A JSON syntax error, kept as its position (no text variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}")]
pub(crate) struct JsonError {
    line: usize,
    column: usize,
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> Self {
        Self {
            line: e.line(),
            column: e.column(),
        }
    }
}

impl ControlError {
    const fn status(&self) -> StatusCode {
        match self {
            Self::NotLoopback(_) => StatusCode::FORBIDDEN,
            Self::BadSpanId | Self::BadChannel | Self::BadJson(_) | Self::BadMode => {
                StatusCode::BAD_REQUEST
            }
            Self::NoSuchSpan(_) => StatusCode::NOT_FOUND,
            Self::NoLine(_) | Self::LinkDown(_) | Self::Busy(_) => StatusCode::CONFLICT,
            Self::LoopbackRefused(_) | Self::RestartFailed(_) => StatusCode::BAD_GATEWAY,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (
            self.status(),
            axum::Json(json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}

/// The answer to a span order: a JSON object, or why not.
pub(crate) type Reply = oneshot::Sender<Result<Value, ControlError>>;

/// An order to a span task.
#[derive(Debug)]
pub(crate) enum SpanCtl {
    /// Its live state ([`Value`] object).
    Snapshot(oneshot::Sender<Value>),
    /// Enter or leave a loopback.
    Loopback(tdm::Loopback, Reply),
    /// RESTART the interface (`None`) or one B-channel.
    Restart(Option<u8>, Reply),
}

/// Answers an order while the span has no line.
pub(crate) fn no_line(name: &str, c: SpanCtl) {
    match c {
        SpanCtl::Snapshot(r) => {
            let _ = r.send(json!({ "line": "waiting for the far end" }));
        }
        SpanCtl::Loopback(_, r) | SpanCtl::Restart(_, r) => {
            let _ = r.send(Err(ControlError::NoLine(name.to_owned())));
        }
    }
}

/// The name of a loopback mode in the API.
pub(crate) const fn loopback_name(m: tdm::Loopback) -> &'static str {
    match m {
        tdm::Loopback::Local => "local",
        tdm::Loopback::Network => "network",
        tdm::Loopback::Payload => "payload",
        _ => "none",
    }
}

fn parse_loopback(s: &str) -> Option<tdm::Loopback> {
    Some(match s {
        "none" => tdm::Loopback::None,
        "local" => tdm::Loopback::Local,
        "network" => tdm::Loopback::Network,
        "payload" => tdm::Loopback::Payload,
        _ => return None,
    })
}

/// The span counters as JSON (`tdm::SpanCounters`, DAHDI's names).
pub(crate) fn counters_json(c: &tdm::SpanCounters) -> Value {
    json!({
        "bpv": c.bpv, "crc4": c.crc4, "ebit": c.ebit, "fas": c.fas, "errsec": c.errsec,
        "slips": c.slips, "rx_overruns": c.rx_overruns, "dchan_rx": c.dchan_rx,
        "dchan_tx": c.dchan_tx, "dchan_bad_fcs": c.dchan_bad_fcs, "dchan_aborts": c.dchan_aborts,
    })
}

/// A query to the call engine, with what the store knows (the engine task does not read it).
#[derive(Debug)]
pub(crate) struct EngineQuery {
    /// SIP phone accounts (extension user names).
    phones: Vec<String>,
    reply: oneshot::Sender<Value>,
}

/// Answers an [`EngineQuery`] on the engine's task: switch totals, queues, agents, SIP.
pub(crate) fn answer_engine(e: &mut Engine, q: EngineQuery) {
    let now = e.now();
    let center = e.switch();
    let sw = center.switch();
    let legs = sw.live_legs();
    let switch = json!({ "calls": sw.call_count(), "legs": legs.len() });
    let acd = center.acd();
    let cfg = center.config();
    let agent_state = |id: acd::AgentId| acd.agent_snapshot(id).map(|s| s.state);
    let queues: Vec<Value> = cfg
        .queues
        .iter()
        .map(|qs| {
            let waiting = acd.waiting(qs.acd.id);
            let longest = waiting
                .iter()
                .filter_map(|c| acd.call(*c))
                .map(|c| now.saturating_duration_since(c.joined).as_secs())
                .max()
                .unwrap_or(0);
            let states: Vec<_> = qs
                .acd
                .members
                .iter()
                .filter_map(|m| agent_state(m.agent))
                .collect();
            json!({
                "name": qs.name,
                "number": qs.number,
                "waiting": waiting.len(),
                "longest_wait_s": longest,
                "members": qs.acd.members.len(),
                "agents_logged_in": states.iter().filter(|s| **s != acd::AgentState::LoggedOut).count(),
                "agents_ready": states.iter().filter(|s| **s == acd::AgentState::Ready).count(),
            })
        })
        .collect();
    let agents: Vec<Value> = cfg
        .agents
        .iter()
        .map(|a| {
            let snap = acd.agent_snapshot(a.acd.id);
            json!({
                "number": a.number,
                "extension": a.extension,
                "state": snap.map_or("unknown", |s| agent_state_name(s.state)),
                "calls": snap.map_or(0, |s| s.calls),
            })
        })
        .collect();
    let sip = match e.sip_mut() {
        None => json!({ "running": false }),
        Some(s) => {
            // The trunks the SIP side runs, by name (its own name → TrunkRef map).
            let trunks: Vec<Value> = s
                .trunks()
                .map(|(name, r)| json!({ "name": name, "registered": s.ua.trunk_registered(r) }))
                .collect();
            let phones: Vec<Value> = q
                .phones
                .iter()
                .map(|p| {
                    let b = s.ua.bindings(now, p);
                    let contacts: Vec<String> = b.iter().map(|b| b.source.to_string()).collect();
                    let expires = b
                        .iter()
                        .map(|b| b.expires_at.saturating_duration_since(now).as_secs())
                        .max();
                    json!({ "extension": p, "registered": !b.is_empty(), "contacts": contacts, "expires_s": expires })
                })
                .collect();
            json!({ "running": true, "trunks": trunks, "phones": phones, "calls": s.ua.calls().len() })
        }
    };
    let _ = q.reply.send(json!({
        "switch": switch, "queues": queues, "agents": agents, "sip": sip,
    }));
}

const fn agent_state_name(s: acd::AgentState) -> &'static str {
    match s {
        acd::AgentState::LoggedOut => "logged_out",
        acd::AgentState::NotReady(_) => "not_ready",
        acd::AgentState::Ready => "ready",
        acd::AgentState::Ringing(_) => "ringing",
        acd::AgentState::OnCall(_) => "on_call",
        acd::AgentState::WrapUp { .. } => "wrap_up",
        _ => "other",
    }
}

/// One open span, as the control API reaches it.
#[derive(Debug)]
struct SpanHandle {
    name: String,
    orders: mpsc::UnboundedSender<SpanCtl>,
}

/// The control API's links to the span tasks and the call engine.
#[derive(Debug, Default)]
pub(crate) struct Control {
    spans: Mutex<BTreeMap<i64, SpanHandle>>,
    engine: Mutex<Option<mpsc::WeakUnboundedSender<ToEngine>>>,
    /// What the analog line ports show ([`crate::lines`]).
    pub(crate) lines: crate::lines::PortsStatus,
}

impl Control {
    /// Registers span `id` (the configuration's id, as the console numbers spans); the span
    /// task reads its orders from the receiver.
    pub(crate) fn add_span(&self, id: i64, name: &str) -> mpsc::UnboundedReceiver<SpanCtl> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(
                id,
                SpanHandle {
                    name: name.to_owned(),
                    orders: tx,
                },
            );
        rx
    }

    /// The call engine's queue (kept weak: it must not keep the engine alive at exit).
    pub(crate) fn set_engine(&self, tx: &mpsc::UnboundedSender<ToEngine>) {
        *self
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(tx.downgrade());
    }

    fn span(&self, id: i64) -> Result<(String, mpsc::UnboundedSender<SpanCtl>), ControlError> {
        self.spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .map(|h| (h.name.clone(), h.orders.clone()))
            .ok_or(ControlError::NoSuchSpan(id))
    }

    fn all_spans(&self) -> Vec<(i64, String, mpsc::UnboundedSender<SpanCtl>)> {
        self.spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(id, h)| (*id, h.name.clone(), h.orders.clone()))
            .collect()
    }

    pub(crate) fn engine(&self) -> Option<mpsc::UnboundedSender<ToEngine>> {
        self.engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .and_then(mpsc::WeakUnboundedSender::upgrade)
    }
}

/// The routes of the control API (merged into the daemon's HTTP router).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/spans/{id}/loopback", post(loopback))
        .route("/spans/{id}/restart", post(restart_span))
        .route("/spans/{id}/channels/{ch}/restart", post(restart_channel))
        .with_state(shared)
}

fn loopback_only(peer: SocketAddr) -> Result<(), ControlError> {
    if peer.ip().is_loopback() {
        Ok(())
    } else {
        Err(ControlError::NotLoopback(peer.ip()))
    }
}

fn span_id(s: &str) -> Result<i64, ControlError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(ControlError::BadSpanId)
}

async fn status(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Result<axum::Json<Value>, ControlError> {
    loopback_only(peer)?;
    Ok(axum::Json(collect_status(&shared).await))
}

/// What `GET /status` answers (also the wallboard feed's source, [`crate::wallfeed`]).
pub(crate) async fn collect_status(shared: &Arc<Shared>) -> Value {
    let mut spans = Vec::new();
    let mut calls = Vec::new();
    for (id, name, orders) in shared.control.all_spans() {
        let (tx, rx) = oneshot::channel();
        let snap = if orders.send(SpanCtl::Snapshot(tx)).is_ok() {
            tokio::time::timeout(ANSWER_WAIT, rx)
                .await
                .ok()
                .and_then(Result::ok)
        } else {
            None
        };
        let mut v = snap.unwrap_or_else(|| json!({ "line": "span task not answering" }));
        if let Some(list) = v.get_mut("calls").map(Value::take)
            && let Value::Array(list) = list
        {
            calls.extend(list.into_iter().map(|mut c| {
                c["span"] = json!(id);
                c
            }));
        }
        if let Value::Object(m) = &mut v {
            m.remove("calls");
            m.insert("id".into(), json!(id));
            m.insert("name".into(), json!(name));
        }
        spans.push(v);
    }
    let mut out =
        json!({ "spans": spans, "calls": calls, "ports": shared.control.lines.snapshot() });
    // What the engine needs from the store (the SIP accounts' user names), read here on a
    // blocking thread: the wallboard feed calls this on the runtime the call engine runs on.
    let store_side = Arc::clone(shared);
    let phones: Vec<String> = tokio::task::spawn_blocking(move || {
        store_side.with_store(|s| {
            s.extensions()
                .map(|list| {
                    list.into_iter()
                        .filter(|e| e.config.sip_password.is_some())
                        .map(|e| e.config.number)
                        .collect()
                })
                .unwrap_or_default()
        })
    })
    .await
    .unwrap_or_default();
    let engine = match shared.control.engine() {
        Some(tx) => {
            let (reply, rx) = oneshot::channel();
            if tx
                .send(ToEngine::Control(EngineQuery { phones, reply }))
                .is_ok()
            {
                tokio::time::timeout(ANSWER_WAIT, rx)
                    .await
                    .ok()
                    .and_then(Result::ok)
            } else {
                None
            }
        }
        None => None,
    };
    match engine {
        Some(Value::Object(m)) => {
            for (k, v) in m {
                out[k] = v;
            }
        }
        _ => out["engine"] = json!("not answering"),
    }
    out["active_calls"] = json!(shared.metrics.active_calls.get());
    out
}

/// Sends an order to span `id` and waits (bounded) for its answer.
async fn order(
    shared: &Shared,
    id: i64,
    make: impl FnOnce(Reply) -> SpanCtl,
    wait: Duration,
) -> Result<Response, ControlError> {
    let (name, orders) = shared.control.span(id)?;
    let (tx, rx) = oneshot::channel();
    orders
        .send(make(tx))
        .map_err(|_| ControlError::NoLine(name.clone()))?;
    let mut v = tokio::time::timeout(wait, rx)
        .await
        .map_err(|_| ControlError::Timeout("the span task"))?
        .map_err(|_| ControlError::Timeout("the span task"))??;
    v["span"] = json!(id);
    v["name"] = json!(name);
    Ok(axum::Json(v).into_response())
}

async fn loopback(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ControlError> {
    loopback_only(peer)?;
    let id = span_id(&id)?;
    let v: Value = serde_json::from_slice(&body).map_err(JsonError::from)?;
    let mode = v
        .get("mode")
        .and_then(Value::as_str)
        .and_then(parse_loopback)
        .ok_or(ControlError::BadMode)?;
    order(&shared, id, |r| SpanCtl::Loopback(mode, r), ANSWER_WAIT).await
}

async fn restart_span(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    loopback_only(peer)?;
    let id = span_id(&id)?;
    order(&shared, id, |r| SpanCtl::Restart(None, r), RESTART_WAIT).await
}

async fn restart_channel(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, ch)): Path<(String, String)>,
) -> Result<Response, ControlError> {
    loopback_only(peer)?;
    let id = span_id(&id)?;
    let ch = ch
        .parse::<u8>()
        .ok()
        .filter(|c| (1..=31).contains(c) && *c != 16)
        .ok_or(ControlError::BadChannel)?;
    order(&shared, id, |r| SpanCtl::Restart(Some(ch), r), RESTART_WAIT).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_modes_round_trip() {
        for m in [
            tdm::Loopback::None,
            tdm::Loopback::Local,
            tdm::Loopback::Network,
            tdm::Loopback::Payload,
        ] {
            assert_eq!(parse_loopback(loopback_name(m)), Some(m));
        }
        assert_eq!(parse_loopback("LOCAL"), None);
        assert_eq!(parse_loopback(""), None);
    }

    #[test]
    fn span_ids_and_errors_map_to_statuses() {
        assert_eq!(span_id("1"), Ok(1));
        for bad in ["0", "-1", "x", "", "1.5", "99999999999999999999"] {
            assert_eq!(span_id(bad), Err(ControlError::BadSpanId), "{bad}");
        }
        assert_eq!(ControlError::BadMode.status(), StatusCode::BAD_REQUEST);
        assert_eq!(ControlError::NoSuchSpan(3).status(), StatusCode::NOT_FOUND);
        assert_eq!(
            loopback_only("10.0.2.2:1234".parse().unwrap())
                .unwrap_err()
                .status(),
            StatusCode::FORBIDDEN
        );
        assert!(loopback_only("[::1]:1".parse().unwrap()).is_ok());
    }
}
