//! One technician's session on the console: the login, then the command line. Bytes from
//! the terminal go in through [`Session::handle_input`]; bytes for the terminal come out of
//! [`Session::poll_transmit`]. Commands that stream the output of a program (`show logs`,
//! `ping`) hand a [`StreamSpec`] to the I/O loop through [`Session::take_stream`], which
//! runs it until it ends or Ctrl-C, then calls [`Session::stream_done`].
//!
//! Commands run synchronously inside `handle_input` (a store query, a loopback HTTP GET with
//! a 2 s timeout, a file write): one technician, one command at a time.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use store::config::{Language, NewUser, Role};
use store::{Command, CommandContext, Store, TechnicianLogin, Timestamp};

use crate::commands::{self, Entry, Table};
use crate::daemon::{Daemon, DaemonError, Metrics};
use crate::editor::{Editor, EditorEvent, Mode};
use crate::system::{self, Network, Paths, Slots, SystemError};

/// The prompt of the command line.
pub const PROMPT: &str = "appliance# ";
/// The login prompt.
pub const LOGIN_PROMPT: &str = "appliance login: ";

/// Where things are and what the console may do to the system.
#[derive(Debug, Clone)]
pub struct Config {
    /// The daemon's data directory (holds `appliance.db`).
    pub data_dir: PathBuf,
    /// Root of the files the console reads and writes (`/` on the appliance).
    pub root: PathBuf,
    /// The daemon's HTTP address.
    pub daemon: SocketAddr,
    /// networkd `Name=` pattern of the management interface.
    pub iface: String,
    /// Read logs from this file (`tail`) instead of the journal.
    pub log_file: Option<PathBuf>,
    /// The daemon's systemd unit, for `journalctl -u`.
    pub log_unit: String,
    /// Run `systemctl reboot`, `networkctl reload`, `timedatectl`; otherwise print what
    /// would run (dry run).
    pub system_actions: bool,
}

/// A program whose output is copied to the terminal until it ends or Ctrl-C.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSpec {
    /// Program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
}

/// A question waiting for its answer.
#[derive(Debug, Clone)]
pub enum Pending {
    /// `factory reset`: the typed confirmation.
    FactoryReset,
    /// `restore PATH`: yes/no.
    Restore(PathBuf),
    /// `reboot`: yes/no.
    Reboot,
    /// `admin password`: the new password.
    AdminPassword(String),
    /// ... and again.
    AdminPasswordAgain(String, String),
    /// `technician password`: the new password.
    TechPassword,
    /// ... and again.
    TechPasswordAgain(String),
}

/// What a command answers.
#[derive(Debug)]
pub enum Reply {
    /// Text to print (`\n` line ends).
    Text(String),
    /// Print `text`, then ask `prompt` and hand the answer to `pending`.
    Ask {
        /// Printed first.
        text: String,
        /// The question.
        prompt: String,
        /// Echo or not.
        mode: Mode,
        /// What takes the answer.
        pending: Pending,
    },
    /// Copy a program's output.
    Stream(StreamSpec),
    /// End the session.
    Logout,
}

/// A command handler.
pub type Handler = fn(&mut Ctx, &[&str]) -> Reply;

/// What handlers work with.
#[derive(Debug)]
pub struct Ctx {
    cfg: Config,
    store: Option<Store>,
    user: String,
}

impl Ctx {
    fn daemon(&self) -> Daemon {
        Daemon {
            addr: self.cfg.daemon,
        }
    }

    fn paths(&self) -> Paths {
        Paths {
            root: self.cfg.root.clone(),
        }
    }

    fn db_path(&self) -> PathBuf {
        self.cfg.data_dir.join("appliance.db")
    }

