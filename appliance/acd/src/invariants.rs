//! Invariant checks used by the property tests (and usable by the daemon in debug builds).
//!
//! Two views:
//! - [`check`] looks inside the ACD: every call is in exactly one place (in line, ringing
//!   some agents, or connected), every agent's state agrees with the call it names, no agent
//!   is offered two calls, per-queue counts agree, no call is lost (arrivals = live calls +
//!   every way of leaving), and after routing no free agent fits a caller still waiting.
//! - [`Observer`] looks only at inputs and outputs, as the switch would: an agent is never
//!   offered a call while ringing for or talking on another, and a caller never hears an
//!   announcement once an agent has answered. For chats (see [`crate::Media`]): an agent is
//!   never offered a chat beyond its capacity (known from [`Observer::with_config`]) nor
//!   while on a call, and never a call while holding a chat.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Acd, AgentId, CallId, Config, Input, Instant, Media, Output};

/// Checks the ACD's internal invariants at `now` (call after draining outputs).
///
/// # Errors
/// A description of the first invariant broken.
pub fn check(acd: &Acd, now: Instant) -> Result<(), String> {
    acd.check_internal(now)
}

/// Watches inputs and outputs from outside and flags broken promises.
#[derive(Debug, Default)]
pub struct Observer {
    /// Agent → call it is ringing for or talking on, as the switch sees it.
    busy: BTreeMap<AgentId, CallId>,
    /// Calls answered and not yet back in a queue.
    answered: BTreeMap<CallId, AgentId>,
    /// Contacts that are chats.
    chats: BTreeSet<CallId>,
    /// Chat capacity per agent (0 when unknown).
    capacity: BTreeMap<AgentId, u8>,
    /// Agent → chats offered to or held by it, as the host sees it.
    chat_load: BTreeMap<AgentId, BTreeSet<CallId>>,
}

impl Observer {
    /// A new observer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A new observer knowing the agents' chat capacities from `config`.
    #[must_use]
    pub fn with_config(config: &Config) -> Self {
        let mut o = Self::default();
        o.set_capacities(config);
        o
    }

    fn set_capacities(&mut self, config: &Config) {
        self.capacity = config
            .agents
            .iter()
            .map(|a| (a.id, a.chat_capacity))
            .collect();
    }

    fn drop_chat(&mut self, call: CallId) {
        self.chats.remove(&call);
        self.answered.remove(&call);
        for load in self.chat_load.values_mut() {
            load.remove(&call);
        }
    }

    /// Record an input the ACD accepted.
    pub fn input(&mut self, input: &Input) {
        match input {
            Input::ContactArrived {
                call,
                media: Media::Chat,
                ..
            } => {
                self.chats.insert(*call);
            }
            Input::ConfigChanged(config) => self.set_capacities(config),
            Input::OfferAnswered { call, agent } if self.chats.contains(call) => {
                self.answered.insert(*call, *agent);
            }
            Input::CallEnded { call } if self.chats.contains(call) => self.drop_chat(*call),
            Input::Transferred { call, target } if self.chats.contains(call) => {
                let requeued = matches!(target, crate::TransferTarget::Queue { .. });
                self.drop_chat(*call);
                if requeued {
                    self.chats.insert(*call);
                }
            }
            Input::OfferAnswered { call, agent } => {
                self.answered.insert(*call, *agent);
            }
            Input::OfferRejected { call, agent } | Input::OfferNoAnswer { call, agent }
                if self.busy.get(agent) == Some(call) =>
            {
                self.busy.remove(agent);
            }
            Input::CallEnded { call }
            | Input::Transferred { call, .. }
            | Input::CallbackFailed { call } => {
                if let Some(agent) = self.answered.remove(call) {
                    self.busy.remove(&agent);
                }
            }
            _ => {}
        }
    }

    /// Record an output; `Err` when it breaks a promise.
    ///
    /// # Errors
    /// A description of the broken promise.
    pub fn output(&mut self, output: &Output) -> Result<(), String> {
        match output {
            Output::Offer { call, agent, .. } if self.chats.contains(call) => {
                if let Some(other) = self.busy.get(agent) {
                    return Err(format!(
                        "{agent:?} offered chat {call:?} while on {other:?}"
                    ));
                }
                let cap = self.capacity.get(agent).copied().unwrap_or(0);
                let load = self.chat_load.entry(*agent).or_default();
                if load.len() >= usize::from(cap) {
                    return Err(format!(
                        "{agent:?} offered chat {call:?} beyond capacity {cap} ({load:?})"
                    ));
                }
                load.insert(*call);
            }
            Output::StopRinging { call, agent } if self.chats.contains(call) => {
                if self.answered.get(call) != Some(agent)
                    && let Some(load) = self.chat_load.get_mut(agent)
                {
                    load.remove(call);
                }
            }
            Output::Overflow { call, .. } if self.chats.contains(call) => self.drop_chat(*call),
            Output::Offer { call, agent, .. } => {
                if let Some(chats) = self.chat_load.get(agent).filter(|l| !l.is_empty()) {
                    return Err(format!(
                        "{agent:?} offered {call:?} while holding chats {chats:?}"
                    ));
                }
                if let Some(other) = self.busy.get(agent) {
                    return Err(format!(
                        "{agent:?} offered {call:?} while busy with {other:?}"
                    ));
                }
                self.busy.insert(*agent, *call);
            }
            Output::StopRinging { call, agent }
                if self.busy.get(agent) == Some(call) && self.answered.get(call) != Some(agent) =>
            {
                self.busy.remove(agent);
            }
            Output::Announce { call, .. } if self.answered.contains_key(call) => {
                return Err(format!("announcement to {call:?} after it was answered"));
            }
            _ => {}
        }
        Ok(())
    }
}
