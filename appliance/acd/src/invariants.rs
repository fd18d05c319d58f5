//! Invariant checks used by the property tests (and usable by the daemon in debug builds).
//!
//! Two views:
//! - [`check`] looks inside the ACD: every call is in exactly one place (in line, ringing
//!   some agents, or connected), every agent's state agrees with the call it names, no agent
//!   is offered two calls, per-queue counts agree, no call is lost (arrivals = live calls +
//!   every way of leaving), and after routing no free agent fits a caller still waiting.
//! - [`Observer`] looks only at inputs and outputs, as the switch would: an agent is never
//!   offered a call while ringing for or talking on another, and a caller never hears an
//!   announcement once an agent has answered.

use std::collections::BTreeMap;

use crate::{Acd, AgentId, CallId, Input, Instant, Output};

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
}

impl Observer {
    /// A new observer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Record an input the ACD accepted.
    pub fn input(&mut self, input: &Input) {
        match input {
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
            Output::Offer { call, agent, .. } => {
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