    /// The store, opened on first use (and again after an error dropped it).
    fn store(&mut self) -> Result<&mut Store, String> {
        if self.store.is_none() {
            let path = self.db_path();
            if !self.cfg.data_dir.is_dir() {
                return Err(format!(
                    "data directory {} does not exist",
                    self.cfg.data_dir.display()
                ));
            }
            match Store::open(&path) {
                Ok(s) => self.store = Some(s),
                Err(e) => return Err(format!("cannot open {}: {e}", path.display())),
            }
        }
        self.store.as_mut().ok_or_else(String::new)
    }
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn now_secs() -> i64 {
    now_ts().0 / 1_000_000
}

fn text(s: impl Into<String>) -> Reply {
    Reply::Text(s.into())
}

// ------------------------------------------------------------------ the table

/// Every command: keywords, argument usage, help, handler.
pub static COMMANDS: Table<Handler> = Table(&[
    Entry {
        words: &["show", "system"],
        args: "",
        help: "version, uptime, firmware slots, disk, memory, database, daemon",
        handler: show_system,
    },
    Entry {
        words: &["show", "spans"],
        args: "",
        help: "all E1 spans: alarms, D-channel, calls",
        handler: show_spans,
    },
    Entry {
        words: &["show", "span"],
        args: "<N>",
        help: "one span in detail, like dahdi_scan (alarms and counters)",
        handler: show_span,
    },
    Entry {
        words: &["show", "channels"],
        args: "",
        help: "B- and D-channels of each span, and the analog line ports",
        handler: show_channels,
    },
    Entry {
        words: &["show", "calls"],
        args: "",
        help: "active calls and call counters",
        handler: show_calls,
    },
    Entry {
        words: &["show", "queues"],
        args: "",
        help: "ACD queues",
        handler: show_queues,
    },
    Entry {
        words: &["show", "agents"],
        args: "",
        help: "agents",
        handler: show_agents,
    },
    Entry {
        words: &["show", "sip"],
        args: "",
        help: "SIP trunks and registrations",
        handler: show_sip,
    },
    Entry {
        words: &["show", "logs"],
        args: "",
        help: "the daemon's last 50 log lines",
        handler: show_logs,
    },
    Entry {
        words: &["show", "logs", "follow"],
        args: "",
        help: "follow the daemon's log (Ctrl-C stops)",
        handler: show_logs_follow,
    },
    Entry {
        words: &["span", "loopback", "on"],
        args: "<N>",
        help: "put span N in local loopback",
        handler: span_loopback_on,
    },
    Entry {
        words: &["span", "loopback", "off"],
        args: "<N>",
        help: "take span N out of loopback",
        handler: span_loopback_off,
    },
    Entry {
        words: &["span", "restart"],
        args: "<N>",
        help: "restart span N (drops its calls)",
        handler: span_restart,
    },
    Entry {
        words: &["pri", "restart", "channel"],
        args: "<SPAN> <CHANNEL>",
        help: "send a Q.931 RESTART for one B-channel",
        handler: pri_restart_channel,
    },
    Entry {
        words: &["network", "show"],
        args: "",
        help: "configured and live addresses",
        handler: network_show,
    },
    Entry {
        words: &["network", "set", "dhcp"],
        args: "",
        help: "management interface by DHCP",
        handler: network_set_dhcp,
    },
    Entry {
        words: &["network", "set", "static"],
        args: "<ADDR/LEN> [GATEWAY] [DNS...]",
        help: "static address",
        handler: network_set_static,
    },
    Entry {
        words: &["ping"],
        args: "<HOST>",
        help: "4 pings (Ctrl-C stops)",
        handler: ping,
    },
    Entry {
        words: &["time", "show"],
        args: "",
        help: "clock (UTC) and NTP servers",
        handler: time_show,
    },
    Entry {
        words: &["time", "set"],
        args: "<YYYY-MM-DD> <HH:MM:SS>",
        help: "set the clock (UTC)",
        handler: time_set,
    },
    Entry {
        words: &["time", "ntp"],
        args: "<SERVER>...",
        help: "set the NTP servers",
        handler: time_ntp,
    },
    Entry {
        words: &["admin", "password"],
        args: "[USER]",
        help: "reset a web panel user's password (default admin; creates admin if there is none)",
        handler: admin_password,
    },
    Entry {
        words: &["technician", "password"],
        args: "",
        help: "change your own console password",
        handler: technician_password,
    },
    Entry {
        words: &["factory", "reset"],
        args: "",
        help: "erase all configuration and data (asks for a typed confirmation)",
        handler: factory_reset,
    },
    Entry {
        words: &["backup"],
        args: "<PATH>",
        help: "write a backup of the database to a file or folder (USB stick)",
        handler: backup,
    },
    Entry {
        words: &["restore"],
        args: "<PATH>",
        help: "replace the database with a backup (asks first)",
        handler: restore,
    },
    Entry {
        words: &["firmware", "status"],
        args: "",
        help: "firmware slots A/B",
        handler: firmware_status,
    },
    Entry {
        words: &["firmware", "switch"],
        args: "",
        help: "boot the other slot once at the next boot",
        handler: firmware_switch,
    },
    Entry {
        words: &["reboot"],
        args: "",
        help: "restart the appliance (asks first)",
        handler: reboot,
    },
    Entry {
        words: &["help"],
        args: "",
        help: "this list (also: ? anywhere, Tab completes)",
        handler: help,
    },
    Entry {
        words: &["exit"],
        args: "",
        help: "log out",
        handler: logout,
    },
    Entry {
        words: &["logout"],
        args: "",
        help: "log out",
        handler: logout,
    },
]);

fn help(_: &mut Ctx, _: &[&str]) -> Reply {
    text(commands::help(&COMMANDS, "").replace("\r\n", "\n"))
}

fn logout(_: &mut Ctx, _: &[&str]) -> Reply {
    Reply::Logout
}

fn usage(args: &[&str], n: std::ops::RangeInclusive<usize>, usage: &str) -> Option<Reply> {
    (!n.contains(&args.len())).then(|| text(format!("usage: {usage}\n")))
}

// ------------------------------------------------------------------ show system

fn show_system(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let mut o = String::new();
    let paths = ctx.paths();
    let image = system::read_opt(&paths.version())
        .ok()
        .flatten()
        .map_or_else(
            || "(no image version file)".to_owned(),
            |v| v.trim().to_owned(),
        );
    o.push_str(&format!(
        "version     console {}, image {image}\n",
        env!("CARGO_PKG_VERSION")
    ));
    o.push_str(&format!("time        {}\n", system::format_utc(now_secs())));
    o.push_str(&format!(
        "uptime      {}\n",
        system::uptime_secs().map_or_else(|| "unknown".to_owned(), system::format_duration)
    ));
    o.push_str(&format!("firmware    {}\n", slots_line(&paths)));
    if let Some((total, avail)) = system::memory_kib() {
        o.push_str(&format!(
            "memory      {} used of {} ({} available)\n",
            system::human_bytes((total - avail.min(total)) * 1024),
            system::human_bytes(total * 1024),
            system::human_bytes(avail * 1024)
        ));
    }
    for (label, p) in [
        ("disk data", ctx.cfg.data_dir.clone()),
        ("disk root", ctx.cfg.root.clone()),
    ] {
        match system::disk_bytes(&p) {
            Some((total, avail)) => o.push_str(&format!(
                "{label:<11} {} used of {} ({} free) at {}\n",
                system::human_bytes(total - avail.min(total)),
                system::human_bytes(total),
                system::human_bytes(avail),
                p.display()
            )),
            None => o.push_str(&format!("{label:<11} {} not found\n", p.display())),
        }
    }
    let db = ctx.db_path();
    match ctx.store() {
        Ok(s) => {
            let v = s
                .schema_version()
                .map_or_else(|e| e.to_string(), |v| format!("v{v}"));
            let r = s
                .config_revision()
                .map_or_else(|e| e.to_string(), |r| r.to_string());
            o.push_str(&format!(
                "database    {} (schema {v}, config revision {r})\n",
                db.display()
            ));
        }
        Err(e) => o.push_str(&format!("database    {e}\n")),
    }
    match ctx.daemon().health() {
        Ok(h) => o.push_str(&format!(
            "daemon      running at {}: {}\n",
            ctx.cfg.daemon,
            h.trim()
        )),
        Err(e) => o.push_str(&format!("daemon      {e}\n")),
    }
    text(o)
}

fn slots_line(paths: &Paths) -> String {
    let p = paths.slots();
    match system::read_opt(&p) {
        Ok(None) => format!(
            "no slot state file ({}): not running from the appliance image",
            p.display()
        ),
        Err(e) => e.to_string(),
        Ok(Some(t)) => match Slots::parse(&t, &p) {
            Err(e) => e.to_string(),
            Ok(s) => format!(
                "booted {} ({} {}), default {}, next boot {}",
                s.booted.to_ascii_uppercase(),
                s.slot(s.booted).version,
                s.slot(s.booted).state,
                s.default.to_ascii_uppercase(),
                s.next.map_or_else(
                    || "default".to_owned(),
                    |c| format!("tries {} once", c.to_ascii_uppercase())
                )
            ),
        },
    }
}

// ------------------------------------------------------------------ live state

/// The metrics, or the text to print when the daemon cannot give them.
fn live(ctx: &Ctx) -> Result<Metrics, String> {
    ctx.daemon().metrics().map_err(|e| match e {
        DaemonError::NotRunning { .. } => format!("{e}\n"),
        other => format!("daemon not answering properly: {other}\n"),
    })
}

/// The daemon's live state (`GET /status`), or the text to print when it cannot give it.
fn live_status(ctx: &Ctx) -> Result<serde_json::Value, String> {
    ctx.daemon().status().map_err(|e| match e {
        DaemonError::NotRunning { .. } => format!("{e}\n"),
        other => format!("daemon not answering properly: {other}\n"),
    })
}

/// The live entry of span `name` in a `/status` answer.
fn status_span<'v>(st: &'v serde_json::Value, name: &str) -> Option<&'v serde_json::Value> {
    st["spans"]
        .as_array()?
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
}

