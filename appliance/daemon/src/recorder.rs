//! Call recording and voicemail messages (issues 5 and 6): the switch's recording commands
//! carried out.
//!
//! Three parts, one per thread:
//! 1. **Engine side** ([`Recorder`], in the call engine's task): a bridge's
//!    [`MediaCommand::Record`] `Start` (from the recording policy when an agent answers a
//!    queue call, or from the recording control endpoint) opens a recording of the bridge's
//!    first two legs; `Stop`, the bridge coming apart or a leg ending closes it.
//!    `Pause`/`Resume` need nothing here: the media path stops tapping a paused slot.
//!    [`switch::Command::RecordLeg`] (a voicemail message) opens a recording of one leg;
//!    [`callcenter::Event::VoicemailRecorded`] turns it into a message row.
//! 2. **Media thread side** ([`Taps`]): after each 1 ms tick it copies what each tapped
//!    leg said ([`switch::media::MediaPath::record_tap`], the slot's received audio) into
//!    one bounded lock-free SPSC queue ([`rtrb`]) of fixed-size [`Frame`]s: no file I/O and
//!    no allocation on the real-time thread (the taps' table is allocated once). A paused
//!    millisecond is queued as a silent frame marked paused; a full queue drops the frame
//!    (counted in `appliance_media_queue_full_total`).
//! 3. **Writer thread** (`recorder`, a plain std thread): pops the frames, writes WAV files
//!    with [`hound`] under `DATA/recordings/`, and when a recording ends indexes it in the
//!    store (`recordings` row: call, legs, agent, queue, start, duration, paused segments,
//!    retention; a voicemail also gets its `voicemails` row). It also runs the retention
//!    sweep: recordings past their `retain_until` lose their file and their row.
//!
//! **Files.** A call recording is one **stereo** WAV (8 kHz, 16-bit PCM): left = the
//! first leg of the bridge (the caller), right = the second (the agent or callee). One
//! file keeps both sides in sync for playback in the panel and in any player, while QA can
//! still listen to one side alone. A voicemail message is mono (the caller only). Paused
//! parts are written as silence, so the file's timeline is the call's and the row's
//! `paused` segments (ms offsets) point into the file. Names: `<call id>-<n>.wav` and
//! `vm-<call id>-<n>.wav`.
//!
//! **Policy.** `store::recordings::RecordingPolicy` (the `settings` table): queues whose
//! answered calls are recorded (`*` = all) and the retention in days, read when a
//! recording opens (changes apply to the next recording).
//!
//! **Control.** `POST /recording` on the daemon's HTTP port, loopback only like the
//! control API: `{"agent": "2001", "action": "pause"}` (the agent's current call) or
//! `{"call": "<call id>", …}`; actions `start`, `stop`, `pause`, `resume`.
//!
//! What this is not: no mixing of conferences (a three-party bridge records its first two
//! legs), no encryption of the files.
//!
//! **Voicemail silence.** A voicemail message also ends after `voicemail_silence_s`
//! seconds (store setting, default 5, 0 = never; read at start and on SIGHUP) in which the
//! caller's audio stayed below [`SILENCE_DBM0`]: the writer, which sees the audio, measures
//! each 1 ms frame (`media_dsp::level::mean_power`) and tells the engine once
//! ([`ToEngine::VoicemailSilent`]); the call center then ends the message as on `#`. The
//! silence itself stays at the end of the file.

use std::collections::HashMap;
use std::io::BufWriter;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc as smpsc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rtrb::{Consumer, Producer};
use serde_json::{Value, json};
use store::Store;
use store::recordings::{Legs, Recording, Voicemail};
use switch::engine::{BridgeId, CallId, LegEvent, LegId, MediaCommand, RecordAction};
use switch::media::{CHUNK, MediaPath};
use tokio::sync::oneshot;
use tracing::{info, warn};

use crate::Shared;
use crate::calls::{Engine, ToEngine};
use crate::clock::Clock;
use crate::media::Ctl;
use crate::metrics::Metrics;

/// Recordings (and voicemail messages) open at once.
pub(crate) const MAX_TAPS: usize = 64;
/// Frames (1 ms each) the queue from the media thread to the writer holds: 16 s of one
/// recording, 256 ms with all [`MAX_TAPS`] open, while the writer empties it every
/// [`WRITER_IDLE`].
pub(crate) const FRAMES: usize = 1 << 14;
/// Below this level (dBm0, per 1 ms frame) a voicemail caller counts as silent: the idle
/// A-law pattern is about -66 dBm0, quiet speech -40 dBm0 and up.
pub(crate) const SILENCE_DBM0: f32 = -50.0;
/// How long the writer sleeps when the queue is empty.
const WRITER_IDLE: Duration = Duration::from_millis(10);
/// How often open files get a valid header (a crash loses at most this much).
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// How often the retention sweep runs (and once at start).
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// Recordings one sweep pass deletes at most (one transaction).
const SWEEP_PAGE: u32 = 200;
/// When the next pass runs while expired recordings remain.
const SWEEP_AGAIN: Duration = Duration::from_secs(1);
/// The file name marker of the `BridgeId` a voicemail tap passes to the media path.
const LEG_BRIDGE: BridgeId = BridgeId(u32::MAX);

