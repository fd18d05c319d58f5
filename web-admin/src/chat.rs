//! Web chat, the second channel: customers chat from a widget embedded in any web page,
//! chats are queued and routed by the `acd` engine (same queues, skills, priorities and
//! strategies as calls, chat capacity per agent), agents handle them in the desk beside
//! calls, and the transcript is saved to the customer's interaction history.
//!
//! - [`ChatService`]: sessions, messages, typing, close, idle timeouts, the `acd::Acd` it
//!   feeds ([`acd::Input::ContactArrived`] with [`acd::Media::Chat`]); chat ids start at
//!   [`CHAT_ID_BASE`] so they never meet voice call ids in a shared ACD.
//! - `GET /chat` (public): the widget page (an iframe target), `GET /static/chat-widget.js`
//!   (public): the script a web page embeds, `GET /api/chat/v1/ws` (public, rate-limited per
//!   source address): the customer's WebSocket.
//! - `GET /api/chat/v1/agent/ws` (agents): the desk's chat WebSocket.
//!
//! Wire (JSON text frames, `type` tagged). Customer → server: `send {text}`, `typing`,
//! `close`. Server → customer: `queued {chat, position}`, `joined {agent}`, `message {from,
//! text, at}`, `typing`, `closed {by}`, `error {error}`. Agent → server: `ready`,
//! `not_ready`, `accept {chat}`, `decline {chat}`, `send {chat, text}`, `typing {chat}`,
//! `close {chat, disposition, notes}`. Server → agent: `state {ready}`, `offer {chat, name,
//! queue, customer, lines}`, `withdrawn {chat}`, `accepted {chat, lines}`, `message {chat,
//! from, text, at}`, `typing {chat}`, `closed {chat, by}`, `error {error}`.
//!
//! **What it is not:** no HTML ever leaves this module with customer text in it (pages and
//! scripts put text in with `textContent`); no file transfer or rich text; no e-mail. In
//! this crate the chat ACD is its own instance, not the one that routes calls: "one call
//! or chats" is kept by the host across the two, both ways. [`ChatService::set_phone_busy`]:
//! the host says which agents are on a call; they get no chat offers meanwhile.
//! [`ChatService::chat_load`] (woken by [`ChatService::load_changed`]): the host reads
//! how many chats each agent holds or is offered, for the call side to keep them from
//! calls (the daemon hands it to its call center). One `acd` instance for both is the next
//! step.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acd::{Acd, AgentId, CallId, CallerData, Input, Media, Output, QueueId};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use store::Timestamp;
use store::chat::{ChatLine, MAX_BODY_CHARS, Sender};
use store::crm::Interaction;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, broadcast};

use crate::{Caller, Clock, Peer, WebError, WebState};

/// Chat contact ids start here (voice calls use small ids).
pub const CHAT_ID_BASE: u64 = 1 << 48;
/// Longest customer name, e-mail or phone accepted from the widget (characters).
pub const MAX_FIELD_CHARS: usize = 64;
/// Largest WebSocket frame read (bytes); a bigger one closes the socket.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Why a chat request was refused. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// No chat queue with this name.
    #[error("unknown chat queue")]
    UnknownQueue,
    /// A field over its length limit.
    #[error("{field} longer than {max} characters")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// An empty message.
    #[error("empty message")]
    Empty,
    /// Too many new chats from this address, or messages in this chat, in the last minute.
    #[error("too many requests, slow down")]
    RateLimited,
    /// No such chat (or already closed).
    #[error("unknown or closed chat")]
    UnknownChat,
    /// The chat is not this agent's (not offered to it, not accepted by it).
    #[error("this chat is not yours")]
    NotYours,
    /// A frame that is not a valid message.
    #[error("malformed message")]
    Malformed,
    /// The user has no agent linked, or the agent is not configured for chat.
    #[error("not a chat agent")]
    NotAnAgent,
    /// The ACD refused the input (state does not fit).
    #[error("not possible now")]
    NotNow,
}

/// Chat settings: the routing configuration and the limits.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// Queues, agents (with `chat_capacity`), skills and strategies for chats.
    pub acd: acd::Config,
    /// Queue name (the widget's `queue` parameter) → ACD queue.
    pub queues: BTreeMap<String, QueueId>,
    /// Agent number (as in the desk) → ACD agent.
    pub agents: BTreeMap<String, AgentId>,
    /// A chat whose customer sent nothing and was not connected for this long is closed.
    pub idle_timeout: Duration,
    /// New chats per source address per minute.
    pub new_chats_per_minute: u32,
    /// Customer messages per chat per minute.
    pub messages_per_minute: u32,
}