/// A JSON value as plain text (`-` for null).
fn jtext(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn span_type(c: &store::config::SpanConfig) -> String {
    format!(
        "E1 {} ({}, {} side)",
        c.signalling.as_str().to_ascii_uppercase(),
        c.switchtype.as_str(),
        c.role.as_str()
    )
}

fn span_framing(c: &store::config::SpanConfig) -> String {
    format!(
        "{}{}",
        c.framing.as_str().to_ascii_uppercase(),
        if c.crc4 { "/CRC4" } else { "" }
    )
}

fn calls_of(m: &Metrics, span: &str) -> [u64; 4] {
    ["incoming", "answered", "rejected", "released"].map(|r| {
        m.get(
            "appliance_span_calls_total",
            &[("span", span), ("result", r)],
        )
        .unwrap_or(0.0) as u64
    })
}

fn alarms_of(m: &Metrics, span: &str) -> String {
    m.get("appliance_span_alarms", &[("span", span)])
        .map_or_else(
            || "unknown (not reported)".to_owned(),
            |v| tdm::Alarms::from_bits(v as u32).to_string(),
        )
}

fn dchan_of(m: &Metrics, span: &str) -> &'static str {
    match m.get("appliance_span_dchannel_up", &[("span", span)]) {
        Some(v) if v >= 1.0 => "up",
        Some(_) => "down",
        None => "unknown",
    }
}

fn configured_spans(
    ctx: &mut Ctx,
) -> Result<Vec<store::config::Stored<store::config::SpanConfig>>, String> {
    ctx.store()?
        .spans()
        .map_err(|e| format!("cannot read the spans: {e}"))
}

fn show_spans(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let live = live(ctx);
    let spans = match configured_spans(ctx) {
        Ok(s) => s,
        Err(e) => return text(format!("{}{e}\n", live.err().unwrap_or_default())),
    };
    let mut o = String::new();
    match &live {
        Err(e) => {
            o.push_str(e);
            o.push_str("configured spans (no live state):\n");
            o.push_str(&format!(
                "{:<5}{:<12}{:<32}{:<10}{}\n",
                "SPAN", "NAME", "TYPE", "FRAMING", "DEVICE"
            ));
            for s in &spans {
                o.push_str(&format!(
                    "{:<5}{:<12}{:<32}{:<10}{}\n",
                    s.id,
                    s.config.name,
                    span_type(&s.config),
                    span_framing(&s.config),
                    s.config.device
                ));
            }
        }
        Ok(m) => {
            let st = live_status(ctx).ok();
            o.push_str(&format!(
                "{:<5}{:<12}{:<32}{:<10}{:<16}{:<8}{:<10}{}\n",
                "SPAN",
                "NAME",
                "TYPE",
                "FRAMING",
                "ALARMS",
                "D-CHAN",
                "LOOPBACK",
                "CALLS in/ans/rej/rel"
            ));
            for s in &spans {
                let n = &s.config.name;
                let c = calls_of(m, n);
                let lb = st
                    .as_ref()
                    .and_then(|st| status_span(st, n))
                    .map_or_else(|| "-".to_owned(), |l| jtext(&l["loopback"]));
                o.push_str(&format!(
                    "{:<5}{:<12}{:<32}{:<10}{:<16}{:<8}{:<10}{}/{}/{}/{}\n",
                    s.id,
                    n,
                    span_type(&s.config),
                    span_framing(&s.config),
                    alarms_of(m, n),
                    dchan_of(m, n),
                    lb,
                    c[0],
                    c[1],
                    c[2],
                    c[3]
                ));
            }
        }
    }
    if spans.is_empty() {
        o.push_str("(no spans configured)\n");
    }
    text(o)
}

fn span_by_arg(
    ctx: &mut Ctx,
    arg: &str,
) -> Result<store::config::Stored<store::config::SpanConfig>, String> {
    let n: i64 = arg
        .parse()
        .map_err(|_| format!("span number expected, got \"{arg}\"\n"))?;
    configured_spans(ctx)
        .map_err(|e| format!("{e}\n"))?
        .into_iter()
        .find(|s| s.id == n)
        .ok_or_else(|| format!("no span {n} (see show spans)\n"))
}

fn show_span(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 1..=1, "show span <N>") {
        return u;
    }
    let live = live(ctx);
    let s = match span_by_arg(ctx, args[0]) {
        Ok(s) => s,
        Err(e) => return text(format!("{}{e}", live.err().unwrap_or_default())),
    };
    let c = &s.config;
    let mut o = String::new();
    if let Err(e) = &live {
        o.push_str(e);
    }
    o.push_str(&format!(
        "[{}]\nname={}\ntype={}\nframing={}\ndevice={}\ntiming={}\n",
        s.id,
        c.name,
        span_type(c),
        span_framing(c),
        c.device,
        c.timing_priority
    ));
    if let Ok(m) = &live {
        let calls = calls_of(m, &c.name);
        o.push_str(&format!(
            "alarms={}\ndchannel={}\ncalls incoming={} answered={} rejected={} released={}\n",
            alarms_of(m, &c.name),
            dchan_of(m, &c.name),
            calls[0],
            calls[1],
            calls[2],
            calls[3]
        ));
        match live_status(ctx) {
            Ok(st) => match status_span(&st, &c.name) {
                Some(l) => {
                    o.push_str(&format!(
                        "line={}\ndchannel_state={}\nloopback={}\n",
                        jtext(&l["line"]),
                        jtext(&l["dchannel_state"]),
                        jtext(&l["loopback"])
                    ));
                    if let Some(k) = l["counters"].as_object() {
                        let line: Vec<String> =
                            k.iter().map(|(n, v)| format!("{n}={}", jtext(v))).collect();
                        o.push_str(&format!("counters {}\n", line.join(" ")));
                    }
                    if let Some(ch) = l["channels"].as_array() {
                        let busy = ch.iter().filter(|c| c["state"] == "busy").count();
                        let restarting = ch.iter().filter(|c| c["state"] == "restarting").count();
                        o.push_str(&format!(
                            "channels busy={busy} idle={} restarting={restarting}\n",
                            ch.len() - busy - restarting
                        ));
                    }
                }
                None => o.push_str("live state: the daemon does not drive this span\n"),
            },
            Err(e) => o.push_str(&format!("live state: {e}")),
        }
    }
    text(o)
}

