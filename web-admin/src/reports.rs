//! Reports page: per-queue and per-agent KPIs from the store's report queries for a chosen
//! range, CSV export, an inline SVG chart rendered on the server, and the Erlang C staffing
//! calculator with what-if.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use serde::{Deserialize, Serialize};
use store::Timestamp;
use store::reports::{AgentReport, QueueReport, ReportParams};
use utoipa::ToSchema;

use crate::erlang::Staffing;
use crate::i18n::Msg;
use crate::{Caller, WebError, WebState};

/// Parses `YYYY-MM-DD` (UTC midnight).
#[must_use]
pub fn parse_date(s: &str) -> Option<Timestamp> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    Some(Timestamp::from_secs(
        date.midnight().assume_utc().unix_timestamp(),
    ))
}

/// `YYYY-MM-DD` of a timestamp (UTC).
#[must_use]
pub fn format_date(t: Timestamp) -> String {
    let d = acd::schedule::Date::from_days(t.0.div_euclid(86_400_000_000));
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// `YYYY-MM-DD HH:MM:SS` UTC.
#[must_use]
pub fn format_ts(t: Timestamp) -> String {
    let s = t.0.div_euclid(1_000_000).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(t),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Range of a report: dates (UTC, `to` inclusive) and thresholds.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (default today).
    pub from: Option<String>,
    /// Last day, inclusive (default `from`).
    pub to: Option<String>,
    /// Service-level threshold T, s (default 20).
    pub sl: Option<u32>,
    /// Short-abandon threshold, s (default 5).
    pub sa: Option<u32>,
}

impl RangeQuery {
    fn params(&self, now: Timestamp) -> Result<ReportParams, WebError> {
        let day = |f: &'static str, v: &Option<String>| -> Result<Option<Timestamp>, WebError> {
            match v.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse_date(s)
                    .map(Some)
                    .ok_or_else(|| WebError::invalid(f, "not a date (YYYY-MM-DD)")),
            }
        };
        let today = Timestamp(now.0 - now.0.rem_euclid(86_400_000_000));
        let from = day("from", &self.from)?.unwrap_or(today);
        let to = day("to", &self.to)?.unwrap_or(from);
        if to < from {
            return Err(WebError::invalid("to", "end before start"));
        }
        Ok(ReportParams {
            from,
            to: Timestamp(to.0 + 86_400_000_000),
            service_level_s: self.sl.unwrap_or(20),
            short_abandon_s: self.sa.unwrap_or(5),
        })
    }
}

/// KPIs of one queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueKpi {
    /// Queue.
    pub queue: String,
    /// Offered.
    pub offered: u64,
    /// Answered.
    pub answered: u64,
    /// Abandoned (all).
    pub abandoned: u64,
    /// Short abandons.
    pub short_abandoned: u64,
    /// SL(T), 0–1.
    pub service_level: Option<f64>,
    /// ASA, s.
    pub asa_s: Option<f64>,
    /// AHT, s.
    pub aht_s: Option<f64>,
    /// Abandon rate, 0–1.
    pub abandon_rate: Option<f64>,
}

impl From<&QueueReport> for QueueKpi {
    fn from(r: &QueueReport) -> Self {
        Self {
            queue: r.queue.clone(),
            offered: r.offered,
            answered: r.answered,
            abandoned: r.abandoned,
            short_abandoned: r.short_abandoned,
            service_level: r.service_level(),
            asa_s: r.asa_s(),
            aht_s: r.aht_s(),
            abandon_rate: r.abandon_rate(),
        }
    }
}

/// KPIs of one agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentKpi {
    /// Agent number.
    pub agent: String,
    /// Calls answered.
    pub answered: u64,
    /// Talk, s.
    pub talk_s: f64,
    /// Hold, s.
    pub hold_s: f64,
    /// After-call work, s.
    pub acw_s: f64,
    /// Occupancy, 0–1.
    pub occupancy: Option<f64>,
}