impl ChatConfig {
    /// A configuration with default limits: 15 min idle timeout, 6 new chats and 30
    /// messages per minute.
    #[must_use]
    pub fn new(
        acd: acd::Config,
        queues: BTreeMap<String, QueueId>,
        agents: BTreeMap<String, AgentId>,
    ) -> Self {
        Self {
            acd,
            queues,
            agents,
            idle_timeout: Duration::from_secs(15 * 60),
            new_chats_per_minute: 6,
            messages_per_minute: 30,
        }
    }
}

/// Who a chat event is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum To {
    Customer(u64),
    Agent(String),
}

#[derive(Debug, Clone)]
struct Event {
    to: To,
    msg: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Waiting,
    Connected,
}

#[derive(Debug)]
struct Session {
    queue: String,
    name: String,
    email: String,
    phone: String,
    customer: Option<i64>,
    started: Timestamp,
    last_activity: Timestamp,
    phase: Phase,
    agent: Option<String>,
    offered: Vec<String>,
    lines: Vec<ChatLine>,
    recent: Vec<Timestamp>,
}

/// A finished chat, to be written to the store ([`ChatService::save`]).
#[derive(Debug, Clone)]
pub struct Finished {
    /// The interaction row (channel `chat`).
    pub interaction: Interaction,
    /// The transcript.
    pub lines: Vec<ChatLine>,
}

struct Inner {
    acd: Acd,
    cfg: ChatConfig,
    agent_numbers: BTreeMap<AgentId, String>,
    sessions: BTreeMap<u64, Session>,
    next: u64,
    per_source: HashMap<IpAddr, Vec<Timestamp>>,
    finished: Vec<Finished>,
    /// Agents busy with a phone call (ringing, talking, holding, wrap-up), as the daemon
    /// last said.
    on_phone: BTreeSet<String>,
    /// Agents on a call who are to be Ready for chats again when the call is over (they
    /// were Ready when it came, or asked for Ready during it).
    resume: BTreeSet<String>,
}

/// The chat service. Cheap to share (`Arc`); every method takes the lock briefly.
pub struct ChatService {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Event>,
    clock: Clock,
    /// Woken after every routing step ([`Self::load_changed`]).
    routed: Notify,
}

impl std::fmt::Debug for ChatService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatService").finish_non_exhaustive()
    }
}

fn instant(t: Timestamp) -> acd::Instant {
    acd::Instant::from_micros(u64::try_from(t.0).unwrap_or(0))
}

fn check_len(field: &'static str, s: &str, max: usize) -> Result<(), ChatError> {
    if s.chars().count() > max {
        return Err(ChatError::TooLong { field, max });
    }
    Ok(())
}

/// Keeps the stamps of the last minute; `Err` when `limit` are already there.
fn rate(stamps: &mut Vec<Timestamp>, now: Timestamp, limit: u32) -> Result<(), ChatError> {
    stamps.retain(|t| now.0 - t.0 < 60_000_000);
    if stamps.len() >= limit as usize {
        return Err(ChatError::RateLimited);
    }
    stamps.push(now);
    Ok(())
}

