//! Server-rendered HTML pages (maud: templates are Rust code, checked at compile time and
//! escaped by default; no template files to ship or to get out of step).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use store::config::{Command, Language, NewUser, QueueConfig, Role, SkillConfig, Strategy};
use store::{CommandContext, Timestamp};

use crate::auth::{Session, random_token};
use crate::i18n::Msg;
use crate::{CSRF_FIELD, Caller, PRE_COOKIE, Peer, SESSION_COOKIE, WebError, WebState};

/// The page frame: header with navigation by role, language, logout.
pub fn layout(caller: &Caller, title: Msg, body: Markup) -> Markup {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    html! {
        (DOCTYPE)
        html lang=(if l == Language::Zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(title)) " · " (t(Msg::AppTitle)) }
                link rel="stylesheet" href="/static/app.css";
                @if let Some(s) = &caller.session { meta name="csrf-token" content=(s.csrf); }
                script src="/static/app.js" defer {}
            }
            body {
                header {
                    strong { (t(Msg::AppTitle)) }
                    @if let Some(s) = caller.session.as_ref().filter(|s| !s.must_change_password) {
                        a href="/dashboard" { (t(Msg::Dashboard)) }
                        a href="/desk" { (t(Msg::AgentDesktop)) }
                        @if s.role == Role::Admin {
                            a href="/admin/users" { (t(Msg::Users)) }
                            a href="/admin/extensions" { (t(Msg::Extensions)) }
                            a href="/admin/spans" { (t(Msg::Spans)) }
                            a href="/admin/sip-trunks" { (t(Msg::SipTrunks)) }
                            a href="/admin/trunk-groups" { (t(Msg::TrunkGroups)) }
                            a href="/admin/dial-rules" { (t(Msg::DialPlan)) }
                            a href="/admin/numbers" { (t(Msg::Numbers)) }
                            a href="/admin/analog-ports" { (t(Msg::AnalogPorts)) }
                            a href="/admin/ivr" { (t(Msg::IvrFlows)) }
                        }
                        @if matches!(s.role, Role::Admin | Role::Supervisor) {
                            a href="/admin/queues" { (t(Msg::Queues)) }
                            a href="/admin/agents" { (t(Msg::Agents)) }
                            a href="/admin/skills" { (t(Msg::Skills)) }
                            a href="/reports" { (t(Msg::Reports)) }
                            a href="/wallboard" { (t(Msg::Wallboard)) }
                            a href="/recordings" { (t(Msg::Recordings)) }
                            a href="/admin/kb" { (t(Msg::KnowledgeBase)) }
                            a href="/admin/announcements" { (t(Msg::Announcements)) }
                            a href="/admin/chat" { (t(Msg::ChatSettings)) }
                        }
                        @if s.role == Role::Admin {
                            a href="/admin/business-hours" { (t(Msg::BusinessHours)) }
                            a href="/admin/recording-rules" { (t(Msg::RecordingRules)) }
                            a href="/admin/audit" { (t(Msg::Audit)) }
                            a href="/admin/system" { (t(Msg::System)) }
                        }
                        a href="/profile" { (t(Msg::Profile)) }
                    }
                    @if let Some(s) = &caller.session {
                        form.inline method="post" action="/logout" {
                            input type="hidden" name=(CSRF_FIELD) value=(s.csrf);
                            span { (s.username) " " }
                            button type="submit" { (t(Msg::Logout)) }
                        }
                    }
                }
                main { h1 { (t(title)) } (body) }
            }
        }
    }
}

fn csrf_input(caller: &Caller) -> Markup {
    let v = caller
        .session
        .as_ref()
        .map(|s| s.csrf.as_str())
        .unwrap_or("");
    html! { input type="hidden" name=(CSRF_FIELD) value=(v); }
}

fn page(status: StatusCode, m: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        m.into_string(),
    )
        .into_response()
}

/// `GET /`: to the dashboard or the login page.
pub async fn root(caller: Caller) -> Redirect {
    Redirect::to(if caller.session.is_some() {
        "/dashboard"
    } else {
        "/login"
    })
}

