//! # analog-sim: a simulated phone and a simulated central office (level 3)
//!
//! **What it is:** a small std-only binary for tests, demos and technicians. It runs one end
//! of an analog virtual line (`--line unix:PATH`, [`tdm::virt::VirtAnalogLine`], one packet
//! per millisecond: line-state bits + 8 linear samples, `docs/virtual-lines.md`):
//! - `analog-sim phone`: the terminal end, an [`analog::Fxo`] machine: goes off-hook, hears
//!   tones (media-dsp's tone detector), dials by DTMF or pulses, detects ringing and its
//!   cadence, receives caller ID, answers, supervises disconnects;
//! - `analog-sim co`: the exchange end, an [`analog::Fxs`] machine: feeds battery, gives dial
//!   tone, collects digits, rings with the country cadence and caller ID, answers with a
//!   polarity reversal, and clears by busy tone only, polarity reversal or battery drop.
//!
//! Both print one JSON object per line per event on stdout (flushed per line), and take a
//! `--script` of `;`-separated commands (see `script.rs` and `docs/analog.md`); a script
//! that completes exits 0, a `wait` that times out exits 1. Everything runs in **line
//! time**: ticks of 1 ms, one packet each way per tick, the `t_ms` of the JSON lines and the
//! unit of every script `sleep`/`wait`, `--exit-after`, `--answer-delay` and
//! `--hangup-after`. The two ends tick in lockstep: tick N takes the far end's packet
//! N − 40 (its signals, then its audio; a 40-tick jitter buffer, silence before it fills)
//! and sends our packet N, and a tick whose far-end packet has not arrived waits for it
//! (line time stands still for both ends while either process is descheduled, so a stall
//! costs no audio and no timer runs out in it). The wall clock only paces: a tick never
//! runs ahead of it (1 ms sleep-and-poll loop on a non-blocking socket), and ticks lost to
//! a stall are caught up as fast as the far end allows. A far end that sends nothing for
//! 5 s of wall clock is not waited for any longer (ticks go on with silence until its
//! packets come again).
//!
//! **What it is not:** not the daemon and not a switch (one line, no call routing; the CO
//! answers whatever is dialled), no real hardware.

mod script;

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use analog::{
    AnalogError, CallerInfo, CidSignalling, CidStart, Country, DialMode, DisconnectSignals, Fxo,
    FxoConfig, FxoEvent, Fxs, FxsConfig, FxsEvent, Input, Instant, Polarity, ToneKind, Transmit,
};
use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use media_dsp::fsk::FskStandard;
use serde_json::{Value, json};
use socket2::{Domain, SockAddr, Socket, Type};
use tdm::virt::{VirtAnalogLine, VirtError};
use tdm::{AnalogPort, AudioChunk, LineSignal, PortKind};

use script::Cmd;

