//! System pages for admins: management network (DHCP or static) and NTP servers written as
//! the same systemd-networkd / systemd-timesyncd files the serial console writes (the
//! `console` crate's [`console::system`] renders, parses and writes them atomically: one
//! implementation for both), database backup download and restore upload (the store's
//! online backup and validated restore), firmware update upload (handed to the image's
//! `appliance-update apply`, which checks the minisign signature and every hash before it
//! writes the inactive slot), and the tail of the log file.
//!
//! Every change is admin-only (route table), CSRF-checked (the access middleware), recorded
//! in the audit log ([`store::Command::NoteSystemChange`]) and validated first: malformed
//! input gets a 4xx with a message and nothing is written.
//!
//! Not here: setting the clock by hand (the console's `time set` does it through
//! `timedatectl`), applying the network at once (networkd reads the file at its next
//! reload or at boot, as with the console), and rebooting into the new slot.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use console::system::{self as sys, Network, Paths};
use maud::html;
use serde::{Deserialize, Serialize};
use store::{Command, Entity};
use utoipa::ToSchema;

use crate::api::Body;
use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{Caller, WebError, WebState};

/// Where the system pages read and write (the daemon sets this; tests use a temp dir).
#[derive(Debug, Clone)]
pub struct SystemSettings {
    /// Root of the files the console also owns (`/` on the appliance).
    pub root: PathBuf,
    /// The networkd `Name=` pattern of the management interface (e.g. `en*`).
    pub interface: String,
    /// The log file whose tail the logs page shows (when [`Self::log_command`] is unset).
    pub log_file: PathBuf,
    /// A command whose output is the log instead, `{lines}` replaced by how many lines (on
    /// the appliance: the daemon's journal through `journalctl`).
    pub log_command: Option<Vec<String>>,
    /// Folder for uploads (restore files, update bundles) and backup copies.
    pub staging: PathBuf,
    /// The update command; `{bundle}` is replaced by the uploaded file's path
    /// (on the appliance: `appliance-update apply {bundle}`).
    pub update_command: Vec<String>,
    /// Longest an update may run before it is stopped.
    pub update_timeout: Duration,
    /// Largest upload (restore file or update bundle) in bytes; a bigger one is refused
    /// with 413 and nothing is kept ([`MAX_UPLOAD`] on the appliance).
    pub max_upload: u64,
}

impl SystemSettings {
    /// The appliance's paths: `/`, interface `en*`, the log from the journal (`journalctl
    /// -u appliance.service`), staging in `/data/staging`, `appliance-update apply {bundle}`.
    #[must_use]
    pub fn appliance() -> Self {
        Self {
            root: PathBuf::from("/"),
            interface: "en*".into(),
            log_file: PathBuf::from("/var/log/appliance/appliance.log"),
            log_command: Some(
                [
                    "journalctl",
                    "--no-pager",
                    "--quiet",
                    "-o",
                    "short-iso",
                    "-u",
                    "appliance.service",
                    "-n",
                    "{lines}",
                ]
                .map(String::from)
                .to_vec(),
            ),
            staging: PathBuf::from("/data/staging"),
            update_command: vec!["appliance-update".into(), "apply".into(), "{bundle}".into()],
            update_timeout: Duration::from_secs(600),
            max_upload: MAX_UPLOAD,
        }
    }

    fn paths(&self) -> Paths {
        Paths {
            root: self.root.clone(),
        }
    }
}

fn settings(st: &WebState) -> Result<SystemSettings, WebError> {
    st.system().cloned().ok_or_else(|| {
        WebError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "system settings are not configured on this panel",
        )
    })
}

