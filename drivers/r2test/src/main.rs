//! # r2-test: an MFC/R2 line test tool (level 3)
//!
//! **What it is:** a small std-only binary for technicians and tests. It runs one R2
//! channel ([`r2::R2Channel`], China or ITU tables) on a raw E1 virtual line
//! (`--line unix:PATH`, [`tdm::virt::VirtE1Span`] in CAS mode: the `e1` framer runs here,
//! frames paced at 8000/s on the wall clock), and prints one JSON object per line per
//! event on stdout: seizure, each received digit, the incoming call with ANI, DNIS and
//! category, accepted, answered, cleared with the reason, blocked, idle, and span alarms.
//! It can place a call (`--call`), accept or refuse incoming ones (`--answer`,
//! `--reject`), clear after a while (`--hangup-after`), block the channel (`--block`) and
//! inject line faults into what it sends (`--ber`). It exits 0 when its call is over and the
//! line idle again, when the far end closes the line (`line_closed`), or after `--duration`;
//! non-zero when its call did not complete. See docs/r2.md.
//!
//! **What it is not:** not the daemon (no media after set-up) and no real card: DAHDI spans
//! are not opened by it. The loop is a plain 0.5 ms sleep-and-poll loop.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant as WallClock};

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Parser, ValueEnum};
use r2::{ClearReason, Config, Event, Input, R2Channel, Transmit};
use serde_json::{Value, json};
use tdm::virt::{Impairments, Listener, VirtE1Config, VirtE1Span, VirtError};
use tdm::{Alarms, CHUNK_SAMPLES, E1_TIMESLOTS, Instant, Span, SpanEvent};

/// A-law silence.
const SILENCE: u8 = 0xD5;
/// How long `--connect` retries while nothing listens yet.
const CONNECT_RETRY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VariantArg {
    /// China No.1.
    China,
    /// ITU-T Q.400-series.
    Itu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RejectArg {
    Busy,
    Congestion,
    Unallocated,
    OutOfOrder,
}

/// An MFC/R2 test tool: one R2 channel on a raw E1 virtual line, one JSON object per line
/// and event.
#[derive(Debug, Parser)]
#[command(name = "r2-test", version, about, long_about = None)]
#[command(group(ArgGroup::new("mode").required(true).args(["listen", "connect"])))]
struct Args {
    /// Raw E1 virtual line: unix:PATH.
    #[arg(long, value_name = "unix:PATH", value_parser = parse_endpoint)]
    line: PathBuf,
    /// Create the socket at PATH and wait for the far end.
    #[arg(long)]
    listen: bool,
    /// Connect to the far end listening at PATH (retried for up to 10 s).
    #[arg(long)]
    connect: bool,
    /// R2 variant.
    #[arg(long, value_enum, default_value = "china")]
    variant: VariantArg,
    /// E1 channel (1..=30: timeslots 1-15, 17-31).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=30))]
    channel: u8,
    /// Place a call to NUMBER once the line is up.
    #[arg(long, value_name = "NUMBER")]
    call: Option<String>,
    /// Calling number (ANI) of our call.
    #[arg(long, value_name = "NUMBER", default_value = "")]
    ani: String,
    /// Our calling party category (Group II signal, 1..=15).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=15))]
    category: u8,
    /// Incoming: the called number is complete at N digits.
    #[arg(long, value_name = "N")]
    max_dnis: Option<u8>,
    /// Incoming: take at most (China: exactly) N calling-number digits.
    #[arg(long, value_name = "N")]
    max_ani: Option<u8>,
    /// Incoming: ask for the calling number after the first called-number digit.
    #[arg(long)]
    ani_first: bool,
    /// Accept incoming calls and answer them.
    #[arg(long)]
    answer: bool,
    /// Refuse incoming calls with this Group B signal.
    #[arg(long, value_enum, conflicts_with = "answer")]
    reject: Option<RejectArg>,
    /// Clear each answered call after MS milliseconds.
    #[arg(long, value_name = "MS")]
    hangup_after: Option<u64>,
    /// Block the channel (Q.421 blocking) for the whole run.
    #[arg(long)]
    block: bool,
    /// Bit error rate injected into what we send.
    #[arg(long, default_value_t = 0.0)]
    ber: f64,
    /// Stop after MS milliseconds (default: 10 s; with --call, once the call is over and
    /// the line idle again).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    duration: u64,
}

fn parse_endpoint(s: &str) -> Result<PathBuf, String> {
    s.strip_prefix("unix:")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("expected unix:PATH, got {s:?}"))
}

