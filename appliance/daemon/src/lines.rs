//! Analog line ports (FXS and FXO) in the daemon: the store's `line_ports` rows opened on
//! the virtual analog line (a listening "line jack" socket in the data directory, like an
//! E1 span's), each driven by an [`analog::Fxs`] or [`analog::Fxo`] machine, its audio a
//! TDM slot of the switch's media path (A-law, line echo canceller on, in-band DTMF
//! detection), its calls legs of the switch.
//!
//! ## How it runs
//! 1. One async task per port ([`open`]) owns the listening socket; when the far end (a
//!    phone or a line from the exchange, `analog-sim` on virtual lines) connects, the task
//!    hands the line and a new machine to the media thread ([`LineMedia`]).
//! 2. The media thread, every millisecond ([`LineMedia::tick_in`] / [`LineMedia::tick_out`]):
//!    takes the orders the task queued (ring with caller ID, ringback, answer, hang up,
//!    seize and dial), runs the machine's timers, and for **each millisecond received from
//!    the line** feeds its signals and audio to the machine and writes one millisecond back
//!    (the machine's own audio — tones, caller ID, DTMF — or else the call's audio from the
//!    media path). The far end's packets are the port's clock, as a card's interrupt would
//!    be: nothing is sent before it sends. Between the line and the path sits an elastic
//!    buffer of at most [`ELASTIC`] ms each way.
//! 3. The machine's events go back to the task, which turns them into the call engine's
//!    [`LineEv`]s (off-hook and a dialled number → an incoming call from an extension;
//!    rings and caller ID on an FXO port → an incoming trunk call routed as the port's
//!    `route`; the phone picking up → answered; on-hook, a far-end disconnect or a line
//!    that closes → ended), and carries out the engine's [`ToLine`] orders.
//!
//! FXS: the phone dials with DTMF or pulses; a number ends with `#`, or as soon as the
//! switch's dial plan says it is complete ([`FxsDialPlan`]: `600` or an extension number
//! at once, `0…` to a trunk group after the 8 s inter-digit timeout), and a number no rule
//! can match gets busy tone at once. A call
//! to the port rings the phone with the port's cadence and sends caller ID (FSK between
//! the first and second ring, or DTMF, as configured). FXO: an incoming call is offered
//! when caller ID arrives or at the second ring; an outgoing call seizes the line, waits
//! for dial tone (at most [`DIAL_TONE_WAIT`]), dials the number in DTMF and counts as
//! answered when dialling is complete (analog lines seldom signal answer, as Asterisk's
//! `answeronpolarityswitch=no`), or, on a port with `answer_on_polarity`, when the exchange
//! reverses the line's polarity (answer supervision; the caller hears the line's ringback
//! until then).
//!
//! DAHDI ports (`dahdi:N`) are opened through `tdm::dahdi`: without DAHDI (no
//! `/dev/dahdi`) the port is logged as not opened, naming it, and everything else runs.
//! **What it is not:** DAHDI analog channels that do open are not driven yet (logged);
//! hook flash is reported in the log only (no transfer or call waiting); one call per port.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use analog::{
    CallerInfo, CidSignalling, Country, DialMode, DialPlanMatch, Fxo, FxoConfig, FxoEvent, Fxs,
    FxsConfig, FxsEvent, Input, RingCadence, ToneKind, Transmit,
};
use anyhow::{Context, Result, bail};
use media_dsp::fsk::FskStandard;
use media_dsp::g711::Law;
use rtrb::{Consumer, Producer, RingBuffer};
use serde_json::{Value, json};
use socket2::{Domain, SockAddr, Socket, Type};
use store::lines::{CallerIdStandard, LineCountry, LinePortKind, StoredLinePort};
use switch::Cause;
use switch::dialplan::{CallingParty, ChannelKind, DialState, OriginClass, Presentation};
use switch::engine::{Destination, LegId};
use switch::media::MediaPath;
use tdm::virt::{VirtAnalogLine, VirtError};
use tdm::{AnalogPort, AudioChunk, PortKind};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tracing::{debug, error, info, warn};

use crate::Shared;
use crate::calls::{Engine, ToEngine};
use crate::media::{Ctl, Media};

/// Line ports the media path has slots for.
pub(crate) const MAX_LINES: usize = 32;
/// Most milliseconds buffered between the line's clock and the media thread's, each way.
const ELASTIC: usize = 8;
/// How long an outgoing FXO call waits for dial tone before dialling anyway.
const DIAL_TONE_WAIT: Duration = Duration::from_secs(3);
/// How often the line jack is polled for a connecting far end.
const ACCEPT_POLL: Duration = Duration::from_millis(20);
/// Depth of the queues between a port task and the media thread.
const QUEUE: usize = 64;
const SILENCE: AudioChunk = [0; 8];
const ALAW_IDLE: [u8; 8] = [0xD5; 8];

// ---- the media thread's side ----

