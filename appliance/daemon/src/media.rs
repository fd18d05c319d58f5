//! The real-time media thread (ARCHITECTURE rule 3).
//!
//! One std thread (not tokio) wakes every millisecond and:
//! 1. paces every virtual E1 line (8 frames per ms, counted from the span's start so a late
//!    tick catches up instead of drifting), hands received D-channel frames and line events
//!    to the span's async task and sends the frames that task queued;
//! 2. runs the switch's media path ([`switch::media::MediaPath`]) for every channel with a
//!    call: E1 B-channels (A-law ↔ line echo canceller ↔ DTMF detection ↔ bridge) and RTP
//!    legs (an [`rtp::Session`] per leg: jitter buffer, G.711, RFC 4733), one tick per
//!    millisecond; the switch's [`MediaCommand`]s say who hears what. Two SIP legs that
//!    only hear each other relay their packets whole instead ([`rtp::Session::set_relay`]:
//!    no decoding, no jitter buffer; docs/rtp.md "Relay");
//! 3. relays digits: DTMF heard on a B-channel goes to the bridged leg (generated in-band on
//!    TDM, RFC 4733 on RTP) and to the switch; RFC 4733 received goes the same ways.
//! 4. plays audio from preloaded buffers ([`crate::player`]): an IVR prompt replaces what a
//!    leg hears until it ends or the switch gives the leg something else; the music-on-hold
//!    clip loops into the path's music-on-hold source (slot 0, span 0's framing timeslot).
//!
//! It talks to the async side only through bounded lock-free SPSC queues ([`rtrb`]) and
//! [`tokio::sync::Notify`]s. The RTP sockets it reads and writes itself: one epoll set
//! holds every leg's sockets, asked once per tick without waiting, one `recvfrom` per
//! ready socket and a non-blocking `sendto` per datagram out. (A separate socket thread
//! feeding per-leg queues cost a queue of datagrams per leg, about 5 KiB per call, and a
//! context switch per batch; tokio tasks per socket cost two thirds of the daemon's CPU
//! at 250 calls: docs/sip-load.md.) A tick allocates nothing;
//! setting up a channel does (its echo canceller), and so does dropping the `Vec` inside a
//! bridge command.
//!
//! Slots of the media path: span `i`'s timeslot `ts` is slot `32 i + ts` (up to
//! [`MAX_SPANS`] spans), RTP legs take slots from [`RTP_BASE`] on.
//!
//! At start it asks for SCHED_FIFO (thread-priority) and, when `RLIMIT_MEMLOCK` is
//! unlimited, locks the process memory (`mlockall`): with a finite limit `MCL_FUTURE` would
//! make later allocations fail, so it is skipped with a warning. Both fall back to a warning
//! when not allowed (`appliance_media_realtime` says which one was got).

use std::collections::VecDeque;
use std::net::UdpSocket;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use media_dsp::dtmf::Digit;
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use rtrb::{Consumer, Producer, RingBuffer};
use switch::engine::{LegId, MediaCommand};
use switch::media::{CHUNK, MediaPath, TdmConfig};
use tdm::virt::{VirtE1Span, VirtError};
use tdm::{CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Span, SpanEvent};
use tokio::sync::Notify;
use tracing::{debug, error, info, warn};

use crate::clock::Clock;
use crate::metrics::Metrics;

/// Largest D-channel frame moved (Q.921 N201 = 260 octets of information + address and
/// control).
pub(crate) const DFRAME_MAX: usize = 264;
/// Spans the media path has slots for.
pub(crate) const MAX_SPANS: usize = 4;
/// First slot of RTP legs.
/// Slots per span (timeslot numbers 0–31).
pub(crate) const E1_SLOTS: usize = E1_TIMESLOTS;
/// First slot of RTP legs.
pub(crate) const RTP_BASE: usize = MAX_SPANS * E1_TIMESLOTS;
/// RTP legs with media at once: 2,048 SIP-to-SIP calls (issue 5 asks for 1,000 concurrent
/// calls with media; 256 capped the box at 128).
pub(crate) const RTP_SLOTS: usize = 4096;
/// First slot of the line ports (analog FXS/FXO, [`crate::lines`]), after the RTP slots.
pub(crate) const LINE_BASE: usize = RTP_BASE + RTP_SLOTS;
/// Scratch size for a datagram read from an RTP socket or written by
/// [`rtp::Session::poll_transmit`] (an Ethernet MTU, the session's own maximum).
pub(crate) const DGRAM_READ: usize = 1500;
/// Readiness reports taken from the RTP sockets' epoll set per call: at 1,000 calls with
/// 20 ms packets about 100 sockets are ready each millisecond. When a call fills it, the
/// set is asked again (up to [`EPOLL_ROUNDS`] times); the rest waits one millisecond.
const EPOLL_EVENTS: usize = 256;
/// See [`EPOLL_EVENTS`].
const EPOLL_ROUNDS: usize = 8;
/// Depth of each span's queues.
const QUEUE: usize = 256;
/// A-law idle pattern.
const ALAW_IDLE: u8 = 0xD5;
/// The music-on-hold source's slot: span 0's timeslot 0 (framing), never a voice channel.
const MOH_SLOT: usize = 0;
/// A tick starting more than this after its due time counts as late.
const LATE: Duration = Duration::from_millis(1);
/// E1 frames per millisecond.
const FRAMES_PER_MS: u64 = 8;
/// Received milliseconds kept per span before the oldest is dropped (bounds the delay).
const RX_BACKLOG: usize = 4;
/// How long an RFC 4733 event we send lasts.
const DIGIT_LEN: Duration = Duration::from_millis(100);
/// Pause between two RFC 4733 digits we send.
const DIGIT_GAP: Duration = Duration::from_millis(60);

