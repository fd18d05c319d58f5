//! The agent desktop: a page whose script layer (`desk.js`) speaks the CTI JSON wire v1
//! over the WebSocket `/api/cti/v1/ws`, and the REST calls it makes for the screen pop
//! (customer profile, interaction history, open tickets), tickets, scheduled callbacks and
//! the knowledge-base search. Notes and disposition go through CTI `AssociateData`, so the
//! model writes them into the interaction record when the agent's part of the call ends.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cti::{
    AgentId, ClientMessage, EventReport, MonitorId, Principal, ServerMessage, ServiceRequest,
    ServiceResult,
};
use maud::html;
use serde::{Deserialize, Serialize};
use store::config::Role;
use store::crm::TicketStatus;
use store::desk::{CallbackStatus, NewCallback};
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;

use crate::api::Body;
use crate::i18n::Msg;
use crate::{Caller, WebError, WebState};

/// The agent number linked to the caller's user (agents table, `user_id`).
pub(crate) async fn agent_number(
    st: &WebState,
    caller: &Caller,
) -> Result<Option<String>, WebError> {
    let Some(uid) = caller.session.as_ref().map(|s| s.user_id) else {
        return Ok(None);
    };
    let agents = st.db(|s| s.agents()).await?;
    Ok(agents
        .into_iter()
        .find(|a| a.config.user_id == Some(uid))
        .map(|a| a.config.number))
}

/// The CTI principal of the caller: its agent, with supervisor rights for supervisors and
/// admins. A plain agent without a linked agent number may not use CTI.
pub(crate) async fn principal(st: &WebState, caller: &Caller) -> Result<Principal, WebError> {
    let s = caller.session.as_ref().ok_or_else(WebError::forbidden)?;
    let number = agent_number(st, caller).await?;
    match (s.role, number) {
        (Role::Agent, None) => Err(WebError::new(
            StatusCode::FORBIDDEN,
            "no agent is linked to this user",
        )),
        (Role::Agent, Some(n)) => Ok(Principal {
            agent: AgentId(n),
            role: cti::Role::Agent,
        }),
        (_, n) => Ok(Principal {
            agent: AgentId(n.unwrap_or_else(|| s.username.clone())),
            role: cti::Role::Supervisor,
        }),
    }
}

