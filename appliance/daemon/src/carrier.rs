//! The simulated carrier of the demo: our own ISDN stack in the **network** role on the far
//! end of the virtual E1 line, as a telephone exchange would be, with the callers behind it.
//!
//! It runs on its own std thread (it is "outside the box": it shares nothing with the daemon
//! but the line socket and the metrics), connects to the span's line jack, brings the data
//! link up, and every `interval` (while fewer than `max_calls` are up) places a call to the
//! next DID of its list. The line is paced in real time: one 1 ms chunk (8 frames) per
//! millisecond of the wall clock, written only when it is due, so audio leaves at 8000
//! samples/s whatever the loop's speed.
//!
//! What each caller does depends on the number it dialled ([`Script`]):
//! - **the IVR number** (`menu_did`, 8000 in the demo): after the IVR answers, the caller
//!   waits `dtmf_after` (the welcome prompt is over and the menu prompt is playing: the menu
//!   takes digits while its prompt plays) and presses one menu digit **in-band** (DTMF
//!   tones on its B-channel, -10 dBm0 per tone, 150 ms on / 150 ms off), picked with the
//!   seed from `digits` (1 sales, 2 support, 9 balance in the demo). A `9` caller then
//!   keys an account number and `#` for the balance look-up and hangs up once it has
//!   heard the answer. The others stay for a talk time drawn between
//!   `hold / 2` and `hold`, or, for `abandon_pct` per cent of them, give up after a
//!   patience of 8 to 20 s (abandoning if no agent answered by then);
//! - **a queue number** (`queue_dids`, 701/702 in the demo): the same stay-or-abandon
//!   caller, without the menu;
//! - **any other number** (600 echo test, 601 test tone, a phone): sends a 500 Hz tone,
//!   holds for exactly `hold` and counts the milliseconds of non-idle audio it hears back.
//!
//! Progress is logged with target `carrier` and counted in
//! `appliance_carrier_calls_total{result=...}`.
//!
//! **Not:** a model of a real carrier's features (no overlap dialling, no restarts, no
//! alarms of its own); a caller does not know when an agent picks up (the box answered the
//! call at the IVR already), so its talk time runs from its digit, not from the agent's
//! answer. `pri-test` and the isdn crate's tests cover the protocol.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use acd::SplitMix64;
use anyhow::{Context, Result};
use isdn::call::{self, CallId, Event, SetupParams};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::{CauseValue, Role, Variant};
use media_dsp::dtmf::{Digit, DtmfGenerator, GeneratorConfig};
use tdm::virt::{VirtE1Config, VirtE1Span, VirtError};
use tdm::{CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Span};
use tracing::{info, warn};

use crate::metrics::Metrics;

const TICK: Duration = Duration::from_micros(500);
const CONNECT_RETRY: Duration = Duration::from_secs(10);
const ALAW_IDLE: u8 = 0xD5;
/// Milliseconds of non-idle audio that count as "heard".
const HEARD_MIN_MS: u32 = 100;
/// Longest catch-up after the thread was held up: older chunks are skipped, as a line
/// would slip them.
const MAX_CATCH_UP_CHUNKS: u64 = 200;
/// The account a `9` caller keys (passes the demo flow's Luhn check), then `#`.
const ACCOUNT: &str = "79927398713#";
/// Pause between the menu digit and the account number (the collect prompt starts).
const ACCOUNT_AFTER: Duration = Duration::from_millis(2500);
/// How long a `9` caller listens to the look-up's answer before hanging up.
const BALANCE_LISTEN: Duration = Duration::from_secs(8);
/// Tone and pause of each key (ms): longer than a phone's 70–100 ms, so a key survives a
/// late media tick on a loaded machine.
const DTMF_ON_MS: u32 = 150;
/// An abandoning caller's patience, drawn in this range (ms).
const PATIENCE_MS: (u64, u64) = (8_000, 20_000);

/// Settings of the simulated carrier.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) path: PathBuf,
    pub(crate) interval: Duration,
    pub(crate) dids: Vec<String>,
    pub(crate) hold: Duration,
    /// Calls it keeps up at once.
    pub(crate) max_calls: usize,
    pub(crate) metrics: Metrics,
    /// The IVR's number: its callers press a menu digit.
    pub(crate) menu_did: String,
    /// Queue numbers: their callers wait, talk or abandon.
    pub(crate) queue_dids: Vec<String>,
    /// Menu digits a caller picks from (with the seed).
    pub(crate) digits: Vec<char>,
    /// From the IVR's answer to the menu digit.
    pub(crate) dtmf_after: Duration,
    /// Per cent of IVR and queue callers who give up after their patience.
    pub(crate) abandon_pct: u8,
    /// Seed of the callers' choices.
    pub(crate) seed: u64,
}