/// One millisecond of a recording, from the media thread to the writer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    rec: u32,
    kind: FrameKind,
    left: [i16; CHUNK],
    right: [i16; CHUNK],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Audio,
    Paused,
    End,
}

/// A tap in the media thread: the slots of the legs recorded.
#[derive(Debug, Clone, Copy)]
struct Tap {
    rec: u32,
    slots: [Option<(usize, LegId)>; 2],
    ending: bool,
}

/// The media thread's side: the open taps and the queue's producer.
#[derive(Debug)]
pub(crate) struct Taps {
    taps: Vec<Option<Tap>>,
    /// Recordings refused a tap (every tap busy) whose end marker is still to be queued
    /// (the queue was full); allocated once with room for [`MAX_TAPS`].
    refused: Vec<u32>,
    tx: Producer<Frame>,
}

impl Taps {
    /// The taps' table (allocated here, once) and the producer of the writer's queue.
    pub(crate) fn new(tx: Producer<Frame>) -> Self {
        Self {
            taps: vec![None; MAX_TAPS],
            refused: Vec::with_capacity(MAX_TAPS),
            tx,
        }
    }

    /// Starts tapping: `slots` are the legs' media slots (first = left channel).
    pub(crate) fn tap(&mut self, rec: u32, slots: [Option<(usize, LegId)>; 2]) {
        match self.taps.iter_mut().find(|t| t.is_none()) {
            Some(t) => {
                *t = Some(Tap {
                    rec,
                    slots,
                    ending: false,
                });
            }
            None => {
                warn!(rec, "media: every recording tap is in use; not recorded");
                // The writer opened the file already: its end marker closes it (and, with
                // no audio in it, drops it).
                if self.tx.push(end_frame(rec)).is_err() && self.refused.len() < MAX_TAPS {
                    self.refused.push(rec);
                }
            }
        }
    }

    /// Stops tapping: the end marker follows the last frame.
    pub(crate) fn untap(&mut self, rec: u32) {
        for t in self.taps.iter_mut().flatten() {
            if t.rec == rec {
                t.ending = true;
            }
        }
    }

    /// After the path's tick: one frame per open tap, or its end marker.
    pub(crate) fn tick(&mut self, path: &MediaPath, legs: &[Option<LegId>], metrics: &Metrics) {
        while let Some(&rec) = self.refused.last() {
            if self.tx.push(end_frame(rec)).is_err() {
                break;
            }
            self.refused.pop();
        }
        for t in &mut self.taps {
            let Some(tap) = t.as_mut() else { continue };
            if tap.ending {
                // The end marker must arrive: retried next tick when the queue is full.
                if self.tx.push(end_frame(tap.rec)).is_ok() {
                    *t = None;
                }
                continue;
            }
            let said = |s: Option<(usize, LegId)>| {
                let (slot, leg) = s?;
                if legs.get(slot).copied().flatten() != Some(leg) {
                    return None;
                }
                path.record_tap(slot).map(|(up, _)| *up)
            };
            let (l, r) = (said(tap.slots[0]), said(tap.slots[1]));
            let kind = if l.is_none() && r.is_none() {
                FrameKind::Paused
            } else {
                FrameKind::Audio
            };
            let f = Frame {
                rec: tap.rec,
                kind,
                left: l.unwrap_or([0; CHUNK]),
                right: r.unwrap_or([0; CHUNK]),
            };
            if self.tx.push(f).is_err() {
                metrics.media_queue_full.inc();
            }
        }
    }
}

/// The end marker of recording `rec`.
/// The file name of recording `rec` of `call_id` (a voicemail message when `vm`).
fn file_name(rec: u32, call_id: &str, vm: bool) -> String {
    let name = if call_id.is_empty() { "call" } else { call_id };
    if vm {
        format!("vm-{name}-{rec}.wav")
    } else {
        format!("{name}-{rec}.wav")
    }
}

const fn end_frame(rec: u32) -> Frame {
    Frame {
        rec,
        kind: FrameKind::End,
        left: [0; CHUNK],
        right: [0; CHUNK],
    }
}

/// What the engine tells the writer.
#[derive(Debug)]
enum ToWriter {
    /// A recording opens: its file and its row (duration and pauses filled in at the end).
    Open {
        rec: u32,
        path: PathBuf,
        channels: u16,
        row: Box<Recording>,
        /// The voicemail leg and its silence limit (ms), when silence ends it.
        silence: Option<(LegId, u32)>,
    },
    /// The recording is a voicemail message: stored with this row when it ends.
    Voicemail { rec: u32, vm: Box<Voicemail> },
    /// The media thread never got the recording's tap: its file is removed, nothing indexed.
    Discard { rec: u32 },
}

/// An open recording in the engine.
#[derive(Debug)]
struct Open {
    rec: u32,
    legs: Vec<LegId>,
    bridge: Option<BridgeId>,
}

/// The engine's side of recording (see the module docs).
#[derive(Debug)]
pub(crate) struct Recorder {
    dir: PathBuf,
    tx: smpsc::Sender<ToWriter>,
    next: u32,
    open: Vec<Open>,
    /// Queue and agent of queue calls, for the recording rows.
    queue_calls: HashMap<CallId, (String, String)>,
    /// The recording policy, read at start and at every reload (never on the engine task).
    policy: store::recordings::RecordingPolicy,
    /// Recordings whose untap did not fit in the media thread's order queue: tried again.
    untap_later: Vec<u32>,
    /// Silence that ends a voicemail message (ms; 0 = never), from the store setting.
    vm_silence_ms: u32,
}

