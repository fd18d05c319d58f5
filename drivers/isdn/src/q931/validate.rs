//! The error procedures of Q.931 §5.8 (EN 300 403-1 §5.8) as a pure function.
//!
//! [`check_bytes`] (or [`check`] for an already parsed [`Message`]) classifies a received
//! message into the [`Action`] the standard prescribes, in the order of §5.8:
//!
//! | Clause | Condition | Action |
//! |---|---|---|
//! | §5.8.1 | message too short | ignore |
//! | §5.8.2 | protocol discriminator not 0x08 | ignore |
//! | §5.8.3.1 | call reference length octet invalid | ignore |
//! | §5.8.3.2 a | unknown call reference (not SETUP, RELEASE COMPLETE, STATUS, STATUS ENQUIRY) | RELEASE COMPLETE #81 |
//! | §5.8.3.2 b | RELEASE COMPLETE, unknown call reference | ignore |
//! | §5.8.3.2 c, §5.8.11 | STATUS, unknown call reference, call state not Null | RELEASE COMPLETE #101 (Null: ignore) |
//! | §5.8.3.2 e | STATUS ENQUIRY, unknown call reference | process (answer STATUS, Null) |
//! | §5.8.3.2 f | SETUP with the call reference flag set to 1 | ignore |
//! | §5.8.3.2 g | SETUP with a call reference already in use | ignore |
//! | §5.8.3.2 | global call reference on other than RESTART, RESTART ACK, STATUS | STATUS #81 |
//! | §4.3 | dummy call reference on other than FACILITY (Q.932) | ignore |
//! | §5.8.4 | unrecognised message type | STATUS #97 |
//! | §5.8.6.1 | mandatory IE missing: SETUP | RELEASE COMPLETE #96 |
//! | §5.8.6.1 | mandatory IE missing: DISCONNECT / RELEASE | process, RELEASE / RELEASE COMPLETE #96 |
//! | §5.8.6.1 | mandatory IE missing: other | STATUS #96 |
//! | §5.8.6.2 | mandatory IE content error | as §5.8.6.1 with #100 |
//! | §5.8.7.1 | unrecognised IE, comprehension required (codeset 0, `0000 xxxx`) | as §5.8.6.1 with #96 |
//! | §5.8.7.1 | unrecognised IE, not comprehension required | process, STATUS #99 (clearing messages: in the RELEASE / RELEASE COMPLETE) |
//! | §5.8.7.2 | optional IE content error | process, STATUS #100 (clearing messages: in the RELEASE / RELEASE COMPLETE) |
//!
//! Diagnostics carry the offending IE identifier (#96, #99, #100) or the message type
//! (#97), as Q.850 Table 1 says.
//!
//! **Limits:** the call state checks of §5.8.4 (#98/#101 for a message not compatible with
//! the state) and §5.8.10/§5.8.11 belong to the call control state machine; only whether
//! the call reference is known is asked here ([`Context::call_known`]). IE order (§5.8.5.1)
//! and duplicates (§5.8.5.2) are not reported. IEs in codesets 5 (EuroISDN), 6 and 7 that
//! are not recognised are ignored without a STATUS (interworking with national IEs);
//! in QSIG, codeset 5 IEs other than transit counter and party category are reported (#99).
//! Mandatory IEs that are conditional in the standard (cause in the first clearing message,
//! channel identification in the first response to SETUP) are not checked.

use super::cause::CauseValue;
use super::ie::{CallState, Cause, Ie, Location, id};
use super::{CallRef, Message, MessageType, MessageView, ParseError, Role, Variant};
use thiserror::Error;

