//! Business hours and holidays (a configuration entity: store commands, audited), and the
//! user's own profile (UI language).

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::html;
use serde::{Deserialize, Serialize};
use store::Timestamp;
use store::config::{Command, Language};
use store::desk::{BusinessHoursConfig, Holiday, OpenSpan};
use utoipa::ToSchema;

use crate::api::{Body, Changed};
use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{CSRF_FIELD, Caller, WebError, WebState};

/// One weekly opening span.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenSpanDto {
    /// 0 = Monday … 6 = Sunday.
    pub day: u8,
    /// Opens, minutes after local midnight.
    pub open_min: u16,
    /// Closes, minutes after local midnight.
    pub close_min: u16,
}

/// A holiday (closed all day).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayDto {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Name.
    pub name: String,
}

/// A business-hours calendar.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursDto {
    /// Unique name.
    pub name: String,
    /// Local time = UTC + this many minutes (China: 480).
    pub utc_offset_min: i32,
    /// Weekly opening spans.
    pub weekly: Vec<OpenSpanDto>,
    /// Holidays.
    #[serde(default)]
    pub holidays: Vec<HolidayDto>,
}

/// A stored calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BusinessHoursItem {
    /// Row id.
    pub id: i64,
    /// The calendar.
    #[serde(flatten)]
    pub config: BusinessHoursDto,
    /// Open right now.
    pub open_now: bool,
}

fn to_config(d: BusinessHoursDto) -> BusinessHoursConfig {
    BusinessHoursConfig {
        name: d.name,
        utc_offset_min: d.utc_offset_min,
        weekly: d
            .weekly
            .into_iter()
            .map(|w| OpenSpan {
                day: w.day,
                open_min: w.open_min,
                close_min: w.close_min,
            })
            .collect(),
        holidays: d
            .holidays
            .into_iter()
            .map(|h| Holiday {
                date: h.date,
                name: h.name,
            })
            .collect(),
    }
}

fn to_dto(c: &BusinessHoursConfig) -> BusinessHoursDto {
    BusinessHoursDto {
        name: c.name.clone(),
        utc_offset_min: c.utc_offset_min,
        weekly: c
            .weekly
            .iter()
            .map(|w| OpenSpanDto {
                day: w.day,
                open_min: w.open_min,
                close_min: w.close_min,
            })
            .collect(),
        holidays: c
            .holidays
            .iter()
            .map(|h| HolidayDto {
                date: h.date.clone(),
                name: h.name.clone(),
            })
            .collect(),
    }
}

async fn items(st: &WebState) -> Result<Vec<BusinessHoursItem>, WebError> {
    let now = st.now();
    let v = st.db(|s| s.business_hours()).await?;
    Ok(v.into_iter()
        .map(|b| BusinessHoursItem {
            id: b.id,
            open_now: b.config.is_open(now),
            config: to_dto(&b.config),
        })
        .collect())
}

/// List calendars (with whether each is open now).
#[utoipa::path(get, path = "/api/v1/business-hours", tag = "business-hours",
    responses((status = 200, body = Vec<BusinessHoursItem>)))]
pub async fn list(State(st): State<WebState>) -> Result<Json<Vec<BusinessHoursItem>>, WebError> {
    Ok(Json(items(&st).await?))
}

fn changed(c: &store::Change) -> Changed {
    Changed {
        revision: c.revision,
        id: c.id,
    }
}

/// Create a calendar.
#[utoipa::path(post, path = "/api/v1/business-hours", tag = "business-hours", request_body = BusinessHoursDto,
    responses((status = 201, body = Changed), (status = 422, body = WebError)))]
pub async fn create(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<BusinessHoursDto>,
) -> Result<(StatusCode, Json<Changed>), WebError> {
    let c = run_command(&st, &caller, Command::CreateBusinessHours(to_config(d))).await?;
    Ok((StatusCode::CREATED, Json(changed(&c))))
}

/// Replace a calendar and its holidays.
#[utoipa::path(put, path = "/api/v1/business-hours/{id}", tag = "business-hours", request_body = BusinessHoursDto,
    params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<BusinessHoursDto>,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(
        &st,
        &caller,
        Command::UpdateBusinessHours {
            id,
            config: to_config(d),
        },
    )
    .await?;
    Ok(Json(changed(&c)))
}

/// Delete a calendar.
#[utoipa::path(delete, path = "/api/v1/business-hours/{id}", tag = "business-hours",
    params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 200, body = Changed), (status = 404, body = WebError)))]
pub async fn delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(&st, &caller, Command::DeleteBusinessHours { id }).await?;
    Ok(Json(changed(&c)))
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

