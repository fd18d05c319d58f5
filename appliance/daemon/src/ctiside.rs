//! The CTI side of the daemon: web-admin's [`CtiBackend`] over the live
//! [`callcenter::Center`], the customer's interaction history written to the store, and the
//! wallboard's live data ([`web_admin::ApiBackend`]) computed from the Center.
//!
//! The Center lives in the call engine's task ([`crate::calls::Engine`]); it is never
//! shared. A CTI request from the panel (WebSocket `/api/cti/v1/ws` or REST
//! `/api/cti/v1/requests`, authenticated per agent by web-admin) becomes a
//! [`crate::calls::ToEngine::Cti`] message; the engine hands it to
//! [`callcenter::Center::cti_request`], carries out what follows (commands, events) and
//! answers on a one-shot channel, which [`DaemonCti::request`] waits for (bounded by
//! [`REPLY_WAIT`]). The HTTP server runs on its own runtime thread, so that wait never
//! stalls the engine. The CSTA event reports the Center emits are broadcast to every
//! WebSocket ([`Hub::publish`]); web-admin keeps the ones of the monitors each socket
//! started.
//!
//! What this is not: no CTI logic (the `cti` model inside the Center decides everything,
//! privileges included); no second copy of the call state.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cti::{CstaError, EventReport, InvokeId, Principal, ServiceRequest, ServiceResult};
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, info, warn};
use web_admin::backend::{ActiveCall, AgentLive, AgentState, MemoryBackend, QueueLive};

use crate::calls::ToEngine;

/// How long a CTI request waits for the engine's answer.
pub(crate) const REPLY_WAIT: Duration = Duration::from_secs(3);
/// How often the wallboard's live state is recomputed.
pub(crate) const LIVE_EVERY: Duration = Duration::from_millis(500);
/// Event reports buffered per WebSocket before it lags (web-admin skips lagged reports).
const EVENTS: usize = 4096;

/// One CTI request on its way to the engine.
#[derive(Debug)]
pub(crate) struct CtiCall {
    pub(crate) who: Principal,
    pub(crate) invoke: InvokeId,
    pub(crate) req: ServiceRequest,
    pub(crate) reply: std::sync::mpsc::SyncSender<Result<ServiceResult, CstaError>>,
}

/// What the engine and the panel share: the event broadcast and the wallboard's live state.
#[derive(Debug)]
pub(crate) struct Hub {
    events: broadcast::Sender<EventReport>,
    live: Arc<MemoryBackend>,
    /// Today's service level per queue name, from the event log ([`crate::wallfeed`]).
    service_levels: std::sync::Mutex<HashMap<String, f64>>,
}

impl Hub {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            events: broadcast::channel(EVENTS).0,
            live: Arc::new(MemoryBackend::new()),
            service_levels: std::sync::Mutex::default(),
        })
    }

    /// Sets today's service levels (queue name → 0–1) shown on the wallboard.
    pub(crate) fn set_service_levels(&self, sl: HashMap<String, f64>) {
        *self
            .service_levels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = sl;
    }

    fn service_level(&self, queue: &str) -> Option<f64> {
        self.service_levels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(queue)
            .copied()
    }

    /// Sends an event report to every CTI WebSocket (none listening is fine).
    pub(crate) fn publish(&self, r: EventReport) {
        debug!(monitor = r.monitor_cross_ref_id.0, device = %r.device.0, "cti event");
        let _ = self.events.send(r);
    }

    /// The wallboard backend the panel reads.
    pub(crate) fn live(&self) -> Arc<MemoryBackend> {
        Arc::clone(&self.live)
    }
}

/// web-admin's CTI backend in the daemon.
#[derive(Debug)]
pub(crate) struct DaemonCti {
    engine: mpsc::UnboundedSender<ToEngine>,
    hub: Arc<Hub>,
}

impl DaemonCti {
    pub(crate) fn new(engine: mpsc::UnboundedSender<ToEngine>, hub: Arc<Hub>) -> Self {
        Self { engine, hub }
    }
}

impl web_admin::CtiBackend for DaemonCti {
    fn request(
        &self,
        who: &Principal,
        invoke: InvokeId,
        req: ServiceRequest,
    ) -> Result<ServiceResult, CstaError> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        let call = CtiCall {
            who: who.clone(),
            invoke,
            req,
            reply,
        };
        if self.engine.send(ToEngine::Cti(Box::new(call))).is_err() {
            warn!("cti request: the call engine is gone");
            return Err(CstaError::ServiceNotSupported);
        }
        answer.recv_timeout(REPLY_WAIT).unwrap_or_else(|_| {
            warn!(
                invoke = invoke.0,
                "cti request: no answer from the call engine in time"
            );
            Err(CstaError::ServiceNotSupported)
        })
    }

    fn subscribe(&self) -> broadcast::Receiver<EventReport> {
        self.hub.events.subscribe()
    }
}

