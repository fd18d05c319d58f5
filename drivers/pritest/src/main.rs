//! # pri-test: a PRI D-channel test tool (level 3)
//!
//! **What it is:** a small std-only binary for technicians and tests. It runs one PRI
//! D-channel, our [`isdn::pri::Pri`] (Q.921 + Q.931), as TE or NT, over one of
//! - a virtual D-channel socket (`--dchannel unix:PATH`, one LAPD frame + FCS per packet,
//!   [`tdm::virt::VirtDchan`]), or
//! - a raw E1 virtual line (`--line unix:PATH`, [`tdm::virt::VirtE1Span`]: the `e1` framer
//!   with CRC-4 and HDLC on timeslot 16 run here, frames paced at 8000/s), or
//! - a real DAHDI span (`--dahdi SPANNO`, [`tdm::dahdi::DahdiSpan`]: the card's hardhdlc
//!   D-channel, its alarms and counters; never run on a card so far),
//!
//! and prints one JSON object per line per event on stdout (flushed per line): data link
//! up/down, calls (ring, proceeding, alerting, connect, disconnect, release), restart,
//! alarms and sync on the E1 line, and a counters line on SIGUSR1 and at exit. It can place
//! calls (`--call`, `--calls`), answer them (`--auto-answer`), clear them
//! (`--hangup-after`), inject line faults (`--impair`), and capture the D-channel
//! (`--pcap`). See docs/e1-pri.md.
//!
//! **What it is not:** not the daemon (no B-channel media, no dial plan) and not a card
//! driver (`--dahdi` goes through tdm's DAHDI backend and needs dahdi_cfg to have configured
//! the span). The loop waits in `poll(2)` on the line
//! socket until a frame arrives or the next deadline (the PRI's
//! [`Pri::poll_timeout`], a scheduled hangup, call, re-establish or fault change; on the
//! E1 line also the next millisecond of frames to send), at most [`MAX_WAIT`].

mod cli;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::Parser;
use isdn::call::{self, CallId, Event, SetupParams};
use isdn::pcap::{Direction, PcapWriter};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::ie::{Location, Notification, Progress, ProgressDescription};
use isdn::q931::{CauseValue, Role, Variant};
use serde::Serialize;
use serde_json::{Value, json};
use socket2::{Domain, SockAddr, Socket, Type};
use tdm::dahdi::{DahdiError, DahdiSpan, DeviceRoot};
use tdm::virt::{Impairments, MAX_DCHAN_PACKET, VirtDchan, VirtE1Config, VirtE1Span, VirtError};
use tdm::{Alarms, Instant, Span, SpanEvent};

use cli::{Args, Crc4Arg, RoleArg, SwitchType};

/// How long `--connect` retries while nothing listens yet.
const CONNECT_RETRY: Duration = Duration::from_secs(10);
/// Longest wait in `poll(2)` (signals interrupt it anyway; this bounds the exit-after check).
const MAX_WAIT: Duration = Duration::from_millis(50);
/// Interval between DL-ESTABLISH requests while the data link is released.
const REESTABLISH: Duration = Duration::from_secs(1);
/// The progress indicator of `--inband-progress`.
const INBAND: Progress = Progress {
    coding_standard: 0,
    location: Location::PrivateLocal,
    description: ProgressDescription::InbandAvailable,
};
/// How long `--exit-when-done` keeps running after the last call was released.
const LINGER: Duration = Duration::from_millis(300);
/// E1 frames per millisecond.
const FRAMES_PER_MS: u64 = 8;