impl ChatService {
    /// A service over this configuration.
    ///
    /// # Errors
    /// The ACD refused the configuration.
    pub fn new(cfg: ChatConfig, clock: Clock) -> Result<Arc<Self>, acd::AcdError> {
        let acd = Acd::new(cfg.acd.clone(), 0xC4A7)?;
        let agent_numbers = cfg.agents.iter().map(|(n, id)| (*id, n.clone())).collect();
        Ok(Arc::new(Self {
            inner: Mutex::new(Inner {
                acd,
                cfg,
                agent_numbers,
                sessions: BTreeMap::new(),
                next: 1,
                per_source: HashMap::new(),
                finished: Vec::new(),
                on_phone: BTreeSet::new(),
                resume: BTreeSet::new(),
            }),
            tx: broadcast::channel(4096).0,
            clock,
            routed: Notify::new(),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn emit(&self, to: To, msg: Value) {
        let _ = self.tx.send(Event { to, msg });
    }

    /// Chats being handled or waiting.
    #[must_use]
    pub fn open_chats(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Every chat agent (by number) with how many chats it holds (accepted, not closed) or
    /// is being offered: what the call side needs for "one call or chats" (the daemon hands
    /// it to the call center, which keeps an agent with chats out of voice routing).
    #[must_use]
    pub fn chat_load(&self) -> BTreeMap<String, usize> {
        let g = self.lock();
        let mut load: BTreeMap<String, usize> =
            g.cfg.agents.keys().map(|n| (n.clone(), 0)).collect();
        for s in g.sessions.values() {
            let mut mine: BTreeSet<&str> = s.offered.iter().map(String::as_str).collect();
            if let Some(a) = &s.agent {
                mine.insert(a);
            }
            for a in mine {
                if let Some(n) = load.get_mut(a) {
                    *n += 1;
                }
            }
        }
        load
    }

    /// Returns once the chats may have moved since the last call (a chat offered, accepted,
    /// withdrawn or closed): wake-up for a task that follows [`Self::chat_load`]. A change
    /// while nobody waits is kept for the next call.
    pub async fn load_changed(&self) {
        self.routed.notified().await;
    }

    /// A customer opens a chat in `queue` (from source `ip`). Returns the chat id. The
    /// caller matched `customer` in the CRM beforehand (e-mail, then phone).
    ///
    /// # Errors
    /// [`ChatError::UnknownQueue`], [`ChatError::TooLong`], [`ChatError::RateLimited`].
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &self,
        ip: IpAddr,
        queue: &str,
        name: &str,
        email: &str,
        phone: &str,
        customer: Option<(i64, bool)>,
    ) -> Result<u64, ChatError> {
        check_len("name", name, MAX_FIELD_CHARS)?;
        check_len("email", email, MAX_FIELD_CHARS)?;
        check_len("phone", phone, MAX_FIELD_CHARS)?;
        let now = (self.clock)();
        let mut g = self.lock();
        let qid = *g.cfg.queues.get(queue).ok_or(ChatError::UnknownQueue)?;
        let limit = g.cfg.new_chats_per_minute;
        rate(g.per_source.entry(ip).or_default(), now, limit)?;
        let id = g.next;
        g.next += 1;
        g.sessions.insert(
            id,
            Session {
                queue: queue.to_owned(),
                name: name.trim().to_owned(),
                email: email.trim().to_owned(),
                phone: phone.trim().to_owned(),
                customer: customer.map(|c| c.0),
                started: now,
                last_activity: now,
                phase: Phase::Waiting,
                agent: None,
                offered: Vec::new(),
                lines: Vec::new(),
                recent: Vec::new(),
            },
        );
        let caller = CallerData {
            vip: customer.is_some_and(|c| c.1),
            ..CallerData::default()
        };
        let r = g.acd.handle_input(
            instant(now),
            Input::ContactArrived {
                call: CallId(CHAT_ID_BASE + id),
                queue: qid,
                media: Media::Chat,
                caller,
            },
        );
        if r.is_err() {
            g.sessions.remove(&id);
            return Err(ChatError::UnknownQueue);
        }
        let position = g
            .acd
            .waiting(qid)
            .iter()
            .position(|c| *c == CallId(CHAT_ID_BASE + id))
            .map_or(0, |p| p + 1);
        self.emit(
            To::Customer(id),
            json!({"type": "queued", "chat": id, "position": position}),
        );
        self.pump(&mut g, now);
        Ok(id)
    }

    /// A customer's frame on chat `id`.
    ///
    /// # Errors
    /// What was wrong with it; nothing changed.
    pub fn customer_frame(&self, id: u64, text: &str) -> Result<(), ChatError> {
        #[derive(Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
        enum In {
            Send { text: String },
            Typing,
            Close,
        }
        let m: In = serde_json::from_str(text).map_err(|_| ChatError::Malformed)?;
        let now = (self.clock)();
        let mut g = self.lock();
        let limit = g.cfg.messages_per_minute;
        let s = g.sessions.get_mut(&id).ok_or(ChatError::UnknownChat)?;
        match m {
            In::Send { text } => {
                if text.trim().is_empty() {
                    return Err(ChatError::Empty);
                }
                check_len("text", &text, MAX_BODY_CHARS)?;
                rate(&mut s.recent, now, limit)?;
                s.last_activity = now;
                let author = if s.name.is_empty() {
                    "customer".to_owned()
                } else {
                    s.name.clone()
                };
                s.lines.push(ChatLine {
                    at: now,
                    sender: Sender::Customer,
                    author,
                    body: text.clone(),
                });
                let msg = json!({"type": "message", "chat": id, "from": "customer", "text": text, "at": now.0});
                if let Some(a) = s.agent.clone() {
                    self.emit(To::Agent(a), msg.clone());
                }
                self.emit(To::Customer(id), msg);
            }
            In::Typing => {
                s.last_activity = now;
                if let Some(a) = s.agent.clone() {
                    self.emit(To::Agent(a), json!({"type": "typing", "chat": id}));
                }
            }
            In::Close => {
                self.finish(&mut g, now, id, "customer", "customer_left", "");
                // The freed agent may get the next chat at once.
                self.pump(&mut g, now);
            }
        }
        Ok(())
    }

    /// The customer's socket went away: the chat closes (its transcript is kept).
    pub fn customer_gone(&self, id: u64) {
        let now = (self.clock)();
        let mut g = self.lock();
        if g.sessions.contains_key(&id) {
            self.finish(&mut g, now, id, "customer", "customer_left", "");
            self.pump(&mut g, now);
        }
    }

    /// An agent's chat socket opened: the agent is logged in for chats (not ready).
    /// Returns the chats it still holds (after a reconnect) as `accepted` messages.
    ///
    /// # Errors
    /// [`ChatError::NotAnAgent`].
    pub fn agent_connected(&self, number: &str) -> Result<Vec<Value>, ChatError> {
        let now = (self.clock)();
        let mut g = self.lock();
        let aid = *g.cfg.agents.get(number).ok_or(ChatError::NotAnAgent)?;
        let _ = g
            .acd
            .handle_input(instant(now), Input::LoggedIn { agent: aid });
        self.pump(&mut g, now);
        Ok(g.sessions
            .iter()
            .filter(|(_, s)| s.agent.as_deref() == Some(number) && s.phase == Phase::Connected)
            .map(|(id, s)| accepted_msg(*id, s))
            .collect())
    }

    /// The agent's chat socket closed: logged out for chats; chats offered go back in line,
    /// accepted chats stay with the agent until closed (the customer sees no change).
    pub fn agent_disconnected(&self, number: &str) {
        let now = (self.clock)();
        let mut g = self.lock();
        g.resume.remove(number);
        if let Some(&aid) = g.cfg.agents.get(number) {
            let _ = g
                .acd
                .handle_input(instant(now), Input::LoggedOut { agent: aid });
            self.pump(&mut g, now);
        }
    }

    /// Whether agent `number` is busy with a phone call (ringing, talking, holding or in
    /// its wrap-up): "one call
    /// or chats" on the server. While it is, the agent is out of chat routing: a Ready agent
    /// is set not ready (its chat offers go back in line; accepted chats stay) and told
    /// `state {ready: false, on_call: true}`; asking for Ready meanwhile is remembered. When
    /// the call is over the agent is Ready again if it was or asked to be. Repeating the
    /// same value is a no-op; unknown numbers are ignored.
    pub fn set_phone_busy(&self, number: &str, busy: bool) {
        let now = (self.clock)();
        let mut g = self.lock();
        let Some(&aid) = g.cfg.agents.get(number) else {
            return;
        };
        if busy == g.on_phone.contains(number) {
            return;
        }
        let t = instant(now);
        if busy {
            g.on_phone.insert(number.to_owned());
            let ready = g
                .acd
                .agent_snapshot(aid)
                .is_some_and(|a| a.state == acd::AgentState::Ready);
            if ready
                && g.acd
                    .handle_input(
                        t,
                        Input::NotReady {
                            agent: aid,
                            reason: acd::PauseReason::Break,
                        },
                    )
                    .is_ok()
            {
                g.resume.insert(number.to_owned());
                self.emit(
                    To::Agent(number.to_owned()),
                    json!({"type": "state", "ready": false, "on_call": true}),
                );
            }
        } else {
            g.on_phone.remove(number);
            if g.resume.remove(number) && g.acd.handle_input(t, Input::Ready { agent: aid }).is_ok()
            {
                self.emit(
                    To::Agent(number.to_owned()),
                    json!({"type": "state", "ready": true}),
                );
            }
        }
        self.pump(&mut g, now);
    }

    /// An agent's frame.
    ///
    /// # Errors
    /// What was wrong with it; nothing changed.
    pub fn agent_frame(&self, number: &str, text: &str) -> Result<(), ChatError> {
        #[derive(Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
        enum In {
            Ready,
            NotReady,
            Accept {
                chat: u64,
            },
            Decline {
                chat: u64,
            },
            Send {
                chat: u64,
                text: String,
            },
            Typing {
                chat: u64,
            },
            Close {
                chat: u64,
                disposition: String,
                #[serde(default)]
                notes: String,
            },
        }
        let m: In = serde_json::from_str(text).map_err(|_| ChatError::Malformed)?;
        let now = (self.clock)();
        let mut g = self.lock();
        let aid = *g.cfg.agents.get(number).ok_or(ChatError::NotAnAgent)?;
        let t = instant(now);
        match m {
            In::Ready if g.on_phone.contains(number) => {
                g.resume.insert(number.to_owned());
                self.emit(
                    To::Agent(number.to_owned()),
                    json!({"type": "state", "ready": false, "on_call": true}),
                );
            }
            In::NotReady if g.resume.remove(number) => {
                self.emit(
                    To::Agent(number.to_owned()),
                    json!({"type": "state", "ready": false}),
                );
            }
            In::Ready => {
                g.acd
                    .handle_input(t, Input::Ready { agent: aid })
                    .map_err(|_| ChatError::NotNow)?;
                self.emit(
                    To::Agent(number.to_owned()),
                    json!({"type": "state", "ready": true}),
                );
            }
            In::NotReady => {
                g.acd
                    .handle_input(
                        t,
                        Input::NotReady {
                            agent: aid,
                            reason: acd::PauseReason::Break,
                        },
                    )
                    .map_err(|_| ChatError::NotNow)?;
                self.emit(
                    To::Agent(number.to_owned()),
                    json!({"type": "state", "ready": false}),
                );
            }
            In::Accept { chat } => {
                let s = g.sessions.get(&chat).ok_or(ChatError::UnknownChat)?;
                if !s.offered.iter().any(|a| a == number) {
                    return Err(ChatError::NotYours);
                }
                g.acd
                    .handle_input(
                        t,
                        Input::OfferAnswered {
                            call: CallId(CHAT_ID_BASE + chat),
                            agent: aid,
                        },
                    )
                    .map_err(|_| ChatError::NotYours)?;
                let s = g.sessions.get_mut(&chat).ok_or(ChatError::UnknownChat)?;
                s.phase = Phase::Connected;
                s.agent = Some(number.to_owned());
                s.offered.clear();
                s.last_activity = now;
                s.lines.push(ChatLine {
                    at: now,
                    sender: Sender::System,
                    author: String::new(),
                    body: format!("agent {number} joined"),
                });
                let msg = accepted_msg(chat, s);
                self.emit(To::Agent(number.to_owned()), msg);
                self.emit(
                    To::Customer(chat),
                    json!({"type": "joined", "agent": number}),
                );
            }
            In::Decline { chat } => {
                g.acd
                    .handle_input(
                        t,
                        Input::OfferRejected {
                            call: CallId(CHAT_ID_BASE + chat),
                            agent: aid,
                        },
                    )
                    .map_err(|_| ChatError::NotYours)?;
            }
            In::Send { chat, text } => {
                if text.trim().is_empty() {
                    return Err(ChatError::Empty);
                }
                check_len("text", &text, MAX_BODY_CHARS)?;
                let s = g.sessions.get_mut(&chat).ok_or(ChatError::UnknownChat)?;
                if s.agent.as_deref() != Some(number) {
                    return Err(ChatError::NotYours);
                }
                s.lines.push(ChatLine {
                    at: now,
                    sender: Sender::Agent,
                    author: number.to_owned(),
                    body: text.clone(),
                });
                let msg = json!({"type": "message", "chat": chat, "from": "agent", "text": text, "at": now.0});
                self.emit(To::Customer(chat), msg.clone());
                self.emit(To::Agent(number.to_owned()), msg);
            }
            In::Typing { chat } => {
                let s = g.sessions.get(&chat).ok_or(ChatError::UnknownChat)?;
                if s.agent.as_deref() != Some(number) {
                    return Err(ChatError::NotYours);
                }
                self.emit(To::Customer(chat), json!({"type": "typing"}));
            }
            In::Close {
                chat,
                disposition,
                notes,
            } => {
                check_len("disposition", &disposition, 32)?;
                check_len("notes", &notes, MAX_BODY_CHARS)?;
                let s = g.sessions.get(&chat).ok_or(ChatError::UnknownChat)?;
                if s.agent.as_deref() != Some(number) {
                    return Err(ChatError::NotYours);
                }
                self.finish(&mut g, now, chat, "agent", &disposition, &notes);
            }
        }
        self.pump(&mut g, now);
        Ok(())
    }

    /// Runs the ACD's timers (offer timeouts, max wait, announcements) and closes chats
    /// idle past the configured timeout. Call it every second or so.
    pub fn tick(&self) {
        let now = (self.clock)();
        let mut g = self.lock();
        let t = instant(now);
        if g.acd.poll_timeout().is_some_and(|d| d <= t) {
            g.acd.handle_timeout(t);
        }
        self.pump(&mut g, now);
        let idle = i64::try_from(g.cfg.idle_timeout.as_micros()).unwrap_or(i64::MAX);
        let stale: Vec<u64> = g
            .sessions
            .iter()
            .filter(|(_, s)| now.0 - s.last_activity.0 >= idle)
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.finish(&mut g, now, id, "timeout", "timeout", "");
        }
        self.pump(&mut g, now);
    }

    /// Sets how many chats every agent handles at once (the store's `chat_capacity`
    /// setting, [`store::chat::CHAT_CAPACITY_RANGE`]), live: the ACD gets the changed
    /// configuration at once, so a raised capacity offers waiting chats now, and a lowered
    /// one offers no new chat to an agent holding that many (chats already held stay).
    ///
    /// # Errors
    /// The ACD refused the configuration (a capacity above [`acd::MAX_CHAT_CAPACITY`]);
    /// nothing changed.
    pub fn set_capacity(&self, capacity: u8) -> Result<(), acd::AcdError> {
        let now = (self.clock)();
        let mut g = self.lock();
        let mut cfg = g.cfg.acd.clone();
        for a in &mut cfg.agents {
            a.chat_capacity = capacity;
        }
        g.acd
            .handle_input(instant(now), Input::ConfigChanged(cfg.clone()))?;
        g.cfg.acd = cfg;
        self.pump(&mut g, now);
        Ok(())
    }

    /// The chat capacity of agent `number` in force, if it is a chat agent.
    #[must_use]
    pub fn capacity_of(&self, number: &str) -> Option<u8> {
        let g = self.lock();
        let id = g.cfg.agents.get(number)?;
        g.cfg
            .acd
            .agents
            .iter()
            .find(|a| a.id == *id)
            .map(|a| a.chat_capacity)
    }

    /// Takes the chats finished since the last call (to write them with [`Self::save`]).
    pub fn take_finished(&self) -> Vec<Finished> {
        std::mem::take(&mut self.lock().finished)
    }

    /// Writes the finished chats into the store (interaction + transcript each).
    ///
    /// # Errors
    /// The first chat the store refused; the others are still written.
    pub async fn save(&self, st: &WebState) -> Result<(), WebError> {
        let done = self.take_finished();
        if done.is_empty() {
            return Ok(());
        }
        st.db(move |s| {
            let mut first = Ok(());
            for f in done {
                if let Err(e) = s.record_chat(&f.interaction, &f.lines)
                    && first.is_ok()
                {
                    first = Err(e);
                }
            }
            first
        })
        .await
    }

    /// Ends chat `id`: tells both sides, takes it out of the ACD, keeps the transcript.
    fn finish(
        &self,
        g: &mut Inner,
        now: Timestamp,
        id: u64,
        by: &str,
        disposition: &str,
        notes: &str,
    ) {
        let Some(mut s) = g.sessions.remove(&id) else {
            return;
        };
        let call = CallId(CHAT_ID_BASE + id);
        let t = instant(now);
        let _ = if s.phase == Phase::Connected {
            g.acd.handle_input(t, Input::CallEnded { call })
        } else {
            g.acd.handle_input(t, Input::Abandoned { call })
        };
        s.lines.push(ChatLine {
            at: now,
            sender: Sender::System,
            author: String::new(),
            body: format!("closed by {by}"),
        });
        let msg = json!({"type": "closed", "chat": id, "by": by});
        if let Some(a) = &s.agent {
            self.emit(To::Agent(a.clone()), msg.clone());
        }
        for a in &s.offered {
            self.emit(
                To::Agent(a.clone()),
                json!({"type": "withdrawn", "chat": id}),
            );
        }
        self.emit(To::Customer(id), msg);
        g.finished.push(Finished {
            interaction: Interaction {
                id: 0,
                customer_id: s.customer,
                channel: "chat".into(),
                call_id: Some(format!("chat-{id}")),
                remote_number: s.phone.clone(),
                direction: "inbound".into(),
                agent: s.agent.clone(),
                queue: Some(s.queue.clone()),
                started: s.started,
                ended: now,
                disposition: disposition.to_owned(),
                notes: notes.to_owned(),
                data: json!({"name": s.name, "email": s.email, "messages": s.lines.len()}),
            },
            lines: s.lines,
        });
    }

    /// Carries out the ACD's outputs (bounded: a closed chat's outputs are carried out in
    /// the next round).
    fn pump(&self, g: &mut Inner, now: Timestamp) {
        self.routed.notify_one();
        for _ in 0..16 {
            let mut overflowed = Vec::new();
            while let Some(o) = g.acd.poll_output() {
                self.carry_out(g, o, &mut overflowed);
            }
            if overflowed.is_empty() {
                return;
            }
            for id in overflowed {
                // The ACD already let go of it (no agent, max wait): close it here.
                self.finish(g, now, id, "queue", "no_agent", "");
            }
        }
    }

    fn carry_out(&self, g: &mut Inner, o: Output, overflowed: &mut Vec<u64>) {
        match o {
            Output::Offer { call, agent, .. } => {
                let id = call.0.wrapping_sub(CHAT_ID_BASE);
                let Some(number) = g.agent_numbers.get(&agent).cloned() else {
                    return;
                };
                if let Some(s) = g.sessions.get_mut(&id) {
                    s.offered.push(number.clone());
                    let msg = json!({
                        "type": "offer", "chat": id, "name": s.name, "email": s.email,
                        "phone": s.phone, "queue": s.queue, "customer": s.customer,
                        "lines": lines_json(&s.lines),
                    });
                    self.emit(To::Agent(number), msg);
                }
            }
            Output::StopRinging { call, agent } => {
                let id = call.0.wrapping_sub(CHAT_ID_BASE);
                let Some(number) = g.agent_numbers.get(&agent).cloned() else {
                    return;
                };
                if let Some(s) = g.sessions.get_mut(&id)
                    && s.agent.as_deref() != Some(number.as_str())
                {
                    s.offered.retain(|a| *a != number);
                    self.emit(To::Agent(number), json!({"type": "withdrawn", "chat": id}));
                }
            }
            Output::Announce { call, announcement } => {
                let id = call.0.wrapping_sub(CHAT_ID_BASE);
                self.emit(
                    To::Customer(id),
                    json!({"type": "queued", "chat": id, "position": announcement.position}),
                );
            }
            Output::Overflow { call, .. } => overflowed.push(call.0.wrapping_sub(CHAT_ID_BASE)),
            _ => {}
        }
    }
}

fn lines_json(lines: &[ChatLine]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| json!({"from": l.sender.as_str(), "author": l.author, "text": l.body, "at": l.at.0}))
            .collect(),
    )
}

fn accepted_msg(id: u64, s: &Session) -> Value {
    json!({
        "type": "accepted", "chat": id, "name": s.name, "email": s.email, "phone": s.phone,
        "queue": s.queue, "customer": s.customer, "lines": lines_json(&s.lines),
    })
}

// ------------------------------------------------------------------------ HTTP

fn service(st: &WebState) -> Result<Arc<ChatService>, WebError> {
    st.chat()
        .ok_or_else(|| WebError::new(StatusCode::SERVICE_UNAVAILABLE, "web chat is not enabled"))
}

/// Query of the customer's WebSocket.
#[derive(Debug, Deserialize)]
pub struct OpenQuery {
    /// Chat queue name.
    pub queue: String,
    /// Customer's name (optional).
    #[serde(default)]
    pub name: String,
    /// E-mail (optional, matches a CRM customer).
    #[serde(default)]
    pub email: String,
    /// Phone (optional, matches a CRM customer).
    #[serde(default)]
    pub phone: String,
}

/// `GET /api/chat/v1/ws?queue=…&name=…&email=…&phone=…`: the customer's WebSocket
/// (public). Refused with 429 past the per-address rate, 422 for unknown queues or
/// over-long fields.
pub async fn customer_ws(
    State(st): State<WebState>,
    Peer(ip): Peer,
    Query(q): Query<OpenQuery>,
    up: WebSocketUpgrade,
) -> Result<Response, WebError> {
    let chat = service(&st)?;
    for (f, v) in [("name", &q.name), ("email", &q.email), ("phone", &q.phone)] {
        check_len(f, v, MAX_FIELD_CHARS).map_err(|e| WebError::invalid(f, e.to_string()))?;
    }
    let (email, phone) = (q.email.clone(), q.phone.clone());
    let customer = st
        .db(move |s| {
            let c = match s.customer_by_email(&email)? {
                Some(c) => Some(c),
                None if !phone.trim().is_empty() => s.customer_by_phone(&phone)?,
                None => None,
            };
            Ok(c.map(|c| (c.id, c.vip)))
        })
        .await?;
    // Subscribe before opening so the first `queued` is not missed.
    let rx = chat.tx.subscribe();
    let id = chat
        .open(ip, &q.queue, &q.name, &q.email, &q.phone, customer)
        .map_err(|e| match e {
            ChatError::RateLimited => WebError::new(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
            ChatError::UnknownQueue => WebError::invalid("queue", e.to_string()),
            _ => WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        })?;
    Ok(up
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| customer_session(st, chat, id, rx, socket)))
}

async fn customer_session(
    st: WebState,
    chat: Arc<ChatService>,
    id: u64,
    mut rx: broadcast::Receiver<Event>,
    mut socket: WebSocket,
) {
    for _ in 0..crate::desk::MAX_FRAMES {
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(e) if e.to == To::Customer(id) => {
                    let closed = e.msg["type"] == "closed";
                    if socket.send(Message::Text(e.msg.to_string().into())).await.is_err() || closed {
                        break;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                if let Err(e) = chat.customer_frame(id, text.as_str()) {
                    let m = json!({"type": "error", "error": e.to_string()});
                    if socket.send(Message::Text(m.to_string().into())).await.is_err() { break; }
                }
                let _ = chat.save(&st).await;
            }
        }
    }
    chat.customer_gone(id);
    let _ = chat.save(&st).await;
}

/// `GET /api/chat/v1/agent/ws`: the desk's chat WebSocket (a user with a linked agent).
pub async fn agent_ws(
    State(st): State<WebState>,
    caller: Caller,
    up: WebSocketUpgrade,
) -> Result<Response, WebError> {
    let chat = service(&st)?;
    let number = crate::desk::agent_number(&st, &caller)
        .await?
        .ok_or_else(|| WebError::new(StatusCode::FORBIDDEN, "no agent is linked to this user"))?;
    let rx = chat.tx.subscribe();
    let held = chat
        .agent_connected(&number)
        .map_err(|e| WebError::new(StatusCode::FORBIDDEN, e.to_string()))?;
    Ok(up
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| agent_session(st, chat, number, held, rx, socket)))
}

