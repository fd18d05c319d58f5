//! A `Pair` of PRI D-channels (our `Pri` NT against our `Pri` TE) stepped in simulated
//! time over a seeded lossy link, recording call events and the Q.931 messages on the line:
//! the generic `sim_pair::Pair` over two `Pri`s.
#![allow(dead_code, unreachable_pub, unused_imports, missing_docs)]

#[path = "../sim_pair/mod.rs"]
mod sim_pair;

use std::time::Duration;

use isdn::call::{CallId, Event};
use isdn::pri::Pri;
use isdn::q931::{MessageType, Role};
pub use sim_pair::{Impair, Rng, Side};

pub type Pair = sim_pair::Pair<Pri>;

impl Pair {
    pub fn new(seed: u64) -> Self {
        Self::with(seed, Pri::new(Role::Network), Pri::new(Role::User))
    }

    pub fn with(seed: u64, nt: Pri, te: Pri) -> Self {
        Self::with_ends(seed, nt, te)
    }

    pub fn pri(&mut self, side: Side) -> &mut Pri {
        self.end(side)
    }

    /// The kinds of Q.931 messages `side` sent, in order (retransmitted I frames once).
    pub fn sent(&self, side: Side) -> Vec<MessageType> {
        self.q931
            .iter()
            .filter(|x| x.1 == side)
            .map(|x| x.2.kind)
            .collect()
    }

    /// Brings the D-channel up from the TE side (as a CPE does) and waits for both.
    pub fn up(&mut self) {
        let now = self.now;
        self.te.start(now);
        let ok = self.run_until_cond(Duration::from_secs(5), |p| {
            p.nt.link().is_established() && p.te.link().is_established()
        });
        assert!(ok, "D-channel did not come up");
    }

    /// The last `IncomingCall` on `side`.
    pub fn incoming(&self, side: Side) -> Option<CallId> {
        self.events(side).iter().rev().find_map(|e| match e {
            Event::IncomingCall { call, .. } => Some(*call),
            _ => None,
        })
    }

    pub fn released(&self, side: Side, call: CallId) -> Option<isdn::q931::CauseValue> {
        self.events(side).iter().find_map(|e| match e {
            Event::Released { call: c, cause } if *c == call => Some(*cause),
            _ => None,
        })
    }
}