impl From<&AgentReport> for AgentKpi {
    fn from(r: &AgentReport) -> Self {
        Self {
            agent: r.agent.clone(),
            answered: r.answered,
            talk_s: r.talk_us as f64 / 1e6,
            hold_s: r.hold_us as f64 / 1e6,
            acw_s: r.acw_us as f64 / 1e6,
            occupancy: r.occupancy(),
        }
    }
}

async fn load(
    st: &WebState,
    q: &RangeQuery,
) -> Result<(ReportParams, Vec<QueueKpi>, Vec<AgentKpi>), WebError> {
    let p = q.params(st.now())?;
    let (qs, ags) = st
        .db(move |s| Ok((s.queue_reports(&p)?, s.agent_reports(&p)?)))
        .await?;
    Ok((
        p,
        qs.iter().map(QueueKpi::from).collect(),
        ags.iter().map(AgentKpi::from).collect(),
    ))
}

/// Per-queue KPIs for a range.
#[utoipa::path(get, path = "/api/v1/reports/queues", tag = "reports", params(RangeQuery),
    responses((status = 200, body = Vec<QueueKpi>), (status = 422, body = WebError)))]
pub async fn api_queues(
    State(st): State<WebState>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<Vec<QueueKpi>>, WebError> {
    Ok(Json(load(&st, &q).await?.1))
}

/// Per-agent KPIs for a range.
#[utoipa::path(get, path = "/api/v1/reports/agents", tag = "reports", params(RangeQuery),
    responses((status = 200, body = Vec<AgentKpi>), (status = 422, body = WebError)))]
pub async fn api_agents(
    State(st): State<WebState>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<Vec<AgentKpi>>, WebError> {
    Ok(Json(load(&st, &q).await?.2))
}

/// Erlang C inputs.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ErlangQuery {
    /// Calls per hour.
    pub calls: Option<f64>,
    /// AHT, s.
    pub aht: Option<f64>,
    /// Target SL, %.
    pub target: Option<f64>,
    /// Answer within, s.
    pub t: Option<f64>,
    /// Shrinkage, %.
    pub shrink: Option<f64>,
    /// What-if: this many agents.
    pub agents: Option<u32>,
}

/// Erlang C result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErlangResult {
    /// Agents.
    pub agents: u32,
    /// Erlangs.
    pub erlangs: f64,
    /// Probability of waiting.
    pub prob_wait: f64,
    /// SL(t).
    pub service_level: f64,
    /// ASA, s (null when the queue grows without bound).
    pub asa_s: Option<f64>,
    /// Occupancy.
    pub occupancy: f64,
    /// Scheduled heads with shrinkage.
    pub scheduled: u32,
}

impl From<crate::erlang::Outcome> for ErlangResult {
    fn from(o: crate::erlang::Outcome) -> Self {
        Self {
            agents: o.agents,
            erlangs: o.erlangs,
            prob_wait: o.prob_wait,
            service_level: o.service_level,
            asa_s: o.asa_s.is_finite().then_some(o.asa_s),
            occupancy: o.occupancy,
            scheduled: o.scheduled,
        }
    }
}

impl ErlangQuery {
    fn staffing(&self) -> Result<Staffing, WebError> {
        let check = |f: &'static str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(WebError::invalid(
                    f,
                    format!("must be between {lo} and {hi}"),
                ))
            }
        };
        Ok(Staffing {
            calls_per_hour: check("calls", self.calls.unwrap_or(200.0), 0.0, 100_000.0)?,
            aht_s: check("aht", self.aht.unwrap_or(180.0), 1.0, 36_000.0)?,
            target_sl: check("target", self.target.unwrap_or(80.0), 1.0, 99.9)? / 100.0,
            target_t_s: check("t", self.t.unwrap_or(20.0), 0.0, 3600.0)?,
            shrinkage: check("shrink", self.shrink.unwrap_or(30.0), 0.0, 90.0)? / 100.0,
        })
    }
}

/// Erlang C: agents needed for the target, or the figures with `agents` (what-if).
#[utoipa::path(get, path = "/api/v1/erlang", tag = "reports", params(ErlangQuery),
    responses((status = 200, body = ErlangResult), (status = 422, body = WebError)))]
