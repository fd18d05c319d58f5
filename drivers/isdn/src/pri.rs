//! # A PRI D-channel: Q.921 LAPD joined to Q.931 call control, sans-IO
//!
//! [`Pri`] owns a [`q921::Link`] and a [`call::Calls`] and moves messages between them:
//! its input is LAPD frames ([`Pri::handle_input`]), its output LAPD frames
//! ([`Pri::poll_transmit`]) and call [`call::Event`]s ([`Pri::poll_event`]). The daemon
//! drives one `Pri` per D-channel. DL-ESTABLISH / DL-RELEASE of the link become
//! [`call::Input::LinkUp`] / [`call::Input::LinkDown`] (Q.931 §5.8.8 data link reset, §5.8.9 failure and T309); a message
//! for a link that is down starts its establishment and waits for it (Q.921 §5.5.1,
//! DL-ESTABLISH request on a DL-DATA request).

use std::collections::VecDeque;

use tdm::Instant;

use crate::call::{self, CallError, CallId, Calls, Event, Input, SetupParams};
use crate::q921;
use crate::q931::{CauseValue, Role};

/// One PRI D-channel: LAPD link plus Q.931 call control.
#[derive(Debug)]
pub struct Pri {
    link: q921::Link,
    calls: Calls,
    /// Q.931 messages waiting for the link to come up.
    pending: VecDeque<Vec<u8>>,
}

impl Pri {
    /// A D-channel with default LAPD parameters and the call-control defaults for `role`.
    #[must_use]
    pub fn new(role: Role) -> Self {
        Self::with_config(role, q921::Config::default(), call::Config::new(role))
    }

    /// A D-channel with the given configurations (`calls.role` should equal `role`).
    #[must_use]
    pub fn with_config(role: Role, link: q921::Config, calls: call::Config) -> Self {
        let l2role = match role {
            Role::User => q921::Role::User,
            Role::Network => q921::Role::Network,
        };
        Self {
            link: q921::Link::new(l2role, link),
            calls: Calls::new(calls),
            pending: VecDeque::new(),
        }
    }

    /// The call control (states, channels).
    #[must_use]
    pub const fn calls(&self) -> &Calls {
        &self.calls
    }

    /// The data link.
    #[must_use]
    pub const fn link(&self) -> &q921::Link {
        &self.link
    }

    /// Bring the data link up (DL-ESTABLISH request).
    pub fn start(&mut self, now: Instant) {
        self.link.establish(now);
    }

    /// A LAPD frame from the line (address to the end of the information field, no FCS).
    pub fn handle_input(&mut self, now: Instant, frame: &[u8]) {
        self.link.handle_input(now, frame);
        self.pump(now);
    }

    /// Run the timers of both layers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.link.poll_timeout().is_some_and(|t| t <= now) {
            self.link.handle_timeout(now);
        }
        self.pump(now);
        if self.calls.poll_timeout().is_some_and(|t| t <= now) {
            self.calls.handle_timeout(now);
        }
        self.pump(now);
    }

    /// The next LAPD frame to put on the line.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.link.poll_transmit()
    }

    /// The next call-control event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.calls.poll_event()
    }

    /// The earliest timer of either layer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.link.poll_timeout(), self.calls.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Place a call ([`Calls::setup`]).
    ///
    /// # Errors
    /// As [`Calls::setup`].
    pub fn setup(&mut self, now: Instant, p: SetupParams) -> Result<CallId, CallError> {
        let r = self.calls.setup(now, p);
        self.pump(now);
        r
    }

    /// Run a request on the call control and pass what it sends to the link.
    ///
    /// # Errors
    /// The request's own error.
    pub fn with_calls<R>(
        &mut self,
        now: Instant,
        f: impl FnOnce(&mut Calls, Instant) -> Result<R, CallError>,
    ) -> Result<R, CallError> {
        let r = f(&mut self.calls, now);
        self.pump(now);
        r
    }

    /// CONNECT ([`Calls::connect`]).
    ///
    /// # Errors
    /// As [`Calls::connect`].
    pub fn connect(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        self.with_calls(now, |c, now| c.connect(now, call))
    }

    /// ALERTING ([`Calls::alerting`]).
    ///
    /// # Errors
    /// As [`Calls::alerting`].
    pub fn alerting(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        self.with_calls(now, |c, now| c.alerting(now, call))
    }

    /// CALL PROCEEDING ([`Calls::proceeding`]).
    ///
    /// # Errors
    /// As [`Calls::proceeding`].
    pub fn proceeding(&mut self, now: Instant, call: CallId) -> Result<(), CallError> {
        self.with_calls(now, |c, now| c.proceeding(now, call))
    }

    /// DISCONNECT ([`Calls::disconnect`]).
    ///
    /// # Errors
    /// As [`Calls::disconnect`].
    pub fn disconnect(
        &mut self,
        now: Instant,
        call: CallId,
        cause: CauseValue,
    ) -> Result<(), CallError> {
        self.with_calls(now, |c, now| c.disconnect(now, call, cause))
    }

    /// RELEASE ([`Calls::release`]).
    ///
    /// # Errors
    /// As [`Calls::release`].
    pub fn release(
        &mut self,
        now: Instant,
        call: CallId,
        cause: CauseValue,
    ) -> Result<(), CallError> {
        self.with_calls(now, |c, now| c.release(now, call, cause))
    }

    /// Layer 1 lost (the span raised RED or BLUE): the data link is released at once
    /// ([`q921::Link::physical_deactivated`]) and call control told (DL-RELEASE
    /// indication), instead of waiting for T200 × N200 to find out. The link re-establishes
    /// by itself (persistent layer 2) once frames get through again.
    pub fn physical_deactivated(&mut self, now: Instant) {
        self.link.physical_deactivated(now);
        self.pump(now);
    }

    /// RESTART ([`Calls::restart`]).
    pub fn restart(&mut self, now: Instant, channel: Option<u8>) {
        self.calls.restart(now, channel);
        self.pump(now);
    }

    fn pump(&mut self, now: Instant) {
        loop {
            let mut progressed = false;
            while let Some(e) = self.link.poll_event() {
                progressed = true;
                match e {
                    q921::Event::Established(_) => {
                        self.calls.handle_input(now, Input::LinkUp);
                        while let Some(m) = self.pending.pop_front() {
                            let _ = self.link.send(now, &m);
                        }
                    }
                    q921::Event::Released(_) => {
                        self.pending.clear();
                        self.calls.handle_input(now, Input::LinkDown);
                    }
                    q921::Event::Data(d) => self.calls.handle_input(now, Input::Data(d)),
                    _ => {}
                }
            }
            while let Some(m) = self.calls.poll_transmit() {
                progressed = true;
                if self.link.is_established() && self.pending.is_empty() {
                    if self.link.send(now, &m).is_err() {
                        self.pending.push_back(m);
                    }
                } else {
                    if self.link.state() == q921::State::TeiAssigned {
                        self.link.establish(now);
                    }
                    self.pending.push_back(m);
                }
            }
            if !progressed {
                break;
            }
        }
    }
}