/// How long `--connect` retries while nothing listens yet.
const CONNECT_RETRY: Duration = Duration::from_secs(10);
/// Most chunks of our own audio queued for the line.
const MAX_TX_QUEUE: usize = 50;
/// Most chunks of the far end's audio queued (a far end faster than us loses the oldest).
const MAX_RX_QUEUE: usize = 200;
/// Line-time latency of the far end's packets: tick N takes its packet N − RX_PRIME (a
/// jitter buffer; each end may run up to this many ticks ahead of the other before it has
/// to wait, so the two processes rarely block each other on a loaded machine).
const RX_PRIME: u64 = 40;
/// Wall-clock time after the far end's last packet beyond which a tick no longer waits for
/// the far end (it ticks with silence): a peer that stopped sending without closing the
/// line must not freeze us. No scheduler stall of a test machine comes near it.
const FAR_END_SILENT: Duration = Duration::from_secs(5);
const SILENCE: AudioChunk = [0; 8];

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    /// The terminal end (a phone; what an FXO port is).
    Phone,
    /// The exchange end (a central office; what an FXS port is).
    Co,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CountryArg {
    /// China: 450 Hz tones, ring 1 s on / 4 s off.
    Cn,
    /// ETSI: 425 Hz tones, ring 1 s / 4 s.
    Etsi,
    /// North America: dual tones, ring 2 s / 4 s.
    Na,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CidMode {
    /// FSK ITU-T V.23 (ETSI, China).
    FskV23,
    /// FSK Bell 202.
    FskBell202,
    /// DTMF CLIP (ETSI EN 300 659-1 Annex B).
    Dtmf,
    /// No caller ID.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CidStartArg {
    /// Between the first and second ring.
    Ring,
    /// Before the first ring, after a polarity reversal.
    Polarity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum HangupArg {
    /// Busy tone only (no polarity reversal on answer, no battery drop).
    Busy,
    /// Reversal on answer, reversal back on clear.
    Polarity,
    /// Battery drop (open-loop disconnect) on clear.
    Battery,
}

/// A simulated analog phone or central office on a virtual analog line, printing one JSON
/// object per line and event.
#[derive(Debug, Parser)]
#[command(name = "analog-sim", version)]
struct Args {
    /// Which end to simulate.
    #[arg(value_enum)]
    role: Role,
    /// The virtual analog line: unix:PATH.
    #[arg(long, value_parser = parse_endpoint)]
    line: PathBuf,
    /// Create the socket at PATH and wait for the far end (default: connect to it).
    #[arg(long)]
    listen: bool,
    /// Tone plan and ring cadence.
    #[arg(long, value_enum, default_value = "cn")]
    country: CountryArg,
    /// Caller-ID signalling (sent by a co, expected by a phone).
    #[arg(long, value_enum, default_value = "fsk-v23")]
    cid_mode: CidMode,
    /// When caller ID comes.
    #[arg(long, value_enum, default_value = "ring")]
    cid_start: CidStartArg,
    /// Commands separated by ';' (see docs/analog.md).
    #[arg(long)]
    script: Option<String>,
    /// Stop after MS milliseconds.
    #[arg(long)]
    exit_after: Option<u64>,
    /// co: ring the phone once the line is up.
    #[arg(long)]
    ring: bool,
    /// co: caller-ID number sent with rings.
    #[arg(long)]
    cid: Option<String>,
    /// co: caller-ID name sent with rings (FSK only).
    #[arg(long)]
    cid_name: Option<String>,
    /// co: answer any number the phone dials, after --answer-delay of ringback.
    #[arg(long)]
    answer: bool,
    /// co: ringback before answering, ms.
    #[arg(long, default_value_t = 2000)]
    answer_delay: u64,
    /// co: how to clear a call (default: polarity reversal and battery drop together).
    #[arg(long, value_enum)]
    hangup: Option<HangupArg>,
    /// co or phone: clear a connected call after MS milliseconds.
    #[arg(long)]
    hangup_after: Option<u64>,
    /// phone: answer at the Nth ring.
    #[arg(long)]
    answer_on_ring: Option<u32>,
    /// phone: do not treat busy/congestion tone as a disconnect.
    #[arg(long)]
    no_busy_detect: bool,
    /// Write every millisecond heard from the line to PATH: raw 8 kHz 16-bit
    /// little-endian linear samples, in line time (for measuring what a call carried).
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
}

/// `unix:PATH` → PATH.
fn parse_endpoint(s: &str) -> Result<PathBuf, String> {
    match s.strip_prefix("unix:") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => Err(format!("expected unix:PATH, got {s:?}")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("analog-sim: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes one JSON object as one line on stdout, flushed.
fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn country(c: CountryArg) -> Country {
    match c {
        CountryArg::Cn => Country::China,
        CountryArg::Etsi => Country::Etsi,
        CountryArg::Na => Country::NorthAmerica,
    }
}

fn cid_signalling(m: CidMode) -> Option<CidSignalling> {
    match m {
        CidMode::FskV23 => Some(CidSignalling::Fsk(FskStandard::V23)),
        CidMode::FskBell202 => Some(CidSignalling::Fsk(FskStandard::Bell202)),
        CidMode::Dtmf => Some(CidSignalling::Dtmf),
        CidMode::None => None,
    }
}

fn cid_start(s: CidStartArg) -> CidStart {
    match s {
        CidStartArg::Ring => CidStart::Ring,
        CidStartArg::Polarity => CidStart::Polarity,
    }
}

/// The machine at our end.
enum Machine {
    Phone(Box<Fxo>),
    Co(Box<Fxs>),
}

impl Machine {
    fn input(&mut self, now: Instant, i: Input) {
        match self {
            Self::Phone(m) => m.handle_input(now, i),
            Self::Co(m) => m.handle_input(now, i),
        }
    }
    fn timers(&mut self, now: Instant) {
        for _ in 0..16 {
            let due = match self {
                Self::Phone(m) => m.poll_timeout(),
                Self::Co(m) => m.poll_timeout(),
            };
            if due.is_none_or(|t| t > now) {
                break;
            }
            match self {
                Self::Phone(m) => m.handle_timeout(now),
                Self::Co(m) => m.handle_timeout(now),
            }
        }
    }
    fn transmit(&mut self) -> Option<Transmit> {
        match self {
            Self::Phone(m) => m.poll_transmit(),
            Self::Co(m) => m.poll_transmit(),
        }
    }
    fn event(&mut self) -> Option<Value> {
        match self {
            Self::Phone(m) => m.poll_event().map(|e| fxo_json(&e)),
            Self::Co(m) => m.poll_event().map(|e| fxs_json(&e)),
        }
    }
}

fn tone_name(t: ToneKind) -> &'static str {
    t.name()
}

fn fxo_json(e: &FxoEvent) -> Value {
    match e {
        FxoEvent::Ring {
            count,
            on_ms,
            off_ms,
        } => json!({"event": "ring", "count": count, "on_ms": on_ms, "off_ms": off_ms}),
        FxoEvent::RingRejected { on_ms, off_ms } => {
            json!({"event": "ring_rejected", "on_ms": on_ms, "off_ms": off_ms})
        }
        FxoEvent::RingingStopped => json!({"event": "ringing_stopped"}),
        FxoEvent::CallerId(c) => json!({"event": "cid", "number": c.number, "name": c.name}),
        FxoEvent::CallerIdFailed(e) => json!({"event": "cid_failed", "error": e.to_string()}),
        FxoEvent::Tone(t) => json!({"event": "tone", "tone": tone_name(*t)}),
        FxoEvent::ToneEnded(t) => json!({"event": "tone_ended", "tone": tone_name(*t)}),
        FxoEvent::Polarity(p) => json!({"event": "polarity", "reversed": *p == Polarity::Reversed}),
        FxoEvent::Battery(b) => json!({"event": "battery", "present": b}),
        FxoEvent::Answered => json!({"event": "answered"}),
        FxoEvent::DialComplete => json!({"event": "dial_complete"}),
        FxoEvent::FlashComplete => json!({"event": "flash_complete"}),
        FxoEvent::Disconnected(r) => json!({"event": "disconnected", "reason": r.name()}),
        other => json!({"event": "other", "debug": format!("{other:?}")}),
    }
}

fn fxs_json(e: &FxsEvent) -> Value {
    match e {
        FxsEvent::OffHook => json!({"event": "offhook"}),
        FxsEvent::Answered => json!({"event": "answered"}),
        FxsEvent::OnHook => json!({"event": "onhook"}),
        FxsEvent::Flash => json!({"event": "flash"}),
        FxsEvent::Digit { digit, pulse } => {
            json!({"event": "digit", "digit": digit.to_string(), "pulse": pulse})
        }
        FxsEvent::Dialed { number } => json!({"event": "dialed", "number": number}),
        FxsEvent::DialInvalid { number } => json!({"event": "dial_invalid", "number": number}),
        FxsEvent::DialTimeout => json!({"event": "dial_timeout"}),
        FxsEvent::RingOn { count } => json!({"event": "ring_on", "count": count}),
        FxsEvent::RingOff => json!({"event": "ring_off"}),
        FxsEvent::CallerIdSent => json!({"event": "cid_sent"}),
        FxsEvent::Howler => json!({"event": "howler"}),
        other => json!({"event": "other", "debug": format!("{other:?}")}),
    }
}

/// Whether the far end went away (closed, reset, or a broken pipe).
fn closed(e: &VirtError) -> bool {
    match e {
        VirtError::Closed => true,
        VirtError::Io(e) => matches!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        _ => false,
    }
}

/// Whether `ev` is what `wait EVENT [ARG]` waits for.
fn matches_wait(ev: &Value, event: &str, arg: Option<u32>) -> bool {
    let name = ev["event"].as_str().unwrap_or("");
    let tone = |t: &str| name == "tone" && ev["tone"] == t;
    match event {
        "dialtone" => tone("dial"),
        "ringback" | "busy" | "congestion" => tone(event),
        "ring" => name == "ring" && ev["count"].as_u64() >= Some(u64::from(arg.unwrap_or(1))),
        "battery" => name == "battery" && ev["present"] == true,
        "nobattery" => name == "battery" && ev["present"] == false,
        "reversed" => name == "polarity" && ev["reversed"] == true,
        "dialcomplete" => name == "dial_complete",
        "cidsent" => name == "cid_sent",
        other => name == other,
    }
}

/// Opens the socket at `path`: listening (accepting one peer) or connecting (retried while
/// nothing listens). `Ok(None)` when a signal came first.
fn open_socket(path: &Path, listen: bool, term: &AtomicBool) -> Result<Option<Socket>> {
    let addr = SockAddr::unix(path).with_context(|| format!("socket path {}", path.display()))?;
    let sock = Socket::new(Domain::UNIX, Type::SEQPACKET, None)
        .with_context(|| format!("socket for {}", path.display()))?;
    if listen {
        // A stale socket left by an earlier run is replaced; any other file is not touched.
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
            let _ = std::fs::remove_file(path);
        }
        sock.bind(&addr)
            .with_context(|| format!("binding {}", path.display()))?;
        sock.listen(1)
            .with_context(|| format!("listening on {}", path.display()))?;
        sock.set_nonblocking(true)?;
        emit(&json!({"event": "listening", "path": path.display().to_string()}));
        loop {
            match sock.accept() {
                Ok((s, _)) => return Ok(Some(s)),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("accepting on {}", path.display()));
                }
            }
            if term.load(Ordering::Relaxed) {
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
                if term.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e).with_context(|| format!("connecting to {}", path.display())),
        }
    }
}

fn build_machine(args: &Args) -> Result<Machine> {
    let c = country(args.country);
    Ok(match args.role {
        Role::Phone => {
            let mut cfg = FxoConfig::for_country(c);
            cfg.cid_signalling = cid_signalling(args.cid_mode);
            cfg.cid_start = cid_start(args.cid_start);
            cfg.busy_detect = !args.no_busy_detect;
            Machine::Phone(Box::new(Fxo::new(cfg)?))
        }
        Role::Co => {
            let mut cfg = FxsConfig::for_country(c);
            cfg.cid_signalling = cid_signalling(args.cid_mode);
            cfg.cid_start = cid_start(args.cid_start);
            match args.hangup {
                Some(HangupArg::Busy) => {
                    cfg.reverse_on_answer = false;
                    cfg.disconnect = DisconnectSignals {
                        polarity: false,
                        battery_drop: false,
                    };
                }
                Some(HangupArg::Polarity) => {
                    cfg.reverse_on_answer = true;
                    cfg.disconnect = DisconnectSignals {
                        polarity: true,
                        battery_drop: false,
                    };
                }
                Some(HangupArg::Battery) => {
                    cfg.reverse_on_answer = false;
                    cfg.disconnect = DisconnectSignals {
                        polarity: false,
                        battery_drop: true,
                    };
                }
                None => {}
            }
            Machine::Co(Box::new(Fxs::new(cfg)))
        }
    })
}

/// Where a script is.
#[derive(Debug, Default)]
struct ScriptRun {
    cmds: Vec<Cmd>,
    idx: usize,
    /// Events before this index of the log cannot satisfy a `wait`.
    cursor: usize,
    step_started: Option<u64>,
}

enum ScriptState {
    Running,
    Done,
    Failed(String),
}

struct App<'a> {
    args: &'a Args,
    role: &'static str,
    machine: Machine,
    line: VirtAnalogLine,
    start: std::time::Instant,
    log: Vec<Value>,
    txq: VecDeque<AudioChunk>,
    rxq: VecDeque<([Option<LineSignal>; 4], AudioChunk)>,
    /// Ticks (milliseconds of line time) done.
    tick: u64,
    rx_dropped: u64,
    /// Wall-clock time of the far end's last packet.
    last_rx: std::time::Instant,
    /// Ticks taken with silence because the far end had sent nothing for
    /// [`FAR_END_SILENT`].
    rx_late: u64,
    script: Option<ScriptRun>,
    connected_at: Option<u64>,
    answer_at: Option<u64>,
    tx_dropped: u64,
    /// `--record`: the file every heard chunk is appended to.
    record: Option<std::fs::File>,
    /// A `tone` command playing: frequency, last tick, samples sent so far.
    tone: Option<(u32, u64, u64)>,
}

