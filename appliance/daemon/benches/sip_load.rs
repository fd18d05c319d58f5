//! SIP load benchmark of the daemon, side by side with sipp's own ceiling (issue 5).
//!
//! What it is: a bench binary (`harness = false`) that runs, in one go, on loopback only:
//!
//! 1. **Calls per second, no media**: sipp UAC → sipp UAS directly (the ceiling), then
//!    sipp UAC → `appliance` (release build) → sipp UAS registered as extension 1002. The
//!    UAC calls as a SIP trunk (the bench adds a trunk on 127.0.0.1, so no digest round
//!    trip; the same SIP messages flow on both paths). A rate ladder (doubling, then
//!    bisecting) finds the largest rate at which every call of a few seconds' worth
//!    completes and the run lasts at most 5 % (plus 0.5 s for sipp's start-up) longer than
//!    those calls need at the asked rate.
//! 2. **Concurrent calls with G.711 media**: N calls held open, each carrying one 20 ms
//!    PCMA stream from this bench's RTP source to the far end, which is sipp's UAS in
//!    `-rtp_echo` mode (every packet goes straight back). Directly, the echo returns to the
//!    bench; through the daemon, the packet crosses the switch twice (A leg → bridge → B
//!    leg → sipp echo → B leg → bridge → A leg). The bench's sink checks every sample
//!    against the pseudo-random sequence it sent (so concealment cannot pass for audio) and
//!    counts, over a 10 s steady window, the 20 ms frames that did not arrive, arrived
//!    altered, or arrived more than `--late-ms` (default 40) after the stream's best
//!    transit time. The largest N with under 0.1 % late or lost frames (and every call
//!    set up and torn down) is the figure.
//! 3. **Memory per call**: the daemon's VmRSS in the middle of each media step minus its
//!    VmRSS just before the calls, divided by N (also VmHWM).
//!
//! Each result is a ratio to the direct sipp run of the same kind, measured in the same
//! run. Every run is bounded (call counts, sipp `-timeout`, bounded waits); processes are
//! started fresh for every step and killed by PID.
//!
//! What it is NOT: a test (no assertion on speed; it prints JSON lines and a Markdown table,
//! and with `--write` puts the table into BENCHMARKS.md), nor a SIP conformance check.
//!
//! Run: `scripts/bench-sip.sh` (or `cargo bench -p appliance --bench sip_load -- [--quick]
//! [--write] [--late-ms N] [--max-calls N] [--max-cps N] [--only cps|media]`).
//! `SIP_LOAD_KEEP_LOGS=DIR` keeps every daemon's log and sipp UAC's error trace in DIR
//! (the diagnosis of a failing step).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const SIPP: &str = "/usr/bin/sipp";
/// RTP ports of the daemon's legs: below Linux's ephemeral range (sipp, the bench).
const RTP_PORTS: &str = "10000-29999";
/// Frame: 20 ms of PCMA.
const FRAME: usize = 160;
/// Period of the pseudo-random sample sequence the source sends (16.4 s).
const SEQ_LEN: usize = 1 << 17;

#[derive(Debug, Clone)]
struct Opts {
    quick: bool,
    write: bool,
    late_ms: u64,
    max_calls: usize,
    max_cps: u32,
    cps: bool,
    media: bool,
    window_s: f64,
    setup_rate: u32,
    /// Where the daemon's data directories go (default: the system temp dir). A tmpfs such
    /// as /dev/shm takes the disk's fsync latency out: a diagnostic, not the headline.
    data_base: Option<PathBuf>,
    /// `--peer-rmem`: what scripts/bench-sip.sh set net.core.rmem_default to.
    peer_rmem: Option<u64>,
}

