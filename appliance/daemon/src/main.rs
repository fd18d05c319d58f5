//! # appliance: the daemon (level 3)
//!
//! **What it is:** the one process of the appliance. It reads the clock, owns the sockets,
//! the timers, the line devices and the real-time media thread, and drives the sans-IO state
//! machines of the lower crates. In order, it:
//! 1. opens (or creates) the SQLite database in `--data-dir` through [`store`], seeding the
//!    demo defaults on first run with `--demo`;
//! 2. serves `/metrics`, `/healthz`, the control API for the serial console ([`control`],
//!    loopback only), the web panel and the CTI WebSocket/REST ([`ctiside`]) on one HTTP
//!    port ([`http`], its own runtime thread);
//! 3. starts the media thread ([`media`]): 1 ms ticks, SCHED_FIFO and locked memory where
//!    allowed, bounded lock-free SPSC queues to the async side; it runs the switch's media
//!    path for B-channels and RTP legs and plays prompts and music on hold ([`player`]);
//! 4. opens every virtual E1 PRI span of the configuration (a listening "line jack" socket in
//!    the data directory) and drives one [`isdn::pri::Pri`] per span ([`span`]);
//! 5. runs the SIP user agent on UDP and TCP ([`sipside`]) and the call center's engine
//!    ([`calls`]: `callcenter::Center`, switch + ACD + IVR + CTI);
//!    calls are recorded and voicemail messages kept as WAV files under the data
//!    directory ([`recorder`]: the media thread taps, a writer thread writes and indexes);
//! 6. with `--demo`, starts a simulated carrier ([`carrier`]) and, with `--demo-agents N`,
//!    simulated agents ([`demoagents`]);
//! 7. opens the analog line ports of the configuration (FXS/FXO on virtual analog lines,
//!    [`lines`]) and sound-card extensions ([`sound`], playback); a DAHDI port or span on a
//!    machine without DAHDI is logged as not opened, naming it;
//! 8. tells systemd READY=1, pings the watchdog, reloads on SIGHUP and when the config
//!    revision moves (a panel change, [`cfgwatch`]), drains on SIGTERM.
//!
//! Web chat is on ([`webchat`]: the panel's chat service over the call center's queues),
//! and so are the panel's system pages (under the data directory in demo mode). Event-log
//! rows and CDRs are committed in batches by their own thread ([`journal`]).
//!
//! **What it is not (yet):** DAHDI spans and analog channels are not driven (only reported);
//! the sound card does not capture; SIP has no DNS and no TLS (it opens TCP connections only
//! toward trunks on TCP) (docs/daemon.md lists what is exercised).
#![forbid(unsafe_code)]

mod calls;
mod carrier;
mod cfgwatch;
mod clock;
mod control;
mod ctiside;
mod demoagents;
mod http;
mod journal;
mod lines;
mod lookups;
mod media;
mod metrics;
mod player;
mod recorder;
mod routing;
mod sipside;
mod siptrunk;
mod sound;
mod span;
mod sysd;
mod wallfeed;
mod webchat;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use store::Store;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::metrics::Metrics;

/// Exit code for a bad data directory or database (EX_CONFIG-like, distinct from 1).
const EXIT_DATA: u8 = 3;