fn show_channels(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let m = match live(ctx) {
        Ok(m) => m,
        Err(e) => return text(e),
    };
    let st = live_status(ctx);
    let spans = match configured_spans(ctx) {
        Ok(s) => s,
        Err(e) => return text(format!("{e}\n")),
    };
    let mut o = String::new();
    for s in &spans {
        let c = &s.config;
        let d = if c.framing.as_str() == "ccs" {
            format!("D-channel on timeslot 16: {}", dchan_of(&m, &c.name))
        } else {
            "CAS on timeslot 16".to_owned()
        };
        o.push_str(&format!(
            "span {} {}: B-channels 1-15,17-31 (30); {d}\n",
            s.id, c.name
        ));
        let live = st.as_ref().ok().and_then(|st| status_span(st, &c.name));
        match live.and_then(|l| l["channels"].as_array()) {
            Some(ch) => {
                // One mark per timeslot 1-31: B busy, . idle, R restarting, D the D-channel.
                let mut map = String::new();
                for ts in 1..=31u64 {
                    map.push(if ts == 16 {
                        'D'
                    } else {
                        match ch.iter().find(|x| x["ts"].as_u64() == Some(ts)) {
                            Some(x) if x["state"] == "busy" => 'B',
                            Some(x) if x["state"] == "restarting" => 'R',
                            Some(_) => '.',
                            None => '?',
                        }
                    });
                }
                o.push_str(&format!("  ts 1-31   {map}\n"));
                for x in ch.iter().filter(|x| x["state"] != "idle") {
                    o.push_str(&format!(
                        "  channel {:<3}{:<12}call {}\n",
                        jtext(&x["ts"]),
                        jtext(&x["state"]),
                        jtext(&x["call"])
                    ));
                }
            }
            None => o.push_str(&format!(
                "  per-channel state: {}\n",
                match (&st, live) {
                    (Err(e), _) => e.trim_end().to_owned(),
                    (Ok(_), Some(l)) => jtext(&l["line"]),
                    (Ok(_), None) => "the daemon does not drive this span".to_owned(),
                }
            )),
        }
    }
    // Analog line ports (FXS/FXO) of the daemon's /status.
    if let Some(ports) = st
        .as_ref()
        .ok()
        .and_then(|st| st["ports"].as_array())
        .filter(|p| !p.is_empty())
    {
        o.push_str("analog ports:\n");
        for p in ports {
            let number = match (&p["extension"], &p["route"]) {
                (serde_json::Value::String(e), _) => format!("extension {e}"),
                (_, serde_json::Value::String(r)) => {
                    format!("route {r}, trunk group {}", jtext(&p["trunk_group"]))
                }
                _ => String::new(),
            };
            o.push_str(&format!(
                "  port {:<3} {:<4} {:<16} {number}: {}, {}\n",
                jtext(&p["port"]),
                jtext(&p["kind"]),
                jtext(&p["device"]),
                jtext(&p["line"]),
                jtext(&p["state"])
            ));
        }
    }
    o.push_str(&format!(
        "calls up on all spans: {}\n",
        m.get("appliance_active_calls", &[]).unwrap_or(0.0)
    ));
    text(o)
}

fn show_calls(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let m = match live(ctx) {
        Ok(m) => m,
        Err(e) => return text(e),
    };
    let mut o = format!(
        "active calls: {}\n",
        m.get("appliance_active_calls", &[]).unwrap_or(0.0)
    );
    let mut spans: Vec<String> =
        m.0.iter()
            .filter(|s| s.name == "appliance_span_calls_total")
            .filter_map(|s| {
                s.labels
                    .iter()
                    .find(|(k, _)| k == "span")
                    .map(|(_, v)| v.clone())
            })
            .collect();
    spans.sort();
    spans.dedup();
    for s in &spans {
        let c = calls_of(&m, s);
        o.push_str(&format!(
            "span {s}: incoming {} answered {} rejected {} released {}\n",
            c[0], c[1], c[2], c[3]
        ));
    }
    let carrier: Vec<String> = ["placed", "connected", "released", "media_heard"]
        .iter()
        .filter_map(|r| {
            m.get("appliance_carrier_calls_total", &[("result", r)])
                .map(|v| format!("{r} {v}"))
        })
        .collect();
    if !carrier.is_empty() {
        o.push_str(&format!("demo carrier: {}\n", carrier.join(", ")));
    }
    match live_status(ctx) {
        Ok(st) => {
            let calls = st["calls"].as_array().cloned().unwrap_or_default();
            o.push_str(&format!(
                "{:<6}{:<5}{:<6}{:<5}{:<16}{:<16}{:<26}{}\n",
                "SPAN", "CH", "REF", "DIR", "CALLING", "CALLED", "STATE", "SECONDS"
            ));
            for c in &calls {
                o.push_str(&format!(
                    "{:<6}{:<5}{:<6}{:<5}{:<16}{:<16}{:<26}{}\n",
                    jtext(&c["span"]),
                    jtext(&c["channel"]),
                    jtext(&c["call_ref"]),
                    jtext(&c["direction"]),
                    jtext(&c["calling"]),
                    jtext(&c["called"]),
                    jtext(&c["state"]),
                    jtext(&c["duration_s"])
                ));
            }
            if calls.is_empty() {
                o.push_str("(no calls on the spans)\n");
            }
            o.push_str(&format!(
                "switch: {} calls, {} legs; SIP calls: {}\n",
                jtext(&st["switch"]["calls"]),
                jtext(&st["switch"]["legs"]),
                jtext(&st["sip"]["calls"])
            ));
        }
        Err(e) => o.push_str(&format!("per-call detail: {e}")),
    }
    text(o)
}

fn show_queues(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let st = live_status(ctx);
    let mut o = st.as_ref().err().cloned().unwrap_or_default();
    let queues = match ctx
        .store()
        .and_then(|s| s.queues().map_err(|e| e.to_string()))
    {
        Ok(q) => q,
        Err(e) => return text(format!("{o}{e}\n")),
    };
    o.push_str(&format!(
        "{:<16}{:<8}{:<20}{:<9}{:<9}{:<9}{:<7}{}\n",
        "QUEUE", "NUMBER", "STRATEGY", "MEMBERS", "WAITING", "LONGEST", "READY", "LOGGED-IN"
    ));
    for q in &queues {
        let c = &q.config;
        let live = st.as_ref().ok().and_then(|st| {
            st["queues"]
                .as_array()?
                .iter()
                .find(|x| x["name"].as_str() == Some(c.name.as_str()))
        });
        let f = |k: &str| live.map_or_else(|| "-".to_owned(), |l| jtext(&l[k]));
        o.push_str(&format!(
            "{:<16}{:<8}{:<20}{:<9}{:<9}{:<9}{:<7}{}\n",
            c.name,
            c.number.as_deref().unwrap_or("-"),
            c.strategy.as_str(),
            c.members.len(),
            f("waiting"),
            live.map_or_else(
                || "-".to_owned(),
                |l| format!("{}s", jtext(&l["longest_wait_s"]))
            ),
            f("agents_ready"),
            f("agents_logged_in")
        ));
    }
    if queues.is_empty() {
        o.push_str("(no queues configured)\n");
    }
    text(o)
}

fn show_agents(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let st = live_status(ctx);
    let mut o = st.as_ref().err().cloned().unwrap_or_default();
    let agents = match ctx
        .store()
        .and_then(|s| s.agents().map_err(|e| e.to_string()))
    {
        Ok(a) => a,
        Err(e) => return text(format!("{o}{e}\n")),
    };
    o.push_str(&format!(
        "{:<8}{:<24}{:<8}{:<12}{}\n",
        "AGENT", "NAME", "SKILLS", "STATE", "CALLS"
    ));
    for a in &agents {
        let live = st.as_ref().ok().and_then(|st| {
            st["agents"]
                .as_array()?
                .iter()
                .find(|x| x["number"].as_str() == Some(a.config.number.as_str()))
        });
        let f = |k: &str| live.map_or_else(|| "-".to_owned(), |l| jtext(&l[k]));
        o.push_str(&format!(
            "{:<8}{:<24}{:<8}{:<12}{}\n",
            a.config.number,
            a.config.name,
            a.config.skills.len(),
            f("state"),
            f("calls")
        ));
    }
    if agents.is_empty() {
        o.push_str("(no agents configured)\n");
    }
    text(o)
}