/// The alarm bits reported, with their DAHDI names.
const ALARM_NAMES: [(Alarms, &str); 7] = [
    (Alarms::RED, "RED"),
    (Alarms::BLUE, "BLUE"),
    (Alarms::YELLOW, "YELLOW"),
    (Alarms::LOS, "LOS"),
    (Alarms::LFA, "LFA"),
    (Alarms::LMFA, "LMFA"),
    (Alarms::RECOVER, "RECOVER"),
];

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(msg) = args.check() {
        use clap::CommandFactory;
        Args::command()
            .error(clap::error::ErrorKind::ArgumentConflict, msg)
            .exit();
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pri-test: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Writes one JSON object as one line on stdout, flushed.
fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away) must not stop the line test.
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// The transport under the D-channel.
enum Line {
    /// A real DAHDI span (hardhdlc D-channel).
    Dahdi(Box<DahdiSpan>),
    /// Virtual D-channel socket.
    Dchan(VirtDchan),
    /// Raw E1 virtual line; `frames` sent so far (the pacing reference).
    E1 { span: Box<VirtE1Span>, frames: u64 },
}

/// Our own D-channel frame counts (the same on both transports).
#[derive(Debug, Default, Serialize)]
struct DchanCounts {
    rx_frames: u64,
    tx_frames: u64,
    tx_dropped: u64,
    bad_fcs: u64,
}

/// Call counts.
#[derive(Debug, Default, Serialize)]
struct CallCounts {
    placed: u32,
    incoming: u32,
    connected: u32,
    released: u32,
}

struct App<'a> {
    args: &'a Args,
    path: &'a Path,
    pri: Pri,
    line: Line,
    start: std::time::Instant,
    pcap: Option<PcapWriter<BufWriter<File>>>,
    link_up: bool,
    next_establish: Instant,
    calls_left: u32,
    outgoing: Option<CallId>,
    next_call: Instant,
    hangups: Vec<(Instant, CallId)>,
    dchan: DchanCounts,
    calls: CallCounts,
    alarms: Alarms,
    frame_sync: bool,
    crc4_sync: bool,
    impair_on: bool,
    impair_done: bool,
    /// When the data link first came up: `--impair-at` counts from here.
    first_up: Option<Instant>,
    /// With `--exit-when-done`: when to stop, once the calls are over.
    done_at: Option<Instant>,
}

fn run(args: &Args) -> Result<()> {
    let start = std::time::Instant::now();
    let deadline = args.exit_after.map(|ms| start + Duration::from_millis(ms));
    let term = Arc::new(AtomicBool::new(false));
    let usr1 = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&term)).context("installing signal handler")?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&usr1))
        .context("installing SIGUSR1 handler")?;

    let dahdi_name;
    let path = match args.dahdi {
        Some(n) => {
            dahdi_name = args.dahdi_root.join(format!("span{n}"));
            dahdi_name.as_path()
        }
        None => args
            .dchannel
            .as_deref()
            .or(args.line.as_deref())
            .context("no transport")?,
    };
    let line = if let Some(n) = args.dahdi {
        let span = DahdiSpan::open(&DeviceRoot::new(&args.dahdi_root), n)
            .with_context(|| format!("DAHDI span {n}"))?;
        if span.dchannel().is_none() {
            anyhow::bail!("DAHDI span {n} has no D-channel (configure hardhdlc in system.conf)");
        }
        emit(&json!({"event": "dahdi", "span": n,
            "name": span.description().name.clone()}));
        Line::Dahdi(Box::new(span))
    } else if let Some(sock) = open_socket(path, args.listen, deadline, &term)? {
        socket_line(args, path, sock)?
    } else {
        emit(&json!({"event": "exit", "reason": "no peer before the deadline"}));
        return Ok(());
    };

    let role = match args.role {
        RoleArg::Te => Role::User,
        RoleArg::Nt => Role::Network,
    };
    let mut ccfg = call::Config::new(role);
    ccfg.variant = match args.switchtype {
        SwitchType::Euroisdn => Variant::EuroIsdn,
        SwitchType::Qsig => Variant::Qsig,
    };
    let pcap = match &args.pcap {
        Some(p) => {
            let f = File::create(p).with_context(|| format!("creating {}", p.display()))?;
            let unix = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_micros();
            Some(
                PcapWriter::new(
                    BufWriter::new(f),
                    role == Role::Network,
                    u64::try_from(unix).unwrap_or(0),
                )
                .with_context(|| format!("writing {}", p.display()))?,
            )
        }
        None => None,
    };
    let mut app = App {
        args,
        path,
        pri: Pri::with_config(role, q921::Config::default(), ccfg),
        line,
        start,
        pcap,
        link_up: false,
        next_establish: Instant::ZERO,
        calls_left: if args.call.is_some() { args.calls } else { 0 },
        outgoing: None,
        next_call: Instant::ZERO,
        hangups: Vec::new(),
        dchan: DchanCounts::default(),
        calls: CallCounts::default(),
        alarms: Alarms::NONE,
        frame_sync: false,
        crc4_sync: false,
        impair_on: false,
        impair_done: false,
        first_up: None,
        done_at: None,
    };
    let result = app.run_loop(deadline, &term, &usr1);
    app.counters();
    if let Some(p) = app.pcap.as_mut() {
        p.flush().context("flushing the pcap file")?;
    }
    result
}