/// One D-channel frame, without allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DFrame {
    len: u16,
    buf: [u8; DFRAME_MAX],
}

impl DFrame {
    /// `None` when the frame is longer than [`DFRAME_MAX`].
    pub(crate) fn new(bytes: &[u8]) -> Option<Self> {
        let mut buf = [0; DFRAME_MAX];
        buf.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Self {
            len: u16::try_from(bytes.len()).ok()?,
            buf,
        })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// From a span task to the media thread. Frames travel inline (no allocation on the media
/// thread).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum ToMedia {
    /// Send this D-channel frame.
    Dchannel(DFrame),
    /// Enter or leave a loopback (the control API); answered with [`FromMedia::Loopback`].
    Loopback(tdm::Loopback),
}

/// From the media thread to a span task (frames inline, as [`ToMedia`]).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum FromMedia {
    /// A received D-channel frame.
    Dchannel(DFrame),
    /// The line's alarm bits changed.
    Alarms(u32),
    /// The far end closed the line (or it failed): the span is dropped.
    Closed,
    /// The line's counters, about once a second.
    Counters(tdm::SpanCounters),
    /// The loopback mode asked for, and whether the line took it.
    Loopback { mode: tdm::Loopback, ok: bool },
}

/// The span task's ends of a span's queues.
#[derive(Debug)]
pub(crate) struct SpanPort {
    pub(crate) tx: Producer<ToMedia>,
    pub(crate) rx: Consumer<FromMedia>,
    pub(crate) notify: Arc<Notify>,
}

/// An RTP leg's session and its sockets, as handed to the media thread.
pub(crate) struct RtpChannel {
    pub(crate) leg: LegId,
    pub(crate) session: rtp::Session,
    /// The leg's RTP and RTCP sockets (non-blocking): the media thread reads them when its
    /// epoll set says they are ready, and sends on them.
    rtp_sock: UdpSocket,
    rtcp_sock: UdpSocket,
    /// Digits to send as RFC 4733, and the end of the one being sent.
    digits: VecDeque<Digit>,
    sending_until: Option<tdm::Instant>,
    next_digit_at: tdm::Instant,
    /// The RTP slot index this leg's audio is relayed to (relay mode: see
    /// [`Path::pair_relays`]).
    relay_to: Option<usize>,
    /// The session's [`rtp::Session::poll_timeout`], as of the last call into it that can
    /// change it; with `events` and `transmits` it lets the 1 ms loop leave a relaying
    /// leg's session alone (a session is 10 KiB: touching 2,000 of them each millisecond
    /// cost more in cache misses than relaying their packets).
    wake: Option<tdm::Instant>,
    /// The session may have events to poll.
    events: bool,
    /// The session may have datagrams to send.
    transmits: bool,
}

impl RtpChannel {
    /// After a call into the session that may arm a timer, queue an event or a datagram.
    fn touched(&mut self) {
        self.wake = self.session.poll_timeout();
        self.events = true;
        self.transmits = true;
    }
}

impl std::fmt::Debug for RtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtpChannel")
            .field("leg", &self.leg)
            .finish_non_exhaustive()
    }
}

/// Makes an RTP leg's channel (for [`Ctl::AttachRtp`]) on `rtp_sock` and `rtcp_sock`,
/// which must be non-blocking: the media thread reads and sends on them itself.
pub(crate) fn rtp_channel(
    leg: LegId,
    session: rtp::Session,
    rtp_sock: UdpSocket,
    rtcp_sock: UdpSocket,
) -> Box<RtpChannel> {
    Box::new(RtpChannel {
        leg,
        session,
        rtp_sock,
        rtcp_sock,
        digits: VecDeque::with_capacity(32),
        sending_until: None,
        next_digit_at: tdm::Instant::ZERO,
        relay_to: None,
        wake: None,
        events: false,
        transmits: false,
    })
}

/// Orders for the media path (from the call engine).
#[derive(Debug)]
pub(crate) enum Ctl {
    /// A leg's B-channel has media: set up slot `slot` as a TDM channel.
    AttachTdm { slot: usize, leg: LegId },
    /// An RTP leg has media: set up slot `slot` with its session.
    AttachRtp { slot: usize, chan: Box<RtpChannel> },
    /// The leg's call is over: empty its slot (an RTP session sends its BYE first).
    Detach { slot: usize },
    /// A switch media command.
    Switch(MediaCommand),
    /// Send a digit to a leg (in-band on TDM, RFC 4733 on RTP).
    Digit { leg: LegId, digit: Digit },
    /// Play a preloaded clip to a leg once (an IVR prompt), replacing what it hears until
    /// the clip ends or the switch gives the leg something else to hear.
    PlayClip {
        leg: LegId,
        clip: crate::player::Clip,
    },
    /// The music-on-hold source loops this clip.
    Moh { clip: crate::player::Clip },
    /// Start copying what these legs say (slot, leg; left then right) to recording `rec`
    /// ([`crate::recorder`]).
    Tap {
        rec: u32,
        slots: [Option<(usize, LegId)>; 2],
    },
    /// Stop recording `rec` (its end marker follows its last frame).
    Untap { rec: u32 },
}

/// What the media thread tells the call engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaEvent {
    /// A digit from a leg: DTMF heard on its B-channel, or RFC 4733 received.
    Digit { leg: LegId, digit: char },
}