/// Starts the writer thread with its own connection to `db`; `dir` is the data directory
/// (files go to `dir/recordings`). Reads the recording policy once here.
///
/// # Errors
/// The recordings directory cannot be made, the store cannot be opened, or the thread
/// cannot start.
pub(crate) fn start(
    dir: &Path,
    db: &Path,
    frames: Consumer<Frame>,
    engine: tokio::sync::mpsc::WeakUnboundedSender<ToEngine>,
) -> anyhow::Result<Recorder> {
    let dir = std::fs::canonicalize(dir)?.join("recordings");
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(db)?;
    let policy = store.recording_policy().unwrap_or_else(|e| {
        warn!("recording policy: {e}; nothing recorded by policy");
        store::recordings::RecordingPolicy::default()
    });
    let vm_silence_s = store.voicemail_silence_s().unwrap_or_else(|e| {
        warn!("voicemail silence setting: {e}; the default used");
        store::vmsettings::DEFAULT_SILENCE_S
    });
    let (tx, rx) = smpsc::channel();
    std::thread::Builder::new()
        .name("recorder".into())
        .spawn(move || writer(store, frames, &rx, &engine))?;
    info!(dir = %dir.display(), "recordings directory");
    Ok(Recorder {
        dir,
        tx,
        next: 0,
        open: Vec::new(),
        queue_calls: HashMap::new(),
        policy,
        untap_later: Vec::new(),
        vm_silence_ms: vm_silence_s.saturating_mul(1000),
    })
}

impl Recorder {
    /// The voicemail silence limit from now on (s; 0 = never; a reload read it).
    pub(crate) fn set_voicemail_silence(&mut self, secs: u32) {
        info!(secs, "voicemail silence limit");
        self.vm_silence_ms = secs.saturating_mul(1000);
    }

    /// The policy from now on (a reload read it).
    pub(crate) fn set_policy(&mut self, p: store::recordings::RecordingPolicy) {
        info!(queues = ?p.queues, retain_days = ?p.retain_days, "recording policy");
        self.policy = p;
    }

    fn open(
        &mut self,
        call: Option<CallId>,
        call_id: &str,
        legs: Vec<LegId>,
        bridge: Option<BridgeId>,
    ) -> u32 {
        self.next = self.next.wrapping_add(1);
        let rec = self.next;
        let vm = bridge.is_none();
        let name = if call_id.is_empty() { "call" } else { call_id };
        let path = self.dir.join(file_name(rec, call_id, vm));
        let now = Clock::wall_now();
        let (queue, agent) = call
            .and_then(|c| self.queue_calls.get(&c))
            .map_or((None, None), |(q, a)| (Some(q.clone()), Some(a.clone())));
        let row = Recording {
            id: 0,
            call_id: name.to_owned(),
            path: path.to_string_lossy().into_owned(),
            legs: if vm { Legs::Caller } else { Legs::Both },
            started: now,
            duration_ms: 0,
            paused: Vec::new(),
            retain_until: self
                .policy
                .retain_days
                .map(|d| store::Timestamp(now.0 + i64::from(d) * 86_400_000_000)),
            agent,
            queue,
        };
        info!(rec, call = name, path = %path.display(), legs = legs.len(), "recording started");
        // A voicemail message (one leg) ends on silence.
        let silence = match legs[..] {
            [leg] if vm && self.vm_silence_ms > 0 => Some((leg, self.vm_silence_ms)),
            _ => None,
        };
        let _ = self.tx.send(ToWriter::Open {
            rec,
            path,
            channels: if vm { 1 } else { 2 },
            row: Box::new(row),
            silence,
        });
        self.open.push(Open { rec, legs, bridge });
        rec
    }

    /// Closes recordings matching `f`; returns their numbers (the media thread is told).
    fn close(&mut self, f: impl Fn(&Open) -> bool) -> Vec<u32> {
        let (gone, keep): (Vec<_>, Vec<_>) = self.open.drain(..).partition(|o| f(o));
        self.open = keep;
        gone.into_iter().map(|o| o.rec).collect()
    }
}

/// The engine's hooks (called from [`crate::calls`]).
impl Engine {
    fn untap(&mut self, recs: Vec<u32>) {
        for rec in recs {
            info!(rec, "recording stopped");
            self.untap_one(rec);
        }
    }

    /// Tells the media thread to stop tapping `rec`; kept for a retry
    /// ([`Self::rec_retry_untaps`]) when its order queue is full, since only the media
    /// thread's end marker closes the file.
    fn untap_one(&mut self, rec: u32) {
        if !self.media_ctl(Ctl::Untap { rec })
            && let Some(r) = self.recorder_mut()
        {
            warn!(
                rec,
                "media order queue full: the recording's stop is tried again"
            );
            r.untap_later.push(rec);
        }
    }

    /// Untaps that did not fit in the media thread's queue, tried again (each pass of the
    /// engine's loop, at least once a second).
    pub(crate) fn rec_retry_untaps(&mut self) {
        let Some(r) = self.recorder_mut() else { return };
        if r.untap_later.is_empty() {
            return;
        }
        let recs = std::mem::take(&mut r.untap_later);
        for rec in recs {
            self.untap_one(rec);
        }
    }

