//! The wallboard's machine side, fed from the running daemon into web-admin's live state
//! ([`crate::ctiside::Hub::live`]): the E1 spans (alarms, CRC-4 errors, slips, B-channels in
//! use), the system resources (CPU, memory, the data directory's disk) and the alarm list
//! (span alarm, SIP trunk down, disk nearly full, a queue's service level below target), and
//! each queue's service level today (computed from the event log, the one source of truth).
//!
//! Every [`EVERY`] it asks the span tasks and the call engine for their state the way the
//! control API does ([`crate::control::collect_status`]: messages answered on their own
//! tasks, bounded waits), reads `/proc/stat`, `/proc/meminfo` and `statvfs` of the data
//! directory, and every [`SL_EVERY`] computes today's queue reports from the store (UTC day).
//! Its store reads go through its own connection on a blocking thread ([`spawn`]).
//! The call engine keeps writing the queue, agent and call rows ([`crate::ctiside::LiveFeed`]);
//! this task writes only spans, resources and alarms, so neither overwrites the other.
//!
//! Alarm codes: `span.los` (no far end on the line), `span.<alarm>` (the framer's alarm
//! bits, e.g. `span.red`), `span.dchannel_down` (line up, Q.921 data link down),
//! `trunk.down` (a SIP trunk that should register is not registered), `disk.full` (data
//! directory ≥ [`DISK_WARN`] used; critical from [`DISK_CRIT`]), `queue.sl_breach` (today's
//! service level below [`SL_TARGET`] once at least [`SL_MIN_CALLS`] calls counted). An alarm
//! keeps the time it was first raised while it stays up, and is logged when raised and
//! cleared.
//!
//! What this is not: no thresholds from the store yet (the target and disk limits are
//! constants), no alarm history (the list is what is raised now).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tracing::{info, warn};
use web_admin::backend::{Alarm, Severity, SpanLive, SystemResources};

use crate::Shared;
use crate::clock::Clock;
use crate::ctiside::Hub;

/// How often spans, resources and alarms are refreshed.
pub(crate) const EVERY: Duration = Duration::from_secs(1);
/// How often today's service levels are recomputed from the event log.
pub(crate) const SL_EVERY: Duration = Duration::from_secs(5);
/// Service-level target (share of calls answered within the queue's threshold).
pub(crate) const SL_TARGET: f64 = 0.8;
/// Calls a queue needs today before its service level can raise an alarm.
pub(crate) const SL_MIN_CALLS: u64 = 3;
/// Disk use of the data directory that raises `disk.full` (warning).
pub(crate) const DISK_WARN: f64 = 0.90;
/// Disk use that makes `disk.full` critical.
pub(crate) const DISK_CRIT: f64 = 0.97;

/// Starts the feed on the current runtime; it runs until the process exits.
///
/// The feed opens its own connection to `db` (like the journal and the admin panel) and
/// makes its store reads in `spawn_blocking`, so the runtime it shares with the call engine
/// does not wait for them ([`crate::control::collect_status`] reads the phone accounts' names
/// on a blocking thread too).
pub(crate) fn spawn(db: PathBuf, shared: Arc<Shared>, hub: Arc<Hub>, data_dir: PathBuf) {
    tokio::spawn(async move {
        let opened = tokio::task::spawn_blocking(move || store::Store::open(&db)).await;
        let store = match opened {
            Ok(Ok(s)) => Arc::new(Mutex::new(s)),
            Ok(Err(e)) => {
                warn!("wallboard feed off: opening the store: {e}");
                return;
            }
            Err(e) => {
                warn!("wallboard feed off: {e}");
                return;
            }
        };
        let mut feed = Feed::new(data_dir);
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            feed.once(&shared, &store, &hub).await;
        }
    });
}

struct Feed {
    data_dir: PathBuf,
    /// (busy, total) jiffies of the last `/proc/stat` read.
    cpu_prev: Option<(u64, u64)>,
    /// Raised alarms: (code, subject) → (severity, since µs).
    raised: HashMap<(String, String), (Severity, i64)>,
    service_levels: HashMap<String, f64>,
    /// Calls counted in each queue's service level today.
    sl_counts: HashMap<String, u64>,
    next_sl: tokio::time::Instant,
}

/// What one tick reads from the store (on a blocking thread).
#[derive(Default)]
struct StoreFacts {
    /// Enabled SIP trunks that should register.
    registering: Vec<String>,
    /// Today's service levels and counted calls, when they were due.
    service_levels: Option<ServiceLevels>,
}

type ServiceLevels = (HashMap<String, f64>, HashMap<String, u64>);

