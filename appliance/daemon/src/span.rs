//! One task per E1 PRI span: the line jack, the media thread hand-off, and the
//! [`isdn::pri::Pri`] driven with the state machine's own timeouts.
//!
//! **Call handling in this slice** — an incoming call's called number (the DID) is routed
//! with the `switch` crate's dial plan ([`crate::routing`]), built from the store:
//! - echo test (600 in the demo): answered, the B-channel loops audio back (media thread);
//! - test tone (601): answered, the B-channel sends 1 kHz;
//! - a SIP extension: cleared with cause 20 *subscriber absent*, because SIP is not wired
//!   into this daemon yet (logged as such);
//! - no route: cleared with the switch's cause (1 *unallocated number*).
//!
//! The switch's call engine (legs, bridges) is not driven yet: there is nothing to bridge an
//! E1 call to until SIP is wired.
//!
//! While the daemon drains (SIGTERM), new calls are cleared with cause 42 *switching
//! equipment congestion*. Every call writes `call_start` / `call_answer` / `call_end` to the
//! store's event log.

use std::collections::HashMap;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use isdn::call::{self, CallId, Event};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::{CauseValue, Role, Variant};
use serde_json::json;
use socket2::{Domain, SockAddr, Socket, Type};
use store::config::{Signalling, SpanConfig, SpanRole, Stored, SwitchType};
use store::events::{EventKind, NewEvent};
use tdm::virt::{VirtE1Config, VirtE1Span};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::Shared;
use crate::clock::Clock;
use crate::media::{DFrame, FromMedia, Media, Mode, SpanPort, ToMedia};
use crate::routing::Decision;

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
    s: &Stored<SpanConfig>,
    media: &Arc<Media>,
    shared: Arc<Shared>,
) -> Result<Option<SpanTask>> {
    let c = &s.config;
    if c.signalling != Signalling::Pri {
        warn!(span = %c.name, signalling = c.signalling.as_str(), "span not opened: only PRI spans are driven by this daemon yet");
        return Ok(None);
    }
    let Some(rel) = c.device.strip_prefix("virt:") else {
        warn!(span = %c.name, device = %c.device, "span not opened: only virt: devices are supported yet (DAHDI spans are not)");
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
    let join = tokio::spawn(async move {
        run(sock, cfg, span_no, media, shared, stop_rx).await;
    });
    Ok(Some(SpanTask {
        socket_path: path,
        stop,
        join,
    }))
}

async fn run(
    listener: Socket,
    cfg: SpanConfig,
    span_no: u32,
    media: Arc<Media>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        // Wait for the far end of the line.
        let sock = loop {
            if *stop.borrow() {
                return;
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
        let Some(port) = media.add_span(&cfg.name, line) else {
            warn!(span = %cfg.name, "media thread did not take the span (control queue full)");
            continue;
        };
        info!(span = %cfg.name, "far end connected to the line");
        let mut d = Driver::new(&cfg, port, Arc::clone(&shared));
        let closed = d.run(&mut stop).await;
        d.clear_all();
        if !closed {
            return;
        }
        info!(span = %cfg.name, "line closed by the far end; waiting for it again");
    }
}

#[derive(Debug)]
struct CallInfo {
    id: String,
    channel: Option<u8>,
}

struct Driver {
    name: String,
    pri: Pri,
    port: SpanPort,
    shared: Arc<Shared>,
    clock: Clock,
    link_up: bool,
    next_establish: tdm::Instant,
    calls: HashMap<CallId, CallInfo>,
    seq: u64,
}

impl Driver {
    fn new(cfg: &SpanConfig, port: SpanPort, shared: Arc<Shared>) -> Self {
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
            pri: Pri::with_config(role, q921::Config::default(), ccfg),
            port,
            shared,
            clock,
            link_up: false,
            next_establish: tdm::Instant::ZERO,
            calls: HashMap::new(),
            seq: 0,
        }
    }

    /// Drives the PRI until the line closes (`true`) or the task is stopped (`false`).
    async fn run(&mut self, stop: &mut watch::Receiver<bool>) -> bool {
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
                    FromMedia::Alarms(bits) => {
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
                        return true;
                    }
                }
            }
            if self.pri.poll_timeout().is_some_and(|t| t <= now) {
                self.pri.handle_timeout(now);
            }
            self.after_pri(now);
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
            }
        }
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

    fn bchannel(&mut self, channel: Option<u8>, mode: Mode) {
        if let Some(ts) = channel
            && self
                .port
                .tx
                .push(ToMedia::Bchannel { timeslot: ts, mode })
                .is_err()
        {
            self.shared.metrics.media_queue_full.inc();
        }
    }

    fn after_pri(&mut self, now: tdm::Instant) {
        let up = self.pri.link().is_established();
        if up != self.link_up {
            self.link_up = up;
            self.set_link_metric();
            info!(span = %self.name, up, "D-channel data link {}", if up { "up" } else { "down" });
            if !up {
                self.next_establish = now + REESTABLISH;
            }
        }
        while let Some(ev) = self.pri.poll_event() {
            self.call_event(now, ev);
        }
    }

    fn log_event(&self, kind: EventKind, id: &str, payload: serde_json::Value) {
        let ev = NewEvent::new(Clock::wall_now(), kind)
            .call(id)
            .payload(payload);
        if let Err(e) = self.shared.with_store(|s| s.append_event(&ev)) {
            warn!(span = %self.name, call = id, "event log: {e}");
        }
    }

    fn reject(&mut self, now: tdm::Instant, call: CallId, cause: CauseValue, why: &str) {
        info!(span = %self.name, call = call.0, cause = cause.0, "call rejected: {why}");
        if let Err(e) = self.pri.disconnect(now, call, cause) {
            warn!(span = %self.name, call = call.0, "disconnect: {e}");
        }
        self.shared.metrics.call(&self.name, "rejected");
    }

    fn call_event(&mut self, now: tdm::Instant, ev: Event) {
        match ev {
            Event::IncomingCall {
                call,
                called,
                calling,
                channel,
                ..
            } => {
                self.seq += 1;
                let id = format!("{}-{}", self.name, self.seq);
                info!(span = %self.name, call = call.0, id = %id, called = %called,
                    calling = calling.as_deref().unwrap_or(""), channel, "incoming call");
                self.shared.metrics.call(&self.name, "incoming");
                self.log_event(
                    EventKind::CallStart,
                    &id,
                    json!({"span": self.name, "called": called, "calling": calling, "channel": channel}),
                );
                self.calls.insert(call, CallInfo { id, channel });
                self.shared.metrics.active_calls.inc();
                if !*self.shared.accepting.borrow() {
                    self.reject(now, call, CauseValue(42), "draining: no new calls");
                    return;
                }
                let decision = {
                    let plan = self
                        .shared
                        .dialplan
                        .read()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    crate::routing::decide(&plan, &called)
                };
                let mode = match decision {
                    Decision::EchoTest => Some(Mode::Echo),
                    Decision::TestTone => Some(Mode::Tone),
                    Decision::Clear(cause, why) => {
                        self.reject(now, call, CauseValue(cause), why);
                        return;
                    }
                };
                let r = self
                    .pri
                    .proceeding(now, call)
                    .and_then(|()| self.pri.alerting(now, call))
                    .and_then(|()| self.pri.connect(now, call));
                match (r, mode) {
                    (Ok(()), Some(mode)) => {
                        let ch = self.pri.calls().channel(call).or(channel);
                        if let Some(ci) = self.calls.get_mut(&call) {
                            ci.channel = ch;
                        }
                        self.bchannel(ch, mode);
                        self.shared.metrics.call(&self.name, "answered");
                        let id = self
                            .calls
                            .get(&call)
                            .map(|c| c.id.clone())
                            .unwrap_or_default();
                        info!(span = %self.name, call = call.0, id = %id, mode = ?mode, channel = ch, "call answered");
                        self.log_event(
                            EventKind::CallAnswer,
                            &id,
                            json!({"mode": format!("{mode:?}").to_lowercase()}),
                        );
                    }
                    (Err(e), _) => warn!(span = %self.name, call = call.0, "answering: {e}"),
                    (Ok(()), None) => {}
                }
            }
            Event::Disconnected { call, cause } => {
                info!(span = %self.name, call = call.0, cause = cause.0, "far end disconnected");
                if let Err(e) = self.pri.release(now, call, CauseValue::NORMAL_CLEARING) {
                    debug!(span = %self.name, call = call.0, "release: {e}");
                }
                self.end(call, cause);
            }
            Event::Released { call, cause } => {
                self.end(call, cause);
            }
            other => debug!(span = %self.name, "pri event: {other:?}"),
        }
    }

    fn end(&mut self, call: CallId, cause: CauseValue) {
        let Some(ci) = self.calls.remove(&call) else {
            return;
        };
        self.bchannel(ci.channel, Mode::Idle);
        self.shared.metrics.active_calls.dec();
        self.shared.metrics.call(&self.name, "released");
        info!(span = %self.name, call = call.0, id = %ci.id, cause = cause.0,
            cause_name = cause.name().unwrap_or("unknown"), "call ended");
        self.log_event(
            EventKind::CallEnd,
            &ci.id,
            json!({"cause": cause.0, "cause_name": cause.name()}),
        );
    }

    /// Shutdown with calls still up (the drain's grace period is over): DISCONNECT each with
    /// cause 41 *temporary failure* so the far end clears cleanly instead of seeing the line
    /// drop, and give the media thread a moment to send the frames.
    async fn disconnect_all(&mut self) {
        if self.calls.is_empty() {
            return;
        }
        let now = self.clock.now();
        let calls: Vec<CallId> = self.calls.keys().copied().collect();
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
    fn clear_all(&mut self) {
        let calls: Vec<CallId> = self.calls.keys().copied().collect();
        for c in calls {
            self.end(c, CauseValue(41));
        }
    }
}