fn show_sip(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let st = live_status(ctx);
    let mut o = st.as_ref().err().cloned().unwrap_or_default();
    let trunks = match ctx
        .store()
        .and_then(|s| s.sip_trunks().map_err(|e| e.to_string()))
    {
        Ok(t) => t,
        Err(e) => return text(format!("{o}{e}\n")),
    };
    o.push_str(&format!(
        "{:<16}{:<32}{:<6}{:<10}{:<9}{}\n",
        "TRUNK", "HOST", "TRANS", "REGISTER", "ENABLED", "REGISTERED"
    ));
    for t in &trunks {
        let c = &t.config;
        let live = st.as_ref().ok().and_then(|st| {
            st["sip"]["trunks"]
                .as_array()?
                .iter()
                .find(|x| x["name"].as_str() == Some(c.name.as_str()))
        });
        o.push_str(&format!(
            "{:<16}{:<32}{:<6}{:<10}{:<9}{}\n",
            c.name,
            format!("{}:{}", c.host, c.port),
            c.transport.as_str(),
            if c.register { "yes" } else { "no" },
            if c.enabled { "yes" } else { "no" },
            live.map_or("-", |l| if l["registered"] == true { "yes" } else { "no" })
        ));
    }
    if trunks.is_empty() {
        o.push_str("(no SIP trunks configured)\n");
    }
    if let Ok(s) = ctx.store()
        && let Ok(e) = s.extensions()
    {
        o.push_str(&format!("extensions configured: {}\n", e.len()));
    }
    if let Ok(st) = &st {
        let phones = st["sip"]["phones"].as_array().cloned().unwrap_or_default();
        let reg: Vec<&serde_json::Value> =
            phones.iter().filter(|p| p["registered"] == true).collect();
        o.push_str(&format!(
            "phones registered: {} of {}\n",
            reg.len(),
            phones.len()
        ));
        for p in reg {
            let contacts: Vec<String> = p["contacts"]
                .as_array()
                .map(|c| c.iter().map(jtext).collect())
                .unwrap_or_default();
            o.push_str(&format!(
                "  {:<8}{:<28}expires in {}s\n",
                jtext(&p["extension"]),
                contacts.join(","),
                jtext(&p["expires_s"])
            ));
        }
    }
    text(o)
}

fn logs(ctx: &Ctx, follow: bool) -> Reply {
    let spec = match &ctx.cfg.log_file {
        Some(f) => StreamSpec {
            program: "tail".into(),
            args: if follow {
                vec![
                    "-n".into(),
                    "20".into(),
                    "-F".into(),
                    f.display().to_string(),
                ]
            } else {
                vec!["-n".into(), "50".into(), f.display().to_string()]
            },
        },
        None => {
            let mut args = vec![
                "-u".into(),
                ctx.cfg.log_unit.clone(),
                "--no-pager".into(),
                "-n".into(),
                if follow { "20" } else { "50" }.into(),
            ];
            if follow {
                args.push("-f".into());
            }
            StreamSpec {
                program: "journalctl".into(),
                args,
            }
        }
    };
    Reply::Stream(spec)
}

fn show_logs(ctx: &mut Ctx, _: &[&str]) -> Reply {
    logs(ctx, false)
}

fn show_logs_follow(ctx: &mut Ctx, _: &[&str]) -> Reply {
    logs(ctx, true)
}

// ------------------------------------------------------------------ span maintenance

/// Asks the daemon's control API (`POST path`) to do `what`; says what came of it.
fn daemon_control(ctx: &mut Ctx, what: &str, path: &str, body: Option<&str>) -> Reply {
    match ctx.daemon().action(path, body) {
        Err(e) => text(format!("{e}: cannot {what}\n")),
        Ok(Err(why)) => text(format!("refused: cannot {what}: {why}\n")),
        Ok(Ok(v)) => {
            let detail = v
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| *k != "span" && *k != "name")
                        .map(|(k, v)| format!("{k}={}", jtext(v)))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            text(format!("done: {what} ({detail})\n"))
        }
    }
}

fn span_loopback(ctx: &mut Ctx, args: &[&str], on: bool) -> Reply {
    let word = if on { "on" } else { "off" };
    if let Some(u) = usage(args, 1..=1, &format!("span loopback {word} <N>")) {
        return u;
    }
    match span_by_arg(ctx, args[0]) {
        Err(e) => text(e),
        Ok(s) => daemon_control(
            ctx,
            &format!("switch loopback {word} on span {}", s.id),
            &format!("/spans/{}/loopback", s.id),
            Some(if on {
                r#"{"mode":"local"}"#
            } else {
                r#"{"mode":"none"}"#
            }),
        ),
    }
}

fn span_loopback_on(ctx: &mut Ctx, args: &[&str]) -> Reply {
    span_loopback(ctx, args, true)
}

fn span_loopback_off(ctx: &mut Ctx, args: &[&str]) -> Reply {
    span_loopback(ctx, args, false)
}

fn span_restart(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 1..=1, "span restart <N>") {
        return u;
    }
    match span_by_arg(ctx, args[0]) {
        Err(e) => text(e),
        Ok(s) => daemon_control(
            ctx,
            &format!("restart span {}", s.id),
            &format!("/spans/{}/restart", s.id),
            None,
        ),
    }
}

fn pri_restart_channel(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 2..=2, "pri restart channel <SPAN> <CHANNEL>") {
        return u;
    }
    let ch: u8 = match args[1].parse() {
        Ok(c) if (1..=31).contains(&c) && c != 16 => c,
        _ => return text("channel must be 1-15 or 17-31\n"),
    };
    match span_by_arg(ctx, args[0]) {
        Err(e) => text(e),
        Ok(s) => daemon_control(
            ctx,
            &format!("restart channel {ch} of span {}", s.id),
            &format!("/spans/{}/channels/{ch}/restart", s.id),
            None,
        ),
    }
}

// ------------------------------------------------------------------ network, time

fn run_or_dry(ctx: &Ctx, program: &str, args: &[&str]) -> String {
    let shown = format!("{program} {}", args.join(" "));
    if !ctx.cfg.system_actions {
        return format!("dry run: would run: {shown}\n");
    }
    match std::process::Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => format!("ran: {shown}\n"),
        Ok(o) => format!(
            "{shown} failed ({}): {}\n",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("cannot run {program}: {e}\n"),
    }
}