fn opts() -> Result<Opts> {
    let mut o = Opts {
        quick: false,
        write: false,
        late_ms: 40,
        max_calls: 4000,
        max_cps: 20_000,
        cps: true,
        media: true,
        window_s: 10.0,
        setup_rate: 200,
        data_base: None,
        peer_rmem: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> Result<u64> {
            args.next()
                .with_context(|| format!("{what} needs a value"))?
                .parse()
                .with_context(|| format!("{what} needs a number"))
        };
        match a.as_str() {
            "--bench" => {}
            "--quick" => {
                o.quick = true;
                o.window_s = 5.0;
            }
            "--write" => o.write = true,
            "--data-base" => {
                o.data_base = Some(args.next().context("--data-base needs a directory")?.into());
            }
            "--late-ms" => o.late_ms = num("--late-ms")?,
            "--max-calls" => o.max_calls = usize::try_from(num("--max-calls")?)?,
            "--max-cps" => o.max_cps = u32::try_from(num("--max-cps")?)?,
            // Set by scripts/bench-sip.sh (which raises net.core.rmem_default for the run);
            // here only recorded with the results.
            "--peer-rmem" => o.peer_rmem = Some(num("--peer-rmem")?),
            "--only" => match args.next().as_deref() {
                Some("cps") => o.media = false,
                Some("media") => o.cps = false,
                other => bail!("--only cps|media, got {other:?}"),
            },
            other => bail!("unknown argument {other} (see the doc comment of benches/sip_load.rs)"),
        }
    }
    Ok(o)
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> String {
    manifest()
        .join("benches/sipp")
        .join(name)
        .display()
        .to_string()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// A free loopback UDP port (and, with `pair`, the one two above it: sipp's echo binds
/// media_port and media_port + 2).
fn free_port(pair: bool) -> u16 {
    for _ in 0..100 {
        let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let p = s.local_addr().expect("addr").port();
        if !pair {
            return p;
        }
        if p.is_multiple_of(2) && p < 65_000 && UdpSocket::bind(("127.0.0.1", p + 2)).is_ok() {
            return p;
        }
    }
    panic!("no free UDP port pair on loopback");
}

/// VmRSS and VmHWM of a process, KiB.
fn mem_kb(pid: u32) -> (u64, u64) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

/// User + system CPU time of a process, clock ticks (USER_HZ, 100 on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3, utime 14, stime 15 (1-based over the whole line).
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    t(11) + t(12)
}

fn kill(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Waits (bounded) for a child; `None` when it had to be killed.
fn wait_bounded(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        if Instant::now() > deadline {
            kill(child);
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---- the daemon ------------------------------------------------------------------------

struct Daemon {
    child: Child,
    sip: SocketAddr,
    /// (leg's RTP port, remote RTP port) of every "rtp session started" line.
    sessions: Option<Receiver<(u16, u16)>>,
    _dir: tempfile::TempDir,
}

impl Daemon {
    fn start(work: &Path) -> Result<Self> {
        let dir = tempfile::tempdir_in(work)?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data)?;
        {
            let mut st = store::Store::open(data.join("appliance.db"))?;
            let now = store::Timestamp::from_secs(
                i64::try_from(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)?
                        .as_secs(),
                )
                .unwrap_or(0),
            );
            st.seed_demo(now)?;
            st.execute(
                store::CommandContext {
                    actor: "bench",
                    ts: now,
                },
                &store::Command::CreateSipTrunk(store::config::SipTrunkConfig {
                    name: "bench".into(),
                    host: "127.0.0.1".into(),
                    port: 5060,
                    transport: store::config::Transport::Udp,
                    username: None,
                    password: None,
                    register: false,
                    outbound_proxy: None,
                    max_channels: 1000,
                    enabled: true,
                    caller_id: Default::default(),
                }),
            )?;
        }
        let sock = dir.path().join("notify.sock");
        let notify = UnixDatagram::bind(&sock)?;
        notify.set_read_timeout(Some(Duration::from_millis(200)))?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_appliance"))
            .arg("--data-dir")
            .arg(&data)
            .args(["--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"])
            .args(["--rtp-ports", RTP_PORTS, "--drain-secs", "0"])
            .args(["--carrier-interval-ms", "0"])
            .env("NOTIFY_SOCKET", &sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting the appliance binary")?;
        let err = child.stderr.take().context("stderr")?;
        let log_path = dir.path().join("appliance.log");
        let (addr_tx, addr_rx) = channel();
        let (sess_tx, sess_rx) = channel();
        // The log goes to a file, as journald would take it; two kinds of line are parsed.
        std::thread::spawn(move || {
            let mut out = std::fs::File::create(log_path)
                .ok()
                .map(std::io::BufWriter::new);
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if let Some(o) = out.as_mut() {
                    let _ = writeln!(o, "{line}");
                }
                if line.contains("sip listening") {
                    if let Some(a) = field(&line, "addr=").and_then(|a| a.parse().ok()) {
                        let _ = addr_tx.send(a);
                    }
                } else if line.contains("rtp session started")
                    && let (Some(p), Some(r)) = (
                        field(&line, "rtp_port=").and_then(|p| p.parse().ok()),
                        field(&line, "remote=Some(")
                            .and_then(|r| r.trim_end_matches(')').parse::<SocketAddr>().ok()),
                    )
                {
                    let _ = sess_tx.send((p, r.port()));
                }
            }
        });
        let Ok(sip) = addr_rx.recv_timeout(Duration::from_secs(20)) else {
            let st = wait_bounded(&mut child, Duration::from_secs(2));
            std::thread::sleep(Duration::from_millis(200));
            let log = std::fs::read_to_string(dir.path().join("appliance.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            bail!(
                "the daemon logged no SIP address (exit {st:?}); its last lines:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 4096];
        loop {
            if let Ok(n) = notify.recv(&mut buf)
                && String::from_utf8_lossy(&buf[..n]).contains("READY=1")
            {
                break;
            }
            if Instant::now() > deadline {
                kill(&mut child);
                bail!("the daemon sent no READY=1 within 20 s");
            }
        }
        Ok(Self {
            child,
            sip,
            sessions: Some(sess_rx),
            _dir: dir,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        kill(&mut self.child);
        // SIP_LOAD_KEEP_LOGS=DIR keeps each daemon's log (the temp dir goes with it).
        if let Some(keep) = std::env::var_os("SIP_LOAD_KEEP_LOGS") {
            std::thread::sleep(Duration::from_millis(200));
            let to = PathBuf::from(keep).join(format!("appliance-{}.log", self.child.id()));
            let _ = std::fs::copy(self._dir.path().join("appliance.log"), to);
        }
    }
}

/// The value after `key` up to the next space.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let at = line.find(key)? + key.len();
    line[at..].split_whitespace().next()
}

// ---- sipp --------------------------------------------------------------------------------

fn sipp_uas(work: &Path, port: u16, media_port: u16) -> Result<Child> {
    Command::new(SIPP)
        .args(["-sf", &scenario("uas.xml")])
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &media_port.to_string(), "-rtp_echo"])
        .args(["-nostdin", "-timeout", "600"])
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting sipp (UAS)")
}

/// Registers extension 1002 with the daemon from `port` (where the UAS will listen).
fn register(work: &Path, daemon: SocketAddr, port: u16) -> Result<()> {
    let mut c = Command::new(SIPP)
        .arg(daemon.to_string())
        .args([
            "-sf",
            &manifest()
                .join("tests/sipp/register.xml")
                .display()
                .to_string(),
        ])
        .args(["-s", "1002", "-au", "1002", "-ap", "demo1002"])
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-m", "1", "-nostdin", "-timeout", "15", "-timeout_error"])
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting sipp (REGISTER)")?;
    match wait_bounded(&mut c, Duration::from_secs(20)) {
        Some(st) if st.success() => Ok(()),
        other => bail!("registering 1002 failed: {other:?}"),
    }
}

struct UacRun {
    ok: bool,
    elapsed: f64,
    stats: HashMap<String, String>,
}

#[allow(clippy::too_many_arguments)]
fn sipp_uac(
    work: &Path,
    target: SocketAddr,
    rate: u32,
    calls: usize,
    hold_ms: u64,
    rtp_port: u16,
    limit: usize,
    timeout: Duration,
) -> Result<UacRun> {
    let stat = work.join(format!("uac-{rate}-{calls}-{}.csv", std::process::id()));
    let _ = std::fs::remove_file(&stat);
    let t0 = Instant::now();
    let mut c = Command::new(SIPP)
        .arg(target.to_string())
        .args(["-sf", &scenario("uac.xml"), "-s", "1002"])
        .args(["-i", "127.0.0.1", "-p", &free_port(false).to_string()])
        .args(["-mp", &free_port(true).to_string()])
        .args(["-key", "rtp_port", &rtp_port.to_string()])
        .args(["-r", &rate.to_string(), "-rp", "1000"])
        .args(["-m", &calls.to_string(), "-l", &limit.to_string()])
        .args(["-d", &hold_ms.to_string()])
        .args(["-nostdin", "-timeout", &timeout.as_secs().to_string()])
        .args(["-timeout_error", "-trace_stat", "-fd", "3600"])
        .arg("-stf")
        .arg(&stat)
        .args(keep_errors(&format!("uac-{rate}-{calls}")))
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting sipp (UAC)")?;
    let st = wait_bounded(&mut c, timeout + Duration::from_secs(10));
    let elapsed = t0.elapsed().as_secs_f64();
    let stats = std::fs::read_to_string(&stat)
        .ok()
        .and_then(|s| {
            let mut lines = s.lines().filter(|l| !l.trim().is_empty());
            let head: Vec<String> = lines.next()?.split(';').map(str::to_owned).collect();
            let last: Vec<String> = lines.next_back()?.split(';').map(str::to_owned).collect();
            Some(head.into_iter().zip(last).collect())
        })
        .unwrap_or_default();
    let _ = std::fs::remove_file(&stat);
    Ok(UacRun {
        ok: st.is_some_and(|s| s.success()),
        elapsed,
        stats,
    })
}

/// With SIP_LOAD_KEEP_LOGS=DIR: sipp's unexpected messages and errors go to DIR/NAME-err.log.
fn keep_errors(name: &str) -> Vec<String> {
    std::env::var_os("SIP_LOAD_KEEP_LOGS").map_or_else(Vec::new, |d| {
        let f = PathBuf::from(d).join(format!("{name}-{}-err.log", std::process::id()));
        vec![
            "-trace_err".into(),
            "-error_file".into(),
            f.display().to_string(),
        ]
    })
}

fn stat(r: &UacRun, k: &str) -> u64 {
    r.stats.get(k).and_then(|v| v.parse().ok()).unwrap_or(0)
}

// ---- calls per second ------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Direct,
    Daemon,
}

impl Via {
    fn name(self) -> &'static str {
        match self {
            Self::Direct => "sipp-direct",
            Self::Daemon => "appliance",
        }
    }
}

/// An RTP sink that only drains (the no-media run's SDP names it).
fn drain_sink(stop: Arc<AtomicBool>) -> Result<(u16, JoinHandle<u64>)> {
    let s = UdpSocket::bind("127.0.0.1:0")?;
    s.set_read_timeout(Some(Duration::from_millis(50)))?;
    let port = s.local_addr()?.port();
    Ok((
        port,
        std::thread::spawn(move || {
            let mut n = 0;
            let mut b = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                if s.recv_from(&mut b).is_ok() {
                    n += 1;
                }
            }
            n
        }),
    ))
}

fn cps_step(o: &Opts, work: &Path, via: Via, rate: u32) -> Result<(bool, String)> {
    let secs = if o.quick { 3 } else { 5 };
    let calls = usize::try_from(rate).unwrap_or(usize::MAX) * secs;
    let uas_port = free_port(false);
    let media = free_port(true);
    let daemon = match via {
        Via::Daemon => {
            let d = Daemon::start(work)?;
            register(work, d.sip, uas_port)?;
            Some(d)
        }
        Via::Direct => None,
    };
    let mut uas = sipp_uas(work, uas_port, media)?;
    std::thread::sleep(Duration::from_millis(300));
    let target = daemon
        .as_ref()
        .map_or(SocketAddr::from(([127, 0, 0, 1], uas_port)), |d| d.sip);
    let stop = Arc::new(AtomicBool::new(false));
    let (sink, sink_thread) = drain_sink(Arc::clone(&stop))?;
    let cpu0 = daemon.as_ref().map(|d| cpu_ticks(d.pid()));
    let uac_cpu0 = cpu_ticks(uas.id());
    let limit = usize::try_from(rate).unwrap_or(1000).max(100) * 4;
    let load = loadavg();
    let r = sipp_uac(
        work,
        target,
        rate,
        calls,
        0,
        sink,
        limit,
        Duration::from_secs(u64::try_from(secs).unwrap_or(5) * 4 + 30),
    )?;
    let cpu = daemon
        .as_ref()
        .zip(cpu0)
        .map(|(d, c0)| (cpu_ticks(d.pid()) - c0) as f64 / r.elapsed);
    let uas_cpu = (cpu_ticks(uas.id()) - uac_cpu0) as f64 / r.elapsed;
    stop.store(true, Ordering::Relaxed);
    let rtp = sink_thread.join().unwrap_or(0);
    kill(&mut uas);
    drop(daemon);
    let achieved = calls as f64 / r.elapsed;
    let ok_calls = stat(&r, "SuccessfulCall(C)");
    let failed = stat(&r, "FailedCall(C)");
    // Sustained: every call completed, and the run took at most 5 % (plus 0.5 s for sipp's
    // start and the last call) longer than the calls at the asked rate need.
    let pass = r.ok && failed == 0 && r.elapsed <= secs as f64 * 1.05 + 0.5;
    let json = serde_json::json!({
        "bench": "sip_cps", "path": via.name(), "rate": rate, "calls": calls,
        "pass": pass, "sipp_ok": r.ok, "successful": ok_calls, "failed": failed,
        "retransmissions": stat(&r, "Retransmissions(C)"),
        "achieved_cps": (achieved * 10.0).round() / 10.0, "elapsed_s": (r.elapsed * 100.0).round() / 100.0,
        "appliance_cpu_pct": cpu.map(|c| c.round()), "uas_cpu_pct": uas_cpu.round(),
        "rtp_packets_to_uac": rtp, "load": load,
    });
    Ok((pass, json.to_string()))
}

/// Doubling, then bisecting between the last pass and the first failure.
fn ladder<T: Copy + Into<u64>>(
    start: T,
    cap: T,
    up: impl Fn(T) -> T,
    mid: impl Fn(T, T) -> Option<T>,
    bisect: usize,
    mut step: impl FnMut(T) -> Result<bool>,
) -> Result<(Option<T>, bool)> {
    let mut best = None;
    let mut x = start;
    let fail = loop {
        if step(x)? {
            best = Some(x);
            if x.into() >= cap.into() {
                return Ok((best, true));
            }
            let n = up(x);
            x = if n.into() > cap.into() { cap } else { n };
        } else {
            break Some(x);
        }
    };
    if let (Some(lo), Some(hi)) = (best, fail) {
        let (mut lo, mut hi) = (lo, hi);
        for _ in 0..bisect {
            let Some(m) = mid(lo, hi) else { break };
            if step(m)? {
                lo = m;
                best = Some(m);
            } else {
                hi = m;
            }
        }
    }
    Ok((best, false))
}

// ---- media ------------------------------------------------------------------------------

/// The pseudo-random A-law sequence every stream sends (from sample 0), and an index of
/// its 8-sample windows.
struct Pattern {
    seq: Vec<u8>,
    index: HashMap<u64, u32>,
}

impl Pattern {
    fn new() -> Self {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut seq: Vec<u8> = (0..SEQ_LEN)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let wrap: Vec<u8> = seq[..FRAME].to_vec();
        seq.extend_from_slice(&wrap);
        let mut index = HashMap::with_capacity(SEQ_LEN);
        for k in 0..SEQ_LEN {
            let key = u64::from_le_bytes(seq[k..k + 8].try_into().expect("8"));
            index.entry(key).or_insert(u32::try_from(k).expect("k"));
        }
        Self { seq, index }
    }

    /// Whether a payload is an unaltered 20 ms stretch of the sequence.
    fn matches(&self, p: &[u8]) -> bool {
        if p.len() != FRAME {
            return false;
        }
        let key = u64::from_le_bytes(p[..8].try_into().expect("8"));
        self.index.get(&key).is_some_and(|&k| {
            let k = k as usize;
            self.seq[k..k + FRAME] == *p
        })
    }
}

struct TxStream {
    to: SocketAddr,
    ssrc: u32,
    seq: u16,
    ts: u32,
    k: usize,
    due: Instant,
}

#[derive(Clone, Copy)]
struct Rx {
    key: (u16, u32),
    ts: u32,
    at_us: i64,
    good: bool,
}

struct MediaOut {
    pass: bool,
    json: String,
    kb_per_call: Option<f64>,
}

#[allow(clippy::too_many_lines)]
fn media_step(o: &Opts, work: &Path, pat: &Arc<Pattern>, via: Via, n: usize) -> Result<MediaOut> {
    let uas_port = free_port(false);
    let media = free_port(true);
    let mut daemon = match via {
        Via::Daemon => {
            let d = Daemon::start(work)?;
            register(work, d.sip, uas_port)?;
            Some(d)
        }
        Via::Direct => None,
    };
    let mut uas = sipp_uas(work, uas_port, media)?;
    std::thread::sleep(Duration::from_millis(500));
    let idle = daemon.as_ref().map(|d| mem_kb(d.pid()));
    let target = daemon
        .as_ref()
        .map_or(SocketAddr::from(([127, 0, 0, 1], uas_port)), |d| d.sip);

    let sock = UdpSocket::bind("127.0.0.1:0")?;
    {
        let s2 = socket2::SockRef::from(&sock);
        let _ = s2.set_recv_buffer_size(8 << 20);
        let _ = s2.set_send_buffer_size(8 << 20);
    }
    let my_port = sock.local_addr()?.port();
    let stop = Arc::new(AtomicBool::new(false));
    let streams: Arc<Mutex<Vec<TxStream>>> = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let t0 = Instant::now();
    let ramp = n as f64 / f64::from(o.setup_rate);
    let settle = 2.0;
    let wa = t0 + Duration::from_secs_f64(ramp + settle);
    let wb = wa + Duration::from_secs_f64(o.window_s);
    let hold_ms = ((o.window_s + settle + 2.0) * 1000.0) as u64 + (ramp * 1000.0) as u64;

    // Sender: every stream every 20 ms, from one socket.
    let sender = {
        let sock = sock.try_clone()?;
        let (stop, streams, pat) = (Arc::clone(&stop), Arc::clone(&streams), Arc::clone(pat));
        std::thread::spawn(move || {
            let mut pkt = [0u8; 12 + FRAME];
            let mut sent = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let now = Instant::now();
                let mut next = now + Duration::from_millis(2);
                {
                    let mut ss = streams.lock().expect("lock");
                    for s in ss.iter_mut() {
                        while s.due <= now {
                            pkt[0] = 0x80;
                            pkt[1] = 8;
                            pkt[2..4].copy_from_slice(&s.seq.to_be_bytes());
                            pkt[4..8].copy_from_slice(&s.ts.to_be_bytes());
                            pkt[8..12].copy_from_slice(&s.ssrc.to_be_bytes());
                            pkt[12..].copy_from_slice(&pat.seq[s.k..s.k + FRAME]);
                            let _ = sock.send_to(&pkt, s.to);
                            sent += 1;
                            s.seq = s.seq.wrapping_add(1);
                            s.ts = s.ts.wrapping_add(FRAME as u32);
                            s.k = (s.k + FRAME) % SEQ_LEN;
                            s.due += Duration::from_millis(20);
                        }
                        next = next.min(s.due);
                    }
                }
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                }
            }
            sent
        })
    };
    // Receiver: every packet, stamped.
    let receiver = {
        let sock = sock.try_clone()?;
        sock.set_read_timeout(Some(Duration::from_millis(50)))?;
        let (stop, pat) = (Arc::clone(&stop), Arc::clone(pat));
        std::thread::spawn(move || {
            let mut out: Vec<Rx> = Vec::with_capacity(n * 600);
            // SIP_LOAD_DUMP=N prints the first N packets received (diagnosis).
            let mut dump: u32 = std::env::var("SIP_LOAD_DUMP")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut b = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                let Ok((len, from)) = sock.recv_from(&mut b) else {
                    continue;
                };
                let at_us = i64::try_from(t0.elapsed().as_micros()).unwrap_or(i64::MAX);
                if len < 12 || b[0] >> 6 != 2 {
                    continue;
                }
                if dump > 0 {
                    dump -= 1;
                    eprintln!(
                        "sip_load: from {from} len {len} pt {} first {:02x?}",
                        b[1] & 0x7f,
                        &b[12..len.min(28)]
                    );
                }
                let ts = u32::from_be_bytes(b[4..8].try_into().expect("4"));
                let ssrc = u32::from_be_bytes(b[8..12].try_into().expect("4"));
                out.push(Rx {
                    key: (from.port(), ssrc),
                    ts,
                    at_us,
                    good: pat.matches(&b[12..len]),
                });
            }
            out
        })
    };
    // Streams start when their call has media: through the daemon, when it logs the A leg's
    // session (its remote is our socket); directly, as sipp sets the calls up.
    let sessions = daemon.as_mut().and_then(|d| d.sessions.take());
    let starter = {
        let (stop, streams) = (Arc::clone(&stop), Arc::clone(&streams));
        let setup_rate = o.setup_rate;
        std::thread::spawn(move || {
            let mut i = 0u32;
            let mut started = 0usize;
            while !stop.load(Ordering::Relaxed) && started < n {
                let to = match &sessions {
                    Some(rx) => match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok((rtp, remote)) if remote == my_port => {
                            SocketAddr::from(([127, 0, 0, 1], rtp))
                        }
                        _ => continue,
                    },
                    None => {
                        let at = t0
                            + Duration::from_secs_f64(f64::from(i) / f64::from(setup_rate) + 0.2);
                        let now = Instant::now();
                        if at > now {
                            std::thread::sleep(at - now);
                        }
                        SocketAddr::from(([127, 0, 0, 1], media))
                    }
                };
                i += 1;
                started += 1;
                streams.lock().expect("lock").push(TxStream {
                    to,
                    ssrc: 0x5000_0000 + i,
                    seq: 0,
                    ts: 0,
                    k: 0,
                    due: Instant::now(),
                });
            }
            started
        })
    };
    let limit = n + 10;
    let setup_rate = o.setup_rate;
    let uac = {
        let work = work.to_path_buf();
        std::thread::spawn(move || {
            sipp_uac(
                &work,
                target,
                setup_rate,
                n,
                hold_ms,
                my_port,
                limit,
                Duration::from_secs(hold_ms / 1000 + 120),
            )
        })
    };

    // Main thread: sample memory and CPU over the window.
    let mut rss_mid = None;
    let mut cpu_a = None;
    let mut cpu_b = None;
    let mid = wa + (wb - wa) / 2;
    let end = wb + Duration::from_millis(500);
    while Instant::now() < end {
        let now = Instant::now();
        if cpu_a.is_none() && now >= wa {
            cpu_a = Some((
                daemon.as_ref().map(|d| cpu_ticks(d.pid())),
                cpu_ticks(uas.id()),
            ));
        }
        if rss_mid.is_none() && now >= mid {
            rss_mid = daemon.as_ref().map(|d| mem_kb(d.pid()));
        }
        if cpu_b.is_none() && now >= wb {
            cpu_b = Some((
                daemon.as_ref().map(|d| cpu_ticks(d.pid())),
                cpu_ticks(uas.id()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let load = loadavg();
    stop.store(true, Ordering::Relaxed);
    let sent = sender.join().unwrap_or(0);
    let rx = receiver.join().unwrap_or_default();
    let started = starter.join().unwrap_or(0);
    let uac_run = uac.join().map_err(|_| anyhow::anyhow!("uac thread"))??;
    kill(&mut uas);
    let hwm = daemon.as_ref().map(|d| mem_kb(d.pid()).1);
    drop(daemon);

    // Analysis over the window: per stream, the K frames from the first to arrive after wa.
    let wa_us = i64::try_from((wa - t0).as_micros()).unwrap_or(0);
    let wb_us = i64::try_from((wb - t0).as_micros()).unwrap_or(0);
    let k = ((wb_us - wa_us) / 20_000) as usize;
    let mut by: HashMap<(u16, u32), Vec<Rx>> = HashMap::new();
    for r in rx {
        by.entry(r.key).or_default().push(r);
    }
    let (mut ok, mut late, mut altered) = (0usize, 0usize, 0usize);
    let mut streams_seen = 0usize;
    let mut worst_transit_ms = 0f64;
    for (_, v) in by.iter() {
        let Some(anchor) = v.iter().find(|r| r.at_us >= wa_us) else {
            continue;
        };
        // A stream that only started after the window began would not be steady.
        if !v.iter().any(|r| r.at_us < wa_us) {
            continue;
        }
        streams_seen += 1;
        let rel = |r: &Rx| i64::from(r.ts.wrapping_sub(anchor.ts) as i32);
        let inw: Vec<&Rx> = v
            .iter()
            .filter(|r| {
                let d = rel(r);
                d >= 0 && d % FRAME as i64 == 0 && (d / FRAME as i64) < k as i64
            })
            .collect();
        let base = inw
            .iter()
            .map(|r| r.at_us - rel(r) * 125)
            .min()
            .unwrap_or(0);
        let mut seen = vec![false; k];
        for r in inw {
            let j = (rel(r) / FRAME as i64) as usize;
            let lateness = r.at_us - rel(r) * 125 - base;
            worst_transit_ms = worst_transit_ms.max(lateness as f64 / 1000.0);
            if !r.good {
                altered += 1;
            } else if lateness > i64::try_from(o.late_ms * 1000).unwrap_or(i64::MAX) {
                late += 1;
            } else if !seen[j] {
                seen[j] = true;
                ok += 1;
            }
        }
    }
    let expected = n * k;
    let ok = ok.min(expected);
    let bad = expected - ok;
    let ratio = bad as f64 / expected.max(1) as f64;
    let pass =
        uac_run.ok && stat(&uac_run, "FailedCall(C)") == 0 && streams_seen == n && ratio < 0.001;
    let kb_per_call = idle
        .zip(rss_mid)
        .map(|(i, m)| (m.0.saturating_sub(i.0)) as f64 / n as f64);
    let cpu = |pick: fn(&(Option<u64>, u64)) -> Option<u64>| {
        cpu_a
            .as_ref()
            .zip(cpu_b.as_ref())
            .and_then(|(a, b)| Some((pick(b)? - pick(a)?) as f64 / o.window_s))
    };
    let json = serde_json::json!({
        "bench": "sip_media", "path": via.name(), "calls": n, "pass": pass,
        "late_or_lost_ratio": (ratio * 1e6).round() / 1e6, "frames_expected": expected, "frames_ok": ok,
        "late": late, "altered": altered, "streams_steady": streams_seen, "streams_started": started,
        "worst_lateness_ms": (worst_transit_ms * 10.0).round() / 10.0,
        "sipp_ok": uac_run.ok, "failed_calls": stat(&uac_run, "FailedCall(C)"),
        "packets_sent": sent,
        "rss_idle_kb": idle.map(|i| i.0), "rss_kb": rss_mid.map(|m| m.0), "hwm_kb": hwm,
        "kb_per_call": kb_per_call.map(|k| (k * 10.0).round() / 10.0),
        "appliance_cpu_pct": cpu(|x| x.0), "uas_cpu_pct": cpu(|x| Some(x.1)),
        "late_ms": o.late_ms, "window_s": o.window_s, "load": load,
    });
    Ok(MediaOut {
        pass,
        json: json.to_string(),
        kb_per_call,
    })
}

// ---- main -------------------------------------------------------------------------------

fn main() -> Result<()> {
    let o = opts()?;
    if !Path::new(SIPP).exists() {
        bail!("{SIPP} not found: install the Debian package sip-tester (`make deps`)");
    }
    let work = match &o.data_base {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let load_start = loadavg();
    let started = chrono_like_now();
    let mut results = Summary::default();
    if o.cps {
        for via in [Via::Direct, Via::Daemon] {
            let (best, capped) = ladder(
                200u32,
                o.max_cps,
                |x| x * 2,
                |lo, hi| {
                    let m = (lo + hi) / 2 / 50 * 50;
                    (m > lo && m < hi && hi - lo > 100).then_some(m)
                },
                3,
                |rate| {
                    let (pass, json) = cps_step(&o, work.path(), via, rate)?;
                    println!("{json}");
                    std::thread::sleep(Duration::from_secs(1));
                    Ok(pass)
                },
            )?;
            results.cps.push((via, best, capped));
        }
    }
    if o.media {
        let pat = Arc::new(Pattern::new());
        let ns: Vec<u64> = [100, 250, 500, 1000, 1500, 2000, 3000, 4000]
            .into_iter()
            .filter(|&x| x <= o.max_calls as u64)
            .collect();
        for via in [Via::Direct, Via::Daemon] {
            let mut mem = Vec::new();
            let mut it = 0usize;
            let (best, capped) = ladder(
                ns[0],
                *ns.last().unwrap_or(&100),
                |x| ns.iter().copied().find(|&y| y > x).unwrap_or(x),
                |lo, hi| {
                    let m = (lo + hi) / 2 / 50 * 50;
                    (m > lo && m < hi && hi - lo > 100).then_some(m)
                },
                1,
                |n| {
                    it += 1;
                    let r = media_step(&o, work.path(), &pat, via, usize::try_from(n)?)?;
                    println!("{}", r.json);
                    if let Some(k) = r.kb_per_call {
                        mem.push((n, k, r.pass));
                    }
                    std::thread::sleep(Duration::from_secs(1));
                    Ok(r.pass)
                },
            )?;
            results.media.push((via, best, capped));
            if via == Via::Daemon {
                results.mem = mem;
            }
        }
    }
    let summary = results.table(&o, &load_start, &loadavg(), &started);
    println!("{}", results.json());
    println!("\n{summary}");
    if o.write {
        write_benchmarks(&summary)?;
        eprintln!("sip_load: table written to BENCHMARKS.md");
    }
    Ok(())
}

#[derive(Default)]
struct Summary {
    cps: Vec<(Via, Option<u32>, bool)>,
    media: Vec<(Via, Option<u64>, bool)>,
    /// (calls, KiB per call, passed) of the daemon's media steps.
    mem: Vec<(u64, f64, bool)>,
}

impl Summary {
    fn get<T: Copy>(v: &[(Via, Option<T>, bool)], via: Via) -> (Option<T>, bool) {
        v.iter()
            .find(|x| x.0 == via)
            .map_or((None, false), |x| (x.1, x.2))
    }

    fn json(&self) -> String {
        let c = |via| Self::get(&self.cps, via).0;
        let m = |via| Self::get(&self.media, via).0;
        serde_json::json!({
            "bench": "sip_summary",
            "cps_direct": c(Via::Direct), "cps_appliance": c(Via::Daemon),
            "calls_direct": m(Via::Direct), "calls_appliance": m(Via::Daemon),
            "kb_per_call": self.mem.iter().filter(|x| x.2).max_by_key(|x| x.0).map(|x| x.1),
        })
        .to_string()
    }

    fn table(&self, o: &Opts, load0: &str, load1: &str, when: &str) -> String {
        let fmt_best = |b: Option<u64>, capped: bool| match b {
            Some(x) if capped => format!("≥ {x}"),
            Some(x) => format!("{x}"),
            None => "none passed".into(),
        };
        let ratio = |a: Option<u64>, b: Option<u64>, capped: bool| match (a, b) {
            (Some(a), Some(b)) if b > 0 => {
                format!(
                    "{}{:.2}",
                    if capped { "≤ " } else { "" },
                    a as f64 / b as f64
                )
            }
            _ => "—".into(),
        };
        let mut t = String::new();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let rustc = Command::new("rustc")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let commit = Command::new("git")
            .args(["describe", "--always", "--dirty"])
            .current_dir(manifest())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let sipp = Command::new(SIPP)
            .arg("-v")
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .find(|w| w.starts_with('v'))
                    .unwrap_or("?")
                    .to_owned()
            })
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "Measured {when} on **{cpu}** ({} logical CPUs; load average {load0} at start, {load1} at the end), commit `{commit}`, {rustc}, sipp {sipp}, release profile, net.core.rmem_default {}.",
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            std::fs::read_to_string("/proc/sys/net/core/rmem_default")
                .map_or_else(|_| "?".into(), |v| v.trim().to_owned())
        );
        let mut cmd = String::from("scripts/bench-sip.sh");
        if o.quick {
            cmd.push_str(" --quick");
        }
        if let Some(d) = &o.data_base {
            let _ = write!(cmd, " --data-base {}", d.display());
        }
        if o.max_cps != 20_000 {
            let _ = write!(cmd, " --max-cps {}", o.max_cps);
        }
        if o.max_calls != 4000 {
            let _ = write!(cmd, " --max-calls {}", o.max_calls);
        }
        if !o.cps {
            cmd.push_str(" --only media");
        }
        if !o.media {
            cmd.push_str(" --only cps");
        }
        if o.late_ms != 40 {
            let _ = write!(cmd, " --late-ms {}", o.late_ms);
        }
        if let Some(r) = o.peer_rmem {
            let _ = write!(cmd, " --peer-rmem {r}");
        }
        let _ = writeln!(t, "Command: `{cmd}`\n");
        let _ = writeln!(
            t,
            "| figure | sipp → sipp (ceiling) | sipp → appliance → sipp | ratio | target |"
        );
        let _ = writeln!(t, "|---|---:|---:|---:|---|");
        let (cd, cdc) = Self::get(&self.cps, Via::Direct);
        let (ca, cac) = Self::get(&self.cps, Via::Daemon);
        let _ = writeln!(
            t,
            "| calls/s, no media (every call completes, the rate is kept within 5 %) | {} | {} | {} | ≥ 1,000 calls/s |",
            fmt_best(cd.map(u64::from), cdc),
            fmt_best(ca.map(u64::from), cac),
            ratio(ca.map(u64::from), cd.map(u64::from), cdc && !cac)
        );
        let (md, mdc) = Self::get(&self.media, Via::Direct);
        let (ma, mac) = Self::get(&self.media, Via::Daemon);
        let _ = writeln!(
            t,
            "| concurrent G.711 calls, < 0.1 % frames late (> {} ms) or lost | {} | {} | {} | ≥ 1,000 calls |",
            o.late_ms,
            fmt_best(md, mdc),
            fmt_best(ma, mac),
            ratio(ma, md, mdc && !mac)
        );
        let mem = self
            .mem
            .iter()
            .map(|(n, k, p)| {
                format!(
                    "{k:.1} KiB at {n} calls{}",
                    if *p { "" } else { " (step failed)" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            t,
            "| appliance memory per call (VmRSS with N calls up − idle) / N | — | {} | — | ≤ 50 KB |",
            if mem.is_empty() { "—".into() } else { mem }
        );
        t
    }
}

fn chrono_like_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn write_benchmarks(table: &str) -> Result<()> {
    let path = manifest().join("../../BENCHMARKS.md");
    let begin = "<!-- bench-sip:begin";
    let end = "<!-- bench-sip:end -->";
    let block = format!(
        "{begin} (generated by scripts/bench-sip.sh; edits here are overwritten) -->\n{table}{end}"
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let text = match (text.find(begin), text.find(end)) {
        (Some(i), Some(j)) if j > i => format!("{}{block}{}", &text[..i], &text[j + end.len()..]),
        _ => format!("{}\n\n{block}\n", text.trim_end()),
    };
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)?;
    Ok(())
}
