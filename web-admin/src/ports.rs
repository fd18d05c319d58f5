//! Analog line ports (FXS, FXO) and sound-card channels (`store::lines`): the admin page
//! `/admin/analog-ports` and the REST resource `/api/v1/line-ports`. Every change is one of
//! the store's audited commands (`CreateLinePort`, `UpdateLinePort`, `DeleteLinePort`),
//! checked there (port and extension numbers unique both ways, the trunk group must
//! exist). The daemon opens ports at start: a change takes effect at its next restart.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::html;
use serde::{Deserialize, Serialize};
use store::config::Command;
use store::lines::{CallerIdStandard, LineCountry, LinePortConfig, LinePortKind, StoredLinePort};
use utoipa::ToSchema;

use crate::api::{Body, Changed};
use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{CSRF_FIELD, Caller, WebError, WebState};

/// The kinds, as stored and sent.
pub const KINDS: &[&str] = &["fxs", "fxo", "sound"];
/// The caller-ID standards, as stored and sent.
pub const CALLER_IDS: &[&str] = &["etsi_fsk", "bell_fsk", "dtmf", "none"];
/// The tone plans, as stored and sent.
pub const COUNTRIES: &[&str] = &["cn", "etsi", "na"];

fn default_caller_id() -> String {
    "etsi_fsk".into()
}
fn default_country() -> String {
    "cn".into()
}
const fn default_ring_on() -> u32 {
    1000
}
const fn default_ring_off() -> u32 {
    4000
}

/// One line port.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinePortDto {
    /// Port number 1–255, unique (the switch names it `analog/<port>` or `sound/<port>`).
    pub port: u16,
    /// `fxs` (a phone is plugged in), `fxo` (a line from the exchange), `sound` (ALSA).
    pub kind: String,
    /// `virt:<name>` or `dahdi:<channel>` (FXS/FXO), `alsa:<pcm>` (sound).
    pub device: String,
    /// FXS and sound: the extension number (2–8 digits) that reaches the port.
    #[serde(default)]
    pub extension: Option<String>,
    /// FXO: the number an incoming ring is routed as (DID table).
    #[serde(default)]
    pub route: Option<String>,
    /// FXO: the trunk group (by name) the port joins as its last member.
    #[serde(default)]
    pub trunk_group: Option<String>,
    /// `etsi_fsk`, `bell_fsk`, `dtmf` or `none` (default `etsi_fsk`).
    #[serde(default = "default_caller_id")]
    pub caller_id: String,
    /// Tone plan: `cn`, `etsi` or `na` (default `cn`).
    #[serde(default = "default_country")]
    pub country: String,
    /// Ring on, ms (100–5000, default 1000).
    #[serde(default = "default_ring_on")]
    pub ring_on_ms: u32,
    /// Silence between rings, ms (100–10000, default 4000).
    #[serde(default = "default_ring_off")]
    pub ring_off_ms: u32,
    /// FXO: a call placed on the line is answered at the exchange's polarity reversal
    /// (answer supervision), not when dialling ends (default false; FXS and sound: false).
    #[serde(default)]
    pub answer_on_polarity: bool,
}

/// A stored port.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinePortItem {
    /// Row id.
    pub id: i64,
    /// The port.
    #[serde(flatten)]
    pub config: LinePortDto,
}

fn parse<T>(field: &str, v: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, WebError> {
    f(v).ok_or_else(|| WebError::invalid(field, format!("unknown value `{v}`")))
}

fn blank_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl LinePortDto {
    fn into_config(self) -> Result<LinePortConfig, WebError> {
        Ok(LinePortConfig {
            port: self.port,
            kind: parse("line_port.kind", &self.kind, LinePortKind::parse)?,
            device: self.device.trim().to_owned(),
            extension: blank_none(self.extension),
            route: blank_none(self.route),
            trunk_group: blank_none(self.trunk_group),
            caller_id: parse(
                "line_port.caller_id",
                &self.caller_id,
                CallerIdStandard::parse,
            )?,
            country: parse("line_port.country", &self.country, LineCountry::parse)?,
            ring_on_ms: self.ring_on_ms,
            ring_off_ms: self.ring_off_ms,
            answer_on_polarity: self.answer_on_polarity,
        })
    }

    fn of(c: LinePortConfig) -> Self {
        Self {
            port: c.port,
            kind: c.kind.as_str().into(),
            device: c.device,
            extension: c.extension,
            route: c.route,
            trunk_group: c.trunk_group,
            caller_id: c.caller_id.as_str().into(),
            country: c.country.as_str().into(),
            ring_on_ms: c.ring_on_ms,
            ring_off_ms: c.ring_off_ms,
            answer_on_polarity: c.answer_on_polarity,
        }
    }
}

fn item(p: StoredLinePort) -> LinePortItem {
    LinePortItem {
        id: p.id,
        config: LinePortDto::of(p.config),
    }
}

fn changed(c: &store::Change) -> Changed {
    Changed {
        revision: c.revision,
        id: c.id,
    }
}

/// List the line ports, by port number.
#[utoipa::path(get, path = "/api/v1/line-ports", tag = "telephony",
    responses((status = 200, body = Vec<LinePortItem>), (status = 403, body = WebError)))]