fn sys_err(e: &sys::SystemError) -> WebError {
    match e {
        sys::SystemError::File { .. } => {
            WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
        _ => WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}

async fn note(st: &WebState, caller: &Caller, e: Entity) -> Result<(), WebError> {
    run_command(st, caller, Command::NoteSystemChange(e))
        .await
        .map(drop)
}

// ------------------------------------------------------------------ network

/// The management network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkDto {
    /// `dhcp` or `static`.
    pub mode: String,
    /// `a.b.c.d/len` (static only).
    #[serde(default)]
    pub address: String,
    /// Default gateway (static, optional).
    #[serde(default)]
    pub gateway: String,
    /// DNS servers, separated by spaces or commas (static, optional).
    #[serde(default)]
    pub dns: String,
}

impl NetworkDto {
    fn from_network(n: Option<Network>) -> Self {
        match n {
            Some(Network::Static {
                address,
                prefix,
                gateway,
                dns,
            }) => Self {
                mode: "static".into(),
                address: format!("{address}/{prefix}"),
                gateway: gateway.map(|g| g.to_string()).unwrap_or_default(),
                dns: dns
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            // No file yet: the image's default is DHCP.
            Some(Network::Dhcp) | None => Self {
                mode: "dhcp".into(),
                address: String::new(),
                gateway: String::new(),
                dns: String::new(),
            },
        }
    }

    fn to_network(&self) -> Result<Network, WebError> {
        match self.mode.as_str() {
            "dhcp" => Ok(Network::Dhcp),
            "static" => {
                let (address, prefix) = sys::parse_cidr(self.address.trim())
                    .map_err(|e| WebError::invalid("network.address", e.to_string()))?;
                let gateway = match self.gateway.trim() {
                    "" => None,
                    g => Some(g.parse::<Ipv4Addr>().map_err(|_| {
                        WebError::invalid("network.gateway", "not an IPv4 address")
                    })?),
                };
                let dns = self
                    .dns
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(|d| {
                        d.parse::<IpAddr>().map_err(|_| {
                            WebError::invalid("network.dns", format!("{d:?} is not an IP address"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Network::Static {
                    address,
                    prefix,
                    gateway,
                    dns,
                })
            }
            m => Err(WebError::invalid(
                "network.mode",
                format!("{m:?} is not dhcp or static"),
            )),
        }
    }
}

fn read_network(s: &SystemSettings) -> Result<NetworkDto, WebError> {
    let text = sys::read_opt(&s.paths().network()).map_err(|e| sys_err(&e))?;
    Ok(NetworkDto::from_network(
        text.as_deref().and_then(Network::parse),
    ))
}

/// The management network as the networkd file says.
#[utoipa::path(get, path = "/api/v1/system/network", tag = "system",
    responses((status = 200, body = NetworkDto), (status = 503, body = WebError)))]
pub async fn network_get(State(st): State<WebState>) -> Result<Json<NetworkDto>, WebError> {
    Ok(Json(read_network(&settings(&st)?)?))
}

/// Writes the networkd file (the console's format); applied at networkd's next reload.
#[utoipa::path(put, path = "/api/v1/system/network", tag = "system", request_body = NetworkDto,
    responses((status = 200, body = NetworkDto), (status = 422, body = WebError)))]
pub async fn network_put(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<NetworkDto>,
) -> Result<Json<NetworkDto>, WebError> {
    let s = settings(&st)?;
    let n = d.to_network()?;
    let text = n.render(&s.interface);
    let path = s.paths().network();
    run_blocking(move || sys::write_atomic(&path, &text)).await?;
    note(&st, &caller, Entity::Network).await?;
    Ok(Json(NetworkDto::from_network(Some(n))))
}

async fn run_blocking(
    f: impl FnOnce() -> Result<(), sys::SystemError> + Send + 'static,
) -> Result<(), WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| WebError::internal())?
        .map_err(|e| sys_err(&e))
}

// ------------------------------------------------------------------ time

/// Time and NTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeDto {
    /// NTP servers (host names or addresses), in order.
    pub ntp: Vec<String>,
    /// The panel's clock, `YYYY-MM-DD HH:MM:SS UTC` (read only).
    #[serde(default)]
    pub now_utc: String,
}

/// NTP servers from the timesyncd drop-in, and the clock.
#[utoipa::path(get, path = "/api/v1/system/time", tag = "system",
    responses((status = 200, body = TimeDto), (status = 503, body = WebError)))]
