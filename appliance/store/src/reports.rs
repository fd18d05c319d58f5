//! Call-center reports computed from the event log (ARCHITECTURE rule 5), with the KPI
//! formulas of the call-center spec, section 3.
//!
//! **Queue figures** are attributed to the interval in which the caller *entered* the queue:
//! a call offered at 09:59:50 and answered at 10:00:10 counts in the 09:00–10:00 interval
//! with its full wait, talk and wrap-up, even when those end after the interval.
//! **Agent figures** are time-clipped: only the part of each state that lies inside the
//! interval counts.
//!
//! What each event must carry (the daemon and ACD write them so):
//! `queue_enter`, `queue_connect`, `queue_abandon`, `queue_exit`: `call_id` and `queue`
//! (`queue_connect` also `agent`); `call_hold`, `call_retrieve`, `call_complete`,
//! `agent_wrapup_end`: `call_id`, `queue` (when the call came from one) and `agent`;
//! agent state events: `agent`.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;

use crate::error::{Invalid, Result, Rule};
use crate::events::{EVENT_COLS, Event, EventKind, row_to_event};
use crate::{Store, Timestamp};

/// Interval and thresholds of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportParams {
    /// Start (inclusive).
    pub from: Timestamp,
    /// End (exclusive).
    pub to: Timestamp,
    /// Service-level threshold T in seconds.
    pub service_level_s: u32,
    /// Short-abandon threshold Ts in seconds.
    pub short_abandon_s: u32,
}

/// Raw counts and sums of one queue over an interval; the KPIs are methods, so any variant
/// can be recomputed from the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueReport {
    /// Queue name.
    pub queue: String,
    /// Calls that entered the queue.
    pub offered: u64,
    /// Answered by an agent.
    pub answered: u64,
    /// Answered with wait ≤ T.
    pub answered_within_sl: u64,
    /// Caller hung up while waiting.
    pub abandoned: u64,
    /// Of those, with wait ≤ Ts.
    pub short_abandoned: u64,
    /// Left unanswered otherwise (timeout, full, closed, key): not abandons.
    pub exited: u64,
    /// Answered calls whose agent part has ended (`call_complete` seen).
    pub handled: u64,
    /// Σ wait of answered calls, µs.
    pub answered_wait_us: i64,
    /// Longest wait of an answered call, µs.
    pub max_answered_wait_us: i64,
    /// Σ talk of handled calls (connect → complete, minus hold), µs.
    pub talk_us: i64,
    /// Σ hold of handled calls, µs.
    pub hold_us: i64,
    /// Σ after-call work of handled calls (complete → wrap-up end), µs.
    pub acw_us: i64,
}

impl QueueReport {
    /// SL(T) = ans(wait ≤ T) / (ans + ab(wait > Ts)). `None` with no such calls.
    #[must_use]
    pub fn service_level(&self) -> Option<f64> {
        let d = self.answered + self.abandoned - self.short_abandoned;
        (d > 0).then(|| self.answered_within_sl as f64 / d as f64)
    }
    /// ASA = Σ wait(answered) / ans, seconds.
    #[must_use]
    pub fn asa_s(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answered_wait_us as f64 / 1e6 / self.answered as f64)
    }
    /// AHT = (Σ talk + Σ hold + Σ acw) / handled, seconds.
    #[must_use]
    pub fn aht_s(&self) -> Option<f64> {
        (self.handled > 0)
            .then(|| (self.talk_us + self.hold_us + self.acw_us) as f64 / 1e6 / self.handled as f64)
    }
    /// Abandonment rate = (ab − ab(≤ Ts)) / (offered − ab(≤ Ts)).
    #[must_use]
    pub fn abandon_rate(&self) -> Option<f64> {
        let d = self.offered - self.short_abandoned;
        (d > 0).then(|| (self.abandoned - self.short_abandoned) as f64 / d as f64)
    }
}

