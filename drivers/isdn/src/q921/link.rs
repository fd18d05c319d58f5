//! The data-link state machine (Q.921 §5, Annex B SDL), point-to-point TEI 0.

use std::collections::VecDeque;
use std::time::Duration;

use tdm::Instant;

use super::frame::{Control, Frame, FrameRepr, N201, ParseError};

/// Which side of the user-network interface this entity is (Q.921 §3.3.2 Table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The network side (NT, libpri `PRI_NETWORK`): commands carry C/R = 1.
    Network,
    /// The user side (TE, libpri `PRI_CPE`): commands carry C/R = 0.
    User,
}

impl Role {
    /// The C/R bit this role puts on commands it sends.
    #[must_use]
    pub const fn command_cr(self) -> bool {
        matches!(self, Self::Network)
    }
}

/// System parameters (Q.921 §5.9); [`Config::default`] gives libpri 1.6's PRI values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// T200, the acknowledgement timer (§5.9.1). Default 1 s.
    pub t200: Duration,
    /// T203, the idle supervision timer (§5.9.8). Default 10 s.
    pub t203: Duration,
    /// N200, the maximum number of retransmissions (§5.9.2). Default 3.
    pub n200: u8,
    /// k, the maximum number of outstanding I frames (§5.9.5), 1..=127. Default 7.
    pub k: u8,
    /// The bound on queued I frames (sent but unacknowledged plus not yet sent); a DL-DATA
    /// request beyond it fails with [`SendError::QueueFull`]. Default 64.
    pub max_queue: usize,
    /// Persistent layer 2 (libpri keeps point-to-point links up): after the link is lost for
    /// any reason other than a DL-RELEASE request, establishment is attempted again one T200
    /// later. Default true.
    pub persistent: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            t200: Duration::from_millis(1000),
            t203: Duration::from_millis(10_000),
            n200: 3,
            k: 7,
            max_queue: 64,
            persistent: true,
        }
    }
}

/// Data-link states, numbered as in the Q.921 Annex B SDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// State 4: TEI assigned (link released).
    TeiAssigned = 4,
    /// State 5: awaiting establishment (SABME sent).
    AwaitingEstablishment = 5,
    /// State 6: awaiting release (DISC sent).
    AwaitingRelease = 6,
    /// State 7: multiple frame established.
    MultipleFrameEstablished = 7,
    /// State 8: timer recovery.
    TimerRecovery = 8,
}

/// MDL-ERROR indication codes (Q.921 Appendix II, Table II.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum MdlError {
    /// A: supervisory response with F = 1 received unsolicited.
    #[error("A: unsolicited supervisory response F=1")]
    A,
    /// B: DM response with F = 1 received unsolicited.
    #[error("B: unsolicited DM response F=1")]
    B,
    /// C: UA response with F = 1 received unsolicited.
    #[error("C: unsolicited UA response F=1")]
    C,
    /// D: UA response with F = 0 received unsolicited.
    #[error("D: unsolicited UA response F=0")]
    D,
    /// E: DM response with F = 0 received (peer-initiated re-establishment wanted).
    #[error("E: DM response F=0 received")]
    E,
    /// F: SABME received in multiple frame operation (peer re-establishes).
    #[error("F: peer initiated re-establishment")]
    F,
    /// G: SABME repeated N200 times without answer.
    #[error("G: unsuccessful retransmission of SABME")]
    G,
    /// H: DISC repeated N200 times without answer.
    #[error("H: unsuccessful retransmission of DISC")]
    H,
    /// I: status enquiry (RR/RNR with P = 1) repeated N200 times without answer.
    #[error("I: unsuccessful status enquiry")]
    I,
    /// J: N(R) sequence error.
    #[error("J: N(R) sequence error")]
    J,
    /// K: FRMR received.
    #[error("K: FRMR received")]
    K,
    /// L: undefined control field.
    #[error("L: undefined control field")]
    L,
    /// M: information field not permitted.
    #[error("M: information field not permitted")]
    M,
    /// N: incorrect frame length.
    #[error("N: incorrect frame length")]
    N,
    /// O: I frame too long.
    #[error("O: information field exceeds N201")]
    O,
}

