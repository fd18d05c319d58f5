//! The CTI seam between the panel and the daemon: [`CtiBackend`], which the daemon
//! implements over its `cti::Cti` model wired to the real switch and ACD, and
//! [`LoopbackCti`], the **test and demo backend**: the real `cti` model driven by a small
//! in-process call source that carries out the model's switch commands at once (answer,
//! clear, hold, transfer, conference…) and lets its owner place calls into queues.
//!
//! The panel never sees daemon internals: it authenticates the user, maps it to a
//! [`cti::Principal`], passes requests through [`CtiBackend::request`] and relays the event
//! reports of the monitors a WebSocket started.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cti::{
    AgentId, CallId, ClearCause, Command, CstaError, Cti, CustomerCard, DeviceId, EventReport,
    Happening, InteractionRecord, InvokeId, LegId, ModelError, Output, Principal, ScreenPop,
    ServiceRequest, ServiceResult, SwitchCommand,
};
use tokio::sync::broadcast;

use crate::Clock;

/// Call control and agent state for the desktop. Implementations must not block for long:
/// requests come from async handlers.
pub trait CtiBackend: Send + Sync + 'static {
    /// Hands one authenticated request to the CTI model and returns its answer (ECMA-269
    /// positive response or CSTA error). Effects arrive later as event reports.
    ///
    /// # Errors
    /// The CSTA error; nothing changed.
    fn request(
        &self,
        who: &Principal,
        invoke: InvokeId,
        req: ServiceRequest,
    ) -> Result<ServiceResult, CstaError>;

    /// Every event report of every monitor, from now on. A WebSocket keeps the reports of
    /// the monitors it started (`monitorCrossRefId`) and drops the rest.
    fn subscribe(&self) -> broadcast::Receiver<EventReport>;
}

/// A backend for a panel that runs without a daemon: refuses every request.
#[derive(Debug)]
pub struct NoCti {
    tx: broadcast::Sender<EventReport>,
}

impl Default for NoCti {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1).0,
        }
    }
}

impl CtiBackend for NoCti {
    fn request(
        &self,
        _: &Principal,
        _: InvokeId,
        _: ServiceRequest,
    ) -> Result<ServiceResult, CstaError> {
        Err(CstaError::InvalidDeviceId)
    }
    fn subscribe(&self) -> broadcast::Receiver<EventReport> {
        self.tx.subscribe()
    }
}

/// Where [`LoopbackCti`] puts the interaction records the model emits.
pub type InteractionSink = Box<dyn Fn(InteractionRecord) + Send + Sync>;

/// The store's interaction row for a record (the mapping documented on
/// [`InteractionRecord`]; `now` values are wall-clock µs since the epoch).
#[must_use]
pub fn interaction_row(r: &InteractionRecord) -> store::crm::Interaction {
    let ts = |i: tdm::Instant| store::Timestamp(i64::try_from(i.as_micros()).unwrap_or(i64::MAX));
    store::crm::Interaction {
        id: 0,
        customer_id: r.customer_id,
        channel: InteractionRecord::CHANNEL.to_owned(),
        call_id: Some(r.call.to_string()),
        remote_number: r.remote_number.clone(),
        direction: r.direction.as_str().to_owned(),
        agent: r.agent.clone(),
        queue: r.queue.clone(),
        started: ts(r.offered),
        ended: ts(r.ended),
        disposition: r.disposition.clone(),
        notes: r.notes.clone(),
        data: r.data_json(),
    }
}

/// A sink writing every record into the database at `path` over its own connection. A
/// record the store refuses is reported on stderr (the call itself is over by then).
///
/// # Errors
/// The database cannot be opened.
pub fn store_sink(path: &std::path::Path) -> Result<InteractionSink, store::StoreError> {
    let db = Mutex::new(store::Store::open(path)?);
    Ok(Box::new(move |r| {
        let mut g = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = g.record_interaction(&interaction_row(&r)) {
            eprintln!("interaction of call {} not written: {e}", r.call);
        }
    }))
}

struct Leg {
    call: CallId,
    device: DeviceId,
}