/// One agent over an interval (time-clipped), all durations in µs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentReport {
    /// Agent number.
    pub agent: String,
    /// Calls answered (connect inside the interval).
    pub answered: u64,
    /// Talking.
    pub talk_us: i64,
    /// Call on hold.
    pub hold_us: i64,
    /// After-call work.
    pub acw_us: i64,
    /// Ready and idle (available).
    pub ready_us: i64,
    /// Logged on but not ready (breaks…).
    pub not_ready_us: i64,
}

impl AgentReport {
    /// Occupancy = (talk + hold + acw) / (talk + hold + acw + available idle).
    #[must_use]
    pub fn occupancy(&self) -> Option<f64> {
        let busy = self.talk_us + self.hold_us + self.acw_us;
        let d = busy + self.ready_us;
        (d > 0).then(|| busy as f64 / d as f64)
    }
    /// Utilisation = (talk + hold + acw) / logged-on time.
    #[must_use]
    pub fn utilisation(&self) -> Option<f64> {
        let busy = self.talk_us + self.hold_us + self.acw_us;
        let d = busy + self.ready_us + self.not_ready_us;
        (d > 0).then(|| busy as f64 / d as f64)
    }
}

/// First-contact resolution of one queue (the queue is the contact's topic): an answered
/// contact counts as resolved when the same caller does not contact the same queue again
/// within the window (callcenter.md §3: "no repeat contact from the same customer/topic
/// within N days").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FcrReport {
    /// Queue name.
    pub queue: String,
    /// Contacts answered by an agent (`queue_connect`) inside the interval, from a known
    /// caller number (anonymous callers cannot be followed and are left out).
    pub contacts: u64,
    /// Of those, with no later call from the same number entering the same queue within
    /// the window after the answer.
    pub resolved: u64,
}

impl FcrReport {
    /// FCR = resolved / contacts. `None` with no contacts.
    #[must_use]
    pub fn fcr(&self) -> Option<f64> {
        (self.contacts > 0).then(|| self.resolved as f64 / self.contacts as f64)
    }
}

/// Post-call survey answers (`survey` rows, score 1–5) of one queue and agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsatReport {
    /// Queue name (empty when the surveyed call came from no queue).
    pub queue: String,
    /// Agent number (empty when unknown).
    pub agent: String,
    /// Answers.
    pub responses: u64,
    /// Answers of 4 or 5.
    pub satisfied: u64,
    /// Σ scores.
    pub score_sum: u64,
}

impl CsatReport {
    /// CSAT = answers ≥ 4 / answers (callcenter.md §3). `None` with no answers.
    #[must_use]
    pub fn csat(&self) -> Option<f64> {
        (self.responses > 0).then(|| self.satisfied as f64 / self.responses as f64)
    }
    /// Mean score.
    #[must_use]
    pub fn mean_score(&self) -> Option<f64> {
        (self.responses > 0).then(|| self.score_sum as f64 / self.responses as f64)
    }
}