/// An order for a port's machine (from its task to the media thread).
#[derive(Debug)]
pub(crate) enum LineOrder {
    /// FXS: ring the phone, with this caller ID.
    Ring(Option<CallerInfo>),
    /// FXS: ringback tone to the off-hook phone.
    Ringback,
    /// FXS: the far end answered (tones stop, audio flows); FXO: answer the ringing line.
    Answer,
    /// Clear: FXS rings off or gives busy tone; FXO goes on-hook.
    Hangup,
    /// FXO: seize the line and dial these digits after dial tone.
    Originate(String),
}

/// What a port's machine reported (from the media thread to its task).
#[derive(Debug)]
pub(crate) enum LineReport {
    Fxs(FxsEvent),
    Fxo(FxoEvent),
    /// The far end closed the line.
    Closed,
}

enum Machine {
    Fxs(Box<Fxs>),
    Fxo(Box<Fxo>),
}

/// A port as the media thread runs it.
pub(crate) struct LineMedia {
    pub(crate) name: String,
    /// Its slot in the media path.
    pub(crate) slot: usize,
    machine: Machine,
    line: VirtAnalogLine,
    orders: Consumer<LineOrder>,
    reports: Producer<LineReport>,
    notify: Arc<Notify>,
    /// Heard from the line (A-law), for the media path.
    to_path: VecDeque<[u8; 8]>,
    /// From the media path, for the line.
    from_path: VecDeque<AudioChunk>,
    /// FXO: digits to dial once dial tone is heard, and until when to wait for it.
    dial: Option<(String, tdm::Instant)>,
    pub(crate) dead: bool,
}

impl std::fmt::Debug for LineMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineMedia")
            .field("name", &self.name)
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

/// The switch's dial plan as FXS ports consult it after each digit; [`crate::reload`]
/// replaces it with the rebuilt one, so a port set up before a change sees it.
#[derive(Debug, Default)]
pub(crate) struct FxsDialPlan(RwLock<Arc<switch::dialplan::Config>>);

impl FxsDialPlan {
    /// The plan of `cfg` (the daemon's switch configuration).
    pub(crate) fn new(cfg: &switch::dialplan::Config) -> Self {
        Self(RwLock::new(Arc::new(cfg.clone())))
    }

    /// Replaces the plan (on reload).
    pub(crate) fn set(&self, cfg: &switch::dialplan::Config) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(cfg.clone());
    }

    /// The verdict on `digits` dialled on an FXS port: a final `#` ends the number;
    /// otherwise the switch's internal table for an extension caller
    /// ([`switch::dialplan::Config::dial_state`]) decides: complete routes now, ambiguous or
    /// incomplete waits for more digits (or the inter-digit timeout), invalid gets busy
    /// tone at once.
    pub(crate) fn verdict(&self, digits: &str) -> DialPlanMatch {
        if digits.ends_with('#') {
            return DialPlanMatch::Complete;
        }
        let plan = Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner));
        match plan.dial_state(OriginClass::Extension, digits) {
            DialState::Complete => DialPlanMatch::Complete,
            DialState::Ambiguous | DialState::Incomplete => DialPlanMatch::Incomplete,
            DialState::Invalid => DialPlanMatch::Invalid,
        }
    }
}

impl LineMedia {
    fn input(&mut self, now: tdm::Instant, i: Input) {
        match &mut self.machine {
            Machine::Fxs(m) => m.handle_input(now, i),
            Machine::Fxo(m) => m.handle_input(now, i),
        }
    }

    fn timers(&mut self, now: tdm::Instant) {
        for _ in 0..8 {
            let due = match &self.machine {
                Machine::Fxs(m) => m.poll_timeout(),
                Machine::Fxo(m) => m.poll_timeout(),
            };
            if due.is_none_or(|t| t > now) {
                break;
            }
            match &mut self.machine {
                Machine::Fxs(m) => m.handle_timeout(now),
                Machine::Fxo(m) => m.handle_timeout(now),
            }
        }
    }

    /// Line signals go to the line; the machine's audio (if any) is returned.
    fn transmit(&mut self) -> Option<AudioChunk> {
        let mut audio = None;
        loop {
            let t = match &mut self.machine {
                Machine::Fxs(m) => m.poll_transmit(),
                Machine::Fxo(m) => m.poll_transmit(),
            };
            match t {
                Some(Transmit::Line(s)) => {
                    if let Err(e) = self.line.send_signal(s) {
                        debug!(port = %self.name, "line signal {s:?}: {e}");
                    }
                }
                Some(Transmit::Audio(a)) => audio = Some(a),
                None => return audio,
            }
        }
    }

    fn report(&mut self, now: tdm::Instant) {
        let mut any = false;
        loop {
            let r = match &mut self.machine {
                Machine::Fxs(m) => m.poll_event().map(LineReport::Fxs),
                Machine::Fxo(m) => m.poll_event().map(LineReport::Fxo),
            };
            let Some(r) = r else { break };
            // FXO dialling waits for dial tone (or gives up waiting).
            if let (LineReport::Fxo(FxoEvent::Tone(ToneKind::Dial)), Machine::Fxo(m)) =
                (&r, &mut self.machine)
                && let Some((digits, _)) = self.dial.take()
                && let Err(e) = m.dial(now, &digits, DialMode::Dtmf)
            {
                warn!(port = %self.name, "dial: {e}");
            }
            any = true;
            let _ = self.reports.push(r);
        }
        if any {
            self.notify.notify_one();
        }
    }