/// The rule a received message broke (Q.931 §5.8), each mapped to a Q.850 cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// §5.8.1: too short to be a message.
    #[error("message too short (Q.931 §5.8.1)")]
    TooShort,
    /// §5.8.2: protocol discriminator not 0x08.
    #[error("protocol discriminator {0:#04x} (Q.931 §5.8.2)")]
    ProtocolDiscriminator(u8),
    /// §5.8.3.1: call reference length octet invalid.
    #[error("call reference length octet {0:#04x} (Q.931 §5.8.3.1)")]
    CallRefLength(u8),
    /// A variable-length IE runs past the end of the message.
    #[error("information element {0:#04x} truncated")]
    IeTruncated(u8),
    /// §4.3: the dummy call reference on a message that cannot use it.
    #[error("dummy call reference not allowed here (Q.931 §4.3)")]
    DummyCallRef,
    /// §5.8.3.2: the global call reference on a message other than RESTART, RESTART
    /// ACKNOWLEDGE or STATUS.
    #[error("global call reference not allowed here (Q.931 §5.8.3.2)")]
    GlobalCallRef,
    /// §5.8.3.2 a-c: a call reference that relates to no call.
    #[error("call reference relates to no call (Q.931 §5.8.3.2)")]
    UnknownCallRef,
    /// §5.8.3.2 f: SETUP with the call reference flag set.
    #[error("SETUP with call reference flag 1 (Q.931 §5.8.3.2 f)")]
    SetupWithFlag,
    /// §5.8.3.2 g: SETUP with a call reference already in use.
    #[error("SETUP with a call reference in use (Q.931 §5.8.3.2 g)")]
    CallRefInUse,
    /// §5.8.11: STATUS reporting a call state other than Null for an unknown call.
    #[error("STATUS with call state {0} for no call (Q.931 §5.8.11)")]
    StatusIncompatibleState(u8),
    /// §5.8.4: message type not recognised.
    #[error("message type {0:#04x} not recognised (Q.931 §5.8.4)")]
    UnknownMessageType(u8),
    /// §5.8.6.1: a mandatory IE is missing.
    #[error("mandatory information element {0:#04x} missing (Q.931 §5.8.6.1)")]
    MissingMandatoryIe(u8),
    /// §5.8.6.2: a mandatory IE has invalid contents.
    #[error("mandatory information element {0:#04x} invalid (Q.931 §5.8.6.2)")]
    InvalidMandatoryIe(u8),
    /// §5.8.7.1: an unrecognised IE encoded "comprehension required".
    #[error("information element {0:#04x} not recognised, comprehension required (Q.931 §5.8.7.1)")]
    ComprehensionRequired(u8),
    /// §5.8.7.1: an unrecognised IE (not comprehension required).
    #[error("information element {0:#04x} not recognised (Q.931 §5.8.7.1)")]
    UnrecognisedIe(u8),
    /// §5.8.7.2: a non-mandatory IE has invalid contents.
    #[error("information element {0:#04x} invalid (Q.931 §5.8.7.2)")]
    InvalidOptionalIe(u8),
}

impl ProtocolError {
    /// The Q.850 cause to report, if the error is reported at all.
    #[must_use]
    pub const fn cause(self) -> Option<CauseValue> {
        Some(match self {
            Self::TooShort
            | Self::ProtocolDiscriminator(_)
            | Self::CallRefLength(_)
            | Self::IeTruncated(_)
            | Self::DummyCallRef
            | Self::SetupWithFlag
            | Self::CallRefInUse => return None,
            Self::GlobalCallRef | Self::UnknownCallRef => CauseValue::INVALID_CALL_REFERENCE,
            Self::StatusIncompatibleState(_) => CauseValue::MESSAGE_NOT_COMPATIBLE_WITH_STATE,
            Self::UnknownMessageType(_) => CauseValue::MESSAGE_TYPE_NON_EXISTENT,
            Self::MissingMandatoryIe(_) | Self::ComprehensionRequired(_) => {
                CauseValue::MANDATORY_IE_MISSING
            }
            Self::InvalidMandatoryIe(_) | Self::InvalidOptionalIe(_) => {
                CauseValue::INVALID_IE_CONTENTS
            }
            Self::UnrecognisedIe(_) => CauseValue::IE_NON_EXISTENT,
        })
    }

    /// The cause diagnostics octet (Q.850 Table 1): the IE identifier or message type.
    #[must_use]
    pub const fn diagnostic(self) -> Option<u8> {
        match self {
            Self::UnknownMessageType(t) => Some(t),
            Self::MissingMandatoryIe(i)
            | Self::InvalidMandatoryIe(i)
            | Self::ComprehensionRequired(i)
            | Self::UnrecognisedIe(i)
            | Self::InvalidOptionalIe(i) => Some(i),
            _ => None,
        }
    }
}

impl From<ParseError> for ProtocolError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::TooShort => Self::TooShort,
            ParseError::ProtocolDiscriminator(p) => Self::ProtocolDiscriminator(p),
            ParseError::CallRefLength(l) => Self::CallRefLength(l),
            ParseError::IeTruncated { id, .. } => Self::IeTruncated(id),
        }
    }
}

/// What the receiver knows when it checks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context {
    /// The protocol variant.
    pub variant: Variant,
    /// Our role: the message came from the other side.
    pub role: Role,
    /// Does the call reference (value and flag) relate to a call in progress here?
    pub call_known: bool,
}

/// What to do with a received message (Q.931 §5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// No error: act on the message.
    Process,
    /// Drop the message, send nothing.
    Ignore(ProtocolError),
    /// Drop the message and send `response` (STATUS or RELEASE COMPLETE) with the
    /// error's cause.
    Reject {
        /// The rule broken.
        error: ProtocolError,
        /// The message to send back.
        response: MessageType,
    },
    /// Act on the message (treating bad or unknown IEs as absent, a missing clearing cause
    /// as #31) and send `response` with the error's cause: STATUS, or for DISCONNECT and
    /// RELEASE the RELEASE / RELEASE COMPLETE that continues the clearing.
    ProcessAndReport {
        /// The rule broken.
        error: ProtocolError,
        /// The message to send back.
        response: MessageType,
    },
}

