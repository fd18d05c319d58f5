//! Recordings: search by date, agent, number, queue and disposition; playback in the
//! browser (the file streamed with HTTP Range, so the player can seek); QA scoring forms,
//! scores and sampling.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::{Deserialize, Serialize};
use store::Timestamp;
use store::desk::QaCriterion;
use store::recordings::RecordingFilter;
use utoipa::ToSchema;

use crate::api::Body;
use crate::desk::Created;
use crate::i18n::Msg;
use crate::{Caller, WebError, WebState};

/// Search query (dates are `YYYY-MM-DD`, UTC days, `to` inclusive).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RecordingQuery {
    /// First day.
    pub from: Option<String>,
    /// Last day (inclusive).
    pub to: Option<String>,
    /// Agent number.
    pub agent: Option<String>,
    /// Part of the customer's number.
    pub number: Option<String>,
    /// Queue name.
    pub queue: Option<String>,
    /// Disposition code.
    pub disposition: Option<String>,
    /// QA sampling: keep this many unscored recordings, picked at random.
    pub sample: Option<u32>,
    /// Seed of the sample (same seed, same sample).
    pub seed: Option<u64>,
}

/// One recording found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordingDto {
    /// Recording id.
    pub id: i64,
    /// Call id.
    pub call_id: String,
    /// Start, µs since the epoch.
    pub started_us: i64,
    /// Length, ms.
    pub duration_ms: i64,
    /// Agent number.
    pub agent: Option<String>,
    /// Queue.
    pub queue: Option<String>,
    /// The customer's number.
    pub number: Option<String>,
    /// Disposition.
    pub disposition: Option<String>,
    /// Customer id.
    pub customer_id: Option<i64>,
    /// Where the browser plays it.
    pub audio_url: String,
}

fn opt(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn day(field: &str, v: Option<String>, plus: i64) -> Result<Option<Timestamp>, WebError> {
    match opt(v) {
        None => Ok(None),
        Some(d) => store::desk::parse_date(&d)
            .map(|days| Some(Timestamp((days + plus) * 86_400_000_000)))
            .ok_or_else(|| WebError::invalid(field, "not a date YYYY-MM-DD")),
    }
}

async fn search(st: &WebState, q: RecordingQuery) -> Result<Vec<RecordingDto>, WebError> {
    let f = RecordingFilter {
        from: day("from", q.from, 0)?,
        to: day("to", q.to, 1)?,
        agent: opt(q.agent),
        queue: opt(q.queue),
        number: opt(q.number),
        disposition: opt(q.disposition),
        limit: 500,
    };
    if let Some(0) | Some(501..) = q.sample {
        return Err(WebError::invalid("sample", "must be between 1 and 500"));
    }
    let (sample, seed) = (q.sample, q.seed.unwrap_or(1));
    let hits = st
        .db(move |s| {
            let hits = s.find_recordings(&f)?;
            let Some(n) = sample else { return Ok(hits) };
            let ranked = s.sample_unscored_recordings(
                f.from.unwrap_or(Timestamp(i64::MIN)),
                f.to.unwrap_or(Timestamp(i64::MAX)),
                f.agent.as_deref(),
                u32::MAX,
                seed,
            )?;
            // The sample: unscored hits (all filters applied), in sampling order.
            let mut by_id: std::collections::HashMap<i64, _> =
                hits.into_iter().map(|h| (h.recording.id, h)).collect();
            let v: Vec<_> = ranked
                .into_iter()
                .filter_map(|id| by_id.remove(&id))
                .take(n as usize)
                .collect();
            Ok(v)
        })
        .await?;
    Ok(hits
        .into_iter()
        .map(|h| RecordingDto {
            id: h.recording.id,
            audio_url: format!("/api/v1/recordings/{}/audio", h.recording.id),
            call_id: h.recording.call_id,
            started_us: h.recording.started.0,
            duration_ms: h.recording.duration_ms,
            agent: h.recording.agent,
            queue: h.recording.queue,
            number: h.number,
            disposition: h.disposition,
            customer_id: h.customer_id,
        })
        .collect())
}

/// Search recordings (newest first, at most 500).
#[utoipa::path(get, path = "/api/v1/recordings", tag = "recordings", params(RecordingQuery),
    responses((status = 200, body = Vec<RecordingDto>), (status = 422, body = WebError)))]
pub async fn api_search(
    State(st): State<WebState>,
    Query(q): Query<RecordingQuery>,
) -> Result<Json<Vec<RecordingDto>>, WebError> {
    Ok(Json(search(&st, q).await?))
}

/// File length, the range served (`Some((1, 0))`: unsatisfiable), the bytes.
type FilePart = (u64, Option<(u64, u64)>, Vec<u8>);

/// Largest part of a file one response carries (the player asks for the rest).
pub const MAX_CHUNK: u64 = 4 << 20;