/// The socket transports: the raw E1 line or the D-channel socket.
fn socket_line(args: &Args, path: &Path, sock: Socket) -> Result<Line> {
    Ok(if args.line.is_some() {
        let framer = e1::Config {
            crc4: match args.crc4 {
                Crc4Arg::On => e1::Crc4Mode::On,
                Crc4Arg::Off => e1::Crc4Mode::Off,
                Crc4Arg::Auto => e1::Crc4Mode::Auto,
            },
            signalling: e1::Signalling::Ccs,
            recovery_holdoff: args.recovery_ms.saturating_mul(8),
            ..e1::Config::default()
        };
        let span = VirtE1Span::new(sock, VirtE1Config::new(1, framer))
            .with_context(|| format!("E1 line {}", path.display()))?;
        Line::E1 {
            span: Box::new(span),
            frames: 0,
        }
    } else {
        Line::Dchan(VirtDchan::new(sock).with_context(|| format!("D-channel {}", path.display()))?)
    })
}

/// Opens the socket at `path`: listening (accepting one peer) or connecting (retried while
/// nothing listens). `Ok(None)` when the deadline or a signal came first.
fn open_socket(
    path: &Path,
    listen: bool,
    deadline: Option<std::time::Instant>,
    term: &AtomicBool,
) -> Result<Option<Socket>> {
    let addr = SockAddr::unix(path).with_context(|| format!("socket path {}", path.display()))?;
    let sock = Socket::new(Domain::UNIX, Type::SEQPACKET, None)
        .with_context(|| format!("socket for {}", path.display()))?;
    let expired =
        || term.load(Ordering::Relaxed) || deadline.is_some_and(|d| std::time::Instant::now() >= d);
    if listen {
        // A stale socket left by an earlier run is replaced; any other file is not touched.
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
            let _ = std::fs::remove_file(path);
        }
        sock.bind(&addr)
            .with_context(|| format!("binding {}", path.display()))?;
        sock.listen(1)
            .with_context(|| format!("listening on {}", path.display()))?;
        sock.set_nonblocking(true)
            .with_context(|| format!("listening on {}", path.display()))?;
        emit(&json!({"event": "listening", "path": path.display().to_string()}));
        loop {
            match sock.accept() {
                Ok((s, _)) => return Ok(Some(s)),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("accepting on {}", path.display()));
                }
            }
            if expired() {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let give_up = std::time::Instant::now() + CONNECT_RETRY;
    loop {
        match sock.connect(&addr) {
            Ok(()) => return Ok(Some(sock)),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) && std::time::Instant::now() < give_up =>
            {
                if expired() {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e).with_context(|| format!("connecting to {}", path.display())),
        }
    }
}