fn network_show(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let p = ctx.paths().network();
    let mut o = match system::read_opt(&p) {
        Ok(None) => format!(
            "configured: nothing written by the console yet ({})\n",
            p.display()
        ),
        Err(e) => format!("configured: {e}\n"),
        Ok(Some(t)) => match Network::parse(&t) {
            Some(Network::Dhcp) => format!("configured: DHCP ({})\n", p.display()),
            Some(Network::Static {
                address,
                prefix,
                gateway,
                dns,
            }) => format!(
                "configured: static {address}/{prefix}, gateway {}, DNS {} ({})\n",
                gateway.map_or_else(|| "none".to_owned(), |g| g.to_string()),
                if dns.is_empty() {
                    "none".to_owned()
                } else {
                    dns.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                },
                p.display()
            ),
            None => format!("configured: {} does not parse\n", p.display()),
        },
    };
    match std::process::Command::new("ip")
        .args(["-brief", "address"])
        .output()
    {
        Ok(out) if out.status.success() => {
            o.push_str("live:\n");
            o.push_str(&String::from_utf8_lossy(&out.stdout));
        }
        _ => o.push_str("live: `ip` not available\n"),
    }
    text(o)
}

fn write_network(ctx: &Ctx, n: &Network) -> Reply {
    let p = ctx.paths().network();
    match system::write_atomic(&p, &n.render(&ctx.cfg.iface)) {
        Err(e) => text(format!("not changed: {e}\n")),
        Ok(()) => text(format!(
            "written {}\n{}",
            p.display(),
            run_or_dry(ctx, "networkctl", &["reload"])
        )),
    }
}

fn network_set_dhcp(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 0..=0, "network set dhcp") {
        return u;
    }
    write_network(ctx, &Network::Dhcp)
}

fn network_set_static(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(
        args,
        1..=8,
        "network set static <ADDR/LEN> [GATEWAY] [DNS...]",
    ) {
        return u;
    }
    let (address, prefix) = match system::parse_cidr(args[0]) {
        Ok(a) => a,
        Err(e) => return text(format!("{}: {e}\n", args[0])),
    };
    let gateway = match args.get(1).map(|g| g.parse()) {
        None => None,
        Some(Ok(g)) => Some(g),
        Some(Err(_)) => return text(format!("{}: {}\n", args[1], SystemError::BadAddress)),
    };
    let mut dns = Vec::new();
    for d in args.iter().skip(2) {
        match d.parse() {
            Ok(a) => dns.push(a),
            Err(_) => return text(format!("{d}: {}\n", SystemError::BadAddress)),
        }
    }
    write_network(
        ctx,
        &Network::Static {
            address,
            prefix,
            gateway,
            dns,
        },
    )
}

fn ping(_: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 1..=1, "ping <HOST>") {
        return u;
    }
    if let Err(e) = system::check_host(args[0]) {
        return text(format!("{}: {e}\n", args[0]));
    }
    Reply::Stream(StreamSpec {
        program: "ping".into(),
        args: vec![
            "-c".into(),
            "4".into(),
            "-W".into(),
            "2".into(),
            args[0].into(),
        ],
    })
}

fn time_show(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let p = ctx.paths().timesyncd();
    let ntp = match system::read_opt(&p) {
        Ok(Some(t)) => {
            let s = system::parse_ntp(&t);
            if s.is_empty() {
                "none set".to_owned()
            } else {
                s.join(" ")
            }
        }
        Ok(None) => "not set by the console (systemd-timesyncd defaults)".to_owned(),
        Err(e) => e.to_string(),
    };
    text(format!(
        "time        {}\nNTP servers {ntp}\n",
        system::format_utc(now_secs())
    ))
}

fn time_set(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 2..=2, "time set <YYYY-MM-DD> <HH:MM:SS>") {
        return u;
    }
    let t = format!("{} {}", args[0], args[1]);
    if let Err(e) = system::check_time(&t) {
        return text(format!("{t}: {e}\n"));
    }
    text(run_or_dry(ctx, "timedatectl", &["set-time", &t]))
}

fn time_ntp(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 1..=8, "time ntp <SERVER>...") {
        return u;
    }
    for a in args {
        if let Err(e) = system::check_host(a) {
            return text(format!("{a}: {e}\n"));
        }
    }
    let servers: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let p = ctx.paths().timesyncd();
    match system::write_atomic(&p, &system::render_ntp(&servers)) {
        Err(e) => text(format!("not changed: {e}\n")),
        Ok(()) => text(format!(
            "written {}\n{}",
            p.display(),
            run_or_dry(ctx, "systemctl", &["restart", "systemd-timesyncd"])
        )),
    }
}

// ------------------------------------------------------------------ recovery

fn admin_password(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 0..=1, "admin password [USER]") {
        return u;
    }
    let user = args
        .first()
        .copied()
        .unwrap_or(store::DEMO_ADMIN_USER)
        .to_owned();
    let known = match ctx
        .store()
        .and_then(|s| s.users().map_err(|e| e.to_string()))
    {
        Ok(u) => u,
        Err(e) => return text(format!("{e}\n")),
    };
    let note = if known.iter().any(|u| u.username == user) {
        format!(
            "Resetting the password of web user {user}; it must be changed at the next login.\n"
        )
    } else if user == store::DEMO_ADMIN_USER && !known.iter().any(|u| u.role == Role::Admin) {
        format!("There is no admin user: {user} will be created as admin.\n")
    } else {
        return text(format!("no web user {user}\n"));
    };
    Reply::Ask {
        text: note,
        prompt: "New password (8-128 characters): ".into(),
        mode: Mode::Hidden,
        pending: Pending::AdminPassword(user),
    }
}

