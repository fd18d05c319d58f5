//! # isdn: PRI signalling, sans-IO
//!
//! **What it is:** the ISDN PRI signalling stack, built in layers:
//! - [`q921`]: Q.921 LAPD, the data link on the D-channel, as a sans-IO state machine with
//!   the project's common surface (`handle_input(now, input)`, `handle_timeout(now)`,
//!   `poll_transmit()`, `poll_event()`, `poll_timeout()`);
//! - [`q931`]: the Q.931 message layer (EuroISDN, ETSI EN 300 403, and QSIG basic call):
//!   message and information-element codec and the §5.8 error-procedure checks;
//! - [`call`]: the Q.931 call-control state machine for PRI (EN 300 403-1), NT and TE:
//!   basic call, timers T301-T316, overlap, glare, RESTART, STATUS (§5.1-§5.8);
//! - [`pri`]: [`pri::Pri`], one D-channel: a Q.921 link joined to call control, LAPD
//!   frames in and out;
//! - [`pcap`]: D-channel captures with link type 177 (LINUX_LAPD) for tshark/Wireshark.
//!
//! **What it is not:** no sockets, no threads, no clock (time is a [`tdm::Instant`] passed
//! in), no HDLC bit stuffing or FCS (crate `e1`, or the card's hardware HDLC).

pub mod call;
pub mod pcap;
pub mod pri;
pub mod q921;
pub mod q931;