/// A span handed to the media thread.
struct MediaSpan {
    name: String,
    index: usize,
    span: Box<VirtE1Span>,
    tx: Producer<FromMedia>,
    rx: Consumer<ToMedia>,
    notify: Arc<Notify>,
    frames: u64,
    start: Instant,
    dead: bool,
    backlog: VecDeque<[Chunk; E1_TIMESLOTS]>,
}

impl std::fmt::Debug for MediaSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSpan")
            .field("name", &self.name)
            .finish()
    }
}

enum Add {
    Span(Box<MediaSpan>),
    /// An analog port ([`crate::lines`]).
    Line(Box<crate::lines::LineMedia>),
    /// A sound card ([`crate::sound`]).
    Sound(Box<crate::sound::SoundMedia>),
}

/// Handle on the media thread.
#[derive(Debug)]
pub(crate) struct Media {
    spans: std::sync::Mutex<Producer<Add>>,
    ctl: std::sync::Mutex<Producer<Ctl>>,
    events: std::sync::Mutex<Option<Consumer<MediaEvent>>>,
    /// The recordings' frames, for the writer ([`crate::recorder`]).
    recordings: std::sync::Mutex<Option<Consumer<crate::recorder::Frame>>>,
    events_notify: Arc<Notify>,
    heartbeat: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    metrics: Metrics,
}

impl std::fmt::Debug for Add {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Add")
    }
}

/// Starts the media thread.
pub(crate) fn start(metrics: &Metrics, clock: Clock) -> std::io::Result<Media> {
    let (add_tx, add_rx) = RingBuffer::<Add>::new(16);
    let (ctl_tx, ctl_rx) = RingBuffer::<Ctl>::new(1024);
    let (ev_tx, ev_rx) = RingBuffer::<MediaEvent>::new(256);
    let (rec_tx, rec_rx) = RingBuffer::new(crate::recorder::FRAMES);
    let events_notify = Arc::new(Notify::new());
    let heartbeat = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new().name("media".into()).spawn({
        let ctx = Thread {
            add: add_rx,
            ctl: ctl_rx,
            events: ev_tx,
            events_notify: Arc::clone(&events_notify),
            heartbeat: Arc::clone(&heartbeat),
            stop: Arc::clone(&stop),
            metrics: metrics.clone(),
            clock,
            taps: crate::recorder::Taps::new(rec_tx),
            epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)
                .inspect_err(|e| {
                    error!("media: epoll for the RTP sockets: {e}; SIP calls will have no audio in")
                })
                .ok(),
        };
        move || run(ctx)
    })?;
    Ok(Media {
        spans: std::sync::Mutex::new(add_tx),
        ctl: std::sync::Mutex::new(ctl_tx),
        events: std::sync::Mutex::new(Some(ev_rx)),
        recordings: std::sync::Mutex::new(Some(rec_rx)),
        events_notify,
        heartbeat,
        stop,
        thread: Some(thread),
        metrics: metrics.clone(),
    })
}

