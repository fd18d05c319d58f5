//! One task per E1 PRI span: the line jack, the media thread hand-off, and the
//! [`isdn::pri::Pri`] driven with the state machine's own timeouts.
//!
//! The span task is the Q.931 side of the span's legs: it forwards what the line reports
//! to the call engine ([`crate::calls`], keyed by call reference) and carries out the
//! engine's orders ([`ToSpan`]: ALERTING, CONNECT, DISCONNECT with a cause, SETUP with the
//! called and calling numbers). It answers every incoming SETUP with CALL PROCEEDING itself
//! (so the carrier's T303/T310 stop while the switch routes), and while the daemon drains
//! (SIGTERM) clears new calls with cause 42 *switching equipment congestion* without
//! offering them to the switch.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use isdn::call::{self, CallId, Event, SetupParams};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::{CauseValue, Role, Variant};
use socket2::{Domain, SockAddr, Socket, Type};
use store::config::{Signalling, SpanConfig, SpanRole, Stored, SwitchType};
use switch::Cause;
use tdm::virt::{VirtE1Config, VirtE1Span};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::Shared;
use crate::calls::{SpanEv, ToEngine, ToSpan};
use crate::clock::Clock;
use crate::control::{ControlError, Reply, SpanCtl};
use crate::media::{DFrame, FromMedia, Media, SpanPort, ToMedia};

/// Interval between DL-ESTABLISH requests while the data link is released.
const REESTABLISH: Duration = Duration::from_secs(1);
/// Longest sleep of the span task without a timer or a frame.
const IDLE_WAIT: Duration = Duration::from_millis(200);
/// How often the line jack is polled for a connecting far end.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// A running span task.
#[derive(Debug)]
pub(crate) struct SpanTask {
    pub(crate) socket_path: PathBuf,
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl SpanTask {
    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.join.await;
        let _ = std::fs::remove_file(&self.socket_path);
    }
}

/// Opens `s` when this daemon can: virtual PRI spans. `Ok(None)` (with a warning) for the
/// others.
pub(crate) fn open(
    data_dir: &Path,
    index: usize,
    s: &Stored<SpanConfig>,
    media: &Arc<Media>,
    shared: Arc<Shared>,
    link: Link,
) -> Result<Option<SpanTask>> {
    let c = &s.config;
    if c.signalling != Signalling::Pri {
        warn!(span = %c.name, signalling = c.signalling.as_str(), "span not opened: only PRI spans are driven by this daemon yet");
        return Ok(None);
    }
    if let Some(n) = c.device.strip_prefix("dahdi:") {
        crate::lines::dahdi_span(&c.name, n);
        return Ok(None);
    }
    let Some(rel) = c.device.strip_prefix("virt:") else {
        warn!(span = %c.name, device = %c.device, "span not opened: only virt: and dahdi: devices are known");
        return Ok(None);
    };
    let path = data_dir.join(rel);
    // A stale socket from an earlier run is replaced; any other file is left alone.
    if let Ok(m) = std::fs::symlink_metadata(&path) {
        if m.file_type().is_socket() {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        } else {
            bail!("{} exists and is not a socket", path.display());
        }
    }
    let sock = Socket::new(Domain::UNIX, Type::SEQPACKET, None)?;
    sock.bind(&SockAddr::unix(&path)?)
        .with_context(|| format!("binding {}", path.display()))?;
    sock.listen(1)?;
    sock.set_nonblocking(true)?;
    info!(span = %c.name, path = %path.display(), "virtual E1 line jack listening");
    let (stop, stop_rx) = watch::channel(false);
    let cfg = c.clone();
    let media = Arc::clone(media);
    let span_no = u32::try_from(s.id).unwrap_or(1);
    let ctl = shared.control.add_span(s.id, &c.name);
    let join = tokio::spawn(async move {
        run(sock, cfg, span_no, index, media, shared, stop_rx, link, ctl).await;
    });
    Ok(Some(SpanTask {
        socket_path: path,
        stop,
        join,
    }))
}

/// A span task's links to the call engine.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) engine: mpsc::UnboundedSender<ToEngine>,
    pub(crate) orders: mpsc::UnboundedReceiver<ToSpan>,
}