    fn order(&mut self, now: tdm::Instant, o: LineOrder) {
        let r = match (&mut self.machine, o) {
            (Machine::Fxs(m), LineOrder::Ring(who)) => m.ring(now, who.as_ref()),
            (Machine::Fxs(m), LineOrder::Ringback) => m.play(ToneKind::Ringback),
            (Machine::Fxs(m), LineOrder::Answer) => match m.state() {
                // The phone answered a call to it: nothing to do.
                analog::FxsState::Connected => Ok(()),
                _ => m.answer(),
            },
            (Machine::Fxs(m), LineOrder::Hangup) => {
                m.hangup(now);
                Ok(())
            }
            (Machine::Fxo(m), LineOrder::Answer) => m.answer(),
            (Machine::Fxo(m), LineOrder::Hangup) => {
                self.dial = None;
                m.hangup();
                Ok(())
            }
            (Machine::Fxo(m), LineOrder::Originate(digits)) => {
                let r = m.seize();
                if r.is_ok() {
                    self.dial = Some((digits, now + DIAL_TONE_WAIT));
                }
                r
            }
            (_, o) => {
                debug!(port = %self.name, "order {o:?} does not apply to this port");
                Ok(())
            }
        };
        if let Err(e) = r {
            debug!(port = %self.name, "order refused by the line machine: {e}");
        }
    }

    /// Before the media path's tick: orders, timers, and every millisecond the line sent.
    pub(crate) fn tick_in(&mut self, now: tdm::Instant, path: &mut MediaPath) {
        while let Ok(o) = self.orders.pop() {
            self.order(now, o);
        }
        // No dial tone in time: dial anyway (a line that gives none, or a quiet one).
        if let (Some((_, until)), Machine::Fxo(m)) = (&self.dial, &mut self.machine)
            && now >= *until
            && let Some((digits, _)) = self.dial.take()
            && let Err(e) = m.dial(now, &digits, DialMode::Dtmf)
        {
            warn!(port = %self.name, "dial: {e}");
        }
        self.timers(now);
        // Signals from timers (ring on/off) ride on the next packet; audio only comes with
        // a received chunk.
        let _ = self.transmit();
        self.report(now);
        while !self.dead {
            let chunk = match self.line.read_chunk() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    if !matches!(e, VirtError::WouldBlock) {
                        info!(port = %self.name, "line closed: {e}");
                        self.dead = true;
                        let _ = self.reports.push(LineReport::Closed);
                        self.notify.notify_one();
                    }
                    break;
                }
            };
            while let Some(s) = self.line.poll_signal() {
                self.input(now, Input::Line(s));
            }
            self.input(now, Input::Audio(chunk));
            self.timers(now);
            let out = match self.transmit() {
                Some(a) => {
                    self.from_path.pop_front();
                    a
                }
                None => self.from_path.pop_front().unwrap_or(SILENCE),
            };
            if let Err(e) = self.line.write_chunk(&out)
                && !matches!(e, VirtError::WouldBlock | VirtError::TxFull)
            {
                debug!(port = %self.name, "line write: {e}");
            }
            if self.to_path.len() >= ELASTIC {
                self.to_path.pop_front();
            }
            let mut a = ALAW_IDLE;
            Law::Alaw.encode(&chunk, &mut a);
            self.to_path.push_back(a);
            self.report(now);
        }
        if path.is_tdm(self.slot) {
            let c = self.to_path.pop_front().unwrap_or(ALAW_IDLE);
            let _ = path.tdm_rx(self.slot, &c);
        } else {
            self.to_path.clear();
        }
    }

    /// After the media path's tick: what the port's leg hears, for the line.
    pub(crate) fn tick_out(&mut self, heard: Option<&[u8; 8]>) {
        match heard {
            Some(h) => {
                if self.from_path.len() >= ELASTIC {
                    self.from_path.pop_front();
                }
                let mut lin = SILENCE;
                Law::Alaw.decode(h, &mut lin);
                self.from_path.push_back(lin);
            }
            None => self.from_path.clear(),
        }
    }
}

// ---- the async side: one task per port ----

/// What a port task tells the call engine.
#[derive(Debug)]
pub(crate) enum LineEv {
    /// A call from the port: FXS dialled `called`; FXO rang in (`called` = the route).
    Incoming {
        called: String,
        calling: Option<String>,
    },
    /// The port could not place the call of `leg`.
    OriginateFailed { leg: LegId, cause: Cause },
    /// FXS: the phone rings; FXO with answer supervision: dialling is complete and the
    /// exchange's answer is awaited (the no-answer timer runs, not the no-response one).
    Alerting,
    /// FXO: dialling is complete (in-band progress from the exchange follows).
    Progress,
    /// FXS: the phone picked up; FXO: dialling complete (the call counts as answered), or
    /// the exchange's polarity reversal with answer supervision.
    Answered,
    /// The call is over on the line.
    Ended { cause: Cause },
}