/// `GET /desk`: the agent desktop.
pub async fn page(State(st): State<WebState>, caller: Caller) -> Result<Response, WebError> {
    let l = caller.lang();
    let t = |m: Msg| m.text(l);
    let agent = agent_number(&st, &caller).await?;
    let body = html! {
        @match &agent {
            None => p.error id="desk-no-agent" { (t(Msg::NoAgentLinked)) }
            Some(a) => div id="desk" data-agent=(a) data-lang=(l.as_str()) {
                section.card id="desk-state" {
                    h2 { (t(Msg::AgentState)) ": " strong id="agent-state" { "-" } }
                    button type="button" data-state="loggedOn" { (t(Msg::LogOn)) }
                    button type="button" data-state="ready" { (t(Msg::Ready)) }
                    select id="nr-reason" {
                        option value="1" { (t(Msg::ReasonBreak)) }
                        option value="2" { (t(Msg::ReasonTraining)) }
                        option value="3" { (t(Msg::ReasonMeeting)) }
                    }
                    button type="button" data-state="notReady" { (t(Msg::NotReady)) }
                    button type="button" data-state="workingAfterCall" { (t(Msg::AfterCallWork)) }
                    button type="button" data-state="loggedOff" { (t(Msg::LogOff)) }
                    span id="cti-status" { "…" }
                }
                section.card id="desk-calls" {
                    h2 { (t(Msg::Calls)) }
                    table { thead { tr { th { "#" } th { (t(Msg::Number)) } th { (t(Msg::State)) } } } tbody id="call-list" {} }
                    div id="call-controls" {
                        button type="button" data-op="answer" { (t(Msg::Answer)) }
                        button type="button" data-op="hangup" { (t(Msg::HangUp)) }
                        button type="button" data-op="hold" { (t(Msg::Hold)) }
                        button type="button" data-op="retrieve" { (t(Msg::Retrieve)) }
                        input id="xfer-to" placeholder=(t(Msg::Number)) size="12";
                        button type="button" data-op="blind" { (t(Msg::BlindTransfer)) }
                        button type="button" data-op="consult" { (t(Msg::Consult)) }
                        button type="button" data-op="transfer" { (t(Msg::CompleteTransfer)) }
                        button type="button" data-op="conference" { (t(Msg::Conference)) }
                        input id="dtmf" placeholder="DTMF" size="6";
                        button type="button" data-op="dtmf" { (t(Msg::SendDtmf)) }
                        // Enabled by the call's recording state (desk.js `renderRecording`).
                        button type="button" data-op="rec-start" disabled { (t(Msg::StartRecording)) }
                        button type="button" data-op="rec-pause" disabled { (t(Msg::PauseRecording)) }
                        button type="button" data-op="rec-resume" disabled { (t(Msg::ResumeRecording)) }
                        button type="button" data-op="rec-stop" disabled { (t(Msg::StopRecording)) }
                        span { (t(Msg::RecordingState)) ": " span id="rec-state" { "-" } }
                    }
                    p id="cti-error" .error {}
                }
                section.card id="screen-pop" hidden {
                    h2 { (t(Msg::Customer)) ": " span id="pop-name" {} }
                    p { (t(Msg::Number)) ": " span id="pop-number" {} " · " (t(Msg::Queue)) ": " span id="pop-queue" {} }
                    div id="pop-profile" {}
                    h3 { (t(Msg::IvrData)) }
                    table { tbody id="pop-ivr" {} }
                    h3 { (t(Msg::History)) }
                    table { tbody id="pop-history" {} }
                    h3 { (t(Msg::OpenTickets)) }
                    table { tbody id="pop-tickets" {} }
                    form id="ticket-form" {
                        input name="subject" placeholder=(t(Msg::Subject)) required;
                        select name="priority" { @for p in 1..=5 { option value=(p) selected[p == 3] { (p) } } }
                        button type="submit" { (t(Msg::CreateTicket)) }
                    }
                }
                section.card id="wrapup" {
                    h2 { (t(Msg::NotesDisposition)) }
                    form id="wrapup-form" {
                        select name="disposition" {
                            option value="resolved" { (t(Msg::DispResolved)) }
                            option value="follow_up" { (t(Msg::DispFollowUp)) }
                            option value="escalated" { (t(Msg::DispEscalated)) }
                            option value="wrong_number" { (t(Msg::DispWrongNumber)) }
                        }
                        textarea name="notes" rows="3" cols="50" {}
                        button type="submit" { (t(Msg::Save)) }
                        span id="wrapup-saved" {}
                    }
                }
                section.card id="desk-chat" {
                    h2 { "Chats" ": " strong id="chat-state" { "-" } }
                    button type="button" id="chat-ready" { "Ready for chats" }
                    button type="button" id="chat-notready" { "Not ready for chats" }
                    p id="chat-error" .error {}
                    ul id="chat-offers" {}
                    div id="chat-list" {}
                }
                section.card id="desk-dial" {
                    h2 { (t(Msg::ClickToDial)) }
                    input id="dial-number" placeholder=(t(Msg::Number));
                    button type="button" data-op="dial" { (t(Msg::Dial)) }
                }
                section.card id="desk-kb" {
                    h2 { (t(Msg::KnowledgeBase)) }
                    form id="kb-form" { input name="q" placeholder=(t(Msg::Search)) required; button type="submit" { (t(Msg::Search)) } }
                    ul id="kb-hits" {}
                }
                section.card id="desk-callbacks" {
                    h2 { (t(Msg::Callbacks)) }
                    table { tbody id="callback-list" {} }
                    form id="callback-form" {
                        input name="number" placeholder=(t(Msg::Number)) required;
                        input name="due" type="datetime-local" required;
                        input name="note" placeholder=(t(Msg::Notes));
                        button type="submit" { (t(Msg::ScheduleCallback)) }
                    }
                }
            }
        }
        script src="/static/desk.js" defer {}
    };
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::pages::layout(&caller, Msg::AgentDesktop, body).into_string(),
    )
        .into_response())
}