/// Whether a DL-ESTABLISH or DL-RELEASE primitive answers a request of ours or reports
/// something the peer or the link did (Q.921 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// DL-xxx confirm: the answer to our own request.
    Confirm,
    /// DL-xxx indication: initiated by the peer, or by error recovery.
    Indication,
}

/// What the data link tells layer 3 and management (Q.921 §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// DL-ESTABLISH confirm/indication: multiple frame operation is up (state 7). An
    /// indication after re-establishment means I frames in flight may have been lost.
    Established(Kind),
    /// DL-RELEASE confirm/indication: multiple frame operation is over (state 4).
    Released(Kind),
    /// DL-DATA indication: the information field of an in-sequence I frame.
    Data(Vec<u8>),
    /// DL-UNIT-DATA indication: the information field of a UI frame.
    UnitData(Vec<u8>),
    /// MDL-ERROR indication (Q.921 §5.8, Table II.1).
    MdlError(MdlError),
}

/// Why a DL-DATA request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The link is neither established nor being established (state 4 or 6).
    #[error("data link not established")]
    NotEstablished,
    /// The I frame queue holds [`Config::max_queue`] frames already.
    #[error("I frame queue full")]
    QueueFull,
    /// More than N201 octets.
    #[error("message of {len} octets exceeds N201")]
    TooLong {
        /// Octets offered.
        len: usize,
    },
}

/// Counters for frames this entity did not act upon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Frames received.
    pub rx_frames: u64,
    /// Frames transmitted.
    pub tx_frames: u64,
    /// Frames that failed to parse ([`ParseError`]).
    pub rx_invalid: u64,
    /// Frames for another SAPI or TEI.
    pub rx_not_for_us: u64,
    /// Frames ignored in the current state, or with a C/R bit their type does not allow.
    pub rx_ignored: u64,
    /// I frames retransmitted (after REJ or in timer recovery).
    pub retransmissions: u64,
}

/// A Q.921 data-link entity for SAPI 0, TEI 0 (Q.921 §5, Annex B).
///
/// The sans-IO surface is [`Link::handle_input`], [`Link::handle_timeout`],
/// [`Link::poll_transmit`], [`Link::poll_event`] and [`Link::poll_timeout`].
#[derive(Debug)]
pub struct Link {
    role: Role,
    config: Config,
    state: State,
    /// V(S), the send state variable.
    vs: u8,
    /// V(A), the acknowledge state variable.
    va: u8,
    /// V(R), the receive state variable.
    vr: u8,
    /// RC, the retransmission counter.
    rc: u8,
    peer_busy: bool,
    reject_exception: bool,
    ack_pending: bool,
    layer3_initiated: bool,
    /// I frames from V(A) onwards: the first V(S) - V(A) are sent and unacknowledged.
    iqueue: VecDeque<Vec<u8>>,
    t200: Option<Instant>,
    t203: Option<Instant>,
    /// Persistent layer 2: when to try establishment again.
    reestablish_at: Option<Instant>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    stats: Stats,
}

const fn sub(a: u8, b: u8) -> u8 {
    a.wrapping_sub(b) & 0x7F
}

const fn inc(a: u8) -> u8 {
    a.wrapping_add(1) & 0x7F
}