impl Media {
    /// Counts media ticks: the watchdog pings only while it moves.
    pub(crate) fn heartbeat(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.heartbeat)
    }

    /// The consumer of media events (taken once, by the call engine) and its waker.
    pub(crate) fn take_events(&self) -> Option<(Consumer<MediaEvent>, Arc<Notify>)> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .map(|c| (c, Arc::clone(&self.events_notify)))
    }

    /// The consumer of recording frames (taken once, by the recorder's writer).
    pub(crate) fn take_recordings(&self) -> Option<Consumer<crate::recorder::Frame>> {
        self.recordings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Queues an order for the media path; `false` (and counted) when the queue is full.
    pub(crate) fn control(&self, c: Ctl) -> bool {
        let ok = self
            .ctl
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(c)
            .is_ok();
        if !ok {
            self.metrics.media_queue_full.inc();
        }
        ok
    }

    /// Hands span number `index` (0-based, below [`MAX_SPANS`]) to the media thread;
    /// returns the span task's ends of its queues.
    pub(crate) fn add_span(&self, name: &str, index: usize, span: VirtE1Span) -> Option<SpanPort> {
        if index >= MAX_SPANS {
            return None;
        }
        let (to_media_tx, to_media_rx) = RingBuffer::new(QUEUE);
        let (from_media_tx, from_media_rx) = RingBuffer::new(QUEUE);
        let notify = Arc::new(Notify::new());
        let ms = Box::new(MediaSpan {
            name: name.to_owned(),
            index,
            span: Box::new(span),
            tx: from_media_tx,
            rx: to_media_rx,
            notify: Arc::clone(&notify),
            frames: 0,
            start: Instant::now(),
            dead: false,
            backlog: VecDeque::with_capacity(RX_BACKLOG + 1),
        });
        let mut add = self
            .spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        add.push(Add::Span(ms)).ok()?;
        Some(SpanPort {
            tx: to_media_tx,
            rx: from_media_rx,
            notify,
        })
    }

    /// Hands an analog port to the media thread; `false` when the queue is full.
    pub(crate) fn add_line(&self, line: crate::lines::LineMedia) -> bool {
        let mut add = self
            .spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        add.push(Add::Line(Box::new(line))).is_ok()
    }

    /// Hands a sound card to the media thread; `false` when the queue is full.
    pub(crate) fn add_sound(&self, s: crate::sound::SoundMedia) -> bool {
        let mut add = self
            .spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        add.push(Add::Sound(Box::new(s))).is_ok()
    }

    /// Stops the thread and waits for it.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// SCHED_FIFO priority of the media thread.
const MEDIA_PRIORITY: u8 = 50;

/// Puts the calling thread (named `thread` in the log) on SCHED_FIFO at `prio`; `false`
/// (logged) when the system does not allow it and the thread keeps its normal priority.
fn set_fifo(thread: &str, prio: u8) -> bool {
    use thread_priority::{
        RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    let prio =
        ThreadPriority::Crossplatform(ThreadPriorityValue::try_from(prio).unwrap_or_default());
    match set_thread_priority_and_policy(
        thread_native_id(),
        prio,
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
    ) {
        Ok(()) => {
            info!("{thread}: SCHED_FIFO");
            true
        }
        Err(e) => {
            warn!(
                "{thread}: SCHED_FIFO not allowed ({e:?}); running with normal priority (give the service CAP_SYS_NICE or LimitRTPRIO)"
            );
            false
        }
    }
}

/// SCHED_FIFO and locked memory, where allowed.
fn go_realtime(metrics: &Metrics) {
    if set_fifo("media thread", MEDIA_PRIORITY) {
        metrics.media_realtime.set(1);
    }
    use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};
    match getrlimit(Resource::RLIMIT_MEMLOCK) {
        Ok((soft, _)) if soft == RLIM_INFINITY => {
            use nix::sys::mman::{MlockAllFlags, mlockall};
            match mlockall(MlockAllFlags::MCL_CURRENT | MlockAllFlags::MCL_FUTURE) {
                Ok(()) => info!("memory locked (mlockall)"),
                Err(e) => warn!("mlockall failed ({e}); memory may be paged out"),
            }
        }
        Ok((soft, _)) => warn!(
            limit = soft,
            "RLIMIT_MEMLOCK is finite: memory not locked (LimitMEMLOCK=infinity enables it)"
        ),
        Err(e) => warn!("getrlimit(RLIMIT_MEMLOCK): {e}; memory not locked"),
    }
}

/// Leg → slot.
type SlotIndex = std::collections::HashMap<LegId, usize>;

struct Thread {
    add: Consumer<Add>,
    ctl: Consumer<Ctl>,
    events: Producer<MediaEvent>,
    events_notify: Arc<Notify>,
    heartbeat: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    metrics: Metrics,
    clock: Clock,
    /// Recording taps ([`crate::recorder`]).
    taps: crate::recorder::Taps,
    /// Readiness of every RTP leg's sockets (token `2 × RTP index`, + 1 for RTCP); `None`
    /// when it could not be made (logged at start: SIP legs then have no media in).
    epoll: Option<Epoll>,
}

/// The media path and everything attached to it.
struct Path {
    path: MediaPath,
    /// The leg each slot carries.
    legs: Vec<Option<LegId>>,
    /// The slot of each leg (the index of `legs`: a switch command names legs, and a scan
    /// of every slot per command cost O(slots) on the real-time thread).
    slots: SlotIndex,
    rtp: Vec<Option<Box<RtpChannel>>>,
    /// The indexes of `rtp` in use (the per-millisecond loops walk these, not every slot).
    active: Vec<usize>,
    /// Something that decides relay mode may have changed (a control message, a prompt
    /// that ended): [`Path::pair_relays`] looks again.
    relays_dirty: bool,
    dgram: Box<[u8; DGRAM_READ]>,
    /// A clip playing to each slot (IVR prompts), in place of what the path gives it.
    players: Vec<Option<crate::player::Player>>,
    /// The music-on-hold source.
    moh: Option<crate::player::Player>,
}

impl Path {
    fn slot_of(slots: &SlotIndex, leg: LegId) -> Option<usize> {
        slots.get(&leg).copied()
    }

    /// Puts `leg` on `slot` (or clears the slot), keeping the index in step.
    fn set_leg(&mut self, slot: usize, leg: Option<LegId>) {
        let Some(cur) = self.legs.get_mut(slot) else {
            return;
        };
        if let Some(old) = cur.take()
            && self.slots.get(&old) == Some(&slot)
        {
            self.slots.remove(&old);
        }
        if let Some(l) = leg {
            self.slots.insert(l, slot);
        }
        *cur = leg;
    }

    fn control(&mut self, c: Ctl, now: tdm::Instant, t: &mut Thread) {
        self.relays_dirty = true;
        match c {
            Ctl::AttachTdm { slot, leg } => {
                let ok = (slot < RTP_BASE
                    || (LINE_BASE..LINE_BASE + crate::lines::MAX_LINES).contains(&slot))
                    && self
                        .path
                        .set_tdm(slot, TdmConfig::default())
                        .inspect_err(|e| warn!(slot, "media: TDM slot: {e}"))
                        .is_ok();
                if ok {
                    self.set_leg(slot, Some(leg));
                }
            }
            Ctl::AttachRtp { slot, chan } => {
                let i = slot.wrapping_sub(RTP_BASE);
                if i < RTP_SLOTS && self.path.set_linear(slot).is_ok() {
                    self.set_leg(slot, Some(chan.leg));
                    let mut chan = chan;
                    chan.touched();
                    watch(t.epoll.as_ref(), &chan, i);
                    if let Some(old) = self.rtp[i].replace(chan) {
                        unwatch(t.epoll.as_ref(), &old);
                    } else {
                        self.active.push(i);
                    }
                } else {
                    warn!(slot, "media: no such RTP slot");
                }
            }
            Ctl::Detach { slot } => {
                self.set_leg(slot, None);
                if let Some(p) = self.players.get_mut(slot) {
                    *p = None;
                }
                let _ = self.path.clear(slot);
                if let Some(mut ch) = slot
                    .checked_sub(RTP_BASE)
                    .and_then(|i| self.rtp.get_mut(i))
                    .and_then(Option::take)
                {
                    let i = slot - RTP_BASE;
                    if let Some(k) = self.active.iter().position(|&a| a == i) {
                        self.active.swap_remove(k);
                    }
                    if ch.relay_to.is_some() {
                        t.metrics.rtp_relay_legs.dec();
                    }
                    unwatch(t.epoll.as_ref(), &ch);
                    ch.session.close(now);
                    flush_rtp(&mut ch, now, &mut self.dgram, &t.metrics);
                }
            }
            Ctl::Switch(cmd) => {
                // The switch gives the leg something else to hear: a prompt stops.
                match &cmd {
                    MediaCommand::Play { leg, .. } | MediaCommand::StopPlay { leg } => {
                        self.stop_clip(*leg);
                    }
                    MediaCommand::Bridge { legs, .. } => {
                        for l in legs {
                            self.stop_clip(*l);
                        }
                    }
                    _ => {}
                }
                let slots = &self.slots;
                if let Err(e) = self.path.apply(&cmd, |l| Self::slot_of(slots, l)) {
                    warn!("media: {e}");
                }
            }
            Ctl::Digit { leg, digit } => {
                if let Some(s) = Self::slot_of(&self.slots, leg) {
                    let _ = self.path.send_digit(s, digit);
                }
            }
            Ctl::PlayClip { leg, clip } => {
                if let Some(s) = Self::slot_of(&self.slots, leg) {
                    self.players[s] = Some(crate::player::Player::new(clip, false));
                } else {
                    debug!(leg = leg.0, "media: prompt for a leg without media");
                }
            }
            Ctl::Moh { clip } => self.moh = Some(crate::player::Player::new(clip, true)),
            Ctl::Tap { rec, slots } => t.taps.tap(rec, slots),
            Ctl::Untap { rec } => t.taps.untap(rec),
        }
    }

    /// Puts RTP legs bridged one-to-one into relay mode ([`rtp::Session::set_relay`]) and
    /// takes them out of it: two RTP legs that hear only each other, with no prompt
    /// playing to either, neither recorded, of the same law and packet time, pass their
    /// packets on whole; anything else (a prompt, music on hold, a conference, a
    /// supervisor listening, a recording, a TDM or analog peer) goes through the 1 ms
    /// path. Run every millisecond before RTP in, so a change (a prompt starting, a
    /// recording tap) takes effect in the same millisecond.
    fn pair_relays(&mut self, m: &Metrics) {
        if !std::mem::take(&mut self.relays_dirty) {
            return;
        }
        for &i in &self.active {
            let slot = RTP_BASE + i;
            let alone =
                |s: usize| !self.path.is_recorded(s) && matches!(self.players.get(s), Some(None));
            let want = self
                .path
                .peer_of(slot)
                .filter(|&q| q >= RTP_BASE && self.path.peer_of(q) == Some(slot))
                .filter(|&q| alone(slot) && alone(q))
                .map(|q| q - RTP_BASE)
                .filter(|&j| match (&self.rtp[i], self.rtp.get(j)) {
                    (Some(a), Some(Some(b))) => a.session.relay_compatible(&b.session),
                    _ => false,
                });
            if let Some(ch) = self.rtp[i].as_mut()
                && ch.relay_to != want
            {
                if ch.relay_to.is_none() {
                    m.rtp_relay_legs.inc();
                } else if want.is_none() {
                    m.rtp_relay_legs.dec();
                }
                ch.relay_to = want;
                ch.session.set_relay(want.is_some());
            }
        }
    }

    fn stop_clip(&mut self, leg: LegId) {
        if let Some(s) = Self::slot_of(&self.slots, leg) {
            self.players[s] = None;
        }
    }

    /// Feeds the music-on-hold source (before the path's tick) and advances every prompt
    /// (after it): a played-out prompt gives the slot back to the path.
    fn feed_moh(&mut self) {
        if let Some(m) = self.moh.as_mut() {
            m.next();
            let _ = self.path.local_rx(MOH_SLOT, &m.cur);
        }
    }

    fn advance_clips(&mut self) {
        for p in &mut self.players {
            if let Some(pl) = p
                && !pl.next()
            {
                *p = None;
                self.relays_dirty = true;
            }
        }
    }

    /// What a slot hears this millisecond: its prompt if one plays, else the path's.
    fn heard_of<'a>(
        path: &'a MediaPath,
        players: &'a [Option<crate::player::Player>],
        slot: usize,
    ) -> Option<&'a [i16; CHUNK]> {
        match players.get(slot) {
            Some(Some(pl)) => Some(&pl.cur),
            _ => path.heard(slot),
        }
    }
}

