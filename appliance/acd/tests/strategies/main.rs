//! One module (file) per routing strategy.
#![allow(missing_docs)]

#[path = "../common/mod.rs"]
mod common;

mod fewest_calls;
mod least_idle;
mod least_talk_time;
mod linear;
mod longest_idle;
mod random;
mod ring_all;
mod ring_progressive;
mod round_robin;
mod skills_best_match;
mod weighted_random;