// ------------------------------------------------------------------------ CTI

/// `POST /api/cti/v1/requests`: one CTI request (JSON wire v1), answered with its response.
/// Malformed or unknown-version messages: 400 with the reason.
pub async fn cti_request(
    State(st): State<WebState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let msg = ClientMessage::parse(&body)
        .map_err(|e| WebError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let who = principal(&st, &caller).await?;
    let out = st.cti().request(&who, msg.invoke_id, msg.request);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        ServerMessage::response(msg.invoke_id, out).emit(),
    )
        .into_response())
}

/// `GET /api/cti/v1/ws`: the CTI WebSocket. Text frames carry [`ClientMessage`]s; the
/// server answers each with a response and pushes the event reports of the monitors this
/// socket started. A frame that is not a valid message gets
/// `{"kind":"rejected","error":"…"}` and changes nothing. The monitors stop when the socket
/// closes.
pub async fn cti_ws(
    State(st): State<WebState>,
    caller: Caller,
    up: WebSocketUpgrade,
) -> Result<Response, WebError> {
    let who = principal(&st, &caller).await?;
    Ok(up.on_upgrade(move |socket| cti_session(st, who, socket)))
}

/// Most frames one socket may send per session (a runaway client is cut off).
pub const MAX_FRAMES: u64 = 1_000_000;

async fn cti_session(st: WebState, who: Principal, mut socket: WebSocket) {
    let mut events = st.cti().subscribe();
    let mut mine: BTreeSet<MonitorId> = BTreeSet::new();
    let mut frames = 0u64;
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(report) => {
                    if mine.contains(&report.monitor_cross_ref_id)
                        && !send(&mut socket, &ServerMessage::event(report)).await
                    {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            msg = socket.recv() => {
                frames += 1;
                if frames > MAX_FRAMES { break; }
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let reply = match ClientMessage::parse(text.as_bytes()) {
                    Err(e) => serde_json::json!({"kind": "rejected", "error": e.to_string()}).to_string(),
                    Ok(m) => {
                        if let ServiceRequest::MonitorStop { monitor_cross_ref_id } = &m.request {
                            mine.remove(monitor_cross_ref_id);
                        }
                        let out = st.cti().request(&who, m.invoke_id, m.request);
                        if let Ok(ServiceResult::MonitorStarted { monitor_cross_ref_id, .. }) = &out {
                            mine.insert(*monitor_cross_ref_id);
                        }
                        ServerMessage::response(m.invoke_id, out).emit()
                    }
                };
                if socket.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
        }
    }
    for m in mine {
        let _ = st.cti().request(
            &who,
            cti::InvokeId(0),
            ServiceRequest::MonitorStop {
                monitor_cross_ref_id: m,
            },
        );
    }
}

async fn send(socket: &mut WebSocket, m: &ServerMessage) -> bool {
    socket.send(Message::Text(m.emit().into())).await.is_ok()
}

/// Keeps the type in the public API (the WebSocket relays these).
pub type CtiEvent = EventReport;

// ------------------------------------------------------------------------ screen pop

/// A contact of a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactDto {
    /// Name.
    pub name: String,
    /// Phone as entered.
    pub phone: String,
    /// E-mail.
    pub email: String,
}

