//! The live wallboard: a page and a WebSocket that pushes a snapshot of the
//! [`ApiBackend`](crate::ApiBackend) every second.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Serialize;
use store::Timestamp;
use utoipa::ToSchema;

use crate::backend::{AgentState, Alarm, ApiBackend, SpanLive, SystemResources};
use crate::i18n::Msg;
use crate::{Caller, WebState};

/// One queue on the wallboard.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QueueRow {
    /// Queue name.
    pub queue: String,
    /// Callers waiting.
    pub waiting: u32,
    /// Longest current wait, s.
    pub longest_wait_s: f64,
    /// SL today, 0–1.
    pub service_level_today: Option<f64>,
}

/// One agent on the wallboard.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgentRow {
    /// Agent number.
    pub agent: String,
    /// State.
    pub state: AgentState,
    /// Time in state, s.
    pub time_in_state_s: f64,
    /// Not-ready reason.
    pub reason: Option<String>,
}

/// What the wallboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Snapshot {
    /// When, µs since the epoch.
    pub ts_us: i64,
    /// Queues.
    pub queues: Vec<QueueRow>,
    /// Agents, by state then number.
    pub agents: Vec<AgentRow>,
    /// Calls in progress.
    pub channels_in_use: usize,
    /// E1 spans: alarms, CRC-4 errors, slips, B-channels in use.
    pub spans: Vec<SpanLive>,
    /// Machine resources.
    pub resources: SystemResources,
    /// Raised alarms, critical first.
    pub alarms: Vec<Alarm>,
}

/// Builds the snapshot at `now`.
#[must_use]
pub fn snapshot(b: &dyn ApiBackend, now: Timestamp) -> Snapshot {
    let secs = |since: i64| ((now.0 - since).max(0)) as f64 / 1e6;
    let mut agents: Vec<AgentRow> = b
        .agents()
        .into_iter()
        .map(|a| AgentRow {
            time_in_state_s: secs(a.since_us),
            agent: a.agent,
            state: a.state,
            reason: a.reason,
        })
        .collect();
    agents.sort_by(|a, b| (a.state as u8, &a.agent).cmp(&(b.state as u8, &b.agent)));
    let mut alarms = b.alarms();
    alarms.sort_by_key(|a| (a.severity != crate::backend::Severity::Critical, a.since_us));
    Snapshot {
        ts_us: now.0,
        queues: b
            .queues()
            .into_iter()
            .map(|q| QueueRow {
                longest_wait_s: q.oldest_enter_us.map_or(0.0, secs),
                queue: q.queue,
                waiting: q.waiting,
                service_level_today: q.service_level_today,
            })
            .collect(),
        agents,
        channels_in_use: b.active_calls().len(),
        spans: b.spans(),
        resources: b.resources(),
        alarms,
    }
}

/// The live snapshot as JSON (what the WebSocket pushes).
#[utoipa::path(get, path = "/api/v1/live", tag = "live", responses((status = 200, body = Snapshot)))]
pub async fn api_live(State(st): State<WebState>) -> Json<Snapshot> {
    Json(snapshot(st.backend(), st.now()))
}

/// `GET /wallboard`.
pub async fn page(caller: Caller) -> Response {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let body = html! {
        div id="wallboard" data-updates="0" {
            p { (t(Msg::LiveUpdates)) " · " (t(Msg::ChannelsInUse)) ": " span id="wb-channels" { "-" } }
            h2 { (t(Msg::Queues)) }
            table { thead { tr { th { (t(Msg::Queue)) } th { (t(Msg::Waiting)) } th { (t(Msg::LongestWait)) } th { (t(Msg::SlToday)) } } } tbody id="wb-queues" {} }
            h2 { (t(Msg::Agents)) }
            // Supervisor actions per agent row (app.js): force the state; listen, whisper,
            // barge from the supervisor's own phone (kept in the browser).
            p {
                label { (t(Msg::MyPhone)) ": " input id="wb-my-phone" size="8" autocomplete="off"; }
                " " output id="wb-action-result" {}
            }
            table {
                thead { tr { th { (t(Msg::Agent)) } th { (t(Msg::State)) } th { (t(Msg::TimeInState)) } th { (t(Msg::SupervisorActions)) } } }
                tbody id="wb-agents"
                    data-ready=(t(Msg::Ready)) data-not-ready=(t(Msg::NotReady))
                    data-log-off=(t(Msg::LogOff)) data-listen=(t(Msg::Listen))
                    data-whisper=(t(Msg::Whisper)) data-barge=(t(Msg::Barge)) {}
            }
            h2 { (t(Msg::Spans)) }
            table { thead { tr { th { "span" } th { (t(Msg::Alarms)) } th { "CRC-4" } th { "slips" } th { (t(Msg::ChannelsInUse)) } } } tbody id="wb-spans" {} }
            p id="wb-resources" { "-" }
            h2 { (t(Msg::Alarms)) }
            table { tbody id="wb-alarms" {} }
        }
    };
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::Wallboard, body).into_string(),
    )
        .into_response()
}

/// How often the wallboard socket pushes.
pub const PUSH_EVERY: Duration = Duration::from_secs(1);

/// `GET /ws/wallboard`: pushes a [`Snapshot`] at once and then every [`PUSH_EVERY`] until
/// the client goes away.
pub async fn ws(State(st): State<WebState>, up: WebSocketUpgrade) -> Response {
    up.on_upgrade(move |socket| push(st, socket))
}

async fn push(st: WebState, mut socket: WebSocket) {
    let mut tick = tokio::time::interval(PUSH_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let snap = snapshot(st.backend(), st.now());
                let Ok(text) = serde_json::to_string(&snap) else { return };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
