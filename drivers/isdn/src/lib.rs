//! # isdn: PRI signalling, sans-IO
//!
//! **What it is:** Q.921 LAPD (the data link on the D-channel) and Q.931 call control
//! (EuroISDN, ETSI EN 300 403), each a sans-IO state machine with the project's common
//! surface: `handle_input(now, input)`, `handle_timeout(now)`, `poll_transmit()`,
//! `poll_event()`, `poll_timeout()`. Bytes and time go in; frames and events come out.
//!
//! **What it is not:** no sockets, no threads, no clock (time is a [`tdm::Instant`] passed
//! in), no HDLC bit stuffing or FCS (crate `e1`, or the card's hardware HDLC).

pub mod pcap;
pub mod q921;
pub mod q931;