impl Feed {
    fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            cpu_prev: None,
            raised: HashMap::new(),
            service_levels: HashMap::new(),
            sl_counts: HashMap::new(),
            next_sl: tokio::time::Instant::now(),
        }
    }

    async fn once(&mut self, shared: &Arc<Shared>, store: &Arc<Mutex<store::Store>>, hub: &Hub) {
        let status = crate::control::collect_status(shared).await;
        let sl_due = tokio::time::Instant::now() >= self.next_sl;
        if sl_due {
            self.next_sl = tokio::time::Instant::now() + SL_EVERY;
        }
        let store = Arc::clone(store);
        let now = Clock::wall_now().0;
        let facts = tokio::task::spawn_blocking(move || {
            let s = store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            store_facts(&s, sl_due, now)
        })
        .await
        .unwrap_or_default();
        if let Some((sl, counts)) = facts.service_levels {
            hub.set_service_levels(sl.clone());
            self.service_levels = sl;
            self.sl_counts = counts;
        }
        let spans = spans(&status);
        let resources = self.resources();
        let mut now_up: Vec<(String, String, Severity)> = Vec::new();
        for s in status["spans"].as_array().into_iter().flatten() {
            let name = s["name"].as_str().unwrap_or("span?").to_owned();
            if s["line"] != "connected" {
                now_up.push(("span.los".into(), name, Severity::Critical));
                continue;
            }
            for a in alarm_names(s) {
                now_up.push((format!("span.{a}"), name.clone(), Severity::Critical));
            }
            if s["dchannel_up"] == false {
                now_up.push(("span.dchannel_down".into(), name, Severity::Critical));
            }
        }
        for t in status["sip"]["trunks"].as_array().into_iter().flatten() {
            let name = t["name"].as_str().unwrap_or("");
            if t["registered"] == false && facts.registering.iter().any(|r| r == name) {
                now_up.push(("trunk.down".into(), name.to_owned(), Severity::Critical));
            }
        }
        now_up.extend(disk_alarm(
            resources.disk_used,
            resources.disk_total,
            &self.data_dir.display().to_string(),
        ));
        now_up.extend(sl_alarms(&self.service_levels, &self.sl_counts));
        let alarms = self.track(now_up, Clock::wall_now().0);
        hub.live().update(|l| {
            l.spans = spans;
            l.resources = resources;
            l.alarms = alarms;
        });
    }

    /// Keeps each alarm's first-raised time (`now`, µs, for a new one); logs raised and
    /// cleared alarms.
    fn track(&mut self, up: Vec<(String, String, Severity)>, now: i64) -> Vec<Alarm> {
        let mut next = HashMap::with_capacity(up.len());
        for (code, subject, sev) in up {
            let key = (code, subject);
            let since = match self.raised.get(&key) {
                Some((_, since)) => *since,
                None => {
                    warn!(code = %key.0, subject = %key.1, severity = ?sev, "alarm raised");
                    now
                }
            };
            next.insert(key, (sev, since));
        }
        for key in self.raised.keys() {
            if !next.contains_key(key) {
                info!(code = %key.0, subject = %key.1, "alarm cleared");
            }
        }
        self.raised = next;
        let mut list: Vec<Alarm> = self
            .raised
            .iter()
            .map(|((code, subject), (severity, since))| Alarm {
                code: code.clone(),
                subject: subject.clone(),
                severity: *severity,
                since_us: *since,
            })
            .collect();
        list.sort_by(|a, b| {
            (a.since_us, &a.code, &a.subject).cmp(&(b.since_us, &b.code, &b.subject))
        });
        list
    }

    fn resources(&mut self) -> SystemResources {
        let mut r = SystemResources::default();
        if let Some((busy, total)) = read_cpu() {
            if let Some((pb, pt)) = self.cpu_prev
                && total > pt
            {
                r.cpu = (busy.saturating_sub(pb)) as f64 / (total - pt) as f64;
            }
            self.cpu_prev = Some((busy, total));
        }
        if let Some((used, total)) = read_mem() {
            r.mem_used = used;
            r.mem_total = total;
        }
        if let Ok(v) = nix::sys::statvfs::statvfs(&self.data_dir) {
            let frag = v.fragment_size();
            let total = v.blocks() * frag;
            let free = v.blocks_free() * frag;
            r.disk_total = total;
            r.disk_used = total.saturating_sub(free);
        }
        r
    }
}

/// The store's part of a tick: the trunks that should register and, when `sl_due`, today's
/// (UTC) service level per queue from the event log. `queue_reports` runs once per distinct
/// (service-level threshold, short-abandon) pair, not once per queue: each run loads all of
/// today's queue events.
fn store_facts(s: &store::Store, sl_due: bool, now: i64) -> StoreFacts {
    let registering = s
        .sip_trunks()
        .map(|t| {
            t.into_iter()
                .filter(|t| t.config.enabled && t.config.register)
                .map(|t| t.config.name)
                .collect()
        })
        .unwrap_or_default();
    let service_levels = if sl_due { service_levels(s, now) } else { None };
    StoreFacts {
        registering,
        service_levels,
    }
}