/// One entry of the interaction history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InteractionDto {
    /// Row id.
    pub id: i64,
    /// `call`, `chat`…
    pub channel: String,
    /// `inbound` / `outbound`.
    pub direction: String,
    /// The customer's number.
    pub remote_number: String,
    /// Agent number.
    pub agent: Option<String>,
    /// Queue.
    pub queue: Option<String>,
    /// Start, µs since the epoch.
    pub started_us: i64,
    /// End, µs since the epoch.
    pub ended_us: i64,
    /// Disposition code.
    pub disposition: String,
    /// Agent notes.
    pub notes: String,
    /// Extra data (answer time, recording id, IVR data).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketDto {
    /// Row id.
    pub id: i64,
    /// Subject.
    pub subject: String,
    /// `open`, `pending`, `resolved`, `closed`.
    pub status: String,
    /// 1 (highest) – 5.
    pub priority: u8,
    /// Last change, µs since the epoch.
    pub updated_us: i64,
    /// Notes: (author, µs, text).
    pub notes: Vec<(String, i64, String)>,
}

/// What the screen pop shows about a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    /// Customer id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Company.
    pub company: String,
    /// E-mail.
    pub email: String,
    /// VIP.
    pub vip: bool,
    /// Account owner (agent number).
    pub account_owner: Option<String>,
    /// Free notes.
    pub notes: String,
    /// Contacts (click-to-dial targets).
    pub contacts: Vec<ContactDto>,
    /// The last 20 interactions, newest first.
    pub history: Vec<InteractionDto>,
    /// Open and pending tickets.
    pub open_tickets: Vec<TicketDto>,
}

fn ticket_dto(t: store::crm::Ticket) -> TicketDto {
    TicketDto {
        id: t.id,
        subject: t.subject,
        status: t.status.as_str().into(),
        priority: t.priority,
        updated_us: t.updated.0,
        notes: t.notes.into_iter().map(|(a, ts, b)| (a, ts.0, b)).collect(),
    }
}

fn customer_view(
    s: &store::Store,
    c: store::crm::Customer,
) -> Result<CustomerView, store::StoreError> {
    let history = s
        .interactions(c.id, 20)?
        .into_iter()
        .map(|i| InteractionDto {
            id: i.id,
            channel: i.channel,
            direction: i.direction,
            remote_number: i.remote_number,
            agent: i.agent,
            queue: i.queue,
            started_us: i.started.0,
            ended_us: i.ended.0,
            disposition: i.disposition,
            notes: i.notes,
            data: i.data,
        })
        .collect();
    let open_tickets = s.tickets(c.id, true)?.into_iter().map(ticket_dto).collect();
    Ok(CustomerView {
        id: c.id,
        name: c.name,
        company: c.company,
        email: c.email,
        vip: c.vip,
        account_owner: c.account_owner,
        notes: c.notes,
        contacts: c
            .contacts
            .into_iter()
            .map(|k| ContactDto {
                name: k.name,
                phone: k.phone,
                email: k.email,
            })
            .collect(),
        history,
        open_tickets,
    })
}

/// A customer for the screen pop: profile, contacts, history, open tickets.
#[utoipa::path(get, path = "/api/v1/desk/customers/{id}", tag = "desk",
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerView), (status = 404, body = WebError)))]
pub async fn customer(
    State(st): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Json<CustomerView>, WebError> {
    st.db(move |s| match s.customer(id)? {
        Some(c) => customer_view(s, c).map(Some),
        None => Ok(None),
    })
    .await?
    .map(Json)
    .ok_or_else(|| WebError::new(StatusCode::NOT_FOUND, format!("no customer {id}")))
}

/// Look-up query.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct LookupQuery {
    /// A phone number in any common format.
    pub number: String,
}