    /// Asks the media thread to tap `rec`; when its order queue is full the recording is
    /// given up (the writer removes its file) rather than left open without a tap.
    fn tap(&mut self, rec: u32, slots: [Option<(usize, LegId)>; 2]) {
        if self.media_ctl(Ctl::Tap { rec, slots }) {
            return;
        }
        warn!(rec, "media order queue full: recording not started");
        if let Some(r) = self.recorder_mut() {
            r.open.retain(|o| o.rec != rec);
            let _ = r.tx.send(ToWriter::Discard { rec });
        }
    }

    fn records_queue(&mut self, queue: &str) -> bool {
        self.recorder_mut()
            .is_some_and(|r| r.policy.records_queue(queue))
    }

    /// A media command on its way to the media thread: bridge recordings open and close.
    pub(crate) fn rec_media(&mut self, m: &MediaCommand) {
        if self.recorder_mut().is_none() {
            return;
        }
        match m {
            MediaCommand::Record {
                bridge,
                legs,
                action: RecordAction::Start,
            } => {
                let call = legs
                    .first()
                    .and_then(|l| self.switch().switch().call_of(*l));
                let call_id = legs.first().map(|l| self.call_id(*l)).unwrap_or_default();
                let slots =
                    [0, 1].map(|i| legs.get(i).and_then(|l| self.slot_of(*l).map(|s| (s, *l))));
                let Some(r) = self.recorder_mut() else { return };
                let rec = r.open(call, &call_id, legs.clone(), Some(*bridge));
                let file = file_name(rec, &call_id, false);
                self.tap(rec, slots);
                // The CTI model puts the recording into the call's interaction records
                // (its file name: unique in the index, and what the recordings page shows).
                if let Some(c) = call {
                    let now = self.now();
                    self.switch().recording_started(now, c, file);
                }
            }
            MediaCommand::Record {
                bridge,
                action: RecordAction::Stop,
                ..
            }
            | MediaCommand::Unbridge { bridge } => {
                let b = *bridge;
                let recs = self
                    .recorder_mut()
                    .map(|r| r.close(|o| o.bridge == Some(b)))
                    .unwrap_or_default();
                self.untap(recs);
            }
            _ => {}
        }
    }

    /// [`switch::Command::RecordLeg`]: a voicemail message starts or ends.
    pub(crate) fn rec_leg(&mut self, leg: LegId, action: RecordAction) {
        if self.recorder_mut().is_none() {
            warn!(leg = leg.0, "voicemail: no recorder; not recorded");
            return;
        }
        // The media path taps a slot only while its record flag is set.
        self.media_ctl(Ctl::Switch(MediaCommand::Record {
            bridge: LEG_BRIDGE,
            legs: vec![leg],
            action,
        }));
        match action {
            RecordAction::Start => {
                let call = self.switch().switch().call_of(leg);
                let call_id = self.call_id(leg);
                let slots = [self.slot_of(leg).map(|s| (s, leg)), None];
                let Some(r) = self.recorder_mut() else { return };
                let rec = r.open(call, &call_id, vec![leg], None);
                self.tap(rec, slots);
            }
            RecordAction::Stop => {
                let recs = self
                    .recorder_mut()
                    .map(|r| r.close(|o| o.bridge.is_none() && o.legs == [leg]))
                    .unwrap_or_default();
                self.untap(recs);
            }
            RecordAction::Pause | RecordAction::Resume => {}
        }
    }

    /// The leg is gone: recordings it was part of end.
    pub(crate) fn rec_leg_gone(&mut self, leg: LegId) {
        let recs = self
            .recorder_mut()
            .map(|r| r.close(|o| o.legs.contains(&leg)))
            .unwrap_or_default();
        if !recs.is_empty() {
            self.media_ctl(Ctl::Switch(MediaCommand::Record {
                bridge: LEG_BRIDGE,
                legs: vec![leg],
                action: RecordAction::Stop,
            }));
        }
        self.untap(recs);
    }

    /// The call is over: its queue facts are forgotten.
    pub(crate) fn rec_call_over(&mut self, call: CallId) {
        if let Some(r) = self.recorder_mut() {
            r.queue_calls.remove(&call);
        }
    }

    /// An agent answered a queue call (`queue_connect`): the row's queue and agent, and the
    /// recording policy's rule for the queue.
    pub(crate) fn rec_queue_connect(&mut self, raw_call: &str, queue: &str, agent: &str) {
        let Ok(n) = raw_call.parse::<u32>() else {
            return;
        };
        let call = CallId(n);
        let Some(r) = self.recorder_mut() else { return };
        r.queue_calls
            .insert(call, (queue.to_owned(), agent.to_owned()));
        if !self.records_queue(queue) {
            return;
        }
        let Some(leg) = self.bridged_leg_of(call) else {
            warn!(
                call = n,
                queue, "recording policy: the call has no bridge to record"
            );
            return;
        };
        let now = self.now();
        // Inside the engine's pump: the commands this queues are carried out by it.
        match self.switch().handle_input(
            now,
            LegEvent::Record {
                leg,
                action: RecordAction::Start,
            },
        ) {
            Ok(()) => info!(call = n, queue, agent, "recording by policy"),
            Err(e) => warn!(call = n, queue, "recording by policy refused: {e}"),
        }
    }