pub async fn time_get(State(st): State<WebState>) -> Result<Json<TimeDto>, WebError> {
    let s = settings(&st)?;
    let text = sys::read_opt(&s.paths().timesyncd()).map_err(|e| sys_err(&e))?;
    Ok(Json(TimeDto {
        ntp: text.as_deref().map(sys::parse_ntp).unwrap_or_default(),
        now_utc: sys::format_utc(st.now().0.div_euclid(1_000_000)),
    }))
}

/// Writes the timesyncd drop-in (the console's format).
#[utoipa::path(put, path = "/api/v1/system/time", tag = "system", request_body = TimeDto,
    responses((status = 200, body = TimeDto), (status = 422, body = WebError)))]
pub async fn time_put(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<TimeDto>,
) -> Result<Json<TimeDto>, WebError> {
    let s = settings(&st)?;
    let servers: Vec<String> = d.ntp.iter().map(|h| h.trim().to_owned()).collect();
    if servers.is_empty() || servers.len() > 8 {
        return Err(WebError::invalid("time.ntp", "give 1 to 8 servers"));
    }
    for h in &servers {
        sys::check_host(h).map_err(|e| WebError::invalid("time.ntp", format!("{h:?}: {e}")))?;
    }
    let text = sys::render_ntp(&servers);
    let path = s.paths().timesyncd();
    run_blocking(move || sys::write_atomic(&path, &text)).await?;
    note(&st, &caller, Entity::TimeSettings).await?;
    Ok(Json(TimeDto {
        ntp: servers,
        now_utc: sys::format_utc(st.now().0.div_euclid(1_000_000)),
    }))
}

// ------------------------------------------------------------------ backup, restore

fn staging_file(s: &SystemSettings, prefix: &str) -> Result<PathBuf, WebError> {
    std::fs::create_dir_all(&s.staging)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(s.staging
        .join(format!("{prefix}-{}", crate::auth::random_token())))
}

/// Removes a file when dropped (staging copies never outlive their request).
struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A consistent copy of the live database (SQLite online backup), as a download.
#[utoipa::path(get, path = "/api/v1/system/backup", tag = "system",
    responses((status = 200, description = "SQLite database file", content_type = "application/vnd.sqlite3")))]
pub async fn backup(State(st): State<WebState>) -> Result<Response, WebError> {
    let s = settings(&st)?;
    let tmp = Scratch(staging_file(&s, "backup")?);
    let path = tmp.0.clone();
    st.db(move |db| db.backup_to(&path)).await?;
    let bytes = tokio::fs::read(&tmp.0)
        .await
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let name = format!(
        "appliance-backup-{}.db",
        crate::reports::format_date(st.now())
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.sqlite3".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Restored {
    /// Schema version of the backup.
    pub from_version: u32,
    /// Schema version now.
    pub schema_version: u32,
    /// Config revision after the restore (and its audit line).
    pub config_revision: i64,
}

/// Largest upload on the appliance (restore file or update bundle). Uploads are streamed to the staging
/// folder as they arrive, never held in memory whole (a 250 MB bundle held three times over
/// got the daemon OOM-killed on a 1 GB box: hil image-system-pages).
pub const MAX_UPLOAD: u64 = 512 << 20;

/// Streams a request body into `path` (created), at most `limit` bytes; returns its
/// size. An empty body is a 422 on `field`, a bigger one 413, a broken one 400; the file is
/// the caller's to remove (a [`Scratch`]).
async fn receive(
    body: axum::body::Body,
    path: &Path,
    field: &str,
    limit: u64,
) -> Result<u64, WebError> {
    use futures_util::StreamExt as _;
    use tokio::io::AsyncWriteExt as _;
    let io = |e: std::io::Error| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let mut f = tokio::fs::File::create(path).await.map_err(io)?;
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            WebError::new(StatusCode::BAD_REQUEST, format!("upload broken off: {e}"))
        })?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(WebError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{field}: larger than {}", size_text(limit)),
            ));
        }
        f.write_all(&chunk).await.map_err(io)?;
    }
    if size == 0 {
        return Err(WebError::invalid(field, "empty upload"));
    }
    f.sync_all().await.map_err(io)?;
    Ok(size)
}