/// The customer with this phone number (screen pop of an unknown caller id).
#[utoipa::path(get, path = "/api/v1/desk/lookup", tag = "desk", params(LookupQuery),
    responses((status = 200, body = CustomerView), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn lookup(
    State(st): State<WebState>,
    Query(q): Query<LookupQuery>,
) -> Result<Json<CustomerView>, WebError> {
    if q.number.trim().is_empty() {
        return Err(WebError::invalid("number", "must not be empty"));
    }
    let n = q.number.clone();
    st.db(move |s| match s.customer_by_phone(&n)? {
        Some(c) => customer_view(s, c).map(Some),
        None => Ok(None),
    })
    .await?
    .map(Json)
    .ok_or_else(|| {
        WebError::new(
            StatusCode::NOT_FOUND,
            format!("no customer with number {}", q.number),
        )
    })
}

// ------------------------------------------------------------------------ tickets

/// A new ticket.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketDto {
    /// The customer.
    pub customer_id: Option<i64>,
    /// Subject, 1–200 characters.
    pub subject: String,
    /// 1 (highest) – 5.
    pub priority: u8,
    /// A first note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Created row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    /// Row id.
    pub id: i64,
}

/// Create a ticket (assigned to the caller).
#[utoipa::path(post, path = "/api/v1/desk/tickets", tag = "desk", request_body = NewTicketDto,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn ticket_create(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<NewTicketDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let now = st.now();
    let (uid, author) = caller
        .session
        .as_ref()
        .map(|s| (s.user_id, s.username.clone()))
        .ok_or_else(WebError::forbidden)?;
    let id = st
        .db(move |s| {
            s.create_ticket_with_note(
                d.customer_id,
                &d.subject,
                d.priority,
                Some(uid),
                d.note.as_deref(),
                &author,
                now,
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A ticket change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdateDto {
    /// `open`, `pending`, `resolved`, `closed`.
    pub status: String,
    /// A note to add.
    #[serde(default)]
    pub note: Option<String>,
}

/// Change a ticket's status and add a note.
#[utoipa::path(put, path = "/api/v1/desk/tickets/{id}", tag = "desk", request_body = TicketUpdateDto,
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn ticket_update(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<TicketUpdateDto>,
) -> Result<Json<Created>, WebError> {
    let status = TicketStatus::parse(&d.status).ok_or_else(|| {
        WebError::invalid("ticket.status", format!("unknown value `{}`", d.status))
    })?;
    let now = st.now();
    let author = caller
        .session
        .as_ref()
        .map(|s| s.username.clone())
        .ok_or_else(WebError::forbidden)?;
    st.db(move |s| s.change_ticket(id, status, d.note.as_deref(), &author, now))
        .await?;
    Ok(Json(Created { id }))
}

// ------------------------------------------------------------------------ KB search

/// Search query.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct KbQuery {
    /// Words (all must match; FTS5 for words of 3+ characters, substring otherwise).
    pub q: String,
}

/// A search hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbHitDto {
    /// Article id.
    pub id: i64,
    /// Title, matches in `[…]`.
    pub title: String,
    /// Category.
    pub category: String,
    /// Excerpt, matches in `[…]`.
    pub snippet: String,
}

/// Knowledge-base search.
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "kb", params(KbQuery),
    responses((status = 200, body = Vec<KbHitDto>), (status = 422, body = WebError)))]
pub async fn kb_search(
    State(st): State<WebState>,
    Query(q): Query<KbQuery>,
) -> Result<Json<Vec<KbHitDto>>, WebError> {
    let hits = st.db(move |s| s.search_kb(&q.q, 20)).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| KbHitDto {
                id: h.id,
                title: h.title,
                category: h.category,
                snippet: h.snippet,
            })
            .collect(),
    ))
}

// ------------------------------------------------------------------------ callbacks

/// A scheduled callback.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallbackDto {
    /// Row id.
    pub id: i64,
    /// Number to call.
    pub number: String,
    /// Due, µs since the epoch.
    pub due_us: i64,
    /// Agent that must make it (`null`: anybody).
    pub agent: Option<String>,
    /// Customer.
    pub customer_id: Option<i64>,
    /// What it is about.
    pub note: String,
    /// Who scheduled it.
    pub created_by: String,
}