/// What the call engine tells a port task.
#[derive(Debug)]
pub(crate) enum ToLine {
    /// FXS: ring the phone (caller ID `calling`); FXO: seize and dial `called`.
    Originate {
        leg: LegId,
        called: String,
        calling: Option<String>,
    },
    /// Ringback to the phone that called (FXS).
    Alert,
    /// The far end answered (FXS: connect the phone) or the switch answers (FXO: off-hook).
    Answer,
    /// Clear the call.
    Hangup,
}

/// A running port task.
#[derive(Debug)]
pub(crate) struct LineTask {
    socket_path: PathBuf,
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl LineTask {
    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.join.await;
        let _ = std::fs::remove_file(&self.socket_path);
    }
}

/// What the control API shows of each port (`/status` → `ports`): written by the port
/// tasks (and the sound ports' start), read by the control API.
#[derive(Debug, Default)]
pub(crate) struct PortsStatus(Mutex<BTreeMap<u16, Value>>);

impl PortsStatus {
    fn set(&self, port: u16, v: Value) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(port, v);
    }

    /// Every configured port, by number.
    pub(crate) fn snapshot(&self) -> Value {
        let g = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Value::Array(g.values().cloned().collect())
    }
}

/// The name a port has in logs, the switch and the control API.
pub(crate) fn endpoint(p: &StoredLinePort) -> String {
    match p.config.kind {
        LinePortKind::Sound => format!("sound/{}", p.config.port),
        _ => format!("analog/{}", p.config.port),
    }
}

/// The switch trunk name of an FXO port.
pub(crate) fn trunk_name(p: &StoredLinePort) -> String {
    format!("fxo{}", p.config.port)
}

fn status_json(p: &StoredLinePort, line: &str, state: &str) -> Value {
    let c = &p.config;
    json!({
        "port": c.port,
        "name": endpoint(p),
        "kind": c.kind.as_str(),
        "device": c.device,
        "extension": c.extension,
        "route": c.route,
        "trunk_group": c.trunk_group,
        "line": line,
        "state": state,
    })
}

/// Opens port `p` (number `index` among the daemon's ports): a virtual line jack, or a DAHDI
/// channel. `Ok(None)` (logged) when the port cannot run here and the daemon goes on.
pub(crate) fn open(
    data_dir: &Path,
    index: usize,
    p: &StoredLinePort,
    media: &Arc<Media>,
    shared: Arc<Shared>,
    engine: mpsc::UnboundedSender<ToEngine>,
    orders: mpsc::UnboundedReceiver<ToLine>,
) -> Result<Option<LineTask>> {
    let c = &p.config;
    let name = endpoint(p);
    if let Some(ch) = c.device.strip_prefix("dahdi:") {
        let channo: u32 = ch.parse().context("dahdi channel number")?;
        shared
            .control
            .lines
            .set(c.port, status_json(p, "not opened", "down"));
        match tdm::dahdi::AnalogChannel::open(&tdm::dahdi::DeviceRoot::default(), channo) {
            Err(e) => error!(
                port = %name, kind = c.kind.as_str(), device = %c.device,
                "line port not opened: DAHDI channel {channo}: {e} (is DAHDI loaded and the card configured?); the rest of the box runs"
            ),
            Ok(_) => error!(
                port = %name, device = %c.device,
                "line port not opened: DAHDI channel {channo} exists, but this daemon drives only virtual analog lines yet"
            ),
        }
        return Ok(None);
    }
    let Some(rel) = c.device.strip_prefix("virt:") else {
        bail!("device {} is not virt: or dahdi:", c.device);
    };
    let path = data_dir.join(rel);
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
    info!(port = %name, kind = c.kind.as_str(), path = %path.display(), "virtual analog line jack listening");
    shared
        .control
        .lines
        .set(c.port, status_json(p, "waiting for the far end", "idle"));
    let (stop, stop_rx) = watch::channel(false);
    let port = Port {
        cfg: p.clone(),
        name,
        index,
        media: Arc::clone(media),
        shared,
        engine,
        orders,
        call: None,
        offhook: false,
    };
    let join = tokio::spawn(port.run(sock, stop_rx));
    Ok(Some(LineTask {
        socket_path: path,
        stop,
        join,
    }))
}

/// A span configured on DAHDI (`dahdi:N`): opened through `tdm::dahdi` to say plainly why
/// it cannot run here. Without DAHDI (no `/dev/dahdi`, the usual case on a box without a
/// card) that is an error naming the span; a span that does open is still not driven (the
/// media thread runs virtual E1 lines only), which is an error too. Either way the rest of
/// the box runs.
pub(crate) fn dahdi_span(name: &str, number: &str) {
    let Ok(n) = number.parse::<u32>() else {
        error!(span = %name, device = number, "span not opened: bad DAHDI span number");
        return;
    };
    match tdm::dahdi::DahdiSpan::open(&tdm::dahdi::DeviceRoot::default(), n) {
        Err(e) => error!(
            span = %name, dahdi_span = n,
            "span not opened: DAHDI span {n}: {e} (is DAHDI loaded and the card configured?); the rest of the box runs"
        ),
        Ok(s) => error!(
            span = %name, dahdi_span = n, description = ?s.description(),
            "span not opened: DAHDI span {n} exists, but this daemon drives only virtual E1 spans yet"
        ),
    }
}

