//! The simulated carrier of the demo: our own ISDN stack in the **network** role on the far
//! end of the virtual E1 line, as a telephone exchange would be.
//!
//! It runs on its own std thread (it is "outside the box": it shares nothing with the daemon
//! but the line socket and the metrics), connects to the span's line jack, brings the data
//! link up, and every `interval` places a call to the next DID of its list. It holds an
//! answered call for `hold`, sends a 500 Hz tone on the B-channel meanwhile and counts the
//! milliseconds of non-idle audio it hears back (the echo of its tone on 600, the test tone
//! on 601), then clears. Progress is logged with target `carrier` and counted in
//! `appliance_carrier_calls_total{result=...}`.
//!
//! **Not:** a model of a real carrier's timing or features (no overlap dialling, no
//! restarts, no alarms); that is what `pri-test` and the isdn crate's tests are for.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use isdn::call::{self, CallId, Event, SetupParams};
use isdn::pri::Pri;
use isdn::q921;
use isdn::q931::{CauseValue, Role, Variant};
use tdm::virt::{VirtE1Config, VirtE1Span, VirtError};
use tdm::{CHUNK_SAMPLES, Chunk, E1_TIMESLOTS, Span};
use tracing::{info, warn};

use crate::metrics::Metrics;

const TICK: Duration = Duration::from_micros(500);
const CONNECT_RETRY: Duration = Duration::from_secs(10);
const ALAW_IDLE: u8 = 0xD5;
/// Milliseconds of non-idle audio that count as "heard".
const HEARD_MIN_MS: u32 = 100;

/// Settings of the simulated carrier.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) path: PathBuf,
    pub(crate) interval: Duration,
    pub(crate) dids: Vec<String>,
    pub(crate) hold: Duration,
    /// Calls it keeps up at once (the first carries the tone; the others no audio).
    pub(crate) max_calls: usize,
    pub(crate) metrics: Metrics,
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

#[derive(Debug)]
struct Active {
    call: CallId,
    did: String,
    hangup_at: Option<Instant>,
    heard_ms: u32,
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
        dids = ?o.dids, "simulated carrier connected to the line");
    pri.start(now_of(Instant::now()));
    let mut frames = 0u64;
    let mut link_up = false;
    let mut next_call = Instant::now() + Duration::from_millis(500);
    let mut did_idx = 0usize;
    let mut active: Option<Active> = None;
    let mut extra: Vec<Active> = Vec::new();
    let mut buf = [0u8; 1024];
    let mut rx: [Chunk; E1_TIMESLOTS] = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
    let tone = tone_500();
    let mut phase = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let wall = Instant::now();
        let now = now_of(wall);
        let due = now.as_micros() * 8 / 1000;
        let chan = active
            .as_ref()
            .and_then(|a| pri.calls().channel(a.call))
            .map(usize::from);
        let r = if due > frames {
            let n = usize::try_from(due - frames).unwrap_or(usize::MAX);
            for _ in 0..n.div_ceil(8) {
                let mut tx: [Chunk; E1_TIMESLOTS] = [[ALAW_IDLE; CHUNK_SAMPLES]; E1_TIMESLOTS];
                if let Some(ts) = chan.filter(|&t| t < E1_TIMESLOTS) {
                    tx[ts] = tone[phase % 2];
                    phase += 1;
                }
                let _ = line.write_chunk(&tx);
            }
            frames = due;
            line.pump(n)
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
            if let (Some(ts), Some(a)) = (chan, active.as_mut())
                && rx
                    .get(ts)
                    .is_some_and(|c| c.iter().any(|&b| b != ALAW_IDLE))
            {
                a.heard_ms += 1;
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
            handle(
                &mut pri,
                now,
                wall,
                ev,
                &mut active,
                &mut extra,
                o,
                &mut next_call,
            );
        }
        for a in active.iter_mut().chain(extra.iter_mut()) {
            if a.hangup_at.is_none_or(|t| wall < t) {
                continue;
            }
            a.hangup_at = None;
            info!(target: "carrier", call = a.call.0, did = %a.did, heard_ms = a.heard_ms, "carrier: clearing the call");
            if let Err(e) = pri.disconnect(now, a.call, CauseValue::NORMAL_CLEARING) {
                warn!(target: "carrier", "disconnect: {e}");
            }
        }
        if link_up
            && (active.is_none() || extra.len() + 1 < o.max_calls)
            && !o.interval.is_zero()
            && !o.dids.is_empty()
            && wall >= next_call
        {
            let did = o.dids[did_idx % o.dids.len()].clone();
            did_idx += 1;
            let mut p = SetupParams::speech(&did);
            p.calling = Some("0215550100".into());
            match pri.setup(now, p) {
                Ok(call) => {
                    o.metrics.carrier("placed");
                    info!(target: "carrier", call = call.0, did = %did, "carrier: SETUP sent");
                    let a = Active {
                        call,
                        did,
                        hangup_at: None,
                        heard_ms: 0,
                    };
                    if active.is_none() {
                        active = Some(a);
                    } else {
                        extra.push(a);
                    }
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

#[allow(clippy::too_many_arguments)]
fn handle(
    pri: &mut Pri,
    now: tdm::Instant,
    wall: Instant,
    ev: Event,
    active: &mut Option<Active>,
    extra: &mut Vec<Active>,
    o: &Options,
    next_call: &mut Instant,
) {
    match ev {
        Event::Proceeding { call, channel } => {
            info!(target: "carrier", call = call.0, channel, "carrier: call proceeding");
        }
        Event::Alerting { call } => info!(target: "carrier", call = call.0, "carrier: alerting"),
        Event::Connected { call } => {
            o.metrics.carrier("connected");
            info!(target: "carrier", call = call.0, channel = pri.calls().channel(call), "carrier: connected");
            if let Some(a) = active
                .iter_mut()
                .chain(extra.iter_mut())
                .find(|a| a.call == call)
            {
                a.hangup_at = Some(wall + o.hold);
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
            let a = active.take_if(|a| a.call == call).or_else(|| {
                let i = extra.iter().position(|a| a.call == call)?;
                Some(extra.remove(i))
            });
            if let Some(a) = a {
                let heard = a.heard_ms >= HEARD_MIN_MS;
                if heard {
                    o.metrics.carrier("media_heard");
                }
                info!(target: "carrier", call = call.0, did = %a.did, cause = cause.0,
                    cause_name = cause.name().unwrap_or("unknown"), heard_ms = a.heard_ms, heard,
                    "carrier: call released");
                *next_call = (*next_call).max(wall);
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