/// My open callbacks (mine and anybody's), due first.
#[utoipa::path(get, path = "/api/v1/desk/callbacks", tag = "desk",
    responses((status = 200, body = Vec<CallbackDto>)))]
pub async fn callbacks(
    State(st): State<WebState>,
    caller: Caller,
) -> Result<Json<Vec<CallbackDto>>, WebError> {
    let me = agent_number(&st, &caller).await?;
    let v = st.db(move |s| s.open_callbacks(me.as_deref(), 100)).await?;
    Ok(Json(
        v.into_iter()
            .map(|c| CallbackDto {
                id: c.id,
                number: c.callback.number,
                due_us: c.callback.due.0,
                agent: c.callback.agent,
                customer_id: c.callback.customer_id,
                note: c.callback.note,
                created_by: c.callback.created_by,
            })
            .collect(),
    ))
}

/// A callback to schedule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCallbackDto {
    /// Number to call.
    pub number: String,
    /// Due, µs since the epoch.
    pub due_us: i64,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// What it is about.
    #[serde(default)]
    pub note: String,
    /// `true`: only I may make it; `false`: anybody.
    #[serde(default = "yes")]
    pub mine: bool,
}

fn yes() -> bool {
    true
}

/// Schedule a callback.
#[utoipa::path(post, path = "/api/v1/desk/callbacks", tag = "desk", request_body = NewCallbackDto,
    responses((status = 201, body = Created), (status = 422, body = WebError)))]
pub async fn callback_create(
    State(st): State<WebState>,
    caller: Caller,
    Body(d): Body<NewCallbackDto>,
) -> Result<(StatusCode, Json<Created>), WebError> {
    let now = st.now();
    if d.due_us < now.0 - 60_000_000 {
        return Err(WebError::invalid("callback.due_us", "is in the past"));
    }
    let me = agent_number(&st, &caller).await?;
    let by = caller
        .session
        .as_ref()
        .map(|s| s.username.clone())
        .unwrap_or_default();
    let cb = NewCallback {
        customer_id: d.customer_id,
        number: d.number,
        due: store::Timestamp(d.due_us),
        agent: if d.mine { me } else { None },
        note: d.note,
        created_by: by,
    };
    let id = st.db(move |s| s.schedule_callback(&cb, now)).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// How a callback ended.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCallbackDto {
    /// `done` or `cancelled`.
    pub status: String,
}

/// Mark a callback done or cancelled.
#[utoipa::path(post, path = "/api/v1/desk/callbacks/{id}/close", tag = "desk", request_body = CloseCallbackDto,
    params(("id" = i64, Path, description = "Callback id")),
    responses((status = 200, body = Created), (status = 404, body = WebError), (status = 422, body = WebError)))]
pub async fn callback_close(
    State(st): State<WebState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(d): Body<CloseCallbackDto>,
) -> Result<Json<Created>, WebError> {
    let status = CallbackStatus::parse(&d.status)
        .filter(|s| *s != CallbackStatus::Open)
        .ok_or_else(|| {
            WebError::invalid("callback.status", format!("unknown value `{}`", d.status))
        })?;
    let me = agent_number(&st, &caller).await?;
    let plain_agent = caller
        .session
        .as_ref()
        .is_some_and(|s| s.role == Role::Agent);
    st.db(move |s| {
        let Some(cb) = s.callback(id)? else {
            return Err(store::StoreError::NotFound {
                entity: store::Entity::Callback,
                id,
            });
        };
        if plain_agent && cb.callback.agent.is_some() && cb.callback.agent != me {
            return Err(store::Invalid::new(
                "callback.agent",
                store::Rule::Conflicts {
                    other: "another agent's callback",
                },
            )
            .into());
        }
        s.close_callback(id, status)
    })
    .await?;
    Ok(Json(Created { id }))
}