/// The machine configuration of a port; FXS ports consult `shared`'s current dial plan.
fn machine(p: &StoredLinePort, shared: &Arc<Shared>) -> Result<Machine> {
    let c = &p.config;
    let country = match c.country {
        LineCountry::Cn => Country::China,
        LineCountry::Etsi => Country::Etsi,
        LineCountry::Na => Country::NorthAmerica,
        other => bail!("tone plan {} is not known to this daemon", other.as_str()),
    };
    let cid = match c.caller_id {
        CallerIdStandard::EtsiFsk => Some(CidSignalling::Fsk(FskStandard::V23)),
        CallerIdStandard::BellFsk => Some(CidSignalling::Fsk(FskStandard::Bell202)),
        CallerIdStandard::Dtmf => Some(CidSignalling::Dtmf),
        CallerIdStandard::None => None,
        other => bail!("caller ID {} is not known to this daemon", other.as_str()),
    };
    let cadence = RingCadence {
        on_ms: c.ring_on_ms,
        off_ms: c.ring_off_ms,
    };
    Ok(match c.kind {
        LinePortKind::Fxo => {
            let mut cfg = FxoConfig::for_country(country);
            cfg.cid_signalling = cid;
            cfg.cadence = cadence;
            cfg.answer_on_polarity = c.answer_on_polarity;
            Machine::Fxo(Box::new(Fxo::new(cfg).context("FXO configuration")?))
        }
        _ => {
            let mut cfg = FxsConfig::for_country(country);
            cfg.cid_signalling = cid;
            cfg.cadence = cadence;
            let mut m = Fxs::new(cfg);
            let plan = Arc::clone(&shared.fxs_dial_plan);
            m.set_dial_plan(move |digits: &str| plan.verdict(digits));
            Machine::Fxs(Box::new(m))
        }
    })
}

/// The call on a port, as its task sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallState {
    /// FXO: rings seen, not offered yet.
    Ringing,
    /// Offered to / placed by the switch.
    Up { answered: bool },
}

struct Port {
    cfg: StoredLinePort,
    name: String,
    index: usize,
    media: Arc<Media>,
    shared: Arc<Shared>,
    engine: mpsc::UnboundedSender<ToEngine>,
    orders: mpsc::UnboundedReceiver<ToLine>,
    call: Option<CallState>,
    offhook: bool,
}

impl Port {
    fn tell(&self, ev: LineEv) {
        let _ = self.engine.send(ToEngine::Line {
            port: self.index,
            ev,
        });
    }

    fn status(&self, line: &str) {
        let state = match (self.call, self.offhook) {
            (Some(CallState::Up { answered: true }), _) => "talking",
            (Some(CallState::Up { answered: false }), _) => "calling",
            (Some(CallState::Ringing), _) => "ringing",
            (None, true) => "off-hook",
            (None, false) => "idle",
        };
        self.shared
            .control
            .lines
            .set(self.cfg.config.port, status_json(&self.cfg, line, state));
    }

    /// Without a line: orders to place a call fail at once.
    fn refuse(&self, o: ToLine) {
        if let ToLine::Originate { leg, .. } = o {
            info!(port = %self.name, leg = leg.0, "no line: cannot place the call");
            self.tell(LineEv::OriginateFailed {
                leg,
                cause: Cause::NETWORK_OUT_OF_ORDER,
            });
        }
    }