/// The running carrier.
#[derive(Debug)]
pub(crate) struct Carrier {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Carrier {
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

pub(crate) fn start(o: Options) -> Result<Carrier> {
    let stop = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new()
        .name("carrier".into())
        .spawn({
            let stop = Arc::clone(&stop);
            move || {
                if let Err(e) = run(&o, &stop) {
                    warn!(target: "carrier", "simulated carrier stopped: {e:#}");
                }
            }
        })
        .context("starting the simulated carrier")?;
    Ok(Carrier { stop, thread })
}

/// What a caller does once its call is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Sends a 500 Hz tone, holds for `hold`, counts what it hears.
    Tone,
    /// Presses `digit` in-band after the IVR answers (`None`: a queue number, no menu).
    Caller { digit: Option<char>, abandons: bool },
}

/// Uniform in `lo..=hi` from the seeded choices (acd's SplitMix64, unbiased `below`).
fn range(rng: &mut SplitMix64, lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        lo
    } else {
        lo + rng.below(hi - lo + 1)
    }
}

#[derive(Debug)]
struct Active {
    call: CallId,
    did: String,
    script: Script,
    hangup_at: Option<Instant>,
    heard_ms: u32,
    /// Keys still to press: (not before, key).
    keys: VecDeque<(Instant, char)>,
    dtmf: DtmfGenerator,
    phase: usize,
}