impl Action {
    /// The error, if any.
    #[must_use]
    pub const fn error(&self) -> Option<ProtocolError> {
        match *self {
            Self::Process => None,
            Self::Ignore(e)
            | Self::Reject { error: e, .. }
            | Self::ProcessAndReport { error: e, .. } => Some(e),
        }
    }

    /// Build the response message, if the action has one.
    ///
    /// `received` is the call reference of the received message; `call_state` is our
    /// state for it (Q.931 §4.5.7 value, 0 = Null), used in a STATUS. The cause location
    /// is "user" for [`Role::User`] and "private network serving the local user" for
    /// [`Role::Network`].
    #[must_use]
    pub fn response(&self, received: CallRef, role: Role, call_state: u8) -> Option<Message> {
        let (Self::Reject { error, response } | Self::ProcessAndReport { error, response }) = *self
        else {
            return None;
        };
        let location = match role {
            Role::User => Location::User,
            Role::Network => Location::PrivateLocal,
        };
        let mut cause = Cause::new(location, error.cause()?);
        cause.diagnostics.extend(error.diagnostic());
        let mut m = Message::new(received.reply(), response).with(Ie::Cause(cause));
        if response == MessageType::Status {
            m.ies.push(Ie::CallState(CallState {
                coding_standard: 0,
                state: call_state & 0x3F,
            }));
        }
        Some(m)
    }
}

/// Mandatory codeset-0 IEs of `kind` received by `ctx.role` (EN 300 403-1 §3, ECMA-143 §10).
#[must_use]
pub fn mandatory_ies(variant: Variant, role: Role, kind: MessageType) -> &'static [u8] {
    match (kind, variant, role) {
        (MessageType::Setup, Variant::Qsig, _) => {
            &[id::BEARER_CAPABILITY, id::CHANNEL_ID, id::CALLED_NUMBER]
        }
        // EN 300 403-1 §3.1.14: channel identification mandatory network -> user.
        (MessageType::Setup, _, Role::User) => &[id::BEARER_CAPABILITY, id::CHANNEL_ID],
        (MessageType::Setup, _, _) => &[id::BEARER_CAPABILITY],
        (MessageType::Disconnect, ..) => &[id::CAUSE],
        (MessageType::Progress, ..) => &[id::PROGRESS],
        (MessageType::Notify, ..) => &[id::NOTIFICATION],
        (MessageType::Status, ..) => &[id::CAUSE, id::CALL_STATE],
        (MessageType::Restart | MessageType::RestartAck, ..) => &[id::RESTART_INDICATOR],
        (MessageType::Facility, ..) => &[id::FACILITY],
        _ => &[],
    }
}

/// Is the IE `ident` in `codeset` one the variant knows (§5.8.7.1)?
#[must_use]
pub fn recognised(variant: Variant, codeset: u8, ident: u8) -> bool {
    match codeset {
        0 => {
            ident & 0x80 != 0 && matches!(ident & 0xF0, 0x90 | 0xB0 | 0xD0)
                || matches!(ident, id::MORE_DATA | id::SENDING_COMPLETE)
                || Ie::is_typed(ident)
                || matches!(
                    ident,
                    id::SEGMENTED
                        | id::CALL_IDENTITY
                        | id::NETWORK_FACILITIES
                        | id::SIGNAL
                        | id::CONNECTED_SUBADDRESS
                        | id::CALLING_SUBADDRESS
                        | id::CALLED_SUBADDRESS
                        | id::TRANSIT_NETWORK
                        | id::LLC
                        | id::HLC
                        | id::USER_USER
                )
        }
        5 if variant == Variant::Qsig => {
            ident & 0xF0 == 0x90
                || matches!(ident, id::QSIG_TRANSIT_COUNTER | id::QSIG_PARTY_CATEGORY)
        }
        // Codesets 5 (EuroISDN), 6, 7: not reported (see the module limits).
        _ => true,
    }
}

/// Classify received octets (§5.8.1-§5.8.3.1 first, then [`check`]).
///
/// Returns the parsed message when there is one.
#[must_use]
pub fn check_bytes(bytes: &[u8], ctx: &Context) -> (Option<Message>, Action) {
    match MessageView::new_checked(bytes) {
        Err(e) => (None, Action::Ignore(e.into())),
        Ok(v) => {
            let m = Message::parse_view(&v);
            let a = check(&m, ctx);
            (Some(m), a)
        }
    }
}