#[allow(clippy::too_many_arguments)]
async fn run(
    listener: Socket,
    cfg: SpanConfig,
    span_no: u32,
    index: usize,
    media: Arc<Media>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    mut link: Link,
    mut ctl: mpsc::UnboundedReceiver<SpanCtl>,
) {
    loop {
        // Wait for the far end of the line.
        let sock = loop {
            if *stop.borrow() {
                return;
            }
            while let Ok(o) = link.orders.try_recv() {
                refuse_without_line(&cfg.name, index, &link, o);
            }
            while let Ok(c) = ctl.try_recv() {
                crate::control::no_line(&cfg.name, c);
            }
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    warn!(span = %cfg.name, "accept: {e}");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(ACCEPT_POLL) => {}
                _ = stop.changed() => {}
            }
        };
        let framer = e1::Config {
            crc4: if cfg.crc4 {
                e1::Crc4Mode::On
            } else {
                e1::Crc4Mode::Off
            },
            signalling: e1::Signalling::Ccs,
            ..e1::Config::default()
        };
        let line = match VirtE1Span::new(sock, VirtE1Config::new(span_no, framer)) {
            Ok(l) => l,
            Err(e) => {
                warn!(span = %cfg.name, "line: {e}");
                continue;
            }
        };
        let Some(port) = media.add_span(&cfg.name, index, line) else {
            warn!(span = %cfg.name, "media thread did not take the span (control queue full)");
            continue;
        };
        info!(span = %cfg.name, "far end connected to the line");
        let mut d = Driver::new(&cfg, index, port, Arc::clone(&shared));
        let closed = d.run(&mut stop, &mut link, &mut ctl).await;
        d.clear_all(&link);
        if !closed {
            return;
        }
        info!(span = %cfg.name, "line closed by the far end; waiting for it again");
    }
}

/// No line: an order to place a call fails at once (the switch tries the next trunk).
fn refuse_without_line(name: &str, index: usize, link: &Link, o: ToSpan) {
    if let ToSpan::Setup { leg, .. } = o {
        info!(span = %name, leg = leg.0, "no line: cannot place the call");
        let _ = link.engine.send(ToEngine::Span {
            span: index,
            ev: SpanEv::OriginateFailed {
                leg,
                cause: Cause::NETWORK_OUT_OF_ORDER,
            },
        });
    }
}

struct Driver {
    name: String,
    index: usize,
    pri: Pri,
    port: SpanPort,
    shared: Arc<Shared>,
    clock: Clock,
    link_up: bool,
    next_establish: tdm::Instant,
    /// Calls on this span (either direction) not yet released.
    calls: HashSet<CallId>,
    /// Calls refused while draining (not offered to the engine).
    refused: HashSet<CallId>,
    /// Calls sent ALERTING.
    alerted: HashSet<CallId>,
    /// What the control API shows of each call.
    meta: HashMap<CallId, CallMeta>,
    /// The line's alarm bits and counters, as the media thread last reported them.
    alarms: u32,
    counters: tdm::SpanCounters,
    /// The loopback in force, and a control request waiting for the media thread.
    loopback: tdm::Loopback,
    loopback_reply: Option<(tdm::Loopback, Reply)>,
    /// RESTARTs sent by the control API, waiting for RESTART ACKNOWLEDGE.
    restarts: Vec<(Option<u8>, Reply)>,
}

/// A call as the control API shows it.
#[derive(Debug)]
struct CallMeta {
    incoming: bool,
    called: String,
    calling: Option<String>,
    since: tdm::Instant,
}

fn cause(c: CauseValue) -> Cause {
    Cause(c.0)
}

impl Driver {
    fn new(cfg: &SpanConfig, index: usize, port: SpanPort, shared: Arc<Shared>) -> Self {
        let role = match cfg.role {
            SpanRole::Network => Role::Network,
            _ => Role::User,
        };
        let mut ccfg = call::Config::new(role);
        ccfg.variant = match cfg.switchtype {
            SwitchType::Qsig => Variant::Qsig,
            _ => Variant::EuroIsdn,
        };
        let clock = shared.clock;
        Self {
            name: cfg.name.clone(),
            index,
            pri: Pri::with_config(role, q921::Config::default(), ccfg),
            port,
            shared,
            clock,
            link_up: false,
            next_establish: tdm::Instant::ZERO,
            calls: HashSet::new(),
            refused: HashSet::new(),
            alerted: HashSet::new(),
            meta: HashMap::new(),
            alarms: 0,
            counters: tdm::SpanCounters::default(),
            loopback: tdm::Loopback::None,
            loopback_reply: None,
            restarts: Vec::new(),
        }
    }