fn service_levels(s: &store::Store, now: i64) -> Option<ServiceLevels> {
    let day = 86_400_000_000_i64;
    let from = store::Timestamp(now - now.rem_euclid(day));
    let queues = s.queues().ok()?;
    // (threshold, short abandon) → the queues that use it.
    let mut groups: BTreeMap<(u32, u32), Vec<String>> = BTreeMap::new();
    for q in queues {
        groups
            .entry((q.config.service_level_s, q.config.short_abandon_s))
            .or_default()
            .push(q.config.name);
    }
    let mut sl = HashMap::new();
    let mut counts = HashMap::new();
    for ((service_level_s, short_abandon_s), names) in groups {
        let p = store::reports::ReportParams {
            from,
            to: store::Timestamp(now + 1),
            service_level_s,
            short_abandon_s,
        };
        let Ok(reports) = s.queue_reports(&p) else {
            continue;
        };
        for r in reports {
            if !names.contains(&r.queue) {
                continue;
            }
            if let Some(v) = r.service_level() {
                counts.insert(
                    r.queue.clone(),
                    r.answered + r.abandoned - r.short_abandoned,
                );
                sl.insert(r.queue, v);
            }
        }
    }
    Some((sl, counts))
}

/// `disk.full` on `subject` (the data directory) when `used` of `total` bytes is at least
/// [`DISK_WARN`] (a warning) or [`DISK_CRIT`] (critical); nothing for an unknown size.
fn disk_alarm(used: u64, total: u64, subject: &str) -> Option<(String, String, Severity)> {
    if total == 0 {
        return None;
    }
    let share = used as f64 / total as f64;
    if share < DISK_WARN {
        return None;
    }
    let sev = if share >= DISK_CRIT {
        Severity::Critical
    } else {
        Severity::Warning
    };
    Some(("disk.full".into(), subject.to_owned(), sev))
}

/// `queue.sl_breach` for each queue whose service level is below [`SL_TARGET`] with at
/// least [`SL_MIN_CALLS`] calls counted, in queue-name order.
fn sl_alarms(
    levels: &HashMap<String, f64>,
    counts: &HashMap<String, u64>,
) -> Vec<(String, String, Severity)> {
    let mut out: Vec<_> = levels
        .iter()
        .filter(|(q, sl)| **sl < SL_TARGET && counts.get(*q).copied().unwrap_or(0) >= SL_MIN_CALLS)
        .map(|(q, _)| ("queue.sl_breach".to_owned(), q.clone(), Severity::Warning))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// The framer's alarm names of a span snapshot (`alarm_names`, e.g. `RED|LOS`), lower case.
fn alarm_names(s: &Value) -> Vec<String> {
    if s["alarms"].as_u64().unwrap_or(0) == 0 {
        return Vec::new();
    }
    s["alarm_names"]
        .as_str()
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_alphanumeric())
        // RECOVER is the framer counting good frames after an alarm, not an alarm itself.
        .filter(|a| {
            !a.is_empty() && !a.eq_ignore_ascii_case("none") && !a.eq_ignore_ascii_case("recover")
        })
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The wallboard's span rows from the control API's span snapshots.
fn spans(status: &Value) -> Vec<SpanLive> {
    status["spans"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let mut alarms: Vec<String> = alarm_names(s)
                .into_iter()
                .map(|a| a.to_ascii_uppercase())
                .collect();
            if s["line"] != "connected" {
                alarms.push("LOS".into());
            } else if s["dchannel_up"] == false {
                alarms.push("D-CHANNEL DOWN".into());
            }
            let busy = s["channels"]
                .as_array()
                .map_or(0, |c| c.iter().filter(|c| c["state"] == "busy").count());
            SpanLive {
                name: s["name"].as_str().unwrap_or("span?").to_owned(),
                alarms,
                crc_errors: s["counters"]["crc4"].as_u64().unwrap_or(0),
                slips: s["counters"]["slips"].as_u64().unwrap_or(0),
                channels_in_use: u32::try_from(busy).unwrap_or(u32::MAX),
            }
        })
        .collect()
}

/// (busy, total) jiffies from the `cpu` line of `/proc/stat` (idle + iowait are not busy).
fn read_cpu() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    parse_cpu(&text)
}

fn parse_cpu(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 4 {
        return None;
    }
    let total: u64 = v.iter().sum();
    let idle = v[3] + v.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// (used, total) bytes of memory from `/proc/meminfo` (used = total − available).
fn read_mem() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem(&text)
}