/// `n` bytes as an operator reads it: whole MiB when it is, bytes otherwise.
fn size_text(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// Replaces the database with an uploaded backup (the raw file as the body), keeping the
/// technician accounts, as the console's `restore` does. A file that is not one of our
/// databases, or is newer or corrupt, is refused and nothing changes.
#[utoipa::path(post, path = "/api/v1/system/restore", tag = "system",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Restored), (status = 422, body = WebError)))]
pub async fn restore(
    State(st): State<WebState>,
    caller: Caller,
    body: axum::body::Body,
) -> Result<Json<Restored>, WebError> {
    let s = settings(&st)?;
    let tmp = Scratch(staging_file(&s, "restore")?);
    receive(body, &tmp.0, "restore.file", s.max_upload).await?;
    let path = tmp.0.clone();
    let r = st
        .db(move |db| Ok(db.restore_keeping_technicians(&path)))
        .await?
        .map_err(|e| WebError::invalid("restore.file", e.to_string()))?;
    note(&st, &caller, Entity::Database).await?;
    let config_revision = st.db(|db| db.config_revision()).await?;
    Ok(Json(Restored {
        from_version: r.from_version,
        schema_version: r.schema_version,
        config_revision,
    }))
}

// ------------------------------------------------------------------ firmware

/// What the update command said.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateOutcome {
    /// Its exit status was 0.
    pub ok: bool,
    /// Its output (stdout then stderr).
    pub output: String,
}

/// Hands an uploaded update bundle (the raw tar as the body) to the update command, which
/// verifies the minisign signature and the hashes before writing the inactive slot. Its
/// refusal (bad signature, changed file) comes back as 422 with its output; the disk is
/// untouched then.
#[utoipa::path(post, path = "/api/v1/system/firmware", tag = "system",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = UpdateOutcome), (status = 422, body = WebError)))]
pub async fn firmware(
    State(st): State<WebState>,
    caller: Caller,
    body: axum::body::Body,
) -> Result<Json<UpdateOutcome>, WebError> {
    let s = settings(&st)?;
    let bundle = Scratch(staging_file(&s, "update")?.with_extension("tar"));
    receive(body, &bundle.0, "firmware.file", s.max_upload).await?;
    let out = run_update(&s, &bundle.0).await?;
    drop(bundle);
    if !out.ok {
        return Err(WebError::invalid(
            "firmware.file",
            format!("update refused: {}", out.output.trim()),
        ));
    }
    note(&st, &caller, Entity::Firmware).await?;
    Ok(Json(out))
}

async fn run_update(s: &SystemSettings, bundle: &Path) -> Result<UpdateOutcome, WebError> {
    let bundle = bundle.display().to_string();
    let args: Vec<String> = s
        .update_command
        .iter()
        .map(|a| a.replace("{bundle}", &bundle))
        .collect();
    let Some((prog, rest)) = args.split_first() else {
        return Err(WebError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no update command configured",
        ));
    };
    let child = tokio::process::Command::new(prog)
        .args(rest)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(s.update_timeout, child)
        .await
        .map_err(|_| WebError::new(StatusCode::GATEWAY_TIMEOUT, "update command timed out"))?
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{prog}: {e}")))?;
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(UpdateOutcome {
        ok: out.status.success(),
        output,
    })
}

// ------------------------------------------------------------------ logs

/// How much of the log.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct LogQuery {
    /// Lines from the end (default 200, at most 5000).
    pub lines: Option<usize>,
}

/// The last lines of the log file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogTail {
    /// The file.
    pub file: String,
    /// Its last lines, oldest first.
    pub lines: Vec<String>,
}

/// Reads at most the last 4 MiB of `path` and returns its last `n` lines.
fn tail(path: &Path, n: usize) -> std::io::Result<Vec<String>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(4 << 20);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // a partial first line
    }
    let skip = lines.len().saturating_sub(n);
    Ok(lines[skip..].iter().map(|l| (*l).to_owned()).collect())
}

