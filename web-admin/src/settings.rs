//! Settings pages kept in the store's `settings` table, each changed only through one
//! audited store command:
//! - **recording rules and retention** (`/admin/recording-rules`, `/api/v1/recording-policy`,
//!   admins): which queues' calls are recorded, how many days recordings are kept
//!   (`SetRecordingPolicy`, audit entity `recording_policy`);
//! - **queue announcements** (`/admin/announcements`, `/api/v1/announcements`,
//!   `/api/v1/queues/{id}/announcements`, supervisors): what a queue tells its waiting
//!   callers and the callback offer (`SetQueueAnnouncements`, audited as an update of the
//!   queue);
//! - **web chat capacity** (`/admin/chat`, `/api/v1/chat/settings`, supervisors): chats one
//!   agent handles at once (`SetChatCapacity`, audit entity `chat_settings`);
//! - **voicemail silence** (on the recording-rules page, form posted to
//!   `/admin/recording-rules/voicemail`; `/api/v1/voicemail/settings`, admins): seconds of
//!   caller silence that end a voicemail message, 0–60, 0 = never, default 5
//!   (`SetVoicemailSilence`, audit entity `voicemail_settings`).
//!
//! The daemon reads the recording policy and the announcements when it reloads its
//! configuration (SIGHUP, `systemctl reload appliance`); the pages say so. The chat
//! capacity is applied to the running chat service at once.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use store::announce::QueueAnnouncements;
use store::chat::CHAT_CAPACITY_RANGE;
use store::config::Command;
use store::recordings::RecordingPolicy;
use store::vmsettings::MAX_SILENCE_S;
use utoipa::ToSchema;

use crate::api::{Body, Changed};
use crate::i18n::Msg;
use crate::pages::run_command;
use crate::{CSRF_FIELD, Caller, WebError, WebState};

fn changed(c: &store::Change) -> Changed {
    Changed {
        revision: c.revision,
        id: c.id,
    }
}

fn csrf_of(caller: &Caller) -> String {
    caller
        .session
        .as_ref()
        .map(|s| s.csrf.clone())
        .unwrap_or_default()
}

fn html_page(caller: &Caller, title: Msg, err: Option<&WebError>, body: Markup) -> Response {
    let status = err.map_or(StatusCode::OK, WebError::status);
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(caller, title, body).into_string(),
    )
        .into_response()
}

fn error_line(caller: &Caller, err: Option<&WebError>) -> Markup {
    let t = |m: Msg| m.text(caller.lang());
    html! { @if let Some(e) = err { p.error role="alert" { (t(Msg::InvalidInput)) ": " (e.error) } } }
}

// ------------------------------------------------------------- recording policy

/// The recording policy.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordingPolicyDto {
    /// Queue names whose answered calls are recorded; `["*"]` records every queue.
    pub queues: Vec<String>,
    /// Days a recording is kept before the daemon's sweep deletes it (1–3650); `null`
    /// keeps recordings.
    #[serde(default)]
    pub retain_days: Option<u32>,
}

/// The recording policy in force.
#[utoipa::path(get, path = "/api/v1/recording-policy", tag = "recordings",
    responses((status = 200, body = RecordingPolicyDto), (status = 403, body = WebError)))]
pub async fn policy_get(State(st): State<WebState>) -> Result<Json<RecordingPolicyDto>, WebError> {
    let p = st.db(|s| s.recording_policy()).await?;
    Ok(Json(RecordingPolicyDto {
        queues: p.queues,
        retain_days: p.retain_days,
    }))
}