#[derive(Default)]
struct Visit {
    enter: i64,
    connect: Option<i64>,
    abandon: Option<i64>,
    exit: bool,
    hold_start: Option<i64>,
    hold: i64,
    complete: Option<i64>,
    wrapup_end: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AgentState {
    Off,
    NotReady,
    Ready,
    Talk,
    Hold,
    Acw,
}

fn check_params(p: &ReportParams) -> Result<(), Invalid> {
    if p.to < p.from {
        return Err(Invalid::new("report.to", Rule::EndBeforeStart));
    }
    Ok(())
}

impl Store {
    /// Per-queue figures for calls that entered a queue in `[from, to)`, by queue name.
    ///
    /// # Errors
    /// [`crate::StoreError::Invalid`] for `to < from`, SQLite errors.
    pub fn queue_reports(&self, p: &ReportParams) -> Result<Vec<QueueReport>> {
        check_params(p)?;
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events WHERE call_id IN \
             (SELECT call_id FROM events WHERE kind = 'queue_enter' AND ts >= ?1 AND ts < ?2) \
             ORDER BY ts, id"
        ))?;
        let events: Vec<Event> = s
            .query_map(params![p.from.0, p.to.0], row_to_event)?
            .collect::<rusqlite::Result<_>>()?;
        let mut visits: HashMap<(String, String), Visit> = HashMap::new();
        for e in &events {
            let (Some(call), Some(queue)) = (&e.call_id, &e.queue) else {
                continue;
            };
            let key = (call.clone(), queue.clone());
            let t = e.ts.0;
            if e.kind == EventKind::QueueEnter {
                if (p.from.0..p.to.0).contains(&t) {
                    visits.insert(
                        key,
                        Visit {
                            enter: t,
                            ..Visit::default()
                        },
                    );
                }
                continue;
            }
            let Some(v) = visits.get_mut(&key) else {
                continue;
            };
            match e.kind {
                EventKind::QueueConnect if v.connect.is_none() && v.abandon.is_none() => {
                    v.connect = Some(t)
                }
                EventKind::QueueAbandon if v.connect.is_none() => v.abandon = Some(t),
                EventKind::QueueExit if v.connect.is_none() && v.abandon.is_none() => v.exit = true,
                EventKind::CallHold if v.connect.is_some() && v.complete.is_none() => {
                    v.hold_start.get_or_insert(t);
                }
                EventKind::CallRetrieve => {
                    if let Some(h) = v.hold_start.take() {
                        v.hold += t - h;
                    }
                }
                EventKind::CallComplete if v.connect.is_some() && v.complete.is_none() => {
                    if let Some(h) = v.hold_start.take() {
                        v.hold += t - h;
                    }
                    v.complete = Some(t);
                }
                EventKind::AgentWrapupEnd if v.complete.is_some() => {
                    v.wrapup_end.get_or_insert(t);
                }
                _ => {}
            }
        }
        let sl = i64::from(p.service_level_s) * 1_000_000;
        let short = i64::from(p.short_abandon_s) * 1_000_000;
        let mut out: BTreeMap<String, QueueReport> = BTreeMap::new();
        for ((_, queue), v) in visits {
            let r = out.entry(queue.clone()).or_insert_with(|| QueueReport {
                queue,
                ..QueueReport::default()
            });
            r.offered += 1;
            if let Some(c) = v.connect {
                let wait = c - v.enter;
                r.answered += 1;
                r.answered_wait_us += wait;
                r.max_answered_wait_us = r.max_answered_wait_us.max(wait);
                if wait <= sl {
                    r.answered_within_sl += 1;
                }
                if let Some(done) = v.complete {
                    r.handled += 1;
                    r.hold_us += v.hold;
                    r.talk_us += done - c - v.hold;
                    r.acw_us += v.wrapup_end.map_or(0, |w| w - done);
                }
            } else if let Some(a) = v.abandon {
                r.abandoned += 1;
                if a - v.enter <= short {
                    r.short_abandoned += 1;
                }
            } else if v.exit {
                r.exited += 1;
            }
        }
        Ok(out.into_values().collect())
    }

    /// First-contact resolution per queue for contacts answered in `[from, to)`: a repeat
    /// contact is a later call (another call id) from the same caller number (the
    /// `call_start` row's `caller`) entering the same queue within `window_s` seconds of
    /// the answer. Rows up to `to + window_s` are read, so a contact near the end of the
    /// interval is judged on the whole window.
    ///
    /// # Errors
    /// [`crate::StoreError::Invalid`] for `to < from`, SQLite errors.
    pub fn fcr_reports(&self, p: &ReportParams, window_s: u32) -> Result<Vec<FcrReport>> {
        check_params(p)?;
        let window = i64::from(window_s) * 1_000_000;
        let until = p.to.0.saturating_add(window);
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events WHERE kind IN ('call_start', 'queue_enter', 'queue_connect') \
             AND ts >= ?1 AND ts < ?2 AND call_id IS NOT NULL ORDER BY ts, id"
        ))?;
        let events: Vec<Event> = s
            .query_map(params![p.from.0, until], row_to_event)?
            .collect::<rusqlite::Result<_>>()?;
        // A contact answered before `from` is not ours, but its call_start may be earlier
        // still: callers of connected calls are looked up by call id.
        let mut caller: HashMap<String, String> = HashMap::new();
        for e in events.iter().filter(|e| e.kind == EventKind::CallStart) {
            if let (Some(c), Some(who)) =
                (&e.call_id, e.payload.get("caller").and_then(|v| v.as_str()))
            {
                caller.insert(c.clone(), who.to_owned());
            }
        }
        let mut missing: Vec<String> = events
            .iter()
            .filter_map(|e| e.call_id.clone())
            .filter(|c| !caller.contains_key(c))
            .collect();
        missing.sort();
        missing.dedup();
        let mut q = self.conn.prepare_cached(
            "SELECT json_extract(payload, '$.caller') FROM events WHERE kind = 'call_start' AND call_id = ?1 LIMIT 1",
        )?;
        for c in missing {
            let who: Option<Option<String>> =
                q.query_row([&c], |r| r.get(0))
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })?;
            if let Some(Some(who)) = who {
                caller.insert(c, who);
            }
        }
        let known = |c: &String| {
            caller
                .get(c)
                .filter(|w| !w.is_empty() && w.as_str() != "anonymous")
        };
        // (queue, caller) -> times of queue entries, with their call ids.
        let mut entries: HashMap<(&str, &str), Vec<(i64, &str)>> = HashMap::new();
        for e in events.iter().filter(|e| e.kind == EventKind::QueueEnter) {
            if let (Some(c), Some(qn)) = (&e.call_id, &e.queue)
                && let Some(who) = known(c)
            {
                entries.entry((qn, who)).or_default().push((e.ts.0, c));
            }
        }
        let mut seen: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
        let mut out: BTreeMap<String, FcrReport> = BTreeMap::new();
        for e in events.iter().filter(|e| e.kind == EventKind::QueueConnect) {
            let t = e.ts.0;
            let (Some(c), Some(qn)) = (&e.call_id, &e.queue) else {
                continue;
            };
            if !(p.from.0..p.to.0).contains(&t) || !seen.insert((c, qn)) {
                continue;
            }
            let Some(who) = known(c) else {
                continue;
            };
            let r = out.entry(qn.clone()).or_insert_with(|| FcrReport {
                queue: qn.clone(),
                ..FcrReport::default()
            });
            r.contacts += 1;
            let repeat = entries.get(&(qn.as_str(), who.as_str())).is_some_and(|v| {
                v.iter()
                    .any(|(t2, c2)| *c2 != c.as_str() && *t2 > t && *t2 - t <= window)
            });
            if !repeat {
                r.resolved += 1;
            }
        }
        Ok(out.into_values().collect())
    }

    /// Post-call survey answers in `[from, to)` by queue and agent (`survey` rows whose
    /// payload `score` is 1–5; other scores are not answers and are skipped).
    ///
    /// # Errors
    /// [`crate::StoreError::Invalid`] for `to < from`, SQLite errors.
    pub fn csat_reports(&self, p: &ReportParams) -> Result<Vec<CsatReport>> {
        check_params(p)?;
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events WHERE kind = 'survey' AND ts >= ?1 AND ts < ?2 ORDER BY ts, id"
        ))?;
        let events: Vec<Event> = s
            .query_map(params![p.from.0, p.to.0], row_to_event)?
            .collect::<rusqlite::Result<_>>()?;
        let mut out: BTreeMap<(String, String), CsatReport> = BTreeMap::new();
        for e in events {
            let Some(score) = e
                .payload
                .get("score")
                .and_then(serde_json::Value::as_u64)
                .filter(|s| (1..=5).contains(s))
            else {
                continue;
            };
            let key = (e.queue.unwrap_or_default(), e.agent.unwrap_or_default());
            let r = out.entry(key.clone()).or_insert_with(|| CsatReport {
                queue: key.0,
                agent: key.1,
                ..CsatReport::default()
            });
            r.responses += 1;
            r.score_sum += score;
            if score >= 4 {
                r.satisfied += 1;
            }
        }
        Ok(out.into_values().collect())
    }

    /// Per-agent time in each state inside `[from, to)`, by agent number: agents with events
    /// in the interval and agents logged on across it.
    ///
    /// # Errors
    /// [`crate::StoreError::Invalid`] for `to < from`, SQLite errors.
    pub fn agent_reports(&self, p: &ReportParams) -> Result<Vec<AgentReport>> {
        check_params(p)?;
        let mut agents: Vec<String> = self
            .conn
            .prepare_cached("SELECT DISTINCT agent FROM events WHERE agent IS NOT NULL AND ts >= ?1 AND ts < ?2")?
            .query_map(params![p.from.0, p.to.0], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // SQLite's bare-column rule: `kind` comes from the row holding max(ts).
        let mut s = self.conn.prepare_cached(
            "SELECT agent, kind, max(ts) FROM events WHERE agent IS NOT NULL \
             AND kind IN ('agent_login', 'agent_logout') AND ts < ?1 GROUP BY agent",
        )?;
        let logged: Vec<(String, String)> = s
            .query_map([p.from.0], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (a, kind) in logged {
            if kind == "agent_login" && !agents.contains(&a) {
                agents.push(a);
            }
        }
        agents.sort();
        agents
            .into_iter()
            .map(|a| self.agent_report(&a, p))
            .collect()
    }

    /// One agent's time in each state inside `[from, to)`.
    ///
    /// # Errors
    /// [`crate::StoreError::Invalid`] for `to < from`, SQLite errors.
    pub fn agent_report(&self, agent: &str, p: &ReportParams) -> Result<AgentReport> {
        check_params(p)?;
        // Replay from the last login/logout before the interval: the state at `from` is known.
        let start: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT max(ts) FROM events WHERE agent = ?1 AND kind IN ('agent_login', 'agent_logout') AND ts < ?2",
            )?
            .query_row(params![agent, p.from.0], |r| r.get(0))?;
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM events WHERE agent = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts, id"
        ))?;
        let events: Vec<Event> = s
            .query_map(
                params![agent, start.unwrap_or(p.from.0), p.to.0],
                row_to_event,
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut r = AgentReport {
            agent: agent.to_owned(),
            ..AgentReport::default()
        };
        let mut state = AgentState::Off;
        let mut pending_not_ready = false;
        let mut since = i64::MIN;
        let account = |r: &mut AgentReport, state: AgentState, a: i64, b: i64| {
            let (a, b) = (a.max(p.from.0), b.min(p.to.0));
            if b <= a {
                return;
            }
            let d = b - a;
            match state {
                AgentState::Off => {}
                AgentState::NotReady => r.not_ready_us += d,
                AgentState::Ready => r.ready_us += d,
                AgentState::Talk => r.talk_us += d,
                AgentState::Hold => r.hold_us += d,
                AgentState::Acw => r.acw_us += d,
            }
        };
        for e in &events {
            let t = e.ts.0;
            let busy = matches!(state, AgentState::Talk | AgentState::Hold | AgentState::Acw);
            let next = match e.kind {
                EventKind::AgentLogin => {
                    pending_not_ready = false;
                    AgentState::NotReady
                }
                EventKind::AgentLogout => AgentState::Off,
                EventKind::AgentReady if state != AgentState::Off => {
                    if busy {
                        pending_not_ready = false;
                        state
                    } else {
                        AgentState::Ready
                    }
                }
                EventKind::AgentNotReady if state != AgentState::Off => {
                    if busy {
                        pending_not_ready = true;
                        state
                    } else {
                        AgentState::NotReady
                    }
                }
                EventKind::QueueConnect if state != AgentState::Off => {
                    if (p.from.0..p.to.0).contains(&t) {
                        r.answered += 1;
                    }
                    AgentState::Talk
                }
                EventKind::CallHold if state == AgentState::Talk => AgentState::Hold,
                EventKind::CallRetrieve if state == AgentState::Hold => AgentState::Talk,
                EventKind::CallComplete if matches!(state, AgentState::Talk | AgentState::Hold) => {
                    AgentState::Acw
                }
                EventKind::AgentWrapupEnd if state == AgentState::Acw => {
                    if core::mem::take(&mut pending_not_ready) {
                        AgentState::NotReady
                    } else {
                        AgentState::Ready
                    }
                }
                _ => state,
            };
            if next != state {
                account(&mut r, state, since, t);
                state = next;
                since = t;
            }
        }
        account(&mut r, state, since, p.to.0);
        Ok(r)
    }
}