fn login_form(l: Language, token: &str, error: Option<Msg>) -> Markup {
    let caller = Caller {
        sid: None,
        session: None,
    };
    let t = |m: Msg| m.text(l);
    layout(
        &caller,
        Msg::Login,
        html! {
            @if let Some(e) = error { p.error { (t(e)) } }
            form method="post" action="/login" {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                label { (t(Msg::Username)) " " input name="username" autocomplete="username" required; }
                label { (t(Msg::Password)) " " input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { (t(Msg::Login)) }
            }
        },
    )
}

fn pre_token(st: &WebState, headers: &axum::http::HeaderMap) -> (String, bool) {
    match crate::cookie_value(headers, PRE_COOKIE).filter(|v| v.len() == 64) {
        Some(v) => (v.to_owned(), false),
        None => {
            let _ = st;
            (random_token(), true)
        }
    }
}

/// `GET /login`: the form, with a double-submit CSRF token in a cookie.
pub async fn login_page(State(st): State<WebState>, headers: axum::http::HeaderMap) -> Response {
    let (token, fresh) = pre_token(&st, &headers);
    let mut resp = page(StatusCode::OK, login_form(Language::En, &token, None));
    if fresh {
        resp.headers_mut()
            .append(header::SET_COOKIE, st.cookie(PRE_COOKIE, &token, None));
    }
    resp
}

/// Login form fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Outcome of a login attempt.
#[derive(Debug)]
pub(crate) enum LoginOutcome {
    /// Logged in: session id and session.
    Ok(String, Session),
    /// Wrong user or password.
    Failed,
    /// Locked out.
    Locked,
}

/// Checks credentials with lockout; starts a session on success.
pub(crate) async fn do_login(
    st: &WebState,
    peer: Peer,
    username: String,
    password: String,
) -> Result<LoginOutcome, WebError> {
    let now = st.now();
    if st.lockout().is_locked(&username, peer.0, now) {
        return Ok(LoginOutcome::Locked);
    }
    let u = username.clone();
    let user = st.db(move |s| s.verify_login(&u, &password)).await?;
    let Some(user) = user else {
        st.lockout().fail(&username, peer.0, now, st.policy());
        return Ok(LoginOutcome::Failed);
    };
    st.lockout().succeed(&username);
    let session = Session {
        user_id: user.id,
        username: user.username,
        role: user.role,
        language: user.language,
        must_change_password: user.must_change_password,
        csrf: random_token(),
        expires: Timestamp(0),
        last_seen: now,
    };
    let sid = st.sessions().create(session.clone(), now, st.policy());
    Ok(LoginOutcome::Ok(sid, session))
}

/// `POST /login`.
pub async fn login_submit(
    State(st): State<WebState>,
    peer: Peer,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let token = crate::cookie_value(&headers, PRE_COOKIE)
        .unwrap_or_default()
        .to_owned();
    match do_login(&st, peer, f.username, f.password).await? {
        LoginOutcome::Ok(sid, s) => {
            let to = if s.must_change_password {
                "/password"
            } else {
                "/dashboard"
            };
            let mut resp = Redirect::to(to).into_response();
            resp.headers_mut()
                .append(header::SET_COOKIE, st.cookie(SESSION_COOKIE, &sid, None));
            Ok(resp)
        }
        LoginOutcome::Failed => Ok(page(
            StatusCode::UNAUTHORIZED,
            login_form(Language::En, &token, Some(Msg::LoginFailed)),
        )),
        LoginOutcome::Locked => Ok(page(
            StatusCode::TOO_MANY_REQUESTS,
            login_form(Language::En, &token, Some(Msg::LockedOut)),
        )),
    }
}

/// `POST /logout`.
pub async fn logout(State(st): State<WebState>, caller: Caller) -> Response {
    if let Some(sid) = &caller.sid {
        st.sessions().remove(sid);
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, st.cookie(SESSION_COOKIE, "", Some(0)));
    resp
}

fn password_form(caller: &Caller, msg: Option<(bool, String)>) -> Markup {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let must = caller
        .session
        .as_ref()
        .is_some_and(|s| s.must_change_password);
    layout(
        caller,
        Msg::ChangePassword,
        html! {
            @if must { p.error { (t(Msg::MustChangePassword)) } }
            @if let Some((ok, m)) = msg { p class=(if ok { "ok" } else { "error" }) { (m) } }
            form method="post" action="/password" {
                (csrf_input(caller))
                label { (t(Msg::CurrentPassword)) " " input name="current" type="password" autocomplete="current-password" required; }
                label { (t(Msg::NewPassword)) " " input name="new" type="password" autocomplete="new-password" required; }
                label { (t(Msg::RepeatPassword)) " " input name="repeat" type="password" autocomplete="new-password" required; }
                button type="submit" { (t(Msg::Save)) }
            }
        },
    )
}

/// `GET /password`.
pub async fn password_page(caller: Caller) -> Response {
    page(StatusCode::OK, password_form(&caller, None))
}

/// Password change fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordForm {
    /// Current password.
    pub current: String,
    /// New password (8–128 characters).
    pub new: String,
    /// New password again.
    pub repeat: String,
}