struct Inner {
    model: Cti,
    agents: HashSet<DeviceId>,
    legs: BTreeMap<LegId, Leg>,
    next_call: u64,
    next_leg: u64,
    digits: Vec<(LegId, String)>,
    errors: Vec<(String, ModelError)>,
    /// Queue and entry time (µs since the epoch) of each queued call, for the wallboard.
    queued: BTreeMap<CallId, (String, i64)>,
    /// Queues, in the order given.
    queues: Vec<DeviceId>,
    /// Last wallboard state seen per agent device and since when (µs since the epoch).
    live: BTreeMap<DeviceId, (crate::backend::AgentState, i64)>,
}

/// The real `cti` model over an in-process call source (test and demo backend).
///
/// The call source answers every switch command at once with the happening a switch
/// would report: `Answer` → `Answered`, `Clear` → `Cleared` (and the far end too when only
/// two parties were in the call), `Hold`/`Retrieve`, `MakeCall`/`Consult` → `Originated`
/// plus `Alerting` of the destination (outside numbers answer at once; agent devices ring
/// until answered through CTI), `Transfer`, `SingleStepTransfer`, `Conference`, `Deflect`.
/// DTMF digits are kept in a log ([`Self::digits_sent`]). Inbound calls are placed by the
/// owner with [`Self::deliver_queue_call`].
pub struct LoopbackCti {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<EventReport>,
    sink: InteractionSink,
    clock: Clock,
}

impl std::fmt::Debug for LoopbackCti {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackCti").finish_non_exhaustive()
    }
}

impl LoopbackCti {
    /// A model with `agents` (agent id = its device number) and `queues`, each agent with
    /// `wrap_up` of after-call work; interaction records go to `sink`.
    ///
    /// # Errors
    /// [`ModelError::DeviceInUse`] for a device named twice.
    pub fn new(
        agents: &[&str],
        queues: &[&str],
        wrap_up: Duration,
        clock: Clock,
        sink: InteractionSink,
    ) -> Result<Arc<Self>, ModelError> {
        let mut model = Cti::new();
        for a in agents {
            model.add_agent(AgentId::new(a), DeviceId::new(a), wrap_up)?;
        }
        for q in queues {
            model.add_queue(DeviceId::new(q))?;
        }
        Ok(Arc::new(Self {
            inner: Mutex::new(Inner {
                model,
                agents: agents.iter().map(|a| DeviceId::new(a)).collect(),
                legs: BTreeMap::new(),
                next_call: 1,
                next_leg: 1,
                digits: Vec::new(),
                errors: Vec::new(),
                queued: BTreeMap::new(),
                queues: queues.iter().map(|q| DeviceId::new(q)).collect(),
                live: BTreeMap::new(),
            }),
            tx: broadcast::channel(1024).0,
            sink,
            clock,
        }))
    }