    /// A voicemail message was recorded: the open recording of `leg` becomes a message.
    pub(crate) fn rec_voicemail(&mut self, leg: LegId, vm: Voicemail, queue: Option<String>) {
        let Some(r) = self.recorder_mut() else { return };
        let Some(o) = r
            .open
            .iter()
            .find(|o| o.bridge.is_none() && o.legs == [leg])
        else {
            warn!(leg = leg.0, mailbox = %vm.mailbox, "voicemail: no recording open for the leg");
            return;
        };
        let rec = o.rec;
        let mut vm = vm;
        vm.queue = queue;
        let _ = r.tx.send(ToWriter::Voicemail {
            rec,
            vm: Box::new(vm),
        });
    }

    /// A bridged leg of `call` (the first by id).
    fn bridged_leg_of(&mut self, call: CallId) -> Option<LegId> {
        let sw = self.switch().switch();
        sw.bridges()
            .flat_map(|(_, legs)| legs.iter().copied())
            .find(|l| sw.call_of(*l) == Some(call))
    }

    /// A request of the recording control endpoint.
    pub(crate) fn rec_request(&mut self, req: RecRequest) {
        let r = self.rec_request_inner(&req.target, req.action);
        let _ = req.reply.send(r);
    }

    fn rec_request_inner(
        &mut self,
        target: &Target,
        action: RecordAction,
    ) -> Result<Value, RecError> {
        let leg = match target {
            Target::Agent(a) => {
                let ext = self
                    .switch()
                    .config()
                    .agents
                    .iter()
                    .find(|x| &x.number == a)
                    .map(|x| x.extension.clone())
                    .ok_or(RecError::NoSuchAgent)?;
                let want = format!("sip/{ext}");
                let legs = self.leg_endpoints();
                legs.into_iter()
                    .filter(|(_, e)| *e == want)
                    .map(|(l, _)| l)
                    .find(|l| self.switch().switch().bridge_of(*l).is_some())
                    .ok_or(RecError::NoCall)?
            }
            Target::Call(id) => {
                let legs = self.leg_endpoints();
                legs.into_iter()
                    .map(|(l, _)| l)
                    .find(|l| {
                        self.call_id(*l) == *id && self.switch().switch().bridge_of(*l).is_some()
                    })
                    .ok_or(RecError::NoCall)?
            }
        };
        let call = self.call_id(leg);
        let now = self.now();
        self.switch()
            .handle_input(now, LegEvent::Record { leg, action })
            .map_err(|_| RecError::State)?;
        self.pump_now();
        info!(call = %call, ?action, "recording control");
        Ok(json!({"call": call, "action": action_name(action)}))
    }
}

const fn action_name(a: RecordAction) -> &'static str {
    match a {
        RecordAction::Start => "start",
        RecordAction::Stop => "stop",
        RecordAction::Pause => "pause",
        RecordAction::Resume => "resume",
    }
}

// ------------------------------------------------------------------ the writer thread

/// A file being written.
struct Active {
    w: Option<hound::WavWriter<BufWriter<std::fs::File>>>,
    channels: u16,
    ms: i64,
    pause_from: Option<i64>,
    row: Recording,
    vm: Option<Voicemail>,
    silence: Option<Silence>,
}

/// A voicemail message's silence watch.
struct Silence {
    leg: LegId,
    limit_ms: u32,
    quiet_ms: u32,
    told: bool,
}

impl Silence {
    /// Counts one frame; true once, when the silence reaches the limit.
    fn frame(&mut self, samples: &[i16]) -> bool {
        let limit = media_dsp::level::rms_for_dbm0(SILENCE_DBM0);
        if media_dsp::level::mean_power(samples) < limit * limit {
            self.quiet_ms = self.quiet_ms.saturating_add(1);
        } else {
            self.quiet_ms = 0;
        }
        if self.quiet_ms >= self.limit_ms && !self.told {
            self.told = true;
            return true;
        }
        false
    }
}

fn writer(
    mut store: Store,
    mut frames: Consumer<Frame>,
    rx: &smpsc::Receiver<ToWriter>,
    engine: &tokio::sync::mpsc::WeakUnboundedSender<ToEngine>,
) {
    let mut active: HashMap<u32, Active> = HashMap::new();
    let mut last_flush = Instant::now();
    let mut next_sweep = Instant::now();
    let mut sweep_after = 0;
    let mut closed = false;
    loop {
        closed |= drain(rx, &mut active);
        let mut any = false;
        while let Ok(f) = frames.pop() {
            any = true;
            if !active.contains_key(&f.rec) {
                // Its Open was sent before the tap was made: it is in the channel now.
                closed |= drain(rx, &mut active);
            }
            if f.kind == FrameKind::End {
                // Anything the engine sent before the end (a voicemail row) first.
                closed |= drain(rx, &mut active);
                if let Some(a) = active.remove(&f.rec) {
                    finish(&mut store, a);
                }
                continue;
            }
            let Some(a) = active.get_mut(&f.rec) else {
                continue;
            };
            write(a, &f);
            if f.kind == FrameKind::Audio
                && let Some(s) = a.silence.as_mut()
                && s.frame(&f.left)
            {
                info!(leg = s.leg.0, ms = s.quiet_ms, "voicemail: caller silent");
                if let Some(e) = engine.upgrade() {
                    let _ = e.send(ToEngine::VoicemailSilent { leg: s.leg });
                }
            }
        }
        if last_flush.elapsed() >= FLUSH_EVERY {
            last_flush = Instant::now();
            for a in active.values_mut() {
                if let Some(w) = a.w.as_mut()
                    && let Err(e) = w.flush()
                {
                    warn!(path = %a.row.path, "recording: {e}");
                    a.w = None;
                }
            }
        }
        if Instant::now() >= next_sweep {
            // One bounded pass; back soon while expired rows remain, so the frames keep
            // being drained in between.
            next_sweep = Instant::now()
                + match sweep(&mut store, &mut sweep_after) {
                    Sweep::More => SWEEP_AGAIN,
                    Sweep::Done => SWEEP_EVERY,
                };
        }
        if closed && !any {
            // The engine is gone: what is open is kept as it is.
            for (_, a) in active.drain() {
                finish(&mut store, a);
            }
            return;
        }
        if !any {
            std::thread::sleep(WRITER_IDLE);
        }
    }
}