/// The engine's side: carries out one request on the Center.
pub(crate) fn on_request(
    center: &mut callcenter::Center,
    now: tdm::Instant,
    c: CtiCall,
) -> Result<ServiceResult, CstaError> {
    let service = c.req.name();
    let r = center.cti_request(now, &c.who, c.invoke, c.req);
    match &r {
        Ok(_) => info!(agent = %c.who.agent.0, invoke = c.invoke.0, service, "cti request"),
        Err(e) => {
            info!(agent = %c.who.agent.0, invoke = c.invoke.0, service, error = ?e, "cti request refused");
        }
    }
    r
}

/// The store's interaction row for a record. `wall` turns the engine's monotonic instants
/// into wall-clock timestamps; `call_id` is the event log's id of the call.
pub(crate) fn interaction_row(
    r: &cti::InteractionRecord,
    call_id: String,
    wall: impl Fn(tdm::Instant) -> store::Timestamp,
) -> store::crm::Interaction {
    let mut data = r.data_json();
    if let (Some(a), serde_json::Value::Object(m)) = (r.answered, &mut data) {
        m.insert("answeredUs".into(), wall(a).0.into());
    }
    let started = wall(r.offered);
    store::crm::Interaction {
        id: 0,
        customer_id: r.customer_id,
        channel: cti::InteractionRecord::CHANNEL.to_owned(),
        call_id: Some(call_id),
        remote_number: r.remote_number.clone(),
        direction: r.direction.as_str().to_owned(),
        agent: r.agent.clone(),
        queue: r.queue.clone(),
        started,
        ended: wall(r.ended).max(started),
        disposition: r.disposition.clone(),
        notes: r.notes.clone(),
        data,
    }
}

/// The wallboard's view of an agent from the CTI model's snapshot of its device.
fn agent_state(s: &cti::DeviceSnapshot) -> (AgentState, Option<String>) {
    use cti::LocalConnectionState as L;
    let has = |want: L| s.calls.iter().any(|c| c.local_connection_state == want);
    match s.agent_state {
        None | Some(cti::AgentState::LoggedOff) => (AgentState::LoggedOut, None),
        Some(_) if has(L::Alerting) => (AgentState::Ringing, None),
        Some(_) if has(L::Connected) || has(L::Initiated) => (AgentState::Talking, None),
        Some(_) if has(L::Hold) => (AgentState::Hold, None),
        Some(cti::AgentState::WorkingAfterCall) => (AgentState::Wrapup, None),
        Some(cti::AgentState::Ready) => (AgentState::Ready, None),
        Some(cti::AgentState::NotReady { reason }) => {
            (AgentState::NotReady, reason.map(|r| r.0.to_string()))
        }
    }
}

/// Recomputes the wallboard's live state from the Center.
#[derive(Debug, Default)]
pub(crate) struct LiveFeed {
    /// Each agent's last state and since when (wall µs).
    since: HashMap<String, (AgentState, i64)>,
    /// Each waiting call's queue-entry time (wall µs), by switch call id.
    entered: HashMap<u64, i64>,
}

/// One active call as the engine knows it (event-log id, from, to, start in wall µs).
pub(crate) struct CallRow<'a> {
    pub(crate) id: &'a str,
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) started_us: i64,
}

impl LiveFeed {
    pub(crate) fn update(
        &mut self,
        center: &callcenter::Center,
        now_us: i64,
        calls: Vec<CallRow<'_>>,
        hub: &Hub,
    ) {
        let cfg = center.config();
        let mut agents = Vec::with_capacity(cfg.agents.len());
        for a in &cfg.agents {
            let snap = center
                .cti()
                .snapshot_device(&cti::DeviceId::new(&a.extension));
            let (state, reason) = agent_state(&snap);
            let e = self
                .since
                .entry(a.number.clone())
                .or_insert((state, now_us));
            if e.0 != state {
                *e = (state, now_us);
            }
            agents.push(AgentLive {
                agent: a.number.clone(),
                state,
                since_us: e.1,
                reason,
            });
        }
        let mut still = HashMap::new();
        let mut queues = Vec::with_capacity(cfg.queues.len());
        for q in &cfg.queues {
            let waiting = center.acd().waiting(q.acd.id);
            let mut oldest = None::<i64>;
            for c in &waiting {
                let at = *self.entered.get(&c.0).unwrap_or(&now_us);
                still.insert(c.0, at);
                oldest = Some(oldest.map_or(at, |o| o.min(at)));
            }
            queues.push(QueueLive {
                queue: q.name.clone(),
                waiting: u32::try_from(waiting.len()).unwrap_or(u32::MAX),
                oldest_enter_us: oldest,
                service_level_today: hub.service_level(&q.name),
            });
        }
        self.entered = still;
        let calls = calls
            .into_iter()
            .map(|c| ActiveCall {
                call_id: c.id.to_owned(),
                from: c.from.to_owned(),
                to: c.to.to_owned(),
                queue: None,
                agent: None,
                started_us: c.started_us,
            })
            .collect();
        hub.live.update(|l| {
            l.agents = agents;
            l.queues = queues;
            l.calls = calls;
        });
    }
}