async fn agent_session(
    st: WebState,
    chat: Arc<ChatService>,
    number: String,
    held: Vec<Value>,
    mut rx: broadcast::Receiver<Event>,
    mut socket: WebSocket,
) {
    let mut ok = socket
        .send(Message::Text(
            json!({"type": "state", "ready": false}).to_string().into(),
        ))
        .await
        .is_ok();
    for m in held {
        ok = ok
            && socket
                .send(Message::Text(m.to_string().into()))
                .await
                .is_ok();
    }
    let me = To::Agent(number.clone());
    for _ in 0..crate::desk::MAX_FRAMES {
        if !ok {
            break;
        }
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(e) if e.to == me => {
                    ok = socket.send(Message::Text(e.msg.to_string().into())).await.is_ok();
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                if let Err(e) = chat.agent_frame(&number, text.as_str()) {
                    let m = json!({"type": "error", "error": e.to_string()});
                    ok = socket.send(Message::Text(m.to_string().into())).await.is_ok();
                }
                let _ = chat.save(&st).await;
            }
        }
    }
    chat.agent_disconnected(&number);
    let _ = chat.save(&st).await;
}

/// Runs [`ChatService::tick`] and saves finished chats every second, forever (spawn it).
pub async fn run_ticker(st: WebState) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        if let Some(chat) = st.chat() {
            chat.tick();
            let _ = chat.save(&st).await;
        }
    }
}