fn parse_mem(text: &str) -> Option<(u64, u64)> {
    let kb = |key: &str| -> Option<u64> {
        text.lines()
            .find(|l| l.starts_with(key))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|k| k * 1024)
    };
    let total = kb("MemTotal:")?;
    let avail = kb("MemAvailable:")?;
    Some((total.saturating_sub(avail), total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_parse() {
        let stat = "cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(parse_cpu(stat), Some((155, 1000)));
        assert_eq!(parse_cpu("intr 1 2"), None);
        let mem = "MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    250 kB\n";
        assert_eq!(parse_mem(mem), Some((750 * 1024, 1000 * 1024)));
        assert_eq!(parse_mem("MemTotal: 5 kB\n"), None);
    }

    #[test]
    fn span_rows_and_alarm_names_come_from_the_snapshot() {
        let status = serde_json::json!({"spans": [
            {"name": "span1", "line": "connected", "alarms": 5, "alarm_names": "RED|LOS",
             "dchannel_up": true, "counters": {"crc4": 3, "slips": 2},
             "channels": [{"state": "busy"}, {"state": "idle"}, {"state": "busy"}]},
            {"name": "span2", "line": "waiting for the far end"},
        ]});
        let rows = spans(&status);
        assert_eq!(rows[0].alarms, vec!["RED", "LOS"]);
        assert_eq!(
            (rows[0].crc_errors, rows[0].slips, rows[0].channels_in_use),
            (3, 2, 2)
        );
        assert_eq!(rows[1].alarms, vec!["LOS"]);
        assert_eq!(alarm_names(&status["spans"][0]), vec!["red", "los"]);
    }

    #[test]
    fn an_alarm_keeps_its_first_raised_time_until_cleared() {
        let mut f = Feed::new(PathBuf::from("/data"));
        let up = || {
            vec![
                (
                    "span.los".to_owned(),
                    "span1".to_owned(),
                    Severity::Critical,
                ),
                (
                    "disk.full".to_owned(),
                    "/data".to_owned(),
                    Severity::Warning,
                ),
            ]
        };
        let first = f.track(up(), 1_000);
        assert_eq!(first.len(), 2);
        assert!(first.iter().all(|a| a.since_us == 1_000));
        // Still up a tick later (the disk one now critical): the time it was raised stays.
        let mut again = up();
        again[1].2 = Severity::Critical;
        let second = f.track(again, 2_000);
        assert_eq!(
            second
                .iter()
                .map(|a| (a.code.as_str(), a.since_us, a.severity))
                .collect::<Vec<_>>(),
            [
                ("disk.full", 1_000, Severity::Critical),
                ("span.los", 1_000, Severity::Critical)
            ]
        );
        // The span comes back: its alarm is cleared; raised again later, it is new.
        let third = f.track(up().split_off(1), 3_000);
        assert_eq!(third.len(), 1);
        assert_eq!(
            (third[0].code.as_str(), third[0].since_us),
            ("disk.full", 1_000)
        );
        let fourth = f.track(up(), 4_000);
        let los = fourth.iter().find(|a| a.code == "span.los").unwrap();
        assert_eq!(los.since_us, 4_000);
        assert!(f.track(Vec::new(), 5_000).is_empty());
        assert!(f.raised.is_empty());
    }

    #[test]
    fn disk_full_warns_from_90_percent_and_is_critical_from_97() {
        assert_eq!(disk_alarm(0, 0, "/d"), None, "unknown size");
        assert_eq!(disk_alarm(89, 100, "/d"), None);
        assert_eq!(
            disk_alarm(90, 100, "/d"),
            Some(("disk.full".into(), "/d".into(), Severity::Warning))
        );
        assert_eq!(
            disk_alarm(969, 1000, "/d").map(|a| a.2),
            Some(Severity::Warning)
        );
        assert_eq!(
            disk_alarm(970, 1000, "/d").map(|a| a.2),
            Some(Severity::Critical)
        );
        assert_eq!(
            disk_alarm(100, 100, "/d").map(|a| a.2),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn sl_breach_needs_a_low_level_and_enough_calls() {
        let levels: HashMap<String, f64> = [
            ("sales", 0.5),
            ("support", 0.79),
            ("billing", 0.8),
            ("few", 0.0),
            ("uncounted", 0.1),
        ]
        .into_iter()
        .map(|(q, v)| (q.to_owned(), v))
        .collect();
        let counts: HashMap<String, u64> =
            [("sales", 3), ("support", 10), ("billing", 10), ("few", 2)]
                .into_iter()
                .map(|(q, n)| (q.to_owned(), n))
                .collect();
        let breached: Vec<String> = sl_alarms(&levels, &counts)
            .into_iter()
            .map(|(code, q, sev)| {
                assert_eq!((code.as_str(), sev), ("queue.sl_breach", Severity::Warning));
                q
            })
            .collect();
        assert_eq!(breached, ["sales", "support"]);
    }
}