/// Takes the engine's messages; true once the engine is gone.
fn drain(rx: &smpsc::Receiver<ToWriter>, active: &mut HashMap<u32, Active>) -> bool {
    loop {
        match rx.try_recv() {
            Ok(ToWriter::Open {
                rec,
                path,
                channels,
                row,
                silence,
            }) => {
                let spec = hound::WavSpec {
                    channels,
                    sample_rate: 8000,
                    bits_per_sample: 16,
                    sample_format: hound::SampleFormat::Int,
                };
                let w = match hound::WavWriter::create(&path, spec) {
                    Ok(w) => Some(w),
                    Err(e) => {
                        warn!(path = %path.display(), "recording file not created: {e}");
                        None
                    }
                };
                active.insert(
                    rec,
                    Active {
                        w,
                        channels,
                        ms: 0,
                        pause_from: None,
                        row: *row,
                        vm: None,
                        silence: silence.map(|(leg, limit_ms)| Silence {
                            leg,
                            limit_ms,
                            quiet_ms: 0,
                            told: false,
                        }),
                    },
                );
            }
            Ok(ToWriter::Voicemail { rec, vm }) => {
                if let Some(a) = active.get_mut(&rec) {
                    a.row.queue.clone_from(&vm.queue);
                    a.vm = Some(*vm);
                }
            }
            Ok(ToWriter::Discard { rec }) => {
                if let Some(a) = active.remove(&rec) {
                    discard(a);
                }
            }
            Err(smpsc::TryRecvError::Empty) => return false,
            Err(smpsc::TryRecvError::Disconnected) => return true,
        }
    }
}

fn write(a: &mut Active, f: &Frame) {
    let paused = f.kind == FrameKind::Paused;
    match (paused, a.pause_from) {
        (true, None) => a.pause_from = Some(a.ms),
        (false, Some(s)) => {
            a.row.paused.push((s, a.ms));
            a.pause_from = None;
        }
        _ => {}
    }
    a.ms += 1;
    let Some(w) = a.w.as_mut() else { return };
    let mut r = Ok(());
    for i in 0..CHUNK {
        r = r.and_then(|()| w.write_sample(f.left[i]));
        if a.channels == 2 {
            r = r.and_then(|()| w.write_sample(f.right[i]));
        }
    }
    if let Err(e) = r {
        warn!(path = %a.row.path, "recording: write failed, file abandoned: {e}");
        a.w = None;
    }
}

/// Closes and removes the file of a recording that got no audio (its tap was refused or
/// never made); nothing is indexed.
fn discard(mut a: Active) {
    drop(a.w.take());
    match std::fs::remove_file(&a.row.path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => warn!(path = %a.row.path, "empty recording file not removed: {e}"),
    }
    warn!(call = %a.row.call_id, path = %a.row.path, "recording dropped: no audio was recorded");
}

/// Closes the file and indexes it (a recording without any audio is dropped instead).
fn finish(store: &mut Store, mut a: Active) {
    if a.ms == 0 {
        discard(a);
        return;
    }
    if let Some(s) = a.pause_from.take() {
        a.row.paused.push((s, a.ms));
    }
    a.row.duration_ms = a.ms;
    let Some(w) = a.w.take() else {
        warn!(path = %a.row.path, "recording not indexed: its file failed");
        return;
    };
    if let Err(e) = w.finalize() {
        warn!(path = %a.row.path, "recording not indexed: closing the file: {e}");
        return;
    }
    let r = match &a.vm {
        Some(vm) => store.add_voicemail(&a.row, vm),
        None => store.add_recording(&a.row),
    };
    match r {
        Ok(id) => info!(
            id,
            call = %a.row.call_id,
            path = %a.row.path,
            duration_ms = a.ms,
            paused = a.row.paused.len(),
            voicemail = a.vm.is_some(),
            "recording stored"
        ),
        Err(e) => warn!(path = %a.row.path, "recording not indexed: {e}"),
    }
}

/// What a sweep pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sweep {
    /// A full page: more expired rows may wait.
    More,
    /// Every expired row was looked at.
    Done,
}