impl Link {
    /// A new entity in state 4 (TEI assigned: TEI 0 is fixed for point-to-point).
    #[must_use]
    pub fn new(role: Role, config: Config) -> Self {
        let mut config = config;
        config.k = config.k.clamp(1, 127);
        config.n200 = config.n200.max(1);
        Self {
            role,
            config,
            state: State::TeiAssigned,
            vs: 0,
            va: 0,
            vr: 0,
            rc: 0,
            peer_busy: false,
            reject_exception: false,
            ack_pending: false,
            layer3_initiated: false,
            iqueue: VecDeque::new(),
            t200: None,
            t203: None,
            reestablish_at: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// The current state (Q.921 SDL numbering).
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// This entity's role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Counters.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Whether multiple frame operation is up (state 7 or 8).
    #[must_use]
    pub fn is_established(&self) -> bool {
        matches!(
            self.state,
            State::MultipleFrameEstablished | State::TimerRecovery
        )
    }

    /// I frames queued: sent but unacknowledged plus not yet sent.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.iqueue.len()
    }

    /// DL-ESTABLISH request (Q.921 §5.5.1.1): sends SABME and enters state 5. In state 7 or 8
    /// this re-establishes the link and discards the I queue (§5.7.1).
    pub fn establish(&mut self, now: Instant) {
        self.reestablish_at = None;
        match self.state {
            State::TeiAssigned | State::AwaitingRelease => {
                self.establish_data_link(now);
                self.layer3_initiated = true;
                self.state = State::AwaitingEstablishment;
            }
            State::AwaitingEstablishment => {
                self.iqueue.clear();
                self.layer3_initiated = true;
            }
            State::MultipleFrameEstablished | State::TimerRecovery => {
                self.iqueue.clear();
                self.establish_data_link(now);
                self.layer3_initiated = true;
                self.state = State::AwaitingEstablishment;
            }
        }
    }

    /// DL-RELEASE request (Q.921 §5.5.3.1): sends DISC and enters state 6 when established;
    /// abandons establishment in state 5. Turns persistent re-establishment off until the
    /// next [`Link::establish`].
    pub fn release(&mut self, now: Instant) {
        self.reestablish_at = None;
        match self.state {
            State::TeiAssigned | State::AwaitingRelease => {}
            State::AwaitingEstablishment => {
                self.iqueue.clear();
                self.t200 = None;
                self.state = State::TeiAssigned;
                self.events.push_back(Event::Released(Kind::Confirm));
            }
            State::MultipleFrameEstablished | State::TimerRecovery => {
                self.iqueue.clear();
                self.rc = 0;
                self.send_u(Control::Disc { p: true }, true);
                self.t203 = None;
                self.t200 = Some(now + self.config.t200);
                self.state = State::AwaitingRelease;
            }
        }
    }

    /// PH-DEACTIVATE indication / MPH-DEACTIVATE indication: layer 1 is lost (loss of
    /// signal, AIS, loss of frame alignment: the span is in RED or BLUE alarm). Q.921 SDL
    /// (Annex B, "persistent deactivation"): in states 5 to 8 the I queue and the frames not
    /// yet sent are discarded, T200 and T203 stopped, DL-RELEASE indication is given and
    /// the entity returns to state 4. With [`Config::persistent`] establishment is tried
    /// again T200 later, and keeps being tried, so the link comes back by itself once layer
    /// 1 does. Nothing happens in state 4.
    pub fn physical_deactivated(&mut self, now: Instant) {
        if self.state == State::TeiAssigned {
            return;
        }
        self.transmit.clear();
        self.rc = 0;
        self.peer_busy = false;
        self.reject_exception = false;
        self.ack_pending = false;
        self.enter_released(now, Kind::Indication);
    }

    /// DL-DATA request (Q.921 §5.6.1): queues `data` as the information field of an I frame
    /// and sends it when the window (k) and the peer allow. Accepted in states 5, 7 and 8.
    ///
    /// # Errors
    /// [`SendError::NotEstablished`] in states 4 and 6, [`SendError::QueueFull`] when
    /// [`Config::max_queue`] frames are queued, [`SendError::TooLong`] beyond N201 octets.
    pub fn send(&mut self, now: Instant, data: &[u8]) -> Result<(), SendError> {
        if data.len() > N201 {
            return Err(SendError::TooLong { len: data.len() });
        }
        if matches!(self.state, State::TeiAssigned | State::AwaitingRelease) {
            return Err(SendError::NotEstablished);
        }
        if self.iqueue.len() >= self.config.max_queue {
            return Err(SendError::QueueFull);
        }
        self.iqueue.push_back(data.to_vec());
        self.pump(now);
        Ok(())
    }

    /// DL-UNIT-DATA request (Q.921 §5.2): sends `data` at once in a UI command frame.
    ///
    /// # Errors
    /// [`SendError::TooLong`] beyond N201 octets.
    pub fn send_unit_data(&mut self, data: &[u8]) -> Result<(), SendError> {
        if data.len() > N201 {
            return Err(SendError::TooLong { len: data.len() });
        }
        self.emit(Control::Ui { p: false }, true, data);
        Ok(())
    }

    /// Processes one received frame (address, control, information; no FCS). Frames for
    /// other SAPIs or TEIs are counted and ignored; malformed frames are counted and, in
    /// multiple frame operation, reported as MDL-ERROR L/M/N/O with re-establishment
    /// (Q.921 §5.8.5).
    pub fn handle_input(&mut self, now: Instant, frame: &[u8]) {
        self.stats.rx_frames = self.stats.rx_frames.saturating_add(1);
        let f = match Frame::new_checked(frame) {
            Ok(f) => f,
            Err(e) => {
                self.stats.rx_invalid = self.stats.rx_invalid.saturating_add(1);
                self.on_invalid(now, frame, e);
                return;
            }
        };
        if f.sapi() != 0 || f.tei() != 0 {
            self.stats.rx_not_for_us = self.stats.rx_not_for_us.saturating_add(1);
            return;
        }
        let command = f.cr() != self.role.command_cr();
        self.on_frame(now, command, f.control(), f.info());
        self.pump(now);
    }

    /// Handles expired timers (T200, T203, persistent re-establishment). Call when `now`
    /// reaches [`Link::poll_timeout`]; calling early does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.reestablish_at.is_some_and(|t| t <= now) {
            self.reestablish_at = None;
            if self.state == State::TeiAssigned {
                self.establish_data_link(now);
                self.layer3_initiated = true;
                self.state = State::AwaitingEstablishment;
            }
        }
        if self.t200.is_some_and(|t| t <= now) {
            self.t200 = None;
            self.on_t200(now);
        }
        if self.t203.is_some_and(|t| t <= now) {
            self.t203 = None;
            self.on_t203(now);
        }
        self.pump(now);
    }

    /// The next frame to put on the D-channel (address, control, information; the HDLC
    /// layer adds the FCS).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next primitive for layer 3 or management.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Link::handle_timeout`] must next be called, if any timer runs.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.t200, self.t203, self.reestablish_at]
            .into_iter()
            .flatten()
            .min()
    }

    // ---- procedures shared by the SDL pages ----

    fn emit(&mut self, control: Control, command: bool, info: &[u8]) {
        let cr = if command {
            self.role.command_cr()
        } else {
            !self.role.command_cr()
        };
        let repr = FrameRepr {
            sapi: 0,
            cr,
            tei: 0,
            control,
            info,
        };
        // Every field is in range by construction (sequence numbers are masked to 7 bits,
        // info is at most N201); a failure would be a bug here, so drop rather than panic.
        if let Ok(v) = repr.to_vec() {
            self.stats.tx_frames = self.stats.tx_frames.saturating_add(1);
            self.transmit.push_back(v);
        }
    }

    fn send_u(&mut self, control: Control, command: bool) {
        self.emit(control, command, &[]);
    }

    /// "Establish data link" (SDL procedure): clear exception conditions, RC = 0, SABME P=1,
    /// restart T200, stop T203.
    fn establish_data_link(&mut self, now: Instant) {
        self.clear_exception_conditions();
        self.rc = 0;
        self.send_u(Control::Sabme { p: true }, true);
        self.t200 = Some(now + self.config.t200);
        self.t203 = None;
    }

    fn clear_exception_conditions(&mut self) {
        self.peer_busy = false;
        self.reject_exception = false;
        self.ack_pending = false;
    }

    /// "Transmit enquiry": RR command P=1, start T200.
    fn transmit_enquiry(&mut self, now: Instant) {
        let nr = self.vr;
        self.emit(Control::Rr { nr, pf: true }, true, &[]);
        self.ack_pending = false;
        self.t200 = Some(now + self.config.t200);
    }

    /// "Enquiry response": RR response with F = `f`.
    fn enquiry_response(&mut self, f: bool) {
        let nr = self.vr;
        self.emit(Control::Rr { nr, pf: f }, false, &[]);
        self.ack_pending = false;
    }

    /// "N(R) error recovery": MDL-ERROR J, establish, clear layer 3 initiated, state 5.
    fn nr_error_recovery(&mut self, now: Instant) {
        self.mdl(MdlError::J);
        self.reestablish(now);
    }

    fn reestablish(&mut self, now: Instant) {
        self.establish_data_link(now);
        self.layer3_initiated = false;
        self.state = State::AwaitingEstablishment;
    }

    fn mdl(&mut self, e: MdlError) {
        self.events.push_back(Event::MdlError(e));
    }

    fn nr_valid(&self, nr: u8) -> bool {
        sub(nr, self.va) <= sub(self.vs, self.va)
    }

    /// Sets V(A) = N(R), dropping the acknowledged I frames. `nr` must be valid.
    fn update_va(&mut self, nr: u8) {
        let n = usize::from(sub(nr, self.va)).min(self.iqueue.len());
        self.iqueue.drain(..n);
        self.va = nr;
    }

    /// "Invoke retransmission": V(S) = N(R) (after V(A) = N(R)); the frames go out again
    /// through the window in state 7.
    fn invoke_retransmission(&mut self, nr: u8) {
        let n = sub(self.vs, nr);
        self.stats.retransmissions = self.stats.retransmissions.saturating_add(u64::from(n));
        self.vs = nr;
    }

    /// "Check I frame acknowledged" (state 7).
    fn check_iframe_ack(&mut self, now: Instant, nr: u8) {
        if self.peer_busy {
            self.update_va(nr);
        } else if nr == self.vs {
            self.update_va(nr);
            self.t200 = None;
            self.t203 = Some(now + self.config.t203);
        } else if nr != self.va {
            self.update_va(nr);
            self.t200 = Some(now + self.config.t200);
        }
    }

    fn reset_variables(&mut self) {
        self.vs = 0;
        self.va = 0;
        self.vr = 0;
    }

    /// Enters state 7 from an establishment exchange.
    fn enter_established(&mut self, now: Instant) {
        self.t200 = None;
        self.t203 = Some(now + self.config.t203);
        self.reset_variables();
        self.state = State::MultipleFrameEstablished;
    }

    /// Enters state 4 after the link was lost or released by the peer.
    fn enter_released(&mut self, now: Instant, kind: Kind) {
        self.t200 = None;
        self.t203 = None;
        self.iqueue.clear();
        self.state = State::TeiAssigned;
        self.events.push_back(Event::Released(kind));
        if self.config.persistent && kind == Kind::Indication {
            self.reestablish_at = Some(now + self.config.t200);
        }
    }

    /// Sends queued I frames as far as the window allows (state 7), then a pending
    /// acknowledgement as RR (states 7 and 8).
    fn pump(&mut self, now: Instant) {
        if self.state == State::MultipleFrameEstablished {
            loop {
                let outstanding = usize::from(sub(self.vs, self.va));
                if self.peer_busy || outstanding >= usize::from(self.config.k) {
                    break;
                }
                let Some(info) = self.iqueue.get(outstanding).cloned() else {
                    break;
                };
                let (ns, nr) = (self.vs, self.vr);
                self.emit(Control::I { ns, nr, p: false }, true, &info);
                self.vs = inc(self.vs);
                self.ack_pending = false;
                if self.t200.is_none() {
                    self.t203 = None;
                    self.t200 = Some(now + self.config.t200);
                }
            }
        }
        if self.ack_pending && self.is_established() {
            self.enquiry_response(false);
        }
    }

    fn on_invalid(&mut self, now: Instant, octets: &[u8], e: ParseError) {
        // Only frames addressed to SAPI 0 / TEI 0 concern this entity.
        let ours = octets.len() >= 2 && octets[0] >> 2 == 0 && octets[1] >> 1 == 0;
        let Some(code) = e.mdl_error() else { return };
        if !ours {
            return;
        }
        self.mdl(code);
        if self.is_established() {
            self.reestablish(now);
        }
    }

    fn on_t200(&mut self, now: Instant) {
        match self.state {
            State::TeiAssigned => {}
            State::AwaitingEstablishment => {
                if self.rc >= self.config.n200 {
                    self.mdl(MdlError::G);
                    self.enter_released(now, Kind::Indication);
                } else {
                    self.rc += 1;
                    self.send_u(Control::Sabme { p: true }, true);
                    self.t200 = Some(now + self.config.t200);
                }
            }
            State::AwaitingRelease => {
                if self.rc >= self.config.n200 {
                    self.mdl(MdlError::H);
                    self.t200 = None;
                    self.state = State::TeiAssigned;
                    self.events.push_back(Event::Released(Kind::Confirm));
                } else {
                    self.rc += 1;
                    self.send_u(Control::Disc { p: true }, true);
                    self.t200 = Some(now + self.config.t200);
                }
            }
            State::MultipleFrameEstablished => {
                self.rc = 0;
                self.transmit_enquiry(now);
                self.rc = 1;
                self.state = State::TimerRecovery;
            }
            State::TimerRecovery => {
                if self.rc >= self.config.n200 {
                    self.mdl(MdlError::I);
                    self.reestablish(now);
                } else {
                    self.transmit_enquiry(now);
                    self.rc += 1;
                }
            }
        }
    }

    fn on_t203(&mut self, now: Instant) {
        if self.state == State::MultipleFrameEstablished {
            self.transmit_enquiry(now);
            self.rc = 0;
            self.state = State::TimerRecovery;
        }
    }

    fn ignore(&mut self) {
        self.stats.rx_ignored = self.stats.rx_ignored.saturating_add(1);
    }

    fn on_frame(&mut self, now: Instant, command: bool, control: Control, info: &[u8]) {
        match control {
            Control::Sabme { p } if command => self.on_sabme(now, p),
            Control::Disc { p } if command => self.on_disc(now, p),
            Control::Ua { f } if !command => self.on_ua(now, f),
            Control::Dm { f } if !command => self.on_dm(now, f),
            Control::Frmr { .. } if !command => {
                if self.is_established() {
                    self.mdl(MdlError::K);
                    self.reestablish(now);
                } else {
                    self.ignore();
                }
            }
            Control::Ui { .. } if command => self.events.push_back(Event::UnitData(info.to_vec())),
            Control::I { ns, nr, p } if command => self.on_i(now, ns, nr, p, info),
            Control::Rr { nr, pf } => self.on_supervisory(now, command, nr, pf, Super::Rr),
            Control::Rnr { nr, pf } => self.on_supervisory(now, command, nr, pf, Super::Rnr),
            Control::Rej { nr, pf } => self.on_supervisory(now, command, nr, pf, Super::Rej),
            _ => self.ignore(),
        }
    }

    fn on_sabme(&mut self, now: Instant, p: bool) {
        match self.state {
            State::TeiAssigned => {
                self.reestablish_at = None;
                self.send_u(Control::Ua { f: p }, false);
                self.clear_exception_conditions();
                self.reset_variables();
                self.events.push_back(Event::Established(Kind::Indication));
                self.t203 = Some(now + self.config.t203);
                self.state = State::MultipleFrameEstablished;
            }
            // Collision of SABMEs (§5.5.1.3): answer UA, stay until our SABME is answered.
            State::AwaitingEstablishment => self.send_u(Control::Ua { f: p }, false),
            State::AwaitingRelease => self.send_u(Control::Dm { f: p }, false),
            State::MultipleFrameEstablished | State::TimerRecovery => {
                self.mdl(MdlError::F);
                self.send_u(Control::Ua { f: p }, false);
                self.clear_exception_conditions();
                if self.vs != self.va {
                    self.iqueue.clear();
                    self.events.push_back(Event::Established(Kind::Indication));
                } else {
                    // Frames not yet sent keep their place; renumber from zero.
                }
                self.t200 = None;
                self.t203 = Some(now + self.config.t203);
                self.reset_variables();
                self.state = State::MultipleFrameEstablished;
            }
        }
    }

    fn on_disc(&mut self, now: Instant, p: bool) {
        match self.state {
            State::TeiAssigned | State::AwaitingEstablishment => {
                self.send_u(Control::Dm { f: p }, false);
            }
            State::AwaitingRelease => self.send_u(Control::Ua { f: p }, false),
            State::MultipleFrameEstablished | State::TimerRecovery => {
                self.send_u(Control::Ua { f: p }, false);
                self.enter_released(now, Kind::Indication);
            }
        }
    }

    fn on_ua(&mut self, now: Instant, f: bool) {
        match self.state {
            State::AwaitingEstablishment if f => {
                if self.layer3_initiated {
                    self.events.push_back(Event::Established(Kind::Confirm));
                } else if self.vs != self.va {
                    self.iqueue.clear();
                    self.events.push_back(Event::Established(Kind::Indication));
                }
                self.enter_established(now);
            }
            State::AwaitingRelease if f => {
                self.t200 = None;
                self.state = State::TeiAssigned;
                self.events.push_back(Event::Released(Kind::Confirm));
            }
            _ => self.mdl(if f { MdlError::C } else { MdlError::D }),
        }
    }

    fn on_dm(&mut self, now: Instant, f: bool) {
        match self.state {
            State::TeiAssigned => {
                // SDL state 4, DM F=0: establish data link, set layer 3 initiated (as
                // libpri's q921_dm_rx does). DM F=1 is ignored.
                if !f {
                    self.reestablish_at = None;
                    self.establish_data_link(now);
                    self.layer3_initiated = true;
                    self.state = State::AwaitingEstablishment;
                }
            }
            State::AwaitingEstablishment => {
                if f {
                    self.enter_released(now, Kind::Indication);
                }
            }
            State::AwaitingRelease => {
                if f {
                    self.t200 = None;
                    self.state = State::TeiAssigned;
                    self.events.push_back(Event::Released(Kind::Confirm));
                }
            }
            State::MultipleFrameEstablished | State::TimerRecovery => {
                if f {
                    self.mdl(MdlError::B);
                    if self.state == State::TimerRecovery {
                        // The peer answered our enquiry from state 4: it lost the link.
                        self.reestablish(now);
                    }
                } else {
                    self.mdl(MdlError::E);
                    self.reestablish(now);
                }
            }
        }
    }

    fn on_i(&mut self, now: Instant, ns: u8, nr: u8, p: bool, info: &[u8]) {
        if !self.is_established() {
            if self.state == State::TeiAssigned && p {
                self.send_u(Control::Dm { f: true }, false);
            } else {
                self.ignore();
            }
            return;
        }
        if ns == self.vr {
            self.vr = inc(self.vr);
            self.reject_exception = false;
            self.events.push_back(Event::Data(info.to_vec()));
            if p {
                self.enquiry_response(true);
            } else {
                self.ack_pending = true;
            }
        } else if self.reject_exception {
            if p {
                self.enquiry_response(true);
            }
        } else {
            self.reject_exception = true;
            let vr = self.vr;
            self.emit(Control::Rej { nr: vr, pf: p }, false, &[]);
            self.ack_pending = false;
        }
        if !self.nr_valid(nr) {
            self.nr_error_recovery(now);
            return;
        }
        if self.state == State::MultipleFrameEstablished {
            self.check_iframe_ack(now, nr);
        } else {
            self.update_va(nr);
        }
    }

    fn on_supervisory(&mut self, now: Instant, command: bool, nr: u8, pf: bool, kind: Super) {
        if !self.is_established() {
            if self.state == State::TeiAssigned && command && pf {
                self.send_u(Control::Dm { f: true }, false);
            } else {
                self.ignore();
            }
            return;
        }
        self.peer_busy = kind == Super::Rnr;
        let final_response = !command && pf;
        if command && pf {
            self.enquiry_response(true);
        }
        if !self.nr_valid(nr) {
            self.nr_error_recovery(now);
            return;
        }
        if self.state == State::MultipleFrameEstablished {
            if final_response {
                self.mdl(MdlError::A);
            }
            match kind {
                Super::Rr => self.check_iframe_ack(now, nr),
                Super::Rnr => {
                    self.update_va(nr);
                    self.t203 = None;
                    self.t200 = Some(now + self.config.t200);
                }
                Super::Rej => {
                    self.update_va(nr);
                    self.t200 = None;
                    self.t203 = Some(now + self.config.t203);
                    self.invoke_retransmission(nr);
                }
            }
        } else if final_response {
            // Timer recovery ends with the answer to our enquiry (§5.6.7).
            self.update_va(nr);
            if kind == Super::Rnr {
                self.t200 = Some(now + self.config.t200);
            } else {
                self.t200 = None;
                self.t203 = Some(now + self.config.t203);
            }
            self.invoke_retransmission(nr);
            self.state = State::MultipleFrameEstablished;
        } else {
            self.update_va(nr);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Super {
    Rr,
    Rnr,
    Rej,
}