/// Parses a single `Range: bytes=…` against a file of `len` bytes: `Some((start, end))`
/// inclusive, `None` when unsatisfiable. Multiple ranges are served as the first one.
#[must_use]
pub fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    let spec = h.trim().strip_prefix("bytes=")?.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (len.saturating_sub(n), len.checked_sub(1)?)
    } else {
        let s: u64 = a.parse().ok()?;
        let e = if b.is_empty() {
            len.checked_sub(1)?
        } else {
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?)
        };
        (s, e)
    };
    (start <= end && start < len).then_some((start, end))
}

/// Plays a recording: the file, with `Accept-Ranges: bytes`; a `Range` request gets `206`
/// with at most [`MAX_CHUNK`] bytes, an unsatisfiable one `416`.
#[utoipa::path(get, path = "/api/v1/recordings/{id}/audio", tag = "recordings",
    params(("id" = i64, Path, description = "Recording id")),
    responses((status = 200, description = "audio/wav"), (status = 206, description = "part of the file"),
        (status = 404, body = WebError), (status = 416, description = "range not satisfiable")))]
pub async fn audio(
    State(st): State<WebState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let rec = st
        .db(move |s| s.recording(id))
        .await?
        .ok_or_else(|| WebError::new(StatusCode::NOT_FOUND, format!("no recording {id}")))?;
    let path = std::path::PathBuf::from(&rec.path);
    let ty = if rec.path.ends_with(".wav") {
        "audio/wav"
    } else {
        "application/octet-stream"
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let gone = || WebError::new(StatusCode::NOT_FOUND, "the recording's file is missing");
    let out = tokio::task::spawn_blocking(move || -> std::io::Result<FilePart> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = std::fs::File::open(&path)?;
        let len = f.metadata()?.len();
        let r = match range {
            None => None,
            Some(h) => match parse_range(&h, len) {
                Some((s, e)) => Some((s, e.min(s + MAX_CHUNK - 1))),
                None => return Ok((len, Some((1, 0)), Vec::new())),
            },
        };
        let (s, e) = r.unwrap_or((0, len.saturating_sub(1)));
        f.seek(SeekFrom::Start(s))?;
        let mut buf = Vec::new();
        if len > 0 {
            f.take(e - s + 1).read_to_end(&mut buf)?;
        }
        Ok((len, r, buf))
    })
    .await
    .map_err(|_| WebError::internal())?
    .map_err(|_| gone())?;
    let (len, r, buf) = out;
    let mut resp = match r {
        Some((1, 0)) if buf.is_empty() && len != 0 => {
            let mut x = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                x.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(x);
        }
        Some((s, e)) => {
            let mut x = (StatusCode::PARTIAL_CONTENT, buf).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {s}-{e}/{len}")) {
                x.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            x
        }
        None => (StatusCode::OK, buf).into_response(),
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

// ------------------------------------------------------------------------ QA

/// One criterion of a QA form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionDto {
    /// What is judged.
    pub name: String,
    /// Most points, 1–100.
    pub max: u8,
}

/// A QA form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QaFormDto {
    /// Row id (ignored on create).
    #[serde(default)]
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// 1–30 criteria.
    pub criteria: Vec<CriterionDto>,
}