    fn tell(&self, link: &Link, ev: SpanEv) {
        if link
            .engine
            .send(ToEngine::Span {
                span: self.index,
                ev,
            })
            .is_err()
        {
            debug!(span = %self.name, "call engine gone");
        }
    }

    /// Drives the PRI until the line closes (`true`) or the task is stopped (`false`).
    async fn run(
        &mut self,
        stop: &mut watch::Receiver<bool>,
        link: &mut Link,
        ctl: &mut mpsc::UnboundedReceiver<SpanCtl>,
    ) -> bool {
        let now = self.clock.now();
        self.pri.start(now);
        self.next_establish = now + REESTABLISH;
        self.set_link_metric();
        loop {
            if *stop.borrow() {
                self.disconnect_all().await;
                return false;
            }
            let now = self.clock.now();
            while let Ok(m) = self.port.rx.pop() {
                match m {
                    FromMedia::Dchannel(f) => self.pri.handle_input(now, f.bytes()),
                    FromMedia::Counters(c) => self.counters = c,
                    FromMedia::Loopback { mode, ok } => self.loopback_done(mode, ok),
                    FromMedia::Alarms(bits) => {
                        self.alarms = bits;
                        self.shared
                            .metrics
                            .span_alarms
                            .get_or_create(&self.labels())
                            .set(i64::from(bits));
                        info!(span = %self.name, alarms = bits, "span alarms changed");
                    }
                    FromMedia::Closed => {
                        self.link_up = false;
                        self.set_link_metric();
                        self.tell(link, SpanEv::Link { up: false });
                        return true;
                    }
                }
            }
            while let Ok(o) = link.orders.try_recv() {
                self.order(now, link, o);
            }
            while let Ok(c) = ctl.try_recv() {
                self.control(now, link, c);
            }
            if self.pri.poll_timeout().is_some_and(|t| t <= now) {
                self.pri.handle_timeout(now);
            }
            self.after_pri(now, link);
            if !self.link_up
                && now >= self.next_establish
                && self.pri.link().state() == q921::State::TeiAssigned
            {
                self.pri.start(now);
                self.next_establish = now + REESTABLISH;
            }
            self.transmit();
            let wake = self
                .pri
                .poll_timeout()
                .map_or(IDLE_WAIT, |t| t.saturating_duration_since(now))
                .min(IDLE_WAIT);
            let notify = Arc::clone(&self.port.notify);
            tokio::select! {
                () = notify.notified() => {}
                () = tokio::time::sleep(wake) => {}
                _ = stop.changed() => {}
                o = link.orders.recv() => {
                    if let Some(o) = o {
                        let now = self.clock.now();
                        self.order(now, link, o);
                    }
                }
                c = ctl.recv() => {
                    if let Some(c) = c {
                        let now = self.clock.now();
                        self.control(now, link, c);
                    }
                }
            }
        }
    }

