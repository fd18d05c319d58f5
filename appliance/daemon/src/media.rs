//! The real-time media thread (ARCHITECTURE rule 3).
//!
//! One std thread (not tokio) wakes every millisecond and, for every span it owns:
//! 1. paces the virtual E1 line (8 frames per ms, counted from the thread's start so a late
//!    tick catches up instead of drifting);
//! 2. hands received D-channel frames and line events to the span's async task, and sends the
//!    frames that task queued;
//! 3. reads the received millisecond of every timeslot and writes one to send, per the
//!    B-channel's mode: idle (A-law silence), echo (what came in goes back: extension 600),
//!    or a 1 kHz tone (extension 601).
//!
//! It talks to the async side only through bounded lock-free SPSC queues ([`rtrb`]) and a
//! [`tokio::sync::Notify`] to wake the span task; the tick allocates nothing.
//!
//! At start it asks for SCHED_FIFO (thread-priority) and, when `RLIMIT_MEMLOCK` is
//! unlimited, locks the process memory (`mlockall`): with a finite limit `MCL_FUTURE` would
//! make later allocations fail, so it is skipped with a warning. Both fall back to a warning
//! when not allowed (`appliance_media_realtime` says which one was got).
//!
//! **Not yet:** echo cancelling, DTMF detection, G.711 ↔ RTP: that is the switch's media
//! path (crate `switch`), to be driven here once SIP/RTP legs exist to bridge to.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rtrb::{Consumer, Producer, RingBuffer};
use tdm::virt::{VirtE1Span, VirtError};
use tdm::{CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Span, SpanEvent};
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::metrics::Metrics;

/// Largest D-channel frame moved (Q.921 N201 = 260 octets of information + address and
/// control).
pub(crate) const DFRAME_MAX: usize = 264;
/// Depth of each span's queues.
const QUEUE: usize = 256;
/// A-law idle pattern.
const ALAW_IDLE: u8 = 0xD5;
/// A tick starting more than this after its due time counts as late.
const LATE: Duration = Duration::from_millis(1);
/// E1 frames per millisecond.
const FRAMES_PER_MS: u64 = 8;

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

/// What a B-channel sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A-law silence.
    Idle,
    /// Loop the received audio back (echo test).
    Echo,
    /// 1 kHz test tone.
    Tone,
}

/// From the span task to the media thread. Frames travel inline (no allocation on the media
/// thread), so the variants differ in size on purpose.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum ToMedia {
    /// Send this D-channel frame.
    Dchannel(DFrame),
    /// Set what a timeslot sends.
    Bchannel { timeslot: u8, mode: Mode },
}

/// From the media thread to the span task (frames inline, as [`ToMedia`]).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum FromMedia {
    /// A received D-channel frame.
    Dchannel(DFrame),
    /// The line's alarm bits changed.
    Alarms(u32),
    /// The far end closed the line (or it failed): the span is dropped.
    Closed,
}

/// The span task's ends of a span's queues.
#[derive(Debug)]
pub(crate) struct SpanPort {
    pub(crate) tx: Producer<ToMedia>,
    pub(crate) rx: Consumer<FromMedia>,
    pub(crate) notify: Arc<Notify>,
}

/// A span handed to the media thread.
struct MediaSpan {
    name: String,
    span: Box<VirtE1Span>,
    tx: Producer<FromMedia>,
    rx: Consumer<ToMedia>,
    notify: Arc<Notify>,
    modes: [Mode; E1_TIMESLOTS],
    frames: u64,
    start: Instant,
    dead: bool,
}

impl std::fmt::Debug for MediaSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSpan")
            .field("name", &self.name)
            .finish()
    }
}

/// Handle on the media thread.
#[derive(Debug)]
pub(crate) struct Media {
    ctrl: std::sync::Mutex<Producer<MediaSpanBox>>,
    heartbeat: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Boxed so the control queue's slots stay small.
type MediaSpanBox = Box<MediaSpan>;

/// Starts the media thread.
pub(crate) fn start(metrics: &Metrics) -> std::io::Result<Media> {
    let (ctrl_tx, ctrl_rx) = RingBuffer::<MediaSpanBox>::new(16);
    let heartbeat = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new().name("media".into()).spawn({
        let (heartbeat, stop, metrics) =
            (Arc::clone(&heartbeat), Arc::clone(&stop), metrics.clone());
        move || run(ctrl_rx, &heartbeat, &stop, &metrics)
    })?;
    Ok(Media {
        ctrl: std::sync::Mutex::new(ctrl_tx),
        heartbeat,
        stop,
        thread: Some(thread),
    })
}

impl Media {
    /// Counts media ticks: the watchdog pings only while it moves.
    pub(crate) fn heartbeat(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.heartbeat)
    }

