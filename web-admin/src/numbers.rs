//! Numbers and DIDs (`/admin/numbers`, `GET /api/v1/numbers`, `/api/v1/did-rules`,
//! admins): which called numbers a call from outside (E1/PRI, FXO lines, SIP trunks,
//! unauthenticated SIP) reaches, and the DID rules that decide the rest.
//!
//! The daemon builds its DID table from the store (`appliance/daemon/src/routing.rs`, see
//! docs/dialplan.md) in this order: every extension number, every FXS/sound port's
//! extension, every queue number (literals, edited on their own pages); then the store's
//! **DID rules** by priority (pattern, strip, prepend, and a target: an extension, a queue,
//! an IVR flow, the dialled extension, or a rejection with a Q.850 cause); then `8000` → IVR
//! flow `main` when nothing before matches it. The first match wins. This page lists that
//! table, creates, edits and deletes DID rules (the store's audited `CreateDidRule`,
//! `UpdateDidRule`, `DeleteDidRule`; the daemon applies them within seconds), and lists
//! what each FXO port's incoming ring is routed as, flagging a route that reaches nothing.
//!
//! **What it is not:** a DID rule cannot send a call to a trunk group (toll-fraud rule 1:
//! calls from outside never go back out); the API refuses `trunk_group` with a 422 naming
//! `did_rule.target.kind`, and the store has no such target at all.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::html;
use serde::{Deserialize, Serialize};
use store::Store;
use store::config::{Command, DidRuleConfig, DidTarget, ExtensionKind, Stored, pattern_matches};
use store::lines::LinePortKind;
use utoipa::ToSchema;

use crate::api::{Body, Changed};
use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{CSRF_FIELD, Caller, WebError, WebState};

/// The IVR number the daemon adds when nothing else uses it (docs/daemon.md).
pub const IVR_NUMBER: &str = "8000";

/// One number reachable from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DidEntry {
    /// The called number, as the carrier sends it.
    pub number: String,
    /// What it reaches: `extension`, `echo_test`, `test_tone`, `analog_port`, `sound_port`,
    /// `queue`, `ivr`, or `did_rule` (then `number` is the rule's pattern).
    pub kind: String,
    /// The target's name (extension name, `analog/<port>`, queue name, IVR flow), or for a
    /// DID rule what it does (`dialed_extension`, `extension 1002`, `queue sales`,
    /// `ivr main`, `reject 21`, after `strip N`/`prepend D` when it rewrites).
    pub target: String,
    /// The DID rule's id (`kind` = `did_rule`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<i64>,
}

/// What an FXO port's incoming ring is routed as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FxoRoute {
    /// Port number.
    pub port: u16,
    /// The number the ring is routed as.
    pub route: String,
    /// Whether that number is in the DID table (`false`: such calls are refused).
    pub reachable: bool,
}

/// The DID table and the FXO routes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Numbers {
    /// Numbers reachable from outside, in the daemon's order.
    pub dids: Vec<DidEntry>,
    /// FXO ports and the number each incoming ring is routed as.
    pub fxo_routes: Vec<FxoRoute>,
}

fn entry(number: &str, kind: &str, target: &str) -> DidEntry {
    DidEntry {
        number: number.into(),
        kind: kind.into(),
        target: target.into(),
        rule: None,
    }
}

/// What a DID rule does, in words of the API (`strip 3 dialed_extension`).
fn describe(s: &Store, c: &DidRuleConfig) -> Result<String, store::StoreError> {
    let mut out = String::new();
    if c.strip > 0 {
        out.push_str(&format!("strip {} ", c.strip));
    }
    if !c.prepend.is_empty() {
        out.push_str(&format!("prepend {} ", c.prepend));
    }
    let target = match &c.target {
        DidTarget::Extension(id) => {
            let e = s.extensions()?.into_iter().find(|e| e.id == *id);
            format!(
                "extension {}",
                e.map(|e| e.config.number).unwrap_or_default()
            )
        }
        DidTarget::Queue(id) => {
            let q = s.queues()?.into_iter().find(|q| q.id == *id);
            format!("queue {}", q.map(|q| q.config.name).unwrap_or_default())
        }
        DidTarget::Ivr(n) => format!("ivr {n}"),
        DidTarget::DialedExtension => "dialed_extension".into(),
        DidTarget::Reject(c) => format!("reject {c}"),
    };
    out.push_str(&target);
    Ok(out)
}