    fn order(&mut self, now: tdm::Instant, link: &Link, o: ToSpan) {
        match o {
            ToSpan::Setup {
                leg,
                called,
                calling,
                restricted,
            } => {
                if !self.link_up {
                    info!(span = %self.name, leg = leg.0, "data link down: cannot place the call");
                    self.tell(
                        link,
                        SpanEv::OriginateFailed {
                            leg,
                            cause: Cause::NETWORK_OUT_OF_ORDER,
                        },
                    );
                    return;
                }
                let mut p = SetupParams::speech(&called);
                p.calling.clone_from(&calling);
                if restricted {
                    p.calling_pres = Some(isdn::q931::ie::PresScreen {
                        presentation: isdn::q931::ie::Presentation::Restricted,
                        screening: isdn::q931::ie::Screening::UserNotScreened,
                    });
                }
                match self.pri.setup(now, p) {
                    Ok(call) => {
                        info!(span = %self.name, call = call.0, leg = leg.0, called = %called,
                            calling = calling.as_deref().unwrap_or(""), restricted, "SETUP sent");
                        self.shared.metrics.call(&self.name, "outgoing");
                        self.calls.insert(call);
                        self.meta.insert(
                            call,
                            CallMeta {
                                incoming: false,
                                called,
                                calling,
                                since: now,
                            },
                        );
                        self.tell(link, SpanEv::Originated { leg, call });
                    }
                    Err(e) => {
                        warn!(span = %self.name, leg = leg.0, "setup: {e}");
                        self.tell(
                            link,
                            SpanEv::OriginateFailed {
                                leg,
                                cause: Cause::TEMPORARY_FAILURE,
                            },
                        );
                    }
                }
            }
            ToSpan::Alert { call } => {
                if self.alerted.insert(call)
                    && let Err(e) = self.pri.alerting(now, call)
                {
                    debug!(span = %self.name, call = call.0, "alerting: {e}");
                }
            }
            ToSpan::Progress { call } => {
                // In-band information: ALERTING carries it to the caller here.
                if self.alerted.insert(call)
                    && let Err(e) = self.pri.alerting(now, call)
                {
                    debug!(span = %self.name, call = call.0, "alerting: {e}");
                }
            }
            ToSpan::Answer { call } => {
                if let Err(e) = self.pri.connect(now, call) {
                    warn!(span = %self.name, call = call.0, "connect: {e}");
                }
            }
            ToSpan::Hangup { call, cause } => {
                debug!(span = %self.name, call = call.0, cause = cause.0, "clearing");
                if let Err(e) = self.pri.disconnect(now, call, CauseValue(cause.0)) {
                    debug!(span = %self.name, call = call.0, "disconnect: {e}");
                }
            }
        }
        self.transmit();
    }

    fn labels(&self) -> crate::metrics::SpanLabels {
        crate::metrics::SpanLabels {
            span: self.name.clone(),
        }
    }

    fn set_link_metric(&self) {
        self.shared
            .metrics
            .dchannel_up
            .get_or_create(&self.labels())
            .set(i64::from(self.link_up));
    }

    fn transmit(&mut self) {
        while let Some(f) = self.pri.poll_transmit() {
            let Some(df) = DFrame::new(&f) else {
                warn!(span = %self.name, len = f.len(), "D-channel frame too long, dropped");
                continue;
            };
            if self.port.tx.push(ToMedia::Dchannel(df)).is_err() {
                self.shared.metrics.media_queue_full.inc();
            }
        }
    }

    fn after_pri(&mut self, now: tdm::Instant, link: &Link) {
        let up = self.pri.link().is_established();
        if up != self.link_up {
            self.link_up = up;
            self.set_link_metric();
            info!(span = %self.name, up, "D-channel data link {}", if up { "up" } else { "down" });
            self.tell(link, SpanEv::Link { up });
            if !up {
                self.next_establish = now + REESTABLISH;
            }
        }
        while let Some(ev) = self.pri.poll_event() {
            self.call_event(now, link, ev);
        }
    }