pub async fn api_erlang(Query(q): Query<ErlangQuery>) -> Result<Json<ErlangResult>, WebError> {
    let s = q.staffing()?;
    let o = match q.agents {
        Some(n) if n <= 10_000 => s.with_agents(n),
        Some(_) => return Err(WebError::invalid("agents", "must be between 0 and 10000")),
        None => s
            .required()
            .ok_or_else(|| WebError::invalid("calls", "needs more than 10000 agents"))?,
    };
    Ok(Json(o.into()))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1} %", v * 100.0))
}
fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

/// Bar chart of answered and abandoned calls per queue, as inline SVG.
#[must_use]
pub fn chart(queues: &[QueueKpi], title: &str) -> Markup {
    let max = queues
        .iter()
        .map(|q| q.answered.max(q.abandoned))
        .max()
        .unwrap_or(0)
        .max(1);
    let (bar, gap, h) = (18u64, 14u64, 160u64);
    let w = 40 + queues.len() as u64 * (2 * bar + gap) + 10;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" width=(w) height=(h + 40) role="img" aria-label=(title) {
            title { (title) }
            line x1="30" y1=(h) x2=(w) y2=(h) stroke="#888" {}
            @for (i, q) in queues.iter().enumerate() {
                @let x = 40 + i as u64 * (2 * bar + gap);
                @let ha = q.answered * h / max;
                @let hb = q.abandoned * h / max;
                rect x=(x) y=(h - ha) width=(bar) height=(ha) fill="#2a9d8f" { title { (q.answered) } }
                rect x=(x + bar) y=(h - hb) width=(bar) height=(hb) fill="#e76f51" { title { (q.abandoned) } }
                text x=(x) y=(h + 15) font-size="11" { (q.queue) }
            }
            text x="0" y="12" font-size="11" { (max) }
        }
    }
}