fn clearing_response(kind: MessageType) -> Option<MessageType> {
    match kind {
        MessageType::Disconnect => Some(MessageType::Release),
        MessageType::Release => Some(MessageType::ReleaseComplete),
        _ => None,
    }
}

/// The action for a mandatory-IE class error (§5.8.6.1, §5.8.6.2, §5.8.7.1 comprehension).
fn mandatory_action(kind: MessageType, error: ProtocolError) -> Action {
    match kind {
        MessageType::Setup => Action::Reject {
            error,
            response: MessageType::ReleaseComplete,
        },
        MessageType::ReleaseComplete => Action::Process,
        k => match clearing_response(k) {
            Some(response) => Action::ProcessAndReport { error, response },
            None => Action::Reject {
                error,
                response: MessageType::Status,
            },
        },
    }
}

/// The action for an optional-IE class error (§5.8.7.1 not comprehension required, §5.8.7.2).
fn optional_action(kind: MessageType, error: ProtocolError) -> Action {
    match kind {
        MessageType::ReleaseComplete => Action::Process,
        k => Action::ProcessAndReport {
            error,
            response: clearing_response(k).unwrap_or(MessageType::Status),
        },
    }
}

/// Classify a parsed message per Q.931 §5.8.3-§5.8.7.
#[must_use]
pub fn check(m: &Message, ctx: &Context) -> Action {
    use MessageType as T;
    let cr = m.call_ref;
    // §4.3 / §5.8.3.2: dummy and global call references.
    if cr.is_dummy() {
        if m.kind != T::Facility {
            return Action::Ignore(ProtocolError::DummyCallRef);
        }
    } else if cr.is_global() {
        if !matches!(m.kind, T::Restart | T::RestartAck | T::Status) {
            return Action::Reject {
                error: ProtocolError::GlobalCallRef,
                response: T::Status,
            };
        }
    } else if m.kind == T::Setup {
        if ctx.call_known {
            return Action::Ignore(ProtocolError::CallRefInUse);
        }
        if cr.flag {
            return Action::Ignore(ProtocolError::SetupWithFlag);
        }
    } else if !ctx.call_known {
        match m.kind {
            T::ReleaseComplete => return Action::Ignore(ProtocolError::UnknownCallRef),
            T::StatusEnquiry => {}
            T::Status => {
                let state = m.find(|ie| {
                    if let Ie::CallState(s) = ie {
                        Some(s.state)
                    } else {
                        None
                    }
                });
                return match state {
                    Some(0) | None => Action::Ignore(ProtocolError::UnknownCallRef),
                    Some(s) => Action::Reject {
                        error: ProtocolError::StatusIncompatibleState(s),
                        response: T::ReleaseComplete,
                    },
                };
            }
            _ => {
                return Action::Reject {
                    error: ProtocolError::UnknownCallRef,
                    response: T::ReleaseComplete,
                };
            }
        }
    }
    // §5.8.4
    if let T::Other(t) = m.kind {
        return Action::Reject {
            error: ProtocolError::UnknownMessageType(t),
            response: T::Status,
        };
    }
    // §5.8.6: mandatory IEs (first occurrence in codeset 0).
    for &want in mandatory_ies(ctx.variant, ctx.role, m.kind) {
        let first = m
            .ies_with_codeset()
            .find(|(cs, ie)| *cs == 0 && ie.id() == want);
        match first {
            None => return mandatory_action(m.kind, ProtocolError::MissingMandatoryIe(want)),
            Some((_, Ie::Invalid { .. })) => {
                return mandatory_action(m.kind, ProtocolError::InvalidMandatoryIe(want));
            }
            Some(_) => {}
        }
    }
    // §5.8.7.1: unrecognised IEs; comprehension required ones first.
    let mut unrecognised = None;
    for (cs, ie) in m.ies_with_codeset() {
        let ident = ie.id();
        if !recognised(ctx.variant, cs, ident) {
            if cs == 0 && ident & 0xF0 == 0 {
                return mandatory_action(m.kind, ProtocolError::ComprehensionRequired(ident));
            }
            unrecognised.get_or_insert(ident);
        }
    }
    if let Some(ident) = unrecognised {
        return optional_action(m.kind, ProtocolError::UnrecognisedIe(ident));
    }
    // §5.8.7.2: optional IEs with invalid contents.
    let bad = m.ies_with_codeset().find_map(|(cs, ie)| match ie {
        Ie::Invalid { id, .. } if cs == 0 => Some(*id),
        _ => None,
    });
    match bad {
        Some(ident) => optional_action(m.kind, ProtocolError::InvalidOptionalIe(ident)),
        None => Action::Process,
    }
}