/// Changes the caller's password; clears the forced-change flag; ends the user's other
/// sessions.
pub(crate) async fn change_password(
    st: &WebState,
    caller: &Caller,
    f: PasswordForm,
) -> Result<(), WebError> {
    let (Some(sid), Some(s)) = (&caller.sid, &caller.session) else {
        return Err(WebError::forbidden());
    };
    let l = s.language;
    if f.new != f.repeat {
        return Err(WebError::invalid("repeat", Msg::PasswordsDiffer.text(l)));
    }
    if f.new == f.current {
        return Err(WebError::invalid("new", Msg::PasswordSameAsOld.text(l)));
    }
    let (user, uid, actor, now) = (s.username.clone(), s.user_id, caller.actor(), st.now());
    let changed = st
        .db(move |db| {
            if db.verify_login(&user, &f.current)?.is_none() {
                return Ok(false);
            }
            db.execute(
                CommandContext {
                    actor: &actor,
                    ts: now,
                },
                &Command::SetUserPassword {
                    id: uid,
                    password: f.new,
                    must_change_password: false,
                },
            )?;
            Ok(true)
        })
        .await
        .map_err(|mut e| {
            if e.field.as_deref() == Some("user.password") {
                e.field = Some("new".into());
            }
            e
        })?;
    if !changed {
        return Err(WebError::invalid("current", Msg::LoginFailed.text(l)));
    }
    st.sessions()
        .update(sid, |s| s.must_change_password = false);
    st.sessions().remove_user(uid, Some(sid));
    Ok(())
}

/// `POST /password`.
pub async fn password_submit(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<PasswordForm>,
) -> Response {
    match change_password(&st, &caller, f).await {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(e) => page(e.status(), password_form(&caller, Some((false, e.error)))),
    }
}

/// `GET /dashboard`.
pub async fn dashboard(State(st): State<WebState>, caller: Caller) -> Response {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let alarms = st.backend().alarms();
    let calls = st.backend().active_calls().len();
    page(
        StatusCode::OK,
        layout(
            &caller,
            Msg::Dashboard,
            html! {
                div.card { (t(Msg::ChannelsInUse)) ": " (calls) }
                div.card {
                    h2 { (t(Msg::Alarms)) }
                    @if alarms.is_empty() { p { (t(Msg::NoAlarms)) } }
                    ul { @for a in &alarms { li { (a.code) " " (a.subject) } } }
                }
            },
        ),
    )
}

// ---------------------------------------------------------------- users

fn ctx(actor: &str, ts: Timestamp) -> CommandContext<'_> {
    CommandContext { actor, ts }
}

/// Runs one command as the caller (the audit log records `web:<user>`).
pub(crate) async fn run_command(
    st: &WebState,
    caller: &Caller,
    cmd: Command,
) -> Result<store::Change, WebError> {
    let (actor, now) = (caller.actor(), st.now());
    st.db(move |db| db.execute(ctx(&actor, now), &cmd)).await
}

/// A table of rows, optionally with a delete button per row (`{delete_base}/{id}/delete`).
struct Table<'a> {
    head: &'a [Msg],
    rows: Vec<Vec<String>>,
    delete_base: Option<&'a str>,
    ids: &'a [i64],
}

