//! # tdm: the line abstraction of the appliance
//!
//! **What it is:** the level-0 types every line stack shares: [`Instant`], the protocol
//! clock that sans-IO state machines (Q.921, Q.931, R2, analog lines, SIP) take as a
//! parameter, so tests run in simulated time and only the daemon reads the real clock.
//! The `Span` trait and its backends (virtual lines over Unix sockets, DAHDI cards) will live
//! here too, behind features, so that protocol crates depending on these types never pull in
//! I/O.
//!
//! **What it is not:** no framing (crate `e1`), no signalling (crates `isdn`, `r2`, `analog`),
//! and, in this level-0 part, no I/O and no reading of the clock.
#![no_std]

mod time;

pub use time::Instant;