/// Parses the form's weekly text: `mon-fri 09:00-18:00, sat 10:00-14:00` (days `mon`…`sun`,
/// a day or a range of days, then one time span; entries separated by `,` or `;`).
///
/// # Errors
/// A 422 naming `weekly` and the entry that is wrong.
pub fn parse_weekly(text: &str) -> Result<Vec<OpenSpan>, WebError> {
    let mut out = Vec::new();
    for entry in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let bad = || {
            WebError::invalid(
                "weekly",
                format!("cannot read `{entry}` (e.g. mon-fri 09:00-18:00)"),
            )
        };
        let (days, span) = entry.split_once(char::is_whitespace).ok_or_else(bad)?;
        let day = |d: &str| DAYS.iter().position(|x| x.eq_ignore_ascii_case(d.trim()));
        let (d0, d1) = match days.split_once('-') {
            Some((a, b)) => (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?),
            None => {
                let d = day(days).ok_or_else(bad)?;
                (d, d)
            }
        };
        let (o, c) = span.trim().split_once('-').ok_or_else(bad)?;
        let (o, c) = (hhmm(o).ok_or_else(bad)?, hhmm(c).ok_or_else(bad)?);
        if d1 < d0 {
            return Err(bad());
        }
        for d in d0..=d1 {
            out.push(OpenSpan {
                day: d as u8,
                open_min: o,
                close_min: c,
            });
        }
    }
    Ok(out)
}

/// Parses the form's holiday lines: `2026-10-01 National Day`.
///
/// # Errors
/// A 422 naming `holidays`.
pub fn parse_holidays(text: &str) -> Result<Vec<Holiday>, WebError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (d, n) = l.split_once(char::is_whitespace).ok_or_else(|| {
                WebError::invalid(
                    "holidays",
                    format!("cannot read `{l}` (e.g. 2026-10-01 National Day)"),
                )
            })?;
            Ok(Holiday {
                date: d.to_owned(),
                name: n.trim().to_owned(),
            })
        })
        .collect()
}