/// `GET /reports`: KPIs for the range, chart, CSV link, Erlang C with what-if.
pub async fn page(
    State(st): State<WebState>,
    caller: Caller,
    Query(q): Query<RangeQuery>,
    Query(e): Query<ErlangQuery>,
) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let (err, p, queues, agents) = match load(&st, &q).await {
        Ok((p, qs, ags)) => (None, Some(p), qs, ags),
        Err(e) if e.status().is_client_error() => (Some(e), None, Vec::new(), Vec::new()),
        Err(e) => return Err(e),
    };
    let (from, to) = p.map_or_else(
        || (String::new(), String::new()),
        |p| (format_date(p.from), format_date(Timestamp(p.to.0 - 1))),
    );
    let staffing = e.staffing();
    let base = staffing.as_ref().ok().and_then(Staffing::required);
    let whatif: Vec<ErlangResult> = match (&staffing, base) {
        (Ok(s), Some(b)) => {
            let centre = e.agents.unwrap_or(b.agents).min(10_000);
            (centre.saturating_sub(2)..=centre + 2)
                .map(|n| s.with_agents(n).into())
                .collect()
        }
        _ => Vec::new(),
    };
    let csv = format!("/reports/csv?from={from}&to={to}");
    let body = html! {
        @if let Some(e) = &err { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
        form method="get" action="/reports" {
            label { (t(Msg::From)) " " input type="date" name="from" value=(from); }
            label { (t(Msg::To)) " " input type="date" name="to" value=(to); }
            button type="submit" { (t(Msg::Show)) }
            " " a href=(csv) { (t(Msg::ExportCsv)) }
        }
        h2 { (t(Msg::Queues)) }
        table id="queue-kpis" {
            tr { th { (t(Msg::Queue)) } th { (t(Msg::Offered)) } th { (t(Msg::Answered)) } th { (t(Msg::Abandoned)) }
                 th { (t(Msg::ServiceLevel)) } th { (t(Msg::Asa)) } th { (t(Msg::Aht)) } th { (t(Msg::AbandonRate)) } }
            @for k in &queues {
                tr { td { (k.queue) } td { (k.offered) } td { (k.answered) } td { (k.abandoned) }
                     td { (pct(k.service_level)) } td { (secs(k.asa_s)) } td { (secs(k.aht_s)) } td { (pct(k.abandon_rate)) } }
            }
        }
        div.card { h3 { (t(Msg::Chart)) } (chart(&queues, t(Msg::Chart))) }
        h2 { (t(Msg::Agents)) }
        table id="agent-kpis" {
            tr { th { (t(Msg::Agent)) } th { (t(Msg::Answered)) } th { (t(Msg::Occupancy)) } }
            @for k in &agents { tr { td { (k.agent) } td { (k.answered) } td { (pct(k.occupancy)) } } }
        }
        h2 { (t(Msg::ErlangC)) }
        form method="get" action="/reports" id="erlang" {
            input type="hidden" name="from" value=(from);
            input type="hidden" name="to" value=(to);
            label { (t(Msg::CallsPerHour)) " " input name="calls" type="number" step="any" value=(e.calls.unwrap_or(200.0)); }
            label { (t(Msg::AhtSeconds)) " " input name="aht" type="number" step="any" value=(e.aht.unwrap_or(180.0)); }
            label { (t(Msg::TargetSl)) " " input name="target" type="number" step="any" value=(e.target.unwrap_or(80.0)); }
            label { (t(Msg::TargetT)) " " input name="t" type="number" step="any" value=(e.t.unwrap_or(20.0)); }
            label { (t(Msg::Shrinkage)) " " input name="shrink" type="number" step="any" value=(e.shrink.unwrap_or(30.0)); }
            label { (t(Msg::AgentsNeeded)) " (what-if) " input name="agents" type="number" value=[e.agents]; }
            button type="submit" { (t(Msg::Calculate)) }
        }
        @if let Err(er) = &staffing { p.error { (er.error) } }
        @if let Some(b) = base { p id="erlang-required" { (t(Msg::AgentsNeeded)) ": " strong { (b.agents) } " · " (t(Msg::ScheduledHeads)) ": " (b.scheduled) } }
        table id="erlang-whatif" {
            tr { th { (t(Msg::Agents)) } th { (t(Msg::ProbWait)) } th { (t(Msg::ServiceLevel)) } th { (t(Msg::Asa)) } th { (t(Msg::Occupancy)) } th { (t(Msg::ScheduledHeads)) } }
            @for r in &whatif {
                tr { td { (r.agents) } td { (pct(Some(r.prob_wait))) } td { (pct(Some(r.service_level))) } td { (secs(r.asa_s)) } td { (pct(Some(r.occupancy))) } td { (r.scheduled) } }
            }
        }
        (PreEscaped(""))
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::Reports, body).into_string(),
    )
        .into_response())
}

fn csv_field(s: &str) -> String {
    // Quote always; double quotes inside; neutralise spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `GET /reports/csv`: the queue KPIs of the range as CSV.
pub async fn csv(
    State(st): State<WebState>,
    Query(q): Query<RangeQuery>,
) -> Result<Response, WebError> {
    let (p, queues, _) = load(&st, &q).await?;
    let mut out = String::from(
        "queue,offered,answered,abandoned,short_abandoned,service_level,asa_s,aht_s,abandon_rate\r\n",
    );
    let f = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.4}"));
    for k in &queues {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(&k.queue),
            k.offered,
            k.answered,
            k.abandoned,
            k.short_abandoned,
            f(k.service_level),
            f(k.asa_s),
            f(k.aht_s),
            f(k.abandon_rate)
        ));
    }
    let name = format!(
        "attachment; filename=\"queues-{}-{}.csv\"",
        format_date(p.from),
        format_date(Timestamp(p.to.0 - 1))
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(Timestamp(0)));
        assert_eq!(
            parse_date("2026-11-24"),
            Some(Timestamp::from_secs(1_795_478_400))
        );
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("x"), None);
        for d in [0, 59, 60, 365, 10_957, 20_416, 2_932_896] {
            let t = Timestamp::from_secs(d * 86_400);
            assert_eq!(parse_date(&format_date(t)), Some(t));
        }
        assert_eq!(
            format_ts(Timestamp::from_secs(1_795_478_400 + 3723)),
            "2026-11-24 01:02:03"
        );
    }

    #[test]
    fn csv_quotes_and_defuses() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=1+1"), "\"'=1+1\"");
    }
}