/// Set the recording policy (audited; the daemon applies it at its next reload).
#[utoipa::path(put, path = "/api/v1/recording-policy", tag = "recordings", request_body = RecordingPolicyDto,
    params(("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn policy_put(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<RecordingPolicyDto>,
) -> Result<Json<Changed>, WebError> {
    let p = RecordingPolicy {
        queues: d.queues,
        retain_days: d.retain_days,
    };
    let c = run_command(&st, &caller, Command::SetRecordingPolicy(p)).await?;
    Ok(Json(changed(&c)))
}

async fn policy_view(
    st: &WebState,
    caller: &Caller,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let t = |m: Msg| m.text(caller.lang());
    let (p, queues, silence) = st
        .db(|s| Ok((s.recording_policy()?, s.queues()?, s.voicemail_silence_s()?)))
        .await?;
    let all = p.queues.iter().any(|q| q == "*");
    let body = html! {
        (error_line(caller, err.as_ref()))
        p.note { (t(Msg::AppliesAtReload)) }
        form method="post" action="/admin/recording-rules" id="recording-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf_of(caller));
            fieldset {
                legend { (t(Msg::RecordedQueues)) }
                label { input type="checkbox" name="queue" value="*" checked[all]; " " (t(Msg::AllQueues)) }
                @for q in &queues {
                    label {
                        input type="checkbox" name="queue" value=(q.config.name)
                            checked[p.queues.contains(&q.config.name)];
                        " " (q.config.name)
                    }
                }
            }
            label { (t(Msg::RetainDays)) " " input name="retain_days" type="number" min="1" max="3650"
                value=(p.retain_days.map(|d| d.to_string()).unwrap_or_default()) placeholder="∞"; }
            button type="submit" { (t(Msg::Save)) }
        }
        h2 { (t(Msg::Voicemail)) }
        form method="post" action="/admin/recording-rules/voicemail" id="voicemail-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf_of(caller));
            label { (t(Msg::VoicemailSilence)) " " input name="silence_s" type="number" min="0"
                max=(MAX_SILENCE_S) value=(silence); }
            button type="submit" { (t(Msg::Save)) }
        }
    };
    Ok(html_page(caller, Msg::RecordingRules, err.as_ref(), body))
}

/// `GET /admin/recording-rules`.
pub async fn policy_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    policy_view(&st, &caller, None).await
}

/// Reads the recording form: `queue` repeated (checkboxes), `retain_days` (blank: keep).
fn policy_form(body: &[u8]) -> Result<RecordingPolicy, WebError> {
    let mut p = RecordingPolicy::default();
    for (k, v) in crate::form_urlencoded_pairs(body) {
        match k.as_str() {
            "queue" => p.queues.push(v),
            "retain_days" if !v.trim().is_empty() => {
                p.retain_days = Some(v.trim().parse().map_err(|_| {
                    WebError::invalid("recording_policy.retain_days", "not a whole number")
                })?);
            }
            _ => {}
        }
    }
    if p.queues.iter().any(|q| q == "*") {
        p.queues = vec!["*".into()];
    }
    Ok(p)
}

/// `POST /admin/recording-rules`.
pub async fn policy_submit(
    State(st): State<WebState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(WebError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a form (application/x-www-form-urlencoded)",
        ));
    }
    let r = match policy_form(&body) {
        Ok(p) => run_command(&st, &caller, Command::SetRecordingPolicy(p))
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/recording-rules").into_response()),
        Err(e) if e.status().is_client_error() => policy_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------- voicemail silence

/// Voicemail settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoicemailSettingsDto {
    /// Seconds of caller silence (below -50 dBm0) that end a voicemail message, 0–60;
    /// 0: silence never ends it (default 5).
    pub silence_s: u32,
}

/// The voicemail settings in force.
#[utoipa::path(get, path = "/api/v1/voicemail/settings", tag = "recordings",
    responses((status = 200, body = VoicemailSettingsDto), (status = 403, body = WebError)))]
pub async fn voicemail_get(
    State(st): State<WebState>,
) -> Result<Json<VoicemailSettingsDto>, WebError> {
    let silence_s = st.db(|s| s.voicemail_silence_s()).await?;
    Ok(Json(VoicemailSettingsDto { silence_s }))
}

