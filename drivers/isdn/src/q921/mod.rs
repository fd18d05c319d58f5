//! Q.921 LAPD: the data link layer on the ISDN D-channel, point-to-point (TEI 0) for PRI.
//!
//! Two parts:
//!
//! * [`frame`]: the wire codec (Q.921 §2 frame structure, §3 elements of procedure, control
//!   field modulo 128), a checked view [`Frame`] and a representation [`FrameRepr`].
//! * [`Link`]: the data-link procedures for multiple frame operation (Q.921 §5.5–§5.8 and
//!   the SDL of Annex B), sans-IO, in the network (NT) or user (TE) role.
//!
//! # Driving a [`Link`]
//! 1. Create it with a [`Role`] and a [`Config`] (libpri's defaults: T200 = 1 s,
//!    T203 = 10 s, N200 = 3, k = 7).
//! 2. Call [`Link::establish`] (DL-ESTABLISH request), [`Link::release`] (DL-RELEASE request)
//!    and [`Link::send`] (DL-DATA request) as layer 3 wishes.
//! 3. Hand every frame received on the D-channel (address, control and information field, the
//!    FCS already checked and removed) to [`Link::handle_input`].
//! 4. When the time from [`Link::poll_timeout`] is reached, call [`Link::handle_timeout`].
//! 5. After each call, drain [`Link::poll_transmit`] (frames for the D-channel, without FCS)
//!    and [`Link::poll_event`] (DL-ESTABLISH, DL-RELEASE, DL-DATA, DL-UNIT-DATA and MDL-ERROR
//!    indications for layer 3 and management).
//!
//! # States (Q.921 Annex B SDL, numbered as there and as in libpri `pri_q921.h`)
//! 4 TEI assigned, 5 awaiting establishment, 6 awaiting release, 7 multiple frame
//! established, 8 timer recovery. States 1–3 belong to TEI management, which point-to-point
//! PRI does not use (TEI 0 is fixed, §5.3 does not apply).
//!
//! # Timers and parameters (Q.921 §5.9)
//! * T200 (§5.9.1): acknowledgement timer; on expiry SABME/DISC are repeated, or the peer is
//!   polled with RR P=1 (timer recovery, §5.6.7), at most N200 times (§5.9.2).
//! * T203 (§5.9.8): idle supervision; on expiry in state 7 the peer is polled (§5.6.7).
//! * k (§5.9.5): the maximum number of outstanding I frames, 7 for PRI (libpri `K`).
//! * N201 (§5.9.3): at most 260 octets of information per frame.
//!
//! # Conventions
//! C/R (§3.3.2, Table 1): commands from the network side carry C/R = 1, from the user side
//! C/R = 0; responses the opposite. Frame errors (§5.8.5) and unsolicited responses (§5.8.6,
//! §5.8.7) are reported as [`MdlError`] codes A–O of Appendix II (Table II.1) and, where the
//! SDL says so, lead to re-establishment (§5.7). This entity never transmits FRMR (as in the
//! 1997 revision of Q.921; frame rejection conditions re-establish the link instead); a
//! received FRMR is MDL-ERROR K and re-establishment.
//!
//! # Limits
//! No TEI management (BRI point-to-multipoint), no XID procedures (received XID is
//! discarded), no own-receiver-busy (this entity never sends RNR: received data is handed up
//! at once), no modulo-8 operation.

pub mod frame;
mod link;

pub use frame::{Control, EmitError, Frame, FrameRepr, N201, ParseError};
pub use link::{Config, Event, Kind, Link, MdlError, Role, SendError, State, Stats};
