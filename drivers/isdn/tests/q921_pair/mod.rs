//! A `Pair` of Q.921 entities (NT and TE) stepped in simulated time over a seeded lossy
//! link: the generic `sim_pair::Pair` over two `Link`s.
#![allow(dead_code, unreachable_pub, unused_imports, missing_docs)]

#[path = "../sim_pair/mod.rs"]
mod sim_pair;

use std::time::Duration;

use isdn::q921::{Config, Event, Link, Role};
pub use sim_pair::{Impair, Rng, Side, describe};

pub type Pair = sim_pair::Pair<Link>;

impl Pair {
    pub fn new(seed: u64) -> Self {
        Self::with_config(seed, Config::default())
    }

    pub fn with_config(seed: u64, config: Config) -> Self {
        Self::with_ends(
            seed,
            Link::new(Role::Network, config),
            Link::new(Role::User, config),
        )
    }

    pub fn link(&mut self, side: Side) -> &mut Link {
        self.end(side)
    }

    /// Data delivered to `side`, in order.
    pub fn data(&self, side: Side) -> Vec<Vec<u8>> {
        self.events(side)
            .iter()
            .filter_map(|e| match e {
                Event::Data(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    /// Establishes the link from `side` on a clean line and asserts both reach state 7.
    pub fn establish(&mut self, side: Side) {
        let now = self.now;
        self.link(side).establish(now);
        let ok = self.run_until_cond(Duration::from_secs(5), |p| {
            p.nt.is_established() && p.te.is_established() && p.line_idle()
        });
        assert!(ok, "link did not come up: {:#?}", self.trace);
    }
}