/// Set the voicemail settings (audited; the daemon applies them within seconds, to messages
/// started from then on).
#[utoipa::path(put, path = "/api/v1/voicemail/settings", tag = "recordings", request_body = VoicemailSettingsDto,
    params(("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn voicemail_put(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<VoicemailSettingsDto>,
) -> Result<Json<Changed>, WebError> {
    let c = run_command(
        &st,
        &caller,
        Command::SetVoicemailSilence { secs: d.silence_s },
    )
    .await?;
    Ok(Json(changed(&c)))
}

/// The voicemail form of the recording-rules page.
#[derive(Debug, Deserialize)]
pub struct VoicemailForm {
    silence_s: String,
}

/// `POST /admin/recording-rules/voicemail`.
pub async fn voicemail_submit(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<VoicemailForm>,
) -> Result<Response, WebError> {
    let r = match num::<u32>("voicemail.silence_s", &f.silence_s) {
        Ok(secs) => run_command(&st, &caller, Command::SetVoicemailSilence { secs })
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/recording-rules").into_response()),
        Err(e) if e.status().is_client_error() => policy_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------- queue announcements

/// What a queue tells its waiting callers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementsDto {
    /// First announcement this many seconds after joining (0: none), up to 3600.
    pub first_after_s: u32,
    /// Then every this many seconds (0: only once), up to 3600.
    pub every_s: u32,
    /// Say the caller's position.
    pub position: bool,
    /// Say the predicted wait.
    pub wait_time: bool,
    /// Periodic prompts `queue-periodic-<n>` to cycle through (0–9).
    pub periodic_prompts: u8,
    /// Callback attempts offered to a caller who presses 1 (0: no offer), up to 10.
    pub callback_attempts: u8,
}

impl From<AnnouncementsDto> for QueueAnnouncements {
    fn from(d: AnnouncementsDto) -> Self {
        Self {
            first_after_s: d.first_after_s,
            every_s: d.every_s,
            position: d.position,
            wait_time: d.wait_time,
            periodic_prompts: d.periodic_prompts,
            callback_attempts: d.callback_attempts,
        }
    }
}

impl From<QueueAnnouncements> for AnnouncementsDto {
    fn from(a: QueueAnnouncements) -> Self {
        Self {
            first_after_s: a.first_after_s,
            every_s: a.every_s,
            position: a.position,
            wait_time: a.wait_time,
            periodic_prompts: a.periodic_prompts,
            callback_attempts: a.callback_attempts,
        }
    }
}

/// One queue and its announcements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueAnnouncementsItem {
    /// Queue id.
    pub queue_id: i64,
    /// Queue name.
    pub queue: String,
    /// Its settings; `null`: none set (no announcements, no callback offer).
    pub announcements: Option<AnnouncementsDto>,
}

async fn announcement_items(st: &WebState) -> Result<Vec<QueueAnnouncementsItem>, WebError> {
    st.db(|s| {
        let queues = s.queues()?;
        queues
            .into_iter()
            .map(|q| {
                Ok(QueueAnnouncementsItem {
                    queue_id: q.id,
                    announcements: s.queue_announcements(&q.config.name)?.map(Into::into),
                    queue: q.config.name,
                })
            })
            .collect()
    })
    .await
}

/// Every queue with its announcement settings.
#[utoipa::path(get, path = "/api/v1/announcements", tag = "acd",
    responses((status = 200, body = Vec<QueueAnnouncementsItem>), (status = 403, body = WebError)))]
pub async fn announcements_list(
    State(st): State<WebState>,
) -> Result<Json<Vec<QueueAnnouncementsItem>>, WebError> {
    Ok(Json(announcement_items(&st).await?))
}