    fn now(&self) -> tdm::Instant {
        tdm::Instant::from_micros(u64::try_from((self.clock)().0).unwrap_or(0))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An inbound call from `caller` to `called` enters `queue` with what the IVR collected
    /// and the CRM customer the host found, and is offered to `agent_device`, which rings.
    /// Returns the call id.
    ///
    /// # Errors
    /// What the model refused (unknown queue or agent, agent logged off…).
    pub fn deliver_queue_call(
        &self,
        caller: &str,
        called: &str,
        queue: &str,
        ivr_data: BTreeMap<String, String>,
        customer: Option<CustomerCard>,
        agent_device: &str,
    ) -> Result<CallId, ModelError> {
        let now = self.now();
        let mut g = self.lock();
        let call = CallId(g.next_call);
        g.next_call += 1;
        g.queued.insert(call, (queue.to_owned(), (self.clock)().0));
        let caller_leg = g.new_leg(call, caller);
        let hs = [
            Happening::Incoming {
                call,
                leg: caller_leg,
                caller: DeviceId::new(caller),
                called: DeviceId::new(called),
            },
            Happening::Queued {
                call,
                queue: DeviceId::new(queue),
                ivr_data,
                customer,
            },
        ];
        for h in hs {
            g.model.handle_happening(now, h)?;
        }
        let agent_leg = g.new_leg(call, agent_device);
        g.model.handle_happening(
            now,
            Happening::Alerting {
                call,
                leg: agent_leg,
                device: DeviceId::new(agent_device),
                screen_pop: None,
            },
        )?;
        self.pump(&mut g, now);
        Ok(call)
    }

    /// The outside party of `call` hangs up (and with it the call, when two parties were in it).
    pub fn remote_hang_up(&self, call: CallId) {
        let now = self.now();
        let mut g = self.lock();
        let outside: Vec<LegId> = g
            .legs
            .iter()
            .filter(|(_, l)| l.call == call && !g.agents.contains(&l.device))
            .map(|(id, _)| *id)
            .collect();
        for leg in outside {
            g.clear(now, leg);
        }
        self.pump(&mut g, now);
    }

    /// The recording policy starts recording `call` (as the switch reports it).
    pub fn start_recording(&self, call: CallId) {
        let now = self.now();
        let mut g = self.lock();
        g.hap(
            now,
            Happening::Recording {
                call,
                state: cti::RecordingState::Recording,
            },
        );
        self.pump(&mut g, now);
    }

    /// Runs the model's timers (wrap-up end) up to now.
    pub fn tick(&self) {
        let now = self.now();
        let mut g = self.lock();
        if g.model.poll_timeout().is_some_and(|t| t <= now) {
            g.model.handle_timeout(now);
        }
        self.pump(&mut g, now);
    }

    /// DTMF digits the switch was asked to send, per leg, in order.
    #[must_use]
    pub fn digits_sent(&self) -> Vec<String> {
        self.lock().digits.iter().map(|(_, d)| d.clone()).collect()
    }

    /// Happenings the model refused (a call-source bug if not empty).
    #[must_use]
    pub fn refused(&self) -> Vec<String> {
        self.lock()
            .errors
            .iter()
            .map(|(h, e)| format!("{h}: {e}"))
            .collect()
    }

    /// Carries out the model's commands until it has none, then hands out its outputs.
    fn pump(&self, g: &mut Inner, now: tdm::Instant) {
        for _ in 0..64 {
            let mut any = false;
            while let Some(c) = g.model.poll_transmit() {
                any = true;
                if let Command::Switch(s) = c {
                    g.carry_out(now, s);
                }
            }
            if !any {
                break;
            }
        }
        while let Some(o) = g.model.poll_event() {
            match o {
                Output::Event(r) => {
                    let _ = self.tx.send(r);
                }
                Output::Interaction(i) => (self.sink)(i),
            }
        }
    }
}

impl Inner {
    fn new_leg(&mut self, call: CallId, device: &str) -> LegId {
        let leg = LegId(self.next_leg);
        self.next_leg += 1;
        self.legs.insert(
            leg,
            Leg {
                call,
                device: DeviceId::new(device),
            },
        );
        leg
    }

    fn hap(&mut self, now: tdm::Instant, h: Happening) {
        let name = format!("{h:?}");
        if let Err(e) = self.model.handle_happening(now, h) {
            self.errors.push((name, e));
        }
    }