    fn call_event(&mut self, now: tdm::Instant, link: &Link, ev: Event) {
        match ev {
            Event::IncomingCall {
                call,
                called,
                calling,
                channel,
                calling_pres,
                ..
            } => {
                let restricted = calling_pres
                    .is_some_and(|p| p.presentation == isdn::q931::ie::Presentation::Restricted);
                info!(span = %self.name, call = call.0, called = %called,
                    calling = calling.as_deref().unwrap_or(""), channel, restricted, "incoming call");
                self.shared.metrics.call(&self.name, "incoming");
                self.calls.insert(call);
                self.meta.insert(
                    call,
                    CallMeta {
                        incoming: true,
                        called: called.clone(),
                        calling: calling.clone(),
                        since: now,
                    },
                );
                if !*self.shared.accepting.borrow() {
                    info!(span = %self.name, call = call.0, cause = 42, "call rejected: draining: no new calls");
                    self.shared.metrics.call(&self.name, "rejected");
                    self.refused.insert(call);
                    if let Err(e) = self.pri.disconnect(now, call, CauseValue(42)) {
                        warn!(span = %self.name, call = call.0, "disconnect: {e}");
                    }
                    return;
                }
                if let Err(e) = self.pri.proceeding(now, call) {
                    warn!(span = %self.name, call = call.0, "proceeding: {e}");
                }
                let channel = self.pri.calls().channel(call).or(channel);
                self.tell(
                    link,
                    SpanEv::Incoming {
                        call,
                        channel,
                        called,
                        calling,
                        restricted,
                    },
                );
            }
            Event::Proceeding { call, channel } => {
                let channel = self.pri.calls().channel(call).or(channel);
                self.tell(link, SpanEv::Proceeding { call, channel });
            }
            Event::Alerting { call } => {
                let channel = self.pri.calls().channel(call);
                self.tell(link, SpanEv::Proceeding { call, channel });
                self.tell(link, SpanEv::Alerting { call });
            }
            Event::Progress { call, .. } => {
                let channel = self.pri.calls().channel(call);
                self.tell(link, SpanEv::Proceeding { call, channel });
                self.tell(link, SpanEv::Progress { call });
            }
            Event::Connected { call } => {
                let channel = self.pri.calls().channel(call);
                self.tell(link, SpanEv::Proceeding { call, channel });
                self.tell(link, SpanEv::Connected { call });
            }
            Event::Digits { call, digits, .. } => {
                self.tell(link, SpanEv::Digits { call, digits });
            }
            Event::Disconnected { call, cause: c } => {
                info!(span = %self.name, call = call.0, cause = c.0, "far end disconnected");
                if let Err(e) = self.pri.release(now, call, CauseValue::NORMAL_CLEARING) {
                    debug!(span = %self.name, call = call.0, "release: {e}");
                }
                self.end(link, call, c);
            }
            Event::Released { call, cause: c } => {
                self.end(link, call, c);
            }
            Event::RestartDone { channel } => {
                info!(span = %self.name, channel, "RESTART done");
                self.restart_done(channel, Ok(()));
            }
            Event::RestartFailed { channel } => {
                warn!(span = %self.name, channel, "RESTART failed: no RESTART ACKNOWLEDGE");
                self.restart_done(channel, Err(ControlError::RestartFailed(self.name.clone())));
            }
            other => debug!(span = %self.name, "pri event: {other:?}"),
        }
    }

    fn end(&mut self, link: &Link, call: CallId, c: CauseValue) {
        if !self.calls.remove(&call) {
            return;
        }
        self.meta.remove(&call);
        self.alerted.remove(&call);
        self.shared.metrics.call(&self.name, "released");
        info!(span = %self.name, call = call.0, cause = c.0,
            cause_name = c.name().unwrap_or("unknown"), "call released on the line");
        if !self.refused.remove(&call) {
            self.tell(
                link,
                SpanEv::Ended {
                    call,
                    cause: cause(c),
                },
            );
        }
    }