fn report(legs: &[Option<LegId>], t: &mut Thread, slot: usize, digit: Digit) {
    {
        if let Some(leg) = legs[slot] {
            let ev = MediaEvent::Digit {
                leg,
                digit: digit.as_char(),
            };
            if t.events.push(ev).is_err() {
                t.metrics.media_queue_full.inc();
            }
            t.events_notify.notify_one();
        }
    }
}

/// Sends what the leg's session has to send, on its sockets, from the media thread: a
/// non-blocking `sendto` each, cheaper than waking another thread to make it.
/// A datagram the socket cannot take now (send buffer full) is dropped and counted.
fn flush_rtp(ch: &mut RtpChannel, now: tdm::Instant, buf: &mut [u8; DGRAM_READ], m: &Metrics) {
    while let Some(tx) = ch.session.poll_transmit(now, &mut buf[..]) {
        send(ch, &buf[..tx.len], tx, m);
    }
}

/// Sends one datagram of `ch`'s session (non-blocking; a full send buffer drops and counts
/// it).
fn send(ch: &RtpChannel, bytes: &[u8], tx: rtp::Transmit, m: &Metrics) {
    let sock = if tx.kind == rtp::TransmitKind::Rtcp {
        &ch.rtcp_sock
    } else {
        &ch.rtp_sock
    };
    match sock.send_to(bytes, tx.to) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            m.media_queue_full.inc();
        }
        Err(e) => debug!(leg = ch.leg.0, to = %tx.to, "rtp: send: {e}"),
    }
}