fn run(o: &Options, stop: &AtomicBool) -> Result<()> {
    let give_up = Instant::now() + CONNECT_RETRY;
    let sock = loop {
        match tdm::virt::connect(&o.path) {
            Ok(s) => break s,
            Err(_) if Instant::now() < give_up && !stop.load(Ordering::Relaxed) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                return Err(e).with_context(|| format!("connecting to {}", o.path.display()));
            }
        }
    };
    let framer = e1::Config {
        crc4: e1::Crc4Mode::On,
        signalling: e1::Signalling::Ccs,
        ..e1::Config::default()
    };
    let mut line = VirtE1Span::new(sock, VirtE1Config::new(1, framer))?;
    let mut ccfg = call::Config::new(Role::Network);
    ccfg.variant = Variant::EuroIsdn;
    let mut pri = Pri::with_config(Role::Network, q921::Config::default(), ccfg);
    let start = Instant::now();
    let now_of = |t: Instant| {
        tdm::Instant::from_micros(
            u64::try_from(t.saturating_duration_since(start).as_micros()).unwrap_or(u64::MAX),
        )
    };
    info!(target: "carrier", path = %o.path.display(), interval_ms = o.interval.as_millis(),
        dids = ?o.dids, menu = %o.menu_did, digits = ?o.digits, seed = o.seed,
        "simulated carrier connected to the line");
    pri.start(now_of(Instant::now()));
    let mut chunks_sent = 0u64;
    let mut link_up = false;
    let mut next_call = Instant::now() + Duration::from_millis(500);
    let mut did_idx = 0usize;
    let mut calls: Vec<Active> = Vec::new();
    let mut rng = SplitMix64::new(o.seed);
    let mut buf = [0u8; 1024];
    let mut rx: [Chunk; E1_TIMESLOTS] = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    let tone = tone_500();
    while !stop.load(Ordering::Relaxed) {
        let wall = Instant::now();
        let now = now_of(wall);
        // Real time: one chunk per elapsed millisecond, never ahead of the clock.
        let due = now.as_micros() / 1000;
        let r = if due > chunks_sent {
            let behind = due - chunks_sent;
            let k = behind.min(MAX_CATCH_UP_CHUNKS);
            for _ in 0..k {
                let tx = next_chunk(&pri, &mut calls, &tone, wall);
                let _ = line.write_chunk(&tx);
            }
            chunks_sent = due;
            line.pump(usize::try_from(k).unwrap_or(0) * CHUNK_SAMPLES)
        } else {
            line.receive()
        };
        match r {
            Ok(()) | Err(VirtError::WouldBlock | VirtError::TxFull) => {}
            Err(VirtError::Closed) => {
                info!(target: "carrier", "line closed by the appliance");
                return Ok(());
            }
            Err(e) => return Err(e).context("carrier line"),
        }
        while line.poll_event().is_some() {}
        while let Ok(n) = line.read_chunk(&mut rx) {
            if n == 0 {
                break;
            }
            for a in &mut calls {
                let ch = pri.calls().channel(a.call).map(usize::from);
                if let Some(ts) = ch.filter(|&t| t < E1_TIMESLOTS)
                    && rx[ts].iter().any(|&b| b != ALAW_IDLE)
                {
                    a.heard_ms += 1;
                }
            }
        }
        while let Ok(Some(n)) = line.read_dchannel(&mut buf) {
            pri.handle_input(now, &buf[..n]);
        }
        if pri.poll_timeout().is_some_and(|t| t <= now) {
            pri.handle_timeout(now);
        }
        let up = pri.link().is_established();
        if up != link_up {
            link_up = up;
            info!(target: "carrier", up, "carrier: data link {}", if up { "up" } else { "down" });
        }
        while let Some(ev) = pri.poll_event() {
            handle(&mut pri, now, wall, ev, &mut calls, o, &mut rng);
        }
        for a in &mut calls {
            if a.hangup_at.is_none_or(|t| wall < t) {
                continue;
            }
            a.hangup_at = None;
            a.keys.clear();
            info!(target: "carrier", call = a.call.0, did = %a.did, heard_ms = a.heard_ms, "carrier: clearing the call");
            if let Err(e) = pri.disconnect(now, a.call, CauseValue::NORMAL_CLEARING) {
                warn!(target: "carrier", "disconnect: {e}");
            }
        }
        if link_up
            && calls.len() < o.max_calls
            && !o.interval.is_zero()
            && !o.dids.is_empty()
            && wall >= next_call
        {
            let did = o.dids[did_idx % o.dids.len()].clone();
            did_idx += 1;
            let script = if did == o.menu_did || o.queue_dids.contains(&did) {
                let digit = (did == o.menu_did && !o.digits.is_empty()).then(|| {
                    let n = o.digits.len() as u64;
                    o.digits[usize::try_from(rng.below(n)).unwrap_or(0)]
                });
                let abandons =
                    digit != Some('9') && range(&mut rng, 0, 99) < u64::from(o.abandon_pct);
                Script::Caller { digit, abandons }
            } else {
                Script::Tone
            };
            let mut p = SetupParams::speech(&did);
            // Each caller its own number (0215550100, …01, …): CRM look-ups differ.
            p.calling = Some(format!("02155501{:02}", (did_idx - 1) % 100));
            match pri.setup(now, p) {
                Ok(call) => {
                    o.metrics.carrier("placed");
                    info!(target: "carrier", call = call.0, did = %did, ?script, "carrier: SETUP sent");
                    calls.push(Active {
                        call,
                        did,
                        script,
                        hangup_at: None,
                        heard_ms: 0,
                        keys: VecDeque::new(),
                        dtmf: DtmfGenerator::new(GeneratorConfig {
                            on_ms: DTMF_ON_MS,
                            off_ms: DTMF_ON_MS,
                            ..GeneratorConfig::default()
                        })
                        .context("DTMF generator settings")?,
                        phase: 0,
                    });
                }
                Err(e) => warn!(target: "carrier", "setup: {e}"),
            }
            next_call = wall + o.interval;
        }
        while let Some(f) = pri.poll_transmit() {
            let _ = line.write_dchannel(&f);
        }
        std::thread::sleep(TICK);
    }
    Ok(())
}

/// The next 1 ms of every B-channel: each call's tone or DTMF, idle elsewhere.
fn next_chunk(
    pri: &Pri,
    calls: &mut [Active],
    tone: &[Chunk; 2],
    wall: Instant,
) -> [Chunk; E1_TIMESLOTS] {
    let mut tx: [Chunk; E1_TIMESLOTS] = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    for a in calls.iter_mut() {
        let Some(ts) = pri
            .calls()
            .channel(a.call)
            .map(usize::from)
            .filter(|&t| t < E1_TIMESLOTS)
        else {
            continue;
        };
        match a.script {
            Script::Tone if a.hangup_at.is_some() => {
                tx[ts] = tone[a.phase % 2];
                a.phase += 1;
            }
            Script::Tone => {}
            Script::Caller { .. } => {
                if a.dtmf.is_idle()
                    && let Some(&(at, key)) = a.keys.front()
                    && wall >= at
                {
                    a.keys.pop_front();
                    if let Some(d) = Digit::from_char(key) {
                        info!(target: "carrier", call = a.call.0, did = %a.did, key = %key, "carrier: caller presses a key (in-band DTMF)");
                        a.dtmf.start(d);
                    }
                }
                if !a.dtmf.is_idle() {
                    let mut lin = [0i16; CHUNK_SAMPLES];
                    a.dtmf.fill(&mut lin);
                    media_dsp::g711::Law::Alaw.encode(&lin, &mut tx[ts]);
                }
            }
        }
    }
    tx
}