/// One pass of the retention sweep: at most [`SWEEP_PAGE`] recordings past their
/// `retain_until` (ids above `after`) lose their file, then their rows, in one transaction
/// (a file already gone is fine; a file that cannot be removed keeps its row and is tried
/// again at the next sweep). `after` walks the expired rows and starts over once they are
/// all seen.
fn sweep(store: &mut Store, after: &mut i64) -> Sweep {
    let now = Clock::wall_now();
    let page = match store.expired_recordings_page(now, *after, SWEEP_PAGE) {
        Ok(x) => x,
        Err(e) => {
            warn!("retention sweep: {e}");
            return Sweep::Done;
        }
    };
    let full = page.len() >= SWEEP_PAGE as usize;
    *after = if full {
        page.last().map_or(0, |r| r.id)
    } else {
        0
    };
    let mut gone = Vec::with_capacity(page.len());
    for r in &page {
        match std::fs::remove_file(&r.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                warn!(path = %r.path, "retention sweep: file not removed: {e}");
                continue;
            }
        }
        gone.push(r.id);
    }
    match store.forget_recordings(&gone) {
        Ok(_) => {
            for r in page.iter().filter(|r| gone.contains(&r.id)) {
                info!(id = r.id, path = %r.path, "recording past its retention deleted");
            }
        }
        Err(e) => warn!(rows = gone.len(), "retention sweep: {e}"),
    }
    if full { Sweep::More } else { Sweep::Done }
}

// ------------------------------------------------------------------ the control endpoint

/// Whose call a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The agent's current bridged call.
    Agent(String),
    /// A call by its event-log id.
    Call(String),
}

/// A recording control request on its way to the engine.
#[derive(Debug)]
pub(crate) struct RecRequest {
    target: Target,
    action: RecordAction,
    reply: oneshot::Sender<Result<Value, RecError>>,
}

/// Why a recording request was refused. Nothing changed then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum RecError {
    /// Not from loopback.
    #[error("recording control answers loopback clients only")]
    NotLoopback,
    /// The body is not `{"agent"|"call": …, "action": …}`.
    #[error("expected {{\"agent\" or \"call\": \"…\", \"action\": \"start|stop|pause|resume\"}}")]
    BadRequest,
    /// No agent with that number.
    #[error("no such agent")]
    NoSuchAgent,
    /// No bridged call for that agent or id.
    #[error("no answered call to record")]
    NoCall,
    /// The action does not fit the recording's state (pause when not recording…).
    #[error("the recording's state does not allow this action")]
    State,
    /// The engine did not answer.
    #[error("the call engine did not answer in time")]
    Timeout,
}

impl IntoResponse for RecError {
    fn into_response(self) -> Response {
        let code = match self {
            Self::NotLoopback => StatusCode::FORBIDDEN,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::NoSuchAgent | Self::NoCall => StatusCode::NOT_FOUND,
            Self::State => StatusCode::CONFLICT,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
        };
        (code, axum::Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// The recording control route (merged into the daemon's HTTP router).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/recording", post(control))
        .with_state(shared)
}

fn parse(body: &[u8]) -> Result<(Target, RecordAction), RecError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| RecError::BadRequest)?;
    let action = match v["action"].as_str() {
        Some("start") => RecordAction::Start,
        Some("stop") => RecordAction::Stop,
        Some("pause") => RecordAction::Pause,
        Some("resume") => RecordAction::Resume,
        _ => return Err(RecError::BadRequest),
    };
    let target = match (v["agent"].as_str(), v["call"].as_str()) {
        (Some(a), None) => Target::Agent(a.to_owned()),
        (None, Some(c)) => Target::Call(c.to_owned()),
        _ => return Err(RecError::BadRequest),
    };
    Ok((target, action))
}