fn run(args: &Args) -> Result<ExitCode> {
    let script = match &args.script {
        Some(s) => Some(ScriptRun {
            cmds: script::parse(s).map_err(anyhow::Error::msg)?,
            ..ScriptRun::default()
        }),
        None => None,
    };
    let term = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&term)).context("installing signal handler")?;
    }
    let machine = build_machine(args)?;
    let Some(sock) = open_socket(&args.line, args.listen, &term)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let kind = match args.role {
        Role::Phone => PortKind::Fxo,
        Role::Co => PortKind::Fxs,
    };
    let line = VirtAnalogLine::new(sock, kind).context("virtual analog line")?;
    let role = match args.role {
        Role::Phone => "phone",
        Role::Co => "co",
    };
    let mut app = App {
        args,
        role,
        machine,
        line,
        start: std::time::Instant::now(),
        log: Vec::new(),
        txq: VecDeque::new(),
        rxq: VecDeque::new(),
        tick: 0,
        rx_dropped: 0,
        last_rx: std::time::Instant::now(),
        rx_late: 0,
        script,
        connected_at: None,
        answer_at: None,
        tx_dropped: 0,
        record: match &args.record {
            Some(p) => Some(
                std::fs::File::create(p).with_context(|| format!("--record {}", p.display()))?,
            ),
            None => None,
        },
        tone: None,
    };
    app.emit(json!({"event": "connected", "path": args.line.display().to_string()}));
    if args.ring && args.role == Role::Co {
        app.ring(args.cid.clone())?;
    }
    let code = app.run_loop(&term)?;
    let s = app.line.stats();
    app.emit(json!({
        "event": "exit",
        "tx_packets": s.tx_packets,
        "rx_packets": s.rx_packets,
        "bad_packets": s.bad_packets,
        "lost_packets": s.lost_packets,
        "tx_dropped": app.tx_dropped,
        "rx_dropped": app.rx_dropped,
        "rx_late": app.rx_late,
    }));
    Ok(code)
}

