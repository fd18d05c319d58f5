//! # console: the technician's serial console (level 3)
//!
//! **What it is:** the program on the appliance's serial port (`appliance-console`, default
//! `/dev/ttyS0` at 115200 8N1) through which a technician diagnoses and recovers the box:
//! a login with a technician account (separate from the web users: argon2id hashes and a
//! lockout kept in the store), then a command line with line editing, history, Tab
//! completion and `?` help. Commands show the system, the spans, channels, calls, queues,
//! agents and SIP trunks; set the network and the clock; reset the web admin password;
//! back up, restore and factory-reset the database; show and switch firmware slots; reboot.
//!
//! Parts:
//! - [`editor`]: the line editor, a sans-IO state machine (bytes in, bytes out);
//! - [`commands`]: the command tree as one table (keywords, help, handler) that dispatch,
//!   completion and help all read;
//! - [`session`]: login, the command table and its handlers;
//! - [`daemon`]: the daemon's local HTTP API on loopback (`/healthz`, `/metrics`, and the
//!   control API: `GET /status` live state, the span maintenance `POST`s);
//! - [`system`]: the files it owns under a root directory (networkd, timesyncd, slot state)
//!   and `/proc`.
//!
//! It keeps working when the daemon is down: live-state commands then say "daemon not
//! running", and everything backed by the store or by files (password resets, backup,
//! restore, factory reset, `show system`, network, time, firmware slots) still works.
//!
//! **What it is not:** not a shell (no way out to one), not a second configuration tool:
//! the web panel configures the telephony; the console only resets what locks a technician
//! or an admin out. It does not drive the spans itself: span maintenance (loopback, span
//! restart, PRI channel restart) is asked of the daemon's control API, so it needs the daemon.
#![forbid(unsafe_code)]

pub mod commands;
pub mod daemon;
pub mod editor;
pub mod session;
pub mod system;