/// The DID table as the daemon builds it from `s`.
///
/// # Errors
/// Store errors.
pub fn numbers(s: &Store) -> Result<Numbers, store::StoreError> {
    let mut dids = Vec::new();
    for e in s.extensions()? {
        let kind = match e.config.kind {
            ExtensionKind::EchoTest => "echo_test",
            ExtensionKind::TestTone => "test_tone",
            _ => "extension",
        };
        dids.push(entry(&e.config.number, kind, &e.config.name));
    }
    let ports = s.line_ports()?;
    for p in ports.iter().filter(|p| p.config.kind != LinePortKind::Fxo) {
        if let Some(n) = &p.config.extension {
            let (kind, prefix) = if p.config.kind == LinePortKind::Sound {
                ("sound_port", "sound")
            } else {
                ("analog_port", "analog")
            };
            dids.push(entry(n, kind, &format!("{prefix}/{}", p.config.port)));
        }
    }
    for q in s.queues()? {
        if let Some(n) = &q.config.number {
            dids.push(entry(n, "queue", &q.config.name));
        }
    }
    let rules = s.did_rules()?;
    for r in &rules {
        dids.push(DidEntry {
            number: r.config.pattern.clone(),
            kind: "did_rule".into(),
            target: describe(s, &r.config)?,
            rule: Some(r.id),
        });
    }
    if dids.iter().all(|d| !pattern_matches(&d.number, IVR_NUMBER)) {
        dids.push(entry(IVR_NUMBER, "ivr", "main"));
    }
    let fxo_routes = ports
        .iter()
        .filter(|p| p.config.kind == LinePortKind::Fxo)
        .filter_map(|p| {
            let route = p.config.route.clone()?;
            // The first entry matching it decides; a rejecting DID rule reaches nothing.
            let first = dids.iter().find(|d| pattern_matches(&d.number, &route));
            let reachable = first.is_some_and(|d| {
                d.rule.is_none_or(|id| {
                    rules
                        .iter()
                        .find(|r| r.id == id)
                        .is_some_and(|r| !matches!(r.config.target, DidTarget::Reject(_)))
                })
            });
            Some(FxoRoute {
                port: p.config.port,
                reachable,
                route,
            })
        })
        .collect();
    Ok(Numbers { dids, fxo_routes })
}

/// The numbers a call from outside reaches, in the daemon's order: extension, port and
/// queue numbers, the DID rules, then 8000 when free.
#[utoipa::path(get, path = "/api/v1/numbers", tag = "telephony",
    responses((status = 200, body = Numbers), (status = 403, body = WebError)))]
pub async fn api(State(st): State<WebState>) -> Result<Json<Numbers>, WebError> {
    Ok(Json(st.db(|s| numbers(s)).await?))
}

// ------------------------------------------------------------------------- DID rules

/// Where a DID rule sends a call: `kind` is `extension` or `queue` (with `id`), `ivr` (with
/// `name`), `dialed_extension` (the extension the rewritten number names), or `reject`
/// (with `cause`, Q.850 1–127). `trunk_group` is refused: calls from outside never go back
/// out (toll-fraud rule 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DidTargetDto {
    /// Kind.
    pub kind: String,
    /// Extension or queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// IVR flow name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Q.850 cause of a rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<u8>,
}

/// A DID rule: called numbers from outside matching `pattern`, rewritten, to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DidRuleDto {
    /// Lower runs first (0–1 000 000).
    pub priority: i32,
    /// Pattern as for dial rules (`5551XXX`; digits, `X`, `Z`, `N`, `[1-5]`, final `.`
    /// or `!`); a literal may not be an extension, port or queue number.
    pub pattern: String,
    /// Digits removed from the front (0–32).
    #[serde(default)]
    pub strip: u8,
    /// Digits added in front after stripping.
    #[serde(default)]
    pub prepend: String,
    /// Target.
    pub target: DidTargetDto,
}

/// A stored DID rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DidRuleItem {
    /// Row id.
    pub id: i64,
    /// The rule.
    #[serde(flatten)]
    pub config: DidRuleDto,
}