/// Adds RTP channel `i`'s sockets to the media thread's epoll set (a system call each, on
/// attach only).
fn watch(epoll: Option<&Epoll>, ch: &RtpChannel, i: usize) {
    let Some(ep) = epoll else { return };
    let token = 2 * i as u64;
    let added = ep
        .add(
            ch.rtp_sock.as_fd(),
            EpollEvent::new(EpollFlags::EPOLLIN, token),
        )
        .and_then(|()| {
            ep.add(
                ch.rtcp_sock.as_fd(),
                EpollEvent::new(EpollFlags::EPOLLIN, token + 1),
            )
        });
    if let Err(e) = added {
        warn!(
            leg = ch.leg.0,
            "media: cannot watch the leg's RTP sockets ({e}): no audio in"
        );
    }
}

/// Takes RTP channel `ch`'s sockets out of the epoll set.
fn unwatch(epoll: Option<&Epoll>, ch: &RtpChannel) {
    if let Some(ep) = epoll {
        let _ = ep.delete(ch.rtp_sock.as_fd());
        let _ = ep.delete(ch.rtcp_sock.as_fd());
    }
}

/// Reads every RTP and RTCP socket that has a datagram (one datagram per socket and
/// millisecond: at 20 ms packets a second one is rare, and level-triggered epoll reports
/// it again next time; reading until `EAGAIN` would double the system calls) into its
/// session, and relays what a relaying session hands on.
fn read_rtp(
    epoll: &Epoll,
    rtp: &mut [Option<Box<RtpChannel>>],
    now: tdm::Instant,
    bufs: &mut ([u8; DGRAM_READ], [u8; DGRAM_READ]),
    events: &mut [EpollEvent; EPOLL_EVENTS],
    m: &Metrics,
) {
    let (inb, outb) = bufs;
    for _ in 0..EPOLL_ROUNDS {
        let n = match epoll.wait(events, EpollTimeout::ZERO) {
            Ok(n) => n,
            Err(Errno::EINTR) => 0,
            Err(e) => {
                debug!("media: epoll_wait: {e}");
                return;
            }
        };
        for ev in &events[..n] {
            let (Ok(i), rtcp) = (usize::try_from(ev.data() / 2), ev.data() % 2 == 1) else {
                continue;
            };
            let Some((ch, to)) = rtp_pair(rtp, i) else {
                continue;
            };
            let sock = if rtcp { &ch.rtcp_sock } else { &ch.rtp_sock };
            let (len, from) = match sock.recv_from(&mut inb[..]) {
                Ok(x) => x,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => {
                    debug!(leg = ch.leg.0, "rtp: receive: {e}");
                    continue;
                }
            };
            let d = &inb[..len];
            if let Err(e) = ch.session.handle_input(now, d, from) {
                debug!(leg = ch.leg.0, "rtp: {e}");
            }
            ch.touched();
            if let (Some(r), Some(to)) = (ch.session.take_relayed(), to) {
                let payload = d.get(r.payload).unwrap_or_default();
                if let Some(tx) =
                    to.session
                        .relay_transmit(now, payload, r.timestamp, r.marker, &mut outb[..])
                {
                    send(to, &outb[..tx.len], tx, m);
                    m.rtp_relayed.inc();
                }
            }
        }
        if n < events.len() {
            return;
        }
    }
}

/// RTP channel `i`, and the one its audio is relayed to (if it relays and that one is
/// still there), both mutable.
fn rtp_pair(
    rtp: &mut [Option<Box<RtpChannel>>],
    i: usize,
) -> Option<(&mut RtpChannel, Option<&mut RtpChannel>)> {
    let j = rtp
        .get(i)?
        .as_ref()?
        .relay_to
        .filter(|&j| j != i && j < rtp.len());
    let Some(j) = j else {
        return Some((rtp[i].as_deref_mut()?, None));
    };
    let (a, b) = if i < j {
        let (lo, hi) = rtp.split_at_mut(j);
        (&mut lo[i], &mut hi[0])
    } else {
        let (lo, hi) = rtp.split_at_mut(i);
        (&mut hi[0], &mut lo[j])
    };
    Some((a.as_deref_mut()?, b.as_deref_mut()))
}