async fn control(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Result<axum::Json<Value>, RecError> {
    if !peer.ip().is_loopback() {
        return Err(RecError::NotLoopback);
    }
    let (target, action) = parse(&body)?;
    let engine = shared.control.engine().ok_or(RecError::Timeout)?;
    let (reply, answer) = oneshot::channel();
    engine
        .send(ToEngine::Recording(RecRequest {
            target,
            action,
            reply,
        }))
        .map_err(|_| RecError::Timeout)?;
    match tokio::time::timeout(crate::control::ANSWER_WAIT, answer).await {
        Ok(Ok(r)) => r.map(axum::Json),
        _ => Err(RecError::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_bad_ones_are_refused() {
        assert_eq!(
            parse(br#"{"agent":"2001","action":"pause"}"#).unwrap(),
            (Target::Agent("2001".into()), RecordAction::Pause)
        );
        assert_eq!(
            parse(br#"{"call":"17-3","action":"start"}"#).unwrap(),
            (Target::Call("17-3".into()), RecordAction::Start)
        );
        for bad in [
            &br#"{"agent":"2001","action":"rewind"}"#[..],
            br#"{"agent":"2001","call":"1","action":"stop"}"#,
            br#"{"action":"stop"}"#,
            b"not json",
        ] {
            assert_eq!(parse(bad), Err(RecError::BadRequest));
        }
    }

    #[test]
    fn taps_queue_audio_pauses_and_one_end_marker() {
        let (tx, mut rx) = rtrb::RingBuffer::new(16);
        let mut taps = Taps::new(tx);
        let mut path = MediaPath::new(4, 1, media_dsp::tones::Country::Etsi);
        path.set_linear(1).unwrap();
        path.set_linear(2).unwrap();
        let (a, b) = (LegId(10), LegId(11));
        let legs = vec![None, Some(a), Some(b), None];
        let slot_of = |l: LegId| legs.iter().position(|x| *x == Some(l));
        let rec = |action| MediaCommand::Record {
            bridge: BridgeId(1),
            legs: vec![a, b],
            action,
        };
        path.apply(&rec(RecordAction::Start), slot_of).unwrap();
        taps.tap(7, [Some((1, a)), Some((2, b))]);
        let metrics = Metrics::new();
        path.linear_rx(1, &[1000; CHUNK]).unwrap();
        path.linear_rx(2, &[-2000; CHUNK]).unwrap();
        path.tick();
        taps.tick(&path, &legs, &metrics);
        path.apply(&rec(RecordAction::Pause), slot_of).unwrap();
        path.tick();
        taps.tick(&path, &legs, &metrics);
        taps.untap(7);
        taps.tick(&path, &legs, &metrics);
        taps.tick(&path, &legs, &metrics);
        let f = rx.pop().unwrap();
        assert_eq!((f.rec, f.kind), (7, FrameKind::Audio));
        assert_eq!((f.left[0], f.right[0]), (1000, -2000));
        assert_eq!(rx.pop().unwrap().kind, FrameKind::Paused);
        assert_eq!(rx.pop().unwrap().kind, FrameKind::End);
        assert!(rx.pop().is_err(), "one end marker, then nothing");
    }

    #[test]
    fn a_refused_tap_still_ends_and_its_empty_file_is_dropped_unindexed() {
        // The media thread's side: every tap busy, the next recording gets its end marker.
        let (tx, mut rx) = rtrb::RingBuffer::new(4);
        let mut taps = Taps::new(tx);
        for rec in 0..MAX_TAPS as u32 {
            taps.tap(rec, [None, None]);
        }
        assert!(rx.pop().is_err(), "taps made, nothing queued yet");
        taps.tap(999, [None, None]);
        let f = rx.pop().unwrap();
        assert_eq!((f.rec, f.kind), (999, FrameKind::End));
        // A full queue: the end marker waits and goes out on a later tick.
        let (tx, mut rx) = rtrb::RingBuffer::new(1);
        let mut taps = Taps::new(tx);
        for rec in 0..MAX_TAPS as u32 {
            taps.tap(rec, [None, None]);
        }
        taps.tap(1000, [None, None]);
        taps.tap(1001, [None, None]);
        assert_eq!(rx.pop().unwrap().rec, 1000);
        let path = MediaPath::new(1, 1, media_dsp::tones::Country::Etsi);
        let metrics = Metrics::new();
        for rec in 0..MAX_TAPS as u32 {
            taps.untap(rec);
        }
        taps.tick(&path, &[None], &metrics);
        let f = rx.pop().unwrap();
        assert_eq!((f.rec, f.kind), (1001, FrameKind::End));

        // The writer's side: the file it opened for the refused recording is removed and
        // nothing is indexed; a recording with audio is kept and indexed.
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("a.db")).unwrap();
        let (etx, erx) = smpsc::channel();
        let mut active = HashMap::new();
        let open = |rec: u32, name: &str| {
            let path = dir.path().join(name);
            let row = Recording {
                id: 0,
                call_id: name.to_owned(),
                path: path.to_string_lossy().into_owned(),
                legs: Legs::Both,
                started: store::Timestamp(1),
                duration_ms: 0,
                paused: Vec::new(),
                retain_until: None,
                agent: None,
                queue: None,
            };
            ToWriter::Open {
                rec,
                path,
                channels: 2,
                row: Box::new(row),
                silence: None,
            }
        };
        etx.send(open(1, "refused.wav")).unwrap();
        etx.send(open(2, "kept.wav")).unwrap();
        assert!(!drain(&erx, &mut active));
        assert!(dir.path().join("refused.wav").exists());
        let audio = Frame {
            rec: 2,
            kind: FrameKind::Audio,
            left: [100; CHUNK],
            right: [-100; CHUNK],
        };
        write(active.get_mut(&2).unwrap(), &audio);
        finish(&mut store, active.remove(&1).unwrap());
        finish(&mut store, active.remove(&2).unwrap());
        assert!(!dir.path().join("refused.wav").exists());
        assert!(store.recordings_for_call("refused.wav").unwrap().is_empty());
        let kept = store.recordings_for_call("kept.wav").unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].duration_ms, 1);
    }

    /// The silence watch: speech (a 700 Hz tone at -20 dBm0) resets it; idle line noise
    /// and low hiss count as silence; the limit is reported once.
    #[test]
    fn voicemail_silence_is_counted_per_frame_and_told_once() {
        let mut w = Silence {
            leg: LegId(7),
            limit_ms: 5,
            quiet_ms: 0,
            told: false,
        };
        let amp = media_dsp::level::sine_peak(-20.0);
        let tone: Vec<i16> = (0..CHUNK)
            .map(|i| (amp * (2.0 * std::f32::consts::PI * 700.0 * i as f32 / 8000.0).sin()) as i16)
            .collect();
        let hiss = [8i16, -8, 20, -20, 8, -8, 30, -30];
        for _ in 0..4 {
            assert!(!w.frame(&hiss));
        }
        assert!(!w.frame(&tone), "speech resets the count");
        assert_eq!(w.quiet_ms, 0);
        let told: Vec<bool> = (0..8).map(|_| w.frame(&hiss)).collect();
        assert_eq!(
            told,
            [false, false, false, false, true, false, false, false]
        );
    }
}