/// `GET /chat?queue=…`: the widget page (public), meant for the iframe the embed script
/// opens. All customer text is put in with `textContent` by `chat.js`.
pub async fn page(Query(q): Query<BTreeMap<String, String>>) -> Response {
    let queue = q.get("queue").map_or("", String::as_str);
    let body = maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Chat" }
                link rel="stylesheet" href="/static/app.css";
            }
            body.chat-widget {
                main id="chat" data-queue=(queue) {
                    form id="chat-start" {
                        h2 { "Chat with us" }
                        input name="name" placeholder="Name (optional)" maxlength="64";
                        input name="email" type="email" placeholder="E-mail (optional)" maxlength="64";
                        input name="phone" placeholder="Phone (optional)" maxlength="64";
                        button type="submit" { "Start chat" }
                    }
                    section id="chat-room" hidden {
                        p id="chat-status" {}
                        ol id="chat-log" {}
                        p id="chat-typing" hidden { "typing…" }
                        form id="chat-send" {
                            input name="text" autocomplete="off" maxlength="2000" placeholder="Type a message";
                            button type="submit" { "Send" }
                        }
                        button type="button" id="chat-close" { "End chat" }
                    }
                    p id="chat-error" .error {}
                }
                script src="/static/chat.js" {}
            }
        }
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'",
            ),
        ],
        body.into_string(),
    )
        .into_response()
}