fn run(mut t: Thread) {
    go_realtime(&t.metrics);
    let slots = LINE_BASE + crate::lines::MAX_LINES;
    let mut p = Path {
        path: MediaPath::new(slots, 8, media_dsp::tones::Country::Etsi),
        legs: vec![None; slots],
        slots: SlotIndex::with_capacity(slots),
        rtp: (0..RTP_SLOTS).map(|_| None).collect(),
        active: Vec::with_capacity(RTP_SLOTS),
        relays_dirty: true,
        dgram: Box::new([0; DGRAM_READ]),
        players: vec![None; slots],
        moh: None,
    };
    if let Err(e) = p.path.set_moh(MOH_SLOT) {
        warn!("media: music-on-hold source: {e}");
    }
    let mut spans: Vec<Box<MediaSpan>> = Vec::with_capacity(MAX_SPANS);
    let mut lines: Vec<Box<crate::lines::LineMedia>> = Vec::with_capacity(crate::lines::MAX_LINES);
    let mut sounds: Vec<Box<crate::sound::SoundMedia>> = Vec::new();
    let mut rx = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    let mut tx = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    let mut dbuf = [0u8; 1024];
    let mut rtp_bufs = Box::new(([0u8; DGRAM_READ], [0u8; DGRAM_READ]));
    let mut rtp_events = Box::new([EpollEvent::empty(); EPOLL_EVENTS]);
    let period = Duration::from_millis(1);
    let mut due = Instant::now() + period;
    let mut max_late = Duration::ZERO;
    while !t.stop.load(Ordering::Relaxed) {
        let now = t.clock.now();
        while let Ok(a) = t.add.pop() {
            match a {
                Add::Span(s) => {
                    info!(span = %s.name, "media thread: span added");
                    spans.push(s);
                }
                Add::Line(l) => {
                    info!(port = %l.name, "media thread: analog port added");
                    lines.retain(|x| x.slot != l.slot);
                    lines.push(l);
                }
                Add::Sound(s) => {
                    info!(port = %s.name, "media thread: sound card added");
                    sounds.push(s);
                }
            }
        }
        while let Ok(c) = t.ctl.pop() {
            p.control(c, now, &mut t);
        }
        // Lines in: D-channel, alarms, and this millisecond of every timeslot.
        for s in &mut spans {
            if s.dead {
                continue;
            }
            pump_span(s, &t.metrics, &mut rx, &mut dbuf);
            let base = s.index * E1_TIMESLOTS;
            let chunk = s.backlog.pop_front();
            for ts in 1..E1_TIMESLOTS {
                let slot = base + ts;
                if p.path.is_tdm(slot) {
                    let c = chunk.map_or([ALAW_IDLE; CHUNK], |c| c[ts]);
                    let _ = p.path.tdm_rx(slot, &c);
                }
            }
        }
        spans.retain(|s| !s.dead);
        // Analog ports in: the line's milliseconds through the FXS/FXO machine.
        for l in &mut lines {
            l.tick_in(now, &mut p.path);
        }
        lines.retain(|l| !l.dead);
        // Sound cards in: a captured millisecond is the port's received audio in a call.
        for s in &mut sounds {
            let in_call = p.path.is_tdm(s.slot);
            if let Some(a) = s.tick_in(in_call)
                && in_call
            {
                let _ = p.path.tdm_rx(s.slot, &a);
            }
        }
        // RTP in: datagrams (relayed whole, or into the jitter buffer), timers, the next
        // millisecond out of the jitter buffer.
        p.pair_relays(&t.metrics);
        if let Some(ep) = &t.epoll {
            read_rtp(
                ep,
                &mut p.rtp,
                now,
                &mut rtp_bufs,
                &mut rtp_events,
                &t.metrics,
            );
        }
        for k in 0..p.active.len() {
            let i = p.active[k];
            let Some(ch) = p.rtp[i].as_deref_mut() else {
                continue;
            };
            if ch.wake.is_some_and(|w| w <= now) {
                ch.session.handle_timeout(now);
                ch.touched();
            }
            if ch.relay_to.is_none() {
                let mut buf = [0i16; CHUNK];
                ch.session.pull_chunk(&mut buf);
                let _ = p.path.linear_rx(RTP_BASE + i, &buf);
            }
        }
        p.feed_moh();
        p.path.tick();
        t.taps.tick(&p.path, &p.legs, &t.metrics);
        p.advance_clips();
        // Digits: heard on a line (to the switch and the bridged leg), or to send as RFC 4733.
        while let Some(r) = p.path.poll_digit() {
            if p.path.is_tdm(r.slot) {
                if r.duration.is_some() {
                    report(&p.legs, &mut t, r.slot, r.digit);
                    if let Some(peer) = p.path.peer_of(r.slot) {
                        let _ = p.path.send_digit(peer, r.digit);
                    }
                }
            } else if let Some(Some(ch)) =
                r.slot.checked_sub(RTP_BASE).and_then(|i| p.rtp.get_mut(i))
                && ch.digits.len() < ch.digits.capacity()
            {
                ch.digits.push_back(r.digit);
            }
        }
        // Lines out.
        for s in &mut spans {
            let base = s.index * E1_TIMESLOTS;
            for (ts, out) in tx.iter_mut().enumerate() {
                *out = match p.players.get(base + ts) {
                    Some(Some(pl)) => {
                        let mut a = [ALAW_IDLE; CHUNK_SAMPLES];
                        media_dsp::g711::Law::Alaw.encode(&pl.cur, &mut a);
                        a
                    }
                    _ => p
                        .path
                        .tdm_tx(base + ts)
                        .copied()
                        .unwrap_or([ALAW_IDLE; CHUNK_SAMPLES]),
                };
            }
            // A full queue just means the line is behind.
            let _ = s.span.write_chunk(&tx);
        }
        // Analog ports out: the prompt or the path's audio for the line.
        for l in &mut lines {
            let mut a = [ALAW_IDLE; CHUNK_SAMPLES];
            let heard = match p.players.get(l.slot) {
                Some(Some(pl)) => {
                    media_dsp::g711::Law::Alaw.encode(&pl.cur, &mut a);
                    Some(&a)
                }
                _ => p.path.tdm_tx(l.slot),
            };
            l.tick_out(heard);
        }
        for s in &mut sounds {
            let mut a = [ALAW_IDLE; CHUNK_SAMPLES];
            let heard = match p.players.get(s.slot) {
                Some(Some(pl)) => {
                    media_dsp::g711::Law::Alaw.encode(&pl.cur, &mut a);
                    Some(&a)
                }
                _ => p.path.tdm_tx(s.slot),
            };
            s.tick_out(heard);
        }
        // RTP out: audio, digits, RTCP; digits received.
        for k in 0..p.active.len() {
            let i = p.active[k];
            let slot = RTP_BASE + i;
            let Some(ch) = p.rtp[i].as_mut() else {
                continue;
            };
            if ch.sending_until.is_some_and(|u| now >= u) {
                ch.session.end_digit(now);
                ch.touched();
                ch.sending_until = None;
                ch.next_digit_at = now + DIGIT_GAP;
            }
            if ch.sending_until.is_none()
                && now >= ch.next_digit_at
                && let Some(d) = ch.digits.pop_front()
            {
                match ch.session.begin_digit(now, d.as_char()) {
                    Ok(()) => ch.sending_until = Some(now + DIGIT_LEN),
                    Err(e) => debug!(leg = ch.leg.0, "rfc 4733: {e}"),
                }
                ch.touched();
            }
            if ch.relay_to.is_none()
                && let Some(h) = Path::heard_of(&p.path, &p.players, slot)
            {
                ch.session.push_chunk(now, h);
                ch.transmits = true;
            }
            if std::mem::take(&mut ch.transmits) {
                flush_rtp(ch, now, &mut p.dgram, &t.metrics);
            }
            if !std::mem::take(&mut ch.events) {
                continue;
            }
            let mut got = [None; 4];
            let mut n = 0;
            while let Some(ev) = ch.session.poll_event() {
                if let rtp::Event::Digit { digit, .. } = ev
                    && let Some(d) = Digit::from_char(digit)
                    && n < got.len()
                {
                    got[n] = Some(d);
                    n += 1;
                }
            }
            for d in got.into_iter().flatten() {
                report(&p.legs, &mut t, slot, d);
                if let Some(peer) = p.path.peer_of(slot) {
                    let _ = p.path.send_digit(peer, d);
                }
            }
        }
        t.heartbeat.fetch_add(1, Ordering::Relaxed);
        t.metrics.media_ticks.inc();

        let wall = Instant::now();
        if wall < due {
            std::thread::sleep(due - wall);
        }
        let woke = Instant::now();
        let late = woke.saturating_duration_since(due);
        if late > LATE {
            t.metrics.media_late_ticks.inc();
            if late > max_late {
                max_late = late;
                t.metrics
                    .media_max_lateness_us
                    .set(i64::try_from(late.as_micros()).unwrap_or(i64::MAX));
            }
        }
        due += period;
        // After a long stall (suspend, debugger) restart the schedule instead of bursting.
        if woke.saturating_duration_since(due) > Duration::from_millis(100) {
            due = woke + period;
        }
    }
}