fn list_page(
    caller: &Caller,
    title: Msg,
    error: Option<&WebError>,
    table: Table<'_>,
    form: Markup,
) -> Markup {
    let Table {
        head,
        rows,
        delete_base,
        ids,
    } = table;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    layout(
        caller,
        title,
        html! {
            @if let Some(e) = error { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } }
            table {
                thead { tr { @for h in head { th { (t(*h)) } } @if delete_base.is_some() { th {} } } }
                tbody {
                    @for (i, row) in rows.iter().enumerate() {
                        tr {
                            @for c in row { td { (c) } }
                            @if let Some(base) = delete_base {
                                td {
                                    form.inline method="post" action=(format!("{base}/{}/delete", ids[i])) data-confirm=(t(Msg::Delete)) {
                                        (csrf_input(caller))
                                        button type="submit" { (t(Msg::Delete)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (form)
        },
    )
}

async fn users_view(
    st: &WebState,
    caller: &Caller,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let users = st.db(|s| s.users()).await?;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let rows = users
        .into_iter()
        .map(|u| {
            vec![
                u.id.to_string(),
                u.username,
                u.display_name,
                u.role.as_str().to_owned(),
                u.language.as_str().to_owned(),
            ]
        })
        .collect();
    let form = html! {
        h2 { (t(Msg::Create)) }
        form method="post" action="/admin/users" {
            (csrf_input(caller))
            label { (t(Msg::Username)) " " input name="username" required; }
            label { (t(Msg::DisplayName)) " " input name="display_name" required; }
            label { (t(Msg::Role)) " " select name="role" { option value="agent" { "agent" } option value="supervisor" { "supervisor" } option value="admin" { "admin" } } }
            label { (t(Msg::Language)) " " select name="language" { option value="en" { "English" } option value="zh" { "简体中文" } } }
            label { (t(Msg::Password)) " " input name="password" type="password" required; }
            button type="submit" { (t(Msg::Create)) }
        }
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok(page(
        status,
        list_page(
            caller,
            Msg::Users,
            err.as_ref(),
            Table {
                head: &[
                    Msg::Id,
                    Msg::Username,
                    Msg::DisplayName,
                    Msg::Role,
                    Msg::Language,
                ],
                rows,
                delete_base: Some("/admin/users"),
                ids: &ids,
            },
            form,
        ),
    ))
}

/// `GET /admin/users`.
pub async fn users_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    users_view(&st, &caller, None).await
}

/// New-user form.
#[derive(Debug, Deserialize)]
pub struct UserForm {
    username: String,
    display_name: String,
    role: String,
    language: String,
    password: String,
}

/// `POST /admin/users`: new users must change their password at first login.
pub async fn users_create(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let cmd = (|| {
        Ok::<_, WebError>(Command::CreateUser(NewUser {
            username: f.username,
            display_name: f.display_name,
            role: Role::parse(&f.role)
                .ok_or_else(|| WebError::invalid("user.role", "unknown role"))?,
            password: f.password,
            must_change_password: true,
            language: Language::parse(&f.language)
                .ok_or_else(|| WebError::invalid("user.language", "unknown language"))?,
        }))
    })();
    let r = match cmd {
        Ok(c) => run_command(&st, &caller, c).await.map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) if e.status().is_client_error() => users_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/users/{id}/delete`.
pub async fn users_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match run_command(&st, &caller, Command::DeleteUser { id }).await {
        Ok(_) => {
            st.sessions().remove_user(id, None);
            Ok(Redirect::to("/admin/users").into_response())
        }
        Err(e) if e.status().is_client_error() => users_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- queues

async fn queues_view(
    st: &WebState,
    caller: &Caller,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let queues = st.db(|s| s.queues()).await?;
    let (calendars, schedules) = st
        .db(|s| Ok((s.business_hours()?, s.queue_schedules()?)))
        .await?;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let ids: Vec<i64> = queues.iter().map(|q| q.id).collect();
    let schedule = queue_schedule_form(caller, &queues, &calendars, &schedules);
    let rows = queues
        .into_iter()
        .map(|q| {
            let c = q.config;
            vec![
                q.id.to_string(),
                c.name,
                c.number.unwrap_or_default(),
                c.strategy.as_str().to_owned(),
                c.service_level_s.to_string(),
                c.members.len().to_string(),
            ]
        })
        .collect();
    let form = html! {
        h2 { (t(Msg::Create)) }
        form method="post" action="/admin/queues" id="queue-create" {
            (csrf_input(caller))
            label { (t(Msg::Name)) " " input name="name" required; }
            label { (t(Msg::Number)) " " input name="number"; }
            label { (t(Msg::Strategy)) " " select name="strategy" {
                @for s in crate::api::STRATEGIES { option value=(s) { (s) } }
            } }
            label { (t(Msg::MaxLen)) " " input name="max_len" type="number" value="50"; }
            label { (t(Msg::MaxWaitS)) " " input name="max_wait_s" type="number" value="300"; }
            label { (t(Msg::ServiceLevelS)) " " input name="service_level_s" type="number" value="20"; }
            label { (t(Msg::ShortAbandonS)) " " input name="short_abandon_s" type="number" value="5"; }
            label { (t(Msg::WrapupS)) " " input name="wrapup_s" type="number" value="10"; }
            button type="submit" { (t(Msg::Create)) }
        }
        (schedule)
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok(page(
        status,
        list_page(
            caller,
            Msg::Queues,
            err.as_ref(),
            Table {
                head: &[
                    Msg::Id,
                    Msg::Name,
                    Msg::Number,
                    Msg::Strategy,
                    Msg::ServiceLevelS,
                    Msg::Agents,
                ],
                rows,
                delete_base: Some("/admin/queues"),
                ids: &ids,
            },
            form,
        ),
    ))
}

/// Each queue's calendar and closed destination (schema step v13), and the form that sets
/// them (`POST /admin/queues/calendar`, the audited `SetQueueCalendar`).
fn queue_schedule_form(
    caller: &Caller,
    queues: &[store::config::Stored<QueueConfig>],
    calendars: &[store::config::Stored<store::desk::BusinessHoursConfig>],
    schedules: &[store::queuehours::QueueSchedule],
) -> Markup {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let cal_name = |id: i64| {
        calendars
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.config.name.clone())
    };
    html! {
        h2 { (t(Msg::QueueSchedule)) }
        table id="queue-schedules" {
            thead { tr { th { (t(Msg::Queue)) } th { (t(Msg::BusinessHours)) } th { (t(Msg::ClosedTo)) } } }
            tbody {
                @for q in queues {
                    @let s = schedules.iter().find(|s| s.queue_id == q.id);
                    tr {
                        td { (q.config.name) }
                        td { (s.map_or_else(|| t(Msg::AlwaysOpen).to_owned(), |s| cal_name(s.hours_id))) }
                        td { (s.and_then(|s| s.closed.as_ref()).map_or_else(|| "hangup".to_owned(), store::queuehours::ClosedDestination::to_text)) }
                    }
                }
            }
        }
        form method="post" action="/admin/queues/calendar" id="queue-calendar" {
            (csrf_input(caller))
            label { (t(Msg::Queue)) " " select name="queue" {
                @for q in queues { option value=(q.id) { (q.config.name) } }
            } }
            label { (t(Msg::BusinessHours)) " " select name="hours" {
                option value="" { (t(Msg::AlwaysOpen)) }
                @for c in calendars { option value=(c.id) { (c.config.name) } }
            } }
            label { (t(Msg::ClosedTo)) " " input name="closed_to" placeholder="voicemail:702 | queue:sales | ivr:main | 1001 | hangup"; }
            button type="submit" { (t(Msg::Save)) }
        }
    }
}

/// The queue schedule form.
#[derive(Debug, Deserialize)]
pub struct QueueCalendarForm {
    queue: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    closed_to: String,
}

/// `POST /admin/queues/calendar`.
pub async fn queues_calendar(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<QueueCalendarForm>,
) -> Result<Response, WebError> {
    let id = |field: &str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| WebError::invalid(field, "not a whole number"))
    };
    let cmd = (|| {
        Ok::<_, WebError>(Command::SetQueueCalendar {
            queue: id("queue.id", &f.queue)?,
            hours: if f.hours.trim().is_empty() {
                None
            } else {
                Some(id("queue.calendar", &f.hours)?)
            },
            closed: crate::billing::parse_closed(Some(&f.closed_to))?,
        })
    })();
    let r = match cmd {
        Ok(c) => run_command(&st, &caller, c).await.map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/queues").into_response()),
        Err(e) if e.status().is_client_error() => queues_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `GET /admin/queues`.
pub async fn queues_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    queues_view(&st, &caller, None).await
}

/// New-queue form (numbers as text so a bad value names its field).
#[derive(Debug, Deserialize)]
pub struct QueueForm {
    name: String,
    #[serde(default)]
    number: String,
    strategy: String,
    max_len: String,
    max_wait_s: String,
    service_level_s: String,
    short_abandon_s: String,
    wrapup_s: String,
}

fn num(field: &str, v: &str) -> Result<u32, WebError> {
    v.trim()
        .parse()
        .map_err(|_| WebError::invalid(field, "not a whole number"))
}

impl QueueForm {
    fn into_config(self) -> Result<QueueConfig, WebError> {
        Ok(QueueConfig {
            name: self.name,
            number: (!self.number.trim().is_empty()).then(|| self.number.trim().to_owned()),
            strategy: Strategy::parse(&self.strategy)
                .ok_or_else(|| WebError::invalid("queue.strategy", "unknown strategy"))?,
            max_len: num("queue.max_len", &self.max_len)?,
            max_wait_s: num("queue.max_wait_s", &self.max_wait_s)?,
            service_level_s: num("queue.service_level_s", &self.service_level_s)?,
            short_abandon_s: num("queue.short_abandon_s", &self.short_abandon_s)?,
            wrapup_s: num("queue.wrapup_s", &self.wrapup_s)?,
            skills: Vec::new(),
            members: Vec::new(),
        })
    }
}

/// `POST /admin/queues`.
pub async fn queues_create(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<QueueForm>,
) -> Result<Response, WebError> {
    let r = match f.into_config() {
        Ok(c) => run_command(&st, &caller, Command::CreateQueue(c))
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/queues").into_response()),
        Err(e) if e.status().is_client_error() => queues_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/queues/{id}/delete`.
pub async fn queues_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match run_command(&st, &caller, Command::DeleteQueue { id }).await {
        Ok(_) => Ok(Redirect::to("/admin/queues").into_response()),
        Err(e) if e.status().is_client_error() => queues_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- skills

async fn skills_view(
    st: &WebState,
    caller: &Caller,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let skills = st.db(|s| s.skills()).await?;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let ids: Vec<i64> = skills.iter().map(|q| q.id).collect();
    let rows = skills
        .into_iter()
        .map(|s| vec![s.id.to_string(), s.config.name])
        .collect();
    let form = html! {
        h2 { (t(Msg::Create)) }
        form method="post" action="/admin/skills" {
            (csrf_input(caller))
            label { (t(Msg::Name)) " " input name="name" required; }
            button type="submit" { (t(Msg::Create)) }
        }
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    Ok(page(
        status,
        list_page(
            caller,
            Msg::Skills,
            err.as_ref(),
            Table {
                head: &[Msg::Id, Msg::Name],
                rows,
                delete_base: Some("/admin/skills"),
                ids: &ids,
            },
            form,
        ),
    ))
}

/// `GET /admin/skills`.
pub async fn skills_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    skills_view(&st, &caller, None).await
}

/// New-skill form.
#[derive(Debug, Deserialize)]
pub struct SkillForm {
    name: String,
}

/// `POST /admin/skills`.
pub async fn skills_create(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<SkillForm>,
) -> Result<Response, WebError> {
    match run_command(
        &st,
        &caller,
        Command::CreateSkill(SkillConfig { name: f.name }),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/skills").into_response()),
        Err(e) if e.status().is_client_error() => skills_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/skills/{id}/delete`.
pub async fn skills_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match run_command(&st, &caller, Command::DeleteSkill { id }).await {
        Ok(_) => Ok(Redirect::to("/admin/skills").into_response()),
        Err(e) if e.status().is_client_error() => skills_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- read-only lists

async fn json_list(
    st: &WebState,
    caller: &Caller,
    title: Msg,
    rows: Vec<(i64, String)>,
) -> Response {
    let _ = st;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    page(
        StatusCode::OK,
        list_page(
            caller,
            title,
            None,
            Table {
                head: &[Msg::Id, Msg::Details],
                rows: rows
                    .into_iter()
                    .map(|(id, d)| vec![id.to_string(), d])
                    .collect(),
                delete_base: None,
                ids: &[],
            },
            html! { p { "REST: " code { "/api/v1/…" } " · " a href="/api/openapi.json" { "OpenAPI" } " (" (t(Msg::Create)) ", " (t(Msg::Save)) ", " (t(Msg::Delete)) ")" } },
        ),
    )
}

macro_rules! list_pages {
    ($($fn:ident, $title:expr, $api:path;)+) => {$(
        /// A read-only list page; editing is through the REST API in this slice.
        pub async fn $fn(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
            let items = st.db(|s| $api(s)).await?;
            let rows = items
                .into_iter()
                .map(|i| (i.id, serde_json::to_string(&i.config).unwrap_or_default()))
                .collect();
            Ok(json_list(&st, &caller, $title, rows).await)
        }
    )+};
}

list_pages! {
    trunk_groups_page, Msg::TrunkGroups, crate::api::list_trunk_groups;
    dial_rules_page, Msg::DialPlan, crate::api::list_dial_rules;
}

// ---------------------------------------------------------------- caller-ID settings

/// Which caller-ID page: spans and SIP trunks carry a trunk's rule, extensions their own
/// outbound number and presentation. The rest of each row is edited through REST.
#[derive(Debug, Clone, Copy)]
enum CidPage {
    Spans,
    SipTrunks,
    Extensions,
}

impl CidPage {
    fn base(self) -> &'static str {
        match self {
            Self::Spans => "/admin/spans",
            Self::SipTrunks => "/admin/sip-trunks",
            Self::Extensions => "/admin/extensions",
        }
    }
    fn title(self) -> Msg {
        match self {
            Self::Spans => Msg::Spans,
            Self::SipTrunks => Msg::SipTrunks,
            Self::Extensions => Msg::Extensions,
        }
    }
}

/// One row of a caller-ID page: id, name, the row as JSON, and its form's current values.
struct CidRow {
    id: i64,
    name: String,
    json: String,
    fields: CidFields,
}

enum CidFields {
    Trunk(store::config::TrunkCallerId),
    Extension(store::config::ExtensionCallerId),
}

/// Pairs each store row (id, name, caller-ID fields) with its REST item's JSON by row id,
/// not by list position.
fn join_cid<T: serde::Serialize>(
    rows: impl IntoIterator<Item = (i64, String, CidFields)>,
    items: Vec<crate::api::Item<T>>,
) -> Vec<CidRow> {
    let mut json: std::collections::HashMap<i64, String> = items
        .into_iter()
        .map(|i| (i.id, serde_json::to_string(&i.config).unwrap_or_default()))
        .collect();
    rows.into_iter()
        .map(|(id, name, fields)| CidRow {
            id,
            name,
            json: json.remove(&id).unwrap_or_default(),
            fields,
        })
        .collect()
}

async fn cid_rows(st: &WebState, which: CidPage) -> Result<Vec<CidRow>, WebError> {
    st.db(move |s| {
        Ok(match which {
            CidPage::Spans => {
                let rows = s
                    .spans()?
                    .into_iter()
                    .map(|c| (c.id, c.config.name, CidFields::Trunk(c.config.caller_id)));
                join_cid(rows.collect::<Vec<_>>(), crate::api::list_spans(s)?)
            }
            CidPage::SipTrunks => {
                let rows = s
                    .sip_trunks()?
                    .into_iter()
                    .map(|c| (c.id, c.config.name, CidFields::Trunk(c.config.caller_id)));
                join_cid(rows.collect::<Vec<_>>(), crate::api::list_sip_trunks(s)?)
            }
            CidPage::Extensions => {
                let rows = s.extensions()?.into_iter().map(|c| {
                    (
                        c.id,
                        format!("{} {}", c.config.number, c.config.name),
                        CidFields::Extension(c.config.caller_id),
                    )
                });
                join_cid(rows.collect::<Vec<_>>(), crate::api::list_extensions(s)?)
            }
        })
    })
    .await
}

/// A list page of spans, SIP trunks or extensions with one caller-ID form per row
/// (`POST {base}/{id}/caller-id`); `err` is shown above it, with its 4xx status.
async fn cid_view(
    st: &WebState,
    caller: &Caller,
    which: CidPage,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let rows = cid_rows(st, which).await?;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let base = which.base();
    let restricted_label = match which {
        CidPage::SipTrunks => Msg::SendPai,
        _ => Msg::SendRestricted,
    };
    let form = html! {
        h2 { (t(Msg::CallerIdSettings)) }
        @for r in &rows {
            form.caller-id method="post" action=(format!("{base}/{}/caller-id", r.id)) data-id=(r.id) {
                (csrf_input(caller))
                strong { "#" (r.id) " " (r.name) } " "
                @match &r.fields {
                    CidFields::Trunk(c) => {
                        label { (t(Msg::CallerIdMode)) " "
                            select name="caller_id_mode" {
                                @for (v, m) in [("pass", Msg::CidPass), ("prefix", Msg::CidPrefix), ("fixed", Msg::CidFixed)] {
                                    option value=(v) selected[c.mode.as_str() == v] { (t(m)) }
                                }
                            }
                        } " "
                        label { (t(Msg::CallerIdNumber)) " " input name="caller_id_number" value=(c.number) size="20"; } " "
                        label { input type="checkbox" name="send_restricted" value="on" checked[c.send_restricted]; " " (t(restricted_label)) } " "
                    }
                    CidFields::Extension(c) => {
                        label { (t(Msg::OutboundNumber)) " " input name="outbound_caller_id" value=(c.number.as_deref().unwrap_or("")) size="20"; } " "
                        label { (t(Msg::Presentation)) " "
                            select name="presentation" {
                                @for (v, m) in [("allowed", Msg::PresentationAllowed), ("restricted", Msg::PresentationRestricted)] {
                                    option value=(v) selected[c.presentation.as_str() == v] { (t(m)) }
                                }
                            }
                        } " "
                    }
                }
                button type="submit" { (t(Msg::Save)) }
            }
        }
        p { "REST: " code { "/api/v1/…" } " · " a href="/api/openapi.json" { "OpenAPI" } " (" (t(Msg::Create)) ", " (t(Msg::Save)) ", " (t(Msg::Delete)) ")" }
    };
    let status = err.as_ref().map_or(StatusCode::OK, WebError::status);
    let table_rows = rows
        .iter()
        .map(|r| vec![r.id.to_string(), r.json.clone()])
        .collect();
    Ok(page(
        status,
        list_page(
            caller,
            which.title(),
            err.as_ref(),
            Table {
                head: &[Msg::Id, Msg::Details],
                rows: table_rows,
                delete_base: None,
                ids: &[],
            },
            form,
        ),
    ))
}

/// `GET /admin/spans`: the spans, each with its caller-ID rule's form.
pub async fn spans_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    cid_view(&st, &caller, CidPage::Spans, None).await
}

/// `GET /admin/sip-trunks`: the SIP trunks, each with its caller-ID rule's form.
pub async fn sip_trunks_page(
    State(st): State<WebState>,
    caller: Caller,
) -> Result<Response, WebError> {
    cid_view(&st, &caller, CidPage::SipTrunks, None).await
}

/// `GET /admin/extensions`: the extensions, each with its outbound number and presentation.
pub async fn extensions_page(
    State(st): State<WebState>,
    caller: Caller,
) -> Result<Response, WebError> {
    cid_view(&st, &caller, CidPage::Extensions, None).await
}

/// A trunk's caller-ID form (span or SIP trunk). An unchecked box is absent.
#[derive(Debug, Deserialize)]
pub struct TrunkCallerIdForm {
    caller_id_mode: String,
    #[serde(default)]
    caller_id_number: String,
    #[serde(default)]
    send_restricted: Option<String>,
}

impl TrunkCallerIdForm {
    /// Validated as the REST API does: the mode here, the number by the store's command.
    fn into_rule(self, field: &str) -> Result<store::config::TrunkCallerId, WebError> {
        Ok(store::config::TrunkCallerId {
            mode: store::config::CallerIdMode::parse(&self.caller_id_mode).ok_or_else(|| {
                WebError::invalid(field, format!("unknown value `{}`", self.caller_id_mode))
            })?,
            number: self.caller_id_number.trim().to_owned(),
            send_restricted: self.send_restricted.is_some(),
        })
    }
}

/// An extension's caller-ID form: an empty number sends the extension number.
#[derive(Debug, Deserialize)]
pub struct ExtensionCallerIdForm {
    #[serde(default)]
    outbound_caller_id: String,
    presentation: String,
}

/// The command that changes only the caller-ID part of row `id`, or why not.
async fn cid_command(
    st: &WebState,
    which: CidPage,
    id: i64,
    trunk: Option<TrunkCallerIdForm>,
    ext: Option<ExtensionCallerIdForm>,
) -> Result<Command, WebError> {
    let missing = || WebError::new(StatusCode::NOT_FOUND, format!("no such row: {id}"));
    match (which, trunk, ext) {
        (CidPage::Spans, Some(f), _) => {
            let rule = f.into_rule("span.caller_id_mode")?;
            let mut config = st
                .db(move |s| Ok(s.spans()?.into_iter().find(|x| x.id == id)))
                .await?
                .ok_or_else(missing)?
                .config;
            config.caller_id = rule;
            Ok(Command::UpdateSpan { id, config })
        }
        (CidPage::SipTrunks, Some(f), _) => {
            let rule = f.into_rule("sip_trunk.caller_id_mode")?;
            let mut config = st
                .db(move |s| Ok(s.sip_trunks()?.into_iter().find(|x| x.id == id)))
                .await?
                .ok_or_else(missing)?
                .config;
            config.caller_id = rule;
            Ok(Command::UpdateSipTrunk { id, config })
        }
        (CidPage::Extensions, _, Some(f)) => {
            let presentation =
                store::config::Presentation::parse(&f.presentation).ok_or_else(|| {
                    WebError::invalid(
                        "extension.presentation",
                        format!("unknown value `{}`", f.presentation),
                    )
                })?;
            let number = f.outbound_caller_id.trim();
            let number = (!number.is_empty()).then(|| number.to_owned());
            let mut config = st
                .db(move |s| Ok(s.extensions()?.into_iter().find(|x| x.id == id)))
                .await?
                .ok_or_else(missing)?
                .config;
            config.caller_id = store::config::ExtensionCallerId {
                number,
                presentation,
            };
            Ok(Command::UpdateExtension { id, config })
        }
        _ => Err(WebError::new(StatusCode::BAD_REQUEST, "wrong form")),
    }
}

/// Runs the caller-ID change; back to the list, or the list again with the error (4xx,
/// nothing changed).
async fn cid_submit(
    st: &WebState,
    caller: &Caller,
    which: CidPage,
    cmd: Result<Command, WebError>,
) -> Result<Response, WebError> {
    let r = match cmd {
        Ok(c) => run_command(st, caller, c).await.map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to(which.base()).into_response()),
        Err(e) if e.status().is_client_error() => cid_view(st, caller, which, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/spans/{id}/caller-id`.
pub async fn span_caller_id(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<TrunkCallerIdForm>,
) -> Result<Response, WebError> {
    let cmd = cid_command(&st, CidPage::Spans, id, Some(f), None).await;
    cid_submit(&st, &caller, CidPage::Spans, cmd).await
}

/// `POST /admin/sip-trunks/{id}/caller-id`.
pub async fn sip_trunk_caller_id(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<TrunkCallerIdForm>,
) -> Result<Response, WebError> {
    let cmd = cid_command(&st, CidPage::SipTrunks, id, Some(f), None).await;
    cid_submit(&st, &caller, CidPage::SipTrunks, cmd).await
}

/// `POST /admin/extensions/{id}/caller-id`.
pub async fn extension_caller_id(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<ExtensionCallerIdForm>,
) -> Result<Response, WebError> {
    let cmd = cid_command(&st, CidPage::Extensions, id, None, Some(f)).await;
    cid_submit(&st, &caller, CidPage::Extensions, cmd).await
}

/// `GET /admin/agents`: the agents, and a form that creates one through the REST API
/// (`POST /api/v1/agents`, the same validated command; errors show in the form).
pub async fn agents_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    let (items, users) = st
        .db(|s| Ok((crate::api::list_agents(s)?, s.users()?)))
        .await?;
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let rows = items
        .into_iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                i.config.number,
                i.config.name,
                i.config
                    .user_id
                    .and_then(|u| users.iter().find(|x| x.id == u))
                    .map(|u| u.username.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let form = html! {
        h2 { (t(Msg::Create)) }
        form id="agent-create" data-api="/api/v1/agents" data-method="POST" {
            label { (t(Msg::Number)) " " input name="number" required pattern="[0-9]{2,8}"; }
            label { (t(Msg::Name)) " " input name="name" required; }
            button type="submit" { (t(Msg::Create)) }
            output data-result {}
        }
    };
    Ok(page(
        StatusCode::OK,
        list_page(
            &caller,
            Msg::Agents,
            None,
            Table {
                head: &[Msg::Id, Msg::Number, Msg::Name, Msg::Username],
                rows,
                delete_base: None,
                ids: &[],
            },
            form,
        ),
    ))
}

/// `GET /admin/audit`: the store's config change log (who, when, what).
pub async fn audit_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    let entries = st.db(|s| crate::api::recent_changes(s, 500)).await?;
    let rows = entries
        .into_iter()
        .rev()
        .map(|e| {
            vec![
                e.change.revision.to_string(),
                crate::reports::format_ts(e.ts),
                e.actor,
                format!(
                    "{} {} #{}",
                    e.change.op.as_str(),
                    e.change.entity,
                    e.change.id
                ),
            ]
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        list_page(
            &caller,
            Msg::Audit,
            None,
            Table {
                head: &[Msg::Revision, Msg::When, Msg::Who, Msg::What],
                rows,
                delete_base: None,
                ids: &[],
            },
            html! {},
        ),
    ))
}