fn set_admin_password(ctx: &mut Ctx, user: &str, password: String) -> String {
    let actor = format!("console:{}", ctx.user);
    let s = match ctx.store() {
        Ok(s) => s,
        Err(e) => return format!("{e}\n"),
    };
    let users = match s.users() {
        Ok(u) => u,
        Err(e) => return format!("{e}\n"),
    };
    let cmd = match users.iter().find(|u| u.username == user) {
        Some(u) => Command::SetUserPassword {
            id: u.id,
            password,
            must_change_password: true,
        },
        None => Command::CreateUser(NewUser {
            username: user.to_owned(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            password,
            must_change_password: true,
            language: Language::En,
        }),
    };
    let ctx_cmd = CommandContext {
        actor: &actor,
        ts: now_ts(),
    };
    match s.execute(ctx_cmd, &cmd) {
        Ok(c) => format!(
            "password of web user {user} set (config revision {}); it must be changed at the next login\n",
            c.revision
        ),
        Err(e) => format!("not changed: {e}\n"),
    }
}

fn technician_password(_: &mut Ctx, _: &[&str]) -> Reply {
    Reply::Ask {
        text: String::new(),
        prompt: "New console password (8-128 characters): ".into(),
        mode: Mode::Hidden,
        pending: Pending::TechPassword,
    }
}

/// What `factory reset` wants typed.
pub const FACTORY_CONFIRM: &str = "factory reset";

fn factory_reset(_: &mut Ctx, _: &[&str]) -> Reply {
    Reply::Ask {
        text: "This erases the whole configuration, the web users, call records, queue events, CRM and\n\
               recordings index, and the console's network and NTP settings. Technician accounts\n\
               are kept. Make a backup first if in doubt.\n"
            .into(),
        prompt: format!("Type \"{FACTORY_CONFIRM}\" to erase everything: "),
        mode: Mode::Plain,
        pending: Pending::FactoryReset,
    }
}

fn do_factory_reset(ctx: &mut Ctx) -> String {
    let paths = ctx.paths();
    let r = match ctx.store() {
        Ok(s) => s.factory_reset(),
        Err(e) => return format!("{e}\nnothing erased\n"),
    };
    match r {
        Err(e) => format!("factory reset failed, nothing erased: {e}\n"),
        Ok(_) => {
            let mut o =
                String::from("database erased (empty, schema current, technician accounts kept)\n");
            for p in [paths.network(), paths.timesyncd()] {
                match system::remove_file(&p) {
                    Ok(true) => o.push_str(&format!("removed {}\n", p.display())),
                    Ok(false) => {}
                    Err(e) => o.push_str(&format!("could not remove: {e}\n")),
                }
            }
            o.push_str("Reboot now (type reboot) so every service starts from the empty configuration;\nthen set a web admin password with `admin password`.\n");
            o
        }
    }
}

fn backup(ctx: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 1..=1, "backup <PATH>") {
        return u;
    }
    let mut dest = PathBuf::from(args[0]);
    if dest.is_dir() {
        let stamp = system::format_utc(now_secs())
            .trim_end_matches(" UTC")
            .replace(['-', ':'], "")
            .replace(' ', "-");
        dest = dest.join(format!("appliance-backup-{stamp}.db"));
    }
    let r = match ctx.store() {
        Ok(s) => s.backup_to(&dest),
        Err(e) => return text(format!("{e}\n")),
    };
    match r {
        Ok(()) => {
            let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
            text(format!(
                "backup written: {} ({})\n",
                dest.display(),
                system::human_bytes(size)
            ))
        }
        Err(e) => text(format!("backup failed: {e}\n")),
    }
}

fn restore(_: &mut Ctx, args: &[&str]) -> Reply {
    if let Some(u) = usage(args, 1..=1, "restore <PATH>") {
        return u;
    }
    let p = Path::new(args[0]);
    if !p.is_file() {
        return text(format!("{}: no such file\n", p.display()));
    }
    Reply::Ask {
        text: format!(
            "This replaces the live configuration and data with {} (technician accounts are kept).\n",
            p.display()
        ),
        prompt: "Restore now? (yes/no): ".into(),
        mode: Mode::Plain,
        pending: Pending::Restore(p.to_owned()),
    }
}

fn do_restore(ctx: &mut Ctx, p: &Path) -> String {
    let r = match ctx.store() {
        Ok(s) => s.restore_keeping_technicians(p),
        Err(e) => return format!("{e}\n"),
    };
    match r {
        Ok(r) => format!(
            "restored {}: backup schema v{}, now v{}, config revision {}\nthe daemon picks the configuration up on reload (systemctl reload appliance) or reboot\n",
            p.display(),
            r.from_version,
            r.schema_version,
            r.config_revision
        ),
        Err(e) => format!("restore failed, nothing changed: {e}\n"),
    }
}

// ------------------------------------------------------------------ firmware

fn read_slots(ctx: &Ctx) -> Result<(PathBuf, Slots), String> {
    let p = ctx.paths().slots();
    match system::read_opt(&p) {
        Ok(None) => Err(format!(
            "no slot state file ({}): not running from the appliance image\n",
            p.display()
        )),
        Err(e) => Err(format!("{e}\n")),
        Ok(Some(t)) => Slots::parse(&t, &p)
            .map(|s| (p, s))
            .map_err(|e| format!("{e}\n")),
    }
}

fn firmware_status(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let (_, s) = match read_slots(ctx) {
        Ok(s) => s,
        Err(e) => return text(e),
    };
    let mut o = format!("{:<6}{:<12}{:<8}{}\n", "SLOT", "VERSION", "STATE", "");
    for c in ['a', 'b'] {
        let sl = s.slot(c);
        let mut notes = Vec::new();
        if s.booted == c {
            notes.push("booted");
        }
        if s.default == c {
            notes.push("default");
        }
        if s.next == Some(c) {
            notes.push("tried once at next boot");
        }
        o.push_str(&format!(
            "{:<6}{:<12}{:<8}{}\n",
            c.to_ascii_uppercase(),
            if sl.version.is_empty() {
                "-"
            } else {
                &sl.version
            },
            if sl.state.is_empty() {
                "empty"
            } else {
                &sl.state
            },
            notes.join(", ")
        ));
    }
    text(o)
}

fn firmware_switch(ctx: &mut Ctx, _: &[&str]) -> Reply {
    let (p, mut s) = match read_slots(ctx) {
        Ok(s) => s,
        Err(e) => return text(e),
    };
    let other = match s.switch() {
        Ok(c) => c,
        Err(e) => return text(format!("{e}\n")),
    };
    match system::write_atomic(&p, &s.render()) {
        Err(e) => text(format!("not changed: {e}\n")),
        Ok(()) => text(format!(
            "slot {} will be tried once at the next boot; it becomes the default only if it comes up\ngood, otherwise slot {} boots again. Type reboot to do it now.\n",
            other.to_ascii_uppercase(),
            s.booted.to_ascii_uppercase()
        )),
    }
}

fn reboot(_: &mut Ctx, _: &[&str]) -> Reply {
    Reply::Ask {
        text: "Calls in progress are dropped.\n".into(),
        prompt: "Reboot now? (yes/no): ".into(),
        mode: Mode::Plain,
        pending: Pending::Reboot,
    }
}

// ------------------------------------------------------------------ the session

#[derive(Debug)]
enum State {
    User,
    Password(String),
    Cli,
    Ask(Pending),
    Streaming,
    Closed,
}

/// A session; see the [module docs](self).
#[derive(Debug)]
pub struct Session {
    ed: Editor,
    state: State,
    ctx: Ctx,
    stream: Option<StreamSpec>,
}

/// Terminal line ends: `\n` becomes `\r\n`.
fn crlf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\n', "\r\n")
}

impl Session {
    /// A new session at the login prompt.
    #[must_use]
    pub fn new(cfg: Config) -> Self {
        let mut s = Self {
            ed: Editor::new(),
            state: State::User,
            ctx: Ctx {
                cfg,
                store: None,
                user: String::new(),
            },
            stream: None,
        };
        s.ed.write("\r\nTelephony appliance: technician console\r\n");
        s.login_prompt();
        s
    }

    fn login_prompt(&mut self) {
        self.state = State::User;
        self.ctx.user.clear();
        self.ed.start(LOGIN_PROMPT, Mode::Plain);
    }

    fn cli_prompt(&mut self) {
        self.state = State::Cli;
        self.ed.start(PROMPT, Mode::Command);
    }

    fn print(&mut self, s: &str) {
        self.ed.write(&crlf(s));
    }