    async fn run(mut self, listener: Socket, mut stop: watch::Receiver<bool>) {
        loop {
            let sock = loop {
                if *stop.borrow() {
                    return;
                }
                while let Ok(o) = self.orders.try_recv() {
                    self.refuse(o);
                }
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => warn!(port = %self.name, "accept: {e}"),
                }
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_POLL) => {}
                    _ = stop.changed() => {}
                }
            };
            let kind = match self.cfg.config.kind {
                LinePortKind::Fxo => PortKind::Fxo,
                _ => PortKind::Fxs,
            };
            let (line, machine) = match (
                VirtAnalogLine::new(sock, kind),
                machine(&self.cfg, &self.shared),
            ) {
                (Ok(l), Ok(m)) => (l, m),
                (Err(e), _) => {
                    warn!(port = %self.name, "line: {e}");
                    continue;
                }
                (_, Err(e)) => {
                    error!(port = %self.name, "line port not run: {e:#}");
                    return;
                }
            };
            let (otx, orx) = RingBuffer::new(QUEUE);
            let (rtx, mut rrx) = RingBuffer::new(QUEUE);
            let notify = Arc::new(Notify::new());
            let lm = LineMedia {
                name: self.name.clone(),
                slot: crate::media::LINE_BASE + self.index,
                machine,
                line,
                orders: orx,
                reports: rtx,
                notify: Arc::clone(&notify),
                to_path: VecDeque::with_capacity(ELASTIC + 1),
                from_path: VecDeque::with_capacity(ELASTIC + 1),
                dial: None,
                dead: false,
            };
            if !self.media.add_line(lm) {
                warn!(port = %self.name, "media thread did not take the port (queue full)");
                continue;
            }
            info!(port = %self.name, "far end connected to the analog line");
            self.status("connected");
            let mut otx = otx;
            let closed = self.drive(&mut stop, &mut otx, &mut rrx, &notify).await;
            if let Some(CallState::Up { .. }) = self.call.take() {
                self.tell(LineEv::Ended {
                    cause: Cause::TEMPORARY_FAILURE,
                });
            }
            self.offhook = false;
            self.status("waiting for the far end");
            if !closed {
                return;
            }
            info!(port = %self.name, "analog line closed by the far end; waiting for it again");
        }
    }

    /// Runs the port until its line closes (`true`) or the task stops (`false`).
    async fn drive(
        &mut self,
        stop: &mut watch::Receiver<bool>,
        otx: &mut Producer<LineOrder>,
        rrx: &mut Consumer<LineReport>,
        notify: &Arc<Notify>,
    ) -> bool {
        loop {
            if *stop.borrow() {
                let _ = otx.push(LineOrder::Hangup);
                return false;
            }
            while let Ok(r) = rrx.pop() {
                if matches!(r, LineReport::Closed) {
                    return true;
                }
                self.on_report(r, otx);
            }
            // The media thread notifies after pushing reports; a notification that comes
            // before this wait is kept as Notify's permit, so no poll is needed.
            tokio::select! {
                () = notify.notified() => {}
                _ = stop.changed() => {}
                o = self.orders.recv() => {
                    if let Some(o) = o {
                        self.on_order(o, otx);
                    }
                }
            }
        }
    }

    fn push(&self, otx: &mut Producer<LineOrder>, o: LineOrder) {
        if otx.push(o).is_err() {
            warn!(port = %self.name, "media thread queue full: order lost");
        }
    }

    fn on_order(&mut self, o: ToLine, otx: &mut Producer<LineOrder>) {
        let fxs = self.cfg.config.kind != LinePortKind::Fxo;
        match o {
            ToLine::Originate {
                leg,
                called,
                calling,
            } => {
                if self.call.is_some() || self.offhook {
                    info!(port = %self.name, leg = leg.0, "port busy");
                    self.tell(LineEv::OriginateFailed {
                        leg,
                        cause: Cause::USER_BUSY,
                    });
                    return;
                }
                self.call = Some(CallState::Up { answered: false });
                if fxs {
                    info!(port = %self.name, leg = leg.0, calling = calling.as_deref().unwrap_or(""), "ringing the phone");
                    let who = calling.as_deref().map(CallerInfo::number);
                    self.push(otx, LineOrder::Ring(who));
                } else {
                    info!(port = %self.name, leg = leg.0, called = %called, "seizing the line to dial");
                    self.offhook = true;
                    self.push(otx, LineOrder::Originate(called));
                }
            }
            ToLine::Alert => {
                if fxs {
                    self.push(otx, LineOrder::Ringback);
                }
            }
            ToLine::Answer => {
                if let Some(CallState::Up { answered }) = &mut self.call {
                    *answered = true;
                }
                if !fxs {
                    self.offhook = true;
                }
                self.push(otx, LineOrder::Answer);
            }
            ToLine::Hangup => {
                debug!(port = %self.name, "cleared by the switch");
                self.call = None;
                if !fxs {
                    self.offhook = false;
                }
                self.push(otx, LineOrder::Hangup);
            }
        }
        self.status("connected");
    }

    fn offer(&mut self, calling: Option<String>) {
        let route = self.cfg.config.route.clone().unwrap_or_default();
        info!(port = %self.name, route = %route, calling = calling.as_deref().unwrap_or(""), "incoming call on the analog line");
        self.call = Some(CallState::Up { answered: false });
        self.tell(LineEv::Incoming {
            called: route,
            calling,
        });
    }

    fn on_report(&mut self, r: LineReport, otx: &mut Producer<LineOrder>) {
        match r {
            LineReport::Fxs(e) => {
                debug!(port = %self.name, "fxs: {e:?}");
                match e {
                    FxsEvent::OffHook => self.offhook = true,
                    FxsEvent::Dialed { number } => {
                        let number = number.trim_end_matches('#').to_owned();
                        if self.call.is_none() {
                            info!(port = %self.name, number = %number, "the phone dialled");
                            self.call = Some(CallState::Up { answered: false });
                            self.tell(LineEv::Incoming {
                                called: number,
                                calling: self.cfg.config.extension.clone(),
                            });
                        }
                    }
                    FxsEvent::RingOn { count: 1 } => self.tell(LineEv::Alerting),
                    FxsEvent::Answered => {
                        self.offhook = true;
                        if let Some(CallState::Up { answered }) = &mut self.call {
                            *answered = true;
                            info!(port = %self.name, "the phone answered");
                            self.tell(LineEv::Answered);
                        }
                    }
                    FxsEvent::OnHook => {
                        self.offhook = false;
                        if self.call.take().is_some() {
                            info!(port = %self.name, "the phone hung up");
                            self.tell(LineEv::Ended {
                                cause: Cause::NORMAL_CLEARING,
                            });
                        }
                    }
                    FxsEvent::Flash => info!(port = %self.name, "hook flash (not used yet)"),
                    FxsEvent::CallerIdSent => info!(port = %self.name, "caller ID sent"),
                    _ => {}
                }
            }
            LineReport::Fxo(e) => {
                debug!(port = %self.name, "fxo: {e:?}");
                match e {
                    FxoEvent::Ring { count, .. } => {
                        if self.call.is_none() {
                            self.call = Some(CallState::Ringing);
                        }
                        if count >= 2 && self.call == Some(CallState::Ringing) {
                            self.offer(None);
                        }
                    }
                    FxoEvent::CallerId(who) => {
                        info!(port = %self.name, number = who.number.as_deref().unwrap_or(""), "caller ID received");
                        if matches!(self.call, None | Some(CallState::Ringing)) {
                            self.offer(who.number);
                        }
                    }
                    FxoEvent::RingingStopped => {
                        if let Some(CallState::Up { answered: false }) = self.call.take() {
                            info!(port = %self.name, "the caller gave up");
                            self.tell(LineEv::Ended {
                                cause: Cause::NORMAL_CLEARING,
                            });
                        }
                    }
                    FxoEvent::DialComplete => {
                        if let Some(CallState::Up { answered: false }) = self.call {
                            if self.cfg.config.answer_on_polarity {
                                // Answer supervision: the exchange's reversal answers (below);
                                // meanwhile the call alerts (no-answer timer) and the caller
                                // hears the line's ringback in-band.
                                info!(port = %self.name, "dialling complete: waiting for the exchange's answer (polarity reversal)");
                                self.tell(LineEv::Alerting);
                                self.tell(LineEv::Progress);
                            } else {
                                self.tell(LineEv::Progress);
                                self.call = Some(CallState::Up { answered: true });
                                info!(port = %self.name, "dialling complete: the call counts as answered");
                                self.tell(LineEv::Answered);
                            }
                        }
                    }
                    FxoEvent::Answered => {
                        if let Some(CallState::Up { answered: false }) = self.call {
                            self.call = Some(CallState::Up { answered: true });
                            info!(port = %self.name, "the far end answered (polarity reversal)");
                            self.tell(LineEv::Answered);
                        }
                    }
                    FxoEvent::Disconnected(why) => {
                        info!(port = %self.name, reason = why.name(), "the exchange cleared the line");
                        self.offhook = false;
                        if self.call.take().is_some() {
                            self.tell(LineEv::Ended {
                                cause: Cause::NORMAL_CLEARING,
                            });
                        }
                        self.push(otx, LineOrder::Hangup);
                    }
                    _ => {}
                }
            }
            LineReport::Closed => {}
        }
        self.status("connected");
    }
}