impl DidRuleDto {
    fn into_config(self) -> Result<DidRuleConfig, WebError> {
        let t = self.target;
        let need_id = || {
            t.id.ok_or_else(|| WebError::invalid("did_rule.target.id", "required for this kind"))
        };
        let target = match t.kind.as_str() {
            "extension" => DidTarget::Extension(need_id()?),
            "queue" => DidTarget::Queue(need_id()?),
            "ivr" => DidTarget::Ivr(t.name.clone().ok_or_else(|| {
                WebError::invalid("did_rule.target.name", "required for kind ivr")
            })?),
            "dialed_extension" => DidTarget::DialedExtension,
            "reject" => DidTarget::Reject(t.cause.ok_or_else(|| {
                WebError::invalid("did_rule.target.cause", "required for kind reject")
            })?),
            "trunk_group" => {
                return Err(WebError::invalid(
                    "did_rule.target.kind",
                    "a DID rule cannot send calls to a trunk group: calls from outside never go back out (toll-fraud rule 1)",
                ));
            }
            other => {
                return Err(WebError::invalid(
                    "did_rule.target.kind",
                    format!("unknown value `{other}`"),
                ));
            }
        };
        Ok(DidRuleConfig {
            priority: self.priority,
            pattern: self.pattern.trim().to_owned(),
            strip: self.strip,
            prepend: self.prepend.trim().to_owned(),
            target,
        })
    }

    fn of(c: DidRuleConfig) -> Self {
        let (kind, id, name, cause) = match c.target {
            DidTarget::Extension(i) => ("extension", Some(i), None, None),
            DidTarget::Queue(i) => ("queue", Some(i), None, None),
            DidTarget::Ivr(n) => ("ivr", None, Some(n), None),
            DidTarget::DialedExtension => ("dialed_extension", None, None, None),
            DidTarget::Reject(c) => ("reject", None, None, Some(c)),
        };
        Self {
            priority: c.priority,
            pattern: c.pattern,
            strip: c.strip,
            prepend: c.prepend,
            target: DidTargetDto {
                kind: kind.into(),
                id,
                name,
                cause,
            },
        }
    }
}

fn item(r: Stored<DidRuleConfig>) -> DidRuleItem {
    DidRuleItem {
        id: r.id,
        config: DidRuleDto::of(r.config),
    }
}

fn changed(c: &store::Change) -> Changed {
    Changed {
        revision: c.revision,
        id: c.id,
    }
}

/// List the DID rules in match order (priority, then id).
#[utoipa::path(get, path = "/api/v1/did-rules", tag = "telephony",
    responses((status = 200, body = Vec<DidRuleItem>), (status = 403, body = WebError)))]
pub async fn list(State(st): State<WebState>) -> Result<Json<Vec<DidRuleItem>>, WebError> {
    let v = st.db(|s| s.did_rules()).await?;
    Ok(Json(v.into_iter().map(item).collect()))
}