    /// True while a technician is logged in.
    #[must_use]
    pub fn logged_in(&self) -> bool {
        !self.ctx.user.is_empty() && !self.closed()
    }

    /// No input for the idle limit: a logged-in technician is logged out (a console left
    /// logged in on a cable is an open door); at the login prompt nothing happens.
    pub fn idle_timeout(&mut self) {
        if self.logged_in() && !matches!(self.state, State::Streaming) {
            self.print("\nidle for too long: ");
            self.logout();
        }
    }

    /// True once the technician logged out or ended input; the I/O loop starts a new
    /// session.
    #[must_use]
    pub fn closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Bytes for the terminal, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.ed.poll_transmit()
    }

    /// A program to stream, once a command asked for one.
    #[must_use]
    pub fn take_stream(&mut self) -> Option<StreamSpec> {
        self.stream.take()
    }

    /// The streamed program ended (or was stopped): back to the prompt.
    pub fn stream_done(&mut self, note: &str) {
        if !note.is_empty() {
            self.print(note);
        }
        self.cli_prompt();
    }

    /// Feeds bytes from the terminal; runs what they complete.
    pub fn handle_input(&mut self, bytes: &[u8]) {
        if matches!(self.state, State::Streaming | State::Closed) {
            return;
        }
        let mut rest = bytes;
        // Each pass takes at least one byte.
        while !rest.is_empty() && !matches!(self.state, State::Streaming | State::Closed) {
            let n = self.ed.handle_input(rest, &COMMANDS);
            rest = &rest[n.max(1).min(rest.len())..];
            while let Some(ev) = self.ed.poll_event() {
                self.event(ev);
            }
        }
    }

    fn event(&mut self, ev: EditorEvent) {
        let state = std::mem::replace(&mut self.state, State::Cli);
        match (state, ev) {
            (State::User | State::Password(_), EditorEvent::Interrupt | EditorEvent::Eof) => {
                self.print("\n");
                self.login_prompt();
            }
            (State::User, EditorEvent::Line(u)) => {
                let u = u.trim().to_owned();
                if u.is_empty() {
                    self.login_prompt();
                } else {
                    self.state = State::Password(u);
                    self.ed.start("Password: ", Mode::Hidden);
                }
            }
            (State::Password(u), EditorEvent::Line(p)) => self.login(&u, &p),
            (State::Cli, EditorEvent::Line(l)) => self.run(&l),
            (State::Cli, EditorEvent::Help(before)) => {
                self.state = State::Cli;
                let h = commands::help(&COMMANDS, &before);
                self.ed.write(&h);
                self.ed.redraw();
            }
            (State::Cli, EditorEvent::Interrupt) => self.cli_prompt(),
            (State::Cli, EditorEvent::Eof) => self.logout(),
            (State::Ask(_), EditorEvent::Interrupt | EditorEvent::Eof) => {
                self.print("cancelled\n");
                self.cli_prompt();
            }
            (State::Ask(p), EditorEvent::Line(answer)) => self.answer(p, answer),
            (s, _) => self.state = s,
        }
    }

    fn login(&mut self, user: &str, password: &str) {
        let now = now_ts();
        let r = self.ctx.store().and_then(|s| {
            s.verify_technician(user, password, now)
                .map_err(|e| e.to_string())
        });
        match r {
            Ok(TechnicianLogin::Accepted) => {
                user.clone_into(&mut self.ctx.user);
                self.print(&format!(
                    "Logged in as technician {user}. Type ? for help, Tab completes.\n"
                ));
                self.cli_prompt();
            }
            Ok(TechnicianLogin::Locked { until }) => {
                self.print(&format!(
                    "\nLogin incorrect: account locked after too many failed logins, until {}\n",
                    system::format_utc(until.0 / 1_000_000)
                ));
                self.login_prompt();
            }
            Ok(_) => {
                self.print("\nLogin incorrect\n");
                self.login_prompt();
            }
            Err(e) => {
                self.print(&format!("\nLogin impossible: {e}\n"));
                self.login_prompt();
            }
        }
    }

    fn logout(&mut self) {
        self.print("logged out\n");
        self.ctx.user.clear();
        self.state = State::Closed;
        self.ed.stop();
    }

    fn run(&mut self, line: &str) {
        if line.trim().is_empty() {
            self.cli_prompt();
            return;
        }
        let reply = match COMMANDS.resolve(line) {
            Err(e) => Reply::Text(format!("{e}\n")),
            Ok((entry, args)) => (entry.handler)(&mut self.ctx, &args),
        };
        self.reply(reply);
    }

    fn reply(&mut self, reply: Reply) {
        match reply {
            Reply::Text(t) => {
                self.print(&t);
                self.cli_prompt();
            }
            Reply::Ask {
                text,
                prompt,
                mode,
                pending,
            } => {
                self.print(&text);
                self.state = State::Ask(pending);
                self.ed.start(&prompt, mode);
            }
            Reply::Stream(s) => {
                self.stream = Some(s);
                self.state = State::Streaming;
                self.ed.stop();
            }
            Reply::Logout => self.logout(),
        }
    }

    fn answer(&mut self, pending: Pending, answer: String) {
        let yes = answer.trim().eq_ignore_ascii_case("yes");
        let reply = match pending {
            Pending::FactoryReset if answer.trim() == FACTORY_CONFIRM => {
                Reply::Text(do_factory_reset(&mut self.ctx))
            }
            Pending::FactoryReset => Reply::Text("cancelled: nothing erased\n".into()),
            Pending::Restore(p) if yes => Reply::Text(do_restore(&mut self.ctx, &p)),
            Pending::Reboot if yes => Reply::Text(run_or_dry(&self.ctx, "systemctl", &["reboot"])),
            Pending::Restore(_) | Pending::Reboot => Reply::Text("cancelled\n".into()),
            Pending::AdminPassword(user) => Reply::Ask {
                text: String::new(),
                prompt: "Again: ".into(),
                mode: Mode::Hidden,
                pending: Pending::AdminPasswordAgain(user, answer),
            },
            Pending::AdminPasswordAgain(user, first) if first == answer => {
                Reply::Text(set_admin_password(&mut self.ctx, &user, answer))
            }
            Pending::TechPassword => Reply::Ask {
                text: String::new(),
                prompt: "Again: ".into(),
                mode: Mode::Hidden,
                pending: Pending::TechPasswordAgain(answer),
            },
            Pending::TechPasswordAgain(first) if first == answer => {
                let user = self.ctx.user.clone();
                Reply::Text(match self.ctx.store() {
                    Err(e) => format!("{e}\n"),
                    Ok(s) => match s.set_technician_password(&user, &answer) {
                        Ok(()) => format!("console password of {user} changed\n"),
                        Err(e) => format!("not changed: {e}\n"),
                    },
                })
            }
            Pending::AdminPasswordAgain(..) | Pending::TechPasswordAgain(_) => {
                Reply::Text("the two passwords differ: not changed\n".into())
            }
        };
        self.reply(reply);
    }
}