fn reason_name(r: ClearReason) -> &'static str {
    match r {
        ClearReason::ClearForward => "clear_forward",
        ClearReason::ClearBack => "clear_back",
        ClearReason::LocalHangup => "local_hangup",
        ClearReason::Busy => "busy",
        ClearReason::Congestion => "congestion",
        ClearReason::Unallocated => "unallocated",
        ClearReason::OutOfOrder => "out_of_order",
        ClearReason::SeizeAckTimeout => "seize_ack_timeout",
        ClearReason::CompelledTimeout => "compelled_timeout",
        ClearReason::DualSeizure => "dual_seizure",
        ClearReason::LineAlarm => "line_alarm",
        ClearReason::ForcedRelease => "forced_release",
        _ => "protocol_error",
    }
}

fn event_json(e: &Event) -> Value {
    match e {
        Event::Seized => json!({"event": "seized"}),
        Event::Digit { ani, digit } => {
            json!({"event": "digit", "number": if *ani { "ani" } else { "dnis" }, "digit": digit})
        }
        Event::IncomingCall {
            ani,
            dnis,
            category,
        } => {
            json!({"event": "incoming_call", "ani": ani.to_string(), "dnis": dnis.to_string(), "category": category.0})
        }
        Event::Accepted { charge } => json!({"event": "accepted", "charge": charge}),
        Event::Answered => json!({"event": "answered"}),
        Event::Cleared { reason } => json!({"event": "cleared", "reason": reason_name(*reason)}),
        Event::Blocked => json!({"event": "blocked"}),
        Event::Idle => json!({"event": "idle"}),
        _ => json!({"event": "other", "debug": format!("{e:?}")}),
    }
}

/// The far end closed its socket (it finished): not an error of ours.
fn far_end_gone(e: &VirtError) -> bool {
    match e {
        VirtError::Closed => true,
        VirtError::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        _ => false,
    }
}

fn open(args: &Args) -> Result<VirtE1Span> {
    let framer = e1::Config {
        signalling: e1::Signalling::Cas,
        crc4: e1::Crc4Mode::Off,
        ..e1::Config::default()
    };
    let sock = if args.listen {
        let _ = std::fs::remove_file(&args.line);
        let l = Listener::bind(&args.line)
            .with_context(|| format!("cannot listen at {}", args.line.display()))?;
        l.accept().context("accept")?
    } else {
        let start = WallClock::now();
        loop {
            match tdm::virt::connect(&args.line) {
                Ok(s) => break s,
                Err(e) if start.elapsed() < CONNECT_RETRY => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("nothing listens at {}", args.line.display()));
                }
            }
        }
    };
    let mut span = VirtE1Span::new(sock, VirtE1Config::new(1, framer))?;
    if args.ber > 0.0 {
        span.set_impairments(Impairments::with_ber(args.ber, 1));
    }
    Ok(span)
}