pub async fn list(State(st): State<WebState>) -> Result<Json<Vec<LinePortItem>>, WebError> {
    let v = st.db(|s| s.line_ports()).await?;
    Ok(Json(v.into_iter().map(item).collect()))
}

/// Add a line port (audited; the daemon opens it at its next start).
#[utoipa::path(post, path = "/api/v1/line-ports", tag = "telephony", request_body = LinePortDto,
    params(("x-csrf-token" = String, Header, description = "CSRF token from /api/v1/me")),
    responses((status = 201, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn create(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<LinePortDto>,
) -> Result<(StatusCode, Json<Changed>), WebError> {
    let c = run_command(&st, &caller, Command::CreateLinePort(d.into_config()?)).await?;
    Ok((StatusCode::CREATED, Json(changed(&c))))
}

/// Replace a line port (the create rules, its own numbers excepted).
#[utoipa::path(put, path = "/api/v1/line-ports/{id}", tag = "telephony", request_body = LinePortDto,
    params(("id" = i64, Path, description = "Row id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<LinePortDto>,
) -> Result<Json<Changed>, WebError> {
    let config = d.into_config()?;
    let c = run_command(&st, &caller, Command::UpdateLinePort { id, config }).await?;
    Ok(Json(changed(&c)))
}

/// Delete a line port.
#[utoipa::path(delete, path = "/api/v1/line-ports/{id}", tag = "telephony",
    params(("id" = i64, Path, description = "Row id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 403, body = WebError)))]
pub async fn delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(&st, &caller, Command::DeleteLinePort { id }).await?;
    Ok(Json(changed(&c)))
}

// ------------------------------------------------------------------------- page

/// `?edit=<id>`: the form edits that port.
#[derive(Debug, Deserialize)]
pub struct EditQuery {
    edit: Option<i64>,
}

/// The create / edit form (numbers as text so a bad value names its field).
#[derive(Debug, Deserialize)]
pub struct PortForm {
    port: String,
    kind: String,
    device: String,
    #[serde(default)]
    extension: String,
    #[serde(default)]
    route: String,
    #[serde(default)]
    trunk_group: String,
    caller_id: String,
    country: String,
    ring_on_ms: String,
    ring_off_ms: String,
    /// A checkbox: present (`on`) when ticked.
    #[serde(default)]
    answer_on_polarity: Option<String>,
}

fn num<T: std::str::FromStr>(field: &str, v: &str) -> Result<T, WebError> {
    v.trim()
        .parse()
        .map_err(|_| WebError::invalid(field, "not a whole number in range"))
}

impl PortForm {
    fn into_config(self) -> Result<LinePortConfig, WebError> {
        LinePortDto {
            port: num("line_port.port", &self.port)?,
            kind: self.kind,
            device: self.device,
            extension: Some(self.extension),
            route: Some(self.route),
            trunk_group: Some(self.trunk_group),
            caller_id: self.caller_id,
            country: self.country,
            ring_on_ms: num("line_port.ring_on_ms", &self.ring_on_ms)?,
            ring_off_ms: num("line_port.ring_off_ms", &self.ring_off_ms)?,
            answer_on_polarity: self.answer_on_polarity.is_some(),
        }
        .into_config()
    }
}

fn select(name: &str, options: &[&str], selected: &str) -> maud::Markup {
    html! {
        select name=(name) {
            @for o in options { option value=(o) selected[*o == selected] { (o) } }
        }
    }
}

async fn view(
    st: &WebState,
    caller: &Caller,
    edit: Option<i64>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let (ports, groups) = st.db(|s| Ok((s.line_ports()?, s.trunk_groups()?))).await?;
    let csrf = caller
        .session
        .as_ref()
        .map(|s| s.csrf.clone())
        .unwrap_or_default();
    let editing = edit.and_then(|id| ports.iter().find(|p| p.id == id));
    let f = editing.map_or_else(
        || {
            let n = next_port(&ports);
            LinePortDto::of(LinePortConfig::fxs(n, &format!("virt:fxs{n}.sock"), ""))
        },
        |p| LinePortDto::of(p.config.clone()),
    );
    let action = editing.map_or_else(
        || "/admin/analog-ports".to_owned(),
        |p| format!("/admin/analog-ports/{}", p.id),
    );
    let body = html! {
        @if let Some(e) = &err { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
        p.note { (t(Msg::PortsApplyAtRestart)) }
        table id="ports-list" {
            thead { tr {
                th { (t(Msg::Port)) } th { (t(Msg::Kind)) } th { (t(Msg::Device)) }
                th { (t(Msg::Number)) } th { (t(Msg::TrunkGroup)) } th { (t(Msg::CallerId)) }
                th { (t(Msg::ToneCountry)) } th { (t(Msg::RingCadence)) } th { (t(Msg::AnswerSupervision)) } th {} th {}
            } }
            tbody {
                @for p in &ports {
                    tr {
                        td { (p.config.port) }
                        td { (p.config.kind.as_str()) }
                        td { (p.config.device) }
                        td { (p.config.extension.as_deref().or(p.config.route.as_deref()).unwrap_or("")) }
                        td { (p.config.trunk_group.as_deref().unwrap_or("")) }
                        td { (p.config.caller_id.as_str()) }
                        td { (p.config.country.as_str()) }
                        td { (p.config.ring_on_ms) " / " (p.config.ring_off_ms) " ms" }
                        td { @if p.config.answer_on_polarity { (t(Msg::AnswerOnPolarity)) } }
                        td { a href=(format!("/admin/analog-ports?edit={}", p.id)) { (t(Msg::Edit)) } }
                        td {
                            form.inline method="post" action=(format!("/admin/analog-ports/{}/delete", p.id)) data-confirm=(t(Msg::Delete)) {
                                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                button type="submit" { (t(Msg::Delete)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { @if editing.is_some() { (t(Msg::Edit)) " " (t(Msg::Port)) " " (f.port) } @else { (t(Msg::Create)) } }
        form method="post" action=(action) id="port-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            label { (t(Msg::Port)) " " input name="port" type="number" min="1" max="255" value=(f.port) required; }
            label { (t(Msg::Kind)) " " (select("kind", KINDS, &f.kind)) }
            label { (t(Msg::Device)) " " input name="device" value=(f.device) required; }
            label { (t(Msg::ExtensionFxsSound)) " " input name="extension" value=(f.extension.clone().unwrap_or_default()); }
            label { (t(Msg::RouteFxo)) " " input name="route" value=(f.route.clone().unwrap_or_default()); }
            label { (t(Msg::TrunkGroup)) " " select name="trunk_group" {
                option value="" { "-" }
                @for g in &groups {
                    option value=(g.config.name) selected[f.trunk_group.as_deref() == Some(g.config.name.as_str())] { (g.config.name) }
                }
            } }
            label { (t(Msg::CallerId)) " " (select("caller_id", CALLER_IDS, &f.caller_id)) }
            label { (t(Msg::ToneCountry)) " " (select("country", COUNTRIES, &f.country)) }
            label { (t(Msg::RingOnMs)) " " input name="ring_on_ms" type="number" value=(f.ring_on_ms); }
            label { (t(Msg::RingOffMs)) " " input name="ring_off_ms" type="number" value=(f.ring_off_ms); }
            label { input name="answer_on_polarity" type="checkbox" checked[f.answer_on_polarity]; " " (t(Msg::AnswerOnPolarityFxo)) }
            button type="submit" { @if editing.is_some() { (t(Msg::Save)) } @else { (t(Msg::Create)) } }
        }
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(caller, Msg::AnalogPorts, body).into_string(),
    )
        .into_response())
}

/// The lowest free port number (1 when all of 1–255 are taken: the store refuses it then).
fn next_port(ports: &[StoredLinePort]) -> u16 {
    (1..=255u16)
        .find(|n| ports.iter().all(|p| p.config.port != *n))
        .unwrap_or(1)
}

/// `GET /admin/analog-ports[?edit=<id>]`.
pub async fn page(
    State(st): State<WebState>,
    caller: Caller,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    view(&st, &caller, q.edit, None).await
}

async fn answer(
    st: &WebState,
    caller: &Caller,
    edit: Option<i64>,
    r: Result<(), WebError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(Redirect::to("/admin/analog-ports").into_response()),
        Err(e) if e.status().is_client_error() => view(st, caller, edit, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/analog-ports`: create.
pub async fn page_create(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<PortForm>,
) -> Result<Response, WebError> {
    let r = match f.into_config() {
        Ok(c) => run_command(&st, &caller, Command::CreateLinePort(c))
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    answer(&st, &caller, None, r).await
}

/// `POST /admin/analog-ports/{id}`: save an edit.
pub async fn page_update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<PortForm>,
) -> Result<Response, WebError> {
    let r = match f.into_config() {
        Ok(config) => run_command(&st, &caller, Command::UpdateLinePort { id, config })
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    answer(&st, &caller, Some(id), r).await
}

/// `POST /admin/analog-ports/{id}/delete`.
pub async fn page_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = run_command(&st, &caller, Command::DeleteLinePort { id })
        .await
        .map(drop);
    answer(&st, &caller, None, r).await
}