/// QA forms.
#[utoipa::path(get, path = "/api/v1/qa/forms", tag = "qa", responses((status = 200, body = Vec<QaFormDto>)))]
pub async fn forms(State(st): State<WebState>) -> Result<Json<Vec<QaFormDto>>, WebError> {
    let v = st.db(|s| s.qa_forms()).await?;
    Ok(Json(
        v.into_iter()
            .map(|f| QaFormDto {
                id: f.id,
                name: f.name,
                criteria: f
                    .criteria
                    .into_iter()
                    .map(|c| CriterionDto {
                        name: c.name,
                        max: c.max,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// Create a QA form.
#[utoipa::path(post, path = "/api/v1/qa/forms", tag = "qa", request_body = QaFormDto,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn form_create(
    State(st): State<WebState>,
    Body(d): Body<QaFormDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let crit: Vec<QaCriterion> = d
        .criteria
        .into_iter()
        .map(|c| QaCriterion {
            name: c.name,
            max: c.max,
        })
        .collect();
    let id = st.db(move |s| s.create_qa_form(&d.name, &crit)).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A score to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreDto {
    /// The form.
    pub form_id: i64,
    /// Points per criterion, in the form's order.
    pub points: Vec<u8>,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// A recorded score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreView {
    /// Row id.
    pub id: i64,
    /// The form.
    pub form_id: i64,
    /// Reviewer.
    pub reviewer: String,
    /// Points per criterion.
    pub points: Vec<u8>,
    /// Sum.
    pub total: u32,
    /// Sum of the maxima.
    pub max_total: u32,
    /// Comment.
    pub comment: String,
    /// When, µs since the epoch.
    pub ts_us: i64,
}

/// Score a recording.
#[utoipa::path(post, path = "/api/v1/recordings/{id}/scores", tag = "qa", request_body = ScoreDto,
    params(("id" = i64, Path, description = "Recording id")),
    responses((status = 201, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn score(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<ScoreDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let now = st.now();
    let who = caller
        .session
        .as_ref()
        .map(|s| s.username.clone())
        .ok_or_else(WebError::forbidden)?;
    let sid = st
        .db(move |s| s.score_recording(id, d.form_id, &who, &d.points, &d.comment, now))
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: sid })))
}

/// A recording's scores.
#[utoipa::path(get, path = "/api/v1/recordings/{id}/scores", tag = "qa",
    params(("id" = i64, Path, description = "Recording id")),
    responses((status = 200, body = Vec<ScoreView>)))]
pub async fn scores(
    State(st): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ScoreView>>, WebError> {
    let v = st.db(move |s| s.recording_scores(id)).await?;
    Ok(Json(
        v.into_iter()
            .map(|s| ScoreView {
                id: s.id,
                form_id: s.form_id,
                reviewer: s.reviewer,
                points: s.points,
                total: s.total,
                max_total: s.max_total,
                comment: s.comment,
                ts_us: s.ts.0,
            })
            .collect(),
    ))
}

fn fmt_ts(us: i64) -> String {
    crate::reports::format_ts(Timestamp(us))
}

/// `GET /recordings`: search form, results with a player each, QA scoring.
pub async fn page(
    State(st): State<WebState>,
    caller: Caller,
    Query(q): Query<RecordingQuery>,
) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let shown = q.clone();
    let (hits, error) = match search(&st, q).await {
        Ok(h) => (h, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let forms = st.db(|s| s.qa_forms()).await?;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let body = html! {
        form method="get" action="/recordings" id="rec-search" {
            label { (t(Msg::From)) " " input type="date" name="from" value=(v(&shown.from)); }
            label { (t(Msg::To)) " " input type="date" name="to" value=(v(&shown.to)); }
            label { (t(Msg::Agent)) " " input name="agent" size="6" value=(v(&shown.agent)); }
            label { (t(Msg::Number)) " " input name="number" size="14" value=(v(&shown.number)); }
            label { (t(Msg::Queue)) " " input name="queue" size="10" value=(v(&shown.queue)); }
            label { (t(Msg::Disposition)) " " input name="disposition" size="10" value=(v(&shown.disposition)); }
            label { (t(Msg::QaSample)) " " input type="number" name="sample" min="1" max="500" size="4" value=(shown.sample.map(|n| n.to_string()).unwrap_or_default()); }
            button type="submit" { (t(Msg::Search)) }
        }
        @if let Some(e) = &error { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
        p { (t(Msg::Found)) ": " span id="rec-count" { (hits.len()) } }
        table id="rec-results" {
            thead { tr { th { "#" } th { (t(Msg::Started)) } th { (t(Msg::Agent)) } th { (t(Msg::Queue)) } th { (t(Msg::Number)) } th { (t(Msg::Disposition)) } th { (t(Msg::Play)) } th { (t(Msg::QaScore)) } } }
            tbody {
                @for h in &hits {
                    tr data-recording=(h.id) {
                        td { (h.id) }
                        td { (fmt_ts(h.started_us)) " (" (h.duration_ms / 1000) " s)" }
                        td { (h.agent.clone().unwrap_or_default()) }
                        td { (h.queue.clone().unwrap_or_default()) }
                        td { (h.number.clone().unwrap_or_default()) }
                        td { (h.disposition.clone().unwrap_or_default()) }
                        td { audio controls preload="none" src=(h.audio_url) {} }
                        td {
                            @if forms.is_empty() { (t(Msg::NoQaForms)) }
                            @for f in &forms {
                                form.inline data-api=(format!("/api/v1/recordings/{}/scores", h.id)) data-method="POST" {
                                    input type="hidden" name="form_id" value=(f.id) data-type="number";
                                    (f.name) ": "
                                    input name="points" data-type="list" size="8" placeholder=(f.criteria.iter().map(|c| format!("{}/{}", c.name, c.max)).collect::<Vec<_>>().join(","));
                                    input name="comment" size="10";
                                    button type="submit" { (t(Msg::Save)) }
                                    span data-result {}
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(Msg::QaForms)) }
        ul { @for f in &forms { li { (f.name) ": " (f.criteria.iter().map(|c| format!("{} ({})", c.name, c.max)).collect::<Vec<_>>().join(", ")) } } }
        form id="qa-form-create" data-api="/api/v1/qa/forms" data-method="POST" {
            input name="name" placeholder=(t(Msg::Name)) required;
            input name="criteria" data-type="criteria" size="40" placeholder="Greeting:10, Resolution:20" required;
            button type="submit" { (t(Msg::Create)) }
            span data-result {}
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::Recordings, body).into_string(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 100), Some((0, 99)));
        assert_eq!(parse_range("bytes=10-19", 100), Some((10, 19)));
        assert_eq!(parse_range("bytes=90-200", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=20-10", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
        assert_eq!(parse_range("bytes=-0", 100), None);
        assert_eq!(parse_range("bytes=0-", 0), None);
        assert_eq!(parse_range("bytes=5-9, 20-30", 100), Some((5, 9)));
    }

    #[test]
    fn timestamps() {
        assert_eq!(fmt_ts(0), "1970-01-01 00:00:00");
        assert_eq!(
            fmt_ts(1_795_478_400_000_000 + 3_723_000_000),
            "2026-11-24 01:02:03"
        );
    }
}