    /// Shutdown with calls still up (the drain's grace period is over): DISCONNECT each with
    /// cause 41 *temporary failure* so the far end clears cleanly instead of seeing the line
    /// drop, and give the media thread a moment to send the frames.
    async fn disconnect_all(&mut self) {
        if self.calls.is_empty() {
            return;
        }
        let now = self.clock.now();
        let calls: Vec<CallId> = self.calls.iter().copied().collect();
        for call in calls {
            info!(span = %self.name, call = call.0, "shutting down: clearing the call");
            if let Err(e) = self.pri.disconnect(now, call, CauseValue(41)) {
                debug!(span = %self.name, call = call.0, "disconnect: {e}");
            }
        }
        self.transmit();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// The line is gone: every call on it ended.
    fn clear_all(&mut self, link: &Link) {
        let calls: Vec<CallId> = self.calls.iter().copied().collect();
        for c in calls {
            self.end(link, c, CauseValue(41));
        }
        self.calls.clear();
        self.refused.clear();
        self.alerted.clear();
        self.meta.clear();
        if let Some((_, r)) = self.loopback_reply.take() {
            let _ = r.send(Err(ControlError::NoLine(self.name.clone())));
        }
        for (_, r) in self.restarts.drain(..) {
            let _ = r.send(Err(ControlError::NoLine(self.name.clone())));
        }
    }

    // ---- the control API ([`crate::control`]) ----

    fn control(&mut self, now: tdm::Instant, link: &Link, c: SpanCtl) {
        match c {
            SpanCtl::Snapshot(r) => {
                let _ = r.send(self.snapshot(now));
            }
            SpanCtl::Loopback(mode, r) => {
                if self.port.tx.push(ToMedia::Loopback(mode)).is_err() {
                    self.shared.metrics.media_queue_full.inc();
                    let _ = r.send(Err(ControlError::Timeout("the media thread")));
                    return;
                }
                info!(span = %self.name, mode = crate::control::loopback_name(mode), "loopback requested");
                // A newer request replaces one still waiting (its caller gets no answer).
                self.loopback_reply = Some((mode, r));
            }
            SpanCtl::Restart(channel, r) => {
                if !self.link_up {
                    let _ = r.send(Err(ControlError::LinkDown(self.name.clone())));
                    return;
                }
                if self.restarts.iter().any(|(c, _)| *c == channel) {
                    let _ = r.send(Err(ControlError::Busy(self.name.clone())));
                    return;
                }
                info!(span = %self.name, channel, "RESTART requested (control API)");
                self.pri.restart(now, channel);
                self.restarts.push((channel, r));
                self.after_pri(now, link);
                self.transmit();
            }
        }
    }

    fn loopback_done(&mut self, mode: tdm::Loopback, ok: bool) {
        if ok {
            self.loopback = mode;
            info!(span = %self.name, mode = crate::control::loopback_name(mode), "loopback in force");
        } else {
            warn!(span = %self.name, mode = crate::control::loopback_name(mode), "the line refused the loopback");
        }
        if let Some((want, r)) = self.loopback_reply.take() {
            if want != mode {
                self.loopback_reply = Some((want, r));
                return;
            }
            let _ = r.send(if ok {
                Ok(serde_json::json!({ "loopback": crate::control::loopback_name(mode) }))
            } else {
                Err(ControlError::LoopbackRefused(self.name.clone()))
            });
        }
    }

    fn restart_done(&mut self, channel: Option<u8>, result: Result<(), ControlError>) {
        let Some(i) = self.restarts.iter().position(|(c, _)| *c == channel) else {
            return;
        };
        let (_, r) = self.restarts.remove(i);
        let _ = r.send(result.map(|()| {
            serde_json::json!({
                "restarted": channel.map_or_else(|| serde_json::json!("interface"), |c| serde_json::json!(c)),
            })
        }));
    }

    fn snapshot(&self, now: tdm::Instant) -> serde_json::Value {
        use serde_json::json;
        let calls = self.pri.calls();
        let by_channel: HashMap<u8, CallId> = self
            .calls
            .iter()
            .filter_map(|c| calls.channel(*c).map(|ch| (ch, *c)))
            .collect();
        let busy = calls.busy_channels();
        let restarting = |ts: u8| {
            self.restarts
                .iter()
                .any(|(c, _)| c.is_none() || *c == Some(ts))
        };
        let channels: Vec<serde_json::Value> = (1u8..=31)
            .filter(|ts| *ts != 16)
            .map(|ts| {
                let state = if restarting(ts) {
                    "restarting"
                } else if busy.contains(&ts) || by_channel.contains_key(&ts) {
                    "busy"
                } else {
                    "idle"
                };
                json!({ "ts": ts, "state": state, "call": by_channel.get(&ts).map(|c| c.0) })
            })
            .collect();
        let mut list: Vec<serde_json::Value> = self
            .calls
            .iter()
            .map(|c| {
                let m = self.meta.get(c);
                json!({
                    "call_ref": c.0,
                    "channel": calls.channel(*c),
                    "direction": m.map_or("?", |m| if m.incoming { "in" } else { "out" }),
                    "called": m.map(|m| m.called.as_str()),
                    "calling": m.and_then(|m| m.calling.as_deref()),
                    "state": calls.state(*c).map(|s| format!("{s:?}")),
                    "duration_s": m.map(|m| now.saturating_duration_since(m.since).as_secs()),
                })
            })
            .collect();
        list.sort_by_key(|v| v["call_ref"].as_u64());
        json!({
            "line": "connected",
            "alarms": self.alarms,
            "alarm_names": tdm::Alarms::from_bits(self.alarms).to_string(),
            "dchannel_up": self.link_up,
            "dchannel_state": format!("{:?}", self.pri.link().state()),
            "loopback": crate::control::loopback_name(self.loopback),
            "counters": crate::control::counters_json(&self.counters),
            "channels": channels,
            "calls": list,
        })
    }
}