/// The appliance daemon.
#[derive(Debug, Parser)]
#[command(name = "appliance", version, about)]
struct Args {
    /// Data directory: holds appliance.db and the virtual line sockets. Created if missing
    /// (its parent must exist).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// Seed the demo defaults into a fresh database and start the simulated carrier.
    #[arg(long)]
    demo: bool,
    /// Address of the HTTP server for /metrics and /healthz (loopback by default).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// Serve the admin panel and its API on HTTPS at ADDR (self-signed certificate made on
    /// first start in the data directory); the HTTP server then keeps /metrics, /healthz and
    /// the loopback control routes and redirects every other path to HTTPS.
    #[arg(long, value_name = "ADDR")]
    https: Option<SocketAddr>,
    /// SIP address, UDP and TCP (loopback by default).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5060")]
    sip: SocketAddr,
    /// RTP port range for SIP legs (even RTP, odd RTCP), FIRST-LAST.
    #[arg(long, value_name = "FIRST-LAST", default_value = "20000-20999", value_parser = parse_range)]
    rtp_ports: (u16, u16),
    /// Grace period on SIGTERM: how long active calls may go on before the daemon exits.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    drain_secs: u64,
    /// Simulated carrier (demo): milliseconds between calls it places in; 0 = none.
    /// Default: 10000 with --demo, 0 otherwise.
    #[arg(long, value_name = "MS")]
    carrier_interval_ms: Option<u64>,
    /// Simulated carrier: DID numbers it dials, in turn.
    #[arg(
        long,
        value_name = "NUMBERS",
        value_delimiter = ',',
        default_value = "600,601,1001"
    )]
    carrier_dids: Vec<String>,
    /// Simulated carrier: how long it holds an answered call before clearing it (ms).
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    carrier_hold_ms: u64,
    /// Simulated carrier: calls it keeps up at once (the first one carries its tone).
    #[arg(long, value_name = "N", default_value_t = 1)]
    carrier_max_calls: usize,
    /// Simulated carrier: the IVR's number; its callers press a menu digit in-band (DTMF on
    /// the B-channel) after the IVR answers.
    #[arg(long, value_name = "NUMBER", default_value = "8000")]
    carrier_menu_did: String,
    /// Simulated carrier: queue numbers; their callers wait, talk or abandon (no tone).
    #[arg(
        long,
        value_name = "NUMBERS",
        value_delimiter = ',',
        default_value = "701,702"
    )]
    carrier_queue_dids: Vec<String>,
    /// Simulated carrier: the menu digits its IVR callers pick from (seeded).
    #[arg(
        long,
        value_name = "DIGITS",
        value_delimiter = ',',
        default_value = "1,2,9"
    )]
    carrier_digits: Vec<char>,
    /// Simulated carrier: from the IVR's answer to the caller's menu digit (ms).
    #[arg(long, value_name = "MS", default_value_t = 4000)]
    carrier_dtmf_after_ms: u64,
    /// Simulated carrier: per cent of IVR and queue callers who give up while waiting.
    #[arg(long, value_name = "PCT", default_value_t = 20, value_parser = clap::value_parser!(u8).range(0..=100))]
    carrier_abandon_pct: u8,
    /// Simulated carrier: seed of its callers' choices (digit, abandon, talk time).
    #[arg(long, value_name = "N", default_value_t = 1)]
    carrier_seed: u64,
    /// Demo only: log an agent on and make it Ready when its phone registers (without it,
    /// agents log on over CTI: the agent desktop or a business system on /api/cti/v1/ws).
    #[arg(long)]
    demo_auto_ready: bool,
    /// Demo only: N simulated agents (2001, 2002, …): SIP phones registered over loopback
    /// that log on and go Ready over CTI, answer after a short ring, talk and hang up.
    #[arg(long, value_name = "N", default_value_t = 0)]
    demo_agents: usize,
    /// Log filter, RUST_LOG syntax (the RUST_LOG variable wins when set).
    #[arg(long, value_name = "FILTER", default_value = "info")]
    log: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&args.log))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // journald adds its own timestamps; plain text, no colours, one event per line.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();

    let store = match open_store(&args) {
        Ok(s) => s,
        Err(e) => {
            error!("cannot open the data directory: {e:#}");
            eprintln!("appliance: {e:#}");
            return ExitCode::from(EXIT_DATA);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("appliance: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args, store)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("fatal: {e:#}");
            eprintln!("appliance: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database, refusing anything that is not a directory we can use or a database of
/// ours; nothing is overwritten.
fn open_store(args: &Args) -> Result<Store> {
    let dir = &args.data_dir;
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("--data-dir {} exists and is not a directory", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(dir)
                .with_context(|| format!("creating data directory {}", dir.display()))?;
            info!(dir = %dir.display(), "created the data directory");
        }
        Err(e) => return Err(e).with_context(|| format!("data directory {}", dir.display())),
    }
    let db = dir.join("appliance.db");
    let mut store =
        Store::open(&db).with_context(|| format!("opening the database {}", db.display()))?;
    if let Some(bak) = store.pre_upgrade_backup() {
        info!(backup = %bak.display(), "database schema upgraded; copy of the old file kept");
    }
    if args.demo {
        match store.seed_demo(Clock::wall_now())? {
            Some(s) => info!(
                revision = s.revision,
                extensions = s.extensions.len(),
                "seeded the demo defaults"
            ),
            None => info!("demo: configuration already present, not seeded again"),
        }
    }
    Ok(store)
}

/// Shared state of the async side.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) metrics: Metrics,
    pub(crate) clock: Clock,
    /// False once SIGTERM arrived: no new calls.
    pub(crate) accepting: watch::Sender<bool>,
    /// The control API's links to the span tasks and the engine.
    pub(crate) control: control::Control,
    /// The dial plan FXS ports consult digit by digit (replaced on reload).
    pub(crate) fxs_dial_plan: Arc<lines::FxsDialPlan>,
}

impl Shared {
    /// Runs `f` on the store (a short synchronous SQLite call).
    pub(crate) fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

async fn run(args: Args, store: Store) -> Result<()> {
    let revision = store
        .config_revision()
        .context("reading the config revision")?;
    let spans = store.spans().context("reading the span configuration")?;
    let line_ports = store
        .line_ports()
        .context("reading the line port configuration")?;
    let (plan, span_names) = routing::build(&store).context("building the dial plan")?;
    let (accepting, _) = watch::channel(true);
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        metrics: Metrics::new(),
        clock: Clock::new(),
        accepting,
        control: control::Control::default(),
        fxs_dial_plan: Arc::new(lines::FxsDialPlan::new(&plan.switch)),
    });
    let mut plan = plan;
    plan.epoch_unix_s = shared.clock.epoch_unix_s();
    let seed = u64::try_from(Clock::wall_now().0).unwrap_or(0);
    let switch =
        callcenter::Center::new(plan, seed).context("the call center refused the configuration")?;
    shared.metrics.config_revision.set(revision);

    let listener = tokio::net::TcpListener::bind(args.http)
        .await
        .with_context(|| format!("binding the HTTP server on {}", args.http))?;
    let http_addr = listener.local_addr()?;
    if !http_addr.ip().is_loopback() {
        warn!(addr = %http_addr, "HTTP server is not on loopback: /metrics is reachable from the network");
    }
    let https = match args.https {
        Some(addr) => {
            let files = web_admin::tls::CertFiles::in_dir(&args.data_dir);
            let mut names = vec!["localhost".to_owned(), addr.ip().to_string()];
            if let Ok(h) = nix::unistd::gethostname() {
                names.extend(h.into_string().ok().filter(|h| !h.is_empty()));
            }
            names.dedup();
            let made = web_admin::tls::ensure_self_signed(&files, &names)
                .context("making the panel's self-signed certificate")?;
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("binding the HTTPS server on {addr}"))?;
            info!(addr = %listener.local_addr()?, cert = %files.cert.display(), made, "https listening (admin panel, HTTP redirects to it)");
            Some(http::Https { listener, files })
        }
        None => None,
    };
    // The admin panel: its own connection to the same database; live data and CTI from the
    // call engine (ctiside).
    let (engine_tx, engine_rx) = tokio::sync::mpsc::unbounded_channel();
    let hub = ctiside::Hub::new();
    let cti: Arc<dyn web_admin::CtiBackend> =
        Arc::new(ctiside::DaemonCti::new(engine_tx.clone(), Arc::clone(&hub)));
    let db = args.data_dir.join("appliance.db");
    let panel = match Store::open(&db) {
        Ok(st) => {
            let w = web_admin::WebState::with_cti(
                st,
                hub.live(),
                Arc::clone(&cti),
                web_admin::WebConfig {
                    secure_cookies: https.is_some(),
                    ..web_admin::WebConfig::default()
                },
                web_admin::system_clock(),
            );
            w.set_system(system_settings(&args.data_dir, args.demo));
            Some(w)
        }
        Err(e) => {
            error!("admin panel not served: opening the database: {e}");
            None
        }
    };
    // Web chat: the same queues and agents as calls (webchat.rs).
    if let Some(p) = &panel {
        webchat::enable(p, switch.config(), engine_tx.downgrade());
    }
    // Its own runtime thread: a CTI request waits there for the call engine's answer.
    http::spawn(listener, https, Arc::clone(&shared), panel)?;
    info!(addr = %http_addr, "http listening (/metrics, /healthz, admin panel at /)");

    let media =
        Arc::new(media::start(&shared.metrics, shared.clock).context("starting the media thread")?);
    // READY means everything is up: wait for the media thread's first tick (bounded).
    let beat = media.heartbeat();
    let first_tick = tokio::time::Instant::now() + Duration::from_secs(5);
    while beat.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        if tokio::time::Instant::now() >= first_tick {
            bail!("the media thread did not tick within 5 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The call engine: one switch, fed by the span tasks (and SIP), driving the media thread.
    shared.control.set_engine(&engine_tx);
    let mut span_tasks = Vec::new();
    let mut span_orders = Vec::new();
    for (index, s) in spans.iter().enumerate() {
        let (orders_tx, orders_rx) = tokio::sync::mpsc::unbounded_channel();
        span_orders.push(orders_tx);
        if index >= media::MAX_SPANS {
            error!(span = %s.config.name, "span not opened: at most {} spans", media::MAX_SPANS);
            continue;
        }
        let link = span::Link {
            engine: engine_tx.clone(),
            orders: orders_rx,
        };
        match span::open(&args.data_dir, index, s, &media, Arc::clone(&shared), link) {
            Ok(Some(t)) => span_tasks.push(t),
            Ok(None) => {}
            Err(e) => {
                error!(span = %s.config.name, "span not opened: {e:#}");
            }
        }
    }
    // Analog line ports ([`lines`]): one task each, linked to the engine.
    let mut line_tasks = Vec::new();
    let mut line_links = Vec::new();
    for p in &line_ports {
        let index = line_links.len();
        if index >= lines::MAX_LINES {
            error!(
                port = p.config.port,
                "line port not opened: at most {} ports",
                lines::MAX_LINES
            );
            break;
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        line_links.push((p.clone(), tx));
        if p.config.kind == store::lines::LinePortKind::Sound {
            if let Err(e) = sound::open(index, p, &media, &shared) {
                error!(port = %lines::endpoint(p), device = %p.config.device, "sound card not opened: {e:#}; the rest of the box runs");
                lines::sound_status(&shared, p, "not opened");
            }
            continue;
        }
        match lines::open(
            &args.data_dir,
            index,
            p,
            &media,
            Arc::clone(&shared),
            engine_tx.clone(),
            rx,
        ) {
            Ok(Some(t)) => line_tasks.push(t),
            Ok(None) => {}
            Err(e) => {
                error!(port = p.config.port, device = %p.config.device, "line port not opened: {e:#}")
            }
        }
    }
    let (media_events, media_notify) = media.take_events().context("media events already taken")?;
    let (accounts, sip_trunks) =
        shared.with_store(|s| -> Result<_> { Ok((sipside::accounts(s)?, s.sip_trunks()?)) })?;
    let sip_side = sipside::start(
        args.sip,
        args.rtp_ports,
        accounts,
        sip_trunks.into_iter().map(|t| t.config).collect(),
        engine_tx.clone(),
    )
    .await?;
    let sip_addr = sip_side.local_addr().unwrap_or(args.sip);
    // Event-log rows, CDRs and interactions: committed in batches by their own thread and
    // connection; the engine only queues them.
    let journal = journal::Journal::start(&db).context("starting the journal writer")?;
    let mut engine = calls::Engine::new(
        switch,
        Arc::clone(&shared),
        Arc::clone(&media),
        span_orders,
        span_names,
        Some(sip_side),
        journal.sender(),
    );
    for (p, tx) in line_links {
        engine.lines().add(&p, tx);
    }
    engine.lines().set_engine(engine_tx.clone());
    engine.set_demo_agents(args.demo && args.demo_auto_ready);
    engine.set_hub(Arc::clone(&hub));
    // Read before the engine runs; SIGHUP reads them again on a blocking thread.
    engine.set_audio(player::Audio::load(&args.data_dir.join("prompts")));
    match media
        .take_recordings()
        .map(|f| recorder::start(&args.data_dir, &db, f, engine_tx.downgrade()))
    {
        Some(Ok(r)) => engine.set_recorder(r),
        Some(Err(e)) => error!("call recording off: {e}"),
        None => error!("call recording off: recording frames already taken"),
    }
    // IVR look-ups: their own thread and connection, answers back as messages.
    match lookups::start(&db, engine_tx.downgrade()) {
        Ok(l) => engine.set_lookups(l),
        Err(e) => error!("IVR look-ups off (answered as failed): {e}"),
    }
    let engine_task = tokio::spawn(engine.run(engine_rx, media_events, media_notify));
    wallfeed::spawn(
        db.clone(),
        Arc::clone(&shared),
        Arc::clone(&hub),
        args.data_dir.clone(),
    );
    if args.demo && args.demo_agents > 0 {
        let agents: Vec<String> = (0..args.demo_agents.min(10))
            .map(|i| (2001 + i).to_string())
            .collect();
        info!(?agents, "demo: simulated agents");
        demoagents::start(demoagents::Options {
            sip: sip_addr,
            agents,
            cti: Arc::clone(&cti),
            ring: Duration::from_secs(2),
            talk_min: Duration::from_secs(8),
            talk_max: Duration::from_secs(20),
        })
        .context("starting the simulated agents")?;
    }
    let carrier_interval = args
        .carrier_interval_ms
        .unwrap_or(if args.demo { 10_000 } else { 0 });
    let carrier = if args.demo {
        let dev = span_tasks.first().map(|t| t.socket_path.clone());
        match dev {
            Some(path) => Some(carrier::start(carrier::Options {
                path,
                interval: Duration::from_millis(carrier_interval),
                dids: args.carrier_dids.clone(),
                hold: Duration::from_millis(args.carrier_hold_ms),
                max_calls: args.carrier_max_calls.max(1),
                metrics: shared.metrics.clone(),
                menu_did: args.carrier_menu_did.clone(),
                queue_dids: args.carrier_queue_dids.clone(),
                digits: args.carrier_digits.clone(),
                dtmf_after: Duration::from_millis(args.carrier_dtmf_after_ms),
                abandon_pct: args.carrier_abandon_pct,
                seed: args.carrier_seed,
            })?),
            None => {
                warn!("demo: no virtual span open, the simulated carrier is not started");
                None
            }
        }
    } else {
        None
    };

    let mut sigterm = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut sigint = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    let mut sighup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    sysd::ready(&format!(
        "running: {} span(s), http {http_addr}, config revision {revision}",
        span_tasks.len()
    ));
    sysd::spawn_watchdog(media.heartbeat());
    info!(
        spans = span_tasks.len(),
        revision,
        demo = args.demo,
        "appliance ready"
    );
    if args.demo {
        print_demo_banner(&args.data_dir, http_addr, args.sip);
    }

    let mut seen = revision;
    let (cfg_tx, mut cfg_rx) = tokio::sync::mpsc::unbounded_channel();
    cfgwatch::spawn(args.data_dir.join("appliance.db"), revision, cfg_tx);
    let stop = loop {
        tokio::select! {
            _ = sigterm.recv() => break "SIGTERM",
            _ = sigint.recv() => break "SIGINT",
            // A change written by the panel (or anything else): the same reload as SIGHUP,
            // without the prompt files.
            Some(rev) = cfg_rx.recv() => {
                if rev > seen {
                    info!(revision = rev, "config revision moved: reloading");
                    seen = reload(&shared, seen, &engine_tx);
                }
            }
            _ = sighup.recv() => {
                seen = reload(&shared, seen, &engine_tx);
                // New and changed prompt files (and the music on hold) are read again, off
                // the runtime; the engine gets them when they are ready.
                let dir = args.data_dir.join("prompts");
                let tx = engine_tx.clone();
                tokio::spawn(async move {
                    match tokio::task::spawn_blocking(move || player::Audio::load(&dir)).await {
                        Ok(a) => {
                            let _ = tx.send(calls::ToEngine::Prompts(Box::new(a)));
                        }
                        Err(e) => warn!("prompts not reloaded: {e}"),
                    }
                });
            }
        }
    };

    // Drain: no new calls, wait for the active ones up to the grace period. The log line
    // comes after the flag, so whoever reads it finds /healthz already saying "draining".
    sysd::status("draining: no new calls");
    shared.accepting.send_replace(false);
    info!("{stop}: draining");
    let grace = Duration::from_secs(args.drain_secs);
    let drain_start = tokio::time::Instant::now();
    let until = drain_start + grace;
    loop {
        let active = shared.metrics.active_calls.get();
        if active <= 0 {
            info!("no active calls left");
            break;
        }
        if tokio::time::Instant::now() >= until {
            warn!(
                active,
                grace_s = args.drain_secs,
                "grace period over, exiting with calls up"
            );
            break;
        }
        // A second SIGTERM/SIGINT ends the drain, unless it is the same stop delivered twice
        // (a terminal or `timeout` signals the whole process group): within 1 s it is ignored.
        let again = tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(50)) => false,
            _ = sigterm.recv() => true,
            _ = sigint.recv() => true,
        };
        if again && drain_start.elapsed() > Duration::from_secs(1) {
            warn!(active, "second stop signal: exiting now");
            break;
        }
    }
    sysd::stopping();
    // Spans first: calls still up are cleared on the line while the far end listens.
    for t in span_tasks {
        t.stop().await;
    }
    for t in line_tasks {
        t.stop().await;
    }
    if let Some(c) = carrier {
        c.stop();
    }
    drop(engine_tx);
    let _ = tokio::time::timeout(Duration::from_secs(1), engine_task).await;
    journal.close();
    match Arc::try_unwrap(media) {
        Ok(m) => m.stop(),
        Err(_) => warn!("media thread still referenced at exit"),
    }
    shared.with_store(|s| {
        if let Err(e) = s.checkpoint() {
            warn!("WAL checkpoint at exit: {e}");
        }
    });
    info!("stopped");
    Ok(())
}

/// SIGHUP: reads the config changes since `seen`, logs them and applies what this slice can
/// apply live. Returns the new revision seen.
/// What a reload reads from the store.
type Reloaded = (
    i64,
    Vec<store::config::AuditEntry>,
    (
        (callcenter::Config, routing::SpanNames),
        Vec<::sip::ua::Account>,
    ),
);

fn reload(
    shared: &Shared,
    seen: i64,
    engine: &tokio::sync::mpsc::UnboundedSender<calls::ToEngine>,
) -> i64 {
    sysd::reloading();
    let result = shared.with_store(|s| -> Result<Reloaded> {
        Ok((
            s.config_revision()?,
            s.changes_since(seen)?,
            (routing::build(s)?, sipside::accounts(s)?),
        ))
    });
    // The recording policy (settings) is read here too: the engine never reads the store.
    match shared.with_store(|s| s.recording_policy()) {
        Ok(p) => {
            let _ = engine.send(calls::ToEngine::RecordingPolicy(p));
        }
        Err(e) => warn!("recording policy not reloaded: {e}"),
    }
    match shared.with_store(|s| s.voicemail_silence_s()) {
        Ok(secs) => {
            let _ = engine.send(calls::ToEngine::VoicemailSilenceLimit(secs));
        }
        Err(e) => warn!("voicemail silence setting not reloaded: {e}"),
    }
    let out = match result {
        Ok((rev, changes, ((plan, _), accounts))) => {
            shared.fxs_dial_plan.set(&plan.switch);
            let _ = engine.send(calls::ToEngine::Reconfigure(Box::new(plan)));
            let _ = engine.send(calls::ToEngine::Accounts(accounts));
            for c in &changes {
                let live = match c.change.entity {
                    // The switch's configuration is rebuilt from these: live.
                    store::Entity::Extension
                    | store::Entity::DialRule
                    | store::Entity::DidRule
                    | store::Entity::TrunkGroup
                    | store::Entity::SipTrunk
                    | store::Entity::Queue => "applied: dial plan rebuilt",
                    store::Entity::Span => {
                        "caller-ID rule applied; other span settings need a restart (spans are opened at start)"
                    }
                    store::Entity::LinePort => "needs a restart: line ports are opened at start",
                    store::Entity::RecordingPolicy | store::Entity::VoicemailSettings => {
                        "applied: read at this reload"
                    }
                    _ => "stored; not used by this daemon slice yet",
                };
                info!(
                    revision = c.change.revision,
                    entity = ?c.change.entity,
                    id = c.change.id,
                    op = c.change.op.as_str(),
                    actor = %c.actor,
                    "config change: {live}"
                );
            }
            // Metrics first: the HTTP server runs on its own thread and may be asked for
            // them as soon as the line below is out.
            shared.metrics.config_revision.set(rev);
            shared.metrics.reloads.inc();
            info!(
                from = seen,
                to = rev,
                changes = changes.len(),
                "configuration reloaded"
            );
            rev
        }
        Err(e) => {
            error!("reload failed, keeping revision {seen}: {e:#}");
            shared.metrics.reload_errors.inc();
            seen
        }
    };
    sysd::ready(&format!("running: config revision {out}"));
    out
}

/// Where the panel's system pages read and write. On the appliance: the real paths
/// ([`web_admin::system::SystemSettings::appliance`]), uploads staged in the data directory.
/// With `--demo` (a developer's machine) the network and NTP files go under
/// `DATA/system-root` instead of `/etc`, the log page reads `DATA/appliance.log` (what
/// `make demo` writes) and a firmware upload runs `false` (refused: no slots to write).
fn system_settings(data_dir: &Path, demo: bool) -> web_admin::system::SystemSettings {
    let mut s = web_admin::system::SystemSettings::appliance();
    s.staging = data_dir.join("staging");
    if demo {
        s.root = data_dir.join("system-root");
        s.log_file = data_dir.join("appliance.log");
        s.log_command = None;
        s.update_command = vec!["false".into(), "{bundle}".into()];
    }
    for dir in [&s.staging, &s.root] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            warn!(dir = %dir.display(), "system pages: {e}");
        }
    }
    s
}

fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s.split_once('-').ok_or("expected FIRST-LAST")?;
    let a = a.trim().parse::<u16>().map_err(|e| e.to_string())?;
    let b = b.trim().parse::<u16>().map_err(|e| e.to_string())?;
    if a > b {
        return Err("FIRST is above LAST".into());
    }
    Ok((a, b))
}

fn print_demo_banner(dir: &Path, http: SocketAddr, sip: SocketAddr) {
    eprintln!(
        "\n=== appliance demo ===\n\
         data:     {}\n\
         metrics:  http://{http}/metrics   health: http://{http}/healthz\n\
         span1:    virtual E1 PRI at {}; the simulated carrier calls in with DIDs\n\
         sip:      {sip} (UDP and TCP); accounts 1001-1004 and 2001-2010, password demo<number>\n\
         dial:     600 echo test, 601 1 kHz test tone, 1001-1004 phones, 0... out over span1\n\
         ivr:      8000: 1 sales (queue 701), 2 support (702), 9 balance look-up; 701/702 direct\n\
         wallboard: http://{http}/wallboard   CTI: ws://{http}/api/cti/v1/ws\n\
         admin:    http://{http}/ (admin / demo-admin, change it at first login)\n\
         stop:     Ctrl-C\n",
        dir.display(),
        dir.join("span1.sock").display()
    );
}