fn run(args: &Args) -> Result<()> {
    let mut cfg = match args.variant {
        VariantArg::China => Config::china(),
        VariantArg::Itu => Config::itu(),
    };
    cfg.category = r2::Category(args.category);
    cfg.ani_first = args.ani_first;
    if let Some(n) = args.max_dnis {
        cfg.max_dnis = n;
    }
    if let Some(n) = args.max_ani {
        cfg.max_ani = n;
    }
    let dnis: Option<r2::Digits> = args
        .call
        .as_deref()
        .map(str::parse)
        .transpose()
        .context("--call")?;
    let ani: r2::Digits = args.ani.parse().context("--ani")?;
    let mut ch = R2Channel::new(cfg, args.channel)?;
    let mut span = open(args)?;
    let ts = e1::frame::channel_timeslot(args.channel).context("channel")?;
    let out = std::io::stdout();
    let mut out = out.lock();
    let start = WallClock::now();
    let mut done_ms = 0u64;
    let mut alarms = Alarms::NONE;
    let mut called = false;
    let mut call_over = false;
    let mut answered_at: Option<u64> = None;
    let print = |out: &mut std::io::StdoutLock<'_>, t: u64, mut v: Value| -> Result<()> {
        v["t_ms"] = json!(t);
        v["channel"] = json!(args.channel);
        writeln!(out, "{v}")?;
        out.flush()?;
        Ok(())
    };
    if args.block {
        ch.block(Instant::ZERO)?;
    }
    while done_ms < args.duration {
        let target = start.elapsed().as_millis() as u64;
        if done_ms >= target {
            std::thread::sleep(Duration::from_micros(500));
            continue;
        }
        let now = Instant::from_millis(done_ms);
        while let Some(ev) = span.poll_event() {
            match ev {
                SpanEvent::AbcdChanged { channel, abcd } if channel == args.channel => {
                    ch.handle_input(now, Input::Abcd(abcd));
                }
                SpanEvent::Alarms(a) => {
                    let red = |a: Alarms| a.contains(Alarms::RED) || a.contains(Alarms::BLUE);
                    if red(a) != red(alarms) {
                        ch.handle_input(now, Input::Alarm(red(a)));
                    }
                    alarms = a;
                    print(
                        &mut out,
                        done_ms,
                        json!({"event": "alarms", "alarms": a.to_string()}),
                    )?;
                }
                _ => {}
            }
        }
        if ch.poll_timeout().is_some_and(|t| t <= now) {
            ch.handle_timeout(now);
        }
        // Place the call once the CAS multiframe is up and the far end seen idle.
        if let Some(d) = dnis
            && !called
            && done_ms >= 300
            && ch.state() == r2::StateName::Idle
            && span
                .abcd(args.channel)
                .is_some_and(|b| cfg.bits.is(b, cfg.bits.idle))
        {
            ch.call(now, d, ani)?;
            called = true;
        }
        if let Some(after) = args.hangup_after
            && answered_at.is_some_and(|t| done_ms >= t + after)
        {
            answered_at = None;
            let _ = ch.hangup(now);
        }
        let mut rx = [[SILENCE; CHUNK_SAMPLES]; E1_TIMESLOTS];
        let mut tx = [[SILENCE; CHUNK_SAMPLES]; E1_TIMESLOTS];
        if span.read_chunk(&mut rx)? > 0 {
            ch.handle_input(now, Input::Audio(&rx[ts]));
        }
        while let Some(t) = ch.poll_transmit() {
            match t {
                Transmit::Abcd(v) => span.set_abcd(args.channel, v)?,
                Transmit::Audio(a) => tx[ts] = a,
            }
        }
        while let Some(e) = ch.poll_event() {
            print(&mut out, done_ms, event_json(&e))?;
            match e {
                Event::IncomingCall { .. } => {
                    if args.answer {
                        ch.accept(now, true)?;
                        ch.answer(now)?;
                    } else if let Some(r) = args.reject {
                        let cause = match r {
                            RejectArg::Busy => ClearReason::Busy,
                            RejectArg::Congestion => ClearReason::Congestion,
                            RejectArg::Unallocated => ClearReason::Unallocated,
                            RejectArg::OutOfOrder => ClearReason::OutOfOrder,
                        };
                        ch.reject(now, cause)?;
                    }
                }
                Event::Answered => answered_at = Some(done_ms),
                Event::Cleared { .. } if called => call_over = true,
                Event::Idle if call_over => {
                    print(&mut out, done_ms, json!({"event": "done"}))?;
                    return Ok(());
                }
                _ => {}
            }
        }
        span.write_chunk(&tx)?;
        match span.pump(8) {
            Ok(()) => {}
            Err(e) if far_end_gone(&e) => {
                print(&mut out, done_ms, json!({"event": "line_closed"}))?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        done_ms += 1;
    }
    if dnis.is_some() && !call_over {
        bail!("the call did not complete within {} ms", args.duration);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("r2-test: {e:#}");
            ExitCode::FAILURE
        }
    }
}