fn fmt_weekly(w: &[OpenSpan]) -> String {
    w.iter()
        .map(|s| {
            format!(
                "{} {:02}:{:02}-{:02}:{:02}",
                DAYS[usize::from(s.day.min(6))],
                s.open_min / 60,
                s.open_min % 60,
                s.close_min / 60,
                s.close_min % 60
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn view(st: &WebState, caller: &Caller, err: Option<WebError>) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let now = st.now();
    let v = st.db(|s| s.business_hours()).await?;
    let csrf = caller
        .session
        .as_ref()
        .map(|s| s.csrf.clone())
        .unwrap_or_default();
    let body = html! {
        @if let Some(e) = &err { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
        table id="hours-list" {
            thead { tr { th { (t(Msg::Name)) } th { "UTC±" } th { (t(Msg::OpeningHours)) } th { (t(Msg::Holidays)) } th { (t(Msg::OpenNow)) } th {} } }
            tbody {
                @for b in &v {
                    tr {
                        td { (b.config.name) }
                        td { (b.config.utc_offset_min) }
                        td { (fmt_weekly(&b.config.weekly)) }
                        td { @for h in &b.config.holidays { (h.date) " " (h.name) br; } }
                        td { (if b.config.is_open(now) { t(Msg::Yes) } else { t(Msg::No) }) }
                        td {
                            form.inline method="post" action=(format!("/admin/business-hours/{}/delete", b.id)) data-confirm=(t(Msg::Delete)) {
                                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                button type="submit" { (t(Msg::Delete)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(Msg::Create)) }
        form method="post" action="/admin/business-hours" id="hours-create" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            label { (t(Msg::Name)) " " input name="name" required; }
            label { "UTC± (min) " input name="utc_offset_min" type="number" value="480"; }
            label { (t(Msg::OpeningHours)) " " input name="weekly" size="40" value="mon-fri 09:00-18:00"; }
            label { (t(Msg::Holidays)) " " textarea name="holidays" rows="3" cols="40" placeholder="2026-10-01 National Day" {} }
            button type="submit" { (t(Msg::Create)) }
        }
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(caller, Msg::BusinessHours, body).into_string(),
    )
        .into_response())
}

/// `GET /admin/business-hours`.
pub async fn page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    view(&st, &caller, None).await
}

/// The create form.
#[derive(Debug, Deserialize)]
pub struct HoursForm {
    name: String,
    utc_offset_min: String,
    weekly: String,
    #[serde(default)]
    holidays: String,
}

/// `POST /admin/business-hours`.
pub async fn page_create(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<HoursForm>,
) -> Result<Response, WebError> {
    let parsed = (|| {
        Ok::<_, WebError>(BusinessHoursConfig {
            name: f.name.trim().to_owned(),
            utc_offset_min: f
                .utc_offset_min
                .trim()
                .parse()
                .map_err(|_| WebError::invalid("utc_offset_min", "not a whole number"))?,
            weekly: parse_weekly(&f.weekly)?,
            holidays: parse_holidays(&f.holidays)?,
        })
    })();
    let r = match parsed {
        Ok(c) => run_command(&st, &caller, Command::CreateBusinessHours(c))
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/business-hours").into_response()),
        Err(e) if e.status().is_client_error() => view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/business-hours/{id}/delete`.
pub async fn page_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match run_command(&st, &caller, Command::DeleteBusinessHours { id }).await {
        Ok(_) => Ok(Redirect::to("/admin/business-hours").into_response()),
        Err(e) if e.status().is_client_error() => view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// Open-now query.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct OpenQuery {
    /// When, µs since the epoch (default: now).
    pub at_us: Option<i64>,
}

/// Whether a calendar is open.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenAnswer {
    /// Calendar id.
    pub id: i64,
    /// Open at the asked time.
    pub open: bool,
}

/// Is the calendar open at a time (default now)?
#[utoipa::path(get, path = "/api/v1/business-hours/{id}/open", tag = "business-hours", params(("id" = i64, Path, description = "Calendar id"), OpenQuery),
    responses((status = 200, body = OpenAnswer), (status = 404, body = WebError)))]
pub async fn open(
    State(st): State<WebState>,
    Path(id): Path<i64>,
    Query(q): Query<OpenQuery>,
) -> Result<Json<OpenAnswer>, WebError> {
    let at = Timestamp(q.at_us.unwrap_or(st.now().0));
    let v = st.db(|s| s.business_hours()).await?;
    let b = v
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| WebError::new(StatusCode::NOT_FOUND, format!("no business hours {id}")))?;
    Ok(Json(OpenAnswer {
        id,
        open: b.config.is_open(at),
    }))
}

// ------------------------------------------------------------------------ profile

/// The profile's language choice.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageDto {
    /// `en` or `zh`.
    pub language: String,
}

async fn set_language(st: &WebState, caller: &Caller, lang: &str) -> Result<Language, WebError> {
    let language = Language::parse(lang)
        .ok_or_else(|| WebError::invalid("user.language", format!("unknown value `{lang}`")))?;
    let (sid, uid) = match (&caller.sid, &caller.session) {
        (Some(sid), Some(s)) => (sid.clone(), s.user_id),
        _ => return Err(WebError::forbidden()),
    };
    run_command(st, caller, Command::SetUserLanguage { id: uid, language }).await?;
    st.sessions().update(&sid, |s| s.language = language);
    Ok(language)
}

/// Choose my UI language (takes effect on the next page).
#[utoipa::path(put, path = "/api/v1/me/language", tag = "session", request_body = LanguageDto,
    responses((status = 204), (status = 422, body = WebError)))]
pub async fn api_language(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<LanguageDto>,
) -> Result<StatusCode, WebError> {
    set_language(&st, &caller, &d.language).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn profile_view(caller: &Caller, err: Option<&WebError>) -> Response {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let csrf = caller
        .session
        .as_ref()
        .map(|s| s.csrf.clone())
        .unwrap_or_default();
    let body = html! {
        @if let Some(e) = err { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
        form method="post" action="/profile" id="profile-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            label { (t(Msg::Language)) " " select name="language" {
                option value="en" selected[l == Language::En] { "English" }
                option value="zh" selected[l == Language::Zh] { "简体中文" }
            } }
            button type="submit" { (t(Msg::Save)) }
        }
        p { a href="/password" { (t(Msg::ChangePassword)) } }
    };
    let status = err.map_or(StatusCode::OK, WebError::status);
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(caller, Msg::Profile, body).into_string(),
    )
        .into_response()
}

/// `GET /profile`.
pub async fn profile(caller: Caller) -> Response {
    profile_view(&caller, None)
}

/// The profile form.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    language: String,
}

/// `POST /profile`.
pub async fn profile_submit(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<ProfileForm>,
) -> Result<Response, WebError> {
    match set_language(&st, &caller, &f.language).await {
        Ok(_) => Ok(Redirect::to("/profile").into_response()),
        Err(e) if e.status().is_client_error() => Ok(profile_view(&caller, Some(&e))),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_text() {
        let w = parse_weekly("mon-fri 09:00-18:00, sat 10:00-14:30").unwrap();
        assert_eq!(w.len(), 6);
        assert_eq!((w[5].day, w[5].open_min, w[5].close_min), (5, 600, 870));
        assert_eq!(fmt_weekly(&w[5..]), "sat 10:00-14:30");
        assert!(parse_weekly("fri-mon 09:00-18:00").is_err());
        assert!(parse_weekly("mon 9-18").is_err());
        assert!(parse_weekly("xyz 09:00-10:00").is_err());
        assert!(parse_weekly("mon 25:00-26:00").is_err());
        assert!(parse_weekly("").unwrap().is_empty());
    }

    #[test]
    fn holiday_lines() {
        let h = parse_holidays("2026-10-01 National Day\n\n2026-10-02 Golden Week").unwrap();
        assert_eq!(h[1].name, "Golden Week");
        assert!(parse_holidays("2026-10-01").is_err());
    }
}