#[allow(clippy::too_many_arguments)]
fn handle(
    pri: &mut Pri,
    now: tdm::Instant,
    wall: Instant,
    ev: Event,
    calls: &mut Vec<Active>,
    o: &Options,
    rng: &mut SplitMix64,
) {
    match ev {
        Event::Proceeding { call, channel } => {
            info!(target: "carrier", call = call.0, channel, "carrier: call proceeding");
        }
        Event::Alerting { call } => info!(target: "carrier", call = call.0, "carrier: alerting"),
        Event::Connected { call } => {
            o.metrics.carrier("connected");
            info!(target: "carrier", call = call.0, channel = pri.calls().channel(call), "carrier: connected");
            let Some(a) = calls.iter_mut().find(|a| a.call == call) else {
                return;
            };
            match a.script {
                Script::Tone => a.hangup_at = Some(wall + o.hold),
                Script::Caller { digit, abandons } => {
                    let press = wall + o.dtmf_after;
                    let hold_ms = u64::try_from(o.hold.as_millis()).unwrap_or(u64::MAX);
                    let stay = if abandons {
                        Duration::from_millis(range(rng, PATIENCE_MS.0, PATIENCE_MS.1))
                    } else {
                        Duration::from_millis(range(rng, hold_ms / 2, hold_ms))
                    };
                    match digit {
                        Some('9') => {
                            a.keys.push_back((press, '9'));
                            let mut at = press + ACCOUNT_AFTER;
                            for k in ACCOUNT.chars() {
                                a.keys.push_back((at, k));
                                at += Duration::from_millis(u64::from(2 * DTMF_ON_MS));
                            }
                            a.hangup_at = Some(at + BALANCE_LISTEN);
                        }
                        Some(d) => {
                            a.keys.push_back((press, d));
                            a.hangup_at = Some(press + stay);
                        }
                        None => a.hangup_at = Some(wall + stay),
                    }
                    info!(target: "carrier", call = call.0, did = %a.did, digit = ?digit, abandons,
                        stays_ms = a.hangup_at.map(|t| t.saturating_duration_since(wall).as_millis()),
                        "carrier: the caller listens");
                }
            }
        }
        Event::Disconnected { call, cause } => {
            info!(target: "carrier", call = call.0, cause = cause.0,
                cause_name = cause.name().unwrap_or("unknown"), "carrier: disconnected by the appliance");
            if let Err(e) = pri.release(now, call, CauseValue::NORMAL_CLEARING) {
                warn!(target: "carrier", "release: {e}");
            }
        }
        Event::Released { call, cause } => {
            o.metrics.carrier("released");
            if let Some(i) = calls.iter().position(|a| a.call == call) {
                let a = calls.remove(i);
                let heard = a.heard_ms >= HEARD_MIN_MS;
                if heard {
                    o.metrics.carrier("media_heard");
                }
                info!(target: "carrier", call = call.0, did = %a.did, cause = cause.0,
                    cause_name = cause.name().unwrap_or("unknown"), heard_ms = a.heard_ms, heard,
                    "carrier: call released");
            }
        }
        Event::IncomingCall { call, .. } => {
            // The appliance calling out: not in this slice; refuse plainly.
            let _ = pri.disconnect(now, call, CauseValue(34));
        }
        _ => {}
    }
}

/// A 500 Hz tone at 8 kHz: 16 samples, two chunks, A-law.
fn tone_500() -> [Chunk; 2] {
    let mut t = [[0u8; CHUNK_SAMPLES]; 2];
    for i in 0..16u8 {
        let x = (f64::from(i) * std::f64::consts::TAU / 16.0).sin() * 8000.0;
        #[allow(clippy::cast_possible_truncation)]
        let lin = x as i16;
        t[usize::from(i / 8)][usize::from(i % 8)] = media_dsp::g711::linear_to_alaw(lin);
    }
    t
}