    fn legs_of(&self, call: CallId) -> Vec<LegId> {
        self.legs
            .iter()
            .filter(|(_, l)| l.call == call)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Clears `leg`; a two-party call ends with it.
    fn clear(&mut self, now: tdm::Instant, leg: LegId) {
        let Some(l) = self.legs.remove(&leg) else {
            return;
        };
        self.hap(
            now,
            Happening::Cleared {
                leg,
                cause: ClearCause::Normal,
            },
        );
        let rest = self.legs_of(l.call);
        if rest.len() == 1 {
            self.legs.remove(&rest[0]);
            self.hap(
                now,
                Happening::Cleared {
                    leg: rest[0],
                    cause: ClearCause::Normal,
                },
            );
        }
        if self.legs_of(l.call).is_empty() {
            self.queued.remove(&l.call);
        }
    }

    /// A new outgoing call from `device` to `destination`.
    fn originate(
        &mut self,
        now: tdm::Instant,
        device: &DeviceId,
        destination: &str,
        correlator: Option<InvokeId>,
    ) {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let leg = self.new_leg(call, &device.0);
        self.hap(
            now,
            Happening::Originated {
                call,
                leg,
                device: device.clone(),
                destination: DeviceId::new(destination),
                correlator,
            },
        );
        self.alert(now, call, destination, None);
    }

    /// `destination` rings in `call`; outside numbers answer at once.
    fn alert(
        &mut self,
        now: tdm::Instant,
        call: CallId,
        destination: &str,
        pop: Option<ScreenPop>,
    ) {
        let far = self.new_leg(call, destination);
        self.hap(
            now,
            Happening::Alerting {
                call,
                leg: far,
                device: DeviceId::new(destination),
                screen_pop: pop,
            },
        );
        if !self.agents.contains(&DeviceId::new(destination)) {
            self.hap(now, Happening::Answered { leg: far });
        }
    }

    fn call_of(&self, leg: LegId) -> Option<(CallId, DeviceId)> {
        self.legs.get(&leg).map(|l| (l.call, l.device.clone()))
    }

    /// Moves every leg of `from` into `to` except `drop` (released).
    fn merge(&mut self, from: CallId, to: CallId, drop: &[LegId]) {
        for d in drop {
            self.legs.remove(d);
        }
        for l in self.legs.values_mut() {
            if l.call == from {
                l.call = to;
            }
        }
    }

    fn carry_out(&mut self, now: tdm::Instant, c: SwitchCommand) {
        match c {
            SwitchCommand::MakeCall {
                correlator,
                device,
                destination,
            } => self.originate(now, &device, &destination, Some(correlator)),
            SwitchCommand::Answer { leg } => self.hap(now, Happening::Answered { leg }),
            SwitchCommand::Clear { leg } => self.clear(now, leg),
            SwitchCommand::Hold { leg } => self.hap(now, Happening::Held { leg }),
            SwitchCommand::Retrieve { leg } => self.hap(now, Happening::Retrieved { leg }),
            SwitchCommand::Alternate { hold, retrieve } => {
                self.hap(now, Happening::Held { leg: hold });
                self.hap(now, Happening::Retrieved { leg: retrieve });
            }
            SwitchCommand::Consult {
                correlator,
                hold,
                device,
                destination,
            } => {
                self.hap(now, Happening::Held { leg: hold });
                self.originate(now, &device, &destination, Some(correlator));
            }
            SwitchCommand::Transfer { held, active } => {
                let (Some((primary, dev)), Some((secondary, _))) =
                    (self.call_of(held), self.call_of(active))
                else {
                    return;
                };
                self.merge(secondary, primary, &[held, active]);
                self.hap(
                    now,
                    Happening::Transferred {
                        primary,
                        secondary: Some(secondary),
                        transferring_device: dev,
                        resulting: primary,
                    },
                );
            }
            SwitchCommand::SingleStepTransfer { leg, destination } => {
                let Some((call, dev)) = self.call_of(leg) else {
                    return;
                };
                self.legs.remove(&leg);
                self.hap(
                    now,
                    Happening::Transferred {
                        primary: call,
                        secondary: None,
                        transferring_device: dev,
                        resulting: call,
                    },
                );
                self.alert(now, call, &destination, None);
            }
            SwitchCommand::Conference { held, active } => {
                let (Some((primary, dev)), Some((secondary, _))) =
                    (self.call_of(held), self.call_of(active))
                else {
                    return;
                };
                self.merge(secondary, primary, &[held]);
                self.hap(
                    now,
                    Happening::Conferenced {
                        primary,
                        secondary,
                        conferencing_device: dev,
                        resulting: primary,
                    },
                );
            }
            SwitchCommand::Deflect { leg, destination } => {
                let Some((call, _)) = self.call_of(leg) else {
                    return;
                };
                self.legs.remove(&leg);
                self.hap(
                    now,
                    Happening::Diverted {
                        leg,
                        to: DeviceId::new(&destination),
                    },
                );
                self.alert(now, call, &destination, None);
            }
            SwitchCommand::SendDigits { leg, digits } => self.digits.push((leg, digits)),
            SwitchCommand::Record { leg, action } => {
                let Some((call, _)) = self.call_of(leg) else {
                    return;
                };
                let state = match action {
                    cti::RecordingAction::Start | cti::RecordingAction::Resume => {
                        cti::RecordingState::Recording
                    }
                    cti::RecordingAction::Suspend => cti::RecordingState::Suspended,
                    cti::RecordingAction::Stop => cti::RecordingState::Stopped,
                };
                self.hap(now, Happening::Recording { call, state });
            }
            _ => {}
        }
    }
}

impl CtiBackend for LoopbackCti {
    fn request(
        &self,
        who: &Principal,
        invoke: InvokeId,
        req: ServiceRequest,
    ) -> Result<ServiceResult, CstaError> {
        let now = self.now();
        let mut g = self.lock();
        if g.model.poll_timeout().is_some_and(|t| t <= now) {
            g.model.handle_timeout(now);
        }
        let r = g.model.handle_request(now, who, invoke, req);
        self.pump(&mut g, now);
        r
    }