impl App<'_> {
    fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    fn run_loop(
        &mut self,
        deadline: Option<std::time::Instant>,
        term: &AtomicBool,
        usr1: &AtomicBool,
    ) -> Result<()> {
        let now = self.now();
        self.pri.start(now);
        self.next_establish = now + REESTABLISH;
        loop {
            if term.load(Ordering::Relaxed) {
                emit(&json!({"event": "exit", "reason": "signal"}));
                return Ok(());
            }
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                emit(&json!({"event": "exit", "reason": "exit-after"}));
                return Ok(());
            }
            if usr1.swap(false, Ordering::Relaxed) {
                self.counters();
            }
            let now = self.now();
            self.schedule_impairments(now);
            if matches!(self.line, Line::Dahdi(_)) {
                self.receive_dahdi(now)
                    .with_context(|| format!("DAHDI {}", self.path.display()))?;
            }
            match self.receive(now) {
                Ok(()) => {}
                Err(e) if far_end_gone(&e) => {
                    emit(&json!({"event": "exit", "reason": "line closed by the far end"}));
                    return Ok(());
                }
                Err(e) => return Err(e).with_context(|| format!("line {}", self.path.display())),
            }
            if self.pri.poll_timeout().is_some_and(|t| t <= now) {
                self.pri.handle_timeout(now);
            }
            self.after_pri(now);
            self.actions(now);
            self.after_pri(now);
            self.transmit(now)?;
            if self.args.exit_when_done && self.calls_done() {
                // Linger so the last frames (RELEASE COMPLETE, acknowledgements) leave on
                // the paced line and the far end finishes its side of the call.
                let at = *self.done_at.get_or_insert(now + LINGER);
                if now >= at {
                    emit(&json!({"event": "exit", "reason": "calls done"}));
                    return Ok(());
                }
            }
            self.wait(deadline);
        }
    }

    /// All `--calls` placed and released, none left to clear.
    fn calls_done(&self) -> bool {
        self.calls_left == 0 && self.outgoing.is_none() && self.hangups.is_empty()
    }

    /// When `--impair` is due on (the first l2_up + `--impair-at`) and off again; `None`
    /// before the data link first came up.
    fn impair_window(&self) -> Option<(Instant, Option<Instant>)> {
        let on = self.first_up? + Duration::from_millis(self.args.impair_at.unwrap_or(0));
        let off = self.args.impair_for.map(|f| on + Duration::from_millis(f));
        Some((on, off))
    }

    /// The next moment something is due without input from the line.
    fn next_deadline(&self) -> Option<Instant> {
        let mut next = self.pri.poll_timeout();
        let mut consider = |t: Instant| next = Some(next.map_or(t, |n| n.min(t)));
        for &(t, _) in &self.hangups {
            consider(t);
        }
        if let Some(t) = self.done_at {
            consider(t);
        }
        if !self.link_up {
            consider(self.next_establish);
        }
        let held = self.args.calls_after_impair && !self.impair_done;
        if self.link_up && !held && self.outgoing.is_none() && self.calls_left > 0 {
            consider(self.next_call);
        }
        if let (true, Some((on, off))) = (self.args.impair.is_some(), self.impair_window()) {
            if !self.impair_on && !self.impair_done {
                consider(on);
            } else if let (true, Some(off)) = (self.impair_on, off) {
                consider(off);
            }
        }
        if let Line::E1 { frames, .. } = &self.line {
            // The next whole millisecond of E1 frames (8000 frames/s pacing).
            consider(Instant::from_micros((frames / FRAMES_PER_MS + 1) * 1000));
        }
        next
    }

    /// Sleeps in `poll(2)` until the socket is readable, the next deadline, or a signal.
    fn wait(&self, exit_at: Option<std::time::Instant>) {
        use nix::poll::{PollFd, PollFlags, poll};
        use std::os::fd::AsFd;
        let now = self.now();
        let mut wait = self
            .next_deadline()
            .map_or(MAX_WAIT, |t| t.saturating_duration_since(now))
            .min(MAX_WAIT);
        if let Some(d) = exit_at {
            wait = wait.min(d.saturating_duration_since(std::time::Instant::now()));
        }
        if wait.is_zero() {
            return;
        }
        // Round up: waking early only costs a loop turn, waking late delays a timer.
        let ms = u16::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(u16::MAX);
        let fd = match &self.line {
            Line::Dchan(d) => d.as_fd(),
            Line::E1 { span, .. } => span.as_fd(),
            Line::Dahdi(_) => {
                // tdm's DahdiSpan does not lend its channel fds: look again in 1 ms.
                std::thread::sleep(wait.min(Duration::from_millis(1)));
                return;
            }
        };
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        // EINTR (a signal) and readiness both just mean: go round the loop.
        let _ = poll(&mut fds, ms);
    }

    /// Applies or removes `--impair` on its schedule, which starts at the first l2_up.
    fn schedule_impairments(&mut self, now: Instant) {
        let Some(imp) = self.args.impair else { return };
        let Some((on, off)) = self.impair_window() else {
            return;
        };
        let Line::E1 { span, .. } = &mut self.line else {
            return;
        };
        if !self.impair_on && !self.impair_done && now >= on {
            span.set_impairments(imp);
            self.impair_on = true;
            emit(&json!({"event": "impair", "on": true, "faults": describe_impair(&imp)}));
        }
        if self.impair_on && off.is_some_and(|off| now >= off) {
            span.set_impairments(Impairments::none());
            self.impair_on = false;
            self.impair_done = true;
            emit(&json!({"event": "impair", "on": false}));
            if self.args.calls_after_impair {
                // The held calls start one --call-interval after the fault is removed.
                self.next_call = now + Duration::from_millis(self.args.call_interval);
            }
        }
    }

    /// Paces the E1 line, reports its events, and feeds received D-channel frames to the PRI.
    fn receive(&mut self, now: Instant) -> Result<(), VirtError> {
        let mut buf = [0u8; MAX_DCHAN_PACKET];
        let mut frames_in: Vec<Vec<u8>> = Vec::new();
        match &mut self.line {
            // Read by receive_dahdi.
            Line::Dahdi(_) => {}
            Line::Dchan(d) => {
                while let Some(n) = d.recv(&mut buf)? {
                    frames_in.push(buf[..n].to_vec());
                }
                self.dchan.bad_fcs = d.counters().bad_fcs;
            }
            Line::E1 { span, frames } => {
                let due = now.as_micros() * FRAMES_PER_MS / 1000;
                if due > *frames {
                    let n = usize::try_from(due - *frames).unwrap_or(usize::MAX);
                    span.pump(n)?;
                    *frames = due;
                } else {
                    span.receive()?;
                }
                let mut evs = Vec::new();
                while let Some(e) = span.poll_event() {
                    evs.push(e);
                }
                while let Some(n) = span.read_dchannel(&mut buf)? {
                    frames_in.push(buf[..n].to_vec());
                }
                self.dchan.bad_fcs = span.counters().dchan_bad_fcs;
                for e in evs {
                    self.span_event(now, e);
                }
            }
        }
        self.frames_received(now, frames_in);
        Ok(())
    }

    /// Counts and captures received D-channel frames and feeds them to the PRI.
    fn frames_received(&mut self, now: Instant, frames: Vec<Vec<u8>>) {
        for f in frames {
            self.dchan.rx_frames += 1;
            if let Some(p) = self.pcap.as_mut() {
                let _ = p.write_frame(now, Direction::Received, &f);
            }
            self.pri.handle_input(now, &f);
        }
    }

    /// Reads the DAHDI span's D-channel and events.
    fn receive_dahdi(&mut self, now: Instant) -> Result<(), DahdiError> {
        let Line::Dahdi(span) = &mut self.line else {
            return Ok(());
        };
        let mut buf = [0u8; MAX_DCHAN_PACKET];
        let mut frames_in = Vec::new();
        while let Some(n) = span.read_dchannel(&mut buf)? {
            frames_in.push(buf[..n].to_vec());
        }
        let mut evs = Vec::new();
        while let Some(e) = span.poll_event() {
            evs.push(e);
        }
        self.dchan.bad_fcs = span.counters().dchan_bad_fcs;
        for e in evs {
            self.span_event(now, e);
        }
        self.frames_received(now, frames_in);
        Ok(())
    }

    fn span_event(&mut self, now: Instant, e: SpanEvent) {
        match e {
            SpanEvent::Alarms(a) => {
                // Layer 1 lost (RED: LOS/LOF, BLUE: AIS): release the data link now rather
                // than after T200 × N200; it comes back by itself when the alarm clears.
                let lost = |x: Alarms| x.contains(Alarms::RED) || x.contains(Alarms::BLUE);
                if lost(a) && !lost(self.alarms) {
                    self.pri.physical_deactivated(now);
                }
                // Layer 1 back (PH-ACTIVATE indication): ask for the data link at once.
                if !lost(a)
                    && lost(self.alarms)
                    && self.pri.link().state() == q921::State::TeiAssigned
                {
                    self.pri.start(now);
                    self.next_establish = now + REESTABLISH;
                }
                for (bit, name) in ALARM_NAMES {
                    let (was, is) = (self.alarms.contains(bit), a.contains(bit));
                    if was != is {
                        emit(&json!({"event": "alarm", "name": name, "raised": is}));
                    }
                }
                self.alarms = a;
            }
            SpanEvent::FrameSync(up) => {
                self.frame_sync = up;
                emit(&json!({"event": "sync", "frame": up, "crc4": self.crc4_sync}));
            }
            SpanEvent::MultiframeSync(up) => {
                self.crc4_sync = up;
                emit(&json!({"event": "sync", "frame": self.frame_sync, "crc4": up}));
            }
            SpanEvent::Slip => {
                let slips = match &self.line {
                    Line::E1 { span, .. } => span.counters().slips,
                    Line::Dahdi(span) => span.counters().slips,
                    Line::Dchan(_) => 0,
                };
                emit(&json!({"event": "slip", "slips": slips}));
            }
            _ => {}
        }
    }

    /// Reports data-link changes and call events, and answers them.
    fn after_pri(&mut self, now: Instant) {
        let up = self.pri.link().is_established();
        if up != self.link_up {
            self.link_up = up;
            emit(&json!({"event": if up { "l2_up" } else { "l2_down" }}));
            if up && self.first_up.is_none() {
                self.first_up = Some(now);
            }
            if up && self.args.restart {
                self.pri.restart(now, None);
                emit(&json!({"event": "restart", "sent": true, "channel": null}));
            }
            if !up {
                self.next_establish = now + REESTABLISH;
            }
        }
        while let Some(ev) = self.pri.poll_event() {
            self.call_event(now, ev);
        }
    }

    fn call_event(&mut self, now: Instant, ev: Event) {
        match ev {
            Event::IncomingCall {
                call,
                called,
                calling,
                channel,
                ..
            } => {
                self.calls.incoming += 1;
                emit(&json!({"event": "ring", "call": call.0, "called": called,
                    "calling": calling.unwrap_or_default(), "channel": channel}));
                if self.args.auto_answer {
                    let inband = self.args.inband_progress;
                    let r = self
                        .pri
                        .proceeding(now, call)
                        .and_then(|()| {
                            if inband {
                                self.pri
                                    .with_calls(now, |cc, _| cc.progress(call, INBAND, None))
                            } else {
                                Ok(())
                            }
                        })
                        .and_then(|()| self.pri.alerting(now, call))
                        .and_then(|()| self.pri.connect(now, call));
                    if let Err(e) = r {
                        emit(&json!({"event": "error", "call": call.0, "error": e.to_string()}));
                    }
                }
            }
            Event::Proceeding { call, channel } => {
                emit(&json!({"event": "proceeding", "call": call.0, "channel": channel}));
            }
            Event::SetupAcknowledged { call } => {
                emit(&json!({"event": "setup_ack", "call": call.0}));
            }
            Event::Alerting { call } => emit(&json!({"event": "alerting", "call": call.0})),
            Event::Connected { call } => {
                self.calls.connected += 1;
                emit(&json!({"event": "connect", "call": call.0,
                    "channel": self.pri.calls().channel(call)}));
                if let Some(ms) = self.args.hangup_after {
                    self.hangups.push((now + Duration::from_millis(ms), call));
                }
                if let Some(d) = self.args.notify {
                    let n = Notification {
                        description: d,
                        extra: Vec::new(),
                    };
                    if let Err(e) = self.pri.with_calls(now, |cc, _| cc.notify(call, n)) {
                        emit(&json!({"event": "error", "call": call.0, "error": e.to_string()}));
                    }
                }
            }
            Event::Progress {
                call,
                progress,
                cause,
            } => {
                emit(&json!({"event": "progress", "call": call.0,
                    "description": progress.description.to_u8(),
                    "location": progress.location.to_u8(),
                    "cause": cause.map(|c| c.0)}));
            }
            Event::Notify { call, notification } => {
                emit(&json!({"event": "notify", "call": call.0,
                    "description": notification.description,
                    "extra": hex(&notification.extra)}));
            }
            Event::Facility { call, contents } => {
                emit(&json!({"event": "facility", "call": call.0, "contents": hex(&contents)}));
            }
            Event::Digits {
                call,
                digits,
                complete,
            } => {
                emit(
                    &json!({"event": "digits", "call": call.0, "digits": digits, "complete": complete}),
                );
            }
            Event::Disconnected { call, cause } => {
                emit(&cause_json("disconnect", call, cause, Some("remote")));
                self.hangups.retain(|&(_, c)| c != call);
                if let Err(e) = self.pri.release(now, call, CauseValue::NORMAL_CLEARING) {
                    emit(&json!({"event": "error", "call": call.0, "error": e.to_string()}));
                }
            }
            Event::Released { call, cause } => {
                self.calls.released += 1;
                emit(&cause_json("release", call, cause, None));
                self.hangups.retain(|&(_, c)| c != call);
                if self.outgoing == Some(call) {
                    self.outgoing = None;
                    self.next_call = now + Duration::from_millis(self.args.call_interval);
                }
            }
            Event::RestartDone { channel } => {
                emit(&json!({"event": "restart", "done": true, "channel": channel}));
            }
            Event::RestartFailed { channel } => {
                emit(&json!({"event": "restart", "done": false, "channel": channel}));
            }
            other => emit(&json!({"event": "other", "detail": format!("{other:?}")})),
        }
    }

    /// Places calls, clears them, keeps the data link asked for.
    fn actions(&mut self, now: Instant) {
        if !self.link_up
            && now >= self.next_establish
            && self.pri.link().state() == q921::State::TeiAssigned
        {
            self.pri.start(now);
            self.next_establish = now + REESTABLISH;
        }
        let due: Vec<CallId> = self
            .hangups
            .iter()
            .filter(|&&(t, _)| t <= now)
            .map(|&(_, c)| c)
            .collect();
        self.hangups.retain(|&(t, _)| t > now);
        for call in due {
            match self.pri.disconnect(now, call, CauseValue::NORMAL_CLEARING) {
                Ok(()) => emit(&cause_json(
                    "disconnect",
                    call,
                    CauseValue::NORMAL_CLEARING,
                    Some("local"),
                )),
                Err(e) => {
                    emit(&json!({"event": "error", "call": call.0, "error": e.to_string()}));
                }
            }
        }
        let held = self.args.calls_after_impair && !self.impair_done;
        if self.link_up
            && !held
            && self.outgoing.is_none()
            && self.calls_left > 0
            && now >= self.next_call
        {
            let Some(called) = self.args.call.as_deref() else {
                return;
            };
            let mut p = SetupParams::speech(called);
            p.calling.clone_from(&self.args.from);
            match self.pri.setup(now, p) {
                Ok(call) => {
                    self.calls_left -= 1;
                    self.calls.placed += 1;
                    self.outgoing = Some(call);
                    emit(&json!({"event": "setup", "call": call.0, "called": called,
                        "calling": self.args.from.clone().unwrap_or_default()}));
                }
                Err(e) => {
                    self.calls_left -= 1;
                    emit(&json!({"event": "error", "error": e.to_string()}));
                }
            }
        }
    }

    fn transmit(&mut self, now: Instant) -> Result<()> {
        while let Some(f) = self.pri.poll_transmit() {
            if let Some(p) = self.pcap.as_mut() {
                let _ = p.write_frame(now, Direction::Sent, &f);
            }
            let r = match &mut self.line {
                Line::Dchan(d) => d.send(&f),
                Line::E1 { span, .. } => span.write_dchannel(&f),
                Line::Dahdi(span) => {
                    match span.write_dchannel(&f) {
                        Ok(()) => self.dchan.tx_frames += 1,
                        Err(DahdiError::QueueFull) => self.dchan.tx_dropped += 1,
                        Err(e) => {
                            return Err(e)
                                .with_context(|| format!("sending on {}", self.path.display()));
                        }
                    }
                    continue;
                }
            };
            match r {
                Ok(()) => self.dchan.tx_frames += 1,
                // A full queue loses the frame as a line would; Q.921 retransmits.
                Err(VirtError::WouldBlock | VirtError::TxFull | VirtError::E1(_)) => {
                    self.dchan.tx_dropped += 1;
                }
                Err(e) if far_end_gone(&e) => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("sending on {}", self.path.display()));
                }
            }
        }
        Ok(())
    }

    /// Prints the counters line.
    fn counters(&self) {
        let mut v = json!({
            "event": "counters",
            "dchan": self.dchan,
            "calls": self.calls,
            "l2_up": self.link_up,
            "switchtype": match self.args.switchtype {
                SwitchType::Euroisdn => "euroisdn",
                SwitchType::Qsig => "qsig",
            },
        });
        if let Line::Dahdi(span) = &self.line {
            let c = span.counters();
            v["line"] = json!({
                "bpv": c.bpv, "crc4": c.crc4, "ebit": c.ebit, "fas": c.fas,
                "errsec": c.errsec, "slips": c.slips,
                "dchan_rx": c.dchan_rx, "dchan_tx": c.dchan_tx,
                "dchan_bad_fcs": c.dchan_bad_fcs, "dchan_aborts": c.dchan_aborts,
                "alarms": ALARM_NAMES.iter().filter(|(b, _)| span.alarms().contains(*b))
                    .map(|(_, n)| *n).collect::<Vec<_>>(),
            });
        }
        if let Line::E1 { span, .. } = &self.line {
            let c = span.counters();
            let s = span.stats();
            let i = span.impairer().stats();
            v["line"] = json!({
                "bpv": c.bpv, "crc4": c.crc4, "ebit": c.ebit, "fas": c.fas,
                "errsec": c.errsec, "slips": c.slips,
                "dchan_rx": c.dchan_rx, "dchan_tx": c.dchan_tx,
                "dchan_bad_fcs": c.dchan_bad_fcs, "dchan_aborts": c.dchan_aborts,
                "tx_frames": s.tx_frames, "rx_frames": s.rx_frames, "tx_dropped": s.tx_dropped,
                "alarms": ALARM_NAMES.iter().filter(|(b, _)| span.alarms().contains(*b))
                    .map(|(_, n)| *n).collect::<Vec<_>>(),
            });
            v["impair"] = json!({
                "bits_flipped": i.bits_flipped,
                "frames_deleted": i.frames_deleted,
                "frames_repeated": i.frames_repeated,
            });
        }
        emit(&v);
    }
}

/// Octets as lowercase hex, no separators.
fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The far end closed or reset the socket (it exited): an end, not a failure.
fn far_end_gone(e: &VirtError) -> bool {
    match e {
        VirtError::Closed => true,
        VirtError::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        _ => false,
    }
}

/// A disconnect or release line; `by` says who cleared (disconnect only).
fn cause_json(event: &str, call: CallId, cause: CauseValue, by: Option<&str>) -> Value {
    let mut v = json!({"event": event, "call": call.0, "cause": cause.0,
        "cause_name": cause.name().unwrap_or("unknown")});
    if let Some(by) = by {
        v["by"] = json!(by);
    }
    v
}

fn describe_impair(i: &Impairments) -> Value {
    json!({"ber": i.ber, "ais": i.ais, "los": i.los,
        "slip_every": i.slip_every.map(std::num::NonZeroU32::get), "ppm": i.ppm_offset})
}