/// Set a queue's announcements (audited as an update of the queue; applied at the daemon's
/// next reload).
#[utoipa::path(put, path = "/api/v1/queues/{id}/announcements", tag = "acd", request_body = AnnouncementsDto,
    params(("id" = i64, Path, description = "Queue id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn announcements_put(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<AnnouncementsDto>,
) -> Result<Json<Changed>, WebError> {
    let cmd = Command::SetQueueAnnouncements {
        queue: id,
        announcements: Some(d.into()),
    };
    Ok(Json(changed(&run_command(&st, &caller, cmd).await?)))
}

/// Clear a queue's announcements (no announcements, no callback offer).
#[utoipa::path(delete, path = "/api/v1/queues/{id}/announcements", tag = "acd",
    params(("id" = i64, Path, description = "Queue id"), ("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 404, body = WebError), (status = 403, body = WebError)))]
pub async fn announcements_delete(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Changed>, WebError> {
    let cmd = Command::SetQueueAnnouncements {
        queue: id,
        announcements: None,
    };
    Ok(Json(changed(&run_command(&st, &caller, cmd).await?)))
}

async fn announcements_view(
    st: &WebState,
    caller: &Caller,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let t = |m: Msg| m.text(caller.lang());
    let items = announcement_items(st).await?;
    let csrf = csrf_of(caller);
    let yes_no = |b: bool| if b { t(Msg::Yes) } else { t(Msg::No) };
    let body = html! {
        (error_line(caller, err.as_ref()))
        p.note { (t(Msg::AppliesAtReload)) }
        table id="announcements-list" {
            thead { tr {
                th { (t(Msg::Queue)) } th { (t(Msg::FirstAfterS)) } th { (t(Msg::EveryS)) }
                th { (t(Msg::SayPosition)) } th { (t(Msg::SayWaitTime)) } th { (t(Msg::PeriodicPrompts)) }
                th { (t(Msg::CallbackAttempts)) } th {}
            } }
            tbody {
                @for i in &items {
                    tr {
                        td { (i.queue) }
                        @if let Some(a) = &i.announcements {
                            td { (a.first_after_s) } td { (a.every_s) } td { (yes_no(a.position)) }
                            td { (yes_no(a.wait_time)) } td { (a.periodic_prompts) } td { (a.callback_attempts) }
                            td {
                                form.inline method="post" action=(format!("/admin/announcements/{}/delete", i.queue_id)) data-confirm=(t(Msg::Delete)) {
                                    input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                    button type="submit" { (t(Msg::Delete)) }
                                }
                            }
                        } @else {
                            td colspan="7" { "-" }
                        }
                    }
                }
            }
        }
        h2 { (t(Msg::Save)) }
        form method="post" action="/admin/announcements" id="announcements-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            label { (t(Msg::Queue)) " " select name="queue" {
                @for i in &items { option value=(i.queue_id) { (i.queue) } }
            } }
            label { (t(Msg::FirstAfterS)) " " input name="first_after_s" type="number" min="0" max="3600" value="20"; }
            label { (t(Msg::EveryS)) " " input name="every_s" type="number" min="0" max="3600" value="60"; }
            label { input type="checkbox" name="position" value="on" checked; " " (t(Msg::SayPosition)) }
            label { input type="checkbox" name="wait_time" value="on"; " " (t(Msg::SayWaitTime)) }
            label { (t(Msg::PeriodicPrompts)) " " input name="periodic_prompts" type="number" min="0" max="9" value="0"; }
            label { (t(Msg::CallbackAttempts)) " " input name="callback_attempts" type="number" min="0" max="10" value="0"; }
            button type="submit" { (t(Msg::Save)) }
        }
    };
    Ok(html_page(caller, Msg::Announcements, err.as_ref(), body))
}

/// `GET /admin/announcements`.
pub async fn announcements_page(
    State(st): State<WebState>,
    caller: Caller,
) -> Result<Response, WebError> {
    announcements_view(&st, &caller, None).await
}

/// The announcements form (numbers as text so a bad value names its field; an unticked
/// checkbox is absent).
#[derive(Debug, Deserialize)]
pub struct AnnouncementsForm {
    queue: String,
    first_after_s: String,
    every_s: String,
    #[serde(default)]
    position: Option<String>,
    #[serde(default)]
    wait_time: Option<String>,
    periodic_prompts: String,
    callback_attempts: String,
}

fn num<T: std::str::FromStr>(field: &str, v: &str) -> Result<T, WebError> {
    v.trim()
        .parse()
        .map_err(|_| WebError::invalid(field, "not a whole number in range"))
}

impl AnnouncementsForm {
    fn into_command(self) -> Result<Command, WebError> {
        Ok(Command::SetQueueAnnouncements {
            queue: num("queue_announcements.queue", &self.queue)?,
            announcements: Some(QueueAnnouncements {
                first_after_s: num("queue_announcements.first_after_s", &self.first_after_s)?,
                every_s: num("queue_announcements.every_s", &self.every_s)?,
                position: self.position.is_some(),
                wait_time: self.wait_time.is_some(),
                periodic_prompts: num(
                    "queue_announcements.periodic_prompts",
                    &self.periodic_prompts,
                )?,
                callback_attempts: num(
                    "queue_announcements.callback_attempts",
                    &self.callback_attempts,
                )?,
            }),
        })
    }
}

async fn announcements_answer(
    st: &WebState,
    caller: &Caller,
    r: Result<(), WebError>,
) -> Result<Response, WebError> {
    match r {
        Ok(()) => Ok(Redirect::to("/admin/announcements").into_response()),
        Err(e) if e.status().is_client_error() => announcements_view(st, caller, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /admin/announcements`: set one queue's announcements.
pub async fn announcements_submit(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<AnnouncementsForm>,
) -> Result<Response, WebError> {
    let r = match f.into_command() {
        Ok(c) => run_command(&st, &caller, c).await.map(drop),
        Err(e) => Err(e),
    };
    announcements_answer(&st, &caller, r).await
}

/// `POST /admin/announcements/{id}/delete`: clear queue `id`'s announcements.
pub async fn announcements_clear(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let cmd = Command::SetQueueAnnouncements {
        queue: id,
        announcements: None,
    };
    let r = run_command(&st, &caller, cmd).await.map(drop);
    announcements_answer(&st, &caller, r).await
}

// ------------------------------------------------------------- chat capacity

/// Web chat settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatSettingsDto {
    /// Chats one agent handles at once, 1–10 (default 2).
    pub capacity: u8,
}

/// The chat settings in force.
#[utoipa::path(get, path = "/api/v1/chat/settings", tag = "chat",
    responses((status = 200, body = ChatSettingsDto), (status = 403, body = WebError)))]
pub async fn chat_get(State(st): State<WebState>) -> Result<Json<ChatSettingsDto>, WebError> {
    let capacity = st.db(|s| s.chat_capacity()).await?;
    Ok(Json(ChatSettingsDto { capacity }))
}

async fn set_capacity(st: &WebState, caller: &Caller, capacity: u8) -> Result<Changed, WebError> {
    let c = run_command(st, caller, Command::SetChatCapacity { capacity }).await?;
    if let Some(chat) = st.chat() {
        chat.set_capacity(capacity).map_err(|e| {
            WebError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("stored, but the chat service refused it: {e}"),
            )
        })?;
    }
    Ok(changed(&c))
}

/// Set the chat capacity (audited; the running chat service applies it at once).
#[utoipa::path(put, path = "/api/v1/chat/settings", tag = "chat", request_body = ChatSettingsDto,
    params(("x-csrf-token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Changed), (status = 422, body = WebError), (status = 403, body = WebError)))]
pub async fn chat_put(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<ChatSettingsDto>,
) -> Result<Json<Changed>, WebError> {
    Ok(Json(set_capacity(&st, &caller, d.capacity).await?))
}

async fn chat_view(
    st: &WebState,
    caller: &Caller,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let t = |m: Msg| m.text(caller.lang());
    let capacity = st.db(|s| s.chat_capacity()).await?;
    let body = html! {
        (error_line(caller, err.as_ref()))
        p.note { @if st.chat().is_some() { (t(Msg::ChatAppliesNow)) } @else { (t(Msg::ChatOff)) } }
        form method="post" action="/admin/chat" id="chat-form" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf_of(caller));
            label { (t(Msg::ChatCapacity)) " " input name="capacity" type="number"
                min=(CHAT_CAPACITY_RANGE.start()) max=(CHAT_CAPACITY_RANGE.end()) value=(capacity); }
            button type="submit" { (t(Msg::Save)) }
        }
    };
    Ok(html_page(caller, Msg::ChatSettings, err.as_ref(), body))
}

/// `GET /admin/chat`.
pub async fn chat_page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    chat_view(&st, &caller, None).await
}

/// The chat settings form.
#[derive(Debug, Deserialize)]
pub struct ChatForm {
    capacity: String,
}

/// `POST /admin/chat`.
pub async fn chat_submit(
    State(st): State<WebState>,
    caller: Caller,
    Form(f): Form<ChatForm>,
) -> Result<Response, WebError> {
    let r = match num::<u8>("chat.capacity", &f.capacity) {
        Ok(c) => set_capacity(&st, &caller, c).await.map(drop),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/chat").into_response()),
        Err(e) if e.status().is_client_error() => chat_view(&st, &caller, Some(e)).await,
        Err(e) => Err(e),
    }
}