// ---- the call engine's side ----

/// A port as the call engine knows it.
#[derive(Debug)]
pub(crate) struct EnginePort {
    kind: LinePortKind,
    endpoint: String,
    trunk: Option<String>,
    tx: mpsc::UnboundedSender<ToLine>,
}

/// The engine's registry of line ports and their legs (one call per port).
#[derive(Debug, Default)]
pub(crate) struct Lines {
    ports: Vec<EnginePort>,
    legs: HashMap<usize, LegId>,
    /// The engine's own queue: a sound port's answer comes back through it.
    engine: Option<mpsc::UnboundedSender<ToEngine>>,
}

/// What `/status` shows of a sound port.
pub(crate) fn sound_status(shared: &Shared, p: &StoredLinePort, line: &str) {
    shared
        .control
        .lines
        .set(p.config.port, status_json(p, line, "idle"));
}

impl Lines {
    /// Registers port number `index` with its order channel.
    pub(crate) fn add(&mut self, p: &StoredLinePort, tx: mpsc::UnboundedSender<ToLine>) {
        self.ports.push(EnginePort {
            kind: p.config.kind,
            endpoint: endpoint(p),
            trunk: (p.config.kind == LinePortKind::Fxo).then(|| trunk_name(p)),
            tx,
        });
    }

    /// The engine's own queue (sound ports answer through it).
    pub(crate) fn set_engine(&mut self, tx: mpsc::UnboundedSender<ToEngine>) {
        self.engine = Some(tx);
    }

    /// `false` when the port has no task (not opened: a DAHDI port without DAHDI).
    fn send(&self, port: usize, o: ToLine) -> bool {
        self.ports.get(port).is_some_and(|p| p.tx.send(o).is_ok())
    }

    /// The port a leg is on.
    fn port_of(&self, leg: LegId) -> Option<usize> {
        self.legs.iter().find(|(_, l)| **l == leg).map(|(p, _)| *p)
    }
}