/// Sends the frames the span task queued, paces the line, and takes in what arrived.
fn pump_span(
    s: &mut MediaSpan,
    metrics: &Metrics,
    rx: &mut [Chunk; E1_TIMESLOTS],
    dbuf: &mut [u8],
) {
    let mut woke = false;
    while let Ok(m) = s.rx.pop() {
        match m {
            // A full HDLC queue loses the frame as a line would; Q.921 retransmits.
            ToMedia::Dchannel(f) => {
                let _ = s.span.write_dchannel(f.bytes());
            }
            ToMedia::Loopback(mode) => {
                let ok = s.span.set_loopback(mode).is_ok();
                if s.tx.push(FromMedia::Loopback { mode, ok }).is_err() {
                    metrics.media_queue_full.inc();
                }
                woke = true;
            }
        }
    }
    let elapsed = u64::try_from(s.start.elapsed().as_micros()).unwrap_or(u64::MAX);
    let due = elapsed * FRAMES_PER_MS / 1000;
    // Once a second of line time: the counters, for the control API.
    if due / (FRAMES_PER_MS * 1000) != s.frames / (FRAMES_PER_MS * 1000) {
        if s.tx.push(FromMedia::Counters(s.span.counters())).is_err() {
            metrics.media_queue_full.inc();
        }
        woke = true;
    }
    let r = if due > s.frames {
        let n = usize::try_from(due - s.frames).unwrap_or(usize::MAX);
        s.frames = due;
        s.span.pump(n)
    } else {
        s.span.receive()
    };
    if let Err(e) = r
        && !matches!(e, VirtError::WouldBlock | VirtError::TxFull)
    {
        warn!(span = %s.name, "media thread: line closed: {e}");
        s.dead = true;
        if s.tx.push(FromMedia::Closed).is_err() {
            metrics.media_queue_full.inc();
        }
        s.notify.notify_one();
        return;
    }
    while let Some(e) = s.span.poll_event() {
        if let SpanEvent::Alarms(a) = e {
            if s.tx.push(FromMedia::Alarms(a.bits())).is_err() {
                metrics.media_queue_full.inc();
            }
            woke = true;
        }
    }
    while let Ok(Some(n)) = s.span.read_dchannel(dbuf) {
        match DFrame::new(&dbuf[..n]) {
            Some(f) => {
                if s.tx.push(FromMedia::Dchannel(f)).is_err() {
                    metrics.media_queue_full.inc();
                }
            }
            None => {
                metrics.media_queue_full.inc();
            }
        }
        woke = true;
    }
    // The received milliseconds, oldest first; a backlog beyond a few ms is dropped so the
    // delay stays bounded.
    while let Ok(n) = s.span.read_chunk(rx) {
        if n == 0 {
            break;
        }
        if s.backlog.len() >= RX_BACKLOG {
            s.backlog.pop_front();
        }
        s.backlog.push_back(*rx);
    }
    if woke {
        s.notify.notify_one();
    }
}