/// Add a DID rule (audited; the daemon applies it within seconds).
#[utoipa::path(post, path = "/api/v1/did-rules", tag = "telephony", request_body = DidRuleDto,
    params(("x-csrf-token" = String, Header, description = "CSRF token from /api/v1/me")),
    responses((status = 201, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn create(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<DidRuleDto>,
) -> Result<(StatusCode, Json<Changed>), WebError> {
    let c = run_command(&st, &caller, Command::CreateDidRule(d.into_config()?)).await?;
    Ok((StatusCode::CREATED, Json(changed(&c))))
}

/// Replace a DID rule.
#[utoipa::path(put, path = "/api/v1/did-rules/{id}", tag = "telephony", request_body = DidRuleDto,
    params(("id" = i64, Path, description = "Row id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<DidRuleDto>,
) -> Result<Json<Changed>, WebError> {
    let config = d.into_config()?;
    let c = run_command(&st, &caller, Command::UpdateDidRule { id, config }).await?;
    Ok(Json(changed(&c)))
}

/// Delete a DID rule.
#[utoipa::path(delete, path = "/api/v1/did-rules/{id}", tag = "telephony",
    params(("id" = i64, Path, description = "Row id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 403, body = WebError)))]
pub async fn delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(&st, &caller, Command::DeleteDidRule { id }).await?;
    Ok(Json(changed(&c)))
}

// ------------------------------------------------------------------------- page

/// `?edit=<id>`: the form edits that DID rule.
#[derive(Debug, Deserialize)]
pub struct EditQuery {
    edit: Option<i64>,
}

/// The target kinds the form offers.
const FORM_KINDS: &[&str] = &["dialed_extension", "extension", "queue", "ivr", "reject"];

/// The create / edit form. Numbers as text so a bad value names its field; the target is
/// given as people know it: an extension number, a queue name, an IVR flow name or a cause.
#[derive(Debug, Deserialize)]
pub struct DidRuleForm {
    priority: String,
    pattern: String,
    #[serde(default)]
    strip: String,
    #[serde(default)]
    prepend: String,
    target_kind: String,
    #[serde(default)]
    target: String,
}

fn num<T: std::str::FromStr + Default>(field: &str, v: &str) -> Result<T, WebError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(T::default());
    }
    v.parse()
        .map_err(|_| WebError::invalid(field, "not a whole number in range"))
}

impl DidRuleForm {
    fn into_config(self, s: &Store) -> Result<DidRuleConfig, WebError> {
        let what = self.target.trim();
        let unknown =
            || WebError::invalid("did_rule.target", "refers to a row that does not exist");
        let target = match self.target_kind.as_str() {
            "extension" => DidTargetDto {
                kind: "extension".into(),
                id: Some(s.extension_by_number(what)?.ok_or_else(unknown)?.id),
                name: None,
                cause: None,
            },
            "queue" => DidTargetDto {
                kind: "queue".into(),
                id: Some(
                    s.queues()?
                        .into_iter()
                        .find(|q| q.config.name == what)
                        .ok_or_else(unknown)?
                        .id,
                ),
                name: None,
                cause: None,
            },
            "ivr" => DidTargetDto {
                kind: "ivr".into(),
                id: None,
                name: Some(what.to_owned()),
                cause: None,
            },
            "reject" => DidTargetDto {
                kind: "reject".into(),
                id: None,
                name: None,
                cause: Some(num("did_rule.target.cause", what)?),
            },
            other => DidTargetDto {
                kind: other.to_owned(),
                id: None,
                name: None,
                cause: None,
            },
        };
        DidRuleDto {
            priority: num("did_rule.priority", &self.priority)?,
            pattern: self.pattern,
            strip: num("did_rule.strip", &self.strip)?,
            prepend: self.prepend,
            target,
        }
        .into_config()
    }
}

/// What the form shows in its target field for a stored target.
fn form_target(s: &Store, t: &DidTarget) -> Result<String, store::StoreError> {
    Ok(match t {
        DidTarget::Extension(id) => s
            .extensions()?
            .into_iter()
            .find(|e| e.id == *id)
            .map(|e| e.config.number)
            .unwrap_or_default(),
        DidTarget::Queue(id) => s
            .queues()?
            .into_iter()
            .find(|q| q.id == *id)
            .map(|q| q.config.name)
            .unwrap_or_default(),
        DidTarget::Ivr(n) => n.clone(),
        DidTarget::Reject(c) => c.to_string(),
        DidTarget::DialedExtension => String::new(),
    })
}

fn target_kind(t: &DidTarget) -> &'static str {
    match t {
        DidTarget::Extension(_) => "extension",
        DidTarget::Queue(_) => "queue",
        DidTarget::Ivr(_) => "ivr",
        DidTarget::Reject(_) => "reject",
        DidTarget::DialedExtension => "dialed_extension",
    }
}

async fn view(
    st: &WebState,
    caller: &Caller,
    edit: Option<i64>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let t = |m: Msg| m.text(caller.lang());
    let (n, rules, edited) = st
        .db(move |s| {
            let rules = s.did_rules()?;
            let edited = match rules.iter().find(|r| Some(r.id) == edit) {
                Some(r) => Some((r.clone(), form_target(s, &r.config.target)?)),
                None => None,
            };
            Ok((numbers(s)?, rules, edited))
        })
        .await?;
    let csrf = caller
        .session
        .as_ref()
        .map(|s| s.csrf.clone())
        .unwrap_or_default();
    let (action, f, f_target) = match &edited {
        Some((r, target)) => (
            format!("/admin/numbers/{}", r.id),
            r.config.clone(),
            target.clone(),
        ),
        None => (
            "/admin/numbers".to_owned(),
            DidRuleConfig {
                priority: 100,
                pattern: String::new(),
                strip: 0,
                prepend: String::new(),
                target: DidTarget::DialedExtension,
            },
            String::new(),
        ),
    };
    let kind_label = |k: &str| match k {
        "dialed_extension" => t(Msg::DialledExtension),
        "extension" => t(Msg::Extension),
        "queue" => t(Msg::Queue),
        "ivr" => t(Msg::IvrFlow),
        _ => t(Msg::RejectCause),
    };
    let body = html! {
        @if let Some(e) = &err { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
        p.note { (t(Msg::NumbersExplained)) }
        table id="numbers-list" {
            thead { tr { th { (t(Msg::Number)) } th { (t(Msg::Kind)) } th { (t(Msg::Name)) } } }
            tbody {
                @for d in &n.dids {
                    tr { td { (d.number) } td { (d.kind) } td { (d.target) } }
                }
            }
        }
        h2 { (t(Msg::DidRules)) }
        p.note { (t(Msg::DidRulesExplained)) }
        table id="did-rules" {
            thead { tr {
                th { (t(Msg::Priority)) } th { (t(Msg::Pattern)) } th { (t(Msg::StripDigits)) }
                th { (t(Msg::PrependDigits)) } th { (t(Msg::Target)) } th {} th {}
            } }
            tbody {
                @for r in &rules {
                    tr {
                        td { (r.config.priority) }
                        td { (r.config.pattern) }
                        td { (r.config.strip) }
                        td { (r.config.prepend) }
                        td { (n.dids.iter().find(|d| d.rule == Some(r.id)).map(|d| d.target.as_str()).unwrap_or("")) }
                        td { a href=(format!("/admin/numbers?edit={}", r.id)) { (t(Msg::Edit)) } }
                        td {
                            form.inline method="post" action=(format!("/admin/numbers/{}/delete", r.id)) data-confirm=(t(Msg::Delete)) {
                                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                button type="submit" { (t(Msg::Delete)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { @if edited.is_some() { (t(Msg::Edit)) " " (f.pattern) } @else { (t(Msg::Create)) } }
        form method="post" action=(action) id="did-rule-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            label { (t(Msg::Priority)) " " input name="priority" type="number" min="0" max="1000000" value=(f.priority) required; }
            label { (t(Msg::Pattern)) " " input name="pattern" value=(f.pattern) placeholder="5551XXX" required; }
            label { (t(Msg::StripDigits)) " " input name="strip" type="number" min="0" max="32" value=(f.strip); }
            label { (t(Msg::PrependDigits)) " " input name="prepend" value=(f.prepend); }
            label { (t(Msg::Target)) " " select name="target_kind" {
                @for k in FORM_KINDS {
                    option value=(k) selected[*k == target_kind(&f.target)] { (kind_label(k)) }
                }
            } }
            label { (t(Msg::TargetIdOrName)) " " input name="target" value=(f_target); }
            button type="submit" { @if edited.is_some() { (t(Msg::Save)) } @else { (t(Msg::Create)) } }
        }
        h2 { (t(Msg::FxoRoutes)) }
        table id="fxo-routes" {
            thead { tr { th { (t(Msg::Port)) } th { (t(Msg::RouteFxo)) } th { (t(Msg::Reachable)) } } }
            tbody {
                @for r in &n.fxo_routes {
                    tr {
                        td { (r.port) } td { (r.route) }
                        td { @if r.reachable { (t(Msg::Yes)) } @else { strong.error { (t(Msg::No)) } } }
                    }
                }
            }
        }
        p {
            a href="/admin/extensions" { (t(Msg::Extensions)) } " · "
            a href="/admin/analog-ports" { (t(Msg::AnalogPorts)) } " · "
            a href="/admin/queues" { (t(Msg::Queues)) } " · "
            "REST: " code { "/api/v1/did-rules" }
        }
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(caller, Msg::Numbers, body).into_string(),
    )
        .into_response())
}

/// `GET /admin/numbers[?edit=<id>]`.
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
        Ok(()) => Ok(Redirect::to("/admin/numbers").into_response()),
        Err(e) if e.status().is_client_error() => view(st, caller, edit, Some(e)).await,
        Err(e) => Err(e),
    }
}

async fn form_command(
    st: &WebState,
    caller: &Caller,
    f: DidRuleForm,
    cmd: impl FnOnce(DidRuleConfig) -> Command + Send + 'static,
) -> Result<(), WebError> {
    let c = st.db(move |s| Ok(f.into_config(s))).await??;
    run_command(st, caller, cmd(c)).await.map(drop)
}

/// `POST /admin/numbers`: create a DID rule.
pub async fn page_create(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<DidRuleForm>,
) -> Result<Response, WebError> {
    let r = form_command(&st, &caller, f, Command::CreateDidRule).await;
    answer(&st, &caller, None, r).await
}

/// `POST /admin/numbers/{id}`: save an edited DID rule.
pub async fn page_update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<DidRuleForm>,
) -> Result<Response, WebError> {
    let r = form_command(&st, &caller, f, move |config| Command::UpdateDidRule {
        id,
        config,
    })
    .await;
    answer(&st, &caller, Some(id), r).await
}

/// `POST /admin/numbers/{id}/delete`.
pub async fn page_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = run_command(&st, &caller, Command::DeleteDidRule { id })
        .await
        .map(drop);
    answer(&st, &caller, None, r).await
}