    fn subscribe(&self) -> broadcast::Receiver<EventReport> {
        self.tx.subscribe()
    }
}

/// The wallboard's view of the loopback model: agents from Snapshot Device (a connection
/// alerting → ringing, connected → talking, held → hold, otherwise the agent state), calls
/// in progress from the call source's legs, queue depth from the calls delivered into each
/// queue that no agent has answered yet. No spans, alarms or machine resources (there are
/// none in a loopback).
impl crate::ApiBackend for LoopbackCti {
    fn spans(&self) -> Vec<crate::backend::SpanLive> {
        Vec::new()
    }

    fn active_calls(&self) -> Vec<crate::backend::ActiveCall> {
        let g = self.lock();
        let mut calls: Vec<CallId> = g.legs.values().map(|l| l.call).collect();
        calls.sort_unstable();
        calls.dedup();
        calls
            .into_iter()
            .filter_map(|c| {
                let snap = g.model.snapshot_call(c)?;
                let agent = g
                    .legs
                    .values()
                    .find(|l| l.call == c && g.agents.contains(&l.device))
                    .map(|l| l.device.0.clone());
                let (queue, started_us) = g
                    .queued
                    .get(&c)
                    .map_or((None, 0), |(q, t)| (Some(q.clone()), *t));
                Some(crate::backend::ActiveCall {
                    call_id: c.to_string(),
                    from: snap.calling_device.0,
                    to: snap.called_device.0,
                    queue,
                    agent,
                    started_us,
                })
            })
            .collect()
    }

    fn queues(&self) -> Vec<crate::backend::QueueLive> {
        let g = self.lock();
        g.queues
            .iter()
            .map(|q| {
                let waiting: Vec<i64> = g
                    .queued
                    .iter()
                    .filter(|(c, (name, _))| {
                        *name == q.0
                            && g.model.snapshot_call(**c).is_some_and(|s| {
                                !s.connections.iter().any(|k| {
                                    g.agents.contains(&k.device)
                                        && matches!(
                                            k.local_connection_state,
                                            cti::LocalConnectionState::Connected
                                                | cti::LocalConnectionState::Hold
                                        )
                                })
                            })
                    })
                    .map(|(_, (_, t))| *t)
                    .collect();
                crate::backend::QueueLive {
                    queue: q.0.clone(),
                    waiting: u32::try_from(waiting.len()).unwrap_or(u32::MAX),
                    oldest_enter_us: waiting.iter().min().copied(),
                    service_level_today: None,
                }
            })
            .collect()
    }

    fn agents(&self) -> Vec<crate::backend::AgentLive> {
        use crate::backend::AgentState as W;
        use cti::LocalConnectionState as L;
        let now = (self.clock)().0;
        let mut g = self.lock();
        let mut devices: Vec<DeviceId> = g.agents.iter().cloned().collect();
        devices.sort();
        let mut out = Vec::with_capacity(devices.len());
        for d in devices {
            let snap = g.model.snapshot_device(&d);
            let conn = |s: L| snap.calls.iter().any(|c| c.local_connection_state == s);
            let (state, reason) = if conn(L::Alerting) {
                (W::Ringing, None)
            } else if conn(L::Connected) {
                (W::Talking, None)
            } else if conn(L::Hold) {
                (W::Hold, None)
            } else {
                match snap.agent_state {
                    Some(cti::AgentState::Ready) => (W::Ready, None),
                    Some(cti::AgentState::NotReady { reason }) => {
                        (W::NotReady, reason.map(|r| r.0.to_string()))
                    }
                    Some(cti::AgentState::WorkingAfterCall) => (W::Wrapup, None),
                    _ => (W::LoggedOut, None),
                }
            };
            let since = match g.live.get(&d).copied() {
                Some((s, t)) if s == state => t,
                _ => {
                    g.live.insert(d.clone(), (state, now));
                    now
                }
            };
            out.push(crate::backend::AgentLive {
                agent: d.0,
                state,
                since_us: since,
                reason,
            });
        }
        out
    }

    fn resources(&self) -> crate::backend::SystemResources {
        crate::backend::SystemResources::default()
    }

    fn alarms(&self) -> Vec<crate::backend::Alarm> {
        Vec::new()
    }
}