impl App<'_> {
    /// Line time: milliseconds (ticks) since the line came up.
    fn ms(&self) -> u64 {
        self.tick
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.tick)
    }

    fn emit(&self, mut v: Value) {
        v["t_ms"] = json!(self.ms());
        v["role"] = json!(self.role);
        emit(&v);
    }

    fn ring(&mut self, number: Option<String>) -> Result<()> {
        let now = self.now();
        let who = number.map(|n| CallerInfo {
            number: Some(n),
            name: self.args.cid_name.clone(),
        });
        if let Machine::Co(m) = &mut self.machine {
            m.ring(now, who.as_ref()).context("ring")?;
        }
        Ok(())
    }

    fn run_loop(&mut self, term: &AtomicBool) -> Result<ExitCode> {
        loop {
            if term.load(Ordering::Relaxed) {
                return Ok(ExitCode::SUCCESS);
            }
            // Receive everything waiting; each packet's signals travel with its audio.
            loop {
                match self.line.read_chunk() {
                    Ok(Some(chunk)) => {
                        let mut sigs = [None; 4];
                        for slot in &mut sigs {
                            *slot = self.line.poll_signal();
                        }
                        if self.rxq.len() >= MAX_RX_QUEUE {
                            // Too far behind: drop the audio, keep the signals.
                            if let Some((old, _)) = self.rxq.pop_front() {
                                for s in old.into_iter().flatten() {
                                    self.machine.input(self.now(), Input::Line(s));
                                }
                            }
                            self.rx_dropped += 1;
                        }
                        self.rxq.push_back((sigs, chunk));
                        self.last_rx = std::time::Instant::now();
                    }
                    Ok(None) => break,
                    Err(e) if closed(&e) => {
                        self.emit(json!({"event": "line_closed"}));
                        return Ok(self.exit_code_on_close());
                    }
                    Err(e) => return Err(e).context("reading the line"),
                }
            }
            // Line time, in lockstep with the far end: up to one tick per elapsed
            // millisecond of the wall clock, and tick N only with the far end's packet
            // N − RX_PRIME in hand (signals, then audio, into the machine); one chunk goes
            // out per tick. When that packet is not here yet the far end is behind (a
            // stalled process, a slower pace): we wait for it instead of hearing silence, so
            // tones and caller ID have no gaps and cadences, script waits and timers all
            // count the same line time at both ends, whatever either process's scheduling.
            let wall = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
            while self.tick <= wall {
                if self.args.exit_after.is_some_and(|e| self.tick >= e) {
                    return Ok(ExitCode::SUCCESS);
                }
                let (sigs, heard) = if self.tick < RX_PRIME {
                    ([None; 4], SILENCE)
                } else if let Some(p) = self.rxq.pop_front() {
                    p
                } else if self.last_rx.elapsed() >= FAR_END_SILENT {
                    self.rx_late += 1;
                    ([None; 4], SILENCE)
                } else {
                    break;
                };
                let now = self.now();
                for s in sigs.into_iter().flatten() {
                    self.machine.input(now, Input::Line(s));
                }
                if let Some(f) = self.record.as_mut() {
                    let mut b = [0u8; 16];
                    for (d, s) in b.chunks_exact_mut(2).zip(heard) {
                        d.copy_from_slice(&s.to_le_bytes());
                    }
                    f.write_all(&b).context("--record")?;
                }
                self.machine.input(now, Input::Audio(heard));
                self.machine.timers(now);
                self.pump(now)?;
                self.auto(now)?;
                match self.step_script(now)? {
                    ScriptState::Running => {}
                    ScriptState::Done => {
                        self.emit(json!({"event": "script_done"}));
                        return Ok(ExitCode::SUCCESS);
                    }
                    ScriptState::Failed(why) => {
                        self.emit(json!({"event": "script_failed", "reason": why}));
                        return Ok(ExitCode::from(1));
                    }
                }
                let chunk = match self.txq.pop_front() {
                    Some(c) => c,
                    None => self.tone_chunk(),
                };
                match self.line.write_chunk(&chunk) {
                    Ok(()) => {}
                    Err(VirtError::WouldBlock) => self.tx_dropped += 1,
                    Err(e) if closed(&e) => {
                        self.emit(json!({"event": "line_closed"}));
                        return Ok(self.exit_code_on_close());
                    }
                    Err(e) => return Err(e).context("writing the line"),
                }
                self.tick += 1;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// The next millisecond of a `tone` command (−10 dBm0 sine), or silence.
    fn tone_chunk(&mut self) -> AudioChunk {
        let Some((hz, until, n)) = self.tone.as_mut() else {
            return SILENCE;
        };
        if self.tick >= *until {
            self.tone = None;
            return SILENCE;
        }
        let mut out = SILENCE;
        for s in &mut out {
            // −10 dBm0: 0.316 of the 3.14 dBm0 A-law full scale (32767) ≈ 7300 peak.
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let v = (std::f64::consts::TAU * f64::from(*hz) * (*n as f64) / 8000.0).sin() * 7300.0;
            #[allow(clippy::cast_possible_truncation)]
            {
                *s = v as i16;
            }
            *n += 1;
        }
        out
    }

    fn exit_code_on_close(&self) -> ExitCode {
        match &self.script {
            Some(s) if s.idx < s.cmds.len() => ExitCode::from(1),
            _ => ExitCode::SUCCESS,
        }
    }

    /// Moves the machine's output to the line and its events to stdout.
    fn pump(&mut self, now: Instant) -> Result<()> {
        while let Some(t) = self.machine.transmit() {
            match t {
                Transmit::Line(s) => self.line.send_signal(s).context("line signal")?,
                Transmit::Audio(a) => {
                    if self.txq.len() >= MAX_TX_QUEUE {
                        self.txq.pop_front();
                        self.tx_dropped += 1;
                    }
                    self.txq.push_back(a);
                }
            }
        }
        while let Some(ev) = self.machine.event() {
            self.emit(ev.clone());
            self.react(now, &ev)?;
            self.log.push(ev);
        }
        Ok(())
    }

    /// The automatic behaviour of the flags.
    fn react(&mut self, now: Instant, ev: &Value) -> Result<()> {
        let name = ev["event"].as_str().unwrap_or("");
        let ms = self.ms();
        match (&mut self.machine, name) {
            (Machine::Co(m), "dialed") if self.args.answer => {
                m.play(ToneKind::Ringback).context("ringback")?;
                self.answer_at = Some(ms + self.args.answer_delay);
            }
            (Machine::Co(_), "answered") => self.connected_at = Some(ms),
            (Machine::Co(_), "onhook") => {
                self.connected_at = None;
                self.answer_at = None;
            }
            (Machine::Phone(m), "ring") => {
                if let Some(n) = self.args.answer_on_ring
                    && ev["count"].as_u64() >= Some(u64::from(n))
                {
                    m.answer().context("answer")?;
                    self.connected_at = Some(ms);
                    self.emit(json!({"event": "answering"}));
                }
            }
            (Machine::Phone(_), "answered") => self.connected_at = Some(ms),
            (Machine::Phone(_), "disconnected") => self.connected_at = None,
            _ => {}
        }
        let _ = now;
        Ok(())
    }

    fn auto(&mut self, now: Instant) -> Result<()> {
        let ms = self.ms();
        if self.answer_at.is_some_and(|t| ms >= t) {
            self.answer_at = None;
            if let Machine::Co(m) = &mut self.machine
                && m.answer().is_ok()
            {
                self.connected_at = Some(ms);
                self.emit(json!({"event": "co_answered"}));
            }
        }
        if let (Some(c), Some(after)) = (self.connected_at, self.args.hangup_after)
            && ms >= c + after
        {
            self.connected_at = None;
            match &mut self.machine {
                Machine::Co(m) => m.hangup(now),
                Machine::Phone(m) => m.hangup(),
            }
            self.emit(json!({"event": "hangup"}));
            self.pump(now)?;
        }
        Ok(())
    }

    fn step_script(&mut self, now: Instant) -> Result<ScriptState> {
        let ms = self.ms();
        let Some(mut s) = self.script.take() else {
            return Ok(ScriptState::Running);
        };
        let result = loop {
            let Some(cmd) = s.cmds.get(s.idx).cloned() else {
                break Ok(ScriptState::Done);
            };
            let first = s.step_started.is_none();
            let started = *s.step_started.get_or_insert(ms);
            if first {
                self.emit(
                    json!({"event": "script_step", "step": s.idx, "command": format!("{cmd:?}")}),
                );
            }
            match self.exec(now, &cmd, &mut s, started, ms) {
                Ok(true) => {
                    s.idx += 1;
                    s.step_started = None;
                }
                Ok(false) => break Ok(ScriptState::Running),
                Err(e) => break Ok(ScriptState::Failed(format!("{cmd:?}: {e:#}"))),
            }
        };
        self.script = Some(s);
        result
    }

    /// Runs one command; `Ok(false)` while it is still waiting.
    fn exec(
        &mut self,
        now: Instant,
        cmd: &Cmd,
        s: &mut ScriptRun,
        started: u64,
        ms: u64,
    ) -> Result<bool> {
        let done = match (cmd, &mut self.machine) {
            (Cmd::Sleep(d), _) => ms >= started + d,
            (Cmd::Tone { hz, ms: len }, _) => {
                self.tone = Some((*hz, ms + len, 0));
                true
            }
            (
                Cmd::Wait {
                    event,
                    arg,
                    timeout_ms,
                },
                _,
            ) => {
                if let Some(i) = self.log[s.cursor..]
                    .iter()
                    .position(|e| matches_wait(e, event, *arg))
                {
                    s.cursor += i + 1;
                    true
                } else if ms >= started + timeout_ms {
                    bail!("no {event} within {timeout_ms} ms");
                } else {
                    false
                }
            }
            (Cmd::OffHook, Machine::Phone(m)) => {
                m.seize()?;
                true
            }
            (Cmd::OnHook, Machine::Phone(m)) => {
                m.hangup();
                true
            }
            (Cmd::Answer, Machine::Phone(m)) => {
                m.answer()?;
                self.connected_at = Some(ms);
                true
            }
            // Digits still going out: this command waits its turn.
            (Cmd::Dial(d), Machine::Phone(m)) => match m.dial(now, d, DialMode::Dtmf) {
                Ok(()) => true,
                Err(AnalogError::Dialling) => false,
                Err(e) => return Err(e.into()),
            },
            // Digits still going out: this command waits its turn.
            (Cmd::Pulse(d), Machine::Phone(m)) => match m.dial(now, d, DialMode::Pulse) {
                Ok(()) => true,
                Err(AnalogError::Dialling) => false,
                Err(e) => return Err(e.into()),
            },
            (Cmd::Flash, Machine::Phone(m)) => {
                m.flash(now)?;
                true
            }
            (Cmd::Ring(n), Machine::Co(_)) => {
                self.ring(n.clone().or_else(|| self.args.cid.clone()))?;
                true
            }
            (Cmd::Hangup, Machine::Co(m)) => {
                m.hangup(now);
                true
            }
            (Cmd::Answer, Machine::Co(m)) => {
                m.answer()?;
                self.connected_at = Some(ms);
                true
            }
            (Cmd::Play(t), Machine::Co(m)) => {
                let kind = match t.as_str() {
                    "ringback" => ToneKind::Ringback,
                    "busy" => ToneKind::Busy,
                    "congestion" => ToneKind::Congestion,
                    "dial" => ToneKind::Dial,
                    other => bail!("unknown tone {other:?}"),
                };
                m.play(kind)?;
                true
            }
            (other, _) => bail!("{other:?} is not a {} command", self.role),
        };
        self.pump(now)?;
        Ok(done)
    }
}