/// The tail of the log file.
#[utoipa::path(get, path = "/api/v1/system/logs", tag = "system", params(LogQuery),
    responses((status = 200, body = LogTail), (status = 404, body = WebError)))]
pub async fn logs(
    State(st): State<WebState>,
    Query(q): Query<LogQuery>,
) -> Result<Json<LogTail>, WebError> {
    let s = settings(&st)?;
    let n = q.lines.unwrap_or(200);
    if !(1..=5000).contains(&n) {
        return Err(WebError::invalid("lines", "not 1..=5000"));
    }
    let (file, lines) = read_log(&s, n)
        .await
        .map_err(|e| WebError::new(StatusCode::NOT_FOUND, e))?;
    Ok(Json(LogTail { file, lines }))
}

/// The last `n` lines of the log: what names it, and the lines; or why it can't be read.
async fn read_log(s: &SystemSettings, n: usize) -> Result<(String, Vec<String>), String> {
    let Some(cmd) = &s.log_command else {
        let path = s.log_file.clone();
        let lines = tokio::task::spawn_blocking(move || tail(&path, n))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{}: {e}", s.log_file.display()))?;
        return Ok((s.log_file.display().to_string(), lines));
    };
    let args: Vec<String> = cmd
        .iter()
        .map(|a| a.replace("{lines}", &n.to_string()))
        .collect();
    let Some((prog, rest)) = args.split_first() else {
        return Err("no log command configured".into());
    };
    let child = tokio::process::Command::new(prog)
        .args(rest)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(10), child)
        .await
        .map_err(|_| format!("{prog}: no answer within 10 s"))?
        .map_err(|e| format!("{prog}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{prog}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(n);
    Ok((
        args.join(" "),
        lines[skip..].iter().map(|l| (*l).to_owned()).collect(),
    ))
}

// ------------------------------------------------------------------ page

/// `GET /admin/system`: network, time, backup/restore, firmware, logs.
pub async fn page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let s = settings(&st)?;
    let net = read_network(&s)?;
    let ntp = sys::read_opt(&s.paths().timesyncd())
        .ok()
        .flatten()
        .map(|x| sys::parse_ntp(&x).join(" "))
        .unwrap_or_default();
    let log = read_log(&s, 50).await.map(|(_, l)| l).unwrap_or_default();
    let body = html! {
        h2 { (t(Msg::Network)) }
        form id="sys-network" data-api="/api/v1/system/network" data-method="PUT" {
            label { "mode " select name="mode" {
                option value="dhcp" selected[net.mode == "dhcp"] { "DHCP" }
                option value="static" selected[net.mode == "static"] { "static" }
            } }
            label { "address " input name="address" value=(net.address) placeholder="192.168.1.10/24"; }
            label { "gateway " input name="gateway" value=(net.gateway); }
            label { "DNS " input name="dns" value=(net.dns); }
            button type="submit" { (t(Msg::Save)) }
            output data-result {}
        }
        h2 { (t(Msg::TimeNtp)) }
        form id="sys-time" data-api="/api/v1/system/time" data-method="PUT" {
            label { "NTP " input name="ntp" data-type="words" value=(ntp); }
            button type="submit" { (t(Msg::Save)) }
            output data-result {}
        }
        h2 { (t(Msg::Backup)) }
        p { a id="sys-backup" href="/api/v1/system/backup" download { "⬇ backup" } }
        form id="sys-restore" data-upload="/api/v1/system/restore" data-confirm=(t(Msg::Backup)) {
            input type="file" name="file" required;
            button type="submit" { "restore" }
            output data-result {}
        }
        h2 { (t(Msg::Firmware)) }
        form id="sys-firmware" data-upload="/api/v1/system/firmware" data-confirm=(t(Msg::Firmware)) {
            input type="file" name="file" accept=".tar" required;
            button type="submit" { "upload" }
            output data-result {}
        }
        h2 { (t(Msg::Logs)) }
        pre id="sys-log" { @for line in &log { (line) "\n" } }
    };
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::System, body).into_string(),
    )
        .into_response())
}