    /// Hands `span` to the media thread; returns the span task's ends of its queues.
    pub(crate) fn add_span(&self, name: &str, span: VirtE1Span) -> Option<SpanPort> {
        let (to_media_tx, to_media_rx) = RingBuffer::new(QUEUE);
        let (from_media_tx, from_media_rx) = RingBuffer::new(QUEUE);
        let notify = Arc::new(Notify::new());
        let ms = Box::new(MediaSpan {
            name: name.to_owned(),
            span: Box::new(span),
            tx: from_media_tx,
            rx: to_media_rx,
            notify: Arc::clone(&notify),
            modes: [Mode::Idle; E1_TIMESLOTS],
            frames: 0,
            start: Instant::now(),
            dead: false,
        });
        let mut ctrl = self
            .ctrl
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ctrl.push(ms).ok()?;
        Some(SpanPort {
            tx: to_media_tx,
            rx: from_media_rx,
            notify,
        })
    }

    /// Stops the thread and waits for it.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// SCHED_FIFO and locked memory, where allowed.
fn go_realtime(metrics: &Metrics) {
    use thread_priority::{
        RealtimeThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    let prio = ThreadPriority::Crossplatform(
        thread_priority::ThreadPriorityValue::try_from(50u8).unwrap_or_default(),
    );
    match set_thread_priority_and_policy(
        thread_native_id(),
        prio,
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
    ) {
        Ok(()) => {
            metrics.media_realtime.set(1);
            info!("media thread: SCHED_FIFO");
        }
        Err(e) => warn!(
            "media thread: SCHED_FIFO not allowed ({e:?}); running with normal priority (give the service CAP_SYS_NICE or LimitRTPRIO)"
        ),
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

/// One period of a 1 kHz tone at 8 kHz (exactly one chunk), A-law, about -10 dBm0.
fn tone_chunk() -> Chunk {
    let mut c = [0; CHUNK_SAMPLES];
    for (i, s) in c.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let x = (f64::from(u8::try_from(i).unwrap_or(0)) * std::f64::consts::TAU / 8.0).sin()
            * 10_000.0;
        #[allow(clippy::cast_possible_truncation)]
        let lin = x as i16;
        *s = media_dsp::g711::linear_to_alaw(lin);
    }
    c
}

fn run(
    mut ctrl: Consumer<MediaSpanBox>,
    heartbeat: &AtomicU64,
    stop: &AtomicBool,
    metrics: &Metrics,
) {
    go_realtime(metrics);
    let tone = tone_chunk();
    let mut spans: Vec<Box<MediaSpan>> = Vec::with_capacity(8);
    let mut rx = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    let mut tx = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    let mut dbuf = [0u8; 1024];
    let period = Duration::from_millis(1);
    let mut due = Instant::now() + period;
    let mut max_late = Duration::ZERO;
    while !stop.load(Ordering::Relaxed) {
        while let Ok(s) = ctrl.pop() {
            info!(span = %s.name, "media thread: span added");
            spans.push(s);
        }
        for s in &mut spans {
            if !s.dead {
                tick_span(s, metrics, &mut rx, &mut tx, &tone, &mut dbuf);
            }
        }
        spans.retain(|s| !s.dead);
        heartbeat.fetch_add(1, Ordering::Relaxed);
        metrics.media_ticks.inc();

        let now = Instant::now();
        if now < due {
            std::thread::sleep(due - now);
        }
        let woke = Instant::now();
        let late = woke.saturating_duration_since(due);
        if late > LATE {
            metrics.media_late_ticks.inc();
            if late > max_late {
                max_late = late;
                metrics
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

fn tick_span(
    s: &mut MediaSpan,
    metrics: &Metrics,
    rx: &mut [Chunk; E1_TIMESLOTS],
    tx: &mut [Chunk; E1_TIMESLOTS],
    tone: &Chunk,
    dbuf: &mut [u8],
) {
    let mut woke = false;
    // Frames the span task queued, and B-channel modes.
    while let Ok(m) = s.rx.pop() {
        match m {
            ToMedia::Dchannel(f) => {
                // A full HDLC queue loses the frame as a line would; Q.921 retransmits.
                let _ = s.span.write_dchannel(f.bytes());
            }
            ToMedia::Bchannel { timeslot, mode } => {
                if let Some(m) = s.modes.get_mut(usize::from(timeslot)) {
                    *m = mode;
                }
            }
        }
    }
    // The millisecond to send.
    for (ts, out) in tx.iter_mut().enumerate() {
        *out = match s.modes[ts] {
            Mode::Idle => [ALAW_IDLE; CHUNK_SAMPLES],
            Mode::Echo => rx[ts],
            Mode::Tone => *tone,
        };
    }
    // Pace the line.
    let elapsed = u64::try_from(s.start.elapsed().as_micros()).unwrap_or(u64::MAX);
    let due = elapsed * FRAMES_PER_MS / 1000;
    let r = if due > s.frames {
        let n = usize::try_from(due - s.frames).unwrap_or(usize::MAX);
        s.frames = due;
        // Keep at most a few ms queued; TxFull just means the line is behind.
        match s.span.write_chunk(tx) {
            Ok(()) | Err(VirtError::TxFull) => {}
            Err(_) => {}
        }
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
    // The received millisecond(s): keep the latest for echo.
    while let Ok(n) = s.span.read_chunk(rx) {
        if n == 0 {
            break;
        }
    }
    if woke {
        s.notify.notify_one();
    }
}
