//! Web chat on the running daemon: builds web-admin's [`ChatService`] from the call
//! center's configuration (the same queues, skills and agents as calls) and turns it on in
//! the panel ([`web_admin::WebState::set_chat`]), with its ticker (idle timeouts, ACD ring
//! timeouts, transcripts saved to the customer's history once a second).
//!
//! The customer's widget opens a chat in a queue by its name (`/chat?queue=sales`); the
//! agent takes it in the desk (`/api/chat/v1/agent/ws`, a user linked to the agent).
//!
//! "One call or chats", both ways, by one task ([`one_call_or_chats`]):
//! - calls → chats: every [`crate::ctiside::LIVE_EVERY`] the agents' phone states on the
//!   wallboard's live data (ringing, talking, holding, wrap-up) are handed to
//!   [`ChatService::set_phone_busy`], so an agent on a call is offered no chat, whatever desk
//!   (or none) it has open;
//! - chats → calls: whenever the chats move (an offer, an accept, a withdrawal, a close:
//!   [`ChatService::load_changed`]), and at least every `LIVE_EVERY`, each agent whose count
//!   of chats held or offered ([`ChatService::chat_load`]) changed is sent to the engine
//!   ([`crate::calls::ToEngine::ChatLoad`]), where the call center keeps an agent holding
//!   chats out of voice routing ([`callcenter::Center::set_chat_load`], logged "agent held
//!   out of voice routing").
//!
//! **What it is not:** chats are routed by the chat service's own ACD instance, not the
//! Center's: the two ACDs are kept apart by the two hand-overs above, which lag by up to
//! `LIVE_EVERY` one way (an agent whose phone starts ringing can still be offered a chat
//! within that window) and by a message to the engine thread the other. A configuration
//! change reaches chat routing only at the next start. The chat capacity is one store
//! setting for every agent (`chat_capacity`, default 2): `WebState::set_chat` applies it
//! when chat starts and the panel's chat settings page applies a change at once;
//! [`CHAT_CAPACITY`] only fills the routing configuration before that.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::mpsc::WeakUnboundedSender;
use tracing::{info, warn};
use web_admin::chat::{ChatConfig, ChatService};

use crate::calls::ToEngine;

/// Chats one agent handles at once in the routing configuration built here; the store's
/// setting replaces it when chat starts (`WebState::set_chat`).
pub(crate) const CHAT_CAPACITY: u8 = 2;

/// The chat routing configuration from the call center's: every queue by name, every agent
/// by number, with [`CHAT_CAPACITY`] (or the agent's own, when set).
pub(crate) fn config(center: &callcenter::Config) -> ChatConfig {
    let agents = center
        .agents
        .iter()
        .map(|a| {
            let mut c = a.acd.clone();
            if c.chat_capacity == 0 {
                c.chat_capacity = CHAT_CAPACITY;
            }
            c
        })
        .collect();
    let acd = acd::Config {
        queues: center.queues.iter().map(|q| q.acd.clone()).collect(),
        agents,
        ..acd::Config::default()
    };
    let queues: BTreeMap<String, acd::QueueId> = center
        .queues
        .iter()
        .map(|q| (q.name.clone(), q.acd.id))
        .collect();
    let numbers: BTreeMap<String, acd::AgentId> = center
        .agents
        .iter()
        .map(|a| (a.number.clone(), a.acd.id))
        .collect();
    ChatConfig::new(acd, queues, numbers)
}

/// Turns web chat on in `panel` and spawns its ticker and [`one_call_or_chats`] (feeding
/// `engine`) on the current runtime. A configuration the chat ACD refuses leaves chat off
/// (503), logged.
pub(crate) fn enable(
    panel: &web_admin::WebState,
    center: &callcenter::Config,
    engine: WeakUnboundedSender<ToEngine>,
) {
    let cfg = config(center);
    let queues: Vec<String> = cfg.queues.keys().cloned().collect();
    match ChatService::new(cfg, panel.clock()) {
        Ok(chat) => {
            if panel.set_chat(Arc::clone(&chat)) {
                tokio::spawn(web_admin::chat::run_ticker(panel.clone()));
                tokio::spawn(one_call_or_chats(panel.clone(), chat, engine));
                info!(?queues, "web chat on");
            }
        }
        Err(e) => warn!("web chat off: the chat ACD refused the configuration: {e}"),
    }
}

/// Keeps agents on a phone call out of chat routing, and agents holding chats out of voice
/// routing (see the module's top comment). Ends when the engine is gone.
async fn one_call_or_chats(
    panel: web_admin::WebState,
    chat: Arc<ChatService>,
    engine: WeakUnboundedSender<ToEngine>,
) {
    use web_admin::backend::AgentState;
    let mut every = tokio::time::interval(crate::ctiside::LIVE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The load last sent per agent (the engine starts with none).
    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        tokio::select! {
            _ = every.tick() => {
                for a in panel.backend().agents() {
                    let busy = matches!(
                        a.state,
                        AgentState::Ringing | AgentState::Talking | AgentState::Hold | AgentState::Wrapup
                    );
                    chat.set_phone_busy(&a.agent, busy);
                }
            }
            () = chat.load_changed() => {}
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        for (agent, chats) in chat.chat_load() {
            if sent.get(&agent).copied().unwrap_or(0) == chats {
                continue;
            }
            if engine
                .send(ToEngine::ChatLoad {
                    agent: agent.clone(),
                    chats,
                })
                .is_err()
            {
                return;
            }
            sent.insert(agent, chats);
        }
    }
}