fn kind_of(k: LinePortKind) -> ChannelKind {
    match k {
        LinePortKind::Fxo => ChannelKind::AnalogFxo,
        LinePortKind::Sound => ChannelKind::SoundCard,
        // FXS, and a kind a later store may add: opened as FXS (`Port::run`, `machine`).
        _ => ChannelKind::AnalogFxs,
    }
}

/// A port task's news, on the engine's task.
pub(crate) fn on_event(e: &mut Engine, port: usize, ev: LineEv) {
    let Some(p) = e.lines().ports.get(port) else {
        return;
    };
    let (kind, endpoint) = (p.kind, p.endpoint.clone());
    let leg = e.lines().legs.get(&port).copied();
    match ev {
        LineEv::Incoming { called, calling } => {
            if !e.accepting() {
                info!(port = %endpoint, "call refused: draining");
                let _ = e.lines().send(port, ToLine::Hangup);
                return;
            }
            let leg = e.switch().allocate_leg();
            let slot = crate::media::LINE_BASE + port;
            e.media_ctl(Ctl::AttachTdm { slot, leg });
            e.add_line_leg(leg, port, slot, true, endpoint.clone());
            e.lines().legs.insert(port, leg);
            e.sip_input(switch::LegEvent::Incoming {
                leg,
                kind: kind_of(kind),
                endpoint,
                origin: if kind == LinePortKind::Fxo {
                    OriginClass::Trunk
                } else {
                    OriginClass::Extension
                },
                called,
                calling: CallingParty {
                    number: calling,
                    presentation: Presentation::Allowed,
                },
            });
        }
        LineEv::OriginateFailed { leg, cause } => {
            e.lines().legs.retain(|_, l| *l != leg);
            e.sip_input(switch::LegEvent::Hangup { leg, cause });
            e.forget(leg);
        }
        LineEv::Alerting => {
            if let Some(leg) = leg {
                e.sip_input(switch::LegEvent::Alerting { leg });
            }
        }
        LineEv::Progress => {
            if let Some(leg) = leg {
                e.sip_input(switch::LegEvent::Progress { leg });
            }
        }
        LineEv::Answered => {
            if let Some(leg) = leg {
                e.sip_input(switch::LegEvent::Answered { leg });
            }
        }
        LineEv::Ended { cause } => {
            if let Some(leg) = e.lines().legs.remove(&port) {
                e.sip_input(switch::LegEvent::Hangup { leg, cause });
                e.forget(leg);
            }
        }
    }
}

/// The switch's order for a leg on a line port: [`ToLine::Alert`] (the switch's alerting
/// and its in-band progress alike: the phone hears ringback) or [`ToLine::Answer`].
pub(crate) fn signal(e: &mut Engine, leg: LegId, o: ToLine) {
    if let Some(port) = e.lines().port_of(leg) {
        let _ = e.lines().send(port, o);
    }
}

/// The switch clears a leg on a line port.
pub(crate) fn hangup(e: &mut Engine, leg: LegId) {
    if let Some(port) = e.lines().port_of(leg) {
        e.lines().legs.remove(&port);
        let _ = e.lines().send(port, ToLine::Hangup);
    }
    e.forget(leg);
}

/// `Originate` toward a line port: `None` when the order went out, else the cause to clear
/// the leg with.
pub(crate) fn originate(
    e: &mut Engine,
    leg: LegId,
    destination: &Destination,
    called: &str,
    calling: Option<&str>,
) -> Option<Cause> {
    let port = {
        let l = e.lines();
        match destination {
            Destination::Extension { endpoint, .. } => {
                l.ports.iter().position(|p| &p.endpoint == endpoint)
            }
            Destination::Trunk { trunk, .. } => l
                .ports
                .iter()
                .position(|p| p.trunk.as_deref() == Some(trunk.as_str())),
        }
    };
    let Some(port) = port else {
        warn!(
            leg = leg.0,
            ?destination,
            "no line port for this destination"
        );
        return Some(Cause::NO_CIRCUIT_AVAILABLE);
    };
    if e.lines().legs.contains_key(&port) {
        return Some(Cause::USER_BUSY);
    }
    let endpoint = e.lines().ports[port].endpoint.clone();
    let slot = crate::media::LINE_BASE + port;
    e.media_ctl(Ctl::AttachTdm { slot, leg });
    e.add_line_leg(leg, port, slot, false, endpoint);
    e.lines().legs.insert(port, leg);
    if e.lines().ports[port].kind == LinePortKind::Sound {
        // A sound card answers at once (on the engine's next turn).
        info!(port = %e.lines().ports[port].endpoint, leg = leg.0, "sound card answers");
        if let Some(tx) = &e.lines().engine {
            let _ = tx.send(ToEngine::Line {
                port,
                ev: LineEv::Answered,
            });
        }
        return None;
    }
    let sent = e.lines().send(
        port,
        ToLine::Originate {
            leg,
            called: called.to_owned(),
            calling: calling.map(str::to_owned),
        },
    );
    if sent {
        return None;
    }
    info!(
        leg = leg.0,
        port, "line port not running: cannot place the call"
    );
    e.lines().legs.remove(&port);
    e.forget(leg);
    Some(Cause::NETWORK_OUT_OF_ORDER)
}
